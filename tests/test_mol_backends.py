"""The Numba backend equals the NumPy reference backend to round-off, and the
symbolic sparse Jacobian equals a finite-difference Jacobian of rhs, on random
states, for 1D/2D/3D grids, every boundary-condition kind and Piecewise forcing."""

import math
import sys

import numpy as np
import pytest
import scipy.sparse
import sympy

import symnum as sn
from symnum.codegen._stencil_jacobian import dense_fd_jacobian
from symnum.solvers import discretize

t, x, y, z = sn.variables("t x y z")
k = sn.parameter("k", 0.7)


def system_1d():
    u, v = sn.fields("u v", t, x)
    f = sympy.Piecewise((1.0, (x > 0.3) & (t >= 0.5)), (0.0, True))
    return sn.PDESystem(
        [sn.Eq(sn.D(t)(u), k * sn.D(x, 2)(u) - u * sn.D(x)(u) + v + f),
         sn.Eq(sn.D(t)(v), sn.D(x)((1 + x**2) * sn.D(x)(v)) - u * v)],
        [sn.Dirichlet(u, x, "min", sympy.sin(t)), sn.Robin(u, x, "max", 1, 2, t),
         sn.Neumann(v, x, "min", 1), sn.Neumann(v, x, "max", 0),
         sn.Initial(u, sympy.cos(x)), sn.Initial(v, x)],
        domain={t: (0, 1), x: (0, 2)}, name="bk1",
    ), {x: 19}


def system_2d():
    u, v = sn.fields("u v", t, x, y)
    return sn.PDESystem(
        [sn.Eq(sn.D(t)(u), k * sn.laplacian(u, x, y) + sn.D(x)(sn.D(y)(u)) + u**2 * v - 2 * u),
         sn.Eq(sn.D(t)(v), sn.laplacian(v, x, y) - u**2 * v + sympy.exp(-x) * y)],
        # wall values periodic in the periodic x (a value like x would differ across the seam)
        [sn.Periodic(x), sn.Dirichlet(u, y, "min", sympy.sin(2 * sympy.pi * x)), sn.Neumann(u, y, "max", 0),
         sn.Robin(v, y, "min", 1, 1, 0), sn.Dirichlet(v, y, "max", 1),
         sn.Initial(u, 1 + x * y), sn.Initial(v, 1)],
        domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="bk2",
    ), {x: 12, y: 11}


def system_3d():
    u = sn.fields("u", t, x, y, z)
    return sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y, z) - k * u**3)],
        [sn.Periodic(x), sn.Periodic(y), sn.Dirichlet(u, z, "min", 0), sn.Neumann(u, z, "max", x),
         sn.Initial(u, x * z)],
        domain={t: (0, 1), x: (0, 1), y: (0, 1), z: (0, 1)}, name="bk3",
    ), {x: 8, y: 7, z: 9}


SYSTEMS = {"1d": system_1d, "2d": system_2d, "3d": system_3d}


@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("dim", list(SYSTEMS))
def test_numba_equals_numpy_and_jacobian_equals_fd(dim, order):
    sys, grid = SYSTEMS[dim]()
    fast = discretize(sys, grid, order=order, backend="numba")
    ref = discretize(sys, grid, order=order, backend="numpy")
    rng = np.random.default_rng(0)
    for tt in (0.0, 0.7):
        y0 = rng.uniform(0.5, 1.5, fast.shape)
        kept = y0.copy()
        a, b = fast.rhs(y0, tt), ref.rhs(y0, tt)
        np.testing.assert_array_equal(y0, kept)  # the walled kernel puts the state's wall nodes back
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())
        J = fast.jacobian(y0, tt).toarray()
        # the values summed into the structure made once per grid == the COO triplets
        rows, cols, vals = fast.jac.generated().fn(y0, tt, *fast._scalars(y0, tt))
        np.testing.assert_allclose(J, scipy.sparse.coo_matrix((vals, (rows, cols)), shape=J.shape).toarray(),
                                   rtol=1e-15, atol=0)
        Jfd = dense_fd_jacobian(lambda s: fast.rhs(s, tt), y0)  # fast equals ref, just checked
        np.testing.assert_allclose(J, Jfd, atol=2e-5 * max(1.0, np.abs(J).max()))
    np.testing.assert_allclose(fast.u0, ref.u0)


def test_small_problems_call_the_serial_twins_of_their_time_and_split_kernels():
    """A parallel region per call of the time-derivative kernel (Rosenbrock methods call
    it every step) cost ~2 ms on two threads and starved LAPACK's threads: a beam of
    162 unknowns took 2.8 s instead of 0.76 with rodas5. Small states call the serial
    twins, which compute the same."""
    sys_, grid = system_1d()
    fast = discretize(sys_, grid, order=4, backend="numba")
    ref = discretize(sys_, grid, order=4, backend="numpy")
    y0 = np.random.default_rng(1).uniform(0.5, 1.5, fast.shape)
    for kernel in (fast._time_kernel, fast.split().kernel):
        assert fast.sized(kernel).__name__ == kernel.fn.__name__ + "_serial"
    np.testing.assert_allclose(fast.time_derivative(y0, 0.3), ref.time_derivative(y0, 0.3), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.split().N(y0, 0.3), ref.split().N(y0, 0.3), rtol=1e-12, atol=1e-12)


def test_rhs_writes_into_out_and_remake_reuses_the_kernel():
    sys, grid = system_1d()
    prob = discretize(sys, grid, backend="numba")
    buf = np.empty_like(prob.u0)
    assert prob.rhs(prob.u0, 0.1, out=buf) is buf
    other = prob.remake(params={k: 2.0})
    assert other.kernel is prob.kernel and other.params[k] == 2.0 and prob.params[k] == 0.7
    assert not np.allclose(other.rhs(prob.u0, 0.1), buf)
    moved = prob.remake(u0=np.ones(prob.shape))
    assert moved.kernel is prob.kernel and (moved.u0 == 1).all()


def test_boundary_nodes_hold_their_condition_values():
    sys, grid = system_1d()
    prob = discretize(sys, grid, backend="numpy")
    filled = prob.fill_boundaries(np.zeros(prob.shape), 0.3)
    assert filled[0, 0] == pytest.approx(np.sin(0.3))  # Dirichlet u = sin(t)
    h = prob.stencil.axes[0].h
    # Neumann on v at x = 0: outward derivative -v_x = 1, second order one-sided
    v = np.linspace(0, 1, grid[x]) ** 2
    filled = prob.fill_boundaries(np.stack([np.zeros(grid[x]), v]), 0.0)
    vx0 = (-3 * filled[1, 0] + 4 * filled[1, 1] - filled[1, 2]) / (2 * h)
    assert -vx0 == pytest.approx(1.0)


def test_a_periodic_axis_without_derivatives_and_kernel_text():
    # y is periodic but never differentiated: its stencil reach is 0
    u = sn.fields("u", t, x, y)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + sympy.sin(2 * sympy.pi * y) * u)],
                       [sn.Periodic(x), sn.Periodic(y), sn.Initial(u, sympy.cos(2 * sympy.pi * x))],
                       domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="reach0")
    fast, ref = (discretize(sys, {x: 10, y: 7}, backend=b) for b in ("numba", "numpy"))
    assert fast.stencil.reach == (1, 0)
    y0 = np.random.default_rng(4).normal(size=fast.shape)
    np.testing.assert_allclose(fast.rhs(y0, 0.2), ref.rhs(y0, 0.2), rtol=1e-12, atol=1e-12)
    assert str(fast.kernel) == fast.kernel.source and "@numba.njit" in str(fast.kernel)


def test_unoptimized_kernel_gives_the_same_numbers():
    sys, grid = SYSTEMS["2d"]()
    plain = discretize(sys, grid, order=2, backend="numpy", optimize_kernel=False)
    opt = discretize(sys, grid, order=2, backend="numpy")
    assert plain.kernel.source != opt.kernel.source
    y0 = np.random.default_rng(5).uniform(0.5, 1.5, opt.shape)
    np.testing.assert_allclose(plain.rhs(y0, 0.3), opt.rhs(y0, 0.3), rtol=1e-12, atol=1e-12)


def test_an_equation_that_divides_by_a_field_discretizes_and_solves_on_numba():
    """The numba kernel is compiled on an all-zero state; 1/u there gave a
    ZeroDivisionError at discretize (Numba's Python error model). Now 1/0 is inf as
    in NumPy, and the solve on a state without zeros equals the NumPy backend's."""
    u = sn.fields("u", t, x)
    system = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x)(sn.D(x)(u) / u) + 1 / u)],  # flux u_x / u, a source 1/u
        [sn.Dirichlet(u, x, "min", 2), sn.Dirichlet(u, x, "max", 2), sn.Initial(u, 2 + sympy.sin(sympy.pi * x))],
        domain={t: (0, 0.1), x: (0, 1)}, name="divides")
    sols = [sn.solvers.solve(discretize(system, {x: 21}, backend=b), method="dopri5", rtol=1e-8, atol=1e-10,
                             progress=False) for b in ("numba", "numpy")]
    np.testing.assert_allclose(sols[0].states[-1], sols[1].states[-1], rtol=1e-9)
    prob = discretize(system, {x: 21}, backend="numba")
    with np.errstate(divide="ignore", invalid="ignore"):
        assert not np.isfinite(prob.rhs(np.zeros(prob.shape), 0.0)).all()  # inf, not an exception


def test_walled_numba_kernel_is_one_template_whatever_the_order():
    """Walls: the Numba kernel holds the interior loop and one generic template for
    the nodes near walls, not a template per node class ((2H+3)^d regions: 49 in 2-D
    at order 4), so its size (and compile time) does not grow with the order."""
    t_, xx, yy = sn.variables("t x y")
    u = sn.fields("u", t_, xx, yy)
    heat = sn.PDESystem([sn.Eq(sn.D(t_)(u), sn.laplacian(u, xx, yy) - u**3)],
                        [sn.Dirichlet(u, w, s, 0) for w in (xx, yy) for s in ("min", "max")] + [sn.Initial(u, xx * yy)],
                        domain={t_: (0, 1), xx: (0, 1), yy: (0, 1)}, name="onetemplate")
    sizes = {}
    for order in (2, 4, 6):
        prob = discretize(heat, {xx: 15, yy: 15}, order=order, backend="numba")
        src, twin = prob.kernel.source.split("# the same kernel without threads")
        assert "# region" in src and src.count("# region") == 1  # the interior only
        sizes[order] = src.count("\n")
        ref = discretize(heat, {xx: 15, yy: 15}, order=order, backend="numpy")
        assert ref.kernel.source.count("# region") == (2 * prob.stencil.reach[0] + 3) ** 2
        y0 = np.random.default_rng(order).uniform(0, 1, prob.shape)
        kept = y0.copy()
        np.testing.assert_allclose(prob.rhs(y0, 0.0), ref.rhs(y0, 0.0), rtol=1e-11, atol=1e-11 * np.abs(ref.rhs(y0, 0.0)).max())
        # the kernel writes the wall values into the state's eliminated nodes and puts them back
        np.testing.assert_array_equal(y0, kept)
        y0.flags.writeable = False  # a read-only state is copied first
        np.testing.assert_allclose(prob.rhs(y0, 0.0), ref.rhs(kept, 0.0), rtol=1e-11, atol=1e-11 * np.abs(ref.rhs(kept, 0.0)).max())
        y0 = kept
        if order == 2:  # the serial twin (the compiled loops of small problems call it) computes the same
            assert "parallel=False" in twin and "prange" not in twin
            serial = getattr(sys.modules[prob.kernel.fn.py_func.__module__], prob.kernel.fn.__name__ + "_serial")
            out = np.empty(prob.shape)
            serial(y0, out, 0.0, *prob._scalars())
            # equal to round-off, not bit-equal: LLVM vectorizes (and, under fastmath,
            # contracts to FMA) the threaded and serial loops differently on some CPUs
            np.testing.assert_allclose(out, prob.rhs(y0, 0.0), rtol=1e-14, atol=1e-14 * np.abs(out).max())
    assert sizes[6] < 1.5 * sizes[2], sizes


@pytest.mark.parametrize("dim", [2, pytest.param(3, marks=pytest.mark.slow)])
def test_near_wall_chains_of_the_axes_compile_once_and_equal_numpy(dim):
    """The near-wall functions take their axis's direction as arguments: the flux
    chains of x, y (and z) print the same and are one function, compiled once
    (not once per literal direction or field number), and give the region
    templates' numbers; an x-dependent coefficient keeps its own chain. (3-D is slow:
    the NumPy reference generates all 125 regions of order 4, 19 s.)"""
    import re

    for grid in [{2: {x: 11, y: 12}, 3: {x: 9, y: 10, z: 9}}[dim]]:
        xs = (x, y, z)[:dim]
        u, v = sn.fields("u v", t, *xs)
        system = sn.PDESystem(
            [sn.Eq(sn.D(t)(u), sn.div((1 + u**2) * sn.grad(u, *xs), *xs) + v),
             sn.Eq(sn.D(t)(v), sn.laplacian(v, *xs) - u)],
            [sn.Dirichlet(f, w, s, sympy.sin(t) * xs[0] + (1 if s == "max" else 0)) for f in (u, v) for w in xs
             for s in ("min", "max")] + [sn.Initial(u, xs[0]), sn.Initial(v, 0)],
            domain={t: (0, 1), **{w: (0, 1) for w in xs}}, name=f"chains{dim}")
        fast, ref = (discretize(system, grid, order=4, backend=b) for b in ("numba", "numpy"))
        src = fast.kernel.source
        assert len(re.findall(r"^def f\d+\(", src, re.M)) == 1, src  # one flux function for every axis
        assert len(re.findall(r"^def d\d+\(V, k,", src, re.M)) == 2  # first and second derivatives, any field
        y0 = np.random.default_rng(dim).uniform(0.5, 1.5, fast.shape)
        kept = y0.copy()
        for tt in (0.0, 0.4):
            np.testing.assert_allclose(fast.rhs(y0, tt), ref.rhs(y0, tt), rtol=1e-11, atol=1e-11 * np.abs(ref.rhs(y0, tt)).max())
        np.testing.assert_array_equal(y0, kept)
        module = sys.modules[fast.kernel.fn.py_func.__module__]
        for name in re.findall(r"^def ([cdef]\d+)\(", src, re.M):  # (none when loaded from Numba's cache)
            assert len(getattr(module, name).signatures) <= 1, name
    if dim == 3:
        return
    u = sn.fields("u", t, x, y)
    aniso = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x)((1 + x) * sn.D(x)(u)) + sn.D(y)((1 + x) * sn.D(y)(u)))],
                         [sn.Dirichlet(u, w, s, 0) for w in (x, y) for s in ("min", "max")] + [sn.Initial(u, x * y)],
                         domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="aniso")
    fast, ref = (discretize(aniso, {x: 11, y: 12}, order=2, backend=b) for b in ("numba", "numpy"))
    assert len(re.findall(r"^def f\d+\(", fast.kernel.source, re.M)) == 2  # the x face's coefficient differs
    y0 = np.random.default_rng(5).uniform(0.5, 1.5, fast.shape)
    np.testing.assert_allclose(fast.rhs(y0, 0.0), ref.rhs(y0, 0.0), rtol=1e-11, atol=1e-11 * np.abs(ref.rhs(y0, 0.0)).max())


@pytest.mark.parametrize("dim", list(SYSTEMS))
def test_walled_kernels_lower_only_the_edge_regions_and_fill_as_the_regions_do(dim):
    """The walled Numba path lowers the interior and the regions near one wall only
    (every region on first use: 1331 of them in 3-D at order 4); its fill (walls()
    with an empty out) writes the wall values the region templates give."""
    sys_, grid = SYSTEMS[dim]()
    fast = discretize(sys_, grid, order=4, backend="numba")
    assert "regions" not in vars(fast.stencil)  # not lowered
    import pickle

    again = pickle.loads(pickle.dumps(fast.stencil))  # pickled with every region lowered
    assert again == fast.stencil and again.regions == fast.stencil.regions
    ref = discretize(sys_, grid, order=4, backend="numpy")
    assert len(ref.stencil.regions) == math.prod(1 if a.periodic else 2 * H + 3
                                                 for a, H in zip(ref.stencil.axes, ref.stencil.reach))
    edges = {r.position: r for r in ref.stencil.edges}
    assert all(edges[r.position] == r for r in ref.stencil.regions if r.position in edges)
    y0 = np.random.default_rng(3).uniform(0.5, 1.5, fast.shape)
    for tt in (0.0, 0.6):
        np.testing.assert_allclose(fast.fill_boundaries(y0, tt), ref.fill_boundaries(y0, tt), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(fast.u0, ref.u0, rtol=1e-13, atol=1e-13)


def test_walled_upwind_and_steady_kernels_equal_numpy():
    u = sn.fields("u", t, x)
    nu = sn.parameter("nu", 0.01)
    burgers = sn.PDESystem([sn.Eq(sn.D(t)(u), -u * sn.D(x)(u) + nu * sn.D(x, 2)(u))],
                           [sn.Dirichlet(u, x, "min", 1), sn.Neumann(u, x, "max", 0), sn.Initial(u, 1 - x)],
                           domain={t: (0, 1), x: (0, 1)}, name="walled_upwind")
    for order in (1, 2, 4):
        fast, ref = (discretize(burgers, {x: 17}, order=order, advection="upwind", backend=b) for b in ("numba", "numpy"))
        y0 = np.random.default_rng(order).uniform(-1, 1, fast.shape)
        np.testing.assert_allclose(fast.rhs(y0, 0.3), ref.rhs(y0, 0.3), rtol=1e-11, atol=1e-9)
    v = sn.fields("v", x)
    steady = sn.PDESystem([sn.Eq(sn.D(x)((1 + v**2) * sn.D(x)(v)), sympy.sin(x))],
                          [sn.Robin(v, x, "min", 1, 2, 0.5), sn.Neumann(v, x, "max", 1)], domain={x: (0, 1)}, name="walled_steady")
    fast, ref = (discretize(steady, {x: 13}, order=4, backend=b) for b in ("numba", "numpy"))
    y0 = np.random.default_rng(9).uniform(0, 1, fast.shape)
    np.testing.assert_allclose(fast.residual(y0), ref.residual(y0), rtol=1e-11, atol=1e-9)
    np.testing.assert_allclose(fast.fill_boundaries(y0), ref.fill_boundaries(y0), rtol=1e-13, atol=1e-13)


def special_functions_system():
    """Functions the rewriter keeps whole (sinh, cosh, asin, acos, atan, erf, sign, Max, Min)."""
    u = sn.fields("u", t, x)
    return sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + sn.cosh(u) - sn.sinh(u) * sn.atan(x) + sn.erf(u) * sn.sign(u - 0.5)
               + sn.asin(u / 3) * sn.acos(u / 3) + sn.Max(u, 0.3) - sn.Min(u**2, x / 4, 0.2))],
        [sn.Dirichlet(u, x, "min", sn.Max(sn.sin(t) - 0.1, 0)), sn.Neumann(u, x, "max", 0), sn.Initial(u, x)],
        domain={t: (0, 1), x: (0, 1)}, name="special_functions")


def test_special_functions_on_every_host_backend_and_in_the_jacobian():
    sys = special_functions_system()
    fast = discretize(sys, {x: 17}, order=4, backend="numba")
    ref = discretize(sys, {x: 17}, order=4, backend="numpy")
    y0 = np.random.default_rng(5).uniform(0.1, 0.9, fast.shape)
    np.testing.assert_allclose(fast.rhs(y0, 0.2), ref.rhs(y0, 0.2), rtol=1e-12, atol=1e-12)
    # an independent evaluation at the nodes whose stencils stay off the walls (the
    # order-4 Laplacian by hand)
    v, h, xs = y0[0], 1 / 16, ref.grid[x]
    erf = np.vectorize(math.erf)
    want = ((-v[:-4] + 16 * v[1:-3] - 30 * v[2:-2] + 16 * v[3:-1] - v[4:]) / (12 * h * h)
            + (np.cosh(v) - np.sinh(v) * np.arctan(xs) + erf(v) * np.sign(v - 0.5) + np.arcsin(v / 3) * np.arccos(v / 3)
               + np.maximum(v, 0.3) - np.minimum(np.minimum(v**2, xs / 4), 0.2))[2:-2])
    np.testing.assert_allclose(ref.rhs(y0, 0.2)[0, 3:-3], want[1:-1], rtol=1e-10)
    J = fast.jacobian(y0, 0.2).toarray()
    np.testing.assert_allclose(J, dense_fd_jacobian(lambda s: fast.rhs(s, 0.2), y0), atol=2e-5 * np.abs(J).max())
