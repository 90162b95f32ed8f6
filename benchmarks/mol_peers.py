"""Benchmark: MethodOfLines.jl's own test problems, written as a new symnum user
would write them (boundary conditions as MOL.jl writes them, `sn.Eq` at a
boundary), each checked against its analytic solution with MOL.jl's tolerance.

The cases and tolerances are those of MOL.jl's test/ folder (Diffusion,
Nonlinear_Diffusion, Higher_Order, Stationary, Convection, Complex, and the
non-uniform grids of Array_Discretization and Burgers); a case's name says which. Prints
one line per case (error, tolerance, pass, seconds including discretize) and the
count that pass. Cases that need what symnum does not have yet are listed as not
written.

Run:  python benchmarks/mol_peers.py
"""

from __future__ import annotations

import os
import sys
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np
import sympy

import symnum as sn
from symnum.solvers import discretize, solve

t, x, r = sn.variables("t x r")
PI = float(np.pi)
exp, sin, cos = sympy.exp, sympy.sin, sympy.cos


def _heat(bcs, interval, ic, coef=1, name="heat"):
    u = sn.fields("u", t, x)
    return sn.PDESystem([sn.Eq(sn.D(t)(u), coef * sn.D(x, 2)(u))], bcs(u) + [sn.Eq(u.subs(t, 0), ic)],
                        domain={t: (0, 1), x: interval}, name=name)


def diffusion_00():
    s = _heat(lambda u: [sn.Eq(u.subs(x, 0), exp(-t)), sn.Eq(u.subs(x, PI), -exp(-t))], (0, PI), cos(x))
    return s, {x: 30}, {"u": exp(-t) * cos(x)}, 0.01, dict(order=2)


def diffusion_03():
    s = _heat(lambda u: [sn.Eq(u.diff(x).subs(x, 0), 0), sn.Eq(u.diff(x).subs(x, PI), 0)], (0, PI), cos(x))
    return s, {x: 300}, {"u": exp(-t) * cos(x)}, 0.01, dict(order=8)


def diffusion_03a():
    s = _heat(lambda u: [sn.Eq(u.diff(x).subs(x, 0), exp(-t)), sn.Eq(u.diff(x).subs(x, PI), -exp(-t))],
              (0, PI), sin(x))
    return s, {x: 30}, {"u": exp(-t) * sin(x)}, 0.01, dict(order=2)


def diffusion_04():
    s = _heat(lambda u: [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.diff(x).subs(x, PI), -exp(-t))], (0, PI), sin(x))
    return s, {x: 30}, {"u": exp(-t) * sin(x)}, 0.01, dict(order=2)


def diffusion_05():
    s = _heat(lambda u: [sn.Eq(u.subs(x, -1) + 3 * u.diff(x).subs(x, -1), exp(-t) * (sin(-1) + 3 * cos(-1))),
                         sn.Eq(4 * u.subs(x, 1) + u.diff(x).subs(x, 1), exp(-t) * (4 * sin(1) + cos(1)))],
              (-1, 1), sin(x))
    return s, {x: 0.01}, {"u": exp(-t) * sin(x)}, 0.1, dict(order=4)


def diffusion_06():
    s = _heat(lambda u: [sn.Eq(t**2 * u.subs(x, -1) + 3 * u.diff(x).subs(x, -1), exp(-t) * (t**2 * sin(-1) + 3 * cos(-1))),
                         sn.Eq(4 * u.subs(x, 1) + t * u.diff(x).subs(x, 1), exp(-t) * (4 * sin(1) + t * cos(1)))],
              (-1, 1), sin(x))
    return s, {x: 0.01}, {"u": exp(-t) * sin(x)}, 0.06, dict(order=6)


def diffusion_07():
    """Spherical Laplacian, u_t = 1/r^2 (r^2 u_r)_r, u_r(0) = 0 (the r = 0 node is
    eliminated, so 1/r^2 is never evaluated there)."""
    u = sn.fields("u", t, r)
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), 1 / r**2 * sn.D(r)(r**2 * sn.D(r)(u)))],
                     [sn.Eq(u.diff(r).subs(r, 0), 0), sn.Eq(u.subs(r, 1), exp(-t) * sin(1)),
                      sn.Eq(u.subs(t, 0), sympy.Piecewise((1, sympy.Eq(r, 0)), (sin(r) / r, True)))],
                     domain={t: (0, 1), r: (0, 1)}, name="spherical")
    return s, {r: 0.1}, {"u": exp(-t) * sympy.Piecewise((1, sympy.Eq(r, 0)), (sin(r) / r, True))}, 0.06, dict(order=4)


def diffusion_10():
    u, v = sn.fields("u v", t, x)
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), sn.D(x, 2)(v))],
                     [sn.Eq(u.subs(t, 0), cos(x)), sn.Eq(v.subs(t, 0), sin(x)),
                      sn.Eq(u.subs(x, 0), exp(-t)), sn.Eq(u.diff(x).subs(x, 1), -exp(-t) * sin(1)),
                      sn.Eq(v.diff(x).subs(x, 0), exp(-t)), sn.Eq(v.subs(x, 1), exp(-t) * sin(1))],
                     domain={t: (0, 1), x: (0, 1)}, name="two_fields")
    return s, {x: 20}, {"u": exp(-t) * cos(x), "v": exp(-t) * sin(x)}, 0.01, dict(order=6)


def _nonlinear(a, sol, tol, neumann=False, order=2):
    """MOL.jl's Nonlinear_Diffusion tests: u_t = (a(u) u_x)_x on [0, 2], t in [0, 2],
    dx = 0.01, walls from the analytic solution."""
    u = sn.fields("u", t, x)
    if neumann:
        bcs = [sn.Eq(u.diff(x).subs(x, w), sympy.diff(sol, x).subs(x, w)) for w in (0, 2)]
    else:
        bcs = [sn.Eq(u.subs(x, w), sol.subs(x, w)) for w in (0, 2)]
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x)(a(u) * sn.D(x)(u)))], bcs + [sn.Eq(u.subs(t, 0), sol.subs(t, 0))],
                     domain={t: (0, 2), x: (0, 2)}, name="nonlinear_diffusion")
    return s, {x: 0.01}, {"u": sol}, tol, dict(order=order, method="rodas5")


def nonlinear_00():
    return _nonlinear(lambda u: u**-1, 2 * (1 + t) / (1 + x)**2, 0.1)


def nonlinear_01a():
    return _nonlinear(lambda u: u**2, (x + sympy.Rational(1, 2)) / (2 * sympy.sqrt(50 - t)), 0.1)


def nonlinear_01b():
    return _nonlinear(lambda u: u**2, (x + sympy.Rational(1, 2)) / (2 * sympy.sqrt(50 - t)), 0.1, order=4)


def nonlinear_02():
    """tan(x) is a steady solution with a pole at pi/2 inside [0, 2]; MOL.jl compares
    at the final time, scaled by the largest value, with atol 0.16."""
    return _nonlinear(lambda u: 1 / (1 + u**2), sympy.tan(x) + 0 * t, ("scaled", 0.16), neumann=True)


def higher_kdv():
    """KdV soliton, u_t = -6 u u_x - u_xxx, with u, u_x, u_xx at both ends (MOL.jl marks
    its own run of this case broken; tolerance rtol 0.03)."""
    u = sn.fields("u", t, x)
    z = (x - t) / 2
    ua = sympy.Rational(1, 2) / sympy.cosh(z)**2
    bcs = [sn.Eq(u.diff(x, k).subs(x, w), sympy.diff(ua, x, k).subs(x, w)) for w in (-10, 10) for k in range(3)]
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), -6 * u * sn.D(x)(u) - sn.D(x, 3)(u))], bcs + [sn.Eq(u.subs(t, 0), ua.subs(t, 0))],
                     domain={t: (0, 1), x: (-10, 10)}, name="kdv")
    return s, {x: 0.4}, {"u": ua}, ("rtol", 0.03), dict(order=2, method="rodas5")


def _beam(clamped):
    """Beam with velocity (MOL.jl Test 01): v = u_t, v_t = -u_xxxx + g; u = v = 0 at 0,
    u_xx = u_xxx = 0 at L. MOL.jl checks only that it solves. As written, u has one
    condition at x = 0 for a fourth-order operator (u_x(0) is missing: v(0) = 0 repeats
    u(0) = 0); symnum rejects that with a ModelError. Clamped (u_x(0) = 0 added): solved
    and checked against the static deflection's sign."""
    u, v = sn.fields("u v", t, x)
    bcs = [sn.Eq(u.subs(t, 0), 0), sn.Eq(v.subs(t, 0), 0), sn.Eq(u.subs(x, 0), 0), sn.Eq(v.subs(x, 0), 0),
           sn.Eq(u.diff(x, 2).subs(x, 10), 0), sn.Eq(u.diff(x, 3).subs(x, 10), 0)]
    if clamped:
        bcs.append(sn.Eq(u.diff(x).subs(x, 0), 0))
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), v), sn.Eq(sn.D(t)(v), -sn.D(x, 4)(u) - 9.81)], bcs,
                     domain={t: (0, 1), x: (0, 10)}, name="beam")
    return s, {x: 0.4}, None, None, dict(order=4, method="rodas5")


def higher_beam_as_written():
    return _beam(False)


higher_beam_as_written.rejects = "u has 1 condition at x = 0 for u_xxxx (needs 2)"


def higher_beam_clamped():
    return _beam(True)


def _convection(sign, weno=False):
    """MOL.jl's Convection Test 00 / 00a: u_t = -+u_x, a Gaussian on [0, 2], periodic as
    u(t, 0) = u(t, 2), dx = 2/80, first-order upwind, Euler with dt = 0.025; after one
    period the Gaussian is back, atol 0.1."""
    u = sn.fields("u", t, x)
    asf = 0.5 / (0.2 * sympy.sqrt(2 * 3.1415)) * exp(-(x - 1)**2 / (2 * sympy.Float(0.2)**2))
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), sign * sn.D(x)(u))],
                     [sn.Eq(u.subs(t, 0), asf), sn.Eq(u.subs(x, 0), u.subs(x, 2))],
                     domain={t: (0, 2), x: (0, 2)}, name="convection")
    if weno:  # MOL.jl's Convection_WENO Test 00: WENOScheme(), its default adaptive solver
        return s, {x: 2 / 80}, {"u": asf + 0 * t}, ("final", 0.1), dict(advection="weno")
    return s, {x: 2 / 80}, {"u": asf + 0 * t}, ("final", 0.1), dict(order=1, advection="upwind", method="euler",
                                                                      dt=0.025)


def convection_00():
    return _convection(-1)


def convection_00a():
    return _convection(1)


def convection_weno_00():
    return _convection(-1, weno=True)


def convection_weno_00a():
    return _convection(1, weno=True)


def schroedinger():
    """MOL.jl's Complex test: i psi_t = psi_xx, psi = 0 at the walls, 100 points; it
    compares |psi|^2 / max |psi|^2 with the analytic one, atol 0.01, at every saved time."""
    psi = sn.fields("psi", t, x, complex=True)
    I = sympy.I
    s = sn.PDESystem([sn.Eq(I * sn.D(t)(psi), sn.D(x, 2)(psi))],
                     [sn.Eq(psi.subs(t, 0), (1 + I) / sympy.sqrt(2) * sin(2 * sympy.pi * x)),
                      sn.Eq(psi.subs(x, 0), 0), sn.Eq(psi.subs(x, 1), 0)],
                     domain={t: (0, 1), x: (0, 1)}, name="schroedinger")
    exact = (1 + I) / sympy.sqrt(2) * sin(2 * sympy.pi * x) * sympy.exp(I * 4 * sympy.pi**2 * t)
    return s, {x: 100}, {"psi": exact}, ("modulus", 0.01), dict(order=2, method="dop853")


def stationary():
    """MOL.jl's stationary test: u_xx = 0, u(0) = 1, u(1) = 2 on dx = 1/3 (exact linear)."""
    u = sn.fields("u", x)
    s = sn.PDESystem([sn.Eq(sn.D(x, 2)(u), 0)], [sn.Eq(u.subs(x, 0), 1), sn.Eq(u.subs(x, 1), 2)],
                     domain={x: (0, 1)}, name="stationary")
    return s, {x: 1 / 3}, {"u": 1 + x}, 1e-10, dict(order=2)


def nonuniform_diffusion():
    """MOL.jl's Array_Discretization "1D diffusion on a nonuniform grid": u_t = u_xx,
    u = sin(pi x), zero walls, the nodes 0.5 (1 - cos(pi i / 20)), i = 0..20, to t = 0.2
    (MOL.jl compares with its scalar discretization; here with the exact solution,
    at its diffusion tests' atol 0.01)."""
    u = sn.fields("u", t, x)
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                     [sn.Eq(u.subs(t, 0), sin(sympy.pi * x)), sn.Eq(u.subs(x, 0), 0), sn.Eq(u.subs(x, 1), 0)],
                     domain={t: (0, 0.2), x: (0, 1)}, name="nu_diffusion")
    nodes = 0.5 * (1 - np.cos(np.pi * np.arange(21) / 20))
    return s, {x: nodes}, {"u": exp(-sympy.pi**2 * t) * sin(sympy.pi * x)}, 0.01, dict(order=2)


def nonuniform_burgers():
    """MOL.jl's "Inviscid Burgers equation, 1D, u(0, x) ~ x, Non-Uniform": u_t = -u u_x,
    u = x/(t + 1) at the walls, nodes 0:0.05:1 moved by +-0.001 at random (MOL.jl uses
    StableRNG(0); here numpy's seed 0), first-order upwind, atol 10^-2.5."""
    u = sn.fields("u", t, x)
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), -u * sn.D(x)(u))],
                     [sn.Eq(u.subs(t, 0), x), sn.Eq(u.subs(x, 0), 0), sn.Eq(u.subs(x, 1), 1 / (t + 1))],
                     domain={t: (0, 1), x: (0, 1)}, name="nu_burgers")
    nodes = np.linspace(0, 1, 21)
    nodes[1:-1] += np.random.default_rng(0).choice([0.001, -0.001], 19)
    return s, {x: nodes}, {"u": x / (t + 1)}, 10**-2.5, dict(order=1, advection="upwind")


def _perturbed(case, amplitude, tol, order=None):
    """MOL.jl's Diffusion_NU version of a Diffusion case: the same problem on its grid's
    nodes moved by +-amplitude at random (MOL.jl: StableRNG(0); here numpy's seed 0),
    with the NU test's tolerance (and order)."""

    def make():
        system, grid, exact, _, opts = case()
        (var, spec), = grid.items()
        lo, hi = system.domain[var]
        n = spec if isinstance(spec, int) else int(round((hi - lo) / spec)) + 1
        nodes = np.linspace(lo, hi, n)
        nodes[1:-1] += np.random.default_rng(0).choice([amplitude, -amplitude], n - 2)
        return system, {var: nodes}, exact, tol, dict(opts, **({"order": order} if order else {}))

    return make


def chebyshev_01a():
    """MOL.jl's Diffusion_NU Test 01a: u_t = u_xx, u_x = 0 at both walls, u = cos(x), on
    chebyspace(100, [0, pi]) (cos((2k - 1) pi / 200), ends set to the walls), order 4,
    atol 0.01 at every saved time."""
    s = _heat(lambda u: [sn.Eq(u.diff(x).subs(x, 0), 0), sn.Eq(u.diff(x).subs(x, PI), 0)], (0, PI), cos(x))
    k = np.arange(1, 101)
    nodes = np.sort(PI / 2 + PI / 2 * np.cos((2 * k - 1) * np.pi / 200))
    nodes[0], nodes[-1] = 0.0, PI
    return s, {x: nodes}, {"u": exp(-t) * cos(x)}, 0.01, dict(order=4)


def _cluster_grids(n=101):
    """Convection_NU's extreme grids on [0, 1]: sinh-symmetric (stretch 7), geometric
    toward the left / right (ratio 1000 between the largest and smallest cell), Chebyshev."""
    xi = np.linspace(-1, 1, n)
    sym = (np.sinh(7.0 * xi) / np.sinh(7.0) + 1) / 2
    r = 1000.0 ** (1 / (n - 2))
    dx = r ** np.arange(n - 1)
    left = np.concatenate([[0.0], np.cumsum(dx / dx.sum())])
    right = np.concatenate([[0.0], np.cumsum(dx[::-1] / dx.sum())])
    k = np.arange(1, n + 1)
    cheb = np.sort(0.5 + 0.5 * np.cos(np.pi * (2 * k - 1) / (2 * n)))
    grids = {"symmetric": sym, "left": left, "right": right, "chebyshev": cheb}
    for g in grids.values():
        g[0], g[-1] = 0.0, 1.0
    return grids


def _advection_nu(nodes, v, tf, tol):
    """Convection_NU: u_t = -v u_x, the translating sine sin(2 pi (x - v t)) at both walls
    (Dirichlet, as MOL.jl), upwind order 1, SSPRK3 with dt = 0.25 min dx / |v|."""
    u = sn.fields("u", t, x)
    wave = sin(2 * sympy.pi * (x - v * t))
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), -v * sn.D(x)(u))],
                     [sn.Eq(u.subs(t, 0), wave.subs(t, 0)), sn.Eq(u.subs(x, 0), wave.subs(x, 0)),
                      sn.Eq(u.subs(x, 1), wave.subs(x, 1))],
                     domain={t: (0, tf), x: (0, 1)}, name="advection_nu")
    dt = 0.25 * np.diff(nodes).min() / abs(v)
    return s, {x: nodes}, {"u": wave}, tol, dict(order=1, advection="upwind", method="ssprk3", dt=dt)


def _extreme(label):
    def make():
        return _advection_nu(_cluster_grids()[label], 1.0, 0.25, ("bounded", 5.0))
    return make


def _switching(v):
    def make():
        xi = np.linspace(-1, 1, 111)
        nodes = (np.sinh(5.5 * xi) / np.sinh(5.5) + 1) / 2
        nodes[0], nodes[-1] = 0.0, 1.0
        return _advection_nu(nodes, v, 0.3, ("rel_l2", 0.2))
    return make


def _right_cluster(a, b, n, ratio):
    """MOL.jl's right_cluster_grid: geometric cells growing to the left, largest/smallest = ratio."""
    dx = ratio ** (np.arange(n - 1) / (n - 2))
    nodes = a + np.concatenate([[0.0], np.cumsum(dx[::-1] / dx.sum() * (b - a))])
    nodes[-1] = b
    return nodes


def _one_sided_cluster(a, b, n, ratio):
    """MOL.jl's one_sided_cluster_grid: geometric cells growing to the right."""
    dx = ratio ** (np.arange(n - 1) / (n - 2))
    nodes = a + np.concatenate([[0.0], np.cumsum(dx / dx.sum() * (b - a))])
    nodes[-1] = b
    return nodes


def _symmetric_cluster(a, b, n, stretch):
    xi = np.linspace(-1, 1, n)
    nodes = a + (b - a) * (np.sinh(stretch * xi) / np.sinh(stretch) + 1) / 2
    nodes[0], nodes[-1] = a, b
    return nodes


def _chebyshev(a, b, n):
    k = np.arange(1, n + 1)
    nodes = np.sort((a + b) / 2 + (b - a) / 2 * np.cos(np.pi * (2 * k - 1) / (2 * n)))
    nodes[0], nodes[-1] = a, b
    return nodes


def _periodic_advection(nodes, v, tf, exact, kind):
    """Convection_NU: u_t = -v u_x, periodic (u(t, 0) = u(t, 1)) on non-uniform nodes,
    upwind order 1, SSPRK3 with dt = 0.25 min dx / |v|."""
    u = sn.fields("u", t, x)
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), -v * sn.D(x)(u))],
                     [sn.Eq(u.subs(t, 0), exact.subs(t, 0)), sn.Eq(u.subs(x, 0), u.subs(x, 1))],
                     domain={t: (0, tf), x: (0, 1)}, name="periodic_advection_nu")
    dt = 0.25 * np.diff(nodes).min() / abs(v)
    return s, {x: nodes}, {"u": exact}, kind, dict(order=1, advection="upwind", method="ssprk3", dt=dt)


def _periodic_sine(grid, v):
    def make():
        return _periodic_advection(grid(), v, 0.4, sin(2 * sympy.pi * (x - v * t)), ("rel_l2", 0.2))
    return make


def _periodic_mass():
    """The Gaussian (sigma 0.04) carried at v = 0.6 to t = 0.08 on a sinh grid (141 nodes,
    stretch 6): trapezoid mass to rtol 0.05 (MOL.jl's MASS_RTOL)."""
    gauss = exp(-((x - sympy.Rational(1, 2) - sympy.Rational(3, 5) * t) ** 2) / (2 * sympy.Rational(1, 25) ** 2))
    return _periodic_advection(_symmetric_cluster(0, 1, 141, 6.0), 0.6, 0.08, gauss, ("mass_rtol", 0.05))


def _interface_advection(g1, g2, v, tf, kind, v2=None):
    """Convection_NU's interfaces: u1_t = -v u1_x1 on [0, 0.5], u2_t = -v2 u2_x2 on
    [0.5, 1], u1 = u2 at 0.5, the translating sine at the inflow end and u_x = 0 at the
    outflow end, upwind order 1, SSPRK3 with dt = 0.25 min dx / max |v|."""
    x1, x2 = sn.variables("x1 x2")
    u1, u2 = sn.fields("u1", t, x1), sn.fields("u2", t, x2)
    v2 = v if v2 is None else v2
    wave = sin(2 * sympy.pi * (x - v * t))
    bcs = [sn.Eq(u1.subs(t, 0), sin(2 * sympy.pi * x1)), sn.Eq(u2.subs(t, 0), sin(2 * sympy.pi * x2)),
           sn.Eq(u1.subs(x1, 0.5), u2.subs(x2, 0.5))]
    if v >= 0:
        bcs += [sn.Eq(u1.subs(x1, 0), wave.subs(x, 0)), sn.Eq(u2.diff(x2).subs(x2, 1), 0)]
    else:
        bcs += [sn.Eq(u2.subs(x2, 1), wave.subs(x, 1)), sn.Eq(u1.diff(x1).subs(x1, 0), 0)]
    s = sn.PDESystem([sn.Eq(sn.D(t)(u1), -v * sn.D(x1)(u1)), sn.Eq(sn.D(t)(u2), -v2 * sn.D(x2)(u2))], bcs,
                     domain={t: (0, tf), x1: (0, 0.5), x2: (0.5, 1)}, name="interface_advection_nu")
    dt = min(0.25 * np.diff(g).min() / max(abs(v), abs(v2)) for g in (g1, g2))
    exact = {"u1": wave.subs(x, x1), "u2": wave.subs(x, x2)}
    return s, {x1: g1, x2: g2}, exact, kind, dict(order=1, advection="upwind", method="ssprk3", dt=dt)


def _interface_case(g1, g2, v, tf, kind, v2=None):
    def make():
        return _interface_advection(g1(), g2(), v, tf, kind, v2)
    return make


def _chained_advection():
    """Convection_NU's "Four chained nonuniform interfaces": u_k,t = -u_k,x on [0, 0.25],
    [0.25, 0.5], [0.5, 0.75], [0.75, 1] with 27, 31, 25 and 29 nodes clustered toward
    alternate ends (ratios 60, 40, 80, 30), u_k = u_k+1 at each interface, the translating
    sine flowing in at 0 and u_x = 0 at 1, upwind order 1, SSPRK3, t = 0.1, relative L2
    < 0.2 on every block (MOL.jl checks the first three)."""
    xs = sn.variables("x1 x2 x3 x4")
    us = [sn.fields(f"u{k + 1}", t, v) for k, v in enumerate(xs)]
    grids = [_right_cluster(0, 0.25, 27, 60.0), _one_sided_cluster(0.25, 0.5, 31, 40.0),
             _right_cluster(0.5, 0.75, 25, 80.0), _one_sided_cluster(0.75, 1, 29, 30.0)]
    wave = sin(2 * sympy.pi * (x - t))
    ends = [0, 0.25, 0.5, 0.75, 1]
    bcs = [sn.Eq(u.subs(t, 0), wave.subs({t: 0, x: v})) for u, v in zip(us, xs)]
    bcs += [sn.Eq(us[k].subs(xs[k], ends[k + 1]), us[k + 1].subs(xs[k + 1], ends[k + 1])) for k in range(3)]
    bcs += [sn.Eq(us[0].subs(xs[0], 0), wave.subs(x, 0)), sn.Eq(us[3].diff(xs[3]).subs(xs[3], 1), 0)]
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(v)(u)) for u, v in zip(us, xs)], bcs,
                     domain={t: (0, 0.1), **{v: (ends[k], ends[k + 1]) for k, v in enumerate(xs)}},
                     name="chained_advection_nu")
    dt = min(0.25 * np.diff(g).min() for g in grids)
    exact = {f"u{k + 1}": wave.subs(x, v) for k, v in enumerate(xs)}
    return s, dict(zip(xs, grids)), exact, ("rel_l2", 0.2), dict(order=1, advection="upwind", method="ssprk3", dt=dt)


def integrals_00():
    """MOL.jl's Integrals Test 00: cumuSum(t, x) = Integral(integrand, (x, 0, x)),
    integrand = t cos(x), 120 points on [0, 2 pi], atol 0.36. A running integral is a
    field: D(x)(cumuSum) = integrand, cumuSum(t, 0) = 0 (both equations algebraic: a DAE
    in t, time given)."""
    w, c = sn.fields("integrand cumuSum", t, x)
    s = sn.PDESystem([sn.Eq(sn.D(x)(c), w), sn.Eq(w, t * cos(x))],
                     [sn.Eq(c.subs(t, 0), 0), sn.Eq(w.subs(t, 0), 0), sn.Eq(c.subs(x, 0), 0)],
                     domain={t: (0, 1), x: (0, 2 * PI)}, name="integrals_00", time=t)
    return s, {x: 120}, {"cumuSum": t * sin(x)}, 0.36, dict(order=2, method="rodas5p")


def integrals_01():
    """MOL.jl's Integrals Test 01: cumuSum(t) = Integral(integrand, (x, 0, 2 pi)) (a field
    of time only), integrand = t cos(x), 120 points, atol 0.3."""
    w, c = sn.fields("integrand", t, x), sn.fields("cumuSum", t)
    s = sn.PDESystem([sn.Eq(c, sympy.Integral(w, (x, 0, 2 * sympy.pi))), sn.Eq(w, t * cos(x))],
                     [sn.Eq(c.subs(t, 0), 0), sn.Eq(w.subs(t, 0), 0)],
                     domain={t: (0, 1), x: (0, 2 * PI)}, name="integrals_01", time=t)
    return s, {x: 120}, {"cumuSum": 0 * t}, 0.3, dict(order=2, method="rodas5p")


def integrals_02():
    """MOL.jl's Integrals Test 02 (marked broken there): cumuSum(t) = Integral(integrand,
    (x, 0.5, 3.0)), an integral over part of [0, 2 pi], integrand = t cos(x), 120 points,
    atol 0.36 against t (sin 3 - sin 0.5) (the test's commented-out check)."""
    w, c = sn.fields("integrand", t, x), sn.fields("cumuSum", t)
    s = sn.PDESystem([sn.Eq(c, sympy.Integral(w, (x, 0.5, 3.0))), sn.Eq(w, t * cos(x))],
                     [sn.Eq(c.subs(t, 0), 0), sn.Eq(w.subs(t, 0), 0)],
                     domain={t: (0, 1), x: (0, 2 * PI)}, name="integrals_02", time=t)
    return s, {x: 120}, {"cumuSum": t * (sin(3.0) - sin(0.5))}, 0.36, dict(order=2, method="rodas5p")


def _two_domains(u, v, xs, ys, bcs, name):
    return sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(xs, 2)(u)), sn.Eq(sn.D(t)(v), sn.D(ys, 2)(v))], bcs,
                        domain={t: (0, 1), xs: (0, 1), ys: (0, 2)}, name=name)


def diffusion_12(order):
    """MOL.jl's Diffusion Test 12: u(t, x) on [0, 1] and v(t, y) on [0, 2], not coupled
    (fields on different variables), 100 points each, atol 0.01."""
    def make():
        y = sn.variables("y")
        u, v = sn.fields("u", t, x), sn.fields("v", t, y)
        bcs = [sn.Eq(u.subs(t, 0), cos(x)), sn.Eq(v.subs(t, 0), sin(y)), sn.Eq(u.subs(x, 0), exp(-t)),
               sn.Eq(u.diff(x).subs(x, 1), -exp(-t) * sin(1)), sn.Eq(v.diff(y).subs(y, 0), exp(-t)),
               sn.Eq(v.subs(y, 2), exp(-t) * sin(2))]
        s = _two_domains(u, v, x, y, bcs, "diffusion_12")
        return s, {x: 1 / 99, y: 2 / 99}, {"u": exp(-t) * cos(x), "v": exp(-t) * sin(y)}, 0.01, dict(order=order)
    return make


def diffusion_13():
    """MOL.jl's Diffusion Test 13: u(t, x) beside an ODE v(t), 100 points, atol 0.01."""
    u, v = sn.fields("u", t, x), sn.fields("v", t)
    s = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u)), sn.Eq(sn.D(t)(v), -v)],
                     [sn.Eq(u.subs(t, 0), sin(x)), sn.Eq(v.subs(t, 0), 1), sn.Eq(u.subs(x, 0), 0),
                      sn.Eq(u.diff(x).subs(x, 1), exp(-t) * cos(1))], domain={t: (0, 1), x: (0, 1)}, name="d13")
    return s, {x: 1 / 99}, {"u": exp(-t) * sin(x), "v": exp(-t)}, 0.01, dict(order=2)


def diffusion_14():
    """MOL.jl's Diffusion Test 14: c1(t, x1) on [0, 0.5] and c2(t, x2) on [0.5, 1] joined by
    c1(t, 0.5) = c2(t, 0.5) alone, 10 points each; at t = 1 both are 0 to atol 0.001."""
    x1, x2 = sn.variables("x1 x2")
    c1, c2 = sn.fields("c1", t, x1), sn.fields("c2", t, x2)
    s = sn.PDESystem([sn.Eq(sn.D(t)(c1), sn.D(x1, 2)(c1)), sn.Eq(sn.D(t)(c2), sn.D(x2, 2)(c2))],
                     [sn.Eq(c1.subs(t, 0), -x1 * (x1 - 1) * sin(x1)), sn.Eq(c2.subs(t, 0), x2 * (x2 - 1) * sin(x2)),
                      sn.Eq(c1.subs(x1, 0), 0), sn.Eq(c1.subs(x1, 0.5), c2.subs(x2, 0.5)), sn.Eq(c2.subs(x2, 1), 0)],
                     domain={t: (0, 1), x1: (0, 0.5), x2: (0.5, 1)}, name="diffusion_14")
    return s, {x1: 10, x2: 10}, {"c1": 0 * t, "c2": 0 * t}, ("final", 0.001), dict(order=2)


def interface_nonlinear():
    """MOL.jl's nonlinear interface (MOL_Interface2 "Nonlinlap with flux interface"):
    c_t = (D_i(c) c_x)_x on [0, 0.5] and [0.5, 1], D1 = 1 + c/10, D2 = 1/10 + c/10,
    continuity and flux continuity at 0.5, no-flux ends, 40 points each, FBDF there. MOL.jl
    checks only that it solves; here also that the mass (no-flux ends) stays constant to
    1e-3 (our bound: the trapezoid mass of a second-order scheme with one-sided walls drifts
    by O(h^2), 8.5e-5 at 40 points)."""
    x1, x2 = sn.variables("x1 x2")
    c1, c2 = sn.fields("c1", t, x1), sn.fields("c2", t, x2)
    D1, D2 = 1 + c1 / 10, sympy.Rational(1, 10) + c2 / 10
    s = sn.PDESystem(
        [sn.Eq(sn.D(t)(c1), sn.D(x1)(D1 * sn.D(x1)(c1))), sn.Eq(sn.D(t)(c2), sn.D(x2)(D2 * sn.D(x2)(c2)))],
        [sn.Eq(c1.subs(t, 0), 1 + cos(2 * sympy.pi * x1)), sn.Eq(c2.subs(t, 0), 1 + cos(2 * sympy.pi * x2)),
         sn.Eq(c1.diff(x1).subs(x1, 0), 0), sn.Eq(c1.subs(x1, 0.5), c2.subs(x2, 0.5)),
         sn.Eq((-D1 * sn.D(x1)(c1)).subs(x1, 0.5), (-D2 * sn.D(x2)(c2)).subs(x2, 0.5)),
         sn.Eq(c2.diff(x2).subs(x2, 1), 0)],
        domain={t: (0, 0.15), x1: (0, 0.5), x2: (0.5, 1)}, name="interface_nonlinear")
    return s, {x1: 40, x2: 40}, "mass", ("mass", 1e-3), dict(order=2, method="rodas5p")


BACKEND = os.environ.get("SYMNUM_BACKEND", "numba")

CASES = {
    "Diffusion 00 (Dirichlet, t-dependent)": diffusion_00,
    "Diffusion 03 (Neumann, order 8, 300 pts)": diffusion_03,
    "Diffusion 03a (Neumann, t-dependent)": diffusion_03a,
    "Diffusion 04 (Dirichlet + Neumann)": diffusion_04,
    "Diffusion 05 (Robin, order 4)": diffusion_05,
    "Diffusion 06 (Robin with t-dependent coefficients, order 6)": diffusion_06,
    "Diffusion 07 (spherical Laplacian, order 4)": diffusion_07,
    "Diffusion 10 (two fields, mixed conditions, order 6)": diffusion_10,
    "Nonlinear diffusion 00 (u^-1 flux)": nonlinear_00,
    "Nonlinear diffusion 01a (u^2 flux)": nonlinear_01a,
    "Nonlinear diffusion 01b (u^2 flux, order 4)": nonlinear_01b,
    "Nonlinear diffusion 02 (tan(x), Neumann)": nonlinear_02,
    "Higher order: beam with velocity, as MOL.jl writes it": higher_beam_as_written,
    "Higher order: beam with velocity, clamped (u_x(0) = 0 added)": higher_beam_clamped,
    "Higher order: KdV soliton, 3 conditions per side": higher_kdv,
    "Stationary (dx = 1/3)": stationary,
    "Convection 00 (u_t = -u_x, upwind order 1, Euler)": convection_00,
    "Convection 00a (u_t = u_x, upwind order 1, Euler)": convection_00a,
    "Convection_WENO 00 (u_t = -u_x, WENO5)": convection_weno_00,
    "Convection_WENO 00a (u_t = u_x, WENO5)": convection_weno_00a,
    "Complex: Schroedinger (100 points)": schroedinger,
    "Diffusion_NU 00 (Dirichlet, 30 nodes +-0.001)": _perturbed(diffusion_00, 0.001, 0.02),
    "Diffusion_NU 01a (Neumann, chebyspace(100), order 4)": chebyshev_01a,
    "Diffusion_NU 03 (Neumann, 300 nodes +-0.0001, order 6)": _perturbed(diffusion_03, 0.0001, 0.02, order=6),
    "Diffusion_NU 04 (Dirichlet + Neumann, 30 nodes +-0.001)": _perturbed(diffusion_04, 0.001, 0.02),
    "Diffusion_NU 05 (Robin, 201 nodes +-0.001, order 4)": _perturbed(diffusion_05, 0.001, 0.1),
    "Diffusion_NU 06 (t-dependent Robin, 201 nodes +-0.001, order 6)": _perturbed(diffusion_06, 0.001, 0.06),
    "Nonlinear_Diffusion_NU 00 (u^-1 flux, 201 nodes +-0.001)": _perturbed(nonlinear_00, 0.001, 0.1),
    "Nonlinear_Diffusion_NU 01a (u^2 flux, 201 nodes +-0.001)": _perturbed(nonlinear_01a, 0.001, 0.1),
    "Nonlinear_Diffusion_NU 01b (u^2 flux, order 4, 201 nodes +-0.001)": _perturbed(nonlinear_01b, 0.001, 0.1),
    "Convection_NU extreme stretching: symmetric sinh grid": _extreme("symmetric"),
    "Convection_NU extreme stretching: geometric to the left, ratio 1000": _extreme("left"),
    "Convection_NU extreme stretching: geometric to the right, ratio 1000": _extreme("right"),
    "Convection_NU extreme stretching: Chebyshev": _extreme("chebyshev"),
    "Convection_NU direction switching, v = 1": _switching(1.0),
    "Convection_NU direction switching, v = -1": _switching(-1.0),
    "Convection_NU periodic, sinh grid (121, stretch 5), v = 1": _periodic_sine(lambda: _symmetric_cluster(0, 1, 121, 5.0), 1.0),
    "Convection_NU periodic, Chebyshev grid (121), v = -2": _periodic_sine(lambda: _chebyshev(0, 1, 121), -2.0),
    "Convection_NU periodic mass on a sinh grid (141, stretch 6)": _periodic_mass,
    "Convection_NU interfaces: opposed clustering (51 + 51, ratio 400)": _interface_case(
        lambda: _right_cluster(0, 0.5, 51, 400.0), lambda: _one_sided_cluster(0.5, 1, 51, 400.0), 1.0, 0.25, ("rel_l2", 0.2)),
    "Convection_NU interfaces: negative wind (sinh 71 + 71)": _interface_case(
        lambda: _symmetric_cluster(0, 0.5, 71, 6.0), lambda: _symmetric_cluster(0.5, 1, 71, 6.0), -1.2, 0.3, ("rel_l2", 0.2)),
    "Convection_NU interfaces: fine at the interface (ratio 1000)": _interface_case(
        lambda: _right_cluster(0, 0.5, 51, 1000.0), lambda: _one_sided_cluster(0.5, 1, 51, 1000.0), 1.0, 0.15, ("bounded", 5.0)),
    "Convection_NU interfaces: fine inside (ratio 1000)": _interface_case(
        lambda: _one_sided_cluster(0, 0.5, 51, 1000.0), lambda: _right_cluster(0.5, 1, 51, 1000.0), 1.0, 0.15, ("bounded", 5.0)),
    "Convection_NU interfaces: distinct speeds 1 and 0.4 (45 + 45, ratio 300)": _interface_case(
        lambda: _right_cluster(0, 0.5, 45, 300.0), lambda: _one_sided_cluster(0.5, 1, 45, 300.0), 1.0, 0.2, ("bounded", 5.0), v2=0.4),
    "Convection_NU interfaces: 61 + 51 nodes (ratio 50), blocks on their own nodes": _interface_case(
        lambda: _right_cluster(0, 0.5, 61, 50.0), lambda: _one_sided_cluster(0.5, 1, 51, 50.0), 1.0, 0.2, ("rel_l2", 0.2)),
    "Convection_NU interfaces: Chebyshev beside uniform (51 + 51, node sets differ)": _interface_case(
        lambda: _chebyshev(0, 0.5, 51), lambda: _one_sided_cluster(0.5, 1, 51, 1.0), 1.0, 0.15, ("bounded", 5.0)),
    "Convection_NU interfaces: four chained blocks (27/31/25/29 nodes)": _chained_advection,
    "Convection_NU interfaces: spacing 0.01 beside a sinh grid (51 + 41; MOL.jl rejects the pairing)": _interface_case(
        lambda: np.linspace(0, 0.5, 51), lambda: _symmetric_cluster(0.5, 1, 41, 5.0), 1.0, 0.2, ("rel_l2", 0.2)),
    "Integrals 00 (running integral 0..x, as a field)": integrals_00,
    "Integrals 01 (whole domain into a field of t)": integrals_01,
    "Integrals 02 (part of the domain, (0.5, 3); broken in MOL.jl)": integrals_02,
    "Diffusion 12 (u(t, x), v(t, y): fields on different variables, order 4)": diffusion_12(4),
    "Diffusion 12 (the same, order 2)": diffusion_12(2),
    "Diffusion 13 (a PDE beside an ODE v(t))": diffusion_13,
    "Diffusion 14 (two domains joined by c1 = c2 at 0.5)": diffusion_14,
    "MOL_Interface2 (nonlinear flux interface, FBDF there, rodas5p here)": interface_nonlinear,
    "Non-uniform: diffusion on 0.5 (1 - cos(pi i/20))": nonuniform_diffusion,
    "Non-uniform: inviscid Burgers, upwind order 1, perturbed nodes": nonuniform_burgers,
}

NOT_WRITTEN: dict = {}  # MOL.jl test problems not written here (none left)


def run_case(name, make):
    t0 = time.perf_counter()
    system, grid, exact, tol, opts = make()
    opts = dict(opts)
    method = opts.pop("method", "tsit5")
    dt = opts.pop("dt", None)
    prob = discretize(system, grid, backend=BACKEND, **opts)
    if system.time is None:
        sol = solve(prob)
    else:
        tight = {} if dt is not None else dict(rtol=1e-8, atol=1e-10)
        sol = solve(prob, method=method, dt=dt, saveat=5, progress=False, **tight)
    seconds = time.perf_counter() - t0
    if exact is None:
        states = np.asarray(sol.states)
        ok = bool(np.isfinite(states).all() and sol[system.fields[0]][-1].min() < 0)
        return ok, float("nan"), "runs, deflects downward", seconds
    if exact == "mass":  # no-flux ends: the integral over every block stays as it was
        mass = sum(np.trapezoid(sol[f], sol.grid[system.blocks.variable(f)], axis=-1) for f in system.fields)
        err = float(np.abs(mass - mass[0]).max() / abs(mass[0]))
        return err <= tol[1], err, f"relative mass change {tol[1]:g}", seconds
    worst = 0.0
    names = {str(f.func): f for f in list(system.fields) + list(system.complex_fields)}
    for fname, ex in exact.items():
        f = names[fname]
        own = system.blocks.variable(f) if system.blocks is not None else None
        space = [] if f in system.time_only else [own] if own is not None else list(prob.grid)
        mesh = np.meshgrid(*(sol.grid[v] for v in space), indexing="ij")
        args = ([t] if system.time is not None else []) + space
        fn = sympy.lambdify(args, ex, "numpy")
        times = sol.t if system.time is not None else [None]
        kind, limit = tol if isinstance(tol, tuple) else ("atol", tol)
        if kind in ("scaled", "final", "rel_l2", "bounded", "mass_rtol"):  # MOL.jl compares the final time only
            times = times[-1:]
        for tk in times:
            k = list(sol.t).index(tk) if tk is not None else None
            with np.errstate(all="ignore"):  # a Piecewise exact solution evaluates both branches
                got = sol[f][k] if tk is not None else sol[f]
                want = np.broadcast_to(fn(*([tk] if tk is not None else []), *mesh), np.shape(got))
            if kind == "modulus":  # MOL.jl's Complex test: |psi|^2, each scaled by its largest value
                got, want = np.abs(got)**2, np.abs(want)**2
                err = np.abs(got / got.max() - want / want.max()).max()
            elif kind == "rel_l2":  # Convection_NU: L2 norms weighted by the cell widths
                g = sol.grid[space[0]]
                w = np.append(np.diff(g), np.diff(g)[-1])
                err = np.sqrt((w * (got - want)**2).sum() / (w * want**2).sum())
            elif kind == "mass_rtol":  # Convection_NU: trapezoid mass at the end against the start's
                lo, hi = system.domain[space[0]]
                g = np.append(sol.grid[space[0]], hi)  # on the circle: the first node again at hi
                start = np.trapezoid(np.append(fn(0.0, g[:-1]), fn(0.0, g[0])), g)
                err = abs(np.trapezoid(np.append(got, got[0]), g) - start) / abs(start)
            elif kind == "bounded":  # Convection_NU's stability check: finite and below the bound
                err = float(np.abs(got).max()) if np.isfinite(got).all() else float("inf")
            elif kind == "rtol":
                err = np.abs(got - want).max() / np.abs(want).max()
            elif kind == "scaled":
                err = np.abs(got - want).max() / max(want.max(), got.max())
            else:  # atol, or the final time's atol
                err = np.abs(got - want).max()
            worst = max(worst, float(err))
    return worst <= limit, worst, f"{kind} {limit:g}", seconds


def main():
    passed = 0
    rows = []
    rejected = 0
    only = sys.argv[1:]  # substrings of case names: run those alone
    for name, make in CASES.items():
        if only and not any(o in name for o in only):
            continue
        try:
            ok, err, tol, sec = run_case(name, make)
            status = "PASS" if ok else "FAIL"
        except sn.SymnumError as e:
            ok, err, sec = False, float("nan"), float("nan")
            tol = f"{type(e).__name__}: {str(e)[:100]}"
            status = "REJECTED" if getattr(make, "rejects", None) else "FAIL"
            rejected += status == "REJECTED"
        passed += ok
        rows.append((name, err, tol, ok, sec))
        print(f"{status:8s}  {name:62s} err {err:9.3g}  ({tol})  {sec:6.2f} s", flush=True)
    print(f"\n{passed} / {len(rows)} written cases pass their MOL.jl tolerance; {rejected} rejected by design "
          f"(an underdetermined model, named in the error)")
    for name, why in NOT_WRITTEN.items():
        print(f"not written: {name}: {why}")


if __name__ == "__main__":
    main()
