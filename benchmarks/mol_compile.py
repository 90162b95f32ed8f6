"""Benchmark: discretize time (cold and warm kernel cache) by dimension, order and
boundary kind, and the walled RHS kernel against the region-by-region kernel it
replaced, measured in the same run.

1. Reaction-diffusion u_t = lap(u) + u - u^3 - v, v_t = lap(v)/2 + u - v on
   [0, 1]^d, Dirichlet walls on every side or periodic, and nonlinear diffusion
   u_t = div((1 + u^2) grad u) + u - u^3 with walls moving in time (sin(t) x), d = 1,
   2, 3, orders 2 and 4: `discretize` in a fresh process with an empty kernel cache (cold) and
   again with the cache it left (warm), on 64 / 64^2 / 32^3 points.
2. One RHS evaluation with walls (2-D heat, order 4, Dirichlet) at 512^2 and
   2048^2: the generated walled kernel (hot interior loop + one generic template
   near the walls) against the region-by-region Numba kernel generated from the
   same templates (every near-wall node class its own copy of the template).

Run:  python benchmarks/mol_compile.py [--dims 1 2 3] [--orders 2 4] [--sizes 512 2048]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np

CASE = r"""
import sys, time, json
import sympy, symnum as sn
from symnum.solvers import discretize
dim, order, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
names = "x y z"[: 2 * dim - 1]
xs = sn.variables(names)
xs = xs if isinstance(xs, tuple) else (xs,)
t = sn.variables("t")
u, v = sn.fields("u v", t, *xs)
if kind == "walls":
    bcs = [sn.Dirichlet(f, w, s, 0) for f in (u, v) for w in xs for s in ("min", "max")]
elif kind == "nonlinear":  # one field, flux form with u-dependent diffusivity, walls moving in time
    bcs = [sn.Dirichlet(u, w, s, sympy.sin(t) * xs[0] + (1 if s == "max" else 0)) for w in xs for s in ("min", "max")]
else:
    bcs = [sn.Periodic(w) for w in xs]
if kind == "nonlinear":
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.div((1 + u**2) * sn.grad(u, *xs), *xs) + u - u**3)],
                          bcs + [sn.Initial(u, sympy.sin(sympy.pi * xs[0]))],
                          domain={t: (0, 1), **{w: (0, 1) for w in xs}}, name=f"bench{dim}{order}{kind}")
else:
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.laplacian(u, *xs) + u - u**3 - v), sn.Eq(sn.D(t)(v), 0.5 * sn.laplacian(v, *xs) + u - v)],
        bcs + [sn.Initial(u, sympy.sin(sympy.pi * xs[0])), sn.Initial(v, 0)],
        domain={t: (0, 1), **{w: (0, 1) for w in xs}}, name=f"bench{dim}{order}{kind}")
n = {1: 64, 2: 64, 3: 32}[dim]
t0 = time.perf_counter()
prob = discretize(system, {w: n for w in xs}, order=order, backend="numba")
print(json.dumps({"total": time.perf_counter() - t0, **prob.timings}))
"""


def discretize_table(dims, orders):
    import json

    print("| dim | order | boundaries | cold s | (compile) | warm s |")
    print("|---|---|---|---|---|---|")
    for dim in dims:
        for order in orders:
            for kind in ("periodic", "walls", "nonlinear"):
                with tempfile.TemporaryDirectory() as cache:
                    env = {**os.environ, "SYMNUM_CACHE_DIR": cache}
                    runs = []
                    for _ in range(2):
                        out = subprocess.run([sys.executable, "-c", CASE, str(dim), str(order), kind], env=env,
                                             capture_output=True, text=True, check=True).stdout
                        runs.append(json.loads(out.strip().splitlines()[-1]))
                print(f"| {dim} | {order} | {kind} | {runs[0]['total']:.2f} | {runs[0]['compile']:.2f} | "
                      f"{runs[1]['total']:.2f} |", flush=True)


def rhs_table(sizes):
    import sympy

    import symnum as sn
    from symnum.codegen._stencil_kernel import make_stencil_kernel
    from symnum.solvers import discretize
    from symnum.solvers._problem import _kernel_args, _name, _programs, _region_outputs

    t, x, y = sn.variables("t x y")
    u = sn.fields("u", t, x, y)
    heat = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y) - u**3)],
                        [sn.Dirichlet(u, w, s, 0) for w in (x, y) for s in ("min", "max")]
                        + [sn.Initial(u, sympy.sin(sympy.pi * x) * sympy.sin(sympy.pi * y))],
                        domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="bench_rhs_walls")
    print("| n | walled kernel ms | region kernel ms | ratio |")
    print("|---|---|---|---|")
    for n in sizes:
        prob = discretize(heat, {x: n, y: n}, order=4, backend="numba")
        st = prob.stencil
        codes = _programs(st, _region_outputs(st, "rhs"), True)
        regions = make_stencil_kernel(codes, *_kernel_args(st), "numba", _name(st, "rhs", "regions", 4))
        y0 = np.random.default_rng(0).uniform(0, 1, prob.shape)
        out_a, out_b = np.empty_like(y0), np.empty_like(y0)
        scal = prob._scalars()
        prob.kernel(y0, out_a, 0.0, *scal)
        regions(y0, out_b, 0.0, *scal)
        assert np.allclose(out_a, out_b, rtol=1e-10, atol=1e-10 * np.abs(out_b).max())
        reps = max(3, int(2e7 / n**2))
        times = {}
        for label, fn, out in (("walled", prob.kernel, out_a), ("regions", regions, out_b)):
            best = float("inf")
            for _ in range(5):
                t0 = time.perf_counter()
                for _ in range(reps):
                    fn(y0, out, 0.0, *scal)
                best = min(best, (time.perf_counter() - t0) / reps)
            times[label] = best
        print(f"| {n}^2 | {1e3 * times['walled']:.3f} | {1e3 * times['regions']:.3f} | "
              f"{times['walled'] / times['regions']:.2f} |", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dims", type=int, nargs="*", default=[1, 2, 3])
    ap.add_argument("--orders", type=int, nargs="*", default=[2, 4])
    ap.add_argument("--sizes", type=int, nargs="*", default=[512, 2048])
    ap.add_argument("--skip-discretize", action="store_true")
    args = ap.parse_args()
    if not args.skip_discretize:
        discretize_table(args.dims, args.orders)
    rhs_table(args.sizes)


if __name__ == "__main__":
    main()
