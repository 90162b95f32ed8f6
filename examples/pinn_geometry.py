"""PINNs on domains that are not rectangles, against exact solutions.

1. Poisson on the unit disk: -(u_xx + u_yy) = 1, u = 0 on the circle; exact (1 - r^2)/4.
2. Laplace on a square with a hole, [-1, 1]^2 minus the disk of radius 0.3:
   u = e^x sin(y) on the square's edges, du/dn = the exact normal derivative on the
   hole (n pointing out of the domain, into the hole): a Neumann condition along a
   curved boundary.

The domains are geometries (`sn.Disk`, `sn.Rectangle(...) - sn.Disk(...)`), the
conditions sit on a geometry's boundary. The method of lines refuses these systems and
says why. Writes pinn_geometry.png if matplotlib is installed.

Run:  python examples/pinn_geometry.py [adam] [lbfgs]    (default 2000 500)
"""

import sys

import numpy as np
import sympy

import symnum as sn
from symnum import solvers

x, y = sn.variables("x y")
u = sn.fields("u", x, y)


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main(adam: int = 2000, lbfgs: int = 500) -> None:
    disk = sn.Disk((0, 0), 1)
    poisson = sn.PDESystem([sn.Eq(-(sn.D(x, 2)(u) + sn.D(y, 2)(u)), 1)], [sn.Dirichlet(u, disk, 0)],
                           domain={(x, y): disk}, name="disk")
    square, hole = sn.Rectangle((-1, -1), (1, 1)), sn.Disk((0, 0), 0.3)
    exact = sympy.exp(x) * sympy.sin(y)
    dn = -(x * exact.diff(x) + y * exact.diff(y)) / sympy.sqrt(x**2 + y**2)
    laplace = sn.PDESystem([sn.Eq(sn.D(x, 2)(u) + sn.D(y, 2)(u), 0)],
                           [sn.Dirichlet(u, square, exact), sn.Neumann(u, hole, dn)],
                           domain={(x, y): square - hole}, name="holed_square")
    print(laplace)
    try:
        solvers.discretize(laplace, {x: 33, y: 33})
    except sn.ModelError as e:
        print(f"discretize: {e}")
    rng = np.random.default_rng(1)
    cases = [("disk", poisson, disk, lambda P: (1 - (P**2).sum(axis=1)) / 4),
             ("holed square", laplace, square - hole, lambda P: np.exp(P[:, 0]) * np.sin(P[:, 1]))]
    shown = []
    for name, system, region, truth in cases:
        pinn = solvers.PINN(system, hidden=[20, 20, 20], dtype="float64", seed=0, n_collocation=1000, n_boundary=200)
        res = pinn.train(steps=adam, lbfgs=lbfgs, progress=False)
        P = region.sample_interior(4000, rng)
        pred = res.predict(u, {x: P[:, 0], y: P[:, 1]})
        print(f"{name:>12}: {adam} Adam + {lbfgs} L-BFGS steps in {res.timings['total_s']:.1f} s, "
              f"relative L2 error {rel_l2(pred, truth(P)):.2e}")
        shown.append((name, P, pred - truth(P)))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, (name, P, err) in zip(axes, shown):
        im = ax.scatter(P[:, 0], P[:, 1], c=err, s=3, cmap="coolwarm")
        ax.set_aspect("equal")
        ax.set_title(f"{name}: PINN - exact")
        fig.colorbar(im, ax=ax)
    fig.tight_layout()
    fig.savefig("pinn_geometry.png", dpi=110)
    plt.close(fig)
    print("wrote pinn_geometry.png")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
