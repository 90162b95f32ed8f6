"""`solve`: time integration (explicit Runge-Kutta, compiled, or scipy's BDF/Radau
with the symbolic sparse Jacobian) and steady Newton solves, returning a `Solution`."""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np
import scipy.integrate
import scipy.sparse.linalg

from symnum._errors import ModelError, SolverError

from .._problem import Problem
from ._dense import ScipyDense
from ._explicit import check_finite as _check_finite, explicit
from ._imex import IMEX, imex
from ._rosenbrock import ROSENBROCK, rosenbrock
from ._stiff import LinearStats, linear_solver, pick_linear_solver
from ._tableaus import METHODS

__all__ = ["solve", "Solution", "time_grid", "field_index", "user_grid", "IMPLICIT"]

IMPLICIT = ("bdf", "radau")


def field_index(prob: Problem, f) -> int:
    """The index of field `f` in the problem's state, or a KeyError naming the fields."""
    if getattr(prob, "kind", None) == "composite":  # blocks with different nodes: its own index
        return prob.fields.index(prob.system.blocks.inner(f))
    blocks = getattr(prob.system, "blocks", None)
    if blocks is not None:  # c1(t, x1) of a block: c1 on the shared coordinate
        f = blocks.inner(f)
    surfaces = getattr(prob.system, "surfaces", None)
    if surfaces is not None:  # h(t, x) on the wall y = 1: h(t, x, y) on the grid
        f = surfaces.inner(f)
    if f not in prob.fields:
        raise KeyError(f"{f} is not a field of this solution; its fields are {prob.fields}")
    return prob.fields.index(f)


def _field_values(prob, states, f, axis):
    if getattr(prob, "kind", None) == "composite":  # blocks with different nodes: end to end
        return prob.field_values(states, f, axis)
    parts = getattr(prob.system, "complex_fields", {}).get(f)
    take = lambda g: np.take(states, field_index(prob, g), axis=axis)  # noqa: E731
    if parts is not None:
        values = take(parts[0]) + 1j * take(parts[1])
    else:
        values = take(f)
    axes = prob.stencil.axes
    if f in getattr(prob.system, "held", ()):  # constant along the variables it lacks: one slice
        values = values[(Ellipsis,) + tuple(slice(None) if a.var in f.args else 0 for a in axes)]
    wall = _wall(prob, f)
    if wall is not None:  # a field on a boundary: its wall row
        values = values[(Ellipsis,) + tuple((0 if wall[1] == "min" else -1) if a.var == wall[0] else slice(None)
                                            for a in axes)]
    blocks = getattr(prob.system, "blocks", None)
    if blocks is not None:  # a block's field in its own variable's order
        values = blocks.view(f, values, axis=-1)
    return values


def _wall(prob, f):
    """(variable, side) of the wall a boundary field lives on, or None."""
    surfaces = getattr(prob.system, "surfaces", None)
    return None if surfaces is None else surfaces.wall(f)


def user_grid(prob: Problem) -> dict:
    """{variable: nodes} as the user wrote the system: each block's own variable."""
    if getattr(prob, "kind", None) == "composite":
        return prob.user_grid()
    blocks = getattr(prob.system, "blocks", None)
    if blocks is None:
        return prob.grid
    return blocks.grid(prob.grid[blocks.s])


def _dims(prob: Problem, f) -> list:
    """The spatial dimensions of field `f` (its block's variable, for a block)."""
    if getattr(prob, "kind", None) == "composite":
        own = prob.system.blocks.variable(f)
        return [] if own is None else [str(own)]
    if f in getattr(prob.system, "held", ()):
        return [str(a.var) for a in prob.stencil.axes if a.var in f.args]
    wall = _wall(prob, f)
    if wall is not None:
        return [str(a.var) for a in prob.stencil.axes if a.var != wall[0]]
    blocks = getattr(prob.system, "blocks", None)
    own = blocks.variable(f) if blocks is not None else None
    return [str(own)] if own is not None else [str(v) for v in prob.grid]


@dataclass(frozen=True)
class Solution:
    """`sol[u]` is field u on the grid, shape `(len(sol.t), *grid)` (steady:
    `grid`); boundary nodes hold their boundary-condition values.

    >>> sol = solvers.solve(prob, saveat=11)      # doctest: +SKIP
    >>> sol.t, sol[u].shape, sol.stats["steps"]      # doctest: +SKIP
    >>> sol.to_xarray(); sol.plot(u, -1)       # doctest: +SKIP
    """

    problem: Problem
    t: np.ndarray | None
    states: np.ndarray  # (n_times, n_fields, *grid) or (n_fields, *grid)
    stats: dict = field(default_factory=dict)
    dense: object = field(default=None, repr=False)  # RKDense / ScipyDense with solve(..., dense=True)

    def __call__(self, t, f=None) -> np.ndarray:
        """The solution at time(s) `t` anywhere in tspan (needs `solve(..., dense=True)`):
        the state, shape `(n_fields, *grid)` for a scalar `t`, `(len(t), n_fields,
        *grid)` for a sequence; with a field `f`, that field only. Boundary nodes hold
        their boundary-condition values, as in `sol[u]`."""
        if self.dense is None:
            raise SolverError(
                "this solution has no dense output: solve with dense=True to evaluate sol(t) "
                "between save times (or index the saved states, sol[u])"
            )
        scalar = np.ndim(t) == 0
        times = np.atleast_1d(np.asarray(t, dtype=float))
        raw = self.dense(times)
        states = raw
        if self.problem.fill_kernel is not None:
            states = np.array([self.problem.fill_boundaries(y, tq) for y, tq in zip(raw, times)])
        if f is not None:
            states = _field_values(self.problem, states, f, axis=1)
        return states[0] if scalar else states

    @property
    def grid(self) -> dict:
        """{variable: nodes}; for fields on separate 1-D domains (blocks), each block's
        variable with its own nodes."""
        return user_grid(self.problem)

    def __getitem__(self, f) -> np.ndarray:
        """Field `f` on the grid; a complex field (I in the model) as a complex array,
        from its real and imaginary parts (also available as fields themselves)."""
        return _field_values(self.problem, self.states, f, axis=1 if self.t is not None else 0)

    def to_xarray(self):
        """An xarray.Dataset with one variable per field and named dimensions."""
        from symnum._extras import require

        xr = require("xarray", "Solution.to_xarray()")
        coords = {str(v): c for v, c in self.grid.items()}
        head = [] if self.t is None else [str(self.problem.system.time)]
        if self.t is not None:
            coords[str(self.problem.system.time)] = self.t
        data = {str(f.func): (head + _dims(self.problem, f), self[f]) for f in self.problem.fields}
        return xr.Dataset(data, coords=coords, attrs={"system": self.problem.system.name})

    def plot(self, f, index: int = -1, ax=None):
        """Plot field `f` at time index `index` (1D: a line, 2D: an image)."""
        from symnum._extras import require

        plt = require("matplotlib.pyplot", "Solution.plot()")
        ax = ax or plt.gca()
        values = self[f][index] if self.t is not None else self[f]
        coords = [self.grid[v] for v in self.grid if str(v) in _dims(self.problem, f)]
        if values.ndim == 1:
            ax.plot(coords[0], values)
        else:
            ax.imshow(values.T, origin="lower", extent=(*coords[0][[0, -1]], *coords[1][[0, -1]]))
        ax.set_title(f"{f.func}" + (f" at t = {self.t[index]:g}" if self.t is not None else ""))
        return ax


def _implicit(prob, method, t0, t1, saveat, rtol, atol, dense=False, progress=True):
    from ._explicit import _progress

    shape = prob.shape
    reached = [t0]  # scipy reports no failure time when t_eval is given
    bar = _progress(t1 - t0, progress, f"{method} {prob.system.name}")

    def fun(t, y):
        if t > reached[0] and bar is not None:  # the farthest time scipy has evaluated at
            bar.update(t - reached[0])
        reached[0] = max(reached[0], t)
        dydt = prob.rhs(y.reshape(shape), t)
        return (dydt.get() if hasattr(dydt, "get") else dydt).ravel()

    def jac(t, y):
        return prob.jacobian(y.reshape(shape), t)

    try:
        res = scipy.integrate.solve_ivp(
            fun, (t0, t1), prob.u0.ravel(), method=method.upper() if method == "bdf" else "Radau",
            t_eval=saveat, rtol=rtol, atol=atol, jac=jac, dense_output=dense,
        )
    finally:
        if bar is not None:
            bar.close()
    if not res.success:
        raise SolverError(
            f"{method} failed near t = {reached[0]:.6g}: {res.message} The solution may be singular "
            f"there, or the right-hand side non-finite: check the model, or tighten rtol/atol"
        )
    states = np.array([prob.fill_boundaries(y.reshape(shape), t) for t, y in zip(res.t, res.y.T)])
    for t, y in zip(res.t, states):
        _check_finite(prob, y, t, advice=f"{method} accepted it: check the model and initial state")
    stats = {"steps": int(res.nfev), "njev": int(res.njev), "nlu": int(res.nlu)}
    return states, stats, (ScipyDense(res.sol, shape) if dense else None)


def _linear_solve(J, b, how):
    if how == "direct":
        return scipy.sparse.linalg.spsolve(J.tocsc(), b)
    try:  # GMRES preconditioned by an incomplete LU or algebraic multigrid of the stencil Jacobian
        return linear_solver(J, 0.0, -1.0, how, 1e-12, LinearStats())(b)
    except SolverError as e:
        raise SolverError(
            f"{e} (in the Newton step; the Jacobian may be singular: only Neumann conditions fix no constant)"
        ) from None


def _newton(prob: Problem, tol, maxiter, linear_solver="direct"):
    """Newton's method with backtracking (Armijo on |F|^2 / 2); where the
    linearization is poor (an accepted step below 1/10), pseudo-transient
    continuation takes over: (J + s I / tau) dy = -F with s the sign of J's
    diagonal and tau grown as the residual falls (switched evolution relaxation,
    Mulder & van Leer), which turns into Newton's method near the solution. Line
    searches alone stall in local minima of |F| (-div((1 + u^2) grad u) = f from
    u = 0 on 17^2 nodes: |F| stuck at 3e3 after 27 iterations)."""
    y = prob.u0.copy()
    history, tau, mode = [], None, "newton"
    F = prob.residual(y).ravel()  # then carried over from the accepted trial: evaluated once per state
    for it in range(maxiter + 1):
        norm = float(np.max(np.abs(F)))
        history.append(norm)
        if not np.isfinite(norm):
            _check_finite(prob, F, 0.0, what=f"the residual at Newton iteration {it}",
                          advice="give an initial guess where the equations are defined, with sn.Initial(u, guess)")
        if norm <= tol:
            return prob.fill_boundaries(y, 0.0), {"newton_iterations": it, "residuals": history, "mode": mode}
        if it == maxiter:
            break
        J = prob.jacobian(y)
        if tau is not None:
            y, tau, F = _continuation_step(prob, y, F, J, tau, linear_solver)
            continue
        dy = _linear_solve(J, -F, linear_solver).reshape(y.shape)
        if it and np.max(np.abs(dy)) <= 1e-9 * (1.0 + np.max(np.abs(y))):
            # the correction is at rounding level: the residual of a high-order operator
            # (u_xxxx ~ u / h^4) cannot fall below rounding times its scale
            history.append(norm)
            return prob.fill_boundaries(y + dy, 0.0), {"newton_iterations": it, "residuals": history, "mode": mode}
        merit, step = float(F @ F), 1.0
        while True:
            trial = y + step * dy
            R = prob.residual(trial).ravel()
            if float(R @ R) <= (1.0 - 2e-4 * step) * merit or step < 0.1:
                break
            step *= 0.5
        if step < 0.1:  # the Newton direction is poor here: continue in pseudo-time
            mode = "continuation"
            diag = np.abs(J.diagonal())
            tau = 1.0 / max(float(diag.max()), 1e-300)
            y, tau, F = _continuation_step(prob, y, F, J, tau, linear_solver)
            continue
        y, F = trial, R
    raise SolverError(
        f"Newton did not converge in {maxiter} iterations (residual {history[-1]:.3g} > tol "
        f"{tol:g}; history {['%.2g' % r for r in history]}): give a better initial guess "
        f"with sn.Initial(u, guess), or raise maxiter=..."
    )


def _continuation_step(prob, y, F, J, tau, linear_solver):
    """One pseudo-time step of size tau from y: (the new state, the next tau, its
    residual). tau grows by the residual's fall (halved and retried while a step makes
    the residual non-finite or 10x larger)."""
    # one sign for every row: the operator's (a row's own diagonal may change sign
    # with the state, -2 u lap(u) in -div((1 + u^2) grad u), and shifting it the other
    # way destabilizes the step)
    d = J.diagonal()
    sign = float(np.sign(np.median(d[d != 0]))) if np.any(d != 0) else 1.0
    norm = float(np.linalg.norm(F))
    for _ in range(60):
        shifted = J + scipy.sparse.identity(J.shape[0]) * (sign / tau)
        trial = y + _linear_solve(shifted, -F, linear_solver).reshape(y.shape)
        R = prob.residual(trial).ravel()
        new = float(np.linalg.norm(R))
        if np.isfinite(new) and new < 10 * norm:
            return trial, tau * (norm / max(new, 1e-300)) ** 1.5, R
        tau *= 0.5
    raise SolverError(
        f"pseudo-transient continuation found no step that keeps the residual ({norm:.3g}) finite and "
        f"bounded; the Jacobian may be singular: give a better initial guess with sn.Initial(u, guess)"
    )


def time_grid(prob: Problem, method, tspan, saveat):
    """(t0, t1, sorted save times) of a time-dependent solve, checked."""
    if getattr(prob, "kind", None) == "spectral":  # its own integrators (Lawson forms, ETDRK4)
        from ..spectral._lawson import check_method

        check_method(method)
    elif method not in METHODS and method not in IMPLICIT and method not in ROSENBROCK and method not in IMEX:
        raise SolverError(
            f"unknown method {method!r}: use one of "
            f"{sorted(METHODS) + sorted(ROSENBROCK) + sorted(IMEX) + list(IMPLICIT)}"
        )
    if prob.algebraic and method not in ROSENBROCK:
        raise SolverError(
            f"{prob.system.name!r} is a DAE (algebraic equations for {', '.join(map(str, prob.algebraic))}): "
            f"method={method!r} integrates differential equations only; use a Rosenbrock method, "
            f"{' or '.join(repr(m) for m in ROSENBROCK)}, which handle the mass matrix"
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
    return t0, t1, saveat


def _check_problem(prob, who: str) -> None:
    """A system passed where its discretization belongs: say how to get one."""
    if not hasattr(prob, "steady"):  # (not isinstance: doctests import this package a second time)
        raise ModelError(
            f"{who} takes a discretized problem, got {type(prob).__name__}: write "
            f"prob = solvers.discretize(system, grid) and pass prob"
        )


def solve(
    prob: Problem,
    method: str | None = None,
    tspan=None,
    saveat=None,
    dt: float | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    progress: bool = True,
    max_steps: int = 10_000_000,
    tol: float = 1e-10,
    maxiter: int = 50,
    linear_solver: str | None = None,
    adaptive: bool | None = None,
    compiled: bool | None = None,
    dense: bool = False,
) -> Solution:
    """Integrate a discretized problem over `tspan` (default: the system's time
    domain), saving at `saveat` (default: the two ends; an int n: n equispaced
    times).

    Explicit methods: "euler", "ssprk3", "rk4" (fixed `dt`), "tsit5", "dopri5",
    "dop853" (adaptive to `rtol`/`atol`, PI step-size control; `adaptive=False`
    steps them with a fixed `dt`). On the numba backend the whole loop runs as
    one generated compiled function per (kernel, method), cached on disk;
    `compiled=False` runs the array loop instead (the reference; the numpy and
    cuda backends' loop). Values at `saveat` come from the method's dense
    output and do not shorten steps (dop853: its seventh-order extension). A
    fixed-step solution that diverges stops with a SolverError. With
    `dense=True` every step is kept and `sol(t)` gives the solution at any t in
    tspan (the method's continuous extension: order 4 for tsit5/dopri5, 7 for
    dop853; cubic Hermite for the others; scipy's for bdf/radau).
    Stiff: "rodas5p", "rodas5", "rodas4" (Rosenbrock, one sparse LU of the symbolic
    Jacobian per step, reused by its stages; also DAEs: algebraic equations as a
    mass matrix with zero rows, consistent initial values solved for),
    "kencarp4", "kencarp47" (IMEX on `prob.split()`: the linear part implicit with
    its factorization reused across steps, the rest explicit; steps end at save
    times); all adaptive, `adaptive=False` for fixed `dt`.
    A spectral problem (`discretize(..., order="spectral")`) integrates with the
    Lawson (integrating-factor) form of "tsit5" (default), "dopri5" or "rk4" (fixed
    `dt`), or with "etdrk4" (Cox-Matthews, fixed `dt`; far fewer steps where N is
    stiff too, as in Kuramoto-Sivashinsky): the linear part exactly, steps ending at
    save times.
    Implicit: "bdf", "radau" (scipy, with the symbolic sparse Jacobian). A steady
    problem is solved by Newton's method to `tol`, each step a sparse direct solve
    or, with `linear_solver="gmres"`, ILU-preconditioned GMRES (`method`, `tspan`,
    `saveat` and `dt` do not apply to it and are refused). The default method is
    "tsit5".
    `linear_solver` for the stiff methods and Newton: "direct" (sparse LU),
    "krylov" (GMRES preconditioned by algebraic multigrid: pyamg, the `amg`
    extra), "gmres" (GMRES with an incomplete-LU preconditioner); None chooses
    by size (direct in 1-D, in 2-D up to 3e5 unknowns, in 3-D up to 2e4;
    kencarp on a fully periodic grid: FFT).

    >>> import numpy as np, symnum as sn
    >>> from symnum import solvers
    >>> t = sn.variables("t")
    >>> u = sn.fields("u", t)
    >>> decay = sn.ODESystem([sn.Eq(sn.D(t)(u), -u)], [sn.Initial(u, 1.0)], domain={t: (0, 1)})
    >>> prob = solvers.discretize(decay, backend="numpy")
    >>> sol = solvers.solve(prob, rtol=1e-10, atol=1e-12, saveat=3, progress=False)
    >>> sol.t
    array([0. , 0.5, 1. ])
    >>> bool(abs(sol[u][-1] - np.exp(-1)) < 1e-10)
    True
    """
    _check_problem(prob, "solve")
    if getattr(prob, "kind", None) == "spectral":
        from ..spectral import solve_spectral

        return solve_spectral(prob, method, tspan, saveat, dt, rtol, atol, max_steps)
    start = _time.perf_counter()
    if prob.steady:
        given = {name: value for name, value in (("method", None if method == "newton" else method),
                                                 ("tspan", tspan), ("saveat", saveat), ("dt", dt)) if value is not None}
        if given:
            raise SolverError(
                f"{prob.system.name!r} is steady (no time derivative): it is solved by Newton's method, so "
                f"{', '.join(f'{k}={v!r}' for k, v in given.items())} does not apply; call solve(prob) "
                f"(tol=, maxiter= and linear_solver= set the Newton solve)"
            )
        how = pick_linear_solver(linear_solver, prob, "newton")
        state, stats = _newton(prob, tol, maxiter, how)
        stats["seconds"] = _time.perf_counter() - start
        return Solution(prob, None, state, stats)
    method = "tsit5" if method is None else method
    t0, t1, saveat = time_grid(prob, method, tspan, saveat)
    if method in IMPLICIT:
        states, stats, interp = _implicit(prob, method, t0, t1, saveat, rtol, atol, dense, progress)
    elif method in IMEX:
        states, stats, interp = imex(prob, IMEX[method], t0, t1, saveat, dt, rtol, atol, progress, max_steps,
                                     dense, adaptive, linear_solver)
    elif method in ROSENBROCK:
        states, stats, interp = rosenbrock(prob, ROSENBROCK[method], t0, t1, saveat, dt, rtol, atol, progress,
                                           max_steps, dense, adaptive, linear_solver)
    else:
        states, stats, interp = explicit(
            prob, METHODS[method], t0, t1, saveat, dt, rtol, atol, progress, max_steps, adaptive, compiled, dense
        )
    stats["seconds"] = _time.perf_counter() - start
    return Solution(prob, saveat, states, stats, interp)
