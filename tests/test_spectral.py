"""Fourier pseudo-spectral discretization and its Lawson integrators, against
independent references: the right-hand side against NumPy's FFT derivatives of
the same fields, the fixed-step integrating-factor RK4 against a hand-written
NumPy one (round-off), exact solutions of linear problems (the linear part is
taken exactly), a manufactured nonlinear solution at the requested tolerance,
order 4 of the fixed-step RK4, generate_dataset with order="spectral", errors."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum import DiscretizationError, SolverError, solvers

pytest.importorskip("rocket_fft")

t, x, y = sn.variables("t x y")


def burgers(nu=0.02, name="spec_burgers"):
    visc = sn.parameter("nu", nu)
    u = sn.fields("u", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x)(u**2 / 2) + visc * sn.D(x, 2)(u))],
                          [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x) + sympy.cos(4 * sympy.pi * x) / 3)],
                          domain={t: (0, 0.5), x: (0, 1)}, name=name)
    return system, u, visc


def _k(n, length, last=True):
    f = np.fft.rfftfreq(n, 1.0 / n) if last else np.fft.fftfreq(n, 1.0 / n)
    return 2 * np.pi * f / length


def numpy_burgers_if_rk4(u0, n, nu, T, dt):
    """The pseudo-spectral codes' integrating-factor RK4 (as benchmarks/operator.py's peer)."""
    k = _k(n, 1.0)
    steps = int(round(T / dt))
    E, E2 = np.exp(-nu * k**2 * dt), np.exp(-nu * k**2 * dt / 2)

    def N(v):
        w = np.fft.irfft(v, n)
        return -0.5j * k * np.fft.rfft(w * w)

    v = np.fft.rfft(u0)
    for _ in range(steps):
        a = N(v)
        b = N(E2 * (v + dt / 2 * a))
        c = N(E2 * v + dt / 2 * b)
        d = N(E * v + dt * E2 * c)
        v = E * v + dt / 6 * (E * a + 2 * E2 * (b + c) + d)
    return np.fft.irfft(v, n)


def test_rhs_matches_numpy_fft_derivatives():
    system, u, _ = burgers()
    prob = solvers.discretize(system, {x: 64}, order="spectral")
    rng = np.random.default_rng(0)
    V = np.fft.rfft(rng.standard_normal(64))
    V[20:] = 0  # a resolved field (no aliasing in u^2 either way)
    w = np.fft.irfft(V, 64)
    k = _k(64, 1.0)
    ref = np.fft.irfft(-0.5j * k * np.fft.rfft(w * w) - 0.02 * k**2 * V, 64)
    assert np.allclose(prob.rhs(w[None]), ref, atol=1e-12 * np.abs(ref).max())
    # the split: diffusion in L (real: an even derivative), the flux in N
    assert np.allclose(prob.L(), -0.02 * k**2) and prob.L().dtype == float


def test_rhs_2d_two_fields_coordinates_time_and_nested_derivatives():
    """Every kind of term: a linear part per field, cross-coupling, a product of
    derivatives, a derivative of a nonlinear expression with a coordinate inside, a
    forcing in t and x, a parameter: against the same formula by NumPy FFTs."""
    a = sn.parameter("a", 0.3)
    u, v = sn.fields("u v", t, x, y)
    box = {t: (0, 1), x: (0, 2 * sympy.pi), y: (0, 1)}
    eqs = [sn.Eq(sn.D(t)(u), a * sn.D(x, 2)(u) + sn.D(y, 2)(u) - 2 * u + v * sn.D(x)(u)
                 + sn.D(y)(sympy.sin(x) * u * v) + sympy.cos(t) * sympy.sin(x)),
           sn.Eq(sn.D(t)(v), -sn.D(x, 3)(v) + sn.D(x)(u) * sn.D(y)(v) - a * v**2)]
    bcs = [sn.Periodic(x), sn.Periodic(y), sn.Initial(u, 0), sn.Initial(v, 0)]
    system = sn.PDESystem(eqs, bcs, domain=box, name="spec_2d")
    nx, ny = 24, 16
    prob = solvers.discretize(system, {x: nx, y: ny}, order="spectral")
    rng = np.random.default_rng(1)

    def smooth():
        F = np.fft.rfft2(rng.standard_normal((nx, ny)))
        F[5:-4, :] = 0
        F[:, 5:] = 0
        return np.fft.irfft2(F, (nx, ny))

    U, W = smooth(), smooth()
    kx = _k(nx, 2 * np.pi, last=False)[:, None]
    ky = _k(ny, 1.0)[None, :]
    kx_odd = np.where(np.abs(kx) == nx / 2, 0.0, kx)  # the Nyquist mode of an odd derivative: zero

    def d(f, mx=0, my=0):
        F = np.fft.rfft2(f)
        kxm = kx_odd if mx % 2 else kx
        return np.fft.irfft2(F * (1j * kxm) ** mx * (1j * ky) ** my, (nx, ny))

    X, Y = np.meshgrid(np.arange(nx) * 2 * np.pi / nx, np.arange(ny) / ny, indexing="ij")
    tt = 0.7
    du = (0.3 * d(U, 2) + d(U, 0, 2) - 2 * U + W * d(U, 1) + d(np.sin(X) * U * W, 0, 1) + np.cos(tt) * np.sin(X))
    dv = -d(W, 3) + d(U, 1) * d(W, 0, 1) - 0.3 * W**2
    got = prob.rhs(np.stack([U, W]), tt)
    assert np.allclose(got[0], du, atol=1e-11) and np.allclose(got[1], dv, atol=1e-11)
    assert prob.L().dtype == complex  # the dispersion -v_xxx: an odd derivative in L


def test_fixed_step_rk4_equals_numpy_integrating_factor_rk4():
    system, u, _ = burgers()
    prob = solvers.discretize(system, {x: 64}, order="spectral")
    sol = solvers.solve(prob, method="rk4", dt=1 / 256, saveat=[0.25, 0.5])
    ref = numpy_burgers_if_rk4(prob.u0[0], 64, 0.02, 0.5, 1 / 256)
    assert np.abs(sol[u][-1] - ref).max() < 1e-13
    assert sol.stats["steps"] == 128 and sol.stats["nfev"] == 4 * 128


def test_rk4_fixed_step_converges_at_order_4():
    system, u, _ = burgers()
    prob = solvers.discretize(system, {x: 64}, order="spectral")
    ref = solvers.solve(prob, rtol=1e-12, atol=1e-14)[u][-1]
    # (the ratio climbs to 16 from below: 11.5, 12.3, 14.7 from dt = 1/32 on, the stiff
    # modes' pre-asymptotic order reduction of integrating-factor methods)
    errs = [np.abs(solvers.solve(prob, method="rk4", dt=dt)[u][-1] - ref).max() for dt in (1 / 128, 1 / 256)]
    assert 13 < errs[0] / errs[1] < 19, errs


def test_linear_problems_are_exact():
    """Heat in 2-D (Tsit5) and the Airy equation u_t = -u_xxx (complex L; Dormand-Prince):
    L only, taken exactly, in a few steps."""
    u = sn.fields("u", t, x, y)
    heat = sn.PDESystem([sn.Eq(sn.D(t)(u), 0.01 * (sn.D(x, 2)(u) + sn.D(y, 2)(u)))],
                        [sn.Periodic(x), sn.Periodic(y), sn.Initial(u, sympy.sin(2 * sympy.pi * x) * sympy.cos(4 * sympy.pi * y))],
                        domain={t: (0, 4), x: (0, 1), y: (0, 1)}, name="spec_heat")
    prob = solvers.discretize(heat, {x: 64, y: 48}, order="spectral")
    sol = solvers.solve(prob, saveat=2)
    X, Y = np.meshgrid(np.arange(64) / 64, np.arange(48) / 48, indexing="ij")
    exact = np.exp(-0.01 * 20 * np.pi**2 * 4) * np.sin(2 * np.pi * X) * np.cos(4 * np.pi * Y)
    assert np.abs(sol[u][-1] - exact).max() < 1e-15
    assert sol.stats["steps"] <= 12
    # fixed steps past h max|L| = 600 (max|L| = 632 here), where each E(s) is its own exponential
    big = solvers.solve(prob, dt=2.0, saveat=2)
    assert big.stats["steps"] == 2 and np.abs(big[u][-1] - exact).max() < 1e-15
    w = sn.fields("w", t, x)
    airy = sn.PDESystem([sn.Eq(sn.D(t)(w), -sn.D(x, 3)(w))], [sn.Periodic(x), sn.Initial(w, sympy.sin(3 * x))],
                        domain={t: (0, 2), x: (0, 2 * sympy.pi)}, name="spec_airy")
    sol = solvers.solve(solvers.discretize(airy, {x: 16}, order="spectral"), method="dopri5")
    xs = np.arange(16) * 2 * np.pi / 16
    assert np.abs(sol[w][-1] - np.sin(3 * xs + 27 * 2.0)).max() < 1e-12


def test_manufactured_nonlinear_solution_at_the_tolerance():
    """u = exp(-t) sin(2 pi x) + 0.5 cos(2 pi x) sin(t) solves Burgers with the forcing it
    implies; Lawson-Tsit5 at rtol 1e-9 is within 1e-8 (the grid resolves u exactly)."""
    visc = sn.parameter("nu", 0.05)
    u = sn.fields("u", t, x)
    exact = sympy.exp(-t) * sympy.sin(2 * sympy.pi * x) + sympy.cos(2 * sympy.pi * x) * sympy.sin(t) / 2
    forcing = sympy.diff(exact, t) + exact * sympy.diff(exact, x) - 0.05 * sympy.diff(exact, x, 2)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), -u * sn.D(x)(u) + visc * sn.D(x, 2)(u) + forcing)],
                          [sn.Periodic(x), sn.Initial(u, exact.subs(t, 0))], domain={t: (0, 2), x: (0, 1)},
                          name="spec_manufactured")
    prob = solvers.discretize(system, {x: 32}, order="spectral")
    ref = sympy.lambdify((t, x), exact, "numpy")
    xs = np.arange(32) / 32
    errs = []
    for rtol in (1e-6, 1e-9):
        sol = solvers.solve(prob, rtol=rtol, atol=rtol, saveat=5)
        errs.append(max(np.abs(sol[u][i] - ref(tt, xs)).max() for i, tt in enumerate(sol.t)))
    assert errs[1] < 1e-8 and errs[1] < errs[0] / 100, errs


def test_ensemble_and_dataset_members_equal_single_solves():
    pytest.importorskip("xarray")
    system, u, visc = burgers()  # (the kernels of the tests above: one compile)
    prob = solvers.discretize(system, {x: 64}, order="spectral")
    ds = solvers.generate_dataset(system, {x: 64}, order="spectral", n=3, saveat=3, progress=False,
                                  vary={u: solvers.GaussianRandomField(modes=8), visc: solvers.Uniform(0.01, 0.05)})
    assert ds["u"].shape == (3, 3, 64)
    for k in range(3):
        member = prob.remake({visc: float(ds["nu"][k])}, ds["u"].values[k, 0][None])
        one = solvers.solve(member, saveat=3)
        assert np.array_equal(one[u], ds["u"].values[k])
    etd = solvers.generate_dataset(prob, n=2, saveat=3, progress=False, method="etdrk4", dt=1 / 64,
                                   vary={u: solvers.GaussianRandomField(modes=8), visc: solvers.Uniform(0.01, 0.05)})
    assert np.abs(etd["u"].values - ds["u"].values[:2]).max() < 1e-4
    # a SpectralProblem in place of the system
    again = solvers.generate_dataset(prob, n=3, saveat=3, progress=False,
                                     vary={u: solvers.GaussianRandomField(modes=8), visc: solvers.Uniform(0.01, 0.05)})
    assert np.array_equal(again["u"].values, ds["u"].values)


def test_clear_errors():
    system, u, _ = burgers()
    walled = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, 0)],
                          domain={t: (0, 1), x: (0, 1)}, name="spec_walled")
    with pytest.raises(DiscretizationError, match="periodic.*walls along x"):
        solvers.discretize(walled, {x: 32}, order="spectral")
    pointwise = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) - u.subs(x, 0))], [sn.Periodic(x), sn.Initial(u, 0)],
                             domain={t: (0, 1), x: (0, 1)}, name="spec_point")
    with pytest.raises(DiscretizationError, match=r"u\(t, 0\).*local terms only"):
        solvers.discretize(pointwise, {x: 64}, order="spectral")
    with pytest.raises(DiscretizationError, match=r"grid\[x\] = 0.1"):
        solvers.discretize(system, {x: 0.1}, order="spectral")
    with pytest.raises(DiscretizationError, match="numba backend"):
        solvers.discretize(system, {x: 64}, order="spectral", backend="numpy")
    prob = solvers.discretize(system, {x: 64}, order="spectral")
    with pytest.raises(SolverError, match="Lawson"):
        solvers.solve(prob, method="rodas5p")
    with pytest.raises(SolverError, match="fixed step dt="):
        solvers.solve(prob, method="rk4")
    with pytest.raises(SolverError, match="max_steps"):
        solvers.solve(prob, max_steps=3)
    with pytest.raises(DiscretizationError, match="shape"):
        prob.remake(u0=np.zeros(7))


def test_coupled_linear_parts_schroedinger_and_wave_are_exact():
    """L couples fields: the free Schroedinger equation (complex, split into real parts:
    L a rotation per wavenumber) and the wave equation reduced to first order (L
    defective at k = 0: that wavenumber goes to R, explicit). Exact solutions, large
    steps, and the rhs equals L u computed by NumPy."""
    psi = sn.fields("psi", t, x, complex=True)
    schroedinger = sn.PDESystem([sn.Eq(sympy.I * sn.D(t)(psi), -sn.D(x, 2)(psi))],
                                [sn.Periodic(x), sn.Initial(psi, sympy.exp(3 * sympy.I * x))],
                                domain={t: (0, 2), x: (0, 2 * sympy.pi)}, name="spec_schroedinger")
    prob = solvers.discretize(schroedinger, {x: 16}, order="spectral")
    assert prob.coupled
    sol = solvers.solve(prob)
    xs = np.arange(16) * 2 * np.pi / 16
    assert np.abs(sol[psi][-1] - np.exp(1j * (3 * xs - 9 * 2.0))).max() < 1e-12
    assert sol.stats["steps"] <= 12
    u = sn.fields("u", t, x)
    wave = sn.PDESystem([sn.Eq(sn.D(t, 2)(u), 4 * sn.D(x, 2)(u) + 0.5)],
                        [sn.Periodic(x), sn.Initial(u, sympy.sin(x) + sympy.cos(3 * x)), sn.Initial(sn.D(t)(u), 1)],
                        domain={t: (0, 2), x: (0, 2 * sympy.pi)}, name="spec_wave")
    prob = solvers.discretize(wave, {x: 16}, order="spectral")
    assert prob.coupled
    y0 = np.random.default_rng(3).standard_normal(prob.shape)
    V = prob.to_spectral(y0)
    k = _k(16, 2 * np.pi)
    want = np.fft.irfft(np.stack([V[1], -4 * k**2 * V[0]]), 16) + np.array([[0.0], [0.5]])
    np.testing.assert_allclose(prob.rhs(y0), want, atol=1e-12)
    sol = solvers.solve(prob, saveat=3)
    tt = sol.t[-1]
    exact = np.sin(xs) * np.cos(2 * tt) + np.cos(3 * xs) * np.cos(6 * tt) + tt + 0.25 * tt**2
    assert np.abs(sol[u][-1] - exact).max() < 1e-9


def test_dealiasing_cuts_the_nonlinear_spectrum_by_two_thirds():
    """dealias=True: N's spectrum is zero past a third of the grid's wavenumbers (the
    products' aliases), the linear part untouched; on a resolved solution the result
    equals the undealiased one to the truncation's size; finite differences refuse it."""
    system, u, _ = burgers(name="spec_dealias")
    prob = solvers.discretize(system, {x: 64}, order="spectral", dealias=True)
    rng = np.random.default_rng(4)
    w = rng.standard_normal(64)
    V = np.fft.rfft(w)
    k = _k(64, 1.0)
    N = -0.5j * k * np.fft.rfft(w * w)
    N[np.arange(33) > 21] = 0.0
    np.testing.assert_allclose(prob.rhs(w[None])[0], np.fft.irfft(N - 0.02 * k**2 * V, 64), atol=1e-10)
    plain = solvers.discretize(system, {x: 64}, order="spectral")
    a, b = (solvers.solve(p, rtol=1e-10, atol=1e-12)[u][-1] for p in (prob, plain))
    assert np.abs(a - b).max() < 1e-5  # (3.5e-6: the content of the dropped third at 64 nodes)
    with pytest.raises(DiscretizationError, match="dealias"):
        solvers.discretize(system, {x: 64}, order=4, dealias=True)


def test_etdrk4_is_fourth_order_exact_on_linear_problems_and_refuses_what_it_cannot_take():
    """Cox-Matthews ETDRK4 with Kassam-Trefethen's contour coefficients: Burgers converges
    at order 4 (13.6, 14.5 from dt = 1/32), a linear problem is exact in one step per save
    interval (also a coupled one, in its eigen-coordinates), save times off the dt grid
    split their interval evenly; a missing dt is refused."""
    system, u, _ = burgers()
    prob = solvers.discretize(system, {x: 64}, order="spectral")
    ref = solvers.solve(prob, rtol=1e-12, atol=1e-14)[u][-1]
    errs = [np.abs(solvers.solve(prob, method="etdrk4", dt=dt)[u][-1] - ref).max() for dt in (1 / 64, 1 / 128)]
    assert 12 < errs[0] / errs[1] < 18, errs
    sol = solvers.solve(prob, method="etdrk4", dt=0.1, saveat=[0, 0.25, 0.5])
    assert sol.stats["steps"] == 6  # 0.25 in 3 steps of 1/12, twice
    w = sn.fields("w", t, x)
    airy = sn.PDESystem([sn.Eq(sn.D(t)(w), -sn.D(x, 3)(w) - 0.1 * w)], [sn.Periodic(x), sn.Initial(w, sympy.sin(3 * x))],
                        domain={t: (0, 2), x: (0, 2 * sympy.pi)}, name="spec_airy_damped")
    sol = solvers.solve(solvers.discretize(airy, {x: 16}, order="spectral"), method="etdrk4", dt=2.0)
    xs = np.arange(16) * 2 * np.pi / 16
    assert np.abs(sol[w][-1] - np.exp(-0.2) * np.sin(3 * xs + 54)).max() < 1e-12
    with pytest.raises(SolverError, match="fixed steps: give dt="):
        solvers.solve(prob, method="etdrk4")
    psi = sn.fields("psi", t, x, complex=True)  # coupled L: ETDRK4 in the eigen-coordinates, exact
    free = sn.PDESystem([sn.Eq(sympy.I * sn.D(t)(psi), -sn.D(x, 2)(psi))],
                        [sn.Periodic(x), sn.Initial(psi, sympy.exp(3 * sympy.I * x))],
                        domain={t: (0, 2), x: (0, 2 * sympy.pi)}, name="spec_schroedinger")
    sol = solvers.solve(solvers.discretize(free, {x: 16}, order="spectral"), method="etdrk4", dt=0.5)
    assert np.abs(sol[psi][-1] - np.exp(1j * (3 * xs - 18))).max() < 1e-12
