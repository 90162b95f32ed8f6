"""The 2D heat equation against its exact solution: convergence at orders 2, 4, 6.

    u_t = lap(u) + f    on [0, 1]^2, u = g on the walls (time-dependent)

with f and g made from the manufactured solution
u = exp(-t) sin(pi x) cos(2 pi y) + x^2 y (so the walls carry non-zero, moving
values and the source is not zero). Each order is solved on grids of 9 to 33
nodes per side with Tsit5 at tight tolerances (the time error far below the
space error), and the maximum error at t = 0.5 is printed with the observed
order of each refinement; heat_convergence.png (if matplotlib is installed)
plots error against spacing.

Run:  python examples/heat_convergence.py [n_max]    (default 33)
"""

import sys

import numpy as np
import sympy

import symnum as sn
from symnum import solvers

t, x, y = sn.variables("t x y")
u = sn.fields("u", t, x, y)
pi = sn.pi
exact = sn.exp(-t) * sn.sin(pi * x) * sn.cos(2 * pi * y) + x**2 * y
source = sn.D(t)(exact).doit() - sn.laplacian(exact, x, y).doit()

heat = sn.PDESystem(
    [sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y) + source)],
    [sn.Dirichlet(u, x, "min", exact.subs(x, 0)), sn.Dirichlet(u, x, "max", exact.subs(x, 1)),
     sn.Dirichlet(u, y, "min", exact.subs(y, 0)), sn.Dirichlet(u, y, "max", exact.subs(y, 1)),
     sn.Initial(u, exact.subs(t, 0))],
    domain={t: (0, 0.5), x: (0, 1), y: (0, 1)}, name="heat")
exact_fn = sympy.lambdify((t, x, y), exact, "numpy")


def main(n_max: int = 33) -> None:
    print(heat)
    sizes = [n for n in (9, 17, 33, 65, 129) if n <= n_max]
    table = {}
    for order in (2, 4, 6):
        errs = []
        for n in sizes:
            prob = solvers.discretize(heat, {x: n, y: n}, order=order)
            sol = solvers.solve(prob, method="tsit5", rtol=1e-11, atol=1e-13, progress=False)
            X, Y = np.meshgrid(prob.grid[x], prob.grid[y], indexing="ij")
            errs.append(np.abs(sol[u][-1] - exact_fn(0.5, X, Y)).max())
        slopes = np.log2(np.array(errs[:-1]) / np.array(errs[1:])) if len(errs) > 1 else []
        table[order] = errs
        print(f"order {order}: max errors {' '.join(f'{e:.2e}' for e in errs)}; "
              f"observed orders {' '.join(f'{s:.2f}' for s in slopes)}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    h = 1 / (np.array(sizes) - 1)
    fig, ax = plt.subplots(figsize=(5, 4))
    for order, errs in table.items():
        ax.loglog(h, errs, "o-", label=f"order {order}")
        ax.loglog(h, errs[0] * (h / h[0]) ** order, "k:", lw=1)
    ax.set_xlabel("grid spacing h")
    ax.set_ylabel("max error at t = 0.5")
    ax.set_title("2D heat, Dirichlet walls (dotted: h^order)")
    ax.legend()
    fig.tight_layout()
    fig.savefig("heat_convergence.png", dpi=110)
    plt.close(fig)
    print("wrote heat_convergence.png")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 33)
