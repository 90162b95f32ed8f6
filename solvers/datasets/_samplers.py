"""Samplers of initial fields and parameters for datasets.

A sampler is called as `sampler(rng, grid)`, with `rng` a
`numpy.random.Generator` and `grid` the problem's coordinates
(`{x: nodes, ...}`, axis order), and returns a value: a field on the grid
(an array of the grid's shape) or a parameter (a float). Any callable of that
signature is a sampler, so users add their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symnum._errors import ModelError

__all__ = ["GaussianRandomField", "Uniform"]


@dataclass(frozen=True)
class Uniform:
    """A parameter drawn uniformly from [lo, hi).

    >>> import numpy as np
    >>> bool(0.1 <= Uniform(0.1, 0.2)(np.random.default_rng(0), {}) < 0.2)
    True
    """

    lo: float
    hi: float

    def __post_init__(self):
        if not (np.isfinite(self.lo) and np.isfinite(self.hi) and self.lo < self.hi):
            raise ModelError(f"Uniform(lo={self.lo}, hi={self.hi}): give finite bounds with lo < hi")

    def __call__(self, rng: np.random.Generator, grid: dict) -> float:
        return float(rng.uniform(self.lo, self.hi))


@dataclass(frozen=True)
class GaussianRandomField:
    """A Gaussian random field with covariance sigma^2 (-Laplacian + tau^2 I)^(-alpha),
    the FNO paper's parametrization (Li et al. 2021). The defaults are those of
    the FNO repository's Burgers data generator (gen_burgers1.m: alpha = 2.5,
    tau = 7, sigma = 49); the paper's text states N(0, 625 (-Laplacian + 25 I)^-2),
    i.e. alpha = 2, tau = 5, sigma = 25, rougher and larger. Drawn by its
    Karhunen-Loeve expansion on the grid: along a periodic axis (nodes lo + j h,
    the last node one step before hi) the Fourier modes of the period hi - lo;
    along a non-periodic one the cosine (Neumann) modes of [lo, hi], as the FNO
    paper's Darcy data. `zero_mean=True` drops the constant mode, as the FNO
    code does. The modes above Nyquist are not drawn (the grid cannot carry
    them): the field is the truncated expansion. `modes=K` keeps the wavenumbers
    up to K (per axis) only: then the draw is the same function on every grid
    that resolves them (a fine reference solve sees the coarse one's data).

    >>> import numpy as np, symnum as sn
    >>> x = sn.variables("x")
    >>> draw = GaussianRandomField(periodic=True)(np.random.default_rng(0), {x: np.linspace(0, 1, 64, endpoint=False)})
    >>> draw.shape, bool(abs(draw.mean()) < 1e-12)      # zero_mean: no constant mode
    ((64,), True)
    """

    alpha: float = 2.5
    tau: float = 7.0
    sigma: float = 49.0
    mean: float = 0.0
    zero_mean: bool = True
    periodic: bool | None = None  # None: the problem's axes (generate_dataset), else periodic
    modes: int | None = None

    def __post_init__(self):
        for name in ("alpha", "tau", "sigma"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise ModelError(f"GaussianRandomField({name}={v}): {name} must be a positive number")
        if self.modes is not None and not (isinstance(self.modes, (int, np.integer)) and self.modes >= 1):
            raise ModelError(f"GaussianRandomField(modes={self.modes!r}): give a positive integer or None")

    def eigenvalue(self, wavenumber: np.ndarray) -> np.ndarray:
        """The covariance's eigenvalue for an angular wavenumber `|k|`."""
        return self.sigma**2 * (wavenumber**2 + self.tau**2) ** (-self.alpha)

    def __call__(self, rng: np.random.Generator, grid: dict, periodic=None) -> np.ndarray:
        """A draw on `grid` ({x: nodes}); `periodic` a bool per axis. Without
        it: the sampler's `periodic` for every axis, and periodic when that is
        None (`generate_dataset` passes the problem's axes when it is None)."""
        axes = list(grid.values())
        if not axes:
            raise ModelError("GaussianRandomField needs a spatial grid; for a scalar use Uniform or a callable")
        if periodic is None:
            periodic = [True if self.periodic is None else self.periodic] * len(axes)
        # one basis per axis: values (n, m) of m orthonormal modes, and their wavenumbers
        bases, waves = zip(*(_basis(np.asarray(c, float), p, self.modes) for c, p in zip(axes, periodic)))
        lam = self.eigenvalue(np.sqrt(sum(np.meshgrid(*(w**2 for w in waves), indexing="ij"))))
        if self.zero_mean:
            lam[(0,) * lam.ndim] = 0.0
        xi = rng.standard_normal(lam.shape)
        coef = np.sqrt(lam) * xi
        for a, B in enumerate(bases):  # sum over the modes one axis at a time
            coef = np.moveaxis(np.tensordot(B, coef, axes=([1], [a])), 0, a)
        return self.mean + coef


def _basis(x: np.ndarray, periodic: bool, modes: int | None = None):
    """`_modes` of these nodes, computed once per grid (a dataset draws on one grid
    thousands of times: 0.5 ms a basis at 128 nodes, half of the 1200 Burgers samples'
    generation time when it was rebuilt per draw)."""
    key = (x.tobytes(), bool(periodic), modes)
    if key not in _BASES:
        if len(_BASES) > 64:
            _BASES.clear()
        values, waves = _modes(x, periodic, modes)
        values.flags.writeable = waves.flags.writeable = False
        _BASES[key] = values, waves
    return _BASES[key]


_BASES: dict = {}


def _modes(x: np.ndarray, periodic: bool, modes: int | None = None):
    """Real orthonormal modes on the nodes x: (values (n, m), angular wavenumbers (m,)).
    Periodic: 1/sqrt(L), sqrt(2/L) cos(k x), sqrt(2/L) sin(k x) for k = 2 pi j / L
    below Nyquist; otherwise 1/sqrt(L), sqrt(2/L) cos(k (x - lo)), k = pi j / L."""
    n = len(x)
    if n < 2:
        raise ModelError(f"GaussianRandomField: an axis has {n} node(s); give at least 2")
    h = x[1] - x[0]
    s = x - x[0]
    if periodic:
        L = n * h
        top = (n - 1) // 2  # the Nyquist mode (even n) has no sine partner: dropped
        js = np.arange(1, (top if modes is None else min(top, modes)) + 1)
        k = 2 * np.pi * js / L
        cols = [np.full(n, 1 / np.sqrt(L))]
        waves = [0.0]
        for kj in k:
            cols += [np.sqrt(2 / L) * np.cos(kj * s), np.sqrt(2 / L) * np.sin(kj * s)]
            waves += [kj, kj]
    else:
        L = s[-1]
        k = np.pi * np.arange(n if modes is None else min(n, modes + 1)) / L
        cols = [np.full(n, 1 / np.sqrt(L))] + [np.sqrt(2 / L) * np.cos(kj * s) for kj in k[1:]]
        waves = list(k)
    return np.stack(cols, axis=1), np.asarray(waves)
