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
from ._dense import RosenbrockDense
from ._explicit import CONTROL, _initial_step, _progress, min_step
from ._stiff import check_budget, fixed_steps, lu_solver, saved_states, start_saving, underflow

__all__ = ["RosenbrockMethod", "RODAS4", "ROSENBROCK", "rosenbrock"]


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


def rosenbrock(prob, method: RosenbrockMethod, t0, t1, saveat, dt, rtol, atol, progress, max_steps, dense=False,
               adaptive=None):
    """Integrate with a Rosenbrock method; returns (states at saveat, stats, dense output or None).
    `adaptive=False` takes fixed steps `dt` (convergence tests)."""
    fixed = fixed_steps(prob, method.name, adaptive, dt)
    shape = prob.shape
    f = lambda y, t: prob.rhs(y.reshape(shape), t).reshape(-1)  # noqa: E731
    y, save, out, t_end = start_saving(prob, saveat, t0, t1, dense)
    s, g = method.stages, method.gamma
    nfev = njev = nlu = steps = rejected = 0
    f0 = f(y, t0)
    nfev += 1
    h = dt if dt is not None else _initial_step(f0, y, t0, t1, rtol, atol)
    h_min = min_step(t0, t1)
    h_old = err_old = None
    reject = False
    t = t0
    rec = []
    bar = _progress(t1 - t0, progress, f"{method.name} {prob.system.name}")
    with np.errstate(over="ignore", invalid="ignore"):  # a blowing-up trial step is rejected below
        while t < t_end and (save or dense):
            check_budget(steps, max_steps, t, t_end)
            J = prob.jacobian(y.reshape(shape), t)
            ft = prob.time_derivative(y.reshape(shape), t)  # symbolic; None: autonomous
            ft = None if ft is None else ft.reshape(-1)
            njev += 1
            while True:  # attempts at this step
                hs = h
                last = t + hs * (1.0 + CONTROL.sliver) >= t_end
                if last:
                    hs = t_end - t
                solve = lu_solver(J, 1.0 / (g * hs))
                nlu += 1
                ks = []
                for i in range(s):
                    Yi = _combine(y, method.a[i], ks)
                    Fi = f0 if i == 0 else f(Yi, t + method.c[i] * hs)
                    nfev += i > 0
                    rhs_i = _combine(Fi + (hs * method.d[i]) * ft if method.d[i] and ft is not None else Fi,
                                     [cij / hs for cij in method.C[i]], ks)
                    ks.append(solve(rhs_i))
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
                    underflow(prob, method.name, t, hs, y_new)
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
    states = saved_states(prob, out, saveat)
    interp = None
    if dense:
        coef = np.array([np.stack(r[2:]) for r in rec]).reshape(len(rec), 4, *shape)
        interp = RosenbrockDense(np.array([r[0] for r in rec] + [t]), np.array([r[1] for r in rec]), coef,
                                 y.reshape(shape).copy())
    return states, {"steps": steps, "rejected": rejected, "nfev": nfev, "njev": njev, "nlu": nlu}, interp
