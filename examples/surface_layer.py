"""A species in a slab exchanging with a layer adsorbed on its top face: a field on
a boundary, h(t, x), beside the bulk field u(t, x, y).

The bulk diffuses, u_t = u_xx + u_yy on [0, 1]^2 (periodic in x, no flux through the
bottom); through the top face it exchanges with the layer at rate k, -u_y = k (u - h),
and the layer gains what the bulk loses while spreading slowly along the face,
h_t = Ds h_xx + k (u(t, x, 1) - h). h's equation reads u on the wall (`u.subs(y, 1)`),
so the system keeps h on the grid's top row, where u's value is at hand. What the
bulk loses the layer gains: the total amount, the integral of u over the slab plus
that of h along the face, is conserved, and both settle at the same level, the total
over 2 (area 1 + length 1). Three grids give the scheme's order.

Run:  python examples/surface_layer.py
"""

import numpy as np
import sympy

import symnum as sn
from symnum import solvers

t, x, y = sn.variables("t x y")
u = sn.fields("u", t, x, y)
h = sn.fields("h", t, x)
k, Ds = 5.0, 0.01


def layer(t_end):
    bump = sympy.exp(-30 * ((x - 0.3) ** 2 + (y - 0.3) ** 2))  # ~0 at the top: consistent with h = 0
    return sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y)),
         sn.Eq(sn.D(t)(h), Ds * h.diff(x, 2) + k * (u.subs(y, 1) - h))],
        [sn.Periodic(x), sn.Neumann(u, y, "min", 0),
         sn.Eq(-u.diff(y).subs(y, 1), k * (u.subs(y, 1) - h)),
         sn.Initial(u, bump), sn.Initial(h, 0)],
        domain={t: (0, t_end), x: (0, 1), y: (0, 1)}, name="surface_layer")


def total(sol, i):
    """The amount in the slab (trapezoid rule in y, periodic sum in x) and on the face."""
    X, Y = sol.grid[x], sol.grid[y]
    dx = X[1] - X[0]
    bulk = np.trapezoid(sol[u][i].sum(axis=0) * dx, Y)
    return bulk + sol[h][i].sum() * dx


def main():
    system = layer(t_end=3.0)
    print(system)
    sol = solvers.solve(solvers.discretize(system, {x: 48, y: 48}), method="tsit5", saveat=[0, 0.1, 3.0],
                        rtol=1e-9, atol=1e-11, progress=False)
    m0 = total(sol, 0)
    for i, ti in enumerate(sol.t):
        print(f"t = {ti:4.1f}: bulk in [{sol[u][i].min():.4f}, {sol[u][i].max():.4f}], layer in "
              f"[{sol[h][i].min():.4f}, {sol[h][i].max():.4f}], total {total(sol, i):.6f}")
    print(f"total amount drifts by {abs(total(sol, -1) - m0) / m0:.1e} (relative); both settle at "
          f"the total over 2 = {total(sol, -1) / 2:.4f}")
    # the scheme's order: both fields at t = 0.2 on three nested grids (y keeps its ends: n + 1 nodes)
    probe = []
    for n in (16, 32, 64):
        s = solvers.solve(solvers.discretize(layer(0.2), {x: n, y: n + 1}), method="tsit5", saveat=[0.2],
                          rtol=1e-11, atol=1e-13, progress=False)
        m = n // 16
        probe.append((s[u][-1][::m, ::m], s[h][-1][::m]))  # the nodes all grids share
    for name, k_ in (("bulk", 0), ("layer", 1)):
        d1, d2 = (np.abs(probe[i][k_] - probe[i + 1][k_]).max() for i in (0, 1))
        print(f"{name} at t = 0.2, grids 16/32/64: differences {d1:.2e}, {d2:.2e}, order {np.log2(d1 / d2):.2f}")


if __name__ == "__main__":
    main()
