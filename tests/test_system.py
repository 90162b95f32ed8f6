"""PDESystem / ODESystem: what they know, how they print, and every validation
error (the message is asserted, not only the type)."""

import re

import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize


@pytest.fixture
def txy():
    t, x, y = sn.variables("t x y")
    alpha = sn.parameter("alpha", 10.0)
    u, v = sn.fields("u v", t, x, y)
    return t, x, y, alpha, u, v


def brusselator(t, x, y, alpha, u, v):
    Dt = sn.D(t)
    eqs = [
        sn.Eq(Dt(u), 1 + u**2 * v - 4.4 * u + alpha * sn.laplacian(u, x, y)),
        sn.Eq(Dt(v), 3.4 * u - u**2 * v + alpha * sn.laplacian(v, x, y)),
    ]
    bcs = [
        sn.Periodic(x),
        sn.Periodic(y),
        sn.Initial(u, 22 * (y * (1 - y)) ** 1.5),
        sn.Initial(v, 27 * (x * (1 - x)) ** 1.5),
    ]
    return sn.PDESystem(eqs, bcs, domain={t: (0, 11.5), x: (0, 1), y: (0, 1)}, name="brusselator")


def test_brusselator_knows_its_parts(txy):
    t, x, y, alpha, u, v = txy
    sys = brusselator(*txy)
    assert sys.time == t and sys.space == (x, y) and sys.fields == (u, v)
    assert sys.parameters == {alpha: 10.0}
    assert sys.periodic == {x, y}
    assert sys.rhs[v] == 3.4 * u - u**2 * v + alpha * sn.laplacian(v, x, y)
    assert set(sys.initial) == {u, v}
    assert sys.domain[t] == (0.0, 11.5)


def test_text_and_latex_printing(txy):
    sys = brusselator(*txy)
    text = str(sys)
    assert text.splitlines()[0] == "PDESystem 'brusselator'"
    assert "time:       t in [0, 11.5]" in text
    assert "parameters: alpha = 10" in text
    assert "periodic in x" in text
    assert "u(0, x, y) = 22*(y*(1 - y))**1.5" in text.replace("0.0", "0")
    latex = sys.latex()
    assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}")
    assert "\\frac{\\partial}{\\partial t} u{\\left(t,x,y \\right)} &=" in latex
    assert "\\alpha" in latex
    assert sys._repr_latex_().startswith("$$")


def test_general_form_is_solved_for_the_time_derivative():
    t, x = sn.variables("t x")
    c = sn.parameter("c", 2.0)
    u = sn.fields("u", t, x)
    # 2 u_t + c u_x = 0: time is the first-order variable whose derivative is not on the left
    sys = sn.PDESystem(
        [sn.Eq(2 * sn.D(t)(u) + c * sn.D(x)(u), 0)],
        [sn.Periodic(x), sn.Initial(u, sn.sin(x))],
        domain={t: (0, 1), x: (0, 2 * sympy.pi)},
    )
    assert sys.time == t
    assert sympy.simplify(sys.rhs[u] + c * sn.D(x)(u) / 2) == 0


def test_advection_needs_one_side_only_and_diffusion_two():
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    advection = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), -sn.D(x)(u))],
        [sn.Dirichlet(u, x, "min", 0), sn.Initial(u, 0)],
        domain={t: (0, 1), x: (0, 1)},
    )
    assert set(advection.boundary) == {(u, x, "min")} and advection.rhs[u] == -sn.D(x)(u)
    with pytest.raises(sn.ModelError, match="no boundary condition on the 'max' side of x"):
        sn.PDESystem(
            [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
            [sn.Dirichlet(u, x, "min", 0), sn.Initial(u, 0)],
            domain={t: (0, 1), x: (0, 1)},
        ).check_complete()


def test_field_without_spatial_derivative_needs_no_bc():
    t, x = sn.variables("t x")
    u, v = sn.fields("u v", t, x)
    sys = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + v), sn.Eq(sn.D(t)(v), u - v)],
        [sn.Neumann(u, x, "min", 0), sn.Robin(u, x, "max", 1, 2, 0),
         sn.Initial(u, 1), sn.Initial(v, 0)],
        domain={t: (0, 1), x: (0, 1)},
    )
    assert set(sys.boundary) == {(u, x, "min"), (u, x, "max")}


def test_steady_poisson_needs_no_initial():
    x, y = sn.variables("x y")
    u = sn.fields("u", x, y)
    f = sympy.sin(sympy.pi * x) * sympy.sin(sympy.pi * y)
    bcs = [sn.Dirichlet(u, v, s, 0) for v in (x, y) for s in ("min", "max")]
    sys = sn.PDESystem([sn.Eq(sn.laplacian(u, x, y), f)], bcs,
                       domain={x: (0, 1), y: (0, 1)}, name="poisson")
    assert sys.time is None and sys.rhs == {}
    assert sys.residuals == (sn.laplacian(u, x, y) - f,)
    assert "= 0" in str(sys)


def test_bc_values_may_depend_on_time_and_other_variables(txy):
    t, x, y, alpha, u, v = txy
    sys = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), alpha * sn.laplacian(u, x, y))],
        [sn.Periodic(y), sn.Dirichlet(u, x, "min", sympy.sin(t) * y),
         sn.Neumann(u, x, "max", alpha * t), sn.Initial(u, x * y)],
        domain={t: (0, 1), x: (0, 1), y: (0, 1)},
    )
    assert sys.boundary[(u, x, "min")].value == sympy.sin(t) * y


def test_ode_system():
    t = sn.variables("t")
    k1, k2 = sn.parameters("k1 k2", [1.0, 0.5])
    A, B = sn.fields("A B", t)
    sys = sn.ODESystem(
        [sn.Eq(sn.D(t)(A), -k1 * A), sn.Eq(sn.D(t)(B), k1 * A - k2 * B)],
        [sn.Initial(A, 1), sn.Initial(B, 0)],
        domain={t: (0, 5)},
        name="chain",
    )
    assert sys.time == t and sys.space == () and sys.fields == (A, B)
    assert str(sys).splitlines()[0] == "ODESystem 'chain'"
    with pytest.raises(sn.ModelError, match="use sn.ODESystem"):
        sn.PDESystem([sn.Eq(sn.D(t)(A), -k1 * A)], [sn.Initial(A, 1)], domain={t: (0, 1)})


def test_substitute_and_with_parameters(txy):
    t, x, y, alpha, u, v = txy
    sys = brusselator(*txy)
    baked = sys.substitute({alpha: 1.0})
    assert baked.parameters == {} and alpha not in baked.rhs[u].free_symbols
    beta = sn.parameter("beta", 3.0)
    assert sys.substitute({alpha: beta}).substitute({beta: alpha}) == sys
    moved = sys.with_parameters({alpha: 2.0})
    assert moved.parameters[alpha] == 2.0 and sys.parameters[alpha] == 10.0
    assert moved != sys
    with pytest.raises(sn.ModelError, match="not a parameter of this PDESystem"):
        sys.with_parameters({beta: 1.0})
    with pytest.raises(sn.ModelError, match="not u"):
        sys.substitute({u: 1})


def test_system_is_frozen(txy):
    sys = brusselator(*txy)
    with pytest.raises(AttributeError, match="frozen"):
        sys.name = "other"


# -- every validation error -------------------------------------------------------


def _heat(**change):
    t, x = sn.variables("t x")
    nu = sn.parameter("nu", 0.5)
    u = sn.fields("u", t, x)
    parts = dict(
        eqs=[sn.Eq(sn.D(t)(u), nu * sn.D(x, 2)(u))],
        bcs=[sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, x)],
        domain={t: (0, 1), x: (0, 1)},
    )
    parts.update(change)
    return sn.PDESystem(parts["eqs"], parts["bcs"], domain=parts["domain"])


T, X, Y = sn.variables("t x y")
U = sn.fields("u", T, X)
NU = sn.parameter("nu", 0.5)
BCS = [sn.Dirichlet(U, X, "min", 0), sn.Dirichlet(U, X, "max", 0)]


@pytest.mark.parametrize(
    "change, message",
    [
        # missing initial condition
        (dict(bcs=BCS), r"field u\(t, x\) has no initial condition: add sn.Initial\(u\(t, x\), value\)"),
        # a spatial side with no BC
        (dict(bcs=BCS[:1] + [sn.Initial(U, X)]),
         r"no boundary condition on the 'max' side of x .*sn.Dirichlet\(u\(t, x\), x, 'max', 0\)"),
        # undeclared symbol
        (dict(eqs=[sn.Eq(sn.D(T)(U), sympy.Symbol("kappa") * sn.D(X, 2)(U))]),
         r"symbol kappa, which is not declared: declare it with `kappa = sn.parameter\('kappa', value\)`"),
        # undeclared field
        (dict(eqs=[sn.Eq(sn.D(T)(U), sn.D(X, 2)(U) + sympy.Function("f")(T, X))]),
         r"uses f\(t, x\), which is not a declared field: declare it with `f = sn.fields\('f', t, x\)`"),
        # Periodic on a variable outside the domain
        (dict(bcs=[sn.Periodic(Y), sn.Initial(U, X)] + BCS),
         r"Periodic\(y\): y is not a spatial variable .* \(those are \(x,\)\)"),
        # empty and reversed intervals
        (dict(domain={T: (0, 1), X: (1, 1)}), r"domain\[x\] = \(1, 1\) is empty or reversed"),
        (dict(domain={T: (0, 1), X: (2, 0)}), r"domain\[x\] = \(2, 0\) is empty or reversed.*\(0, 2\)"),
        # domain missing a variable
        (dict(domain={T: (0, 1)}), r"no interval for x, which the field u\(t, x\) depends on"),
        (dict(domain={T: (0, 1), X: (0, 1), Y: (0, 1)}), r"interval for y, but no field depends on y"),
        (dict(domain=[(0, 1)]), r"domain must be a dict"),
        # a non-equation
        (dict(eqs=[sn.D(T)(U) - sn.D(X, 2)(U)]), r"equation 1 is .* not an equation: write sn.Eq"),
        (dict(eqs=[sympy.Eq(U, U)]), r"equation 1 is True: sympy.Eq evaluated it away"),
        # initial condition depending on t
        (dict(bcs=BCS + [sn.Initial(U, X * T)]), r"Initial\(u\(t, x\), t\*x\) depends on the time variable t"),
        # two ICs / two BCs
        (dict(bcs=BCS + [sn.Initial(U, X), sn.Initial(U, 0)]), r"two initial conditions for u\(t, x\)"),
        (dict(bcs=BCS + [sn.Neumann(U, X, "max", 0), sn.Initial(U, X)]),
         r"u\(t, x\) has 2 condition\(s\) on the 'max' side of x, .* needs 1 per side"),
        (dict(bcs=BCS + [sn.Periodic(X), sn.Initial(U, X)]), r"conflicts with Periodic\(x\)"),
        (dict(bcs=BCS + [sn.Periodic(T), sn.Initial(U, X)]), r"t is the time variable"),
        # derivative with respect to a variable the field lacks (bypassing sn.D)
        (dict(eqs=[sn.Eq(sn.D(T)(U), sympy.Derivative(U, Y))]),
         r"differentiates u\(t, x\) with respect to y, which it does not depend on"),
        # not a condition
        (dict(bcs=BCS + ["u=0"]), r"'u=0' is not a boundary or initial condition"),
        # a second time derivative
        (dict(eqs=[sn.Eq(sn.D(T, 2)(U), sn.D(X, 2)(U))]), r"needs an initial velocity"),
        # a mixed derivative in t and x of a first-order equation
        (dict(eqs=[sn.Eq(sn.D(T)(U), sn.D(T)(sn.D(X)(U)))]), r"for a mixed derivative in t and space"),
        # integral terms and complex coefficients: named, not a raw sympy/egglog error
        (dict(eqs=[sn.Eq(sn.D(T)(U), sympy.Integral(U, T))]),
         r"integrates over t without limits: integrate over a variable of the system"),
        (dict(eqs=[sn.Eq(sympy.I * sn.D(T)(U), -sn.D(X, 2)(U))]),
         r"contains the imaginary unit I, but its fields are real: declare the complex ones"),
        # nonlinear in the time derivative
        (dict(eqs=[sn.Eq(sn.D(T)(U) ** 2, sn.D(X, 2)(U))]), r"not linear in D\(t\)\(u\(t, x\)\)"),
        (dict(eqs=5), r"equations must be a list of sn.Eq\(lhs, rhs\), got 5"),
        (dict(eqs=[]), r"a system needs at least one equation, got none"),
        (dict(eqs=[sn.Eq(2 * NU, 1)]), r"the equations contain no field"),
        (dict(domain={T: (0, 1), NU: (0, 1)}), r"domain key nu is not an independent variable"),
        (dict(domain={T: (0, 1), X: "wide"}), r"domain\[x\] = 'wide' is not an interval \(lo, hi\)"),
        (dict(domain={T: (0, 1), X: (0, float("inf"))}), r"domain\[x\] = \(0, inf\) must be finite"),
        (dict(eqs=[sn.Eq(sn.D(T)(U), sn.D(X, 2)(U)), sn.Eq(sn.D(T)(U), U)]), r"gives D\(t\)\(u\(t, x\)\) a second time"),
        (dict(bcs=[sn.Periodic(X), sn.Periodic(X), sn.Initial(U, X)]), r"Periodic\(x\) is given twice: remove one"),
        (dict(bcs=BCS + [sn.Dirichlet(U, T, "min", 0), sn.Initial(U, X)]), r"Dirichlet on the time variable t"),
        (dict(bcs=BCS + [sn.Initial(U, X), sn.Initial(sn.fields("w", T, X), 0)]),
         r"w\(t, x\).*not a field"),
    ],
)
def test_validation_errors(change, message):
    # what every solver needs is checked at construction; completeness (an initial value,
    # the walls' conditions) by the solvers that need it (check_complete, as discretize does)
    with pytest.raises(sn.ModelError, match=message):
        _heat(**change).check_complete()


@pytest.mark.parametrize("change, message", [
    (dict(bcs=BCS), r"field u\(t, x\) has no initial condition"),
    (dict(bcs=BCS[:1] + [sn.Initial(U, X)]), r"no boundary condition on the 'max' side of x"),
    (dict(bcs=BCS + [sn.Neumann(U, X, "max", 0), sn.Initial(U, X)]), r"has 2 condition\(s\) on the 'max' side"),
])
def test_completeness_is_checked_by_the_solver_that_needs_it(change, message):
    sys = _heat(**change)  # a PINN can train this
    assert sys.incomplete and re.search(message, sys.incomplete[0])
    with pytest.raises(sn.ModelError, match=message + r".*\(discretize needs this; solvers.PINN trains without it"):
        discretize(sys, {X: 9}, backend="numpy")


def test_parameter_without_value():
    k = sn.parameter("k")
    with pytest.raises(sn.ModelError, match=r"parameter k has no value: give it one, e.g. sn.parameter\('k', 1.0\)"):
        _heat(eqs=[sn.Eq(sn.D(T)(U), k * sn.D(X, 2)(U))])
    sys = sn.PDESystem(
        [sn.Eq(sn.D(T)(U), k * sn.D(X, 2)(U))], BCS + [sn.Initial(U, X)],
        domain={T: (0, 1), X: (0, 1)}, parameters={k: 2.0},
    )
    assert sys.parameters == {k: 2.0}


def test_condition_constructor_errors():
    with pytest.raises(sn.ModelError, match=r"unknown side 'left': use \"min\""):
        sn.Dirichlet(U, X, "left", 0)
    with pytest.raises(sn.ModelError, match=r"field u\(t, x\) does not depend on y"):
        sn.Neumann(U, Y, "min", 0)
    with pytest.raises(sn.ModelError, match="got the function u itself"):
        sn.Dirichlet(U.func, X, "min", 0)
    with pytest.raises(sn.ModelError, match="needs a field declared with sn.fields"):
        sn.Initial(X, 0)
    with pytest.raises(sn.ModelError, match="contains the field"):
        sn.Dirichlet(U, X, "min", U)
    with pytest.raises(sn.ModelError, match="a = b = 0 leaves no condition"):
        sn.Robin(U, X, "min", 0, 0, 1)
    with pytest.raises(sn.ModelError, match="independent variable"):
        sn.Periodic(NU)


def test_two_parameters_with_one_name():
    k_a, k_b = sn.parameter("k", 1.0), sn.parameter("k", 2.0)
    with pytest.raises(sn.ModelError, match="two different parameters are named 'k'"):
        _heat(eqs=[sn.Eq(sn.D(T)(U), k_a * sn.D(X, 2)(U) + k_b * U)])


def test_condition_for_a_foreign_field():
    V = sn.fields("v", T, X)
    with pytest.raises(sn.ModelError, match=r"is about v\(t, x\), which is not a field of this PDESystem"):
        _heat(bcs=BCS + [sn.Initial(U, X), sn.Initial(V, 0)])


def test_ambiguous_time_asks_for_it():
    a, b = sn.variables("a b")
    w = sn.fields("w", a, b)
    with pytest.raises(sn.ModelError, match=r"cannot tell the time variable .* time=t"):
        sn.PDESystem([sn.Eq(sn.D(a)(w) + sn.D(b)(w), 0)], [sn.Initial(w, 0)],
                     domain={a: (0, 1), b: (0, 1)})
    sys = sn.PDESystem([sn.Eq(sn.D(a)(w) + sn.D(b)(w), 0)],
                       [sn.Initial(w, 0), sn.Dirichlet(w, b, "min", 0)],
                       domain={a: (0, 1), b: (0, 1)}, time=a)
    assert sys.time == a and sys.space == (b,)


def test_fields_must_share_arguments():
    V = sn.fields("v", T, Y)
    with pytest.raises(sn.ModelError, match=r"equation 1, u_t = v, holds u\(t, x\), "
                       r"v\(t, y\): fields on different spatial variables are 1-D blocks"):
        sn.PDESystem([sn.Eq(sn.D(T)(U), V), sn.Eq(sn.D(T)(V), U)],
                     [sn.Initial(U, 0), sn.Initial(V, 0)], domain={T: (0, 1), X: (0, 1), Y: (0, 1)})


def test_field_order_follows_the_equations():
    u, v = sn.fields("u v", T, X)
    sys = sn.PDESystem([sn.Eq(sn.D(T)(u), v * sn.D(X, 2)(u)), sn.Eq(sn.D(T)(v), u)],
                       BCS + [sn.Initial(u, 0), sn.Initial(v, 0)], domain={T: (0, 1), X: (0, 1)})
    assert sys.fields == (u, v) and list(sys.rhs) == [u, v]


def test_conditions_print_as_one_reads_them():
    assert str(sn.Robin(U, X, "min", 1, 1, 0)) == "u + du/dn = 0 at x = min"
    assert str(sn.Robin(U, X, "max", 2, T + 1, 3)) == "2*u + (t + 1)*du/dn = 3 at x = max"
    assert str(sn.Robin(U, X, "max", -1, 1, 0)) == "-u + du/dn = 0 at x = max"
