"""The Fourier neural operator: the Fourier layer against NumPy's FFT (1D and
2D), the physics residual against an exact solution (and its convergence),
training that learns and is reproducible, streamed (online) training, clear
errors."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import numpy as np
import pytest
import sympy

pytest.importorskip("jax")
pytest.importorskip("optax")
xr = pytest.importorskip("xarray")

import jax  # noqa: E402

import symnum as sn  # noqa: E402
from symnum import ModelError  # noqa: E402
from symnum.solvers import FNO, GaussianRandomField, generate_dataset, stream_dataset  # noqa: E402
from symnum.solvers.learn._fno import _diff_matrix, _spectral  # noqa: E402

jnp = jax.numpy


def reference_spectral(h, re, im):
    """NumPy FFT: keep the lowest modes (both signs along the first of two axes)."""
    d = h.ndim - 2
    H = np.fft.rfftn(h, axes=tuple(range(1, d + 1)))
    W = re + 1j * im
    out = np.zeros(H.shape[:-1] + (W.shape[-1],), complex)
    if d == 1:
        m = re.shape[1]
        out[:, :m] = np.einsum("bmi,mio->bmo", H[:, :m], W[0])
    else:
        m1, m2 = re.shape[1:3]
        out[:, :m1, :m2] = np.einsum("bxyi,xyio->bxyo", H[:, :m1, :m2], W[0])
        out[:, -m1:, :m2] = np.einsum("bxyi,xyio->bxyo", H[:, -m1:, :m2], W[1])
    return np.fft.irfftn(out, s=h.shape[1:1 + d], axes=tuple(range(1, d + 1)))


@pytest.mark.parametrize("shape,modes", [((24,), (5,)), ((12, 10), (3, 4))])
def test_fourier_layer_equals_numpy_fft(shape, modes):
    rng = np.random.default_rng(0)
    w = 3
    h = rng.standard_normal((2, *shape, w))
    re = rng.standard_normal((2 ** (len(shape) - 1), *modes, w, w))
    im = rng.standard_normal(re.shape)
    got = np.asarray(_spectral(jnp, jnp.asarray(h, jnp.float32), jnp.asarray(re, jnp.float32),
                               jnp.asarray(im, jnp.float32)))
    np.testing.assert_allclose(got, reference_spectral(h, re, im), atol=2e-4 * np.abs(got).max())


def test_derivative_matrices_converge():
    """Spectral along periodic axes (exact for a trigonometric polynomial); accuracy 4 otherwise."""
    x = np.arange(32) / 32
    f = np.sin(2 * np.pi * 3 * x)
    np.testing.assert_allclose(_diff_matrix(x, 2, True) @ f, -(6 * np.pi) ** 2 * f, atol=1e-9)
    errs = []
    for n in (20, 40):
        y = np.linspace(0, 1, n)
        errs.append(np.abs(_diff_matrix(y, 1, False) @ np.exp(y) - np.exp(y)).max())
    assert 3.5 < np.log2(errs[0] / errs[1]) < 5


def heat():
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), 0.1 * sn.D(x, 2)(u))], [sn.Periodic(x), sn.Initial(u, 0)],
                          domain={t: (0, 0.2), x: (0, 1)}, name="fno_heat")
    return system, t, x, u


def exact_dataset(nt, n=32):
    """Exact heat trajectories u = sum_k a_k exp(-0.1 (2 pi k)^2 t) sin(2 pi k x + b_k)."""
    t = np.linspace(0, 0.2, nt)
    x = np.arange(n) / n
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((4, 3)), rng.uniform(0, 6, (4, 3))
    k = np.arange(1, 4)
    u = np.einsum("sk,tk,skx->stx", a, np.exp(-0.1 * (2 * np.pi * k) ** 2 * t[:, None]),
                  np.sin(2 * np.pi * k[None, :, None] * x + b[:, :, None]))
    return xr.Dataset({"u": (("sample", "t", "x"), u)}, coords={"sample": np.arange(4), "t": t, "x": x})


def test_physics_residual_vanishes_on_exact_trajectories():
    """The residual of the exact solution is the time differences' error only:
    small, and falling at accuracy 4 as the saved times refine."""
    system, t, x, u = heat()
    model = FNO([u], [u], modes=4, width=4, trajectory=True, system=system, dtype="float64")
    out = []
    for nt in (21, 41):
        ds = exact_dataset(nt)
        X, Y = model.arrays(ds)
        residual = model._physics(ds, (32,))
        out.append(float(residual(jnp.asarray(Y), jnp.asarray(X))))
        # a wrong trajectory is not a solution
        assert float(residual(jnp.asarray(Y * 1.1), jnp.asarray(X))) > 1e3 * out[-1]
    assert out[0] < 1e-4 and 3.5 < 0.5 * np.log2(out[0] / out[1]) < 5.5


def burgers_data(n=24, grid=32):
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x)(u**2 / 2) + 0.05 * sn.D(x, 2)(u))],
                          [sn.Periodic(x), sn.Initial(u, 0)], domain={t: (0, 0.5), x: (0, 1)}, name="fno_burgers")
    ds = generate_dataset(system, {x: grid}, vary={u: GaussianRandomField()}, n=n, saveat=5, order=2,
                          progress=False)
    return system, t, x, u, ds


def test_fno_learns_and_is_reproducible():
    system, t, x, u, ds = burgers_data()
    train, test = ds.isel(sample=slice(0, 20)), ds.isel(sample=slice(20, 24))
    model = FNO([u], [u], modes=6, width=12, layers=2, projection=16, seed=2)
    res = model.fit(train, epochs=25, batch=5, lr=1e-2, test=test)
    assert res.history[-1]["loss"] < 0.3 * res.history[0]["loss"]
    assert res.history[-1]["test"] < 0.5 * res.history[0]["test"]
    again = FNO([u], [u], modes=6, width=12, layers=2, projection=16, seed=2).fit(train, epochs=25, batch=5,
                                                                                    lr=1e-2, test=test)
    assert [h["loss"] for h in again.history] == [h["loss"] for h in res.history]
    pred = res.predict(test["u"].isel(t=0).values, grid={x: test.x.values})
    assert pred.shape == (4, 32)
    np.testing.assert_allclose(pred, res.predict(test), rtol=1e-6)
    # online: streamed batches, one pass each; samples seen grow
    stream = stream_dataset(system, {x: 32}, vary={u: GaussianRandomField()}, n=20, batch=5, saveat=5, order=2)
    online = FNO([u], [u], modes=6, width=12, layers=2, projection=16).fit(stream, epochs=4, batch=5, test=test)
    assert [h["samples_seen"] for h in online.history] == [5, 10, 15, 20]


def test_physics_loss_trains_on_trajectories():
    system, t, x, u, ds = burgers_data(n=8)
    model = FNO([u], [u], modes=6, width=8, layers=2, projection=8, trajectory=True, system=system)
    res = model.fit(ds, epochs=3, batch=4, physics=1e-3, physics_inputs=ds)
    assert np.isfinite(res.history[-1]["loss"]) and res.predict(ds).shape == (8, 32, 4)


def test_fno_errors_name_the_culprit():
    system, t, x, u, ds = burgers_data(n=4)
    with pytest.raises(ModelError, match="at most n/2 = 16 modes"):
        FNO([u], [u], modes=20).fit(ds, epochs=1)
    with pytest.raises(ModelError, match="trajectory=True"):
        FNO([u], [u], modes=4).fit(ds, epochs=1, physics=1.0)
    with pytest.raises(ModelError, match="'v' is not in the dataset"):
        FNO(["v"], [u], modes=4).fit(ds, epochs=1)
    with pytest.raises(ModelError, match="width"):
        FNO([u], [u], width=0)
    with pytest.raises(ModelError, match=r"schedule=\(0.5, 100\)"):
        FNO([u], [u], modes=4).fit(ds, epochs=1, schedule=(0.5, 100))


def test_two_dimensional_operator_fits_and_predicts():
    """A 2-D map (sample, t, x, y): the shift-and-damp u(T) = 0.5 u0(x - 1/4, y), learned to a few percent."""
    rng = np.random.default_rng(0)
    n = 16
    xs = np.arange(n) / n
    grf = GaussianRandomField(modes=3)
    u0 = np.array([grf(rng, {"x": xs, "y": xs}, periodic=[True, True]) for _ in range(40)])
    uT = 0.5 * np.roll(u0, n // 4, axis=1)
    ds = xr.Dataset({"u": (("sample", "t", "x", "y"), np.stack([u0, uT], axis=1))},
                    coords={"sample": np.arange(40), "t": [0.0, 1.0], "x": xs, "y": xs})
    model = FNO(["u"], ["u"], modes=(4, 4), width=8, layers=2, projection=16)
    res = model.fit(ds.isel(sample=slice(0, 32)), epochs=40, batch=8, lr=1e-2, schedule=(15, 0.5),
                    test=ds.isel(sample=slice(32, 40)))
    assert res.history[-1]["test"] < 0.1, res.history[-1]
    assert res.predict(ds).shape == (40, n, n)
