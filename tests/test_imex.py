"""The symbolic split rhs = L u + N(u, t) (exact to round-off on every test
system, boundary kinds and accuracy orders included) and the IMEX integrator
on it (kencarp47): order 4, stiff diffusion with large steps and one
factorization, the Brusselator against a tight reference, clear errors."""

import pathlib
import sys

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

from test_dense_output import exact, forced, t, u, x  # noqa: F401  (the forced problem and its solution)
from test_mol_backends import SYSTEMS

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "examples"))
from brusselator import make_brusselator  # noqa: E402


@pytest.mark.parametrize("dim, order", [(d, 2) for d in SYSTEMS] + [("2d", 4), ("brusselator", 2)])
def test_split_adds_up_to_the_rhs(dim, order):
    if dim == "brusselator":  # a forcing switched on in time (a Piecewise in t and x)
        system = make_brusselator()
        grid = dict(zip(system.space, (10, 10)))
    else:
        system, grid = SYSTEMS[dim]()
    prob = discretize(system, grid, order=order, backend="numpy")  # no Numba compiles: the split is symbolic
    L, N = prob.split()  # DESIGN.md's form
    assert L.nnz > 0
    rng = np.random.default_rng(3)
    for time in (0.0, 1.3):
        y = rng.uniform(0.5, 1.5, prob.shape)
        got = (L @ y.reshape(-1)).reshape(prob.shape) + N(y, time)
        want = prob.rhs(y, time)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-13 * np.abs(want).max())


@pytest.fixture(scope="module")
def heat():
    w = sn.fields("w", t, x)
    D = sn.parameter("D", 1.0)
    sys_ = sn.PDESystem([sn.Eq(sn.D(t)(w), D * sn.D(x, 2)(w))],
                        [sn.Dirichlet(w, x, "min", 0), sn.Dirichlet(w, x, "max", 0),
                         sn.Initial(w, sympy.sin(sympy.pi * x))], domain={t: (0, 0.1), x: (0, 1)}, name="heat_imex")
    return w, discretize(sys_, {x: 65})


def test_diffusion_is_all_linear_and_takes_large_steps(heat):
    w, prob = heat
    split = prob.split()
    y = np.random.default_rng(0).normal(size=prob.shape)
    assert np.abs(split.N(y, 0.3)).max() == 0.0  # nothing left for the explicit part
    # h = 0.01 is 50x the explicit stability limit (h^2 / 2 = 1.2e-4)
    sol = solve(prob, method="kencarp47", dt=0.01, adaptive=False, progress=False)
    assert sol.stats["nlu"] == 1 and sol.stats["steps"] == 10  # one factorization for the whole solve
    # the semi-discrete solution decays with the discrete eigenvalue of sin(pi x)
    h = prob.grid[x][1] - prob.grid[x][0]
    lam = -4 / h**2 * np.sin(np.pi * h / 2) ** 2
    np.testing.assert_allclose(sol[w][-1], np.sin(np.pi * prob.grid[x]) * np.exp(lam * 0.1), atol=1e-6)


@pytest.mark.parametrize("method", ["kencarp4", "kencarp47"])
def test_order_four(forced, method):
    dts = [0.1, 0.05, 0.025]
    errs = [abs(solve(forced, method=method, dt=dt, adaptive=False, progress=False)[u][-1] - exact(1.0))
            for dt in dts]
    assert np.polyfit(np.log(dts), np.log(errs), 1)[0] > 3.7, errs


@pytest.mark.parametrize("method", ["kencarp4", "kencarp47"])
def test_brusselator_against_a_tight_reference(method):
    system = make_brusselator()
    prob = discretize(system, dict(zip(system.space, (12, 12))))
    kw = dict(tspan=(0, 3), saveat=[0.0, 1.1, 3.0], progress=False)
    ref = solve(prob, method="bdf", rtol=1e-11, atol=1e-11, **kw)
    sol = solve(prob, method=method, rtol=1e-6, atol=1e-8, dense=True, **kw)
    assert np.abs(sol.states - ref.states).max() < 1e-3 * np.abs(ref.states).max()
    assert sol.stats["nlu"] < sol.stats["steps"] + sol.stats["rejected"]  # factorizations reused
    np.testing.assert_allclose(sol(np.array([0.0, 1.1, 3.0])), sol.states, rtol=0, atol=1e-12)


def test_errors_name_the_fix(forced, heat):
    with pytest.raises(sn.SolverError, match=r"adaptive=False takes a fixed step: pass dt"):
        solve(forced, method="kencarp47", adaptive=False, progress=False)
    blow = discretize(sn.ODESystem([sn.Eq(sn.D(t)(u), u**2)], [sn.Initial(u, 1)], domain={t: (0, 2)},
                                   name="blowup_r"))
    with pytest.raises(sn.SolverError, match=r"(step size underflow|non-finite)"):
        solve(blow, method="kencarp47", progress=False)


def test_periodic_diffusion_is_solved_by_fft(monkeypatch):
    """Fully periodic, translation invariant L: each stage solve is one small dense
    solve per wavenumber (no LU); the same numbers as through SuperLU."""
    from symnum.solvers.integrate import _imex

    system = make_brusselator()
    prob = discretize(system, dict(zip(system.space, (24, 24))), backend="numpy")  # 1152 unknowns: sparse path
    L = prob.split().L
    fourier = _imex._Fourier.of(prob, L)
    assert fourier is not None
    r = np.random.default_rng(1).normal(size=L.shape[0])
    x_ = fourier.solver(0.01)(r)
    np.testing.assert_allclose(x_ - 0.01 * (L @ x_), r, rtol=0, atol=1e-10)
    kw = dict(method="kencarp47", tspan=(0, 2), saveat=[0, 1.1, 2], rtol=1e-6, atol=1e-8, progress=False)
    fft = solve(prob, **kw)
    monkeypatch.setattr(_imex._Fourier, "of", classmethod(lambda cls, prob, L: None))
    lu = solve(prob, **kw)
    assert fft.stats["steps"] == lu.stats["steps"]
    np.testing.assert_allclose(fft.states, lu.states, rtol=0, atol=1e-9 * np.abs(lu.states).max())


def test_walls_are_not_circulant(heat):
    from symnum.solvers.integrate import _imex

    _, prob = heat
    assert _imex._Fourier.of(prob, prob.split().L) is None


@pytest.mark.parametrize("method", ["kencarp4", "kencarp47"])
def test_tableau_order_conditions(method):
    """The published coefficients as transcribed: every order-4 condition of the
    additive pair (explicit and implicit tableaus in all couplings) and order 3
    of the embedded weights, to round-off."""
    from symnum.solvers.integrate._imex import IMEX

    m = IMEX[method]
    s = m.stages

    def full(rows, diag):
        A = np.zeros((s, s))
        for i, r in enumerate(rows):
            A[i, :len(r)] = r
            A[i, i] = diag if i else 0.0
        return A

    AE, AI = full(m.aE, 0.0), full(m.aI, m.gamma)
    b, bh, c = (np.array(v) for v in (m.b, m.b_hat, m.c))
    np.testing.assert_allclose([AE.sum(1), AI.sum(1)], [c, c], atol=1e-15)
    for A1 in (AE, AI):
        for A2 in (AE, AI):
            got = [b.sum(), b @ c, b @ c**2, b @ A1 @ c, b @ c**3, (b * c) @ A1 @ c, b @ A1 @ c**2, b @ A1 @ A2 @ c,
                   bh.sum(), bh @ c, bh @ c**2, bh @ A1 @ c]
            np.testing.assert_allclose(got, [1, 1 / 2, 1 / 3, 1 / 6, 1 / 4, 1 / 8, 1 / 12, 1 / 24, 1, 1 / 2, 1 / 3, 1 / 6],
                                       atol=1e-15)


@pytest.fixture(scope="module")
def walled_reaction_diffusion():
    """A two-field reaction-diffusion system with Neumann walls in 2-D (no FFT path)."""
    xs, ys = sn.variables("xs ys")
    p, q = sn.fields("p q", t, xs, ys)
    eqs = [sn.Eq(sn.D(t)(p), 1 + p**2 * q - 4.4 * p + 0.5 * sn.laplacian(p, xs, ys)),
           sn.Eq(sn.D(t)(q), 3.4 * p - p**2 * q + 0.5 * sn.laplacian(q, xs, ys))]
    bcs = [sn.Neumann(f, v, side, 0) for f in (p, q) for v in (xs, ys) for side in ("min", "max")]
    bcs += [sn.Initial(p, 1 + sympy.cos(sympy.pi * xs)), sn.Initial(q, 3 + sympy.cos(sympy.pi * ys))]
    system = sn.PDESystem(eqs, bcs, domain={t: (0, 0.5), xs: (0, 1), ys: (0, 1)}, name="rd_walls")
    return discretize(system, {xs: 24, ys: 24})


@pytest.mark.parametrize("method", ["kencarp4", "rodas5p"])
def test_krylov_solvers_agree_with_direct(walled_reaction_diffusion, method):
    """GMRES with algebraic multigrid ("krylov") or an incomplete LU ("gmres") takes the
    direct solver's steps, to a tenth of rtol."""
    prob = walled_reaction_diffusion
    kw = dict(method=method, saveat=[0.0, 0.25, 0.5], rtol=1e-6, atol=1e-8, progress=False)
    ref = solve(prob, linear_solver="direct", **kw)
    assert "linear_iterations" not in ref.stats
    for how in ("krylov", "gmres"):
        sol = solve(prob, linear_solver=how, **kw)
        assert sol.stats["steps"] == ref.stats["steps"]
        assert sol.stats["nlu"] == 0 and sol.stats["preconditioners"] >= 1
        # multigrid: a few iterations per solve
        solves = sol.stats["nfev"] - sol.stats["steps"]
        assert 0 < sol.stats["linear_iterations"] <= 8 * solves, sol.stats
        np.testing.assert_allclose(sol.states, ref.states, rtol=0, atol=1e-7 * np.abs(ref.states).max())


def test_linear_solver_chosen_by_size(walled_reaction_diffusion, monkeypatch):
    from symnum.solvers.integrate import _stiff

    prob = walled_reaction_diffusion
    kw = dict(method="kencarp4", saveat=[0.0, 0.5], progress=False)
    assert "linear_iterations" not in solve(prob, **kw).stats  # 2-D, 1152 unknowns: direct
    monkeypatch.setitem(_stiff.KRYLOV_ABOVE, 2, 1000)
    assert solve(prob, **kw).stats["linear_iterations"] > 0  # multigrid
    monkeypatch.setitem(sys.modules, "pyamg", None)  # not installed: ILU-preconditioned GMRES
    assert _stiff.pick_linear_solver(None, prob, "kencarp4") == "gmres"
    with pytest.raises(sn.SolverError, match=r"pyamg, which is not installed: pip install 'symnum\[amg\]'"):
        solve(prob, linear_solver="krylov", **kw)
    with pytest.raises(sn.SolverError, match=r"linear_solver='amg' for method='kencarp4': use one of"):
        solve(prob, linear_solver="amg", **kw)
