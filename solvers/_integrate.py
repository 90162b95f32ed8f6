"""`solve`: time integration (explicit Runge-Kutta, or scipy's BDF/Radau with
the symbolic sparse Jacobian) and steady Newton solves, returning a `Solution`."""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np
import scipy.integrate
import scipy.sparse.linalg

from symnum._errors import SolverError

from ._problem import Problem
from ._tableaus import METHODS, ExplicitRK

__all__ = ["solve", "Solution"]

IMPLICIT = ("bdf", "radau")


@dataclass(frozen=True)
class Solution:
    """`sol[u]` is field u on the grid, shape `(len(sol.t), *grid)` (steady:
    `grid`); boundary nodes hold their boundary-condition values."""

    problem: Problem
    t: np.ndarray | None
    states: np.ndarray  # (n_times, n_fields, *grid) or (n_fields, *grid)
    stats: dict = field(default_factory=dict)

    @property
    def grid(self) -> dict:
        return self.problem.grid

    def __getitem__(self, f) -> np.ndarray:
        fields = self.problem.fields
        if f not in fields:
            raise KeyError(f"{f} is not a field of this solution; its fields are {fields}")
        k = fields.index(f)
        return self.states[:, k] if self.t is not None else self.states[k]

    def to_xarray(self):
        """An xarray.Dataset with one variable per field and named dimensions."""
        from symnum._extras import require

        xr = require("xarray", "Solution.to_xarray()")
        coords = {str(v): c for v, c in self.grid.items()}
        dims = [str(v) for v in self.grid]
        if self.t is not None:
            coords[str(self.problem.system.time)] = self.t
            dims = [str(self.problem.system.time)] + dims
        data = {str(f.func): (dims, self[f]) for f in self.problem.fields}
        return xr.Dataset(data, coords=coords, attrs={"system": self.problem.system.name})

    def plot(self, f, index: int = -1, ax=None):
        """Plot field `f` at time index `index` (1D: a line, 2D: an image)."""
        from symnum._extras import require

        plt = require("matplotlib.pyplot", "Solution.plot()")
        ax = ax or plt.gca()
        values = self[f][index] if self.t is not None else self[f]
        coords = list(self.grid.values())
        if values.ndim == 1:
            ax.plot(coords[0], values)
        else:
            ax.imshow(values.T, origin="lower", extent=(*coords[0][[0, -1]], *coords[1][[0, -1]]))
        ax.set_title(f"{f.func}" + (f" at t = {self.t[index]:g}" if self.t is not None else ""))
        return ax


def _progress(total, enabled, desc):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, leave=False)


EXPLICIT_ADVICE = (
    "An explicit method beyond its stability limit does this: lower dt (CFL), or, for a "
    "stiff problem, use method=\"bdf\"; if the model itself blows up there (a singular "
    "solution, a function evaluated outside its domain), check the equations"
)


def _check_finite(prob: Problem, y, t, advice: str = EXPLICIT_ADVICE, what: str = "the state"):
    if bool(np.isfinite(y).all()):
        return
    y = y.get() if hasattr(y, "get") and not isinstance(y, np.ndarray) else y
    bad = np.argwhere(~np.isfinite(y.reshape(prob.shape)))[0]
    f = prob.fields[bad[0]]
    where = ", ".join(f"{a.var} = {a.coords[i]:.6g}" for a, i in zip(prob.stencil.axes, bad[1:]))
    where = f" at {where} (node {tuple(int(i) for i in bad[1:])})" if where else ""
    raise SolverError(f"{what} became non-finite at t = {t:.6g}: field {f}{where}. {advice}")


def _explicit(prob, tab: ExplicitRK, t0, t1, saveat, dt, rtol, atol, progress, max_steps, adaptive):
    y = prob.to_device(prob.u0)  # on the GPU for the cuda backend: no host round trip per step
    f = prob.rhs
    save = list(saveat)
    out = []
    t = t0
    if save and abs(save[0] - t0) <= 1e-12 * max(1.0, abs(t0)):
        out.append(prob.fill_boundaries(y, t))
        save.pop(0)
    adaptive = tab.adaptive if adaptive is None else adaptive and tab.adaptive
    if dt is None:
        if not adaptive:
            raise SolverError(
                f"method={tab.name!r} takes a fixed step: pass dt=..., or use an adaptive "
                f"method (\"tsit5\", \"dopri5\") or \"bdf\""
            )
        f0 = f(y, t)
        scale = atol + rtol * np.abs(y)
        d0, d1 = np.sqrt(np.mean((y / scale) ** 2)), np.sqrt(np.mean((f0 / scale) ** 2))
        dt = 0.01 * d0 / d1 if d0 > 1e-5 and d1 > 1e-5 else 1e-6 * max(1.0, abs(t1 - t0))
    stages = [y * 0 for _ in tab.b]  # arrays of y's kind (NumPy or CuPy)
    bar = _progress(t1 - t0, progress, f"{tab.name} {prob.system.name}")
    steps = rejected = 0
    while save:
        target = save[0]
        h = min(dt, target - t)
        for i, (ai, ci) in enumerate(zip(tab.a, tab.c)):
            yi = y
            for aij, kj in zip(ai, stages):
                if aij:
                    yi = yi + (h * aij) * kj
            f(yi, t + ci * h, out=stages[i])
        y_new = y
        for bi, ki in zip(tab.b, stages):
            if bi:
                y_new = y_new + (h * bi) * ki
        if adaptive:
            err_vec = sum((h * e) * k for e, k in zip(tab.b_error, stages) if e)
            scale = atol + rtol * np.maximum(np.abs(y), np.abs(y_new))
            err = float(np.sqrt(np.mean((err_vec / scale) ** 2)))
            if not np.isfinite(err) or err > 1.0:
                rejected += 1
                dt = h * (0.2 if not np.isfinite(err) else max(0.2, 0.9 * err ** (-1 / tab.order)))
                if dt < 1e-14 * max(1.0, abs(t1 - t0)):
                    _check_finite(prob, y_new, t + h)
                    raise SolverError(
                        f"step size underflow at t = {t:.6g} ({tab.name}): the problem is "
                        f"probably stiff (use method=\"bdf\"), or its solution is singular there"
                    )
                continue
            dt = h * min(5.0, 0.9 * max(err, 1e-10) ** (-1 / tab.order))
        _check_finite(prob, y_new, t + h)
        y = y_new
        t_old, t = t, (target if h == target - t else t + h)
        steps += 1
        if bar is not None:
            bar.update(t - t_old)
        if steps > max_steps:
            raise SolverError(
                f"more than {max_steps} steps before t = {target:.6g} (now t = {t:.6g}): "
                f"raise max_steps=..., or the problem is stiff: use method=\"bdf\""
            )
        if t == target:
            out.append(prob.fill_boundaries(y, t))
            save.pop(0)
    if bar is not None:
        bar.close()
    return np.array(out), {"steps": steps, "rejected": rejected}


def _implicit(prob, method, t0, t1, saveat, rtol, atol):
    shape = prob.shape
    reached = [t0]  # scipy reports no failure time when t_eval is given

    def fun(t, y):
        reached[0] = max(reached[0], t)
        dydt = prob.rhs(y.reshape(shape), t)
        return (dydt.get() if hasattr(dydt, "get") else dydt).ravel()

    def jac(t, y):
        return prob.jacobian(y.reshape(shape), t)

    res = scipy.integrate.solve_ivp(
        fun, (t0, t1), prob.u0.ravel(), method=method.upper() if method == "bdf" else "Radau",
        t_eval=saveat, rtol=rtol, atol=atol, jac=jac,
    )
    if not res.success:
        raise SolverError(
            f"{method} failed near t = {reached[0]:.6g}: {res.message} The solution may be singular "
            f"there, or the right-hand side non-finite: check the model, or tighten rtol/atol"
        )
    states = np.array([prob.fill_boundaries(y.reshape(shape), t) for t, y in zip(res.t, res.y.T)])
    for t, y in zip(res.t, states):
        _check_finite(prob, y, t, advice=f"{method} accepted it: check the model and initial state")
    return states, {"steps": int(res.nfev), "njev": int(res.njev), "nlu": int(res.nlu)}


def _linear_solve(J, b, how):
    if how == "direct":
        return scipy.sparse.linalg.spsolve(J.tocsc(), b)
    # GMRES preconditioned by an incomplete LU of the stencil Jacobian
    ilu = scipy.sparse.linalg.spilu(J.tocsc(), drop_tol=1e-5, fill_factor=10)
    M = scipy.sparse.linalg.LinearOperator(J.shape, ilu.solve)
    x, info = scipy.sparse.linalg.gmres(J, b, M=M, rtol=1e-12, atol=0.0, restart=50, maxiter=200)
    if info != 0:
        raise SolverError(
            f"GMRES did not converge in the Newton step (info = {info}): the Jacobian may be singular "
            f"(only Neumann conditions fix no constant); use linear_solver=\"direct\""
        )
    return x


def _newton(prob: Problem, tol, maxiter, linear_solver="direct"):
    y = prob.u0.copy()
    history = []
    for it in range(maxiter + 1):
        F = prob.residual(y).ravel()
        norm = float(np.max(np.abs(F)))
        history.append(norm)
        if not np.isfinite(norm):
            _check_finite(prob, F, 0.0, what=f"the residual at Newton iteration {it}",
                          advice="give an initial guess where the equations are defined, with sn.Initial(u, guess)")
        if norm <= tol:
            return prob.fill_boundaries(y, 0.0), {"newton_iterations": it, "residuals": history}
        if it == maxiter:
            break
        J = prob.jacobian(y)
        dy = _linear_solve(J, -F, linear_solver).reshape(y.shape)
        step = 1.0
        while step > 1e-4:  # backtracking on the residual norm
            trial = y + step * dy
            if np.max(np.abs(prob.residual(trial))) < norm or step <= 1e-3:
                break
            step *= 0.5
        y = trial
    raise SolverError(
        f"Newton did not converge in {maxiter} iterations (residual {history[-1]:.3g} > tol "
        f"{tol:g}; history {['%.2g' % r for r in history]}): give a better initial guess "
        f"with sn.Initial(u, guess), or raise maxiter=..."
    )


def solve(
    prob: Problem,
    method: str = "tsit5",
    tspan=None,
    saveat=None,
    dt: float | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    progress: bool = True,
    max_steps: int = 10_000_000,
    tol: float = 1e-10,
    maxiter: int = 50,
    linear_solver: str = "direct",
    adaptive: bool | None = None,
) -> Solution:
    """Integrate a discretized problem over `tspan` (default: the system's time
    domain), saving at `saveat` (default: the two ends; an int n: n equispaced
    times).

    Explicit methods: "euler", "ssprk3", "rk4" (fixed `dt`), "tsit5", "dopri5"
    (adaptive to `rtol`/`atol`; `adaptive=False` steps them with a fixed `dt`).
    Implicit: "bdf", "radau" (scipy, with the symbolic sparse Jacobian). A steady
    problem is solved by Newton's method to `tol`, each step a sparse direct solve
    or, with `linear_solver="gmres"`, ILU-preconditioned GMRES.
    """
    start = _time.perf_counter()
    if prob.steady:
        if linear_solver not in ("direct", "gmres"):
            raise SolverError(f"linear_solver={linear_solver!r}: use \"direct\" or \"gmres\"")
        state, stats = _newton(prob, tol, maxiter, linear_solver)
        stats["seconds"] = _time.perf_counter() - start
        return Solution(prob, None, state, stats)
    if method not in METHODS and method not in IMPLICIT:
        raise SolverError(
            f"unknown method {method!r}: use one of {sorted(METHODS) + list(IMPLICIT)}"
        )
    t0, t1 = map(float, tspan if tspan is not None else prob.tspan)
    if not t1 > t0:
        raise SolverError(f"tspan = {(t0, t1)} must increase: give (t_start, t_end) with t_end > t_start")
    if saveat is None:
        saveat = [t0, t1]
    elif isinstance(saveat, int):
        saveat = np.linspace(t0, t1, saveat)
    saveat = np.asarray(sorted(float(s) for s in saveat))
    if saveat[0] < t0 or saveat[-1] > t1:
        raise SolverError(f"saveat must lie within tspan {(t0, t1)}, got {saveat[0]:g}..{saveat[-1]:g}")
    if method in IMPLICIT:
        states, stats = _implicit(prob, method, t0, t1, saveat, rtol, atol)
    else:
        states, stats = _explicit(
            prob, METHODS[method], t0, t1, saveat, dt, rtol, atol, progress, max_steps, adaptive
        )
    stats["seconds"] = _time.perf_counter() - start
    return Solution(prob, saveat, states, stats)
