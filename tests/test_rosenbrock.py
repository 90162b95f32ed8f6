"""Rosenbrock integration (rodas4, rodas5, rodas5p): its order with fixed steps
(also on a nonlinear non-autonomous problem, through the time derivative), its
dense output's order, L-stability on a stiff problem, Robertson's kinetics against scipy's
Radau, the Brusselator against a tight reference, and clear errors."""

import pathlib
import sys

import numpy as np
import pytest
import scipy.integrate
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

from test_dense_output import exact, forced, t, u, x  # noqa: F401  (the forced problem and its solution)

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "examples"))
from brusselator import make_brusselator  # noqa: E402


def test_order_four_and_dense_output_order_three(forced):
    T = np.linspace(0, 1, 301)
    dts = [0.1, 0.05, 0.025]
    end, between = [], []
    for dt in dts:
        sol = solve(forced, method="rodas4", dt=dt, adaptive=False, dense=True, progress=False)
        assert sol.stats["steps"] == round(1 / dt) and sol.stats["nlu"] == sol.stats["steps"]
        end.append(abs(sol[u][-1] - exact(1.0)))
        between.append(np.abs(sol(T, u) - exact(T)).max())
    assert np.polyfit(np.log(dts), np.log(end), 1)[0] > 3.7, end
    assert np.polyfit(np.log(dts), np.log(between), 1)[0] > 2.7, between


@pytest.fixture(scope="module")
def nonlinear():
    """A nonlinear, non-autonomous pair (Rosenbrock order conditions beyond the
    linear ones) and a DOP853 reference at 1e-13."""
    a, b = sn.fields("a b", t)
    prob = discretize(sn.ODESystem([sn.Eq(sn.D(t)(a), -a**2 * b + sympy.sin(3 * t)), sn.Eq(sn.D(t)(b), a - b**3 + t)],
                                   [sn.Initial(a, 1), sn.Initial(b, 0.5)], domain={t: (0, 1)}, name="rosen_nl"))
    ref = scipy.integrate.solve_ivp(lambda s, y: [-y[0] ** 2 * y[1] + np.sin(3 * s), y[0] - y[1] ** 3 + s], (0, 1),
                                    [1, 0.5], method="DOP853", rtol=1e-13, atol=1e-15, dense_output=True)
    return prob, a, ref.sol


@pytest.mark.parametrize("method, order, dense_order", [("rodas4", 4, 3), ("rodas5", 5, 4), ("rodas5p", 5, 4)])
def test_order_on_a_nonlinear_system(nonlinear, method, order, dense_order):
    prob, a, ref = nonlinear
    T = np.linspace(0, 1, 301)
    dts = [0.1, 0.05, 0.025]
    end, between = [], []
    for dt in dts:
        sol = solve(prob, method=method, dt=dt, adaptive=False, dense=True, progress=False)
        end.append(abs(sol[a][-1] - ref(1.0)[0]))
        between.append(np.abs(sol(T, a) - ref(T)[0]).max())
    assert np.polyfit(np.log(dts), np.log(end), 1)[0] > order - 0.3, end
    assert np.polyfit(np.log(dts), np.log(between), 1)[0] > dense_order - 0.3, between


def test_rodas5p_has_less_order_reduction():
    """Prothero-Robinson (below) at rtol 1e-8: Rodas4 needs ~1400 steps, Rodas5P ~25
    (Steinebach's design goal)."""
    v = sn.fields("v", t)
    prob = discretize(sn.ODESystem([sn.Eq(sn.D(t)(v), -1e4 * (v - sympy.cos(t)) - sympy.sin(t))],
                                   [sn.Initial(v, 1)], domain={t: (0, 2)}, name="stiff_cos"))
    steps = {}
    for m in ("rodas4", "rodas5p"):
        sol = solve(prob, method=m, rtol=1e-8, atol=1e-10, saveat=5, progress=False)
        np.testing.assert_allclose(sol[v], np.cos(sol.t), atol=1e-6)
        steps[m] = sol.stats["steps"]
    assert steps["rodas5p"] * 10 < steps["rodas4"], steps


def test_stiff_decay_with_large_steps():
    """u' = -1e4 (u - cos t) - sin t, u = cos t: L-stable steps of 0.1 (h lambda = -1000)."""
    v = sn.fields("v", t)
    prob = discretize(sn.ODESystem([sn.Eq(sn.D(t)(v), -1e4 * (v - sympy.cos(t)) - sympy.sin(t))],
                                   [sn.Initial(v, 1)], domain={t: (0, 2)}, name="stiff_cos"))
    sol = solve(prob, method="rodas4", dt=0.1, adaptive=False, saveat=5, progress=False)
    np.testing.assert_allclose(sol[v], np.cos(sol.t), atol=1e-6)
    # at the step ends (the order-3 interpolant is not error-controlled between them)
    adaptive = solve(prob, method="rodas4", rtol=1e-6, atol=1e-8, dense=True, progress=False)
    ends = adaptive.dense.t
    np.testing.assert_allclose(adaptive(ends, v), np.cos(ends), atol=1e-5)
    assert adaptive.stats["steps"] < 100  # an explicit method needs ~ 2e4 / 2.8 steps for stability alone


ROBERTSON_T = np.array([0, 1e-2, 1, 100, 1e4, 1e5])


def robertson_reference():
    """Robertson's kinetics at ROBERTSON_T, by scipy's Radau at rtol 1e-12."""
    return scipy.integrate.solve_ivp(
        lambda _, w: [-0.04 * w[0] + 1e4 * w[1] * w[2], 0.04 * w[0] - 1e4 * w[1] * w[2] - 3e7 * w[1] ** 2,
                      3e7 * w[1] ** 2], (0, 1e5), [1, 0, 0], method="Radau", t_eval=ROBERTSON_T, rtol=1e-12,
        atol=1e-16).y.T


@pytest.mark.parametrize("method", [pytest.param("rodas4", marks=pytest.mark.slow), "rodas5p"])
def test_robertson_matches_radau(method):
    y1, y2, y3 = sn.fields("y1 y2 y3", t)
    prob = discretize(sn.ODESystem(
        [sn.Eq(sn.D(t)(y1), -0.04 * y1 + 1e4 * y2 * y3),
         sn.Eq(sn.D(t)(y2), 0.04 * y1 - 1e4 * y2 * y3 - 3e7 * y2**2),
         sn.Eq(sn.D(t)(y3), 3e7 * y2**2)],
        [sn.Initial(y1, 1.0), sn.Initial(y2, 0.0), sn.Initial(y3, 0.0)], domain={t: (0, 1e5)}, name="robertson"))
    T, ref = ROBERTSON_T, robertson_reference()
    sol = solve(prob, method=method, saveat=T, rtol=1e-8, atol=1e-14, progress=False)
    assert (np.abs(sol.states - ref) / np.abs(ref).max(axis=0)).max() < 1e-5
    np.testing.assert_allclose(sol.states.sum(axis=1), 1.0, atol=1e-10)  # mass is conserved


@pytest.mark.parametrize("method", ["rodas4", "rodas5p"])
def test_brusselator_against_a_tight_reference(method):
    system = make_brusselator()
    xs, ys = system.space
    prob = discretize(system, {xs: 12, ys: 12})
    save = [0.0, 1.1, 3.0]
    kw = dict(tspan=(0, 3), saveat=save, progress=False)
    ref = solve(prob, method="bdf", rtol=1e-11, atol=1e-11, **kw)
    sol = solve(prob, method=method, rtol=1e-6, atol=1e-8, dense=True, **kw)
    assert np.abs(sol.states - ref.states).max() < 1e-4 * np.abs(ref.states).max()
    np.testing.assert_allclose(sol(np.array(save)), sol.states, rtol=0, atol=1e-12)
    assert {"steps", "rejected", "nfev", "njev", "nlu"} <= set(sol.stats)


def test_errors_name_the_fix(forced):
    with pytest.raises(sn.SolverError, match=r"adaptive=False takes a fixed step: pass dt"):
        solve(forced, method="rodas4", adaptive=False, progress=False)
    with pytest.raises(sn.SolverError, match=r"unknown method 'rodas6'.*'rodas4'"):
        solve(forced, method="rodas6", progress=False)
    blow = discretize(sn.ODESystem([sn.Eq(sn.D(t)(u), u**2)], [sn.Initial(u, 1)], domain={t: (0, 2)},
                                   name="blowup_r"))
    with pytest.raises(sn.SolverError, match=r"(step size underflow|non-finite)"):
        solve(blow, method="rodas4", progress=False)
    w = sn.fields("w", t, x)
    heat = sn.PDESystem([sn.Eq(sn.D(t)(w), sn.D(x, 2)(w))], [sn.Periodic(x), sn.Initial(w, sympy.sin(2 * sympy.pi * x))],
                        domain={t: (0, 1), x: (0, 1)}, name="heat_r")
    with pytest.raises(sn.SolverError, match=r"factorizes sparse matrices on the host"):
        solve(discretize(heat, {x: 8}, backend="cuda"), method="rodas4", progress=False)


def test_a_linear_problems_jacobian_is_made_once_per_parameter_values():
    """No Jacobian entry reads the state or t (damped beam, heat with a parameter): the
    matrix is assembled once per grid and parameter values and handed out as copies;
    a nonlinear problem's is assembled at every call. Both equal finite differences."""
    from symnum.codegen._stencil_jacobian import dense_fd_jacobian

    t, x = sn.variables("t x")  # (not the imported forced problem's)
    k = sn.parameter("k", 0.5)
    u = sn.fields("u", t, x)
    walls = [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", sympy.sin(t)), sn.Initial(u, x)]
    heat = discretize(sn.PDESystem([sn.Eq(sn.D(t)(u), k * sn.D(x, 2)(u) - u + sympy.cos(t))], walls,
                                           domain={t: (0, 1), x: (0, 1)}, name="jac_once"), {x: 12}, order=4)
    burgers = discretize(sn.PDESystem([sn.Eq(sn.D(t)(u), k * sn.D(x, 2)(u) - u * sn.D(x)(u))], walls,
                                              domain={t: (0, 1), x: (0, 1)}, name="jac_each"), {x: 12}, order=4)
    assert heat.jac.generated().constant and not burgers.jac.generated().constant
    y = np.random.default_rng(0).uniform(size=heat.shape)
    for prob in (heat, burgers, heat.remake({k: 2.0})):
        J = prob.jacobian(y, 0.3)
        J.data[:] += 1.0  # a caller changing its copy changes nothing kept
        fd = dense_fd_jacobian(lambda v: prob.rhs(v, 0.3), y)
        np.testing.assert_allclose(prob.jacobian(y * 2, 0.7).toarray() if prob is not burgers else
                                   prob.jacobian(y, 0.3).toarray(), fd, atol=1e-5)
    assert len(heat.jac.generated().kept) == 2  # k = 0.5 and k = 2
