"""General boundary equations (sn.Eq at a boundary, as MOL.jl writes them): each
kind against an exact solution at its order of accuracy, on the NumPy region
templates and the Numba walled kernel, and the errors for what does not fit."""

import shutil

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum import solvers

t, x, y = sn.variables("t x y")
E = sympy.exp(-t)


def _slopes(errs):
    errs = np.asarray(errs)
    return np.log2(errs[:-1] / errs[1:])


def _same_rhs(system, grid, order=2, t0=0.3):
    """The Numba walled kernel equals the NumPy region templates on a random state."""
    a = solvers.discretize(system, grid, order=order, backend="numpy")
    b = solvers.discretize(system, grid, order=order, backend="numba")
    y = 1 + 0.1 * np.random.default_rng(0).standard_normal(a.shape)
    ra, rb = a.rhs(y, t0), b.rhs(y, t0)
    np.testing.assert_allclose(rb, ra, rtol=1e-9, atol=1e-9 * np.abs(ra).max())
    return a


def _errors(system, exact, ns, order, backend, method="tsit5", grid=None, **opts):
    errs = []
    for n in ns:
        prob = solvers.discretize(system, grid(n) if grid else {x: n}, order=order, backend=backend)
        # a steady problem is solved by Newton (no method)
        sol = solvers.solve(prob, progress=False, **opts) if prob.steady else \
            solvers.solve(prob, method=method, progress=False, **opts)
        mesh = np.meshgrid(*prob.grid.values(), indexing="ij")
        err = 0.0
        for f, ex in exact.items():
            at = sympy.lambdify([*([t] if prob.tspan else []), *prob.grid], ex)
            want = at(*([prob.tspan[1]] if prob.tspan else []), *mesh)
            got = sol[f][-1] if prob.tspan else sol[f]
            err = max(err, np.abs(got - want).max())
        errs.append(err)
    return errs


@pytest.mark.parametrize("order", [2, 4])
def test_cantilever_beam_two_conditions_per_side(order):
    """u_xxxx = f, clamped at 0 (u = u_x = 0), free at 1 (u_xx = u_xxx = 0): two
    nodes eliminated per wall, solved together from one-sided stencils."""
    u = sn.fields("u", x)
    k = sympy.Rational(3, 2)
    ue = sympy.sin(k * x) - k * x  # u(0) = u_x(0) = 0
    beam = sn.PDESystem(
        [sn.Eq(sn.D(x, 4)(u), sympy.diff(ue, x, 4))],
        [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.diff(x).subs(x, 0), 0),
         sn.Eq(u.diff(x, 2).subs(x, 1), sympy.diff(ue, x, 2).subs(x, 1)),
         sn.Eq(u.diff(x, 3).subs(x, 1), sympy.diff(ue, x, 3).subs(x, 1))],
        domain={x: (0, 1)}, name="beam")
    assert isinstance(beam.boundary[(u, x, "min")], tuple) and len(beam.boundary[(u, x, "max")]) == 2
    assert "u_xx = " in str(beam) and "at x = max" in str(beam)
    _same_rhs(beam, {x: 17}, order)
    errs = _errors(beam, {u: ue}, (17, 33, 65), order, "numba")
    assert _slopes(errs).min() > order - 0.3, errs


def test_damped_dynamic_beam_is_stable_and_fourth_order():
    """u_tt = -u_xxxx - 4 u_t + f, clamped at 0, free at 1 (second order in time,
    reduced automatically), at order 4: every mode decays (the one-sided u_x of the
    clamped end at full raised accuracy made the discrete u_xxxx indefinite, a pair
    growing at +44 for n = 41), and the errors fall at order 4 or better."""
    u = sn.fields("u", t, x)
    k = sympy.Rational(3, 2)
    ue = sympy.cos(2 * t) * (sympy.sin(k * x) - k * x)
    f = sympy.diff(ue, t, 2) + sympy.diff(ue, x, 4) + 4 * sympy.diff(ue, t)
    beam = sn.PDESystem(
        [sn.Eq(sn.D(t, 2)(u), -sn.D(x, 4)(u) - 4 * sn.D(t)(u) + f)],
        [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.diff(x).subs(x, 0), 0),
         sn.Eq(u.diff(x, 2).subs(x, 1), sympy.diff(ue, x, 2).subs(x, 1)),
         sn.Eq(u.diff(x, 3).subs(x, 1), sympy.diff(ue, x, 3).subs(x, 1)),
         sn.Eq(u.subs(t, 0), ue.subs(t, 0)), sn.Initial(sn.D(t)(u), sympy.diff(ue, t).subs(t, 0))],
        domain={t: (0, 0.25), x: (0, 1)}, name="dynamic_beam")
    for n in (41, 81):
        prob = solvers.discretize(beam, {x: n}, order=4, backend="numpy")
        assert np.linalg.eigvals(prob.jacobian(prob.u0, 0.0).toarray()).real.max() < 1e-6
    errs = _errors(beam, {u: ue}, (21, 41), 4, "numba", method="bdf", rtol=1e-10, atol=1e-12)
    assert _slopes(errs).min() > 3.7 and errs[-1] < 1e-6, errs


@pytest.mark.parametrize("order", [2, 4])
def test_dynamic_wall_node(order):
    """D(t)(u) at the wall = an expression with a one-sided u_x: the wall node is a
    state with that equation (MOL.jl's Dt(u(t, 0)) ~ ...), explicit methods work."""
    u = sn.fields("u", t, x)
    ue = E * sympy.sin(x + 1)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
        [sn.Eq(sn.D(t)(u).subs(x, 0), u.diff(x).subs(x, 0) - u.subs(x, 0) - sympy.cos(1) * E),
         sn.Dirichlet(u, x, "max", ue.subs(x, 1)), sn.Initial(u, ue.subs(t, 0))],
        domain={t: (0, 1), x: (0, 1)}, name="dynamic_wall")
    assert system.boundary[(u, x, "min")][0].dynamic
    assert "u_t = -u + u_x - exp(-t)*cos(1) at x = min" in str(system)
    _same_rhs(system, {x: 11}, order)
    errs = _errors(system, {u: ue}, (11, 21, 41), order, "numba", rtol=1e-10, atol=1e-12)
    assert _slopes(errs).min() > order - 0.3, errs


@pytest.mark.parametrize("order", [2, 4])
def test_nonlinear_robin_is_an_algebraic_wall_node(order):
    """-u_x + u^2 = g at the wall (radiation-like, nonlinear in the wall value): the
    wall node is an algebraic unknown (mass 0), integrated by a Rosenbrock method."""
    u = sn.fields("u", t, x)
    ue = E * sympy.sin(x + 1)
    g = (-sympy.diff(ue, x) + ue**2).subs(x, 0)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
        [sn.Eq(-u.diff(x).subs(x, 0) + u.subs(x, 0)**2, g), sn.Dirichlet(u, x, "max", ue.subs(x, 1)),
         sn.Initial(u, ue.subs(t, 0))],
        domain={t: (0, 1), x: (0, 1)}, name="radiation")
    prob = _same_rhs(system, {x: 11}, order)
    assert prob.algebraic == (u,) and prob.mass[0] == 0 and prob.mass[1:].min() == 1
    with pytest.raises(sn.SolverError, match="is a DAE .* Rosenbrock"):
        solvers.solve(prob, method="tsit5")
    errs = _errors(system, {u: ue}, (11, 21, 41), order, "numba", method="rodas5", rtol=1e-10, atol=1e-12)
    assert _slopes(errs).min() > order - 0.3, errs


@pytest.mark.parametrize("order", [2, 4])
def test_third_order_with_two_conditions_on_each_side(order):
    """u_t = -u_xxx (linear KdV/Airy) with u and u_x at both ends, as MOL.jl's KdV
    test: two eliminated nodes per wall, the band of wall regions widened so no
    template reads an eliminated node from the state."""
    u = sn.fields("u", t, x)
    ue = sympy.sin(x + t)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), -sn.D(x, 3)(u))],
        [sn.Eq(u.subs(x, w), ue.subs(x, w)) for w in (0, 1)]
        + [sn.Eq(u.diff(x).subs(x, w), sympy.cos(w + t)) for w in (0, 1)] + [sn.Initial(u, ue.subs(t, 0))],
        domain={t: (0, 0.2), x: (0, 1)}, name="airy")
    prob = _same_rhs(system, {x: 21}, order)
    J = prob.jacobian(prob.u0)
    assert abs(J[:, [1, 19]]).max() == 0  # the eliminated nodes are never read from the state
    errs = _errors(system, {u: ue}, (11, 21, 41), order, "numba", method="rodas5", rtol=1e-9, atol=1e-11)
    assert _slopes(errs)[0] > order - 0.3, errs
    assert errs[-1] < (1e-4 if order == 2 else 1e-7), errs


@pytest.mark.parametrize("order", [2, 4])
def test_conditions_coupling_two_fields_at_one_wall(order):
    """u = v and u_x + v_x = 0 at x = 0 (a folded interface): solved together for
    both fields' wall values; each condition is given to the field that still needs one."""
    u, v = sn.fields("u v", t, x)
    ue, ve = E * sympy.sin(x + 1), E * sympy.sin(1 - x)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), sn.D(x, 2)(v))],
        [sn.Eq(u.subs(x, 0), v.subs(x, 0)), sn.Eq(u.diff(x).subs(x, 0) + v.diff(x).subs(x, 0), 0),
         sn.Dirichlet(u, x, "max", ue.subs(x, 1)), sn.Dirichlet(v, x, "max", ve.subs(x, 1)),
         sn.Initial(u, ue.subs(t, 0)), sn.Initial(v, ve.subs(t, 0))],
        domain={t: (0, 1), x: (0, 1)}, name="fold")
    assert {(u, x, "min"), (v, x, "min")} <= set(system.boundary)
    _same_rhs(system, {x: 11}, order)
    errs = _errors(system, {u: ue, v: ve}, (11, 21, 41), order, "numba", rtol=1e-10, atol=1e-12)
    assert _slopes(errs).min() > order - 0.3, errs


def _walls_2d():
    """2-D: a nonlinear condition on x = 0 (algebraic wall nodes), a dynamic one with
    a tangential derivative on y = 0, Dirichlet elsewhere; corners are eliminated by
    the Dirichlet sides."""
    u = sn.fields("u", t, x, y)
    ue = sympy.exp(-2 * t) * sympy.sin(x + 1) * sympy.sin(y + 1)
    g = (sympy.diff(ue, x) - ue**3).subs(x, 0)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y))],
        [sn.Eq(u.diff(x).subs(x, 0) - u.subs(x, 0)**3, g), sn.Dirichlet(u, x, "max", ue.subs(x, 1)),
         sn.Eq(sn.D(t)(u).subs(y, 0), u.diff(x, 2).subs(y, 0) - u.subs(y, 0)),
         sn.Dirichlet(u, y, "max", ue.subs(y, 1)), sn.Initial(u, ue.subs(t, 0))],
        domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="walls2d")
    return system, u, ue


def test_two_dimensional_walls_with_nonlinear_and_dynamic_equations():
    """Numba (one generic wall template) equals NumPy (regions); order 2."""
    system, u, ue = _walls_2d()
    prob = _same_rhs(system, {x: 9, y: 9})
    mass = prob.mass.reshape(prob.shape)[0]
    assert mass[0, :-1].max() == 0 and mass[0, -1] == 1 and mass[1:].min() == 1
    errs = _errors(system, {u: ue}, (9, 17, 33), 2, "numba", method="rodas5", rtol=1e-9, atol=1e-11,
                   grid=lambda n: {x: n, y: n})
    assert _slopes(errs).min() > 1.7, errs


def test_second_order_in_time_field_gets_its_velocity_condition():
    """u_tt = u_xx with sn.Eq(u_x(0), 0): the velocity u_dot gets u_dot_x(0) = 0."""
    u = sn.fields("u", t, x)
    ue = sympy.cos(x) * sympy.cos(t)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t, 2)(u), sn.D(x, 2)(u))],
        [sn.Eq(u.diff(x).subs(x, 0), 0), sn.Dirichlet(u, x, "max", ue.subs(x, 1)),
         sn.Initial(u, sympy.cos(x)), sn.Initial(sn.D(t)(u), 0)],
        domain={t: (0, 1), x: (0, 1)}, name="wave")
    v = system.velocities[u]
    (c,) = system.boundary[(v, x, "min")]
    assert c.expr == sn.D(x)(v)
    errs = _errors(system, {u: ue}, (11, 21, 41), 2, "numba", rtol=1e-10, atol=1e-12)
    assert _slopes(errs).min() > 1.7, errs


def test_periodicity_written_as_mol_jl_writes_it():
    """u(t, 0) = u(t, 2) (once per field, as MOL.jl writes it) is sn.Periodic(x)."""
    u, v = sn.fields("u v", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x)(u)), sn.Eq(sn.D(t)(v), -sn.D(x)(v))],
                          [sn.Eq(u.subs(x, 0), u.subs(x, 2)), sn.Eq(v.subs(x, 0), v.subs(x, 2)),
                           sn.Eq(u.subs(t, 0), sympy.sin(sympy.pi * x)), sn.Eq(v.subs(t, 0), 0)],
                          domain={t: (0, 2), x: (0, 2)}, name="periodic")
    assert system.periodic == {x} and not system.boundary


def test_initial_condition_written_as_an_equation_in_time():
    u = sn.fields("u", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                          [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.subs(x, 1), 0), sn.Eq(u.subs(t, 0), sympy.sin(sympy.pi * x))],
                          domain={t: (0, 1), x: (0, 1)}, name="heat")
    assert system.initial[u] == sympy.sin(sympy.pi * x)


def _heat(bcs, name="heat"):
    u = sn.fields("u", t, x)
    return lambda: sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))], bcs(u) + [sn.Initial(u, 0)],
                                domain={t: (0, 1), x: (0, 1)}, name=name)


@pytest.mark.parametrize("bcs, message", [
    (lambda u: [sn.Eq(u.subs(x, 0.5), 0), sn.Eq(u.subs(x, 1), 0)], r"at x = 0\.5, inside domain\[x\]"),
    (lambda u: [sn.Eq(u, 0), sn.Eq(u.subs(x, 1), 0)], r"evaluates no field at a boundary"),
    (lambda u: [sn.Eq(u.subs(x, 0), 2 * u.subs(x, 1))], r"joins x at its max and x at its min|joins x at its min and x at its max"),
    (lambda u: [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.diff(x).subs(x, 0), 0), sn.Eq(u.subs(x, 1), 0)],
     r"2 condition\(s\) on the 'min' side of x, .* needs 1 per side"),
    (lambda u: [sn.Eq(u.subs(t, 1), 0)], r"only initial conditions"),
    (lambda u: [sn.Eq(sn.D(t)(u).subs(x, 0) * sn.D(t)(u).subs(x, 0), 1), sn.Eq(u.subs(x, 1), 0)],
     r"not linear in D\(t\)\(u\(t, x\)\)"),
    (lambda u: [sn.Eq(sn.D(t)(u).subs(x, 0), 0), sn.Eq(u.subs(x, 0), 0), sn.Eq(u.subs(x, 1), 0)],
     r"a dynamic boundary equation must be its field's only condition on that side"),
    (lambda u: [sympy.Eq(u.subs(x, 0), u.subs(x, 0)), sn.Eq(u.subs(x, 1), 0)], r"sympy.Eq evaluated it away"),
])
def test_boundary_equation_errors(bcs, message):
    with pytest.raises(sn.ModelError, match=message):
        _heat(bcs)().check_complete()


def test_beam_with_too_few_conditions_names_the_side():
    u = sn.fields("u", x)
    with pytest.raises(sn.ModelError, match=r"1 condition\(s\) on the 'max' side of x, .* needs 2 to 4 per side"):
        sn.PDESystem([sn.Eq(sn.D(x, 4)(u), 1)],
                     [sn.Dirichlet(u, x, "min", 0), sn.Neumann(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)],
                     domain={x: (0, 1)}, name="beam").check_complete()


def test_dependent_conditions_are_a_discretization_error():
    system = _heat(lambda u: [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.subs(x, 1), 0)])()
    u = system.fields[0]
    bad = sn.PDESystem([sn.Eq(sn.D(x, 4)(u), 1)],
                       [sn.Eq(u.subs(x, 0), 0), sn.Eq(2 * u.subs(x, 0), 0), sn.Eq(u.subs(x, 1), 0),
                        sn.Eq(u.diff(x).subs(x, 1), 0), sn.Initial(u, 0)],
                       domain={t: (0, 1), x: (0, 1)}, name="dependent")
    with pytest.raises(sn.DiscretizationError, match="do not determine the wall values"):
        solvers.discretize(bad, {x: 11}, backend="numpy")


def test_trainers_name_what_they_take():
    system = _heat(lambda u: [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.subs(x, 1), 0)])()
    pytest.importorskip("jax")
    assert solvers.PINN(system)._bc_equations  # the PINN takes boundary equations (test_pinn_breadth.py)
    with pytest.raises(sn.ModelError, match="GP takes Dirichlet, Neumann, Robin and Periodic"):
        solvers.GP(system, grid={t: 8, x: 8})


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
def test_cuda_kernel_body_holds_the_boundary_equations():
    """The CUDA backend (region templates) on the host harness equals Numba."""
    from symnum.codegen._cuda import host_harness

    system, _, _ = _walls_2d()
    cuda = solvers.discretize(system, {x: 9, y: 9}, backend="cuda")
    ref = solvers.discretize(system, {x: 9, y: 9}, backend="numba")
    k = cuda.kernel
    run = host_harness(k.source, k.name, 2, len(cuda.stencil.params) + 2)
    y0 = np.random.default_rng(1).uniform(0.5, 1.5, ref.shape)
    want = ref.rhs(y0, 0.4)
    np.testing.assert_allclose(run(y0, np.empty_like(y0), 0.4, *cuda._scalars()), want, rtol=1e-12,
                               atol=1e-12 * np.abs(want).max())
