"""Discovering Burgers' equation from noisy data, then simulating what was found.

The data are made here as pysindy's Burgers set was made (u_t = -u u_x + 0.1 u_xx,
periodic on [-8, 8), u0 = exp(-(x + 1)^2), 256 nodes, 101 times to t = 10), by
symnum's own solver; Gaussian noise of 0%, 5% and 20% of the data's standard
deviation is added. `discover` fits u_t = sum c_j theta_j over a library of 16
candidate terms (1, u, u^2, u^3 and the x-derivatives of orders 1-4 of u, u^2
and u^3: u u_x is (u^2)_x / 2) in weak form (the
derivatives move onto smooth test functions, so the noise is never
differentiated) with sparse regression, and reports a bootstrap spread for each
coefficient. The equation found from the 20% data is turned back into a system
(`to_system`) and simulated from the clean initial condition. Prints the
equations found, the coefficient errors and the resimulation error; writes
burgers_discovery.png if matplotlib is installed.

Run:  python examples/burgers_discovery.py [noise ...]    (default 0 0.05 0.2)
"""

import sys

import numpy as np

import symnum as sn
from symnum import solvers

t, x = sn.variables("t x")
u = sn.fields("u", t, x)
TRUE = {u * sn.D(x)(u): -1.0, sn.D(x, 2)(u): 0.1}
domain = {t: (0, 10), x: (-8, 8)}
conditions = [sn.Periodic(x), sn.Initial(u, sn.exp(-(x + 1) ** 2))]
burgers = sn.PDESystem([sn.Eq(sn.D(t)(u), sum(c * term for term, c in TRUE.items()))], conditions,
                       domain=domain, name="burgers")


def main(noises=(0.0, 0.05, 0.2)) -> None:
    prob = solvers.discretize(burgers, {x: 256}, order=4)
    data = solvers.solve(prob, method="tsit5", rtol=1e-10, atol=1e-12, saveat=101, progress=False)
    T, X, U = data.t, prob.grid[x], data[u]
    rng = np.random.default_rng(0)
    found = None
    for noise in noises:
        noisy = U + noise * U.std() * rng.standard_normal(U.shape)
        found = solvers.discover({u: noisy}, grid={t: T, x: X})
        coef = found.coefficients[u]
        spread = found.uncertainty[u]
        worst = max(abs(coef.get(term, 0.0) - c) / abs(c) for term, c in TRUE.items())
        extra = [term for term in coef if term not in TRUE]
        print(f"noise {100 * noise:4.1f}%: {found.equations[0]}")
        print(f"  u*u_x: {coef.get(u * sn.D(x)(u), 0.0):+.4f} +- {spread.get(u * sn.D(x)(u), 0.0):.4f} (true -1), "
              f"u_xx: {coef.get(sn.D(x, 2)(u), 0.0):+.4f} +- {spread.get(sn.D(x, 2)(u), 0.0):.4f} (true 0.1); "
              f"largest relative coefficient error {worst:.2e}, {len(extra)} wrong terms")
        noisy_last = noisy
    # what was found from the noisiest data, simulated again from the clean start
    again = found.to_system(bcs=conditions, domain=domain)
    resim = solvers.solve(solvers.discretize(again, {x: 256}, order=4), saveat=T, rtol=1e-10, atol=1e-12,
                          progress=False)
    err = np.linalg.norm(resim[u] - U) / np.linalg.norm(U)
    print(f"the equation found at {100 * noises[-1]:g}% noise, simulated again: relative L2 error "
          f"{err:.2e} against the clean data over all {len(T)} times")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharey=True)
    for ax, values, title in zip(axes, (U, noisy_last, resim[u]),
                                 ("data (symnum's solver)", f"with {100 * noises[-1]:g}% noise: discover's input",
                                  "the found equation, simulated")):
        im = ax.pcolormesh(T, X, values.T, shading="auto", cmap="viridis", vmin=U.min(), vmax=U.max())
        ax.set_title(title)
        ax.set_xlabel("t")
    axes[0].set_ylabel("x")
    fig.colorbar(im, ax=axes)
    fig.savefig("burgers_discovery.png", dpi=110)
    plt.close(fig)
    print("wrote burgers_discovery.png")


if __name__ == "__main__":
    main(tuple(float(a) for a in sys.argv[1:]) or (0.0, 0.05, 0.2))
