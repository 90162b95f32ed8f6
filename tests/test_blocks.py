"""Fields on separate 1-D domains joined by interface conditions (MOL.jl's two-domain
tests): against manufactured and exact solutions at the scheme's order, with
different diffusivities, unequal block lengths, a nonlinear flux interface, a chain
of three blocks, and the errors for what does not fit."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum import solvers

t, x1, x2, x3 = sn.variables("t x1 x2 x3")
X = sympy.Symbol("X")
D = sn.D
A = sympy.Rational(3, 10)  # the interface: blocks of unequal length, so unequal spacings


def _slopes(errs):
    errs = np.asarray(errs)
    return np.log2(errs[:-1] / errs[1:])


def _two_blocks(K1, K2):
    """c_t = (K(c) c_x)_x + f on [0, A] and [A, 1], continuity and flux continuity at A;
    f makes e1, e2 (which satisfy both interface conditions) the exact solution."""
    c1, c2 = sn.fields("c1", t, x1), sn.fields("c2", t, x2)
    e1 = sympy.cos(t) * sympy.sin(2 * X) + 1
    u_a, g_a = e1.subs(X, A), sympy.diff(e1, X).subs(X, A)
    e2 = u_a + K1(u_a) * g_a / K2(u_a) * (X - A) + sympy.cos(2 * t) * (X - A) ** 2

    def source(e, K):
        return sympy.diff(e, t) - sympy.diff(K(e) * sympy.diff(e, X), X)

    eqs = [sn.Eq(D(t)(c1), D(x1)(K1(c1) * D(x1)(c1)) + source(e1, K1).subs(X, x1)),
           sn.Eq(D(t)(c2), D(x2)(K2(c2) * D(x2)(c2)) + source(e2, K2).subs(X, x2))]
    bcs = [sn.Eq(c1.subs(t, 0), e1.subs({X: x1, t: 0})), sn.Eq(c2.subs(t, 0), e2.subs({X: x2, t: 0})),
           sn.Eq(c1.subs(x1, 0), e1.subs(X, 0)), sn.Eq(c2.subs(x2, 1), e2.subs(X, 1)),
           sn.Eq(c1.subs(x1, A), c2.subs(x2, A)),
           sn.Eq((-K1(c1) * D(x1)(c1)).subs(x1, A), (-K2(c2) * D(x2)(c2)).subs(x2, A))]
    system = sn.PDESystem(eqs, bcs, domain={t: (0, 1), x1: (0, A), x2: (A, 1)}, name="two_blocks")
    return system, {c1: (x1, e1), c2: (x2, e2)}


def _errors(system, exact, ns, order, method="tsit5", backend="numba", tol=1e-10):
    errs = []
    for n in ns:
        prob = solvers.discretize(system, {v: n for v, _ in exact.values()}, order=order, backend=backend)
        sol = solvers.solve(prob, method=method, saveat=[0, 1], rtol=tol, atol=tol / 100, progress=False)
        err = 0.0
        for f, (v, e) in exact.items():
            want = sympy.lambdify(X, e.subs(t, 1))(sol.grid[v]) * np.ones(n)
            err = max(err, np.abs(sol[f][-1] - want).max())
        errs.append(err)
    return errs


@pytest.mark.parametrize("order, ns", [(2, (11, 21, 41)), (4, (11, 21))])
def test_flux_interface_between_different_diffusivities(order, ns):
    system, exact = _two_blocks(lambda c: 1, lambda c: sympy.Rational(1, 4))
    errs = _errors(system, exact, ns, order)
    assert errs[-1] < (1e-5 if order == 2 else 2e-8)
    assert _slopes(errs).min() > order - 0.2


def test_nonlinear_flux_interface_is_an_algebraic_wall_node():
    # MOL.jl's nonlinear interface test: -D1(c1) c1_x = -D2(c2) c2_x with D(c) linear in c
    system, exact = _two_blocks(lambda c: 1 + c / 10, lambda c: sympy.Rational(1, 10) + c / 10)
    errs = _errors(system, exact, (11, 21), 2, method="rodas5", tol=1e-9)
    assert errs[-1] < 2e-5 and _slopes(errs).min() > 1.8


def test_continuity_alone_implies_continuous_derivative():
    # MOL.jl's test 14: only c1 = c2 at the interface (its stencils reach across)
    c1, c2 = sn.fields("c1", t, x1), sn.fields("c2", t, x2)
    exact = sympy.exp(-sympy.pi ** 2 * t) * sympy.sin(sympy.pi * X)
    eqs = [sn.Eq(D(t)(c1), D(x1, 2)(c1)), sn.Eq(D(t)(c2), D(x2, 2)(c2))]
    bcs = [sn.Eq(c1.subs(t, 0), exact.subs({X: x1, t: 0})), sn.Eq(c2.subs(t, 0), exact.subs({X: x2, t: 0})),
           sn.Eq(c1.subs(x1, 0), 0), sn.Eq(c1.subs(x1, 0.5), c2.subs(x2, 0.5)), sn.Eq(c2.subs(x2, 1), 0)]
    system = sn.PDESystem(eqs, bcs, domain={t: (0, 1), x1: (0, 0.5), x2: (0.5, 1)})
    implied = ("2*c1_s = -2*c2_s at s = max", "-2*c2_s = 2*c1_s at s = max")  # c1_x1 = c2_x2, x2 reversed
    assert any(c in str(system) for c in implied) and len(system.boundary) == 4
    assert "blocks:     x1 = 0.5 s; x2 = 1 - 0.5 s" in str(system)
    exact1 = {c1: (x1, exact), c2: (x2, exact)}
    errs = [e / float(exact.subs({t: 1, X: 0.5})) for e in _errors(system, exact1, (11, 21, 41), 2)]
    assert errs[-1] < 2e-3 and _slopes(errs).min() > 1.9  # pi^4 h^2 / 12: the scheme's own


def steady_line():
    """c1 on [0, 1] and c2 on [1, 3] (x2 reversed on the shared axis) whose steady state
    is c = x: c1 = 0 at 0, c2' = 1 at 3, continuity at 1. (system, c1, c2)."""
    c1, c2 = sn.fields("c1", t, x1), sn.fields("c2", t, x2)
    bcs = [sn.Initial(c1, x1), sn.Initial(c2, x2), sn.Dirichlet(c1, x1, "min", 0), sn.Neumann(c2, x2, "max", 1),
           sn.Eq(c1.subs(x1, 1), c2.subs(x2, 1))]
    system = sn.PDESystem([sn.Eq(D(t)(c1), D(x1, 2)(c1)), sn.Eq(D(t)(c2), D(x2, 2)(c2))], bcs,
                          domain={t: (0, 1), x1: (0, 1), x2: (1, 3)})
    return system, c1, c2


def test_solution_shows_each_block_in_its_own_variable():
    system, c1, c2 = steady_line()
    assert system.blocks.maps[x2].flip and not system.blocks.maps[x1].flip
    # u = x is a steady solution: c1 = x1, c2 = x2 with c2' = 1 at x2 = 3 and the slopes equal at 1
    prob = solvers.discretize(system, {x1: 0.25, x2: 0.5})
    sol = solvers.solve(prob, method="tsit5", saveat=[0, 0.5], progress=False)
    assert list(sol.grid) == [x1, x2]
    np.testing.assert_allclose(sol.grid[x2], [1, 1.5, 2, 2.5, 3])
    np.testing.assert_allclose(sol[c1][-1], sol.grid[x1], atol=1e-12)
    np.testing.assert_allclose(sol[c2][-1], sol.grid[x2], atol=1e-12)
    pytest.importorskip("xarray")
    ds = sol.to_xarray()
    assert ds["c1"].dims == ("t", "x1") and ds["c2"].dims == ("t", "x2")


def three_blocks():
    """Heat on [0, 1], [1, 2], [2, 3] joined by continuity (the derivative implied), zero
    at both ends: (system, {field: (its variable, exact solution in X)})."""
    c1, c2, c3 = (sn.fields(f"c{k}", t, v) for k, v in ((1, x1), (2, x2), (3, x3)))
    k = sympy.pi / 3
    exact = sympy.exp(-k ** 2 * t) * sympy.sin(k * X)
    eqs = [sn.Eq(D(t)(c), D(v, 2)(c)) for c, v in ((c1, x1), (c2, x2), (c3, x3))]
    bcs = [sn.Initial(c, exact.subs({X: v, t: 0})) for c, v in ((c1, x1), (c2, x2), (c3, x3))]
    bcs += [sn.Dirichlet(c1, x1, "min", 0), sn.Dirichlet(c3, x3, "max", 0),
            sn.Eq(c1.subs(x1, 1), c2.subs(x2, 1)), sn.Eq(c3.subs(x3, 2), c2.subs(x2, 2))]
    system = sn.PDESystem(eqs, bcs, domain={t: (0, 1), x1: (0, 1), x2: (1, 2), x3: (2, 3)})
    return system, {c1: (x1, exact), c2: (x2, exact), c3: (x3, exact)}


def test_a_chain_of_three_blocks():
    system, exact = three_blocks()
    assert [m.flip for m in system.blocks.maps.values()] == [False, True, False]
    errs = _errors(system, exact, (11, 21), 2)
    assert errs[-1] < 2e-4 and _slopes(errs).min() > 1.9


def test_what_blocks_refuse():
    c1, c2 = sn.fields("c1", t, x1), sn.fields("c2", t, x2)
    eqs = [sn.Eq(D(t)(c1), D(x1, 2)(c1)), sn.Eq(D(t)(c2), D(x2, 2)(c2))]
    base = [sn.Initial(c1, 0), sn.Initial(c2, 0), sn.Dirichlet(c1, x1, "min", 0), sn.Dirichlet(c2, x2, "max", 0)]
    domain = {t: (0, 1), x1: (0, 0.5), x2: (0.5, 1)}
    with pytest.raises(sn.ModelError, match=r"holds x1 = 0.25, which is not an end of x1's interval"):
        sn.PDESystem(eqs, base + [sn.Eq(c1.subs(x1, 0.25), c2.subs(x2, 0.5))], domain=domain)
    with pytest.raises(sn.ModelError, match=r"periodic in x1: fields on separate 1-D domains"):
        sn.PDESystem(eqs, base + [sn.Periodic(x1)], domain=domain)
    u = sn.fields("u", t, x1, x3)
    with pytest.raises(sn.ModelError, match=r"fields on different variables are supported as 1-D blocks"):
        sn.PDESystem(eqs + [sn.Eq(D(t)(u), 0)], base + [sn.Initial(u, 0)], domain={**domain, x3: (0, 1)})
    system = sn.PDESystem(eqs, base + [sn.Eq(c1.subs(x1, 0.5), c2.subs(x2, 0.5))], domain=domain)
    # different counts: each block on its own nodes (tests/test_block_nodes.py)
    assert type(solvers.discretize(system, {x1: 11, x2: 21})).__name__ == "CompositeProblem"
    with pytest.raises(sn.DiscretizationError, match=r"grid has no entry for x2"):
        solvers.discretize(system, {x1: 11})


def reservoir():
    """v(t) feeds c1's wall (c1 = v there) and loses what flows in: v' = c1_x(t, 0); c2
    closed at its far end. (system, c1, c2, v); the mass v + int c1 + int c2 stays 1."""
    c1, c2, v = sn.fields("c1", t, x1), sn.fields("c2", t, x2), sn.fields("v", t)
    eqs = [sn.Eq(D(t)(c1), D(x1, 2)(c1)), sn.Eq(D(t)(c2), D(x2, 2)(c2)), sn.Eq(D(t)(v), D(x1)(c1).subs(x1, 0))]
    bcs = [sn.Initial(c1, 0), sn.Initial(c2, 0), sn.Initial(v, 1), sn.Eq(c1.subs(x1, 0), v),
           sn.Neumann(c2, x2, "max", 0), sn.Eq(c1.subs(x1, 0.5), c2.subs(x2, 0.5))]
    return sn.PDESystem(eqs, bcs, domain={t: (0, 2), x1: (0, 0.5), x2: (0.5, 1)}), c1, c2, v


def test_an_ode_reservoir_beside_two_blocks_conserves_mass():
    system, c1, c2, v = reservoir()
    for order, tol in ((2, 1e-5), (4, 1e-7)):
        sol = solvers.solve(solvers.discretize(system, {x1: 21, x2: 21}, order=order), method="tsit5",
                            saveat=[0, 2], rtol=1e-10, atol=1e-12, progress=False)
        g = sol.grid
        mass = sol[v][-1] + np.trapezoid(sol[c1][-1], g[x1]) + np.trapezoid(sol[c2][-1], g[x2])
        assert abs(mass - 1) < tol
        # long after, everything is level: v = c = 1/2 (the line [0, 1] holds what v lost)
        np.testing.assert_allclose(sol[c2][-1], 0.5, atol=1e-3)


def test_steady_blocks_on_nonuniform_nodes_mapped_onto_each_other():
    # w1'' = -1 on [0, 1], 4 w2'' = -1 on [1, 2], continuity and w1' = 4 w2' at 1: piecewise quadratic
    y1, y2 = sn.variables("y1 y2")
    w1, w2 = sn.fields("w1", y1), sn.fields("w2", y2)
    bcs = [sn.Dirichlet(w1, y1, "min", 0), sn.Dirichlet(w2, y2, "max", 0), sn.Eq(w1.subs(y1, 1), w2.subs(y2, 1)),
           sn.Eq(D(y1)(w1).subs(y1, 1), 4 * D(y2)(w2).subs(y2, 1))]
    system = sn.PDESystem([sn.Eq(D(y1, 2)(w1), -1), sn.Eq(4 * D(y2, 2)(w2), -1)], bcs,
                          domain={y1: (0, 1), y2: (1, 2)})
    nodes = np.tanh(2 * np.linspace(0, 1, 17)) / np.tanh(2)  # fine at y1 = 0 and at y2 = 2 (mapped)
    sol = solvers.solve(solvers.discretize(system, {y1: nodes, y2: 2 - nodes[::-1]}),
                        progress=False)
    g = sol.grid
    np.testing.assert_allclose(g[y2], 2 - nodes[::-1], atol=1e-15)
    np.testing.assert_allclose(sol[w1], -g[y1] ** 2 / 2 + 0.7 * g[y1], atol=1e-12)
    np.testing.assert_allclose(sol[w2], -g[y2] ** 2 / 8 + 0.175 * g[y2] + 0.15, atol=1e-12)
    # nodes that do not map onto each other (both fine at the left): each block on its own
    sol = solvers.solve(solvers.discretize(system, {y1: nodes, y2: 1 + nodes}), progress=False)
    assert type(sol.problem).__name__ == "CompositeProblem"
    np.testing.assert_allclose(sol.grid[y2], 1 + nodes, atol=1e-15)
    np.testing.assert_allclose(sol[w1], -sol.grid[y1] ** 2 / 2 + 0.7 * sol.grid[y1], atol=1e-11)
    np.testing.assert_allclose(sol[w2], -sol.grid[y2] ** 2 / 8 + 0.175 * sol.grid[y2] + 0.15, atol=1e-11)


def test_a_block_reads_another_blocks_flux_at_a_point():
    # c2 feeds c1 through its flux at the far end: c1_t = c1_xx - c2_x(t, 2); walls closed
    c1, c2 = sn.fields("c1", t, x1), sn.fields("c2", t, x2)
    system = sn.PDESystem([sn.Eq(D(t)(c1), D(x1, 2)(c1) - D(x2)(c2).subs(x2, 2)), sn.Eq(D(t)(c2), D(x2, 2)(c2))],
                          [sn.Initial(c1, 0), sn.Initial(c2, x2), sn.Neumann(c1, x1, "min", 0),
                           sn.Neumann(c1, x1, "max", 0), sn.Dirichlet(c2, x2, "min", 1), sn.Dirichlet(c2, x2, "max", 2)],
                          domain={t: (0, 0.5), x1: (0, 1), x2: (1, 2)})
    sol = solvers.solve(solvers.discretize(system, {x1: 11, x2: 11}), saveat=[0, 0.5], rtol=1e-10, atol=1e-12,
                        progress=False)
    # c2 = x2 is steady (slope 1): c1 loses 1 per unit time everywhere
    np.testing.assert_allclose(sol[c2][-1], sol.grid[x2], atol=1e-10)
    np.testing.assert_allclose(sol[c1][-1], -0.5, atol=1e-10)


@pytest.mark.parametrize("v", [1, -1])
def test_advection_interface_sets_the_field_flowing_in(v):
    """u_t = -v u_x across two blocks joined by u1 = u2 alone (first order: one condition
    per field, the interface's belongs to the field it flows into, whichever way the
    flow goes and however the blocks are oriented on the shared axis), upwind order 1:
    the translating sine converges at order 1 (with the interface given to the field
    it flows out of, the v = -1 case blew up to 2.3 at a sine of amplitude 1)."""
    errs = []
    for n in (41, 81, 161):
        u1, u2 = sn.fields("u1", t, x1), sn.fields("u2", t, x2)
        wave = sympy.sin(2 * sympy.pi * (X - v * t))
        inflow = [sn.Eq(u1.subs(x1, 0), wave.subs(X, 0)), sn.Eq(u2.diff(x2).subs(x2, 1), 0)] if v > 0 else \
            [sn.Eq(u2.subs(x2, 1), wave.subs(X, 1)), sn.Eq(u1.diff(x1).subs(x1, 0), 0)]
        system = sn.PDESystem(
            [sn.Eq(D(t)(u1), -v * D(x1)(u1)), sn.Eq(D(t)(u2), -v * D(x2)(u2))],
            [sn.Eq(u1.subs(t, 0), wave.subs({X: x1, t: 0})), sn.Eq(u2.subs(t, 0), wave.subs({X: x2, t: 0})),
             sn.Eq(u1.subs(x1, 0.5), u2.subs(x2, 0.5))] + inflow,
            domain={t: (0, 0.3), x1: (0, 0.5), x2: (0.5, 1)}, name="blocks_advection")
        inner1, inner2 = system.blocks.inner(u1), system.blocks.inner(u2)
        [owner] = [c.field for conds in system.boundary.values() for c in conds
                   if {inner1, inner2} <= c.expr.atoms(sympy.Function)]
        assert owner == (inner1 if v < 0 else inner2), owner   # the field the flow enters at the interface
        prob = solvers.discretize(system, {x1: n, x2: n}, order=1, advection="upwind")
        sol = solvers.solve(prob, method="ssprk3", dt=0.25 / (2 * (n - 1)), saveat=[0.3], progress=False)
        err = max(np.abs(sol[f][-1] - np.sin(2 * np.pi * (sol.grid[xv] - v * 0.3))).max() for f, xv in ((u1, x1), (u2, x2)))
        errs.append(err)
    assert errs[-1] < 0.05 and min(_slopes(errs)) > 0.8, errs
