"""Division: terms over one denominator share one division (a reciprocal
multiply), `u1/d + u2/d -> (u1 + u2)/d`; a quotient of quotients divides once."""

import sympy

from ._base import a, b, c, rule

# Patterns are built unevaluated: sympy would fold `log(exp(a))` or
# `a * 1` before they could serve as patterns.
with sympy.evaluate(False):
    RULES = (
        rule("common_denominator", b / a + c / a, (b + c) / a),
        rule("quotient_of_quotient", (b / a) / c, b / (a * c)),
    )
