"""StencilSystem templates -> kernel source, for Numba (loops) or NumPy
(vectorized, the reference backend).

A kernel computes, region by region, `out[k, node] = template_k(node)` for
the fields a region assigns. Along a periodic axis the interior template runs
in three segments: the edge strips use wrapped indices `(i + a) % n`, the
interior strip plain offsets, so the hot loop has no modulo. Loop-invariant
temps (parameters, spacings, t) are computed once, before the loops.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from typing import Callable

import sympy
from sympy.printing.numpy import NumPyPrinter

from ._compile import load_source
from ._pointwise import split_invariant_temps
from ._printing import ScalarPrinter, nested_calls

__all__ = ["Kernel", "RegionCode", "make_stencil_kernel", "segments"]


@dataclass(frozen=True)
class RegionCode:
    """What a kernel computes in one region: outputs `fields[m] = program.outputs[m]`."""

    position: tuple
    fields: tuple  # field indices
    program: object  # symnum.rewriting.Program


@dataclass(frozen=True)
class Kernel:
    """A compiled kernel: `kernel(U, out, t, *params, *spacings)`; `.source` is the code."""

    source: str
    backend: str
    fn: Callable

    def __call__(self, *args):
        return self.fn(*args)

    def __str__(self) -> str:
        return self.source


def axis_segments(a, p, H, periodic):
    """Loop bounds (start, stop, wrap) as code strings for position `p` on axis `a`:
    one node near an end, or the interior; a periodic interior splits into two
    wrapped edge strips around a plain strip."""
    n = f"n_{a}"
    if p[0] == "lo":
        return [(f"{p[1]}", f"{p[1] + 1}", False)]
    if p[0] == "hi":
        return [(f"{n} - {p[1] + 1}", f"{n} - {p[1]}", False)]
    if not periodic:
        return [(f"{H + 1}", f"{n} - {H + 1}", False)]
    if H == 0:
        return [("0", n, False)]
    return [("0", f"{H}", True), (f"{H}", f"{n} - {H}", False), (f"{n} - {H}", n, True)]


def segments(position, reach, periodic):
    """Per axis: the list of (start, stop, wrap) loop bounds."""
    return [axis_segments(a, p, H, per) for a, (p, H, per) in enumerate(zip(position, reach, periodic))]


class _VectorPrinter(NumPyPrinter):
    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})

    def _print_erf(self, expr):
        # numpy has no erf (sympy would print math.erf, scalar only)
        return f"scipy.special.erf({self._print(expr.args[0])})"

    # sympy prints Max/Min through functools.reduce, which the kernel's module does not
    # import: pairwise calls instead, which broadcast scalars against arrays too
    def _print_Max(self, expr):
        return self._chain("numpy.maximum", expr.args)

    def _print_Min(self, expr):
        return self._chain("numpy.minimum", expr.args)

    # sympy prints And/Or as numpy.logical_and.reduce((a, b)), which fails when a
    # is a scalar (t >= 1.1) and b an array; pairwise calls broadcast.
    def _print_And(self, expr):
        return self._chain("numpy.logical_and", expr.args)

    def _print_Or(self, expr):
        return self._chain("numpy.logical_or", expr.args)

    def _chain(self, fn, args):
        return nested_calls(fn, [self._print(a) for a in args])


def kernel_scalar_names(time, params, axes) -> dict:
    """The kernel argument names of the scalars: t, p_k (parameters), h_a (spacings)."""
    names = {time: sympy.Symbol("t")}
    names.update({p: sympy.Symbol(f"p_{k}") for k, p in enumerate(params)})
    names.update({a.spacing: sympy.Symbol(f"h_{k}") for k, a in enumerate(axes)})
    return names


def _offset_code(base, off):
    return base if off == 0 else (f"{base} + {off}" if off > 0 else f"{base} - {-off}")


def _access_names(exprs, state, index_code):
    """Each `U[k, i_0 + a, ...]` -> a symbol named by its code; `index_code(axis,
    offset)` spells one index."""
    names = {}
    for e in exprs:
        for acc in e.atoms(sympy.Indexed):
            if acc.base != state:
                continue
            parts = [str(acc.indices[0])]
            for a, idx in enumerate(acc.indices[1:]):
                parts.append(index_code(a, int(idx.as_coeff_Add()[0])))
            names[acc] = sympy.Symbol(f"U[{', '.join(parts)}]")
    return names


def _offsets(exprs, state, axis):
    return {
        int(acc.indices[axis + 1].as_coeff_Add()[0])
        for e in exprs
        for acc in e.atoms(sympy.Indexed)
        if acc.base == state
    }


def renamed_program(ri, program, scalar_names):
    """Region `ri`'s temps and outputs with temps prefixed `r{ri}` (one kernel holds
    every region) and scalars spelled as the kernel's arguments."""
    rename = {s: sympy.Symbol(f"r{ri}{s}") for s, _ in program.temps}
    temps = [(rename[s], e.xreplace(rename).xreplace(scalar_names)) for s, e in program.temps]
    outs = [o.xreplace(rename).xreplace(scalar_names) for o in program.outputs]
    return temps, outs


@dataclass(frozen=True)
class _Prepared:
    position: tuple
    fields: tuple
    inside: list  # per-point temps
    outs: list


def make_stencil_kernel(
    regions: list[RegionCode],
    state: sympy.IndexedBase,
    axes,
    reach,
    time: sympy.Symbol,
    params: tuple,
    backend: str,
    name: str,
) -> Kernel:
    """Generate and compile the kernel for `regions` (see the module docstring).
    `backend` is "numba" or "numpy"."""
    nd = len(axes)
    scalar_names = kernel_scalar_names(time, params, axes)
    args = ["U", "out", "t"] + [f"p_{k}" for k in range(len(params))] + [f"h_{k}" for k in range(nd)]
    lines = ["import math", "import numba", "import numpy", "", ""]
    if backend == "numba":
        # an ODE system (no grid) has no loop to parallelize
        # error_model="numpy": 1/0 gives inf as in the NumPy backend (the solver then
        # reports the non-finite state) instead of raising from inside the loop
        lines.append(f"@numba.njit(fastmath=True, cache=True, parallel={nd > 0}, error_model=\"numpy\")")
    lines.append(f"def {name}({', '.join(args)}):")
    lines += [f"    n_{a} = U.shape[{a + 1}]" for a in range(nd)]
    printer = ScalarPrinter() if backend == "numba" else _VectorPrinter()
    invariant = set(scalar_names.values())
    prepared = []
    before_lines = []  # loop-invariant temps, computed once per call
    for ri, rc in enumerate(regions):
        temps, outs = renamed_program(ri, rc.program, scalar_names)
        before, inside = split_invariant_temps(type(rc.program)(tuple(temps), tuple(outs)), invariant)
        before_lines += [f"    {s} = {printer.doprint(e)}" for s, e in before]
        prepared.append(_Prepared(rc.position, rc.fields, inside, outs))
    lines += before_lines
    emit = _emit_numba if backend == "numba" else _emit_numpy
    emit(prepared, state, axes, reach, printer, lines)
    source = with_imports("\n".join(lines) + "\n")
    if backend == "numba" and nd > 0:
        source = with_serial_twin(source, name)
    if backend == "numba" and row_twin_eligible(axes):
        source += "\n".join(row_twin(prepared, state, axes, reach, printer, (args[3:], before_lines), name)) + "\n"
    module = load_source(source, name)
    return Kernel(source, backend, getattr(module, name))


def with_imports(source: str) -> str:
    """`source` with the imports only some kernels need (scipy.special's erf on arrays)."""
    return "import scipy.special\n" + source if "scipy.special." in source else source


SERIAL = "_serial"


def with_serial_twin(source: str, name: str) -> str:
    """`source` with a serial copy of the parallel kernel `name` appended as
    `{name}_serial`: the compiled loops of small problems call it, because every
    call of a parallel function launches a parallel region, about 2 us even on
    one thread (measured: 2.6 against 0.46 us per call at 128 nodes). It is the
    last function of `source`; Numba compiles it on its first call only."""
    head = f"@numba.njit(fastmath=True, cache=True, parallel=True, error_model=\"numpy\")\ndef {name}("
    at = source.rindex(head)
    twin = (source[at:].replace("parallel=True", "parallel=False").replace("numba.prange(", "range(")
            .replace(f"def {name}(", f"def {name}{SERIAL}(", 1))
    return source + "\n\n# the same kernel without threads, for the compiled loops of small problems\n" + twin


def twin(fn, suffix: str):
    """The generated twin `{name}{suffix}` of the Numba kernel `fn` (SERIAL: without
    threads, `with_serial_twin`; ROW: one row of a strip, `row_twin`), or None."""
    return getattr(sys.modules[fn.py_func.__module__], fn.__name__ + suffix, None)


def make_global_wrapper(kernel_fn, integrand_fn, n_params: int, n_globals: int, nd: int, name: str):
    """A Numba function `name(U, out, t, *params, *spacings)` that computes the integral
    terms (the weighted integrands of `integrand_fn` summed over the grid) and calls the
    RHS kernel with them after the parameters: what the compiled loops call for a
    system with integral terms. With a serial twin `name_serial` (see `with_serial_twin`)."""
    p = [f"p_{k}" for k in range(n_params)]
    h = [f"h_{a}" for a in range(nd)]
    g = [f"g_{k}" for k in range(n_globals)]
    lines = ["import sys", "import numba", "import numpy", ""]
    for role, fn in (("kernel", kernel_fn), ("integrand", integrand_fn)):
        module = fn.py_func.__module__
        lines.append(f"{role} = getattr(sys.modules[{module!r}], {fn.__name__!r})")
        lines.append(f"{role}{SERIAL} = getattr(sys.modules[{module!r}], {(twin(fn, SERIAL) or fn).__name__!r})")
    for suffix in ("", SERIAL):
        lines += ["", "", "@numba.njit(cache=True, error_model=\"numpy\")",
                  f"def {name}{suffix}({', '.join(['U', 'out', 't'] + p + h)}):",
                  f"    w = numpy.empty(({n_globals},) + U.shape[1:])",
                  f"    integrand{suffix}({', '.join(['U', 'w', 't'] + p + h)})"]
        lines += [f"    g_{k} = w[{k}].sum()" for k in range(n_globals)]
        lines.append(f"    kernel{suffix}({', '.join(['U', 'out', 't'] + p + g + h)})")
    source = "\n".join(lines) + "\n"
    module = load_source(source, name)
    return getattr(module, name)


def row_arg(off: int) -> str:
    """The row kernel's argument naming the row of U at axis-0 offset `off`."""
    return "q0" if off == 0 else f"q{'p' if off > 0 else 'm'}{abs(off)}"


ROW = "_row"


def row_twin_eligible(axes) -> bool:
    """A row twin exists for kernels of grids of >= 2 axes, all periodic and
    uniform (one region: the interior)."""
    return len(axes) >= 2 and all(a.periodic and getattr(a, "uniform", True) for a in axes)


def row_twin(prepared, state, axes, reach, printer, before, name) -> list[str]:
    """`{name}_row(U, out, t, i_0, orow, qm{R}..q0..qp{R}, j_lo, j_hi, shift, n_1,
    *params, *spacings)`: the kernel's outputs of grid row i_0 (axis 0) over the
    columns (axis 1) j_lo <= j < j_hi of a strip, written to `out[:, orow, j]`, the
    neighbour rows read from `U[:, q.., j + offset]`. Column j of U and out is grid
    column (j + shift) mod n_1: both are ring buffers holding a strip of columns
    with a halo, so no index wraps. The compiled loops chain Runge-Kutta stages
    row by row through such buffers (temporal blocking: the stages of a step
    stay in cache instead of streaming full arrays)."""
    R = max(reach[:2])  # the loops' one reach for rows and columns
    qs = [row_arg(off) for off in range(-R, R + 1)]
    nd = len(axes)
    args = ["U", "out", "t", "i_0", "orow", *qs, "j_lo", "j_hi", "shift", "n_1", *before[0]]
    lines = ["", "", "# one row of the kernel on a strip of columns, for the compiled loops' row-chained stages",
             "@numba.njit(fastmath=True, cache=True, error_model=\"numpy\")",
             f"def {name}{ROW}({', '.join(args)}):"]
    lines += [f"    n_{a} = U.shape[{a + 1}]" for a in range(2, nd)]
    lines += before[1]
    # a loop of one trip around the row's loops: without it LLVM does not
    # vectorize them (measured: Gray-Scott's row 1.6x slower than a row of the kernel)
    lines.append("    for _ in range(1):")
    body = []
    _emit_numba(prepared, state, axes, reach, printer, body, row=True)
    return lines + ["    " + ln for ln in body]


def _emit_numpy(prepared, state, axes, reach, printer, lines):
    nd = len(axes)
    periodic = [a.periodic for a in axes]
    idx = {ax.index: sympy.Symbol(f"I_{a}") for a, ax in enumerate(axes)}
    for item in prepared:
        lines.append(f"    # region {item.position}")
        exprs = [e for _, e in item.inside] + item.outs
        for segs in itertools.product(*segments(item.position, reach, periodic)):
            def code(a, off, segs=segs):
                c = _offset_code(f"I_{a}", off)
                return f"({c}) % n_{a}" if segs[a][2] and off else c

            sub = {**_access_names(exprs, state, code), **idx}
            for a, (start, stop, _) in enumerate(segs):
                shape = ", ".join("-1" if b == a else "1" for b in range(nd))
                lines.append(f"    I_{a} = numpy.arange({start}, {stop}).reshape({shape})")
            box = "".join(f", {start}:{stop}" for start, stop, _ in segs)
            lines += [f"    {s} = {printer.doprint(e.xreplace(sub))}" for s, e in item.inside]
            lines += [
                f"    out[{k}{box}] = {printer.doprint(o.xreplace(sub))}"
                for k, o in zip(item.fields, item.outs)
            ]


def _emit_numba(prepared, state, axes, reach, printer, lines, row=False):
    """Loops: one `prange` over the interior rows of the outermost axis (so one
    parallel region, which keeps Numba's compile time down); along outer
    periodic axes, wrapped neighbour indices are computed once per row; only
    the innermost axis is split into edge segments (with modulo) and an
    interior segment (plain offsets, vectorizable).

    With `row`, the loops of one row (axis 0 fixed) on a strip of axis 1: the
    rows of U holding axis-0 offsets -R..R are the arguments `qm{R}..q0..qp{R}`,
    the output row is `orow`, axis 1 runs over the strip's ring columns `j`
    without wrapping, `i_1` is the grid column (see `row_twin`)."""
    nd = len(axes)
    periodic = [a.periodic for a in axes]
    inner = nd - 1

    def wrapped(a, off):
        return f"w{a}{'p' if off > 0 else 'm'}{abs(off)}"

    def body(item, pad, wrap_inner):
        def code(a, off):
            if row and a == 0:
                return row_arg(off)
            if row and a == 1:
                return _offset_code("j", off)
            if a < inner and periodic[a] and off:
                return wrapped(a, off)
            c = _offset_code(f"i_{a}", off)
            return f"({c}) % n_{a}" if a == inner and wrap_inner and off else c

        exprs = [e for _, e in item.inside] + item.outs
        loads = _access_names(exprs, state, code)
        # Every load into a local before any store: Numba cannot prove that `out`
        # and `U` do not alias, so a load after a store is repeated and blocks
        # vectorization (measured: 1.7x slower on Gray-Scott).
        sub = {}
        for n, (acc, load) in enumerate(sorted(loads.items(), key=lambda kv: str(kv[1]))):
            sub[acc] = sympy.Symbol(f"a{n}")
            lines.append(f"{pad}a{n} = {load}")
        node = "".join(", orow" if row and a == 0 else (", j" if row and a == 1 else f", i_{a}") for a in range(nd))
        lines.extend(f"{pad}{s} = {printer.doprint(e.xreplace(sub))}" for s, e in item.inside)
        lines.extend(
            f"{pad}out[{k}{node}] = {printer.doprint(o.xreplace(sub))}"
            for k, o in zip(item.fields, item.outs)
        )

    def emit(a, group, pad):
        if row and a == 1:  # the strip's columns: no wrapping; i_1 the grid column, for coordinates
            # from column 1, not j_lo: LLVM (Numba 0.68) vectorizes this loop only when
            # it starts at a literal 0 or 1 (measured: 3.7x). The columns before j_lo
            # are halo no stage reads; their values are finite (rings start zeroed).
            lines.append(f"{pad}for j in range(1, j_hi):")
            lines.append(f"{pad}    i_1 = j + shift")
            lines.append(f"{pad}    i_1 = i_1 + n_1 if i_1 < 0 else (i_1 - n_1 if i_1 >= n_1 else i_1)")
            if nd == 2:
                for item in group:
                    body(item, pad + "    ", False)
            else:
                emit(2, group, pad + "    ")
            return
        keys = []
        for item in group:
            if item.position[a] not in keys:
                keys.append(item.position[a])
        for pos in keys:
            sub = [it for it in group if it.position[a] == pos]
            segs = axis_segments(a, pos, reach[a], periodic[a])
            if a < inner and periodic[a] and pos == ("mid",):
                segs = [("0", f"n_{a}", False)]  # wrapping is done per row, below
            for start, stop, wrap in segs:
                parallel = a == 0 and pos == ("mid",) and not wrap
                loop = "numba.prange" if parallel else "range"
                # max(stop, start): the same (empty) range, but LLVM then vectorizes the
                # loop; with range(2, n_0 - 2) alone a 1-D heat kernel ran 5x slower
                # (scalar) than with range(1, n_0 - 1) (benchmarks/RESULTS.md)
                bound = stop if start == "0" else f"max({stop}, {start})"
                lines.append(f"{pad}for i_{a} in {loop}({start}, {bound}):")
                if a == inner:
                    for item in sub:
                        lines.append(f"{pad}    # region {item.position}")
                        body(item, pad + "    ", wrap)
                    continue
                if periodic[a]:
                    offs = set().union(*(_offsets([e for _, e in it.inside] + it.outs, state, a) for it in sub))
                    for off in sorted(o for o in offs if o):
                        w = wrapped(a, off)
                        if off > 0:
                            lines.append(f"{pad}    {w} = i_{a} + {off} if i_{a} + {off} < n_{a} else i_{a} + {off} - n_{a}")
                        else:
                            lines.append(f"{pad}    {w} = i_{a} - {-off} if i_{a} >= {-off} else i_{a} - {-off} + n_{a}")
                emit(a + 1, sub, pad + "    ")

    if nd == 0:  # an ODE system: one "node", no loops
        for item in prepared:
            body(item, "    ", False)
    else:
        emit(1 if row else 0, prepared, "    ")
