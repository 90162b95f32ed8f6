"""The CUDA backend without a GPU: the generated CUDA C compiles with nvcc, and
the same kernel body, compiled for the host by a harness that loops over
blockIdx/threadIdx, equals the Numba kernel to round-off (1D/2D/3D, every
boundary-condition kind, Piecewise forcing, upwinding). With cupy and a device,
the `gpu` tests run the real kernel."""

import shutil

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum.codegen._cuda import host_harness, nvcc_ptx
from symnum.solvers import discretize, solve

from test_mol_backends import SYSTEMS  # noqa: E402  (tests/ is on sys.path under pytest)

needs_nvcc = pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not installed")
needs_cxx = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")


def _harness_for(prob, dtype="float64"):
    k = prob.kernel
    return host_harness(k.source, k.name, len(prob.stencil.axes), len(prob.stencil.params) + len(prob.stencil.axes), dtype)


def _has_gpu():
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no cupy, no driver, no device: all mean no GPU
        return False


@needs_cxx
@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("dim", list(SYSTEMS))
def test_host_harness_equals_numba(dim, order):
    system, grid = SYSTEMS[dim]()
    cuda = discretize(system, grid, order=order, backend="cuda")
    ref = discretize(system, grid, order=order, backend="numba")
    run = _harness_for(cuda)
    rng = np.random.default_rng(1)
    for t in (0.0, 0.7):
        y = rng.uniform(0.5, 1.5, ref.shape)
        got = run(y, np.empty_like(y), t, *cuda._scalars())
        want = ref.rhs(y, t)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


@needs_cxx
def test_host_harness_float32_and_upwinding():
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), -u * sn.D(x)(u) + sn.D(x, 2)(u) / 100)],
                       [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                       domain={t: (0, 1), x: (0, 1)})
    cuda = discretize(sys, {x: 64}, backend="cuda", dtype="float32", advection="upwind")
    ref = discretize(sys, {x: 64}, backend="numba", advection="upwind")
    y = ref.u0
    got = _harness_for(cuda, "float32")(y.astype(np.float32), np.empty(y.shape, np.float32), 0.0, *cuda._scalars())
    np.testing.assert_allclose(got, ref.rhs(y, 0.0), rtol=2e-4, atol=2e-4 * np.abs(ref.rhs(y, 0.0)).max())


@needs_nvcc
@pytest.mark.parametrize("dim", list(SYSTEMS))
def test_cuda_source_compiles_with_nvcc(dim):
    system, grid = SYSTEMS[dim]()
    prob = discretize(system, grid, order=4, backend="cuda")
    src = prob.kernel.source
    assert src.count("__global__") == 1 and 'extern "C"' in src
    ptx = nvcc_ptx(src)
    assert f".entry {prob.kernel.name}" in ptx


@pytest.mark.skipif(_has_gpu(), reason="a CUDA device is present")
def test_without_a_gpu_the_error_says_what_to_do():
    system, grid = SYSTEMS["2d"]()
    prob = discretize(system, grid, backend="cuda")
    with pytest.raises(sn.CompilationError, match=r"backend=\"numba\""):
        prob.rhs(prob.u0, 0.0)
    with pytest.raises(sn.CompilationError, match=r"backend=\"numba\""):
        solve(prob, method="rk4", dt=1e-3, progress=False)


@pytest.mark.gpu
@pytest.mark.skipif(not _has_gpu(), reason="needs cupy and a CUDA device")
@pytest.mark.parametrize("dim", list(SYSTEMS))
def test_gpu_kernel_equals_numba(dim):
    import cupy

    system, grid = SYSTEMS[dim]()
    gpu = discretize(system, grid, backend="cuda")
    ref = discretize(system, grid, backend="numba")
    y = np.random.default_rng(2).uniform(0.5, 1.5, ref.shape)
    got = cupy.asnumpy(gpu.rhs(cupy.asarray(y), 0.7))
    np.testing.assert_allclose(got, ref.rhs(y, 0.7), rtol=1e-11, atol=1e-11)
    sol_gpu = solve(gpu, method="rk4", dt=1e-4, tspan=(0, 0.01), progress=False)
    sol_cpu = solve(ref, method="rk4", dt=1e-4, tspan=(0, 0.01), progress=False)
    np.testing.assert_allclose(sol_gpu.states, sol_cpu.states, rtol=1e-10, atol=1e-10)


@needs_cxx
def test_host_harness_powers_roots_and_open_piecewise():
    """sqrt, non-integer powers and a Piecewise without a catch-all branch (NAN
    where no branch holds) print as CUDA C that equals the Numba kernel."""
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    f = sympy.Piecewise((1.0, (x < 0.3) | (x > 0.9)), (2.0, x > 0.6))  # NAN in between, as Numba gives
    sys = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + sympy.sqrt(u + 2) - (u + 2) ** 1.5 + f * sympy.exp(-u))],
                       [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                       domain={t: (0, 1), x: (0, 1)}, name="powers")
    cuda = discretize(sys, {x: 32}, backend="cuda")
    ref = discretize(sys, {x: 32}, backend="numba")
    src = cuda.kernel.source
    assert "sqrt(" in src and "pow(" in src and ": (NAN))" in src
    y = np.random.default_rng(3).uniform(-1, 1, ref.shape)
    got = _harness_for(cuda)(y, np.empty_like(y), 0.0, *cuda._scalars())
    np.testing.assert_allclose(got, ref.rhs(y, 0.0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(discretize(sys, {x: 32}, backend="numpy").rhs(y, 0.0), got, rtol=1e-12, atol=1e-12)
    with pytest.raises(sn.CompilationError, match="out must be a C-contiguous array of the kernel's dtype"):
        _harness_for(cuda)(y, np.empty(y.shape, np.float32), 0.0, *cuda._scalars())


def test_missing_compilers_are_named(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(sn.CompilationError, match="nvcc is not on PATH: install the CUDA toolkit"):
        nvcc_ptx("__global__ void k() {}")
    with pytest.raises(sn.CompilationError, match=r"no C\+\+ compiler \(g\+\+\) on PATH"):
        host_harness("", "k", 1, 0)


@needs_nvcc
def test_nvcc_errors_are_reported():
    with pytest.raises(sn.CompilationError, match=r"(?s)nvcc failed on .*\.cu:\n.*error"):
        nvcc_ptx('extern "C" __global__ void k() { undeclared = 1; }')


@needs_cxx
def test_harness_compile_errors_are_reported():
    with pytest.raises(sn.CompilationError, match=r"(?s)the host harness for k failed to compile:\n.*error"):
        host_harness('extern "C" __global__ void k(const double* U) { undeclared = 1; }', "k", 1, 0)
