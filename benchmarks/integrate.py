"""Benchmark: compiled time integration, end to end, against what a user would
otherwise use, in one run (ratios; these machines are noisy).

1. Lorenz, t = 0..100, rtol 1e-8, atol 1e-10: symnum's compiled Tsit5 (and
   DOPRI5, DOP853) per accepted step, against diffrax's jitted Tsit5 (if
   installed: the benchmark venv), a hand-written Numba Dormand-Prince loop,
   scipy's DOP853 and symnum's own array loop (compiled=False). First solve in
   a fresh process with an empty cache (cold compile) and with a warm cache.
2. Gray-Scott, periodic 2D, order 2: the time of one RK4 / Tsit5 step over the
   time of one RHS evaluation (the ideal is about the number of stages; steps on
   large periodic grids chain their stages row by row, `codegen/_row_stages.py`),
   a step timed as the slope between solve calls of 1 and --steps steps, beside
   hand-written Numba RK4 loops for the same PDE.
3. An ensemble of 10 000 Lorenz members (rho from 20 to 40) to t = 10, Tsit5:
   `solve_ensemble` on one thread against the compiled loop called once per
   member (its start and step functions, buffers allocated once: no `solve`
   overhead), a Python loop of `solve(prob.remake(...))` (what a user writes
   without ensembles) and diffrax's Tsit5 under jax.vmap; then on two threads.

Run:  python benchmarks/integrate.py [--sizes 512 2048] [--quick]
      (.venv-bench/bin/python for diffrax)
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
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import numba  # noqa: E402
import numpy as np  # noqa: E402
import scipy.integrate  # noqa: E402
import sympy  # noqa: E402

import symnum as sn  # noqa: E402
from symnum.solvers import discretize, solve, solve_ensemble  # noqa: E402

RTOL, ATOL, T1 = 1e-8, 1e-10, 100.0
ENSEMBLE_T1, ENSEMBLE_SAVES = 10.0, 11


def lorenz_problem():
    t = sn.variables("t")
    X, Y, Z = sn.fields("x y z", t)
    rho = sn.parameter("rho", 28.0)
    ode = sn.ODESystem([sn.Eq(sn.D(t)(X), 10 * (Y - X)), sn.Eq(sn.D(t)(Y), X * (rho - Z) - Y),
                        sn.Eq(sn.D(t)(Z), X * Y - sympy.Rational(8, 3) * Z)],
                       [sn.Initial(X, 1.0), sn.Initial(Y, 0.0), sn.Initial(Z, 0.0)],
                       domain={t: (0, T1)}, name="lorenz_bench")
    return discretize(ode)


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


# -- a hand-written Numba Dormand-Prince 5(4) loop: what an expert writes for one ODE ---------

@numba.njit(cache=True)
def _lorenz(y, out):
    out[0] = 10.0 * (y[1] - y[0])
    out[1] = y[0] * (28.0 - y[2]) - y[1]
    out[2] = y[0] * y[1] - 8.0 / 3.0 * y[2]


@numba.njit(cache=True)
def hand_dopri5(y0, t1, rtol, atol):
    a21 = 1 / 5
    a31, a32 = 3 / 40, 9 / 40
    a41, a42, a43 = 44 / 45, -56 / 15, 32 / 9
    a51, a52, a53, a54 = 19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729
    a61, a62, a63, a64, a65 = 9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656
    b1, b3, b4, b5, b6 = 35 / 384, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84
    e1, e3, e4, e5, e6, e7 = 71 / 57600, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40
    n = y0.size
    y = y0.copy()
    k1, k2, k3, k4, k5, k6, k7, yt = (np.empty(n), np.empty(n), np.empty(n), np.empty(n),
                                      np.empty(n), np.empty(n), np.empty(n), np.empty(n))
    _lorenz(y, k1)
    t, h, steps, errold = 0.0, 1e-3, 0, 1e-4
    while t < t1:
        if t + h > t1:
            h = t1 - t
        for i in range(n):
            yt[i] = y[i] + h * a21 * k1[i]
        _lorenz(yt, k2)
        for i in range(n):
            yt[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i])
        _lorenz(yt, k3)
        for i in range(n):
            yt[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i])
        _lorenz(yt, k4)
        for i in range(n):
            yt[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i])
        _lorenz(yt, k5)
        for i in range(n):
            yt[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i])
        _lorenz(yt, k6)
        for i in range(n):
            yt[i] = y[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i])
        _lorenz(yt, k7)
        err = 0.0
        for i in range(n):
            e = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i])
            sc = atol + rtol * max(abs(y[i]), abs(yt[i]))
            err += (e / sc) ** 2
        err = np.sqrt(err / n)
        if err <= 1.0:
            t += h
            y[:] = yt
            k1[:] = k7
            steps += 1
            fac = 0.9 * max(err, 1e-10) ** -0.17 * errold ** 0.04
            errold = max(err, 1e-4)
        else:
            fac = max(0.2, 0.9 * err ** -0.2)
        h *= min(10.0, max(0.2, fac))
    return y, steps


def lorenz_rows():
    prob = lorenz_problem()
    rows = []
    for method in ("tsit5", "dopri5", "dop853"):
        solve(prob, method=method, rtol=RTOL, atol=ATOL, progress=False)  # compile (or load the cache)
        sec, sol = best(lambda m=method: solve(prob, method=m, rtol=RTOL, atol=ATOL, progress=False))
        rows.append((f"symnum {method} (compiled)", sec, sol.stats["steps"]))
    sec, sol = best(lambda: solve(prob, method="tsit5", rtol=RTOL, atol=ATOL, progress=False, compiled=False,
                                  tspan=(0, 10)), repeat=1)
    rows.append(("symnum tsit5 array loop (t <= 10)", sec, sol.stats["steps"]))
    y0 = np.array([1.0, 0.0, 0.0])
    hand_dopri5(y0, 1.0, RTOL, ATOL)
    sec, (_, steps) = best(lambda: hand_dopri5(y0, T1, RTOL, ATOL))
    rows.append(("hand-written Numba DOPRI5", sec, steps))
    f = lambda _, v: [10 * (v[1] - v[0]), v[0] * (28 - v[2]) - v[1], v[0] * v[1] - 8 / 3 * v[2]]  # noqa: E731
    sec, res = best(lambda: scipy.integrate.solve_ivp(f, (0, T1), y0, method="DOP853", rtol=RTOL, atol=ATOL), 1)
    rows.append(("scipy DOP853", sec, res.t.size - 1))
    try:
        import diffrax
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        term = diffrax.ODETerm(lambda t, v, a: jnp.stack([10 * (v[1] - v[0]), v[0] * (28 - v[2]) - v[1],
                                                            v[0] * v[1] - 8 / 3 * v[2]]))

        @jax.jit
        def run(v0):
            return diffrax.diffeqsolve(term, diffrax.Tsit5(), 0.0, T1, 1e-3, v0, max_steps=1_000_000,
                                       stepsize_controller=diffrax.PIDController(rtol=RTOL, atol=ATOL))

        v0 = jnp.asarray(y0)
        run(v0).ys.block_until_ready()
        sec, out = best(lambda: jax.block_until_ready(run(v0)))
        rows.append(("diffrax Tsit5 (jitted)", sec, int(out.stats["num_accepted_steps"])))
    except ImportError:
        rows.append(("diffrax: not installed (use .venv-bench/bin/python)", float("nan"), 1))
    return rows


COLD = r"""
import os, time
t0 = time.perf_counter()
import sys; sys.path.insert(0, {here!r})
from integrate import lorenz_problem, RTOL, ATOL
from symnum.solvers import solve
prob = lorenz_problem()
t1 = time.perf_counter()
solve(prob, method="tsit5", rtol=RTOL, atol=ATOL, progress=False)
t2 = time.perf_counter()
print(f"{{t1 - t0:.3f}} {{t2 - t1:.3f}}")
"""


def cold_and_warm():
    """First solve in a fresh process: empty cache (compile), then the same cache (load)."""
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "SYMNUM_CACHE_DIR": cache}
        out = []
        for _ in range(2):
            res = subprocess.run([sys.executable, "-c", COLD.format(here=here)], env=env, capture_output=True,
                                 text=True, check=True)
            out.append([float(v) for v in res.stdout.split()[-2:]])
    return out


def gray_scott(n):
    t, x, y = sn.variables("t x y")
    U, V = sn.fields("U V", t, x, y)
    F, k = sn.parameter("F", 0.04), sn.parameter("k", 0.06)
    bump = sympy.exp(-200 * ((x - 0.5) ** 2 + (y - 0.5) ** 2))
    sys_ = sn.PDESystem(
        [sn.Eq(sn.D(t)(U), 2e-5 * sn.laplacian(U, x, y) - U * V**2 + F * (1 - U)),
         sn.Eq(sn.D(t)(V), 1e-5 * sn.laplacian(V, x, y) + U * V**2 - (F + k) * V)],
        [sn.Periodic(x), sn.Periodic(y), sn.Initial(U, 1 - 0.5 * bump), sn.Initial(V, 0.25 * bump)],
        domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="gs_bench")
    return discretize(sys_, {x: n, y: n})


# -- hand-written Numba RK4 for the same Gray-Scott: what an expert writes for one PDE --------
# (periodic by compare-and-wrap, as symnum's kernel, 5-point Laplacian, h = 1/n), so
# its RHS is about as fast as symnum's. Two variants: stage states formed in
# their own pass (as symnum's loop does), and formed inside the stencil (each
# neighbour read as y + a k: fewer passes over memory, more arithmetic).

GS = (2e-5, 1e-5, 0.04, 0.06)


@numba.njit(cache=True)
def _gs_rhs(Y, P, a, K):
    Du, Dv, F, k = GS
    n = Y.shape[1]
    c = float(n * n)
    for i in range(n):
        im, ip = i - 1 if i > 0 else n - 1, i + 1 if i < n - 1 else 0
        for j in range(n):
            jm, jp = j - 1 if j > 0 else n - 1, j + 1 if j < n - 1 else 0
            u = Y[0, i, j] + a * P[0, i, j]
            v = Y[1, i, j] + a * P[1, i, j]
            su = (Y[0, ip, j] + a * P[0, ip, j]) + (Y[0, im, j] + a * P[0, im, j]) \
                + (Y[0, i, jp] + a * P[0, i, jp]) + (Y[0, i, jm] + a * P[0, i, jm])
            sv = (Y[1, ip, j] + a * P[1, ip, j]) + (Y[1, im, j] + a * P[1, im, j]) \
                + (Y[1, i, jp] + a * P[1, i, jp]) + (Y[1, i, jm] + a * P[1, i, jm])
            K[0, i, j] = Du * (su - 4 * u) * c - u * v * v + F * (1 - u)
            K[1, i, j] = Dv * (sv - 4 * v) * c + u * v * v - (F + k) * v


@numba.njit(cache=True)
def _gs_rhs_plain(Y, K):
    Du, Dv, F, k = GS
    n = Y.shape[1]
    c = float(n * n)
    for i in range(n):
        im, ip = i - 1 if i > 0 else n - 1, i + 1 if i < n - 1 else 0
        for j in range(n):
            jm, jp = j - 1 if j > 0 else n - 1, j + 1 if j < n - 1 else 0
            u, v = Y[0, i, j], Y[1, i, j]
            K[0, i, j] = Du * (Y[0, ip, j] + Y[0, im, j] + Y[0, i, jp] + Y[0, i, jm] - 4 * u) * c \
                - u * v * v + F * (1 - u)
            K[1, i, j] = Dv * (Y[1, ip, j] + Y[1, im, j] + Y[1, i, jp] + Y[1, i, jm] - 4 * v) * c \
                + u * v * v - (F + k) * v


@numba.njit(cache=True)
def _gs_rk4(Y, k0, k1, k2, k3, tmp, out, h, steps, fused):
    y_, t_, o_ = Y.reshape(-1), tmp.reshape(-1), out.reshape(-1)
    for _ in range(steps):
        _gs_rhs_plain(Y, k0)
        for P, a, K in ((k0, h / 2, k1), (k1, h / 2, k2), (k2, h, k3)):
            if fused:
                _gs_rhs(Y, P, a, K)
            else:
                p_ = P.reshape(-1)
                for j in range(y_.size):
                    t_[j] = y_[j] + a * p_[j]
                _gs_rhs_plain(tmp, K)
        a0, a1, a2, a3 = k0.reshape(-1), k1.reshape(-1), k2.reshape(-1), k3.reshape(-1)
        for j in range(y_.size):
            o_[j] = (((y_[j] + h / 6 * a0[j]) + h / 3 * a1[j]) + h / 3 * a2[j]) + h / 6 * a3[j]
        Y, out = out, Y
        y_, o_ = o_, y_


def hand_rk4_rows(n, steps):
    Y = np.random.default_rng(0).uniform(0, 1, (2, n, n))
    bufs = [np.empty_like(Y) for _ in range(6)]
    _gs_rhs_plain(Y, bufs[0])
    rhs_s, _ = best(lambda: _gs_rhs_plain(Y, bufs[0]), 7)
    rows = []
    for fused in (False, True):
        _gs_rk4(Y.copy(), *bufs, 1e-3, 1, fused)
        sec, _ = best(lambda f=fused: _gs_rk4(Y.copy(), *bufs, 1e-3, steps, f), 3)
        rows.append((f"hand-written Numba RK4, stages {'inside the stencil' if fused else 'in own passes'}",
                     sec / steps, rhs_s))
    return rows


def gray_scott_rows(sizes, steps):
    """Per size and method: (n, method, step / RHS, step s, RHS s, solve-call overhead s).
    A step's time is the slope between whole solve calls of 1 and `steps` fixed steps;
    the overhead (buffers allocated and first touched, y0 copied) is T(1 step) - step."""
    rows = []
    for n in sizes:
        prob = gray_scott(n)
        y0, out = prob.u0.copy(), np.empty_like(prob.u0)
        prob.rhs(y0, 0.0, out=out)
        rhs_s, _ = best(lambda: prob.rhs(y0, 0.0, out=out), 7)
        for method in ("rk4", "tsit5"):
            dt = 1e-3  # stable at 2048^2 (diffusion limit about 4e-3)
            kw = dict(method=method, dt=dt, adaptive=False, progress=False)
            solve(prob, **kw, tspan=(0, dt))  # compile or load
            one, _ = best(lambda: solve(prob, **kw, tspan=(0, dt)), 3)
            many, sol = best(lambda: solve(prob, **kw, tspan=(0, dt * steps)), 3)
            assert sol.stats["steps"] == steps
            per_step = (many - one) / (steps - 1)
            rows.append((n, method, per_step / rhs_s, per_step, rhs_s, one - per_step))
    return rows


def ensemble_members(prob, rhos):
    """The compiled loop once per member, called directly (the floor for N single solves)."""
    from symnum.codegen._stepper import CNT, initial_state, n_stage_buffers
    from symnum.solvers import METHODS
    from symnum.solvers.integrate._explicit import CONTROL, _stepper

    tab = METHODS["tsit5"]
    gen = _stepper(prob.kernel.fn, tab, CONTROL, len(prob._scalars()), False)
    save_t = np.linspace(0.0, ENSEMBLE_T1, ENSEMBLE_SAVES)[1:]
    y = np.empty(prob.shape)
    ynew, ytmp, dprev = (np.empty_like(y) for _ in range(3))
    ks = [np.empty_like(y) for _ in range(n_stage_buffers(tab))]
    out = np.empty((len(rhos), len(save_t), *prob.shape))
    steps = 0
    for m, r in enumerate(rhos):
        y[:] = prob.u0
        ctl, cnt = initial_state(0.0, ENSEMBLE_T1, np.nan)
        gen.step(y, ynew, ytmp, *ks, dprev, out[m], save_t, ctl, cnt, RTOL, ATOL, 1 << 40, 10**9, 1e-13, r)
        steps += int(cnt[CNT["steps"]])
    return out, steps


def ensemble_rows(n):
    prob = lorenz_problem()
    rho = next(p for p in prob.params if str(p) == "rho")
    rhos = np.linspace(20.0, 40.0, n)
    kw = dict(tspan=(0, ENSEMBLE_T1), saveat=ENSEMBLE_SAVES, rtol=RTOL, atol=ATOL, progress=False)
    solve_ensemble(prob, params={rho: rhos[:4]}, **kw)  # compile (or load the cache)
    ensemble_members(prob, rhos[:4])
    rows = []
    sec, sol = best(lambda: solve_ensemble(prob, params={rho: rhos}, **kw), 3)
    rows.append((f"solve_ensemble ({numba.get_num_threads()} thread)", sec, int(sol.stats["steps"].sum())))
    sec, (out, steps) = best(lambda: ensemble_members(prob, rhos), 3)
    rows.append(("compiled loop, once per member", sec, steps))
    assert np.array_equal(out, sol.states[:, 1:]), "ensemble members differ from single solves"
    every = 20  # a spread subset of the members, scaled up
    sec, sols = best(lambda: [solve(prob.remake({rho: r}), **kw) for r in rhos[::every]], 1)
    rows.append((f"loop of solve(prob.remake(...)) (1 in {every}, x {every})", sec * every,
                 sum(s.stats["steps"] for s in sols) * every))
    try:
        import diffrax
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        term = diffrax.ODETerm(lambda t, v, r: jnp.stack([10 * (v[1] - v[0]), v[0] * (r - v[2]) - v[1],
                                                            v[0] * v[1] - 8 / 3 * v[2]]))
        ts = jnp.linspace(0.0, ENSEMBLE_T1, ENSEMBLE_SAVES)

        @jax.jit
        @jax.vmap
        def run(r):
            return diffrax.diffeqsolve(term, diffrax.Tsit5(), 0.0, ENSEMBLE_T1, 1e-3, jnp.array([1.0, 0.0, 0.0]),
                                       args=r, max_steps=100_000, saveat=diffrax.SaveAt(ts=ts),
                                       stepsize_controller=diffrax.PIDController(rtol=RTOL, atol=ATOL))

        r = jnp.asarray(rhos)
        jax.block_until_ready(run(r))
        sec, res = best(lambda: jax.block_until_ready(run(r)), 1)
        rows.append(("diffrax Tsit5, jax.vmap over members", sec, int(res.stats["num_accepted_steps"].sum())))
    except ImportError:
        rows.append(("diffrax: not installed (use .venv-bench/bin/python)", float("nan"), 1))
    return rows


THREADS = r"""
import sys; sys.path.insert(0, {here!r})
import numpy as np
from integrate import ensemble_rows
name, sec, steps = ensemble_rows({n})[0]
print(sec)
"""


def ensemble_two_threads(n):
    here = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "NUMBA_NUM_THREADS": "2"}
    res = subprocess.run([sys.executable, "-c", THREADS.format(here=here, n=n)], env=env, capture_output=True,
                         text=True, check=True)
    return float(res.stdout.split()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[512, 2048])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--members", type=int, default=10_000)
    ap.add_argument("--only", choices=["lorenz", "gray-scott", "ensemble"], nargs="+",
                    default=["lorenz", "gray-scott", "ensemble"])
    args = ap.parse_args()
    print(f"threads: numba {numba.get_num_threads()}")
    if "lorenz" in args.only:
        rows = lorenz_rows()
        ours = rows[0][1] / rows[0][2]
        print(f"\nLorenz t = 0..{T1:g}, rtol {RTOL:g}, atol {ATOL:g}")
        print(f"{'':44s} {'total s':>10s} {'steps':>8s} {'us/step':>9s} {'/ symnum tsit5':>15s}")
        for name, sec, steps in rows:
            per = sec / steps * 1e6
            print(f"{name:44s} {sec:10.4f} {steps:8d} {per:9.3f} {per / (ours * 1e6):15.2f}")
        if not args.quick:
            (imp0, cold), (imp1, warm) = cold_and_warm()
            print(f"first solve in a fresh process: cold cache {cold:.2f} s, warm cache {warm:.3f} s "
                  f"(import + discretize {imp0:.2f} / {imp1:.2f} s)")
    if "gray-scott" in args.only:
        print("\nGray-Scott 2D periodic, order 2: one step / one RHS evaluation")
        for n, method, ratio, per_step, rhs_s, setup in gray_scott_rows(args.sizes, args.steps):
            print(f"  {n}^2 {method:6s} step {per_step * 1e3:8.2f} ms  rhs {rhs_s * 1e3:7.2f} ms  ratio {ratio:5.2f}"
                  f"  (solve-call overhead {setup * 1e3:.1f} ms)")
            if method == "tsit5":
                for name, per_step, rhs_s in hand_rk4_rows(n, args.steps):
                    print(f"  {n}^2 {name}: step {per_step * 1e3:8.2f} ms  its rhs {rhs_s * 1e3:7.2f} ms  "
                          f"ratio {per_step / rhs_s:5.2f}")
    if "ensemble" in args.only:
        n = args.members
        rows = ensemble_rows(n)
        ours = rows[0][1]
        print(f"\nEnsemble: {n} Lorenz members, rho 20..40, t = 0..{ENSEMBLE_T1:g}, Tsit5, rtol {RTOL:g}, "
              f"{ENSEMBLE_SAVES} saves (members bit-equal to the single loop: checked)")
        print(f"{'':44s} {'total s':>10s} {'steps':>9s} {'us/step':>9s} {'/ ensemble':>11s}")
        for name, sec, steps in rows:
            print(f"{name:44s} {sec:10.4f} {steps:9d} {sec / steps * 1e6:9.3f} {sec / ours:11.2f}")
        two = ensemble_two_threads(n)
        print(f"solve_ensemble on 2 threads: {two:.4f} s, speedup {ours / two:.2f}x over 1 thread")


if __name__ == "__main__":
    main()
