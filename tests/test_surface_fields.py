"""Fields on a boundary (issue 14, item 3): h(t, x) beside u(t, x, y), its own 1-D
equation along the wall, coupled both ways (u's wall value is h; h reads u's flux
through the wall), against exact solutions at the scheme's order; the refusals."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

t, x, y = sn.variables("t x y")
u = sn.fields("u", t, x, y)
h = sn.fields("h", t, x)
pi = sympy.pi
D = 0.1


def _slopes(errors):
    return [float(np.log2(a / b)) for a, b in zip(errors, errors[1:])]


def surface_layer(periodic: bool, side: str, name: str):
    """u_t = u_xx + u_yy below a surface layer h on the wall y = Y (1 or 0):
    h_t = D h_xx + c s u_y(Y) (s = +-1: the flux into the wall), u(Y) = h; u = 0 on the
    other walls. Exact: u = exp(-a t) X(x) sinh(b y') with y' the distance from the
    opposite wall, h its wall value; c makes h's equation hold."""
    k, X = (2 * pi, sympy.cos(2 * pi * x)) if periodic else (pi, sympy.sin(pi * x))
    b = 1.0
    a = float(k**2) - b**2
    c = (float(k**2) * D - a) * np.tanh(b) / b
    Y = 1 if side == "max" else 0
    dist = y if side == "max" else 1 - y  # from the opposite wall, where u = 0
    sign = 1 if side == "max" else -1
    conds = [sn.Dirichlet(u, y, "min" if side == "max" else "max", 0), sn.Eq(u.subs(y, Y), h),
             sn.Initial(u, X * sympy.sinh(b * dist)), sn.Initial(h, X * np.sinh(b))]
    conds += [sn.Periodic(x)] if periodic else [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0),
                                                 sn.Dirichlet(h, x, "min", 0), sn.Eq(h.subs(x, 1), 0)]
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y)),
                           sn.Eq(sn.D(t)(h), D * h.diff(x, 2) + c * sign * u.diff(y).subs(y, Y))],
                          conds, domain={t: (0, 0.02), x: (0, 1), y: (0, 1)}, name=name)

    def exact(T, xs, ys):
        Xv = np.cos(2 * np.pi * xs) if periodic else np.sin(np.pi * xs)
        d = ys if side == "max" else 1 - ys
        return np.exp(-a * T) * Xv[:, None] * np.sinh(b * d)[None, :], np.exp(-a * T) * Xv * np.sinh(b)

    return system, exact


@pytest.mark.parametrize("periodic, side, order, sizes, slope", [
    (True, "max", 2, (12, 24, 48), 1.9),
    (False, "min", 2, (12, 24, 48), 1.9),
    (True, "max", 4, (12, 24, 48), 3.7),
])
def test_a_surface_layer_converges_at_the_schemes_order(periodic, side, order, sizes, slope):
    system, exact = surface_layer(periodic, side, f"surface_{periodic:d}{side}{order}")
    assert "on walls:   h(t, x) on y = " + side in str(system)
    eu, eh = [], []
    for n in sizes:
        prob = discretize(system, {x: n, y: n}, order=order)
        sol = solve(prob, method="tsit5", rtol=1e-11, atol=1e-13, saveat=[0.02], progress=False)
        ue, he = exact(0.02, sol.grid[x], sol.grid[y])
        assert sol[h].shape == (1, len(sol.grid[x]))
        eu.append(np.abs(sol[u][-1] - ue).max())
        eh.append(np.abs(sol[h][-1] - he).max())
    assert min(_slopes(eu)) > slope and min(_slopes(eh)) > slope, (eu, eh)
    assert sol.to_xarray()["h"].dims == ("t", "x")


def test_a_boundary_field_reading_no_wall_values_is_held_along_y():
    """h_t = D h_xx alone, used as u's wall value: held constant along y, no lifting."""
    b = 2 * np.pi * np.sqrt(1 - D)
    a = 4 * np.pi**2 * D
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y)), sn.Eq(sn.D(t)(h), D * h.diff(x, 2))],
        [sn.Periodic(x), sn.Dirichlet(u, y, "min", 0), sn.Eq(u.subs(y, 1), h),
         sn.Initial(u, sympy.cos(2 * pi * x) * sympy.sinh(b * y) / np.sinh(b)), sn.Initial(h, sympy.cos(2 * pi * x))],
        domain={t: (0, 0.05), x: (0, 1), y: (0, 1)}, name="driven_wall")
    assert system.surfaces is None and h in system.held
    errors = []
    for n in (16, 32):
        sol = solve(discretize(system, {x: n, y: n}), rtol=1e-10, atol=1e-12, saveat=[0.05], progress=False)
        errors.append(np.abs(sol[h][-1] - np.exp(-a * 0.05) * np.cos(2 * np.pi * sol.grid[x])).max())
    assert _slopes(errors)[0] > 1.9


@pytest.mark.parametrize("rhs, match", [
    (lambda: u.diff(y).subs(y, 0.5), r"reads the other fields at y = 0.5.*one wall"),
    (lambda: u.subs(y, 0) - u.subs(y, 1), r"reads the other fields at y = 0, y = 1"),
])
def test_a_boundary_field_reads_one_wall(rhs, match):
    with pytest.raises(sn.ModelError, match=match):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y)), sn.Eq(sn.D(t)(h), rhs())],
                     [sn.Periodic(x), sn.Dirichlet(u, y, "min", 0), sn.Eq(u.subs(y, 1), h),
                      sn.Initial(u, 0), sn.Initial(h, 0)],
                     domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="bad_surface")


def test_a_boundary_field_is_used_on_its_wall_only():
    with pytest.raises(sn.ModelError, match=r"equation 1 reads h\(t, x\), a field on the boundary y = 1"):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y) + h), sn.Eq(sn.D(t)(h), u.diff(y).subs(y, 1))],
                     [sn.Periodic(x), sn.Dirichlet(u, y, "min", 0), sn.Dirichlet(u, y, "max", 0),
                      sn.Initial(u, 0), sn.Initial(h, 0)],
                     domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="bad_surface2")


def test_learners_refuse_boundary_fields():
    pytest.importorskip("jax")
    from symnum.solvers import PINN

    system, _ = surface_layer(True, "max", "surface_pinn")
    with pytest.raises(sn.ModelError, match="fields on a boundary"):
        PINN(system)


@pytest.mark.slow
def test_a_surface_of_a_3d_slab():
    z = sn.variables("z")
    w = sn.fields("w", t, x, y, z)
    s = sn.fields("s", t, x, y)
    b, k2 = 1.0, 8 * np.pi**2
    a = k2 - b**2
    c = (k2 * D - a) * np.tanh(b) / b
    X = sympy.cos(2 * pi * x) * sympy.cos(2 * pi * y)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(w), sn.laplacian(w, x, y, z)),
         sn.Eq(sn.D(t)(s), D * sn.laplacian(s, x, y) + c * w.diff(z).subs(z, 1))],
        [sn.Periodic(x), sn.Periodic(y), sn.Dirichlet(w, z, "min", 0), sn.Eq(w.subs(z, 1), s),
         sn.Initial(w, X * sympy.sinh(b * z)), sn.Initial(s, X * np.sinh(b))],
        domain={t: (0, 0.01), x: (0, 1), y: (0, 1), z: (0, 1)}, name="surface3d")
    errors = []
    for n in (8, 16):
        sol = solve(discretize(system, {x: n, y: n, z: n}), rtol=1e-10, atol=1e-12, saveat=[0.01], progress=False)
        gx, gy = sol.grid[x], sol.grid[y]
        exact = np.exp(-a * 0.01) * np.outer(np.cos(2 * np.pi * gx), np.cos(2 * np.pi * gy)) * np.sinh(b)
        assert sol[s].shape == (1, n, n)
        errors.append(np.abs(sol[s][-1] - exact).max())
    assert _slopes(errors)[0] > 1.8
