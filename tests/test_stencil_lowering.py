"""The lowering stage alone (PDESystem -> StencilSystem), checked against
mathematics without code generation: the templates are evaluated node by node
by a small independent evaluator (lambdify over index arrays), and

- interior templates are the textbook stencils (string-level),
- every derivative order 1-4 at accuracy 2-8 has truncation error O(h^p) at
  every node, the one-sided ones next to walls included (measured slope),
- eliminated wall nodes hold their Dirichlet / Neumann / Robin values to
  O(h^(p+1)),
- mixed derivatives in 2D and periodic wrapping in 3D are exact to their order,
- upwinding picks the documented biased windows by the sign of the velocity.

These run in well under a second each, so mutation testing of `_stencil.py` and
`_fornberg.py` (benchmarks/mutation.sh) uses them."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import fornberg_weights, lower_to_stencils
from symnum.solvers._stencil import STATE

t, x, y, z = sn.variables("t x y z")


def _nodes(axis, pos, H):
    if pos[0] == "lo":
        return np.array([pos[1]])
    if pos[0] == "hi":
        return np.array([axis.n - 1 - pos[1]])
    return np.arange(axis.n) if axis.periodic else np.arange(H + 1, axis.n - H - 1)


def evaluate(stencil, values, tval=0.0):
    """Every region's template at its nodes: (n_fields, *grid), eliminated nodes
    holding their boundary formula. Independent of codegen: sympy lambdify over
    integer index arrays, periodic indices wrapped with Mod."""
    axes = stencil.axes
    idx = [a.index for a in axes]
    wrap = {}
    out = np.full(values.shape, np.nan)
    for region in stencil.regions:
        grids = np.meshgrid(*(_nodes(a, p, H) for a, p, H in zip(axes, region.position, stencil.reach)),
                            indexing="ij")
        for k, e in enumerate(region.exprs):
            for acc in e.atoms(sympy.Indexed):
                wrap[acc] = STATE[(acc.indices[0], *(sympy.Mod(i, a.n) if a.periodic else i
                                                     for i, a in zip(acc.indices[1:], axes)))]
            fn = sympy.lambdify([STATE, *idx, *(a.spacing for a in axes), stencil.time, *stencil.params],
                                e.xreplace(wrap), "numpy")
            val = fn(values, *grids, *(a.h for a in axes), tval,
                     *(stencil.system.parameters[p] for p in stencil.params))
            out[(k, *grids)] = val
    return out


def _exact(expr, stencil, tval=0.0):
    mesh = np.meshgrid(*(a.coords for a in stencil.axes), indexing="ij")
    fn = sympy.lambdify([t, *(a.var for a in stencil.axes)], expr, "numpy")
    return np.broadcast_to(fn(tval, *mesh), mesh[0].shape if mesh else ())


def _slope(hs, errs):
    return np.polyfit(np.log(hs), np.log(errs), 1)[0]


def test_interior_templates_are_the_textbook_stencils():
    u = sn.fields("u", t, x)
    c = sn.parameter("c", 2.0)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + c * sn.D(x)(u))],
                          [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                          domain={t: (0, 1), x: (0, 1)}, name="textbook")
    s2 = lower_to_stencils(system, {x: 16}, order=2)
    i, h = s2.axes[0].index, s2.axes[0].spacing
    U = lambda o: STATE[0, i + o]  # noqa: E731
    want2 = (U(-1) - 2 * U(0) + U(1)) / h**2 + c * (U(1) - U(-1)) / (2 * h)
    assert sympy.expand(s2.interior.exprs[0] - want2) == 0
    s4 = lower_to_stencils(system, {x: 16}, order=4)
    want4 = ((-U(-2) + 16 * U(-1) - 30 * U(0) + 16 * U(1) - U(2)) / (12 * h**2)
             + c * (U(-2) - 8 * U(-1) + 8 * U(1) - U(2)) / (12 * h))
    assert sympy.expand(s4.interior.exprs[0] - want4) == 0
    assert s2.reach == (1,) and s4.reach == (2,) and len(s2.regions) == 1
    assert "order 2, 1 regions, grid 16 (periodic)" in str(s2)


@pytest.mark.parametrize("order", [2, 4, 6, 8])
@pytest.mark.parametrize("d", [1, 2, 3])
def test_truncation_error_has_the_declared_order_at_every_node(d, order):
    """u_t = d^d u/dx^d with Dirichlet walls: the template at each non-eliminated
    node, applied to the exact function, differs from its exact derivative by
    O(h^order), the shifted one-sided stencils next to the walls included. (d = 4
    needs two conditions per wall, boundary equations: tests/test_boundary_equations.py
    checks its convergence; its local error next to a derivative condition is lower
    order, as the eliminated node's O(h^(order+2)) error meets 1/h^4.)"""
    u = sn.fields("u", t, x)
    ue = sympy.sin(3 * x + 0.4) + sympy.exp(x) / 2
    bcs = [sn.Dirichlet(u, x, "min", ue.subs(x, 0)), sn.Dirichlet(u, x, "max", ue.subs(x, 1))]
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, d)(u))], bcs + [sn.Initial(u, ue)],
                          domain={t: (0, 1), x: (0, 1)}, name="trunc")
    m = 1  # eliminated nodes per wall
    hs, errs = [], []
    for n in (17, 25, 33):
        s = lower_to_stencils(system, {x: n}, order=order)
        got = evaluate(s, _exact(ue, s)[None])[0]
        want = _exact(sympy.diff(ue, x, d), s)
        np.testing.assert_allclose(got[[0, -1]], _exact(ue, s)[[0, -1]], rtol=1e-14)  # Dirichlet nodes
        errs.append(np.abs(got - want)[m:-m].max())
        hs.append(s.axes[0].h)
    # the leading term at the walls is O(h^order) too: the slope, not just small errors
    assert _slope(hs, errs) > order - 0.5, (errs, _slope(hs, errs))
    s = lower_to_stencils(system, {x: 25}, order=order)
    one_sided = order + d  # points of a one-sided stencil
    assert s.reach == ((d + 1) // 2 - 1 + order // 2,)
    first = s.regions[m]  # the first node next to the lower wall that is not eliminated
    assert first.position == (("lo", m),) and not first.eliminated[0]
    offsets = sorted(int(a.indices[1].as_coeff_Add()[0]) for a in first.exprs[0].atoms(sympy.Indexed))
    assert len(offsets) <= one_sided and min(offsets) >= -m  # never reaches past the wall node


@pytest.mark.parametrize("order", [2, 4, 6, 8])
@pytest.mark.parametrize("kind", ["neumann", "robin"])
def test_eliminated_wall_nodes_hold_their_condition(kind, order):
    """The wall value solved from a one-sided derivative of the scheme's order
    is exact to O(h^(order+1)) on the exact interior values, on both sides."""
    u = sn.fields("u", t, x)
    ue = sympy.cos(2 * x + 0.3) + x**2 / 3
    dn = {"min": -sympy.diff(ue, x).subs(x, 0), "max": sympy.diff(ue, x).subs(x, 1)}
    if kind == "neumann":
        bcs = [sn.Neumann(u, x, side, dn[side]) for side in ("min", "max")]
    else:
        bcs = [sn.Robin(u, x, side, 2, 3, 2 * ue.subs(x, 0 if side == "min" else 1) + 3 * dn[side])
               for side in ("min", "max")]
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))], bcs + [sn.Initial(u, ue)],
                          domain={t: (0, 1), x: (0, 1)}, name="walls")
    hs, errs = [], []
    for n in (17, 25, 33):
        s = lower_to_stencils(system, {x: n}, order=order)
        exact = _exact(ue, s)
        spoiled = exact.copy()
        spoiled[[0, -1]] = 1e3  # the formula must not read the wall nodes themselves
        got = evaluate(s, spoiled[None])[0]
        errs.append(np.abs(got[[0, -1]] - exact[[0, -1]]).max())
        hs.append(s.axes[0].h)
    assert s.regions[0].eliminated == (True,) and s.regions[-1].eliminated == (True,)
    assert _slope(hs, errs) > order + 1 - 0.4, errs


def test_time_dependent_wall_values_and_parameters():
    u = sn.fields("u", t, x)
    a = sn.parameter("a", 3.0)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), a * sn.D(x, 2)(u))],
                          [sn.Dirichlet(u, x, "min", a * sympy.sin(t)), sn.Neumann(u, x, "max", t**2),
                           sn.Initial(u, 0)], domain={t: (0, 1), x: (0, 1)}, name="tdep")
    s = lower_to_stencils(system, {x: 11}, order=2)
    vals = np.sin(3 * np.linspace(0, 1, 11))[None]  # not a polynomial: stencils are told apart
    got = evaluate(s, vals, tval=0.7)[0]
    assert got[0] == pytest.approx(3.0 * np.sin(0.7))
    h = 0.1  # u_N from (3 u_N - 4 u_{N-1} + u_{N-2}) / (2h) = t^2
    assert got[-1] == pytest.approx((2 * h * 0.49 + 4 * vals[0, -2] - vals[0, -3]) / 3)
    # node 1 takes the centred stencil through the wall node, whose Dirichlet value it sees
    assert got[1] == pytest.approx(3.0 * (3.0 * np.sin(0.7) - 2 * vals[0, 1] + vals[0, 2]) / h**2)
    # a wall value may use the wall's own variable: x = 2 there
    ramp = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                        [sn.Dirichlet(u, x, "min", x + 1), sn.Dirichlet(u, x, "max", x * t), sn.Initial(u, 0)],
                        domain={t: (0, 1), x: (0, 2)}, name="ramp")
    got = evaluate(lower_to_stencils(ramp, {x: 5}), np.zeros((1, 5)), tval=0.7)[0]
    assert got[0] == 1.0 and got[-1] == pytest.approx(1.4)


@pytest.mark.parametrize("order", [2, 4])
def test_mixed_derivative_and_coordinates_in_2d(order):
    """u_t = u_xy + x u_y - y^2 u on a walled/periodic grid: exact to O(h^order)."""
    u = sn.fields("u", t, x, y)
    ue = sympy.sin(x + 0.2) * sympy.cos(2 * sympy.pi * y) + x**2
    rhs = sn.D(x)(sn.D(y)(u)) + x * sn.D(y)(u) - y**2 * u
    exact_rhs = sympy.diff(ue, x, y) + x * sympy.diff(ue, y) - y**2 * ue
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), rhs)],
                          [sn.Periodic(y), sn.Dirichlet(u, x, "min", ue.subs(x, 0)),
                           sn.Dirichlet(u, x, "max", ue.subs(x, 1)), sn.Initial(u, ue)],
                          domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="mixed")
    hs, errs = [], []
    for n in (12, 18, 24):
        s = lower_to_stencils(system, {x: n + 1, y: n}, order=order)
        got = evaluate(s, _exact(ue, s)[None])[0]
        errs.append(np.abs(got - _exact(exact_rhs, s))[1:-1].max())
        hs.append(1 / n)
    assert _slope(hs, errs) > order - 0.4, errs


def test_periodic_wrap_in_3d():
    u = sn.fields("u", t, x, y, z)
    ue = sympy.sin(2 * sympy.pi * x) * sympy.cos(2 * sympy.pi * y) * sympy.sin(2 * sympy.pi * (z + 0.1))
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y, z))],
                          [sn.Periodic(x), sn.Periodic(y), sn.Periodic(z), sn.Initial(u, ue)],
                          domain={t: (0, 1), x: (0, 1), y: (0, 1), z: (0, 1)}, name="wrap3")
    errs = []
    for n in (8, 16):
        s = lower_to_stencils(system, {x: n, y: n, z: n}, order=4)
        got = evaluate(s, _exact(ue, s)[None])[0]
        errs.append(np.abs(got + 12 * np.pi**2 * _exact(ue, s)).max())
    assert errs[0] / errs[1] > 2**4 * 0.8, errs


@pytest.mark.parametrize("order, window", [(2, (-2, -1, 0)), (4, (-3, -2, -1, 0, 1))])
@pytest.mark.parametrize("steady", [False, True])
def test_upwind_windows_follow_the_velocity_sign(order, window, steady):
    """u_t = -c u_x (or the steady residual c u_x - u_xx - 1): backward-biased windows when
    the velocity c > 0, forward ones when c < 0, with Fornberg's weights."""
    u = sn.fields("u", x) if steady else sn.fields("u", t, x)
    c = sn.parameter("c", 1.0)
    eq = sn.Eq(c * sn.D(x)(u) - sn.D(x, 2)(u), 1) if steady else sn.Eq(sn.D(t)(u), -c * sn.D(x)(u))
    bcs = [sn.Periodic(x)] + ([] if steady else [sn.Initial(u, 0)])
    domain = {x: (0, 1)} if steady else {t: (0, 1), x: (0, 1)}
    system = sn.PDESystem([eq], bcs, domain=domain, name="upw")
    vals = np.random.default_rng(0).normal(size=(1, 16))
    n, h = 16, 1 / 16
    for cval in (1.0, -1.0):
        s = lower_to_stencils(system.with_parameters({c: cval}), {x: n}, order=order, advection="upwind")
        got = evaluate(s, vals)[0]
        offs = window if cval > 0 else tuple(-o for o in reversed(window))
        w = [float(v) for v in fornberg_weights(offs, 1)]
        deriv = sum(wk * np.roll(vals[0], -o) for wk, o in zip(w, offs)) / h
        w2 = [float(v) for v in fornberg_weights(tuple(range(-order // 2, order // 2 + 1)), 2)]
        lap = sum(wk * np.roll(vals[0], -o) for wk, o in zip(w2, range(-order // 2, order // 2 + 1))) / h**2
        want = cval * deriv - lap - 1 if steady else -cval * deriv
        np.testing.assert_allclose(got, want, atol=1e-11)
    central = lower_to_stencils(system, {x: n}, order=order)
    assert not central.interior.exprs[0].has(sympy.Piecewise)


def test_walls_regions_and_the_outflow_node():
    """u_t = -u_x with an inflow condition at x = lo only (x in [1, 3]): the outflow
    node is computed by a one-sided template, never eliminated; every region is where
    and what it should be; the wall stencil reads the condition, not the stored value."""
    u = sn.fields("u", t, x)
    ue = sympy.sin(2 * x) + x**2 / 5
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x)(u))],
                          [sn.Dirichlet(u, x, "min", ue.subs(x, 1) * (1 + t)), sn.Initial(u, ue)],
                          domain={t: (0, 1), x: (1, 3)}, name="outflow")
    s = lower_to_stencils(system, {x: 9})
    a = s.axes[0]
    assert a.h == 0.25 and a.coords[0] == 1.0 and a.coords[-1] == 3.0 and s.reach == (1,)
    assert [r.position for r in s.regions] == [(("lo", 0),), (("lo", 1),), (("mid",),), (("hi", 1),), (("hi", 0),)]
    assert [r.eliminated for r in s.regions] == [(True,), (False,), (False,), (False,), (False,)]
    assert s.interior is s.regions[2]
    i, h = a.index, a.spacing
    # node 1 uses the centred stencil that touches the wall, with the wall's value
    at = {t: 0.3, STATE[0, i + 1]: 1.7, h: 0.1}
    wall = (np.sin(2.0) + 0.2) * 1.3
    assert float(s.regions[1].exprs[0].xreplace(at)) == pytest.approx(-(1.7 - wall) / 0.2)
    errs, hs = [], []
    for n in (9, 17, 33):
        s = lower_to_stencils(system, {x: n})
        vals = _exact(ue, s).copy()
        vals[0] = 1e3  # the stored wall value must not be read
        got = evaluate(s, vals[None], tval=0.0)[0]
        assert got[0] == pytest.approx(np.sin(2.0) + 0.2)
        errs.append(np.abs(got[1:] + _exact(sympy.diff(ue, x), s)[1:]).max())
        hs.append(s.axes[0].h)
    assert _slope(hs, errs) > 1.6, errs  # the one-sided outflow node included
    with pytest.raises(sn.DiscretizationError, match="order=3"):
        lower_to_stencils(system, {x: 9}, order=3)
    assert lower_to_stencils(system, {x: 9}).order == 2  # the default


@pytest.mark.parametrize("order", [2, 4])
def test_upwinding_next_to_walls(order):
    """Upwind-biased windows shift away from the walls like the centred ones do."""
    u = sn.fields("u", t, x)
    c = sn.parameter("c", 1.0)
    ue = sympy.cos(3 * x) + x
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), -c * sn.D(x)(u))],
                          [sn.Dirichlet(u, x, "min", ue.subs(x, 0)), sn.Dirichlet(u, x, "max", ue.subs(x, 1)),
                           sn.Initial(u, ue)], domain={t: (0, 1), x: (0, 1)}, name="upwall")
    for cval in (1.0, -1.0):
        hs, errs = [], []
        for n in (17, 25, 33):
            s = lower_to_stencils(system.with_parameters({c: cval}), {x: n}, order=order, advection="upwind")
            vals = _exact(ue, s).copy()
            vals[[0, -1]] = 1e3
            got = evaluate(s, vals[None])[0]
            errs.append(np.abs(got[1:-1] + cval * _exact(sympy.diff(ue, x), s)[1:-1]).max())
            hs.append(s.axes[0].h)
        assert _slope(hs, errs) > order - 0.4, (cval, errs)


def test_nested_derivatives_next_to_a_neumann_wall():
    """D(x)((1 + x^2) D(x)(u)) composes stencils at shifted offsets, also where the
    inner one reaches the Neumann wall's formula (y periodic and first): O(h^2) in the
    interior, O(h) at the nodes next to the walls (the composed one-sided stencils)."""
    u = sn.fields("u", t, y, x)
    ue = sympy.cos(x + 0.3) * (2 + sympy.sin(2 * sympy.pi * y))
    op = sn.D(x)((1 + x**2) * sn.D(x)(u))
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), op)],
                          [sn.Periodic(y), sn.Neumann(u, x, "min", -sympy.diff(ue, x).subs(x, 0)),
                           sn.Dirichlet(u, x, "max", ue.subs(x, 1)), sn.Initial(u, ue)],
                          domain={t: (0, 1), y: (0, 1), x: (0, 1)}, name="nested")
    exact_rhs = sympy.diff((1 + x**2) * sympy.diff(ue, x), x)
    hs, errs, near = [], [], []
    for n in (17, 25, 33):
        s = lower_to_stencils(system, {y: 8, x: n}, order=2)
        vals = _exact(ue, s).copy()
        vals[:, [0, -1]] = 1e3  # wall values come from the conditions
        diff = np.abs(evaluate(s, vals[None])[0] - _exact(exact_rhs, s))
        errs.append(diff[:, 3:-3].max())
        near.append(diff[:, 1:-1].max())
        hs.append(s.axes[1].h)
    assert _slope(hs, errs) > 1.6 and _slope(hs, near) > 0.7, (errs, near)


def test_stencil_system_facts():
    import dataclasses

    u = sn.fields("u", t, x, y)
    k = sn.parameter("k", 2.0)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), k * sn.D(x, 2)(u) + u)],
                          [sn.Periodic(x), sn.Periodic(y), sn.Initial(u, x)],
                          domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="facts")
    s = lower_to_stencils(system, {x: 8, y: 3})  # y is never differentiated: 3 points suffice
    assert s.reach == (1, 0)
    assert s.invariant == frozenset({k, s.axes[0].spacing, s.axes[1].spacing, t})
    assert str(s) == ("StencilSystem of 'facts': order 2, 1 regions, grid 8 (periodic) x 3 (periodic)\n"
                      f"  interior du/dt = {s.interior.exprs[0]}")
    assert lower_to_stencils(system, {x: 0.125, y: 0.25}).axes[0].n == 8  # periodic: hi excluded
    for obj, field in ((s, "order"), (s.axes[0], "n"), (s.regions[0], "exprs")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, field, None)
    with pytest.raises(sn.DiscretizationError, match=r"^grid\[x\] = 0\.0: give a number of points \(int\), a "
                                                     r"spacing \(float > 0\) or the nodes \(an increasing sequence "
                                                     r"from 0\.0 to 1\.0\)$"):
        lower_to_stencils(system, {x: 0.0, y: 3})
    walled = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                          [sn.Periodic(y), sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0),
                           sn.Initial(u, x)], domain={t: (0, 1), x: (1, 2), y: (0, 1)}, name="walled")
    assert lower_to_stencils(walled, {x: 0.25, y: 3}).axes[0].n == 5  # walls: both ends, from lo = 1
    fewest = lower_to_stencils(walled, {x: 4, y: 3}, order=2)  # the fewest points
    assert fewest.reach == (1, 0) and "grid 4 x 3 (periodic)" in str(fewest)
    with pytest.raises(sn.DiscretizationError, match=r"^grid\[x\] = 3 points is too few for order 2 stencils "
                                                     r"reaching 1 nodes \(and their one-sided forms at the walls\): "
                                                     r"use at least 4$"):
        lower_to_stencils(walled, {x: 3, y: 3})
    with pytest.raises(sn.DiscretizationError, match=r"^cannot discretize Derivative\(u\(t, x, y\), y\): y is not a "
                                                     r"spatial variable of the grid \(x\)$"):
        low = sn.solvers._stencil._Lowering(walled, lower_to_stencils(walled, {x: 5, y: 3}).axes[:1], 2)
        low.lower_derivative(sn.D(y)(u), (("mid",),), (0,))
