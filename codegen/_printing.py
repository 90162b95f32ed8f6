"""Printing sympy expressions as scalar Python for Numba kernels.

Integer powers print as the multiply chains the cost model assumes
(`x**3 -> x*x*x`, `x**-2 -> 1.0/(x*x)`), rather than `**`, which Numba may
lower to a `pow` call; other functions go to `math` (Numba compiles those to
LLVM intrinsics or libm).
"""

from __future__ import annotations

import sympy
from sympy.printing.pycode import PythonCodePrinter

from symnum._errors import CompilationError

__all__ = ["ScalarPrinter", "to_python"]

_MAX_CHAIN = 8


def nested_calls(fn: str, printed: list) -> str:
    """`fn(a, fn(b, c))` of already printed arguments: n-ary Max/Min, And/Or as binary
    calls (numpy.maximum, jax.numpy.minimum, fmax, logical_and take two), which also
    broadcast a scalar against an array where sympy's reduce forms do not."""
    out = printed[-1]
    for a in reversed(printed[:-1]):
        out = f"{fn}({a}, {out})"
    return out


def integer_power(printer, base, n: int, one: str) -> str | None:
    """`base**n` as a multiply chain (`(x*x*x)`, `(1.0/(x*x))`), or None when
    |n| is 0 or above the chain limit. Parenthesized: a Pow binds tighter than
    the product it prints as, and sympy's Mul printer puts x**2 in a
    denominator unparenthesized."""
    if not 1 <= abs(n) <= _MAX_CHAIN:
        return None
    b = printer.parenthesize(base, sympy.printing.precedence.PRECEDENCE["Mul"] + 1)
    chain = "*".join([b] * abs(n))
    if n < 0:
        return f"({one}/({chain}))"
    return f"({chain})" if n > 1 else chain


class ScalarPrinter(PythonCodePrinter):
    """sympy -> one Python expression over scalars (math module functions)."""

    def __init__(self, settings=None):
        super().__init__({"fully_qualified_modules": True, **(settings or {})})

    def _print_Pow(self, expr, rational=False):
        b, n = expr.base, expr.exp
        if n.is_Integer and (chain := integer_power(self, b, int(n), "1.0")) is not None:
            return chain
        if n == sympy.S.Half:
            return f"math.sqrt({self._print(b)})"
        if n == -sympy.S.Half:
            return f"1.0/math.sqrt({self._print(b)})"
        if b == sympy.E:
            return f"math.exp({self._print(n)})"
        return f"math.pow({self._print(b)}, {self._print(n)})"

    def _print_Rational(self, expr):
        return f"{float(expr)!r}"

    def _print_Integer(self, expr):
        return f"{float(expr)!r}"

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Indexed(self, expr):
        # a table entry `h_0[3, i_0 + 1]` (non-uniform grids): integer indices
        index = ", ".join(str(i) if i.is_Integer else sympy.pycode(i) for i in expr.indices)
        return f"{self._print(expr.base.label)}[{index}]"

    def _print_Heaviside(self, expr):
        h0 = expr.args[1] if len(expr.args) > 1 else sympy.S.Half
        x = self._print(expr.args[0])
        return f"(1.0 if {x} > 0 else ({self._print(h0)} if {x} == 0 else 0.0))"

    def _print_Piecewise(self, expr):
        # nested conditional expressions, last branch as the fallback
        out = None
        for value, cond in reversed(expr.args):
            v = self._print(value)
            if out is None:
                if cond != sympy.true:
                    out = f"({v} if {self._print(cond)} else math.nan)"
                else:
                    out = f"({v})"
            else:
                out = f"({v} if {self._print(cond)} else {out})"
        return out

    def _print_not_supported(self, expr):
        raise CompilationError(
            f"cannot generate code for {expr} (a {type(expr).__name__}): rewrite it with "
            f"supported functions (+, *, /, powers, exp, log, trig, Abs, Piecewise)"
        )


def to_python(expr, names: dict | None = None) -> str:
    """`expr` as a Python expression; `names` maps leaves (symbols, fields,
    `u[i+1, j]`) to the variable names they are bound to in the kernel."""
    expr = sympy.sympify(expr)
    if names:
        expr = expr.xreplace({k: sympy.Symbol(v) for k, v in names.items()})
    return ScalarPrinter().doprint(expr)
