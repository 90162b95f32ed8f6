"""Additive Runge-Kutta (IMEX) integration for stiff PDEs: with the symbolic split
rhs = L u + N(u, t) (`Problem.split`), the linear part L (diffusion, linear
decay) is implicit and N explicit, so each stage solves (I - gamma h L) Y = r with
ONE factorization that is reused for every stage and, while h stays, every step
(on a fully periodic grid with translation-invariant L no factorization at all:
FFTs and one n_fields x n_fields solve per wavenumber);
the step size only changes when the controller asks for a real change (a
proposal within 0.85x..1.5x of h keeps h), and a few recent factorizations are kept.

"kencarp47": Kennedy & Carpenter's ARK4(3)7L[2]SA (2019): 7 stages, ESDIRK part
L-stable and stiffly accurate, order 4 with an embedded order 3; saving and dense
output: steps end at save times; `dense=True` interpolates by cubic Hermite through
y and f at the step ends (not error-controlled: poor across stiff transients).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import scipy.fft

from ._dense import HermiteDense
from ._explicit import CONTROL, _initial_step, _progress, min_step
from ._stiff import (DENSE_LIMIT, LinearStats, check_budget, fixed_steps, krylov_tol, linear_solver, lu_solver,
                     pick_linear_solver, saved_states, start_saving, underflow)

__all__ = ["ARKMethod", "KENCARP4", "KENCARP47", "IMEX", "imex"]

KEEP = 4  # factorizations kept (the current h, and those a rejection went through)
FAC_MAX = 2.0
KEEP_BAND = (0.85, 1.5)  # an accepted step's proposal within this factor of h keeps h


@dataclass(frozen=True)
class ARKMethod:
    """Y_i = y + h sum_j (aE_ij N_j + aI_ij L_j) + h gamma L Y_i (i >= 1);
    y_new = y + h sum_i b_i (N_i + L_i); error h sum_i (b_i - b_hat_i)(N_i + L_i)."""

    name: str
    aE: tuple
    aI: tuple
    b: tuple
    b_hat: tuple
    c: tuple
    gamma: float
    order: int

    @property
    def stages(self) -> int:
        return len(self.c)


def _kencarp47() -> ARKMethod:
    g = 1235.0 / 10000.0
    b = (0.0, 0.0, 9164257142617.0 / 17756377923965.0, -10812980402763.0 / 74029279521829.0,
         1335994250573.0 / 5691609445217.0, 2273837961795.0 / 8368240463276.0, 247.0 / 2000.0)
    return ARKMethod(
        "kencarp47",
        aE=((), (247.0 / 1000.0,), (247.0 / 4000.0, 2694949928731.0 / 7487940209513.0),
            (464650059369.0 / 8764239774964.0, 878889893998.0 / 2444806327765.0, -952945855348.0 / 12294611323341.0),
            (476636172619.0 / 8159180917465.0, -1271469283451.0 / 7793814740893.0,
             -859560642026.0 / 4356155882851.0, 1723805262919.0 / 4571918432560.0),
            (6338158500785.0 / 11769362343261.0, -4970555480458.0 / 10924838743837.0,
             3326578051521.0 / 2647936831840.0, -880713585975.0 / 1841400956686.0,
             -1428733748635.0 / 8843423958496.0),
            (760814592956.0 / 3276306540349.0, 760814592956.0 / 3276306540349.0,
             -47223648122716.0 / 6934462133451.0, 71187472546993.0 / 9669769126921.0,
             -13330509492149.0 / 9695768672337.0, 11565764226357.0 / 8513123442827.0)),
        aI=((), (g,), (624185399699.0 / 4186980696204.0, 624185399699.0 / 4186980696204.0),
            (1258591069120.0 / 10082082980243.0, 1258591069120.0 / 10082082980243.0,
             -322722984531.0 / 8455138723562.0),
            (-436103496990.0 / 5971407786587.0, -436103496990.0 / 5971407786587.0,
             -2689175662187.0 / 11046760208243.0, 4431412449334.0 / 12995360898505.0),
            (-2207373168298.0 / 14430576638973.0, -2207373168298.0 / 14430576638973.0,
             242511121179.0 / 3358618340039.0, 3145666661981.0 / 7780404714551.0,
             5882073923981.0 / 14490790706663.0),
            b[:6]),
        b=b,
        b_hat=(0.0, 0.0, 4469248916618.0 / 8635866897933.0, -621260224600.0 / 4094290005349.0,
               696572312987.0 / 2942599194819.0, 1532940081127.0 / 5565293938103.0, 2441.0 / 20000.0),
        c=(0.0, 247.0 / 1000.0, 4276536705230.0 / 10142255878289.0, 67.0 / 200.0, 3.0 / 40.0, 7.0 / 10.0, 1.0),
        gamma=g,
        order=4,
    )


def _kencarp4() -> ARKMethod:
    F = lambda a, b: a / b  # noqa: E731  (the published rationals)
    g = 0.25
    b = (F(82889, 524892), 0.0, F(15625, 83664), F(69875, 102672), -F(2260, 8211), g)
    # OrdinaryDiffEq.jl lists btilde = b_hat - b
    bt = (-F(31666707, 9881966720), 0.0, F(256875, 105007616), F(2768025, 128864768), -F(169839, 3864644),
          F(5247, 225920))
    return ARKMethod(
        "kencarp4",
        aE=((), (0.5,), (F(13861, 62500), F(6889, 62500)),
            (-F(116923316275, 2393684061468), -F(2731218467317, 15368042101831), F(9408046702089, 11113171139209)),
            (-F(451086348788, 2902428689909), -F(2682348792572, 7519795681897), F(12662868775082, 11960479115383),
             F(3355817975965, 11060851509271)),
            (F(647845179188, 3216320057751), F(73281519250, 8382639484533), F(552539513391, 3454668386233),
             F(3354512671639, 8306763924573), F(4040, 17871))),
        aI=((), (g,), (F(8611, 62500), -F(1743, 31250)),
            (F(5012029, 34652500), -F(654441, 2922500), F(174375, 388108)),
            (F(15267082809, 155376265600), -F(71443401, 120774400), F(730878875, 902184768), F(2285395, 8070912)),
            b[:5]),
        b=b,
        b_hat=tuple(bi + ei for bi, ei in zip(b, bt)),
        c=(0.0, 0.5, F(83, 250), F(31, 50), F(17, 20), 1.0),
        gamma=g,
        order=4,
    )


KENCARP47 = _kencarp47()
KENCARP4 = _kencarp4()
IMEX = {m.name: m for m in (KENCARP4, KENCARP47)}


class _Factors:
    """Solvers of (I - h gamma L) x = r by h, the most recent KEEP of them: by FFT
    when L is translation invariant on a fully periodic grid (`_Fourier`: one
    small dense solve per wavenumber, no LU), else `linear_solver` (`how`: LU, or
    GMRES with its preconditioner built once per h). `count`: the factorizations
    (LUs or per-h Fourier inverses); Krylov set-ups are counted in `krylov`."""

    def __init__(self, L, gamma, fourier, how, tol):
        self.L, self.gamma, self.cache, self.count = L, gamma, OrderedDict(), 0
        self.fourier, self.how, self.tol, self.krylov = fourier, how, tol, LinearStats()

    def solver(self, h):
        if h in self.cache:
            self.cache.move_to_end(h)
            return self.cache[h]
        if self.fourier is not None:
            solve = self.fourier.solver(h * self.gamma)
        elif self.how == "direct":
            solve = lu_solver(self.L, 1.0, h * self.gamma)
        else:  # the stage value is close to the right-hand side: start GMRES there
            gmres = linear_solver(self.L, 1.0, h * self.gamma, self.how, self.tol, self.krylov)
            solve = lambda r: gmres(r, x0=r)  # noqa: E731
        self.count += self.fourier is not None or self.how == "direct"
        self.cache[h] = solve
        if len(self.cache) > KEEP:
            self.cache.popitem(last=False)
        return solve


class _Fourier:
    """L as a block-circulant operator: its symbol S(k) (n_fields x n_fields per
    wavenumber, the half spectrum of real FFTs) from L's action on one node per field."""

    def __init__(self, S, shape):
        self.S, self.shape = S, shape  # S: (*half grid, F, F) complex
        self.axes = tuple(range(1, len(shape)))

    @classmethod
    def of(cls, prob, L):
        """The Fourier form of L if the grid is periodic in every axis and L commutes
        with translations (checked on a random state), else None."""
        axes = prob.stencil.axes
        if not axes or not all(a.periodic for a in axes):
            return None
        shape = prob.shape
        F = shape[0]
        self = cls(None, shape)
        cols = []
        for j in range(F):
            e = np.zeros(shape)
            e[(j,) + (0,) * (len(shape) - 1)] = 1.0
            cols.append(self._hat(L @ e.reshape(-1)))  # (*half, F rows)
        self.S = np.stack(cols, axis=-1)  # (*half, F rows, F cols)
        v = np.random.default_rng(0).normal(size=shape)
        if not np.allclose(self.apply(v), (L @ v.reshape(-1)).reshape(shape), rtol=0,
                           atol=1e-10 * max(1.0, abs(L).max())):
            return None
        return self

    def _hat(self, v):
        return np.moveaxis(scipy.fft.rfftn(v.reshape(self.shape), axes=self.axes), 0, -1)

    def _back(self, w):
        return scipy.fft.irfftn(np.moveaxis(w, -1, 0), s=self.shape[1:], axes=self.axes)

    @staticmethod
    def _blocks(M, w):
        """M[k] @ w[k] for every wavenumber k (F x F blocks: a sum of F products is
        faster than einsum or matmul on such small blocks)."""
        return sum(M[..., :, j] * w[..., j, None] for j in range(M.shape[-1]))

    def apply(self, v):
        return self._back(self._blocks(self.S, self._hat(v)))

    def solver(self, hg):
        F = self.shape[0]
        inv = np.linalg.inv(np.eye(F) - hg * self.S)
        return lambda r: self._back(self._blocks(inv, self._hat(r))).reshape(-1)


def imex(prob, method: ARKMethod, t0, t1, saveat, dt, rtol, atol, progress, max_steps, dense=False, adaptive=None,
         linear_solver=None):
    """Integrate with an IMEX method on `prob.split()`; returns (states at saveat, stats, dense or None).
    `linear_solver` None: FFT on a fully periodic translation-invariant L, else chosen by size."""
    fixed = fixed_steps(prob, method.name, adaptive, dt)
    shape = prob.shape
    split = prob.split()
    L = split.L
    N = lambda y, t: split.N(y.reshape(shape), t).reshape(-1)  # noqa: E731
    how = pick_linear_solver(linear_solver, prob, method.name)
    fourier = _Fourier.of(prob, L) if L.shape[0] > DENSE_LIMIT and linear_solver is None else None
    factors = _Factors(L, method.gamma, fourier, how, krylov_tol(rtol))
    y, save, out, t_end = start_saving(prob, saveat, t0, t1, dense)
    s, b, bh = method.stages, method.b, method.b_hat
    n0 = N(y, t0)
    l0 = L @ y
    nfev = 1
    h = dt if dt is not None else _initial_step(n0 + l0, y, t0, t1, rtol, atol)
    h_min = min_step(t0, t1)
    steps = rejected = 0
    just_rejected = False
    t = t0
    rec_t, rec_y, rec_f = [t0], [y], [n0 + l0]
    bar = _progress(t1 - t0, progress, f"{method.name} {prob.system.name}")
    with np.errstate(over="ignore", invalid="ignore"):  # a blowing-up trial step is rejected below
        while t < t_end and (save or dense):
            check_budget(steps, max_steps, t, t_end)
            # steps end at save times: a step across a stiff transient (a forcing switched on)
            # is accurate at its ends, while an interpolant through f there is not
            target = save[0] if save else t_end
            hs = h
            last = t + hs * (1.0 + CONTROL.sliver) >= target
            if last:
                hs = target - t
            # a last step that differs from h by round-off reuses h's factorization
            solve = factors.solver(h if abs(hs - h) <= 1e-9 * h else hs)
            Ns, Ls = [n0], [l0]
            for i in range(1, s):
                r = y
                for j in range(i):
                    cf = method.aE[i][j] * Ns[j] if method.aE[i][j] else 0.0
                    if method.aI[i][j]:
                        cf = cf + method.aI[i][j] * Ls[j]
                    if not np.isscalar(cf):
                        r = r + hs * cf
                Yi = solve(r)
                Ns.append(N(Yi, t + method.c[i] * hs))
                Ls.append(L @ Yi)
                nfev += 1
            F = [Ns[i] + Ls[i] for i in range(s)]
            y_new = y + hs * sum(b[i] * F[i] for i in range(s) if b[i])
            est = hs * sum((b[i] - bh[i]) * F[i] for i in range(s) if b[i] != bh[i])
            sc = atol + rtol * np.maximum(np.abs(y), np.abs(y_new))
            err = float(np.sqrt(np.mean((est / sc) ** 2)))
            ok = bool(np.isfinite(y_new).all()) and (fixed or err <= 1.0)
            fac = 0.9 * err ** (-1.0 / method.order) if err > 0 and math.isfinite(err) else 5.0
            if not ok:
                rejected += 1
                just_rejected = True
                h = hs * min(0.9, max(0.2, fac if math.isfinite(fac) else 0.2))
                if h < h_min or fixed:
                    underflow(prob, method.name, t, hs, y_new)
                continue
            t_new = target if last else t + hs
            n0, l0 = N(y_new, t_new), L @ y_new
            nfev += 1
            f_new = n0 + l0
            if last and save:  # steps end at save times
                out.append(y_new.copy())
                save.pop(0)
            if dense:
                rec_t.append(t_new)
                rec_y.append(y_new)
                rec_f.append(f_new)
            if not fixed:  # quantized: keep h (and its factorization) unless the change is large
                # growth at most 2x, none right after a rejection: fewer rejections, fewer LUs
                prop = hs * min(1.0 if just_rejected else FAC_MAX, fac)
                just_rejected = False
                h = prop if not KEEP_BAND[0] * hs < prop < KEEP_BAND[1] * hs else (h if last else hs)
            y, t = y_new, t_new
            steps += 1
            if bar is not None:
                bar.update(hs)
    if bar is not None:
        bar.close()
    states = saved_states(prob, out, saveat)
    interp = None
    if dense:
        interp = HermiteDense(np.array(rec_t), np.array(rec_y).reshape(len(rec_t), *shape),
                              np.array(rec_f).reshape(len(rec_t), *shape))
    stats = {"steps": steps, "rejected": rejected, "nfev": nfev, "nlu": factors.count}
    if how != "direct" and fourier is None:
        stats.update(factors.krylov.as_stats())
    return states, stats, interp
