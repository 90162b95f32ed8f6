"""The JAX backend: sympy expressions -> a generated jax.numpy function.

`make_jax_function(exprs, leaves, params)` optimizes `exprs` jointly with
`rewriting.optimize` (parameters are invariants) and writes

    def name(L, P):            # L: per-point leaf arrays, P: parameter scalars
        ...temps...
        return [out_0, out_1, ...]

to a real file (so tracebacks and `inspect` work). Leaves are whatever the
caller evaluates per point: coordinates, field values, derivatives of fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy
from sympy.printing.numpy import JaxPrinter

from ._compile import load_source
from ._printing import nested_calls

__all__ = ["JaxFunction", "make_jax_function"]


@dataclass(frozen=True)
class JaxFunction:
    source: str
    fn: Callable
    leaves: tuple
    params: tuple

    def __call__(self, L, P):
        return self.fn(L, P)


class _Printer(JaxPrinter):
    def _print_Integer(self, expr):
        return f"{float(expr)!r}"

    # sympy prints Max/Min through functools.reduce (not imported): pairwise instead
    def _print_Max(self, expr):
        return self._pairwise("jax.numpy.maximum", expr.args)

    def _print_Min(self, expr):
        return self._pairwise("jax.numpy.minimum", expr.args)

    def _pairwise(self, fn, args):
        return nested_calls(fn, [self._print(a) for a in args])

    def _print_Rational(self, expr):
        return f"{float(expr)!r}"


def make_jax_function(exprs, leaves, params=(), name="jax_fn", do_optimize=True) -> JaxFunction:
    leaves, params = tuple(leaves), tuple(params)
    exprs = [sympy.sympify(e) for e in exprs]
    hide = {leaf: sympy.Symbol(f"l{k}", real=True) for k, leaf in enumerate(leaves)}
    hide.update({p: sympy.Symbol(f"p{k}", real=True) for k, p in enumerate(params)})
    body = [e.xreplace(hide) for e in exprs]
    from symnum.rewriting import optimize  # egglog on first use

    prog = optimize(body, invariant=[hide[p] for p in params]) if do_optimize else None
    printer = _Printer({"fully_qualified_modules": True})
    lines = ["import jax", "import jax.numpy", "", "", f"def {name}(L, P):"]
    lines += [f"    l{k} = L[{k}]" for k in range(len(leaves))]
    lines += [f"    p{k} = P[{k}]" for k in range(len(params))]
    if prog is not None:
        lines += [f"    {s} = {printer.doprint(e)}" for s, e in prog.temps]
        outs = prog.outputs
    else:
        outs = body
    lines.append("    return [" + ", ".join(printer.doprint(o) for o in outs) + "]")
    source = "\n".join(lines) + "\n"
    module = load_source(source, name)
    return JaxFunction(source, getattr(module, name), leaves, params)
