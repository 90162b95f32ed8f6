"""Non-uniform grids: `grid={x: nodes}` with per-node Fornberg weights. The order of
accuracy holds on a smoothly stretched grid (steady and time-dependent, every
boundary-condition kind, boundary equations, upwinding, the flux form), the Numba
kernels equal the NumPy reference and the symbolic Jacobian a finite-difference one,
and bad node sequences get clear errors."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.codegen._stencil_jacobian import dense_fd_jacobian
from symnum.solvers import discretize, solve, solve_ensemble
from symnum.solvers._fornberg import fornberg_weights, fornberg_weights_at

t, x, y = sn.variables("t x y")


def stretched(n, lo=0.0, hi=1.0, beta=1.2):
    """Nodes clustered toward both ends (a boundary-layer grid), smooth in the index."""
    s = np.linspace(-1, 1, n)
    return lo + (hi - lo) * (1 + np.tanh(beta * s) / np.tanh(beta)) / 2


def _slope(ns, errs):
    return np.polyfit(np.log(1 / (np.array(ns) - 1.0)), np.log(errs), 1)[0]


def _bc(kind, u, ue, side):
    at = {x: 0 if side == "min" else 1}
    dn = (-1 if side == "min" else 1) * sympy.diff(ue, x)
    if kind == "dirichlet":
        return sn.Dirichlet(u, x, side, ue.subs(at))
    if kind == "neumann":
        return sn.Neumann(u, x, side, dn.subs(at))
    return sn.Robin(u, x, side, 2, 1, (2 * ue + dn).subs(at))


def test_float_weights_equal_the_exact_ones_on_a_uniform_grid():
    for offsets, d in [((-1, 0, 1), 2), ((0, 1, 2, 3), 1), ((-2, -1, 0, 1, 2), 4)]:
        h = 0.125
        got = fornberg_weights_at([h * o for o in offsets], d)
        want = [float(w) / h**d for w in fornberg_weights(offsets, d)]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("left, right", [("dirichlet", "neumann"), ("robin", "dirichlet")])
def test_steady_orders_on_a_stretched_grid(backend, order, left, right):
    ue = sympy.sin(2 * x) + sympy.exp(x) / 2
    ns, errs = [17, 33, 65], []
    for n in ns:
        u = sn.fields("u", x)
        f = sympy.diff(ue, x, 2) - ue
        sys = sn.PDESystem([sn.Eq(sn.D(x, 2)(u) - u, f)], [_bc(left, u, ue, "min"), _bc(right, u, ue, "max")],
                           domain={x: (0, 1)}, name="nu_steady")
        nodes = stretched(n)
        prob = discretize(sys, {x: nodes}, order=order, backend=backend)
        assert not prob.stencil.axes[0].uniform and np.array_equal(prob.grid[x], nodes)
        sol = solve(prob)
        errs.append(np.abs(sol[u] - sympy.lambdify(x, ue)(nodes)).max())
    assert _slope(ns, errs) > order - 0.3, errs


@pytest.mark.parametrize("order", [2, 4])
def test_heat_in_time_on_numba_compiled_loop(order):
    u = sn.fields("u", t, x)
    heat = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(sn.pi * x))],
                        domain={t: (0, 0.1), x: (0, 1)}, name="nu_heat")
    ns, errs = [17, 33, 65], []
    for n in ns:
        prob = discretize(heat, {x: stretched(n)}, order=order, backend="numba")
        sol = solve(prob, method="tsit5", rtol=1e-11, atol=1e-13, saveat=[0.1], progress=False)
        exact = np.exp(-np.pi**2 * 0.1) * np.sin(np.pi * prob.grid[x])
        errs.append(np.abs(sol[u][-1] - exact).max())
    assert _slope(ns, errs) > order - 0.3, errs


@pytest.mark.parametrize("order", [2, pytest.param(4, marks=pytest.mark.slow)])  # (4: the NumPy reference's regions, 10 s)
def test_2d_stretched_in_x_numba_equals_numpy_and_jacobian_equals_fd(order):
    k = sn.parameter("k", 0.7)
    u, v = sn.fields("u v", t, x, y)
    sys = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), k * sn.laplacian(u, x, y) + sn.D(x)(sn.D(y)(u)) + u**2 * v - x * sn.D(x)(u)),
         sn.Eq(sn.D(t)(v), sn.D(x)((1 + u**2) * sn.D(x)(v)) + sn.D(y, 2)(v) - u * v)],
        [sn.Dirichlet(u, x, "min", sympy.sin(t) * y), sn.Robin(u, x, "max", 1, 2, t), sn.Neumann(u, y, "min", x),
         sn.Dirichlet(u, y, "max", 0), sn.Neumann(v, x, "min", 1), sn.Dirichlet(v, x, "max", 0),
         sn.Dirichlet(v, y, "min", 0), sn.Neumann(v, y, "max", 0), sn.Initial(u, 1 + x * y), sn.Initial(v, x)],
        domain={t: (0, 1), x: (0, 2), y: (0, 1)}, name="nu_2d")
    grid = {x: stretched(13, 0, 2), y: 11}
    for order in (order,):
        fast = discretize(sys, grid, order=order, backend="numba")
        ref = discretize(sys, grid, order=order, backend="numpy")
        rng = np.random.default_rng(order)
        for tt in (0.0, 0.7):
            y0 = rng.uniform(0.5, 1.5, fast.shape)
            a, b = fast.rhs(y0, tt), ref.rhs(y0, tt)
            assert np.isfinite(b).all()  # no table entry outside a window was read (they are NaN)
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())
            if order == 4:
                continue  # the 2-D order-4 Jacobian takes 14 s to generate (uniform grids too)
            J = fast.jacobian(y0, tt).toarray()
            Jfd = dense_fd_jacobian(lambda s: fast.rhs(s, tt), y0)
            np.testing.assert_allclose(J, Jfd, atol=2e-5 * max(1.0, np.abs(J).max()))
        np.testing.assert_allclose(fast.u0, ref.u0)
        # the same kernels serve another non-uniform grid of the system
        other = discretize(sys, {x: stretched(17, 0, 2, beta=0.8), y: 11}, order=order, backend="numba")
        assert other.kernel is fast.kernel


def test_boundary_equations_and_flux_form_keep_their_order():
    """A Robin condition written as an equation (eliminated by the joint wall solve,
    its derivative weighted at the wall node) and the conservative flux form (nested
    derivatives on a non-uniform grid)."""
    ue = sympy.cos(x) + x**2 / 3
    a = 1 + x**2
    ns, errs = [17, 33, 65], []
    for n in ns:
        u = sn.fields("u", x)
        f = sympy.diff(a * sympy.diff(ue, x), x)
        g = (sympy.diff(ue, x) + 3 * ue).subs(x, 1)
        sys = sn.PDESystem([sn.Eq(sn.D(x)(a * sn.D(x)(u)), f)],
                           [sn.Dirichlet(u, x, "min", ue.subs(x, 0)),
                            sn.Eq(u.diff(x).subs(x, 1) + 3 * u.subs(x, 1), g)],
                           domain={x: (0, 1)}, name="nu_flux")
        prob = discretize(sys, {x: stretched(n)}, order=2, backend="numba")
        errs.append(np.abs(solve(prob)[u] - sympy.lambdify(x, ue)(prob.grid[x])).max())
    assert _slope(ns, errs) > 1.7, errs


@pytest.mark.parametrize("order", [1, 2])
def test_upwind_advection_converges_with_an_inflow_wall(order):
    u = sn.fields("u", t, x)
    c = sympy.Rational(1, 2)
    wave = sympy.sin(2 * sympy.pi * (x - c * t))
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), -c * sn.D(x)(u))],
                       [sn.Dirichlet(u, x, "min", wave.subs(x, 0)), sn.Initial(u, wave.subs(t, 0))],
                       domain={t: (0, 0.4), x: (0, 1)}, name="nu_adv")
    ns, errs = [41, 81, 161], []
    for n in ns:
        prob = discretize(sys, {x: stretched(n, beta=0.6)}, order=order, advection="upwind", backend="numba")
        sol = solve(prob, method="tsit5", rtol=1e-9, atol=1e-11, saveat=[0.4], progress=False)
        errs.append(np.abs(sol[u][-1] - sympy.lambdify(x, wave.subs(t, 0.4))(prob.grid[x])).max())
    assert _slope(ns, errs) > order - 0.3, errs


def test_a_uniform_sequence_is_a_uniform_grid():
    u = sn.fields("u", t, x)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                       [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, x)],
                       domain={t: (0, 1), x: (0, 1)}, name="nu_uniform")
    a = discretize(sys, {x: np.linspace(0, 1, 21)}, backend="numpy")
    b = discretize(sys, {x: 21}, backend="numpy")
    assert a.stencil.axes[0].uniform and a.kernel is b.kernel


def test_bad_node_sequences_and_unsupported_combinations_are_refused():
    u = sn.fields("u", t, x)
    walls = [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, x)]
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) - u * sn.D(x)(u))], walls,
                       domain={t: (0, 1), x: (0, 1)}, name="nu_bad")
    with pytest.raises(sn.DiscretizationError, match=r"increase strictly, but node 2 \(0\.3\) does not exceed node 1 \(0\.5\)"):
        discretize(sys, {x: [0, 0.5, 0.3, 1]})
    with pytest.raises(sn.DiscretizationError, match=r"run from 0 to 0\.9.*domain of x is \(0, 1\)"):
        discretize(sys, {x: [0, 0.4, 0.9]})
    with pytest.raises(sn.DiscretizationError, match="at least 3 finite nodes"):
        discretize(sys, {x: [0, np.nan, 1]})
    with pytest.raises(sn.DiscretizationError, match="must be numbers"):
        discretize(sys, {x: ["a", "b", "c"]})
    nodes = stretched(21)
    with pytest.raises(sn.DiscretizationError, match=r"weno.*uniform grids.*x"):
        discretize(sys, {x: nodes}, advection="weno")
    with pytest.raises(sn.DiscretizationError, match=r"CUDA backend takes uniform grids"):
        discretize(sys, {x: nodes}, backend="cuda")
    periodic = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))], [sn.Periodic(x), sn.Initial(u, x)],
                            domain={t: (0, 1), x: (0, 1)}, name="nu_per")
    with pytest.raises(sn.DiscretizationError, match=r"run from 0 to 0\.95, .*first and last node must be its ends"):
        discretize(periodic, {x: np.linspace(0, 0.95, 20)})   # periodic nodes still run from end to end
    prob = discretize(sys, {x: nodes}, backend="numba")
    with pytest.raises(sn.SolverError, match="non-uniform.*one by one"):
        solve_ensemble(prob, u0=np.stack([prob.u0, prob.u0]), saveat=[1.0])


def periodic_stretched(n, eps=0.6):
    """n nodes of a periodic grid on [0, 1] (the last one, 1, is node 0 again), clustered
    smoothly around x = 1/2 and spread at the seam: x = s - eps sin(2 pi s) / (2 pi)."""
    s = np.linspace(0, 1, n + 1)
    return s - eps * np.sin(2 * np.pi * s) / (2 * np.pi)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("order", [2, 4])
def test_periodic_stretched_grid_keeps_the_order(backend, order):
    """Advection-diffusion around the circle on a grid whose spacing varies 4:1 (largest
    at the seam, where every stencil wraps): u = e^(-4 pi^2 nu t) sin(2 pi (x - c t))."""
    nu, c = sympy.Rational(1, 20), 1
    u = sn.fields("u", t, x)
    exact = sympy.exp(-4 * sympy.pi**2 * nu * t) * sympy.sin(2 * sympy.pi * (x - c * t))
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), nu * sn.D(x, 2)(u) - c * sn.D(x)(u))],
                       [sn.Periodic(x), sn.Initial(u, exact.subs(t, 0))], domain={t: (0, 0.3), x: (0, 1)}, name="nu_circle")
    ns, errs = [24, 48, 96], []
    for n in ns:
        nodes = periodic_stretched(n)
        prob = discretize(sys, {x: nodes}, order=order, backend=backend)
        assert prob.shape == (1, n) and np.array_equal(prob.grid[x], nodes[:-1])
        sol = solve(prob, method="tsit5", rtol=1e-11, atol=1e-13, saveat=[0.3], progress=False)
        errs.append(np.abs(sol[u][-1] - sympy.lambdify(x, exact.subs(t, 0.3))(nodes[:-1])).max())
    slope = np.polyfit(np.log(1 / np.array(ns)), np.log(errs), 1)[0]
    assert slope > order - 0.3, errs


def test_periodic_stretched_flux_form_and_point_values():
    """D(x)(a D(x) u) (on a non-uniform axis: nested derivatives, the outer one reading
    the inner at neighbours across the seam, from the table's wrapped columns) keeps
    order 2; a value at a point between nodes (near the seam) interpolates on the
    stretched nodes."""
    a = 1 + sympy.sin(2 * sympy.pi * x) ** 2 / 2
    ue = sympy.exp(-t) * sympy.cos(2 * sympy.pi * x)
    f = sympy.diff(ue, t) - sympy.diff(a * sympy.diff(ue, x), x)
    ns, errs = [24, 48, 96], []
    for n in ns:
        u, v = sn.fields("u", t, x), sn.fields("v", t)
        sys = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x)(a * sn.D(x)(u)) + f), sn.Eq(sn.D(t)(v), u.subs(x, 0.013))],
                           [sn.Periodic(x), sn.Initial(u, ue.subs(t, 0)), sn.Initial(v, 0)],
                           domain={t: (0, 0.2), x: (0, 1)}, name="nu_circle_flux")
        prob = discretize(sys, {x: periodic_stretched(n)}, order=2, backend="numba")
        sol = solve(prob, method="tsit5", rtol=1e-11, atol=1e-13, saveat=[0.2], progress=False)
        err_u = np.abs(sol[u][-1] - sympy.lambdify(x, ue.subs(t, 0.2))(prob.grid[x])).max()
        v_exact = float(sympy.integrate(ue.subs(x, 0.013), (t, 0, 0.2)))
        errs.append(max(err_u, abs(sol[v][-1] - v_exact)))
    slope = np.polyfit(np.log(1 / np.array(ns)), np.log(errs), 1)[0]
    assert slope > 1.7, errs


def test_2d_periodic_stretched_numba_equals_numpy_and_jacobian_equals_fd():
    """A periodic non-uniform axis beside walls (the walled kernel reads the wrapped
    table columns), nonlinear, nested and mixed derivatives."""
    u = sn.fields("u", t, x, y)
    sys = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x)((1 + u**2) * sn.D(x)(u)) + sn.D(y, 2)(u) + sn.D(x)(sn.D(y)(u)) - u * sn.D(x)(u) + x)],
        [sn.Periodic(x), sn.Dirichlet(u, y, "min", sympy.sin(t) * sympy.cos(2 * sympy.pi * x)), sn.Neumann(u, y, "max", 0),
         sn.Initial(u, 1 + x * y)],
        domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="nu_2d_circle")
    grid = {x: periodic_stretched(14), y: 9}
    for order in (2, 4):
        fast = discretize(sys, grid, order=order, backend="numba")
        ref = discretize(sys, grid, order=order, backend="numpy")
        rng = np.random.default_rng(order)
        y0 = rng.uniform(0.5, 1.5, fast.shape)
        a, b = fast.rhs(y0, 0.7), ref.rhs(y0, 0.7)
        assert np.isfinite(b).all()
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())
        # the wrapped table columns are read at n_a, not a number: one kernel for every grid
        for prob in (fast, ref):
            again = discretize(sys, {x: periodic_stretched(20), y: 9}, order=order, backend=prob.backend)
            assert again.kernel is prob.kernel
        if order == 2:
            J = fast.jacobian(y0, 0.7).toarray()
            Jfd = dense_fd_jacobian(lambda s: fast.rhs(s, 0.7), y0)
            np.testing.assert_allclose(J, Jfd, atol=2e-5 * max(1.0, np.abs(J).max()))


def test_periodic_table_columns_and_quadrature():
    """The periodic table: three periods of columns (coordinates continued by the period,
    the same weights in each), and the trapezoid rule on the circle, second order for a
    smooth periodic integrand on the graded nodes."""
    from symnum.solvers._stencil import Axis, weight_table

    errs = []
    for n in (24, 48, 96):
        nodes = periodic_stretched(n)[:-1]
        axis = Axis(x, sympy.Symbol("i_0"), sympy.Symbol("h_x"), n, 0.0, 1.0, True, tuple(nodes), sympy.Symbol("n_0"))
        table = weight_table(axis, {(1, (-1, 0, 1)): 1, ("quadrature2", (0,)): 4})
        assert table.shape == (5, 3 * n)
        np.testing.assert_allclose(table[0], np.concatenate([nodes - 1, nodes, nodes + 1]))
        np.testing.assert_array_equal(table[1:, :n], table[1:, n:2 * n])
        f = np.exp(np.sin(2 * np.pi * nodes))
        errs.append(abs(table[4, :n] @ f - 1.2660658777520082))   # the integral of e^sin(2 pi x) over a period: I_0(1)
    assert _slope([n + 1 for n in (24, 48, 96)], errs) > 1.8, errs
