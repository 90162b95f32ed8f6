"""Stationary kernels for the Gaussian-process solver, GENERATED from sympy.

One component of the spectral mixture (Wilson & Adams 2013; as a PDE prior,
Fang et al., ICLR 2024) is

    k(d) = w * envelope(a d) * cos(2 pi mu d),     d = |x - y| >= 0,

with weight w, inverse length a and frequency mu (cycles per unit of x); a
Gaussian-mixture spectrum gives the squared-exponential envelope, a
Student-t mixture the Matern-5/2 one. The derivatives d^m k / d d^m are taken
by sympy and printed by codegen's JAX backend, once per envelope and order;
the component parameters are arrays of shape (Q,), so one call evaluates every
component at every distance by broadcasting.

For the process, the covariance of D^i u(x) with D^j u(y) is
(-1)^j k^(i+j)(x - y), and k^(m)(tau) = sign(tau)^m g^(m)(|tau|) for the even
function k(tau) = g(|tau|): every odd derivative of g vanishes at 0 for these
envelopes, so the sign's value at tau = 0 does not matter.
"""

from __future__ import annotations

import functools

import sympy

from symnum.codegen._jax import make_jax_function

__all__ = ["ENVELOPES", "kernel_derivatives"]

_d = sympy.Symbol("d", nonnegative=True)
_w, _a, _mu = sympy.symbols("w a mu", positive=True)


def _se(r):
    return sympy.exp(-r**2 / 2)


def _matern52(r):
    s5 = sympy.sqrt(5)
    return (1 + s5 * r + sympy.Rational(5, 3) * r**2) * sympy.exp(-s5 * r)


ENVELOPES = {"se": _se, "matern52": _matern52}


@functools.lru_cache(maxsize=None)
def kernel_derivatives(envelope: str, order: int):
    """Generated g, g', ..., g^(order) of one component, as a JaxFunction
    fn([d], [w, a, mu]) -> list of arrays (broadcast over d and the components)."""
    g = _w * ENVELOPES[envelope](_a * _d) * sympy.cos(2 * sympy.pi * _mu * _d)
    exprs = [g]
    for _ in range(order):
        exprs.append(sympy.diff(exprs[-1], _d))
    return make_jax_function(exprs, [_d], [_w, _a, _mu], name=f"kernel_{envelope}_{order}")
