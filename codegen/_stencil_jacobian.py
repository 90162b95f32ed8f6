"""The sparse Jacobian of a stencil kernel, from the SYMBOLIC derivative of
each template with respect to each stencil access, generated as vectorized
NumPy that returns COO triplets (rows, cols, values)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse
import sympy

from ._compile import load_source
from ._stencil_kernel import _access_names, _offset_code, _VectorPrinter, kernel_scalar_names, segments, with_imports

__all__ = ["StencilJacobian", "make_stencil_jacobian", "derivative"]


@dataclass(frozen=True)
class StencilJacobian:
    """`jac(U, t, *params, *spacings)` -> scipy.sparse CSR of d rhs / d U (flattened).
    `fn` gives the COO triplets (rows, cols, values); the sparsity pattern depends on
    the grid only, so a call computes `values` alone and sums them into the CSR
    structure made once per grid shape (Rosenbrock methods take a Jacobian every
    step: for a 1-D beam of 162 unknowns this halved its cost)."""

    source: str
    fn: Callable
    values: Callable
    pattern: Callable
    structures: dict = field(default_factory=dict, compare=False, repr=False)
    # no entry reads the state or the time (a linear problem): one matrix per grid shape
    # and parameter values, kept (the damped beam's 14,000 Rosenbrock steps spent 9.5 of
    # their 17 s recomputing it)
    constant: bool = False
    kept: dict = field(default_factory=dict, compare=False, repr=False)

    def __call__(self, U, *scalars) -> scipy.sparse.csr_matrix:
        if not self.constant:
            return self._assemble(U, *scalars)
        key = (U.shape,) + tuple(float(s) if np.ndim(s) == 0 else (np.shape(s), np.asarray(s).tobytes())
                                 for s in scalars[1:])  # (scalars[0] is t)
        J = self.kept.get(key)
        if J is None:
            if len(self.kept) > 32:
                self.kept.clear()
            J = self.kept[key] = self._assemble(U, *scalars)
        return J.copy()

    def _assemble(self, U, *scalars) -> scipy.sparse.csr_matrix:
        n = U.size
        structure = self.structures.get(U.shape)
        if structure is None:
            rows, cols = self.pattern(U, *scalars)
            # the CSR slot of every COO entry (duplicates share one, and are summed)
            keys, slot = np.unique(rows.astype(np.int64) * n + cols, return_inverse=True)
            indptr = np.searchsorted(keys // n, np.arange(n + 1)).astype(np.int64)
            structure = self.structures[U.shape] = (slot.reshape(-1), (keys % n).astype(np.int64), indptr)
        slot, indices, indptr = structure
        data = np.bincount(slot, weights=self.values(U, *scalars), minlength=len(indices))
        return scipy.sparse.csr_matrix((data, indices, indptr), shape=(n, n))


def derivative(expr, var):
    """d expr / d var for generated code: the derivative of sign() (and of Heaviside, a
    DiracDelta) is 0 wherever it is defined, which sympy leaves unevaluated."""
    d = _symengine_diff(expr, var)
    if d is None:
        d = sympy.diff(expr, var)
    return d.replace(lambda e: isinstance(e, sympy.Derivative) and isinstance(e.expr, sympy.sign),
                     lambda e: sympy.Integer(0)).replace(sympy.DiracDelta, lambda *args: sympy.Integer(0))


def _symengine_diff(expr, var):
    """The derivative by SymEngine (C++), or None where it cannot take the expression.
    sympy's own diff spends its time in assumption queries: the 585 derivatives of a
    2-D order-4 flux-form Jacobian took 15-38 s, SymEngine's 2.3 s with the conversions.
    Every free symbol is renamed to a plain one and back, so sympy's assumptions (and
    Dummies, Indexed accesses) survive the round trip."""
    try:
        import symengine
    except ImportError:  # pragma: no cover - a core dependency; sympy is the fallback
        return None
    names = {s: sympy.Symbol(f"_jac_{k}") for k, s in enumerate(expr.free_symbols | {var})}
    try:
        d = symengine.sympify(expr.xreplace(names)).diff(symengine.sympify(names[var]))
        back = sympy.sympify(d)
    except (RuntimeError, TypeError, ValueError, NotImplementedError, AttributeError, sympy.SympifyError):
        return None  # a function SymEngine does not know (erf, Heaviside, ...)
    if back.has(sympy.Derivative, sympy.Subs):
        return None  # left unevaluated there: let sympy decide (sign' = 0, ...)
    return back.xreplace({plain: s for s, plain in names.items()})


def make_stencil_jacobian(regions, state, axes, reach, time, params, name) -> StencilJacobian:
    """`regions` is a list of (position, [(k, expr), ...]): row field k of that
    region has the right-hand side (or residual) `expr`."""
    nd = len(axes)
    scalar_names = kernel_scalar_names(time, params, axes)
    args = ["U", "t"] + [f"p_{k}" for k in range(len(params))] + [f"h_{k}" for k in range(nd)]
    printer = _VectorPrinter()
    lines = ["import math", "import numpy", "", "", f"def {name}({', '.join(args)}):"]
    lines += [f"    n_{a} = U.shape[{a + 1}]" for a in range(nd)]
    lines.append("    N = " + (" * ".join(f"n_{a}" for a in range(nd)) or "1"))
    lines.append("    rows, cols, vals = [], [], []")
    periodic = [a.periodic for a in axes]
    idx = {ax.index: sympy.Symbol(f"I_{a}") for a, ax in enumerate(axes)}

    def flat(codes):
        if not codes:  # an ODE system: a single node
            return "0"
        out = codes[0]
        for a in range(1, nd):
            out = f"({out}) * n_{a} + {codes[a]}"
        return out

    constant = True
    for position, rows in regions:
        # the derivative of each row with respect to each access, once per region
        entries = []
        for k, expr in rows:
            accesses = sorted(
                (a for a in expr.atoms(sympy.Indexed) if a.base == state), key=sympy.default_sort_key
            )
            # real: every state value is (complex fields are split into real parts), so
            # Abs(u)' = sign(u), not sympy's expression in re(u), im(u) and their derivatives
            dummies = {a: sympy.Dummy(real=True) for a in accesses}
            plain = expr.xreplace(dummies)
            for acc in accesses:
                d = derivative(plain, dummies[acc])
                if d != 0:
                    entries.append((k, acc, d.xreplace({v: a for a, v in dummies.items()})))
                    if d.free_symbols & set(dummies.values()) or (time is not None and d.has(time)):
                        constant = False
        if not entries:
            continue
        lines.append(f"    # region {position}")
        for segs in itertools.product(*segments(position, reach, periodic)):
            wraps = [w for _, _, w in segs]
            for a, (start, stop, _) in enumerate(segs):
                shape = ", ".join("-1" if b == a else "1" for b in range(nd))
                lines.append(f"    I_{a} = numpy.arange({start}, {stop}).reshape({shape})")
            lines.append("    shape = numpy.broadcast_shapes(" + "".join(f"I_{a}.shape, " for a in range(nd)) + ")")
            lines.append(f"    node = {flat([f'I_{a}' for a in range(nd)])}")
            for k, acc, d in entries:
                def code(a, off, wraps=wraps):
                    c = _offset_code(f"I_{a}", off)
                    return f"({c}) % n_{a}" if wraps[a] and off else c

                names = _access_names([d], state, code)
                sub = {**names, **idx, **scalar_names}
                m = int(acc.indices[0])
                col = []
                for a, i in enumerate(acc.indices[1:]):
                    off = int(i.as_coeff_Add()[0])
                    c = f"(I_{a} + {off})" if off else f"I_{a}"
                    col.append(f"({c} % n_{a})" if wraps[a] else c)
                lines.append(f"    rows.append(numpy.broadcast_to({k} * N + node, shape).ravel())")
                lines.append(f"    cols.append(numpy.broadcast_to({m} * N + {flat(col)}, shape).ravel())")
                lines.append(
                    f"    vals.append(numpy.broadcast_to(numpy.asarray({printer.doprint(d.xreplace(sub))}, "
                    f"dtype=float), shape).ravel())"
                )
    lines.append("    if not rows:")
    lines.append("        return numpy.zeros(0, int), numpy.zeros(0, int), numpy.zeros(0)")
    lines.append("    return numpy.concatenate(rows), numpy.concatenate(cols), numpy.concatenate(vals)")
    # the values alone, and the pattern alone: the same function without the other's lines
    head = lines.index("    rows, cols, vals = [], [], []")

    values = [ln.replace(f"def {name}(", f"def {name}_values(", 1) for ln in lines[:head + 1]]
    values += [ln for ln in lines[head + 1:-3] if not ln.lstrip().startswith(("rows.append", "cols.append", "node = "))]
    values += ["    return numpy.concatenate(vals) if vals else numpy.zeros(0)"]
    pattern = [ln.replace(f"def {name}(", f"def {name}_pattern(", 1) for ln in lines[:head + 1]]
    pattern += [ln for ln in lines[head + 1:-3] if not ln.lstrip().startswith("vals.append")]
    pattern += ["    if not rows:", "        return numpy.zeros(0, int), numpy.zeros(0, int)",
                "    return numpy.concatenate(rows), numpy.concatenate(cols)"]
    source = with_imports("\n".join(lines + ["", ""] + values + ["", ""] + pattern) + "\n")
    module = load_source(source, name)
    return StencilJacobian(source, getattr(module, name), getattr(module, f"{name}_values"),
                           getattr(module, f"{name}_pattern"), constant=constant)


def dense_fd_jacobian(f, y, eps=1e-7):
    """Reference: forward-difference dense Jacobian of f at y (tests, benchmarks)."""
    y = np.asarray(y, dtype=float)
    f0 = f(y).ravel()
    J = np.empty((f0.size, y.size))
    for j in range(y.size):
        dy = np.zeros(y.size)
        h = eps * max(1.0, abs(y.flat[j]))
        dy[j] = h
        J[:, j] = (f(y + dy.reshape(y.shape)).ravel() - f0) / h
    return J
