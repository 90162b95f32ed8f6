"""Flux form D(x)(a(u, x, t) * D(x)(u)) at orders 2 and 4: the compact conservative
scheme (a of the fields interpolated to the faces; reach 1 / 3) instead of two nested
first-derivative stencils (reach 2 / 4, odd-even decoupled): its order against exact
solutions, on NumPy and Numba."""

import pytest

import numpy as np
import sympy

import symnum as sn
from symnum.solvers import discretize, solve
from symnum.solvers._stencil import lower_to_stencils

PI = sympy.pi


def _steady_flux():
    """(x, v, system): D(x)((1 + v^2) v_x) = f on [0, 1], v = sin(pi x) + x."""
    x = sn.variables("x")
    v = sn.fields("v", x)
    exact = sympy.sin(PI * x) + x
    source = sympy.diff((1 + exact**2) * sympy.diff(exact, x), x)
    return x, v, sn.PDESystem([sn.Eq(sn.D(x)((1 + v**2) * sn.D(x)(v)), source)],
                              [sn.Dirichlet(v, x, "min", 0), sn.Neumann(v, x, "max", 1 - PI)],
                              domain={x: (0, 1)}, name="flux_steady")


def _periodic_flux():
    """(x, u, system): u_t = D(x)((1 + u^2) u_x) around the circle [0, 1)."""
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    return x, u, sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x)((1 + u**2) * sn.D(x)(u)))],
                              [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * PI * x))], domain={t: (0, 1), x: (0, 1)},
                              name="flux_periodic")


@pytest.mark.parametrize("order, reach", [(2, 1), (4, 3)])
def test_steady_nonlinear_flux_converges_at_its_order_with_compact_reach(order, reach):
    x, v, system = _steady_flux()
    assert lower_to_stencils(system, {x: 11}, order=order).reach == (reach,)  # nested: 2 order
    y = np.random.default_rng(0).uniform(0.5, 1.5, (1, 21))
    ref = discretize(system, {x: 21}, order=order, backend="numpy").residual(y)
    np.testing.assert_allclose(discretize(system, {x: 21}, order=order, backend="numba").residual(y), ref,
                               rtol=1e-10, atol=1e-10 * np.abs(ref).max())
    errs = []
    for n in (11, 21, 41):
        sol = solve(discretize(system, {x: n}, order=order), progress=False)
        X = np.linspace(0, 1, n)
        errs.append(np.abs(sol[v] - (np.sin(np.pi * X) + X)).max())
    slopes = np.log2(np.array(errs[:-1]) / errs[1:])
    assert (slopes > order - 0.1).all(), errs


def test_the_scheme_is_the_compact_conservative_one():
    x, u, system = _periodic_flux()
    prob = discretize(system, {x: 16}, backend="numpy")
    s = np.random.default_rng(0).normal(size=16)
    h = 1 / 16
    # the coefficient of u interpolated to the face, a((u_i + u_{i+1}) / 2), as MOL.jl
    up = (1 + (0.5 * (s + np.roll(s, -1)))**2) * (np.roll(s, -1) - s)
    down = (1 + (0.5 * (s + np.roll(s, 1)))**2) * (s - np.roll(s, 1))
    rhs = prob.rhs(s[None], 0.0)[0]
    np.testing.assert_allclose(rhs, (up - down) / h**2, rtol=1e-12, atol=1e-9)
    assert abs(rhs.sum()) < 1e-9 * np.abs(rhs).max()  # fluxes telescope: conservative
    four = discretize(system, {x: 16}, order=4)
    assert four.stencil.reach == (3,)
    rhs4 = four.rhs(s[None], 0.0)[0]
    assert abs(rhs4.sum()) < 1e-9 * np.abs(rhs4).max()


def test_two_dimensional_divergence_form_with_time_dependent_walls():
    # u_t = div((1 + u^2) grad u) + f, exact u = exp(-t) sin(pi x) sin(pi y) + t x
    t, x, y = sn.variables("t x y")
    u = sn.fields("u", t, x, y)
    exact = sympy.exp(-t) * sympy.sin(PI * x) * sympy.sin(PI * y) + t * x
    a = lambda w: 1 + w**2  # noqa: E731
    f = sympy.diff(exact, t) - sum(sympy.diff(a(exact) * sympy.diff(exact, v), v) for v in (x, y))
    # written as div(a grad u): the vector of grad scales (the same terms as written out)
    assert sn.div(a(u) * sn.grad(u, x, y), x, y) == sn.D(x)(a(u) * sn.D(x)(u)) + sn.D(y)(a(u) * sn.D(y)(u))
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.div(a(u) * sn.grad(u, x, y), x, y) + f)],
        [sn.Dirichlet(u, v, s, exact.subs(v, 0 if s == "min" else 1)) for v in (x, y) for s in ("min", "max")]
        + [sn.Initial(u, exact.subs(t, 0))],
        domain={t: (0, 0.2), x: (0, 1), y: (0, 1)}, name="flux_2d")
    assert lower_to_stencils(system, {x: 9, y: 9}).reach == (1, 1)
    errs = []
    for n in (9, 17):
        prob = discretize(system, {x: n, y: n}, backend="numpy")
        sol = solve(prob, method="rodas5p", rtol=1e-7, atol=1e-9, progress=False)
        X, Y = np.meshgrid(prob.grid[x], prob.grid[y], indexing="ij")
        want = np.exp(-0.2) * np.sin(np.pi * X) * np.sin(np.pi * Y) + 0.2 * X
        errs.append(np.abs(sol[u][-1] - want).max())
    assert np.log2(errs[0] / errs[1]) > 1.8, errs


def _graded(n, periodic=False):
    """Nodes on [0, 1] with spacings varying smoothly by a factor of about 3."""
    s = np.linspace(0, 1, n + 1 if periodic else n)
    x = s + 0.12 * np.sin(2 * np.pi * s) / (2 * np.pi) * 2
    return x[:-1] if periodic else x


def test_non_uniform_axes_take_the_conservative_scheme():
    # faces midway between nodes: F_{i+1/2} = a((u_i + u_{i+1}) / 2) (u_{i+1} - u_i) / (x_{i+1} - x_i),
    # differenced over x_{i+1/2} - x_{i-1/2}; the fluxes telescope (mass kept to round-off)
    x, u, system = _periodic_flux()
    X = np.concatenate([_graded(16, periodic=True), [1.0]])  # the upper end is node 0 again
    h = np.diff(X)  # h[i] = x_{i+1} - x_i (periodic)
    s = np.random.default_rng(1).normal(size=16)
    up = (1 + (0.5 * (s + np.roll(s, -1)))**2) * (np.roll(s, -1) - s) / h
    down = np.roll(up, 1)
    V = (h + np.roll(h, 1)) / 2
    want = (up - down) / V
    for backend in ("numpy", "numba"):
        prob = discretize(system, {x: X}, backend=backend)
        assert prob.stencil.reach == (1,)
        rhs = prob.rhs(s[None], 0.0)[0]
        np.testing.assert_allclose(rhs, want, rtol=1e-11, atol=1e-11 * np.abs(want).max())
        assert abs(V @ rhs) < 1e-12 * np.abs(V * rhs).sum()


@pytest.mark.parametrize("order", [2, 4])
def test_non_uniform_flux_form_converges_at_its_order(order):
    x, v, system = _steady_flux()
    assert lower_to_stencils(system, {x: _graded(21)}, order=order).reach == (order - 1,)
    y = np.random.default_rng(0).uniform(0.5, 1.5, (1, 21))
    ref = discretize(system, {x: _graded(21)}, order=order, backend="numpy").residual(y)
    np.testing.assert_allclose(discretize(system, {x: _graded(21)}, order=order, backend="numba").residual(y), ref,
                               rtol=1e-10, atol=1e-10 * np.abs(ref).max())
    errs = []
    for n in (21, 41, 81):
        X = _graded(n)
        sol = solve(discretize(system, {x: X}, order=order), progress=False)
        errs.append(np.abs(sol[v] - (np.sin(np.pi * X) + X)).max())
    slopes = np.log2(np.array(errs[:-1]) / errs[1:])
    assert (slopes > order - 0.2).all(), (errs, slopes)
