"""The rule table, declared once and compiled into both engines: the classical
rewriter (`symnum.rewriting._classical`) and the e-graph (`symnum.rewriting._egraph`).

A rule is data: a left and right pattern written as sympy expressions over the
pattern variables `a, b, c`, and side conditions on them. Patterns are binary
(`a*b + a*c`); both engines match them modulo associativity and commutativity,
so `a*b + a*c` finds the two terms of `k*u1 + 2*u0 + k*u2` that share `k`.
One module per concern; `RULES` is their concatenation.
"""

from ._base import Rule, a, b, c
from .algebra import RULES as ALGEBRA
from .constants import RULES as CONSTANTS
from .division import RULES as DIVISION
from .explog import RULES as EXPLOG
from .powers import RULES as POWERS
from .trig import RULES as TRIG

GROUPS = {
    "algebra": ALGEBRA,
    "powers": POWERS,
    "explog": EXPLOG,
    "trig": TRIG,
    "division": DIVISION,
    "constants": CONSTANTS,
}
RULES = tuple(r for group in GROUPS.values() for r in group)

__all__ = ["Rule", "RULES", "GROUPS", "a", "b", "c"]
