"""An unknown coefficient FIELD learned from observations (DeepXDE's inverse
diffusion-reaction problem, Lu et al. 2021):

    0.01 u'' - k(x) u = sin(2 pi x),  x in [0, 1],  u(0) = u(1) = 0,
    k(x) = 0.1 + exp(-0.5 (x - 0.5)^2 / 0.15^2)   (to be found)

k is declared as a field and used in the equation without an equation of its own;
`PINN(..., learn=[k])` gives it a network and the observations of u (50 points, clean
and with 1% noise) determine it. The observations come from the forward problem with
the true k, solved by the method of lines (order 4, 801 nodes): the same PDESystem with
k written in, a different solver. The method of lines refuses the inverse system and
says why (k has no equation). Writes pinn_inverse_field.png if matplotlib is installed.

Run:  python examples/pinn_inverse_field.py [adam] [lbfgs]    (default 3000 1000)
"""

import sys

import numpy as np
import sympy

import symnum as sn
from symnum import solvers

x = sn.variables("x")
u, k = sn.fields("u k", x)
K_TRUE = 0.1 + sympy.exp(-0.5 * (x - 0.5) ** 2 / sympy.Float(0.15) ** 2)


def system(coefficient, name):
    return sn.PDESystem([sn.Eq(0.01 * sn.D(x, 2)(u) - coefficient * u, sympy.sin(2 * sympy.pi * x))],
                        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)], domain={x: (0, 1)}, name=name)


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main(adam: int = 3000, lbfgs: int = 1000) -> None:
    forward = solvers.discretize(system(K_TRUE, "forward"), {x: 801}, order=4)
    X = forward.grid[x]
    U = solvers.solve(forward)[u]
    inverse = system(k, "inverse")
    print(inverse)
    try:
        solvers.discretize(inverse, {x: 65})
    except sn.ModelError as e:
        print(f"discretize: {e}")
    rng = np.random.default_rng(0)
    xo = np.linspace(0, 1, 50)
    uo = np.interp(xo, X, U)
    Xt = np.linspace(0, 1, 1001)
    Kt = sympy.lambdify(x, K_TRUE)(Xt)
    found = {}
    for label, obs in [("clean", uo), ("1% noise", uo + 0.01 * np.std(uo) * rng.standard_normal(uo.shape))]:
        pinn = solvers.PINN(inverse, hidden=[20, 20, 20], learn=[k], networks="separate", dtype="float64",
                            n_collocation=200, seed=0, weights={"data": 100.0})
        res = pinn.train(steps=adam, lbfgs=lbfgs, data={u: ({x: xo}, obs)}, progress=False)
        found[label] = res.predict(k, {x: Xt})
        print(f"{label:>8}, 50 observations of u, {adam} Adam + {lbfgs} L-BFGS steps in "
              f"{res.timings['total_s']:.1f} s: k relative L2 {rel_l2(found[label], Kt):.2e}, "
              f"u relative L2 {rel_l2(res.predict(u, {x: Xt}), np.interp(Xt, X, U)):.2e}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(Xt, Kt, "k", label="k, true")
    for i, (label, K) in enumerate(found.items()):
        ax.plot(Xt, K, f"C{i}--", label=f"k, PINN ({label})")
    ax.set_xlabel("x")
    ax.legend()
    fig.tight_layout()
    fig.savefig("pinn_inverse_field.png", dpi=110)
    plt.close(fig)
    print("wrote pinn_inverse_field.png")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
