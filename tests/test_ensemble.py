"""Ensembles (`solve_ensemble`): every member bit-equal to the single solve of its
parameters and initial state (compiled members, threaded members, member by
member on other backends and implicit methods), boundaries and parameter-dependent
initial states per member, the result's views, and clear errors."""

import numba
import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import EnsembleSolution, discretize, solve, solve_ensemble

t, x = sn.variables("t x")
X, Y, Z = sn.fields("X Y Z", t)
rho = sn.parameter("rho", 28.0)
KW = dict(saveat=7, rtol=1e-8, atol=1e-10, progress=False)


@pytest.fixture(scope="module")
def lorenz():
    # the system of test_compiled_integration.py: its compiled loops are reused
    ode = sn.ODESystem([sn.Eq(sn.D(t)(X), 10 * (Y - X)), sn.Eq(sn.D(t)(Y), X * (rho - Z) - Y),
                        sn.Eq(sn.D(t)(Z), X * Y - sympy.Rational(8, 3) * Z)],
                       [sn.Initial(X, 1.0), sn.Initial(Y, 0.0), sn.Initial(Z, 0.0)],
                       domain={t: (0, 2)}, name="lorenz_c")
    return discretize(ode)


def _single(prob, k, sol, **kw):
    return solve(prob.remake({p: v[k] for p, v in sol.params.items()}, u0=sol.u0[k]), **kw)


@pytest.mark.parametrize("method, dt", [("tsit5", None), ("rk4", 1e-3)])
def test_members_equal_single_solves_bit_for_bit(lorenz, method, dt):
    rhos = np.linspace(10.0, 40.0, 13)
    sol = solve_ensemble(lorenz, params={rho: rhos}, method=method, dt=dt, **KW)
    assert isinstance(sol, EnsembleSolution) and len(sol) == 13
    assert sol.states.shape == (13, 7, *lorenz.shape) and sol[X].shape == (13, 7)
    np.testing.assert_array_equal(sol.t, np.linspace(0, 2, 7))
    for k in (0, 5, 12):
        single = solve(lorenz.remake({rho: rhos[k]}), method=method, dt=dt, **KW)
        np.testing.assert_array_equal(sol.states[k], single.states)
        assert sol.stats["steps"][k] == single.stats["steps"] and sol.stats["nfev"][k] == single.stats["nfev"]
    # the members really differ: rho changes the orbit
    assert np.abs(sol[X][0, -1] - sol[X][-1, -1]) > 1.0


def test_initial_states_and_parameters_together(lorenz):
    rng = np.random.default_rng(0)
    u0 = rng.normal(size=(5, *lorenz.shape))
    rhos = [20.0, 24.0, 28.0, 32.0, 36.0]
    sol = solve_ensemble(lorenz, params={rho: rhos}, u0=u0, **KW)
    np.testing.assert_array_equal(sol.states[:, 0], u0)
    for k in range(5):
        np.testing.assert_array_equal(sol.states[k], solve(lorenz.remake({rho: rhos[k]}, u0=u0[k]), **KW).states)
    member = sol.member(3)
    assert member.problem.params[rho] == 32.0 and member.stats["steps"] == sol.stats["steps"][3]
    np.testing.assert_array_equal(member[Y], sol[Y][3])


def test_threaded_members_equal_the_serial_ones(lorenz, monkeypatch):
    """prange over members (several threads); forced here on one."""
    rhos = np.linspace(20.0, 30.0, 6)
    serial = solve_ensemble(lorenz, params={rho: rhos}, **KW)
    monkeypatch.setattr(numba, "get_num_threads", lambda: 2)
    threaded = solve_ensemble(lorenz, params={rho: rhos}, **KW)
    assert threaded.stats["threads"] == 2
    np.testing.assert_array_equal(threaded.states, serial.states)


@pytest.fixture(scope="module")
def heat():
    """Boundary values and the initial state depend on the varied parameter."""
    u = sn.fields("u", t, x)
    a = sn.parameter("a", 1.0)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                       [sn.Dirichlet(u, x, "min", a), sn.Neumann(u, x, "max", 0),
                        sn.Initial(u, a * sympy.cos(sympy.pi * x / 2))],
                       domain={t: (0, 0.1), x: (0, 1)}, name="heat_ens")
    return u, a, sys


@pytest.mark.parametrize("backend, method", [("numba", "tsit5"), ("numpy", "tsit5"), ("numba", "bdf"),
                                             ("numpy", "rodas4"), ("numpy", "kencarp47")])
def test_boundaries_and_initial_states_per_member(heat, backend, method):
    u, a, sys = heat
    prob = discretize(sys, {x: 9}, backend=backend)
    values = [0.5, 1.0, 2.0]
    sol = solve_ensemble(prob, params={a: values}, method=method, saveat=3, rtol=1e-8, atol=1e-10, progress=False)
    for k, v in enumerate(values):
        single = solve(prob.remake({a: v}), method=method, saveat=3, rtol=1e-8, atol=1e-10, progress=False)
        np.testing.assert_array_equal(sol.states[k], single.states)
        assert sol[u][k, -1, 0] == v  # the Dirichlet wall holds the member's value
    # linear in a: member 2 is twice member 1 (to the tolerance)
    np.testing.assert_allclose(sol[u][2], 2 * sol[u][1], rtol=1e-6)


def test_members_with_global_terms_equal_single_solves(monkeypatch):
    """An integral term, an interior point value and a wall derivative feed an ODE v(t);
    the compiled members compute them from each member's state (and a parameter scales
    one), as each single solve does; a Dirichlet wall depends on the parameter too."""
    u, v = sn.fields("u", t, x), sn.fields("v", t)
    k = sn.parameter("k", 0.5)
    sys = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)),
         sn.Eq(sn.D(t)(v), k * sympy.Integral(u, (x, 0, 1)) + u.subs(x, 0.3) + sn.D(x)(u).subs(x, 1))],
        [sn.Dirichlet(u, x, "min", k), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(sympy.pi * x)),
         sn.Initial(v, -1)], domain={t: (0, 0.5), x: (0, 1)}, name="globals_ens")
    prob = discretize(sys, {x: 17}, order=4)
    values = [0.25, 0.5, 1.0]
    for threads in (1, 2):
        monkeypatch.setattr(numba, "get_num_threads", lambda: threads)
        sol = solve_ensemble(prob, params={k: values}, saveat=3, rtol=1e-10, atol=1e-12, progress=False)
        for i, value in enumerate(values):
            single = solve(prob.remake({k: value}), saveat=3, rtol=1e-10, atol=1e-12, progress=False)
            np.testing.assert_array_equal(sol.states[i], single.states)
            assert sol[u][i, -1, 0] == value


def test_to_xarray_has_a_member_dimension(lorenz):
    pytest.importorskip("xarray")
    sol = solve_ensemble(lorenz, params={rho: [20.0, 30.0]}, **KW)
    ds = sol.to_xarray()
    assert ds["X"].dims == ("member", "t") and list(ds["rho"].values) == [20.0, 30.0]
    np.testing.assert_array_equal(ds["Z"].values, sol[Z])


def test_a_failing_member_is_named():
    """Forward Euler with a step beyond its stability limit for large rho only."""
    u = sn.fields("u", t)
    lam = sn.parameter("lam", 1.0)
    prob = discretize(sn.ODESystem([sn.Eq(sn.D(t)(u), -lam * u)], [sn.Initial(u, 1)], domain={t: (0, 5)},
                                   name="decay_ens_fail"))
    with pytest.raises(sn.SolverError, match=r"ensemble member 2 \(lam = 500\): the solution is diverging"):
        solve_ensemble(prob, params={lam: [1.0, 10.0, 500.0, 600.0]}, method="euler", dt=0.01, progress=False)


def test_bad_input_is_named(lorenz):
    with pytest.raises(sn.SolverError, match=r"disagree on the number of members: \{'rho': 3, 'u0': 2\}"):
        solve_ensemble(lorenz, params={rho: [1.0, 2.0, 3.0]}, u0=np.zeros((2, *lorenz.shape)))
    with pytest.raises(sn.SolverError, match=r"sigma is not a parameter of this problem; its parameters are \(rho,\)"):
        solve_ensemble(lorenz, params={sympy.Symbol("sigma"): [1.0]})
    with pytest.raises(sn.SolverError, match=r"u0 has shape \(4, 2\): .* = \(N, 3\)"):
        solve_ensemble(lorenz, u0=np.zeros((4, 2)))
    with pytest.raises(sn.SolverError, match="an ensemble needs members"):
        solve_ensemble(lorenz)
    with pytest.raises(sn.SolverError, match=r"params\[rho\] has shape \(2, 2\)"):
        solve_ensemble(lorenz, params={rho: np.ones((2, 2))})
    with pytest.raises(sn.SolverError, match="unknown method 'rk45'"):
        solve_ensemble(lorenz, params={rho: [1.0]}, method="rk45")
