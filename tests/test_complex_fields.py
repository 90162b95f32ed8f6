"""Complex-valued fields: a model with I is split into real and imaginary parts
(psi_re, psi_im) at construction; solutions put them back together. Checked on
Schroedinger equations with exact solutions, at the scheme's order."""

import numpy as np
import pytest
import sympy

import symnum as sn
from symnum import solvers

t, x = sn.variables("t x")
I, PI = sympy.I, sympy.pi


def _errors(system, psi, exact, ns, order):
    errs = []
    for n in ns:
        prob = solvers.discretize(system, {x: n}, order=order)
        sol = solvers.solve(prob, method="dop853", rtol=1e-10, atol=1e-12, saveat=5, progress=False)
        got = sol[psi]
        assert got.dtype == np.complex128 and got.shape == (5, n)
        want = exact(sol.t[:, None], prob.grid[x][None, :])
        errs.append(np.abs(got - want).max())
    return np.array(errs)


@pytest.mark.parametrize("order", [2, 4])
def test_free_schroedinger_plane_wave(order):
    """i psi_t = -psi_xx / 2, periodic, psi = exp(i (k x - k^2 t / 2))."""
    psi = sn.fields("psi", t, x, complex=True)
    k = 2 * PI
    system = sn.PDESystem([sn.Eq(I * sn.D(t)(psi), -sn.D(x, 2)(psi) / 2)],
                          [sn.Periodic(x), sn.Initial(psi, sympy.exp(I * k * x))],
                          domain={t: (0, 0.5), x: (0, 1)}, name="free_schroedinger")
    re, im = system.complex_fields[psi]
    assert system.fields == (im, re) or system.fields == (re, im)
    assert system.rhs[re] == -sn.D(x, 2)(im) / 2 and system.rhs[im] == sn.D(x, 2)(re) / 2
    kk = float(k)
    errs = _errors(system, psi, lambda tt, xx: np.exp(1j * (kk * xx - kk**2 * tt / 2)), (16, 32, 64), order)
    slopes = np.log2(errs[:-1] / errs[1:])
    assert slopes.min() > order - 0.3, (errs, slopes)


def test_nonlinear_schroedinger_with_walls_as_mol_jl_writes_them():
    """i psi_t = -psi_xx / 2 - |psi|^2 psi (focusing NLS), exact plane wave
    A exp(i (k x - w t)), w = k^2 / 2 - A^2; Dirichlet walls written as sn.Eq with the
    complex wall values, the initial condition as sn.Eq(psi.subs(t, 0), ...)."""
    psi = sn.fields("psi", t, x, complex=True)
    A, k = sympy.Rational(1, 2), 2
    w = k**2 / sympy.Integer(2) - A**2
    exact = A * sympy.exp(I * (k * x - w * t))
    system = sn.PDESystem([sn.Eq(I * sn.D(t)(psi), -sn.D(x, 2)(psi) / 2 - sympy.Abs(psi)**2 * psi)],
                          [sn.Eq(psi.subs(x, 0), exact.subs(x, 0)), sn.Eq(psi.subs(x, 1), exact.subs(x, 1)),
                           sn.Eq(psi.subs(t, 0), exact.subs(t, 0))],
                          domain={t: (0, 1), x: (0, 1)}, name="nls")
    fn = sympy.lambdify((t, x), exact)
    errs = _errors(system, psi, fn, (11, 21, 41), 2)
    slopes = np.log2(errs[:-1] / errs[1:])
    assert slopes.min() > 1.7, (errs, slopes)


def test_complex_field_errors():
    psi = sn.fields("psi", t, x, complex=True)
    psi_re = sn.fields("psi_re", t, x)
    with pytest.raises(sn.ModelError, match="a field named psi_re exists: rename it"):
        sn.PDESystem([sn.Eq(I * sn.D(t)(psi), sn.D(x, 2)(psi) + psi_re), sn.Eq(sn.D(t)(psi_re), 0)],
                     [sn.Periodic(x), sn.Initial(psi, 0), sn.Initial(psi_re, 0)],
                     domain={t: (0, 1), x: (0, 1)})
    u = sn.fields("u", t, x)
    with pytest.raises(sn.ModelError, match=r"contains the imaginary unit I, but its fields are real: declare"):
        sn.PDESystem([sn.Eq(I * sn.D(t)(u), sn.D(x, 2)(u))], [sn.Periodic(x), sn.Initial(u, 0)],
                     domain={t: (0, 1), x: (0, 1)})
    with pytest.raises(sn.ModelError, match=r"has a complex value, but u\(t, x\) is a real field"):
        sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))], [sn.Periodic(x), sn.Initial(u, I * x)],
                     domain={t: (0, 1), x: (0, 1)})
    with pytest.raises(sn.ModelError, match="real and imaginary parts do not determine the time derivatives"):
        sn.PDESystem([sn.Eq(I * sn.D(t)(psi), sympy.conjugate(sn.D(t)(psi)) + sn.D(x, 2)(psi))],
                     [sn.Periodic(x), sn.Initial(psi, 0)], domain={t: (0, 1), x: (0, 1)})


def test_complex_ode_keeps_the_modulus():
    """i psi' = |psi|^2 psi: |psi| is conserved, psi = exp(-i t) from 1 (Abs of a
    complex field is the modulus, not dropped as for a real one)."""
    tt = sn.variables("t")
    psi = sn.fields("psi", tt, complex=True)
    system = sn.ODESystem([sn.Eq(I * sn.D(tt)(psi), sympy.Abs(psi)**2 * psi)], [sn.Initial(psi, 1)],
                          domain={tt: (0, 2)}, name="phase")
    sol = solvers.solve(solvers.discretize(system), method="dop853", rtol=1e-11, atol=1e-13, saveat=5,
                        progress=False)
    np.testing.assert_allclose(sol[psi], np.exp(-1j * sol.t), atol=1e-9)


@pytest.mark.parametrize("robin_a", [2, 1 + I])
def test_plane_wave_between_neumann_and_robin_walls(robin_a):
    """i psi_t = -psi_xx / 2 on [0, 1], psi = exp(i (k x - k^2 t / 2)): a complex Neumann
    value at x = 1 (split into the parts' Neumann conditions) and a Robin at x = 0 with a
    real coefficient (the parts' Robins) or a complex one (two boundary equations)."""
    psi = sn.fields("psi", t, x, complex=True)
    k = sympy.Rational(3, 2)
    exact = sympy.exp(I * (k * x - k**2 * t / 2))
    dn_min, dn_max = -sympy.diff(exact, x).subs(x, 0), sympy.diff(exact, x).subs(x, 1)
    system = sn.PDESystem([sn.Eq(I * sn.D(t)(psi), -sn.D(x, 2)(psi) / 2)],
                          [sn.Neumann(psi, x, "max", dn_max),
                           sn.Robin(psi, x, "min", robin_a, 1, robin_a * exact.subs(x, 0) + dn_min),
                           sn.Initial(psi, exact.subs(t, 0))],
                          domain={t: (0, 0.5), x: (0, 1)}, name="walled_wave")
    kk = float(k)
    errs = _errors(system, psi, lambda tt, xx: np.exp(1j * (kk * xx - kk**2 * tt / 2)), (17, 33), 2)
    assert errs[-1] < 2e-3 and np.log2(errs[0] / errs[1]) > 1.7, errs


def test_a_steady_complex_problem_and_a_real_condition_beside_it():
    """psi'' + psi = 0 with psi = exp(i x) (complex Dirichlet values), solved by Newton
    on its real and imaginary parts; a real field w beside it keeps its conditions."""
    psi = sn.fields("psi", x, complex=True)
    w = sn.fields("w", x)
    system = sn.PDESystem([sn.Eq(sn.D(x, 2)(psi) + psi, 0), sn.Eq(sn.D(x, 2)(w), -1)],
                          [sn.Dirichlet(psi, x, "min", 1), sn.Dirichlet(psi, x, "max", sympy.exp(I)),
                           sn.Eq(w.subs(x, 0), 0), sn.Dirichlet(w, x, "max", 0)],
                          domain={x: (0, 1)}, name="steady_complex")
    prob = solvers.discretize(system, {x: 33}, order=4)
    sol = solvers.solve(prob)
    xs = prob.grid[x]
    assert np.abs(sol[psi] - np.exp(1j * xs)).max() < 1e-7
    assert np.abs(sol[w] - xs * (1 - xs) / 2).max() < 1e-12
