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
from dataclasses import dataclass
from typing import Callable

import sympy
from sympy.printing.numpy import NumPyPrinter

from ._compile import load_source
from ._pointwise import split_invariant_temps
from ._printing import ScalarPrinter

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


def segments(position, reach, periodic):
    """Per axis: list of (start, stop, wrap) loop bounds, as code strings."""
    out = []
    for a, (p, H, per) in enumerate(zip(position, reach, periodic)):
        n = f"n_{a}"
        if p[0] == "lo":
            out.append([(f"{p[1]}", f"{p[1] + 1}", False)])
        elif p[0] == "hi":
            out.append([(f"{n} - {p[1] + 1}", f"{n} - {p[1]}", False)])
        elif per:
            if H == 0:
                out.append([("0", n, False)])
            else:
                out.append([("0", f"{H}", True), (f"{H}", f"{n} - {H}", False), (f"{n} - {H}", n, True)])
        else:
            out.append([(f"{H + 1}", f"{n} - {H + 1}", False)])
    return out


class _VectorPrinter(NumPyPrinter):
    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})

    # sympy prints And/Or as numpy.logical_and.reduce((a, b)), which fails when a
    # is a scalar (t >= 1.1) and b an array; pairwise calls broadcast.
    def _print_And(self, expr):
        return self._chain("numpy.logical_and", expr.args)

    def _print_Or(self, expr):
        return self._chain("numpy.logical_or", expr.args)

    def _chain(self, fn, args):
        out = self._print(args[-1])
        for a in reversed(args[:-1]):
            out = f"{fn}({self._print(a)}, {out})"
        return out


def _access_names(exprs, state, index_names, wraps):
    """Each `U[k, i_0 + a, ...]` -> a symbol named by its code."""
    names = {}
    for e in exprs:
        for acc in e.atoms(sympy.Indexed):
            if acc.base != state:
                continue
            parts = [str(acc.indices[0])]
            for a, idx in enumerate(acc.indices[1:]):
                off = int(idx.as_coeff_Add()[0])
                base = index_names[a]
                code = base if off == 0 else (f"{base} + {off}" if off > 0 else f"{base} - {-off}")
                if wraps[a] and off != 0:
                    code = f"({code}) % n_{a}"
                parts.append(code)
            names[acc] = sympy.Symbol(f"U[{', '.join(parts)}]")
    return names


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
    scalars = [time] + list(params) + [a.spacing for a in axes]
    scalar_names = {time: sympy.Symbol("t")}
    scalar_names.update({p: sympy.Symbol(f"p_{k}") for k, p in enumerate(params)})
    scalar_names.update({a.spacing: sympy.Symbol(f"h_{k}") for k, a in enumerate(axes)})
    args = ["U", "out", "t"] + [f"p_{k}" for k in range(len(params))] + [f"h_{k}" for k in range(nd)]
    periodic = [a.periodic for a in axes]
    lines = ["import math", "import numba", "import numpy", "", ""]
    if backend == "numba":
        lines.append("@numba.njit(fastmath=True, cache=True, parallel=True)")
    lines.append(f"def {name}({', '.join(args)}):")
    lines += [f"    n_{a} = U.shape[{a + 1}]" for a in range(nd)]
    printer = ScalarPrinter() if backend == "numba" else _VectorPrinter()
    invariant = set(scalars)
    for ri, rc in enumerate(regions):
        prog = rc.program
        rename = {s: sympy.Symbol(f"r{ri}{s}") for s, _ in prog.temps}
        temps = [(rename[s], e.xreplace(rename)) for s, e in prog.temps]
        outs = [o.xreplace(rename) for o in prog.outputs]
        before, inside = split_invariant_temps(type(prog)(tuple(temps), tuple(outs)), invariant)
        lines.append(f"    # region {rc.position}")
        lines += [f"    {s} = {printer.doprint(e.xreplace(scalar_names))}" for s, e in before]
        for segs in itertools.product(*segments(rc.position, reach, periodic)):
            wraps = [w for _, _, w in segs]
            exprs = [e for _, e in inside] + outs
            acc = _access_names(exprs, state, [f"i_{a}" if backend == "numba" else f"I_{a}" for a in range(nd)], wraps)
            idx = {ax.index: sympy.Symbol(f"i_{a}" if backend == "numba" else f"I_{a}") for a, ax in enumerate(axes)}
            sub = {**acc, **idx, **scalar_names}
            if backend == "numba":
                pad = "    "
                for a, (start, stop, _) in enumerate(segs):
                    loop = "numba.prange" if a == 0 else "range"
                    lines.append(f"{pad}for i_{a} in {loop}({start}, {stop}):")
                    pad += "    "
                node = ", ".join(f"i_{a}" for a in range(nd))
                lines += [f"{pad}{s} = {printer.doprint(e.xreplace(sub))}" for s, e in inside]
                lines += [
                    f"{pad}out[{k}, {node}] = {printer.doprint(o.xreplace(sub))}"
                    for k, o in zip(rc.fields, outs)
                ]
            else:
                pad = "    "
                for a, (start, stop, _) in enumerate(segs):
                    shape = ", ".join("-1" if b == a else "1" for b in range(nd))
                    lines.append(f"{pad}I_{a} = numpy.arange({start}, {stop}).reshape({shape})")
                box = ", ".join(f"{start}:{stop}" for start, stop, _ in segs)
                lines += [f"{pad}{s} = {printer.doprint(e.xreplace(sub))}" for s, e in inside]
                lines += [
                    f"{pad}out[{k}, {box}] = {printer.doprint(o.xreplace(sub))}"
                    for k, o in zip(rc.fields, outs)
                ]
    source = "\n".join(lines) + "\n"
    module = load_source(source, name)
    return Kernel(source, backend, getattr(module, name))
