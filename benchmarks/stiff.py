"""Benchmark: stiff problems, symnum's Rosenbrock (rodas5p, rodas4: one sparse LU
per step reused by the stages) and IMEX (kencarp4, kencarp47: diffusion implicit
through the symbolic split, its factorization reused across steps) against scipy's
BDF/Radau (with the same symbolic sparse Jacobian), in one run; errors against a
tight reference.

1. The 2D Brusselator of the README to t = 11.5 at rtol 1e-6 on n x n grids.
2. Work-precision on the Brusselator (32^2): error and seconds per tolerance.
3. Robertson's chemical kinetics to t = 1e5 against scipy's Radau at rtol 1e-12,
   as an ODE and as a DAE (y3 from the conservation law y1 + y2 + y3 = 1).
4. A walled 3-D reaction-diffusion system (Dirichlet walls, no FFT): the linear
   solvers, sparse LU against GMRES with algebraic multigrid (linear_solver="krylov").

Run:  python benchmarks/stiff.py [--sizes 32 64 128 256] [--tols 1e-3 ... 1e-8] [--n3d 24]
      (above 64^2 only the IMEX methods run, without a reference)
"""

from __future__ import annotations

import argparse
import os
import sys
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402
import scipy.integrate  # noqa: E402
import sympy  # noqa: E402

import symnum as sn  # noqa: E402
from symnum.solvers import discretize, solve  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from brusselator import make_brusselator  # noqa: E402

SAVE = [0.0, 1.1, 5.0, 11.5]


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def rel_err(states, ref):
    return float(np.abs(states - ref).max() / np.abs(ref).max())


def brusselator(n):
    system = make_brusselator()
    x, y = system.space
    return discretize(system, {x: n, y: n})


def brusselator_rows(sizes, rtol=1e-6, reference_up_to=64, slow_up_to=64):
    rows = []
    for n in sizes:
        prob = brusselator(n)
        ref = (solve(prob, method="rodas5p", saveat=SAVE, rtol=1e-10, atol=1e-10, progress=False)
               if n <= reference_up_to else None)
        for method in ("kencarp4", "kencarp47", "rodas5p", "bdf"):
            if not method.startswith("kencarp") and n > slow_up_to:
                continue
            sec, sol = timed(lambda m=method: solve(prob, method=m, saveat=SAVE, rtol=rtol, atol=rtol * 1e-2,
                                                    progress=False))
            err = rel_err(sol.states, ref.states) if ref is not None else float("nan")
            rows.append((n, method, sec, err, sol.stats.get("nlu", 0)))
    return rows


def work_precision(tols, n=32):
    prob = brusselator(n)
    ref = solve(prob, method="rodas5p", saveat=SAVE, rtol=1e-11, atol=1e-11, progress=False)
    rows = []
    for tol in tols:
        row = [tol]
        for method in WP_METHODS:
            sec, sol = timed(lambda m=method: solve(prob, method=m, saveat=SAVE, rtol=tol, atol=tol * 1e-2,
                                                    progress=False))
            row += [sec, rel_err(sol.states, ref.states)]
        rows.append(row)
    return rows


WP_METHODS = ("kencarp4", "kencarp47", "rodas5p", "rodas4", "bdf")


def robertson_rows(tols):
    t = sn.variables("t")
    y1, y2, y3 = sn.fields("y1 y2 y3", t)
    first = [sn.Eq(sn.D(t)(y1), -0.04 * y1 + 1e4 * y2 * y3),
             sn.Eq(sn.D(t)(y2), 0.04 * y1 - 1e4 * y2 * y3 - 3e7 * y2**2)]
    start = [sn.Initial(y1, 1.0), sn.Initial(y2, 0.0)]
    prob = discretize(sn.ODESystem(first + [sn.Eq(sn.D(t)(y3), 3e7 * y2**2)], start + [sn.Initial(y3, 0.0)],
                                   domain={t: (0, 1e5)}, name="robertson"))
    dae = discretize(sn.ODESystem(first + [sn.Eq(0, y1 + y2 + y3 - 1)], start, domain={t: (0, 1e5)},
                                  name="robertson_dae"))
    T = np.array([0, 1e-2, 1, 100, 1e4, 1e5])
    ref = scipy.integrate.solve_ivp(
        lambda _, v: [-0.04 * v[0] + 1e4 * v[1] * v[2], 0.04 * v[0] - 1e4 * v[1] * v[2] - 3e7 * v[1] ** 2,
                      3e7 * v[1] ** 2], (0, 1e5), [1, 0, 0], method="Radau", t_eval=T, rtol=1e-12, atol=1e-16).y.T
    scale = np.abs(ref).max(axis=0)  # y2 is ~1e-5 of the others: each component on its own scale
    rows = []
    for tol in tols:
        row = [tol]
        for p, method in ((prob, "rodas5p"), (dae, "rodas5p"), (prob, "rodas4"), (prob, "bdf"), (prob, "radau")):
            sec, sol = timed(lambda m=method, p=p: solve(p, method=m, saveat=T, rtol=tol, atol=tol * 1e-6,
                                                         progress=False))
            row += [sec, float((np.abs(sol.states - ref) / scale).max())]
        rows.append(row)
    return rows


def reaction_diffusion_3d(n):
    """Brusselator kinetics with diffusion 10 in the unit cube, Dirichlet walls."""
    t, x, y, z = sn.variables("t x y z")
    u, v = sn.fields("u v", t, x, y, z)
    lap = lambda w: sn.laplacian(w, x, y, z)  # noqa: E731
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), 1 + u**2 * v - 4.4 * u + 10 * lap(u)), sn.Eq(sn.D(t)(v), 3.4 * u - u**2 * v + 10 * lap(v))],
        [sn.Dirichlet(w, s, side, 1.0) for w in (u, v) for s in (x, y, z) for side in ("min", "max")]
        + [sn.Initial(u, 1 + sympy.sin(sympy.pi * x) * sympy.sin(sympy.pi * y) * sympy.sin(sympy.pi * z)),
           sn.Initial(v, 1.0)],
        domain={t: (0, 1), x: (0, 1), y: (0, 1), z: (0, 1)}, name="rd3d")
    return discretize(system, {x: n, y: n, z: n})


def walled_3d_rows(n, rtol=1e-6):
    prob = reaction_diffusion_3d(n)
    prob.split()  # assembled once per problem (symbolic), not part of a solve
    save = [0.0, 0.5, 1.0]
    ref = solve(prob, method="rodas5p", saveat=save, rtol=1e-9, atol=1e-11, linear_solver="krylov", progress=False)
    rows = []
    for method, how in (("kencarp4", "krylov"), ("kencarp4", "direct"), ("rodas5p", "krylov"),
                        ("rodas5p", "direct"), ("bdf", None)):
        sec, sol = timed(lambda m=method, h=how: solve(prob, method=m, saveat=save, rtol=rtol, atol=rtol * 1e-2,
                                                       linear_solver=h, progress=False))
        rows.append((method, how or "scipy", sec, rel_err(sol.states, ref.states), sol.stats))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128, 256])
    ap.add_argument("--tols", type=float, nargs="+", default=[1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8])
    ap.add_argument("--n3d", type=int, default=24)
    args = ap.parse_args()
    fmt = lambda vals: " ".join(f"{v:9.3f}" if k % 2 == 0 else f"{v:8.1e}" for k, v in enumerate(vals))  # noqa: E731
    print("Brusselator to t = 11.5, rtol 1e-6 (error: max over the saved states, relative, against rodas5p at 1e-10)",
          flush=True)
    for n, method, sec, err, nlu in brusselator_rows(args.sizes):
        print(f"  {n:4d}^2 {method:9s} {sec:8.2f} s  error {err:.1e}  LU factorizations {nlu}", flush=True)
    print("\nWork-precision, Brusselator 32^2 (atol = rtol / 100): seconds and error")
    print(f"  {'rtol':>8s} " + " ".join(f"{m + ' s':>9s} {'error':>8s}" for m in WP_METHODS))
    for tol, *vals in work_precision(args.tols):
        print(f"  {tol:8.0e} " + fmt(vals), flush=True)
    print("\nRobertson to t = 1e5 (atol = rtol * 1e-6), error per component scale vs Radau at 1e-12")
    print(f"  {'rtol':>8s} {'rodas5p s':>9s} {'error':>8s} {'DAE r5p s':>9s} {'error':>8s} {'rodas4 s':>9s} "
          f"{'error':>8s} {'bdf s':>9s} {'error':>8s} {'radau s':>9s} {'error':>8s}")
    for tol, *vals in robertson_rows([1e-4, 1e-6, 1e-8, 1e-10]):
        print(f"  {tol:8.0e} " + fmt(vals), flush=True)
    n = args.n3d
    print(f"\nWalled 3-D reaction-diffusion, {n}^3 x 2 fields, t = 0..1, rtol 1e-6 (error vs rodas5p at 1e-9)")
    for method, how, sec, err, st in walled_3d_rows(n):
        extra = (f"LU {st['nlu']}" if "linear_iterations" not in st else
                 f"AMG set-ups {st['preconditioners']}, GMRES iterations {st['linear_iterations']}")
        print(f"  {method:9s} {how:7s} {sec:8.2f} s  error {err:.1e}  steps {st['steps']}  {extra}", flush=True)


if __name__ == "__main__":
    main()
