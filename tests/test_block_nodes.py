"""Blocks whose nodes differ (solvers/_composite.py): each 1-D block discretized on its
own nodes and joined by interface values. Checked against the shared-axis
discretization where the nodes agree (the same numbers to round-off), and against exact
and manufactured solutions at the scheme's order where they do not (unequal counts,
non-uniform node sets that do not map onto each other, linear and nonlinear interfaces,
advection both ways, a chain of blocks), with the errors for what it does not do."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum import solvers
from symnum.solvers._composite import CompositeProblem, discretize_blocks

from test_blocks import X, _slopes, _two_blocks, reservoir, steady_line, t, three_blocks, x1, x2, x3

D = sn.D


def _error(prob, exact, method="tsit5", tol=1e-11, **kw):
    sol = solvers.solve(prob, method=method, saveat=[0, 1], rtol=tol, atol=tol / 100, progress=False, **kw)
    return max(np.abs(sol[f][-1] - sympy.lambdify(X, e.subs(t, 1))(sol.grid[v]) * np.ones(len(sol.grid[v]))).max()
               for f, (v, e) in exact.items())


def _reorder(shared, comp, y):
    """A shared-axis state (fields, nodes) as the composite's (blocks end to end)."""
    return np.concatenate([y[shared.fields.index(f)] for p in comp.parts for f in p.problem.fields])


def test_equal_nodes_reproduce_the_shared_axis():
    system, exact = _two_blocks(lambda c: 1, lambda c: sympy.Rational(1, 4))
    shared = solvers.discretize(system, {x1: 21, x2: 21})
    comp = discretize_blocks(system, {x1: 21, x2: 21}, 2, "numba", "central", True)
    assert isinstance(comp, CompositeProblem) and comp.interfaces.linear
    y = np.random.default_rng(0).standard_normal(shared.shape)
    yc = _reorder(shared, comp, y)
    r = _reorder(shared, comp, shared.rhs(y, 0.3))
    np.testing.assert_allclose(comp.rhs(yc, 0.3), r, rtol=0, atol=1e-14 * np.abs(r).max())
    np.testing.assert_allclose(comp.fill_boundaries(yc, 0.3), _reorder(shared, comp, shared.fill_boundaries(y, 0.3)),
                               atol=1e-14)
    perm = np.concatenate([shared.fields.index(f) * 21 + np.arange(21) for p in comp.parts for f in p.problem.fields])
    J = shared.jacobian(y, 0.3).toarray()[np.ix_(perm, perm)]
    np.testing.assert_allclose(comp.jacobian(yc, 0.3).toarray(), J, rtol=0, atol=1e-9 * np.abs(J).max())
    a = solvers.solve(shared, method="tsit5", saveat=[0, 1], rtol=1e-10, atol=1e-12, progress=False)
    b = solvers.solve(comp, method="tsit5", saveat=[0, 1], rtol=1e-10, atol=1e-12, progress=False)
    for f in exact:
        np.testing.assert_allclose(b[f], a[f], atol=1e-13)


@pytest.mark.parametrize("order, ns", [(2, ((11, 16), (21, 31), (41, 61))), (4, ((11, 16), (21, 31)))])
def test_unequal_counts_keep_the_order(order, ns):
    system, exact = _two_blocks(lambda c: 1, lambda c: sympy.Rational(1, 4))
    errs = [_error(solvers.discretize(system, {x1: n1, x2: n2}, order=order), exact) for n1, n2 in ns]
    assert errs[-1] < (1e-6 if order == 2 else 2e-9)
    assert _slopes(errs).min() > order - 0.1


def test_nonlinear_interface_by_newton_explicit_and_stiff():
    # the flux interface -D1(c1) c1_x = -D2(c2) c2_x with D linear in c: the shared axis
    # makes its wall nodes algebraic (a DAE); here Newton gives the wall values, so
    # explicit methods integrate it too
    system, exact = _two_blocks(lambda c: 1 + c / 10, lambda c: sympy.Rational(1, 10) + c / 10)
    probs = [solvers.discretize(system, {x1: n1, x2: n2}) for n1, n2 in ((11, 16), (21, 31))]
    assert not probs[0].interfaces.linear and not probs[0].algebraic
    errs = [_error(p, exact, "rodas5p", 1e-10) for p in probs]
    assert errs[-1] < 5e-6 and _slopes(errs).min() > 1.9
    assert abs(_error(probs[1], exact, "tsit5", 1e-10) - errs[1]) < 1e-8
    # the interface coupling of the Jacobian (implicit differentiation of Newton's solution)
    prob = probs[0]
    y = prob.u0 * (1 + 0.1 * np.random.default_rng(1).standard_normal(prob.u0.shape))
    J = prob.jacobian(y, 0.2).toarray()
    eps = 1e-6
    fd = np.array([(prob.rhs(y + eps * e, 0.2) - prob.rhs(y - eps * e, 0.2)) / (2 * eps) for e in np.eye(len(y))]).T
    np.testing.assert_allclose(J, fd, rtol=0, atol=1e-5 * np.abs(fd).max())


@pytest.mark.parametrize("v", [1.0, -1.0])
def test_upwind_advection_across_unequal_blocks(v):
    u1, u2 = sn.fields("u1", t, x1), sn.fields("u2", t, x2)
    wave = sympy.sin(2 * sympy.pi * (X - v * t))
    bcs = [sn.Initial(u1, wave.subs({X: x1, t: 0})), sn.Initial(u2, wave.subs({X: x2, t: 0})),
           sn.Eq(u1.subs(x1, 0.5), u2.subs(x2, 0.5))]
    bcs += ([sn.Eq(u1.subs(x1, 0), wave.subs(X, 0)), sn.Eq(u2.diff(x2).subs(x2, 1), 0)] if v > 0 else
            [sn.Eq(u2.subs(x2, 1), wave.subs(X, 1)), sn.Eq(u1.diff(x1).subs(x1, 0), 0)])
    system = sn.PDESystem([sn.Eq(D(t)(u1), -v * D(x1)(u1)), sn.Eq(D(t)(u2), -v * D(x2)(u2))], bcs,
                          domain={t: (0, 1), x1: (0, 0.5), x2: (0.5, 1)})
    errs = []
    for n1, n2 in ((61, 41), (121, 81), (241, 161)):
        prob = solvers.discretize(system, {x1: n1, x2: n2}, order=1, advection="upwind")
        dt = 0.4 * 0.5 / (max(n1, n2) - 1)
        sol = solvers.solve(prob, method="ssprk3", dt=dt, saveat=[0, 0.3], progress=False)
        errs.append(max(np.abs(sol[u][-1] - np.sin(2 * np.pi * (sol.grid[xv] - v * 0.3))).max()
                        for u, xv in ((u1, x1), (u2, x2))))
    assert errs[-1] < 0.03 and _slopes(errs).min() > 0.85


def test_chain_of_non_uniform_blocks_whose_nodes_do_not_map():
    system, exact = three_blocks()
    errs = []
    for n in (11, 21, 41):
        graded = 1 + 0.5 * (1 - np.cos(np.pi * np.arange(n) / (n - 1))) * 1.0  # Chebyshev-Lobatto on [1, 2]
        grid = {x1: np.linspace(0, 1, n), x2: graded, x3: 2 + np.linspace(0, 1, 2 * n - 1) ** 1.5}
        prob = solvers.discretize(system, grid)
        assert isinstance(prob, CompositeProblem) and [p.shape[1] for p in prob.parts] == [n, n, 2 * n - 1]
        errs.append(_error(prob, exact, tol=1e-10))
    assert errs[-1] < 2e-4 and _slopes(errs).min() > 1.8


def test_solution_shows_each_block_on_its_own_nodes_and_backends_agree():
    system, c1, c2 = steady_line()
    prob = solvers.discretize(system, {x1: 0.25, x2: 0.25})  # 5 and 9 points: u = x is steady
    assert prob.shape == (14,)
    sol = solvers.solve(prob, method="rodas5p", saveat=[0, 0.5], progress=False)
    np.testing.assert_allclose(sol.grid[x2], np.linspace(1, 3, 9))
    assert sol[c1].shape == (2, 5) and sol[c2].shape == (2, 9)
    np.testing.assert_allclose(sol[c2][-1], sol.grid[x2], atol=1e-12)
    np.testing.assert_allclose(sol[c1][-1], sol.grid[x1], atol=1e-12)
    ref = solvers.discretize(system, {x1: 0.25, x2: 0.25}, backend="numpy")
    y = np.random.default_rng(2).standard_normal(prob.shape)
    np.testing.assert_allclose(ref.rhs(y, 0.1), prob.rhs(y, 0.1), atol=1e-12)
    pytest.importorskip("xarray")
    ds = sol.to_xarray()
    assert ds["c1"].dims == ("t", "x1") and ds["c2"].dims == ("t", "x2") and ds["c2"].shape == (2, 9)


def test_what_blocks_with_different_nodes_refuse():
    system, _ = _two_blocks(lambda c: 1, lambda c: 1)
    with pytest.raises(sn.DiscretizationError, match="CUDA backend.*same number of points"):
        solvers.discretize(system, {x1: 11, x2: 21}, backend="cuda")
    prob = solvers.discretize(system, {x1: 11, x2: 21})
    with pytest.raises(sn.DiscretizationError, match="IMEX"):
        prob.split()
    with pytest.raises(sn.DiscretizationError, match="32 values"):
        prob.rhs(np.zeros((2, 16)))
    with pytest.raises(sn.SolverError, match=r"diverging .* at field c\d\(t, x\d\) at x\d = "):  # in the user's terms
        solvers.solve(prob, method="rk4", dt=0.01, progress=False)
    c1, c2 = sn.fields("c1", t, x1), sn.fields("c2", t, x2)
    bcs = [sn.Initial(c1, 0), sn.Initial(c2, 0), sn.Dirichlet(c1, x1, "min", 0), sn.Dirichlet(c2, x2, "max", 0),
           sn.Eq(c1.subs(x1, 1), c2.subs(x2, 1)), sn.Eq(D(t)(c1).subs(x1, 1), c2.diff(x2).subs(x2, 1))]
    dynamic = sn.PDESystem([sn.Eq(D(t)(c1), D(x1, 2)(c1)), sn.Eq(D(t)(c2), D(x2, 2)(c2))], bcs,
                           domain={t: (0, 1), x1: (0, 1), x2: (1, 2)})
    with pytest.raises(sn.DiscretizationError, match="time derivative at an interface"):
        solvers.discretize(dynamic, {x1: 11, x2: 21})
    # a field of time only meeting two blocks needs the shared axis
    v = sn.fields("v", t)
    bcs = [sn.Initial(c1, 0), sn.Initial(c2, 0), sn.Initial(v, 1), sn.Eq(c1.subs(x1, 0), v),
           sn.Neumann(c2, x2, "max", 0), sn.Eq(c1.subs(x1, 0.5), c2.subs(x2, 0.5))]
    reservoir = sn.PDESystem([sn.Eq(D(t)(c1), D(x1, 2)(c1)), sn.Eq(D(t)(c2), D(x2, 2)(c2)),
                              sn.Eq(D(t)(v), D(x1)(c1).subs(x1, 0) - c2.subs(x2, 1))], bcs,
                             domain={t: (0, 2), x1: (0, 0.5), x2: (0.5, 1)})
    with pytest.raises(sn.DiscretizationError, match=r"v\(t\), of time only, meeting the blocks x1, x2.*same number"):
        solvers.discretize(reservoir, {x1: 11, x2: 21})


def test_a_parameter_in_an_interface_condition_remakes_and_ensembles():
    k = sn.parameter("k_if", 1.0)
    c1, c2 = sn.fields("c1", t, x1), sn.fields("c2", t, x2)
    bcs = [sn.Initial(c1, sympy.sin(x1)), sn.Initial(c2, sympy.sin(x2)), sn.Dirichlet(c1, x1, "min", 0),
           sn.Neumann(c2, x2, "max", 0), sn.Eq(c1.subs(x1, 1), c2.subs(x2, 1)),
           sn.Eq(k * c1.diff(x1).subs(x1, 1), c2.diff(x2).subs(x2, 1))]
    system = sn.PDESystem([sn.Eq(D(t)(c1), k * D(x1, 2)(c1)), sn.Eq(D(t)(c2), D(x2, 2)(c2))], bcs,
                          domain={t: (0, 0.5), x1: (0, 1), x2: (1, 2)})
    prob = solvers.discretize(system, {x1: 11, x2: 16})
    assert prob.interfaces.params == (k,)
    ens = solvers.solve_ensemble(prob, params={k: [0.5, 2.0]}, rtol=1e-9, atol=1e-11, progress=False)
    for j, value in enumerate([0.5, 2.0]):
        alone = solvers.solve(solvers.discretize(system.with_parameters({k: value}), {x1: 11, x2: 16}),
                              rtol=1e-9, atol=1e-11, progress=False)
        np.testing.assert_allclose(ens[c2][j], alone[c2], atol=1e-12)
    dense = solvers.solve(prob, dense=True, rtol=1e-9, atol=1e-11, progress=False)
    assert dense(0.25, c1).shape == (11,) and dense(0.25).shape == (27,)


def test_a_reservoir_of_time_only_beside_unequal_blocks_conserves_mass():
    # v joins c1's block (the shared axis's machinery for a field beside a grid)
    system, c1, c2, v = reservoir()
    for order, tol in ((2, 1e-6), (4, 1e-7)):
        prob = solvers.discretize(system, {x1: 21, x2: 31}, order=order)
        assert isinstance(prob, CompositeProblem) and v in prob.parts[0].problem.fields
        sol = solvers.solve(prob, method="tsit5", saveat=[0, 2], rtol=1e-10, atol=1e-12, progress=False)
        g = sol.grid
        assert sol[v].shape == (2,)
        mass = sol[v][-1] + np.trapezoid(sol[c1][-1], g[x1]) + np.trapezoid(sol[c2][-1], g[x2])
        assert abs(mass - 1) < tol
        np.testing.assert_allclose(sol[c2][-1], 0.5, atol=1e-3)
    # the global term's coupling in the Jacobian, and the NumPy backend's RHS
    y = prob.u0 + 0.1 * np.random.default_rng(3).standard_normal(prob.shape)
    J = prob.jacobian(y, 0.5).toarray()
    eps = 1e-6
    fd = np.array([(prob.rhs(y + eps * e, 0.5) - prob.rhs(y - eps * e, 0.5)) / (2 * eps) for e in np.eye(len(y))]).T
    np.testing.assert_allclose(J, fd, rtol=0, atol=1e-6 * np.abs(fd).max())
    ref = solvers.discretize(system, {x1: 21, x2: 31}, order=4, backend="numpy")
    np.testing.assert_allclose(ref.rhs(y, 0.5), prob.rhs(y, 0.5), rtol=0, atol=1e-9 * np.abs(fd).max())


def test_blocks_of_two_fields_each():
    # u_t = u_xx - k (u - w), w_t = w_xx + k (u - w) in each of two layers, u and w and
    # their fluxes continuous: u + w solves the heat equation, u - w decays at rate 2k
    k = 3
    us = [sn.fields(f"u{j}", t, v) for j, v in ((1, x1), (2, x2))]
    ws = [sn.fields(f"w{j}", t, v) for j, v in ((1, x1), (2, x2))]
    eqs, bcs = [], []
    for u, w, v in zip(us, ws, (x1, x2)):
        eqs += [sn.Eq(D(t)(u), D(v, 2)(u) - k * (u - w)), sn.Eq(D(t)(w), D(v, 2)(w) + k * (u - w))]
        bcs += [sn.Initial(u, 2 * sympy.sin(sympy.pi * v / 2)), sn.Initial(w, 0)]
    bcs += [sn.Dirichlet(us[0], x1, "min", 0), sn.Dirichlet(ws[0], x1, "min", 0),
            sn.Neumann(us[1], x2, "max", 0), sn.Neumann(ws[1], x2, "max", 0)]
    for a, b in ((us[0], us[1]), (ws[0], ws[1])):
        bcs += [sn.Eq(a.subs(x1, 0.4), b.subs(x2, 0.4)), sn.Eq(a.diff(x1).subs(x1, 0.4), b.diff(x2).subs(x2, 0.4))]
    system = sn.PDESystem(eqs, bcs, domain={t: (0, 0.5), x1: (0, 0.4), x2: (0.4, 1)})
    decay = sympy.exp(-sympy.pi ** 2 / 4 * t) * sympy.sin(sympy.pi * X / 2)
    exact = {f: (v, decay * (1 + sign * sympy.exp(-2 * k * t)))
             for (f, v), sign in zip(((us[0], x1), (us[1], x2), (ws[0], x1), (ws[1], x2)), (1, 1, -1, -1))}
    sol_t = 0.5
    errs = []
    for n1, n2 in ((9, 13), (17, 25), (33, 49)):
        prob = solvers.discretize(system, {x1: n1, x2: n2})
        assert [p.shape for p in prob.parts] == [(2, n1), (2, n2)] and len(prob.interfaces.W) == 4
        sol = solvers.solve(prob, method="rodas5p", saveat=[0, sol_t], rtol=1e-10, atol=1e-12, progress=False)
        errs.append(max(np.abs(sol[f][-1] - sympy.lambdify(X, e.subs(t, sol_t))(sol.grid[v])).max()
                        for f, (v, e) in exact.items()))
    assert errs[-1] < 1e-4 and _slopes(errs).min() > 1.9


def test_an_interface_reading_a_wall_its_own_condition_sets_is_refused():
    # c1 = 1 at the interface (its own condition) and c2's flux equal to c1's there: the
    # state does not hold c1's wall value, which the interface would read
    c1, c2 = sn.fields("c1", t, x1), sn.fields("c2", t, x2)
    bcs = [sn.Initial(c1, 1), sn.Initial(c2, 1), sn.Dirichlet(c1, x1, "min", 1), sn.Dirichlet(c2, x2, "max", 0),
           sn.Eq(c1.subs(x1, 0.5), 1), sn.Eq(c2.diff(x2).subs(x2, 0.5), c1.diff(x1).subs(x1, 0.5))]
    system = sn.PDESystem([sn.Eq(D(t)(c1), D(x1, 2)(c1)), sn.Eq(D(t)(c2), D(x2, 2)(c2))], bcs,
                          domain={t: (0, 1), x1: (0, 0.5), x2: (0.5, 1)})
    with pytest.raises(sn.DiscretizationError, match=r"reading c1\(t, s\) at s = max, where its own condition"):
        solvers.discretize(system, {x1: 11, x2: 21})
