"""PINN trainer: the generated residual equals a hand-written JAX residual,
periodic encoding is exact, heat and Poisson reach small errors in a short
budget, and a diffusivity is identified from observations."""

import os
import time

import numpy as np
import pytest
import sympy

import symnum as sn

jax = pytest.importorskip("jax")
pytest.importorskip("optax")
from symnum.solvers import PINN  # noqa: E402

t, x = sn.variables("t x")
u = sn.fields("u", t, x)
PI = sympy.pi


def heat(nu_value=0.1, learn_default=None):
    nu = sn.parameter("nu", nu_value if learn_default is None else learn_default)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), nu * sn.D(x, 2)(u))],
        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sympy.sin(PI * x))],
        domain={t: (0, 1), x: (0, 1)}, name="heat",
    )
    return system, nu


def test_generated_residual_equals_hand_written():
    nu = sn.parameter("nu", 0.3)
    burgers = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), -u * sn.D(x)(u) + nu * sn.D(x, 2)(u))],
        [sn.Periodic(x), sn.Initial(u, sympy.sin(x))],
        domain={t: (0, 1), x: (0, 2 * PI)}, name="burgers_res",
    )
    pinn = PINN(burgers, hidden=[8, 8], seed=3)
    params = pinn.init_params()
    z = jax.numpy.asarray(np.random.default_rng(0).uniform(0, 1, (64, 2)), "float32")
    (got,) = pinn.residuals(params, z)

    def scalar(tz, xz):
        return pinn._net(params["net"], jax.numpy.stack([tz, xz])[None, :])[0, 0]

    def hand(tz, xz):
        u_ = scalar(tz, xz)
        ut = jax.grad(scalar, 0)(tz, xz)
        ux = jax.grad(scalar, 1)(tz, xz)
        uxx = jax.grad(jax.grad(scalar, 1), 1)(tz, xz)
        return ut + u_ * ux - 0.3 * uxx

    want = jax.jit(jax.vmap(hand))(z[:, 0], z[:, 1])  # compiled: eager nested grads dispatch op by op
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-4, atol=1e-5)



def test_max_and_min_in_the_residual_and_the_conditions():
    """Max/Min print as pairwise jax.numpy.maximum/minimum (sympy's functools.reduce
    form failed inside the generated module with a NameError)."""
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + sn.Max(u, 0.2) - sn.Min(u**2, x, 0.5))],
        [sn.Dirichlet(u, x, "min", sn.Max(sn.sin(t), 0)), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sympy.sin(PI * x))],
        domain={t: (0, 1), x: (0, 1)}, name="kinks",
    )
    pinn = PINN(system, hidden=[8, 8], seed=1, dtype="float64")
    params = pinn.init_params()
    z = np.random.default_rng(0).uniform(0, 1, (32, 2))
    (got,) = pinn.residuals(params, jax.numpy.asarray(z))

    def scalar(tz, xz):
        return pinn._net(params["net"], jax.numpy.stack([tz, xz])[None, :])[0, 0]

    def hand(tz, xz):
        u_ = scalar(tz, xz)
        return (jax.grad(scalar, 0)(tz, xz) - jax.grad(jax.grad(scalar, 1), 1)(tz, xz)
                - jax.numpy.maximum(u_, 0.2) + jax.numpy.minimum(jax.numpy.minimum(u_**2, xz), 0.5))

    want = jax.jit(jax.vmap(hand))(z[:, 0], z[:, 1])
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-9, atol=1e-10)
    assert np.isfinite(pinn.train(steps=3, progress=False).loss_history[-1]).all()

@pytest.mark.slow  # training to accuracy: benchmarks/slow_tests.sh
def test_an_ode_system_against_the_compiled_integrator():
    """ODESystems train too (inputs: t only): Lotka-Volterra against Tsit5, and its
    rate identified from observations of x alone (1.2e-5 relative L2 after 3000 Adam +
    1000 L-BFGS steps, measured)."""
    from symnum import solvers

    tt = sn.variables("t")
    xf, yf = sn.fields("x y", tt)
    a, b = sn.parameter("a", 1.0), sn.parameter("b", 0.5)
    lv = sn.ODESystem([sn.Eq(sn.D(tt)(xf), a * xf - xf * yf), sn.Eq(sn.D(tt)(yf), xf * yf - b * yf)],
                      [sn.Initial(xf, 1.0), sn.Initial(yf, 0.5)], domain={tt: (0, 3)}, name="lv")
    ref = solvers.solve(solvers.discretize(lv), rtol=1e-10, atol=1e-12, saveat=31, progress=False)
    guess = lv.with_parameters({a: 0.7})  # a learned from observations of x alone
    found = PINN(guess, hidden=[24, 24], dtype="float64", n_collocation=128, seed=0, learn=[a]).train(
        steps=800, lbfgs=400, data={xf: ({tt: ref.t}, ref[xf])}, progress=False)
    for f in (xf, yf):
        pred = found.predict(f, {tt: ref.t})
        assert np.linalg.norm(pred - ref[f]) / np.linalg.norm(ref[f]) < 1e-2
    assert abs(found.learned[a] - 1.0) < 2e-2, found.learned

def test_generated_residual_coupled_fields_in_two_dimensions():
    # two coupled fields in (t, x, y), mixed derivative and a parameter: the generated
    # residuals equal hand-written ones.
    y, zc = sn.variables("y z")
    a, b = sn.fields("a b", t, x, y)
    k = sn.parameter("k", 0.7)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(a), k * sn.laplacian(a, x, y) - a * b**2 + sn.D(x)(sn.D(y)(b))),
         sn.Eq(sn.D(t)(b), 0.5 * sn.D(y, 2)(b) + a * b**2 - sympy.sin(x) * b)],
        [sn.Periodic(x), sn.Periodic(y), sn.Initial(a, sympy.cos(x)), sn.Initial(b, sympy.sin(y))],
        domain={t: (0, 1), x: (0, 2 * PI), y: (0, 2 * PI)}, name="coupled2d",
    )
    pinn = PINN(system, hidden=[8, 8], seed=5)
    params = pinn.init_params()
    z = jax.numpy.asarray(np.random.default_rng(1).uniform(0, 1, (32, 3)), "float32")
    got = jax.jit(pinn.residuals)(params, z)  # compiled: op-by-op dispatch of nested jvps is slower

    def out(i):
        return lambda *c: pinn._net(params["net"], jax.numpy.stack(c)[None, :])[0, i]

    def hand(tz, xz, yz):
        A, B = out(0), out(1)
        g = lambda f, *ax: (lambda *c: jax.grad(f, ax[0])(*c)) if len(ax) == 1 else g(g(f, ax[0]), *ax[1:])  # noqa: E731
        r1 = g(A, 0)(tz, xz, yz) - (0.7 * (g(A, 1, 1)(tz, xz, yz) + g(A, 2, 2)(tz, xz, yz))
                                      - A(tz, xz, yz) * B(tz, xz, yz) ** 2 + g(B, 1, 2)(tz, xz, yz))
        r2 = g(B, 0)(tz, xz, yz) - (0.5 * g(B, 2, 2)(tz, xz, yz) + A(tz, xz, yz) * B(tz, xz, yz) ** 2
                                      - jax.numpy.sin(xz) * B(tz, xz, yz))
        return r1, r2

    want = jax.jit(jax.vmap(hand))(z[:, 0], z[:, 1], z[:, 2])
    for gi, wi in zip(got, want):
        np.testing.assert_allclose(np.asarray(gi), np.asarray(wi), rtol=2e-4, atol=2e-4)


def test_generated_residual_steady_three_dimensional_field():
    # a steady 3D field with hard walls: the generated residual equals a hand-written one
    y, zc = sn.variables("y z")
    w = sn.fields("w", x, y, zc)
    steady = sn.PDESystem([sn.Eq(sn.laplacian(w, x, y, zc) - w**3, x * y)],
                          [sn.Dirichlet(w, v, side, 0) for v in (x, y, zc) for side in ("min", "max")],
                          domain={x: (0, 1), y: (0, 1), zc: (0, 1)}, name="steady3d")
    pinn = PINN(steady, hidden=[8], seed=6, hard=True)
    params = pinn.init_params()
    z = jax.numpy.asarray(np.random.default_rng(2).uniform(0, 1, (16, 3)), "float32")
    (got,) = jax.jit(pinn.residuals)(params, z)  # compiled: op by op the nested derivatives took 10 s
    W = lambda c: pinn._net(params["net"], c[None, :])[0, 0]  # noqa: E731
    # the Laplacian as the Hessian's trace (three grad-of-grad chains took twice as long to compile)
    want = jax.jit(jax.vmap(lambda c: jax.numpy.trace(jax.hessian(W)(c)) - W(c) ** 3 - c[0] * c[1]))(z)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=2e-4, atol=2e-4)


def test_periodic_encoding_is_exact():
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))], [sn.Periodic(x), sn.Initial(u, sympy.sin(x))],
                          domain={t: (0, 1), x: (-1, 3)}, name="per")
    pinn = PINN(system, hidden=[16], seed=1)
    res = pinn.train(steps=1, progress=False)
    T = np.linspace(0, 1, 7)
    np.testing.assert_allclose(res.predict(u, {t: T, x: -1.0}), res.predict(u, {t: T, x: 3.0}), atol=1e-6)



def test_periodic_loss_term_is_the_mismatch_of_the_ends():
    """periodic="loss" (fast check; training with it to accuracy: the slow test below)."""
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))], [sn.Periodic(x), sn.Initial(u, sympy.sin(x))],
                          domain={t: (0, 1), x: (0, 2 * PI)}, name="per_term")
    pinn = PINN(system, hidden=[8], n_boundary=16, periodic="loss", seed=3)
    params = pinn.init_params()
    losses = pinn.losses(params, pinn._points(np.random.default_rng(0)))
    assert float(losses["periodic"]) > 0.0 and np.isfinite(float(losses["periodic"]))
    flat = jax.tree_util.tree_map(lambda a: a * 0.0, params)  # a constant network is periodic
    assert float(pinn.losses(flat, pinn._points(np.random.default_rng(0)))["periodic"]) == 0.0


@pytest.mark.slow  # training to accuracy: benchmarks/slow_tests.sh
def test_periodic_by_loss_small_error():
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), 0.1 * sn.D(x, 2)(u))], [sn.Periodic(x), sn.Initial(u, sympy.sin(x))],
                          domain={t: (0, 1), x: (0, 2 * PI)}, name="per_loss")
    pinn = PINN(system, hidden=[16, 16], n_collocation=400, n_boundary=64, dtype="float64", periodic="loss")
    res = pinn.train(steps=800, lr=2e-3, lbfgs=150, progress=False)
    assert "periodic" in pinn.losses(res.params, pinn._points(np.random.default_rng(0)))
    T, X = np.meshgrid(np.linspace(0, 1, 21), np.linspace(0, 2 * np.pi, 41), indexing="ij")
    exact = np.exp(-0.1 * T) * np.sin(X)
    assert np.linalg.norm(res.predict(u, {t: T, x: X}) - exact) / np.linalg.norm(exact) < 2e-2
    Tb = np.linspace(0, 1, 11)
    np.testing.assert_allclose(res.predict(u, {t: Tb, x: 0.0}), res.predict(u, {t: Tb, x: 2 * np.pi}), atol=1e-2)


def test_poisson_small_error():
    v = sn.fields("v", x)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(v), -PI**2 * sympy.sin(PI * x))],
                          [sn.Dirichlet(v, x, "min", 0), sn.Neumann(v, x, "max", -PI)],  # outward: v'(1) = -pi
                          domain={x: (0, 1)}, name="poisson")
    res = PINN(system, hidden=[20, 20], n_collocation=256, n_boundary=16, dtype="float64").train(
        steps=1500, lr=2e-3, lbfgs=300, progress=False)
    X = np.linspace(0, 1, 101)
    exact = np.sin(np.pi * X)
    assert np.linalg.norm(res.predict(v, {x: X}) - exact) / np.linalg.norm(exact) < 5e-3
    assert res.timings["ms_per_adam_step"] < 50


@pytest.mark.parametrize("options, budget, tol", [
    pytest.param({"hidden": [20, 20, 20], "n_collocation": 1000, "causal": 1.0}, (2000, 300), 2e-2,
                 marks=pytest.mark.slow),  # causal weights' effect: test_rad_with_causal_weights_spares_late_times
    ({"hidden": [20, 20], "n_collocation": 500, "hard": True}, (1000, 200), 5e-3),   # hard IC and walls
], ids=["causal", "hard"])
def test_heat_small_error(options, budget, tol):
    system, _ = heat()
    res = PINN(system, dtype="float64", **options).train(steps=budget[0], lr=2e-3, lbfgs=budget[1], progress=False)
    T, X = np.meshgrid(np.linspace(0, 1, 21), np.linspace(0, 1, 41), indexing="ij")
    exact = np.exp(-0.1 * np.pi**2 * T) * np.sin(np.pi * X)
    err = np.linalg.norm(res.predict(u, {t: T, x: X}) - exact) / np.linalg.norm(exact)
    assert err < tol, err


def test_identifies_a_diffusivity():
    system, nu = heat(learn_default=0.5)  # the guess; the truth is 0.1
    T, X = np.meshgrid(np.linspace(0, 1, 11), np.linspace(0, 1, 21), indexing="ij")
    U = np.exp(-0.1 * np.pi**2 * T) * np.sin(np.pi * X)
    res = PINN(system, hidden=[20, 20], n_collocation=800, learn=[nu], dtype="float64").train(
        steps=700, lr=3e-3, lbfgs=300, data={u: ({t: T, x: X}, U)}, progress=False)
    assert res.learned[nu] == pytest.approx(0.1, rel=0.05)
    trace = res.parameter_history[nu]  # one value beside each loss record, from the guess to the truth
    assert len(trace) == len(res.loss_history) and trace[0] == pytest.approx(0.5, abs=0.01)
    assert trace[-1] == pytest.approx(res.learned[nu])


def test_training_controls_schedule_resampling_and_callback():
    import optax

    system, _ = heat()
    pinn = PINN(system, hidden=[8], n_collocation=128, seed=2, sampling="uniform")
    leaves = lambda r: [np.asarray(a) for a in jax.tree_util.tree_leaves(r.params)]  # noqa: E731
    # a schedule that stops after the first step gives the one-step parameters
    frozen = pinn.train(steps=40, lr=optax.piecewise_constant_schedule(1e-2, {1: 0.0}), progress=False)
    one = pinn.train(steps=1, lr=1e-2, progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(leaves(frozen), leaves(one)))
    # fresh points every 10 steps: another trajectory, still reproducible for the seed
    plain = pinn.train(steps=201, progress=False)
    fresh = [pinn.train(steps=201, resample_every=10, lbfgs=30, progress=False) for _ in range(2)]
    assert fresh[0].loss_history == fresh[1].loss_history and fresh[0].loss_history[1:3] != plain.loss_history[1:3]
    # a callback sees every record and stops the training (L-BFGS skipped) by returning True
    seen = []
    stopped = pinn.train(steps=1000, lbfgs=50, progress=False,
                         callback=lambda step, loss, params: seen.append((step, loss)) or step >= 200)
    assert [s for s, _ in seen] == [0, 100, 200] and len(stopped.loss_history) == 3
    assert [v for _, v in seen] == stopped.loss_history
    assert stopped.timings["adam_steps"] == 201 and stopped.timings["lbfgs_iterations"] == 0
    assert plain.timings["adam_steps"] == 201
    with pytest.raises(sn.ModelError, match=r"resample_every=0"):
        pinn.train(steps=5, resample_every=0, progress=False)
    # keep_best: a rate that makes Adam spike; the parameters of the lowest record are
    # those after that many steps
    spiky = pinn.train(steps=1000, lr=0.2, progress=False, keep_best=True)
    k = int(np.argmin(spiky.loss_history))
    assert 0 < k < len(spiky.loss_history) - 1  # a spike at the end, else nothing to test
    best = pinn.train(steps=100 * k, lr=0.2, progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(leaves(spiky), leaves(best)))



def test_hard_constraints_hold_exactly():
    # Dirichlet data varying in t on both walls, an initial condition that agrees
    # with them at the corners: the model takes every value exactly, untrained.
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), 0.1 * sn.D(x, 2)(u))],
        [sn.Dirichlet(u, x, "min", 1 + t), sn.Dirichlet(u, x, "max", 2 + sympy.sin(t)),
         sn.Initial(u, 1 + x + sympy.sin(PI * x))],
        domain={t: (0, 2), x: (0, 1)}, name="hard1",
    )
    pinn = PINN(system, hidden=[8, 8], dtype="float64", hard=True, seed=4)
    res = pinn.train(steps=1, progress=False)
    T, X = np.linspace(0, 2, 9), np.linspace(0, 1, 7)
    np.testing.assert_allclose(res.predict(u, {t: 0.0, x: X}), 1 + X + np.sin(np.pi * X), atol=1e-13)
    np.testing.assert_allclose(res.predict(u, {t: T, x: 0.0}), 1 + T, atol=1e-13)
    np.testing.assert_allclose(res.predict(u, {t: T, x: 1.0}), 2 + np.sin(T), atol=1e-13)
    assert set(pinn.losses(res.params, pinn._points(np.random.default_rng(0)))) == {"residual"}
    # a steady 2D problem: three Dirichlet walls hard, the Neumann wall stays in the loss
    y = sn.variables("y")
    v = sn.fields("v", x, y)
    steady = sn.PDESystem(
        [sn.Eq(sn.D(x, 2)(v) + sn.D(y, 2)(v), 4)],
        [sn.Dirichlet(v, x, "min", y**2), sn.Dirichlet(v, x, "max", 1 + y**2),
         sn.Dirichlet(v, y, "min", x**2), sn.Neumann(v, y, "max", 2)],
        domain={x: (0, 1), y: (0, 1)}, name="hard2",
    )
    pinn = PINN(steady, hidden=[8], dtype="float64", hard=("dirichlet",), seed=2)
    params = pinn.init_params()
    net = jax.jit(pinn._net)
    model = lambda X, Y: np.asarray(net(params["net"], jax.numpy.stack([jax.numpy.asarray(X), jax.numpy.asarray(Y)], 1)))[:, 0]  # noqa: E731
    S = np.linspace(0, 1, 11)
    np.testing.assert_allclose(model(0 * S, S), S**2, atol=1e-13)
    np.testing.assert_allclose(model(0 * S + 1, S), 1 + S**2, atol=1e-13)
    np.testing.assert_allclose(model(S, 0 * S), S**2, atol=1e-13)
    assert set(pinn.losses(params, pinn._points(np.random.default_rng(0)))) == {"residual", "boundary"}


def test_non_finite_loss_names_the_term():
    system, _ = heat()
    T, X = np.meshgrid(np.linspace(0, 1, 3), np.linspace(0, 1, 3), indexing="ij")
    with pytest.raises(sn.SolverError, match=r"Adam step 0 \(terms \['data'\]\)"):
        PINN(system, hidden=[4]).train(steps=3, data={u: ({t: T, x: X}, np.full(T.shape, np.nan))}, progress=False)


def test_errors():
    system, nu = heat()
    with pytest.raises(sn.ModelError, match="is neither a parameter"):
        PINN(system, learn=[sn.parameter("q", 1.0)])
    with pytest.raises(sn.ModelError, match="sampling='grid'"):
        PINN(system, sampling="grid")
    with pytest.raises(sn.ModelError, match="activation='relu6'"):
        PINN(system, activation="relu6")
    with pytest.raises(sn.ModelError, match="periodic='wrap'"):
        PINN(system, periodic="wrap")
    with pytest.raises(sn.ModelError, match="hard='boundary'"):
        PINN(system, hard="boundary")
    learned, nu = heat()
    drift = sn.PDESystem(list(learned.equations), [sn.Dirichlet(u, x, "min", nu), sn.Dirichlet(u, x, "max", 0),
                                                   sn.Initial(u, sympy.sin(PI * x))],
                         domain={t: (0, 1), x: (0, 1)}, name="drift")
    with pytest.raises(sn.ModelError, match="depends on the trained parameter nu"):
        PINN(drift, learn=[nu], hard=True)


def test_generated_code_is_independent_of_the_hash_seed():
    # sympy hands back sets; a run-to-run change of order changes floating-point
    # sums in the gradient, and with them the whole training trajectory.
    import subprocess
    import sys

    script = (
        "import sympy, symnum as sn\n"
        "from symnum.solvers import PINN\n"
        "t, x = sn.variables('t x'); nu = sn.parameter('nu', 0.1); u = sn.fields('u', t, x)\n"
        "s = sn.PDESystem([sn.Eq(sn.D(t)(u), -u * sn.D(x)(u) + nu * sn.D(x, 2)(u) + x * t)],\n"
        "    [sn.Dirichlet(u, x, 'min', 0), sn.Neumann(u, x, 'max', t), sn.Initial(u, sympy.sin(x))],\n"
        "    domain={t: (0, 1), x: (0, 1)}, name='hashseed')\n"
        "p = PINN(s, hidden=[4])\n"
        "print(p.residual_fn.source + p._cond_fn.source)\n"
    )
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}) for seed in ("1", "2")]
    sources = {run.communicate()[0] for run in runs}
    assert all(run.returncode == 0 for run in runs) and len(sources) == 1


def _poisson(**options):
    v = sn.fields("v", x)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(v), -PI**2 * sympy.sin(PI * x))],
                          [sn.Dirichlet(v, x, "min", 0), sn.Dirichlet(v, x, "max", 0)],
                          domain={x: (0, 1)}, name="poisson_small")
    return PINN(system, **options), v


def test_training_is_bit_reproducible_for_a_seed():
    """README: training is bit-reproducible for a given seed (Adam and L-BFGS)."""
    runs = [PINN(heat()[0], hidden=[8], n_collocation=128, seed=7).train(steps=101, lbfgs=101, progress=False)
            for _ in range(2)]
    assert runs[0].loss_history == runs[1].loss_history and len(runs[0].loss_history) == 4
    for a, b in zip(jax.tree_util.tree_leaves(runs[0].params), jax.tree_util.tree_leaves(runs[1].params)):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    other = PINN(heat()[0], hidden=[8], n_collocation=128, seed=8).init_params()
    assert not np.array_equal(np.asarray(other["net"][0][0][0]), np.asarray(runs[0].pinn.init_params()["net"][0][0][0]))


def test_generated_gradient_costs_no_more_than_hand_written():
    """The generated residual's loss gradient is timed against a hand-written JAX one
    on the same network and points, interleaved (a ratio: these machines are noisy)."""
    pinn, _ = _poisson(hidden=[20, 20], dtype="float64")
    params = pinn.init_params()
    z = jax.numpy.asarray(np.linspace(0, 1, 512)[:, None])

    def scalar(p, xz):
        return pinn._net(p["net"], xz[None, None])[0, 0]

    def hand(p, z):
        vxx = jax.vmap(jax.grad(jax.grad(scalar, 1), 1), (None, 0))(p, z[:, 0])
        return vxx + np.pi**2 * jax.numpy.sin(np.pi * z[:, 0])

    gen_grad = jax.jit(jax.grad(lambda p: jax.numpy.mean(pinn.residuals(p, z)[0] ** 2)))
    hand_grad = jax.jit(jax.grad(lambda p: jax.numpy.mean(hand(p, z) ** 2)))
    np.testing.assert_allclose(pinn.residuals(params, z)[0], jax.jit(hand)(params, z), rtol=1e-9, atol=1e-9)
    best = {gen_grad: np.inf, hand_grad: np.inf}
    for _ in range(5):
        for fn in best:
            jax.block_until_ready(fn(params))
            t0 = time.perf_counter()
            for _ in range(20):
                out = fn(params)
            jax.block_until_ready(out)
            best[fn] = min(best[fn], time.perf_counter() - t0)
    assert best[gen_grad] <= 1.3 * best[hand_grad], best


def test_uniform_and_sobol_sampling():
    sobol, _ = _poisson(hidden=[4], sampling="sobol")
    uniform, _ = _poisson(hidden=[4], sampling="uniform")
    import scipy.stats.qmc

    zs = sobol._sample(256, np.random.default_rng(0))
    zu = uniform._sample(256, np.random.default_rng(0))
    for zz in (zs, zu):
        assert zz.shape == (256, 1) and zz.min() >= 0 and zz.max() <= 1
    assert scipy.stats.qmc.discrepancy(zs) < scipy.stats.qmc.discrepancy(zu) / 4
    assert abs(zu.mean() - 0.5) < 0.05 and len(np.unique(zu)) == 256
    assert (uniform._sample(8, np.random.default_rng(1), fix={0: 1.0}) == 1.0).all()


def test_rad_draws_points_where_the_residual_is_large(monkeypatch):
    pinn, _ = _poisson(hidden=[4], sampling="rad", n_collocation=400)
    params = pinn.init_params()
    # a residual 100 on x < 0.1 and 0 elsewhere: p ~ |r| / mean|r| + 1 puts about
    # 0.1 * 11 / (0.1 * 11 + 0.9) = 55% of the points there (uniform: 10%)
    monkeypatch.setattr(pinn, "_jitted_residuals", lambda p, z: [jax.numpy.where(z[:, 0] < 0.1, 100.0, 0.0)])
    pts = np.asarray(pinn._rad_points(params, np.random.default_rng(0)))
    assert pts.shape == (400, 1) and 0.45 < (pts[:, 0] < 0.1).mean() < 0.65


def test_rad_with_causal_weights_spares_late_times(monkeypatch):
    system, _ = heat()
    pinn = PINN(system, hidden=[4], sampling="rad", causal=50.0, n_collocation=320)
    # a uniform residual: causal weights shrink the later slabs' share
    monkeypatch.setattr(pinn, "_jitted_residuals", lambda p, z: [jax.numpy.ones(z.shape[0], pinn.dtype)])
    pts = np.asarray(pinn._rad_points(pinn.init_params(), np.random.default_rng(0)))
    ti = pinn.inputs.index(t)
    assert (pts[:, ti] < 0.5).mean() > 0.6


def test_balance_weights_equalize_gradient_sizes():
    """Gradient-norm balancing: each term's weight moves (by 0.1) towards
    mean|grad residual| / mean|grad term|, computed here independently."""
    system, _ = heat()
    pinn = PINN(system, hidden=[8], balance=True, n_collocation=64)
    params = pinn.init_params()
    pts = pinn._points(np.random.default_rng(0))

    def gsize(name):
        g = jax.grad(lambda p: pinn.losses(p, pts)[name])(params)
        return np.mean([np.abs(np.asarray(a)).mean() for a in jax.tree_util.tree_leaves(g)])

    target = {n: gsize("residual") / gsize(n) for n in ("initial", "boundary")}
    w = pinn._balanced(params, pts, None, dict(pinn.weights))
    for n, tw in target.items():
        assert w[n] == pytest.approx(0.9 + 0.1 * tw, rel=1e-6)
    fixed = pinn._balanced(params, pts, None, {**pinn.weights, **target})
    for n, tw in target.items():
        assert fixed[n] == pytest.approx(tw, rel=1e-6)
    assert fixed["residual"] == 1.0


def test_rad_and_balance_in_training():
    """Both run inside train(): RAD rounds of L-BFGS run in full (no stall stop)."""
    system, _ = heat()
    res = PINN(system, hidden=[4], sampling="rad", balance=True, n_collocation=64).train(
        steps=2, lbfgs=2, resample_every=1, progress=False)
    assert res.timings["lbfgs_iterations"] == 2 and np.isfinite(res.loss_history).all()


def test_lbfgs_stops_once_it_stalls(capsys):
    pinn, v = _poisson(hidden=[6], n_collocation=64, n_boundary=2, dtype="float64")
    res = pinn.train(steps=200, lr=1e-2, lbfgs=20000, lbfgs_tol=1e-3, progress=False)
    n = res.timings["lbfgs_iterations"]
    assert n < 20000 and n % 100 == 1, n  # stopped at a check, every 100 iterations
    assert res.loss_history[-1] > res.loss_history[-2] * (1 - 1e-3)
    assert res.loss_history[-2] <= res.loss_history[-3] * (1 - 1e-3)  # the check before still gained
    # float32 by default: training ends long before the budget (round-off, or a line
    # search that finds no decrease)
    pinn, v = _poisson(hidden=[6], n_collocation=64, n_boundary=2)
    res = pinn.train(steps=200, lr=1e-2, lbfgs=20000)  # the progress bar says what compiles
    err = capsys.readouterr().err
    assert "compiling the training step" in err and "compiling L-BFGS" in err, err[-300:]
    assert res.timings["lbfgs_iterations"] < 20000 and np.isfinite(res.loss_history).all()
    assert res.loss_history[-1] < 1e-3 * res.loss_history[0]


def test_robin_and_neumann_boundary_losses_equal_hand_written():
    """a u + b du/dn = g (outward normal) and du/dn = g, from jax.grad of the network."""
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
        [sn.Neumann(u, x, "min", t), sn.Robin(u, x, "max", 2, 3, 1 + t), sn.Initial(u, sympy.cos(x))],
        domain={t: (0, 1), x: (0, 1)}, name="robin",
    )
    pinn = PINN(system, hidden=[6], dtype="float64", n_boundary=16, seed=2)
    params = pinn.init_params()
    pts = pinn._points(np.random.default_rng(0))
    scalar = lambda tz, xz: pinn._net(params["net"], jax.numpy.stack([tz, xz])[None, :])[0, 0]  # noqa: E731
    ux = jax.jit(jax.vmap(jax.grad(scalar, 1)))
    (zmin, zmax) = pts["boundary"] if pinn._bc_kinds[0][3] == "min" else pts["boundary"][::-1]
    val = jax.jit(jax.vmap(scalar))
    neumann = np.mean((-ux(zmin[:, 0], zmin[:, 1]) - zmin[:, 0]) ** 2)
    robin = np.mean((2 * val(zmax[:, 0], zmax[:, 1]) + 3 * ux(zmax[:, 0], zmax[:, 1]) - (1 + zmax[:, 0])) ** 2)
    assert float(pinn.losses(params, pts)["boundary"]) == pytest.approx(neumann + robin, rel=1e-10)


def test_progress_bar_and_its_absence(monkeypatch):
    pytest.importorskip("tqdm")
    system, _ = heat()
    pinn = PINN(system, hidden=[4], n_collocation=32)
    assert pinn.train(steps=2, progress=True).timings["lbfgs_iterations"] == 0
    assert pinn.train(steps=1, lbfgs=2, progress=True).timings["lbfgs_iterations"] == 2
    monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)  # tqdm not installed
    assert len(pinn.train(steps=2, progress=True).loss_history) == 2


def test_non_finite_loss_in_lbfgs():
    system, _ = heat()
    T, X = np.meshgrid(np.linspace(0, 1, 3), np.linspace(0, 1, 3), indexing="ij")
    with pytest.raises(sn.SolverError, match=r"non-finite at L-BFGS iteration 0: use dtype=\"float64\""):
        PINN(system, hidden=[4]).train(steps=0, lbfgs=2, data={u: ({t: T, x: X}, np.full(T.shape, np.nan))},
                                       progress=False)


def test_more_construction_errors():
    system, _ = heat()
    with pytest.raises(sn.ModelError, match="PINN needs a PDESystem or an ODESystem, got str"):
        PINN("heat")
    with pytest.raises(sn.ModelError, match=r"dtype='float16': use \"float32\" or \"float64\""):
        PINN(system, dtype="float16")
    poisson, _ = _poisson(hidden=[4])
    with pytest.raises(sn.ModelError, match="is steady and has no initial condition"):
        PINN(poisson.system, hard="initial")
    with pytest.raises(sn.ModelError, match=r"data\[w\(t, x\)\]: the observed quantity must be a field of 'heat'.*w\(t, x\) is not one"):
        PINN(system, hidden=[4]).train(steps=1, data={sn.fields("w", t, x): ({t: [0.0], x: [0.0]}, [0.0])},
                                       progress=False)


@pytest.mark.parametrize("activation", ["sin", "gelu"])
def test_options_shape_the_model_and_the_points(activation):
    """activation=, n_initial=, n_boundary=, weights= and init= do what they say."""
    system, _ = heat()
    pinn = PINN(system, hidden=[5], activation=activation, n_collocation=40, n_initial=24, n_boundary=12,
                weights={"initial": 10.0}, dtype="float64", seed=1)
    pts = pinn._points(np.random.default_rng(0))
    assert pts["residual"].shape == (40, 2) and pts["initial"].shape == (24, 2)
    assert [z.shape for z in pts["boundary"]] == [(12, 2), (12, 2)] and (pts["initial"][:, 0] == 0).all()
    assert pinn.weights["initial"] == 10.0 and pinn.weights["boundary"] == 1.0
    params = pinn.init_params()
    ((W0, b0), (W1, b1)), = params["net"]
    z = np.array([[0.3, 0.6]])
    act = {"sin": np.sin, "gelu": lambda v: np.asarray(jax.nn.gelu(v))}[activation]
    hand = act(pinn._encode(jax.numpy.asarray(z)) @ W0 + b0) @ W1 + b1
    np.testing.assert_allclose(pinn._net(params["net"], jax.numpy.asarray(z)), hand, rtol=1e-12)
    if activation == "sin":
        first = pinn.train(steps=3, progress=False)
        again = pinn.train(steps=1, init=first.params, progress=False)  # continues from first's parameters
        assert again.loss_history[0] < first.loss_history[0]


@pytest.mark.slow  # training to accuracy: benchmarks/slow_tests.sh
def test_fourier_features_against_spectral_bias():
    """u'' = -(6 pi)^2 sin(6 pi x): after 1000 Adam steps a plain network is nowhere
    (relative L2 9.8, measured) and one with Fourier-feature inputs is at 0.23."""
    from symnum.solvers import FourierFeatures

    v = sn.fields("v", x)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(v), -(6 * PI) ** 2 * sympy.sin(6 * PI * x))],
                          [sn.Dirichlet(v, x, "min", 0), sn.Dirichlet(v, x, "max", 0)], domain={x: (0, 1)}, name="hf")
    X = np.linspace(0, 1, 201)
    errs = {}
    for name, f in (("plain", None), ("features", FourierFeatures(sigma=2.0, n=32))):
        res = PINN(system, hidden=[32, 32], n_collocation=256, dtype="float64", seed=0, features=f).train(
            steps=1000, lr=3e-3, progress=False)
        errs[name] = np.linalg.norm(res.predict(v, {x: X}) - np.sin(6 * np.pi * X)) / np.linalg.norm(np.sin(6 * np.pi * X))
    assert errs["features"] < 0.5 and errs["features"] < errs["plain"] / 5, errs


def test_fourier_feature_architectures_and_errors():
    from symnum.solvers import FourierFeatures

    system, _ = heat()
    shapes = {}
    for label, f in [("one", FourierFeatures(3.0, 16)), ("multi", FourierFeatures((1.0, 5.0), 16)),
                     ("st", FourierFeatures({x: 1.0, t: (1.0, 5.0, 9.0)}, 16))]:
        pinn = PINN(system, hidden=[8, 6], features=f, seed=4)
        shapes[label] = [tuple(W.shape) for W, _ in pinn.init_params()["net"][0]]
        z = jax.numpy.asarray(np.random.default_rng(0).uniform(0, 1, (5, 2)), "float32")
        a = pinn._net(pinn.init_params()["net"], z)
        again = PINN(system, hidden=[8, 6], features=f, seed=4)  # frequencies drawn from the seed: same model
        assert a.shape == (5, 1) and np.array_equal(np.asarray(a), np.asarray(again._net(again.init_params()["net"], z)))
    # embeddings in; one pass per scale, the groups' last layers multiplied (1 x 3 combinations)
    assert shapes == {"one": [(16, 8), (8, 6), (6, 1)], "multi": [(16, 8), (8, 6), (12, 1)],
                      "st": [(16, 8), (8, 6), (18, 1)]}
    for bad, match in [("fourier", r"features='fourier'"), (FourierFeatures(1.0, 7), r"n=7"),
                       (FourierFeatures({sn.variables("y"): 1.0}), r"names y"), (FourierFeatures((1.0, -2.0)), r"positive")]:
        with pytest.raises(sn.ModelError, match=match):
            PINN(system, features=bad)


def test_second_order_in_time_as_written():
    """u_tt = u_xx with u(0) and u_t(0) given: the network represents u alone (the
    system's velocity field is the method of lines' reduction), the residual is
    u_tt - u_xx and u_t(0) = 0 a condition on the time axis's lower side."""
    _string_pinn()


def _string_pinn():
    c = sn.parameter("c", 1.0)
    system = sn.PDESystem([sn.Eq(sn.D(t, 2)(u), c**2 * sn.D(x, 2)(u))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0),
                           sn.Initial(u, sympy.sin(PI * x)), sn.Initial(sn.D(t)(u), 0)],
                          domain={t: (0, 1), x: (0, 1)}, name="string")
    pinn = PINN(system, hidden=[24, 24], dtype="float64", seed=0, n_collocation=512)
    assert pinn.fields == (u,) and ("Neumann", 0, 0, "min") in pinn._bc_kinds
    params = pinn.init_params()
    z = np.random.default_rng(0).uniform(0, 1, (16, 2))
    (got,) = pinn.residuals(params, jax.numpy.asarray(z))

    def scalar(tz, xz):
        return pinn._net(params["net"], jax.numpy.stack([tz, xz])[None, :])[0, 0]

    def hand(tz, xz):
        return jax.grad(jax.grad(scalar, 0), 0)(tz, xz) - jax.grad(jax.grad(scalar, 1), 1)(tz, xz)

    np.testing.assert_allclose(np.asarray(got), np.asarray(jax.jit(jax.vmap(hand))(z[:, 0], z[:, 1])), rtol=1e-9,
                               atol=1e-9)
    return pinn


@pytest.mark.slow  # training to accuracy: benchmarks/slow_tests.sh
def test_second_order_in_time_trains():
    pinn = _string_pinn()
    res = pinn.train(steps=800, lbfgs=400, progress=False)
    T, X = np.meshgrid(np.linspace(0, 1, 21), np.linspace(0, 1, 21), indexing="ij")
    exact = np.sin(np.pi * X) * np.cos(np.pi * T)
    assert np.linalg.norm(res.predict(u, {t: T, x: X}) - exact) / np.linalg.norm(exact) < 5e-2


def test_residual_at_boundary_adds_the_conditions_points():
    system, _ = heat()
    plain = PINN(system, hidden=[8], n_collocation=64, n_boundary=10, n_initial=12, seed=0)
    edged = PINN(system, hidden=[8], n_collocation=64, n_boundary=10, n_initial=12, seed=0, residual_at_boundary=True)
    a, b = plain._points(np.random.default_rng(0)), edged._points(np.random.default_rng(0))
    assert a["residual"].shape[0] == 64
    # the interior points, then every condition's: two walls of 10, 12 initial
    assert b["residual"].shape[0] == 64 + 2 * 10 + 12
    np.testing.assert_array_equal(np.asarray(b["residual"][:64]), np.asarray(a["residual"]))
    np.testing.assert_array_equal(np.asarray(b["residual"][64:74]), np.asarray(b["boundary"][0]))
    res = edged.train(steps=201, resample_every=100, progress=False)
    assert np.isfinite(res.loss_history[-1])
