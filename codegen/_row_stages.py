"""Runge-Kutta stages chained row by row (temporal blocking) for the compiled loop.

A step over full arrays streams every stage state and stage derivative through
memory: RK4 moves ~23 state-sized arrays per step where one RHS evaluation moves
2, so a step costs >= 11 RHS evaluations at the memory roofline however the
passes are fused. Chained by rows, a step reads y and writes y_new once: along
axis 0 (periodic), stage i's row r needs stage i's state at rows r-R..r+R only,
so each stage runs a fixed number of rows behind the one it reads ("lag"), and
its rows live in a ring buffer of a few rows that stays in cache.

Wave m computes, in order: k_0 at row m (from y, unless k_0 is known), then for
each stage i its state's row m - lagY_i (a pointwise combination) and k_i's row
m - lag_i (the kernel's row twin), then the update and error norm of row
m - lag_end. Every node is computed with the arithmetic of the full-array passes,
so y_new is bit-equal to theirs; only the error norm's sums run in another
order (row-major across fields). Rows are split into `tile` contiguous chunks
(one per thread), each recomputing the few rows of stages beyond its ends.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RowPlan", "row_plan", "emit_row_step"]


@dataclass(frozen=True)
class RowPlan:
    """The schedule of one tableau's stages for stencil reach R along axis 0."""

    R: int
    lag: tuple  # k_i at row m - lag[i] in wave m
    lag_state: tuple  # stage i's state at row m - lag_state[i]
    lag_end: int  # update and error norm
    ext: tuple  # k_i is needed on rows [lo - ext[i], hi + ext[i]) of a chunk [lo, hi)
    depth: tuple  # ring rows of k_i
    final: frozenset  # stages read by the update or the error norm
    m_lo: int  # waves run over [lo + m_lo, hi + m_hi)
    m_hi: int

    @property
    def state_depth(self) -> int:
        return 2 * self.R + 1


def row_plan(tab, R: int) -> RowPlan:
    s = tab.stages
    deps = [[j for j in range(i) if tab.a[i][j] != 0.0] for i in range(s)]
    lag, lag_state = [0] * s, [0] * s
    for i in range(1, s):
        lag_state[i] = max((lag[j] for j in deps[i]), default=0)
        lag[i] = lag_state[i] + R
    weights = [tab.b] + ([tab.b_error] if tab.adaptive else []) + ([tab.b_error3] if tab.b_error3 else [])
    final = {i for wts in weights for i in range(s) if wts[i] != 0.0}
    if tab.fsal:
        final.add(s - 1)  # f(y_new) is the next step's k_0 even where the estimate skips it
    lag_end = max(lag[i] for i in final)
    ext = [0] * s
    for i in reversed(range(s)):
        need = [0] if i in final else []
        need += [ext[c] + R for c in range(i + 1, s) if i in deps[c]]
        ext[i] = max(need, default=0)
    depth = []
    for i in range(s):
        last = [lag_state[c] for c in range(i + 1, s) if i in deps[c]] + ([lag_end] if i in final else [])
        depth.append(max(last, default=lag[i]) - lag[i] + 1)
    ops = [(0, ext[0])] + [(lag_state[i], ext[i] + R) for i in range(1, s)]
    ops += [(lag[i], ext[i]) for i in range(1, s)] + [(lag_end, 0)]
    return RowPlan(R, tuple(lag), tuple(lag_state), lag_end, tuple(ext), tuple(depth), frozenset(final),
                   min(lg - e for lg, e in ops), max(lg + e for lg, e in ops))


def _sum(first, terms):
    """`first + c0*v0 + c1*v1 ...`, left to right (as `_stepper._combo`)."""
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


def ring_shapes(plan: RowPlan, tab):
    """(name, rows) of the ring buffers the step allocates: K{i} for k_i (k_0's
    used only when k_0 is not known; an FSAL tableau's last stage writes f(y_new)
    into its full array), Y{i} for stage states."""
    s = tab.stages
    ks = [(f"KR{i}", plan.depth[i]) for i in range(s) if not (tab.fsal and i == s - 1)]
    return ks + [(f"YR{i}", plan.state_depth) for i in range(1, s)]


def emit_row_step(w, tab, plan: RowPlan, loop: str, call_tail: str, kend: str | None, fixed_extra: dict):
    """The lines of one tiled step: sums left in acc/acc3 (adaptive) or
    rough/dsize/ysize (fixed steps), fin infinite where a value is not finite. `fixed_extra[phase]`: the update pass's
    extra lines per phase of the divergence check; `ha{i}_{j}`, `hb{i}` are set."""
    s, R = tab.stages, plan.R
    fsal, adaptive = tab.fsal, tab.adaptive
    sums = ["fin"] + (["acc"] + ["acc3"] * bool(tab.b_error3) if adaptive else ["rough", "dsize", "ysize"])
    B = " " * 12  # inside the loop's `if` that chose this kind of step
    P = B + "    "

    def src(j, row):
        """(array, row index) of k_j's row `row` (a virtual row: wrap is by %)."""
        if j == 0:
            return "K0s", "k0i"
        if fsal and j == s - 1:
            return f"{kend}3", "r"  # only read by the update, on the chunk's own rows
        return f"KR{j}3", f"({row}) % {plan.depth[j]}"

    def kernel_call(U, out, t_expr, phys, orow, rows_of):
        qs = ", ".join(rows_of(off) for off in range(-R, R + 1))
        return f"rhs_row({U}, {out}, {t_expr}, {phys}, {orow}, {qs}{call_tail})"

    w(f"{B}for c in {loop}(tile):")
    w(f"{P}lo = (c * n0) // tile")
    w(f"{P}hi = ((c + 1) * n0) // tile")
    for name, _ in ring_shapes(plan, tab):
        w(f"{P}{name}c = {name}[c]")
        w(f"{P}{name}3 = {name}c.reshape(F, {name}c.shape[1], M)")
    w(f"{P}K0s = k03 if have_k0 else KR03")
    w(f"{P}SBc = SB[c]")
    w(f"{P}nf_c = 0")
    for v in sums[1:]:
        w(f"{P}{v}_c = 0.0")
    w(f"{P}for m in range(lo + {plan.m_lo}, hi + {plan.m_hi}):")
    Q = P + "    "
    # k_0 from y (full array, physical rows)
    w(f"{Q}if not have_k0:")
    w(f"{Q}    r = m")
    w(f"{Q}    if r >= lo - {plan.ext[0]} and r < hi + {plan.ext[0]}:")
    w(f"{Q}        " + kernel_call("y", "KR0c", "t", "r % n0", f"r % {plan.depth[0]}",
                                   lambda off: f"(r + {off}) % n0"))
    for i in range(1, s):
        D = plan.state_depth
        w(f"{Q}r = m - {plan.lag_state[i]}")
        w(f"{Q}if r >= lo - {plan.ext[i] + R} and r < hi + {plan.ext[i] + R}:")
        w(f"{Q}    p = r % n0")
        w(f"{Q}    sl = r % {D}")
        if 0 in [j for j in range(i) if tab.a[i][j] != 0.0]:
            w(f"{Q}    k0i = p if have_k0 else r % {plan.depth[0]}")
        terms = []
        for j in range(i):
            if tab.a[i][j] != 0.0:
                arr, idx = src(j, "r")
                if j:  # the ring row, once per row
                    w(f"{Q}    o{j} = {idx}")
                    idx = f"o{j}"
                terms.append((f"ha{i}_{j}", f"{arr}[f, {idx}, jj]"))
        own = fsal and i == s - 1  # the last state is y_new: the chunk's own rows go to ynew
        w(f"{Q}    for f in range(F):")
        w(f"{Q}        for jj in range(M):")
        w(f"{Q}            v = {_sum('y3[f, p, jj]', terms)}")
        w(f"{Q}            YR{i}3[f, sl, jj] = v")
        if own:
            w(f"{Q}            if r >= lo and r < hi:")
            w(f"{Q}                ynew3[f, p, jj] = v")
        w(f"{Q}r = m - {plan.lag[i]}")
        w(f"{Q}if r >= lo - {plan.ext[i]} and r < hi + {plan.ext[i]}:")
        out, orow = (kend, "r % n0") if (fsal and i == s - 1) else (f"KR{i}c", f"r % {plan.depth[i]}")
        w(f"{Q}    " + kernel_call(f"YR{i}c", out, f"t + {tab.c[i]!r} * hs", "r % n0", orow,
                                   lambda off: f"(r + {off}) % {D}"))
    # the update, the error norm and a count of non-finite values of row m - lag_end.
    # The loop stores each node's terms of the norms in a row buffer, summed after
    # it by `rowsum` (vectorized): a running sum in the loop would be a chain of
    # dependent adds costing more than the rest of the row's arithmetic.
    w(f"{Q}r = m - {plan.lag_end}")
    w(f"{Q}if r >= lo and r < hi:")
    rows_at = {}
    for i in sorted(plan.final):
        arr, idx = src(i, "r")
        if i == 0:
            w(f"{Q}    k0i = r if have_k0 else r % {plan.depth[0]}")
        elif idx != "r":
            w(f"{Q}    o{i} = {idx}")
            idx = f"o{i}"
        rows_at[i] = (arr, idx)

    def k(i):
        return f"{rows_at[i][0]}[f, {rows_at[i][1]}, jj]"

    def weighted(wts):
        return [(f"{wts[i]!r}", k(i)) for i in range(s) if wts[i] != 0.0]

    b_terms = [(f"hb{i}", k(i)) for i in range(s) if tab.b[i] != 0.0]
    # an FSAL tableau's y_new is its last stage state, formed above with the same sums
    body = (["yn = ynew3[f, r, jj]"] if fsal else
            [f"yn = {_sum('y3[f, r, jj]', b_terms)}", "ynew3[f, r, jj] = yn"])
    slot = {v: n for n, v in enumerate(sums[1:])}
    if adaptive:
        body.append("sc = atol + rtol * max(abs(y3[f, r, jj]), abs(yn))")
        if tab.b_error3:
            body += [f"e = ({_sum(None, weighted(tab.b_error))}) / sc",
                     f"e3 = ({_sum(None, weighted(tab.b_error3))}) / sc", "acc += e * e", "acc3 += e3 * e3"]
        else:
            body += [f"e = hs * ({_sum(None, weighted(tab.b_error))}) / sc", "acc += e * e"]
        variants = [(None, body, ["acc", "acc3"][:len(sums) - 1])]
    else:
        variants = []
        for phase, extra in list(fixed_extra.items()) + [(None, [])]:
            lines = list(body)
            for line in extra:
                for a, b in (("y_[j]", "y3[f, r, jj]"), ("dprev_[j]", "dprev3[f, r, jj]")):
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
        w(f"{pad}    for jj in range(M):")
        for line in lines:
            for v in summed:
                if line.startswith(v + " +="):
                    line = f"SBc[{slot[v]}, f * M + jj] = {line.split('+=', 1)[1].strip()}"
            w(f"{pad}        {line}")
        w(f"{pad}        nf_c += 0 if yn - yn == 0.0 else 1")
        for v in summed:
            w(f"{pad}{v}_c += rowsum(SBc[{slot[v]}], F * M)")
    w(f"{P}part[c, 0] = nf_c")
    for k, v in enumerate(sums[1:]):
        w(f"{P}part[c, {k + 1}] = {v}_c")
    for v in sums:
        w(f"{B}{v} = 0.0")
    w(f"{B}for c in range(tile):")
    for k, v in enumerate(sums):
        w(f"{B}    {v} += part[c, {k}]")
    w(f"{B}fin = 0.0 if fin == 0.0 else math.inf  # the count of non-finite values")
