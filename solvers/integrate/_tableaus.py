"""Explicit Runge-Kutta methods as data: a tableau and an order. The
integrator in `_integrate.py` is written once for all of them, on array
arithmetic only, so it runs unchanged on NumPy or CuPy arrays."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ExplicitRK", "EULER", "SSPRK3", "RK4", "DOPRI5", "TSIT5", "METHODS"]


@dataclass(frozen=True)
class ExplicitRK:
    """Stages k_i = f(t + c_i h, y + h sum_j a_ij k_j); y_new = y + h sum_i b_i k_i.
    `b_error` (adaptive methods) are the weights of the embedded error estimate
    b - b_hat, of order `order - 1`."""

    name: str
    a: tuple
    b: tuple
    c: tuple
    order: int
    b_error: tuple | None = None

    @property
    def adaptive(self) -> bool:
        return self.b_error is not None


EULER = ExplicitRK("euler", a=((),), b=(1.0,), c=(0.0,), order=1)

# Shu-Osher strong-stability-preserving RK3
SSPRK3 = ExplicitRK(
    "ssprk3",
    a=((), (1.0,), (0.25, 0.25)),
    b=(1 / 6, 1 / 6, 2 / 3),
    c=(0.0, 1.0, 0.5),
    order=3,
)

RK4 = ExplicitRK(
    "rk4",
    a=((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)),
    b=(1 / 6, 1 / 3, 1 / 3, 1 / 6),
    c=(0.0, 0.5, 0.5, 1.0),
    order=4,
)

# Dormand & Prince (1980), 5(4)
DOPRI5 = ExplicitRK(
    "dopri5",
    a=(
        (),
        (1 / 5,),
        (3 / 40, 9 / 40),
        (44 / 45, -56 / 15, 32 / 9),
        (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
        (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
        (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
    ),
    b=(35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0),
    c=(0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0),
    order=5,
    b_error=(71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40),
)

# Tsitouras (2011), 5(4), the coefficients of OrdinaryDiffEq.jl's Tsit5
TSIT5 = ExplicitRK(
    "tsit5",
    a=(
        (),
        (0.161,),
        (-0.008480655492356989, 0.335480655492357),
        (2.897153057105493, -6.359448489975075, 4.3622954328695815),
        (5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525),
        (5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401, -0.028269050394068383),
        (0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081, 2.324710524099774),
    ),
    b=(0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081, 2.324710524099774, 0.0),
    c=(0.0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0, 1.0),
    order=5,
    b_error=(
        -0.00178001105222577714,
        -0.0008164344596567469,
        0.007880878010261995,
        -0.1447110071732629,
        0.5823571654525552,
        -0.45808210592918697,
        1 / 66,
    ),
)

METHODS = {m.name: m for m in (EULER, SSPRK3, RK4, DOPRI5, TSIT5)}
