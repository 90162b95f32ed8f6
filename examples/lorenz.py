"""The Lorenz system: written once, integrated by the generated compiled loop
(adaptive Tsit5, values at the save times from its dense output), checked
against scipy's DOP853, evaluated between steps (dense=True, sol(t)), then
swept over rho as one ensemble reusing the compiled code (lorenz.png if matplotlib
is installed)."""

import importlib.util
import time

import numpy as np
import scipy.integrate
import sympy

import symnum as sn
from symnum import solvers

t = sn.variables("t")
x, y, z = sn.fields("x y z", t)
sigma, rho, beta = sn.parameter("sigma", 10.0), sn.parameter("rho", 28.0), sn.parameter("beta", sympy.Rational(8, 3))
lorenz = sn.ODESystem(
    [sn.Eq(sn.D(t)(x), sigma * (y - x)), sn.Eq(sn.D(t)(y), x * (rho - z) - y), sn.Eq(sn.D(t)(z), x * y - beta * z)],
    [sn.Initial(x, 1.0), sn.Initial(y, 0.0), sn.Initial(z, 0.0)],
    domain={t: (0, 10)}, name="lorenz",
)
print(lorenz)

prob = solvers.discretize(lorenz)
T = np.linspace(0, 10, 5)
start = time.perf_counter()
sol = solvers.solve(prob, method="tsit5", rtol=1e-10, atol=1e-12, saveat=T, progress=False)
first = time.perf_counter() - start  # includes compiling the loop (or loading it from the disk cache)
start = time.perf_counter()
sol = solvers.solve(prob, method="tsit5", rtol=1e-10, atol=1e-12, saveat=T, progress=False)
again = time.perf_counter() - start
print(f"tsit5: {sol.stats['steps']} steps, first solve {first:.2f} s, again {again * 1e3:.2f} ms "
      f"({again / sol.stats['steps'] * 1e6:.2f} us per step)")

def lorenz_rhs(_, v):
    return [10 * (v[1] - v[0]), v[0] * (28 - v[2]) - v[1], v[0] * v[1] - 8 / 3 * v[2]]


ref = scipy.integrate.solve_ivp(lorenz_rhs, (0, 10), [1.0, 0.0, 0.0], method="DOP853", t_eval=T, rtol=1e-13,
                                atol=1e-13, dense_output=True)
for k, tk in enumerate(T):
    print(f"t = {tk:4.1f}: x = {sol[x][k]:+.6f}  scipy DOP853: {ref.y[0, k]:+.6f}")

# every step kept: the solution anywhere in tspan from Tsit5's continuous extension
dense = solvers.solve(prob, method="tsit5", rtol=1e-10, atol=1e-12, dense=True, progress=False)
for tk in (3.3, 8.05):
    print(f"sol({tk}): x = {dense(tk, x):+.6f}  scipy DOP853: {ref.sol(tk)[0]:+.6f}")

# the same compiled kernel and loop for many parameter values at once, each member
# with its own steps: below rho = 24.74 the orbit settles on the fixed point z = rho - 1
rhos = np.array([5.0, 10.0, 15.0, 20.0])
sweep = solvers.solve_ensemble(prob, params={rho: rhos}, method="tsit5", tspan=(0, 50), progress=False)
for r, zr in zip(rhos, sweep[z][:, -1]):
    print(f"rho = {r:g}: z(50) = {zr:.6f} (fixed point rho - 1 = {r - 1:g})")

if importlib.util.find_spec("matplotlib") is not None:  # the figure, where matplotlib is installed
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    fine = np.linspace(0, 10, 4000)
    a.plot(dense(fine, x), dense(fine, z), lw=0.6)
    a.set_xlabel("x")
    a.set_ylabel("z")
    a.set_title("rho = 28, from tsit5's dense output")
    b.plot(rhos, rhos - 1, "k:", label="fixed point rho - 1")
    b.plot(rhos, sweep[z][:, -1], "o", label="z(50), one ensemble")
    b.set_xlabel("rho")
    b.set_ylabel("z")
    b.legend()
    fig.tight_layout()
    fig.savefig("lorenz.png", dpi=110)
    plt.close(fig)
    print("wrote lorenz.png")
