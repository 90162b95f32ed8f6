"""Heat through a wall of two materials: each layer its own field on its own variable,
joined by interface conditions, as MethodOfLines.jl writes them.

A masonry layer (conductivity k1, heat capacity c1) on [0, a] and insulation (k2, c2)
on [a, L]; the inside face held at T_in, the outside face losing heat to the air
(-k2 T_x = h (T - T_out)); at x = a the temperature is continuous and so is the heat
flux, k1 T1_x = k2 T2_x. From a uniform T_out the wall warms up to the steady profile
of resistances in series (piecewise linear, which the scheme reproduces to round-off),
and the transient converges at the scheme's order (three grids). With the same spacing
in both layers (7 + 15 points) each layer is discretized on its own nodes and the two
are joined by the interface values.

Run:  python examples/composite_wall.py
"""

import numpy as np

import symnum as sn
from symnum import solvers

t, x1, x2 = sn.variables("t x1 x2")
a, L = 0.3, 1.0
k1, c1, k2, c2, h = 1.0, 1.0, 0.1, 0.5, 2.0
T_in, T_out = 1.0, 0.0


def wall(t_end):
    T1, T2 = sn.fields("T1", t, x1), sn.fields("T2", t, x2)
    eqs = [sn.Eq(c1 * sn.D(t)(T1), k1 * sn.D(x1, 2)(T1)), sn.Eq(c2 * sn.D(t)(T2), k2 * sn.D(x2, 2)(T2))]
    bcs = [sn.Initial(T1, T_out), sn.Initial(T2, T_out),
           sn.Eq(T1.subs(x1, 0), T_in),                                            # inside face
           sn.Eq(-k2 * T2.diff(x2).subs(x2, L), h * (T2.subs(x2, L) - T_out)),    # outside face
           sn.Eq(T1.subs(x1, a), T2.subs(x2, a)),                                 # the interface:
           sn.Eq(k1 * T1.diff(x1).subs(x1, a), k2 * T2.diff(x2).subs(x2, a))]     # T and flux continuous
    return T1, T2, sn.PDESystem(eqs, bcs, domain={t: (0, t_end), x1: (0, a), x2: (a, L)}, name="composite_wall")


def steady(X):
    q = (T_in - T_out) / (a / k1 + (L - a) / k2 + 1 / h)  # resistances in series
    return np.where(X <= a, T_in - q * X / k1, T_in - q * a / k1 - q * (X - a) / k2), q


def main():
    T1, T2, system = wall(t_end=40.0)
    print(system)
    prob = solvers.discretize(system, {x1: 16, x2: 16})
    sol = solvers.solve(prob, method="tsit5", saveat=[0, 1, 40], rtol=1e-10, atol=1e-12, progress=False)
    g = sol.grid
    (w1, q), (w2, _) = steady(g[x1]), steady(g[x2])
    err = max(np.abs(sol[T1][-1] - w1).max(), np.abs(sol[T2][-1] - w2).max())
    print(f"steady state (t = 40), 16 + 16 points: max error {err:.1e} against the series-resistance profile; "
          f"interface temperature {sol[T1][-1][-1]:.6f} (exact {steady(np.array(a))[0]:.6f}), heat flux {q:.6f}")

    # the same spacing in both layers (7 + 15 points): each layer discretized on its own
    # nodes, joined by the interface values (a CompositeProblem)
    same = solvers.solve(solvers.discretize(system, {x1: 0.05, x2: 0.05}), method="tsit5", saveat=[0, 40],
                         rtol=1e-10, atol=1e-12, progress=False)
    err = max(np.abs(same[T][-1] - steady(same.grid[x])[0]).max() for T, x in ((T1, x1), (T2, x2)))
    print(f"steady state, spacing 0.05 in both layers ({len(same.grid[x1])} + {len(same.grid[x2])} points, "
          f"{type(same.problem).__name__}): max error {err:.1e}")

    # the transient at t = 1: differences between successive grids shrink 4x (order 2) and 16x (order 4)
    T1, T2, system = wall(t_end=1.0)
    for order, grids, label in ((2, [{x1: n, x2: n} for n in (11, 21, 41)], "11/21/41 points"),
                                (4, [{x1: n, x2: n} for n in (11, 21, 41)], "11/21/41 points"),
                                (2, [{x1: h, x2: h} for h in (0.05, 0.025, 0.0125)], "spacing 0.05/0.025/0.0125")):
        at_interface = []
        for grid in grids:
            s = solvers.solve(solvers.discretize(system, grid, order=order), method="tsit5",
                              saveat=[0, 1], rtol=1e-11, atol=1e-13, progress=False)
            at_interface.append(s[T1][-1][-1])
        d = np.abs(np.diff(at_interface))
        print(f"order {order}: interface temperature at t = 1 on {label}: "
              f"{' '.join(f'{v:.8f}' for v in at_interface)}; observed order {np.log2(d[0] / d[1]):.2f}")

    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for k, label in ((1, "t = 1"), (2, "t = 40")):
        ax.plot(g[x1], sol[T1][k], "C0.-")
        ax.plot(g[x2], sol[T2][k], "C1.-")
        ax.annotate(label, (g[x2][-1], sol[T2][k][-1]))
    ax.axvline(a, color="gray", lw=0.5)
    ax.set_xlabel("x")
    ax.set_ylabel("T")
    ax.set_title("composite wall: masonry (C0) and insulation (C1)")
    fig.tight_layout()
    fig.savefig("composite_wall.png", dpi=120)
    plt.close(fig)
    print("saved composite_wall.png")


if __name__ == "__main__":
    main()
