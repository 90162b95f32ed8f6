"""DeepXDE's examples with exact solutions, written for symnum's PINN (issue #19):
the error and time of each, with the network and budget of DeepXDE's own script, and
DeepXDE itself on the same problem where it is installed (the benchmark environment,
`.venv-bench`: `pip install deepxde torch==2.13.0`; its PyTorch backend, one thread).

    python benchmarks/pinn_examples.py [--only wave disk ...] [--scale 1.0] [--plain] [--no-deepxde]

Where DeepXDE's script samples boundary or initial points, its residual holds there too
(its data adds them to the PDE points): symnum's side passes `residual_at_boundary=True`.
`--scale` multiplies every Adam budget (0.1 for a quick look); `--seeds N` runs
diffusion_1d, poisson_neumann_1d(_lbfgs) and heat over seeds 0..N-1 on both sides (the
small problems' errors spread over two orders of magnitude with the seed). The problems
(each function's docstring gives DeepXDE's script and settings):

wave: u_tt = C^2 u_xx, C = 10, x, t in [0, 1], u(0, x) = sin(pi x) + sin(2 pi x)/2,
u_t(0, x) = 0, u = 0 at both ends; exact sin(pi x) cos(C pi t) + sin(2 pi x) cos(2 C pi t)/2.
DeepXDE's examples/pinn_forward/wave_1d.py: a spatio-temporal multi-scale Fourier-feature
network (sigma_x = 1, sigma_t = 1, 10; its TensorFlow-1 backend only, so DeepXDE is not run
on it here), [100] * 3, 360 points in the domain, on the boundary and initially (the
domain's resampled every step), Adam lr 1e-3 with inverse-time decay, 10000 iterations.

disk: Laplace on the unit disk, u = cos(theta) on the circle; exact u = r cos(theta) = x.
DeepXDE's laplace_disk.py writes it in polar coordinates; here both write it in (x, y)
on a disk geometry: [20] * 3 tanh, 2540 domain and 80 boundary points, Adam 1e-3, 15000.

helmholtz_hole: -u_xx - u_yy - k0^2 u = k0^2 sin(k0 x) sin(k0 y), k0 = 2 pi, on
[-1/2, 1/2]^2 minus the disk of radius 1/4; u exact on the square, du/dn exact on the
hole (outward normal: into the hole); exact sin(k0 x) sin(k0 y). DeepXDE's
Helmholtz_Neumann_2d_hole.py: [350] * 3 sin, 225 domain and 240 boundary points, loss
weights 10 (hole) and 100 (square), Adam 1e-3, 5000.

elliptic_inverse_field: -u'' + q(x) = 0 on [-1, 1], u(+-1) = 0, q unknown, 100
observations of u = sin(pi x); exact q = -pi^2 sin(pi x). DeepXDE's
elliptic_inverse_field.py: one [20] * 3 tanh network per output (PFNN), 200 domain points
plus the observation points, loss weights 1 / 100 / 1000, Adam 1e-4, 20000.

kovasznay: steady Navier-Stokes, Re = 20, on [-0.5, 1] x [-0.5, 1.5]; u, v given on every
edge, the pressure only at the outflow x = 1 (a system only a PINN takes: discretize says
p has no condition on the other sides); exact Kovasznay flow. DeepXDE's
Kovasznay_flow.py: [50] * 4 tanh, 2601 domain and 400 boundary points, Adam 1e-3, 30000
(then L-BFGS; not here).

diffusion_reaction: 0.01 u'' - k(x) u = sin(2 pi x) on [0, 1], u(0) = u(1) = 0, k
unknown (0.1 + exp(-(x - 0.5)^2 / (2 0.15^2)) to be found) from 50 observations of u
(the issue's target: k to 5%); DeepXDE's diffusion_reaction_rate.py network (PFNN
[20] * 3 per output); 200 domain points, data weight 100, Adam 1e-3, 20000 (symnum
also with L-BFGS after 3000).
"""

from __future__ import annotations

import argparse
from pathlib import Path
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402
import scipy.special  # noqa: E402
import scipy.stats  # noqa: E402
import sympy  # noqa: E402

import symnum as sn  # noqa: E402
from symnum import solvers  # noqa: E402


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def wave(scale, features=True, steps=10000, **options):
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    C, A = 10.0, 2.0
    system = sn.PDESystem(
        [sn.Eq(sn.D(t, 2)(u), C**2 * sn.D(x, 2)(u))],
        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0),
         sn.Initial(u, sn.sin(sn.pi * x) + sn.sin(A * sn.pi * x) / 2), sn.Initial(sn.D(t)(u), 0)],
        domain={t: (0, 1), x: (0, 1)}, name="wave")
    # DeepXDE's STMsFFN([2] + [100] * 3 + [1], sigmas_x=[1], sigmas_t=[1, 10]): 50 frequencies b ~ N(0, sigma^2)
    # per scale, features cos(z b), sin(z b) (no 2 pi) of inputs transformed to (v - 0.5) 2 sqrt(3), then two
    # dense tanh layers of 100 shared by every branch. symnum's features are cos(2 pi z b) of inputs in
    # [-1, 1], so the same frequencies are sigma sqrt(3) / (2 pi), and hidden=[100, 100] with n=100.
    k = np.sqrt(3) / (2 * np.pi)
    ff = solvers.FourierFeatures(sigma={x: k, t: (k, 10 * k)}, n=100) if features else None
    pinn = solvers.PINN(system, hidden=[100, 100] if features else [100] * 3, n_collocation=360, n_boundary=360,
                        n_initial=360, dtype="float32", features=ff, seed=0, sampling="uniform", **options)
    steps = int(steps * scale)
    # DeepXDE's ("inverse time", 2000, 0.9): lr0 / (1 + 0.9 step / 2000); its PDE points resampled every step
    res = pinn.train(steps=steps, lr=lambda step: 1e-3 / (1 + 0.9 * step / 2000), resample_every=1, progress=False)
    T, X = np.meshgrid(np.linspace(0, 1, 101), np.linspace(0, 1, 101), indexing="ij")
    exact = np.sin(np.pi * X) * np.cos(C * np.pi * T) + np.sin(A * np.pi * X) * np.cos(A * C * np.pi * T) / 2
    return {"error": rel_l2(res.predict(u, {t: T, x: X}), exact), "seconds": res.timings["total_s"],
            "steps": steps, "ms/step": res.timings["ms_per_adam_step"]}


def wave_causal(scale):
    """The same network with the initial value built in (hard), the residual weighted 1/C^2
    and causal weighting (eps 1e-4: the slab losses are unweighted), 40000 steps."""
    return wave(scale, steps=40000, hard=True, causal=1e-4, weights={"residual": 0.01})


def _result(error, seconds, steps, ms):
    return {"error": error, "seconds": seconds, "steps": steps, "ms/step": ms}


def _ours(res, error, steps):
    return _result(error, res.timings["total_s"], steps, res.timings["ms_per_adam_step"])


def disk_lbfgs(scale):
    return disk(scale, adam=8000, lbfgs=3000, dtype="float64")


def disk(scale, adam=15000, lbfgs=0, dtype="float32"):
    x, y = sn.variables("x y")
    u = sn.fields("u", x, y)
    circle = sn.Disk((0, 0), 1)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(u) + sn.D(y, 2)(u), 0)], [sn.Dirichlet(u, circle, x)],
                          domain={(x, y): circle}, name="laplace_disk")
    steps = int(adam * scale)
    res = solvers.PINN(system, hidden=[20] * 3, n_collocation=2540, n_boundary=80, dtype=dtype, seed=0).train(
        steps=steps, lr=1e-3, lbfgs=int(lbfgs * scale), progress=False)
    P = circle.sample_interior(5000, np.random.default_rng(123))
    return _ours(res, rel_l2(res.predict(u, {x: P[:, 0], y: P[:, 1]}), P[:, 0]), steps)


K0 = 2 * np.pi


def _hole_exact(P):
    return np.sin(K0 * P[:, 0]) * np.sin(K0 * P[:, 1])


def helmholtz_hole(scale):
    x, y = sn.variables("x y")
    u = sn.fields("u", x, y)
    square, hole = sn.Rectangle((-0.5, -0.5), (0.5, 0.5)), sn.Disk((0, 0), 0.25)
    exact = sympy.sin(K0 * x) * sympy.sin(K0 * y)
    dn = -(x * exact.diff(x) + y * exact.diff(y)) / sympy.sqrt(x**2 + y**2)  # out of the domain: into the hole
    outer, inner = sn.Dirichlet(u, square, exact), sn.Neumann(u, hole, dn)
    system = sn.PDESystem([sn.Eq(-sn.D(x, 2)(u) - sn.D(y, 2)(u) - K0**2 * u, K0**2 * exact)], [outer, inner],
                          domain={(x, y): square - hole}, name="helmholtz_hole")
    steps = int(5000 * scale)
    res = solvers.PINN(system, hidden=[350] * 3, activation="sin", n_collocation=225, n_boundary=240,
                       weights={outer: 100.0, inner: 10.0}, dtype="float32", seed=0).train(
        steps=steps, lr=1e-3, progress=False)
    P = (square - hole).sample_interior(5000, np.random.default_rng(123))
    return _ours(res, rel_l2(res.predict(u, {x: P[:, 0], y: P[:, 1]}), _hole_exact(P)), steps)


def elliptic_inverse_field(scale):
    x = sn.variables("x")
    u, q = sn.fields("u q", x)
    system = sn.PDESystem([sn.Eq(-sn.D(x, 2)(u) + q, 0)], [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)],
                          domain={x: (-1, 1)}, name="elliptic_inverse")
    xo = np.linspace(-1, 1, 100)
    steps = int(20000 * scale)
    res = solvers.PINN(system, hidden=[20] * 3, learn=[q], networks="separate", n_collocation=200, n_boundary=2,
                       weights={"residual": 1.0, "boundary": 100.0, "data": 1000.0}, dtype="float32", seed=0).train(
        steps=steps, lr=1e-4, data={u: ({x: xo}, np.sin(np.pi * xo))}, progress=False)
    X = np.linspace(-1, 1, 500)
    return _ours(res, rel_l2(res.predict(q, {x: X}), -np.pi**2 * np.sin(np.pi * X)), steps)


RE = 20.0
LAM = RE / 2 - np.sqrt(RE**2 / 4 + 4 * np.pi**2)


def _kovasznay_exact(P):
    X, Y = P[:, 0], P[:, 1]
    return (1 - np.exp(LAM * X) * np.cos(2 * np.pi * Y), LAM / (2 * np.pi) * np.exp(LAM * X) * np.sin(2 * np.pi * Y),
            (1 - np.exp(2 * LAM * X)) / 2)


def kovasznay(scale):
    x, y = sn.variables("x y")
    u, v, p = sn.fields("u v p", x, y)
    E = sympy.exp(LAM * x)
    exact = {u: 1 - E * sympy.cos(2 * sympy.pi * y), v: LAM / (2 * sympy.pi) * E * sympy.sin(2 * sympy.pi * y),
             p: (1 - sympy.exp(2 * LAM * x)) / 2}
    eqs = [sn.Eq(u * sn.D(x)(u) + v * sn.D(y)(u) + sn.D(x)(p) - (sn.D(x, 2)(u) + sn.D(y, 2)(u)) / RE, 0),
           sn.Eq(u * sn.D(x)(v) + v * sn.D(y)(v) + sn.D(y)(p) - (sn.D(x, 2)(v) + sn.D(y, 2)(v)) / RE, 0),
           sn.Eq(sn.D(x)(u) + sn.D(y)(v), 0)]
    walls = [sn.Dirichlet(f, var, side, exact[f]) for f in (u, v) for var in (x, y) for side in ("min", "max")]
    system = sn.PDESystem(eqs, walls + [sn.Dirichlet(p, x, "max", exact[p])],
                          domain={x: (-0.5, 1.0), y: (-0.5, 1.5)}, name="kovasznay")
    steps = int(30000 * scale)
    res = solvers.PINN(system, hidden=[50] * 4, n_collocation=2601, n_boundary=50, dtype="float32", seed=0).train(
        steps=steps, lr=1e-3, progress=False)
    P = sn.Rectangle((-0.5, -0.5), (1.0, 1.5)).sample_interior(5000, np.random.default_rng(123))
    want = _kovasznay_exact(P)
    err = max(rel_l2(res.predict(f, {x: P[:, 0], y: P[:, 1]}), w) for f, w in zip((u, v), want))
    return _ours(res, err, steps)


def poisson_1d(scale):
    """DeepXDE's Poisson_Dirichlet_1d.py: -u_xx = pi^2 sin(pi x) on [-1, 1], u(+-1) = 0;
    [50] * 3 tanh, 16 domain points, 10000 Adam 1e-3; exact sin(pi x)."""
    x = sn.variables("x")
    u = sn.fields("u", x)
    system = sn.PDESystem([sn.Eq(-sn.D(x, 2)(u), sympy.pi**2 * sympy.sin(sympy.pi * x))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)], domain={x: (-1, 1)}, name="p1d")
    steps, stop = _adam(int(10000 * scale))
    res = solvers.PINN(system, hidden=[50] * 3, n_collocation=16, n_boundary=1, residual_at_boundary=True, dtype="float32", seed=0).train(
        steps=steps, lr=1e-3, progress=False, callback=stop)
    X = np.linspace(-1, 1, 1000)
    return _ours_timed(res, rel_l2(res.predict(u, {x: X}), np.sin(np.pi * X)), steps)


BUDGET = None  # --seconds: the wall time each side's Adam phase may take (beltrami)
SEED = 0  # --seeds N runs the seed-aware problems (below) for seeds 0..N-1, both sides


def _diffusion_1d_system(conditions=True):
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    s = sympy.sin(sympy.pi * x)
    eq = sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) - sympy.exp(-t) * (s - sympy.pi**2 * s))
    bcs = [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, s)] if conditions else []
    return t, x, u, sn.PDESystem([eq], bcs, domain={t: (0, 1), x: (-1, 1)}, name="diffusion_1d")


def _diffusion_1d_error(res, t, x, u):
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 1, 100), np.linspace(-1, 1, 100)))
    return rel_l2(res.predict(u, {t: T, x: X}), np.exp(-T) * np.sin(np.pi * X))


def diffusion_1d(scale):
    """DeepXDE's diffusion_1d.py: u_t = u_xx - e^-t (sin(pi x) - pi^2 sin(pi x)) on
    [-1, 1] x [0, 1], u = e^-t sin(pi x) on the walls and initially (its exact solution);
    [32] * 3 tanh, 40 domain, 20 boundary (10 per wall), 10 initial points, 10000 Adam 1e-3."""
    t, x, u, system = _diffusion_1d_system()
    steps, stop = _adam(int(10000 * scale))
    res = solvers.PINN(system, hidden=[32] * 3, n_collocation=40, n_boundary=10, n_initial=10,
                       residual_at_boundary=True, dtype="float32", seed=SEED).train(
        steps=steps, lr=1e-3, progress=False, callback=stop)
    return _ours_timed(res, _diffusion_1d_error(res, t, x, u), steps)


def poisson_neumann_1d_lbfgs(scale):
    """The same in float64: 2000 Adam steps, then 1000 L-BFGS iterations."""
    return poisson_neumann_1d(scale, dtype="float64", steps=2000, lbfgs=1000)


def _poisson_1d(name, operator, conditions, exact, scale, dtype="float32", steps=10000, lbfgs=0):
    """One of DeepXDE's 1-D Poisson scripts: sn.Eq(operator(u''), forcing) on [-1, 1] with
    `conditions(u, x)`; [50] * 3 tanh, 16 domain points, `steps` Adam 1e-3 (then `lbfgs`)."""
    x = sn.variables("x")
    u = sn.fields("u", x)
    system = sn.PDESystem([operator(sn.D(x, 2)(u), x)], conditions(u, x), domain={x: (-1, 1)}, name=name)
    pinn = solvers.PINN(system, hidden=[50] * 3, n_collocation=16, n_boundary=1, residual_at_boundary=True, dtype=dtype,
                        seed=SEED)
    res = _fit(pinn, int(steps * scale), lbfgs=int(lbfgs * scale))
    X = np.linspace(-1, 1, 1000)
    return _ours_timed(res, rel_l2(res.predict(u, {x: X}), exact(X)), steps)


def poisson_neumann_1d(scale, **budget):
    """DeepXDE's Poisson_Neumann_1d.py: u'' = 2 on [-1, 1], u(-1) = 0, u'(1) = 4; exact
    (x + 1)^2; 10000 Adam."""
    return _poisson_1d("poisson_neumann_1d", lambda uxx, x: sn.Eq(uxx, 2),
                       lambda u, x: [sn.Dirichlet(u, x, "min", 0), sn.Neumann(u, x, "max", 4)],
                       lambda X: (X + 1) ** 2, scale, **budget)


def poisson_robin_1d_lbfgs(scale):
    """The same in float64: 2000 Adam steps, then 1000 L-BFGS iterations."""
    return poisson_robin_1d(scale, dtype="float64", steps=2000, lbfgs=1000)


def poisson_robin_1d(scale, **budget):
    """DeepXDE's Poisson_Robin_1d.py: u'' = 2 on [-1, 1], u(-1) = 0, du/dn = u at x = 1;
    exact (x + 1)^2; 10000 Adam."""
    return _poisson_1d("poisson_robin_1d", lambda uxx, x: sn.Eq(uxx, 2),
                       lambda u, x: [sn.Dirichlet(u, x, "min", 0), sn.Robin(u, x, "max", -1, 1, 0)],
                       lambda X: (X + 1) ** 2, scale, **budget)


def poisson_periodic_1d(scale):
    """DeepXDE's Poisson_periodic_1d.py: -u'' = pi^2 sin(pi x) on [-1, 1], u(-1) = 0 and
    u periodic; exact sin(pi x); 10000 Adam."""
    return _poisson_1d("poisson_periodic_1d", lambda uxx, x: sn.Eq(-uxx, sympy.pi**2 * sympy.sin(sympy.pi * x)),
                       lambda u, x: [sn.Dirichlet(u, x, "min", 0), sn.Periodic(x)], lambda X: np.sin(np.pi * X), scale)


def ode_system_lbfgs(scale):
    """The same in float64: 4000 Adam steps, then 2000 L-BFGS iterations."""
    return ode_system(scale, dtype="float64", steps=4000, lbfgs=2000)


def ode_system_decay(scale):
    """The same with the rate halved every 20 000 steps (an optax schedule): at a fixed
    1e-3 the last iterate's error spreads 4.4e-4..2.4e-3 over seeds 0-4 at DeepXDE's 28 s
    (keep_best or not, float32 or float64 alike); decayed, 2.5e-4..5.3e-4."""
    import optax

    return ode_system(scale, lr=optax.exponential_decay(1e-3, 20000, 0.5))


def ode_system(scale, dtype="float32", steps=20000, lbfgs=0, lr=1e-3):
    """DeepXDE's ode_system.py: y1' = y2, y2' = -y1 on [0, 10], y1(0) = 0, y2(0) = 1; exact
    (sin t, cos t); [50] * 3 tanh, 35 domain points, 20000 Adam 1e-3."""
    t = sn.variables("t")
    y1, y2 = sn.fields("y1 y2", t)
    system = sn.ODESystem([sn.Eq(sn.D(t)(y1), y2), sn.Eq(sn.D(t)(y2), -y1)], [sn.Initial(y1, 0), sn.Initial(y2, 1)],
                          domain={t: (0, 10)}, name="ode_system")
    pinn = solvers.PINN(system, hidden=[50] * 3, n_collocation=35, n_initial=1, residual_at_boundary=True, dtype=dtype,
                        seed=SEED)
    res = _fit(pinn, int(steps * scale), lr=lr, lbfgs=int(lbfgs * scale))
    T = np.linspace(0, 10, 1000)
    err = max(rel_l2(res.predict(y1, {t: T}), np.sin(T)), rel_l2(res.predict(y2, {t: T}), np.cos(T)))
    return _ours_timed(res, err, steps)


def _dr_initial(x):
    return sum(sympy.sin(k * x) / k for k in (1, 2, 3, 4, 8))


def diffusion_reaction_forward(scale):
    """DeepXDE's diffusion_reaction.py: u_t = u_xx + e^-t (3/2 sin 2x + 8/3 sin 3x + 15/4 sin
    4x + 63/8 sin 8x) on [-pi, pi] x [0, 1], walls and initial value built into the output
    (t (pi^2 - x^2) N + u0(x)); exact e^-t u0(x); [30] * 6 tanh, 320 domain points, 20000 Adam."""
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    forcing = sympy.exp(-t) * (sympy.Rational(3, 2) * sympy.sin(2 * x) + sympy.Rational(8, 3) * sympy.sin(3 * x)
                               + sympy.Rational(15, 4) * sympy.sin(4 * x) + sympy.Rational(63, 8) * sympy.sin(8 * x))
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + forcing)], [], domain={t: (0, 1), x: (-sympy.pi, sympy.pi)},
                          time=t, name="diffusion_reaction_forward")
    steps = int(20000 * scale)
    res = solvers.PINN(system, hidden=[30] * 6, n_collocation=320, seed=SEED,
                       transform={u: t * (sympy.pi**2 - x**2) * u + _dr_initial(x)}).train(steps=steps, lr=1e-3, progress=False)
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 1, 100), np.linspace(-np.pi, np.pi, 200)))
    want = np.exp(-T) * sympy.lambdify(x, _dr_initial(x))(X)
    return _ours(res, rel_l2(res.predict(u, {t: T, x: X}), want), steps)


def klein_gordon(scale):
    """DeepXDE's Klein_Gordon.py: u_tt - u_xx + u^2 = -x cos t + x^2 cos^2 t on [-1, 1] x
    [0, 10], u = x cos t on the walls, u(0, x) = x, u_t(0, x) = 0; exact x cos t; [40] * 2
    tanh, 30000 domain, 1500 boundary (750 per wall), 1500 initial points, 20000 Adam 1e-3
    with inverse-time decay (3000, 0.9), then L-BFGS."""
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t, 2)(u) - sn.D(x, 2)(u) + u**2, -x * sympy.cos(t) + x**2 * sympy.cos(t) ** 2)],
        [sn.Dirichlet(u, x, "min", -sympy.cos(t)), sn.Dirichlet(u, x, "max", sympy.cos(t)), sn.Initial(u, x),
         sn.Initial(sn.D(t)(u), 0)], domain={t: (0, 10), x: (-1, 1)}, name="klein_gordon")
    steps = int(20000 * scale)
    res = solvers.PINN(system, hidden=[40] * 2, n_collocation=30000, n_boundary=750, n_initial=1500, dtype="float32",
                       seed=SEED).train(steps=steps, lr=lambda k: 1e-3 / (1 + 0.9 * k / 3000),
                                        lbfgs=int(15000 * scale), progress=False)
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 10, 256), np.linspace(-1, 1, 256)))
    return _ours(res, rel_l2(res.predict(u, {t: T, x: X}), X * np.cos(T)), steps)


def _beltrami_sympy(x, y, z, t, a=1, d=1):
    """Ethier & Steinman's Beltrami flow (DeepXDE's u_func, v_func, w_func), as sympy."""
    e = sympy.exp(-(d**2) * t)
    return [-a * (sympy.exp(a * x) * sympy.sin(a * y + d * z) + sympy.exp(a * z) * sympy.cos(a * x + d * y)) * e,
            -a * (sympy.exp(a * y) * sympy.sin(a * z + d * x) + sympy.exp(a * x) * sympy.cos(a * y + d * z)) * e,
            -a * (sympy.exp(a * z) * sympy.sin(a * x + d * y) + sympy.exp(a * y) * sympy.cos(a * z + d * x)) * e]


_BELTRAMI_XYZT = sympy.symbols("x y z t")
# the same flow evaluated on arrays: (X, Y, Z, T) -> [u, v, w]
_beltrami_exact = sympy.lambdify(_BELTRAMI_XYZT, _beltrami_sympy(*_BELTRAMI_XYZT), "numpy")


def _beltrami_points():
    """DeepXDE's test: the 10^3 grid of [-1, 1]^3 at t = 0 and t = 1."""
    g = np.linspace(-1, 1, 10)
    X, Y, Z = (a.ravel() for a in np.meshgrid(g, g, g))
    T = np.concatenate([np.zeros(X.size), np.ones(X.size)])
    return np.tile(X, 2), np.tile(Y, 2), np.tile(Z, 2), T


def _stop_after(seconds):
    """A PINN.train callback that ends the Adam phase once `seconds` have passed (None: never)."""
    start = time.perf_counter()
    return None if seconds is None else (lambda step, loss, params: time.perf_counter() - start > seconds)


def _adam(steps):
    """(Adam steps to ask for, callback): under --equal-time (BUDGET set to DeepXDE's wall
    time on the same problem) symnum trains until that time has passed, at most 10x the
    script's steps; otherwise the script's steps."""
    return (steps, None) if BUDGET is None else (10 * steps, _stop_after(BUDGET))


def _ours_timed(res, error, asked):
    """_ours with the Adam steps actually taken (a budget may end the phase early)."""
    return _ours(res, error, res.timings["adam_steps"])


def _fit(pinn, steps, lr=1e-3, resample_every=1000, **train):
    """`pinn.train` for the script's Adam `steps` (under --equal-time: for DeepXDE's seconds,
    counted from here as DeepXDE's from its train call), the points redrawn every
    `resample_every` steps and Adam ended at its lowest recorded loss (`keep_best`): what a symnum user
    does with a small point set and a fixed rate. On the 1-D problems with 16-40 points
    the point set, not the training, held the error: diffusion_1d_exactBC stayed at
    7e-4..1.2e-3 over 80 000 steps on its 40 points, 1.8e-4..4.2e-4 redrawn."""
    steps, stop = _adam(steps)
    return pinn.train(steps=steps, lr=lr, progress=False, callback=stop, keep_best=True, resample_every=resample_every,
                      **train)


def beltrami(scale):
    """DeepXDE's Beltrami_flow.py: incompressible Navier-Stokes, Re = 1, on [-1, 1]^3 x [0, 1],
    u, v, w given on every face and at t = 0, no pressure condition; exact Beltrami flow;
    [50] * 4 tanh, 50000 domain, 5000 boundary (833 per face), 5000 initial points, loss
    weights 100 on the conditions, 30000 Adam 1e-3 (then L-BFGS; not here). Error: the
    velocity's relative L2 on DeepXDE's test points. `--seconds` caps the wall time (the
    full budget takes hours here, on both sides)."""
    t, x, y, z = sn.variables("t x y z")
    u, v, w, p = sn.fields("u v w p", t, x, y, z)
    vel, X = (u, v, w), (x, y, z)
    exact = _beltrami_sympy(x, y, z, t)
    eqs = [sn.Eq(sn.D(t)(q) + sum(c * sn.D(xi)(q) for c, xi in zip(vel, X)) + sn.D(xi_p)(p)
                 - sum(sn.D(xi, 2)(q) for xi in X), 0) for q, xi_p in zip(vel, X)]
    eqs.append(sn.Eq(sum(sn.D(xi)(q) for q, xi in zip(vel, X)), 0))
    bcs = [sn.Dirichlet(q, xi, side, e.subs(xi, -1 if side == "min" else 1))
           for q, e in zip(vel, exact) for xi in X for side in ("min", "max")]
    bcs += [sn.Initial(q, e.subs(t, 0)) for q, e in zip(vel, exact)]
    system = sn.PDESystem(eqs, bcs, domain={t: (0, 1), x: (-1, 1), y: (-1, 1), z: (-1, 1)}, name="beltrami")
    steps = int(30000 * scale)
    res = solvers.PINN(system, hidden=[50] * 4, n_collocation=50000, n_boundary=833, n_initial=5000, dtype="float32",
                       seed=SEED, weights={"boundary": 100, "initial": 100}).train(
        steps=steps, lr=1e-3, progress=False, callback=_stop_after(BUDGET))
    Xs, Ys, Zs, Ts = _beltrami_points()
    want = np.concatenate(_beltrami_exact(Xs, Ys, Zs, Ts))
    got = np.concatenate([res.predict(q, {t: Ts, x: Xs, y: Ys, z: Zs}) for q in vel])
    done = min(steps, len(res.loss_history) * 100 if BUDGET is not None else steps)
    seconds = res.timings["total_s"]
    return _result(rel_l2(got, want), seconds, done, 1e3 * seconds / max(done, 1))


BURGERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "burgers" / "raissi_burgers_reference.npz"


def _burgers_reference():
    d = np.load(BURGERS)
    T, X = (a.ravel() for a in np.meshgrid(d["t"][:, 0], d["x"][:, 0]))
    return T, X, d["usol"].ravel()


def burgers(scale):
    """DeepXDE's Burgers.py: u_t + u u_x = (0.01/pi) u_xx on [-1, 1] x [0, 0.99], u = 0 on
    the walls, u(0, x) = -sin(pi x); [20] * 3 tanh, 2540 domain, 80 boundary (40 per wall),
    160 initial points, 15000 Adam 1e-3, then L-BFGS; against Raissi's reference solution
    (../shared/data/burgers)."""
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u) + u * sn.D(x)(u), 0.01 / sympy.pi * sn.D(x, 2)(u))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, -sympy.sin(sympy.pi * x))],
                          domain={t: (0, 0.99), x: (-1, 1)}, name="burgers")
    steps = int(15000 * scale)
    res = solvers.PINN(system, hidden=[20] * 3, n_collocation=2540, n_boundary=40, n_initial=160, dtype="float32",
                       seed=SEED).train(steps=steps, lr=1e-3, lbfgs=int(15000 * scale), progress=False)
    T, X, U = _burgers_reference()
    return _ours(res, rel_l2(res.predict(u, {t: T, x: X}), U), steps)


def heat(scale):
    """DeepXDE's heat.py: u_t = 0.4 u_xx on [0, 1] x [0, 1], u = 0 on the walls, u(0, x) =
    sin(pi x); exact e^(-0.4 pi^2 t) sin(pi x); [20] * 3 tanh, 2540 domain, 80 boundary
    (40 per wall), 160 initial points, 20000 Adam 1e-3, then L-BFGS."""
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), 0.4 * sn.D(x, 2)(u))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sympy.sin(sympy.pi * x))],
                          domain={t: (0, 1), x: (0, 1)}, name="heat")
    steps = int(20000 * scale)
    res = solvers.PINN(system, hidden=[20] * 3, n_collocation=2540, n_boundary=40, n_initial=160, dtype="float32",
                       seed=SEED).train(steps=steps, lr=1e-3, lbfgs=int(15000 * scale), progress=False)
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 1, 201), np.linspace(0, 1, 256)))
    return _ours(res, rel_l2(res.predict(u, {t: T, x: X}), np.exp(-0.4 * np.pi**2 * T) * np.sin(np.pi * X)), steps)


def _beam_exact(X):
    return -X**4 / 24 + X**3 / 6 - X**2 / 4


def euler_beam(scale):
    """DeepXDE's Euler_beam.py: u_xxxx = -1 on [0, 1], u(0) = u_x(0) = 0, u_xx(1) = u_xxx(1) = 0;
    [20] * 3 tanh, 10 domain points, 10000 Adam 1e-3."""
    x = sn.variables("x")
    u = sn.fields("u", x)
    system = sn.PDESystem([sn.Eq(sn.D(x, 4)(u), -1)],
                          [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.diff(x).subs(x, 0), 0), sn.Eq(u.diff(x, 2).subs(x, 1), 0),
                           sn.Eq(u.diff(x, 3).subs(x, 1), 0)], domain={x: (0, 1)}, name="beam")
    steps = int(10000 * scale)
    res = solvers.PINN(system, hidden=[20] * 3, n_collocation=10, n_boundary=1, dtype="float32", seed=0).train(
        steps=steps, lr=1e-3, progress=False)
    X = np.linspace(0, 1, 1000)
    return _ours(res, rel_l2(res.predict(u, {x: X}), _beam_exact(X)), steps)


K2 = 4 * np.pi  # DeepXDE's Helmholtz on a square: n = 2


def helmholtz_square(scale):
    """DeepXDE's Helmholtz_Dirichlet_2d.py: -u_xx - u_yy - k0^2 u = k0^2 sin(k0 x) sin(k0 y) on
    [0, 1]^2, u = 0 on the edges, k0 = 4 pi; [150] * 3 sin, 400 domain and 80 boundary points
    (10 per wavelength), loss weights 1 / 100, 5000 Adam 1e-3; exact sin(k0 x) sin(k0 y)."""
    x, y = sn.variables("x y")
    u = sn.fields("u", x, y)
    f = K2**2 * sympy.sin(K2 * x) * sympy.sin(K2 * y)
    system = sn.PDESystem([sn.Eq(-sn.D(x, 2)(u) - sn.D(y, 2)(u) - K2**2 * u, f)],
                          [sn.Dirichlet(u, v, side, 0) for v in (x, y) for side in ("min", "max")],
                          domain={x: (0, 1), y: (0, 1)}, name="helmholtz_square")
    steps = int(5000 * scale)
    res = solvers.PINN(system, hidden=[150] * 3, activation="sin", n_collocation=400, n_boundary=20,
                       weights={"boundary": 100.0}, dtype="float32", seed=0).train(steps=steps, lr=1e-3, progress=False)
    P = np.random.default_rng(123).random((5000, 2))
    exact = np.sin(K2 * P[:, 0]) * np.sin(K2 * P[:, 1])
    return _ours(res, rel_l2(res.predict(u, {x: P[:, 0], y: P[:, 1]}), exact), steps)


L_SHAPE = [(0, 0), (1, 0), (1, -1), (-1, -1), (-1, 1), (0, 1)]


def _lshape_reference():
    """-lap u = 1 on DeepXDE's L-shape, u = 0 on its boundary: the 5-point scheme on a
    grid of spacing 1/400 (scipy's sparse LU), interpolated bilinearly (the re-entrant
    corner's r^(2/3) singularity limits it to ~1e-4)."""
    import scipy.interpolate
    import scipy.sparse
    import scipy.sparse.linalg

    n = 801
    g = np.linspace(-1, 1, n)
    h = g[1] - g[0]
    X, Y = np.meshgrid(g, g, indexing="ij")
    inside = (np.abs(X) < 1 - 1e-12) & (np.abs(Y) < 1 - 1e-12) & ~((X > -1e-12) & (Y > -1e-12))
    index = -np.ones((n, n), dtype=np.int64)
    index[inside] = np.arange(inside.sum())
    rows, cols, vals = [], [], []
    for i, j in zip(*np.nonzero(inside)):
        k = index[i, j]
        rows.append(k), cols.append(k), vals.append(4.0 / h**2)
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            m = index[i + di, j + dj]
            if m >= 0:
                rows.append(k), cols.append(m), vals.append(-1.0 / h**2)
    A = scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(inside.sum(),) * 2)
    U = np.zeros((n, n))
    U[inside] = scipy.sparse.linalg.spsolve(A.tocsc(), np.ones(inside.sum()))
    return scipy.interpolate.RegularGridInterpolator((g, g), U)


def _lshape_points():
    return sn.Polygon(L_SHAPE).sample_interior(5000, np.random.default_rng(123))


def poisson_lshape_lbfgs(scale):
    """The same in float64: 10000 Adam steps, then 5000 L-BFGS iterations (DeepXDE's
    script ends with L-BFGS too)."""
    return poisson_lshape(scale, adam=10000, lbfgs=5000, dtype="float64")


def poisson_lshape(scale, adam=50000, lbfgs=0, dtype="float32"):
    """DeepXDE's Poisson_Lshape.py: -u_xx - u_yy = 1 on the L-shape [-1, 1]^2 minus
    [0, 1]^2, u = 0 on the boundary; 4 x 50 tanh, 1200 + 120 points, 50000 Adam steps
    (DeepXDE then runs L-BFGS; here Adam alone, both sides). No exact solution: a fine
    finite-difference reference."""
    x, y = sn.variables("x y")
    u = sn.fields("u", x, y)
    shape = sn.Polygon(L_SHAPE)
    system = sn.PDESystem([sn.Eq(-sn.D(x, 2)(u) - sn.D(y, 2)(u), 1)], [sn.Dirichlet(u, shape, 0)],
                          domain={(x, y): shape}, name="poisson_lshape")
    steps = int(adam * scale)
    res = solvers.PINN(system, hidden=[50] * 4, n_collocation=1200, n_boundary=120, dtype=dtype, seed=SEED).train(
        steps=steps, lr=1e-3, lbfgs=int(lbfgs * scale), progress=False)
    P = _lshape_points()
    return _ours(res, rel_l2(res.predict(u, {x: P[:, 0], y: P[:, 1]}), _lshape_reference()(P)), steps)


def _diffusion_reaction_reference():
    x = sn.variables("x")
    u = sn.fields("u", x)
    k = 0.1 + sympy.exp(-0.5 * (x - 0.5) ** 2 / sympy.Float(0.15) ** 2)
    forward = sn.PDESystem([sn.Eq(0.01 * sn.D(x, 2)(u) - k * u, sympy.sin(2 * sympy.pi * x))],
                           [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)], domain={x: (0, 1)}, name="dr")
    prob = solvers.discretize(forward, {x: 801}, order=4)
    return prob.grid[x], solvers.solve(prob)[u]


def _k_exact(X):
    return 0.1 + np.exp(-0.5 * (X - 0.5) ** 2 / 0.15**2)


def diffusion_reaction(scale, lbfgs=0, adam=20000):
    X, U = _diffusion_reaction_reference()
    x = sn.variables("x")
    u, k = sn.fields("u k", x)
    system = sn.PDESystem([sn.Eq(0.01 * sn.D(x, 2)(u) - k * u, sympy.sin(2 * sympy.pi * x))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)], domain={x: (0, 1)}, name="dr")
    xo = np.linspace(0, 1, 50)
    steps = int(adam * scale)
    res = solvers.PINN(system, hidden=[20] * 3, learn=[k], networks="separate", n_collocation=200,
                       weights={"data": 100.0}, dtype="float32" if not lbfgs else "float64", seed=0).train(
        steps=steps, lr=1e-3, lbfgs=lbfgs, data={u: ({x: xo}, np.interp(xo, X, U))}, progress=False)
    Xt = np.linspace(0, 1, 1001)
    return _ours(res, rel_l2(res.predict(k, {x: Xt}), _k_exact(Xt)), steps)


def diffusion_reaction_lbfgs(scale):
    return diffusion_reaction(scale, lbfgs=int(1000 * scale), adam=3000)


def ode_2nd(scale):
    """DeepXDE's ode_2nd.py: y'' - 10 y' + 9 y = 5 t on [0, 0.25], y(0) = -1, y'(0) = 2;
    exact 50/81 + 5t/9 - 2 e^t + 31/81 e^9t; [50] * 3 tanh, 16 domain points, loss weights
    0.01 (residual) / 1 / 1, 10000 Adam 1e-3."""
    t = sn.variables("t")
    y = sn.fields("y", t)
    system = sn.ODESystem([sn.Eq(sn.D(t, 2)(y) - 10 * sn.D(t)(y) + 9 * y, 5 * t)],
                          [sn.Initial(y, -1), sn.Initial(sn.D(t)(y), 2)], domain={t: (0, 0.25)}, name="ode_2nd")
    pinn = solvers.PINN(system, hidden=[50] * 3, n_collocation=16, weights={"residual": 0.01}, n_initial=1, n_boundary=1,
                        residual_at_boundary=True, dtype="float32", seed=SEED)
    res = _fit(pinn, int(10000 * scale))
    T = np.linspace(0, 0.25, 500)
    return _ours_timed(res, rel_l2(res.predict(y, {t: T}), _ode_2nd_exact(T)), res.timings["adam_steps"])


def _ode_2nd_exact(T):
    return 50 / 81 + T * 5 / 9 - 2 * np.exp(T) + (31 / 81) * np.exp(9 * T)


def poisson_exact_bc(scale):
    """DeepXDE's Poisson_Dirichlet_1d_exactBC.py: -u'' = sum_i i sin(i x) + 8 sin(8 x) on
    [0, pi], the boundary values built in as u = x (pi - x) N(x) + x; exact x + sum_i sin(i x)/i
    + sin(8 x)/8 (i = 1..4); [50] * 3 tanh, 64 domain points, Adam 1e-4 with inverse-time
    decay (1000, 0.3), 30000 steps."""
    x = sn.variables("x")
    u = sn.fields("u", x)
    forcing = sum(i * sympy.sin(i * x) for i in range(1, 5)) + 8 * sympy.sin(8 * x)
    system = sn.PDESystem([sn.Eq(-sn.D(x, 2)(u), forcing)], [], domain={x: (0, sympy.pi)}, name="poisson_exact_bc")
    steps, stop = _adam(int(30000 * scale))
    res = solvers.PINN(system, hidden=[50] * 3, n_collocation=64, transform={u: x * (sympy.pi - x) * u + x},
                       dtype="float32", seed=SEED).train(
        steps=steps, lr=lambda step: 1e-4 / (1 + 0.3 * step / 1000), progress=False, callback=stop)
    X = np.linspace(0, np.pi, 400)
    return _ours_timed(res, rel_l2(res.predict(u, {x: X}), _exact_bc_solution(X)), steps)


def _exact_bc_solution(X):
    return X + sum(np.sin(i * X) / i for i in range(1, 5)) + np.sin(8 * X) / 8


MS_A, MS_B = 2, 50


def _multiscale_exact(X):
    return np.sin(np.pi * MS_A * X) + 0.1 * np.sin(np.pi * MS_B * X)


def poisson_multiscale(scale):
    """DeepXDE's Poisson_multiscale_1d.py (Wang, Wang & Perdikaris 2021): u'' = -(pi A)^2
    sin(pi A x) - 0.1 (pi B)^2 sin(pi B x) on [0, 1], A = 2, B = 50, u exact at both ends; a
    multi-scale Fourier-feature network (sigmas 1 and 10, [100] * 3), 1280 domain points
    redrawn every step, Adam 1e-3 with inverse-time decay (2000, 0.9), 20000 steps."""
    x = sn.variables("x")
    u = sn.fields("u", x)
    pi = sympy.pi
    exact = sympy.sin(pi * MS_A * x) + sympy.Rational(1, 10) * sympy.sin(pi * MS_B * x)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(u), exact.diff(x, 2))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", exact.subs(x, 1))],
                          domain={x: (0, 1)}, name="poisson_multiscale")
    # DeepXDE's MsFFN: cos(x b), sin(x b), b ~ N(0, sigma^2), of x in [0, 1]; symnum's features are
    # cos(2 pi z b') of z = 2 x - 1 in [-1, 1], so the same frequencies are b' = b / (4 pi)
    ff = solvers.FourierFeatures(sigma=(1 / (4 * np.pi), 10 / (4 * np.pi)), n=100)
    steps, stop = _adam(int(20000 * scale))
    res = solvers.PINN(system, hidden=[100, 100], features=ff, n_collocation=1280, n_boundary=1,
                       sampling="uniform", dtype="float32", seed=SEED).train(
        steps=steps, lr=lambda step: 1e-3 / (1 + 0.9 * step / 2000), resample_every=1, progress=False, callback=stop)
    X = np.linspace(0, 1, 10000)
    return _ours_timed(res, rel_l2(res.predict(u, {x: X}), _multiscale_exact(X)), steps)


def poisson_pointset(scale):
    """DeepXDE's Poisson_PointSetOperator_1d.py: u'' = 2 on [-1, 1], u(-1) = 0, and u'(1) = 4
    given as an observation of the derivative at the point x = 1 (a PointSetOperatorBC);
    exact (x + 1)^2; [50] * 3 tanh, 16 domain points, 2 x 10000 Adam 1e-3."""
    x = sn.variables("x")
    u = sn.fields("u", x)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(u), 2)], [sn.Dirichlet(u, x, "min", 0)], domain={x: (-1, 1)},
                          name="poisson_pointset")
    pinn = solvers.PINN(system, hidden=[50] * 3, n_collocation=16, n_boundary=1, residual_at_boundary=True,
                        dtype="float32", seed=SEED)
    res = _fit(pinn, int(20000 * scale), data={sn.D(x)(u): ({x: np.array([1.0])}, np.array([4.0]))})
    X = np.linspace(-1, 1, 1000)
    return _ours_timed(res, rel_l2(res.predict(u, {x: X}), (X + 1) ** 2), res.timings["adam_steps"])


def diffusion_1d_exact_bc(scale):
    """DeepXDE's diffusion_1d_exactBC.py: diffusion_1d with the initial and wall values built
    in, u = t (1 - x^2) N + sin(pi x); [32] * 3 tanh, 40 domain points, 10000 Adam 1e-3 (`_fit`)."""
    t, x, u, system = _diffusion_1d_system(conditions=False)
    pinn = solvers.PINN(system, hidden=[32] * 3, n_collocation=40,
                        transform={u: t * (1 - x**2) * u + sympy.sin(sympy.pi * x)}, dtype="float32", seed=SEED)
    res = _fit(pinn, int(10000 * scale))
    return _ours_timed(res, _diffusion_1d_error(res, t, x, u), res.timings["adam_steps"])


def diffusion_1d_resample(scale):
    """DeepXDE's diffusion_1d_resample.py: diffusion_1d with 40 domain, 20 boundary and 10
    initial points ("pseudo" random), the domain points redrawn every 100 steps, 2000 Adam 1e-3."""
    t, x, u, system = _diffusion_1d_system()
    steps, stop = _adam(int(2000 * scale))
    res = solvers.PINN(system, hidden=[32] * 3, n_collocation=40, n_boundary=10, n_initial=10, sampling="uniform", residual_at_boundary=True,
                       dtype="float32", seed=SEED).train(steps=steps, lr=1e-3, resample_every=100, progress=False, callback=stop)
    return _ours_timed(res, _diffusion_1d_error(res, t, x, u), steps)


LMBD, MU, Q = 1.0, 0.5, 4.0


def _plate_exact(x, y):
    """The manufactured plate (Haghighat et al. 2021): displacements and stresses, as sympy."""
    pi = sympy.pi
    ux = sympy.cos(2 * pi * x) * sympy.sin(pi * y)
    uy = sympy.sin(pi * x) * Q * y**4 / 4
    exx, eyy, exy = ux.diff(x), uy.diff(y), (ux.diff(y) + uy.diff(x)) / 2
    return (ux, uy, (2 * MU + LMBD) * exx + LMBD * eyy, (2 * MU + LMBD) * eyy + LMBD * exx, 2 * MU * exy)


def elasticity_plate(scale):
    """DeepXDE's elasticity_plate.py: linear elasticity on [0, 1]^2 written as five fields
    (ux, uy, sxx, syy, sxy: momentum balance with body forces of a manufactured solution,
    and the stress-strain law), every boundary value built in (its "hard" variant: ux = y (1 -
    y) N0, uy = x (1 - x) y N1, sxx = x (1 - x) N2, syy = (1 - y) N3 + (lambda + 2 mu) Q sin(pi
    x), sxy = N4); one network of four tanh layers of 40 per field (PFNN [2, [40] * 5, [40] * 5, [40] * 5, [40] * 5, 5]), 500 domain points, 5000 Adam 1e-3."""
    x, y = sn.variables("x y")
    ux, uy, sxx, syy, sxy = fields = sn.fields("ux uy sxx syy sxy", x, y)
    ex = _plate_exact(x, y)
    fx = ex[2].diff(x) + ex[4].diff(y)
    fy = ex[4].diff(x) + ex[3].diff(y)
    Dx, Dy = sn.D(x), sn.D(y)
    eqs = [sn.Eq(Dx(sxx) + Dy(sxy), fx), sn.Eq(Dx(sxy) + Dy(syy), fy),
           sn.Eq((2 * MU + LMBD) * Dx(ux) + LMBD * Dy(uy), sxx),
           sn.Eq((2 * MU + LMBD) * Dy(uy) + LMBD * Dx(ux), syy),
           sn.Eq(MU * (Dy(ux) + Dx(uy)), sxy)]
    system = sn.PDESystem(eqs, [], domain={x: (0, 1), y: (0, 1)}, time=None, name="elasticity_plate")
    transform = {ux: y * (1 - y) * ux, uy: x * (1 - x) * y * uy, sxx: x * (1 - x) * sxx,
                 syy: (1 - y) * syy + (LMBD + 2 * MU) * Q * sympy.sin(sympy.pi * x), sxy: sxy}
    steps, stop = _adam(int(5000 * scale))
    res = solvers.PINN(system, hidden=[40] * 4, networks="separate", n_collocation=500, transform=transform,
                       dtype="float32", seed=SEED).train(steps=steps, lr=1e-3, progress=False, callback=stop)
    P = np.random.default_rng(123).random((5000, 2))
    want = np.stack([sympy.lambdify((x, y), e)(P[:, 0], P[:, 1]) * np.ones(len(P)) for e in ex], axis=1)
    got = np.stack([res.predict(f, {x: P[:, 0], y: P[:, 1]}) for f in fields], axis=1)
    return _ours_timed(res, rel_l2(got, want), steps)


BS_K, BS_R, BS_SIGMA, BS_SMAX = 50.0, 0.05, 0.2, 150.0


def _black_scholes_exact(S, tau):
    tau = np.maximum(tau, 1e-8)
    S = np.maximum(S, 1e-10)
    d1 = (np.log(S / BS_K) + (BS_R + 0.5 * BS_SIGMA**2) * tau) / (BS_SIGMA * np.sqrt(tau))
    d2 = d1 - BS_SIGMA * np.sqrt(tau)
    return S * scipy.stats.norm.cdf(d1) - BS_K * np.exp(-BS_R * tau) * scipy.stats.norm.cdf(d2)


def _black_scholes_test():
    SS, TT = np.meshgrid(np.linspace(0, BS_SMAX, 256), np.linspace(0, 1, 201))
    return SS.ravel(), TT.ravel()


def black_scholes_call(scale):
    """DeepXDE's black_scholes_call.py: V_tau = sigma^2 S^2 V_SS / 2 + r S V_S - r V on
    S in [0, 150], tau in [0, 1], V(S, 0) = max(S - K, 0), V(0, tau) = 0, V(S_max, tau) =
    S_max - K e^(-r tau), K = 50, r = 0.05, sigma = 0.2; exact: the Black-Scholes formula
    (error on its 256 x 201 grid); [28] * 4 tanh, 2047 domain, 63 boundary, 127 initial Sobol
    points, 20000 Adam 1e-3, then L-BFGS."""
    tau, S = sn.variables("tau S")
    V = sn.fields("V", tau, S)
    system = sn.PDESystem(
        [sn.Eq(sn.D(tau)(V), BS_SIGMA**2 / 2 * S**2 * sn.D(S, 2)(V) + BS_R * S * sn.D(S)(V) - BS_R * V)],
        [sn.Initial(V, sympy.Max(S - BS_K, 0)), sn.Dirichlet(V, S, "min", 0),
         sn.Dirichlet(V, S, "max", BS_SMAX - BS_K * sympy.exp(-BS_R * tau))],
        domain={tau: (0, 1), S: (0, BS_SMAX)}, time=tau, name="black_scholes_call")
    steps = int(20000 * scale)
    res = solvers.PINN(system, hidden=[28] * 4, n_collocation=2047, n_boundary=32, n_initial=127, dtype="float32",
                       seed=SEED).train(steps=steps, lr=1e-3, lbfgs=int(15000 * scale), progress=False)
    SS, TT = _black_scholes_test()
    return _ours(res, rel_l2(res.predict(V, {tau: TT, S: SS}), _black_scholes_exact(SS, TT)), steps)


ABC_K0, ABC_R = 2.0, np.pi / 4


def _sound_hard_exact(P):
    """The field scattered by a sound-hard disk of radius R from the plane wave e^(i k0 x)
    (DeepXDE's series, n from -N to N - 1)."""
    r, theta = np.hypot(P[:, 0], P[:, 1]), np.arctan2(P[:, 1], P[:, 0])
    ka = ABC_K0 * ABC_R
    jv, h1 = scipy.special.jv, scipy.special.hankel1
    u = np.zeros(len(P), complex)
    for n in range(-int(30 + ka**1.01), int(30 + ka**1.01)):
        dj = jv(n - 1, ka) - n / ka * jv(n, ka)
        dh = n / ka * h1(n, ka) - h1(n + 1, ka)
        u += -(1j**n) * (dj / dh) * h1(n, ABC_K0 * r) * np.exp(1j * n * theta)
    return np.stack([u.real, u.imag], axis=1)


def _sound_hard_test_points():
    square, disk = sn.Rectangle((-np.pi, -np.pi), (np.pi, np.pi)), sn.Disk((0, 0), ABC_R)
    return (square - disk).sample_interior(5000, np.random.default_rng(123))


def helmholtz_sound_hard(scale):
    """DeepXDE's Helmholtz_Sound_hard_ABC_2d.py: the wave e^(i k0 x), k0 = 2, scattered by a
    sound-hard disk of radius pi/4 in the square [-pi, pi]^2: -lap u - k0^2 u = 0 for the real
    and imaginary parts (u0, u1), du/dn = -d(e^(i k0 x))/dn on the disk (the total field's
    normal derivative vanishes), the first-order absorbing condition du/dn = i k0 u on the
    square (du0/dn = -k0 u1, du1/dn = k0 u0: fields in a boundary value); exact: the Bessel-
    Hankel series. [350] * 3 tanh, 1600 domain points (DeepXDE's 320 boundary points are
    shared by its four conditions in proportion to the boundary length; here 160 per
    condition), 10000 Adam 1e-3."""
    x, y = sn.variables("x y")
    u0, u1 = sn.fields("u0 u1", x, y)
    square, disk = sn.Rectangle((-np.pi, -np.pi), (np.pi, np.pi)), sn.Disk((0, 0), ABC_R)
    k0 = ABC_K0
    nx = -x / sympy.sqrt(x**2 + y**2)  # the domain's outward normal on the disk points into it
    eqs = [sn.Eq(-sn.D(x, 2)(u) - sn.D(y, 2)(u) - k0**2 * u, 0) for u in (u0, u1)]
    conditions = [sn.Neumann(u0, disk, k0 * sympy.sin(k0 * x) * nx), sn.Neumann(u1, disk, -k0 * sympy.cos(k0 * x) * nx),
                  sn.Neumann(u0, square, -k0 * u1), sn.Neumann(u1, square, k0 * u0)]
    system = sn.PDESystem(eqs, conditions, domain={(x, y): square - disk}, name="helmholtz_sound_hard")
    steps, stop = _adam(int(10000 * scale))
    res = solvers.PINN(system, hidden=[350] * 3, n_collocation=1600, n_boundary=160, dtype="float32",
                       seed=SEED).train(steps=steps, lr=1e-3, progress=False, callback=stop)
    P = _sound_hard_test_points()
    got = np.stack([res.predict(u, {x: P[:, 0], y: P[:, 1]}) for u in (u0, u1)], axis=1)
    return _ours_timed(res, rel_l2(got, _sound_hard_exact(P)), steps)


def ide(scale):
    """DeepXDE's ide.py: y' + int_0^x y(s) ds = 2 pi cos(2 pi x) + sin(pi x)^2 / pi on [0, 1],
    y(0) = 0; exact sin(2 pi x). The integral as written (sn.Integral(y, (x, 0, x))), by
    16-point Gauss quadrature of the network at each point, as DeepXDE's IDE data; [20] * 3
    tanh, 16 domain points, 10000 Adam 1e-3."""
    x = sn.variables("x")
    y = sn.fields("y", x)
    pi = sympy.pi
    system = sn.ODESystem([sn.Eq(sn.D(x)(y) + sn.Integral(y, (x, 0, x)),
                                 2 * pi * sympy.cos(2 * pi * x) + sympy.sin(pi * x) ** 2 / pi)],
                          [sn.Initial(y, 0)], domain={x: (0, 1)}, name="ide")
    steps, stop = _adam(int(10000 * scale))
    res = solvers.PINN(system, hidden=[20] * 3, n_collocation=16, quadrature=16, dtype="float32", seed=SEED).train(
        steps=steps, lr=1e-3, progress=False, callback=stop)
    X = np.linspace(0, 1, 100)
    return _ours_timed(res, rel_l2(res.predict(y, {x: X}), np.sin(2 * np.pi * X)), steps)


def volterra_ide(scale):
    """DeepXDE's Volterra_IDE.py: y' + y = int_0^t e^(s - t) y(s) ds on [0, 5], y(0) = 1;
    exact e^-t cosh t. The kernel's t taken out of the integral: e^-t int_0^t e^s y(s) ds,
    20-point Gauss quadrature (DeepXDE's). [20] * 3 tanh, 10 domain points (DeepXDE's
    equispaced, here Sobol), L-BFGS only (DeepXDE's default: at most 15000 iterations), in
    float64 (in float32 the loss reaches round-off, about 1e-7, and L-BFGS's line search
    stops after 130-330 iterations: 1.1e-2, 7.9e-4, 5.6e-3 over three seeds)."""
    t = sn.variables("t")
    y = sn.fields("y", t)
    system = sn.ODESystem([sn.Eq(sn.D(t)(y) + y, sympy.exp(-t) * sn.Integral(sympy.exp(t) * y, (t, 0, t)))],
                          [sn.Initial(y, 1)], domain={t: (0, 5)}, name="volterra_ide")
    res = solvers.PINN(system, hidden=[20] * 3, n_collocation=10, quadrature=20, dtype="float64", seed=SEED).train(
        steps=0, lbfgs=int(15000 * scale), progress=False)
    T = np.linspace(0, 5, 100)
    return _ours(res, rel_l2(res.predict(y, {t: T}), np.exp(-T) * np.cosh(T)), 0)

def _fractional_rhs(x, alpha):
    """(D_{0+}^alpha + D_{1-}^alpha) of x^3 (1 - x)^3, term by term (DeepXDE's closed form)."""
    from math import gamma
    return sum(c * gamma(p + 1) / gamma(p + 1 - alpha) * (x ** (p - alpha) + (1 - x) ** (p - alpha))
               for c, p in ((1, 3), (-3, 4), (3, 5), (-1, 6)))


def fractional_poisson_1d(scale):
    """DeepXDE's fractional_Poisson_1d.py: (D_{0+}^1.5 + D_{1-}^1.5) u = f on [0, 1] (Riemann-
    Liouville), exact x^3 (1 - x)^3, the zero walls built in (u = x (1 - x) N); [20] * 4 tanh,
    DeepXDE's 101 static points (its Gruenwald-Letnikov matrix on them; here 101 Sobol
    points, the operator from the network's values at 20 Chebyshev nodes, the PINN's
    default), 10000 Adam 1e-3 (`keep_best`: the parameters of the lowest recorded loss; at
    this fixed rate Adam spikes, 0.24 against 3e-3 a thousand steps earlier on one seed).
    The budget counts from the training's start, as DeepXDE's."""
    x = sn.variables("x")
    u = sn.fields("u", x)
    a = 1.5
    system = sn.PDESystem([sn.Eq(sn.FractionalDerivative(u, (x, 0, x), a) + sn.FractionalDerivative(u, (x, x, 1), a),
                                 _fractional_rhs(x, a))], [], domain={x: (0, 1)}, name="fractional_poisson_1d")
    pinn = solvers.PINN(system, hidden=[20] * 4, n_collocation=101, transform={u: x * (1 - x) * u}, dtype="float32",
                        seed=SEED)
    # fixed points: redrawn, seeds 0-2 read 7.8e-3, 2.8e-2, 5.3e-3 at 12k steps against 8.5e-3, 9.3e-3, 2.8e-3
    res = _fit(pinn, int(10000 * scale), resample_every=None)
    X = np.linspace(0, 1, 201)
    return _ours_timed(res, rel_l2(res.predict(u, {x: X}), X**3 * (1 - X) ** 3), res.timings["adam_steps"])


def fractional_diffusion_1d(scale):
    """DeepXDE's fractional_diffusion_1d.py: u_t = (D_{0+}^1.8 + D_{1-}^1.8) u - e^-t (g + (D_{0+}^1.8 +
    D_{1-}^1.8) g), g = x^3 (1 - x)^3, on [0, 1] x [0, 1]; exact e^-t g; walls and initial value
    built in (u = x (1 - x) t N + g); [20] * 4 tanh, 400 domain points (here 20 times of 20
    points each, each time's 20 Chebyshev nodes shared: DeepXDE's static data is a grid of
    8 times x 52 points), 10000 Adam 1e-3, `keep_best` (see fractional_poisson_1d), the
    residual's points 0.05 clear of the walls (`margin`: the network's D^1.8 is singular
    like x^-0.8 there, the exact solution's not) and redrawn every 1000 steps (together:
    2.5e-3, 6.6e-3, 2.5e-3 on seeds 0-2 at 12 000 steps, against 5.0e-3, 9.8e-3, 1.1e-2
    with neither; redrawn without the margin, 3.0e-2..4.0e-2). The budget counts from the
    training's start."""
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    a = 1.8
    g = x**3 * (1 - x) ** 3
    frac = sn.FractionalDerivative(u, (x, 0, x), a) + sn.FractionalDerivative(u, (x, x, 1), a)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), frac - sympy.exp(-t) * (g + _fractional_rhs(x, a)))], [],
                          domain={t: (0, 1), x: (0, 1)}, name="fractional_diffusion_1d")
    pinn = solvers.PINN(system, hidden=[20] * 4, n_collocation=400, transform={u: x * (1 - x) * t * u + g},
                        margin=0.05, dtype="float32", seed=SEED)
    res = _fit(pinn, int(10000 * scale))
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 1, 101), np.linspace(0, 1, 101)))
    return _ours_timed(res, rel_l2(res.predict(u, {t: T, x: X}), np.exp(-T) * X**3 * (1 - X) ** 3), res.timings["adam_steps"])


MARGIN = 0.05  # --margin: the fractional Laplacian's residual points clear of the boundary


def _fractional_ball(d, scale, steps, n_points, directions):
    """DeepXDE's fractional_Poisson_2d/3d.py: (-Delta)^(alpha/2) u = f on the unit disk / ball,
    alpha = 1.8, u = 0 outside, exact (1 - |x|^2)^(1 + alpha/2) (f by Dyda's formula), the
    boundary value built in (u = (1 - |x|^2) N); [20] * 4 tanh, Adam 1e-3. DeepXDE: rays in 8
    (2-D) or 8 x 8 (3-D) directions of 100 Gruenwald-Letnikov points each; symnum: `directions`
    angles (3-D: times half as many polar nodes), 8 Gauss-Jacobi nodes per ray, the
    residual's points 0.05 clear of the boundary (`margin`; up to the boundary the 2-D error
    stays near 2e-2: the exact solution vanishes like d^1.9 there, the network's operator is
    singular like d^-0.8 unless it follows), Adam by `_fit` (2-D at 6000 steps: 1.9e-3 on
    fixed points, 1.2e-3 redrawn)."""
    import math

    vs = sn.variables("x y z"[: 2 * d - 1])
    u = sn.fields("u", *vs)
    a = 1.8
    r2 = sum(v**2 for v in vs)
    f = 2**a * math.gamma(2 + a / 2) * math.gamma((d + a) / 2) / math.gamma(d / 2) * (1 - (1 + a / d) * r2)
    ball = sn.Disk((0, 0), 1) if d == 2 else sn.Ball((0, 0, 0), 1)
    system = sn.PDESystem([sn.Eq(sn.FractionalLaplacian(u, tuple(vs), a), f)], [], domain={tuple(vs): ball},
                          name=f"fractional_poisson_{d}d")
    pinn = solvers.PINN(system, hidden=[20] * 4, n_collocation=n_points, transform={u: (1 - r2) * u}, quadrature=8,
                        directions=directions, margin=MARGIN, dtype="float32", seed=SEED)
    res = _fit(pinn, int(steps * scale))
    P = ball.sample_interior(10000, np.random.default_rng(123))
    want = np.abs(1 - (P**2).sum(axis=1)) ** (1 + a / 2)
    return _ours_timed(res, rel_l2(res.predict(u, {v: P[:, i] for i, v in enumerate(vs)}), want), steps)


def fractional_poisson_2d(scale):
    """DeepXDE's fractional_Poisson_2d.py (see _fractional_ball): 100 domain points, 20000 steps."""
    return _fractional_ball(2, scale, 20000, 100, 16)


def fractional_poisson_3d(scale):
    """DeepXDE's fractional_Poisson_3d.py (see _fractional_ball): 256 domain points, 10000 steps."""
    return _fractional_ball(3, scale, 10000, 256, 8)


EXAMPLES = {"diffusion_1d": diffusion_1d, "poisson_neumann_1d": poisson_neumann_1d,
            "poisson_neumann_1d_lbfgs": poisson_neumann_1d_lbfgs, "heat": heat, "poisson_robin_1d": poisson_robin_1d,
            "poisson_robin_1d_lbfgs": poisson_robin_1d_lbfgs, "ode_system_lbfgs": ode_system_lbfgs, "burgers": burgers,
            "klein_gordon": klein_gordon, "beltrami": beltrami,
            "poisson_periodic_1d": poisson_periodic_1d, "ode_system": ode_system, "ode_system_decay": ode_system_decay,
            "diffusion_reaction_forward": diffusion_reaction_forward,
            "poisson_1d": poisson_1d, "euler_beam": euler_beam, "helmholtz_square": helmholtz_square,
            "wave": wave, "wave_causal": wave_causal, "disk": disk, "disk_lbfgs": disk_lbfgs, "helmholtz_hole": helmholtz_hole, "kovasznay": kovasznay,
            "elliptic_inverse_field": elliptic_inverse_field, "diffusion_reaction": diffusion_reaction,
            "diffusion_reaction_lbfgs": diffusion_reaction_lbfgs, "poisson_lshape": poisson_lshape,
            "poisson_lshape_lbfgs": poisson_lshape_lbfgs,
            "ode_2nd": ode_2nd, "poisson_exact_bc": poisson_exact_bc, "poisson_multiscale": poisson_multiscale,
            "poisson_pointset": poisson_pointset, "diffusion_1d_exact_bc": diffusion_1d_exact_bc,
            "diffusion_1d_resample": diffusion_1d_resample, "elasticity_plate": elasticity_plate,
            "black_scholes_call": black_scholes_call, "helmholtz_sound_hard": helmholtz_sound_hard, "ide": ide,
            "volterra_ide": volterra_ide, "fractional_poisson_1d": fractional_poisson_1d,
            "fractional_diffusion_1d": fractional_diffusion_1d, "fractional_poisson_2d": fractional_poisson_2d,
            "fractional_poisson_3d": fractional_poisson_3d}


# -- DeepXDE on the same problems (its PyTorch backend) ------------------------------------

def _dde():
    os.environ.setdefault("DDE_BACKEND", "pytorch")
    try:
        import deepxde as dde
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return dde


def _dde_fit(dde, data, net, steps, lr, weights=None, decay=None, callbacks=None):
    """Adam for `steps` (`decay` as DeepXDE's compile takes it), cut at BUDGET seconds
    under --seconds/--match-time: (model, seconds, steps done)."""
    model = dde.Model(data, net)
    model.compile("adam", lr=lr, loss_weights=weights, decay=decay)
    budget = _dde_budget(dde)
    t0 = time.perf_counter()
    model.train(iterations=steps, display_every=max(steps, 1), verbose=0, callbacks=[*(callbacks or []), budget])
    return model, time.perf_counter() - t0, budget.steps


def _dde_lbfgs(dde, model, iterations, callbacks=None):
    """DeepXDE's L-BFGS on `model` for at most `iterations`: its seconds."""
    dde.optimizers.config.set_LBFGS_options(maxiter=iterations)
    model.compile("L-BFGS")
    t0 = time.perf_counter()
    model.train(display_every=100000, verbose=0, callbacks=callbacks)
    return time.perf_counter() - t0


def _timed(model_seconds, error, steps):
    return _result(error, model_seconds, steps, 1e3 * model_seconds / max(steps, 1))


def dde_poisson_1d(dde, scale):
    import torch

    geom = dde.geometry.Interval(-1, 1)

    def pde(X, y):
        return -dde.grad.hessian(y, X) - np.pi**2 * torch.sin(np.pi * X)

    bc = dde.icbc.DirichletBC(geom, lambda X: np.zeros_like(X), lambda _, on: on)
    data = dde.data.PDE(geom, pde, bc, num_domain=16, num_boundary=2)
    steps = int(10000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([1] + [50] * 3 + [1], "tanh", "Glorot uniform"), steps, 1e-3)
    X = np.linspace(-1, 1, 1000)[:, None]
    return _timed(seconds, rel_l2(model.predict(X)[:, 0], np.sin(np.pi * X[:, 0])), steps)


def _dde_seed(dde):
    dde.config.set_random_seed(SEED)


def _dde_diffusion_1d(dde):
    import torch

    def pde(X, y):
        s = torch.sin(np.pi * X[:, 0:1])
        return (dde.grad.jacobian(y, X, i=0, j=1) - dde.grad.hessian(y, X, i=0, j=0)
                + torch.exp(-X[:, 1:]) * (s - np.pi**2 * s))

    def func(X):
        return np.sin(np.pi * X[:, 0:1]) * np.exp(-X[:, 1:])

    geomtime = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 1))
    return geomtime, pde, func


def _dde_diffusion_1d_error(model, func):
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 1, 100), np.linspace(-1, 1, 100)))
    P = np.stack([X, T], axis=1)
    return rel_l2(model.predict(P)[:, 0], func(P)[:, 0])


def dde_diffusion_1d(dde, scale):
    _dde_seed(dde)
    geomtime, pde, func = _dde_diffusion_1d(dde)
    bc = dde.icbc.DirichletBC(geomtime, func, lambda _, on: on)
    ic = dde.icbc.IC(geomtime, func, lambda _, on: on)
    data = dde.data.TimePDE(geomtime, pde, [bc, ic], num_domain=40, num_boundary=20, num_initial=10)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([2] + [32] * 3 + [1], "tanh", "Glorot uniform"),
                                     int(10000 * scale), 1e-3)
    return _timed(seconds, _dde_diffusion_1d_error(model, func), steps)


def dde_poisson_neumann_1d(dde, scale):
    _dde_seed(dde)
    geom = dde.geometry.Interval(-1, 1)
    bc_l = dde.icbc.DirichletBC(geom, lambda X: (X + 1) ** 2, lambda X, on: on and dde.utils.isclose(X[0], -1))
    bc_r = dde.icbc.NeumannBC(geom, lambda X: 2 * (X + 1), lambda X, on: on and dde.utils.isclose(X[0], 1))
    data = dde.data.PDE(geom, lambda X, y: dde.grad.hessian(y, X) - 2, [bc_l, bc_r], 16, 2)
    steps = int(10000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([1] + [50] * 3 + [1], "tanh", "Glorot uniform"), steps, 1e-3)
    X = np.linspace(-1, 1, 1000)[:, None]
    return _timed(seconds, rel_l2(model.predict(X)[:, 0], (X[:, 0] + 1) ** 2), steps)


def _dde_1d(dde, scale, pde, bcs, exact, steps=10000):
    _dde_seed(dde)
    data = dde.data.PDE(dde.geometry.Interval(-1, 1), pde, bcs, 16, 2)
    steps = int(steps * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([1] + [50] * 3 + [1], "tanh", "Glorot uniform"), steps, 1e-3)
    X = np.linspace(-1, 1, 1000)[:, None]
    return _timed(seconds, rel_l2(model.predict(X)[:, 0], exact(X[:, 0])), steps)


def dde_poisson_robin_1d(dde, scale):
    geom = dde.geometry.Interval(-1, 1)
    bc_l = dde.icbc.DirichletBC(geom, lambda X: (X + 1) ** 2, lambda X, on: on and dde.utils.isclose(X[0], -1))
    bc_r = dde.icbc.RobinBC(geom, lambda X, y: y, lambda X, on: on and dde.utils.isclose(X[0], 1))
    return _dde_1d(dde, scale, lambda X, y: dde.grad.hessian(y, X) - 2, [bc_l, bc_r], lambda X: (X + 1) ** 2)


def dde_poisson_periodic_1d(dde, scale):
    import torch

    geom = dde.geometry.Interval(-1, 1)
    bc1 = dde.icbc.DirichletBC(geom, lambda X: np.sin(np.pi * X), lambda X, on: on and dde.utils.isclose(X[0], -1))
    bc2 = dde.icbc.PeriodicBC(geom, 0, lambda X, on: on and dde.utils.isclose(X[0], 1))
    return _dde_1d(dde, scale, lambda X, y: -dde.grad.hessian(y, X) - np.pi**2 * torch.sin(np.pi * X), [bc1, bc2],
                   lambda X: np.sin(np.pi * X))


def dde_ode_system(dde, scale):
    _dde_seed(dde)

    def ode(X, y):
        return [dde.grad.jacobian(y, X, i=0) - y[:, 1:], dde.grad.jacobian(y, X, i=1) + y[:, 0:1]]

    geom = dde.geometry.TimeDomain(0, 10)
    ic1 = dde.icbc.IC(geom, lambda X: 0, lambda _, on: on, component=0)
    ic2 = dde.icbc.IC(geom, lambda X: 1, lambda _, on: on, component=1)
    data = dde.data.PDE(geom, ode, [ic1, ic2], 35, 2)
    steps = int(20000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([1] + [50] * 3 + [2], "tanh", "Glorot uniform"), steps, 1e-3)
    T = np.linspace(0, 10, 1000)[:, None]
    p = model.predict(T)
    err = max(rel_l2(p[:, 0], np.sin(T[:, 0])), rel_l2(p[:, 1], np.cos(T[:, 0])))
    return _timed(seconds, err, steps)


def dde_diffusion_reaction_forward(dde, scale):
    import torch

    _dde_seed(dde)

    def pde(X, y):
        x, t = X[:, 0:1], X[:, 1:]
        forcing = torch.exp(-t) * (3 * torch.sin(2 * x) / 2 + 8 * torch.sin(3 * x) / 3 + 15 * torch.sin(4 * x) / 4
                                   + 63 * torch.sin(8 * x) / 8)
        return dde.grad.jacobian(y, X, i=0, j=1) - dde.grad.hessian(y, X, i=0, j=0) - forcing

    def u0(x, sin):
        return sin(x) + sin(2 * x) / 2 + sin(3 * x) / 3 + sin(4 * x) / 4 + sin(8 * x) / 8

    geomtime = dde.geometry.GeometryXTime(dde.geometry.Interval(-np.pi, np.pi), dde.geometry.TimeDomain(0, 1))
    data = dde.data.TimePDE(geomtime, pde, [], num_domain=320)
    net = dde.nn.FNN([2] + [30] * 6 + [1], "tanh", "Glorot uniform")
    net.apply_output_transform(lambda X, y: X[:, 1:2] * (np.pi**2 - X[:, 0:1] ** 2) * y + u0(X[:, 0:1], torch.sin))
    steps = int(20000 * scale)
    model, seconds, steps = _dde_fit(dde, data, net, steps, 1e-3)
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 1, 100), np.linspace(-np.pi, np.pi, 200)))
    want = np.exp(-T) * u0(X, np.sin)
    return _timed(seconds, rel_l2(model.predict(np.stack([X, T], axis=1))[:, 0], want), steps)


def _dde_adam_lbfgs(dde, data, steps, lbfgs):
    """DeepXDE's [20] * 3 tanh (Glorot normal) network, Adam 1e-3 for `steps`, then its
    L-BFGS for at most `lbfgs` iterations (heat.py, Burgers.py): (model, seconds)."""
    model, seconds, _ = _dde_fit(dde, data, dde.nn.FNN([2] + [20] * 3 + [1], "tanh", "Glorot normal"), steps, 1e-3)
    return model, seconds + _dde_lbfgs(dde, model, lbfgs)


def dde_klein_gordon(dde, scale):
    import torch

    _dde_seed(dde)
    geomtime = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 10))

    def pde(X, y):
        x, t = X[:, 0:1], X[:, 1:2]
        return (dde.grad.hessian(y, X, i=1, j=1) - dde.grad.hessian(y, X, i=0, j=0) + y**2 + x * torch.cos(t)
                - x**2 * torch.cos(t) ** 2)

    def func(X):
        return X[:, 0:1] * np.cos(X[:, 1:2])

    bc = dde.icbc.DirichletBC(geomtime, func, lambda _, on: on)
    ic1 = dde.icbc.IC(geomtime, func, lambda _, on: on)
    ic2 = dde.icbc.OperatorBC(geomtime, lambda X, y, _: dde.grad.jacobian(y, X, i=0, j=1), lambda _, on: on)
    data = dde.data.TimePDE(geomtime, pde, [bc, ic1, ic2], num_domain=30000, num_boundary=1500, num_initial=1500)
    model = dde.Model(data, dde.nn.FNN([2] + [40] * 2 + [1], "tanh", "Glorot uniform"))
    steps = int(20000 * scale)
    model.compile("adam", lr=1e-3, decay=("inverse time", 3000, 0.9))
    budget = _dde_budget(dde)
    t0 = time.perf_counter()
    model.train(iterations=steps, display_every=max(steps, 1), verbose=0, callbacks=[budget])
    if not budget.spent:  # with --seconds, L-BFGS only within the budget
        _dde_lbfgs(dde, model, int(15000 * scale), callbacks=[budget])
    seconds, steps = time.perf_counter() - t0, min(steps, budget.steps)
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 10, 256), np.linspace(-1, 1, 256)))
    return _timed(seconds, rel_l2(model.predict(np.stack([X, T], axis=1))[:, 0], X * np.cos(T)), steps)


def _dde_budget(dde):
    """A DeepXDE callback that stops training once BUDGET seconds have passed; counts steps."""

    class Budget(dde.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.start, self.steps = time.perf_counter(), 0

        def on_batch_end(self):
            self.steps += 1
            if BUDGET is not None and time.perf_counter() - self.start > BUDGET:
                self.model.stop_training = True

        @property
        def spent(self):
            return BUDGET is not None and time.perf_counter() - self.start > BUDGET

    return Budget()


def dde_beltrami(dde, scale):
    _dde_seed(dde)

    def pde(X, q):
        vel = [q[:, i:i + 1] for i in range(3)]
        out = []
        for i in range(3):
            conv = sum(vel[j] * dde.grad.jacobian(q, X, i=i, j=j) for j in range(3))
            lap = sum(dde.grad.hessian(q, X, component=i, i=j, j=j) for j in range(3))
            out.append(dde.grad.jacobian(q, X, i=i, j=3) + conv + dde.grad.jacobian(q, X, i=3, j=i) - lap)
        out.append(sum(dde.grad.jacobian(q, X, i=j, j=j) for j in range(3)))
        return out

    def exact(i):
        return lambda X: _beltrami_exact(X[:, 0:1], X[:, 1:2], X[:, 2:3], X[:, 3:4])[i]

    geom = dde.geometry.GeometryXTime(dde.geometry.Cuboid([-1, -1, -1], [1, 1, 1]), dde.geometry.TimeDomain(0, 1))
    conds = [dde.icbc.DirichletBC(geom, exact(i), lambda _, on: on, component=i) for i in range(3)]
    conds += [dde.icbc.IC(geom, exact(i), lambda _, on: on, component=i) for i in range(3)]
    data = dde.data.TimePDE(geom, pde, conds, num_domain=50000, num_boundary=5000, num_initial=5000)
    model = dde.Model(data, dde.nn.FNN([4] + [50] * 4 + [4], "tanh", "Glorot normal"))
    model.compile("adam", lr=1e-3, loss_weights=[1, 1, 1, 1] + [100] * 6)
    steps = int(30000 * scale)
    budget = _dde_budget(dde)
    t0 = time.perf_counter()
    model.train(iterations=steps, display_every=max(steps, 1), verbose=0, callbacks=[budget])
    seconds = time.perf_counter() - t0
    Xs, Ys, Zs, Ts = _beltrami_points()
    got = model.predict(np.stack([Xs, Ys, Zs, Ts], axis=1))[:, :3].T.ravel()
    want = np.concatenate(_beltrami_exact(Xs, Ys, Zs, Ts))
    return _result(rel_l2(got, want), seconds, budget.steps, 1e3 * seconds / max(budget.steps, 1))


def dde_burgers(dde, scale):
    _dde_seed(dde)
    geomtime = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 0.99))

    def pde(X, y):
        return (dde.grad.jacobian(y, X, i=0, j=1) + y * dde.grad.jacobian(y, X, i=0, j=0)
                - 0.01 / np.pi * dde.grad.hessian(y, X, i=0, j=0))

    bc = dde.icbc.DirichletBC(geomtime, lambda X: 0, lambda _, on: on)
    ic = dde.icbc.IC(geomtime, lambda X: -np.sin(np.pi * X[:, 0:1]), lambda _, on: on)
    data = dde.data.TimePDE(geomtime, pde, [bc, ic], num_domain=2540, num_boundary=80, num_initial=160)
    steps = int(15000 * scale)
    model, seconds = _dde_adam_lbfgs(dde, data, steps, int(15000 * scale))
    T, X, U = _burgers_reference()
    return _timed(seconds, rel_l2(model.predict(np.stack([X, T], axis=1))[:, 0], U), steps)


def dde_heat(dde, scale):
    _dde_seed(dde)
    geomtime = dde.geometry.GeometryXTime(dde.geometry.Interval(0, 1), dde.geometry.TimeDomain(0, 1))
    bc = dde.icbc.DirichletBC(geomtime, lambda X: 0, lambda _, on: on)
    ic = dde.icbc.IC(geomtime, lambda X: np.sin(np.pi * X[:, 0:1]), lambda _, on: on)
    data = dde.data.TimePDE(geomtime, lambda X, y: dde.grad.jacobian(y, X, i=0, j=1) - 0.4 * dde.grad.hessian(y, X, i=0, j=0),
                            [bc, ic], num_domain=2540, num_boundary=80, num_initial=160)
    steps = int(20000 * scale)
    model, seconds = _dde_adam_lbfgs(dde, data, steps, int(15000 * scale))
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 1, 201), np.linspace(0, 1, 256)))
    P = np.stack([X, T], axis=1)
    want = np.exp(-0.4 * np.pi**2 * T) * np.sin(np.pi * X)
    return _timed(seconds, rel_l2(model.predict(P)[:, 0], want), steps)


def dde_euler_beam(dde, scale):
    geom = dde.geometry.Interval(0, 1)

    def d2(X, y):
        return dde.grad.hessian(y, X)

    def d3(X, y):
        return dde.grad.jacobian(d2(X, y), X)

    def pde(X, y):
        return dde.grad.hessian(d2(X, y), X) + 1

    def left(X, on):
        return on and np.isclose(X[0], 0)

    def right(X, on):
        return on and np.isclose(X[0], 1)

    bcs = [dde.icbc.DirichletBC(geom, lambda X: 0, left), dde.icbc.NeumannBC(geom, lambda X: 0, left),
           dde.icbc.OperatorBC(geom, lambda X, y, _: d2(X, y), right),
           dde.icbc.OperatorBC(geom, lambda X, y, _: d3(X, y), right)]
    data = dde.data.PDE(geom, pde, bcs, num_domain=10, num_boundary=2)
    steps = int(10000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([1] + [20] * 3 + [1], "tanh", "Glorot uniform"), steps, 1e-3)
    X = np.linspace(0, 1, 1000)[:, None]
    return _timed(seconds, rel_l2(model.predict(X)[:, 0], _beam_exact(X[:, 0])), steps)


def dde_helmholtz_square(dde, scale):
    import torch

    geom = dde.geometry.Rectangle([0, 0], [1, 1])

    def pde(X, y):
        f = K2**2 * torch.sin(K2 * X[:, 0:1]) * torch.sin(K2 * X[:, 1:2])
        return -dde.grad.hessian(y, X, i=0, j=0) - dde.grad.hessian(y, X, i=1, j=1) - K2**2 * y - f

    bc = dde.icbc.DirichletBC(geom, lambda X: np.zeros((len(X), 1)), lambda _, on: on)
    data = dde.data.PDE(geom, pde, bc, num_domain=400, num_boundary=80)
    steps = int(5000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([2] + [150] * 3 + [1], "sin", "Glorot uniform"), steps, 1e-3,
                                [1, 100])
    P = np.random.default_rng(123).random((5000, 2))
    exact = np.sin(K2 * P[:, 0]) * np.sin(K2 * P[:, 1])
    return _timed(seconds, rel_l2(model.predict(P)[:, 0], exact), steps)


def dde_disk(dde, scale):
    geom = dde.geometry.Disk([0, 0], 1)

    def pde(X, u):
        return dde.grad.hessian(u, X, i=0, j=0) + dde.grad.hessian(u, X, i=1, j=1)

    bc = dde.icbc.DirichletBC(geom, lambda X: X[:, 0:1], lambda _, on: on)
    data = dde.data.PDE(geom, pde, [bc], num_domain=2540, num_boundary=80)
    steps = int(15000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([2] + [20] * 3 + [1], "tanh", "Glorot uniform"), steps, 1e-3)
    P = sn.Disk((0, 0), 1).sample_interior(5000, np.random.default_rng(123))
    return _timed(seconds, rel_l2(model.predict(P)[:, 0], P[:, 0]), steps)


def dde_helmholtz_hole(dde, scale):
    import torch

    outer, inner = dde.geometry.Rectangle([-0.5, -0.5], [0.5, 0.5]), dde.geometry.Disk([0, 0], 0.25)
    geom = outer - inner

    def pde(X, u):
        f = K0**2 * torch.sin(K0 * X[:, 0:1]) * torch.sin(K0 * X[:, 1:2])
        return -dde.grad.hessian(u, X, i=0, j=0) - dde.grad.hessian(u, X, i=1, j=1) - K0**2 * u - f

    def neumann(X):
        grad = np.stack([K0 * np.cos(K0 * X[:, 0]) * np.sin(K0 * X[:, 1]),
                         K0 * np.sin(K0 * X[:, 0]) * np.cos(K0 * X[:, 1])], axis=1)
        return np.sum(grad * -inner.boundary_normal(X), axis=1, keepdims=True)

    bc_in = dde.icbc.NeumannBC(geom, neumann, lambda X, on: on and inner.on_boundary(X))
    bc_out = dde.icbc.DirichletBC(geom, lambda X: _hole_exact(X)[:, None], lambda X, on: on and outer.on_boundary(X))
    data = dde.data.PDE(geom, pde, [bc_in, bc_out], num_domain=225, num_boundary=240)
    steps = int(5000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([2] + [350] * 3 + [1], "sin", "Glorot uniform"), steps, 1e-3,
                                [1, 10, 100])
    P = (sn.Rectangle((-0.5, -0.5), (0.5, 0.5)) - sn.Disk((0, 0), 0.25)).sample_interior(5000, np.random.default_rng(123))
    return _timed(seconds, rel_l2(model.predict(P)[:, 0], _hole_exact(P)), steps)


def dde_poisson_lshape(dde, scale):
    geom = dde.geometry.Polygon([list(v) for v in L_SHAPE])

    def pde(X, u):
        return -dde.grad.hessian(u, X, i=0, j=0) - dde.grad.hessian(u, X, i=1, j=1) - 1

    bc = dde.icbc.DirichletBC(geom, lambda X: np.zeros((len(X), 1)), lambda _, on: on)
    data = dde.data.PDE(geom, pde, bc, num_domain=1200, num_boundary=120)
    for name in ("train_x", "train_x_all", "train_x_bc", "test_x"):  # its Polygon samples float64
        if getattr(data, name, None) is not None:
            setattr(data, name, getattr(data, name).astype(np.float32))
    steps = int(50000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([2] + [50] * 4 + [1], "tanh", "Glorot uniform"), steps, 1e-3)
    P = _lshape_points()
    return _timed(seconds, rel_l2(model.predict(P)[:, 0], _lshape_reference()(P)), steps)


def dde_elliptic_inverse_field(dde, scale):
    geom = dde.geometry.Interval(-1, 1)

    def pde(X, y):
        return -dde.grad.hessian(y, X, component=0, i=0, j=0) + y[:, 1:2]

    xo = np.linspace(-1, 1, 100)[:, None]
    bc = dde.icbc.DirichletBC(geom, lambda X: np.sin(np.pi * X), lambda _, on: on, component=0)
    observe = dde.icbc.PointSetBC(xo, np.sin(np.pi * xo), component=0)
    data = dde.data.PDE(geom, pde, [bc, observe], num_domain=200, num_boundary=2, anchors=xo)
    steps = int(20000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.PFNN([1, [20, 20], [20, 20], [20, 20], 2], "tanh", "Glorot uniform"),
                                steps, 1e-4, [1, 100, 1000])
    X = np.linspace(-1, 1, 500)[:, None]
    return _timed(seconds, rel_l2(model.predict(X)[:, 1], -np.pi**2 * np.sin(np.pi * X[:, 0])), steps)


def dde_diffusion_reaction(dde, scale):
    import torch

    X, U = _diffusion_reaction_reference()
    geom = dde.geometry.Interval(0, 1)

    def pde(x, y):
        return 0.01 * dde.grad.hessian(y, x, component=0) - y[:, 1:2] * y[:, 0:1] - torch.sin(2 * np.pi * x)

    xo = np.linspace(0, 1, 50)[:, None]
    bc = dde.icbc.DirichletBC(geom, lambda x: np.zeros_like(x), lambda _, on: on, component=0)
    observe = dde.icbc.PointSetBC(xo, np.interp(xo, X, U), component=0)
    data = dde.data.PDE(geom, pde, [bc, observe], num_domain=200, num_boundary=2, anchors=xo)
    steps = int(20000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.PFNN([1, [20, 20], [20, 20], [20, 20], 2], "tanh", "Glorot uniform"),
                                steps, 1e-3, [1, 1, 100])
    Xt = np.linspace(0, 1, 1001)[:, None]
    return _timed(seconds, rel_l2(model.predict(Xt)[:, 1], _k_exact(Xt[:, 0])), steps)


def dde_kovasznay(dde, scale):
    geom = dde.geometry.Rectangle([-0.5, -0.5], [1.0, 1.5])

    def pde(X, Y):
        u, v = Y[:, 0:1], Y[:, 1:2]
        g = {(c, i): dde.grad.jacobian(Y, X, i=c, j=i) for c in range(3) for i in range(2)}
        h = {(c, i): dde.grad.hessian(Y, X, component=c, i=i, j=i) for c in range(2) for i in range(2)}
        return [u * g[0, 0] + v * g[0, 1] + g[2, 0] - (h[0, 0] + h[0, 1]) / RE,
                u * g[1, 0] + v * g[1, 1] + g[2, 1] - (h[1, 0] + h[1, 1]) / RE,
                g[0, 0] + g[1, 1]]

    def exact(c):  # DeepXDE reads a second parameter as auxiliary variables: one argument only
        return lambda X: _kovasznay_exact(X)[c][:, None]

    bcs = [dde.icbc.DirichletBC(geom, exact(c), lambda _, on: on, component=c) for c in range(2)]
    bcs.append(dde.icbc.DirichletBC(geom, lambda X: _kovasznay_exact(X)[2][:, None],
                                    lambda X, on: on and np.isclose(X[0], 1.0), component=2))
    data = dde.data.PDE(geom, pde, bcs, num_domain=2601, num_boundary=400)
    steps = int(30000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([2] + [50] * 4 + [3], "tanh", "Glorot normal"), steps, 1e-3)
    P = sn.Rectangle((-0.5, -0.5), (1.0, 1.5)).sample_interior(5000, np.random.default_rng(123))
    pred, want = model.predict(P), _kovasznay_exact(P)
    err = max(rel_l2(pred[:, c], want[c]) for c in range(2))
    return _timed(seconds, err, steps)


def dde_wave(scale):
    """DeepXDE's wave_1d.py on its TensorFlow-1 backend (the only one with STMsFFN)."""
    return _dde_tf1(f"""
C, A = 10.0, 2.0
def pde(X, y):
    return dde.grad.hessian(y, X, i=1, j=1) - C**2 * dde.grad.hessian(y, X, i=0, j=0)
def func(X):
    x, t = X[:, 0:1], X[:, 1:2]
    return np.sin(np.pi * x) * np.cos(C * np.pi * t) + np.sin(A * np.pi * x) * np.cos(A * C * np.pi * t) / 2
geomtime = dde.geometry.GeometryXTime(dde.geometry.Interval(0, 1), dde.geometry.TimeDomain(0, 1))
bc = dde.icbc.DirichletBC(geomtime, func, lambda _, on: on)
ic1 = dde.icbc.IC(geomtime, func, lambda _, on: on)
ic2 = dde.icbc.OperatorBC(geomtime, lambda X, y, _: dde.grad.jacobian(y, X, i=0, j=1), lambda X, _: np.isclose(X[1], 0))
data = dde.data.TimePDE(geomtime, pde, [bc, ic1, ic2], num_domain=360, num_boundary=360, num_initial=360)
net = dde.nn.STMsFFN([2] + [100] * 3 + [1], "tanh", "Glorot uniform", sigmas_x=[1], sigmas_t=[1, 10])
net.apply_feature_transform(lambda X: (X - 0.5) * 2 * np.sqrt(3))
model = dde.Model(data, net)
model.compile("adam", lr=1e-3, decay=("inverse time", 2000, 0.9))
steps = {int(10000 * scale)}
callbacks = [dde.callbacks.PDEPointResampler(period=1)]
def error(model):
    T, X = np.meshgrid(np.linspace(0, 1, 101), np.linspace(0, 1, 101), indexing="ij")
    P = np.stack([X.ravel(), T.ravel()], axis=1)
    pred, exact = model.predict(P)[:, 0], func(P)[:, 0]
    return float(np.linalg.norm(pred - exact) / np.linalg.norm(exact))
""")


def dde_ode_2nd(dde, scale):
    _dde_seed(dde)

    def ode(T, y):
        return dde.grad.hessian(y, T) - 10 * dde.grad.jacobian(y, T) + 9 * y - 5 * T

    geom = dde.geometry.TimeDomain(0, 0.25)
    ic1 = dde.icbc.IC(geom, lambda T: -1, lambda _, on: on)
    ic2 = dde.icbc.OperatorBC(geom, lambda T, y, _: dde.grad.jacobian(y, T, i=0, j=None) - 2,
                              lambda T, on: on and dde.utils.isclose(T[0], 0))
    data = dde.data.TimePDE(geom, ode, [ic1, ic2], 16, 2)
    steps = int(10000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([1] + [50] * 3 + [1], "tanh", "Glorot uniform"), steps, 1e-3,
                              weights=[0.01, 1, 1])
    T = np.linspace(0, 0.25, 500)
    return _timed(seconds, rel_l2(model.predict(T[:, None])[:, 0], _ode_2nd_exact(T)), steps)


def dde_poisson_exact_bc(dde, scale):
    import torch

    _dde_seed(dde)

    def pde(X, y):
        forcing = sum(i * torch.sin(i * X) for i in range(1, 5)) + 8 * torch.sin(8 * X)
        return -dde.grad.hessian(y, X) - forcing

    data = dde.data.PDE(dde.geometry.Interval(0, np.pi), pde, [], num_domain=64)
    net = dde.nn.FNN([1] + [50] * 3 + [1], "tanh", "Glorot uniform")
    net.apply_output_transform(lambda X, y: X * (np.pi - X) * y + X)
    steps = int(30000 * scale)
    model, seconds, steps = _dde_fit(dde, data, net, steps, 1e-4, decay=("inverse time", 1000, 0.3))
    X = np.linspace(0, np.pi, 400)
    return _timed(seconds, rel_l2(model.predict(X[:, None])[:, 0], _exact_bc_solution(X)), steps)


def _msffn(dde, layer_sizes, sigmas):
    """DeepXDE's MsFFN (its master branch; 1.15's PyTorch backend lacks it), as written there:
    per scale frozen b ~ N(0, sigma^2) of shape (in, width/2), features cos(x b), sin(x b),
    the same tanh layers for every scale, the scales' last layers concatenated into one
    linear output; Glorot uniform weights, zero biases."""
    import torch

    class MsFFN(dde.nn.pytorch.nn.NN):
        def __init__(self):
            super().__init__()
            self.b = torch.nn.ParameterList(
                [torch.nn.Parameter(torch.randn(layer_sizes[0], layer_sizes[1] // 2) * s, requires_grad=False)
                 for s in sigmas])
            self.linears = torch.nn.ModuleList(
                [torch.nn.Linear(layer_sizes[i - 1], layer_sizes[i]) for i in range(2, len(layer_sizes) - 1)])
            self.dense = torch.nn.Linear(layer_sizes[-2] * len(sigmas), layer_sizes[-1])
            for lin in [*self.linears, self.dense]:
                torch.nn.init.xavier_uniform_(lin.weight)
                torch.nn.init.zeros_(lin.bias)

        def forward(self, inputs):
            outs = []
            for b in self.b:
                p = inputs @ b
                y = torch.cat([torch.cos(p), torch.sin(p)], dim=1)
                for lin in self.linears:
                    y = torch.tanh(lin(y))
                outs.append(y)
            y = self.dense(torch.cat(outs, dim=1))
            return y if self._output_transform is None else self._output_transform(inputs, y)

    return MsFFN()


def dde_poisson_multiscale(dde, scale):
    import torch

    _dde_seed(dde)

    def pde(X, y):
        return (dde.grad.hessian(y, X) + (np.pi * MS_A) ** 2 * torch.sin(np.pi * MS_A * X)
                + 0.1 * (np.pi * MS_B) ** 2 * torch.sin(np.pi * MS_B * X))

    geom = dde.geometry.Interval(0, 1)
    bc = dde.icbc.DirichletBC(geom, _multiscale_exact, lambda _, on: on)
    data = dde.data.PDE(geom, pde, bc, 1280, 2, train_distribution="pseudo")
    steps = int(20000 * scale)
    model, seconds, steps = _dde_fit(dde, data, _msffn(dde, [1] + [100] * 3 + [1], [1, 10]), steps, 1e-3,
                              decay=("inverse time", 2000, 0.9), callbacks=[dde.callbacks.PDEPointResampler(period=1)])
    X = np.linspace(0, 1, 10000)
    return _timed(seconds, rel_l2(model.predict(X[:, None])[:, 0], _multiscale_exact(X)), steps)


def dde_poisson_pointset(dde, scale):
    _dde_seed(dde)
    geom = dde.geometry.Interval(-1, 1)
    bc_l = dde.icbc.DirichletBC(geom, lambda X: (X + 1) ** 2, lambda X, on: on and dde.utils.isclose(X[0], -1))
    right = np.array([[1.0]])
    bc_r = dde.icbc.PointSetOperatorBC(right, 2 * (right + 1), lambda X, y, _: dde.grad.jacobian(y, X))
    data = dde.data.PDE(geom, lambda X, y: dde.grad.hessian(y, X) - 2, [bc_l, bc_r], num_domain=16, num_boundary=2)
    steps = int(20000 * scale)  # the script trains twice 10000 steps, recompiling Adam in between
    model, seconds, done = _dde_fit(dde, data, dde.nn.FNN([1] + [50] * 3 + [1], "tanh", "Glorot uniform"), steps // 2, 1e-3)
    model.compile("adam", lr=1e-3)
    t0 = time.perf_counter()
    model.train(iterations=steps - steps // 2, display_every=max(steps, 1), verbose=0)
    seconds += time.perf_counter() - t0
    steps = done + steps - steps // 2
    X = np.linspace(-1, 1, 1000)
    return _timed(seconds, rel_l2(model.predict(X[:, None])[:, 0], (X + 1) ** 2), steps)


def dde_diffusion_1d_exact_bc(dde, scale):
    import torch

    _dde_seed(dde)
    geomtime, pde, func = _dde_diffusion_1d(dde)
    data = dde.data.TimePDE(geomtime, pde, [], num_domain=40)
    net = dde.nn.FNN([2] + [32] * 3 + [1], "tanh", "Glorot uniform")
    net.apply_output_transform(lambda X, y: X[:, 1:2] * (1 - X[:, 0:1] ** 2) * y + torch.sin(np.pi * X[:, 0:1]))
    steps = int(10000 * scale)
    model, seconds, steps = _dde_fit(dde, data, net, steps, 1e-3)
    return _timed(seconds, _dde_diffusion_1d_error(model, func), steps)


def dde_diffusion_1d_resample(dde, scale):
    _dde_seed(dde)
    geomtime, pde, func = _dde_diffusion_1d(dde)
    bc = dde.icbc.DirichletBC(geomtime, func, lambda _, on: on)
    ic = dde.icbc.IC(geomtime, func, lambda _, on: on)
    data = dde.data.TimePDE(geomtime, pde, [bc, ic], num_domain=40, num_boundary=20, num_initial=10,
                            train_distribution="pseudo")
    steps = int(2000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([2] + [32] * 3 + [1], "tanh", "Glorot uniform"), steps, 1e-3,
                              callbacks=[dde.callbacks.PDEPointResampler(period=100)])
    return _timed(seconds, _dde_diffusion_1d_error(model, func), steps)


def dde_elasticity_plate(dde, scale):
    import torch

    _dde_seed(dde)
    x, y = sympy.symbols("x y")
    ex = _plate_exact(x, y)
    torch_fns = [{"sin": torch.sin, "cos": torch.cos}, "math"]  # DeepXDE's script writes the forces in torch
    fx = sympy.lambdify((x, y), ex[2].diff(x) + ex[4].diff(y), torch_fns)
    fy = sympy.lambdify((x, y), ex[4].diff(x) + ex[3].diff(y), torch_fns)
    exact = [sympy.lambdify((x, y), e) for e in ex]

    def pde(X, f):
        J = dde.grad.jacobian
        e_xx, e_yy = J(f, X, i=0, j=0), J(f, X, i=1, j=1)
        e_xy = 0.5 * (J(f, X, i=0, j=1) + J(f, X, i=1, j=0))
        s_xx = e_xx * (2 * MU + LMBD) + e_yy * LMBD
        s_yy = e_yy * (2 * MU + LMBD) + e_xx * LMBD
        s_xy = e_xy * 2 * MU
        return [J(f, X, i=2, j=0) + J(f, X, i=4, j=1) - fx(X[:, 0:1], X[:, 1:2]), J(f, X, i=4, j=0) + J(f, X, i=3, j=1) - fy(X[:, 0:1], X[:, 1:2]),
                s_xx - f[:, 2:3], s_yy - f[:, 3:4], s_xy - f[:, 4:5]]

    def hard_bc(X, f):
        return torch.stack((f[:, 0] * X[:, 1] * (1 - X[:, 1]), f[:, 1] * X[:, 0] * (1 - X[:, 0]) * X[:, 1],
                            f[:, 2] * X[:, 0] * (1 - X[:, 0]),
                            f[:, 3] * (1 - X[:, 1]) + (LMBD + 2 * MU) * Q * torch.sin(np.pi * X[:, 0]), f[:, 4]), axis=1)

    data = dde.data.PDE(dde.geometry.Rectangle([0, 0], [1, 1]), pde, [], num_domain=500, num_boundary=500)
    net = dde.nn.PFNN([2, [40] * 5, [40] * 5, [40] * 5, [40] * 5, 5], "tanh", "Glorot uniform")
    net.apply_output_transform(hard_bc)
    steps = int(5000 * scale)
    model, seconds, steps = _dde_fit(dde, data, net, steps, 1e-3)
    P = np.random.default_rng(123).random((5000, 2))
    want = np.stack([e(P[:, 0], P[:, 1]) * np.ones(len(P)) for e in exact], axis=1)
    return _timed(seconds, rel_l2(model.predict(P), want), steps)


def dde_black_scholes_call(dde, scale):
    _dde_seed(dde)

    def pde(X, y):
        S = X[:, 0:1]
        return (dde.grad.jacobian(y, X, i=0, j=1)
                - (0.5 * BS_SIGMA**2 * S**2 * dde.grad.hessian(y, X, i=0, j=0)
                   + BS_R * S * dde.grad.jacobian(y, X, i=0, j=0) - BS_R * y))

    geomtime = dde.geometry.GeometryXTime(dde.geometry.Interval(0, BS_SMAX), dde.geometry.TimeDomain(0, 1))
    ic = dde.icbc.IC(geomtime, lambda X: np.maximum(X[:, 0:1] - BS_K, 0.0), lambda _, on: on)
    lower = dde.icbc.DirichletBC(geomtime, lambda X: np.zeros((len(X), 1)), lambda X, on: on and np.isclose(X[0], 0.0))
    upper = dde.icbc.DirichletBC(geomtime, lambda X: X[:, 0:1] - BS_K * np.exp(-BS_R * X[:, 1:2]),
                                 lambda X, on: on and np.isclose(X[0], BS_SMAX))
    data = dde.data.TimePDE(geomtime, pde, [ic, lower, upper], num_domain=2047, num_boundary=63, num_initial=127,
                            train_distribution="Sobol")
    steps = int(20000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([2] + [28] * 4 + [1], "tanh", "Glorot normal"), steps, 1e-3)
    seconds += _dde_lbfgs(dde, model, int(15000 * scale))
    SS, TT = _black_scholes_test()
    return _timed(seconds, rel_l2(model.predict(np.stack([SS, TT], axis=1))[:, 0], _black_scholes_exact(SS, TT)), steps)


def dde_helmholtz_sound_hard(dde, scale):
    k0 = ABC_K0
    _dde_seed(dde)
    outer = dde.geometry.Rectangle([-np.pi, -np.pi], [np.pi, np.pi])
    inner = dde.geometry.Disk([0, 0], ABC_R)
    geom = outer - inner

    def pde(X, y):
        H = dde.grad.hessian
        return [-H(y, X, component=c, i=0, j=0) - H(y, X, component=c, i=1, j=1) - k0**2 * y[:, c:c + 1]
                for c in (0, 1)]

    def g_inner(X, part):
        n = -inner.boundary_normal(X)
        g = 1j * k0 * np.exp(1j * k0 * X[:, 0:1]) * n[:, 0:1]
        return np.real(-g) if part == 0 else np.imag(-g)

    on_outer = lambda X, on: on and outer.on_boundary(X)  # noqa: E731
    on_inner = lambda X, on: on and inner.on_boundary(X)  # noqa: E731
    bcs = [dde.icbc.NeumannBC(geom, lambda X: g_inner(X, 0), on_inner, component=0),
           dde.icbc.NeumannBC(geom, lambda X: g_inner(X, 1), on_inner, component=1),
           dde.icbc.RobinBC(geom, lambda X, y: -k0 * y[:, 1:2], on_outer, component=0),
           dde.icbc.RobinBC(geom, lambda X, y: k0 * y[:, 0:1], on_outer, component=1)]
    nx = int(2 * np.pi / (2 * np.pi / k0 / 20))
    data = dde.data.PDE(geom, pde, bcs, num_domain=nx**2, num_boundary=8 * nx)
    steps = int(10000 * scale)
    model, seconds, steps = _dde_fit(dde, data, dde.nn.FNN([2] + [350] * 3 + [2], "tanh", "Glorot uniform"), steps, 1e-3)
    P = _sound_hard_test_points()
    return _timed(seconds, rel_l2(model.predict(P), _sound_hard_exact(P)), steps)


def _dde_ide(dde, pde, interval, quad_deg, steps, lbfgs, exact, kernel=None, distribution="Sobol"):
    geom = dde.geometry.TimeDomain(*interval)
    ic = dde.icbc.IC(geom, exact, lambda _, on: on)
    data = dde.data.IDE(geom, pde, ic, quad_deg, kernel=kernel, num_domain=16 if kernel is None else 10,
                        num_boundary=2, train_distribution=distribution)
    net = dde.nn.FNN([1] + [20] * 3 + [1], "tanh", "Glorot uniform")
    if steps:
        model, seconds, steps = _dde_fit(dde, data, net, steps, 1e-3)
    else:
        model, seconds = dde.Model(data, net), 0.0
    if lbfgs:
        seconds += _dde_lbfgs(dde, model, lbfgs)
    X = np.linspace(*interval, 100)[:, None]
    return _timed(seconds, rel_l2(model.predict(X)[:, 0], exact(X)[:, 0]), steps)


def dde_ide(dde, scale):
    import torch

    _dde_seed(dde)

    def pde(X, y, int_mat):  # the script's TensorFlow code in torch
        lhs = torch.matmul(torch.as_tensor(int_mat, dtype=y.dtype), y)
        rhs = 2 * np.pi * torch.cos(2 * np.pi * X) + torch.sin(np.pi * X) ** 2 / np.pi
        return lhs + (dde.grad.jacobian(y, X) - rhs)[: len(lhs)]

    return _dde_ide(dde, pde, (0, 1), 16, int(10000 * scale), 0, lambda X: np.sin(2 * np.pi * X))


def dde_volterra_ide(dde, scale):
    import torch

    _dde_seed(dde)

    def pde(X, y, int_mat):
        rhs = torch.matmul(torch.as_tensor(int_mat, dtype=y.dtype), y)
        return (dde.grad.jacobian(y, X) + y)[: len(rhs)] - rhs

    return _dde_ide(dde, pde, (0, 5), 20, 0, int(15000 * scale), lambda X: np.exp(-X) * np.cosh(X),
                    kernel=lambda x, s: np.exp(s - x), distribution="uniform")


def _dde_tf1(body):
    """DeepXDE code run on its TensorFlow-1 backend in a subprocess (the backend is chosen
    at import; its fractional data and STMsFFN have no PyTorch version): the body builds
    `model` and `steps`, may give `callbacks`, and defines `error(model)`; (error,
    seconds, steps) back. A time budget (BUDGET) caps it."""
    import subprocess
    import sys

    code = f"""
import os, time
os.environ["DDE_BACKEND"] = "tensorflow.compat.v1"
import numpy as np, deepxde as dde
from deepxde.backend import tf
from scipy.special import gamma
tf.config.threading.set_intra_op_parallelism_threads(1); tf.config.threading.set_inter_op_parallelism_threads(1)
dde.config.set_random_seed({SEED})
BUDGET = {BUDGET!r}
class Budget(dde.callbacks.Callback):
    def __init__(self):
        super().__init__(); self.start, self.steps = time.perf_counter(), 0
    def on_batch_end(self):
        self.steps += 1
        if BUDGET is not None and time.perf_counter() - self.start > BUDGET:
            self.model.stop_training = True
def frac_rhs(x, alpha):
    return sum(c * gamma(p + 1) / gamma(p + 1 - alpha) * (x ** (p - alpha) + (1 - x) ** (p - alpha))
               for c, p in ((1, 3), (-3, 4), (3, 5), (-1, 6)))
{body}
budget = Budget()
t0 = time.perf_counter()
model.train(iterations=steps, display_every=max(steps, 1), verbose=0, callbacks=[*globals().get("callbacks", []), budget])
seconds = time.perf_counter() - t0
print("RESULT", error(model), seconds, budget.steps)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT")]
    if not line:
        print(out.stderr[-2000:])
        return None
    err, seconds, steps = line[0].split()[1:]
    return _timed(float(seconds), float(err), int(steps))


def dde_fractional_poisson_1d(dde, scale):
    return _dde_tf1(f"""
alpha = 1.5
def fpde(x, y, int_mat):
    if isinstance(int_mat, (list, tuple)) and len(int_mat) == 3:
        lhs = tf.sparse_tensor_dense_matmul(tf.SparseTensor(*int_mat), y)
    else:
        lhs = tf.matmul(int_mat, y)
    return lhs - frac_rhs(x, alpha)[: tf.size(lhs)]
func = lambda x: x ** 3 * (1 - x) ** 3
geom = dde.geometry.Interval(0, 1)
bc = dde.icbc.DirichletBC(geom, func, lambda _, on: on)
data = dde.data.FPDE(geom, fpde, alpha, bc, [101], meshtype="static")
net = dde.nn.FNN([1] + [20] * 4 + [1], "tanh", "Glorot normal")
net.apply_output_transform(lambda x, y: x * (1 - x) * y)
model = dde.Model(data, net)
model.compile("adam", lr=1e-3)
steps = {int(10000 * scale)}
def error(model):
    X = np.linspace(0, 1, 201)[:, None]
    return float(np.linalg.norm(model.predict(X) - func(X)) / np.linalg.norm(func(X)))
""")


def dde_fractional_diffusion_1d(dde, scale):
    return _dde_tf1(f"""
alpha = 1.8
def fpde(x, y, int_mat):
    if isinstance(int_mat, (list, tuple)) and len(int_mat) == 3:
        lhs = -tf.sparse_tensor_dense_matmul(tf.SparseTensor(*int_mat), y)
    else:
        lhs = -tf.matmul(int_mat, y)
    dy_t = tf.gradients(y, x)[0][:, 1:2]
    x, t = x[:, :-1], x[:, -1:]
    rhs = -dy_t - tf.exp(-t) * (x ** 3 * (1 - x) ** 3 + frac_rhs(x, alpha))
    return lhs - rhs[: tf.size(lhs)]
def func(x):
    return np.exp(-x[:, 1:]) * x[:, :-1] ** 3 * (1 - x[:, :-1]) ** 3
geomtime = dde.geometry.GeometryXTime(dde.geometry.Interval(0, 1), dde.geometry.TimeDomain(0, 1))
bc = dde.icbc.DirichletBC(geomtime, func, lambda _, on: on)
ic = dde.icbc.IC(geomtime, func, lambda _, on: on)
data = dde.data.TimeFPDE(geomtime, fpde, alpha, [bc, ic], [52], meshtype="static", num_domain=400)
net = dde.nn.FNN([2] + [20] * 4 + [1], "tanh", "Glorot normal")
net.apply_output_transform(lambda x, y: x[:, 0:1] * (1 - x[:, 0:1]) * x[:, 1:2] * y + x[:, 0:1] ** 3 * (1 - x[:, 0:1]) ** 3)
model = dde.Model(data, net)
model.compile("adam", lr=1e-3)
steps = {int(10000 * scale)}
def error(model):
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 1, 101), np.linspace(0, 1, 101)))
    P = np.stack([X, T], axis=1)
    return float(np.linalg.norm(model.predict(P)[:, 0] - func(P)[:, 0]) / np.linalg.norm(func(P)[:, 0]))
""")


def _dde_fractional_ball(d, scale, steps, n_points, resolution):
    return _dde_tf1(f"""
alpha, d = 1.8, {d}
def fpde(x, y, int_mat):
    if isinstance(int_mat, (list, tuple)) and len(int_mat) == 3:
        lhs = tf.sparse_tensor_dense_matmul(tf.SparseTensor(*int_mat), y)
    else:
        lhs = tf.matmul(int_mat, y)
    lhs = lhs[:, 0] * gamma((1 - alpha) / 2) * gamma((d + alpha) / 2) / (2 * np.pi ** ((d + 1) / 2))
    x = x[: tf.size(lhs)]
    rhs = (2 ** alpha * gamma(2 + alpha / 2) * gamma((d + alpha) / 2) / gamma(d / 2)
           * (1 - (1 + alpha / d) * tf.reduce_sum(x ** 2, axis=1)))
    return lhs - rhs
def func(x):
    return (np.abs(1 - np.linalg.norm(x, axis=1, keepdims=True) ** 2)) ** (1 + alpha / 2)
geom = dde.geometry.Disk([0, 0], 1) if d == 2 else dde.geometry.Sphere([0, 0, 0], 1)
bc = dde.icbc.DirichletBC(geom, func, lambda _, on: on)
data = dde.data.FPDE(geom, fpde, alpha, bc, {resolution}, num_domain={n_points}, num_boundary=1)
net = dde.nn.FNN([d] + [20] * 4 + [1], "tanh", "Glorot normal")
net.apply_output_transform(lambda x, y: (1 - tf.reduce_sum(x ** 2, axis=1, keepdims=True)) * y)
model = dde.Model(data, net)
model.compile("adam", lr=1e-3)
steps = {int(steps * scale)}
def error(model):
    P = np.random.default_rng(123).normal(size=(10000, d))  # uniform in the ball, as symnum's sampler
    P = P / np.linalg.norm(P, axis=1, keepdims=True) * np.random.default_rng(124).random((10000, 1)) ** (1 / d)
    return float(np.linalg.norm(model.predict(P) - func(P)) / np.linalg.norm(func(P)))
""")


def dde_fractional_poisson_2d(dde, scale):
    return _dde_fractional_ball(2, scale, 20000, 100, [8, 100])


def dde_fractional_poisson_3d(dde, scale):
    return _dde_fractional_ball(3, scale, 10000, 256, [8, 8, 100])


DEEPXDE = {"diffusion_1d": dde_diffusion_1d, "poisson_neumann_1d": dde_poisson_neumann_1d, "heat": dde_heat,
           "poisson_robin_1d": dde_poisson_robin_1d, "poisson_periodic_1d": dde_poisson_periodic_1d,
           "ode_system": dde_ode_system, "ode_system_decay": dde_ode_system, "diffusion_reaction_forward": dde_diffusion_reaction_forward,
           "burgers": dde_burgers, "klein_gordon": dde_klein_gordon, "beltrami": dde_beltrami,
           "poisson_1d": dde_poisson_1d, "euler_beam": dde_euler_beam, "helmholtz_square": dde_helmholtz_square,
           "kovasznay": dde_kovasznay, "disk": dde_disk, "helmholtz_hole": dde_helmholtz_hole, "elliptic_inverse_field": dde_elliptic_inverse_field,
           "diffusion_reaction": dde_diffusion_reaction, "poisson_lshape": dde_poisson_lshape,
           "ode_2nd": dde_ode_2nd, "poisson_exact_bc": dde_poisson_exact_bc, "poisson_multiscale": dde_poisson_multiscale,
           "poisson_pointset": dde_poisson_pointset, "diffusion_1d_exact_bc": dde_diffusion_1d_exact_bc,
           "diffusion_1d_resample": dde_diffusion_1d_resample, "elasticity_plate": dde_elasticity_plate,
           "black_scholes_call": dde_black_scholes_call, "helmholtz_sound_hard": dde_helmholtz_sound_hard,
           "ide": dde_ide, "volterra_ide": dde_volterra_ide, "fractional_poisson_1d": dde_fractional_poisson_1d,
           "fractional_diffusion_1d": dde_fractional_diffusion_1d, "fractional_poisson_2d": dde_fractional_poisson_2d,
           "fractional_poisson_3d": dde_fractional_poisson_3d}


# the small problems, whose errors spread over orders of magnitude with the seed: --seeds N runs them for 0..N-1
SEEDED = ("diffusion_1d", "poisson_neumann_1d", "poisson_neumann_1d_lbfgs", "heat", "poisson_robin_1d",
          "poisson_periodic_1d", "ode_system", "diffusion_reaction_forward", "poisson_robin_1d_lbfgs", "ode_system_lbfgs", "ode_system_decay",
          "ode_2nd", "poisson_exact_bc", "poisson_pointset", "diffusion_1d_exact_bc", "diffusion_1d_resample", "ide",
          "volterra_ide", "fractional_poisson_1d", "fractional_diffusion_1d")


def main():
    global SEED, BUDGET, MARGIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=list(EXAMPLES))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--plain", action="store_true", help="also train a plain MLP (the Fourier features' baseline)")
    ap.add_argument("--no-deepxde", action="store_true")
    ap.add_argument("--no-symnum", action="store_true", help="DeepXDE's side alone (e.g. with --seconds at the time a "
                    "recorded symnum run took)")
    ap.add_argument("--seconds", type=float, default=None, help="cap the training at this wall time (beltrami: "
                    "each side's Adam phase; klein_gordon: DeepXDE's whole training, L-BFGS only if time is left)")
    ap.add_argument("--seeds", type=int, default=1, help="the SEEDED problems: seeds 0..N-1")
    ap.add_argument("--margin", type=float, default=MARGIN, help="fractional_poisson_2d/3d: PINN(margin=)")
    ap.add_argument("--match-time", action="store_true", help="cap DeepXDE at the wall time symnum took (as --seconds)")
    ap.add_argument("--equal-time", action="store_true", help="DeepXDE first, then symnum's Adam for DeepXDE's wall "
                    "time (the problems whose symnum side takes its budget: the small Adam-only ones)")
    args = ap.parse_args()
    dde = None if args.no_deepxde else _dde()
    BUDGET, MARGIN = args.seconds, args.margin
    runs = [(name, seed) for name in args.only
            for seed in (range(args.seeds) if name in SEEDED else [0])]
    for name, SEED in runs:
        if SEED:
            print(f"seed {SEED}:", flush=True)
        if args.equal_time and dde is not None and name in DEEPXDE:
            BUDGET = None
            r = DEEPXDE[name](dde, args.scale)
            print(f"DeepXDE {name:32s} {r['steps']:6d} Adam steps: relative L2 {r['error']:.2e}, {r['seconds']:.0f} s "
                  f"({r['ms/step']:.1f} ms/step)", flush=True)
            BUDGET = r["seconds"]
            r = EXAMPLES[name](args.scale)
            print(f"symnum  {name + ' (same time)':32s} {r['steps']:6d} Adam steps: relative L2 {r['error']:.2e}, "
                  f"{r['seconds']:.0f} s ({r['ms/step']:.1f} ms/step)", flush=True)
            continue
        variants = () if args.no_symnum else (True, False) if args.plain and name == "wave" else (True,)
        for features in variants:
            r = EXAMPLES[name](args.scale, features) if name == "wave" else EXAMPLES[name](args.scale)
            label = f"{name} ({'Fourier features' if features else 'plain MLP'})" if name == "wave" else name
            print(f"symnum  {label:32s} {r['steps']:6d} Adam steps: relative L2 {r['error']:.2e}, {r['seconds']:.0f} s "
                  f"({r['ms/step']:.1f} ms/step)", flush=True)
        if dde is not None and name == "wave":
            r = dde_wave(args.scale)
            if r is not None:
                print(f"DeepXDE {'wave (STMsFFN, TensorFlow 1)':32s} {r['steps']:6d} Adam steps: relative L2 "
                      f"{r['error']:.2e}, {r['seconds']:.0f} s ({r['ms/step']:.1f} ms/step)", flush=True)
        if dde is not None and name in DEEPXDE:
            if args.match_time and not args.no_symnum:  # DeepXDE gets the wall time symnum took
                BUDGET = r["seconds"]
            r = DEEPXDE[name](dde, args.scale)
            print(f"DeepXDE {name:32s} {r['steps']:6d} Adam steps: relative L2 {r['error']:.2e}, {r['seconds']:.0f} s "
                  f"({r['ms/step']:.1f} ms/step)", flush=True)


if __name__ == "__main__":
    main()
