"""Identities with constants. sympy folds these on construction; the e-graph
needs them spelled out (it also folds numeric literals natively)."""

import sympy

from ._base import a, rule

# Patterns are built unevaluated: sympy would fold `log(exp(a))` or
# `a * 1` before they could serve as patterns.
with sympy.evaluate(False):
    RULES = (
        rule("add_zero", a + 0, a),
        rule("mul_one", a * 1, a),
        rule("mul_zero", a * 0, 0),
    )
