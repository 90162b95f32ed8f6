"""Pointwise kernels: evaluate a `Program` at n points with Numba.

Per-point leaves (symbols, fields, stencil accesses) are read from input
arrays, invariant symbols are scalar arguments, and temps that depend on
invariants only are computed once before the loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy

from symnum._errors import CompilationError
from symnum.rewriting import Program

from ._compile import load_source
from ._printing import to_python

__all__ = ["PointwiseKernel", "make_pointwise", "split_invariant_temps"]


def split_invariant_temps(program: Program, params) -> tuple[list, list]:
    """(temps computed once before the loop, temps computed per point)."""
    inv = set(params)
    before, inside = [], []
    for sym, expr in program.temps:
        if expr.free_symbols <= inv and not expr.atoms(sympy.Indexed):
            before.append((sym, expr))
            inv.add(sym)
        else:
            inside.append((sym, expr))
    return before, inside


@dataclass(frozen=True)
class PointwiseKernel:
    """`kernel(inputs, params)` -> array (n_outputs, n). `.source` is the code."""

    source: str
    inputs: tuple
    params: tuple
    n_outputs: int
    fn: Callable

    def __call__(self, inputs: Sequence, params: Sequence = (), out=None) -> np.ndarray:
        if len(inputs) != len(self.inputs) or len(params) != len(self.params):
            raise CompilationError(
                f"kernel takes {len(self.inputs)} input arrays {self.inputs} and "
                f"{len(self.params)} parameters {self.params}; got {len(inputs)} and {len(params)}"
            )
        arrays = [np.ascontiguousarray(a, dtype=np.float64).ravel() for a in inputs]
        n = arrays[0].size if arrays else 1
        if out is None:
            out = np.empty((self.n_outputs, n))
        self.fn(*arrays, *(float(p) for p in params), out)
        return out


def make_pointwise(
    program: Program | Sequence,
    inputs: Sequence,
    params: Sequence = (),
    name: str = "pointwise",
    parallel: bool = False,
) -> PointwiseKernel:
    """Generate and compile a Numba loop evaluating `program` (or a list of
    expressions, evaluated as written) at every point of the input arrays."""
    if not isinstance(program, Program):
        program = Program((), tuple(sympy.sympify(e) for e in program))
    inputs, params = tuple(inputs), tuple(params)
    names = {leaf: f"in_{k}" for k, leaf in enumerate(inputs)}
    names.update({p: f"p_{k}" for k, p in enumerate(params)})
    names.update({s: str(s) for s, _ in program.temps})
    known = set(names)
    for e in [e for _, e in program.temps] + list(program.outputs):
        leaves = (e.free_symbols | e.atoms(sympy.Indexed)) - known
        leaves = {s for s in leaves if not any(s in i.free_symbols for i in e.atoms(sympy.Indexed))}
        if leaves:
            raise CompilationError(
                f"{sorted(map(str, leaves))} in {e} is neither an input nor a parameter: pass "
                f"it in inputs=[...] (per point) or params=[...] (a scalar)"
            )
    before, inside = split_invariant_temps(program, params)
    args = [f"in_{k}" for k in range(len(inputs))] + [f"p_{k}" for k in range(len(params))]
    local = {leaf: f"x_{k}" for k, leaf in enumerate(inputs)}
    body_names = {**names, **local}
    lines = [
        "import math",
        "import numba",
        "",
        "",
        f"@numba.njit(fastmath=True, cache=True, parallel={parallel}, error_model=\"numpy\")",
        f"def {name}({', '.join(args + ['out'])}):",
    ]
    lines += [f"    {s} = {to_python(e, names)}" for s, e in before]
    lines.append("    for n in numba.prange(out.shape[1]):")
    lines += [f"        x_{k} = in_{k}[n]" for k in range(len(inputs))]
    lines += [f"        {s} = {to_python(e, body_names)}" for s, e in inside]
    lines += [f"        out[{k}, n] = {to_python(e, body_names)}" for k, e in enumerate(program.outputs)]
    source = "\n".join(lines) + "\n"
    module = load_source(source, name)
    return PointwiseKernel(source, inputs, params, len(program.outputs), getattr(module, name))
