"""Fractional derivatives (Riemann-Liouville, sn.FractionalDerivative): the PINN's Gauss-
Jacobi quadrature of its network equals the closed form on monomials (left- and
right-sided, orders in (0, 1) and (1, 2)); DeepXDE's fractional Poisson problem trains;
what takes no fractional derivative says so."""

import math

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum import solvers

x, t = sn.variables("x t")
u = sn.fields("u", x)


def _rhs(alpha):
    """(D_{0+}^alpha + D_{1-}^alpha) of x^3 (1 - x)^3 = x^3 - 3 x^4 + 3 x^5 - x^6 (and its mirror)."""
    return sum(c * math.gamma(p + 1) / math.gamma(p + 1 - alpha) * (x ** (p - alpha) + (1 - x) ** (p - alpha))
               for c, p in ((1, 3), (-3, 4), (3, 5), (-1, 6)))


@pytest.mark.parametrize("fractional", ["rays", "chebyshev"])
@pytest.mark.parametrize("alpha", [1.5, 0.6, 1.8])
@pytest.mark.parametrize("left", [True, False])
def test_quadrature_of_the_network_equals_the_closed_form(alpha, left, fractional):
    jax = pytest.importorskip("jax")
    pytest.importorskip("optax")
    limits = (x, 0.25, x) if left else (x, x, 1)
    system = sn.PDESystem([sn.Eq(sn.FractionalDerivative(u, limits, alpha), 0)], [], domain={x: (0, 1)}, name="frac")
    # the model is the monomial (x - a)^4 (or (b - x)^4) whatever the network says
    dist = (x - 0.25) if left else (1 - x)
    pinn = solvers.PINN(system, hidden=[4], dtype="float64", seed=0, transform={u: dist**4 + 0 * u},
                        fractional=fractional)
    X = np.array([0.3, 0.5, 0.9])
    got = np.asarray(pinn.residuals(pinn.init_params(), jax.numpy.asarray(X[:, None]))[0])
    D = (X - 0.25) if left else (1 - X)
    np.testing.assert_allclose(got, math.gamma(5) / math.gamma(5 - alpha) * D ** (4 - alpha), rtol=1e-10)


def test_fractional_poisson_trains():
    # DeepXDE's fractional_Poisson_1d: (D_{0+}^1.5 + D_{1-}^1.5) u = f on [0, 1], u = x^3 (1 - x)^3
    pytest.importorskip("jax")
    pytest.importorskip("optax")
    system = sn.PDESystem([sn.Eq(sn.FractionalDerivative(u, (x, 0, x), 1.5) + sn.FractionalDerivative(u, (x, x, 1), 1.5),
                                 _rhs(1.5))], [], domain={x: (0, 1)}, name="fractional_poisson")
    res = solvers.PINN(system, hidden=[16, 16], n_collocation=64, transform={u: x * (1 - x) * u}, dtype="float64",
                       seed=0).train(steps=400, lbfgs=300, progress=False)
    X = np.linspace(0, 1, 201)
    exact = X**3 * (1 - X) ** 3
    assert np.linalg.norm(res.predict(u, {x: X}) - exact) / np.linalg.norm(exact) < 1e-2


def _diffusion(**kw):
    tt, xx = sn.variables("t x")
    w = sn.fields("w", tt, xx)
    frac = sn.FractionalDerivative(w, (xx, 0, xx), 1.8) + sn.FractionalDerivative(w, (xx, xx, 1), 1.8)
    system = sn.PDESystem([sn.Eq(sn.D(tt)(w), frac)], [], domain={tt: (0, 1), xx: (0, 1)}, name="fd")
    return solvers.PINN(system, hidden=[8, 8], n_collocation=50, dtype="float64", seed=0,
                        transform={w: xx * (1 - xx) * w}, **kw)


def test_chebyshev_nodes_in_groups_equal_the_rays():
    # fractional="chebyshev" in two inputs: the residual's points in groups sharing t
    # (spread over t, not crowded: a strided Sobol sequence put them all in t < 1/4),
    # one network evaluation per group's nodes; the float64 weights of the sample, the
    # JAX ones of other rows and the rays' quadrature agree
    jax = pytest.importorskip("jax")
    pytest.importorskip("optax")
    cheb, rays = _diffusion(quadrature=24), _diffusion(fractional="rays", quadrature=24)
    assert cheb._grouped == (7, 8) and rays._grouped is None
    pts = cheb._points(np.random.default_rng(1))
    z = np.asarray(pts["residual"])
    assert z.shape == (56, 2)
    groups = z[:, 0].reshape(7, 8)
    assert np.all(groups == groups[:, :1]) and np.ptp(groups[:, 0]) > 0.6  # t shared within, spread across
    assert len(np.unique(z[:, 1])) == 56
    params = cheb.init_params()
    # more rows than the groups (observations appended): the rest go one by one
    extra = jax.numpy.asarray(np.r_[z, [[0.3, 0.4], [0.9, 0.7]]])
    by_rays = np.asarray(rays.residuals(params, extra)[0])
    grouped = jax.jit(lambda p, zz, w: cheb._residual_values(p, zz, cheb._grouped, w))
    np.testing.assert_allclose(np.asarray(grouped(params, extra, pts["chebyshev"])[0]), by_rays, rtol=1e-7, atol=1e-9)
    per_row = np.asarray(cheb.residuals(params, extra)[0])  # the weights from JAX at every row
    np.testing.assert_allclose(per_row, by_rays, rtol=1e-7, atol=1e-9)


def test_fractional_diffusion_trains_by_chebyshev_nodes():
    # DeepXDE's fractional_diffusion_1d: u_t = (D_{0+}^1.8 + D_{1-}^1.8) u - e^-t (g + ...), exact e^-t g
    pytest.importorskip("jax")
    pytest.importorskip("optax")
    tt, xx = sn.variables("t x")
    w = sn.fields("w", tt, xx)
    g = xx**3 * (1 - xx) ** 3
    frac = sn.FractionalDerivative(w, (xx, 0, xx), 1.8) + sn.FractionalDerivative(w, (xx, xx, 1), 1.8)
    system = sn.PDESystem([sn.Eq(sn.D(tt)(w), frac - sympy.exp(-tt) * (g + _rhs(1.8).subs(x, xx)))], [],
                          domain={tt: (0, 1), xx: (0, 1)}, name="fd")
    res = solvers.PINN(system, hidden=[16, 16], n_collocation=100, transform={w: xx * (1 - xx) * tt * w + g},
                       quadrature=12, dtype="float64", seed=0).train(steps=300, lbfgs=300, progress=False)
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 1, 21), np.linspace(0, 1, 21)))
    exact = np.exp(-T) * X**3 * (1 - X) ** 3
    assert np.linalg.norm(res.predict(w, {tt: T, xx: X}) - exact) / np.linalg.norm(exact) < 3e-2


def test_systems_with_fractional_terms_print():
    # printing rebuilt each term around a bare symbol, which FractionalDerivative refused
    tt, xx, yy = sn.variables("t x y")
    w, v = sn.fields("w", tt, xx), sn.fields("v", xx, yy)
    fd = sn.PDESystem([sn.Eq(sn.D(tt)(w), sn.FractionalDerivative(w, (xx, 0, xx), 1.8) - w)], [],
                      domain={tt: (0, 1), xx: (0, 1)}, name="f")
    assert "w_t = FractionalDerivative(w, (x, 0, x), 1.8) - w" in str(fd)
    fl = sn.PDESystem([sn.Eq(sn.FractionalLaplacian(v, (xx, yy), 1.5), 1)], [], domain={(xx, yy): sn.Disk((0, 0), 1)},
                      name="g")
    assert "FractionalLaplacian(v, (x, y), 1.5) - 1 = 0" in str(fl)


def test_what_takes_no_fractional_derivative_says_so():
    system = sn.PDESystem([sn.Eq(sn.FractionalDerivative(u, (x, 0, x), 1.5), 1)],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0)], domain={x: (0, 1)}, name="f")
    with pytest.raises(sn.ModelError, match=r"the method of lines has no fractional derivatives; the PINN trains it"):
        solvers.discretize(system, {x: 11})
    with pytest.raises(sn.ModelError, match=r"integrates x from -1, outside its domain \(0, 1\)"):
        sn.PDESystem([sn.Eq(sn.FractionalDerivative(u, (x, -1, x), 1.5), 1)], [], domain={x: (0, 1)}, name="f")
    with pytest.raises(sn.ModelError, match=r"one limit is the variable x and the other a number"):
        sn.FractionalDerivative(u, (x, 0, 1), 1.5)
    with pytest.raises(sn.ModelError, match=r"the order must be a number in \(0, 2\) other than 1.*got 2"):
        sn.FractionalDerivative(u, (x, 0, x), 2)
    with pytest.raises(sn.ModelError, match=r"take it of a field"):
        sn.FractionalDerivative(x**2, (x, 0, x), 1.5)
    with pytest.raises(sn.ModelError, match=r"t is not a variable of u\(x\)"):
        sn.FractionalDerivative(u, (t, 0, t), 1.5)
    pytest.importorskip("jax")
    with pytest.raises(sn.ModelError, match=r"fractional='spectral': use \"chebyshev\""):
        solvers.PINN(system, fractional="spectral")
    xx, yy = sn.variables("x y")
    v = sn.fields("v", xx, yy)
    disk = sn.PDESystem([sn.Eq(sn.FractionalDerivative(v, (xx, -1, xx), 1.5), 1)], [],
                        domain={(xx, yy): sn.Disk((0, 0), 1)}, name="d")
    with pytest.raises(sn.ModelError, match=r"x lies in the geometry of \(x, y\), not on an interval; use "
                                            r'fractional="rays"'):
        solvers.PINN(disk, fractional="chebyshev")
    assert not solvers.PINN(disk)._chebyshev_axes  # auto: the rays there
    from symnum.solvers.learn._generated import generated_residual
    with pytest.raises(sn.ModelError, match=r"has the nonlocal term FractionalDerivative.*pointwise; train a PINN"):
        generated_residual(system, [x], [], "f")


def _dyda(d, alpha, r2):
    """(-Delta)^(alpha/2) (1 - |x|^2)_+^(1 + alpha/2) on the unit ball of R^d (Dyda 2012)."""
    return (2**alpha * math.gamma(2 + alpha / 2) * math.gamma((d + alpha) / 2) / math.gamma(d / 2)
            * (1 - (1 + alpha / d) * r2))


@pytest.mark.parametrize("d, alpha", [(1, 1.5), (2, 1.8), (3, 0.7)])
def test_fractional_laplacian_of_the_ball_profile_is_dydas_formula(d, alpha):
    # the residual of the exact solution, the model forced to it: quadrature error only
    jax = pytest.importorskip("jax")
    pytest.importorskip("optax")
    vs = sn.variables("x y z"[: 2 * d - 1])
    vs = (vs,) if d == 1 else tuple(vs)
    w = sn.fields("w", *vs)
    r2 = sum(v**2 for v in vs)
    ball = sn.Ball((0,) * d, 1) if d == 3 else sn.Disk((0, 0), 1) if d == 2 else None
    domain = {vs: ball} if ball is not None else {vs[0]: (-1, 1)}
    system = sn.PDESystem([sn.Eq(sn.FractionalLaplacian(w, vs, alpha), _dyda(d, alpha, r2))], [], domain=domain,
                          name="dyda")
    pinn = solvers.PINN(system, hidden=[4], dtype="float64", seed=0, transform={w: (1 - r2) ** (1 + alpha / 2) + 0 * w})
    z = np.array([[0.0, 0.1, -0.2], [0.3, 0.2, 0.1], [0.6, -0.5, 0.3]])[:, :d]
    got = np.asarray(pinn.residuals(pinn.init_params(), jax.numpy.asarray(z))[0])
    scale = abs(_dyda(d, alpha, 0.0))
    assert np.abs(got).max() < 1e-6 * scale, got
    with pytest.raises(sn.ModelError, match=r"directions=1: give the number of ray directions"):
        solvers.PINN(system, directions=1)


def test_margin_keeps_the_residual_points_off_the_boundary():
    # a disk beside a time variable, a box beside a periodic variable: margins in space only
    pytest.importorskip("jax")
    tt, xx, yy = sn.variables("t x y")
    w = sn.fields("w", tt, xx, yy)
    disk = sn.PDESystem([sn.Eq(sn.D(tt)(w), sn.FractionalLaplacian(w, (xx, yy), 1.5))], [sn.Initial(w, 0)],
                        domain={tt: (0, 1), (xx, yy): sn.Disk((0, 0), 1)}, name="fd")
    pinn = solvers.PINN(disk, n_collocation=300, margin=0.1)
    z = np.asarray(pinn._points(np.random.default_rng(0))["residual"])
    assert len(z) == 300 and np.sqrt(z[:, 1] ** 2 + z[:, 2] ** 2).max() <= 0.9 and z[:, 0].min() < 0.05
    v = sn.fields("v", xx, yy)
    box = sn.PDESystem([sn.Eq(sn.D(xx, 2)(v) + sn.D(yy, 2)(v), 1)], [sn.Periodic(yy), sn.Dirichlet(v, xx, "min", 0), sn.Dirichlet(v, xx, "max", 0)],
                       domain={xx: (0, 1), yy: (0, 1)}, name="box")
    z = np.asarray(solvers.PINN(box, n_collocation=300, margin=0.2)._points(np.random.default_rng(0))["residual"])
    assert z[:, 0].min() >= 0.2 and z[:, 0].max() <= 0.8 and z[:, 1].min() < 0.05
    with pytest.raises(sn.ModelError, match=r"residual_at_boundary=True with FractionalLaplacian.*singular on the "
                                            r"boundary it integrates from"):
        solvers.PINN(disk, residual_at_boundary=True)
    with pytest.raises(sn.ModelError, match=r"margin=-1: give the distance"):
        solvers.PINN(box, margin=-1)
    with pytest.raises(sn.ModelError, match=r"margin=0.6: too few points of 'box'"):
        solvers.PINN(box, margin=0.6).train(steps=1, progress=False)


def test_fractional_laplacian_refusals():
    x2, y2 = sn.variables("x y")
    w = sn.fields("w", x2, y2)
    with pytest.raises(sn.ModelError, match=r"leaves out y: take the fractional Laplacian in every spatial variable"):
        sn.PDESystem([sn.Eq(sn.FractionalLaplacian(w, (x2,), 1.5), 1)], [], domain={x2: (0, 1), y2: (0, 1)}, name="f")
    with pytest.raises(sn.ModelError, match=r"the order must be a number in \(0, 2\) other than 1"):
        sn.FractionalLaplacian(w, (x2, y2), 1)
    system = sn.PDESystem([sn.Eq(sn.FractionalLaplacian(w, (x2, y2), 1.5), 1)], [],
                          domain={(x2, y2): sn.Polygon([(0, 0), (1, 0), (0, 1)])}, name="f")
    with pytest.raises(sn.ModelError, match=r"the distance to its boundary along a ray is known for a Ball/Disk and "
                                            r"a Box/Rectangle/Interval only"):
        solvers.PINN(system)
