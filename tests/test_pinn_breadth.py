"""PINN breadth: unknown fields learned from data (their own networks when they
depend on fewer variables), observations of any expression in fields and their
derivatives, observation points in the collocation set, and systems that only a
PINN can solve (completeness is discretize's check, not the system's)."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

jax = pytest.importorskip("jax")
pytest.importorskip("optax")
from symnum.solvers import PINN  # noqa: E402

t, x, y = sn.variables("t x y")
LAM = 0.01


def k_exact(X):
    return 0.1 + np.exp(-0.5 * (X - 0.5) ** 2 / 0.15**2)


def diffusion_reaction(k):
    """DeepXDE's inverse diffusion-reaction problem: lam u'' - k(x) u = sin(2 pi x), u(0) = u(1) = 0."""
    u = sn.fields("u", x)
    return u, sn.PDESystem([sn.Eq(LAM * sn.D(x, 2)(u) - k * u, sympy.sin(2 * sympy.pi * x))],
                           [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)],
                           domain={x: (0, 1)}, name="diffusion_reaction")


def test_an_unknown_field_is_recovered_from_50_observations():
    # the reference: the forward problem with k known, by the method of lines
    u, forward = diffusion_reaction(0.1 + sympy.exp(-0.5 * (x - 0.5) ** 2 / sympy.Float(0.15) ** 2))
    X = np.linspace(0, 1, 401)
    U = solve(discretize(forward, {x: 401}, order=4))[u]
    k = sn.fields("k", x)
    _, inverse = diffusion_reaction(k)
    assert inverse.incomplete and "1 equation(s) for 2 fields" in inverse.incomplete[0]
    with pytest.raises(sn.ModelError, match=r"1 equation\(s\) for 2 fields .*learn the unknown field\(s\) from data"):
        PINN(inverse)
    with pytest.raises(sn.ModelError, match=r"1 equation\(s\) for 2 fields .*\(discretize needs this"):
        discretize(inverse, {x: 33})
    xo = np.linspace(0, 1, 50)
    pinn = PINN(inverse, hidden=[20, 20, 20], learn=[k], networks="separate", dtype="float64",
                n_collocation=200, seed=0, weights={"data": 100.0})
    res = pinn.train(steps=2000, lbfgs=600, data={u: ({x: xo}, np.interp(xo, X, U))}, progress=False)
    Xt = np.linspace(0, 1, 500)
    k_err = np.linalg.norm(res.predict(k, {x: Xt}) - k_exact(Xt)) / np.linalg.norm(k_exact(Xt))
    u_err = np.linalg.norm(res.predict(u, {x: Xt}) - np.interp(Xt, X, U)) / np.linalg.norm(U)
    assert k_err < 0.05 and u_err < 5e-3, (k_err, u_err)


def test_a_field_of_fewer_variables_has_its_own_network():
    u = sn.fields("u", t, x)
    k = sn.fields("k", x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), k * sn.D(x, 2)(u))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sympy.sin(x))],
                          domain={t: (0, 1), x: (0, 1)}, name="unknown_diffusivity")
    assert system.fields == (u, k) and system.undetermined == (k,) and system.partial == (k,)
    assert system.time_only == ()
    with pytest.raises(sn.ModelError, match=r"field k\(x\) has no equation: add one, or learn it from data with "
                       r"PINN\(\.\.\., learn=\[k\]\)"):
        PINN(system)
    with pytest.raises(sn.ModelError, match=r"field k\(x\) depends on x only, beside fields of \(t, x\): the method of lines holds fields of every "
                       r"variable, or of time only"):
        discretize(system, {x: 17})
    pinn = PINN(system, hidden=[6, 6], learn=[k], seed=1, dtype="float64")
    params = pinn.init_params()
    assert [[tuple(W.shape) for W, _ in net] for net in params["net"]] == [[(2, 6), (6, 6), (6, 1)], [(1, 6), (6, 6), (6, 1)]]
    z = jax.numpy.asarray(np.random.default_rng(0).random((7, 2)))
    jets = pinn._jets(params["net"], z, [(0,), (1,)])
    assert np.all(np.asarray(jets[(0,)][:, 1]) == 0.0)  # k does not vary in t
    assert np.any(np.asarray(jets[(1,)][:, 1]) != 0.0)
    res = pinn.train(steps=2, data={k: ({x: [0.2, 0.5]}, [1.0, 1.0])}, progress=False)
    # k's points need x alone; u's need both
    assert res.predict(k, {x: np.linspace(0, 1, 4)}).shape == (4,)
    with pytest.raises(sn.ModelError, match=r"predict\(u\(t, x\), \.\.\.\): give points for \[t\] too"):
        res.predict(u, {x: np.linspace(0, 1, 4)})
    # networks="separate": every field its own network, the same inputs
    v = sn.fields("v", t, x)
    pair = sn.PDESystem([sn.Eq(sn.D(t)(v), -v), sn.Eq(sn.D(t)(u), v - u)], [sn.Initial(u, 0), sn.Initial(v, 1)],
                        domain={t: (0, 1), x: (0, 1)}, name="pair")
    shared = PINN(pair, hidden=[5], seed=0).init_params()["net"]
    separate = PINN(pair, hidden=[5], seed=0, networks="separate").init_params()["net"]
    assert [len(n[-1][1]) for n in shared] == [2] and [len(n[-1][1]) for n in separate] == [1, 1]
    with pytest.raises(sn.ModelError, match=r"networks='own': use \"shared\".*or \"separate\""):
        PINN(pair, networks="own")
    with pytest.raises(sn.ModelError, match=r"learn=\[w\(t, x\)\]: w\(t, x\) is neither a parameter"):
        PINN(pair, learn=[sn.fields("w", t, x)])


def test_observations_of_expressions_and_their_points():
    u = sn.fields("u", t, x)
    a = sn.parameter("a", 2.0)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), a * sn.D(x, 2)(u))],
                          [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                          domain={t: (0, 1), x: (0, 1)}, name="observed")
    pinn = PINN(system, hidden=[7, 7], seed=2, dtype="float64", learn=[a])
    params = pinn.init_params()
    rng = np.random.default_rng(3)
    T, X = rng.random(9), rng.random(9)
    V = rng.random(9)

    def scalar(tz, xz):
        return pinn._net(params["net"], jax.numpy.stack([tz, xz])[None, :])[0, 0]

    ux = np.array([jax.grad(scalar, 1)(tz, xz) for tz, xz in zip(T, X)])
    uxx = np.array([jax.grad(jax.grad(scalar, 1), 1)(tz, xz) for tz, xz in zip(T, X)])
    uval = np.array([scalar(tz, xz) for tz, xz in zip(T, X)])
    pts = pinn._points(rng)
    for quantity, hand in [(sn.D(x)(u), ux), (a * sn.D(x, 2)(u) + u**2 + x, 2.0 * uxx + uval**2 + X)]:
        obs = pinn._data({quantity: ({t: T, x: X}, V)})
        got = float(pinn.losses(params, pts, obs)["data"])
        np.testing.assert_allclose(got, np.mean((hand - V) ** 2), rtol=1e-10)
    # observation points join the collocation points: the residual is averaged over both
    z = pinn._data({u: ({t: T, x: X}, V)})[0].z
    both = dict(pts, observed=z)
    r_pts = np.asarray(pinn.residuals(params, pts["residual"])[0])
    r_obs = np.asarray(pinn.residuals(params, z)[0])
    np.testing.assert_allclose(float(pinn.losses(params, both)["residual"]),
                               np.mean(np.concatenate([r_pts, r_obs]) ** 2), rtol=1e-10)
    with pytest.raises(sn.ModelError, match=r"data\[Derivative\(u\(t, x\), x\)\]: give points for \[t\] too"):
        pinn._data({sn.D(x)(u): ({x: X}, V)})
    with pytest.raises(sn.ModelError, match=r"data\[u\(t, x\)\]: y is not an input of 'observed'"):
        pinn._data({u: ({t: T, x: X, y: X}, V)})
    with pytest.raises(sn.ModelError, match=r"data\[2\*x\]: the observed quantity must be a field"):
        pinn._data({2 * x: ({t: T, x: X}, V)})
    with pytest.raises(sn.ModelError, match=r"data\[u\(t, x\)\]: give a pair \(points, values\)"):
        pinn._data({u: V})
    res = pinn.train(steps=3, data={sn.D(x)(u): ({t: T, x: X}, V)}, progress=False)
    assert len(res.loss_history) == 2


def test_systems_only_a_pinn_solves():
    """Kovasznay flow with the pressure given at the outflow only (DeepXDE's setting) and a
    steady first-order system with time=None: the PINN builds them, discretize says what
    it lacks."""
    re_, lam = 20.0, 20.0 / 2 - np.sqrt(20.0**2 / 4 + 4 * np.pi**2)
    u, v, p = sn.fields("u v p", x, y)
    E = sympy.exp(lam * x)
    exact = {u: 1 - E * sympy.cos(2 * sympy.pi * y), v: lam / (2 * sympy.pi) * E * sympy.sin(2 * sympy.pi * y),
             p: (1 - sympy.exp(2 * lam * x)) / 2}
    eqs = [sn.Eq(u * sn.D(x)(u) + v * sn.D(y)(u) + sn.D(x)(p) - (sn.D(x, 2)(u) + sn.D(y, 2)(u)) / re_, 0),
           sn.Eq(u * sn.D(x)(v) + v * sn.D(y)(v) + sn.D(y)(p) - (sn.D(x, 2)(v) + sn.D(y, 2)(v)) / re_, 0),
           sn.Eq(sn.D(x)(u) + sn.D(y)(v), 0)]
    walls = [sn.Dirichlet(f, var, side, exact[f]) for f in (u, v) for var in (x, y) for side in ("min", "max")]
    system = sn.PDESystem(eqs, walls + [sn.Dirichlet(p, x, "max", exact[p])],
                          domain={x: (-0.5, 1.0), y: (-0.5, 1.5)}, name="kovasznay")
    with pytest.raises(sn.ModelError, match=r"field p\(x, y\) has no boundary condition on the 'min' side of y"):
        discretize(system, {x: 9, y: 9})
    pinn = PINN(system, hidden=[8, 8], seed=0, dtype="float64")
    # the generated residual vanishes on the exact solution (checked through the leaves)
    pts = np.random.default_rng(0).random((5, 2))
    leaves = [sympy.lambdify((x, y), exact[f].diff(*[(pinn.inputs[d], 1) for d in dirs]) if dirs else exact[f])
              for f, dirs in ((pinn.fields[k], dirs) for k, dirs in pinn._res_keys)]
    values = [jax.numpy.asarray(np.broadcast_to(fn(pts[:, 0], pts[:, 1]), (5,)), float) for fn in leaves]
    res = pinn.residual_fn(values + [pts[:, 0], pts[:, 1]], [])
    assert max(float(np.max(np.abs(r))) for r in res) < 1e-12
    # a steady first-order system (Cauchy-Riemann): time=None says steady
    a, b = sn.fields("a b", x, y)
    cr = [sn.Eq(sn.D(x)(a), sn.D(y)(b)), sn.Eq(sn.D(y)(a), -sn.D(x)(b))]
    with pytest.raises(sn.ModelError, match=r"cannot tell the time variable of \(x, y\).*or time=None for a steady"):
        sn.PDESystem(cr, [sn.Dirichlet(a, x, "min", 0)], domain={x: (0, 1), y: (0, 1)})
    steady = sn.PDESystem(cr, [sn.Dirichlet(a, x, "min", sympy.exp(y * 0)), sn.Dirichlet(b, y, "min", 0)],
                          domain={x: (0, 1), y: (0, 1)}, name="cauchy_riemann", time=None)
    assert steady.time is None and steady.space == (x, y) and steady.rhs == {}
    assert PINN(steady, hidden=[4], seed=0).train(steps=2, progress=False).loss_history


def test_general_boundary_equations_train():
    """DeepXDE's Euler beam: u'''' = -1, clamped at 0 (u = u' = 0), free at 1 (u'' = u''' = 0),
    written as MOL.jl and discretize take them; exact -x^4/24 + x^3/6 - x^2/4."""
    u = sn.fields("u", x)
    beam = sn.PDESystem([sn.Eq(sn.D(x, 4)(u), -1)],
                        [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.diff(x).subs(x, 0), 0), sn.Eq(u.diff(x, 2).subs(x, 1), 0),
                         sn.Eq(u.diff(x, 3).subs(x, 1), 0)], domain={x: (0, 1)}, name="beam")
    pinn = PINN(beam, hidden=[20] * 3, dtype="float64", seed=0, n_collocation=100, n_boundary=8)
    params = pinn.init_params()
    pts = pinn._points(np.random.default_rng(0))
    assert [float(z[0, 0]) for z in pts["equations"]] == [0.0, 0.0, 1.0, 1.0]

    def scalar(xz):
        return pinn._net(params["net"], jax.numpy.stack([xz])[None, :])[0, 0]

    d = [scalar, jax.grad(scalar)]
    d += [jax.grad(d[-1]), jax.grad(jax.grad(d[-1]))]
    hand = sum(float(f(xz)) ** 2 for f, xz in zip(d, [0.0, 0.0, 1.0, 1.0]))  # each side's points share x
    np.testing.assert_allclose(float(pinn.losses(params, pts)["boundary"]), hand, rtol=1e-10)
    res = pinn.train(steps=3000, lbfgs=500, progress=False)
    X = np.linspace(0, 1, 200)
    exact = -X**4 / 24 + X**3 / 6 - X**2 / 4
    err = np.linalg.norm(res.predict(u, {x: X}) - exact) / np.linalg.norm(exact)
    assert err < 1e-3, err  # 1.6e-4 measured
    from symnum.solvers import GP
    with pytest.raises(sn.ModelError, match=r"GP takes Dirichlet, Neumann, Robin and Periodic conditions; .* is a "
                       r"general boundary equation, which discretize\(\) and the PINN handle"):
        GP(beam, grid={x: 16})


def test_input_and_output_transforms():
    u = sn.fields("u", x)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(u), -sympy.pi**2 * sympy.sin(sympy.pi * x))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)], domain={x: (0, 1)}, name="p1")
    plain = PINN(system, hidden=[5], dtype="float64", seed=0)
    pinn = PINN(system, hidden=[5], dtype="float64", seed=0, inputs=[x, sympy.sin(sympy.pi * x)], transform={u: x * (1 - x) * u + x**2})
    params = pinn.init_params()
    assert [tuple(W.shape) for W, _ in params["net"][0]] == [(2, 5), (5, 1)]  # two input features
    (W0, b0), (W1, b1) = params["net"][0]
    X = np.linspace(0, 1, 7)
    h = np.tanh(np.stack([X, np.sin(np.pi * X)], axis=1) @ np.asarray(W0) + np.asarray(b0))
    hand = X * (1 - X) * (h @ np.asarray(W1) + np.asarray(b1))[:, 0] + X**2
    got = np.asarray(pinn._net(params["net"], jax.numpy.asarray(X[:, None])))[:, 0]
    np.testing.assert_allclose(got, hand, rtol=1e-12)
    assert [tuple(W.shape) for W, _ in plain.init_params()["net"][0]] == [(1, 5), (5, 1)]
    with pytest.raises(sn.ModelError, match=r"transform\[u\(x\)\] = .*: write it in u\(x\) \(its network's output\), "
                       r"the inputs \(x,\) and fixed parameters; y is not one of those"):
        PINN(system, transform={u: y * u})
    with pytest.raises(sn.ModelError, match=r"transform\[v\(x\)\]: v\(x\) is not a field"):
        PINN(system, transform={sn.fields("v", x): x})
    with pytest.raises(sn.ModelError, match=r"inputs=\[\.\.\., t, \.\.\.\]: an input feature is an expression of the "
                       r"inputs \(x,\).*t is not one"):
        PINN(system, inputs=[x, t])
    with pytest.raises(sn.ModelError, match=r"inputs= and features= both choose what the network sees"):
        PINN(system, inputs=[x], features=sn.solvers.FourierFeatures(1.0, 4))


def test_dirichlet_beside_periodic():
    """DeepXDE's Poisson with a Dirichlet and a periodic condition: -u'' = pi^2 sin(pi x) on
    [-1, 1], u(-1) = 0, periodic; exact sin(pi x). Finite differences refuse the pair."""
    u = sn.fields("u", x)
    system = sn.PDESystem([sn.Eq(-sn.D(x, 2)(u), sympy.pi**2 * sympy.sin(sympy.pi * x))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Periodic(x)], domain={x: (-1, 1)}, name="dp")
    with pytest.raises(sn.ModelError, match=r"Dirichlet\(u\(x\), x, 'min', \.\.\.\) conflicts with Periodic\(x\) for "
                       r"finite differences"):
        discretize(system, {x: 16})
    res = PINN(system, hidden=[16, 16], dtype="float64", seed=0, n_collocation=64, periodic="loss").train(
        steps=1000, lbfgs=300, progress=False)
    X = np.linspace(-1, 1, 101)
    assert np.abs(res.predict(u, {x: X}) - np.sin(np.pi * X)).max() < 1e-2
