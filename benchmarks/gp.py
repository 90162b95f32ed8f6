"""GP-HM problems (Fang et al., ICLR 2024) with symnum's GP solver.

    python benchmarks/gp.py [problem ...] [--steps N]

Each problem is written as a PDESystem; the error is the relative L2 error of
the posterior mean on 300 (per axis) test points against the exact solution.
Published GP-HM errors are printed beside ours. Thread pools pinned to 1.
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import sympy  # noqa: E402

import symnum as sn  # noqa: E402
from symnum.solvers import GP  # noqa: E402

x = sn.variables("x")
u = sn.fields("u", x)
TWO_PI = 2 * sympy.pi


def poisson_1d(exact, name):
    f = sympy.diff(exact, x, 2)
    return sn.PDESystem([sn.Eq(sn.D(x, 2)(u), f)], domain={x: (0, TWO_PI)},
                        bcs=[sn.Dirichlet(u, x, "min", exact.subs(x, 0)), sn.Dirichlet(u, x, "max", exact.subs(x, TWO_PI))], name=name)


def allen_cahn_1d(exact, name):
    f = sympy.diff(exact, x, 2) + exact * (exact**2 - 1)
    return sn.PDESystem([sn.Eq(sn.D(x, 2)(u) + u * (u**2 - 1), f)], domain={x: (0, TWO_PI)},
                        bcs=[sn.Dirichlet(u, x, "min", exact.subs(x, 0)), sn.Dirichlet(u, x, "max", exact.subs(x, TWO_PI))], name=name)


PROBLEMS = {  # name: (system builder, exact, grid nodes, published GP-HM error)
    "poisson_sin100": (poisson_1d, sympy.sin(100 * x), 400, 4.0e-7),
    "poisson_xsin200": (poisson_1d, x * sympy.sin(200 * x), 900, 2.5e-6),
    "poisson_sin6cos100": (poisson_1d, sympy.sin(6 * x) * sympy.cos(100 * x), 400, 1.5e-6),
    "poisson_mix": (poisson_1d, sympy.sin(x) + sympy.sin(20 * x) / 10 + sympy.sin(100 * x) / 20, 400, 1e-2),
    "allen_cahn_sin100": (allen_cahn_1d, sympy.sin(100 * x), 400, 7.7e-7),
}


def run(name, steps, **options):
    build, exact, n, published = PROBLEMS[name]
    system = build(exact, name)
    t0 = time.perf_counter()
    gp = GP(system, grid={x: n}, **options)
    setup = time.perf_counter() - t0
    X = np.linspace(0, 2 * np.pi, 300)
    ref = sympy.lambdify(x, exact, "numpy")(X)
    res, done, t0 = None, 0, time.perf_counter()
    while done < steps:
        res = gp.fit(steps=250, params=None if res is None else res.params)
        done += 250
        err = np.linalg.norm(res.predict(u, {x: X}) - ref) / np.linalg.norm(ref)
        print(f"  {name}: {done} steps, {time.perf_counter() - t0:.1f} s, error {err:.2e}, "
              f"Adam step {res.timings['adam_step_ms']:.1f} ms", flush=True)
    top = res.spectrum[u][x][0]
    print(f"{name}: n={n}, setup {setup:.1f} s, fit {time.perf_counter() - t0:.1f} s, error {err:.2e} "
          f"(GP-HM published {published:.1e}, ratio {err / published:.1f}), top frequency {top[0]:.4f} weight {top[1]:.3g}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("problems", nargs="*", default=list(PROBLEMS))
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--longest-envelope", type=float, default=None, help="GP(longest_envelope=...)")
    ap.add_argument("--initial-envelope", type=float, default=None, help="GP(initial_envelope=...)")
    args = ap.parse_args()
    for name in args.problems:
        options = {k: v for k, v in (("longest_envelope", args.longest_envelope), ("initial_envelope", args.initial_envelope)) if v is not None}
        run(name, args.steps, **options)
