"""Row-chained Runge-Kutta stages (temporal blocking) on periodic grids: the same
steps and, to round-off, the same numbers as the full-array passes of the compiled
loop, across chunk ends, strip ends, saves in between, orders 2 and 4, 2D and 3D;
divergence and non-finite states still caught; the plan's schedule sound."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.codegen._row_stages import row_plan
from symnum.solvers import METHODS, discretize, solve
from symnum.solvers.integrate import _explicit, stepper_source

t, x, y, z = sn.variables("t x y z")


def advection_reaction(name="rows2d"):
    """Two fields, periodic in x and y; coefficients that depend on x and y (so the
    row twin's grid indices are checked, not only its offsets)."""
    u, v = sn.fields("u v", t, x, y)
    c = 1 + sympy.sin(2 * sympy.pi * y) / 2
    return sn.PDESystem(
        [sn.Eq(sn.D(t)(u), -c * u.diff(x) + 0.01 * sn.laplacian(u, x, y) + u * (1 - u) - v),
         sn.Eq(sn.D(t)(v), 0.02 * v.diff(y, 2) + sympy.cos(2 * sympy.pi * x) * u - v)],
        [sn.Periodic(x), sn.Periodic(y), sn.Initial(u, sympy.exp(-40 * ((x - 0.4) ** 2 + (y - 0.5) ** 2))),
         sn.Initial(v, 0)],
        domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name=name)


@pytest.fixture
def rows(monkeypatch):
    """Forces the row-chained steps on small problems: every state size, 3 chunks
    of rows, strips as narrow as allowed (so chunk and strip ends are crossed)."""

    def force(chunks=3, cache=1):
        monkeypatch.setattr(_explicit, "TILE_MIN", 0)
        monkeypatch.setattr(_explicit, "ROW_CHUNKS", chunks)
        monkeypatch.setattr(_explicit, "ROW_CACHE", cache)

    return force


def _both(prob, rows, **kw):
    ref = solve(prob, progress=False, **kw)
    rows()
    got = solve(prob, progress=False, **kw)
    assert "rhs_row(" in stepper_source(prob, METHODS[kw.get("method", "tsit5")])
    return ref, got


def _same(ref, got, steps=True):
    if steps:
        assert got.stats["steps"] == ref.stats["steps"] and got.stats["rejected"] == ref.stats["rejected"]
    scale = np.abs(ref.states).max()
    np.testing.assert_allclose(got.states, ref.states, rtol=0, atol=1e-13 * scale)


@pytest.mark.parametrize("method, kw", [("rk4", dict(dt=2e-3)), ("tsit5", dict(rtol=1e-8, atol=1e-10)),
                                        ("tsit5", dict(dt=2e-3, adaptive=False))])
def test_row_chained_steps_equal_the_full_array_passes(rows, method, kw):
    prob = discretize(advection_reaction(), {x: 33, y: 40})  # 40 columns: strips of 16, 16, 8
    ref, got = _both(prob, rows, method=method, tspan=(0, 0.2), saveat=[0.2], **kw)
    _same(ref, got)


@pytest.mark.slow
@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("order", [2, 4])
def test_every_tableau_chains_its_rows(rows, method, order):
    prob = discretize(advection_reaction(f"rows2d_{order}"), {x: 48, y: 40}, order=order)
    tab = METHODS[method]
    kw = dict(rtol=1e-8, atol=1e-10) if tab.adaptive else dict(dt=5e-4)
    ref, got = _both(prob, rows, method=method, tspan=(0, 0.1), saveat=[0.1], **kw)
    _same(ref, got)


@pytest.mark.slow
def test_rows_of_a_3d_grid_are_planes(rows):
    w = sn.fields("w", t, x, y, z)
    sys3 = sn.PDESystem([sn.Eq(sn.D(t)(w), 0.05 * sn.laplacian(w, x, y, z) - w**3
                               + sympy.sin(2 * sympy.pi * x) * w.diff(z))],
                        [sn.Periodic(x), sn.Periodic(y), sn.Periodic(z),
                         sn.Initial(w, sympy.exp(-30 * ((x - 0.5) ** 2 + (y - 0.3) ** 2 + (z - 0.6) ** 2)))],
                        domain={t: (0, 1), x: (0, 1), y: (0, 1), z: (0, 1)}, name="rows3d")
    prob = discretize(sys3, {x: 12, y: 30, z: 8})
    for method, kw in (("rk4", dict(dt=2e-3)), ("dopri5", dict(rtol=1e-8, atol=1e-10))):
        ref, got = _both(prob, rows, method=method, tspan=(0, 0.1), saveat=[0.1], **kw)
        _same(ref, got)


def test_steps_that_save_in_between_use_the_full_passes(rows):
    """Saving between a step's ends needs every stage (dense output): those steps
    take the full-array passes, the others chain their rows; the same numbers."""
    prob = discretize(advection_reaction(), {x: 24, y: 20})
    ref, got = _both(prob, rows, method="tsit5", tspan=(0, 0.3), saveat=np.linspace(0.01, 0.3, 7),
                     rtol=1e-8, atol=1e-10)
    _same(ref, got)
    assert got.stats["nfev"] > ref.stats["nfev"]  # a row-chained step computes k0 again (no FSAL)


def test_unstable_row_chained_steps_are_caught(rows):
    u = sn.fields("u", t, x, y)
    heat = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y))],
                        [sn.Periodic(x), sn.Periodic(y),
                         sn.Initial(u, sympy.sin(2 * sympy.pi * x) * sympy.cos(2 * sympy.pi * y))],
                        domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="rowheat")
    prob = discretize(heat, {x: 32, y: 32})
    rows()
    with pytest.raises(sn.SolverError, match="diverging|non-finite"):
        solve(prob, method="euler", dt=5e-4, progress=False)  # the limit is about 1.2e-4
    sol = solve(prob, method="rk4", dt=5e-5, tspan=(0, 0.01), progress=False)  # stable: fine
    n = 32  # the mode decays at the 5-point Laplacian's eigenvalue
    np.testing.assert_allclose(sol[u][-1].max(), np.exp(-8 * n**2 * np.sin(np.pi / n) ** 2 * 0.01), rtol=1e-6)


def test_the_row_loop_allocates_only_before_its_steps(rows):
    rows()
    prob = discretize(advection_reaction(), {x: 24, y: 20})
    src = stepper_source(prob, METHODS["rk4"])
    head, steps = src.split("while True:", 1)
    assert "zeros" in head and "empty" in head  # the ring buffers, once per call
    body = steps.split("\n\n\n@")[0]
    assert not any(w in body for w in ("empty", "zeros", "copy"))
    assert "] = y3[" not in body  # slice assignments copy their source: loops instead


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("fixed", [False, True])
@pytest.mark.parametrize("R", [1, 2])
def test_the_schedule_reads_only_rows_already_made(method, fixed, R):
    """Simulated waves: every op reads rows some earlier op wrote and a ring has not
    overwritten since; the update sees all of its stages on the chunk's rows."""
    tab = _explicit._fixed(METHODS[method]) if fixed else METHODS[method]
    p = row_plan(tab, R)
    s = tab.stages
    lo, hi = 0, 9
    made = {}  # (buffer, row) -> wave written

    def write(buf, row, m, depth):
        made[(buf, row)] = m
        made.pop((buf, row - depth), None)  # the row it overwrites in the ring

    def read(buf, row, m):
        assert (buf, row) in made, (method, buf, row, m)

    for m in range(lo + p.m_lo, hi + p.m_hi):
        r = m + R
        if lo - p.y_ext <= r < hi + p.y_ext:
            write("Y0", r, m, p.y_depth)
        if lo - p.ext[0] <= m < hi + p.ext[0]:
            for off in range(-R, R + 1):
                read("Y0", m + off, m)
            write("K0", m, m, p.depth[0])
        for i in range(1, s):
            r = m - p.lag_state[i]
            if p.needed[i] and lo - p.state_ext[i] <= r < hi + p.state_ext[i]:
                read("Y0", r, m)
                for j in range(i):
                    if tab.a[i][j] != 0.0:
                        read(f"K{j}", r, m)
                write(f"Y{i}", r, m, p.state_depth)
            r = m - p.lag[i]
            if p.needed[i] and lo - p.ext[i] <= r < hi + p.ext[i]:
                for off in range(-R, R + 1):
                    read(f"Y{i}", r + off, m)
                write(f"K{i}", r, m, p.depth[i])
        r = m - p.lag_end
        if lo <= r < hi:
            read("Y0", r, m)
            for i in p.final:
                read(f"K{i}", r, m)
            if tab.fsal and p.needed[s - 1]:  # y_new, formed as the last stage state
                read(f"Y{s - 1}", r, m)
