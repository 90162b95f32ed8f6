"""Property tests: random expression trees over the supported nodes.

- sympy -> egglog -> sympy is the identity;
- an optimized Program evaluates to the input's numbers (50-digit evaluation,
  relative 1e-9) and never costs more than `cse` of the input, for both engines.
"""

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from symnum.rewriting import Limits, cse, from_egglog, optimize, to_egglog

X, Y, Z = sympy.symbols("x y z", real=True)
P = sympy.Symbol("p", positive=True)
ALPHA = sympy.Symbol("alpha", positive=True)
U = sympy.IndexedBase("u", real=True)
I, J = sympy.symbols("i j", integer=True)
STENCIL = [U[I, J], U[I + 1, J], U[I, J - 1]]
# I + 1 also occurs outside the accesses (a coordinate x = (i + 1)*h): the
# optimizer must not pull it out of u[i + 1, j] into a temp.
LEAVES = [X, Y, Z, P, ALPHA, I + 1] + STENCIL

numbers = st.one_of(
    st.integers(-5, 5).map(sympy.Integer),
    st.fractions(min_value=-3, max_value=3, max_denominator=7).map(
        lambda f: sympy.Rational(f.numerator, f.denominator)
    ),
    st.floats(-4, 4, allow_nan=False, width=32).map(lambda v: sympy.Float(round(v, 3))),
)
leaves = st.one_of(st.sampled_from(LEAVES), numbers)


def _extend(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda ab: ab[0] + ab[1]),
        pair.map(lambda ab: ab[0] - ab[1]),
        pair.map(lambda ab: ab[0] * ab[1]),
        pair.map(lambda ab: ab[0] / (ab[1] ** 2 + 1)),
        st.tuples(children, st.integers(-3, 4)).map(lambda ab: ab[0] ** ab[1] if ab[1] >= 0 else (ab[0] ** 2 + 1) ** ab[1]),
        children.map(lambda a: sympy.sqrt(a**2 + 1)),
        children.map(lambda a: (a**2 + 2) ** sympy.Rational(3, 2)),
        children.map(lambda a: sympy.exp(sympy.tanh(a))),
        children.map(lambda a: sympy.log(a**2 + 1)),
        children.map(sympy.sin),
        children.map(sympy.cos),
        children.map(sympy.Abs),
        children.map(lambda a: sympy.Piecewise((a, X > 0), (-a, True))),
    )


expressions = st.recursive(leaves, _extend, max_leaves=12)


def _point(draw_values):
    point = {s: sympy.Rational(v) for s, v in zip([X, Y, Z, P, ALPHA] + STENCIL, draw_values)}
    point[I] = sympy.Integer(3)
    return point


points = st.lists(
    st.fractions(min_value=sympy.Rational(1, 10), max_value=2, max_denominator=10),
    min_size=len(LEAVES) - 1, max_size=len(LEAVES) - 1,
).map(_point)


def _value(expr, point):
    # accesses first (their indices hold I), then the index itself
    loads = {k: v for k, v in point.items() if isinstance(k, sympy.Indexed)}
    rest = {k: v for k, v in point.items() if not isinstance(k, sympy.Indexed)}
    value = expr.xreplace(loads).xreplace(rest).evalf(50)
    assert not value.free_symbols, value
    return value


def _close(a, b):
    if a.has(sympy.nan, sympy.zoo, sympy.oo):
        return True  # the input itself is undefined at this point
    return abs(a - b) <= 1e-9 * max(1, abs(a))


def _rebuilt(expr):
    """`expr` re-evaluated bottom-up: sympy can leave non-canonical forms such as
    Abs(Abs(x)) inside an expression, which any reconstruction canonicalizes."""
    if expr.is_Atom or isinstance(expr, (sympy.Indexed, sympy.Piecewise)):
        return expr
    return expr.func(*(_rebuilt(a) for a in expr.args))


@given(expressions)
def test_egglog_round_trip_is_identity(expr):
    (term,), leaves_table = to_egglog([expr])
    assert from_egglog(term, leaves_table) == _rebuilt(expr)


@pytest.mark.parametrize("engine", ["egraph", "classical"])
@given(exprs=st.lists(expressions, min_size=1, max_size=3), point=points)
def test_optimize_preserves_values_and_never_costs_more(engine, exprs, point):
    prog = optimize(exprs, invariant=[ALPHA], engine=engine, limits=Limits(time=0.3))
    assert prog.cost() <= cse(exprs, invariant=[ALPHA]).cost()
    for before, after in zip(exprs, prog.to_sympy()):
        assert _close(_value(before, point), _value(after, point)), (before, after)
