"""Benchmark: Raissi's 1D Burgers PINN, symnum vs DeepXDE (PyTorch backend),
same network ([2] + [20]*3 + [1], tanh), same point counts (2540 collocation,
80 boundary, 160 initial), one thread each, in the same run.

Reports ms per Adam step and the relative L2 error against the reference
solution (../shared/data/burgers) after equal Adam budgets, then after L-BFGS.
symnum also runs with causal weighting, hard initial/boundary constraints and
residual-based adaptive sampling (RAD). Training is bit-reproducible for a seed,
so the spread over seeds (--seeds 0 1 2) is the honest measure of accuracy.

Run:  python benchmarks/pinn.py [--adam 10000] [--lbfgs 15000] [--seeds 0] [--skip-deepxde]
      [--variants float32 float64 causal hard hard+causal rad+causal]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
os.environ.setdefault("DDE_BACKEND", "pytorch")

import numpy as np
import sympy

import symnum as sn
from symnum.solvers import PINN

REF = Path(__file__).resolve().parents[2] / "shared" / "data" / "burgers" / "raissi_burgers_reference.npz"


def reference():
    d = np.load(REF)
    T, X = np.meshgrid(d["t"].ravel(), d["x"].ravel(), indexing="ij")
    return T, X, d["usol"].T


def rel_l2(pred, exact):
    return float(np.linalg.norm(pred - exact) / np.linalg.norm(exact))


def burgers_system():
    t, x = sn.variables("t x")
    nu = sn.parameter("nu", 0.01 / np.pi)
    u = sn.fields("u", t, x)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), -u * sn.D(x)(u) + nu * sn.D(x, 2)(u))],
        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, -sympy.sin(sympy.pi * x))],
        domain={t: (0, 1), x: (-1, 1)}, name="burgers_pinn",
    )
    return system, t, x, u


def run_symnum(adam, lbfgs, dtype, seed=0, **options):
    system, t, x, u = burgers_system()
    T, X, U = reference()
    pinn = PINN(system, hidden=[20, 20, 20], n_collocation=2540, n_boundary=40, n_initial=160,
                dtype=dtype, seed=seed, **options)
    res_adam = pinn.train(steps=adam, lr=1e-3, progress=False)
    err_adam = rel_l2(res_adam.predict(u, {t: T, x: X}), U)
    res = pinn.train(steps=0, lbfgs=lbfgs, init=res_adam.params, progress=False) if lbfgs else res_adam
    total = res_adam.timings["total_s"] + (res.timings["total_s"] if lbfgs else 0.0)
    return {
        "ms/step": res_adam.timings["ms_per_adam_step"],
        "compile s": res_adam.timings["compile_s"],
        "err adam": err_adam,
        "err adam+lbfgs": rel_l2(res.predict(u, {t: T, x: X}), U),
        "seconds": total,
        "lbfgs its": res.timings.get("lbfgs_iterations", 0) if lbfgs else 0,
    }


def run_hand_jax(adam, dtype="float64"):
    """A hand-written JAX PINN (jvp of jvp over the batch) on the same network and
    points: the reference a generated residual must not be slower than."""
    import jax
    import jax.numpy as jnp
    import optax

    system, t, x, u = burgers_system()
    pinn = PINN(system, hidden=[20, 20, 20], n_collocation=2540, n_boundary=40, n_initial=160, dtype=dtype, seed=0)
    params = pinn.init_params()["net"]
    pts = pinn._points(np.random.default_rng(0))
    zr, zi = pts["residual"], pts["initial"]
    zb = jnp.concatenate(pts["boundary"])
    nu = 0.01 / np.pi

    def net(p, z):
        h = jnp.stack([2 * z[:, 0] - 1, z[:, 1]], axis=1)
        for W, b in p[:-1]:
            h = jnp.tanh(h @ W + b)
        W, b = p[-1]
        return (h @ W + b)[:, 0]

    et = jnp.zeros_like(zr).at[:, 0].set(1.0)
    ex = jnp.zeros_like(zr).at[:, 1].set(1.0)

    def loss(p):
        f = lambda z: net(p, z)  # noqa: E731
        u_, ut = jax.jvp(f, (zr,), (et,))
        _, ux = jax.jvp(f, (zr,), (ex,))
        uxx = jax.jvp(lambda z: jax.jvp(f, (z,), (ex,))[1], (zr,), (ex,))[1]
        res = ut + u_ * ux - nu * uxx
        ic = net(p, zi) + jnp.sin(np.pi * zi[:, 1])
        return jnp.mean(res**2) + jnp.mean(ic**2) + jnp.mean(net(p, zb) ** 2)

    opt = optax.adam(1e-3)
    state = opt.init(params)

    @jax.jit
    def step(p, s):
        value, g = jax.value_and_grad(loss)(p)
        updates, s = opt.update(g, s, p)
        return optax.apply_updates(p, updates), s, value

    params, state, v = step(params, state)
    v.block_until_ready()
    t0 = time.perf_counter()
    for _ in range(adam - 1):
        params, state, v = step(params, state)
    v.block_until_ready()
    secs = time.perf_counter() - t0
    T, X, U = reference()
    z = jnp.stack([jnp.asarray(T.ravel(), dtype), jnp.asarray(X.ravel(), dtype)], axis=1)
    err = rel_l2(np.asarray(net(params, z)).reshape(U.shape), U)
    return {"ms/step": 1e3 * secs / (adam - 1), "compile s": 0.0, "err adam": err, "err adam+lbfgs": float("nan"), "seconds": secs}


def run_deepxde(adam, lbfgs, seed=0):
    try:
        import deepxde as dde
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    dde.config.set_random_seed(seed)
    T, X, U = reference()
    geom = dde.geometry.Interval(-1, 1)
    timedomain = dde.geometry.TimeDomain(0, 0.99)
    geomtime = dde.geometry.GeometryXTime(geom, timedomain)

    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        return dy_t + y * dy_x - 0.01 / np.pi * dy_xx

    bc = dde.icbc.DirichletBC(geomtime, lambda x: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(geomtime, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_initial: on_initial)
    data = dde.data.TimePDE(geomtime, pde, [bc, ic], num_domain=2540, num_boundary=80, num_initial=160)
    net = dde.nn.FNN([2] + [20] * 3 + [1], "tanh", "Glorot normal")
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3)
    model.train(iterations=10, display_every=10**9)
    t0 = time.perf_counter()
    model.train(iterations=adam, display_every=10**9)
    adam_s = time.perf_counter() - t0
    XT = np.stack([X.ravel(), T.ravel()], axis=1)
    err_adam = rel_l2(model.predict(XT).reshape(U.shape), U)
    if lbfgs:
        dde.optimizers.config.set_LBFGS_options(maxiter=lbfgs)
        model.compile("L-BFGS")
        model.train(display_every=10**9)
    return {"ms/step": 1e3 * adam_s / adam, "compile s": 0.0, "err adam": err_adam,
            "err adam+lbfgs": rel_l2(model.predict(XT).reshape(U.shape), U), "seconds": time.perf_counter() - t0}


VARIANTS = {
    "float32": ("symnum float32", "float32", {}),
    "float64": ("symnum float64", "float64", {}),
    "causal": ("symnum float64 + causal 0.1", "float64", {"causal": 0.1}),
    "hard": ("symnum float64 + hard IC/BC", "float64", {"hard": True}),
    "hard+causal": ("symnum float64 + hard + causal 0.1", "float64", {"hard": True, "causal": 0.1}),
    "rad": ("symnum float64 + RAD", "float64", {"sampling": "rad"}),
    "rad+causal": ("symnum float64 + RAD + causal 0.1", "float64", {"sampling": "rad", "causal": 0.1}),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adam", type=int, default=10000)
    ap.add_argument("--lbfgs", type=int, default=15000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--skip-deepxde", action="store_true")
    ap.add_argument("--skip-hand", action="store_true", help="skip the hand-written JAX PINN (speed reference)")
    args = ap.parse_args()
    rows = []
    for seed in args.seeds:
        for key in args.variants:
            name, dtype, opts = VARIANTS[key]
            rows.append((name, seed, run_symnum(args.adam, args.lbfgs, dtype, seed=seed, **opts)))
        if not args.skip_deepxde:
            rows.append(("DeepXDE (PyTorch, float32)", seed, run_deepxde(args.adam, args.lbfgs, seed)))
    if not args.skip_hand:
        rows.append(("hand-written JAX PINN, float64 (Adam only)", 0, run_hand_jax(args.adam)))
    print(f"Raissi Burgers, {args.adam} Adam steps then {args.lbfgs} L-BFGS iterations\n")
    print("| code | seed | ms per Adam step | first-step compile s | rel L2 after Adam | L-BFGS iterations | "
          "rel L2 after Adam + L-BFGS | total s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, seed, r in rows:
        if r is None:
            print(f"| {name} | {seed} | not installed | | | | | |")
            continue
        print(f"| {name} | {seed} | {r['ms/step']:.2f} | {r['compile s']:.1f} | {r['err adam']:.2e} | "
              f"{r.get('lbfgs its', '')} | {r['err adam+lbfgs']:.2e} | {r['seconds']:.0f} |")
    if len(args.seeds) > 1:
        print("\n| code | median rel L2 after Adam + L-BFGS | worst | median total s |")
        print("|---|---|---|---|")
        for name in dict.fromkeys(n for n, _, r in rows if r is not None and np.isfinite(r["err adam+lbfgs"])):
            errs = [r["err adam+lbfgs"] for n, _, r in rows if n == name]
            secs = [r["seconds"] for n, _, r in rows if n == name]
            print(f"| {name} | {np.median(errs):.2e} | {max(errs):.2e} | {np.median(secs):.0f} |")


if __name__ == "__main__":
    main()
