"""`Program`: the optimizer's output IR, a straight-line SSA program.

Each temp is computed once, so a program's cost counts shared subterms once
(the DAG cost), unlike `cost(expr)`, which prices an expression as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ._cost import _LEAVES, CPU, CostModel, _tree_cost, is_invariant

__all__ = ["Program", "cse", "share_negated_sums"]


@dataclass(frozen=True)
class Program:
    """Temps `(symbol, expr)` in evaluation order, then output expressions over
    them. `invariant` holds the loop-invariant symbols the cost was taken with."""

    temps: tuple[tuple[sympy.Symbol, sympy.Expr], ...]
    outputs: tuple[sympy.Expr, ...]
    invariant: frozenset = field(default_factory=frozenset)

    def cost(self, model: CostModel = CPU) -> float:
        """Cycles per evaluation: every temp and output once; temps that depend on
        invariants only are hoisted (cost 0) and count as invariant downstream."""
        inv = set(self.invariant)
        total = 0.0
        for sym, expr in self.temps:
            if is_invariant(expr, inv) or expr.is_Number:
                inv.add(sym)
                continue
            total += _tree_cost(expr, model, frozenset(inv))
        return total + sum(_tree_cost(o, model, frozenset(inv)) for o in self.outputs)

    def to_sympy(self) -> list[sympy.Expr]:
        """The outputs with every temp substituted back."""
        env: dict = {}
        for sym, expr in self.temps:
            env[sym] = expr.xreplace(env)
        return [o.xreplace(env) for o in self.outputs]

    def __str__(self) -> str:
        lines = [f"{s} = {e}" for s, e in self.temps]
        lines += [f"out[{i}] = {o}" for i, o in enumerate(self.outputs)]
        return "\n".join(lines)


def _temp_symbols(exprs, prefix: str = "_t", **assumptions):
    """_t0, _t1, ... avoiding names already used in `exprs` (sympy.cse's x0, x1
    would otherwise shadow a user's symbol x0); real unless `assumptions` say more."""
    assumptions = assumptions or {"real": True}
    taken = {str(s) for e in exprs for s in e.free_symbols}
    i = 0
    while True:
        name = f"{prefix}{i}"
        if name not in taken:
            yield sympy.Symbol(name, **assumptions)
        i += 1


def cse_leaves_intact(exprs, symbols):
    """`sympy.cse`, with loads (`u[i + 1, j]`, fields, derivatives) kept whole:
    plain cse would pull the index `i + 1` out into a temp, leaving `u[x0, j]`."""
    loads = sorted(set().union(*(e.atoms(*_LEAVES) for e in exprs)), key=sympy.default_sort_key)
    hide = {a: sympy.Dummy(f"load{k}") for k, a in enumerate(loads)}
    show = {d: a for a, d in hide.items()}
    temps, outs = sympy.cse([e.xreplace(hide) for e in exprs], symbols=symbols, order="none")
    return [(s, e.xreplace(show)) for s, e in temps], [o.xreplace(show) for o in outs]


def cse(exprs, invariant=()) -> Program:
    """The baseline: `sympy.cse` across all `exprs` as a Program.

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> print(cse([sympy.sin(x * y) + x * y, sympy.sin(x * y) ** 2]))
    _t0 = x*y
    _t1 = sin(_t0)
    out[0] = _t0 + _t1
    out[1] = _t1**2
    """
    exprs = [sympy.sympify(e) for e in exprs]
    temps, outs = cse_leaves_intact(exprs, _temp_symbols(exprs))
    return Program(tuple(temps), tuple(outs), frozenset(invariant))


def share_negated_sums(program: Program) -> Program:
    """`program` with a sum that holds an earlier temp's terms negated reading that temp:
    `_t0 = a - b`, then `b - a + c` becomes `c - _t0` (sympy.cse matches terms of equal
    sign only, so a difference and its reverse, as `a - b` and `b - a` in a flux and its
    counterflow, are summed twice; a sum the engines rebuilt after CSE may hold a temp's terms
    unnegated too). Sums of two or more terms only; the first temp that fits wins.

    >>> import sympy
    >>> a, b, c = sympy.symbols("a b c")
    >>> print(share_negated_sums(Program(((sympy.Symbol("_t0"), a - b),), (b - a + c, (a - b) * (b - a)))))
    _t0 = a - b
    out[0] = -_t0 + c
    out[1] = -_t0**2
    """
    known: list = []  # (terms, temp, sign): the temp's terms, and the same negated

    def walk(e):
        if e.is_Atom or isinstance(e, _LEAVES):
            return e
        e = e.func(*(walk(a) for a in e.args)) if e.args else e
        if e.is_Add:
            terms = set(e.args)
            for part, sym, sign in known:
                if part <= terms:
                    return sympy.Add(*(terms - part)) + sign * sym
        return e

    temps = []
    for sym, expr in program.temps:
        expr = walk(expr)
        temps.append((sym, expr))
        if expr.is_Add and len(expr.args) >= 2:
            known += [(frozenset(expr.args), sym, 1), (frozenset(-a for a in expr.args), sym, -1)]
    return Program(tuple(temps), tuple(walk(o) for o in program.outputs), program.invariant)
