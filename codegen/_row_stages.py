"""Runge-Kutta stages chained row by row (temporal blocking) for the compiled loop.

A step over full arrays streams every stage state and stage derivative through
memory: RK4 moves ~23 state-sized arrays per step where one RHS evaluation moves
2, so a step costs >= 11 RHS evaluations at the memory roofline however the
passes are fused. Chained by rows, a step reads y and writes y_new once: along
axis 0 (periodic), stage i's row r needs stage i's state at rows r-R..r+R only,
so each stage runs a fixed number of rows behind the one it reads ("lag"), and
its rows live in a ring buffer of a few rows. Along axis 1 the grid is cut in
strips of columns (with a halo of the columns later stages need), so that the
ring buffers stay in cache however wide the grid is.

Wave m of a strip computes, in order: row m + R of Y0 (y's rows copied, halo
and wrap included), k_0 at row m, then for each stage i its state's row
m - lag_state[i] (a pointwise combination) and k_i's row m - lag[i] (the
kernel's row twin), then the update and error norm of row m - lag_end. Every
node is computed with the arithmetic of the full-array passes, so y_new agrees
with theirs to round-off (the kernel's fast-math code may contract differently);
the norms' sums run in another order. Rows are split into `tile` contiguous
chunks (one per thread), each recomputing the few rows of stages beyond its ends.
k_0 is always computed here (an FSAL tableau's f(y_new) is not kept: it would
cost a full array written and read again).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RowPlan", "row_plan", "emit_row_step", "ring_shapes", "combination", "ROWSUM"]


@dataclass(frozen=True)
class RowPlan:
    """The schedule of one tableau's stages for stencil reach R along axes 0 and 1.
    Row (and column) extents: an op is needed on rows [lo - ext, hi + ext) of a
    chunk [lo, hi), and on the columns of a strip widened likewise."""

    R: int
    needed: tuple  # k_i, and so stage i's state, is computed (an update, estimate or later stage reads it)
    lag: tuple  # k_i at row m - lag[i] in wave m
    lag_state: tuple  # stage i's state at row m - lag_state[i]
    lag_end: int  # update and error norm
    ext: tuple  # of k_i
    state_ext: tuple  # of stage i's state
    y_ext: int  # of Y0: the strips' column halo
    depth: tuple  # ring rows of k_i
    y_depth: int  # ring rows of Y0
    final: frozenset  # stages read by the update or the error norm
    m_lo: int  # waves run over [lo + m_lo, hi + m_hi)
    m_hi: int

    @property
    def state_depth(self) -> int:
        return 2 * self.R + 1


def row_plan(tab, R: int) -> RowPlan:
    s, fsal = tab.stages, tab.fsal
    deps = [[j for j in range(i) if tab.a[i][j] != 0.0] for i in range(s)]
    weights = [tab.b] + ([tab.b_error] if tab.adaptive else []) + ([tab.b_error3] if tab.b_error3 else [])
    final = {i for wts in weights for i in range(s) if wts[i] != 0.0}
    needed = [False] * s
    for i in reversed(range(s)):
        needed[i] = i in final or any(needed[c] and i in deps[c] for c in range(i + 1, s))
    # a stage state is formed where its k is needed; an FSAL tableau's last state is
    # y_new, which the update forms itself when nothing reads f(y_new) (fixed steps)
    lag, lag_state = [0] * s, [0] * s
    for i in range(1, s):
        lag_state[i] = max((lag[j] for j in deps[i]), default=0)
        lag[i] = lag_state[i] + R
    lag_end = max([lag[i] for i in final] + ([lag_state[s - 1]] if fsal and needed[s - 1] else []))
    ext, state_ext = [0] * s, [0] * s
    for i in reversed(range(s)):
        need = ([0] if i in final else []) + [state_ext[c] for c in range(i + 1, s) if needed[c] and i in deps[c]]
        ext[i] = max(need, default=0)
        state_ext[i] = ext[i] + R if needed[i] else 0
    y_ext = max([ext[0] + R] + [state_ext[i] for i in range(1, s) if needed[i]])
    depth = []
    for i in range(s):
        last = [lag_state[c] for c in range(i + 1, s) if needed[c] and i in deps[c]]
        depth.append(max(last + ([lag_end] if i in final else []), default=lag[i]) - lag[i] + 1)
    y_depth = max([R, lag_end] + [lag_state[i] for i in range(1, s) if needed[i]]) + R + 1
    ops = [(-R, y_ext), (0, ext[0]), (lag_end, 0)]
    ops += [op for i in range(1, s) if needed[i] for op in ((lag_state[i], state_ext[i]), (lag[i], ext[i]))]
    return RowPlan(R, tuple(needed), tuple(lag), tuple(lag_state), lag_end, tuple(ext),
                   tuple(state_ext), y_ext, tuple(depth), y_depth, frozenset(final),
                   min(lg - e for lg, e in ops), max(lg + e for lg, e in ops) + 1)


def combination(first, terms):
    """`first + c0*v0 + c1*v1 ...` summed left to right, as code (`first` may be None):
    the full-array passes and the row-chained ones sum stages in the same order."""
    out = first
    for coef, v in terms:
        term = f"{coef} * {v}"
        out = term if out is None else f"({out} + {term})"
    return out


ROWSUM = """
@numba.njit(fastmath=True, cache=True)
def rowsum(b, n):
    # the sums of the row-chained steps' norms: reassociated, so vectorized
    s = 0.0
    for j in range(n):
        s += b[j]
    return s
"""


def ring_shapes(plan: RowPlan):
    """(name, rows) of the ring buffers a chunk needs: Y0 for y's rows, KR{i}
    for k_i, YR{i} for stage states."""
    needed = range(len(plan.needed))
    return ([("Y0", plan.y_depth)] + [(f"KR{i}", plan.depth[i]) for i in needed if plan.needed[i]]
            + [(f"YR{i}", plan.state_depth) for i in needed if i and plan.needed[i]])


def emit_row_step(w, tab, plan: RowPlan, loop: str, call_tail: str, fixed_extra: dict):
    """The lines of one row-chained step: sums left in acc/acc3 (adaptive) or
    rough/dsize/ysize (fixed steps), `fin` infinite where a value is not finite.
    Needs, set by the loop: `ha{i}_{j}`, `hb{i}`, `phase` (fixed steps), the rings
    (`ring_shapes`, one per chunk), `part`, `SB`, `F`, `n0`, `n1`, `M1` (nodes per
    column), `Wmax` (strip width), `X` (halo)."""
    s, R = tab.stages, plan.R
    fsal, adaptive = tab.fsal, tab.adaptive
    sums = ["fin"] + (["acc"] + ["acc3"] * bool(tab.b_error3) if adaptive else ["rough", "dsize", "ysize"])
    B = " " * 12  # inside the loop's `if` that chose this kind of step
    P = B + "        "  # inside the chunk and strip loops
    Q = P + "    "  # inside a wave

    def kernel_call(U, out, t_expr, orow, ring_depth, e):
        qs = ", ".join(f"(r + {off}) % {ring_depth}" for off in range(-R, R + 1))
        return (f"rhs_row({U}, {out}, {t_expr}, r % n0, {orow}, {qs}, X - {e}, X + W + {e}, c0 - X, n1"
                f"{call_tail})")

    w(f"{B}for c in {loop}(tile):")
    w(f"{B}    lo = (c * n0) // tile")
    w(f"{B}    hi = ((c + 1) * n0) // tile")
    for name, _ in ring_shapes(plan):
        w(f"{B}    {name}c = {name}[c]")
        w(f"{B}    {name}3 = {name}c.reshape(F, {name}c.shape[1], -1)")
    w(f"{B}    SBc = SB[c]")
    w(f"{B}    nf_c = 0")
    for v in sums[1:]:
        w(f"{B}    {v}_c = 0.0")
    w(f"{B}    for c0 in range(0, n1, Wmax):")
    w(f"{P}W = min(Wmax, n1 - c0)")
    w(f"{P}for m in range(lo + {plan.m_lo}, hi + {plan.m_hi}):")
    # Y0: y's row m + R over the strip and its halo, in runs that wrap around
    w(f"{Q}r = m + {R}")
    w(f"{Q}if r >= lo - {plan.y_ext} and r < hi + {plan.y_ext}:")
    w(f"{Q}    p = r % n0")
    w(f"{Q}    sl = r % {plan.y_depth}")
    w(f"{Q}    g = (c0 - X) % n1")
    w(f"{Q}    jl = 0")
    w(f"{Q}    while jl < W + 2 * X:")
    w(f"{Q}        run = min(W + 2 * X - jl, n1 - g)")
    w(f"{Q}        for f in range(F):")
    # a loop over views, not a slice assignment (Numba copies its source to a
    # temporary: an allocation per row)
    w(f"{Q}            dst = Y03[f, sl, jl * M1:(jl + run) * M1]")
    w(f"{Q}            src = y3[f, p, g * M1:(g + run) * M1]")
    w(f"{Q}            for v in range(run * M1):")
    w(f"{Q}                dst[v] = src[v]")
    w(f"{Q}        jl += run")
    w(f"{Q}        g = 0")
    w(f"{Q}r = m")
    w(f"{Q}if r >= lo - {plan.ext[0]} and r < hi + {plan.ext[0]}:")
    w(f"{Q}    " + kernel_call("Y0c", "KR0c", "t", f"r % {plan.depth[0]}", plan.y_depth, plan.ext[0]))

    def ring(j):
        return f"KR{j}3"

    for i in range(1, s):
        if plan.needed[i]:  # stage i's state, then k_i
            se, e = plan.state_ext[i], plan.ext[i]
            w(f"{Q}r = m - {plan.lag_state[i]}")
            w(f"{Q}if r >= lo - {se} and r < hi + {se}:")
            w(f"{Q}    sl = r % {plan.state_depth}")
            w(f"{Q}    oy = r % {plan.y_depth}")
            terms = []
            for j in range(i):
                if tab.a[i][j] != 0.0:
                    w(f"{Q}    o{j} = r % {plan.depth[j]}")
                    terms.append((f"ha{i}_{j}", f"{ring(j)}[f, o{j}, v]"))
            # from node 0 of the ring row: LLVM vectorizes these loops only when they
            # start at a literal 0 (measured: 2x); the halo nodes before are unread
            w(f"{Q}    for f in range(F):")
            w(f"{Q}        for v in range((X + W + {se}) * M1):")
            w(f"{Q}            YR{i}3[f, sl, v] = {combination('Y03[f, oy, v]', terms)}")
            w(f"{Q}r = m - {plan.lag[i]}")
            w(f"{Q}if r >= lo - {e} and r < hi + {e}:")
            w(f"{Q}    " + kernel_call(f"YR{i}c", f"KR{i}c", f"t + {tab.c[i]!r} * hs", f"r % {plan.depth[i]}",
                                       plan.state_depth, e))
    # the update, the error norm and a count of non-finite values of row m - lag_end.
    # The loop stores each node's terms of the norms in a row buffer, summed after
    # it by `rowsum` (vectorized): a running sum in the loop would be a chain of
    # dependent adds costing more than the rest of the row's arithmetic.
    w(f"{Q}r = m - {plan.lag_end}")
    w(f"{Q}if r >= lo and r < hi:")
    w(f"{Q}    oy = r % {plan.y_depth}")
    for i in sorted(plan.final):
        w(f"{Q}    o{i} = r % {plan.depth[i]}")
    last = fsal and plan.needed[s - 1]  # y_new is the last stage state, formed above
    if last:
        w(f"{Q}    on = r % {plan.state_depth}")
    w(f"{Q}    v0 = X * M1  # the strip's own nodes: ring nodes v0.. are grid nodes c0 * M1..")
    w(f"{Q}    nv = W * M1")

    def k(i):
        return f"k{i}v[v]"

    def weighted(wts):
        return [(f"{wts[i]!r}", k(i)) for i in range(s) if wts[i] != 0.0]

    b_terms = [(f"hb{i}", k(i)) for i in range(s) if tab.b[i] != 0.0]
    # an FSAL tableau's y_new is its last stage state, formed above with the same sums
    # where f(y_new) is needed; else formed here (the same sums: its a-row is b)
    yn = "ynv[v]" if last else combination("y0v[v]", b_terms)
    body = [f"yn = {yn}", "yov[v] = yn"]
    slot = {v: n for n, v in enumerate(sums[1:])}
    if adaptive:
        body.append("sc = atol + rtol * max(abs(y0v[v]), abs(yn))")
        if tab.b_error3:
            body += [f"e = ({combination(None, weighted(tab.b_error))}) / sc",
                     f"e3 = ({combination(None, weighted(tab.b_error3))}) / sc", "acc += e * e", "acc3 += e3 * e3"]
        else:
            body += [f"e = hs * ({combination(None, weighted(tab.b_error))}) / sc", "acc += e * e"]
        variants = [(None, body, ["acc", "acc3"][:len(sums) - 1])]
    else:
        variants = []
        for phase, extra in list(fixed_extra.items()) + [(None, [])]:
            lines = list(body)
            for line in extra:
                for a, b in (("y_[j]", "y0v[v]"), ("dprev_[j]", "dpv[v]")):
                    line = line.replace(a, b)
                lines.append(line)
            variants.append((phase, lines, [v for v in slot if any(ln.startswith(v + " +=") for ln in lines)]))
    for n, (phase, lines, summed) in enumerate(variants):
        pad = Q + "    "
        if len(variants) > 1:
            w(f"{pad}{'if' if n == 0 else ('elif' if phase is not None else 'else')}"
              f"{f' phase == {phase}' if phase is not None else ''}:")
            pad += "    "
        w(f"{pad}for f in range(F):")
        # views, so that the loop runs from 0 (see the formations above)
        views = {"y0v": "Y03[f, oy, v0:v0 + nv]", "yov": "ynew3[f, r, c0 * M1:c0 * M1 + nv]"}
        views.update({f"k{i}v": f"{ring(i)}[f, o{i}, v0:v0 + nv]" for i in sorted(plan.final)})
        if last:
            views["ynv"] = f"YR{s - 1}3[f, on, v0:v0 + nv]"
        if any("dpv" in ln for ln in lines):
            views["dpv"] = "dprev3[f, r, c0 * M1:c0 * M1 + nv]"
        for view, expr in views.items():
            if any(view in ln for ln in lines) or view == "yov":
                w(f"{pad}    {view} = {expr}")
        w(f"{pad}    for v in range(nv):")
        for line in lines:
            for v in summed:
                if line.startswith(v + " +="):
                    line = f"SBc[{slot[v]}, f * nv + v] = {line.split('+=', 1)[1].strip()}"
            w(f"{pad}        {line}")
        w(f"{pad}        nf_c += 0 if yn - yn == 0.0 else 1")
        for v in summed:
            w(f"{pad}{v}_c += rowsum(SBc[{slot[v]}], F * nv)")
    w(f"{B}    part[c, 0] = nf_c")
    for k_, v in enumerate(sums[1:]):
        w(f"{B}    part[c, {k_ + 1}] = {v}_c")
    for v in sums:
        w(f"{B}{v} = 0.0")
    w(f"{B}for c in range(tile):")
    for k_, v in enumerate(sums):
        w(f"{B}    {v} += part[c, {k_}]")
    w(f"{B}fin = 0.0 if fin == 0.0 else math.inf  # the count of non-finite values")
