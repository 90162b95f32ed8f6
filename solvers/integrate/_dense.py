"""Dense output: the solution at any time of the integration interval, from the
steps the loop recorded (`solve(..., dense=True)`, then `sol(t)`).

Explicit methods interpolate with the tableau's own continuous extension
(Tsit5, DOPRI5: order 4 between steps; DOP853: 7) or, without one, cubic Hermite through
y and f at both ends of the step (order 3); values at save times equal the
saved ones. The implicit methods use scipy's own dense output."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symnum._errors import SolverError

__all__ = ["RKDense", "ScipyDense"]


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

    def _nodes(self, i):
        """y at step boundaries `i` (an index array; len(h) is the end)."""
        return np.concatenate([self.y, self.y_end[None]])[i]

    def __call__(self, times) -> np.ndarray:
        """The states at `times` (1-D), shape `(len(times), *shape)`; vectorized over
        times, with the compiled loop's formulas in its order of operations (a
        value at a save time equals the saved one)."""
        times = _check(times, *self.t_span)
        n = len(self.h)
        if n == 0:
            return np.broadcast_to(self.y_end, (len(times), *self.y_end.shape)).copy()
        i = np.clip(np.searchsorted(self.t, times, side="right") - 1, 0, n - 1)
        hs = self.h[i]
        th = (times - self.t[i]) / hs
        bcast = (slice(None),) + (None,) * self.y_end.ndim
        if self.tab.saving == "dense":
            out = self.y[i]
            for r, s in enumerate(self.stages):
                poly = self.tab.dense[s]
                horner = poly[-1]
                for cf in reversed(poly[:-1]):
                    horner = horner * th + cf
                out = out + (hs * horner * th)[bcast] * self.k[i, r]
        else:  # cubic Hermite through (y, f) at both ends of the step
            th2, th3 = th * th, th * th * th
            f = np.concatenate([self.k[:, 0], self.f_end[None]])
            out = ((2.0 * th3 - 3.0 * th2 + 1.0)[bcast] * self.y[i] + (hs * (th3 - 2.0 * th2 + th))[bcast] * f[i]
                   + (-2.0 * th3 + 3.0 * th2)[bcast] * self._nodes(i + 1) + (hs * (th3 - th2))[bcast] * f[i + 1])
        # step boundaries exactly: the states themselves
        at_start, at_end = times == self.t[i], times == self.t[i + 1]
        out[at_start] = self._nodes(i[at_start])
        out[at_end] = self._nodes(i[at_end] + 1)
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
        n = len(self.t) - 1
        if n == 0:
            return np.broadcast_to(self.y[0], (len(times), *self.y.shape[1:])).copy()
        i = np.clip(np.searchsorted(self.t, times, side="right") - 1, 0, n - 1)
        hs = self.t[i + 1] - self.t[i]
        th = (times - self.t[i]) / hs
        b = (slice(None),) + (None,) * (self.y.ndim - 1)
        th2, th3 = th * th, th * th * th
        out = ((2.0 * th3 - 3.0 * th2 + 1.0)[b] * self.y[i] + (hs * (th3 - 2.0 * th2 + th))[b] * self.f[i]
               + (-2.0 * th3 + 3.0 * th2)[b] * self.y[i + 1] + (hs * (th3 - th2))[b] * self.f[i + 1])
        out[times == self.t[i + 1]] = self.y[i[times == self.t[i + 1]] + 1]
        return out
