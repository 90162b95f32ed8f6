"""A boundary layer on a graded grid: the same 65 nodes, uniform or clustered.

    -eps u'' + u' = 0 on (0, 1),  u(0) = 0,  u(1) = 1,  eps = 1e-3

The solution is flat up to a layer of width ~eps at x = 1, where it rises to 1:
u = (exp((x - 1)/eps) - exp(-1/eps)) / (1 - exp(-1/eps)). On a uniform grid of 65
nodes the layer falls between two nodes (cell Peclet number h/eps = 16) and
central differences oscillate; the same 65 nodes clustered into the layer
(`grid={x: nodes}`, a non-uniform grid: Fornberg weights per node) resolve it.

Run:  python examples/boundary_layer.py     (boundary_layer.png if matplotlib is installed)
"""

import numpy as np

import symnum as sn
from symnum.solvers import discretize, solve

x = sn.variables("x")
u = sn.fields("u", x)
eps = sn.parameter("eps", 1e-3)
layer = sn.PDESystem([sn.Eq(-eps * sn.D(x, 2)(u) + sn.D(x)(u), 0)],
                     [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.subs(x, 1), 1)],
                     domain={x: (0, 1)}, name="boundary_layer")


def exact(xs, e=1e-3):
    return (np.exp((xs - 1) / e) - np.exp(-1 / e)) / (1 - np.exp(-1 / e))


def graded(n, beta=4.0):
    """n nodes clustered toward x = 1 by a smooth map, x = tanh(beta s)/tanh(beta)
    over uniform s: spacing ~4/n at x = 0, ~0.005/n at x = 1."""
    s = np.linspace(0, 1, n)
    return np.tanh(beta * s) / np.tanh(beta)


def main():
    print(layer)
    found = {}
    for name, grid in [("uniform, 65 nodes", 65), ("graded, 65 nodes", graded(65))]:
        for order in (2, 4):
            prob = discretize(layer, {x: grid}, order=order)
            sol = solve(prob)
            xs = prob.grid[x]
            err = np.abs(sol[u] - exact(xs)).max()
            undershoot = max(0.0, -sol[u].min())
            print(f"{name:18s} order {order}: max error {err:.2e}, undershoot {undershoot:.2e}, "
                  f"smallest spacing {np.diff(xs).min():.1e}")
            found[name, order] = xs, sol[u]
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    fine = np.linspace(0.95, 1, 400)
    for ax, name in zip(axes, ("uniform, 65 nodes", "graded, 65 nodes")):
        ax.plot(fine, exact(fine), "k", lw=1, label="exact")
        for order in (2, 4):
            xs, values = found[name, order]
            keep = xs >= 0.95
            ax.plot(xs[keep], values[keep], "o-", ms=3, label=f"order {order}")
        ax.set_title(name + " (x >= 0.95)")
        ax.set_xlabel("x")
        ax.legend()
    fig.tight_layout()
    fig.savefig("boundary_layer.png", dpi=110)
    plt.close(fig)
    print("wrote boundary_layer.png")


if __name__ == "__main__":
    main()
