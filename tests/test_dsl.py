"""Constructors of the modeling DSL, and that what users hold stays sympy."""

import pickle

import numpy as np
import pytest
import sympy

import symnum as sn


def test_variables_are_real_symbols():
    t, x = sn.variables("t x")
    assert isinstance(t, sympy.Symbol) and t.is_real
    assert sn.variables("t") == sympy.Symbol("t", real=True)
    assert sn.variables("t,") == (sympy.Symbol("t", real=True),)


def test_parameter_carries_value_and_stays_a_symbol():
    a = sn.parameter("alpha", 10)
    assert isinstance(a, sympy.Symbol) and a.value == 10.0 and a.is_real
    b, c = sn.parameters("b c", [1, 2.5])
    assert (b.value, c.value) == (1.0, 2.5)
    assert pickle.loads(pickle.dumps(a)).value == 10.0
    assert sympy.latex(a) == "\\alpha"
    # the value is part of the identity, so sympy's cache cannot mix values up
    assert sn.parameter("alpha", 3.0) != a and sn.parameter("alpha", 10.0) == a


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sn.parameter("a", "ten"), "not a number"),
        (lambda: sn.parameter("a", float("nan")), "finite real"),
        (lambda: sn.parameter("a b", 1), "sn.parameters"),
        (lambda: sn.parameters("a b", [1]), "one value per name"),
        (lambda: sn.variables("1x"), "not a valid identifier"),
        (lambda: sn.variables(""), "no variable names"),
    ],
)
def test_constructor_errors(call, message):
    with pytest.raises(sn.ModelError, match=message):
        call()


def test_fields_are_applied_functions():
    t, x, y = sn.variables("t x y")
    u, v = sn.fields("u v", t, x, y)
    assert isinstance(u, sympy.core.function.AppliedUndef)
    assert u.args == (t, x, y) and sn.is_field(u)
    assert not sn.is_field(sympy.Function("u")(t, x, y))
    w = sn.fields("w", t)
    assert w.args == (t,)
    with pytest.raises(sn.ModelError, match="no independent variables"):
        sn.fields("u")
    with pytest.raises(sn.ModelError, match="repeated variable"):
        sn.fields("u", x, x)
    with pytest.raises(sn.ModelError, match="must be independent variables"):
        sn.fields("u", sn.parameter("k", 1))


def test_D_builds_sympy_derivatives_and_composes():
    t, x, y = sn.variables("t x y")
    u = sn.fields("u", t, x, y)
    Dx, Dy = sn.D(x), sn.D(y)
    assert Dx(u) == sympy.Derivative(u, x)
    assert Dx(Dx(u)) == sympy.Derivative(u, (x, 2)) == sn.D(x, 2)(u) == (Dx**2)(u)
    assert (Dx * Dy)(u) == sympy.Derivative(u, x, y)
    assert sn.laplacian(u, x, y) == sympy.Derivative(u, (x, 2)) + sympy.Derivative(u, (y, 2))
    assert sn.grad(u, x, y) == (Dx(u), Dy(u))
    assert sn.div((u, u**2), x, y) == Dx(u) + Dy(u**2)
    assert repr(Dx * sn.D(y, 2)) == "D(x)*D(y, 2)"


def test_D_rejects_variables_the_field_does_not_have():
    t, x, y = sn.variables("t x y")
    u = sn.fields("u", t, x)
    with pytest.raises(sn.ModelError, match=r"does not depend on y.*declare the field"):
        sn.D(y)(u)
    with pytest.raises(sn.ModelError, match="independent variable"):
        sn.D(sn.parameter("k", 1))
    with pytest.raises(sn.ModelError, match="positive integer"):
        sn.D(x, 0)


def test_operator_argument_errors():
    t, x, y = sn.variables("t x y")
    u = sn.fields("u", t, x, y)
    with pytest.raises(sn.ModelError, match="spatial variables"):
        sn.laplacian(u)
    with pytest.raises(sn.ModelError, match="one component of F per variable"):
        sn.div((u,), x, y)


def test_Eq_never_evaluates():
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    e = sn.Eq(u, u)
    assert isinstance(e, sympy.Equality)
    assert sn.Eq(u).rhs == 0


def test_everything_stays_sympy(heat1d):
    sys, (t, x, nu, u) = heat1d
    rhs = sys.rhs[u]
    assert isinstance(rhs, sympy.Expr)
    # diff, subs, latex, lambdify work on what the user holds
    assert rhs.diff(nu) == sympy.Derivative(u, (x, 2))
    assert rhs.subs(nu, 2) == 2 * sympy.Derivative(u, (x, 2))
    assert "\\nu" in sympy.latex(rhs)
    exact = sympy.exp(-nu * sympy.pi**2 * t) * sympy.sin(sympy.pi * x)
    residual = (sympy.Derivative(u, t) - rhs).subs(u, exact).doit()
    assert sympy.simplify(residual) == 0
    f = sympy.lambdify((t, x, nu), exact)
    np.testing.assert_allclose(f(0.0, 0.5, 0.5), 1.0)
    assert sympy.lambdify((x,), sys.initial[u])(0.5) == pytest.approx(1.0)


def test_more_dsl_errors_and_operator_algebra():
    t, x, y = sn.variables("t x y")
    u = sn.fields("u", t, x, y)
    with pytest.raises(sn.ModelError, match=r"variable names must be given as one string such as \"u v\", got 3 of type int"):
        sn.variables(3)
    with pytest.raises(sn.ModelError, match=r"D\(\.\.\.\)\*\*n needs a positive integer n, got 0"):
        sn.D(x) ** 0
    with pytest.raises(sn.ModelError, match=r"grad\(f, \*vars\) needs the spatial variables"):
        sn.grad(u)
    with pytest.raises(sn.ModelError, match=r"value \[1, 2\] is not a number or sympy expression"):
        sn.Initial(u, [1, 2])
    with pytest.raises(sn.ModelError, match=r"value .* is not a scalar expression"):
        sn.Initial(u, sympy.Eq(x, 1))
    assert (sn.D(x) * sn.D(y))(u) == sympy.Derivative(u, x, y)
    assert (sn.D(x) ** 2)(u) == sn.D(x, 2)(u)
    assert sn.D(x).__mul__(3) is NotImplemented
    a, b = sn.parameters("a b")
    assert (a.value, b.value) == (None, None)
    (c,) = sn.parameters("c,", 2.5)
    assert c.value == 2.5
