"""A population with nonlocal competition: an integral term and a field of time only.

    u_t = D u_xx + r u (1 - N / K),   N(t) = Integral(u, (x, 0, L)),   u_x = 0 at both ends

Every individual competes with the whole population N, not only with its
neighbours. The total N is written as a field of time only defined by the
integral (an algebraic equation: the system is a DAE, solved by a Rosenbrock
method). With no flux through the walls, integrating the PDE over x gives the
logistic law for the total, N' = r N (1 - N / K), so N(t) is known exactly,
K / (1 + (K / N0 - 1) e^(-r t)), whatever the shape of u: the check printed
below, at orders 2 and 4 (the integral by the trapezoid rule and by Gregory's
fourth-order rule). The figure (if matplotlib is installed) shows the profile
spreading while the total saturates.

Run:  python examples/nonlocal_population.py
"""

import numpy as np
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

t, x = sn.variables("t x")
u = sn.fields("u", t, x)
N = sn.fields("N", t)
D, r, K, L = 0.01, 1.0, 2.0, 1.0
population = sn.PDESystem(
    [sn.Eq(sn.D(t)(u), D * sn.D(x, 2)(u) + r * u * (1 - N / K)),
     sn.Eq(N, sympy.Integral(u, (x, 0, L)))],
    [sn.Neumann(u, x, "min", 0), sn.Neumann(u, x, "max", 0),
     sn.Initial(u, sn.exp(-100 * (x - 0.3) ** 2)), sn.Initial(N, 0.1)],
    domain={t: (0, 8), x: (0, L)}, name="nonlocal_population")


def logistic(times, n0):
    return K / (1 + (K / n0 - 1) * np.exp(-r * times))


def main():
    print(population)
    times = [0, 2, 4, 8]
    for order in (2, 4):
        prob = discretize(population, {x: 101}, order=order)
        sol = solve(prob, method="rodas5p", rtol=1e-9, atol=1e-11, saveat=times, progress=False)
        n0 = sol[N][0]  # the quadrature of the initial profile (the initial value 0.1 was a guess)
        err = np.abs(sol[N] - logistic(sol.t, n0)).max()
        print(f"order {order}: N(0) = {n0:.6f}, N(8) = {sol[N][-1]:.6f} "
              f"(logistic {logistic(8.0, n0):.6f}), max error of N over t {err:.2e}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.4))
    for k, tk in enumerate(sol.t):
        a.plot(prob.grid[x], sol[u][k], label=f"t = {tk:g}")
    a.set_xlabel("x")
    a.set_ylabel("u")
    a.legend()
    fine = np.linspace(0, 8, 200)
    b.plot(fine, logistic(fine, n0), label="logistic (exact)")
    b.plot(sol.t, sol[N], "o", label="N from the solve")
    b.set_xlabel("t")
    b.set_ylabel("N")
    b.legend()
    fig.tight_layout()
    fig.savefig("nonlocal_population.png", dpi=120)
    plt.close(fig)
    print("wrote nonlocal_population.png")


if __name__ == "__main__":
    main()
