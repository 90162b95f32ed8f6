"""A physics-informed network on Raissi's Burgers problem, against the solver.

    u_t + u u_x = (0.01/pi) u_xx,  x in [-1, 1], t in [0, 1],
    u(0, x) = -sin(pi x),  u(t, -1) = u(t, 1) = 0

The same PDESystem goes to two solvers: the method of lines (4th order, 2049
nodes: the reference; a shock of width ~0.003 forms at x = 0 near t = 0.3) and a
PINN (JAX; the residual generated from the equation; tanh network [20, 20, 20],
Adam then L-BFGS). At the default budget (2000 Adam + 2000 L-BFGS steps, under a
minute) the PINN's relative L2 error is about 1e-1 (4e-2 away from the shock);
`causal` weighting and a larger budget bring it to ~3e-3 (benchmarks/pinn.py:
10000 + 15000 steps). If Raissi's reference data are in ../shared/data, the
method of lines is checked against them too (1.3e-5). Writes pinn_burgers.png if
matplotlib is installed.

Run:  python examples/pinn_burgers.py [adam] [lbfgs]    (default 2000 2000)
"""

import sys
import time
from pathlib import Path

import numpy as np

import symnum as sn
from symnum import solvers

t, x = sn.variables("t x")
u = sn.fields("u", t, x)
nu = sn.parameter("nu", 0.01 / np.pi)
burgers = sn.PDESystem(
    [sn.Eq(sn.D(t)(u), -u * sn.D(x)(u) + nu * sn.D(x, 2)(u))],
    [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, -sn.sin(sn.pi * x))],
    domain={t: (0, 1), x: (-1, 1)}, name="burgers")
RAISSI = Path(__file__).resolve().parents[2] / "shared" / "data" / "burgers" / "raissi_burgers_reference.npz"


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main(adam: int = 2000, lbfgs: int = 2000) -> None:
    print(burgers)
    start = time.perf_counter()
    prob = solvers.discretize(burgers, {x: 2049}, order=4)
    ref = solvers.solve(prob, method="rodas5p", rtol=1e-8, atol=1e-10, saveat=101, progress=False)
    T, X = np.meshgrid(ref.t, prob.grid[x], indexing="ij")
    print(f"method of lines, 2049 nodes, rodas5p: {time.perf_counter() - start:.1f} s, "
          f"max |u_x| at t = 1: {np.abs(np.gradient(ref[u][-1], prob.grid[x])).max():.0f}")
    if RAISSI.exists():
        d = np.load(RAISSI)
        # its times (0, 0.01, ..., 0.99) are among the saved ones; its nodes are interpolated to
        mol = np.array([np.interp(d["x"].ravel(), prob.grid[x], ref[u][np.argmin(np.abs(ref.t - tk))])
                        for tk in d["t"].ravel()])
        print(f"method of lines vs Raissi's reference data: relative L2 {rel_l2(mol, d['usol'].T):.1e}")
    pinn = solvers.PINN(burgers, hidden=[20, 20, 20], n_collocation=2540, n_boundary=40, n_initial=160,
                        dtype="float64", seed=0)
    res = pinn.train(steps=adam, lbfgs=lbfgs, progress=False)
    pred = res.predict(u, {t: T, x: X})
    err = rel_l2(pred, ref[u])
    print(f"PINN, {adam} Adam + {lbfgs} L-BFGS steps in {res.timings['total_s']:.1f} s: relative L2 error "
          f"{err:.2e} against the method of lines; away from the shock (|x| > 0.1) "
          f"{rel_l2(pred[:, np.abs(X[0]) > 0.1], ref[u][:, np.abs(X[0]) > 0.1]):.2e}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    for ax, k in zip(axes, (25, 50, 75)):
        ax.plot(X[k], ref[u][k], "k", label="method of lines")
        ax.plot(X[k], pred[k], "C1--", label="PINN")
        ax.set_title(f"t = {ref.t[k]:.2f}")
        ax.set_xlabel("x")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig("pinn_burgers.png", dpi=110)
    plt.close(fig)
    print("wrote pinn_burgers.png")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
