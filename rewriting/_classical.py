"""The classical engine: a cost-directed term rewriter in the SymbolicUtils
style (postwalk + fixpoint), driven by the shared rule table.

Matching is modulo associativity and commutativity of Add and Mul without
enumerating orderings: a binary pattern `p0 + p1` is tried on every ordered
pair of terms of an n-ary sum, and `a*b` against any term splits it into one
factor and the rest (a power x**n also offers x and x**(n-1)). A rewrite is
kept only when it lowers the cost, so the result never costs more than the input.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import sympy

from ._cost import CPU, CostModel, cost
from .rules import RULES, Rule
from .rules._base import PATTERN_VARS

__all__ = ["simplify_classical", "match"]

_ASSUMPTION = {"positive": "is_positive", "real": "is_real"}


def _factor_views(e) -> Iterator[tuple]:
    """Ways to see `e` as `factor * rest`."""
    if e.is_Mul:
        args = e.args
        for i, x in enumerate(args):
            rest = args[:i] + args[i + 1 :]
            yield x, sympy.Mul(*rest)
            if x.is_Pow and x.exp.is_Integer and x.exp >= 2:
                yield x.base, sympy.Mul(*rest) * x.base ** (x.exp - 1)
    elif e.is_Pow and e.exp.is_Integer and e.exp >= 2:
        yield e.base, e.base ** (e.exp - 1)


def _term_views(e) -> Iterator[tuple]:
    """Ways to see `e` as `term + rest`."""
    if e.is_Add:
        args = e.args
        for i, x in enumerate(args):
            yield x, sympy.Add(*(args[:i] + args[i + 1 :]))


def match(p, e, env: dict) -> Iterator[dict]:
    """All bindings of pattern variables under which pattern `p` equals `e`."""
    if p in PATTERN_VARS:
        if p in env:
            if env[p] == e:
                yield env
        else:
            yield {**env, p: e}
        return
    if p.is_Number:
        if e == p:
            yield env
        return
    if (p.is_Add or p.is_Mul) and len(p.args) == 2:
        views = _term_views(e) if p.is_Add else _factor_views(e)
        for x, rest in views:
            for p0, p1 in ((p.args[0], p.args[1]), (p.args[1], p.args[0])):
                for env1 in match(p0, x, env):
                    yield from match(p1, rest, env1)
        return
    if p.is_Atom or not p.args:
        if p == e:
            yield env
        return
    if e.func is not p.func or len(e.args) != len(p.args):
        return
    yield from _match_sequence(p.args, e.args, env)


def _match_sequence(ps, es, env) -> Iterator[dict]:
    if not ps:
        yield env
        return
    for env1 in match(ps[0], es[0], env):
        yield from _match_sequence(ps[1:], es[1:], env1)


def _conditions_hold(rule: Rule, env: dict) -> bool:
    return all(getattr(env[v], _ASSUMPTION[c]) is True for c, v in rule.when)


def _rewrites_at(rule: Rule, e) -> Iterator:
    """Every result of applying `rule` at the root of `e`; a binary Add/Mul
    pattern applies to any pair of arguments of an n-ary node."""
    p = rule.lhs
    if (p.is_Add or p.is_Mul) and len(p.args) == 2 and e.func is p.func:
        args = e.args
        for i in range(len(args)):
            for j in range(len(args)):
                if i == j:
                    continue
                for env in match(p.args[0], args[i], {}):
                    for env in match(p.args[1], args[j], env):
                        if _conditions_hold(rule, env):
                            others = [x for k, x in enumerate(args) if k not in (i, j)]
                            yield e.func(rule.rhs.xreplace(env), *others)
        return
    for env in match(p, e, {}):
        if _conditions_hold(rule, env):
            yield rule.rhs.xreplace(env)


def horner(e) -> Iterator:
    """Horner forms of a polynomial sum, one per variable it has degree >= 2 in."""
    if not e.is_Add:
        return
    # cheap pre-check: x**n (n >= 2) must occur in some term
    squared = {
        f.base
        for term in e.args
        for f in (term.args if term.is_Mul else (term,))
        if f.is_Pow and f.exp.is_Integer and f.exp >= 2 and f.base.is_Symbol
    }
    for x in sorted(squared, key=str):
        try:
            yield sympy.horner(e, wrt=x)
        except sympy.PolynomialError:
            continue


def cancel(e) -> Iterator:
    """A rational function with common polynomial factors cancelled."""
    if e.is_Mul and any(a.is_Pow and a.exp.is_negative and a.base.is_Add for a in e.args):
        try:
            yield sympy.cancel(e)
        except sympy.PolynomialError:
            return


# Rewriters that are algorithms rather than patterns (SymbolicUtils: "any
# function from an expression to expressions").
PASSES = (horner, cancel)


def _is_leaf(e) -> bool:
    return e.is_Atom or isinstance(
        e, (sympy.Derivative, sympy.Indexed, sympy.core.function.AppliedUndef, sympy.Piecewise)
    )


def simplify_classical(
    expr,
    rules: tuple[Rule, ...] = RULES,
    model: CostModel = CPU,
    invariant=frozenset(),
    passes=PASSES,
    time_limit: float = 1.0,
    max_passes: int = 20,
):
    """Rewrite `expr` bottom-up, at each node greedily applying the first rule
    or pass that lowers the cost, to a fixpoint (or the time limit: the best so far).

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> simplify_classical(sympy.sin(x) ** 2 + sympy.cos(x) ** 2)
    1
    """
    deadline = time.perf_counter() + time_limit
    invariant = frozenset(invariant)

    def price(e):
        return cost(e, model, invariant)

    def at_node(e):
        # bounded: each accepted rewrite strictly lowers a nonnegative cost
        while time.perf_counter() < deadline:
            base = price(e)
            for candidates in [_rewrites_at(rule, e) for rule in rules] + [p(e) for p in passes]:
                better = next((r for r in candidates if price(r) < base - 1e-9), None)
                if better is not None:
                    e = postwalk(better) if not _is_leaf(better) else better
                    break
            else:
                return e
        return e

    done: dict = {}  # memo: a subtree already rewritten is not rewritten again

    def postwalk(e):
        if _is_leaf(e):
            return e
        if e in done:
            return done[e]
        args = tuple(postwalk(a) for a in e.args)
        new = e.func(*args) if args != e.args else e
        new = new if _is_leaf(new) else at_node(new)
        done[e] = done[new] = new
        return new

    expr = sympy.sympify(expr)
    for _ in range(max_passes):
        new = postwalk(expr)
        if new == expr or time.perf_counter() >= deadline:
            return new if price(new) <= price(expr) else expr
        expr = new
    return expr
