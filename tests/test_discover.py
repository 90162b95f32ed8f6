"""Equation discovery with default settings: exact support and coefficients
within tolerance at 0%, 1% and 5% noise, on data from independent solvers
(scipy for ODEs, the spectral PDE-FIND sets in ../shared/data, our own MoL
solver for a 2D reaction-diffusion system), and the found system re-simulates."""

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.integrate
import sympy

import symnum as sn
from symnum.solvers import discover, discretize, solve

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pysindy"
NOISE = [0.0, 0.01, 0.05]


def _noisy(a, eta, seed):
    return a + eta * a.std() * np.random.default_rng(seed).normal(size=a.shape)


def _check(found, truth, rtol):
    """truth: {term: coefficient}; the found support must be exactly truth's."""
    assert set(found) == set(truth), found
    for term, c in truth.items():
        assert found[term] == pytest.approx(c, rel=rtol), (term, found[term], c)


t = sn.variables("t")


@pytest.mark.parametrize("eta", NOISE + [0.1])
def test_lorenz(eta):
    """Up to 10% noise (the README's claim), defaults only."""
    X, Y, Z = sn.fields("x y z", t)
    T = np.linspace(0, 10, 5001)
    s = scipy.integrate.solve_ivp(lambda _, v: [10 * (v[1] - v[0]), v[0] * (28 - v[2]) - v[1], v[0] * v[1] - 8 / 3 * v[2]],
                                  (0, 10), [-8, 8, 27], t_eval=T, rtol=1e-10, atol=1e-10).y
    res = discover({f: _noisy(s[k], eta, k) for k, f in enumerate((X, Y, Z))}, grid={t: T})
    _check(res.coefficients[X], {X: -10, Y: 10}, 0.02)
    _check(res.coefficients[Y], {X: 28, X * Z: -1, Y: -1}, 0.02)
    _check(res.coefficients[Z], {X * Y: 1, Z: -8 / 3}, 0.02)
    assert res.score[X] > 0.99


@pytest.mark.parametrize("eta", NOISE)
def test_lotka_volterra(eta):
    P, Q = sn.fields("p q", t)
    T = np.linspace(0, 20, 4001)
    s = scipy.integrate.solve_ivp(lambda _, v: [v[0] - 0.5 * v[0] * v[1], -2 * v[1] + v[0] * v[1]],
                                  (0, 20), [3, 1], t_eval=T, rtol=1e-10, atol=1e-10).y
    res = discover({P: _noisy(s[0], eta, 1), Q: _noisy(s[1], eta, 2)}, grid={t: T})
    _check(res.coefficients[P], {P: 1, P * Q: -0.5}, 0.03)
    _check(res.coefficients[Q], {Q: -2, P * Q: 1}, 0.03)
    system = res.to_system([sn.Initial(P, 3), sn.Initial(Q, 1)], domain={t: (0, 20)})
    assert isinstance(system, sn.ODESystem) and system.fields == (P, Q)
    assert system.rhs[P] == res.equations[0].rhs and system.rhs[Q] == res.equations[1].rhs
    for f, truth in ((P, P - 0.5 * P * Q), (Q, -2 * Q + P * Q)):
        off = sympy.Poly(sympy.expand(system.rhs[f] - truth), P, Q).coeffs()
        assert max(abs(float(c)) for c in off) < 0.03 * 2, (f, system.rhs[f])
    assert system.initial == {P: 3, Q: 1} and system.domain[t] == (0.0, 20.0)


def _pde_data(name):
    path = DATA / f"{name}.npz"
    if not path.exists():
        pytest.skip(f"reference data {path} not present")
    d = np.load(path)
    return d["t"], d["x"], d["u"].T, json.loads(str(d["truth"]))


x = sn.variables("x")
u = sn.fields("u", t, x)
ux, uxx = sn.D(x)(u), sn.D(x, 2)(u)
PDES = {
    "burgers": {u * ux: -1.0, uxx: 0.1},
    "kdv": {u * ux: -6.0, sn.D(x, 3)(u): -1.0},
    "ks": {u * ux: -1.0, uxx: -1.0, sn.D(x, 4)(u): -1.0},
}


@pytest.mark.parametrize("eta", NOISE + [0.2])
@pytest.mark.parametrize("name", list(PDES))
def test_pde_find_sets(name, eta):
    """Up to 20% noise (the README's claim), defaults only."""
    T, X, U, _ = _pde_data(name)
    res = discover({u: _noisy(U, eta, 0)}, grid={t: T, x: X})
    _check(res.coefficients[u], PDES[name], 0.02 if eta <= 0.05 else 0.03)
    # the bootstrap spread of each term's coefficient, keyed as the coefficients are:
    # under 3% of it, and not zero once there is noise (the bootstrap ran)
    assert set(res.uncertainty[u]) == set(res.coefficients[u])
    for term, spread in res.uncertainty[u].items():
        assert spread < 0.03 * abs(PDES[name][term]), (term, spread)
        assert eta == 0 or spread > 1e-6


def test_burgers_found_resimulates():
    """Data from our own solver; the system found from it, simulated again, matches the data."""
    nu = sn.parameter("nu", 0.05)
    burgers = sn.PDESystem([sn.Eq(sn.D(t)(u), -u * ux + nu * uxx)],
                           [sn.Periodic(x), sn.Initial(u, sympy.sin(x) + 0.5 * sympy.cos(2 * x))],
                           domain={t: (0, 2), x: (0, 2 * np.pi)}, name="burgers")
    prob = discretize(burgers, {x: 128}, order=4, backend="numpy")
    sol = solve(prob, method="tsit5", saveat=101, rtol=1e-9, atol=1e-11, progress=False)
    res = discover(sol)
    _check(res.coefficients[u], {u * ux: -1.0, uxx: 0.05}, 0.02)
    again = res.to_system([sn.Periodic(x), sn.Initial(u, sympy.sin(x) + 0.5 * sympy.cos(2 * x))],
                          domain={t: (0, 2), x: (0, 2 * np.pi)})
    sol2 = solve(discretize(again, {x: 128}, order=4, backend="numpy"), method="tsit5", saveat=sol.t, progress=False)
    assert np.abs(sol2[u] - sol[u]).max() < 1e-2


@pytest.mark.parametrize("eta", [0.0, 0.01])
def test_reaction_diffusion_2d(eta):
    y = sn.variables("y")
    a, b = sn.fields("a b", t, x, y)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(a), 0.1 * sn.laplacian(a, x, y) + a - a**3 - b),
         sn.Eq(sn.D(t)(b), 0.05 * sn.laplacian(b, x, y) + 0.5 * a - 0.5 * b)],
        [sn.Periodic(x), sn.Periodic(y),
         sn.Initial(a, sympy.sin(x) * sympy.cos(2 * y) + 0.5 * sympy.cos(3 * x + y)),
         sn.Initial(b, 0.3 * sympy.cos(x - 2 * y))],
        domain={t: (0, 2), x: (0, 2 * np.pi), y: (0, 2 * np.pi)}, name="rd",
    )
    prob = discretize(system, {x: 48, y: 48}, order=4)
    sol = solve(prob, method="tsit5", saveat=81, rtol=1e-8, atol=1e-10, progress=False)
    data = {f: _noisy(sol[f], eta, k) for k, f in enumerate((a, b))}
    res = discover(data, grid={t: sol.t, x: sol.grid[x], y: sol.grid[y]})
    lap = lambda f: (sn.D(x, 2)(f), sn.D(y, 2)(f))  # noqa: E731
    _check(res.coefficients[a], {lap(a)[0]: 0.1, lap(a)[1]: 0.1, a: 1, a**3: -1, b: -1}, 0.03)
    _check(res.coefficients[b], {lap(b)[0]: 0.05, lap(b)[1]: 0.05, a: 0.5, b: -0.5}, 0.03)


def test_discover_errors():
    T = np.linspace(0, 1, 50)
    X = np.linspace(0, 1, 40)
    good = np.zeros((50, 40))
    with pytest.raises(sn.SolverError, match=r"data for u\(t, x\) has shape \(40, 50\).*\(50, 40\)"):
        discover({u: good.T}, grid={t: T, x: X})
    bad = good.copy()
    bad[3, 4] = np.nan
    with pytest.raises(sn.SolverError, match="contains 1 NaN/inf values"):
        discover({u: bad}, grid={t: T, x: X})
    with pytest.raises(sn.SolverError, match="not uniform"):
        discover({u: good}, grid={t: T**2, x: X})
    with pytest.raises(sn.SolverError, match=r"grid must give coordinates for each of \(t, x\)"):
        discover({u: good}, grid={t: T})
    with pytest.raises(sn.SolverError, match="only 5 samples along x"):
        discover({u: good[:, :5]}, grid={t: T, x: X[:5]})
    with pytest.raises(sn.SolverError, match="not a field"):
        discover({sympy.Symbol("u"): good}, grid={t: T, x: X})


def test_strong_form_option_on_clean_data():
    T, X, U, _ = _pde_data("burgers")
    res = discover({u: U}, grid={t: T, x: X}, method="strong")
    _check(res.coefficients[u], PDES["burgers"], 0.01)
    with pytest.raises(sn.SolverError, match=r"method='spectral'"):
        discover({u: U}, grid={t: T, x: X}, method="spectral")


def test_too_few_samples_for_the_library():
    T = np.linspace(0, 1, 12)
    X = np.linspace(0, 1, 12)
    U = np.sin(X)[None, :] * np.exp(-T)[:, None]
    with pytest.raises(sn.SolverError, match=r"too few samples for the library: \d+ test functions .* candidate terms"):
        discover({u: U}, grid={t: T, x: X})


def test_discover_input_errors_and_extra_terms():
    T = np.linspace(0, 1, 60)
    X = np.linspace(0, 1, 50)
    v = sn.fields("v", t, sn.variables("y"))
    good = np.zeros((60, 50))
    with pytest.raises(sn.SolverError, match=r"takes a Solution or a dict \{field: array\} .* got list"):
        discover([good], grid={t: T, x: X})
    with pytest.raises(sn.SolverError, match=r"fields u\(t, x\) and v\(t, y\) have different arguments"):
        discover({u: good, v: good}, grid={t: T, x: X})
    steady_u = sn.fields("u", x)
    poisson = sn.PDESystem([sn.Eq(sn.D(x, 2)(steady_u), -1)],
                           [sn.Dirichlet(steady_u, x, "min", 0), sn.Dirichlet(steady_u, x, "max", 0)],
                           domain={x: (0, 1)}, name="p")
    with pytest.raises(sn.SolverError, match="needs time-dependent data; this Solution is steady"):
        discover(solve(discretize(poisson, {x: 17}, backend="numpy")))


def test_a_user_term_is_found():
    """terms= adds library terms: u' = -sin(u) is found with sin(u) in the library."""
    A = sn.fields("a", t)
    T = np.linspace(0, 10, 2001)
    s = scipy.integrate.solve_ivp(lambda _, v: [-np.sin(v[0])], (0, 10), [2.5], t_eval=T, rtol=1e-11, atol=1e-11).y
    res = discover({A: s[0]}, grid={t: T}, terms=[sympy.sin(A)])
    _check(res.coefficients[A], {sympy.sin(A): -1.0}, 0.02)
    assert str(res) == str(res.equations[0])


def test_library_and_test_function_options():
    """max_order=, max_degree=, support=, stride= and bootstrap=0 on the Burgers set."""
    T, X, U, _ = _pde_data("burgers")
    res = discover({u: U}, grid={t: T, x: X}, max_order=2, max_degree=2, support=2.0, stride=0.25, bootstrap=0)
    _check(res.coefficients[u], PDES["burgers"], 0.02)
    assert all(v == 0 for v in res.uncertainty[u].values())
    small = discover({u: U}, grid={t: T, x: X}, max_order=1, max_degree=1)
    assert not any(term.has(sympy.Derivative(u, (x, 2))) for term in small.coefficients[u])
