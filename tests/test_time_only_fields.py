"""Fields of time only beside fields of space (#14 item 3, a PDE coupled to ODEs):
`v = sn.fields("v", t)` next to `u(t, x)`, its equation using u's integral terms and
wall values `u.subs(x, 0)`, u's using v; differential and algebraic (a DAE). Against
exact solutions at the scheme's order, with explicit compiled, Rosenbrock and BDF
integrators; the Jacobian and the time derivative against finite differences."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum import solvers
from symnum.codegen._stencil_jacobian import dense_fd_jacobian
from symnum.solvers import PINN, discretize, solve

t, x, y = sn.variables("t x y")
PI = float(np.pi)


def _slope(ns, errs):
    return np.polyfit(np.log(1 / (np.array(ns) - 1.0)), np.log(errs), 1)[0]


def heat_with_a_gauge():
    """u_t = u_xx, u = e^-t sin x on [0, pi]; v' = (int_0^pi u dx) / 2, v(0) = -1: v = -e^-t."""
    u, v = sn.fields("u", t, x), sn.fields("v", t)
    return u, v, sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), sympy.Integral(u, (x, 0, sympy.pi)) / 2)],
        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(x)), sn.Initial(v, -1)],
        domain={t: (0, 1), x: (0, PI)}, name="gauge")


@pytest.mark.parametrize("backend, method", [("numba", "tsit5"), ("numpy", "tsit5"), ("numba", "rodas5p")])
@pytest.mark.parametrize("order", [2, 4])
def test_an_ode_driven_by_an_integral_converges(backend, method, order):
    u, v, system = heat_with_a_gauge()
    assert system.fields == (u, v) and system.time_only == (v,) and system.space == (x,)
    ns, errs = [17, 33, 65], []
    for n in ns:
        prob = discretize(system, {x: n}, order=order, backend=backend)
        sol = solve(prob, method=method, rtol=1e-11, atol=1e-13, saveat=[0.5, 1.0], progress=False)
        assert sol[v].shape == (2,) and sol[u].shape == (2, n)
        errs.append(abs(sol[v][-1] + np.exp(-1.0)))
    assert _slope(ns, errs) > order - 0.3, errs


def test_wall_values_couple_both_ways():
    """v reads u's Dirichlet (eliminated) value at x = 0 and its Neumann wall value at
    x = 1 (a formula of the inward nodes), u reads v: u = e^-t cos x, v = e^-t solve
    u_t = u_xx + (v - e^-t) cos x, v' = -v u(t, 0) e^t + u(t, 1)/cos(1) - e^-t."""
    u, v = sn.fields("u", t, x), sn.fields("v", t)
    sys = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + (v - sn.exp(-t)) * sn.cos(x)),
         sn.Eq(sn.D(t)(v), -v * u.subs(x, 0) / sn.exp(-t) + u.subs(x, 1) / sympy.cos(1) - sn.exp(-t))],
        [sn.Dirichlet(u, x, "min", sn.exp(-t)), sn.Neumann(u, x, "max", -sn.exp(-t) * sn.sin(1)),
         sn.Initial(u, sn.cos(x)), sn.Initial(v, 1)],
        domain={t: (0, 1), x: (0, 1)}, name="both_ways")
    ns, errs = [9, 17, 33], []
    for n in ns:
        prob = discretize(sys, {x: n}, order=2, backend="numba")
        sol = solve(prob, method="rodas5p", rtol=1e-11, atol=1e-13, saveat=[1.0], progress=False)
        errs.append(max(abs(sol[v][-1] - np.exp(-1.0)),
                        np.abs(sol[u][-1] - np.exp(-1.0) * np.cos(prob.grid[x])).max()))
    assert _slope(ns, errs) > 1.7, errs


@pytest.mark.parametrize("order", [2, 4])
def test_an_algebraic_field_of_time_a_dae(order):
    """u_t = u_xx - c u, 0 = c - int_0^pi u dx: u = a(t) sin x, c = 2a, a' = -a - 2a^2,
    a = 1/(3 e^t - 2)."""
    u, c = sn.fields("u", t, x), sn.fields("c", t)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) - c * u), sn.Eq(c, sympy.Integral(u, (x, 0, sympy.pi)))],
                       [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(x)),
                        sn.Initial(c, 2)], domain={t: (0, 1), x: (0, PI)}, name="dae_gauge")
    assert sys.algebraic == (c,)
    a = 1 / (3 * np.e - 2)
    ns, errs = [17, 33, 65], []
    for n in ns:
        prob = discretize(sys, {x: n}, order=order, backend="numba")
        sol = solve(prob, method="rodas5p", rtol=1e-11, atol=1e-13, saveat=[1.0], progress=False)
        errs.append(abs(sol[c][-1] - 2 * a))
    assert _slope(ns, errs) > order - 0.3, errs


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_jacobian_and_time_derivative_equal_finite_differences(backend):
    u, v = sn.fields("u", t, x), sn.fields("v", t)
    sys = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) - v * u), sn.Eq(sn.D(t)(v), -u.subs(x, 0) * v + u.subs(x, 1) ** 2)],
        [sn.Dirichlet(u, x, "min", sn.exp(-t)), sn.Robin(u, x, "max", 1, 1, sn.sin(t)), sn.Initial(u, sn.cos(x)),
         sn.Initial(v, 1)], domain={t: (0, 1), x: (0, 1)}, name="fd_check")
    prob = discretize(sys, {x: 11}, order=4, backend=backend)
    y0 = np.random.default_rng(1).uniform(0.5, 1.5, prob.shape)
    y0[1] = 0.7  # v: one value held at every node
    J = prob.jacobian(y0, 0.3).toarray()
    np.testing.assert_allclose(J, dense_fd_jacobian(lambda s: prob.rhs(s, 0.3), y0), atol=2e-5 * np.abs(J).max())
    eps = 1e-6
    fd = (prob.rhs(y0, 0.3 + eps) - prob.rhs(y0, 0.3 - eps)) / (2 * eps)
    np.testing.assert_allclose(prob.time_derivative(y0, 0.3), fd, atol=1e-6 * np.abs(fd).max())


def test_what_is_refused():
    u = sn.fields("u", t, x)
    w = sn.fields("w", t, y)
    with pytest.raises(sn.ModelError, match=r"periodic in x: fields on separate 1-D domains"):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(w), sn.D(y, 2)(w))],
                     [sn.Initial(u, 0), sn.Initial(w, 0), sn.Periodic(x), sn.Periodic(y)],
                     domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="two_domains")
    s = sn.fields("s", x)
    with pytest.raises(sn.ModelError, match=r"the method of lines holds fields of every variable, or of time only"):
        discretize(sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + s), sn.Eq(s, x)],
                                [sn.Initial(u, 0), sn.Periodic(x)], domain={t: (0, 1), x: (0, 1)}, name="space_only"))
    v = sn.fields("v", t)
    walls = [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, 0), sn.Initial(v, 0)]
    with pytest.raises(sn.ModelError, match=r"at x = 1.5: a point value must lie in the domain \[0, 1\]"):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), u.subs(x, 1.5))], walls,
                     domain={t: (0, 1), x: (0, 1)}, name="outside_point")
    w = sn.fields("w", t, x, y)
    with pytest.raises(sn.ModelError, match=r"evaluates w\(t, x, y\) at some variables but keeps y"):
        sn.PDESystem([sn.Eq(sn.D(t)(w), sn.laplacian(w, x, y)), sn.Eq(sn.D(t)(v), w.subs(x, 0))],
                     [sn.Periodic(y), sn.Dirichlet(w, x, "min", 0), sn.Dirichlet(w, x, "max", 0), sn.Initial(w, 0),
                      sn.Initial(v, 0)], domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="a_line")
    q = sn.fields("q", t, x)
    with pytest.raises(sn.ModelError, match=r"evaluates q, which no equation determines"):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), q.subs(x, 0))], walls,
                     domain={t: (0, 1), x: (0, 1)}, name="unknown_point")
    pointed = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), u.subs(x, 0.5))], walls,
                           domain={t: (0, 1), x: (0, 1)}, name="pointed")
    with pytest.raises(sn.ModelError, match=r"has a field's value at a point"):
        PINN(pointed, seed=0)
    _, _, gauge = heat_with_a_gauge()  # its integral term: quadrature of the network (test_integral_terms.py)
    assert PINN(gauge, hidden=[4], seed=0)._residual.nonlocal_terms
    with pytest.raises(sn.ModelError, match=r"GP learns fields of the same variables.*v\(t\)"):
        solvers.GP(gauge, grid={t: 8, x: 8})


@pytest.mark.parametrize("point", [0.5, 0.3])  # a node of every grid below; between nodes (interpolated)
@pytest.mark.parametrize("backend, method, order", [("numba", "tsit5", 4), ("numpy", "rodas5p", 2),
                                                    ("numba", "rodas5p", 4)])
def test_a_point_value_inside_the_domain(point, backend, method, order):
    """u_t = u_xx, u = e^(-pi^2 t) sin(pi x); v' = u(t, point) + v u(t, point), v(0) = 0: v = e^F - 1 with
    F = sin(pi point) (1 - e^(-pi^2 t)) / pi^2; a point value couples back into u (the Jacobian's dense part)."""
    u, v = sn.fields("u", t, x), sn.fields("v", t)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), (1 + v) * u.subs(x, point))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(sn.pi * x)),
                           sn.Initial(v, 0)], domain={t: (0, 1), x: (0, 1)}, name="probe")
    ns, errs = [17, 33, 65], []
    F = np.sin(np.pi * point) * (1 - np.exp(-np.pi**2)) / np.pi**2
    for n in ns:
        prob = discretize(system, {x: n}, order=order, backend=backend)
        sol = solve(prob, method=method, rtol=1e-11, atol=1e-13, saveat=[1.0], progress=False)
        errs.append(abs(sol[v][-1] - np.expm1(F)))
    assert _slope(ns, errs) > order - 0.3, errs
    y0 = np.random.default_rng(2).uniform(0.5, 1.5, prob.shape)
    J = prob.jacobian(y0, 0.3).toarray()
    np.testing.assert_allclose(J, dense_fd_jacobian(lambda s: prob.rhs(s, 0.3), y0), atol=2e-5 * np.abs(J).max())


@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("where", [0.0, 0.3])
def test_an_ode_driven_by_a_derivative_at_a_point(order, where):
    # u = e^(-pi^2 t) sin(pi x); v' = u_x(t, where), v(0) = 0: v = cos(pi where)(1 - e^(-pi^2 t))/pi
    u, v = sn.fields("u", t, x), sn.fields("v", t)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), sn.D(x)(u).subs(x, where))],
        [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.subs(x, 1), 0), sn.Initial(u, sn.sin(sympy.pi * x)), sn.Initial(v, 0)],
        domain={t: (0, 0.1), x: (0, 1)}, name="flux_meter")
    exact = np.cos(PI * where) * (1 - np.exp(-PI ** 2 * 0.1)) / PI
    ns, errs = [11, 21, 41], []
    for n in ns:
        sol = solve(discretize(system, {x: n}, order=order), method="tsit5", saveat=[0, 0.1],
                    rtol=1e-11, atol=1e-13, progress=False)
        errs.append(abs(sol[v][-1] - exact))
    assert _slope(ns, errs) > order - 0.3 and errs[-1] < (1e-3 if order == 2 else 5e-6)


@pytest.mark.parametrize("order", [2, 4])
def test_point_values_along_a_periodic_axis(order):
    # u = e^(-4 pi^2 t) sin(2 pi x), periodic; v' = u(t, 0.3) + u_x(t, 0.95) (indices wrap), v(0) = 0
    u, v = sn.fields("u", t, x), sn.fields("v", t)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), u.subs(x, 0.3) + sn.D(x)(u).subs(x, 0.95))],
        [sn.Periodic(x), sn.Initial(u, sn.sin(2 * sympy.pi * x)), sn.Initial(v, 0)],
        domain={t: (0, 0.05), x: (0, 1)}, name="periodic_point")
    decay = (1 - np.exp(-4 * PI ** 2 * 0.05)) / (4 * PI ** 2)
    exact = (np.sin(0.6 * PI) + 2 * PI * np.cos(1.9 * PI)) * decay
    ns, errs = [16, 32, 64], []
    for n in ns:
        sol = solve(discretize(system, {x: n}, order=order), saveat=[0, 0.05], rtol=1e-12, atol=1e-14, progress=False)
        errs.append(abs(sol[v][-1] - exact))
    assert _slope([n + 1 for n in ns], errs) > order - 0.3, errs
