"""`solve_ensemble`: many solves of one compiled problem (parameter sweeps,
uncertainty propagation, training data), returning an `EnsembleSolution`.

Members of a small problem run inside one generated function, a thread per
member where Numba has several (`{loop}_members`); each member runs the very
start and step functions of a single solve on its own slices, so member k is
bit-equal to `solve(prob.remake(...))` of its parameters and initial state.
A large problem (one whose single solve runs its stage passes on threads)
solves its members one after another, each on all threads; other backends
and the stiff and implicit methods solve member by member too."""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np

from symnum._errors import SolverError

from .._problem import Problem, initial_parameters
from . import _explicit
from ._solve import Solution, _check_problem, _dims, _field_values, solve, time_grid, user_grid
from ._tableaus import METHODS

__all__ = ["solve_ensemble", "EnsembleSolution"]

FIRST_BLOCK = 64  # members per call of the compiled ensemble before the first progress update


@dataclass(frozen=True)
class EnsembleSolution:
    """N solves of one problem. `sol[u]` is field u, shape `(N, len(sol.t), *grid)`;
    `states` has shape `(N, len(t), n_fields, *grid)`; `params` maps each varied
    parameter to its N values; `stats` holds per-member arrays ("steps",
    "rejected", "nfev") and the totals ("seconds", "threads").

    >>> ens = solvers.solve_ensemble(prob, params={rho: np.linspace(20, 40, 100)})   # doctest: +SKIP
    >>> ens[z].shape, ens.member(3).t      # (100, n_times), one member as a Solution   # doctest: +SKIP
    """

    problem: Problem
    t: np.ndarray
    states: np.ndarray
    params: dict
    u0: np.ndarray  # (N, *shape): the members' initial states
    stats: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return self.states.shape[0]

    @property
    def grid(self) -> dict:
        return user_grid(self.problem)

    def __getitem__(self, f) -> np.ndarray:
        return _field_values(self.problem, self.states, f, axis=2)

    def member(self, k: int) -> Solution:
        """Member k as a `Solution` of its own problem (parameters and initial state)."""
        k = range(len(self))[k]
        prob = self.problem.remake({p: v[k] for p, v in self.params.items()}, u0=self.u0[k])
        stats = {name: int(v[k]) for name, v in self.stats.items() if isinstance(v, np.ndarray)}
        return Solution(prob, self.t, self.states[k], stats)

    def to_xarray(self):
        """An xarray.Dataset: one variable per field over `("member", time, *space)`;
        the varied parameters are coordinates along "member"."""
        from symnum._extras import require

        xr = require("xarray", "EnsembleSolution.to_xarray()")
        time = str(self.problem.system.time)
        coords = {str(v): c for v, c in self.grid.items()}
        coords[time] = self.t
        coords["member"] = np.arange(len(self))
        coords.update({str(p): ("member", v) for p, v in self.params.items()})
        data = {str(f.func): (["member", time, *_dims(self.problem, f)], self[f]) for f in self.problem.fields}
        return xr.Dataset(data, coords=coords, attrs={"system": self.problem.system.name})


def _members(prob: Problem, params, u0) -> tuple[int, dict, np.ndarray | None]:
    """(N, {parameter: N floats}, u0 as (N, *shape) or None), checked."""
    params = dict(params or {})
    table = {}
    for p, values in params.items():
        if p not in prob.params:
            raise SolverError(
                f"{p!r} is not a parameter of this problem; its parameters are {tuple(prob.params)}"
            )
        v = np.asarray(values, dtype=float)
        if v.ndim != 1:
            raise SolverError(f"params[{p}] has shape {v.shape}: give one value per member (a 1-D sequence)")
        table[p] = v
    sizes = {str(p): len(v) for p, v in table.items()}
    if u0 is not None:
        u0 = np.asarray(u0, dtype=float)
        if u0.shape[1:] != prob.shape:
            raise SolverError(
                f"u0 has shape {u0.shape}: an ensemble's initial states have shape (N, *prob.shape) = "
                f"(N, {', '.join(map(str, prob.shape))})"
            )
        sizes["u0"] = u0.shape[0]
    if not sizes:
        raise SolverError("an ensemble needs members: give params={p: values} and/or u0 of shape (N, *prob.shape)")
    if len(set(sizes.values())) > 1:
        raise SolverError(f"the ensemble's inputs disagree on the number of members: {sizes}; give each N values")
    n = next(iter(sizes.values()))
    if n == 0:
        raise SolverError(f"the ensemble has no members: {sizes}")
    return n, table, u0


def _member_params(table, k):
    return {p: float(v[k]) for p, v in table.items()}


def _initial_states(prob: Problem, table, n) -> np.ndarray:
    """u0 of every member, exactly as `prob.remake(params)` makes it: computed once
    when it cannot depend on the varied parameters."""
    if prob.fill_kernel is None and not (initial_parameters(prob) & set(table)):
        return np.broadcast_to(prob.remake(_member_params(table, 0)).u0, (n, *prob.shape))
    return np.array([prob.remake(_member_params(table, k)).u0 for k in range(n)])


def _scalar_table(prob: Problem, table, n) -> np.ndarray:
    """Each member's kernel scalars (parameters, then grid spacings; global terms,
    integrals and point values, are computed from each member's state by the loop
    kernel, `Problem.loop_kernel`)."""
    names = list(prob.stencil.base_params)
    uneven = [str(ax.var) for ax in prob.stencil.axes if not ax.uniform]
    if uneven:
        raise SolverError(
            f"solve_ensemble runs members from a table of scalars, but the grid of {', '.join(uneven)} "
            f"is non-uniform (a table of weights per node): solve the members one by one with "
            f"solve(prob.remake(params)), or use a uniform grid"
        )
    scal = np.tile(np.asarray(prob._scalar_args, dtype=float), (n, 1))
    for p, v in table.items():
        if p in names:
            scal[:, names.index(p)] = v
    return np.ascontiguousarray(scal)


def solve_ensemble(
    prob: Problem,
    params: dict | None = None,
    u0=None,
    method: str = "tsit5",
    tspan=None,
    saveat=None,
    dt: float | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    progress: bool = True,
    max_steps: int = 10_000_000,
    adaptive: bool | None = None,
    compiled: bool | None = None,
) -> EnsembleSolution:
    """Solve `prob` once per member: member k has parameter values
    `{p: values[k] for p, values in params.items()}` (the others as in `prob`) and
    initial state `u0[k]` (`u0` of shape `(N, *prob.shape)`; default: the
    system's initial conditions at the member's parameters). Options as in
    `solve`; every member has its own adaptive steps and stops at the same
    `saveat`. Member k equals `solve(prob.remake(params_k, u0_k), ...)`.

    >>> import numpy as np, symnum as sn
    >>> t = sn.variables("t")
    >>> u = sn.fields("u", t)
    >>> k = sn.parameter("k", 1.0)
    >>> prob = sn.solvers.discretize(sn.ODESystem([sn.Eq(sn.D(t)(u), -k * u)], [sn.Initial(u, 1)],
    ...                              domain={t: (0, 1)}, name="decay_ens"))
    >>> sol = solve_ensemble(prob, params={k: [0.5, 1.0, 2.0]}, rtol=1e-10, atol=1e-12, progress=False)
    >>> sol[u].shape
    (3, 2)
    >>> np.allclose(sol[u][:, -1], np.exp(-np.array([0.5, 1.0, 2.0])), rtol=1e-8)
    True
    """
    _check_problem(prob, "solve_ensemble")
    if getattr(prob, "kind", None) == "spectral":
        from ..spectral import ensemble_spectral

        return ensemble_spectral(prob, params, u0, method, tspan, saveat, dt, rtol, atol, max_steps, progress)
    start = _time.perf_counter()
    if prob.steady:
        raise SolverError(
            f"{prob.system.name!r} is steady: an ensemble integrates in time; solve each steady "
            f"problem with solve(prob.remake(...))"
        )
    n, table, u0 = _members(prob, params, u0)
    t0, t1, saveat = time_grid(prob, method, tspan, saveat)
    opts = dict(method=method, tspan=(t0, t1), saveat=saveat, dt=dt, rtol=rtol, atol=atol,
                max_steps=max_steps, adaptive=adaptive, compiled=compiled)
    # explicit Runge-Kutta: the compiled members; the rest (and blocks with different
    # nodes, whose scalars are per block) member by member
    fast = method in METHODS and getattr(prob, "kind", None) != "composite"
    if fast:
        tab, compiled = _explicit.resolve(prob, METHODS[method], dt, adaptive, compiled)
        fast = compiled and not _explicit._parallel(prob)
    if fast:
        states, u0, stats = _compiled_members(prob, tab, table, u0, n, t0, t1, saveat, dt, rtol, atol,
                                          progress, max_steps)
    else:
        states, u0, stats = _one_by_one(prob, table, u0, n, opts, progress)
    stats["seconds"] = _time.perf_counter() - start
    return EnsembleSolution(prob, saveat, states, table, u0, stats)


def _one_by_one(prob, table, u0, n, opts, progress):
    bar = _explicit._progress(n, progress, f"ensemble {prob.system.name}")
    sols = []
    for k in range(n):
        member = prob.remake(_member_params(table, k), u0=None if u0 is None else u0[k])
        try:
            sols.append(solve(member, progress=False, **opts))
        except SolverError as e:
            raise _member_error(e, k, table) from None
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    stats = {name: np.array([s.stats.get(name, 0) for s in sols])
             for name in ("steps", "rejected", "nfev") if name in sols[0].stats}
    stats["threads"] = 1
    return np.array([s.states for s in sols]), np.array([s.problem.u0 for s in sols]), stats


def _member_error(e, k, table):
    which = ", ".join(f"{p} = {v[k]:.6g}" for p, v in table.items())
    return type(e)(f"ensemble member {k}{f' ({which})' if which else ''}: {e}")


def _compiled_members(prob, tab, table, u0, n, t0, t1, saveat, dt, rtol, atol, progress, max_steps):
    import numba

    from symnum.codegen._stepper import CNT, CTL, STATUS, initial_state, n_stage_buffers

    gen = _explicit._stepper_for(prob, tab, rows=False)
    threads = numba.get_num_threads()
    run = gen.members if threads > 1 else gen.members_serial
    Y = np.array(_initial_states(prob, table, n) if u0 is None else u0, dtype=float, order="C")
    U0 = Y.copy()
    scal = _scalar_table(prob, table, n)
    first = _explicit.at_start(saveat, t0)
    save_t = np.ascontiguousarray(saveat)
    out = np.empty((n, len(saveat), *prob.shape))
    out[:, :first] = U0[:, None]
    buffers = [np.empty_like(Y) for _ in range(3 + n_stage_buffers(tab))]  # ynew, ytmp, dprev, k..
    # save_t[:first] were saved from the initial states
    ctl1, cnt1 = initial_state(t0, t1, np.nan if dt is None else float(dt), first)
    ctl, cnt = np.tile(ctl1, (n, 1)), np.tile(cnt1, (n, 1))
    stat = np.zeros(n, dtype=np.int64)
    h_min = _explicit.min_step(t0, t1)
    ynew, ytmp, dprev, *ks = buffers
    bar = _explicit._progress(n, progress, f"ensemble {prob.system.name}")
    lo, block = 0, FIRST_BLOCK
    while first < len(save_t) and lo < n:
        hi = min(n, lo + block)
        begin = _time.perf_counter()
        run(Y[lo:hi], ynew[lo:hi], ytmp[lo:hi], *(k[lo:hi] for k in ks), dprev[lo:hi], out[lo:hi], save_t,
            ctl[lo:hi], cnt[lo:hi], stat[lo:hi], rtol, atol, max_steps, h_min, scal[lo:hi])
        if bar is not None:
            bar.update(hi - lo)
        # about 0.1 s per call: a moving bar at no cost per member
        elapsed = max(_time.perf_counter() - begin, 1e-6)
        block = int(min(max(block * _explicit.CHUNK_SECONDS / elapsed, FIRST_BLOCK), 1 << 30))
        lo = hi
    if bar is not None:
        bar.close()
    failed = np.flatnonzero(stat != 0)
    if len(failed):
        k = int(failed[0])
        member = prob.remake(_member_params(table, k), u0=U0[k])
        yy, yn = (ynew[k], Y[k]) if cnt[k, CNT["swap_y"]] else (Y[k], ynew[k])
        try:
            _explicit._fail(member, tab, STATUS[int(stat[k])], ctl[k, CTL["t"]], ctl[k, CTL["h"]], yy, yn,
                            dprev[k], max_steps, save_t[-1])
        except SolverError as e:
            more = f" ({len(failed) - 1} more members failed)" if len(failed) > 1 else ""
            raise _member_error(SolverError(f"{e}{more}"), k, table) from None
    if prob.fill_kernel is not None:
        for k in range(n):
            member_scal = tuple(scal[k])
            for i, t in enumerate(saveat):
                y = out[k, i].copy()
                prob.fill_kernel(y, out[k, i], float(t), *prob._with_globals(y, float(t), member_scal))
    stats = {name: cnt[:, CNT[name]].copy() for name in ("steps", "rejected", "nfev")}
    if first == len(save_t):  # nothing to integrate
        stats = {name: np.zeros(n, dtype=np.int64) for name in stats}
    stats["threads"] = threads
    return out, U0, stats
