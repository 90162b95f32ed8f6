"""Trigonometric identities that remove calls."""

import sympy

from ._base import a, rule

# Patterns are built unevaluated: sympy would fold `log(exp(a))` or
# `a * 1` before they could serve as patterns.
with sympy.evaluate(False):
    RULES = (
        rule("pythagoras", sympy.sin(a) ** 2 + sympy.cos(a) ** 2, 1),
        rule("tan", sympy.sin(a) / sympy.cos(a), sympy.tan(a)),
        rule("double_angle", sympy.sin(a) * sympy.cos(a), sympy.sin(2 * a) / 2),
    )
