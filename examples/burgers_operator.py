"""A Fourier neural operator for Burgers' equation, trained on data symnum
generates: the PDE written once, 600 initial fields drawn from the FNO paper's
Gaussian random field, solved by Fourier collocation (order="spectral": the
diffusion taken exactly by a compiled Lawson-Tsit5, each sample its own steps;
in this process, or on dask workers with client="local"), the operator
u0 -> u(T = 1) trained and compared with the solver on unseen initial fields.

Run: python examples/burgers_operator.py [epochs]   (default 30; writes burgers_operator.png
if matplotlib is installed)
"""

import os
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import numpy as np  # noqa: E402

import symnum as sn  # noqa: E402
from symnum import solvers  # noqa: E402


def make_burgers() -> sn.PDESystem:
    t, x = sn.variables("t x")
    nu = sn.parameter("nu", 0.01)
    u = sn.fields("u", t, x)
    return sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x)(u**2 / 2) + nu * sn.D(x, 2)(u))],
                        [sn.Periodic(x), sn.Initial(u, 0)],  # u(0, x) is drawn per sample
                        domain={t: (0, 1), x: (0, 1)}, name="burgers")


def main(epochs: int = 30) -> None:
    system = make_burgers()
    (x,), (u,) = system.space, system.fields
    t0 = time.perf_counter()
    ds = solvers.generate_dataset(system, {x: 128}, vary={u: solvers.GaussianRandomField()}, n=600,
                                  order="spectral", progress=False)
    print(f"generated {ds.sizes['sample']} samples on {ds.sizes['x']} nodes in {time.perf_counter() - t0:.1f} s "
          f"(Fourier collocation, compiled Lawson-Tsit5)")
    train, test = ds.isel(sample=slice(0, 500)), ds.isel(sample=slice(500, 600))
    model = solvers.FNO([u], [u], modes=16, width=32, layers=4)
    res = model.fit(train, epochs=epochs, batch=20, lr=2e-3, schedule=(max(epochs // 4, 1), 0.5), test=test)
    print(f"FNO trained {epochs} epochs, {res.timings['epoch']:.2f} s/epoch: test relative L2 "
          f"{res.history[-1]['test']:.2e} (first epoch {res.history[0]['test']:.2e})")

    # unseen initial fields: the operator against the solver, on the same grid
    prob = solvers.discretize(system, {x: 128}, order="spectral")
    rng = np.random.default_rng(2026)
    u0 = np.array([solvers.GaussianRandomField()(rng, prob.grid, periodic=[True]) for _ in range(3)])
    pred = res.predict(u0, grid=prob.grid)
    sol = solvers.solve_ensemble(prob, u0=u0[:, None], progress=False)
    for k in range(3):
        exact = sol[u][k, -1]
        print(f"  unseen u0 #{k}: relative L2 of the operator against the solver "
              f"{np.linalg.norm(pred[k] - exact) / np.linalg.norm(exact):.2e}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
    for k, ax in enumerate(axes):
        ax.plot(prob.grid[x], u0[k], ":", color="gray", label="u0")
        ax.plot(prob.grid[x], sol[u][k, -1], label="solver, t = 1")
        ax.plot(prob.grid[x], pred[k], "--", label="FNO, t = 1")
        ax.set_xlabel("x")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig("burgers_operator.png", dpi=120)
    plt.close(fig)
    print("wrote burgers_operator.png")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
