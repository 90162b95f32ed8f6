"""Finite-difference weights by Fornberg's algorithm (Math. Comp. 51, 1988),
in exact rational arithmetic: schemes are data, computed once per stencil
shape, independent of the grid; and in floating point on the nodes of a
non-uniform grid."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

__all__ = ["fornberg_weights", "fornberg_weights_at", "centered_offsets", "one_sided_count"]


@lru_cache(maxsize=None)
def fornberg_weights(offsets: tuple[int, ...], order: int, at: int = 0) -> tuple[Fraction, ...]:
    """Weights w_k with f^(order)(at) ~ sum_k w_k f(offsets[k]) / h**order, exact.

    >>> [str(w) for w in fornberg_weights((-1, 0, 1), 2)]    # the 3-point Laplacian
    ['1', '-2', '1']
    >>> [str(w) for w in fornberg_weights((0, 1, 2), 1)]     # one-sided, at a wall
    ['-3/2', '2', '-1/2']
    """
    return tuple(_weights([Fraction(o) for o in offsets], Fraction(at), order, Fraction(1), Fraction(0)))


def fornberg_weights_at(points, order: int, at: float = 0.0) -> list[float]:
    """Weights w_k with f^(order)(at) ~ sum_k w_k f(points[k]) on arbitrary (non-uniform)
    points, in floating point: the weights of a non-uniform grid, per node."""
    return _weights([float(p) for p in points], float(at), order, 1.0, 0.0)


def _weights(x, z, order, one, zero):
    """Fornberg's recursion over the points `x` (Fractions or floats alike)."""
    n = len(x)
    if order >= n:
        raise ValueError(f"{n} points cannot approximate a derivative of order {order}")
    c = [[zero] * (order + 1) for _ in range(n)]
    c1, c4 = one, x[0] - z
    c[0][0] = one
    for i in range(1, n):
        mn = min(i, order)
        c2, c5, c4 = one, c4, x[i] - z
        for j in range(i):
            c3 = x[i] - x[j]
            c2 *= c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[i][k] = c1 * (k * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2
                c[i][0] = -c1 * c5 * c[i - 1][0] / c2
            for k in range(mn, 0, -1):
                c[j][k] = (c4 * c[j][k] - k * c[j][k - 1]) / c3
            c[j][0] = c4 * c[j][0] / c3
        c1 = c2
    return [c[k][order] for k in range(n)]


def centered_offsets(order: int, accuracy: int) -> tuple[int, ...]:
    """The symmetric stencil of even `accuracy` for a derivative of `order`."""
    half = (order + 1) // 2 - 1 + accuracy // 2
    return tuple(range(-half, half + 1))


def one_sided_count(order: int, accuracy: int) -> int:
    """Points of a one-sided (or shifted) stencil of the given accuracy."""
    return order + accuracy
