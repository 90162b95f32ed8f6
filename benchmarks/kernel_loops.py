"""Interior loops of the generated Numba kernels: walled grids against periodic ones.

The heat equation u_t = lap(u) in 1-D and 2-D, with Dirichlet walls and periodic: one
serial RHS call (best of 5 x 200) and 1000 fixed RK4 steps of the compiled loop. The
periodic kernel's interior loop always vectorized; the walled one's did not until its
bounds read `range(2, max(n - 2, 2))` (RESULTS.md, 2026-12-03 night): per node they should
now cost about the same.

    python benchmarks/kernel_loops.py
"""

from __future__ import annotations

import os
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

import symnum as sn  # noqa: E402
from symnum import solvers  # noqa: E402
from symnum.codegen._stencil_kernel import SERIAL, twin  # noqa: E402

t, x, y = sn.variables("t x y")


def heat(dims: int, walls: bool):
    u = sn.fields("u", t, *(x, y)[:dims])
    lap = sum(sn.D(v, 2)(u) for v in (x, y)[:dims])
    if walls:
        bcs = [sn.Dirichlet(u, v, side, 0) for v in (x, y)[:dims] for side in ("min", "max")]
    else:
        bcs = [sn.Periodic(v) for v in (x, y)[:dims]]
    shape = sn.sin(sn.pi * x) * (sn.sin(sn.pi * y) if dims == 2 else 1)
    name = f"heat{dims}d_{'walls' if walls else 'periodic'}"
    return sn.PDESystem([sn.Eq(sn.D(t)(u), lap)], bcs + [sn.Initial(u, shape)],
                        domain={t: (0, 1), **{v: (0, 1) for v in (x, y)[:dims]}}, name=name)


def kernel_us(prob) -> float:
    fn = twin(prob.kernel.fn, SERIAL) or prob.kernel.fn
    y0 = np.random.default_rng(0).random(prob.shape)
    out = np.empty_like(y0)
    args = tuple(float(a) for a in prob._scalar_args)
    fn(y0, out, 0.1, *args)
    best = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(200):
            fn(y0, out, 0.1, *args)
        best = min(best, (time.perf_counter() - t0) / 200)
    return best * 1e6


def main():
    print(f"{'problem':22s} {'grid':>10s} {'kernel us':>10s} {'ns/node':>8s} {'1000 RK4 steps s':>17s}")
    for dims, sizes in ((1, (4001, 40001)), (2, (128, 512))):
        for n in sizes:
            for walls in (True, False):
                system = heat(dims, walls)
                prob = solvers.discretize(system, {v: n for v in (x, y)[:dims]})
                us = kernel_us(prob)
                dt = 0.25 / (n - 1) ** 2 / dims
                def run():
                    return solvers.solve(prob, method="rk4", dt=dt, tspan=(0, 1000 * dt), saveat=[0, 1000 * dt],
                                         progress=False)
                run()
                t0 = time.perf_counter()
                run()
                seconds = time.perf_counter() - t0
                nodes = n ** dims
                print(f"{system.name:22s} {f'{n}^{dims}':>10s} {us:10.1f} {us * 1e3 / nodes:8.2f} {seconds:17.3f}")


if __name__ == "__main__":
    main()
