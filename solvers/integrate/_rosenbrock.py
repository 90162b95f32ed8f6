"""Rosenbrock (linearly implicit) integration for stiff problems: each step
factorizes W = I/(gamma h) - J once (the symbolic sparse Jacobian J at the step's
start) and reuses the factorization for all its stages, so a step costs one
sparse LU and a few triangular solves instead of Newton iterations.

"rodas4" (Hairer & Wanner, "Solving ODEs II", RODAS with its first coefficient
set): 6 stages, order 4 with an embedded order-3 estimate, stiffly accurate
(L-stable), and a continuous extension of order 3 used for `saveat` and dense
output; "rodas5" (Di Marzo) and "rodas5p" (Steinebach): 8 stages, order 5, an
order-4 extension. DAEs: the mass matrix enters W and the stages. Step-size control is Gustafsson's predictive controller, as in
Hairer's RODAS. The time derivative of the right-hand side (non-autonomous
problems) is generated from the symbolic derivative of the stencils.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ._dense import RosenbrockDense
from ._explicit import CONTROL, _initial_step, _progress, min_step
from .._problem import consistent_state
from ._stiff import (LinearStats, check_budget, fixed_steps, krylov_tol, pick_linear_solver, saved_states,
                     start_saving, underflow)
from ._stiff import linear_solver as linear_solver_for

__all__ = ["RosenbrockMethod", "RODAS4", "RODAS5", "RODAS5P", "ROSENBROCK", "rosenbrock"]


@dataclass(frozen=True)
class RosenbrockMethod:
    """Stage i: W k_i = f(t + c_i h, y + sum_j a_ij k_j) + h d_i f_t + sum_j (C_ij / h) k_j,
    W = I/(gamma h) - J; y_new = y + sum_i m_i k_i, error estimate sum_i e_i k_i;
    y(t + s h) = (1 - s) y + s (y_new + (1 - s) (K_1 + s (K_2 + s (K_3 + ...)))), K_r = sum_i H_ri k_i."""

    name: str
    gamma: float
    a: tuple
    C: tuple
    c: tuple
    d: tuple
    m: tuple
    e: tuple
    H: tuple  # rows of the continuous extension
    order: int

    @property
    def stages(self) -> int:
        return len(self.c)


def _rodas(name, gamma, A, C, c, d, H, order) -> RosenbrockMethod:
    """A stiffly accurate Rodas tableau from its strictly lower-triangular rows
    (A, C as printed, row i holding the i - 1 coefficients of stage i): the
    solution is the last stage's argument plus its k, the estimate that k."""
    s = len(c)
    return RosenbrockMethod(name, gamma=gamma, a=tuple(tuple(r) for r in A), C=tuple(tuple(r) for r in C),
                            c=tuple(c), d=tuple(d), m=(*A[-1], 1.0), e=(0.0,) * (s - 1) + (1.0,),
                            H=tuple(tuple(r) for r in H), order=order)


_RODAS5_A6 = [-14.09640773051259, 6.925207756232704, -41.47510893210728, 2.343771018586405, 24.13215229196062]
# Di Marzo (1993), RODAS5(4): 8 stages, order 5, embedded order 4, stiffly accurate;
# the order-4 extension H as in OrdinaryDiffEq.jl's Rodas5.
RODAS5 = _rodas(
    "rodas5", 0.19,
    A=[[], [2.0], [3.040894194418781, 1.041747909077569],
       [2.576417536461461, 1.62208306077664, -0.9089668560264532],
       [2.760842080225597, 1.446624659844071, -0.3036980084553738, 0.2877498600325443],
       _RODAS5_A6, [*_RODAS5_A6, 1.0], [*_RODAS5_A6, 1.0, 1.0]],
    C=[[], [-10.31323885133993], [-21.04823117650003, -7.234992135176716],
       [32.22751541853323, -4.943732386540191, 19.44922031041879],
       [-20.69865579590063, -8.816374604402768, 1.260436877740897, -0.7495647613787146],
       [-46.22004352711257, -17.49534862857472, -289.6389582892057, 93.60855400400906, 318.3822534212147],
       [34.20013733472935, -14.1553540271769, 57.823356409884, 25.83362985412365, 1.408950972071624,
        -6.551835421242162],
       [42.57076742291101, -13.80770672017997, 93.98938432427124, 18.77919633714503, -31.5835918722337,
        -6.685968952921985, -5.810979938412932]],
    c=[0.0, 0.38, 0.3878509998321533, 0.483971893787384, 0.457047700881958, 1.0, 1.0, 1.0],
    d=[0.19, -0.1823079225333714636, -0.319231832186874912, 0.3449828624725343, -0.377417564392089818,
       0.0, 0.0, 0.0],
    H=[[27.354592673333357, -6.925207756232857, 26.40037733258859, 0.5635230501052979, -4.699151156849391,
        -1.6008677469422725, -1.5306074446748028, -1.3929872940716344],
       [44.19024239501722, 1.3677947663381929e-13, 202.93261852171622, -35.5669339789154, -181.91095152160645,
        3.4116351403665033, 2.5793540257308067, 2.2435122582734066],
       [-44.0988150021747, -5.755396159656812e-13, -181.26175034586677, 56.99302194811676, 183.21182741427398,
        -7.480257918273637, -5.792426076169686, -5.32503859794143]],
    order=5,
)

_RODAS5P_A6 = [-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256,
               0.030198172008377946]
# Steinebach (2023), Rodas5P: Rodas5's structure with coefficients chosen for a
# smaller error on stiff and Prothero-Robinson problems (less order reduction)
# and an order-4 extension; DifferentialEquations.jl's default stiff method.
RODAS5P = _rodas(
    "rodas5p", 0.21193756319429014,
    A=[[], [3.0], [2.849394379747939, 0.45842242204463923],
       [-6.954028509809101, 2.489845061869568, -10.358996098473584],
       [2.8029986275628964, 0.5072464736228206, -0.3988312541770524, -0.04721187230404641],
       _RODAS5P_A6, [*_RODAS5P_A6, 1.0], [*_RODAS5P_A6, 1.0, 1.0]],
    C=[[], [-14.155112264123755], [-17.97296035885952, -2.859693295451294],
       [147.12150275711716, -1.41221402718213, 71.68940251302358],
       [165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306],
       [24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125, -0.6610691825249471],
       [30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783, -19.097331116725623,
        -28.087943162872662],
       [37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047, -40.06618937091002,
        -54.66780262877968, -9.48861652309627]],
    c=[0.0, 0.6358126895828704, 0.4095798393397535, 0.9769306725060716, 0.4288403609558664, 1.0, 1.0, 1.0],
    d=[0.21193756319429014, -0.42387512638858027, -0.3384627126235924, 1.8046452872882734, 2.325825639765069,
       0.0, 0.0, 0.0],
    H=[[25.948786856663858, -2.5579724845846235, 10.433815404888879, -2.3679251022685204, 0.524948541321073,
        1.1241088310450404, 0.4272876194431874, -0.17202221070155493],
       [-9.91568850695171, -0.9689944594115154, 3.0438037242978453, -24.495224566215796, 20.176138334709044,
        15.98066361424651, -6.789040303419874, -6.710236069923372],
       [11.419903575922262, 2.8879645146136994, 72.92137995996029, 80.12511834622643, -52.072871366152654,
        -59.78993625266729, -0.15582684282751913, 4.883087185713722]],
    order=5,
)

_RODAS4_A5 = [1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950]
# Hairer & Wanner's RODAS (first coefficient set): 6 stages, order 4, embedded order 3,
# with its order-3 extension.
RODAS4 = _rodas(
    "rodas4", 0.25,
    A=[[], [1.544], [0.9466785280815826, 0.2557011698983284],
       [3.314825187068521, 2.896124015972201, 0.9986419139977817], _RODAS4_A5, [*_RODAS4_A5, 1.0]],
    C=[[], [-5.6688], [-2.430093356833875, -0.2063599157091915],
       [-0.1073529058151375, -9.594562251023355, -20.47028614809616],
       [7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160],
       [8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136, -6.058818238834054]],
    c=[0.0, 0.386, 0.21, 0.63, 1.0, 1.0],
    d=[0.25, -0.1043, 0.1035, -0.03620000000000023, 0.0, 0.0],
    H=[[10.12623508344586, -7.487995877610167, -34.80091861555747, -7.992771707568823, 1.025137723295662, 0.0],
       [-0.6762803392801253, 6.087714651680015, 16.43084320892478, 24.76722511418386, -6.594389125716872, 0.0]],
    order=4,
)
ROSENBROCK = {m.name: m for m in (RODAS4, RODAS5, RODAS5P)}


def extension(y, y_new, K, s):
    """The continuous extension at s in [0, 1] of a step from y to y_new."""
    inner = K[-1]
    for Kr in K[-2::-1]:
        inner = Kr + s * inner
    return (1 - s) * y + s * (y_new + (1 - s) * inner)


def _combine(base, coefs, ks):
    out = base
    for cf, k in zip(coefs, ks):
        if cf != 0.0:
            out = out + cf * k
    return out


def rosenbrock(prob, method: RosenbrockMethod, t0, t1, saveat, dt, rtol, atol, progress, max_steps, dense=False,
               adaptive=None, linear_solver=None):
    """Integrate with a Rosenbrock method; returns (states at saveat, stats, dense output or None).
    `adaptive=False` takes fixed steps `dt` (convergence tests)."""
    fixed = fixed_steps(prob, method.name, adaptive, dt)
    shape = prob.shape
    f = lambda y, t: prob.rhs(y.reshape(shape), t).reshape(-1)  # noqa: E731
    M = prob.mass  # a DAE: M du/dt = f with zeros on the algebraic nodes
    y0 = None if M is None else consistent_state(prob, prob.u0, t0)
    y, save, out, t_end = start_saving(prob, saveat, t0, t1, dense, y0)
    s, g = method.stages, method.gamma
    how = pick_linear_solver(linear_solver, prob, method.name)
    krylov, tol = LinearStats(), krylov_tol(rtol)
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
                solve = linear_solver_for(J, (1.0 if M is None else M) / (g * hs), 1.0, how, tol, krylov)
                nlu += how == "direct"
                ks = []
                for i in range(s):
                    Yi = _combine(y, method.a[i], ks)
                    Fi = f0 if i == 0 else f(Yi, t + method.c[i] * hs)
                    nfev += i > 0
                    Fi = Fi + (hs * method.d[i]) * ft if method.d[i] and ft is not None else Fi
                    Ck = _combine(0.0, [cij / hs for cij in method.C[i]], ks)
                    rhs_i = Fi + (Ck if M is None else M * Ck)
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
            K = [_combine(0.0, row, ks) for row in method.H]
            while save and save[0] <= t_new:
                sv = (save.pop(0) - t) / hs
                out.append(y_new.copy() if sv >= 1.0 else extension(y, y_new, K, sv))
            if dense:
                rec.append((t, hs, y, y_new, *K))
            y, t, f0, h = y_new, t_new, f_new, h_next
            steps += 1
            if bar is not None:
                bar.update(hs)
    if bar is not None:
        bar.close()
    states = saved_states(prob, out, saveat)
    interp = None
    if dense:
        coef = np.array([np.stack(r[2:]) for r in rec]).reshape(len(rec), 2 + len(method.H), *shape)
        interp = RosenbrockDense(np.array([r[0] for r in rec] + [t]), np.array([r[1] for r in rec]), coef,
                                 y.reshape(shape).copy())
    stats = {"steps": steps, "rejected": rejected, "nfev": nfev, "njev": njev, "nlu": nlu}
    if how != "direct":
        stats.update(krylov.as_stats())
    return states, stats, interp
