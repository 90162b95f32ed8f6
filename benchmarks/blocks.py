"""Blocks with different nodes (solvers/_composite.py) against the shared axis.

On equal nodes both discretizations apply: the composite (each block its own problem,
interface values solved first) must give the shared axis's numbers and should cost
about what it costs. Measured, one process, warm kernel cache after a first run:
- the RHS call from Python and the whole compiled solve (Tsit5, two-layer diffusion
  with a flux interface; SSPRK3, upwind advection across the interface), both ways;
- the first solve of a new grid (no new compile: one compiled loop per system);
- the error at t = 1 on unequal counts (61 + 41 ... ) against the exact solution.

    python benchmarks/blocks.py
"""

from __future__ import annotations

import os
import sys
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np
import sympy

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

import symnum as sn  # noqa: E402
from symnum import solvers  # noqa: E402
from symnum.solvers._composite import discretize_blocks  # noqa: E402
from test_blocks import X, _two_blocks, t, x1, x2  # noqa: E402


def _best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _advection(v=1.0):
    u1, u2 = sn.fields("u1", t, x1), sn.fields("u2", t, x2)
    wave = sympy.sin(2 * sympy.pi * (X - v * t))
    bcs = [sn.Initial(u1, wave.subs({X: x1, t: 0})), sn.Initial(u2, wave.subs({X: x2, t: 0})),
           sn.Eq(u1.subs(x1, 0.5), u2.subs(x2, 0.5)), sn.Eq(u1.subs(x1, 0), wave.subs(X, 0)),
           sn.Eq(u2.diff(x2).subs(x2, 1), 0)]
    system = sn.PDESystem([sn.Eq(sn.D(t)(u1), -v * sn.D(x1)(u1)), sn.Eq(sn.D(t)(u2), -v * sn.D(x2)(u2))], bcs,
                          domain={t: (0, 1), x1: (0, 0.5), x2: (0.5, 1)}, name="advection_blocks")
    exact = {u1: (x1, wave.subs(X, X)), u2: (x2, wave)}
    return system, exact


def _err(sol, exact, t_end):
    return max(np.abs(sol[f][-1] - sympy.lambdify(X, e.subs(t, t_end))(sol.grid[v]) * np.ones(len(sol.grid[v]))).max()
               for f, (v, e) in exact.items())


def main():
    diffusion, dexact = _two_blocks(lambda c: 1, lambda c: sympy.Rational(1, 4))
    advection, aexact = _advection()
    print("equal nodes, shared axis vs composite (warm; best of 5)")
    print(f"{'case':34s} {'n':>5s} {'rhs us shared':>14s} {'composite':>10s} {'solve ms shared':>16s} "
          f"{'composite':>10s} {'ratio':>6s} {'max diff':>9s}")
    for name, system, n, opts, run in (
        ("diffusion, flux interface, tsit5", diffusion, 101, dict(order=2),
         dict(method="tsit5", rtol=1e-8, atol=1e-10)),
        ("advection, upwind 1, ssprk3", advection, 401, dict(order=1, advection="upwind"),
         dict(method="ssprk3", dt=0.4 * 0.5 / 400)),
    ):
        shared = solvers.discretize(system, {x1: n, x2: n}, **opts)
        comp = discretize_blocks(system, {x1: n, x2: n}, opts["order"], "numba", opts.get("advection", "central"), True)
        y, yc = shared.u0.copy(), comp.u0.copy()
        for p in (shared, comp):  # compile and warm
            solvers.solve(p, saveat=[0, 1], progress=False, **run)
        rhs_s = _best(lambda: shared.rhs(y, 0.3)) * 1e6
        rhs_c = _best(lambda: comp.rhs(yc, 0.3)) * 1e6
        sols = {}
        ts = {}
        for key, p in (("shared", shared), ("composite", comp)):
            ts[key] = _best(lambda p=p: sols.__setitem__(key, solvers.solve(p, saveat=[0, 1], progress=False, **run)), 3)
        diff = max(np.abs(sols["shared"][f][-1] - sols["composite"][f][-1]).max() for f in system.fields)
        print(f"{name:34s} {n:5d} {rhs_s:14.1f} {rhs_c:10.1f} {ts['shared'] * 1e3:16.2f} "
              f"{ts['composite'] * 1e3:10.2f} {ts['composite'] / ts['shared']:6.2f} {diff:9.1e}")

    print("\nunequal counts (composite), warm; a new grid needs no new compile")
    print(f"{'case':34s} {'n1 + n2':>10s} {'discretize s':>13s} {'solve s':>8s} {'error at t=1':>13s} {'order':>6s}")
    for name, system, exact, ns, opts, run in (
        ("diffusion, flux interface, tsit5", diffusion, dexact, ((21, 31), (41, 61), (81, 121)),
         dict(order=2), lambda n: dict(method="tsit5", rtol=1e-11, atol=1e-13)),
        ("  the same at order 4", diffusion, dexact, ((21, 31), (41, 61), (81, 121)),
         dict(order=4), lambda n: dict(method="tsit5", rtol=1e-12, atol=1e-14)),
        ("advection, upwind 1, ssprk3", advection, aexact, ((121, 81), (241, 161), (481, 321)),
         dict(order=1, advection="upwind"), lambda n: dict(method="ssprk3", dt=0.4 * 0.5 / (max(n) - 1))),
    ):
        prev = None
        for n in ns:
            t0 = time.perf_counter()
            prob = solvers.discretize(system, {x1: n[0], x2: n[1]}, **opts)
            t1 = time.perf_counter()
            sol = solvers.solve(prob, saveat=[0, 1], progress=False, **run(n))
            t2 = time.perf_counter()
            err = _err(sol, exact, 1.0)
            rate = "" if prev is None else f"{np.log2(prev / err):6.2f}"
            prev = err
            print(f"{name:34s} {f'{n[0]} + {n[1]}':>10s} {t1 - t0:13.3f} {t2 - t1:8.3f} {err:13.3e} {rate:>6s}")


if __name__ == "__main__":
    main()
