"""Integral terms, `sympy.Integral(f, (x, lo, hi))` over the whole domain (or a box inside
it: weights exact for the interpolant's degree, orders 2 and 4) in an equation: quadrature of the scheme's order (trapezoid at order 2, Gregory's
fourth-order end corrections above) on the eliminated wall values, a number per
kernel call; the convergence order against exact solutions with explicit, compiled,
Rosenbrock, BDF and IMEX integrators; the Jacobian's dense coupling against finite
differences; clear errors where integral terms are not supported."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.codegen._stencil_jacobian import dense_fd_jacobian
from symnum.solvers import PINN, discretize, solve, solve_ensemble

t, x, y = sn.variables("t x y")
PI = float(np.pi)


def _slope(ns, errs):
    return np.polyfit(np.log(1 / (np.array(ns) - 1.0)), np.log(errs), 1)[0]


def integro_differential():
    """u_t = u_xx + (int_0^pi u dx) sin(x), u = 0 at the walls: u = e^t sin(x)
    (the integral of sin is 2, so the term doubles the decay into growth)."""
    u = sn.fields("u", t, x)
    return u, sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + sympy.Integral(u, (x, 0, sympy.pi)) * sn.sin(x))],
                           [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(x))],
                           domain={t: (0, 1), x: (0, PI)}, name="integro_differential")


@pytest.mark.parametrize("backend, method", [("numba", "tsit5"), ("numpy", "tsit5"), ("numba", "rodas5p"),
                                             ("numpy", "bdf"), ("numba", "kencarp4")])
@pytest.mark.parametrize("order", [2, 4])
def test_integro_differential_equation_converges(backend, method, order):
    u, system = integro_differential()
    ns, errs = [17, 33, 65], []
    for n in ns:
        prob = discretize(system, {x: n}, order=order, backend=backend)
        sol = solve(prob, method=method, rtol=1e-10, atol=1e-12, saveat=[1.0], progress=False)
        errs.append(np.abs(sol[u][-1] - np.e * np.sin(prob.grid[x])).max())
    assert _slope(ns, errs) > order - 0.3, errs


@pytest.mark.parametrize("order", [2, 4])
def test_quadrature_of_the_eliminated_wall_values_and_jacobian(order):
    """Neumann walls (eliminated values, formulas of the inward nodes, inside the
    integrand), a nonlinear integrand and two integral terms: the integrals equal
    the quadrature of the filled state, the Jacobian (sparse + dense coupling) a
    finite-difference one, and numba equals numpy."""
    u, v = sn.fields("u v", t, x)
    k = sn.parameter("k", 0.5)
    sys = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) - k * sympy.Integral(u**2 * v, (x, 0, 2)) * u),
         sn.Eq(sn.D(t)(v), sn.D(x, 2)(v) + sympy.Integral(sn.exp(-x) * v, (x, 0, 2)))],
        [sn.Neumann(u, x, "min", 1), sn.Robin(u, x, "max", 1, 1, 0.5), sn.Dirichlet(v, x, "min", sympy.cos(t)),
         sn.Neumann(v, x, "max", 0), sn.Initial(u, 1 + x), sn.Initial(v, x**2)],
        domain={t: (0, 1), x: (0, 2)}, name="two_integrals")
    fast = discretize(sys, {x: 21}, order=order, backend="numba")
    ref = discretize(sys, {x: 21}, order=order, backend="numpy")
    rng = np.random.default_rng(order)
    y0 = rng.uniform(0.5, 1.5, fast.shape)
    # the integrals: the quadrature of the filled state
    filled = ref.fill_boundaries(y0, 0.3)
    xs, h = fast.grid[x], 2 / 20
    ends = [0.5] if order == 2 else [3 / 8, 7 / 6, 23 / 24]
    w = np.ones(21)
    w[:len(ends)], w[len(w) - len(ends):] = ends, ends[::-1]
    want = (h * (w * filled[0]**2 * filled[1]).sum(), h * (w * np.exp(-xs) * filled[1]).sum())
    np.testing.assert_allclose(fast.integrals(y0, 0.3), want, rtol=1e-12)
    np.testing.assert_allclose(ref.integrals(y0, 0.3), want, rtol=1e-12)
    a, b = fast.rhs(y0, 0.3), ref.rhs(y0, 0.3)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())
    J = fast.jacobian(y0, 0.3).toarray()
    Jfd = dense_fd_jacobian(lambda s: fast.rhs(s, 0.3), y0)
    np.testing.assert_allclose(J, Jfd, atol=2e-5 * np.abs(J).max())
    assert np.count_nonzero(J[:21, :21]) > 21 * 10  # the integral couples every u node to every u node


def test_steady_problem_and_two_dimensional_integral():
    """A steady problem (Newton on the Jacobian with the dense coupling) and a
    double integral over a 2-D domain, both against exact solutions."""
    u = sn.fields("u", x)
    # u'' - int_0^pi u dx = f with u = sin: f = -sin(x) - 2
    steady = sn.PDESystem([sn.Eq(sn.D(x, 2)(u) - sympy.Integral(u, (x, 0, sympy.pi)), -sympy.sin(x) - 2)],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)],
                          domain={x: (0, PI)}, name="steady_integral")
    errs = []
    for n in (17, 33, 65):
        prob = discretize(steady, {x: n}, order=4)
        sol = solve(prob)
        assert sol.stats["newton_iterations"] <= 2  # linear: the Jacobian is exact
        errs.append(np.abs(sol[u] - np.sin(prob.grid[x])).max())
    assert _slope([17, 33, 65], errs) > 3.7, errs
    w = sn.fields("w", t, x, y)
    mean = sympy.Integral(w, (x, 0, 1), (y, 0, 1))
    # w_t = lap(w) - mean(w), periodic: the mean decays as e^-t, the mode sin(2 pi x) as e^(-4 pi^2 t)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(w), sn.laplacian(w, x, y) - mean)],
                       [sn.Periodic(x), sn.Periodic(y), sn.Initial(w, 1 + sn.sin(2 * sympy.pi * x))],
                       domain={t: (0, 0.1), x: (0, 1), y: (0, 1)}, name="mean_decay")
    prob = discretize(sys, {x: 32, y: 16}, order=4)
    sol = solve(prob, method="tsit5", rtol=1e-10, atol=1e-12, saveat=[0.1], progress=False)
    X = prob.grid[x][:, None]
    exact = np.exp(-0.1) + np.exp(-4 * np.pi**2 * 0.1) * np.sin(2 * np.pi * X)
    assert np.abs(sol[w][-1] - exact).max() < 1e-5


def test_integral_terms_are_refused_where_not_supported():
    u, system = integro_differential()
    # a running integral builds (the PINN trains it); discretize names what it lacks and the way out
    running = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + sympy.Integral(u, (x, 0, x)))], system.conditions,
                           domain={t: (0, 1), x: (0, PI)}, name="running")
    with pytest.raises(sn.ModelError, match=r"integrates x from 0 to x.*write a running integral w = "
                                            r"Integral\(f, \(x, 0, x\)\).*sn.Dirichlet\(w, x, \"min\", 0\)"):
        discretize(running, {x: 17})
    timed = sn.PDESystem([sn.Eq(sn.D(t)(u), sympy.Integral(t * u, (x, 0, sympy.pi)))], system.conditions,
                         domain={t: (0, 1), x: (0, PI)}, name="timed")
    with pytest.raises(sn.ModelError, match=r"time t in its integrand"):
        discretize(timed, {x: 17})
    with pytest.raises(sn.ModelError, match=r"not in boundary conditions"):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                     [sn.Dirichlet(u, x, "min", sympy.Integral(sn.sin(x), (x, 0, 1))), sn.Dirichlet(u, x, "max", 0),
                      sn.Initial(u, 0)], domain={t: (0, 1), x: (0, PI)}, name="in_bc")
    with pytest.raises(sn.ModelError, match=r"integrates over t without limits: integrate over a variable of the "
                                            r"system \(t, x\) between limits"):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + sympy.Integral(u, t))], system.conditions,
                     domain={t: (0, 1), x: (0, PI)}, name="over_t")
    s = sn.variables("s")
    with pytest.raises(sn.ModelError, match=r"integrates over s: integrate over a variable of the system"):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sympy.Integral(u, (s, 0, 1)))], system.conditions,
                     domain={t: (0, 1), x: (0, PI)}, name="over_s")
    with pytest.raises(sn.ModelError, match=r"uses the symbol s, which is not declared"):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sympy.Integral(u, (x, 0, s)))], system.conditions,
                     domain={t: (0, 1), x: (0, PI)}, name="limit_s")
    with pytest.raises(sn.ModelError, match=r"nests an integral in its integrand"):
        inner = sympy.Integral(u, (x, 0, sympy.pi))
        sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + sympy.Integral(u * inner, (x, 0, sympy.pi)))],
                     system.conditions, domain={t: (0, 1), x: (0, PI)}, name="nested")
    w = sn.fields("w", t, x, y)
    walls = [sn.Initial(w, 0), sn.Periodic(x), sn.Periodic(y)]
    with pytest.raises(sn.ModelError, match=r"integrates x from 0 to 1, which is not the whole domain"):
        discretize(sn.PDESystem([sn.Eq(sn.D(t)(w), sympy.Integral(w, (x, 0, 1)))], walls,
                                domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="partial"), {x: 8, y: 8})
    with pytest.raises(sn.ModelError, match=r"between limits other than the domain's: an integral over several"):
        sn.PDESystem([sn.Eq(sn.D(t)(w), sympy.Integral(w, (x, 0, 0.5), (y, 0, 2)))], walls,
                     domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="beyond")
    with pytest.raises(sn.DiscretizationError, match=r"from 0 to 0.5, part of a periodic axis"):
        discretize(sn.PDESystem([sn.Eq(sn.D(t)(w), sympy.Integral(w, (x, 0, 0.5), (y, 0, 1)))], walls,
                                domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="half"), {x: 8, y: 8})
    assert discretize(system, {x: 17}, backend="cuda").device_global_kernel is not None  # test_cuda.py
    prob = discretize(system, {x: 17})  # an ensemble computes them per member (test_ensemble.py)
    both = solve_ensemble(prob, u0=np.stack([prob.u0, prob.u0]), saveat=[1.0], progress=False)
    np.testing.assert_array_equal(both.states[0], both.states[1])
    with pytest.raises(sn.ModelError, match=r"the GP and operator residuals are pointwise; train a PINN"):
        sn.solvers.GP(system, grid={t: 8, x: 8})


def _cumulative(f, X):
    """int_0^X f by composite Simpson on a fine grid (the independent reference)."""
    S = np.linspace(0, X.max(), 4001)
    F = f(S)
    h = S[1] - S[0]
    cum = np.concatenate([[0.0], np.cumsum((F[:-1] + F[1:]) / 2 * h)])  # trapezoid, then Richardson
    S2, F2 = S[::2], F[::2]
    cum2 = np.concatenate([[0.0], np.cumsum((F2[:-1] + F2[1:]) / 2 * (2 * h))])
    return np.interp(X, S2, (4 * cum[::2] - cum2) / 3)


def test_pinn_integral_terms_by_quadrature_of_the_network():
    # the PINN's residual with a running integral (limits in the point's coordinates) and
    # a whole-domain one (numbers), against the network integrated independently
    jax = pytest.importorskip("jax")
    pytest.importorskip("optax")
    u, system = integro_differential()
    running = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + t * sympy.Integral(sympy.exp(x) * u, (x, 0.5, x)))],
                           system.conditions, domain={t: (0, 1), x: (0, PI)}, name="running")
    for sys_, lower, upper, weight in ((running, 0.5, None, np.exp), (system, 0.0, PI, None)):
        pinn = PINN(sys_, hidden=[8, 8], dtype="float64", seed=3)
        params = pinn.init_params()
        z = np.array([[0.3, 1.7], [0.8, 0.2], [0.5, 2.9]])
        got = np.asarray(pinn.residuals(params, jax.numpy.asarray(z))[0])

        def net(T, X):
            return np.asarray(pinn._net(params["net"], jax.numpy.stack([T, X], axis=1)))[:, 0]

        for row, (tz, xz) in enumerate(z):
            du = jax.grad(lambda a, b: pinn._net(params["net"], jax.numpy.stack([a, b])[None, :])[0, 0], (0, 1))
            ut = float(du(tz, xz)[0])
            uxx = float(jax.grad(lambda b: du(tz, b)[1])(xz))
            f = (lambda S: weight(S) * net(np.full_like(S, tz), S)) if weight else (lambda S: net(np.full_like(S, tz), S))
            if upper is None:  # int_0.5^x = int_0^x - int_0^0.5
                I = _cumulative(f, np.array([xz, lower]))
                want = ut - uxx - tz * (I[0] - I[1])
            else:
                I = _cumulative(f, np.array([upper]))[0]
                want = ut - uxx - I * np.sin(xz)
            np.testing.assert_allclose(got[row], want, rtol=1e-7, atol=1e-9)


def test_pinn_trains_a_volterra_equation():
    # DeepXDE's Volterra_IDE: y' + y = int_0^t e^(s - t) y(s) ds, y(0) = 1, exact e^-t cosh t
    pytest.importorskip("jax")
    pytest.importorskip("optax")
    y = sn.fields("y", t)
    system = sn.ODESystem([sn.Eq(sn.D(t)(y) + y, sympy.exp(-t) * sympy.Integral(sympy.exp(t) * y, (t, 0, t)))],
                          [sn.Initial(y, 1)], domain={t: (0, 5)}, name="volterra")
    res = PINN(system, hidden=[16, 16], n_collocation=32, dtype="float64", seed=0).train(
        steps=500, lbfgs=1000, progress=False)
    T = np.linspace(0, 5, 200)
    exact = np.exp(-T) * np.cosh(T)
    assert np.linalg.norm(res.predict(y, {t: T}) - exact) / np.linalg.norm(exact) < 1e-3
    with pytest.raises(sn.ModelError, match=r"quadrature=0: give the number of Gauss-Legendre nodes"):
        PINN(system, quadrature=0)


def test_quadrature_weights_on_nonuniform_nodes():
    from symnum.solvers._stencil import quadrature_weights

    rng = np.random.default_rng(0)
    nodes = np.sort(np.concatenate([[0.0, 2.0], rng.uniform(0, 2, 9)]))
    for order, degree in [(2, 1), (4, 3)]:
        w = quadrature_weights(nodes, order)
        for p in range(degree + 1):  # exact for polynomials up to the degree
            assert abs(w @ nodes**p - 2.0 ** (p + 1) / (p + 1)) < 1e-12
        assert abs(w @ nodes ** (degree + 1) - 2.0 ** (degree + 2) / (degree + 2)) > 1e-6


@pytest.mark.parametrize("order", [2, 4])
def test_integral_terms_on_a_nonuniform_grid_converge(order):
    """The integro-differential equation on tanh-graded nodes: the integral's weights are
    the node's own (trapezoid, or the piecewise cubic's at order 4)."""
    u, system = integro_differential()
    ns, errs = [17, 33, 65], []
    for n in ns:
        s = np.linspace(-1, 1, n)
        nodes = PI * (1 + np.tanh(1.5 * s) / np.tanh(1.5)) / 2
        prob = discretize(system, {x: nodes}, order=order, backend="numba")
        sol = solve(prob, method="tsit5", rtol=1e-11, atol=1e-13, saveat=[1.0], progress=False)
        errs.append(np.abs(sol[u][-1] - np.e * np.sin(nodes)).max())
    assert _slope(ns, errs) > order - 0.3, errs
    ref = discretize(system, {x: nodes}, order=order, backend="numpy")
    y0 = np.random.default_rng(1).uniform(0.5, 1.5, ref.shape)
    np.testing.assert_allclose(prob.integrals(y0, 0.2), ref.integrals(y0, 0.2), rtol=1e-12)


def test_sub_interval_weights_are_exact_for_the_interpolants_degree():
    from symnum.solvers._stencil import quadrature_weights, sub_quadrature_weights

    rng = np.random.default_rng(2)
    for nodes in (np.linspace(0, 2, 13), np.sort(np.concatenate([[0.0, 2.0], rng.uniform(0, 2, 11)]))):
        for order, degree in [(2, 1), (4, 3)]:
            for lo, hi in [(0.3, 1.71), (0.0, 1.0), (0.05, 0.1), (0.0, 2.0)]:
                w = sub_quadrature_weights(nodes, lo, hi, order)
                for p in range(degree + 1):
                    assert abs(w @ nodes**p - (hi ** (p + 1) - lo ** (p + 1)) / (p + 1)) < 1e-12
            np.testing.assert_allclose(sub_quadrature_weights(nodes, 0.0, 2.0, order), quadrature_weights(nodes, order),
                                       atol=1e-14)


@pytest.mark.parametrize("order", [2, 4])
def test_an_integral_over_part_of_the_domain_converges(order):
    """MOL.jl's Integrals Test 02 (broken there): cumuSum(t) = Integral(integrand, (x, 0.5, 3))
    on [0, 2 pi] with integrand = t cos(x): t (sin 3 - sin 0.5), neither limit on a node."""
    w, c = sn.fields("integrand", t, x), sn.fields("cumuSum", t)
    system = sn.PDESystem([sn.Eq(c, sympy.Integral(w, (x, 0.5, 3.0))), sn.Eq(w, t * sn.cos(x))],
                          [sn.Eq(c.subs(t, 0), 0), sn.Eq(w.subs(t, 0), 0)],
                          domain={t: (0, 1), x: (0, 2 * sympy.pi)}, name="part_integral", time=t)
    ns, errs = [31, 61, 121], []
    for n in ns:
        prob = discretize(system, {x: n}, order=order)
        sol = solve(prob, method="rodas5p", saveat=[0, 1], progress=False)
        errs.append(abs(sol[c][-1] - (np.sin(3) - np.sin(0.5))))
    assert errs[-1] < (2e-4 if order == 2 else 1e-7) and _slope(ns, errs) > order - 0.3, errs
    ref = discretize(system, {x: ns[-1]}, order=order, backend="numpy")
    y0 = np.random.default_rng(3).uniform(0.5, 1.5, ref.shape)
    np.testing.assert_allclose(prob.integrals(y0, 0.2), ref.integrals(y0, 0.2), rtol=1e-12)
    # the same on graded nodes (the table's weights between the limits)
    nodes = np.pi * (1 - np.cos(np.linspace(0, np.pi, 121)))
    sol = solve(discretize(system, {x: nodes}, order=order), method="rodas5p", saveat=[0, 1], progress=False)
    assert abs(sol[c][-1] - (np.sin(3) - np.sin(0.5))) < (1e-3 if order == 2 else 1e-6)


def test_an_integral_over_a_box_inside_a_two_dimensional_domain():
    w, c = sn.fields("f", t, x, y), sn.fields("total", t)
    box = sympy.Integral(w, (x, 0.2, 0.7), (y, 0.35, 0.9))
    system = sn.PDESystem([sn.Eq(c, box), sn.Eq(w, t * sn.cos(x) * sn.cos(2 * y))],
                          [sn.Eq(c.subs(t, 0), 0), sn.Eq(w.subs(t, 0), 0)],
                          domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="box_integral", time=t)
    exact = (np.sin(0.7) - np.sin(0.2)) * (np.sin(1.8) - np.sin(0.7)) / 2
    errs = []
    for n in (11, 21, 41):
        sol = solve(discretize(system, {x: n, y: n}, order=4), method="rodas5p", saveat=[0, 1], progress=False)
        errs.append(abs(sol[c][-1] - exact))
    assert errs[-1] < 1e-6 and _slope([11, 21, 41], errs) > 3.7, errs
