"""`optimize`: expressions -> `Program` of minimal evaluation cost.

Stages, each a plain function:

1. `hoist` — numeric constants and loop-invariant subterms become temps
   (`k0 = 4.4`, `h0 = alpha/dx**2`). Code generation computes them once,
   outside the loop, so they cost nothing per point; and a coefficient held in
   a symbol keeps sympy from distributing it back over a sum
   (sympy rewrites `2*(a + b)` to `2*a + 2*b`, undoing a factorization).
2. an engine — the e-graph (bounded egglog saturation, tree-cost extraction)
   or the classical cost-directed rewriter, both driven by the rule table.
3. joint CSE across all outputs (what tree-cost extraction cannot see).
4. the guard — the result never costs more than plain `cse` of the input.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sympy

from symnum._errors import RewriteError

from ._classical import simplify_classical
from ._cost import CPU, CostModel, cost, is_invariant
from ._egraph import _Converter, extract_tree, saturate, simplify_egraph
from ._exp_sharing import share_exponentials
from ._program import Program, _temp_symbols, cse, cse_leaves_intact, share_negated_sums

__all__ = ["Limits", "optimize", "simplify", "hoist"]

ENGINES = ("egraph", "classical")
EXTRACTIONS = ("tree", "dag")


@dataclass(frozen=True)
class Limits:
    """Bounds on the rewriting work; the best result so far is returned when
    one is hit. `time` is seconds per `optimize` call.

    >>> Limits(time=0.5)       # optimize(..., limits=Limits(time=0.5)): a shorter saturation
    Limits(time=0.5, enodes=100000, iterations=12, ilp_nodes=400)
    """

    time: float = 1.0
    enodes: int = 100_000
    iterations: int = 12
    # DAG extraction (extraction="dag"): the exact integer program is tried on
    # e-graphs of at most this many candidate e-nodes, the greedy choice otherwise
    ilp_nodes: int = 400


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise RewriteError(f"unknown engine {engine!r}: use engine=\"egraph\" or engine=\"classical\"")


def _check_supported(exprs) -> None:
    conv = _Converter()
    for i, e in enumerate(exprs):
        conv.where = f" in output {i} ({e})" if len(exprs) > 1 else f" in {e}"
        conv(e)


def _is_opaque(e) -> bool:
    return e.is_Atom or isinstance(
        e,
        (sympy.Indexed, sympy.Derivative, sympy.core.function.AppliedUndef, sympy.Piecewise,
         sympy.Heaviside),
    )


def hoist(exprs, invariant=frozenset()):
    """Lift numeric coefficients, invariant subterms and Piecewise/Heaviside
    nodes of `exprs` into temps.
    Returns (new exprs, temps) with `Program(temps, new exprs).to_sympy()` equal
    to `exprs`.

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> hoist([2 * x * y + 3 * x], invariant=[y])     # 2*y and 3 computed once, outside the loop
    ([_k0*x + _k1*x], [(_k0, 3), (_k1, 2*y)])
    """
    invariant = frozenset(invariant)
    temps: list = []
    made: dict = {}
    names = _temp_symbols(exprs, prefix="_k")

    def name(value):
        sym = made.get(value)
        if sym is None:
            sym = made[value] = next(names)
            temps.append((sym, value))
        return sym

    def walk(e):
        if isinstance(e, (sympy.Piecewise, sympy.Heaviside)):
            # evaluated as a whole (a temp), so that CSE cannot pull its
            # conditions apart into temps the engines do not handle
            return name(e)
        if _is_opaque(e):
            return e
        if not (e.is_Add or e.is_Mul):
            return e.func(*(walk(a) for a in e.args))
        inv = [a for a in e.args if (a.is_Number and a != -1) or is_invariant(a, invariant)]
        if e.is_Mul and inv and len(e.args) - len(inv) == 1:
            (s,) = [a for a in e.args if a not in inv]
            if s.is_Add and all(any(is_invariant(f, invariant) or f.is_Number for f in sympy.Mul.make_args(t)) for t in s.args):
                # alpha*(k1*u1 + k2*u2) -> (alpha*k1)*u1 + (alpha*k2)*u2: the invariant
                # factor joins each term's hoisted coefficient, one multiply less per point
                return walk(sympy.Add(*(sympy.Mul(*inv) * t for t in s.args)))
        rest = [walk(a) for a in e.args if a not in inv]
        if e.is_Add and len(inv) == 1 and inv[0].is_Number:
            return e.func(*inv, *rest)  # a lone number in a sum is just an operand
        if not inv or not rest:
            return e.func(*(walk(a) for a in e.args)) if rest else e
        group = e.func(*inv)
        keep = group.is_Symbol
        return e.func(group if keep else name(group), *rest)

    return [walk(sympy.sympify(e)) for e in exprs], temps


def optimize(
    exprs,
    invariant=(),
    engine: str = "egraph",
    model: CostModel = CPU,
    limits: Limits = Limits(),
    extraction: str = "tree",
) -> Program:
    """Jointly optimize `exprs` for evaluation cost under `model`.

    `invariant` names the loop-invariant symbols (parameters, grid spacings):
    subterms of only those are hoisted and cost nothing. Returns a `Program`
    whose `.to_sympy()` equals `exprs` in value and whose `.cost()` is at most
    that of `cse(exprs)`.

    `extraction="dag"` (e-graph engine) also extracts the saturated e-graph as a
    DAG under `model`, every e-class counted once across all outputs
    (`symnum.rewriting._extract`: exact by integer programming on small e-graphs,
    greedy otherwise), and keeps it when it is cheaper.

    >>> import sympy
    >>> k, dx, u0, u1, u2 = sympy.symbols("k dx u0 u1 u2", real=True)
    >>> print(optimize([k*u1/dx**2 + k*u2/dx**2 - 4*k*u0/dx**2]))
    _k0 = -4
    out[0] = k*(_k0*u0 + u1 + u2)/dx**2
    >>> print(optimize([k*u1/dx**2 + k*u2/dx**2 - 4*k*u0/dx**2], invariant=[k, dx]))
    _k0 = k/dx**2
    _k1 = -4*k/dx**2
    out[0] = _k0*(u1 + u2) + _k1*u0
    """
    _check_engine(engine)
    if extraction not in EXTRACTIONS:
        raise RewriteError(f"unknown extraction {extraction!r}: use extraction=\"tree\" or extraction=\"dag\"")
    if isinstance(exprs, sympy.Basic) or not hasattr(exprs, "__iter__"):
        exprs = [exprs]
    exprs = [sympy.sympify(e) for e in exprs]
    _check_supported(exprs)
    invariant = frozenset(sympy.sympify(s) for s in invariant)
    start = time.perf_counter()
    baseline = cse(exprs, invariant)
    # exp calls that differ by a constant or an integer factor: one call (before the
    # engines, which can neither see the sharing nor keep sympy from folding it back)
    shared, exprs = share_exponentials(exprs, invariant, model)
    body, pre = hoist([e for _, e in shared] + exprs, invariant)
    inv = invariant | {s for s, _ in pre}
    pre = pre + [(s, e) for (s, _), e in zip(shared, body)]
    body = body[len(shared):]

    def rewrite(es, share):
        left = limits.time - (time.perf_counter() - start)
        return _run_engine(es, engine, model, inv, max(share * left, 0.02), limits)

    # Tree-cost extraction cannot see sharing across outputs, so try both orders:
    # rewrite then share (factorizations win), and share then rewrite with the
    # shared temps as leaves (a reaction network's rates stay shared).
    candidates = [baseline]
    if engine == "egraph":
        left = limits.time - (time.perf_counter() - start)
        sat = saturate(body, max((0.25 if extraction == "dag" else 0.35) * left, 0.02), limits.enodes,
                       limits.iterations)
        candidates.append(_assemble(pre, extract_tree(sat), invariant))
        if extraction == "dag":
            candidates.append(_dag_program(sat, pre, inv, invariant, model, limits, start))
    else:
        candidates.append(_assemble(pre, rewrite(body, 0.35), invariant))
    names = _temp_symbols(body + [v for _, v in pre])
    temps, outs = cse_leaves_intact(body, names)
    done = rewrite([e for _, e in temps] + list(outs), 0.7)
    second = Program(
        tuple(pre) + tuple((s, e) for (s, _), e in zip(temps, done)),
        tuple(done[len(temps):]),
        invariant,
    )
    programs = (*candidates, second)
    return min((*programs, *(share_negated_sums(p) for p in programs)), key=lambda p: p.cost(model))


def _dag_program(sat, pre, inv, invariant, model, limits, start) -> Program:
    from . import _extract

    graph = _extract.read_egraph(sat.egraph, sat.n_outputs)
    costs = _extract.node_costs(graph, sat.leaves, model, inv)
    choice = _extract.greedy_dag(graph, costs)
    if sum(len(graph.classes[c]) for c in graph.reachable()) <= limits.ilp_nodes:
        left = limits.time - (time.perf_counter() - start)
        choice = _extract.ilp_dag(graph, costs, max(0.3 * left, 0.05), start=choice)
    dag = _extract.to_program(graph, choice, sat.leaves, reserved=[s for s, _ in pre])
    return Program(tuple(pre) + dag.temps, dag.outputs, invariant)


def _run_engine(exprs, engine, model, invariant, seconds, limits):
    if engine == "egraph":
        out, _ = simplify_egraph(
            exprs, time_limit=seconds, node_limit=limits.enodes, max_iter=limits.iterations
        )
        return out
    per = seconds / max(len(exprs), 1)
    return [simplify_classical(e, model=model, invariant=invariant, time_limit=per) for e in exprs]


def _assemble(pre, body, invariant) -> Program:
    temps, outs = cse_leaves_intact(body, _temp_symbols(body + [v for _, v in pre]))
    return Program(tuple(pre) + tuple(temps), tuple(outs), invariant)


def simplify(expr, engine: str = "egraph", invariant=(), model: CostModel = CPU, limits: Limits = Limits()):
    """`expr` rewritten to a cheaper equivalent expression (never a costlier one).

    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> simplify(sympy.exp(x) * sympy.exp(2*x) + sympy.sin(x)**2 + sympy.cos(x)**2)
    exp(3*x) + 1
    """
    _check_engine(engine)
    expr = sympy.sympify(expr)
    _check_supported([expr])
    invariant = frozenset(invariant)
    if engine == "egraph":
        (new,), _ = simplify_egraph(
            [expr], time_limit=limits.time, node_limit=limits.enodes, max_iter=limits.iterations
        )
    else:
        new = simplify_classical(expr, model=model, invariant=invariant, time_limit=limits.time)
    return new if cost(new, model, invariant) <= cost(expr, model, invariant) else expr
