"""Exponentials and logarithms: one transcendental call instead of two."""

import sympy

from ._base import a, b, rule

# Patterns are built unevaluated: sympy would fold `log(exp(a))` or
# `a * 1` before they could serve as patterns.
with sympy.evaluate(False):
    RULES = (
        rule("exp_product", sympy.exp(a) * sympy.exp(b), sympy.exp(a + b)),
        rule("log_sum", sympy.log(a) + sympy.log(b), sympy.log(a * b), when=(("positive", a), ("positive", b))),
        rule("log_exp", sympy.log(sympy.exp(a)), a, when=(("real", a),)),
    )
