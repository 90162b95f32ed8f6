"""DAEs: algebraic equations (no time derivative) next to differential ones,
integrated by the Rosenbrock methods with a mass matrix whose algebraic rows are
zero; consistent initial values solved for. Robertson's kinetics written with its
conservation law against scipy's Radau on the ODE form; PDE constraints (a
Poisson equation, a flux) at their order of accuracy; clear errors."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize, solve, solve_ensemble

from test_rosenbrock import ROBERTSON_T, robertson_reference

t, x = sn.variables("t x")
y1, y2, y3 = sn.fields("y1 y2 y3", t)


def robertson_dae(y3_guess=None):
    ics = [sn.Initial(y1, 1.0), sn.Initial(y2, 0.0)] + ([sn.Initial(y3, y3_guess)] if y3_guess is not None else [])
    return sn.ODESystem([sn.Eq(sn.D(t)(y1), -0.04 * y1 + 1e4 * y2 * y3),
                         sn.Eq(sn.D(t)(y2), 0.04 * y1 - 1e4 * y2 * y3 - 3e7 * y2**2),
                         sn.Eq(0, y1 + y2 + y3 - 1)], ics, domain={t: (0, 1e5)}, name="robertson_dae")


@pytest.fixture(scope="module")
def robertson():
    return discretize(robertson_dae())


def test_the_system_knows_its_algebraic_fields(robertson):
    system = robertson.system
    assert system.algebraic == (y3,) and robertson.algebraic == (y3,)
    assert system.rhs[y3] == y1 + y2 + y3 - 1
    assert "0 = y1 + y2 + y3 - 1" in str(system)
    np.testing.assert_array_equal(robertson.mass, [1.0, 1.0, 0.0])
    assert discretize(sn.ODESystem([sn.Eq(sn.D(t)(y1), -y1)], [sn.Initial(y1, 1)], domain={t: (0, 1)},
                                   name="plain")).mass is None
    # Eq(v, expr) belongs to v whatever the order of the equations
    v = sn.fields("v", t)
    s = sn.ODESystem([sn.Eq(v, 2 * y1), sn.Eq(sn.D(t)(y1), -v)], [sn.Initial(y1, 1)], domain={t: (0, 1)}, name="eqv")
    assert s.algebraic == (v,) and s.rhs[v] == 2 * y1 - v


@pytest.mark.parametrize("method", [pytest.param("rodas4", marks=pytest.mark.slow), "rodas5p"])
def test_robertson_dae_matches_radau_on_the_ode(robertson, method):
    T, ref = ROBERTSON_T, robertson_reference()
    sol = solve(robertson, method=method, saveat=T, rtol=1e-8, atol=1e-14, progress=False)
    assert (np.abs(sol.states - ref) / np.abs(ref).max(axis=0)).max() < 1e-6
    np.testing.assert_allclose(sol.states.sum(axis=1), 1.0, rtol=0, atol=1e-14)  # the constraint holds


def test_consistent_initial_values_are_solved_for():
    prob = discretize(robertson_dae(y3_guess=0.7))  # an inconsistent guess
    np.testing.assert_allclose(prob.u0, [1.0, 0.0, 0.0], atol=1e-15)
    a, b = sn.fields("a b", t)
    # 0 = b**3 + b - a at a = 2: b = 1 (Newton from the default guess 0)
    cubic = discretize(sn.ODESystem([sn.Eq(sn.D(t)(a), -b), sn.Eq(0, b**3 + b - a)], [sn.Initial(a, 2.0)],
                                    domain={t: (0, 1)}, name="cubic"))
    np.testing.assert_allclose(cubic.u0, [2.0, 1.0], rtol=1e-14)
    sol = solve(cubic, method="rodas5p", saveat=5, rtol=1e-9, atol=1e-12, progress=False)
    np.testing.assert_allclose(sol[b] ** 3 + sol[b], sol[a], atol=1e-12)
    # an ensemble over the initial value: each member made consistent
    ens = solve_ensemble(cubic, u0=np.array([[2.0, 0.0], [10.0, 0.0]]), method="rodas5p", saveat=3, progress=False)
    np.testing.assert_allclose(ens[b][:, 0], [1.0, 2.0], rtol=1e-12)


def _order(errs, ns):
    return -np.polyfit(np.log(ns), np.log(errs), 1)[0]


def test_poisson_constraint_second_order():
    """u_t = -pi^2 v, 0 = v_xx + u, v = 0 at both walls: u = exp(-t) sin(pi x)
    (the algebraic field's wall nodes are eliminated: mass 1 there, rhs 0)."""
    u, v = sn.fields("u v", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), -sympy.pi**2 * v), sn.Eq(0, sn.D(x, 2)(v) + u)],
                          [sn.Dirichlet(v, x, "min", 0), sn.Dirichlet(v, x, "max", 0),
                           sn.Initial(u, sympy.sin(sympy.pi * x))],
                          domain={t: (0, 1), x: (0, 1)}, name="poisson_dae")
    ns, errs = [11, 21, 41], []
    for n in ns:
        prob = discretize(system, {x: n})
        assert prob.mass.reshape(prob.shape)[1, [0, -1]].tolist() == [1.0, 1.0]
        sol = solve(prob, method="rodas5p", rtol=1e-10, atol=1e-12, progress=False)
        errs.append(np.abs(sol[u][-1] - np.exp(-1) * np.sin(np.pi * prob.grid[x])).max())
    assert _order(errs, np.array(ns) - 1) > 1.9, errs


def test_flux_written_as_an_algebraic_field_second_order():
    """w_t = q_x, q = w_x (the heat equation through its flux; q needs no wall condition)."""
    w, q = sn.fields("w q", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(w), sn.D(x)(q)), sn.Eq(q, sn.D(x)(w))],
                          [sn.Dirichlet(w, x, "min", 0), sn.Dirichlet(w, x, "max", 0),
                           sn.Initial(w, sympy.sin(sympy.pi * x))],
                          domain={t: (0, 0.2), x: (0, 1)}, name="flux_dae")
    ns, errs = [11, 21, 41], []
    for n in ns:
        prob = discretize(system, {x: n})
        X = prob.grid[x]
        sol = solve(prob, method="rodas4", rtol=1e-9, atol=1e-12, progress=False)
        decay = np.exp(-np.pi**2 * 0.2)
        errs.append(max(np.abs(sol[w][-1] - decay * np.sin(np.pi * X)).max(),
                        np.abs(sol[q][-1] - np.pi * decay * np.cos(np.pi * X)).max()))
    assert _order(errs, np.array(ns) - 1) > 1.9, errs


def test_errors_name_the_fix(robertson):
    for method in ("tsit5", "kencarp4", "bdf"):
        with pytest.raises(sn.SolverError, match=r"is a DAE \(algebraic equations for y3\(t\)\).*'rodas5p'"):
            solve(robertson, method=method, progress=False)
    a, b = sn.fields("a b", t)
    with pytest.raises(sn.ModelError, match=r"has no time derivative, and every field already has"):
        sn.ODESystem([sn.Eq(sn.D(t)(a), -a), sn.Eq(0, a - 1)], [sn.Initial(a, 1)], domain={t: (0, 1)}, name="e1")
    with pytest.raises(sn.ModelError, match=r"2 algebraic equation\(s\).*for 1 field\(s\)"):
        sn.ODESystem([sn.Eq(sn.D(t)(a), -b), sn.Eq(0, b - 1), sn.Eq(0, b + a)], [sn.Initial(a, 1)],
                     domain={t: (0, 1)}, name="e2")
    with pytest.raises(sn.ModelError, match=r"field b\(t\) has no evolution equation"):
        sn.ODESystem([sn.Eq(sn.D(t)(a), -b)], [sn.Initial(a, 1)], domain={t: (0, 1)}, name="e3").check_complete()
    # index 2: the constraint does not contain its field b
    with pytest.raises(sn.SolverError, match=r"do not determine b.*index > 1"):
        discretize(sn.ODESystem([sn.Eq(sn.D(t)(a), b), sn.Eq(0, a - sympy.sin(t))], [sn.Initial(a, 0)],
                                domain={t: (0, 1)}, name="index2"))
    with pytest.raises(sn.SolverError, match=r"Newton did not converge.*sn.Initial\(b"):
        discretize(sn.ODESystem([sn.Eq(sn.D(t)(a), -b), sn.Eq(0, b**2 + 1 + 0 * a)], [sn.Initial(a, 1), sn.Initial(b, 0.5)],
                                domain={t: (0, 1)}, name="noroot"))
