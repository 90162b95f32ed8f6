"""Benchmark: symnum.rewriting.optimize against sympy.cse and sympy's own
simplify/horner, on a fixed suite of PDE right-hand sides.

Per case: evaluation cost (CPU cost model) of the naive expression, after
sympy.cse, after the best of sympy simplify/horner (+cse), and after our
optimize with both engines; optimize wall time; and the runtime of Numba
kernels on 10^6 points, naive vs optimized (same printer, same loop), in two
settings: streaming (10^6 distinct points: memory-bound when a case reads many
arrays, as the reaction network's 20 species do) and in cache (10^3 points
evaluated 10^3 times: the arithmetic alone). LLVM itself CSEs the naive
code's repeated subterms, so only what it cannot do shows up in the runtimes.

Run:  python benchmarks/rewriting.py [--points 1000000] [--repeat 7] [--calibrate]
"""

from __future__ import annotations

import argparse
import os
import random
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np
import sympy

from symnum.codegen import make_pointwise
from symnum.rewriting import CPU, calibrate, cost, cse, optimize

R = sympy.Rational


def _stencil_names():
    u = sympy.IndexedBase("u", real=True)
    v = sympy.IndexedBase("v", real=True)
    i, j = sympy.symbols("i j", integer=True)
    return u, v, i, j


def lap5(f, i, j, cx, cy):
    return cx * (f[i + 1, j] - 2 * f[i, j] + f[i - 1, j]) + cy * (f[i, j + 1] - 2 * f[i, j] + f[i, j - 1])


def case_brusselator():
    u, v, i, j = _stencil_names()
    alpha, dx, dy = sympy.symbols("alpha dx dy", positive=True)
    U, V = u[i, j], v[i, j]
    eqs = [
        1 + U**2 * V - R(22, 5) * U + lap5(u, i, j, alpha / dx**2, alpha / dy**2),
        R(17, 5) * U - U**2 * V + lap5(v, i, j, alpha / dx**2, alpha / dy**2),
    ]
    return [sympy.expand(e) for e in eqs], [alpha, dx, dy]


def case_gray_scott():
    u, v, i, j = _stencil_names()
    Du, Dv, F, k, dx = sympy.symbols("D_u D_v F k dx", positive=True)
    U, V = u[i, j], v[i, j]
    eqs = [
        lap5(u, i, j, Du / dx**2, Du / dx**2) - U * V**2 + F * (1 - U),
        lap5(v, i, j, Dv / dx**2, Dv / dx**2) + U * V**2 - (F + k) * V,
    ]
    return [sympy.expand(e) for e in eqs], [Du, Dv, F, k, dx]


def case_laplacian5():
    u, _, i, j = _stencil_names()
    kx, ky, dx, dy = sympy.symbols("k_x k_y dx dy", positive=True)
    return [sympy.expand(lap5(u, i, j, kx / dx**2, ky / dy**2))], [kx, ky, dx, dy]


def case_laplacian9():
    u, _, i, j = _stencil_names()
    kxx, kyy, kxy, dx, dy = sympy.symbols("k_xx k_yy k_xy dx dy", positive=True)
    cross = kxy / (4 * dx * dy) * (u[i + 1, j + 1] - u[i + 1, j - 1] - u[i - 1, j + 1] + u[i - 1, j - 1])
    e = lap5(u, i, j, kxx / dx**2, kyy / dy**2) + 2 * cross
    return [sympy.expand(e)], [kxx, kyy, kxy, dx, dy]


def case_polynomial():
    x = sympy.Symbol("x", real=True)
    roots = [R(k, 3) - 1 for k in range(8)]
    return [sympy.expand(sympy.prod(x - r for r in roots) * R(3, 7))], []


def case_gaussian():
    x, y = sympy.symbols("x y", real=True)
    A, x0, y0, s = sympy.symbols("A x0 y0 s", positive=True)
    g = A * sympy.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * s**2))
    outs = [g, g.diff(x), g.diff(y), g.diff(x, 2) + g.diff(y, 2)]
    return [sympy.expand(o) for o in outs], [A, x0, y0, s]


def case_mass_action(n_species=20, n_reactions=60, seed=0):
    rng = random.Random(seed)
    S = sympy.symbols(f"S0:{n_species}", real=True)
    ks = sympy.symbols(f"k0:{n_reactions}", positive=True)
    rhs = [sympy.Integer(0)] * n_species
    for r in range(n_reactions):
        reactants = rng.sample(range(n_species), rng.choice([1, 2, 2]))
        products = rng.sample(range(n_species), rng.choice([1, 2]))
        rate = ks[r] * sympy.prod(S[s] for s in reactants)
        for s in reactants:
            rhs[s] -= rate
        for s in products:
            rhs[s] += rate
    return rhs, list(ks)


def case_arrhenius(n_reactions=12, seed=1):
    rng = random.Random(seed)
    T = sympy.Symbol("T", positive=True)
    C = sympy.symbols("C0:6", real=True)
    A = sympy.symbols(f"A0:{n_reactions}", positive=True)
    Ea = sympy.symbols(f"E0:{n_reactions}", positive=True)
    Rgas = sympy.Float(8.314)
    rhs = [sympy.Integer(0)] * len(C)
    for r in range(n_reactions):
        b = rng.choice([0, R(1, 2), 1, 2, -1])
        k = A[r] * T**b * sympy.exp(-Ea[r] / (Rgas * T))
        a, p = rng.sample(range(len(C)), 2)
        rate = k * C[a] * C[rng.randrange(len(C))]
        rhs[a] -= rate
        rhs[p] += rate
    return rhs, list(A) + list(Ea)


def case_hodgkin_huxley():
    """The Hodgkin-Huxley right side (mV, ms): six gating rates, each an exp of (V + c)/d."""
    V, m, h, n = sympy.symbols("V m h n", real=True)
    gna, gk, gl, ena, ek, el, i_ext = sympy.symbols("g_Na g_K g_L E_Na E_K E_L I", positive=True)
    an = R(1, 100) * (V + 55) / (1 - sympy.exp(-(V + 55) / 10))
    bn = R(1, 8) * sympy.exp(-(V + 65) / 80)
    am = R(1, 10) * (V + 40) / (1 - sympy.exp(-(V + 40) / 10))
    bm = 4 * sympy.exp(-(V + 65) / 18)
    ah = R(7, 100) * sympy.exp(-(V + 65) / 20)
    bh = 1 / (1 + sympy.exp(-(V + 35) / 10))
    dV = i_ext - gna * m**3 * h * (V - ena) - gk * n**4 * (V - ek) - gl * (V - el)
    return [dV, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n], [gna, gk, gl, ena, ek, el, i_ext]


CASES = {
    "brusselator": case_brusselator,
    "gray_scott": case_gray_scott,
    "laplacian5_aniso": case_laplacian5,
    "laplacian9_aniso": case_laplacian9,
    "poly_deg8": case_polynomial,
    "gaussian": case_gaussian,
    "mass_action_60": case_mass_action,
    "arrhenius": case_arrhenius,
    "hodgkin_huxley": case_hodgkin_huxley,
}


def sympy_best(exprs, invariant, model=CPU):
    """The best per-output rewrite sympy offers (simplify, horner), then cse."""
    best = []
    for e in exprs:
        cands = [e]
        try:
            cands.append(sympy.simplify(e))
        except Exception:  # noqa: BLE001 - a failing sympy pass just offers nothing
            pass
        for x in sorted(e.free_symbols - set(invariant), key=str):
            try:
                cands.append(sympy.horner(e, wrt=x))
            except sympy.PolynomialError:
                pass
        best.append(min(cands, key=lambda c: cost(c, model, invariant=invariant)))
    return cse(best, invariant)


def best_time(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(name, points, repeat, model=CPU):
    exprs, invariant = CASES[name]()
    inv = frozenset(invariant)
    row = {"case": name, "outputs": len(exprs)}
    row["naive"] = sum(cost(e, model, invariant=inv) for e in exprs)
    row["cse"] = cse(exprs, inv).cost(model)
    t0 = time.perf_counter()
    row["sympy"] = sympy_best(exprs, inv, model).cost(model)
    row["t_sympy"] = time.perf_counter() - t0
    progs = {}
    for engine, extraction in (("egraph", "tree"), ("classical", "tree"), ("dag", "dag")):
        t0 = time.perf_counter()
        progs[engine] = optimize(exprs, invariant=inv, engine=engine.replace("dag", "egraph"),
                                  extraction=extraction, model=model)
        row[f"t_{engine}"] = time.perf_counter() - t0
        row[engine] = progs[engine].cost(model)
    best = min(progs.values(), key=lambda p: p.cost(model))
    # runtime: every per-point leaf is an input array of `points` values
    leaves = sorted(
        set().union(*(e.free_symbols | e.atoms(sympy.Indexed) for e in exprs)) - inv,
        key=str,
    )
    leaves = [s for s in leaves if not (s.is_Symbol and s.is_integer)]
    rng = np.random.default_rng(0)
    data = [rng.uniform(0.5, 1.5, points) for _ in leaves]
    params = [float(rng.uniform(0.5, 1.5)) for _ in invariant]
    naive = make_pointwise(exprs, leaves, invariant, name=f"naive_{name}")
    fast = make_pointwise(best, leaves, invariant, name=f"opt_{name}")
    ref, got = naive(data, params), fast(data, params)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
    row["ms_naive"] = 1e3 * best_time(lambda: naive(data, params), repeat)
    row["ms_opt"] = 1e3 * best_time(lambda: fast(data, params), repeat)
    small = [d[:1000].copy() for d in data]
    out = np.empty((len(exprs), 1000))
    reps = max(points // 1000, 1)

    def in_cache(kernel):
        def run():
            for _ in range(reps):
                kernel.fn(*small, *params, out)
        return run

    row["ms_naive_cache"] = 1e3 * best_time(in_cache(naive), repeat)
    row["ms_opt_cache"] = 1e3 * best_time(in_cache(fast), repeat)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cases", nargs="*", default=list(CASES))
    ap.add_argument("--calibrate", action="store_true", help="costs under calibrate()'s model, not the table")
    args = ap.parse_args()
    model = CPU
    if args.calibrate:
        model = calibrate()
        print(f"cost model measured on this machine (vectorized loop): {model}")
    rows = [measure(c, args.points, args.repeat, model) for c in args.cases]
    head = ("| case | naive | sympy.cse | sympy simplify/horner | egraph | classical | egraph dag | egraph/cse "
            "| classical/cse | dag/cse | t egraph s | t dag s | t classical s | t sympy s | stream naive ms | stream opt ms "
            "| stream opt/naive | in-cache naive ms | in-cache opt ms | in-cache opt/naive |")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        print(
            f"| {r['case']} | {r['naive']:.0f} | {r['cse']:.0f} | {r['sympy']:.0f} | {r['egraph']:.0f} "
            f"| {r['classical']:.0f} | {r['dag']:.0f} | {r['egraph'] / r['cse']:.2f} | {r['classical'] / r['cse']:.2f} "
            f"| {r['dag'] / r['cse']:.2f} | {r['t_egraph']:.2f} | {r['t_dag']:.2f} | {r['t_classical']:.2f} | {r['t_sympy']:.2f} "
            f"| {r['ms_naive']:.2f} | {r['ms_opt']:.2f} | {r['ms_opt'] / r['ms_naive']:.2f} "
            f"| {r['ms_naive_cache']:.2f} | {r['ms_opt_cache']:.2f} "
            f"| {r['ms_opt_cache'] / r['ms_naive_cache']:.2f} |"
        )
    tot = {k: sum(r[k] for r in rows) for k in ("cse", "sympy", "egraph", "classical", "dag")}
    print()
    print(f"aggregate cost vs sympy.cse: egraph {tot['egraph'] / tot['cse']:.3f}, dag {tot['dag'] / tot['cse']:.3f}, "
          f"classical {tot['classical'] / tot['cse']:.3f}, sympy best {tot['sympy'] / tot['cse']:.3f}")
    geo = {k: np.exp(np.mean([np.log(r[k] / r["cse"]) for r in rows])) for k in ("egraph", "classical", "sympy", "dag")}
    print(f"geometric mean of per-case cost / sympy.cse: egraph {geo['egraph']:.3f}, dag {geo['dag']:.3f}, "
          f"classical {geo['classical']:.3f}, sympy best {geo['sympy']:.3f}")
    print(f"max optimize time: egraph {max(r['t_egraph'] for r in rows):.2f} s, "
          f"classical {max(r['t_classical'] for r in rows):.2f} s")


if __name__ == "__main__":
    main()
