"""Dense output: the solution at any time of the integration interval, from the
steps the loop recorded (`solve(..., dense=True)`, then `sol(t)`).

Explicit methods interpolate with the tableau's own continuous extension
(Tsit5, DOPRI5: order 4 between steps; DOP853: 7) or, without one, cubic Hermite through
y and f at both ends of the step (order 3); values at save times equal the
saved ones. The implicit methods use scipy's own dense output."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from symnum._errors import SolverError

__all__ = ["RKDense", "ScipyDense", "HermiteDense", "RosenbrockDense", "hermite_weights", "dense_weights"]


def hermite_weights(th, hs):
    """(c00, c10, c01, c11): cubic Hermite y(t + th h) = c00 y0 + c10 f0 + c01 y1 + c11 f1
    (scalars or arrays of th, hs); the same arithmetic as the compiled loop's saving."""
    th2, th3 = th * th, th * th * th
    return 2.0 * th3 - 3.0 * th2 + 1.0, hs * (th3 - 2.0 * th2 + th), -2.0 * th3 + 3.0 * th2, hs * (th3 - th2)


def dense_weights(tab, th, hs) -> dict:
    """{stage: h * b_i(theta)} of the tableau's continuous extension, for the stages
    that have one (scalars or arrays of th, hs), evaluated as the compiled loop does."""
    out = {}
    for i in range(len(tab.dense)):
        poly = tab.dense[i]
        if any(poly):
            horner = poly[-1]
            for cf in reversed(poly[:-1]):
                horner = horner * th + cf
            out[i] = hs * horner * th
    return out


def _steps(t, times):
    """The index of the recorded step each of `times` falls in."""
    return np.clip(np.searchsorted(t, times, side="right") - 1, 0, len(t) - 2)


def _check(times, lo, hi):
    times = np.asarray(times, dtype=float)
    bad = times[(times < lo) | (times > hi)]
    if bad.size:
        raise SolverError(
            f"sol(t) at t = {bad.flat[0]:.6g}: dense output covers the integration interval "
            f"[{lo:.6g}, {hi:.6g}]; solve over a wider tspan"
        )
    return times


@dataclass(frozen=True)
class RKDense:
    """Recorded steps of an explicit Runge-Kutta solve: step n starts at `t[n]`
    with size `h[n]` from state `y[n]`, its stages `k[n]` (those of `stages`);
    `t[-1]`, `y_end` (and for Hermite `f_end` = f(y_end)) close the last step."""

    tab: object
    stages: tuple
    t: np.ndarray  # (n + 1,)
    h: np.ndarray  # (n,)
    y: np.ndarray  # (n, *shape)
    k: np.ndarray  # (n, len(stages), *shape)
    y_end: np.ndarray
    f_end: np.ndarray | None = None

    @property
    def t_span(self) -> tuple[float, float]:
        return float(self.t[0]), float(self.t[-1])

    @functools.cached_property
    def _nodes(self):
        """y at every step boundary, the end included."""
        return np.concatenate([self.y, self.y_end[None]])

    @functools.cached_property
    def _slopes(self):
        """f at every step boundary (Hermite: k0 of each step, then f_end)."""
        return np.concatenate([self.k[:, 0], self.f_end[None]])

    def __call__(self, times) -> np.ndarray:
        """The states at `times` (1-D), shape `(len(times), *shape)`; vectorized over
        times, with the compiled loop's formulas in its order of operations (a
        value at a save time equals the saved one)."""
        times = _check(times, *self.t_span)
        if len(self.h) == 0:
            return np.broadcast_to(self.y_end, (len(times), *self.y_end.shape)).copy()
        i = _steps(self.t, times)
        hs = self.h[i]
        th = (times - self.t[i]) / hs
        bcast = (slice(None),) + (None,) * self.y_end.ndim
        if self.tab.saving == "dense":
            out = self.y[i]
            w = dense_weights(self.tab, th, hs)
            for r, s in enumerate(self.stages):
                out = out + w[s][bcast] * self.k[i, r]
        else:  # cubic Hermite through (y, f) at both ends of the step
            c00, c10, c01, c11 = (c[bcast] for c in hermite_weights(th, hs))
            f = self._slopes
            out = c00 * self.y[i] + c10 * f[i] + c01 * self._nodes[i + 1] + c11 * f[i + 1]
        # step boundaries exactly: the states themselves
        at_start, at_end = times == self.t[i], times == self.t[i + 1]
        out[at_start] = self._nodes[i[at_start]]
        out[at_end] = self._nodes[i[at_end] + 1]
        return out


@dataclass(frozen=True)
class ScipyDense:
    """scipy's `OdeSolution` (BDF, Radau) on the problem's state shape."""

    sol: object
    shape: tuple

    @property
    def t_span(self) -> tuple[float, float]:
        return float(self.sol.t_min), float(self.sol.t_max)

    def __call__(self, times) -> np.ndarray:
        times = _check(times, *self.t_span)
        return np.asarray(self.sol(times)).T.reshape(len(times), *self.shape)


@dataclass(frozen=True)
class HermiteDense:
    """Cubic Hermite interpolation through the states `y` and derivatives `f` at the
    step boundaries `t` (IMEX methods)."""

    t: np.ndarray  # (n + 1,)
    y: np.ndarray  # (n + 1, *shape)
    f: np.ndarray  # (n + 1, *shape)

    @property
    def t_span(self) -> tuple[float, float]:
        return float(self.t[0]), float(self.t[-1])

    def __call__(self, times) -> np.ndarray:
        times = _check(times, *self.t_span)
        if len(self.t) == 1:
            return np.broadcast_to(self.y[0], (len(times), *self.y.shape[1:])).copy()
        i = _steps(self.t, times)
        hs = self.t[i + 1] - self.t[i]
        b = (slice(None),) + (None,) * (self.y.ndim - 1)
        c00, c10, c01, c11 = (c[b] for c in hermite_weights((times - self.t[i]) / hs, hs))
        out = c00 * self.y[i] + c10 * self.f[i] + c01 * self.y[i + 1] + c11 * self.f[i + 1]
        out[times == self.t[i + 1]] = self.y[i[times == self.t[i + 1]] + 1]
        return out


@dataclass(frozen=True)
class RosenbrockDense:
    """Recorded steps: step n from `t[n]` with size `h[n]`, and per step
    (y, y_new, K_1, K_2, ...) of the continuous extension."""

    t: np.ndarray
    h: np.ndarray
    coef: np.ndarray  # (n, 2 + rows of H, *shape)
    y_end: np.ndarray

    @property
    def t_span(self) -> tuple[float, float]:
        return float(self.t[0]), float(self.t[-1])

    def __call__(self, times) -> np.ndarray:
        times = _check(times, *self.t_span)
        if len(self.h) == 0:
            return np.broadcast_to(self.y_end, (len(times), *self.y_end.shape)).copy()
        i = _steps(self.t, times)
        s = ((times - self.t[i]) / self.h[i])[(slice(None),) + (None,) * self.y_end.ndim]
        inner = self.coef[i, -1]
        for r in range(self.coef.shape[1] - 2, 1, -1):
            inner = self.coef[i, r] + s * inner
        out = (1 - s) * self.coef[i, 0] + s * (self.coef[i, 1] + (1 - s) * inner)
        out[times == self.t[i + 1]] = self.coef[i[times == self.t[i + 1]], 1]
        return out
