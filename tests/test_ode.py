"""ODE systems (reaction networks): discretize(ode) is a problem of shape
(n_fields,) solved by the same integrators; and what discover finds from data
simulates again."""

import numpy as np
import pytest
import scipy.integrate

import symnum as sn
from symnum.solvers import discover, discretize, solve

t = sn.variables("t")


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("method", ["tsit5", "bdf", "rk4"])
def test_reaction_chain(backend, method):
    k1, k2 = sn.parameters("k1 k2", [1.0, 0.5])
    A, B = sn.fields("A B", t)
    ode = sn.ODESystem([sn.Eq(sn.D(t)(A), -k1 * A), sn.Eq(sn.D(t)(B), k1 * A - k2 * B)],
                       [sn.Initial(A, 1), sn.Initial(B, 0)], domain={t: (0, 5)}, name="chain")
    prob = discretize(ode, backend=backend)
    assert prob.shape == (2,) and prob.grid == {}
    np.testing.assert_allclose(prob.jacobian(prob.u0).toarray(), [[-1, 0], [1, -0.5]])
    sol = solve(prob, method=method, saveat=11, dt=1e-3, rtol=1e-9, atol=1e-12, progress=False)
    T = sol.t
    np.testing.assert_allclose(sol[A], np.exp(-T), atol=1e-6)
    np.testing.assert_allclose(sol[B], 2 * (np.exp(-0.5 * T) - np.exp(-T)), atol=1e-6)
    faster = prob.remake(params={k1: 2.0})
    assert faster.kernel is prob.kernel and faster.rhs(faster.u0, 0)[0] == -2.0


def test_cuda_backend_needs_a_grid():
    A = sn.fields("A", t)
    ode = sn.ODESystem([sn.Eq(sn.D(t)(A), -A)], [sn.Initial(A, 1)], domain={t: (0, 1)})
    with pytest.raises(sn.DiscretizationError, match="no spatial grid"):
        discretize(ode, backend="cuda")


def test_discovered_lorenz_simulates_again():
    X, Y, Z = sn.fields("x y z", t)
    T = np.linspace(0, 10, 5001)
    s = scipy.integrate.solve_ivp(lambda _, v: [10 * (v[1] - v[0]), v[0] * (28 - v[2]) - v[1], v[0] * v[1] - 8 / 3 * v[2]],
                                  (0, 10), [-8, 8, 27], t_eval=T, rtol=1e-11, atol=1e-11).y
    found = discover({X: s[0], Y: s[1], Z: s[2]}, grid={t: T})
    # chaos amplifies any coefficient error: compare over the first time unit
    again = found.to_system([sn.Initial(X, -8), sn.Initial(Y, 8), sn.Initial(Z, 27)], domain={t: (0, 1)})
    sol = solve(discretize(again), method="tsit5", saveat=T[:501:50], rtol=1e-10, atol=1e-10, progress=False)
    np.testing.assert_allclose(sol[X], s[0, :501:50], atol=1e-3 * np.abs(s[0]).max())
