"""Datasets for the learned solvers: the Gaussian random field's covariance
against its formula, generate_dataset's samples against single solves, the same
values whatever the chunking, the process or the worker (a killed worker
included: slow), the stream against the dataset, clear errors."""

import os
import uuid

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum import ModelError, solvers
from symnum.solvers import GaussianRandomField, Uniform, generate_dataset, stream_dataset

xr = pytest.importorskip("xarray")


def burgers(nu=0.05):
    t, x = sn.variables("t x")
    visc = sn.parameter("nu", nu)
    u = sn.fields("u", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x)(u**2 / 2) + visc * sn.D(x, 2)(u))],
                          [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                          domain={t: (0, 0.5), x: (0, 1)}, name="data_burgers")
    return system, t, x, visc, u


def test_gaussian_random_field_has_its_covariance():
    """Var u(x) = sum_k lambda_k phi_k(x)^2 with lambda_k = sigma^2 (k^2 + tau^2)^-alpha:
    on a periodic grid sum_{k != 0} lambda_k / L at every node; the draws have zero
    mean (constant mode dropped) and the covariance of the formula between nodes."""
    grf = GaussianRandomField(alpha=2.0, tau=3.0, sigma=10.0)
    n, L = 32, 2.0
    x = np.arange(n) * L / n
    rng = np.random.default_rng(0)
    draws = np.array([grf(rng, {"x": x}) for _ in range(4000)])
    assert np.allclose(draws.mean(axis=1), 0, atol=1e-12)  # zero_mean: no constant mode
    j = np.arange(1, (n - 1) // 2 + 1)
    lam = grf.eigenvalue(2 * np.pi * j / L)
    var = 2 * lam.sum() / L  # cos and sin of each wavenumber, 2/L * (cos^2 + sin^2)
    cov = np.array([2 / L * (lam * np.cos(2 * np.pi * j * d / L)).sum() for d in x])  # stationary
    emp = (draws * draws[:, :1]).mean(axis=0)
    assert abs(draws.var(axis=0).mean() / var - 1) < 0.05
    np.testing.assert_allclose(emp, cov, atol=0.06 * var)
    # non-periodic: cosine modes, the variance sum_k lambda_k phi_k(x)^2 at the ends
    y = np.linspace(0, 1, 9)
    ends = np.array([GaussianRandomField(zero_mean=False)(rng, {"y": y}, periodic=[False])[[0, -1]]
                     for _ in range(4000)])
    k = np.pi * np.arange(9)
    lam = GaussianRandomField().eigenvalue(k)
    end_var = lam[0] + 2 * lam[1:].sum()
    assert abs(ends.var(axis=0).mean() / end_var - 1) < 0.06
    with pytest.raises(ModelError, match="tau"):
        GaussianRandomField(tau=-1)
    with pytest.raises(ModelError, match="lo < hi"):
        Uniform(1, 0)


def test_samples_equal_single_solves_whatever_the_chunks():
    system, t, x, nu, u = burgers()
    vary = {u: GaussianRandomField(), nu: Uniform(0.02, 0.08)}
    ds = generate_dataset(system, {x: 32}, vary=vary, n=5, saveat=[0.25, 0.5], seed=3, order=4,
                          progress=False, rtol=1e-8, atol=1e-10)
    assert ds[str(u.func)].dims == ("sample", "t", "x") and ds["u"].shape == (5, 3, 32)
    assert list(ds.t.values) == [0.0, 0.25, 0.5]  # the inputs are saved
    assert ds.attrs["seed"] == 3 and "GaussianRandomField" in ds.attrs["samplers"]
    # sample k by hand: its own generator, samplers in vary's order
    prob = solvers.discretize(system, {x: 32}, order=4)
    for k in (0, 4):
        rng = np.random.default_rng(np.random.SeedSequence(3, spawn_key=(k,)))
        u0 = GaussianRandomField()(rng, prob.grid, periodic=[True])
        nu_k = Uniform(0.02, 0.08)(rng, prob.grid)
        assert ds["nu"].values[k] == nu_k
        sol = solvers.solve(prob.remake({nu: nu_k}, u0=u0[None]), saveat=[0, 0.25, 0.5], rtol=1e-8, atol=1e-10,
                            progress=False)
        np.testing.assert_array_equal(ds["u"].values[k], sol[u])
    again = generate_dataset(system, {x: 32}, vary=vary, n=5, saveat=[0.25, 0.5], seed=3, order=4, chunk=2,
                             progress=False, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(again["u"].values, ds["u"].values)
    other = generate_dataset(system, {x: 32}, vary=vary, n=2, saveat=[0.25, 0.5], seed=4, order=4,
                             progress=False, rtol=1e-8, atol=1e-10)
    assert not np.allclose(other["u"].values[:, 0], ds["u"].values[:2, 0])


def test_stream_continues_the_samples_and_files_round_trip(tmp_path):
    system, t, x, nu, u = burgers()
    vary = {u: GaussianRandomField()}
    ds = generate_dataset(system, {x: 16}, vary=vary, n=6, order=2, progress=False)
    parts = list(stream_dataset(system, {x: 16}, vary=vary, n=6, batch=4, order=2))
    assert [list(p.sample.values) for p in parts] == [[0, 1, 2, 3], [4, 5]]
    np.testing.assert_array_equal(np.concatenate([p["u"].values for p in parts]), ds["u"].values)
    path = tmp_path / "burgers.nc"
    ds.to_netcdf(path)  # attributes are strings and numbers: netCDF can hold them
    back = xr.load_dataset(path)
    np.testing.assert_array_equal(back["u"].values, ds["u"].values)
    assert back.attrs["fields"] == "u"
    try:
        import zarr  # noqa: F401
    except ImportError:
        return
    ds.to_zarr(tmp_path / "burgers.zarr", consolidated=False)
    np.testing.assert_array_equal(xr.open_zarr(tmp_path / "burgers.zarr", consolidated=False)["u"].values, ds["u"].values)


def test_dataset_errors_name_the_culprit():
    system, t, x, nu, u = burgers()
    v = sn.fields("v", t, x)
    with pytest.raises(ModelError, match="not a field of 'data_burgers'"):
        generate_dataset(system, {x: 16}, vary={v: GaussianRandomField()}, n=2, progress=False)
    with pytest.raises(ModelError, match=r"returned shape \(3,\)"):
        generate_dataset(system, {x: 16}, vary={u: lambda rng, grid: np.zeros(3)}, n=2, progress=False)
    with pytest.raises(ModelError, match="one finite number"):
        generate_dataset(system, {x: 16}, vary={nu: lambda rng, grid: [1.0, 2.0]}, n=2, progress=False)
    with pytest.raises(ModelError, match="positive integer"):
        generate_dataset(system, {x: 16}, vary={u: GaussianRandomField()}, n=0, progress=False)
    with pytest.raises(ModelError, match="not a sampler"):
        generate_dataset(system, {x: 16}, vary={u: 3.0}, n=2, progress=False)
    with pytest.raises(ModelError, match="number of points"):
        generate_dataset(system, {x: 0.1}, vary={u: GaussianRandomField()}, n=2, progress=False)
    prob = solvers.discretize(system, {x: 16})
    with pytest.raises(ModelError, match=r"a discretized Problem and discretize options \['order'\]"):
        generate_dataset(prob, vary={u: GaussianRandomField()}, n=2, order=4, progress=False)


def test_threaded_dask_client_gives_the_serial_values():
    distributed = pytest.importorskip("distributed")
    system, t, x, nu, u = burgers()
    vary = {u: GaussianRandomField(), nu: Uniform(0.02, 0.08)}
    serial = generate_dataset(system, {x: 16}, vary=vary, n=6, order=2, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        ds = generate_dataset(system, {x: 16}, vary=vary, n=6, order=2, client=client, chunk=2, progress=False)
    np.testing.assert_array_equal(ds["u"].values, serial["u"].values)
    np.testing.assert_array_equal(ds["nu"].values, serial["nu"].values)


class KillingSampler:
    """A Gaussian random field that SIGKILLs the worker process drawing its
    `after`-th sample (once: a marker file counts the draws across processes). The
    draws do not depend on it, so the dataset must equal the serial one."""

    def __init__(self, marker, after):
        self.grf, self.marker, self.after = GaussianRandomField(), str(marker), after
        self.home = os.getpid()  # draws in this process count nothing

    def __call__(self, rng, grid):
        value = self.grf(rng, grid)
        if os.getpid() != self.home:
            token = f"{os.getpid()}:{uuid.uuid4().hex}"
            fd = os.open(self.marker, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.write(fd, f"{token}\n".encode())  # one append: whole lines, in a single order
            os.close(fd)
            with open(self.marker) as f:
                if f.read().split().index(token) == self.after - 1:
                    os.kill(os.getpid(), 9)  # mid-chunk: its chunk is lost with the process
        return value


@pytest.mark.slow
def test_a_killed_worker_loses_nothing(tmp_path):
    """Two worker processes; one is killed (SIGKILL) while it draws a sample, after
    the first chunks are done; its chunk is recomputed elsewhere and the dataset equals
    the serial one. (The kill comes from inside the task: a thread that watched the
    scheduler raced the end of the run on a busy machine.)"""
    distributed = pytest.importorskip("distributed")
    system, t, x, nu, u = burgers()
    sampler = KillingSampler(tmp_path / "draws", after=9)
    vary = {u: sampler, nu: Uniform(0.02, 0.08)}
    n, opts = 40, dict(order=4, rtol=1e-9, atol=1e-11, progress=False)
    serial = generate_dataset(system, {x: 128}, vary={u: GaussianRandomField(), nu: Uniform(0.02, 0.08)}, n=n, **opts)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        ds = generate_dataset(system, {x: 128}, vary=vary, n=n, client=client, chunk=2, **opts)
        draws = (tmp_path / "draws").read_text().split()
        victim = int(draws[8].split(":")[0])  # the process that drew the 9th sample killed itself
        assert len(draws) > n and victim not in client.run(os.getpid, on_error="ignore").values()
    np.testing.assert_array_equal(ds["u"].values, serial["u"].values)
