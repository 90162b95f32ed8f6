"""Benchmark: the CUDA backend on a real GPU.

1. One RHS evaluation (Brusselator, Gray-Scott; periodic) at 1024^2, 2048^2,
   4096^2 as a fraction of the device memory bandwidth measured in the same run
   (a CuPy triad); minimal traffic 32 bytes per point (two fields in, two out).
2. A Gray-Scott run on 4096^2 (RK4, fixed dt) on the GPU, device-resident,
   against the Numba CPU backend on the same problem.

Needs cupy and a CUDA device: without them it says so and exits 0.
Run:  python benchmarks/gpu.py [--steps 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--sizes", type=int, nargs="*", default=[1024, 2048, 4096])
    args = ap.parse_args()
    try:
        from symnum.codegen._cuda import require_device

        cupy = require_device()
    except Exception as err:  # noqa: BLE001 - report why, whatever it is
        print(f"benchmarks/gpu.py needs a GPU (cupy and a CUDA device); none here: {err}")
        return 0
    from mol import brusselator, gray_scott

    from symnum.solvers import discretize, solve

    dev = cupy.cuda.Device()
    print(f"device: {cupy.cuda.runtime.getDeviceProperties(dev.id)['name'].decode()}")

    def gpu_time(fn, repeat=20):
        fn()
        cupy.cuda.Device().synchronize()
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        for _ in range(repeat):
            fn()
        stop.record()
        stop.synchronize()
        return cupy.cuda.get_elapsed_time(start, stop) / 1e3 / repeat

    n = 1 << 27
    a, b, c = cupy.zeros(n), cupy.ones(n), cupy.ones(n)
    triad = cupy.ElementwiseKernel("float64 b, float64 c, float64 s", "float64 a", "a = b + s * c", "triad")
    bw = 24 * n / gpu_time(lambda: triad(b, c, 3.0, a))
    print(f"device triad: {bw / 1e9:.0f} GB/s\n")
    print("| system | n | ms per RHS | fraction of device triad |")
    print("|---|---|---|---|")
    for name, make in (("brusselator", brusselator), ("gray_scott", gray_scott)):
        system = make()
        x, y = system.space
        for size in args.sizes:
            prob = discretize(system, {x: size, y: size}, backend="cuda")
            U = cupy.asarray(np.random.default_rng(0).uniform(0.5, 1.5, prob.shape))
            out = cupy.empty_like(U)
            secs = gpu_time(lambda: prob.rhs(U, 2.0, out=out))
            print(f"| {name} | {size}^2 | {1e3 * secs:.3f} | {32 * size * size / secs / bw:.2f} |")
    system = gray_scott()
    x, y = system.space
    size = 4096
    dt = 0.5
    print(f"\nGray-Scott {size}^2, {args.steps} RK4 steps (dt = {dt}):")
    results = {}
    for backend in ("cuda", "numba"):
        prob = discretize(system, {x: size, y: size}, backend=backend)
        tspan = (0.0, dt * args.steps)
        solve(prob, method="rk4", dt=dt, tspan=(0.0, dt), progress=False)  # warm up (compile)
        t0 = time.perf_counter()
        sol = solve(prob, method="rk4", dt=dt, tspan=tspan, progress=False)
        results[backend] = (time.perf_counter() - t0, sol.states[-1])
        print(f"  {backend}: {results[backend][0]:.2f} s ({results[backend][0] / args.steps * 1e3:.1f} ms per step)")
    diff = np.abs(results["cuda"][1] - results["numba"][1]).max()
    print(f"  GPU speed-up {results['numba'][0] / results['cuda'][0]:.1f}x; max |GPU - CPU| = {diff:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
