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
from symnum.solvers import METHODS, discretize, solve
from symnum.solvers.integrate import _explicit, _passes

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


@needs_cxx
def test_special_functions_on_the_cuda_backend():
    """sinh, cosh, asin, acos, atan, erf, sign: the CUDA C compiles (nvcc, where present)
    and its host harness equals the Numba kernel."""
    from test_mol_backends import special_functions_system

    system = special_functions_system()
    (x,) = system.space
    cuda = discretize(system, {x: 33}, backend="cuda")
    ref = discretize(system, {x: 33}, backend="numba")
    y = np.random.default_rng(3).uniform(0.1, 0.9, ref.shape)
    got = _harness_for(cuda)(y, np.empty_like(y), 0.2, *cuda._scalars())
    np.testing.assert_allclose(got, ref.rhs(y, 0.2), rtol=1e-12, atol=1e-12 * np.abs(got).max())
    if shutil.which("nvcc"):
        assert f".entry {cuda.kernel.name}" in nvcc_ptx(cuda.kernel.source)


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


# -- the cuda backend's step loop: fused stage kernels ---------------------------------------

ALL_TABLEAUS = [(m, True) for m in ("tsit5", "dopri5", "dop853")] + [(m, False) for m in sorted(METHODS)]


@needs_nvcc
def test_stage_kernels_of_every_tableau_compile_with_nvcc():
    sources, names = [], []
    for method, adaptive in ALL_TABLEAUS:
        tab = METHODS[method] if adaptive else _explicit._fixed(METHODS[method])
        stages = _passes._stages(tab, "float64")
        sources.append(stages.source)
        names += list(stages.kernels)
    ptx = nvcc_ptx("\n".join(sources))
    assert all(f".entry {n}(" in ptx for n in names), [n for n in names if f".entry {n}(" not in ptx]
    assert len(names) == len(set(names))
    f32 = _passes._stages(METHODS["tsit5"], "float32")
    assert "const float* __restrict__ y" in f32.source and ".entry" in nvcc_ptx(f32.source)


@pytest.fixture(scope="module")
def gs_pair():
    from test_compiled_integration import gray_scott_system

    system, grid = gray_scott_system()
    return discretize(system, grid, backend="cuda"), discretize(system, grid)


@needs_cxx
@pytest.mark.parametrize("method, adaptive", ALL_TABLEAUS)
def test_cuda_step_loop_on_the_host_equals_numba(gs_pair, method, adaptive):
    """The whole cuda step loop (fused stage kernels + the CUDA RHS kernel, both
    run by the host harness) takes the compiled Numba loop's steps and makes its
    numbers to round-off (tsit5, rk4: the Numba loop; the others: the array
    loop, itself tested step for step against the Numba loop)."""
    cuda, ref = gs_pair
    dt = None if adaptive else 2e-3
    tab = METHODS[method] if adaptive else _explicit._fixed(METHODS[method])
    save = np.linspace(0, 1, 9)[1:]
    passes = _passes.cuda_passes(tab, cuda, host=True)
    out, stats, _ = _explicit._array_loop(cuda, tab, 0.0, 1.0, save, dt, 1e-7, 1e-9, False, 10**6, passes=passes)
    compiled = (method, adaptive) in (("tsit5", True), ("rk4", False))  # loops the other tests compiled
    want = solve(ref, method=method, dt=dt, adaptive=adaptive, saveat=np.r_[0, save], rtol=1e-7, atol=1e-9,
                 compiled=compiled, progress=False)
    assert (stats["steps"], stats["rejected"], stats["nfev"]) == tuple(want.stats[k] for k in ("steps", "rejected", "nfev"))
    got = np.array([ref.fill_boundaries(o, tt) for o, tt in zip(out, save)])
    np.testing.assert_allclose(got, want.states[1:], rtol=0, atol=1e-13 * np.abs(want.states).max())


@needs_cxx
def test_cuda_step_loop_dense_output_and_divergence_on_the_host(gs_pair):
    cuda, ref = gs_pair
    tab = METHODS["tsit5"]
    passes = _passes.cuda_passes(tab, cuda, host=True)
    _, _, dense = _explicit._array_loop(cuda, tab, 0.0, 0.5, [0.5], None, 1e-7, 1e-9, False, 10**6, record=True,
                                        passes=passes)
    want = solve(ref, tspan=(0, 0.5), rtol=1e-7, atol=1e-9, dense=True, compiled=False, progress=False)
    T = np.linspace(0, 0.5, 7)
    np.testing.assert_allclose(dense(T), want.dense(T), rtol=0, atol=1e-13)
    # forward Euler far beyond its stability limit: the fixed-step kernel's check stops it
    euler = _explicit._fixed(METHODS["euler"])
    passes = _passes.cuda_passes(euler, cuda, host=True)
    with pytest.raises(sn.SolverError, match="the solution is diverging"):
        _explicit._array_loop(cuda, euler, 0.0, 30.0, [30.0], 0.9, 1e-7, 1e-9, False, 10**6, passes=passes)


@pytest.mark.gpu
@pytest.mark.skipif(not _has_gpu(), reason="needs cupy and a CUDA device")
@pytest.mark.parametrize("method, dt", [("tsit5", None), ("rk4", 1e-3), ("dop853", None)])
def test_gpu_step_loop_equals_numba(gs_pair, method, dt):
    cuda, ref = gs_pair
    kw = dict(method=method, dt=dt, saveat=5, rtol=1e-7, atol=1e-9, progress=False)
    got, want = solve(cuda, **kw), solve(ref, **kw)
    assert got.stats["steps"] == want.stats["steps"]
    np.testing.assert_allclose(got.states, want.states, rtol=0, atol=1e-10 * np.abs(want.states).max())


def _global_terms_system():
    """An integral term, an interior point value and a wall derivative (global terms)
    feeding a 2-D field and an ODE of time only."""
    t, x, y = sn.variables("t x y")
    u, v = sn.fields("u", t, x, y), sn.fields("v", t)
    k = sn.parameter("k", 0.7)
    total = sympy.Integral(sympy.Integral(u, (x, 0, 1)), (y, 0, 1))
    return sn.PDESystem(
        [sn.Eq(sn.D(t)(u), sn.laplacian(u, x, y) - k * total * u + v),
         sn.Eq(sn.D(t)(v), u.subs({x: 0.3, y: 0.55}) + sn.D(x)(u).subs({x: 1, y: 0.5}) - v)],
        [sn.Dirichlet(u, x, "min", 0), sn.Neumann(u, x, "max", 0), sn.Periodic(y),
         sn.Initial(u, sympy.sin(sympy.pi * x / 2) * (1 + sympy.cos(2 * sympy.pi * y) / 4)), sn.Initial(v, 0)],
        domain={t: (0, 1), x: (0, 1), y: (0, 1)}, name="globals_cuda"), (x, y)


@needs_cxx
def test_global_terms_on_the_cuda_backend():
    """The integrand kernel is CUDA C too (nvcc, where present); its host build gives the
    Numba global terms, the RHS with them equals Numba's, and the cuda step loop on the
    host (global terms recomputed at every stage) follows Numba's solution."""
    system, (x, y) = _global_terms_system()
    grid = {x: 13, y: 8}
    cuda = discretize(system, grid, order=4, backend="cuda")
    ref = discretize(system, grid, order=4, backend="numba")
    gk = cuda.device_global_kernel
    integrands = host_harness(gk.source, gk.name, 2, len(cuda._scalar_args))
    state = np.random.default_rng(5).uniform(0.5, 1.5, ref.shape)
    w = np.empty((len(cuda.stencil.globals), *ref.shape[1:]))
    integrands(state, w, 0.3, *cuda._scalar_args)
    np.testing.assert_allclose(w.reshape(len(w), -1).sum(axis=1), ref.integrals(state, 0.3), rtol=1e-12)
    got = _harness_for(cuda)(state, np.empty_like(state), 0.3, *ref._scalars(state, 0.3))
    np.testing.assert_allclose(got, ref.rhs(state, 0.3), rtol=1e-12, atol=1e-12 * np.abs(got).max())
    if shutil.which("nvcc"):
        assert f".entry {gk.name}" in nvcc_ptx(gk.source)
    tab = METHODS["tsit5"]
    save = np.linspace(0, 0.2, 3)[1:]
    passes = _passes.cuda_passes(tab, cuda, host=True)
    out, stats, _ = _explicit._array_loop(cuda, tab, 0.0, 0.2, save, None, 1e-7, 1e-9, False, 10**6, passes=passes)
    # to the tolerance, not round-off: with walls the fused passes and the array loop
    # choose slightly different steps (74 vs 75 here; periodic problems: identical)
    want = solve(ref, saveat=np.r_[0, save], rtol=1e-9, atol=1e-11, progress=False)
    got = np.array([ref.fill_boundaries(o, tt) for o, tt in zip(out, save)])
    np.testing.assert_allclose(got, want.states[1:], rtol=0, atol=1e-6 * np.abs(want.states).max())


@pytest.mark.gpu
@pytest.mark.skipif(not _has_gpu(), reason="needs cupy and a CUDA device")
def test_gpu_global_terms_equal_numba():
    import cupy

    system, (x, y) = _global_terms_system()
    gpu = discretize(system, {x: 33, y: 16}, order=4, backend="cuda")
    ref = discretize(system, {x: 33, y: 16}, order=4)
    state = np.random.default_rng(6).uniform(0.5, 1.5, ref.shape)
    got = cupy.asnumpy(gpu.rhs(cupy.asarray(state), 0.4))
    np.testing.assert_allclose(got, ref.rhs(state, 0.4), rtol=1e-11, atol=1e-11 * np.abs(got).max())
