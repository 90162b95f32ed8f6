"""Benchmark: method of lines, symnum vs hand-written Numba, NumPy, py-pde and
Devito, measured in the same run.

1. One RHS evaluation of the 2D Brusselator (with its Piecewise forcing) and
   Gray-Scott, periodic, at 128^2, 512^2, 2048^2, as a fraction of the memory
   roofline measured here (STREAM triad; minimal traffic 32 bytes per point:
   two fields read, two written).
2. Discretize + optimize + compile time against grid size (cold cache and warm).
3. The full Brusselator solve (t = 0..11.5) with scipy's BDF: our symbolic
   sparse Jacobian vs a dense finite-difference Jacobian vs `jac_sparsity`.

Run:  python benchmarks/mol.py [--sizes 128 512 2048] [--skip-solve]
Peers (py-pde, devito) are optional; install them in a benchmark venv only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numba
import numpy as np
import scipy.integrate
import sympy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

import symnum as sn  # noqa: E402
from symnum.solvers import discretize, solve  # noqa: E402


def best(fn, repeat=7, number=1):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return min(times)


# -- systems ----------------------------------------------------------------------------


def brusselator():
    from brusselator import make_brusselator

    return make_brusselator()


def gray_scott():
    t, x, y = sn.variables("t x y")
    Du, Dv, F, k = sn.parameters("D_u D_v F k", [2e-5, 1e-5, 0.04, 0.06])
    u, v = sn.fields("u v", t, x, y)
    return sn.PDESystem(
        [sn.Eq(sn.D(t)(u), Du * sn.laplacian(u, x, y) - u * v**2 + F * (1 - u)),
         sn.Eq(sn.D(t)(v), Dv * sn.laplacian(v, x, y) + u * v**2 - (F + k) * v)],
        [sn.Periodic(x), sn.Periodic(y), sn.Initial(u, 1), sn.Initial(v, sympy.exp(-100 * ((x - 0.5) ** 2 + (y - 0.5) ** 2)))],
        domain={t: (0, 100), x: (0, 1), y: (0, 1)}, name="gray_scott",
    )


# -- hand-written peers ------------------------------------------------------------------


@numba.njit(fastmath=True, parallel=True, cache=True)
def hand_brusselator(U, out, t, alpha, hx, hy):
    """What a skilled user writes: prange rows, wrapped row neighbours, modulo
    only at the two edge columns."""
    n0, n1 = U.shape[1], U.shape[2]
    cx, cy = alpha / hx**2, alpha / hy**2
    on = t >= 1.1
    for i in numba.prange(n0):
        im = i - 1 if i > 0 else n0 - 1
        ip = i + 1 if i < n0 - 1 else 0
        for j in range(n1):
            jm = j - 1 if j > 0 else n1 - 1
            jp = j + 1 if j < n1 - 1 else 0
            u = U[0, i, j]
            v = U[1, i, j]
            x, y = i * hx, j * hy
            f = 5.0 if on and (x - 0.3) ** 2 + (y - 0.6) ** 2 <= 0.01 else 0.0
            uuv = u * u * v
            out[0, i, j] = 1 + uuv - 4.4 * u + f + cx * (U[0, im, j] + U[0, ip, j] - 2 * u) + cy * (U[0, i, jm] + U[0, i, jp] - 2 * u)
            out[1, i, j] = 3.4 * u - uuv + cx * (U[1, im, j] + U[1, ip, j] - 2 * v) + cy * (U[1, i, jm] + U[1, i, jp] - 2 * v)


@numba.njit(fastmath=True, parallel=True, cache=True)
def hand_gray_scott(U, out, t, Du, Dv, F, k, hx, hy):
    n0, n1 = U.shape[1], U.shape[2]
    for i in numba.prange(n0):
        im = i - 1 if i > 0 else n0 - 1
        ip = i + 1 if i < n0 - 1 else 0
        for j in range(n1):
            jm = j - 1 if j > 0 else n1 - 1
            jp = j + 1 if j < n1 - 1 else 0
            u = U[0, i, j]
            v = U[1, i, j]
            uvv = u * v * v
            lu = (U[0, im, j] + U[0, ip, j] - 2 * u) / hx**2 + (U[0, i, jm] + U[0, i, jp] - 2 * u) / hy**2
            lv = (U[1, im, j] + U[1, ip, j] - 2 * v) / hx**2 + (U[1, i, jm] + U[1, i, jp] - 2 * v) / hy**2
            out[0, i, j] = Du * lu - uvv + F * (1 - u)
            out[1, i, j] = Dv * lv + uvv - (F + k) * v


def numpy_brusselator(U, t, alpha, hx, hy, X, Y):
    u, v = U

    def lap(a):
        return (np.roll(a, 1, 0) + np.roll(a, -1, 0) - 2 * a) / hx**2 + (np.roll(a, 1, 1) + np.roll(a, -1, 1) - 2 * a) / hy**2

    f = np.where(((X - 0.3) ** 2 + (Y - 0.6) ** 2 <= 0.01) & (t >= 1.1), 5.0, 0.0)
    uuv = u * u * v
    return np.stack([1 + uuv - 4.4 * u + alpha * lap(u) + f, 3.4 * u - uuv + alpha * lap(v)])


def numpy_gray_scott(U, Du, Dv, F, k, hx, hy):
    u, v = U

    def lap(a):
        return (np.roll(a, 1, 0) + np.roll(a, -1, 0) - 2 * a) / hx**2 + (np.roll(a, 1, 1) + np.roll(a, -1, 1) - 2 * a) / hy**2

    uvv = u * v * v
    return np.stack([Du * lap(u) - uvv + F * (1 - u), Dv * lap(v) + uvv - (F + k) * v])


@numba.njit(parallel=True, fastmath=True, cache=True)
def _triad(a, b, c, s):
    for i in numba.prange(a.size):
        a[i] = b[i] + s * c[i]


def triad_bandwidth():
    n = 2 * 2048 * 2048
    a, b, c = np.zeros(n), np.ones(n), np.ones(n)
    secs = best(lambda: _triad(a, b, c, 3.0), repeat=10)
    return 24 * n / secs  # bytes/s: STREAM counts 3 x 8 bytes per element


# -- peers from other packages ---------------------------------------------------------------


def pypde_rhs(name, n):
    try:
        import pde
    except ImportError:
        return None
    grid = pde.CartesianGrid([[0, 1], [0, 1]], [n, n], periodic=True)
    if name == "brusselator":
        eq = pde.PDE({"u": "1 + u**2*v - 4.4*u + 10*laplace(u)", "v": "3.4*u - u**2*v + 10*laplace(v)"})
    else:
        eq = pde.PDE({"u": "2e-5*laplace(u) - u*v**2 + 0.04*(1 - u)", "v": "1e-5*laplace(v) + u*v**2 - 0.1*v"})
    state = pde.FieldCollection([pde.ScalarField.random_uniform(grid, 0.5, 1.5) for _ in range(2)])
    rhs = eq.make_pde_rhs(state, backend="numba")
    data = state.data
    return lambda: rhs(data, 0.0)


def devito_step(name, n):
    """Devito's one explicit Euler update (reads both fields, writes both): the
    same traffic as one RHS evaluation. Forcing omitted (it favours Devito)."""
    try:
        import devito
    except ImportError:
        return None
    devito.configuration["log-level"] = "ERROR"
    grid = devito.Grid(shape=(n, n), extent=(1.0, 1.0))
    u = devito.TimeFunction(name="u", grid=grid, space_order=2)
    v = devito.TimeFunction(name="v", grid=grid, space_order=2)
    u.data[:] = 1.0
    v.data[:] = 0.5
    dt = 1e-6
    if name == "brusselator":
        eu = u + dt * (1 + u**2 * v - 4.4 * u + 10 * u.laplace)
        ev = v + dt * (3.4 * u - u**2 * v + 10 * v.laplace)
    else:
        eu = u + dt * (2e-5 * u.laplace - u * v**2 + 0.04 * (1 - u))
        ev = v + dt * (1e-5 * v.laplace + u * v**2 - 0.1 * v)
    op = devito.Operator([devito.Eq(u.forward, eu), devito.Eq(v.forward, ev)])
    op.apply(time_M=0)
    return lambda: op.apply(time_M=0)


# -- the measurements ----------------------------------------------------------------------


def rhs_table(sizes, bandwidth):
    rows = []
    for name, make in (("brusselator", brusselator), ("gray_scott", gray_scott)):
        system = make()
        x, y = system.space
        for n in sizes:
            prob = discretize(system, {x: n, y: n})
            U = np.ascontiguousarray(np.random.default_rng(0).uniform(0.5, 1.5, prob.shape))
            out = np.empty_like(U)
            h = prob.stencil.axes[0].h
            t = 2.0
            timings = {"symnum": best(lambda: prob.rhs(U, t, out=out))}
            if name == "brusselator":
                X, Y = np.meshgrid(prob.grid[x], prob.grid[y], indexing="ij")
                hand = lambda: hand_brusselator(U, out, t, 10.0, h, h)  # noqa: E731
                nump = lambda: numpy_brusselator(U, t, 10.0, h, h, X, Y)  # noqa: E731
                ref = numpy_brusselator(U, t, 10.0, h, h, X, Y)
            else:
                p = [prob.params[q] for q in prob.stencil.params]  # D_u D_v F k (sorted by name)
                hand = lambda: hand_gray_scott(U, out, t, *p, h, h)  # noqa: E731
                nump = lambda: numpy_gray_scott(U, *p, h, h)  # noqa: E731
                ref = numpy_gray_scott(U, *p, h, h)
            np.testing.assert_allclose(prob.rhs(U, t), ref, rtol=1e-10, atol=1e-8 * np.abs(ref).max())
            timings["hand numba"] = best(hand)
            timings["numpy"] = best(nump, repeat=3)
            for peer, factory in (("py-pde", pypde_rhs), ("devito", devito_step)):
                fn = factory(name, n)
                if fn is not None:
                    timings[peer] = best(fn, repeat=5)
            for who, secs in timings.items():
                rows.append((name, n, who, secs, 32 * n * n / secs / bandwidth, timings["symnum"] / secs))
    return rows


_DISCRETIZE = """
import time, sys
sys.path.insert(0, {examples!r})
t0 = time.perf_counter()
import symnum
from symnum.solvers import discretize
from brusselator import make_brusselator
s = make_brusselator(); x, y = s.space
t1 = time.perf_counter()
p = discretize(s, {{x: {n}, y: {n}}})
print(time.perf_counter() - t1, *p.timings.values())
"""


def discretize_table(sizes):
    rows = []
    for n in sizes:
        for label, cache in (("cold", tempfile.mkdtemp()), ("warm", None)):
            env = dict(os.environ)
            if cache:
                env["SYMNUM_CACHE_DIR"] = cache
            code = _DISCRETIZE.format(examples=str(ROOT / "examples"), n=n)
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            total, *parts = map(float, out.stdout.split())
            rows.append((n, label, total, parts))
    return rows


def solve_table(sizes, dense_max=32):
    system = brusselator()
    x, y = system.space
    rows = []
    for n in sizes:
        prob = discretize(system, {x: n, y: n})
        t0 = time.perf_counter()
        sol = solve(prob, method="bdf", saveat=[11.5], progress=False)
        rows.append((n, "symbolic sparse Jacobian", time.perf_counter() - t0, sol.stats["nlu"]))
        shape = prob.shape
        fun = lambda t, s: prob.rhs(s.reshape(shape), t).ravel()  # noqa: E731
        sparsity = prob.jacobian(prob.u0) != 0
        t0 = time.perf_counter()
        res = scipy.integrate.solve_ivp(fun, (0, 11.5), prob.u0.ravel(), method="BDF", rtol=1e-6, atol=1e-8, jac_sparsity=sparsity)
        rows.append((n, "jac_sparsity (FD by colouring)", time.perf_counter() - t0, res.nlu))
        np.testing.assert_allclose(res.y[:, -1].reshape(shape), sol.states[-1], rtol=1e-3, atol=1e-3)
        if n <= dense_max:
            t0 = time.perf_counter()
            res = scipy.integrate.solve_ivp(fun, (0, 11.5), prob.u0.ravel(), method="BDF", rtol=1e-6, atol=1e-8)
            rows.append((n, "dense FD Jacobian", time.perf_counter() - t0, res.nlu))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[128, 512, 2048])
    ap.add_argument("--skip-solve", action="store_true")
    args = ap.parse_args()
    print(f"numba threads: {numba.get_num_threads()}")
    bw = triad_bandwidth()
    print(f"STREAM triad: {bw / 1e9:.1f} GB/s\n")
    print("| system | n | code | ms per RHS | fraction of triad roofline | symnum time / this |")
    print("|---|---|---|---|---|---|")
    for name, n, who, secs, roof, ratio in rhs_table(args.sizes, bw):
        print(f"| {name} | {n}^2 | {who} | {1e3 * secs:.3f} | {roof:.2f} | {ratio:.2f} |")
    print("\n| n | cache | discretize total s | lower | optimize | codegen | compile |")
    print("|---|---|---|---|---|---|---|")
    for n, label, total, parts in discretize_table([32, 128, 512, 2048]):
        print(f"| {n}^2 | {label} | {total:.2f} | " + " | ".join(f"{p:.2f}" for p in parts) + " |")
    if not args.skip_solve:
        print("\n| n | Brusselator t = 0..11.5, scipy BDF with | seconds | LU factorizations |")
        print("|---|---|---|---|")
        for n, how, secs, nlu in solve_table([32, 64]):
            print(f"| {n}^2 | {how} | {secs:.2f} | {nlu} |")


if __name__ == "__main__":
    main()
