"""Explicit Runge-Kutta methods as data: a tableau, an order, an embedded
error estimate and a continuous extension. Both integrators are written once
for all of them: the readable array loop (`_explicit.py`, NumPy or CuPy) and
the generated compiled loop (`symnum.codegen._stepper.make_stepper`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = ["ExplicitRK", "EULER", "SSPRK3", "RK4", "DOPRI5", "TSIT5", "DOP853", "METHODS"]


@dataclass(frozen=True)
class ExplicitRK:
    """Stages k_i = f(t + c_i h, y + h sum_j a_ij k_j); y_new = y + h sum_i b_i k_i.

    `b_error` (adaptive methods): the weights of the embedded error estimate
    b - b_hat, of order `order - 1`. `b_error3` (DOP853): a second, third-order
    estimate, combined with the first as in Hairer's DOP853. `dense`: the
    continuous extension y(t + theta h) = y + h sum_i beta_i(theta) k_i, with
    beta_i(theta) = sum_p dense[i][p] theta**(p + 1), over the stages and the
    `a_extra`/`c_extra` stages that only the extension uses (DOP853's three,
    evaluated only in steps that save between their ends); without it, saving
    uses cubic Hermite interpolation (methods up to order 4).

    >>> from symnum.solvers import METHODS
    >>> rk4 = METHODS["rk4"]
    >>> rk4.order, rk4.c, rk4.b_error is None      # classical RK4: fixed steps
    (4, (0.0, 0.5, 0.5, 1.0), True)
    """

    name: str
    a: tuple
    b: tuple
    c: tuple
    order: int
    b_error: tuple | None = None
    b_error3: tuple | None = None
    dense: tuple | None = None
    a_extra: tuple = ()
    c_extra: tuple = ()

    @property
    def adaptive(self) -> bool:
        return self.b_error is not None

    @property
    def stages(self) -> int:
        return len(self.b)

    @property
    def n_extra(self) -> int:
        """Stages of the continuous extension only."""
        return len(self.a_extra)

    def row(self, i: int) -> tuple:
        """a_ij of stage i, the extension's stages (i >= stages) included."""
        return tuple(self.a[i]) if i < self.stages else tuple(self.a_extra[i - self.stages])

    def node(self, i: int) -> float:
        return self.c[i] if i < self.stages else self.c_extra[i - self.stages]

    @property
    def fsal(self) -> bool:
        """First same as last: the last stage is f at y_new, so it is the next step's k_0."""
        return (
            len(self.b) > 1
            and self.c[-1] == 1.0
            and self.b[-1] == 0.0
            and tuple(self.a[-1]) == tuple(self.b[:-1])
        )

    @property
    def saving(self) -> str:
        """How values between steps are made: "dense" (the method's own extension)
        or "hermite" (cubic Hermite from y and f at both ends: accurate to order 4,
        enough for methods of order <= 4; higher orders carry their extension)."""
        return "dense" if self.dense is not None else "hermite"

    @cached_property
    def stability_limit(self) -> float:
        """The length of the real stability interval: h * lambda in [-limit, 0]
        keeps `|R(h lambda)| <= 1` (Euler 2, RK4 2.785)."""
        s = self.stages
        A = np.zeros((s, s))
        for i, row in enumerate(self.a):
            A[i, : len(row)] = row
        b = np.asarray(self.b)

        def amplification(z):  # R(z) = 1 + z b^T (I - z A)^{-1} 1
            return abs(1 + z * b @ np.linalg.solve(np.eye(s) - z * A, np.ones(s)))

        grid = np.linspace(0.0, 8.0, 8001)
        bad = next((x for x in grid if amplification(-x) > 1 + 1e-12), grid[-1])
        return float(bad - grid[1])


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

def _dopri5_dense():
    """Shampine's quartic extension of DOPRI5 (through y0, y1, f0, f1 and a
    fourth-order midpoint value y0 + h sum c_mid k; as in diffrax's Dopri5),
    written as beta_i(theta) polynomials."""
    b = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0])
    c_mid = np.array([6025192743 / 30085553152, 0.0, 51252292925 / 65400821598, -2691868925 / 45128329728,
                      187940372067 / 1594534317056, -1776094331 / 19743644256, 11237099 / 235043384]) / 2
    f0, f1 = np.eye(7)[0], np.eye(7)[6]
    # p(theta) = a theta^4 + b3 theta^3 + c2 theta^2 + f0 theta, per stage weight
    a4 = 2 * (f1 - f0) + 16 * c_mid - 8 * b
    b3 = 5 * f0 - 3 * f1 + 14 * b - 32 * c_mid
    c2 = f1 - 4 * f0 + 16 * c_mid - 5 * b
    return tuple(tuple(float(v) for v in row) for row in np.stack([f0, c2, b3, a4], axis=1))


def _tsit5_dense():
    """Tsitouras' continuous extension (the factored polynomials of
    OrdinaryDiffEq.jl's and diffrax's Tsit5), expanded in powers of theta."""
    P = np.polynomial.Polynomial
    T = P([0.0, 1.0])
    polys = [
        -1.0530884977290216 * T * (T - 1.3299890189751412) * (T**2 - 1.4364028541716351 * T + 0.7139816917074209),
        0.1017 * T**2 * (T**2 - 2.1966568338249754 * T + 1.2949852507374631),
        2.490627285651252793 * T**2 * (T**2 - 2.38535645472061657 * T + 1.57803468208092486),
        -16.54810288924490272 * (T - 1.21712927295533244) * (T - 0.61620406037800089) * T**2,
        47.37952196281928122 * (T - 1.203071208372362603) * (T - 0.658047292653547382) * T**2,
        -34.87065786149660974 * (T - 1.2) * (T - 0.666666666666666667) * T**2,
        2.5 * (T - 1) * (T - 0.6) * T**2,
    ]
    return tuple(tuple(float(v) for v in np.pad(p.coef[1:], (0, 4 - len(p.coef[1:])))) for p in polys)


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
    dense=_dopri5_dense(),
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
    dense=_tsit5_dense(),
)

_DOP853_B = (0.054293734116568765, 0.0, 0.0, 0.0, 0.0, 4.450312892752409, 1.8915178993145003, -5.801203960010585,
             0.3111643669578199, -0.1521609496625161, 0.20136540080403034, 0.04471061572777259, 0.0)

def _dop853_dense():
    """Hairer's seventh-order continuous extension of DOP853 (the coefficients
    `D` of scipy.integrate's DOP853, its three extra stages, and f at both
    ends), expanded from the nested form
    y(theta) = y0 + ((((((F6 x + F5)(1-x) + F4) x + F3)(1-x) + F2) x + F1)(1-x) + F0) x
    with F0 = dy, F1 = h f0 - dy, F2 = 2 dy - h (f0 + f1), F3.. = h D K, into
    beta_i(theta) polynomials over the 16 stages (13: f at y_new)."""
    D = np.array([
        [-8.4289382761090135, 0, 0, 0, 0, 0.56671495351937773, -3.0689499459498917, 2.3846676565120699,
         2.1170345824450281, -0.87139158377797299, 2.2404374302607883, 0.63157877876946877,
         -0.088990336451333307, 18.148505520854727, -9.1946323924783560, -4.4360363875948936],
        [10.427508642579134, 0, 0, 0, 0, 242.28349177525817, 165.20045171727028, -374.54675472269020,
         -22.113666853125306, 7.7334326684722638, -30.674084731089398, -9.3321305264302286,
         15.697238121770845, -31.139403219565178, -9.3529243588444793, 35.816841486394082],
        [19.985053242002433, 0, 0, 0, 0, -387.03730874935178, -189.17813819516758, 527.80815920542364,
         -11.573902539959629, 6.8812326946963003, -1.0006050966910838, 0.77771377980534429,
         -2.7782057523535082, -60.196695231264123, 84.320405506677162, 11.992291136182789],
        [-25.693933462703750, 0, 0, 0, 0, -154.18974869023643, -231.52937917604550, 357.63911791061412,
         93.405324183624316, -37.458323136451632, 104.09964950896230, 29.840293426660502,
         -43.533456590011141, 96.324553959188279, -39.177261675615441, -149.72683625798564],
    ])
    P = np.polynomial.Polynomial
    x, one = P([0.0, 1.0]), P([1.0])
    basis = [x, x * (one - x), x**2 * (one - x), x**2 * (one - x) ** 2, x**3 * (one - x) ** 2,
             x**3 * (one - x) ** 3, x**4 * (one - x) ** 3]
    b = np.r_[np.array(_DOP853_B[:12]), np.zeros(4)]
    e0, e12 = np.eye(16)[0], np.eye(16)[12]
    F = [b, e0 - b, 2 * b - e0 - e12, *D]  # each F_m = h * sum_i F[m][i] k_i
    rows = []
    for i in range(16):
        poly = sum((basis[m] * F[m][i] for m in range(7)), P([0.0]))
        coef = np.pad(poly.coef, (0, 8 - len(poly.coef)))
        assert abs(coef[0]) < 1e-15  # beta_i(0) = 0: the extension starts at y0
        rows.append(tuple(float(v) for v in coef[1:]))
    return tuple(rows)


# Dormand & Prince 8(5,3), Hairer's DOP853: 12 stages and the FSAL evaluation
# at y_new; the coefficients as in scipy.integrate's DOP853.
DOP853 = ExplicitRK(
    "dop853",
    a=(
        (),
        (0.05260015195876773,),
        (0.0197250569845379, 0.0591751709536137),
        (0.02958758547680685, 0.0, 0.08876275643042054),
        (0.2413651341592667, 0.0, -0.8845494793282861, 0.924834003261792),
        (0.037037037037037035, 0.0, 0.0, 0.17082860872947386, 0.12546768756682242),
        (0.037109375, 0.0, 0.0, 0.17025221101954405, 0.06021653898045596, -0.017578125),
        (0.03709200011850479, 0.0, 0.0, 0.17038392571223998, 0.10726203044637328, -0.015319437748624402,
         0.008273789163814023),
        (0.6241109587160757, 0.0, 0.0, -3.3608926294469414, -0.868219346841726, 27.59209969944671,
         20.154067550477894, -43.48988418106996),
        (0.47766253643826434, 0.0, 0.0, -2.4881146199716677, -0.590290826836843, 21.230051448181193,
         15.279233632882423, -33.28821096898486, -0.020331201708508627),
        (-0.9371424300859873, 0.0, 0.0, 5.186372428844064, 1.0914373489967295, -8.149787010746927,
         -18.52006565999696, 22.739487099350505, 2.4936055526796523, -3.0467644718982196),
        (2.273310147516538, 0.0, 0.0, -10.53449546673725, -2.0008720582248625, -17.9589318631188,
         27.94888452941996, -2.8589982771350235, -8.87285693353063, 12.360567175794303, 0.6433927460157636),
        (0.054293734116568765, 0.0, 0.0, 0.0, 0.0, 4.450312892752409, 1.8915178993145003, -5.801203960010585,
         0.3111643669578199, -0.1521609496625161, 0.20136540080403034, 0.04471061572777259),
    ),
    b=_DOP853_B,
    c=(0.0, 0.05260015195876773, 0.0789002279381516, 0.1183503419072274, 0.2816496580927726,
       0.3333333333333333, 0.25, 0.3076923076923077, 0.6512820512820513, 0.6, 0.8571428571428571, 1.0, 1.0),
    order=8,
    b_error=(0.01312004499419488, 0.0, 0.0, 0.0, 0.0, -1.2251564463762044, -0.4957589496572502,
             1.6643771824549864, -0.35032884874997366, 0.3341791187130175, 0.08192320648511571,
             -0.022355307863886294, 0.0),
    b_error3=(-0.18980075407240762, 0.0, 0.0, 0.0, 0.0, 4.450312892752409, 1.8915178993145003,
              -5.801203960010585, -0.4226823213237919, -0.1521609496625161, 0.20136540080403034,
              0.02265179219836082, 0.0),
    # the extension's stages (scipy's A[13:], C[13:])
    a_extra=(
        (0.056167502283047954, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25350021021662483, -0.2462390374708025,
         -0.12419142326381637, 0.15329179827876568, 0.0082010522956346907, 0.0075678976605456994, -0.008298),
        (0.031834648163502142, 0.0, 0.0, 0.0, 0.0, 0.028300909672366776, 0.053541988307438566,
         -0.054923748571390991, 0.0, 0.0, -0.00010834732869724932, 0.00038257109083565839,
         -0.00034046500868740456, 0.1413124436746325),
        (-0.42889630158379194, 0.0, 0.0, 0.0, 0.0, -4.697621415361164, 7.6834211960625991, 4.0689898183971103,
         0.35672718745528109, 0.0, 0.0, 0.0, -0.0013990241651590145, 2.9475147891527724, -9.1509584721798696),
    ),
    c_extra=(0.1, 0.2, 0.7777777777777778),
    dense=_dop853_dense(),
)


METHODS = {m.name: m for m in (EULER, SSPRK3, RK4, DOPRI5, TSIT5, DOP853)}
