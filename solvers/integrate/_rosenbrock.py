"""Rosenbrock (linearly implicit) integration for stiff problems: each step
factorizes W = I/(gamma h) - J once (the symbolic sparse Jacobian J at the step's
start) and reuses the factorization for all its stages, so a step costs one
sparse LU and a few triangular solves instead of Newton iterations.

Rodas4 (Hairer & Wanner, "Solving ODEs II", RODAS with its first coefficient
set): 6 stages, order 4 with an embedded order-3 estimate, stiffly accurate
(L-stable), and a continuous extension of order 3 used for `saveat` and dense
output. Step-size control is Gustafsson's predictive controller, as in
Hairer's RODAS. The time derivative of the right-hand side (non-autonomous
problems) is generated from the symbolic derivative of the stencils.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from symnum._errors import SolverError

from ._explicit import _initial_step, _progress, check_finite

__all__ = ["RosenbrockMethod", "RODAS4", "ROSENBROCK", "rosenbrock", "RosenbrockDense"]

DENSE_LIMIT = 400  # up to this many unknowns, W is factorized as a dense matrix (LAPACK)


@dataclass(frozen=True)
class RosenbrockMethod:
    """Stage i: W k_i = f(t + c_i h, y + sum_j a_ij k_j) + h d_i f_t + sum_j (C_ij / h) k_j,
    W = I/(gamma h) - J; y_new = y + sum_i m_i k_i, error estimate sum_i e_i k_i;
    y(t + s h) = (1 - s) y + s (y_new + (1 - s) (sum_i p_i k_i + s sum_i q_i k_i))."""

    name: str
    gamma: float
    a: tuple
    C: tuple
    c: tuple
    d: tuple
    m: tuple
    e: tuple
    p: tuple
    q: tuple
    order: int

    @property
    def stages(self) -> int:
        return len(self.c)


def _rodas4() -> RosenbrockMethod:
    a5 = (1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950)
    return RosenbrockMethod(
        "rodas4",
        gamma=0.25,
        a=((), (1.544,), (0.9466785280815826, 0.2557011698983284),
           (3.314825187068521, 2.896124015972201, 0.9986419139977817), a5, (*a5, 1.0)),
        C=((), (-5.6688,), (-2.430093356833875, -0.2063599157091915),
           (-0.1073529058151375, -9.594562251023355, -20.47028614809616),
           (7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160),
           (8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136, -6.058818238834054)),
        c=(0.0, 0.386, 0.21, 0.63, 1.0, 1.0),
        d=(0.25, -0.1043, 0.1035, -0.03620000000000023, 0.0, 0.0),
        m=(*a5, 1.0, 1.0),
        e=(0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
        p=(10.12623508344586, -7.487995877610167, -34.80091861555747, -7.992771707568823, 1.025137723295662, 0.0),
        q=(-0.6762803392801253, 6.087714651680015, 16.43084320892478, 24.76722511418386, -6.594389125716872, 0.0),
        order=4,
    )


RODAS4 = _rodas4()
ROSENBROCK = {RODAS4.name: RODAS4}


def _combine(base, coefs, ks):
    out = base
    for cf, k in zip(coefs, ks):
        if cf != 0.0:
            out = out + cf * k
    return out


@dataclass(frozen=True)
class RosenbrockDense:
    """Recorded steps: step n from `t[n]` with size `h[n]`, and per step
    (y, y_new, P, Q) of the continuous extension."""

    t: np.ndarray
    h: np.ndarray
    coef: np.ndarray  # (n, 4, *shape)
    y_end: np.ndarray

    @property
    def t_span(self) -> tuple[float, float]:
        return float(self.t[0]), float(self.t[-1])

    def __call__(self, times) -> np.ndarray:
        from ._dense import _check

        times = _check(times, *self.t_span)
        n = len(self.h)
        if n == 0:
            return np.broadcast_to(self.y_end, (len(times), *self.y_end.shape)).copy()
        i = np.clip(np.searchsorted(self.t, times, side="right") - 1, 0, n - 1)
        s = ((times - self.t[i]) / self.h[i])[(slice(None),) + (None,) * self.y_end.ndim]
        y, y1, P, Q = (self.coef[i, r] for r in range(4))
        out = (1 - s) * y + s * (y1 + (1 - s) * (P + s * Q))
        out[times == self.t[i + 1]] = self.coef[i[times == self.t[i + 1]], 1]
        return out


class _Factor:
    """W = I/(gamma h) - J, factorized once and solved for every stage."""

    def __init__(self, J, shift):
        n = J.shape[0]
        if n <= DENSE_LIMIT:
            W = -(J.toarray() if scipy.sparse.issparse(J) else np.asarray(J))
            W[np.diag_indices(n)] += shift
            self.lu = scipy.linalg.lu_factor(W, check_finite=False)
            self.solve = lambda b: scipy.linalg.lu_solve(self.lu, b, check_finite=False)
        else:
            W = (scipy.sparse.identity(n, format="csc") * shift - J).tocsc()
            # minimum degree on the symmetric pattern of a stencil matrix: half COLAMD's fill
            self.solve = scipy.sparse.linalg.splu(W, permc_spec="MMD_AT_PLUS_A").solve


def rosenbrock(prob, method: RosenbrockMethod, t0, t1, saveat, dt, rtol, atol, progress, max_steps, dense=False,
               adaptive=None):
    """Integrate with a Rosenbrock method; returns (states at saveat, stats, dense output or None).
    `adaptive=False` takes fixed steps `dt` (convergence tests)."""
    fixed = adaptive is False
    if fixed and dt is None:
        raise SolverError(f"adaptive=False takes a fixed step: pass dt=... to method={method.name!r}")
    if prob.backend == "cuda":
        raise SolverError(
            f"method={method.name!r} factorizes sparse matrices on the host: discretize with "
            f"backend=\"numba\" (or \"numpy\") for it"
        )
    shape = prob.shape
    f = lambda y, t: prob.rhs(y.reshape(shape), t).reshape(-1)  # noqa: E731
    y = np.array(prob.u0, dtype=float).reshape(-1)
    save = [float(s) for s in saveat]
    out = []
    first = int(abs(save[0] - t0) <= 1e-12 * max(1.0, abs(t0)))
    if first:
        out.append(y.copy())
        save = save[1:]
    t_end = max(save[-1], t1) if dense else (save[-1] if save else t0)
    s, g = method.stages, method.gamma
    nfev = njev = nlu = steps = rejected = 0
    f0 = f(y, t0)
    nfev += 1
    h = dt if dt is not None else _initial_step(f0, y, t0, t1, rtol, atol)
    h_min = 1e-14 * max(1.0, abs(t1 - t0))
    h_old = err_old = None
    reject = False
    t = t0
    rec = []
    bar = _progress(t1 - t0, progress, f"{method.name} {prob.system.name}")
    with np.errstate(over="ignore", invalid="ignore"):  # a blowing-up trial step is rejected below
        while t < t_end and (save or dense):
            if steps >= max_steps:
                raise SolverError(
                    f"more than {max_steps} steps before t = {t_end:.6g} (now t = {t:.6g}): raise max_steps=..."
                )
            J = prob.jacobian(y.reshape(shape), t)
            ft = prob.time_derivative(y.reshape(shape), t)  # symbolic; None: autonomous
            ft = None if ft is None else ft.reshape(-1)
            njev += 1
            while True:  # attempts at this step
                hs = h
                last = t + hs * (1.0 + 1e-6) >= t_end
                if last:
                    hs = t_end - t
                lu = _Factor(J, 1.0 / (g * hs))
                nlu += 1
                ks = []
                for i in range(s):
                    Yi = _combine(y, method.a[i], ks)
                    Fi = f0 if i == 0 else f(Yi, t + method.c[i] * hs)
                    nfev += i > 0
                    rhs_i = _combine(Fi + (hs * method.d[i]) * ft if method.d[i] and ft is not None else Fi,
                                     [cij / hs for cij in method.C[i]], ks)
                    ks.append(lu.solve(rhs_i))
                y_new = _combine(y, method.m, ks)
                sc = atol + rtol * np.maximum(np.abs(y), np.abs(y_new))
                err = float(np.sqrt(np.mean((_combine(0.0, method.e, ks) / sc) ** 2)))
                # Gustafsson's predictive controller (Hairer's RODAS)
                fac = max(1 / 6, min(5.0, err ** (1 / method.order) / 0.9)) if math.isfinite(err) else 5.0
                if fixed and np.isfinite(y_new).all():
                    h_next = dt
                    break
                if err <= 1.0 and np.isfinite(y_new).all():
                    if h_old is not None:
                        pred = max(1 / 6, min(5.0, (h_old / hs) * (err * err / err_old) ** (1 / method.order) / 0.9))
                        fac = max(fac, pred)
                    h_next = hs / fac
                    if reject:
                        h_next = min(h_next, hs)
                    h_old, err_old, reject = hs, max(0.01, err), False
                    break
                rejected += 1
                reject = True
                h = hs / fac
                if h < h_min:
                    check_finite(prob, y_new.reshape(shape), t + hs, advice="the problem may be singular there")
                    raise SolverError(
                        f"step size underflow at t = {t:.6g} ({method.name}): the solution may be singular "
                        f"there; check the model, or loosen rtol/atol"
                    )
            t_new = t_end if last else t + hs
            f_new = f(y_new, t_new)
            nfev += 1
            P = _combine(0.0, method.p, ks)
            Q = _combine(0.0, method.q, ks)
            while save and save[0] <= t_new:
                sv = (save.pop(0) - t) / hs
                out.append(y_new.copy() if sv >= 1.0 else (1 - sv) * y + sv * (y_new + (1 - sv) * (P + sv * Q)))
            if dense:
                rec.append((t, hs, y, y_new, P, Q))
            y, t, f0, h = y_new, t_new, f_new, h_next
            steps += 1
            if bar is not None:
                bar.update(hs)
    if bar is not None:
        bar.close()
    states = np.array([prob.fill_boundaries(v.reshape(shape), tt) for v, tt in zip(out, saveat)])
    interp = None
    if dense:
        coef = np.array([np.stack(r[2:]) for r in rec]).reshape(len(rec), 4, *shape)
        interp = RosenbrockDense(np.array([r[0] for r in rec] + [t]), np.array([r[1] for r in rec]), coef,
                                 y.reshape(shape).copy())
    return states, {"steps": steps, "rejected": rejected, "nfev": nfev, "njev": njev, "nlu": nlu}, interp
