"""Upwinded advection: one-sided stencils on the side the flow comes from."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

t, x = sn.variables("t x")


@pytest.mark.parametrize("c", [1.0, -1.0])
def test_upwind_picks_the_inflow_side(c):
    u = sn.fields("u", t, x)
    cc = sn.parameter("c", c)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), -cc * sn.D(x)(u))], [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                       domain={t: (0, 1), x: (0, 1)})
    prob = discretize(sys, {x: 16}, order=2, advection="upwind", backend="numpy")
    rng = np.random.default_rng(0)
    s = rng.normal(size=prob.shape)[0]
    h = 1 / 16
    back = (3 * s - 4 * np.roll(s, 1) + np.roll(s, 2)) / (2 * h)
    fwd = (-3 * s + 4 * np.roll(s, -1) - np.roll(s, -2)) / (2 * h)
    expected = -c * (back if c > 0 else fwd)
    np.testing.assert_allclose(prob.rhs(s[None], 0)[0], expected, atol=1e-10)


@pytest.mark.parametrize("c", [1.0, -1.0])
def test_first_order_upwind_is_the_donor_cell_scheme(c):
    u = sn.fields("u", t, x)
    cc = sn.parameter("c", c)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), -cc * sn.D(x)(u) + 0.1 * sn.D(x, 2)(u))],
                       [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))], domain={t: (0, 1), x: (0, 1)})
    prob = discretize(sys, {x: 16}, order=1, advection="upwind", backend="numpy")
    s = np.random.default_rng(1).normal(size=16)
    h = 1 / 16
    adv = (s - np.roll(s, 1)) / h if c > 0 else (np.roll(s, -1) - s) / h
    diff = (np.roll(s, 1) - 2 * s + np.roll(s, -1)) / h**2  # order 2 for the other terms
    np.testing.assert_allclose(prob.rhs(s[None], 0)[0], -c * adv + 0.1 * diff, atol=1e-9)
    with pytest.raises(sn.DiscretizationError, match=r"order=1 is first-order upwinding.*advection=\"upwind\""):
        discretize(sys, {x: 16}, order=1)


@pytest.mark.parametrize("order", [1, 2, 4])
def test_upwind_advection_converges(order):
    u = sn.fields("u", t, x)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x)(u))], [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                       domain={t: (0, 0.5), x: (0, 1)})
    ns, errs = [32, 64, 128], []
    for n in ns:
        prob = discretize(sys, {x: n}, order=order, advection="upwind", backend="numpy")
        sol = solve(prob, method="rk4", dt=0.2 / n, progress=False)
        exact = np.sin(2 * np.pi * (prob.grid[x] - 0.5))
        errs.append(np.abs(sol[u][-1] - exact).max())
    slope = np.polyfit(np.log(1 / np.array(ns)), np.log(errs), 1)[0]
    assert slope > order - 0.3, errs


@pytest.mark.parametrize("advection", ["upwind", "central"])
def test_burgers_with_upwinding_and_a_dirichlet_inflow(advection):
    """A front at cell Peclet number 5 (nu = 0.002, h = 0.01): upwinding keeps it
    monotone in [0, 1]; central differences overshoot (the test is shown to tell
    them apart)."""
    u = sn.fields("u", t, x)
    nu = sn.parameter("nu", 0.002)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), -u * sn.D(x)(u) + nu * sn.D(x, 2)(u))],
                       [sn.Dirichlet(u, x, "min", 1), sn.Dirichlet(u, x, "max", 0),
                        sn.Initial(u, sympy.Piecewise((1, x < 0.25), (0, True)))],
                       domain={t: (0, 0.5), x: (0, 1)})
    prob = discretize(sys, {x: 101}, advection=advection, backend="numpy")
    sol = solve(prob, method="ssprk3", dt=2e-3, progress=False)
    final = sol[u][-1]
    front = prob.grid[x][np.argmin(np.abs(final - 0.5))]
    assert abs(front - 0.5) < 0.05  # a front moving at speed 1/2: from x = 0.25 to about 0.5
    monotone = final.min() > -1e-6 and final.max() < 1 + 1e-6
    assert monotone == (advection == "upwind"), (final.min(), final.max())


def test_nonlinear_velocity_sign_picks_the_window_node_by_node():
    """-u u_x upwinds by the sign of u at each node: a state with both signs."""
    u = sn.fields("u", t, x)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), -u * sn.D(x)(u))], [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                       domain={t: (0, 1), x: (0, 1)})
    prob = discretize(sys, {x: 16}, order=2, advection="upwind", backend="numpy")
    s = np.random.default_rng(1).normal(size=16)
    h = 1 / 16
    back = (3 * s - 4 * np.roll(s, 1) + np.roll(s, 2)) / (2 * h)
    fwd = (-3 * s + 4 * np.roll(s, -1) - np.roll(s, -2)) / (2 * h)
    np.testing.assert_allclose(prob.rhs(s[None], 0)[0], -s * np.where(s > 0, back, fwd), atol=1e-10)


def test_first_order_upwind_with_euler_is_monotone_at_courant_one_half():
    # MOL.jl's convection tests step first-order upwinding with explicit Euler; at
    # Courant number 1/2 the scheme is a convex combination: no new extrema
    u = sn.fields("u", t, x)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x)(u))],
                       [sn.Dirichlet(u, x, "min", 0), sn.Initial(u, sympy.Piecewise((1, (x > 0.1) & (x < 0.3)), (0, True)))],
                       domain={t: (0, 0.5), x: (0, 1)})
    prob = discretize(sys, {x: 101}, order=1, advection="upwind")
    sol = solve(prob, method="euler", dt=0.005, progress=False)
    assert sol[u].min() >= 0 and sol[u].max() <= 1
    center = (prob.grid[x] * sol[u][-1]).sum() / sol[u][-1].sum()
    assert abs(center - 0.7) < 0.02  # the pulse moved by 0.5


def _advection(initial, bcs, name):
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    return sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x)(u))], bcs(u, t, x) + [sn.Initial(u, initial(x))],
                        domain={t: (0, 1), x: (0, 1)}, name=name), u, x


def test_weno5_reaches_fifth_order_and_numba_equals_numpy():
    """advection="weno": fifth-order WENO (Jiang-Shu) on a smooth periodic wave."""
    system, u, x = _advection(lambda x: sympy.sin(2 * sympy.pi * x), lambda u, t, x: [sn.Periodic(x)], "weno_sin")
    errs = []
    for n in (20, 40, 80):
        prob = discretize(system, {x: n}, advection="weno", backend="numpy")
        y = np.random.default_rng(0).normal(size=prob.shape)
        np.testing.assert_allclose(discretize(system, {x: n}, advection="weno").rhs(y), prob.rhs(y), rtol=1e-10,
                                   atol=1e-10)
        sol = solve(prob, method="dop853", rtol=1e-11, atol=1e-13, progress=False)
        errs.append(np.abs(sol[u][-1] - np.sin(2 * np.pi * prob.grid[x])).max())
    slopes = np.log2(np.array(errs[:-1]) / errs[1:])
    assert slopes.min() > 4.5, (errs, slopes)
    assert prob.stencil.reach == (3,)


def test_weno5_keeps_a_square_wave_without_oscillations():
    """A square wave once around the period (SSPRK3, Courant 0.4): WENO overshoots by
    < 1e-3, central order 4 by ~19%."""
    square = lambda x: sympy.Piecewise((1, (x > 0.25) & (x < 0.5)), (0, True))  # noqa: E731
    system, u, x = _advection(square, lambda u, t, x: [sn.Periodic(x)], "weno_square")
    ends = {}
    for advection, order in (("weno", 2), ("central", 4)):
        sol = solve(discretize(system, {x: 200}, advection=advection, order=order, backend="numpy"),
                    method="ssprk3", dt=0.4 / 200, progress=False)
        ends[advection] = (sol[u][-1].min(), sol[u][-1].max())
    assert -1e-3 < ends["weno"][0] and ends["weno"][1] < 1 + 1e-3, ends
    assert ends["central"][1] > 1.1, ends


def test_weno5_with_an_inflow_wall():
    """An inflow Dirichlet wall and a free outflow: WENO inside, the order-4 upwind-biased
    stencils where WENO's would pass a wall; order about 4."""
    exact = lambda t, x: sympy.sin(2 * sympy.pi * (x - t))  # noqa: E731
    system, u, x = _advection(lambda x: exact(0, x), lambda u, t, x: [sn.Dirichlet(u, x, "min", exact(t, 0))],
                              "weno_inflow")
    errs = []
    for n in (21, 41, 81):
        prob = discretize(system, {x: n}, advection="weno", order=4, backend="numpy")
        sol = solve(prob, method="dop853", rtol=1e-11, atol=1e-13, progress=False)
        errs.append(np.abs(sol[u][-1] - np.sin(2 * np.pi * (prob.grid[x] - 1))).max())
    slopes = np.log2(np.array(errs[:-1]) / errs[1:])
    assert slopes.min() > 3.5, (errs, slopes)
    with pytest.raises(sn.DiscretizationError, match="order=2 or more"):
        discretize(system, {x: 21}, advection="weno", order=1)
