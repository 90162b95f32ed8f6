"""DeepXDE's forward examples with exact solutions, written for symnum's PINN
(issue #19): the error and time of each, with the network and budget of
DeepXDE's own script (DeepXDE is timed beside it where it is installed: the
benchmark environment, `.venv-bench`).

    python benchmarks/pinn_examples.py [--only wave] [--scale 1.0] [--plain]

`--scale` multiplies every Adam budget (0.1 for a quick look).

wave: u_tt = C^2 u_xx, C = 10, x, t in [0, 1], u(0, x) = sin(pi x) + sin(2 pi x)/2,
u_t(0, x) = 0, u = 0 at both ends; exact sin(pi x) cos(C pi t) + sin(2 pi x) cos(2 C pi t)/2.
DeepXDE's examples/pinn_forward/wave_1d.py: a spatio-temporal multi-scale Fourier-feature
network (sigma_x = 1, sigma_t = 1, 10), [100] * 3, 360 points in the domain, on the
boundary and initially, Adam lr 1e-3 with inverse-time decay, 10000 iterations.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

import symnum as sn  # noqa: E402
from symnum import solvers  # noqa: E402


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def wave(scale, features=True):
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    C, A = 10.0, 2.0
    system = sn.PDESystem(
        [sn.Eq(sn.D(t, 2)(u), C**2 * sn.D(x, 2)(u))],
        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0),
         sn.Initial(u, sn.sin(sn.pi * x) + sn.sin(A * sn.pi * x) / 2), sn.Initial(sn.D(t)(u), 0)],
        domain={t: (0, 1), x: (0, 1)}, name="wave")
    ff = solvers.FourierFeatures(sigma={x: 1.0, t: (1.0, 10.0)}, n=100) if features else None
    pinn = solvers.PINN(system, hidden=[100, 100, 100], n_collocation=360, n_boundary=360, n_initial=360,
                        dtype="float64", features=ff, seed=0)
    steps = int(10000 * scale)
    # DeepXDE's ("inverse time", 2000, 0.9): lr0 / (1 + 0.9 step / 2000)
    res = pinn.train(steps=steps, lr=lambda step: 1e-3 / (1 + 0.9 * step / 2000), progress=False)
    T, X = np.meshgrid(np.linspace(0, 1, 101), np.linspace(0, 1, 101), indexing="ij")
    exact = np.sin(np.pi * X) * np.cos(C * np.pi * T) + np.sin(A * np.pi * X) * np.cos(A * C * np.pi * T) / 2
    return {"error": rel_l2(res.predict(u, {t: T, x: X}), exact), "seconds": res.timings["total_s"],
            "steps": steps, "ms/step": res.timings["ms_per_adam_step"]}


EXAMPLES = {"wave": wave}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=list(EXAMPLES))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--plain", action="store_true", help="also train a plain MLP (the Fourier features' baseline)")
    args = ap.parse_args()
    for name in args.only:
        for features in ((True, False) if args.plain else (True,)):
            r = EXAMPLES[name](args.scale, features) if name == "wave" else EXAMPLES[name](args.scale)
            label = f"{name} ({'Fourier features' if features else 'plain MLP'})"
            print(f"{label:32s} {r['steps']:6d} Adam steps: relative L2 {r['error']:.2e}, {r['seconds']:.0f} s "
                  f"({r['ms/step']:.1f} ms/step)", flush=True)


if __name__ == "__main__":
    main()
