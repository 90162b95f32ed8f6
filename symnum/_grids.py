"""A variable's grid as the user gives it: a number of points, a spacing that divides
its interval, or its nodes (non-uniform), read into (points, nodes) once for the
method of lines and for blocks joined on one axis."""

from __future__ import annotations

import numpy as np

from ._errors import DiscretizationError

__all__ = ["grid_points"]


def grid_points(v, spec, lo, hi, periodic) -> tuple:
    """(number of points, nodes or None) of `grid[v]` = `spec` on (lo, hi): a number of
    points, a spacing that divides the interval, or the nodes (checked; None when they
    are uniform: the uniform grid's kernels, and its walled Numba kernel, serve them)."""
    if isinstance(spec, (list, tuple, np.ndarray)):
        nodes = _grid_nodes(v, spec, lo, hi, periodic)
        uniform = _is_uniform(nodes)
        if periodic:  # the last node is the first one again (as MOL.jl's grids give it)
            nodes = nodes[:-1]
        return len(nodes), (None if uniform else nodes)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return int(spec), None
    if isinstance(spec, float) and spec > 0:
        cells = (hi - lo) / spec
        if abs(cells - round(cells)) > 1e-9 * max(1.0, cells):
            near = sorted({max(1, int(np.floor(cells))), int(np.ceil(cells))})
            choices = " or ".join(f"{(hi - lo) / c:.6g} ({c + (0 if periodic else 1)} points)" for c in near)
            raise DiscretizationError(
                f"spacing {spec} does not divide the interval {(lo, hi)} of {v} "
                f"({cells:.6g} cells): the nearest spacings that do are {choices}; the "
                f"grid is uniform, so give one of those, or a number of points"
            )
        return int(round(cells)) + (0 if periodic else 1), None
    raise DiscretizationError(
        f"grid[{v}] = {spec!r}: give a number of points (int), a spacing (float > 0) or "
        f"the nodes (an increasing sequence from {lo} to {hi})"
    )


def _grid_nodes(v, spec, lo, hi, periodic) -> tuple:
    """The nodes of a non-uniform grid, checked: strictly increasing, finite, from the
    domain's lower end to its upper end (along a periodic variable too: the upper end
    is the lower one again, and `grid_points` drops it)."""
    try:
        x = np.asarray(spec, dtype=float)
    except (TypeError, ValueError):
        raise DiscretizationError(f"grid[{v}] = {spec!r}: the nodes must be numbers") from None
    if x.ndim != 1 or len(x) < 3 or not np.isfinite(x).all():
        raise DiscretizationError(
            f"grid[{v}] must be a one-dimensional sequence of at least 3 finite nodes, got shape "
            f"{x.shape}{'' if np.isfinite(x).all() else ' with non-finite values'}"
        )
    steps = np.diff(x)
    if (steps <= 0).any():
        k = int(np.argmax(steps <= 0))
        raise DiscretizationError(
            f"grid[{v}]: the nodes must increase strictly, but node {k + 1} ({x[k + 1]:g}) does not "
            f"exceed node {k} ({x[k]:g}): sort them and drop duplicates"
        )
    tol = 1e-12 * max(1.0, abs(hi - lo))
    if abs(x[0] - lo) > tol or abs(x[-1] - hi) > tol:
        raise DiscretizationError(
            f"grid[{v}]: the nodes run from {x[0]:g} to {x[-1]:g}, but the domain of {v} is "
            f"({lo:g}, {hi:g}): the first and last node must be its ends"
        )
    x[0], x[-1] = lo, hi
    return tuple(float(c) for c in x)


def _is_uniform(nodes) -> bool:
    steps = np.diff(nodes)
    return bool(np.abs(steps - steps.mean()).max() <= 1e-12 * steps.mean())
