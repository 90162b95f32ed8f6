"""An integro-differential equation trained as written (DeepXDE's Volterra_IDE example):

    y'(t) + y(t) = int_0^t e^(s - t) y(s) ds,   t in [0, 5],   y(0) = 1,

exact y = e^-t cosh t. The kernel's t goes outside the integral, e^-t int_0^t e^s y ds;
the PINN evaluates the integral at each collocation point by Gauss-Legendre quadrature
of its network between the point's limits (`quadrature=` nodes). The method of lines
takes integral terms over the whole domain only, and says how to write this one (a
field w with w' = y - w, w(0) = 0): that ODE system is solved beside it as the check.

Run:  python examples/pinn_integral.py [adam] [lbfgs]    (default 500 1000)
"""

import sys

import numpy as np
import sympy

import symnum as sn
from symnum import solvers

t = sn.variables("t")
y = sn.fields("y", t)


def main(adam: int = 500, lbfgs: int = 1000) -> None:
    volterra = sn.ODESystem([sn.Eq(sn.D(t)(y) + y, sympy.exp(-t) * sn.Integral(sympy.exp(t) * y, (t, 0, t)))],
                            [sn.Initial(y, 1)], domain={t: (0, 5)}, name="volterra")
    print(volterra)
    try:
        solvers.discretize(volterra)
    except sn.ModelError as e:
        print(f"discretize: {str(e).split(' (discretize needs')[0]}")
    T = np.linspace(0, 5, 201)
    exact = np.exp(-T) * np.cosh(T)
    res = solvers.PINN(volterra, hidden=[16, 16], n_collocation=32, quadrature=20, dtype="float64", seed=0).train(
        steps=adam, lbfgs=lbfgs, progress=False)
    err = np.linalg.norm(res.predict(y, {t: T}) - exact) / np.linalg.norm(exact)
    print(f"PINN, {adam} Adam + {res.timings['lbfgs_iterations']} L-BFGS steps in {res.timings['total_s']:.1f} s: "
          f"relative L2 error {err:.2e} against e^-t cosh t")
    # the running integral as a field, as discretize's message says: an ODE system
    w = sn.fields("w", t)
    ode = sn.ODESystem([sn.Eq(sn.D(t)(y), w - y), sn.Eq(sn.D(t)(w), y - w)], [sn.Initial(y, 1), sn.Initial(w, 0)],
                       domain={t: (0, 5)}, name="volterra_as_ode")
    sol = solvers.solve(solvers.discretize(ode), rtol=1e-10, atol=1e-12, saveat=T, progress=False)
    print(f"method of lines (w' = y - w): max error {np.abs(sol[y] - exact).max():.2e}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
