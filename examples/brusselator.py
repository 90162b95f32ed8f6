"""The 2D Brusselator (MethodOfLines.jl tutorial formulation), written once,
discretized into a generated Numba kernel and solved to t = 11.5.

Run: python examples/brusselator.py [n]   (n x n grid, default 32; brusselator.png if matplotlib
is installed)
"""

import re
import sys
import time

import sympy

import symnum as sn
from symnum import solvers


def make_brusselator() -> sn.PDESystem:
    t, x, y = sn.variables("t x y")
    alpha = sn.parameter("alpha", 10.0)
    u, v = sn.fields("u v", t, x, y)
    Dt = sn.D(t)
    # The forcing disc centred at (0.3, 0.6), switched on at t >= 1.1.
    f = sympy.Piecewise(
        (5.0, ((x - 0.3) ** 2 + (y - 0.6) ** 2 <= 0.1**2) & (t >= 1.1)), (0.0, True)
    )
    eqs = [
        sn.Eq(Dt(u), 1 + u**2 * v - 4.4 * u + alpha * sn.laplacian(u, x, y) + f),
        sn.Eq(Dt(v), 3.4 * u - u**2 * v + alpha * sn.laplacian(v, x, y)),
    ]
    bcs = [
        sn.Periodic(x),
        sn.Periodic(y),
        sn.Initial(u, 22 * (y * (1 - y)) ** sympy.Rational(3, 2)),
        sn.Initial(v, 27 * (x * (1 - x)) ** sympy.Rational(3, 2)),
    ]
    return sn.PDESystem(eqs, bcs, domain={t: (0, 11.5), x: (0, 1), y: (0, 1)}, name="brusselator")


def main(n: int = 32) -> None:
    system = make_brusselator()
    print(system)
    print()
    x, y = system.space
    u, v = system.fields
    t0 = time.perf_counter()
    prob = solvers.discretize(system, {x: n, y: n}, order=2, backend="numba")
    print(f"discretized on {n}x{n} in {time.perf_counter() - t0:.2f} s "
          f"(lower, optimize, codegen, compile: {', '.join(f'{v:.2f}' for v in prob.timings.values())} s)")
    print(prob.stencil)
    hot = re.split(r"for i_1 in range\(1, max\(n_1 - 1, 1\)\):", prob.kernel.source)[1].split("for i_1")[0]
    print("the generated interior loop:" + hot.rstrip())
    t0 = time.perf_counter()
    sol = solvers.solve(prob, method="bdf", saveat=[0.0, 1.1, 5.0, 11.5], progress=False)
    print(f"solved t = 0..11.5 with BDF and the symbolic sparse Jacobian in "
          f"{time.perf_counter() - t0:.2f} s ({sol.stats['nlu']} LU factorizations)")
    for k, tk in enumerate(sol.t):
        print(f"  t = {tk:5.2f}: u in [{sol[u][k].min():.3f}, {sol[u][k].max():.3f}], "
              f"v in [{sol[v][k].min():.3f}, {sol[v][k].max():.3f}]")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    for ax, f in zip(axes, (u, v)):
        sol.plot(f, -1, ax=ax)  # Solution.plot: an image in 2-D
    fig.tight_layout()
    fig.savefig("brusselator.png", dpi=110)
    plt.close(fig)
    print("wrote brusselator.png")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 32)
