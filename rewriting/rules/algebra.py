"""Factoring: pull a common factor out of two terms (reverse distribution).
Applied repeatedly this factors stencils, `k*u1 + k*u2 - 4*k*u0 ->
k*(u1 + u2 - 4*u0)`, and turns expanded polynomials into Horner form."""

import sympy

from ._base import a, b, c, rule

# Patterns are built unevaluated: sympy would fold `log(exp(a))` or
# `a * 1` before they could serve as patterns.
with sympy.evaluate(False):
    RULES = (
        rule("factor", a * b + a * c, a * (b + c)),
        rule("factor_one", a * b + a, a * (b + 1)),
    )
