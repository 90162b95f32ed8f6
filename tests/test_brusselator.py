"""The 2D Brusselator of the MethodOfLines.jl tutorial, to t = 11.5, against an
independent hand-written NumPy discretization (np.roll Laplacian) integrated by
scipy's BDF on the same grid."""

import sys
from pathlib import Path

import numpy as np
import scipy.integrate
import scipy.sparse as sp

from symnum.solvers import discretize, solve

sys.path.insert(0, str(Path(__file__).parent.parent / "examples"))
from brusselator import make_brusselator  # noqa: E402

N = 24
ALPHA = 10.0


def reference(times):
    h = 1.0 / N
    X, Y = np.meshgrid(np.arange(N) * h, np.arange(N) * h, indexing="ij")
    disc = (X - 0.3) ** 2 + (Y - 0.6) ** 2 <= 0.1**2

    def lap(a):
        return (np.roll(a, 1, 0) + np.roll(a, -1, 0) + np.roll(a, 1, 1) + np.roll(a, -1, 1) - 4 * a) / h**2

    def f(t, s):
        u, v = s.reshape(2, N, N)
        force = np.where(disc & (t >= 1.1), 5.0, 0.0)
        du = 1 + u**2 * v - 4.4 * u + ALPHA * lap(u) + force
        dv = 3.4 * u - u**2 * v + ALPHA * lap(v)
        return np.concatenate([du.ravel(), dv.ravel()])

    ring = sp.diags([1, 1, 1, 1, 1], [-N + 1, -1, 0, 1, N - 1], shape=(N, N), dtype=float)
    block = (sp.kron(ring, sp.eye(N)) + sp.kron(sp.eye(N), ring)) != 0
    pattern = sp.bmat([[block, sp.eye(N * N)], [sp.eye(N * N), block]])
    s0 = np.concatenate([(22 * (Y * (1 - Y)) ** 1.5).ravel(), (27 * (X * (1 - X)) ** 1.5).ravel()])
    res = scipy.integrate.solve_ivp(f, (0, 11.5), s0, method="BDF", t_eval=times, rtol=1e-8,
                                    atol=1e-10, jac_sparsity=pattern)
    return res.y.T.reshape(len(times), 2, N, N)


def test_brusselator_matches_reference():
    system = make_brusselator()
    x, y = system.space
    u, v = system.fields
    times = [0.0, 1.0, 2.0, 6.0, 11.5]
    prob = discretize(system, {x: N, y: N})
    sol = solve(prob, method="bdf", saveat=times, rtol=1e-8, atol=1e-10, progress=False)
    ref = reference(times)
    assert sol[u].shape == (len(times), N, N)
    for k, f in enumerate((u, v)):
        np.testing.assert_allclose(sol[f], ref[:, k], rtol=2e-4, atol=2e-4)
    # the forcing disc is switched on at t = 1.1, at the nodes within 0.1 of (0.3, 0.6)
    jump = prob.rhs(prob.u0, 1.2) - prob.rhs(prob.u0, 1.0)
    X, Y = np.meshgrid(prob.grid[x], prob.grid[y], indexing="ij")
    np.testing.assert_allclose(jump[0], np.where((X - 0.3) ** 2 + (Y - 0.6) ** 2 <= 0.01, 5.0, 0.0))
    assert not jump[1].any()
