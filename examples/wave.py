"""A damped string, second order in time: written as u_tt + 2 g u_t = c^2 u_xx, reduced
to first order by symnum (a velocity field u_dot appears), discretized at order 4 with
fixed ends and solved with DOP853; the error against the exact solution shrinks at the
stencils' order (wave.png if matplotlib is installed)."""

import importlib.util
import time

import numpy as np
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

t, x = sn.variables("t x")
u = sn.fields("u", t, x)
c, g = sn.parameter("c", 1.0), sn.parameter("g", 0.4)
string = sn.PDESystem(
    [sn.Eq(sn.D(t, 2)(u) + 2 * g * sn.D(t)(u), c**2 * sn.D(x, 2)(u))],
    [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0),
     sn.Initial(u, sympy.sin(sympy.pi * x)), sn.Initial(sn.D(t)(u), 0)],  # plucked, at rest
    domain={t: (0, 1), x: (0, 1)}, name="string")
print(string)

w = np.sqrt(np.pi**2 - 0.4**2)
errors = []
for n in (21, 41, 81):
    t0 = time.perf_counter()
    prob = discretize(string, {x: n}, order=4)
    sol = solve(prob, method="dop853", rtol=1e-10, atol=1e-12, progress=False)
    seconds = time.perf_counter() - t0
    X = prob.grid[x]
    exact = np.exp(-0.4) * (np.cos(w) + 0.4 / w * np.sin(w)) * np.sin(np.pi * X)
    errors.append(np.abs(sol[u][-1] - exact).max())
    print(f"n = {n:3d}: state {prob.fields}, max error at t = 1: {errors[-1]:.3e} "
          f"(discretize + solve {seconds:.2f} s)")
print("observed order:", " ".join(f"{np.log2(a / b):.2f}" for a, b in zip(errors, errors[1:])))

if importlib.util.find_spec("matplotlib") is not None:  # the figure, where matplotlib is installed
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    shots = solve(prob, method="dop853", rtol=1e-10, atol=1e-12, saveat=6, progress=False)
    for k, tk in enumerate(shots.t):
        ax.plot(X, shots[u][k], label=f"t = {tk:.1f}")
    ax.set_xlabel("x")
    ax.set_ylabel("u")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig("wave.png", dpi=110)
    plt.close(fig)
    print("wrote wave.png")
