"""Equations second order in time (D(t, 2)(u), the wave equation) are reduced to first
order automatically: a velocity field u_dot, D(t)(u) = u_dot, the initial velocity
from sn.Initial(sn.D(t)(u), value), wall conditions differentiated in time."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

t, x = sn.variables("t x")
u = sn.fields("u", t, x)
PI = sympy.pi


def wave(c=1.5, damping=0, v0=sympy.sin(PI * x)):
    cp = sn.parameter("c", c)
    return sn.PDESystem(
        [sn.Eq(sn.D(t, 2)(u) + 2 * damping * sn.D(t)(u), cp**2 * sn.D(x, 2)(u))],
        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0),
         sn.Initial(u, sympy.sin(PI * x)), sn.Initial(sn.D(t)(u), v0)],
        domain={t: (0, 1), x: (0, 1)}, name="wave")


def test_the_velocity_field_is_visible_and_named_after_u():
    system = wave()
    v = system.velocities[u]
    assert v.func.__name__ == "u_dot" and v.args == u.args and system.fields == (u, v)
    assert system.rhs[u] == v
    assert system.rhs[v].has(sympy.Derivative(u, (x, 2))) and system.initial[v] == sympy.sin(PI * x)
    assert (v, x, "min") in system.boundary and "u_dot" in str(system)
    prob = discretize(system, {x: 11})
    assert prob.shape == (2, 11)
    # rebuilt systems keep the reduction
    assert system.with_parameters({next(iter(system.parameters)): 2.0}).velocities[u].func.__name__ == "u_dot"
    assert system.substitute({next(iter(system.parameters)): 2.0}).fields == system.fields


@pytest.mark.parametrize("order, sizes, slope", [(2, (11, 21, 41), 1.9), (4, (21, 41, 81), 3.7)])
def test_wave_equation_converges_at_the_order_of_the_stencils(order, sizes, slope):
    w = 1.5 * np.pi
    errs = []
    for n in sizes:
        prob = discretize(wave(), {x: n}, order=order, backend="numpy")  # numba == numpy: test_mol_backends
        sol = solve(prob, method="dop853", rtol=1e-11, atol=1e-12, progress=False)
        X = prob.grid[x]
        exact = np.sin(np.pi * X) * (np.cos(w) + np.sin(w) / w)  # u_t(0) = sin(pi x)
        errs.append(np.abs(sol.states[-1][0] - exact).max())
    slopes = np.log2(np.array(errs[:-1]) / errs[1:])
    assert (slopes > slope).all(), (errs, slopes)


def test_damping_term_in_the_first_time_derivative():
    # u_tt + 2 g u_t = u_xx, u_t(0) = 0: u = exp(-g t) (cos(w t) + g / w sin(w t)) sin(pi x)
    g = 0.4
    prob = discretize(wave(c=1.0, damping=g, v0=0), {x: 41}, order=4, backend="numpy")
    sol = solve(prob, method="dop853", rtol=1e-10, atol=1e-12, progress=False)
    w = np.sqrt(np.pi**2 - g**2)
    X = prob.grid[x]
    exact = np.exp(-g) * (np.cos(w) + g / w * np.sin(w)) * np.sin(np.pi * X)
    assert np.abs(sol.states[-1][0] - exact).max() < 1e-5
    assert np.abs(sol.states[-1][1] - (-np.pi**2 / w) * np.exp(-g) * np.sin(w) * np.sin(np.pi * X)).max() < 1e-4


def test_wall_conditions_are_differentiated_for_the_velocity():
    system = sn.PDESystem(
        [sn.Eq(sn.D(t, 2)(u), sn.D(x, 2)(u))],
        [sn.Dirichlet(u, x, "min", sympy.sin(t)), sn.Neumann(u, x, "max", t**2),
         sn.Initial(u, x), sn.Initial(sn.D(t)(u), 1)],
        domain={t: (0, 1), x: (0, 1)}, name="walls")
    v = system.velocities[u]
    assert system.boundary[(v, x, "min")].value == sympy.cos(t)
    assert system.boundary[(v, x, "max")].value == 2 * t
    # Robin with t-independent coefficients carries over; a first-order field w beside u
    w = sn.fields("w", t, x)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t, 2)(u), sn.D(x, 2)(u) + sn.D(x)(w)), sn.Eq(sn.D(t)(w), sn.D(x, 2)(w))],
        [sn.Robin(u, x, "min", 1, 2, t**3), sn.Dirichlet(u, x, "max", 0),
         sn.Dirichlet(w, x, "min", 0), sn.Dirichlet(w, x, "max", 0),
         sn.Initial(u, x), sn.Initial(sn.D(t)(u), 0), sn.Initial(w, 0)],
        domain={t: (0, 1), x: (0, 1)}, name="robin_walls")
    v = system.velocities[u]
    robin = system.boundary[(v, x, "min")]
    assert (robin.a, robin.b, robin.value) == (1, 2, 3 * t**2)
    assert system.fields == (u, v, w) and system.rhs[v].has(sympy.Derivative(w, x))


def test_errors_name_the_fix():
    with pytest.raises(sn.ModelError, match=r"initial velocity.*sn.Initial\(sn.D\(t\)\(u\(t, x\)\), value\)"):
        sn.PDESystem([sn.Eq(sn.D(t, 2)(u), sn.D(x, 2)(u))],
                     [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, x)],
                     domain={t: (0, 1), x: (0, 1)})
    with pytest.raises(sn.ModelError, match=r"only an equation second order in time needs"):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                     [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, x),
                      sn.Initial(sn.D(t)(u), 0)],
                     domain={t: (0, 1), x: (0, 1)})
    with pytest.raises(sn.ModelError, match=r"order 3 in t"):
        sn.PDESystem([sn.Eq(sn.D(t, 3)(u), sn.D(x, 2)(u))], [sn.Initial(u, x)], domain={t: (0, 1), x: (0, 1)})
    u_dot = sn.fields("u_dot", t, x)
    with pytest.raises(sn.ModelError, match=r"velocity field named u_dot, but a field of that name exists"):
        sn.PDESystem([sn.Eq(sn.D(t, 2)(u), sn.D(x, 2)(u) + u_dot), sn.Eq(sn.D(t)(u_dot), 0)],
                     [sn.Initial(u, x), sn.Initial(sn.D(t)(u), 0), sn.Initial(u_dot, 0)],
                     domain={t: (0, 1), x: (0, 1)})
