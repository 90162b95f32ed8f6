"""Gray-Scott reaction-diffusion in 2D: spots and stripes from the same system.

    u_t = Du lap(u) - u v^2 + F (1 - u)
    v_t = Dv lap(v) + u v^2 - (F + k) v        periodic, on [0, L)^2

Pearson's patterns (Science 261, 1993) in units of the grid spacing (Du = 0.2,
Dv = 0.1, so L = n): a square of v seeded in the middle, a little noise, then
the parameters pick the pattern: (F, k) = (0.0367, 0.0649) grows self-replicating
spots, (0.029, 0.057) a labyrinth of stripes. Explicit adaptive Tsit5, the whole
loop in one generated compiled function; the two runs share the kernel (F and k
are parameters: `prob.remake`). Prints the pattern's statistics (connected regions
of v > 0.2, and its peaks) and writes gray_scott.png if matplotlib is installed.

Run:  python examples/gray_scott.py [n] [t_end]     (default 96 x 96 to t = 4000)
"""

import sys
import time

import numpy as np
import scipy.ndimage

import symnum as sn
from symnum import solvers

t, x, y = sn.variables("t x y")
u, v = sn.fields("u v", t, x, y)
F, k = sn.parameter("F", 0.0367), sn.parameter("k", 0.0649)
Du, Dv = 0.2, 0.1
PATTERNS = {"spots": (0.0367, 0.0649), "stripes": (0.029, 0.057)}


def gray_scott(n: int, t_end: float) -> sn.PDESystem:
    return sn.PDESystem(
        [sn.Eq(sn.D(t)(u), Du * sn.laplacian(u, x, y) - u * v**2 + F * (1 - u)),
         sn.Eq(sn.D(t)(v), Dv * sn.laplacian(v, x, y) + u * v**2 - (F + k) * v)],
        [sn.Periodic(x), sn.Periodic(y), sn.Initial(u, 1), sn.Initial(v, 0)],
        domain={t: (0, t_end), x: (0, n), y: (0, n)}, name="gray_scott")


def seeded(prob, n: int, seed: int = 0) -> np.ndarray:
    """u = 1/2, v = 1/4 on a centred square of side n/10, 1% noise everywhere."""
    rng = np.random.default_rng(seed)
    state = prob.u0.copy()
    lo, hi = n // 2 - n // 20, n // 2 + n // 20
    state[0, lo:hi, lo:hi], state[1, lo:hi, lo:hi] = 0.5, 0.25
    return state + 0.01 * rng.standard_normal(state.shape)


def main(n: int = 96, t_end: float = 4000.0) -> None:
    system = gray_scott(n, t_end)
    print(system)
    start = time.perf_counter()
    prob = solvers.discretize(system, {x: n, y: n}, order=2)
    print(f"discretized {n}x{n} in {time.perf_counter() - start:.2f} s")
    finals = {}
    for name, (f, kk) in PATTERNS.items():
        run = prob.remake({F: f, k: kk})
        run = run.remake(u0=seeded(run, n))
        start = time.perf_counter()
        sol = solvers.solve(run, method="tsit5", rtol=1e-4, atol=1e-7, saveat=[0, t_end], progress=False)
        took = time.perf_counter() - start
        final = sol[v][-1]
        regions, count = scipy.ndimage.label(final > 0.2, structure=np.ones((3, 3)))
        # regions that wrap around the periodic edges are counted once
        for axis in (0, 1):
            a, b = np.take(regions, 0, axis), np.take(regions, -1, axis)
            for i, j in {(i, j) for i, j in zip(a, b) if i and j and i != j}:
                regions[regions == j] = i
        labels = np.unique(regions[regions > 0])
        areas = np.array([(regions == i).sum() for i in labels]) / n**2
        peak = (final == scipy.ndimage.maximum_filter(final, size=5, mode="wrap")) & (final > 0.2)
        finals[name] = final
        print(f"{name:8s} F = {f}, k = {kk}: {sol.stats['steps']} steps in {took:.2f} s; "
              f"v > 0.2 covers {areas.sum():.3f} of the square in {len(labels)} regions, "
              f"the largest {areas.max() if len(areas) else 0:.3f}; {peak.sum()} peaks")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.4))
    for ax, (name, final) in zip(axes, finals.items()):
        ax.imshow(final.T, origin="lower", cmap="viridis", extent=(0, n, 0, n))
        ax.set_title(f"{name}: v at t = {t_end:g}")
    fig.tight_layout()
    fig.savefig("gray_scott.png", dpi=110)
    plt.close(fig)
    print("wrote gray_scott.png")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 96, float(sys.argv[2]) if len(sys.argv) > 2 else 4000.0)
