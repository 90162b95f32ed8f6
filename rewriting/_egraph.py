"""The e-graph engine on egglog: sympy <-> egglog terms, the shared rule table
compiled to egglog rewrites, and a bounded run.

Terms are binary. Division is `a * recip(b)`, integer powers are multiply
chains (`x**3 = (x*x)*x`, so factoring can peel one `x` off), and every atom
the optimizer must not look into (symbols, fields, derivatives, stencil
accesses `u[i+1, j]`, floats, Piecewise) is an opaque `Term.var` leaf that
converts back to the very same sympy object. Node costs are the CPU cost model's
(x10, egglog costs are integers).

Measured with egglog 13 (see the issue that introduced this module): unbounded
associativity/commutativity saturation explodes (591k e-nodes in 6
iterations), so the run checks the e-graph size and the clock after every
iteration and stops with the best extraction found so far.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sympy
from egglog import (
    BigRat,
    BigRatLike,
    EGraph,
    Expr,
    StringLike,
    Vec,
    eq,
    function,
    get_callable_args,
    get_callable_fn,
    get_literal_value,
    i64Like,
    method,
    relation,
    rewrite,
    rule,
    ruleset,
    union,
    var,
    vars_,
)

from symnum._errors import RewriteError

from ._cost import CPU
from .rules import RULES, Rule
from .rules._base import PATTERN_VARS

__all__ = ["Term", "to_egglog", "from_egglog", "saturate", "simplify_egraph"]


def _c(x: float) -> int:
    return int(round(10 * x))


class Term(Expr):
    """A real-valued expression node."""

    @method(cost=0)
    @classmethod
    def var(cls, name: StringLike) -> Term: ...

    @method(cost=0)
    @classmethod
    def num(cls, value: BigRatLike) -> Term: ...

    @method(cost=_c(CPU.add))
    def __add__(self, other: Term) -> Term: ...

    @method(cost=_c(CPU.mul))
    def __mul__(self, other: Term) -> Term: ...

    @method(cost=_c(CPU.div))
    def recip(self) -> Term: ...

    @method(cost=_c(CPU.pow))
    def pow(self, exponent: Term) -> Term: ...

    @method(cost=_c(CPU.sqrt))
    def sqrt(self) -> Term: ...

    @method(cost=_c(CPU.exp))
    def exp(self) -> Term: ...

    @method(cost=_c(CPU.log))
    def log(self) -> Term: ...

    @method(cost=_c(CPU.sin))
    def sin(self) -> Term: ...

    @method(cost=_c(CPU.cos))
    def cos(self) -> Term: ...

    @method(cost=_c(CPU.tan))
    def tan(self) -> Term: ...

    @method(cost=_c(CPU.tanh))
    def tanh(self) -> Term: ...

    @method(cost=_c(CPU.abs))
    def abs(self) -> Term: ...


positive = relation("positive", Term)
real = relation("real", Term)

_FUNCS = {
    sympy.exp: Term.exp,
    sympy.log: Term.log,
    sympy.sin: Term.sin,
    sympy.cos: Term.cos,
    sympy.tan: Term.tan,
    sympy.tanh: Term.tanh,
    sympy.Abs: Term.abs,
}
_OPAQUE = (
    sympy.Symbol,
    sympy.Float,
    sympy.Indexed,
    sympy.Derivative,
    sympy.core.function.AppliedUndef,
    sympy.Piecewise,
    sympy.Heaviside,
    sympy.NumberSymbol,
)
# functions the rules do not know, kept whole (opaque) with their arguments
_OPAQUE_FUNCS = frozenset({sympy.sinh, sympy.cosh, sympy.asin, sympy.acos, sympy.atan, sympy.asinh,
                           sympy.acosh, sympy.atanh, sympy.erf, sympy.sign, sympy.Max, sympy.Min})
_MAX_CHAIN = 8  # x**n up to this n becomes a multiply chain


class _Converter:
    """sympy -> Term. Opaque atoms become `Term.var(key)`; `leaves` maps keys back."""

    def __init__(self, pattern_vars: dict | None = None):
        self.leaves: dict[str, sympy.Basic] = {}
        self._keys: dict[sympy.Basic, str] = {}
        self.pattern_vars = pattern_vars or {}
        self.where = ""

    def leaf(self, e) -> Term:
        key = self._keys.get(e)
        if key is None:
            key = self._keys[e] = f"v{len(self._keys)}"
            self.leaves[key] = e
        return Term.var(key)

    def __call__(self, e) -> Term:
        if e in self.pattern_vars:
            return self.pattern_vars[e]
        if e.is_Rational:
            return Term.num(BigRat(int(e.p), int(e.q)))
        if isinstance(e, _OPAQUE):
            return self.leaf(e)
        if e.is_Add:
            return _fold(Term.__add__, [self(a) for a in e.args])
        if e.is_Mul:
            num = [a for a in e.args if not _is_division(a)]
            den = [a.base ** -a.exp for a in e.args if _is_division(a)]
            if not den:
                return _fold(Term.__mul__, [self(a) for a in num])
            inv = _fold(Term.__mul__, [self(a) for a in den]).recip()
            return _fold(Term.__mul__, [self(a) for a in num] + [inv]) if num else inv
        if e.is_Pow:
            return self.power(e)
        f = _FUNCS.get(e.func)
        if f is not None and len(e.args) == 1:
            return f(self(e.args[0]))
        if e.func in _OPAQUE_FUNCS:  # no rule knows them: evaluated as written
            return self.leaf(e)
        raise RewriteError(
            f"cannot rewrite {e} (a {type(e).__name__} node){self.where}: supported are "
            f"+, *, /, powers, exp, log, sin, cos, tan, tanh, sqrt, Abs, Piecewise and "
            f"Heaviside (and, kept as written, sinh, cosh, asin, acos, atan, asinh, acosh, "
            f"atanh, erf, sign, Max, Min), over symbols, fields, derivatives and indexed accesses; rewrite "
            f"it in those terms, or pass it as an opaque symbol"
        )

    def power(self, e) -> Term:
        base, n = e.base, e.exp
        if base == sympy.E:
            return self(n).exp()
        if n.is_Integer and 1 <= abs(n) <= _MAX_CHAIN:
            b = self(base)
            chain = _fold(Term.__mul__, [b] * int(abs(n)))
            return chain if n > 0 else chain.recip()
        if n == sympy.S.Half:
            return self(base).sqrt()
        if n == -sympy.S.Half:
            return self(base).sqrt().recip()
        return self(base).pow(self(n))


def _is_division(a) -> bool:
    return a.is_Pow and a.exp.is_Integer and a.exp < 0


def _fold(op, terms):
    out = terms[0]
    for t in terms[1:]:
        out = op(out, t)
    return out


def to_egglog(exprs) -> tuple[list[Term], dict]:
    """Convert sympy expressions to Terms; also return the leaf table for `from_egglog`.

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> terms, leaves = to_egglog([x * y + 1])
    >>> from_egglog(terms[0], leaves)
    x*y + 1
    """
    conv = _Converter()
    terms = []
    for i, e in enumerate(exprs):
        conv.where = f" in output {i} ({e})" if len(exprs) > 1 else f" in {e}"
        terms.append(conv(sympy.sympify(e)))
    return terms, conv.leaves


_SAMPLE = Term.var("_")
_FN = {
    "var": get_callable_fn(Term.var("_")),
    "num": get_callable_fn(Term.num(BigRat(0, 1))),
    "add": get_callable_fn(_SAMPLE + _SAMPLE),
    "mul": get_callable_fn(_SAMPLE * _SAMPLE),
    "recip": get_callable_fn(_SAMPLE.recip()),
    "pow": get_callable_fn(_SAMPLE.pow(_SAMPLE)),
    "sqrt": get_callable_fn(_SAMPLE.sqrt()),
}
_FN_BACK = {get_callable_fn(f(_SAMPLE)): s for s, f in _FUNCS.items()}


def from_egglog(term: Term, leaves: dict) -> sympy.Expr:
    """Convert an (extracted) Term back to sympy."""
    fn, args = get_callable_fn(term), get_callable_args(term)
    if fn == _FN["var"]:
        return leaves[get_literal_value(args[0])]
    if fn == _FN["num"]:
        # BigInt(i64) before extraction, BigInt.from_string(s) after: both hold one literal
        p, q = (int(get_literal_value(get_callable_args(n)[0])) for n in get_callable_args(args[0]))
        return sympy.Rational(p, q)
    sub = [from_egglog(a, leaves) for a in args]
    if fn == _FN["add"]:
        return sympy.Add(*sub)
    if fn == _FN["mul"]:
        return sympy.Mul(*sub)
    if fn == _FN["recip"]:
        return 1 / sub[0]
    if fn == _FN["pow"]:
        return sympy.Pow(*sub)
    if fn == _FN["sqrt"]:
        return sympy.sqrt(sub[0])
    return _FN_BACK[fn](sub[0])


# -- rules ------------------------------------------------------------------------

_a, _b, _c3, _s = vars_("a b c s", Term)
_x, _y = vars_("x y", BigRat)


def compile_rule(r: Rule):
    """The table rule `r` as an egglog rewrite (both sides converted to Terms)."""
    pv = {p: var(f"p_{p.name}", Term) for p in PATTERN_VARS}
    conv = _Converter(pv)
    lhs, rhs = conv(r.lhs), conv(r.rhs)
    if conv.leaves:
        raise RewriteError(f"rule {r.name} has non-pattern atoms {list(conv.leaves.values())}")
    facts = [{"positive": positive, "real": real}[c](pv[v]) for c, v in r.when]
    return rewrite(lhs).to(rhs, *facts)


# Associativity and commutativity, so that binary patterns meet any two terms of
# a sum or product. These are what explode; the run loop bounds them.
_AC = [
    rewrite(_a + _b).to(_b + _a),
    rewrite(_a * _b).to(_b * _a),
    rewrite((_a + _b) + _c3).to(_a + (_b + _c3)),
    rewrite(_a + (_b + _c3)).to((_a + _b) + _c3),
    rewrite((_a * _b) * _c3).to(_a * (_b * _c3)),
    rewrite(_a * (_b * _c3)).to((_a * _b) * _c3),
]
# Folding of exact constants, and the powers the chains encode.
_FOLD = [
    rewrite(Term.num(_x) + Term.num(_y)).to(Term.num(_x + _y)),
    rewrite(Term.num(_x) * Term.num(_y)).to(Term.num(_x * _y)),
    # x/x -> 1 where the input is defined, as sympy itself cancels it
    rewrite(_a * _a.recip()).to(Term.num(BigRat(1, 1))),
    rewrite(_a.recip() * _b.recip()).to((_a * _b).recip()),
]


def _analysis_rules():
    """Sign facts: `positive` and `real` propagate from the leaves upward, only to
    terms that exist (never creating new ones)."""
    out = []
    for op in (Term.__add__, Term.__mul__):
        out.append(rule(eq(_s).to(op(_a, _b)), positive(_a), positive(_b)).then(positive(_s)))
        out.append(rule(eq(_s).to(op(_a, _b)), real(_a), real(_b)).then(real(_s)))
    out.append(rule(eq(_s).to(_a.exp()), real(_a)).then(positive(_s)))
    out.append(rule(eq(_s).to(_a.recip()), positive(_a)).then(positive(_s)))
    out.append(rule(eq(_s).to(_a.sqrt()), positive(_a)).then(positive(_s)))
    out.append(rule(positive(_a)).then(real(_a)))
    for f in (Term.sin, Term.cos, Term.tanh, Term.abs):
        out.append(rule(eq(_s).to(f(_a)), real(_a)).then(real(_s)))
    return out


_REWRITES = ruleset(*[compile_rule(r) for r in RULES], *_AC, *_FOLD, name="symnum_rewrites")
_ANALYSIS = ruleset(*_analysis_rules(), name="symnum_analysis")


def _seed_facts(egraph: EGraph, leaves: dict) -> None:
    facts = []
    for key, e in leaves.items():
        if e.is_positive:
            facts.append(positive(Term.var(key)))
        if e.is_real:
            facts.append(real(Term.var(key)))
    if facts:
        egraph.register(*facts)


@function(cost=1_000_000)
def root(i: i64Like) -> Term:
    """Marks output i's e-class, so the DAG extractor finds it in the serialized e-graph."""


@dataclass
class Saturated:
    """A saturated (bounded) e-graph of some outputs: `root` is the Vec of them,
    `leaves` the opaque atoms by key, `stats` the run's."""

    egraph: EGraph
    root: object
    leaves: dict
    n_outputs: int
    stats: dict


def saturate(exprs, time_limit: float = 0.5, node_limit: int = 100_000, max_iter: int = 12) -> Saturated:
    """Run the rule table on an e-graph holding all `exprs`, bounded in time,
    e-nodes and iterations."""
    exprs = [sympy.sympify(e) for e in exprs]
    terms, leaves = to_egglog(exprs)
    egraph = EGraph()
    # One Vec root: a single extraction pass serves every output.
    root_vec = Vec[Term](*terms)
    egraph.register(*[union(root(i)).with_(t) for i, t in enumerate(terms)])
    _seed_facts(egraph, leaves)
    start = time.perf_counter()
    iterations, last = 0, 0.0
    size = sum(n for _, n in egraph.all_function_sizes())
    stop = "saturated"
    for iterations in range(1, max_iter + 1):
        t0 = time.perf_counter()
        report = egraph.run(_ANALYSIS.saturate() + _REWRITES)
        size, previous = sum(n for _, n in egraph.all_function_sizes()), size
        last = time.perf_counter() - t0
        if not report.updated:
            break
        # The next iteration grows the e-graph about as much as the last one did,
        # and its time superlinearly (measured: ~size**1.4 once AC rules dominate):
        # stop before either would pass its limit (one AC iteration past the
        # limit can take seconds and gigabytes). Extraction afterwards takes
        # about as long as an iteration: reserve that too.
        growth = max(size / previous, 1.0)
        if size * growth > node_limit:
            stop = "node limit"
            break
        if time.perf_counter() - start + 2 * last * growth**1.5 > time_limit:
            stop = "time limit"
            break
    else:
        stop = "iteration limit"
    stats = dict(iterations=iterations, enodes=size, stop=stop, seconds=time.perf_counter() - start)
    return Saturated(egraph, root_vec, leaves, len(terms), stats)


def extract_tree(sat: Saturated) -> list:
    """Each output at minimal tree cost (egglog's extraction), in one pass over a Vec of
    the outputs' terms built at extraction time. A Vec bound before saturation (a `let`)
    could come back holding another e-class for an output after the merges: 3 of 16 runs
    of a 3-D flux-form system extracted a wrong program that way (the output's own e-class
    extracted right)."""
    return [from_egglog(t, sat.leaves) for t in get_callable_args(sat.egraph.extract(sat.root))]


def simplify_egraph(exprs, time_limit: float = 0.5, node_limit: int = 100_000, max_iter: int = 12):
    """Saturate (bounded) an e-graph holding all `exprs` and extract each at
    minimal tree cost. Returns (simplified exprs, stats dict)."""
    sat = saturate(exprs, time_limit, node_limit, max_iter)
    start = time.perf_counter()
    out = extract_tree(sat)
    sat.stats["seconds"] += time.perf_counter() - start
    return out, sat.stats
