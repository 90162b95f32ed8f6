"""The generated compiled step loop (numba backend): the same steps and numbers
as the array loop it is generated from (orders: test_integrators.py), dense output
accurate to its order without shortening steps, chunking that never changes
the numbers, no false divergence alarm on a growing solution, and the source."""

import re

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import METHODS, discretize, solve
from symnum.solvers.integrate import _explicit, stepper_source

t, x, y = sn.variables("t x y")


@pytest.fixture(scope="module")
def lorenz():
    X, Y, Z = sn.fields("X Y Z", t)
    rho = sn.parameter("rho", 28.0)
    ode = sn.ODESystem([sn.Eq(sn.D(t)(X), 10 * (Y - X)), sn.Eq(sn.D(t)(Y), X * (rho - Z) - Y),
                        sn.Eq(sn.D(t)(Z), X * Y - sympy.Rational(8, 3) * Z)],
                       [sn.Initial(X, 1.0), sn.Initial(Y, 0.0), sn.Initial(Z, 0.0)],
                       domain={t: (0, 2)}, name="lorenz_c")
    return discretize(ode)


def gray_scott_system():
    """2D, periodic in x, Neumann walls in y: boundaries, parameters and a grid."""
    U, V = sn.fields("U V", t, x, y)
    F, k = sn.parameter("F", 0.04), sn.parameter("k", 0.06)
    return sn.PDESystem(
        [sn.Eq(sn.D(t)(U), 2e-3 * sn.laplacian(U, x, y) - U * V**2 + F * (1 - U)),
         sn.Eq(sn.D(t)(V), 1e-3 * sn.laplacian(V, x, y) + U * V**2 - (F + k) * V)],
        [sn.Periodic(x), sn.Neumann(U, y, "min", 0), sn.Neumann(U, y, "max", 0),
         sn.Neumann(V, y, "min", 0), sn.Neumann(V, y, "max", 0),
         sn.Initial(U, 1 - 0.5 * sympy.exp(-20 * ((x - 0.5) ** 2 + (y - 0.5) ** 2))),
         sn.Initial(V, 0.25 * sympy.exp(-20 * ((x - 0.5) ** 2 + (y - 0.5) ** 2)))],
        domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="gs_c"), {x: 24, y: 20}


@pytest.fixture(scope="module")
def gray_scott():
    return discretize(*gray_scott_system())


@pytest.mark.parametrize("method", sorted(METHODS))
def test_compiled_loop_takes_the_array_loops_steps(lorenz, gray_scott, method):
    fixed = not METHODS[method].adaptive
    cases = ((lorenz, 1e-3), (gray_scott, 2e-3)) if method in ("rk4", "tsit5") else ((lorenz, 1e-3),)
    for prob, dt in cases:
        kw = dict(method=method, saveat=9, progress=False, rtol=1e-7, atol=1e-9, dt=dt if fixed else None)
        ref = solve(prob, compiled=False, **kw)
        got = solve(prob, **kw)
        assert got.stats["steps"] == ref.stats["steps"] and got.stats["rejected"] == ref.stats["rejected"]
        assert got.stats["nfev"] == ref.stats["nfev"]
        # the stage states are bit-equal; the error norm sums in another order
        scale = np.abs(ref.states).max()
        np.testing.assert_allclose(got.states, ref.states, rtol=0, atol=1e-11 * scale)


@pytest.mark.parametrize("method, expected", [("tsit5", 4), ("dopri5", 4), ("rk4", 4), ("ssprk3", 3)])
def test_dense_output_is_accurate_to_its_order(method, expected):
    """Values between steps (save times at 1/3 and 2/3 of a step) converge at the
    interpolant's order: Tsit5's and DOPRI5's own extensions (order 4 between
    steps), cubic Hermite for the fixed-step methods."""
    u = sn.fields("u", t)
    ode = sn.ODESystem([sn.Eq(sn.D(t)(u), -u + sympy.sin(3 * t))], [sn.Initial(u, 1)], domain={t: (0, 1)},
                       name="dense_c")
    prob = discretize(ode)
    exact = lambda T: (1 + 0.3) * np.exp(-T) + (np.sin(3 * T) - 3 * np.cos(3 * T)) / 10  # noqa: E731
    errs, dts = [], [0.1, 0.05, 0.025]
    for dt in dts:
        T = np.arange(0, 1, dt)[:-1] + dt / 3
        sol = solve(prob, method=method, dt=dt, adaptive=False, saveat=np.r_[T, T + dt / 3, 1.0], progress=False)
        errs.append(np.abs(sol[u][:-1] - exact(sol.t[:-1])).max())
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert slope > expected - 0.4, (errs, slope)


def test_saving_does_not_shorten_steps(lorenz):
    few = solve(lorenz, saveat=2, progress=False)
    many = solve(lorenz, saveat=1001, progress=False)
    assert many.stats["steps"] == few.stats["steps"]
    assert np.array_equal(many.states[-1], few.states[-1])
    tight = solve(lorenz, method="dop853", rtol=1e-12, atol=1e-12, saveat=1001, progress=False)
    assert tight.stats["steps"] == solve(lorenz, method="dop853", rtol=1e-12, atol=1e-12, progress=False).stats["steps"]
    assert np.abs(many.states - tight.states).max() < 1e-4 * np.abs(tight.states).max()


def test_chunks_do_not_change_the_numbers(gray_scott, monkeypatch):
    whole = solve(gray_scott, saveat=5, progress=False)
    monkeypatch.setattr(_explicit, "FIRST_CHUNK", 1)
    monkeypatch.setattr(_explicit, "CHUNK_SECONDS", 0.0)  # return to Python after every step
    pieces = solve(gray_scott, saveat=5, progress=True)
    assert np.array_equal(whole.states, pieces.states) and whole.stats["steps"] == pieces.stats["steps"]


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_exponential_growth_is_not_divergence(backend):
    """u_t = u grows by e^30 ~ 1e13 with smooth increments: no false alarm."""
    u = sn.fields("u", t, x)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), u)], [sn.Initial(u, 1 + x)], domain={t: (0, 30), x: (0, 1)}, name="grow")
    prob = discretize(sys, {x: 5}, backend=backend)
    sol = solve(prob, method="rk4", dt=0.05, progress=False)
    np.testing.assert_allclose(sol[u][-1], (1 + prob.grid[x]) * np.exp(30.0), rtol=1e-5)


def test_the_loop_is_one_function_without_allocations(gray_scott):
    module = stepper_source(gray_scott, METHODS["tsit5"])
    # the loop and the ensemble driver over members (threaded and serial)
    assert module.count("\ndef ") == 3
    src = module.split("\n\n\n@")[1]
    assert src.count("def ") == 1 and "while True" in src
    assert "empty" not in module and "zeros" not in module and "copy" not in module  # no temporaries per step
    # k0 when the first step is chosen, k0 (first step only), six stages: FSAL reuses the last
    assert src.count("rhs(") == 8
    # a serial loop calls the kernel's serial twin (a parallel call costs ~2 us per stage)
    assert re.search(r"rhs = getattr\(sys.modules\[.*\], '\w+_serial'\)", module)


def test_compiled_needs_the_numba_backend():
    prob = discretize(sn.PDESystem([sn.Eq(sn.D(t)(sn.fields("w", t, x)), 0)], [sn.Periodic(x),
                      sn.Initial(sn.fields("w", t, x), 1)], domain={t: (0, 1), x: (0, 1)}, name="nb"),
                      {x: 4}, backend="numpy")
    with pytest.raises(sn.SolverError, match=r"compiled=True needs the numba backend \(this problem's is 'numpy'\)"):
        solve(prob, compiled=True, progress=False)


@pytest.mark.parametrize("method", ["euler", pytest.param("tsit5", marks=pytest.mark.slow)])
def test_threaded_stage_passes_equal_the_serial_ones(gray_scott, method, monkeypatch):
    """Large states on several threads get `prange` passes (their sums are
    parallel reductions); forced here on a small problem."""
    kw = dict(method=method, dt=1e-3 if method == "euler" else None, saveat=3, progress=False)
    serial = solve(gray_scott, **kw)
    monkeypatch.setattr(_explicit, "_parallel", lambda prob: True)
    assert "numba.prange" in stepper_source(gray_scott, METHODS[method])
    assert "_serial')" not in stepper_source(gray_scott, METHODS[method])  # threads: the parallel kernel
    threaded = solve(gray_scott, **kw)
    assert threaded.stats["steps"] == serial.stats["steps"]
    np.testing.assert_allclose(threaded.states, serial.states, rtol=0, atol=1e-12)
