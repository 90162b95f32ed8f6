"""Finite-difference weights: known stencils, and exactness on polynomials."""

from fractions import Fraction as F

import pytest

from symnum.solvers._fornberg import centered_offsets, fornberg_weights, fornberg_weights_at, one_sided_count


def test_known_stencils():
    assert fornberg_weights((-1, 0, 1), 2) == (1, -2, 1)
    assert fornberg_weights((-1, 0, 1), 1) == (F(-1, 2), 0, F(1, 2))
    assert fornberg_weights((-2, -1, 0, 1, 2), 2) == (F(-1, 12), F(4, 3), F(-5, 2), F(4, 3), F(-1, 12))
    assert fornberg_weights((0, 1, 2), 1) == (F(-3, 2), 2, F(-1, 2))


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("accuracy", [2, 4, 6, 8])
def test_exact_on_polynomials(order, accuracy):
    """A stencil of accuracy p differentiates polynomials of degree < order + p exactly,
    centered or shifted to a wall."""
    stencils = [centered_offsets(order, accuracy)]
    count = one_sided_count(order, accuracy)
    stencils += [tuple(range(-s, -s + count)) for s in range(0, count)]
    for offsets in stencils:
        w = fornberg_weights(offsets, order)
        for degree in range(order + accuracy):
            approx = sum(wk * F(o) ** degree for wk, o in zip(w, offsets))
            exact = 0
            if degree == order:
                exact = 1
                for k in range(1, order + 1):
                    exact *= k
            assert approx == exact, (offsets, degree)


def test_too_few_points():
    with pytest.raises(ValueError, match=r"^2 points cannot approximate a derivative of order 2$"):
        fornberg_weights((0, 1), 2)


def test_weights_at_a_point_other_than_zero():
    # the derivative at the last of three points: the backward formula
    assert fornberg_weights((0, 1, 2), 1, at=2) == (F(1, 2), -2, F(3, 2))
    assert fornberg_weights((0, 1, 2), 2, at=1) == (1, -2, 1)
    assert fornberg_weights((1, 2, 3), 1, at=1) == (F(-3, 2), 2, F(-1, 2))


def test_float_weights_on_arbitrary_points():
    """The non-uniform grids' weights: exact on polynomials of the stencil's degree at
    uneven points, at the point asked (default 0), and equal to the exact rational
    weights on an even grid."""
    pts = [-0.3, 0.0, 0.45, 1.1]
    for order in (1, 2, 3):
        for at in (0.0, 0.45):
            w = fornberg_weights_at(pts, order, at) if at else fornberg_weights_at(pts, order)
            for degree in range(len(pts)):
                approx = sum(wk * p**degree for wk, p in zip(w, pts))
                exact = 0.0
                if degree >= order:
                    exact = float(__import__("math").perm(degree, order)) * at ** (degree - order)
                assert approx == pytest.approx(exact, abs=1e-9), (order, at, degree)
    h = 0.125
    assert fornberg_weights_at([-h, 0, h], 2) == pytest.approx([1 / h**2, -2 / h**2, 1 / h**2])
