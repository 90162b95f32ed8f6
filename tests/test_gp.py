"""The Gaussian-process solver: generated kernel derivatives against JAX's
autodiff, the Kronecker algebra against dense matrices, conditions and
residual against exact solutions, a solve that converges, prediction paths
that agree, clear errors."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import numpy as np
import pytest
import sympy

pytest.importorskip("jax")
pytest.importorskip("optax")

import jax  # noqa: E402

import symnum as sn  # noqa: E402
from symnum import ModelError, SolverError  # noqa: E402
from symnum.solvers import GP, GPResult  # noqa: E402
from symnum.solvers.learn._kernels import kernel_derivatives  # noqa: E402

jax.config.update("jax_enable_x64", True)
jnp = jax.numpy


def poisson_1d(k=2, n=40):
    x = sn.variables("x")
    u = sn.fields("u", x)
    system = sn.PDESystem(
        [sn.Eq(sn.D(x, 2)(u), -(k**2) * sympy.sin(k * x))], domain={x: (0, sympy.pi)},
        bcs=[sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", sympy.sin(k * sympy.pi))], name="gp_poisson",
    )
    return system, x, u


def advection_2d():
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), -sn.D(x)(u))], domain={t: (0, 1), x: (0, 2)},
        bcs=[sn.Initial(u, sympy.sin(sympy.pi * x)), sn.Neumann(u, x, "max", sympy.pi * sympy.cos(sympy.pi * (2 - t))),
             sn.Dirichlet(u, x, "min", sympy.sin(-sympy.pi * t))], name="gp_advection",
    )
    return system, t, x, u


@pytest.mark.parametrize("envelope", ["se", "matern52"])
def test_generated_kernel_derivatives_match_autodiff(envelope):
    fn = kernel_derivatives(envelope, 4)
    w, a, mu = jnp.array([0.7, 1.3]), jnp.array([1.5, 0.4]), jnp.array([0.0, 3.2])

    def g(d):
        return jnp.sum(fn([d[None]], [w, a, mu])[0])

    d = jnp.linspace(0.05, 2.0, 9)
    generated = fn([d[:, None]], [w, a, mu])
    ref = g
    for m in range(5):
        np.testing.assert_allclose(np.sum(generated[m], axis=-1), jax.jit(jax.vmap(ref))(d), rtol=1e-9, atol=1e-9)
        ref = jax.grad(ref)
    # odd derivatives vanish at d = 0, so k^(m)(tau) = sign(tau)^m g^(m)(|tau|) is smooth there
    at0 = fn([jnp.zeros((1, 1))], [w, a, mu])
    assert abs(float(np.sum(at0[1]))) < 1e-12 and abs(float(np.sum(at0[3]))) < 1e-9


def test_kronecker_prior_and_derivatives_equal_dense_matrices():
    system, t, x, u = advection_2d()
    gp = GP(system, grid={t: 7, x: 6}, components=3, jitter=1e-4)
    p = gp.init_params()
    rng = np.random.default_rng(0)
    p["U"] = jnp.asarray(rng.standard_normal(p["U"].shape))
    p["kernel"][0][1]["freq"] = jnp.array([0.0, 0.8, 1.9])

    def dense(axis, m):
        kp = p["kernel"][0][axis]
        X = gp.axes[axis]
        tau = X[:, None] - X[None, :]
        a = jnp.exp(kp["loga"]) + gp._inverse_length_floor[axis]
        g = kernel_derivatives("matern52", 4)([jnp.abs(tau)[..., None]], [jnp.exp(kp["logw"]), a, kp["freq"]])
        return np.sum(np.asarray(g[m]), -1) * np.sign(tau) ** m + (gp.jitter * np.eye(X.size) if m == 0 else 0)

    K = np.kron(dense(0, 0), dense(1, 0))
    U = np.asarray(p["U"][0]).ravel()
    prior_ref = 0.5 * np.linalg.slogdet(K)[1] + 0.5 * U @ np.linalg.solve(K, U)
    wanted = {(0,): (1, 0), (1,): (0, 1), (0, 1): (1, 1)}

    @jax.jit  # compiled once (op by op the generated kernel's derivatives took 8 s)
    def terms(p):
        priors, derivs = gp._field_terms(p)
        return priors[0], [derivs[0](dirs) for dirs in wanted]

    prior, grids = terms(p)
    np.testing.assert_allclose(float(prior), prior_ref, rtol=1e-9)
    for grid, (m0, m1) in zip(grids, wanted.values()):
        ref = np.kron(dense(0, m0), dense(1, m1)) @ np.linalg.solve(K, U)
        np.testing.assert_allclose(np.asarray(grid).ravel(), ref, rtol=1e-7, atol=1e-9 * np.abs(ref).max())


def test_residual_and_conditions_vanish_for_the_exact_solution():
    """Dirichlet and initial gaps are exact; residual and Neumann gaps are the GP's
    derivative error, small for a smooth solution on a fine enough grid."""
    system, t, x, u = advection_2d()
    gp = GP(system, grid={t: 24, x: 40}, components=2, jitter=1e-8)
    p = gp.init_params()
    T, X = gp._coords
    p["U"] = jnp.asarray(np.sin(np.pi * (X - T))[None])
    for kp in p["kernel"][0]:   # a kernel that suits the smooth solution: long envelopes
        kp["freq"], kp["loga"] = jnp.array([0.0, 0.5]), jnp.log(jnp.array([0.3, 0.3]))
    _, derivs = gp._field_terms(p)
    res, gaps = gp._gaps(p, derivs)
    kinds = [c[0] for c in gp._conditions]
    assert sorted(kinds) == ["Dirichlet", "Initial", "Neumann"]
    assert float(jnp.max(jnp.abs(res[0]))) < 1e-3 * np.pi
    assert float(jnp.max(jnp.abs(gaps))) < 1e-3 * np.pi
    # Dirichlet and initial gaps hold to round-off
    sizes = {c[0]: (c[4].size) for c in gp._conditions}
    start, exact = 0, []
    for c in gp._conditions:
        if c[0] in ("Dirichlet", "Initial"):
            exact.append(np.asarray(gaps[start:start + sizes[c[0]]]))
        start += sizes[c[0]]
    assert max(np.abs(e).max() for e in exact) < 1e-12


def test_gp_solves_a_high_frequency_poisson_problem():
    """u = sin(15 x) on [0, 2 pi], 100 nodes: the learned spectrum finds the
    solution's frequency (15 / 2 pi cycles per unit) and the error falls below 1e-4
    (2.8e-5; 2.8e-4 with the old defaults precision 1, jitter 1e-6)."""
    x = sn.variables("x")
    u = sn.fields("u", x)
    system = sn.PDESystem(
        [sn.Eq(sn.D(x, 2)(u), -225 * sympy.sin(15 * x))], domain={x: (0, 2 * sympy.pi)},
        bcs=[sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)], name="gp_poisson_hf",
    )
    gp = GP(system, grid={x: 100}, components=20)
    res = gp.fit(steps=300)
    X = np.linspace(0, 2 * np.pi, 301)
    err = np.linalg.norm(res.predict(u, {x: X}) - np.sin(15 * X)) / np.linalg.norm(np.sin(15 * X))
    assert err < 1e-4, err
    spectrum = res.spectrum[u][x]
    freq, weight, _ = spectrum[0]  # the heaviest component, and most of the weight, at the solution's frequency
    assert abs(freq - 15 / (2 * np.pi)) < 0.01
    # within a component's own spectral width (its inverse length) of the frequency
    near = sum(w for f, w, a in spectrum if abs(f - 15 / (2 * np.pi)) < a)
    assert near > 0.5 * sum(w for _, w, _ in spectrum), spectrum
    assert res.loss_history[-1] < res.loss_history[0] and "adam_step_ms" in res.timings
    again = gp.fit(steps=0, lbfgs=20, params=res.params)    # L-BFGS from there keeps it
    assert np.linalg.norm(again.predict(u, {x: X}) - np.sin(15 * X)) / np.linalg.norm(np.sin(15 * X)) < 1e-3


def test_gp_solves_a_well_resolved_low_frequency_problem():
    """u = sin(20 x) on [0, 1] with 60 nodes (19 per period): the default start (envelopes
    one domain length long) reaches < 3e-3; a start 2 pi times shorter (the old default)
    stalled at 66% (the components too broad in frequency to find the solution's)."""
    x = sn.variables("x")
    u = sn.fields("u", x)
    system = sn.PDESystem(
        [sn.Eq(sn.D(x, 2)(u), -400 * sympy.sin(20 * x))], domain={x: (0, 1)},
        bcs=[sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", sympy.sin(20))], name="gp_poisson_lf",
    )
    X = np.linspace(0, 1, 301)
    errors = {}
    for envelope in (1.0, 1 / (2 * np.pi)):
        res = GP(system, grid={x: 60}, initial_envelope=envelope).fit(steps=500)
        errors[envelope] = np.linalg.norm(res.predict(u, {x: X}) - np.sin(20 * X)) / np.linalg.norm(np.sin(20 * X))
    assert errors[1.0] < 3e-3 and errors[1 / (2 * np.pi)] > 0.1, errors
    with pytest.raises(ModelError, match="initial_envelope"):
        GP(system, grid={x: 60}, initial_envelope=-1)


def test_gp_solves_a_2d_problem_past_the_dense_limit(monkeypatch):
    """sin(5x) sin(5y) on [0, 2 pi]^2 with 41 x 41 nodes, the dense limit lowered to 1000
    unknowns so that the field solve is preconditioned conjugate gradients (as on any
    grid past 4000): < 5e-3 in 100 steps (joint Adam on U, the paper's method and the
    former default past the limit, stayed near 100% error on sin(20x) sin(20y) at 100^2)."""
    from symnum.solvers.learn import _gp

    monkeypatch.setattr(_gp, "DENSE_LIMIT", 1000)
    x, y = sn.variables("x y")
    u = sn.fields("u", x, y)
    exact = sympy.sin(5 * x) * sympy.sin(5 * y)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(u) + sn.D(y, 2)(u), -50 * exact)],
                          domain={x: (0, 2 * sympy.pi), y: (0, 2 * sympy.pi)},
                          bcs=[sn.Dirichlet(u, v, side, 0) for v in (x, y) for side in ("min", "max")], name="gp_2d_cg")
    gp = GP(system, grid={x: 41, y: 41}, components=6)
    res = gp.fit(steps=100)
    X, Y = np.meshgrid(np.linspace(0, 2 * np.pi, 50), np.linspace(0, 2 * np.pi, 50), indexing="ij")
    want = np.sin(5 * X) * np.sin(5 * Y)
    assert np.linalg.norm(res.predict(u, {x: X, y: Y}) - want) / np.linalg.norm(want) < 5e-3


def test_predict_tensor_and_scattered_paths_agree():
    system, t, x, u = advection_2d()
    gp = GP(system, grid={t: 10, x: 12}, components=3)
    rng = np.random.default_rng(1)
    params = gp.init_params()
    params["U"] = jnp.asarray(rng.standard_normal(params["U"].shape))
    res = GPResult(gp, params, [])
    T, X = rng.uniform(0, 1, 300), rng.uniform(0, 2, 300)
    scattered = gp._posterior_mean(res.params, 0, [T, X])        # 300^2 distinct pairs: chunked path
    direct = np.array([gp._posterior_mean(res.params, 0, [T[i:i + 1], X[i:i + 1]])[0] for i in range(0, 300, 37)])
    np.testing.assert_allclose(scattered[::37], direct, rtol=1e-10, atol=1e-12)
    # at the nodes the posterior mean is (K_t (x) K_x) alpha, alpha = U solved with the
    # jittered factors (K_t + jI) (x) (K_x + jI): U up to the jitter's effect, exactly
    Tn, Xn = gp._coords
    K = [np.asarray(gp._axis_matrices(kp, ax)[1][0]) - gp.jitter * np.eye(n)
         for ax, (kp, n) in enumerate(zip(params["kernel"][0], gp.shape))]
    alpha = np.asarray(gp._alpha_fn(params, 0))
    np.testing.assert_allclose(res.predict(u, {t: Tn, x: Xn}), K[0] @ alpha @ K[1].T, atol=1e-9)
    np.testing.assert_allclose((K[0] + gp.jitter * np.eye(10)) @ alpha @ (K[1] + gp.jitter * np.eye(12)).T,
                               res.values(u), atol=1e-9)


def test_plain_kernel_keeps_frequency_zero():
    system, x, u = poisson_1d()
    res = GP(system, grid={x: 20}, kernel="plain").fit(steps=20, lbfgs=5)
    [(freq, w, a)] = res.spectrum[u][x]
    assert freq == 0.0 and w > 0 and a > 0


def test_gp_errors_name_the_culprit():
    system, x, u = poisson_1d()
    with pytest.raises(ModelError, match="grid has no entry for x"):
        GP(system, grid={})
    with pytest.raises(ModelError, match="grid\\[x\\] = 2"):
        GP(system, grid={x: 2})
    with pytest.raises(ModelError, match="kernel='rbf'"):
        GP(system, grid={x: 20}, kernel="rbf")
    with pytest.raises(ModelError, match="envelope"):
        GP(system, grid={x: 20}, envelope="cauchy")
    with pytest.raises(ModelError, match="jitter"):
        GP(system, grid={x: 20}, jitter=0)
    y = sn.variables("y")
    with pytest.raises(ModelError, match="not inputs"):
        GP(system, grid={x: 20, y: 20})
    gp = GP(system, grid={x: 20}, jitter=1e-300)
    with pytest.raises(SolverError, match="raise jitter="):
        gp.fit(steps=3, lr=1e6)


def test_field_solve_by_whitened_cg_equals_the_dense_newton():
    system, t, x, u = advection_2d()
    # the paper's condition weight: at the default 1e6 the 400 CG iterations stop short
    # of round-off on this 99-unknown system (fit's repeated solves refine one another)
    gp = GP(system, grid={t: 9, x: 11}, components=3, jitter=1e-5, boundary_weight=200.0)
    p = gp.init_params()
    dense = gp.solve_fields(p)
    cg = gp.solve_fields(p, dense_limit=0, cg_iterations=400)
    U = np.asarray(dense["U"])
    assert float(gp._jitted_loss(dense)) < float(gp._jitted_loss(p))
    np.testing.assert_allclose(np.asarray(cg["U"]), U, atol=1e-6 * np.abs(U).max())
    # at the solved U the loss's gradient in U vanishes (the profile's envelope condition);
    # compiled once (op by op, the gradient took 11 s)
    grad_U = jax.jit(jax.grad(lambda V, P: gp.loss(dict(P, U=V))))
    g = grad_U(dense["U"], dense)
    assert float(jnp.max(jnp.abs(g))) < 1e-6 * max(1.0, float(jnp.max(jnp.abs(grad_U(p["U"], p)))))


def test_preconditioned_cg_solves_robin_and_nonlinear_problems():
    """The CG preconditioner's rows for Robin conditions and a nonlinear residual (its
    coefficients at the current U): the same solve as the dense Newton, with and
    without the preconditioner."""
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) / 10 - u * sn.D(x)(u) + u**3 / 4)], domain={t: (0, 1), x: (0, 1)},
        bcs=[sn.Initial(u, sympy.sin(sympy.pi * x)), sn.Robin(u, x, "min", 2, 1, t), sn.Robin(u, x, "max", 1, 3, 0)],
        name="gp_robin")
    gp = GP(system, grid={t: 8, x: 10}, components=3, jitter=1e-5, boundary_weight=200.0)
    p = gp.init_params()
    dense = gp.solve_fields(p, iterations=4)
    U = np.asarray(dense["U"])
    for precondition in (True, False):
        gp.precondition = precondition
        gp.__dict__.pop("_newton_fn", None)
        cg = gp.solve_fields(p, iterations=4, dense_limit=0, cg_iterations=400)
        np.testing.assert_allclose(np.asarray(cg["U"]), U, atol=1e-6 * np.abs(U).max())


def test_data_peaks_start_the_mixture_at_the_solutions_frequencies():
    """The forcing's and the conditions' spectra give the starting frequencies,
    no per-problem scale: u'' = f with u = sin(6x)cos(100x) has power at
    94/2pi and 106/2pi; homogeneous advection shows its initial data's frequency
    along x and nothing along t."""
    x = sn.variables("x")
    u = sn.fields("u", x)
    exact = sympy.sin(6 * x) * sympy.cos(100 * x)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(u), sympy.diff(exact, x, 2))], domain={x: (0, 2 * sympy.pi)},
                          bcs=[sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)], name="gp_peaks")
    gp = GP(system, grid={x: 400}, components=10)
    assert np.allclose(sorted(gp._data_peaks(0)[:2]), [94 / (2 * np.pi), 106 / (2 * np.pi)], atol=0.01)
    freq = np.asarray(gp.init_params()["kernel"][0][0]["freq"])
    assert len(freq) == 10 and np.isclose(freq[:2], 106 / (2 * np.pi), atol=0.01).any()

    t = sn.variables("t")
    w = sn.fields("w", t, x)
    advection = sn.PDESystem([sn.Eq(sn.D(t)(w), -sn.D(x)(w))], domain={t: (0, 1), x: (0, 1)},
                             bcs=[sn.Initial(w, sympy.sin(6 * sympy.pi * x)), sn.Periodic(x)], name="gp_peaks_adv")
    gp = GP(advection, grid={t: 12, x: 40}, components=4)
    assert np.allclose(gp._data_peaks(1)[:1], [3.0], atol=0.05) and gp._data_peaks(0) == []
    with pytest.raises(ModelError, match="longest_envelope"):
        GP(advection, grid={t: 12, x: 40}, longest_envelope=0)


def test_spectrum_reports_the_inverse_length_the_kernel_uses():
    system, x, u = poisson_1d()
    gp = GP(system, grid={x: 20}, components=2, longest_envelope=2.0)
    params = gp.init_params()
    params["kernel"][0][0]["loga"] = jnp.log(jnp.array([1e-9, 1e-9]))
    [(_, _, a), _] = GPResult(gp, params, []).spectrum[u][x]
    assert a == pytest.approx(1 / (2.0 * np.pi), rel=1e-6)   # the floor 1 / (2 domain lengths)


def test_defaults_tighten_the_likelihood_only_for_dense_high_frequency_problems():
    """precision 100, jitter 1e-9 where the data's strongest frequency has <= 8 nodes per
    period and the field solve is dense; 1 and 1e-6 when oversampled or past the dense
    limit; explicit arguments win. Conditions nearly hard (1e6) everywhere."""
    def settings(k, n, **kw):
        system, x, _ = poisson_1d(k=k)
        gp = GP(system, grid={x: n}, components=4, **kw)
        return gp.precision, gp.jitter, gp.boundary_weight

    # sin(40x) on [0, pi]: 20 periods; 100 nodes -> 5 per period, 400 -> 20 per period
    assert settings(40, 100) == (100.0, 1e-9, 1e6)
    assert settings(40, 400) == (1.0, 1e-6, 1e6)
    assert settings(40, 100, precision=3.0, jitter=1e-7) == (3.0, 1e-7, 1e6)
    system, t, x, _ = advection_2d()
    assert GP(system, grid={t: 9, x: 11}, components=3).precision == 1.0   # sin(pi x): 22 nodes per period
    with pytest.raises(ModelError, match="precision"):
        settings(40, 100, precision=0)


def test_fit_takes_a_rate_schedule_counted_across_chunks():
    """A schedule is read at each chunk's start with the step counted from first_step
    (Adam's restarts after field solves do not restart it); a constant schedule gives the
    constant rate's result exactly."""
    system, x, _ = poisson_1d()
    gp = GP(system, grid={x: 40}, components=3)
    seen = []

    def schedule(step):
        seen.append(step)
        return 1e-2

    a = gp.fit(steps=20, chunk=10, lr=schedule, first_step=100)
    b = gp.fit(steps=20, chunk=10, lr=1e-2)
    assert seen == [100, 110]
    np.testing.assert_array_equal(np.asarray(a.params["U"]), np.asarray(b.params["U"]))
    assert a.loss_history == b.loss_history
    with pytest.raises(ModelError, match="lr="):
        gp.fit(steps=10, lr=-1.0)


def test_fit_callback_sees_solved_fields_and_can_stop():
    """callback(step, loss, params) after every chunk with the fields solved (a GPResult
    from its params predicts as the fit's own); True stops the Adam phase there."""
    system, x, u = poisson_1d()
    gp = GP(system, grid={x: 40}, components=3)
    calls = []

    def callback(step, loss, params):
        calls.append((step, loss, params))
        return step >= 20

    res = gp.fit(steps=50, chunk=10, callback=callback, first_step=0)
    assert [c[0] for c in calls] == [10, 20] and res.timings["adam_steps"] == 20
    assert len(res.loss_history) == 20 and calls[-1][1] == res.loss_history[-1]
    X = np.linspace(0, np.pi, 7)
    np.testing.assert_allclose(GPResult(gp, calls[-1][2], []).predict(u, {x: X}), res.predict(u, {x: X}), atol=1e-6)


def test_fit_undoes_a_chunk_whose_fit_terms_rose(monkeypatch):
    """A chunk ending with residual + conditions more than rise_nats above the lowest is
    undone (the parameters of the lowest come back) and the rate halves: with the fit
    terms made to rise after every chunk, the fit returns its first solved parameters at
    a rate scale of 1/8 after three chunks; rise_decay=1 keeps every chunk."""
    system, x, u = poisson_1d()
    gp = GP(system, grid={x: 40}, components=3)
    values = iter([0.0, 5.0, 5.0, 5.0])
    monkeypatch.setitem(gp.__dict__, "_jitted_fit_terms", lambda params: next(values))
    start = gp.solve_fields(gp.init_params())
    res = gp.fit(steps=30, chunk=10)
    assert res.timings["rate_scale"] == 0.125
    np.testing.assert_array_equal(np.asarray(res.params["U"]), np.asarray(start["U"]))
    kept = gp.fit(steps=30, chunk=10, rise_decay=1.0)
    assert kept.timings["rate_scale"] == 1.0
    assert not np.array_equal(np.asarray(kept.params["U"]), np.asarray(start["U"]))
