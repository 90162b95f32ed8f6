"""Convergence order of the method of lines against exact and manufactured
solutions: the measured slope of error vs grid spacing must reach the declared
order, for every boundary-condition kind, on the NumPy reference printer and on
the generated Numba kernels (orders 2-8, periodic and walled, 1-3 D)."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

x, y, t = sn.variables("x y t")


def _slope(hs, errs):
    return np.polyfit(np.log(hs), np.log(errs), 1)[0]


def _normal_derivative(ue, var, side):
    d = sympy.diff(ue, var)
    return -d if side == "min" else d


def _bc(kind, u, ue, var, lo, hi, side):
    at = {var: lo if side == "min" else hi}
    if kind == "dirichlet":
        return sn.Dirichlet(u, var, side, ue.subs(at))
    dn = _normal_derivative(ue, var, side).subs(at)
    if kind == "neumann":
        return sn.Neumann(u, var, side, dn)
    a, b = 2, 1
    return sn.Robin(u, var, side, a, b, a * ue.subs(at) + b * dn)


def _steady_error(space, ue, bcs_of, n, order, backend="numpy"):
    u = sn.fields("u", *space)
    lap = sn.laplacian(u, *space)
    f = sum(sympy.diff(ue, v, 2) for v in space) - ue
    sys = sn.PDESystem([sn.Eq(lap - u, f)], bcs_of(u), domain={v: (0, 1) for v in space}, name="mms")
    prob = discretize(sys, {v: n for v in space}, order=order, backend=backend)
    sol = solve(prob)
    mesh = np.meshgrid(*prob.grid.values(), indexing="ij")
    exact = sympy.lambdify(space, ue, "numpy")(*mesh)
    return np.abs(sol[u] - exact).max(), sol.stats["newton_iterations"]


KINDS = ["dirichlet", "neumann", "robin"]


@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("left, right", [("dirichlet", "dirichlet"), ("neumann", "dirichlet"),
                                         ("dirichlet", "robin"), ("robin", "neumann")])
def test_1d_orders(order, left, right):
    ue = sympy.sin(2 * x) + sympy.exp(x) / 2

    def bcs(u):
        return [_bc(left, u, ue, x, 0, 1, "min"), _bc(right, u, ue, x, 0, 1, "max")]

    ns = [17, 33, 65]
    errs = [_steady_error((x,), ue, bcs, n, order)[0] for n in ns]
    assert _slope([1 / (n - 1) for n in ns], errs) > order - 0.3, errs


@pytest.mark.parametrize("order", [2, 4])
def test_2d_orders_mixed_conditions(order):
    ue = sympy.sin(x + 0.5) * sympy.cos(2 * y) + x * y

    def bcs(u):
        return [_bc("dirichlet", u, ue, x, 0, 1, "min"), _bc("neumann", u, ue, x, 0, 1, "max"),
                _bc("robin", u, ue, y, 0, 1, "min"), _bc("dirichlet", u, ue, y, 0, 1, "max")]

    ns = [17, 33, 65]  # 9 points is pre-asymptotic for the Robin side
    results = [_steady_error((x, y), ue, bcs, n, order) for n in ns]
    errs = [e for e, _ in results]
    assert all(it == 1 for _, it in results)  # linear: one Newton step
    assert _slope([1 / (n - 1) for n in ns], errs) > order - 0.3, errs


@pytest.mark.parametrize("order", [2, 4, 6, pytest.param(8, marks=pytest.mark.slow)])  # 8: benchmarks/slow_tests.sh
def test_1d_orders_numba_robin_and_neumann_walls(order):
    ue = sympy.sin(2 * x) + sympy.exp(x) / 2

    def bcs(u):
        return [_bc("robin", u, ue, x, 0, 1, "min"), _bc("neumann", u, ue, x, 0, 1, "max")]

    ns = [17, 25, 33]
    errs = [_steady_error((x,), ue, bcs, n, order, backend="numba")[0] for n in ns]
    assert _slope([1 / (n - 1) for n in ns], errs) > order - 0.4, errs  # order 8 measures 7.7


@pytest.mark.parametrize("order, backend", [(2, "numpy"), (4, "numpy"), pytest.param(6, "numpy", marks=pytest.mark.slow),
                                            (2, "numba"), (4, "numba"), (6, "numba"),
                                            pytest.param(8, "numba", marks=pytest.mark.slow)])
def test_periodic_orders(order, backend):
    ue = sympy.sin(2 * sympy.pi * x) * sympy.exp(y) + sympy.cos(4 * sympy.pi * x)

    def bcs(u):
        return [sn.Periodic(x), _bc("dirichlet", u, ue, y, 0, 1, "min"), _bc("neumann", u, ue, y, 0, 1, "max")]

    ns = [12, 24, 48] if order < 6 else [12, 18, 27]
    errs = [_steady_error((x, y), ue, bcs, n, order, backend)[0] for n in ns]
    assert _slope([1 / n for n in ns], errs) > order - 0.3, errs


@pytest.mark.parametrize("order", [2, 4])
def test_3d_orders_numba(order):
    """Periodic in x and z, Dirichlet/Robin walls in y, on the Numba kernel (walls on
    more axes multiply the regions: 2D walls are covered above and in test_mol_backends)."""
    z = sn.variables("z")
    ue = sympy.cos(2 * sympy.pi * x) * sympy.exp(y / 2) * sympy.sin(2 * sympy.pi * z + 0.5) + y

    def bcs(u):
        return [sn.Periodic(x), sn.Periodic(z), _bc("dirichlet", u, ue, y, 0, 1, "min"),
                _bc("robin", u, ue, y, 0, 1, "max")]

    ns = [8, 12, 16]
    errs = [_steady_error((x, y, z), ue, bcs, n, order, "numba")[0] for n in ns]
    assert _slope([1 / n for n in ns], errs) > order - 0.3, errs


@pytest.mark.parametrize("order", [2, 4])
def test_heat_equation_in_time(order):
    nu = sn.parameter("nu", 0.5)
    u = sn.fields("u", t, x)
    sys = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), nu * sn.D(x, 2)(u))],
        [sn.Dirichlet(u, x, "min", 0), sn.Neumann(u, x, "max", 0), sn.Initial(u, sn.sin(sn.pi * x / 2))],
        domain={t: (0, 0.2), x: (0, 1)}, name="heat",
    )
    ns, errs = [21, 41, 81], []
    for n in ns:
        prob = discretize(sys, {x: n}, order=order, backend="numpy")
        sol = solve(prob, method="tsit5", rtol=1e-11, atol=1e-13, progress=False)
        exact = np.exp(-0.5 * (np.pi / 2) ** 2 * 0.2) * np.sin(np.pi * prob.grid[x] / 2)
        errs.append(np.abs(sol[u][-1] - exact).max())
    assert _slope([1 / (n - 1) for n in ns], errs) > order - 0.3, errs


def test_mixed_and_nested_derivatives():
    """D(x)(D(y)(u)) and the conservative D(x)(k(x) D(x)(u)) converge at order 2."""
    ue = sympy.sin(x) * sympy.cos(y) + x**2 * y
    k = 1 + x**2
    u = sn.fields("u", x, y)
    op = sn.D(x)(k * sn.D(x)(u)) + sn.D(y, 2)(u) + sn.D(x)(sn.D(y)(u)) / 2 - u
    f = sympy.diff(k * sympy.diff(ue, x), x) + sympy.diff(ue, y, 2) + sympy.diff(ue, x, y) / 2 - ue
    bcs = [sn.Dirichlet(u, v, s, ue.subs(v, 0 if s == "min" else 1)) for v in (x, y) for s in ("min", "max")]
    sys = sn.PDESystem([sn.Eq(op, f)], bcs, domain={x: (0, 1), y: (0, 1)}, name="nested")
    ns, errs = [9, 17, 33], []
    for n in ns:
        prob = discretize(sys, {x: n, y: n}, backend="numpy")
        sol = solve(prob)
        mesh = np.meshgrid(*prob.grid.values(), indexing="ij")
        errs.append(np.abs(sol[u] - sympy.lambdify((x, y), ue)(*mesh)).max())
    assert _slope([1 / (n - 1) for n in ns], errs) > 1.7, errs
