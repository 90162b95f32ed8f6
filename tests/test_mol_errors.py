"""Bad input to discretize/solve: a SymnumError that names the culprit and the fix."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

t, x, y = sn.variables("t x y")
u = sn.fields("u", t, x)
HEAT = sn.PDESystem(
    [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
    [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sympy.sin(sympy.pi * x))],
    domain={t: (0, 0.1), x: (0, 1)}, name="heat",
)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(grid={y: 10}), sn.DiscretizationError, r"grid names y, which is not a spatial variable of 'heat'"),
        (dict(grid={}), sn.DiscretizationError, r"grid has no entry for x: add it"),
        (dict(grid=[10]), sn.DiscretizationError, r"grid must be a dict"),
        (dict(grid={x: 0.3}), sn.DiscretizationError, r"spacing 0.3 does not divide the interval"),
        (dict(grid={x: "fine"}), sn.DiscretizationError, r"give a number of points \(int\), a spacing"),
        (dict(grid={x: 2}), sn.DiscretizationError, r"at least 3 are needed"),
        (dict(grid={x: 6}, order=8), sn.DiscretizationError, r"too few for order 8 stencils .* use at least"),
        (dict(grid={x: 10}, order=3), sn.DiscretizationError, r"order=3: supported accuracy orders are \(1, 2, 4, 6, 8\)"),
        (dict(grid={x: 10}, backend="fortran"), sn.DiscretizationError, r"backend='fortran': use one of"),
        (dict(grid={x: 10}, advection="eno"), sn.DiscretizationError, r"advection='eno'"),
        (dict(grid={x: 10}, dtype="float16"), sn.DiscretizationError, r"dtype='float16': use \"float64\" or \"float32\""),
        (dict(grid={x: 10}, dtype="float32"), sn.DiscretizationError, r"dtype=\"float32\" is for backend=\"cuda\""),
    ],
)
def test_discretize_errors(kwargs, error, message):
    kwargs.setdefault("backend", "numpy")
    with pytest.raises(error, match=message):
        discretize(HEAT, **kwargs)


# the whole message, word for word: the fix it names is part of the contract
WHOLE = [
    (dict(grid={y: 10}), "grid names y, which is not a spatial variable of 'heat' (those are (x,))"),
    (dict(grid={}), "grid has no entry for x: add it, e.g. grid={..., x: 64} (points) or {..., x: 0.01} (spacing)"),
    (dict(grid=[10]), "grid must be a dict {variable: points or spacing}, got [10]: e.g. grid={x: 64}"),
    (dict(grid={x: 0.3}), "spacing 0.3 does not divide the interval (0.0, 1.0) of x (3.33333 cells): the nearest "
                          "spacings that do are 0.333333 (4 points) or 0.25 (5 points); the grid is uniform, so "
                          "give one of those, or a number of points"),
    (dict(grid={x: "fine"}), "grid[x] = 'fine': give a number of points (int), a spacing (float > 0) or the nodes "
                             "(an increasing sequence from 0.0 to 1.0)"),
    (dict(grid={x: 2}), "grid[x] gives 2 points; at least 3 are needed"),
    (dict(grid={x: 6}, order=8), "grid[x] = 6 points is too few for order 8 stencils reaching 4 nodes (and their one-sided forms at the walls): use at least 11"),
    (dict(grid={x: 10}, order=3), "order=3: supported accuracy orders are (1, 2, 4, 6, 8)"),
    (dict(grid={x: 10}, advection="eno"), 'advection=\'eno\': use "central", "upwind" or "weno"'),
]


@pytest.mark.parametrize("kwargs, message", WHOLE)
def test_discretize_error_messages_word_for_word(kwargs, message):
    with pytest.raises(sn.DiscretizationError) as err:
        discretize(HEAT, backend="numpy", **kwargs)
    assert str(err.value) == message
    with pytest.raises(sn.DiscretizationError, match=r"^discretize\(\) needs a PDESystem or an ODESystem, got str$"):
        discretize("heat", {})


def test_spacing_grid():
    assert discretize(HEAT, {x: 0.125}, backend="numpy").shape == (1, 9)


def test_grid_keys_may_be_variable_names():
    by_name = discretize(HEAT, {"x": 9}, backend="numpy")
    assert by_name.kernel is discretize(HEAT, {x: 9}, backend="numpy").kernel and by_name.shape == (1, 9)
    with pytest.raises(sn.DiscretizationError, match=r"^grid names y, which is not a spatial variable of 'heat'"):
        discretize(HEAT, {"x": 9, "y": 9}, backend="numpy")


def test_only_systems_are_discretized():
    with pytest.raises(sn.DiscretizationError, match="needs a PDESystem or an ODESystem, got str"):
        discretize("heat", {})


def test_solve_errors():
    prob = discretize(HEAT, {x: 11}, backend="numpy")
    with pytest.raises(sn.SolverError, match=r"unknown method 'rk45'"):
        solve(prob, method="rk45")
    with pytest.raises(sn.SolverError, match=r"method='rk4' takes a fixed step: pass dt="):
        solve(prob, method="rk4")
    with pytest.raises(sn.SolverError, match=r"tspan = \(1.0, 0.0\) must increase"):
        solve(prob, tspan=(1, 0))
    with pytest.raises(sn.SolverError, match=r"saveat must lie within tspan"):
        solve(prob, saveat=[0.5])
    with pytest.raises(sn.DiscretizationError, match=r"state has shape \(3,\), but this problem's state has shape \(1, 11\)"):
        prob.rhs(np.zeros(3))
    with pytest.raises(sn.DiscretizationError, match=r"state has shape \(11, 1\).*shaped like prob.u0, or flattened"):
        prob.rhs(np.zeros((11, 1)))  # the right size, the wrong shape: refused, not reshaped
    assert prob.rhs(np.zeros(11)).shape == (1, 11)  # flattened is fine (scipy's integrators pass it)
    with pytest.raises(sn.DiscretizationError, match="not a parameter of this problem"):
        prob.remake(params={sn.parameter("q", 1): 2})


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_blow_up_names_time_field_and_place(backend):
    prob = discretize(HEAT, {x: 41}, backend=backend)
    # dt 160x the explicit stability limit h**2/2: stopped at the second divergence check
    with pytest.raises(sn.SolverError, match=r"diverging at t = 0\.8 \(euler, fixed dt\).*field u\(t, x\) at x = .*"
                                             r"dt = 0\.05 exceeds the stability limit of euler here, about 0\.000313 .*"
                                             r"method=\"bdf\""):
        solve(prob, method="euler", dt=0.05, tspan=(0, 20), progress=False)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_divergence_just_beyond_the_stability_limit(backend):
    """Euler 10% above its limit h**2/2 grows slowly (|R| = 1.2 per step) from
    round-off: caught as divergence long before overflow, with the limit named;
    just below it the solution decays like the exact one."""
    prob = discretize(HEAT, {x: 41}, backend=backend)
    limit = (1 / 40) ** 2 / 2
    with pytest.raises(sn.SolverError, match=r"diverging at t = .*largest at field u\(t, x\) at x = .*max\|y\| = "
                                             r".*exceeds the stability limit of euler here, about 0\.000313 \(2 / 6\.4e\+03"):
        solve(prob, method="euler", dt=1.1 * limit, tspan=(0, 2), progress=False)
    sol = solve(prob, method="euler", dt=0.95 * limit, tspan=(0, 0.1), progress=False)
    assert abs(sol[u][-1].max() - np.exp(-np.pi**2 * 0.1)) < 1e-3


def test_saveat_and_solution_api(monkeypatch):
    prob = discretize(HEAT, {x: 21}, backend="numpy")
    sol = solve(prob, method="tsit5", saveat=5, progress=True)  # a tqdm bar when tqdm is there
    monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)  # and none without it
    assert np.array_equal(solve(prob, method="tsit5", saveat=5, progress=True).states, sol.states)
    assert sol.t.shape == (5,) and sol[u].shape == (5, 21)
    assert np.allclose(sol.grid[x], np.linspace(0, 1, 21))
    with pytest.raises(KeyError, match="not a field"):
        sol[sn.fields("w", t, x)]
    xr = pytest.importorskip("xarray")
    ds = sol.to_xarray()
    assert isinstance(ds, xr.Dataset) and ds["u"].dims == ("t", "x")


def test_plots_1d_and_2d():
    plt = pytest.importorskip("matplotlib.pyplot")
    import matplotlib

    matplotlib.use("Agg")
    sol = solve(discretize(HEAT, {x: 21}, backend="numpy"), method="tsit5", saveat=3, progress=False)
    ax = sol.plot(u)
    (line,) = ax.get_lines()
    assert np.array_equal(line.get_ydata(), sol[u][-1]) and ax.get_title() == "u at t = 0.1"
    v = sn.fields("v", t, x, y)
    sys2 = sn.PDESystem([sn.Eq(sn.D(t)(v), sn.laplacian(v, x, y))],
                        [sn.Periodic(x), sn.Periodic(y), sn.Initial(v, sympy.sin(2 * sympy.pi * x))],
                        domain={t: (0, 0.01), x: (0, 1), y: (0, 2)}, name="p2")
    sol2 = solve(discretize(sys2, {x: 8, y: 6}, backend="numpy"), method="tsit5", progress=False)
    fig, ax2 = plt.subplots()
    sol2.plot(v, 0, ax=ax2)
    (image,) = ax2.get_images()
    assert np.array_equal(image.get_array(), sol2[v][0].T) and ax2.get_title() == "v at t = 0"
    plt.close("all")


def test_the_fewest_points_are_what_the_stencils_need():
    # MOL.jl's stationary test: u_xx = 0 with dx = 1/3 (4 points) at order 2
    x = sn.variables("x")
    v = sn.fields("v", x)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(v), 0)], [sn.Dirichlet(v, x, "min", 0), sn.Dirichlet(v, x, "max", 1)],
                          domain={x: (0, 1)}, name="fewest")
    sol = solve(discretize(system, {x: 1 / 3}), progress=False)
    np.testing.assert_allclose(sol[v], [0, 1 / 3, 2 / 3, 1], atol=1e-12)
    with pytest.raises(sn.DiscretizationError, match=r"grid\[x\] = 3 points is too few.*use at least 4"):
        discretize(system, {x: 3})
    with pytest.raises(sn.DiscretizationError, match=r"grid\[x\] = 6 points is too few for order 4.*use at least 7"):
        discretize(system, {x: 6}, order=4)
    t = sn.variables("t")
    u = sn.fields("u", t, x)
    ring = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))], [sn.Periodic(x), sn.Initial(u, 0)],
                        domain={t: (0, 1), x: (0, 1)}, name="ring")
    with pytest.raises(sn.DiscretizationError, match=r"grid\[x\] = 4 points is too few for order 4 stencils "
                                                     r"reaching 2 nodes: use at least 5"):
        discretize(ring, {x: 4}, order=4)


def test_a_steady_problem_refuses_time_stepping_options():
    u = sn.fields("u", x)
    steady = sn.PDESystem([sn.Eq(sn.D(x, 2)(u), 1)], [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)],
                          domain={x: (0, 1)}, name="poisson")
    prob = discretize(steady, {x: 9}, backend="numpy")
    with pytest.raises(sn.SolverError, match=r"'poisson' is steady .* method='euler-typo', saveat=\[0.5\] does not apply"):
        solve(prob, method="euler-typo", saveat=[0.5])
    assert solve(prob, method="newton").stats["newton_iterations"] == 1
