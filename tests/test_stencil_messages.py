"""The stencil lowering's refusals, word for word (a message is the user's only
guide), and the quadrature rule of each order: found by mutation testing."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize

t, x = sn.variables("t x")
u = sn.fields("u", t, x)


def heat():
    return sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(x))],
                        domain={t: (0, 1), x: (0, 1)}, name="h")


@pytest.mark.parametrize("grid, order, advection, message", [
    (["a", "b", "c"], 2, "central", "grid[x] = ['a', 'b', 'c']: the nodes must be numbers"),
    ([0.0, 1.0], 2, "central", "grid[x] must be a one-dimensional sequence of at least 3 finite nodes, got shape (2,)"),
    ([[0.0, 0.5, 1.0]], 2, "central",
     "grid[x] must be a one-dimensional sequence of at least 3 finite nodes, got shape (1, 3)"),
    (9, 1, "weno", 'advection="weno" is fifth-order WENO for advection terms; order sets the other derivatives\' '
                   'stencils: give order=2 or more (order=1 is for advection="upwind")'),
])
def test_grid_and_order_refusals(grid, order, advection, message):
    with pytest.raises(sn.DiscretizationError) as e:
        discretize(heat(), {x: grid}, order=order, advection=advection, backend="numpy")
    assert str(e.value).startswith(message), str(e.value)


def test_dependent_boundary_equations_are_named():
    beam = sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x, 4)(u))],
                        [sn.Eq(u.subs(x, 0), 0), sn.Eq(2 * u.subs(x, 0), 0), sn.Eq(u.subs(x, 1), 0),
                         sn.Eq(u.diff(x, 2).subs(x, 1), 0), sn.Initial(u, sn.sin(x))],
                        domain={t: (0, 1), x: (0, 1)}, name="beam")
    with pytest.raises(sn.DiscretizationError) as e:
        discretize(beam, {x: 11}, backend="numpy")
    assert str(e.value) == ("the boundary equations on the 'min' side of x (u = 0 at x = min; 2*u = 0 at x = min) "
                            "do not determine the wall values of ['u(t, x)'] at order 2: check that they are "
                            "independent")


def test_quadrature_is_the_trapezoid_at_order_2_and_gregory_above():
    """int_0^1 x^2 on 9 nodes: the trapezoid rule gives 1/3 + h^2/6, Gregory's
    end corrections (orders 4 and up) integrate a quadratic exactly."""
    v = sn.fields("v", t)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), sympy.Integral(u, (x, 0, 1)))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 1), sn.Initial(u, x**2),
                           sn.Initial(v, 0)], domain={t: (0, 1), x: (0, 1)}, name="q")
    got = {}
    for order in (2, 4):
        prob = discretize(system, {x: 9}, order=order, backend="numpy")
        got[order] = float(np.ravel(prob.rhs(prob.u0, 0.0)[1])[0])
    assert got[2] == pytest.approx(1 / 3 + (1 / 8) ** 2 / 6, rel=1e-13) and got[4] == pytest.approx(1 / 3, rel=1e-13)


@pytest.mark.parametrize("side", ["min", "max"])
def test_a_condition_value_reads_its_own_wall_coordinate(side):
    """Neumann(u, x, side, x**2 + 1) on [0.5, 1.5]: the value is taken at that wall's
    coordinate (x = 0.5: 1.25, x = 1.5: 3.25); u'' = 0 with u = 0 at the other wall is
    then linear with that slope, exact at every order."""
    v = sn.fields("v", x)
    other = "max" if side == "min" else "min"
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(v), 0)],
                          [sn.Neumann(v, x, side, x**2 + 1), sn.Dirichlet(v, x, other, 0)],
                          domain={x: (0.5, 1.5)}, name="slope")
    from symnum.solvers import solve

    prob = discretize(system, {x: 11}, backend="numpy")
    xs = prob.grid[x]
    wall, far = (0.5, 1.5) if side == "min" else (1.5, 0.5)
    slope = (wall**2 + 1) * (-1 if side == "min" else 1)  # du/dn = -u' at the lower wall
    np.testing.assert_allclose(solve(prob)[v], slope * (xs - far), atol=1e-10)
