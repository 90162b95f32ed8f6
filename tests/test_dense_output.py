"""Dense output (`solve(..., dense=True)`, then `sol(t)`): accurate to the
interpolant's order anywhere in tspan, equal to the saved states at save times,
the same from the compiled loop and the array loop (record buffers that grow
included), boundary values at every time, and clear errors."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

t, x = sn.variables("t x")
u = sn.fields("u", t)


def exact(T):
    return (1 + 0.3) * np.exp(-T) + (np.sin(3 * T) - 3 * np.cos(3 * T)) / 10


@pytest.fixture(scope="module")
def forced():
    # the system of test_compiled_integration.py's dense-output test: its loops are reused
    ode = sn.ODESystem([sn.Eq(sn.D(t)(u), -u + sympy.sin(3 * t))], [sn.Initial(u, 1)], domain={t: (0, 1)},
                       name="dense_c")
    return discretize(ode)


@pytest.mark.parametrize("method, compiled, expected", [("tsit5", True, 4), ("rk4", True, 4), ("dopri5", False, 4),
                                                        ("ssprk3", False, 3), ("euler", False, 1)])
def test_sol_t_converges_at_the_interpolants_order(forced, method, compiled, expected):
    """Everywhere on a fine grid, not only at save times: the continuous
    extension (tsit5, dopri5) or cubic Hermite (others) with the method's error."""
    T = np.linspace(0, 1, 997)
    errs, dts = [], [0.1, 0.05, 0.025]
    for dt in dts:
        sol = solve(forced, method=method, dt=dt, adaptive=False, dense=True, compiled=compiled, progress=False)
        errs.append(np.abs(sol(T, u) - exact(T)).max())
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert slope > expected - 0.3, (errs, slope)


def test_dop853_extension_is_of_order_seven(forced):
    """Hairer's extension (three extra stages, only in steps that need them):
    error ~ h^8 everywhere, from sol(t) and from saveat alike, in both loops;
    saving at 997 times adds those stages, not steps."""
    T = np.linspace(0, 1, 997)
    errs, dts = [], [0.25, 0.125, 0.0625]
    for dt in dts:
        kw = dict(method="dop853", dt=dt, adaptive=False, progress=False)
        sol = solve(forced, dense=True, **kw)
        errs.append(np.abs(sol(T, u) - exact(T)).max())
        saved = solve(forced, saveat=T, compiled=False, **kw)
        np.testing.assert_allclose(saved[u], sol(T, u), rtol=0, atol=1e-15)
        assert saved.stats["steps"] == sol.stats["steps"] == round(1 / dt)
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert slope > 7.5, (errs, slope)


@pytest.mark.parametrize("method, dt", [("tsit5", None), ("rk4", 1e-3)])
def test_compiled_record_equals_array_loop_and_saved_states(forced, method, dt):
    """rk4 at dt = 1e-3 records 1000 steps: the record buffers grow (from 256) mid-solve."""
    kw = dict(method=method, dt=dt, saveat=np.linspace(0, 0.8, 9), rtol=1e-7, atol=1e-9, dense=True, progress=False)
    got, ref = solve(forced, **kw), solve(forced, compiled=False, **kw)
    np.testing.assert_array_equal(got(got.t), got.states)  # save times: the saved values exactly
    T = np.linspace(0, 1, 301)  # beyond the last save time: dense output covers tspan
    np.testing.assert_allclose(got(T), ref(T), rtol=0, atol=1e-12)
    assert got.stats["steps"] == ref.stats["steps"]
    assert got(0.37).shape == forced.shape and got(T, u).shape == (301,)
    np.testing.assert_array_equal(got(1.0), got.dense.y_end)
    assert abs(got(1.0, u) - exact(1.0)) < 1e-6


def test_boundaries_hold_between_save_times():
    v = sn.fields("v", t, x)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(v), sn.D(x, 2)(v))],
                       [sn.Dirichlet(v, x, "min", sympy.sin(t)), sn.Dirichlet(v, x, "max", 0),
                        sn.Initial(v, 0)], domain={t: (0, 1), x: (0, 1)}, name="dense_bc")
    prob = discretize(sys, {x: 9}, backend="numpy")
    sol = solve(prob, dense=True, progress=False)
    T = np.linspace(0, 1, 11)
    np.testing.assert_allclose(sol(T, v)[:, 0], np.sin(T), rtol=1e-14)


def test_implicit_methods_use_scipys_dense_output(forced):
    sol = solve(forced, method="bdf", dense=True, rtol=1e-9, atol=1e-11, progress=False)
    T = np.linspace(0, 1, 101)
    assert np.abs(sol(T, u) - exact(T)).max() < 1e-6


def test_errors_name_the_fix(forced):
    plain = solve(forced, compiled=False, progress=False)
    with pytest.raises(sn.SolverError, match="no dense output: solve with dense=True"):
        plain(0.5)
    sol = solve(forced, dense=True, compiled=False, progress=False)
    with pytest.raises(sn.SolverError, match=r"sol\(t\) at t = 1.5: dense output covers .*\[0, 1\]"):
        sol([0.2, 1.5])
    with pytest.raises(KeyError, match="is not a field"):
        sol(0.5, sn.fields("w", t))
