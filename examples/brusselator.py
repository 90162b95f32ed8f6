"""The 2D Brusselator (MethodOfLines.jl tutorial formulation), written once.

Run: python examples/brusselator.py
"""

import sympy

import symnum as sn


def make_brusselator() -> sn.PDESystem:
    t, x, y = sn.variables("t x y")
    alpha = sn.parameter("alpha", 10.0)
    u, v = sn.fields("u v", t, x, y)
    Dt = sn.D(t)
    # The forcing disc centred at (0.3, 0.6), switched on at t >= 1.1.
    f = sympy.Piecewise(
        (5.0, ((x - 0.3) ** 2 + (y - 0.6) ** 2 <= 0.1**2) & (t >= 1.1)), (0.0, True)
    )
    eqs = [
        sn.Eq(Dt(u), 1 + u**2 * v - 4.4 * u + alpha * sn.laplacian(u, x, y) + f),
        sn.Eq(Dt(v), 3.4 * u - u**2 * v + alpha * sn.laplacian(v, x, y)),
    ]
    bcs = [
        sn.Periodic(x),
        sn.Periodic(y),
        sn.Initial(u, 22 * (y * (1 - y)) ** sympy.Rational(3, 2)),
        sn.Initial(v, 27 * (x * (1 - x)) ** sympy.Rational(3, 2)),
    ]
    return sn.PDESystem(eqs, bcs, domain={t: (0, 11.5), x: (0, 1), y: (0, 1)}, name="brusselator")


def main() -> None:
    sys = make_brusselator()
    print(sys)
    print()
    print(sys.latex())


if __name__ == "__main__":
    main()
