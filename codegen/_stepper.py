"""Explicit Runge-Kutta tableau + compiled RHS kernel -> one compiled function
that runs the whole step loop: stages, error norm, PI step-size control,
saving by dense output, divergence and non-finite checks.

The loop returns to Python only when it is done, after `max_chunk` steps (so a
progress bar can move) or with a failure status; everything it needs to go on
(t, h, controller memory, counters, which buffer holds y and k_0) lives in two
small arrays, so chunking never changes the numbers.

Each stage state is formed in one pass over the state; the final update, the
error norm and a finiteness sum share one pass. Sums are formed left to right
exactly as the array loop in `symnum.solvers.integrate._explicit` does, so the
two agree step for step (to the last bit on the stage states).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._compile import load_source
from ._row_stages import ROWSUM, combination, emit_row_step, ring_shapes, row_plan
from ._stencil_kernel import ROW, SERIAL

__all__ = ["Control", "Stepper", "initial_state", "make_stepper", "n_stage_buffers", "recorded_stages", "STATUS", "CTL", "CNT"]

# Layout of the state arrays handed back and forth: the generated loop loads
# each entry into the local variable of its name and stores it back on return.
CTL = {"t": 0, "h": 1, "err_prev": 2, "ref": 3, "t1": 4}
CNT = {"steps": 0, "rejected": 1, "si": 2, "have_k0": 3, "swap_y": 4, "swap_k": 5, "nfev": 6,
       "last_rejected": 7, "checks": 8, "nrec": 9, "started": 10}
STATUS = {0: "done", 1: "chunk", 2: "underflow", 3: "non-finite", 4: "max steps", 5: "diverging",
          6: "record full"}
_CODE = {name: code for code, name in STATUS.items()}


@dataclass(frozen=True)
class Control:
    """Step-size control (Hairer's PI controller of DOPRI5/DOP853) and the
    divergence check of fixed-step methods. Accepted step: h *= clip(safety *
    err**-(1/q - 0.75 beta) * err_prev**beta, fac_min, fac_max) with beta =
    beta_scale / q (0.04 for q = 5, Hairer's value); no growth right after a
    rejection. Rejected step: h *= max(fac_min, safety * err**(-1/q))."""

    safety: float = 0.9
    fac_min: float = 0.2
    fac_max: float = 10.0
    beta_scale: float = 0.2
    check_every: int = 8  # fixed steps: compare two successive increments every so many steps
    growth: float = 1e3  # ... and call it divergence when they are rough and |y| grew this much
    sliver: float = 1e-6  # a step that would leave less than this fraction of h ends on the target

    def exponents(self, tab) -> tuple[float, float]:
        """(beta, expo1) of the accepted-step factor for `tab` (beta 0 for fixed steps)."""
        beta = self.beta_scale / tab.order if tab.adaptive else 0.0
        return beta, 1.0 / tab.order - 0.75 * beta


@dataclass(frozen=True)
class Stepper:
    """The generated module's functions (Numba dispatchers, compiled on first call):
    `step(y, ynew, ytmp, k0.., dprev, out, save_t, ctl, cnt, rtol, atol, max_chunk,
    max_steps, h_min, tile, strip, *scalars) -> status code`, started by `initial_state`;
    `members`/`members_serial`: an ensemble, `step` for each member's slices.
    `plan`: the schedule of the row-chained steps (`_row_stages.RowPlan`), or None
    where the loop has none."""

    source: str
    step: object
    members: object
    members_serial: object
    plan: object = None


def initial_state(t0, t1, dt, first_save=0):
    """(ctl, cnt) of a loop not yet started: at t0, first step `dt` (NaN: the loop
    chooses it from f(y0), as Hairer does), saving from save_t[first_save]."""
    ctl = np.zeros(len(CTL))
    cnt = np.zeros(len(CNT), dtype=np.int64)
    ctl[CTL["t"]], ctl[CTL["h"]], ctl[CTL["t1"]] = t0, dt, t1
    cnt[CNT["si"]] = first_save
    return ctl, cnt


def recorded_stages(tab) -> list[int]:
    """The stages a dense-output record keeps per step: those of the tableau's
    continuous extension, else k0 = f(y_n) for cubic Hermite interpolation."""
    if tab.saving == "dense":
        return [i for i in range(len(tab.dense)) if any(tab.dense[i])]
    return [0]


def n_stage_buffers(tab) -> int:
    """k_0..k_{s-1}, the continuous extension's own stages, and for Hermite
    saving without FSAL one more for f at y_new."""
    return tab.stages + tab.n_extra + (tab.saving == "hermite" and not tab.fsal)


def _combo(terms, first=None):
    """`first + c0*v0[j] + c1*v1[j] ...`, summed left to right."""
    return combination(first, [(coef, f"{name}[j]") for coef, name in terms])


def make_stepper(tab, control: Control, kernel_module: str, kernel_name: str, n_scalars: int,
                 parallel: bool, name: str, record: bool = False, row_reach: int | None = None):
    """Generate and load the compiled loop of tableau `tab` around the kernel
    `kernel_name` of the loaded module `kernel_module` (`kernel(U, out, t, *scalars)`).
    With `record`, the loop also writes every accepted step (t, h, y and the
    `recorded_stages`) into `rec_t, rec_h, rec_y, rec_k` (dense output), and
    returns "record full" before a step that would not fit.

    With `row_reach` (the stencil's reach R along axis 0; the kernel module then
    holds `{kernel}_row`, see `_stencil_kernel.row_twin`), steps that save
    nothing between their ends chain their stages row by row in `tile` chunks
    of rows and strips of `strip` columns (`_row_stages`) when the loop is
    called with `tile` > 0."""
    s = tab.stages
    fsal = tab.fsal
    saving = tab.saving
    adaptive = tab.adaptive
    q = tab.order
    beta, expo1 = control.exponents(tab)
    # the stage buffers: k0..k{s-1}; Hermite saving without FSAL needs f at y_new: kx
    n_ext = s + tab.n_extra  # stages with the extension's
    ks = [f"k{i}" for i in range(n_ext)] + ["kx"] * (n_stage_buffers(tab) - n_ext)
    hermite_extra = len(ks) > n_ext
    kend = f"k{s - 1}" if fsal else ("kx" if hermite_extra else None)  # f at y_new, when kept
    scal = [f"s{i}" for i in range(n_scalars)]
    loop = "numba.prange" if parallel else "range"
    L = []
    w = L.append
    w("import math")
    w("import sys")
    w("import numba")
    w("import numpy")
    w("")
    w("# the RHS kernel, loaded (and compiled) before this module")
    w(f"rhs = getattr(sys.modules[{kernel_module!r}], {kernel_name!r})")
    rows = row_reach is not None and not record
    if rows:
        plan = row_plan(tab, row_reach)
        row_name = kernel_name.removesuffix(SERIAL) + ROW
        w(f"rhs_row = getattr(sys.modules[{kernel_module!r}], {row_name!r})")
        L.extend(ROWSUM.split("\n"))
    w("")
    w("")
    w(f"@numba.njit(cache=True, parallel={parallel}, nogil=True)")
    args = ["y", "ynew", "ytmp", *ks, "dprev", "out", "save_t", "ctl", "cnt", "rtol", "atol",
            "max_chunk", "max_steps", "h_min", "tile", "strip", *(["rec_t", "rec_h", "rec_y", "rec_k"] if record else []), *scal]
    w(f"def {name}({', '.join(args)}):")
    w("    N = y.size")
    state = [(var, "ctl", i) for var, i in CTL.items()] + [(var, "cnt", i) for var, i in CNT.items()]
    for var, arr, i in state:
        w(f"    {var} = {arr}[{i}]")
    w("    if swap_y:")
    w("        y, ynew = ynew, y")
    if kend:
        w("    if swap_k:")
        w(f"        k0, {kend} = {kend}, k0")
    for a in ["y", "ynew", "ytmp", *ks, "dprev"]:
        w(f"    {a}_ = {a}.reshape(N)")
    call_tail = (", " + ", ".join(scal)) if scal else ""
    _start(w, call_tail)
    if rows:  # the ring buffers of the row-chained steps, one set per chunk
        w("    F = y.shape[0]")
        w("    n0 = y.shape[1]")
        w("    M = N // (F * n0)")
        w("    n1 = y.shape[2]")
        w("    M1 = M // n1  # nodes per column")
        w("    Wmax = min(max(strip, 1), n1)")
        w(f"    X = {plan.y_ext}  # the strips' halo of columns")
        for ring, depth in ring_shapes(plan):
            w(f"    {ring} = numpy.zeros((tile, F, {depth}, Wmax + 2 * X) + y.shape[3:])")
        w("    part = numpy.empty((tile, 4))")
        w("    SB = numpy.empty((tile, 3, F * Wmax * M1))  # per chunk: a row of each norm's terms")
    w("    n_save = save_t.size")
    w("    t_end = save_t[n_save - 1]")
    w(f"    status = {_CODE['done']}")
    w("    done = 0")
    w("    while True:")
    w("        if si >= n_save:")
    w(f"            status = {_CODE['done']}")
    w("            break")
    w("        if done >= max_chunk:")
    w(f"            status = {_CODE['chunk']}")
    w("            break")
    w("        if steps >= max_steps:")
    w(f"            status = {_CODE['max steps']}")
    w("            break")
    if record:
        w("        if nrec >= rec_t.size:")
        w(f"            status = {_CODE['record full']}")
        w("            break")
    w("        target = t_end")
    w("        hs = h")
    w("        last = False")
    # a step that would leave a round-off sliver before the target ends on it
    w(f"        if t + hs * {1.0 + control.sliver!r} >= target:")
    w("            hs = target - t")
    w("            last = True")
    # the coefficients h*a_ij and h*b_i of this step, for either kind of pass
    for i in range(1, s):
        for j in range(i):
            if tab.a[i][j] != 0.0:
                w(f"        ha{i}_{j} = hs * {tab.a[i][j]!r}")
    for i in range(s):
        if tab.b[i] != 0.0:
            w(f"        hb{i} = hs * {tab.b[i]!r}")
    C = control.check_every
    if not adaptive:
        w(f"        phase = steps % {C}")
    # fixed steps: every `check_every` steps two successive increments are
    # compared (the first stored in dprev): rough and grown means unstable
    fixed_extra = {C - 2: ["dprev_[j] = yn - y_[j]"],
                   C - 1: ["d = yn - y_[j] - dprev_[j]", "rough += d * d", "dsize += dprev_[j] * dprev_[j]",
                           "ysize += yn * yn"]}
    pad = "        "
    if rows:  # a step that saves nothing in between: the stages chained row by row
        w("        if tile > 0 and not (si < n_save and save_t[si] < (target if last else t + hs)):")
        w(f"            nfev += {sum(plan.needed)}")
        w("            rowstep = True")
        for v in ("y", "ynew", "dprev"):
            w(f"            {v}3 = {v}.reshape(F, n0, M)")
        emit_row_step(w, tab, plan, loop, call_tail, fixed_extra)
        w("        else:")
        w("            rowstep = False")
        pad = "            "
    _full_passes(w, tab, pad, loop, call_tail, fixed_extra)
    if adaptive:
        if tab.b_error3:
            w("        den = acc + 0.01 * acc3")
            w("        err = abs(hs) * acc / math.sqrt(den * N) if den > 0.0 else 0.0")
        else:
            w("        err = math.sqrt(acc / N)")
        w("        if not (err <= 1.0 and math.isfinite(fin)):")
        w("            rejected += 1")
        w("            last_rejected = 1")
        w(f"            fac = {control.fac_min!r}")
        w("            if math.isfinite(err):")
        w(f"                fac = max({control.fac_min!r}, {control.safety!r} * err ** {-1.0 / q!r})")
        w("            h = hs * fac")
        w("            if h < h_min:")
        w(f"                status = {_CODE['underflow']}")
        w("                break")
        w("            continue")
        w(f"        fac = {control.safety!r} * max(err, 1e-10) ** {-expo1!r} * err_prev ** {beta!r}")
        w(f"        fac = min(max(fac, {control.fac_min!r}), 1.0 if last_rejected else {control.fac_max!r})")
        w("        h_next = hs * fac")
        w("        err_prev = max(err, 1e-4)")
        w("        last_rejected = 0")
    else:
        w("        if not math.isfinite(fin):")
        w(f"            status = {_CODE['non-finite']}")
        w("            break")
        w(f"        if phase == {C - 1}:")
        w("            checks += 1")
        w("            ysize = math.sqrt(ysize / N)")
        w("            if checks == 1:")
        w("                ref = max(ref, ysize)")
        w(f"            elif rough > dsize and ysize > {control.growth!r} * ref:")
        w("                status = 5")
        w("                break")
        w("        h_next = h")
    w("        t_new = target if last else t + hs")
    if tab.n_extra:  # the extension's own stages: only in steps that need its values
        w(f"        if {'True' if record else 'si < n_save and save_t[si] < t_new'}:")
        for e in range(s, n_ext):
            row = tab.row(e)
            coefs = [(f"ha{e}_{j}", f"k{j}_") for j in range(len(row)) if row[j] != 0.0]
            for j in range(len(row)):
                if row[j] != 0.0:
                    w(f"            ha{e}_{j} = hs * {row[j]!r}")
            w(f"            for j in {loop}(N):")
            w(f"                ytmp_[j] = {_combo(coefs, 'y_[j]')}")
            w(f"            rhs(ytmp, k{e}, t + {tab.node(e)!r} * hs{call_tail})")
            w("            nfev += 1")
    if record:  # the accepted step, for dense output
        rec = recorded_stages(tab)
        w("        rec_t[nrec] = t")
        w("        rec_h[nrec] = hs")
        w("        ry_ = rec_y[nrec].reshape(N)")
        for r, i in enumerate(rec):
            w(f"        rk{i}_ = rec_k[nrec, {r}].reshape(N)")
        w(f"        for j in {loop}(N):")
        w("            ry_[j] = y_[j]")
        for i in rec:
            w(f"            rk{i}_[j] = k{i}_[j]")
        w("        nrec += 1")
    # saving: every save time inside (t, t + hs]
    if hermite_extra:  # f at y_new: for the interpolant, then as the next k_0
        w("        kx_ok = False")
        w("        if si < n_save and save_t[si] < t_new:")
        w(f"            rhs(ynew, kx, t_new{call_tail})")
        w("            nfev += 1")
        w("            kx_ok = True")
    w("        while si < n_save and save_t[si] <= t_new:")
    w("            o_ = out[si].reshape(N)")
    w("            if save_t[si] == t_new:")
    w(f"                for j in {loop}(N):")
    w("                    o_[j] = ynew_[j]")
    w("            else:")
    w("                th = (save_t[si] - t) / hs")
    if saving == "dense":
        for i in range(n_ext):
            poly = tab.dense[i]
            if not any(poly):
                continue
            horner = f"{poly[-1]!r}"
            for cf in reversed(poly[:-1]):
                horner = f"({horner} * th + {cf!r})"
            w(f"                w{i} = hs * {horner} * th")
        d_terms = [(f"w{i}", f"k{i}_") for i in range(n_ext) if any(tab.dense[i])]
        w(f"                for j in {loop}(N):")
        w(f"                    o_[j] = {_combo(d_terms, 'y_[j]')}")
    else:  # cubic Hermite through (y, f) at both ends
        w("                th2 = th * th")
        w("                th3 = th2 * th")
        w("                c00 = 2.0 * th3 - 3.0 * th2 + 1.0")
        w("                c10 = hs * (th3 - 2.0 * th2 + th)")
        w("                c01 = -2.0 * th3 + 3.0 * th2")
        w("                c11 = hs * (th3 - th2)")
        w(f"                for j in {loop}(N):")
        w(f"                    o_[j] = c00 * y_[j] + c10 * k0_[j] + c01 * ynew_[j] + c11 * {kend}_[j]")
    w("            si += 1")
    # accept: y <- y_new, k0 <- f(y_new) where it is known
    w("        y, ynew = ynew, y")
    w("        y_, ynew_ = ynew_, y_")
    w("        swap_y = 1 - swap_y")
    if kend:
        pad = "        "
        if not fsal:  # kx holds f(y_new) only when this step saved by interpolation
            w("        have_k0 = 0")
            w("        if kx_ok:")
            pad = "            "
        elif rows:  # a row-chained step keeps no f(y_new)
            w("        have_k0 = 0")
            w("        if not rowstep:")
            pad = "            "
        w(f"{pad}k0, {kend} = {kend}, k0")
        w(f"{pad}k0_, {kend}_ = {kend}_, k0_")
        w(f"{pad}swap_k = 1 - swap_k")
        w(f"{pad}have_k0 = 1")
    else:
        w("        have_k0 = 0")
    w("        t = t_new")
    w("        h = h_next")
    w("        steps += 1")
    w("        done += 1")
    # write the state back (buffers are swapped back to the caller's view by parity)
    for var, arr, i in state:
        w(f"    {arr}[{i}] = {var}")
    w("    return status")
    if not record:
        _members(w, name, args, ks, scal)
    source = "\n".join(L) + "\n"
    module = load_source(source, name)
    get = lambda suffix: None if record else getattr(module, f"{name}{suffix}")  # noqa: E731
    return Stepper(source, getattr(module, name), get("_members"), get("_members_serial"),
                   plan if rows else None)


def _full_passes(w, tab, pad, loop, call_tail, fixed_extra):
    """One step over full arrays: k0 where unknown, each stage state in one pass,
    then the update, the error norm (or the divergence sums of fixed steps) and
    a finiteness sum in one pass."""
    s, fsal = tab.stages, tab.fsal
    w(f"{pad}if not have_k0:")
    w(f"{pad}    rhs(y, k0, t{call_tail})")
    w(f"{pad}    nfev += 1")
    w(f"{pad}    have_k0 = 1")
    # stages 1..s-1; an FSAL tableau's last stage state is y_new itself
    for i in range(1, s):
        coefs = [(f"ha{i}_{j}", f"k{j}_") for j in range(i) if tab.a[i][j] != 0.0]
        target_buf = "ynew" if (fsal and i == s - 1) else "ytmp"
        w(f"{pad}for j in {loop}(N):")
        w(f"{pad}    {target_buf}_[j] = {_combo(coefs, 'y_[j]')}")
        w(f"{pad}rhs({target_buf}, k{i}, t + {tab.c[i]!r} * hs{call_tail})")
        w(f"{pad}nfev += 1")
    b_terms = [(f"hb{i}", f"k{i}_") for i in range(s) if tab.b[i] != 0.0]
    sums = ["fin"] + (["acc"] + ["acc3"] * bool(tab.b_error3) if tab.adaptive else ["rough", "dsize", "ysize"])
    for name_ in sums:
        w(f"{pad}{name_} = 0.0")
    if tab.adaptive:
        e_terms = [(f"{tab.b_error[i]!r}", f"k{i}_") for i in range(s) if tab.b_error[i] != 0.0]
        e3_terms = ([(f"{tab.b_error3[i]!r}", f"k{i}_") for i in range(s) if tab.b_error3[i] != 0.0]
                    if tab.b_error3 else None)
        w(f"{pad}for j in {loop}(N):")
        if fsal:
            w(f"{pad}    yn = ynew_[j]")
        else:
            w(f"{pad}    yn = {_combo(b_terms, 'y_[j]')}")
            w(f"{pad}    ynew_[j] = yn")
        w(f"{pad}    sc = atol + rtol * max(abs(y_[j]), abs(yn))")
        if e3_terms:  # DOP853: the estimates are combined as Hairer does, on f-weights
            w(f"{pad}    e = ({_combo(e_terms)}) / sc")
            w(f"{pad}    e3 = ({_combo(e3_terms)}) / sc")
            w(f"{pad}    acc += e * e")
            w(f"{pad}    acc3 += e3 * e3")
        else:
            w(f"{pad}    e = hs * ({_combo(e_terms)}) / sc")
            w(f"{pad}    acc += e * e")
        w(f"{pad}    fin += yn")
        return

    def update_pass(pad, extra=()):
        w(f"{pad}for j in {loop}(N):")
        w(f"{pad}    yn = {_combo(b_terms, 'y_[j]')}")
        w(f"{pad}    ynew_[j] = yn")
        for line in extra:
            w(f"{pad}    {line}")
        w(f"{pad}    fin += yn")

    for n, (phase, extra) in enumerate(fixed_extra.items()):
        w(f"{pad}{'elif' if n else 'if'} phase == {phase}:")
        update_pass(pad + "    ", extra)
    w(f"{pad}else:")
    update_pass(pad + "    ")


def _start(w, call_tail):
    """On the first call: the reference size of y for the divergence check and,
    when h is NaN, Hairer's first step from f(y0) (which becomes k0)."""
    w("    if not started:")
    w("        ysq = 0.0")
    w("        for j in range(N):")
    w("            ysq += y_[j] * y_[j]")
    w("        ref = math.sqrt(ysq / N)")
    w("        err_prev = 1e-4")
    w("        if math.isnan(h):")
    w(f"            rhs(y, k0, t{call_tail})")
    w("            nfev += 1")
    w("            have_k0 = 1")
    w("            d0 = 0.0")
    w("            d1 = 0.0")
    w("            for j in range(N):")
    w("                sc = atol + rtol * abs(y_[j])")
    w("                d0 += (y_[j] / sc) ** 2")
    w("                d1 += (k0_[j] / sc) ** 2")
    w("            d0 = math.sqrt(d0 / N)")
    w("            d1 = math.sqrt(d1 / N)")
    w("            if d0 > 1e-5 and d1 > 1e-5:")
    w("                h = 0.01 * d0 / d1")
    w("            else:")
    w("                h = 1e-6 * max(1.0, abs(t1 - t))")
    w("        started = 1")


def _members(w, name, args, ks, scal):
    """`{name}_members` (threads over members) and `{name}_members_serial`: an
    ensemble, member m the whole solve of state Y[m] with scalars SCAL[m] from
    CTL[m]/CNT[m] (`initial_state`). Each member runs the single-solve loop above
    on its own slices, so it takes the same steps and makes the same numbers."""
    per_member = ["y", "ynew", "ytmp", *ks, "dprev", "out", "ctl", "cnt"]
    upper = {a: a.upper() for a in per_member}
    member_scal = [f"SCAL[m, {i}]" for i in range(len(scal))]
    tail = "".join(", " + a for a in member_scal)
    for suffix, parallel in (("", True), ("_serial", False)):
        w("")
        w("")
        w(f"@numba.njit(cache=True, parallel={parallel}, nogil=True)")
        head = [upper.get(a, a) for a in args[: args.index("cnt") + 1]]  # the loop's arrays, in its order
        w(f"def {name}_members{suffix}({', '.join(head)}, STAT, rtol, atol, max_steps, h_min, SCAL):")
        w(f"    for m in {'numba.prange' if parallel else 'range'}(Y.shape[0]):")
        call = [f"{upper[a]}[m]" if a in upper else a for a in args[: len(args) - len(scal)]]
        call = [{"max_chunk": "max_steps + 1", "tile": "0", "strip": "0"}.get(a, a) for a in call]
        w(f"        STAT[m] = {name}({', '.join(call)}{tail})")
