"""Fractional derivatives (Riemann-Liouville), the operators of DeepXDE's fractional
examples: D_{a+}^alpha u(x) = 1/Gamma(2 - alpha) d^2/dx^2 int_a^x (x - s)^(1 - alpha) u(s) ds
(left-sided, `(x, a, x)`) and D_{b-}^alpha u(x) = 1/Gamma(2 - alpha) d^2/dx^2 int_x^b
(s - x)^(1 - alpha) u(s) ds (right-sided, `(x, x, b)`), 1 < alpha < 2 (0 < alpha < 1:
one derivative, the kernel's power -alpha).

    >>> import symnum as sn
    >>> x = sn.variables("x")
    >>> u = sn.fields("u", x)
    >>> sn.FractionalDerivative(u, (x, 0, x), 1.5)
    FractionalDerivative(u(x), (x, 0, x), 1.5)

The PINN evaluates them by Gauss-Jacobi quadrature of its network (the weight the
kernel's power, so exact for polynomials of high degree, where DeepXDE's Gruenwald-
Letnikov sums are first-order in their spacing); the method of lines and the GP refuse
them by name.
"""

from __future__ import annotations

import sympy

from ._errors import ModelError
from ._expressions import is_field

__all__ = ["FractionalDerivative", "FractionalLaplacian"]


def _field(expr, where):
    expr = sympy.sympify(expr)
    if not is_field(expr):
        raise ModelError(f"{where}: take it of a field (u, or u(t, x)); got {expr}")
    return expr


def _order(alpha, where, integer_hint=""):
    alpha = sympy.sympify(alpha)
    if not (alpha.is_number and 0 < float(alpha) < 2 and float(alpha) != 1):
        raise ModelError(f"{where}: the order must be a number in (0, 2) other than 1{integer_hint}; got {alpha}")
    return alpha


class FractionalDerivative(sympy.Function):
    """Riemann-Liouville derivative of order `alpha` (0 < alpha < 2, not 1) of a field
    along one variable: `limits` (x, a, x) from a (left-sided), (x, x, b) to b."""

    nargs = 3

    def __new__(cls, expr, limits, alpha, **kwargs):
        where = f"FractionalDerivative({expr}, {limits}, {alpha})"
        expr = _field(expr, where)
        try:
            v, lo, hi = limits
        except (TypeError, ValueError):
            raise ModelError(f"{where}: give the limits as (x, a, x) (from a) or (x, x, b) (to b)") from None
        v, lo, hi = (sympy.sympify(q) for q in (v, lo, hi))
        if not (isinstance(v, sympy.Symbol) and v in expr.args):
            raise ModelError(f"{where}: {v} is not a variable of {expr}")
        if (lo == v) == (hi == v) or not (lo.is_number or hi.is_number):
            raise ModelError(
                f"{where}: one limit is the variable {v} and the other a number: ({v}, a, {v}) is the "
                f"left-sided derivative from a, ({v}, {v}, b) the right-sided one to b"
            )
        alpha = _order(alpha, where, f" (an integer order is sn.D({v}, n))")
        return super().__new__(cls, expr, sympy.Tuple(v, lo, hi), alpha, **kwargs)

    @property
    def field(self):
        return self.args[0]

    @property
    def variable(self):
        return self.args[1][0]

    @property
    def left(self) -> bool:
        """From the lower limit (D_{a+}); else to the upper one (D_{b-})."""
        return self.args[1][2] == self.variable

    @property
    def end(self) -> float:
        """a (left-sided) or b (right-sided)."""
        lo, hi = self.args[1][1], self.args[1][2]
        return float(lo if self.left else hi)

    @property
    def order(self) -> float:
        return float(self.args[2])

    def _eval_derivative(self, s):
        raise ModelError(f"{self}: a derivative of a fractional derivative is not supported; write the total order")


class FractionalLaplacian(sympy.Function):
    """The fractional Laplacian (-Delta)^(alpha/2) of a field in its spatial variables
    `variables` (a tuple: (x,), (x, y), (x, y, z)), 0 < alpha < 2 (not 1), the field
    zero outside the domain: as DeepXDE's fractional Poisson examples write it, an
    integral over directions theta of Riemann-Liouville derivatives along the rays from
    the boundary, C_d int_{S^(d-1)} D_theta^alpha u dtheta with C_d =
    Gamma((1 - alpha)/2) Gamma((d + alpha)/2) / (2 pi^((d + 1)/2)). Its domain must be a
    Disk/Ball or a Rectangle/Box (the rays' lengths are known there).

    >>> import symnum as sn
    >>> x, y = sn.variables("x y")
    >>> u = sn.fields("u", x, y)
    >>> sn.FractionalLaplacian(u, (x, y), 1.8)
    FractionalLaplacian(u(x, y), (x, y), 1.8)
    """

    nargs = 3

    def __new__(cls, expr, variables, alpha, **kwargs):
        where = f"FractionalLaplacian({expr}, {variables}, {alpha})"
        expr = _field(expr, where)
        variables = tuple(sympy.sympify(v) for v in (variables if isinstance(variables, (tuple, list, sympy.Tuple))
                                                    else (variables,)))
        bad = [v for v in variables if not (isinstance(v, sympy.Symbol) and v in expr.args)]
        if bad or not variables or len(set(variables)) != len(variables):
            raise ModelError(f"{where}: give the field's spatial variables, each once (got {variables})")
        alpha = _order(alpha, where)
        return super().__new__(cls, expr, sympy.Tuple(*variables), alpha, **kwargs)

    @property
    def field(self):
        return self.args[0]

    @property
    def variables(self) -> tuple:
        return tuple(self.args[1])

    @property
    def order(self) -> float:
        return float(self.args[2])

    def constant(self) -> float:
        """C_d of the directional form."""
        import math

        d, a = len(self.variables), self.order
        return math.gamma((1 - a) / 2) * math.gamma((d + a) / 2) / (2 * math.pi ** ((d + 1) / 2))

    def _eval_derivative(self, s):
        raise ModelError(f"{self}: a derivative of a fractional Laplacian is not supported")
