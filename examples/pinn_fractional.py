"""A fractional diffusion equation trained as written (DeepXDE's fractional_diffusion_1d):

    u_t = D_{0+}^1.8 u + D_{1-}^1.8 u + f(t, x)   on [0, 1] x [0, 1],

Riemann-Liouville derivatives from both walls, f chosen so that u = e^-t x^3 (1 - x)^3.
The walls and the initial value are built into the model (u = t x (1 - x) N + x^3 (1 - x)^3).
The PINN takes the fractional derivatives from its network's values at Chebyshev nodes of
[0, 1] (the exact derivative of their interpolating polynomial; the residual's points come
in groups sharing t, and a group shares the nodes), keeps its residual points `margin`
inside the walls (there the operator of a network vanishing like x is singular like
x^-0.8, while the solution vanishes like x^3), redraws them every 1000 steps, and ends Adam
at the lowest recorded loss (`keep_best`).

Run:  python examples/pinn_fractional.py [adam]    (default 6000: relative L2 5.5e-3, 0.6 ms per step)
"""

import math
import sys

import numpy as np
import sympy

import symnum as sn
from symnum import solvers

t, x = sn.variables("t x")
u = sn.fields("u", t, x)
ALPHA = 1.8


def both_sides(p):
    """D_{0+}^alpha x^p + D_{1-}^alpha (1 - x)^p = Gamma(p + 1) / Gamma(p + 1 - alpha) (x^(p - alpha) + (1 - x)^(p - alpha)):
    by the symmetry of g, (D_{0+}^alpha + D_{1-}^alpha) g sums these over g's monomials."""
    return math.gamma(p + 1) / math.gamma(p + 1 - ALPHA) * (x ** (p - ALPHA) + (1 - x) ** (p - ALPHA))


def main(adam: int = 6000) -> None:
    g = x**3 * (1 - x) ** 3  # = x^3 - 3 x^4 + 3 x^5 - x^6
    frac_g = both_sides(3) - 3 * both_sides(4) + 3 * both_sides(5) - both_sides(6)
    frac = sn.FractionalDerivative(u, (x, 0, x), ALPHA) + sn.FractionalDerivative(u, (x, x, 1), ALPHA)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), frac - sympy.exp(-t) * (g + frac_g))], [],
                          domain={t: (0, 1), x: (0, 1)}, name="fractional_diffusion")
    print(system)
    pinn = solvers.PINN(system, hidden=[20] * 4, n_collocation=400, transform={u: t * x * (1 - x) * u + g},
                        margin=0.05, dtype="float32", seed=0)
    res = pinn.train(steps=adam, lr=1e-3, keep_best=True, resample_every=1000, progress=False)
    T, X = (a.ravel() for a in np.meshgrid(np.linspace(0, 1, 101), np.linspace(0, 1, 101)))
    exact = np.exp(-T) * X**3 * (1 - X) ** 3
    err = np.linalg.norm(res.predict(u, {t: T, x: X}) - exact) / np.linalg.norm(exact)
    print(f"PINN, {res.timings['adam_steps']} Adam steps at {res.timings['ms_per_adam_step']:.2f} ms "
          f"({res.timings['total_s']:.1f} s): relative L2 error {err:.2e} against e^-t x^3 (1 - x)^3")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
