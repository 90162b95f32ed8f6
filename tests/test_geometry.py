"""Geometry for the PINN: samplers against exact measures and normals, combinations,
conditions on curved boundary parts (Neumann along the outward normal, checked against
a hand-written loss), a trained Poisson problem on a disk, and the errors."""

import numpy as np
import pytest

import symnum as sn
from symnum.solvers import discretize

x, y, z, t = sn.variables("x y z t")
SQUARE, HOLE = sn.Rectangle((-1, -1), (1, 1)), sn.Disk((0, 0), 0.3)
L_SHAPE = sn.Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])


def _binomial_ok(count, n, p):
    return abs(count - n * p) < 5 * np.sqrt(n * p * (1 - p)) + 1


@pytest.mark.parametrize("geometry, area, perimeter", [
    (sn.Disk((0.5, -1), 2.0), np.pi * 4, 4 * np.pi),
    (SQUARE - HOLE, 4 - np.pi * 0.09, 8 + 0.6 * np.pi),
    (L_SHAPE, 3.0, 8.0),
    (sn.Rectangle((0, 0), (2, 1)) | sn.Rectangle((1, 0), (3, 2)), 5.0, 10.0),
    (sn.Disk((0, 0), 1) & sn.Rectangle((0, -2), (2, 2)), np.pi / 2, np.pi + 2),
])
def test_samplers_are_uniform_with_outward_normals(geometry, area, perimeter):
    rng = np.random.default_rng(0)
    inner = geometry.sample_interior(4000, rng)
    assert inner.shape == (4000, 2) and np.all(geometry.sdf(inner) < 0)
    lo, hi = geometry.bbox
    box = rng.uniform(lo, hi, (20000, 2))
    assert abs(np.mean(geometry.inside(box)) * np.prod(np.asarray(hi) - np.asarray(lo)) - area) < 0.03 * area
    p, n = geometry.sample_boundary(4000, rng)
    assert np.all(np.abs(geometry.sdf(p)) < 1e-8) and np.allclose(np.linalg.norm(n, axis=1), 1.0)
    eps = 1e-4  # outward: the signed distance grows along the normal
    assert np.mean(geometry.sdf(p + eps * n) > geometry.sdf(p - eps * n)) > 0.99
    # uniform by length: the share of the boundary left of the bounding box's middle
    mid = (lo[0] + hi[0]) / 2
    fine = geometry.sample_boundary(200000, rng)[0]
    share = np.mean(fine[:, 0] < mid)
    assert _binomial_ok(np.sum(p[:, 0] < mid), 4000, share)
    assert geometry.sample_boundary(1, rng)[0].shape == (1, 2)
    # the pieces' candidates kept on the combined boundary measure its perimeter
    cand, _ = geometry._boundary_candidates(100000, rng)
    kept = np.sum(np.abs(geometry.sdf(cand)) < 1e-8) / 100000 * geometry.measure
    assert abs(kept - perimeter) < 0.02 * perimeter, (kept, perimeter)


def test_exact_boundary_shares_and_normals():
    rng = np.random.default_rng(1)
    p, n = (SQUARE - HOLE).sample_boundary(6000, rng)
    on_hole = np.abs(np.linalg.norm(p, axis=1) - 0.3) < 1e-9
    assert _binomial_ok(on_hole.sum(), 6000, 0.6 * np.pi / (8 + 0.6 * np.pi))
    np.testing.assert_allclose(n[on_hole], -p[on_hole] / 0.3, atol=1e-12)  # out of the domain: into the hole
    right = np.abs(p[:, 0] - 1) < 1e-12
    np.testing.assert_allclose(n[right], [[1.0, 0.0]] * right.sum())
    # the L-shape's re-entrant edges: normals (0, 1) on y = 1 for x in (1, 2), (1, 0) on x = 1 for y in (1, 2)
    p, n = L_SHAPE.sample_boundary(4000, rng)
    step = (np.abs(p[:, 1] - 1) < 1e-12) & (p[:, 0] > 1)
    np.testing.assert_allclose(n[step], [[0.0, 1.0]] * step.sum())
    assert _binomial_ok(step.sum(), 4000, 1 / 8)
    ball = sn.Ball((0, 0, 0), 2.0)
    q = ball.sample_interior(20000, rng)
    assert np.all(np.linalg.norm(q, axis=1) <= 2.0) and abs(np.mean(np.linalg.norm(q, axis=1) < 1.0) - 1 / 8) < 0.01
    p, n = ball.sample_boundary(1000, rng)
    np.testing.assert_allclose(n, p / 2.0, atol=1e-12)
    p, n = sn.Interval(2, 5).sample_boundary(1000, rng)
    assert set(np.unique(p)) == {2.0, 5.0} and np.all(n[p == 2.0] == -1) and _binomial_ok(np.sum(p == 2.0), 1000, 0.5)
    assert L_SHAPE.edge(2).on_boundary(np.array([[2.0, 0.5], [2.0, 1.0], [1.5, 1.0]])).tolist() == [False, True, True]


def test_geometry_errors():
    with pytest.raises(sn.ModelError, match=r"Rectangle\(lo=\[1.0, 0.0\], hi=\[0.0, 1.0\]\): give finite corners"):
        sn.Rectangle((1, 0), (0, 1))
    with pytest.raises(sn.ModelError, match=r"Disk\(center=\(0, 0, 0\)\): give a 2-D center \(or use sn.Ball in 3-D\)"):
        sn.Disk((0, 0, 0), 1)
    with pytest.raises(sn.ModelError, match=r"Disk\(radius=-1\): the radius must be a positive number"):
        sn.Disk((0, 0), -1)
    with pytest.raises(sn.ModelError, match=r"Polygon\(.*\): the vertices enclose no area"):
        sn.Polygon([(0, 0), (1, 1), (2, 2)])
    with pytest.raises(sn.ModelError, match=r"dimensions 2 and 3 differ"):
        SQUARE | sn.Ball((0, 0, 0), 1)
    with pytest.raises(sn.ModelError, match=r"combine geometries with geometries"):
        SQUARE - 1
    with pytest.raises(sn.ModelError, match=r"the selected part of its boundary is empty"):
        SQUARE.sample_boundary(10, np.random.default_rng(0), on=lambda p: np.zeros(len(p), bool))


def _poisson(domain, bcs, name="p"):
    u = sn.fields("u", x, y)
    return u, sn.PDESystem([sn.Eq(-(sn.D(x, 2)(u) + sn.D(y, 2)(u)), 1)], bcs(u), domain=domain, name=name)


def test_systems_on_geometries_and_what_refuses_them():
    u, disk = _poisson({(x, y): sn.Disk((0, 0), 1)}, lambda u: [sn.Dirichlet(u, sn.Disk((0, 0), 1), 0)], "disk")
    assert disk.domain == {x: (-1.0, 1.0), y: (-1.0, 1.0)} and list(disk.geometry) == [(x, y)]
    assert "space:      (x, y) in Disk([0.0, 0.0], 1)" in str(disk) and "u(x, y) = 0 on Disk([0.0, 0.0], 1)" in str(disk)
    assert disk.geometric[0][1] == (x, y)
    with pytest.raises(sn.ModelError, match=r"the domain of x, y is Disk\(\[0.0, 0.0\], 1\): finite differences need "
                       r"a rectangular domain.*\(discretize needs this; solvers.PINN trains without it\)"):
        discretize(disk, {x: 9, y: 9})
    pytest.importorskip("jax")
    from symnum.solvers import GP
    with pytest.raises(sn.ModelError, match=r"GP solves on a tensor grid over a rectangle; Disk\(\[0.0, 0.0\], 1\) is not one"):
        GP(disk, grid={x: 8, y: 8})
    # a Rectangle is its intervals: finite differences take it
    u, square = _poisson({(x, y): sn.Rectangle((0, 0), (1, 2))},
                         lambda u: [sn.Dirichlet(u, v, s, 0) for v in (x, y) for s in ("min", "max")])
    assert square.domain == {x: (0.0, 1.0), y: (0.0, 2.0)} and square.geometry == {} and not square.incomplete
    assert discretize(square, {x: 9, y: 9}, backend="numpy").shape == (1, 9, 9)
    # a predicate on a rectangle's boundary is for the PINN
    u, part = _poisson({x: (0, 1), y: (0, 1)}, lambda u: [sn.Dirichlet(u, x > 0.5, 0)])
    assert "finite differences take conditions on the sides of each variable" in part.incomplete[0]
    # the errors of the model
    with pytest.raises(sn.ModelError, match=r"Dirichlet\(u\(x, y\), x, 'min', \.\.\.\): x is a coordinate of the domain "
                       r"Disk.*which has no 'min' or 'max' side.*sn.Dirichlet\(u\(x, y\), <a geometry or a predicate"):
        _poisson({(x, y): sn.Disk((0, 0), 1)}, lambda u: [sn.Dirichlet(u, x, "min", 0)])
    with pytest.raises(sn.ModelError, match=r"Periodic\(x\): x is a coordinate of the domain Disk"):
        _poisson({(x, y): sn.Disk((0, 0), 1)}, lambda u: [sn.Periodic(x)])
    with pytest.raises(sn.ModelError, match=r"domain\[\(x, y\)\] = Interval\(0, 1\): a 1-D geometry for 2 variable\(s\)"):
        _poisson({(x, y): sn.Interval(0, 1)}, lambda u: [])
    with pytest.raises(sn.ModelError, match=r"domain\[\(x, y\)\] = \(0, 1\): several variables take a geometry"):
        _poisson({(x, y): (0, 1)}, lambda u: [])
    with pytest.raises(sn.ModelError, match=r"the predicate names t, which is not a spatial variable"):
        _poisson({(x, y): sn.Disk((0, 0), 1)}, lambda u: [sn.Dirichlet(u, t > 0, 0)])
    with pytest.raises(sn.ModelError, match=r"the 1-D selector matches 0 parts of the domain"):
        _poisson({(x, y): sn.Disk((0, 0), 1)}, lambda u: [sn.Dirichlet(u, sn.Interval(0, 1), 0)])
    with pytest.raises(sn.ModelError, match=r"Robin\(u\(x, y\), x > 0, \.\.\.\): give a and b"):
        sn.Robin(sn.fields("u", x, y), x > 0, 1)
    with pytest.raises(sn.ModelError, match=r"has no side; drop side="):
        sn.Dirichlet(sn.fields("u", x, y), x > 0, side="min")
    same = sn.PDESystem([sn.Eq(sn.D(x, 2)(u), 1)], [sn.Dirichlet(u, x > 0, 0)],
                        domain={(x, y): sn.Disk((0, 0), 1)}, name="s")
    assert same.substitute({}) == same  # the geometry survives a rebuild
    import pickle
    assert pickle.loads(pickle.dumps(same)) == same and sn.Disk((0, 0), 1) == sn.Disk([0.0, 0.0], 1.0)


def test_curved_neumann_and_predicates_in_the_pinn_loss():
    jax = pytest.importorskip("jax")
    pytest.importorskip("optax")
    from symnum.solvers import PINN

    a = sn.parameter("a", 0.5)
    u = sn.fields("u", x, y)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(u) + sn.D(y, 2)(u), 0)],
                          [sn.Neumann(u, HOLE, a * x * y), sn.Robin(u, sn.Eq(x, 1), 2, 3, y),
                           sn.Dirichlet(u, y < -0.999999, x)],
                          domain={(x, y): SQUARE - HOLE}, name="holed")
    pinn = PINN(system, hidden=[6, 6], seed=4, dtype="float64", n_boundary=64)
    params = pinn.init_params()
    pts = pinn._points(np.random.default_rng(0))
    (zn, nn), (zr, nr), (zd, _) = [(np.asarray(pts["boundary"][i]), np.asarray(pts["normals"][i])) for i in range(3)]
    assert np.allclose(np.linalg.norm(zn, axis=1), 0.3) and np.allclose(zr[:, 0], 1.0) and np.allclose(zd[:, 1], -1.0)
    np.testing.assert_allclose(nn, -zn / 0.3, atol=1e-12)

    def scalar(xz, yz):
        return pinn._net(params["net"], jax.numpy.stack([xz, yz])[None, :])[0, 0]

    grad = jax.vmap(jax.grad(scalar, (0, 1)))
    val = jax.vmap(scalar)
    gx, gy = (np.asarray(g) for g in grad(zn[:, 0], zn[:, 1]))
    neumann = np.mean((nn[:, 0] * gx + nn[:, 1] * gy - 0.5 * zn[:, 0] * zn[:, 1]) ** 2)
    gx, _ = (np.asarray(g) for g in grad(zr[:, 0], zr[:, 1]))
    robin = np.mean((2 * np.asarray(val(zr[:, 0], zr[:, 1])) + 3 * gx - zr[:, 1]) ** 2)
    dirichlet = np.mean((np.asarray(val(zd[:, 0], zd[:, 1])) - zd[:, 0]) ** 2)
    got = float(pinn.losses(params, pts)["boundary"])
    np.testing.assert_allclose(got, neumann + robin + dirichlet, rtol=1e-10)
    # a condition's own weight (DeepXDE's per-condition loss weights): relative to "boundary"
    weighted = PINN(system, hidden=[6, 6], seed=4, dtype="float64", n_boundary=64,
                    weights={"boundary": 2.0, system.geometric[0][0]: 10.0})
    np.testing.assert_allclose(float(weighted.losses(params, pts)["boundary"]), 5 * neumann + robin + dirichlet,
                               rtol=1e-10)
    with pytest.raises(sn.ModelError, match=r"weights=\{'edges': \.\.\.\}: use \"residual\""):
        PINN(system, weights={"edges": 1.0})
    with pytest.raises(sn.ModelError, match=r"that condition is not one of 'holed'"):
        PINN(system, weights={sn.Dirichlet(u, x > 0, 1): 1.0})
    inner = np.asarray(pts["residual"])
    assert np.all(np.linalg.norm(inner, axis=1) > 0.3) and np.all(np.abs(inner) <= 1)


def test_conditions_on_a_geometry_may_couple_fields():
    # the absorbing boundary of a scattering problem, per real and imaginary part: du0/dn =
    # -k u1, du1/dn = k u0 (DeepXDE's RobinBC with a function of the outputs), and a Robin
    # whose coefficient is a field: each term as the network's values and gradient give it
    jax = pytest.importorskip("jax")
    pytest.importorskip("optax")
    from symnum.solvers import PINN

    u0, u1 = sn.fields("u0 u1", x, y)
    k = 2.0
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(u) + sn.D(y, 2)(u) + k**2 * u, 0) for u in (u0, u1)],
                          [sn.Neumann(u0, SQUARE, -k * u1), sn.Robin(u1, SQUARE, u0**2, 1, k * u0),
                           sn.Neumann(u0, HOLE, x), sn.Neumann(u1, HOLE, 0)],
                          domain={(x, y): SQUARE - HOLE}, name="scattering")
    assert system.geometric[0][0].holds_fields and not system.geometric[2][0].holds_fields
    pinn = PINN(system, hidden=[6, 6], seed=1, dtype="float64", n_boundary=48)
    params = pinn.init_params()
    pts = pinn._points(np.random.default_rng(0))

    def out(xz, yz):
        return pinn._net(params["net"], jax.numpy.stack([xz, yz])[None, :])[0]

    def parts(i):
        z, n = np.asarray(pts["boundary"][i]), np.asarray(pts["normals"][i])
        J = np.asarray(jax.vmap(jax.jacobian(out, (0, 1)))(z[:, 0], z[:, 1]))  # (2 wrt, points, fields)
        V = np.asarray(jax.vmap(out)(z[:, 0], z[:, 1]))
        return z, V, n[:, 0][:, None] * J[0] + n[:, 1][:, None] * J[1]

    z, V, dn = parts(0)
    want = np.mean((dn[:, 0] + k * V[:, 1]) ** 2)
    z, V, dn = parts(1)
    want += np.mean((V[:, 0] ** 2 * V[:, 1] + dn[:, 1] - k * V[:, 0]) ** 2)
    z, V, dn = parts(2)
    want += np.mean((dn[:, 0] - z[:, 0]) ** 2)
    z, V, dn = parts(3)
    want += np.mean(dn[:, 1] ** 2)
    np.testing.assert_allclose(float(pinn.losses(params, pts)["boundary"]), want, rtol=1e-10)
    # on a variable's side a coupling is an equation: the message says how to write it
    with pytest.raises(sn.ModelError, match=r"contains the field u1\(x, y\).*write it as one, e.g. sn.Eq"):
        sn.Neumann(u0, x, "max", -k * u1)
    w = sn.fields("w", x, y)
    with pytest.raises(sn.ModelError, match=r"its value holds w\(x, y\), which is not a field of this PDESystem"):
        sn.PDESystem(system.equations, [sn.Neumann(u0, SQUARE, w)], domain={(x, y): SQUARE}, name="s")


def test_poisson_on_a_disk_trains():
    pytest.importorskip("jax")
    pytest.importorskip("optax")
    from symnum.solvers import PINN

    disk = sn.Disk((0, 0), 1)
    u, system = _poisson({(x, y): disk}, lambda u: [sn.Dirichlet(u, disk, 0)], "disk")
    res = PINN(system, hidden=[16, 16], dtype="float64", seed=0, n_collocation=400, n_boundary=100).train(
        steps=800, lbfgs=300, progress=False)
    P = disk.sample_interior(1000, np.random.default_rng(1))
    exact = (1 - (P**2).sum(axis=1)) / 4
    err = np.linalg.norm(res.predict(u, {x: P[:, 0], y: P[:, 1]}) - exact) / np.linalg.norm(exact)
    assert err < 1e-2, err
