"""The generated Jacobians' derivatives (SymEngine where it can, sympy where it
cannot) equal sympy's own, and keep sympy's symbols (assumptions, Dummies, Indexed)."""

import hypothesis.strategies as st
import numpy as np
import pytest
import sympy
from hypothesis import given, settings

from symnum.codegen._stencil_jacobian import _symengine_diff, derivative

h = sympy.Symbol("h_x", positive=True)
i = sympy.Symbol("i_0", integer=True)
y, z = sympy.Dummy("y"), sympy.Dummy("z")
U = sympy.IndexedBase("U")
a = U[0, i + 1]


def same(e1, e2):
    rng = np.random.default_rng(0)
    free = sorted(e1.free_symbols | e2.free_symbols, key=sympy.default_sort_key)
    for _ in range(3):
        vals = {s: sympy.Float(rng.uniform(0.3, 0.9)) for s in free}
        v1, v2 = complex(e1.xreplace(vals).evalf()), complex(e2.xreplace(vals).evalf())
        if abs(v1 - v2) > 1e-10 * (1 + abs(v2)):
            return False
    return True


@pytest.mark.parametrize("expr", [
    sympy.sin(h * y) * sympy.exp(y) * a, sympy.tanh(y) ** 2 / h, sympy.erf(y) + sympy.atan(y * z),
    sympy.sqrt(1 + y**2) * a, sympy.log(y) / h**2 + sympy.cosh(y) * sympy.asin(y / 2),
    sympy.Piecewise((y**2, h > 1), (y, True)),
], ids=str)
def test_symengine_derivative_equals_sympy_and_keeps_symbols(expr):
    fast = _symengine_diff(expr, y)
    assert fast is not None
    assert same(fast, sympy.diff(expr, y))
    assert fast.free_symbols <= expr.free_symbols | {y}  # h_x positive, i_0 integer, the same Dummies


r = sympy.Dummy("r", real=True)  # the Jacobian's stand-ins for the state are real


@pytest.mark.parametrize("expr", [sympy.Abs(r), r * sympy.sign(r), sympy.Max(r, 0)], ids=str)
def test_what_symengine_cannot_take_falls_back_to_sympy(expr):
    assert _symengine_diff(expr, r) is None
    d = derivative(expr, r)
    assert not d.has(sympy.Derivative)  # sign' = 0 where defined


def test_jacobian_of_abs_equals_finite_differences():
    """u_t = u_xx - |u| u: the state's stand-ins are real, so |u|' = sign(u) (a complex
    Dummy gave re/im derivatives the printer could not print)."""
    import symnum as sn
    from symnum import solvers
    from symnum.codegen._stencil_jacobian import dense_fd_jacobian

    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) - sn.Abs(u) * u)],
                     [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(6 * x))],
                     domain={t: (0, 1), x: (0, 1)})
    p = solvers.discretize(s, {x: 11}, backend="numpy")
    J = p.jacobian(p.u0, 0.0).toarray()
    assert np.abs(J - dense_fd_jacobian(lambda v: p.rhs(v.reshape(p.shape), 0.0), p.u0.ravel())).max() < 1e-5


def test_sign_and_heaviside_derivatives_vanish():
    assert derivative(r * sympy.sign(r), r) == sympy.sign(r)
    assert derivative(r * sympy.Heaviside(r), r) == sympy.Heaviside(r)


leaves = st.sampled_from([y, z, a, h, sympy.Integer(2), sympy.Rational(1, 3)])


def _tree(depth):
    if depth == 0:
        return leaves
    sub = _tree(depth - 1)
    return st.one_of(
        sub,
        st.builds(lambda p, q: p + q, sub, sub),
        st.builds(lambda p, q: p * q, sub, sub),
        st.builds(lambda p, q: p / (1 + q**2), sub, sub),
        st.builds(lambda p: sympy.exp(p / 4), sub),
        st.builds(lambda p: sympy.sin(p), sub),
    )


@settings(max_examples=30, deadline=None)
@given(_tree(3))
def test_random_templates_differentiate_alike(expr):
    assert same(derivative(expr, y), sympy.diff(expr, y))
