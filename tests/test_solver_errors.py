"""Every way `solve` can fail ends in a SolverError that says where and what to
do, provoked here for real: a non-finite state in every integrator family
(fixed-step, adaptive, BDF/Radau, Newton), step-size underflow, max_steps,
a non-converging linear solve, Newton not converging."""

import warnings

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

t, x, y = sn.variables("t x y")
A = sn.fields("A", t)


def _ode(rhs, name, a0=1.0, t1=2.0):
    return discretize(sn.ODESystem([sn.Eq(sn.D(t)(A), rhs)], [sn.Initial(A, a0)], domain={t: (0, t1)}, name=name),
                      backend="numpy")


@pytest.fixture(scope="module")
def blow_up():
    return _ode(A**2, "blowup")  # A = 1/(1 - t): singular at t = 1


@pytest.fixture(scope="module")
def leaves_its_domain():
    return _ode(sympy.log(sympy.Rational(3, 2) - t), "logdomain")  # NaN for t > 1.5


@pytest.mark.parametrize("method", ["tsit5", "dopri5"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_adaptive_step_size_underflow_at_a_singularity(blow_up, method):
    with pytest.raises(sn.SolverError, match=rf"step size underflow at t = 1 \({method}\).*stiff.*singular"):
        solve(blow_up, method=method, progress=False)


@pytest.mark.parametrize("method", ["euler", "rk4", "tsit5", "dopri5"])
def test_non_finite_state_stops_explicit_methods(leaves_its_domain, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(sn.SolverError, match=r"non-finite at t = 1\.[56]: field A\(t\)\. .*lower dt \(CFL\)"):
            solve(leaves_its_domain, method=method, dt=0.1, progress=False)


@pytest.mark.parametrize("method", ["bdf", "radau"])
@pytest.mark.parametrize("case, where", [("blow_up", r"1(\.0+)?|0\.9999\d*"), ("leaves_its_domain", r"1\.5")])
def test_implicit_failure_names_the_time(request, case, where, method):
    prob = request.getfixturevalue(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(sn.SolverError, match=rf"{method} failed near t = ({where}):.*singular"):
            solve(prob, method=method, progress=False)


def test_implicit_non_finite_result_is_caught(monkeypatch):
    # scipy can accept a step whose state overflowed; the result is checked anyway
    prob = _ode(-A, "decay_inf", t1=1.0)
    import scipy.integrate

    real = scipy.integrate.solve_ivp

    def overflowing(*args, **kwargs):
        res = real(*args, **kwargs)
        res.y[0, -1] = np.inf
        return res

    monkeypatch.setattr(scipy.integrate, "solve_ivp", overflowing)
    with pytest.raises(sn.SolverError, match=r"non-finite at t = 1: field A\(t\)\. bdf accepted it"):
        solve(prob, method="bdf", progress=False)


def test_max_steps():
    prob = _ode(-A, "decay")
    with pytest.raises(sn.SolverError, match=r"more than 10 steps before t = 2 \(now t = 0\.1\).*max_steps="):
        solve(prob, method="rk4", dt=0.01, max_steps=10, progress=False)


def _steady(eq_of, guess, bcs_of=None, n=9):
    u = sn.fields("u", x, y)
    bcs = bcs_of(u) if bcs_of else [sn.Dirichlet(u, v, s, 1) for v in (x, y) for s in ("min", "max")]
    sys = sn.PDESystem([eq_of(u)], bcs + [sn.Initial(u, guess)], domain={x: (0, 1), y: (0, 1)}, name="steady")
    return discretize(sys, {x: n, y: n}, backend="numpy"), u


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_newton_non_finite_residual_names_iteration_and_fix():
    prob, _ = _steady(lambda u: sn.Eq(sn.laplacian(u, x, y) + sympy.sqrt(u), 1), -1)
    with pytest.raises(sn.SolverError, match=r"residual at Newton iteration 0 became non-finite at t = 0: "
                                             r"field u\(x, y\) at x = 0\.125, y = 0\.125 .*sn\.Initial\(u, guess\)"):
        solve(prob)


def test_newton_not_converging_gives_its_history():
    prob, _ = _steady(lambda u: sn.Eq(sn.laplacian(u, x, y), sympy.exp(u)), 5)
    with pytest.raises(sn.SolverError, match=r"Newton did not converge in 2 iterations \(residual .* > tol 1e-10; "
                                             r"history \[.*\]\).*raise maxiter"):
        solve(prob, maxiter=2)


def test_gmres_not_converging_on_a_singular_jacobian():
    # pure Neumann walls fix no constant, and lap(u) = 1 has no solution with them
    prob, _ = _steady(lambda u: sn.Eq(sn.laplacian(u, x, y), 1), 0,
                      bcs_of=lambda u: [sn.Neumann(u, v, s, 0) for v in (x, y) for s in ("min", "max")])
    # the first Newton step's GMRES fails, or (in the continuation the failed line search
    # turns to) the incomplete LU of the shifted singular matrix: either names the fix
    with pytest.raises(sn.SolverError, match=r"(GMRES \(linear_solver='gmres'\) did not reach|incomplete LU "
                                             r"preconditioner of linear_solver=\"gmres\" failed).*"
                                             r"linear_solver=\"direct\".*Newton step.*singular"):
        solve(prob, linear_solver="gmres")


def test_unknown_linear_solver():
    prob, _ = _steady(lambda u: sn.Eq(sn.laplacian(u, x, y), 0), 0)
    with pytest.raises(sn.SolverError, match=r"linear_solver='lu' for method='newton': use one of \('direct', 'krylov', 'gmres'\)"):
        solve(prob, linear_solver="lu")


def test_newton_backtracks_an_overshooting_step():
    # tanh flattens out: the full Newton step from u = 3 lands far on the other side
    prob, u = _steady(lambda u: sn.Eq(sn.laplacian(u, x, y) / 100 - sympy.tanh(u), 0), 3,
                      bcs_of=lambda u: [sn.Dirichlet(u, v, s, 0) for v in (x, y) for s in ("min", "max")])
    sol = solve(prob)
    hist = sol.stats["residuals"]
    assert hist[-1] < 1e-10 and all(b < a for a, b in zip(hist, hist[1:])), hist
    assert np.abs(sol[u]).max() < 1e-10


def test_krylov_on_a_singular_matrix_names_the_fix():
    """W = diag(1, ..., 1, 0) with b = 1: no solution; multigrid's GMRES cannot reach the
    residual (checked on the true residual: pyamg reports success after a breakdown), and
    the incomplete LU cannot be formed."""
    import scipy.sparse

    from symnum.solvers.integrate._stiff import LinearStats, linear_solver

    A = scipy.sparse.csr_matrix((1000, 1000))
    shift = np.r_[np.ones(999), 0.0]
    solve_with = linear_solver(A, shift, 1.0, "krylov", 1e-9, LinearStats())
    with pytest.raises(sn.SolverError, match=r"GMRES \(linear_solver='krylov'\) did not reach a relative residual "
                                             r"of 1\.0e-09 in \d+ iterations.*linear_solver=\"direct\""):
        solve_with(np.ones(1000))
    with pytest.raises(sn.SolverError, match=r"incomplete LU preconditioner of linear_solver=\"gmres\" failed.*"
                                             r"singular.*linear_solver=\"direct\""):
        linear_solver(A, shift, 1.0, "gmres", 1e-9, LinearStats())


def test_a_system_passed_to_solve_says_to_discretize_it():
    tt = sn.variables("t")
    y = sn.fields("y", tt)
    system = sn.ODESystem([sn.Eq(sn.D(tt)(y), -y)], [sn.Initial(y, 1)], domain={tt: (0, 1)}, name="decay")
    for f in (solve, sn.solvers.solve_ensemble):
        with pytest.raises(sn.ModelError, match=r"takes a discretized problem, got ODESystem: write prob = "
                                                r"solvers.discretize\(system, grid\)"):
            f(system)
