"""Explicit Runge-Kutta integration: the driver of the generated compiled loop
(numba backend, the default) and the array loop, which is the readable
reference the compiled loop is tested against and the loop of the numpy and
cuda backends. Both implement one algorithm (`symnum.codegen._stepper.Control`):
Hairer's PI step-size control, saving by the tableau's dense output (or cubic
Hermite interpolation), and for fixed steps a
divergence check on successive increments."""

from __future__ import annotations

import functools
import time as _time
from dataclasses import replace

import numpy as np

from symnum._errors import SolverError
from symnum.codegen._stepper import (
    CNT,
    CTL,
    STATUS,
    Control,
    initial_state,
    make_stepper,
    n_stage_buffers,
    recorded_stages,
)

from symnum.solvers._problem import PARALLEL_MIN

from ._dense import RKDense
from ._passes import ArrayPasses, cuda_passes
from ._tableaus import ExplicitRK

__all__ = ["explicit", "resolve", "at_start", "EXPLICIT_ADVICE", "check_finite", "CONTROL"]

CONTROL = Control()
FIRST_CHUNK = 64  # steps before the compiled loop first returns to Python
CHUNK_SECONDS = 0.1  # then: about this long between returns (progress bar updates)

EXPLICIT_ADVICE = (
    "An explicit method beyond its stability limit does this: lower dt (CFL), or, for a "
    "stiff problem, use method=\"bdf\"; if the model itself blows up there (a singular "
    "solution, a function evaluated outside its domain), check the equations"
)


def _where(prob, flat_index):
    if getattr(prob, "kind", None) == "composite":
        return prob.locate(int(flat_index))
    idx = np.unravel_index(int(flat_index), prob.shape)
    f = prob.fields[idx[0]]
    where = ", ".join(f"{a.var} = {a.coords[i]:.6g}" for a, i in zip(prob.stencil.axes, idx[1:]))
    where = f" at {where} (node {tuple(int(i) for i in idx[1:])})" if where else ""
    return f"field {f}{where}"


def check_finite(prob, y, t, advice: str = EXPLICIT_ADVICE, what: str = "the state"):
    if bool(np.isfinite(y).all()):
        return
    y = y.get() if hasattr(y, "get") and not isinstance(y, np.ndarray) else y
    bad = np.flatnonzero(~np.isfinite(np.asarray(y).reshape(-1)))[0]
    raise SolverError(f"{what} became non-finite at t = {t:.6g}: {_where(prob, bad)}. {advice}")


def _stability_advice(prob, tab, y, t, h):
    """How large a step the method tolerates here: its real stability interval
    over a Gershgorin bound of the Jacobian's spectral radius (a lower bound on
    the stable step for diffusion-like problems)."""
    try:  # at the initial state: a blown-up state would give a meaningless bound
        J = prob.jacobian(prob.u0, prob.tspan[0] if prob.tspan else 0.0)
        radius = float(abs(J).sum(axis=1).max())
    except Exception:  # pragma: no cover - the advice is a courtesy; the error stands without it
        return EXPLICIT_ADVICE
    if radius == 0.0:  # pragma: no cover
        return EXPLICIT_ADVICE
    stable = tab.stability_limit / radius
    return (
        f"dt = {h:.3g} exceeds the stability limit of {tab.name} here, about {stable:.3g} "
        f"({tab.stability_limit:.3g} / {radius:.3g}, a bound on the Jacobian's spectral radius at the "
        f"initial state): lower dt, "
        f"or use method=\"bdf\" for a stiff problem"
    )


def _initial_step(f0, y, t0, t1, rtol, atol, xp=np):
    scale = atol + rtol * xp.abs(y)
    d0 = float(xp.sqrt(xp.mean((y / scale) ** 2)))
    d1 = float(xp.sqrt(xp.mean((f0 / scale) ** 2)))
    return 0.01 * d0 / d1 if d0 > 1e-5 and d1 > 1e-5 else 1e-6 * max(1.0, abs(t1 - t0))


def min_step(t0, t1) -> float:
    """Below this step size a step-size controller has failed (underflow)."""
    return 1e-14 * max(1.0, abs(t1 - t0))


def _progress(total, enabled, desc):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, leave=False, unit="t", bar_format="{l_bar}{bar}| {n:.4g}/{total:.4g} [{elapsed}<{remaining}]")


def resolve(prob, tab: ExplicitRK, dt, adaptive, compiled):
    """(the tableau as stepped, whether the compiled loop runs) for these options."""
    adaptive = tab.adaptive if adaptive is None else adaptive and tab.adaptive
    if dt is None and not adaptive:
        raise SolverError(
            f"method={tab.name!r} takes a fixed step: pass dt=..., or use an adaptive "
            f"method (\"tsit5\", \"dopri5\", \"dop853\") or \"bdf\""
        )
    if dt is not None and not (np.isfinite(dt) and dt > 0):
        raise SolverError(f"dt = {dt!r}: give a positive finite step")
    if compiled is None:
        compiled = prob.backend == "numba"
    if compiled and prob.backend != "numba":
        raise SolverError(
            f"compiled=True needs the numba backend (this problem's is {prob.backend!r}); "
            f"discretize with backend=\"numba\", or leave compiled unset"
        )
    return (tab if adaptive else _fixed(tab)), compiled


def at_start(saveat, t0) -> int:
    """1 if the first save time is t0 (saved from the initial state, not by the loop)."""
    return int(abs(saveat[0] - t0) <= 1e-12 * max(1.0, abs(t0)))


def explicit(prob, tab: ExplicitRK, t0, t1, saveat, dt, rtol, atol, progress, max_steps, adaptive,
             compiled=None, dense=False):
    """Integrate with `tab`; returns (states at saveat, stats, dense output or None)."""
    tab, compiled = resolve(prob, tab, dt, adaptive, compiled)
    run = _compiled_loop if compiled else _array_loop
    saveat = np.asarray(saveat, dtype=float)
    first = at_start(saveat, t0)
    save_t = saveat[first:]
    extra = dense and saveat[-1] < t1  # dense output covers all of tspan: integrate to t1
    if extra:
        save_t = np.r_[save_t, t1]
    later, stats, rec = run(prob, tab, t0, t1, save_t, dt, rtol, atol, progress, max_steps, dense)
    raw = [prob.to_device(prob.u0)] * first + list(later)[: len(later) - extra]
    return np.array([prob.fill_boundaries(y, t) for y, t in zip(raw, saveat)]), stats, rec


@functools.lru_cache(maxsize=None)
def _fixed(tab: ExplicitRK) -> ExplicitRK:
    """`tab` stepped with a fixed dt (`adaptive=False`): no error estimate."""
    return replace(tab, b_error=None, b_error3=None)


def _fail(prob, tab, status, t, h, y, ynew, dprev, max_steps, target):
    if status == "max steps":
        raise SolverError(
            f"more than {max_steps} steps before t = {target:.6g} (now t = {t:.6g}): "
            f"raise max_steps=..., or the problem is stiff: use method=\"bdf\""
        )
    if status == "underflow":
        check_finite(prob, ynew, t + h)
        raise SolverError(
            f"step size underflow at t = {t:.6g} ({tab.name}): the problem is "
            f"probably stiff (use method=\"bdf\"), or its solution is singular there"
        )
    if status == "non-finite":
        check_finite(prob, ynew, t + h, advice=_stability_advice(prob, tab, y, t, h))
    if status == "diverging":
        rough = np.abs((ynew - y) - dprev).reshape(-1)
        raise SolverError(
            f"the solution is diverging at t = {t + h:.6g} ({tab.name}, fixed dt): successive "
            f"increments alternate and grow, largest at {_where(prob, np.argmax(rough))}, and "
            f"max|y| = {np.abs(ynew).max():.3g}. {_stability_advice(prob, tab, y, t, h)}"
        )
    raise AssertionError(status)  # pragma: no cover


# -- the compiled loop (numba backend) -----------------------------------------------------


@functools.lru_cache(maxsize=None)
def _stepper(kernel_fn, tab: ExplicitRK, control: Control, n_scalars: int, parallel: bool, record=False,
             reach=None):
    """The generated loop (`Stepper`) of `tab` around the Numba kernel `kernel_fn`
    (with `record`: the loop that also records every step for dense output). Where
    the kernel has a row twin (a periodic grid) and `reach` is given (the stencil's
    along axes 0 and 1), the loop can also chain the stages row by row (`tile` > 0)."""
    from symnum.codegen._stencil_kernel import ROW, SERIAL, twin

    name = kernel_name = kernel_fn.__name__
    if not parallel and twin(kernel_fn, SERIAL) is not None:
        # a serial loop calls the kernel's serial twin: a parallel call costs ~2 us per stage
        kernel_name = name + SERIAL
    rows = reach if twin(kernel_fn, ROW) is not None and not record else None
    return make_stepper(tab, control, kernel_fn.py_func.__module__, kernel_name, n_scalars, parallel,
                        f"step_{tab.name}{'_rec' * record}{'_rows' * (rows is not None)}_{name}", record, rows)


def stepper_source(prob, tab: ExplicitRK) -> str:
    """The generated source of `tab`'s compiled loop for `prob`."""
    return _stepper_for(prob, tab).source


def _parallel(prob) -> bool:
    """Threaded stage passes pay off only on large states and more than one thread;
    the serial loop compiles in about a third of the time (4 s against 12 s, 2D Tsit5)."""
    import numba

    return bool(prob.stencil.axes) and int(np.prod(prob.shape)) >= PARALLEL_MIN and numba.get_num_threads() > 1


TILE_MIN = 1 << 16  # state values from which steps chain their stages row by row


def _stepper_for(prob, tab, record=False, rows=True):
    # the row-chained steps only where they will run (not in ensembles, whose members
    # step full arrays): their code adds ~1-2 s to a cold compile
    rows = rows and len(prob.stencil.axes) >= 2 and int(np.prod(prob.shape)) >= TILE_MIN
    reach = max(prob.stencil.reach[:2]) if rows else None
    return _stepper(prob.loop_kernel, tab, CONTROL, len(prob._scalar_args), _parallel(prob), record, reach)


ROW_CHUNKS = None  # chunks of rows (None: one per thread); tests set more, to cross chunk ends
ROW_STRIP = 512  # columns per strip (measured best on Gray-Scott 2048^2, RK4 and Tsit5: 256 to 2048 within 10%)
ROW_CACHE = 1 << 20  # ... fewer where the ring buffers of a strip would exceed these bytes (half an L2)


def _tiles(prob, gen) -> tuple[int, int]:
    """(row chunks, strip width) of the steps' row-chained stages; (0, 0): full-array
    passes. Row chaining pays off once the stage arrays leave the cache (large
    states); the strips keep the ring buffers (`_row_stages.ring_shapes`) in L2.
    A threaded loop gives each thread its own chunk of rows."""
    import numba

    if gen.plan is None:
        return 0, 0
    from symnum.codegen._row_stages import ring_shapes

    rows = sum(depth for _, depth in ring_shapes(gen.plan))
    per_column = rows * prob.shape[0] * int(np.prod(prob.shape[3:])) * 8
    strip = max(min(ROW_STRIP, ROW_CACHE // per_column - 2 * gen.plan.y_ext), 4 * gen.plan.y_ext, 16)
    chunks = ROW_CHUNKS or (numba.get_num_threads() if _parallel(prob) else 1)
    return chunks, int(strip)


def _compiled_loop(prob, tab, t0, t1, save_t, dt, rtol, atol, progress, max_steps, record=False):
    """Runs the generated loop in chunks; returns the states at `save_t` (all after
    t0), the stats and, with `record`, the dense output (`RKDense`)."""
    gen = _stepper_for(prob, tab)
    loop = _stepper_for(prob, tab, record=True).step if record else gen.step
    y = prob.to_device(prob.u0)
    out = np.empty((len(save_t), *prob.shape))
    save_t = np.ascontiguousarray(save_t)
    # every buffer is written before it is read: no need to zero them
    ynew, ytmp, dprev = (np.empty_like(y) for _ in range(3))
    ks = [np.empty_like(y) for _ in range(n_stage_buffers(tab))]
    # floats (one compiled type per scalar); a non-uniform axis's table stays an array
    scalars = tuple(v if isinstance(v, np.ndarray) else float(v) for v in prob._scalar_args)
    ctl, cnt = initial_state(t0, t1, np.nan if dt is None else dt)
    stages = recorded_stages(tab)
    rec = _grow(None, 256, prob.shape, len(stages)) if record else ()
    h_min = min_step(t0, t1)
    tile, strip = (0, 0) if record else _tiles(prob, gen)
    bar = _progress(t1 - t0, progress, f"{tab.name} {prob.system.name}")
    chunk, t_shown = FIRST_CHUNK, t0
    while len(save_t):
        start = _time.perf_counter()
        status = STATUS[int(loop(y, ynew, ytmp, *ks, dprev, out, save_t, ctl, cnt, rtol, atol,
                                 chunk, max_steps, h_min, tile, strip, *rec, *scalars))]
        if status == "record full":
            rec = _grow(rec, 2 * len(rec[0]), prob.shape, len(stages))
            continue
        if status == "chunk":
            # aim at ~0.1 s between returns: a moving progress bar, no per-step cost
            elapsed = max(_time.perf_counter() - start, 1e-6)
            chunk = int(min(max(chunk * CHUNK_SECONDS / elapsed, FIRST_CHUNK), 1 << 30))
            if bar is not None:
                bar.update(ctl[CTL["t"]] - t_shown)
                t_shown = ctl[CTL["t"]]
            continue
        if status != "done":
            yy, yn = (ynew, y) if cnt[CNT["swap_y"]] else (y, ynew)
            _fail(prob, tab, status, ctl[CTL["t"]], ctl[CTL["h"]], yy, yn, dprev, max_steps, save_t[-1])
        break
    if bar is not None:
        bar.update(ctl[CTL["t"]] - t_shown)
        bar.close()
    dense = None
    if record:
        n = int(cnt[CNT["nrec"]])
        y_end = (ynew if cnt[CNT["swap_y"]] else y).copy()
        rt, rh, ry, rk = rec
        dense = _dense(prob, tab, stages, np.r_[rt[:n], ctl[CTL["t"]]], rh[:n], ry[:n], rk[:n], y_end)
    return out, {k: int(cnt[CNT[k]]) for k in ("steps", "rejected", "nfev")}, dense


def _grow(rec, cap, shape, n_stages):
    """The record buffers (t, h, y, k) with room for `cap` steps, keeping what `rec` holds."""
    new = (np.empty(cap), np.empty(cap), np.empty((cap, *shape)), np.empty((cap, n_stages, *shape)))
    if rec:
        for a, b in zip(new, rec):
            a[: len(b)] = b
    return new


def _dense(prob, tab, stages, t, h, y, k, y_end):
    f_end = None if tab.saving == "dense" else prob.rhs(y_end, float(t[-1]))
    return RKDense(tab, tuple(stages), t, h, y, k, y_end, f_end)


# -- the Python-driven loop (reference; numpy and cuda backends) ---------------------------


def _array_loop(prob, tab, t0, t1, save_t, dt, rtol, atol, progress, max_steps, record=False, passes=None):
    """The same algorithm as the generated loop, driven from Python: each pass over
    the state is an array expression (`ArrayPasses`, the reference) or, on the
    cuda backend, a fused kernel (`KernelPasses`)."""
    c = CONTROL
    if passes is None:
        passes = cuda_passes(tab, prob) if prob.backend == "cuda" else ArrayPasses(tab, prob)
    xp = passes.xp
    y = passes.to_device(prob.u0)  # on the GPU for the cuda backend: no host round trip per step
    f = passes.rhs
    s = tab.stages
    save = list(save_t)
    out = []
    t = t0
    t_end = save[-1] if save else t0
    ks = [None] * (s + tab.n_extra)
    nfev = 0
    if dt is None:
        ks[0] = f(y, t0)
        nfev += 1
        dt = _initial_step(ks[0], y, t0, t1, rtol, atol, xp)
    h = dt
    q = tab.order
    beta, expo1 = c.exponents(tab)
    err_prev, last_rejected = 1e-4, False
    ref = float(xp.sqrt(xp.mean(y**2)))
    checks = 0
    dprev = None
    h_min = min_step(t0, t1)
    bar = _progress(t1 - t0, progress, f"{tab.name} {prob.system.name}")
    steps = rejected = 0
    stages = recorded_stages(tab)
    recs = []
    while save:
        if steps >= max_steps:
            _fail(prob, tab, "max steps", t, h, y, y, None, max_steps, save[-1])
        target = t_end
        hs, last = h, False
        if t + hs * (1.0 + c.sliver) >= target:  # no round-off sliver before the target
            hs, last = target - t, True
        if ks[0] is None:
            ks[0] = f(y, t)
            nfev += 1
        yi = y
        for i in range(1, s):
            yi = passes.stage(i, y, ks, hs)
            ks[i] = f(yi, t + tab.c[i] * hs)
            nfev += 1
        if tab.adaptive:
            y_new, err, finite = passes.update(y, ks, yi, hs, rtol, atol)
            if not (err <= 1.0 and finite):
                rejected += 1
                last_rejected = True
                fac = max(c.fac_min, c.safety * err ** (-1.0 / q)) if np.isfinite(err) else c.fac_min
                h = hs * fac
                if h < h_min:
                    _fail(prob, tab, "underflow", t, hs, y, y_new, None, max_steps, save[-1])
                continue
            fac = c.safety * max(err, 1e-10) ** (-expo1) * err_prev**beta
            fac = min(max(fac, c.fac_min), 1.0 if last_rejected else c.fac_max)
            h_next = hs * fac
            err_prev, last_rejected = max(err, 1e-4), False
        else:
            # every `check_every` steps two successive increments are compared
            phase = {c.check_every - 2: 1, c.check_every - 1: 2}.get(steps % c.check_every, 0)
            y_new, finite, dprev, sums = passes.fixed(y, ks, hs, phase, dprev)
            if not finite:
                _fail(prob, tab, "non-finite", t, hs, y, y_new, None, max_steps, save[-1])
            if phase == 2:
                checks += 1
                rough, dsize, ysq = sums
                ysize = float(np.sqrt(ysq / y_new.size))
                if checks == 1:
                    ref = max(ref, ysize)
                elif rough > dsize and ysize > c.growth * ref:
                    _fail(prob, tab, "diverging", t, hs, y, y_new, dprev, max_steps, save[-1])
            h_next = h
        t_new = target if last else t + hs
        if tab.n_extra and (record or save[0] < t_new):  # the extension's own stages
            for i in range(s, s + tab.n_extra):
                ks[i] = f(passes.stage(i, y, ks, hs), t + tab.node(i) * hs)
                nfev += 1
        if record:
            recs.append((t, hs, y, [ks[i] for i in stages]))
        k_end = None
        if tab.fsal:
            k_end = ks[s - 1]
        elif tab.saving == "hermite" and save[0] < t_new:
            k_end = f(y_new, t_new)
            nfev += 1
        while save and save[0] <= t_new:
            if save[0] == t_new:
                out.append(y_new.copy())
            else:
                th = (save[0] - t) / hs
                if tab.saving == "dense":
                    out.append(passes.dense(y, ks, th, hs))
                else:
                    out.append(passes.hermite(y, ks[0], y_new, k_end, th, hs))
            save.pop(0)
        y, t, h = y_new, t_new, h_next
        ks = [k_end] + [None] * (s - 1 + tab.n_extra)
        steps += 1
        if bar is not None:
            bar.update(hs)
    if bar is not None:
        bar.close()
    dense = None
    if record:
        host = lambda a: a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else np.asarray(a)  # noqa: E731
        rt = np.array([r[0] for r in recs] + [t])
        rh = np.array([r[1] for r in recs])
        ry = np.array([host(r[2]) for r in recs]).reshape(len(recs), *prob.shape)
        rk = np.array([[host(k) for k in r[3]] for r in recs]).reshape(len(recs), len(stages), *prob.shape)
        y_end = host(y).copy()
        f_end = None if tab.saving == "dense" else host(f(y, t))
        dense = RKDense(tab, tuple(stages), rt, rh, ry, rk, y_end, f_end)
    return out, {"steps": steps, "rejected": rejected, "nfev": nfev}, dense
