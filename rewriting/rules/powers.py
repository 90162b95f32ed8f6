"""Powers. sympy already merges `x*x*x` into `x**3`, and the cost model and
code generation evaluate integer powers as multiply chains (x**3 = x*x*x);
sympy also splits `sqrt(p*q)` and `(x*y)**2` for us, so rules that would merge
those cannot survive the round trip and are not here. What remains exposes
common factors: a difference of squares, so a quotient can cancel."""

import sympy

from ._base import a, b, rule

# Patterns are built unevaluated: sympy would fold `log(exp(a))` or
# `a * 1` before they could serve as patterns.
with sympy.evaluate(False):
    RULES = (
        rule("difference_of_squares", a**2 - b**2, (a + b) * (a - b)),
    )
