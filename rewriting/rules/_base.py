from __future__ import annotations

from dataclasses import dataclass

import sympy

# Pattern variables. Dummies cannot collide with a user's symbols.
a, b, c = sympy.symbols("a b c", cls=sympy.Dummy, real=True)
PATTERN_VARS = frozenset((a, b, c))

# Side conditions a rule may require of a pattern variable.
CONDITIONS = ("positive", "real")


@dataclass(frozen=True)
class Rule:
    """`lhs -> rhs` when every `(condition, var)` in `when` holds. Conditions are
    sympy assumptions ("positive", "real") of what `var` matched."""

    name: str
    lhs: sympy.Expr
    rhs: sympy.Expr
    when: tuple[tuple[str, sympy.Symbol], ...] = ()

    def __post_init__(self):
        for cond, var in self.when:
            if cond not in CONDITIONS or var not in PATTERN_VARS:
                raise ValueError(f"rule {self.name}: bad condition {(cond, var)}")

    def __str__(self) -> str:
        cond = f"  if {', '.join(f'{c}({v})' for c, v in self.when)}" if self.when else ""
        return f"{self.name}: {self.lhs} -> {self.rhs}{cond}"


def rule(name, lhs, rhs, when=()) -> Rule:
    return Rule(name, sympy.sympify(lhs), sympy.sympify(rhs), tuple(when))
