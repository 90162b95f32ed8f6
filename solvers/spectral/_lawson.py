"""Lawson (integrating-factor) Runge-Kutta and ETDRK4 in Fourier space, compiled
with the problem's N. Lawson: with v = exp(-(t - t_n) L) u over a step, u' = L u + N(u) becomes
v' = exp(-(t - t_n) L) N(exp((t - t_n) L) v), which any explicit tableau
integrates; L (diagonal) is taken exactly, so diffusion and dispersion set no
step limit. Back in u, with E(s) = exp(s h L):

    U_i = E(c_i) V + h sum_j a_ij E(c_i - c_j) K_j,   K_i = N(U_i, t + c_i h),
    V_new = E(1) V + h sum_i b_i E(1 - c_i) K_i,  error = h sum_i (b_i - b^_i) E(1 - c_i) K_i.

Every exponent s is >= 0 for these tableaus (their nodes increase), so no factor
overflows. A step needs E(s) for a dozen s; while exp(c h |L|) stays finite (h max|Re L|
<= 600) they are E(c+) / E(c-) from one exponential per node, past that each directly
(the brusselator at 64^2 with alpha = 10: max|L| 8e5, steps of 0.01 and more).
Tsit5 and Dormand-Prince are FSAL (the last stage is N at the new state: the next
step's first); "rk4" with a fixed dt is the classical integrating-factor RK4 of the
pseudo-spectral codes.

Error control: the norm of the error's spectrum over the state's (Parseval: the
root mean square on the grid), atol + rtol * max(|V|, |V_new|): norm-wise, not
node-wise (that would cost a transform per step). Hairer's step-size factor
0.9 r^(-1/(q+1)) within [0.2, 5] (no increase right after a rejection).

ETDRK4 (Cox & Matthews 2002), fixed steps: the stiffness of N matters less than for
the Lawson form (Kuramoto-Sivashinsky: 600 steps of 1/4 where Lawson-Tsit5 takes
thousands); its phi-function coefficients come from Kassam & Trefethen's contour
means, once per step size (in the eigen-coordinates where L couples fields).
"""

from __future__ import annotations

import re
import time as _time

import numpy as np

from symnum._errors import SolverError

from ..integrate._explicit import CONTROL
from ..integrate._tableaus import DOPRI5, RK4, TSIT5

__all__ = ["LAWSON", "integrator_source", "solve_spectral", "ensemble_spectral", "etd_coefficients"]

LAWSON = {m.name: m for m in (TSIT5, DOPRI5, RK4)}
GROWTH = 5.0  # the largest step increase (the explicit loop's PI controller allows CONTROL.fac_max = 10)
EXP_LIMIT = 600.0  # h max|Re L| <= this: E(s) as E(c+) / E(c-) (exp(c h |L|) finite); else directly
STATUS = {1: "reached max_steps", 2: "the step size underflowed", 3: "the state became non-finite"}


def _fsal(tab) -> bool:
    return tab.c[-1] == 1.0 and tuple(tab.a[-1]) + (0.0,) == tuple(tab.b) and tab.b[-1] == 0.0


def _factors(tab) -> dict:
    """The exponents s of every E(s) = exp(s h L) a step uses, each as (s, c+, c-) with
    s = c+ - c- over the tableau's nodes: c_i (the stages), c_i - c_j (a_ij != 0) and
    1 - c_i (the weights)."""
    out = {}
    s = tab.stages
    pairs = [(tab.c[i], 0.0) for i in range(s)]
    pairs += [(tab.c[i], tab.c[j]) for i in range(s) for j in range(i) if tab.a[i][j] != 0.0]
    weights = [w for w in (tab.b, tab.b_error) if w is not None]
    pairs += [(1.0, tab.c[i]) for i in range(s) if any(w[i] != 0.0 for w in weights)]
    for plus, minus in pairs:
        if plus - minus != 0.0:
            out.setdefault(plus - minus, (plus, minus))
    return out


def _method_source(tab, call_args: str) -> str:
    """`integrate_<name>(V, L, t0, saves, h, rtol, atol, max_steps, adaptive, coupled, P, Pinv, R,
    <N's args>, states, stats)`."""
    s, fsal = tab.stages, _fsal(tab)
    factors = _factors(tab)
    fname = {v: f"F{j}" for j, v in enumerate(sorted(factors))}
    cs = sorted({c for c in tab.c if c != 0.0} | {1.0})
    ename = {c: f"E{j}" for j, c in enumerate(cs)}
    iname = {c: f"I{j}" for j, c in enumerate(cs)}

    def times(v, x):  # E(v) x, with E(0) = 1
        return x if v == 0.0 else f"{fname[v]}[q] * {x}"

    lines = [
        "@numba.njit(cache=True)",
        f"def integrate_{tab.name}(V0, L, t0, saves, h, rtol, atol, max_steps, adaptive, coupled, P, Pinv, R, "
        f"{call_args}states, stats):",
        "    nv = V0.size",
        "    V = V0.copy()",
        "    Vw = np.empty_like(V)",  # work arrays: the stages' states in the fields' coordinates (coupled L)
        "    Nw = np.empty_like(V)",
        "    Xw = np.empty_like(V)",
        "    Ew = np.empty_like(V)",
        "    Ewf = Ew.reshape(nv)",
        "    Vf = V.reshape(nv)",
        "    Vn = np.empty_like(V)",
        "    Vnf = Vn.reshape(nv)",
        "    U = np.empty_like(V)",
        "    Uf = U.reshape(nv)",
        "    Lf = L.reshape(nv)",
    ]
    for i in range(s):
        lines += [f"    K{i} = np.empty_like(V)", f"    K{i}f = K{i}.reshape(nv)"]
    for v in sorted(factors):
        lines += [f"    {fname[v]} = np.empty(nv, dtype=L.dtype)"]
    for c in cs:
        lines += [f"    {ename[c]} = np.empty(nv, dtype=L.dtype)", f"    {iname[c]} = np.empty(nv, dtype=L.dtype)"]
    lines += [
        "    lmax = 0.0",
        "    for q in range(nv):",
        "        lmax = max(lmax, abs(Lf[q].real))",
        "    t = t0",
        "    isave = 0",
        "    while isave < saves.size and saves[isave] <= t0:",
        "        for f in range(V.shape[0]):",
        "            states[isave, f] = np.fft.irfftn(fields(V, coupled, P, Vw)[f], shape)",
        "        isave += 1",
        "    nfev = 0",
        "    steps = 0",
        "    rejected = 0",
        "    status = 0",
        "    h_exp = -1.0",
        "    fresh = True",  # K0 must be computed
        "    last_rejected = False",
        "    while isave < saves.size:",
        "        if steps + rejected >= max_steps:",
        "            status = 1",
        "            break",
        "        target = saves[isave]",
        "        hs = h",
        "        hit = t + hs >= target - 1e-12 * max(1.0, abs(target))",
        "        if hit:",
        "            hs = target - t",
        "        if hs <= 1e-14 * max(1.0, abs(t)):",
        "            status = 2",
        "            break",
        "        if hs != h_exp:",
        # E(s) = E(c+) / E(c-): one exponential per node, while exp(c h |L|) stays finite;
        # past that, each E(s) directly (every s >= 0 here: they never overflow)
        f"            if hs * lmax <= {EXP_LIMIT!r}:",
        "                for q in range(nv):",
    ]
    for c in cs:
        lines += [f"                    {ename[c]}[q] = np.exp({c!r} * hs * Lf[q])",
                  f"                    {iname[c]}[q] = 1.0 / {ename[c]}[q]"]
    for v, (plus, minus) in sorted(factors.items()):
        rhs = " * ".join(([f"{ename[plus]}[q]"] if plus != 0.0 else []) + ([f"{iname[minus]}[q]"] if minus != 0.0 else []))
        lines += [f"                    {fname[v]}[q] = {rhs}"]
    lines += ["            else:", "                for q in range(nv):"]
    for v in sorted(factors):
        lines += [f"                    {fname[v]}[q] = np.exp({v!r} * hs * Lf[q])"]
    lines += [
        "            h_exp = hs",
        "        if fresh:",
        f"            stage(V, t, coupled, P, Pinv, R, {call_args}K0, Vw, Nw)",
        "            nfev += 1",
        "            fresh = False",
    ]
    for i in range(1, s):
        terms = " + ".join(f"{tab.a[i][j]!r} * " + times(tab.c[i] - tab.c[j], f"K{j}f[q]")
                           for j in range(i) if tab.a[i][j] != 0.0) or "0.0"
        lines += [
            "        for q in range(nv):",
            f"            Uf[q] = {times(tab.c[i], 'Vf[q]')} + hs * ({terms})",
            f"        stage(U, t + {tab.c[i]!r} * hs, coupled, P, Pinv, R, {call_args}K{i}, Vw, Nw)",
            "        nfev += 1",
        ]
    # the new state (for FSAL methods: the last stage's U, already computed)
    if fsal:
        lines += ["        for q in range(nv):", "            Vnf[q] = Uf[q]"]
    else:
        terms = " + ".join(f"{tab.b[i]!r} * " + times(1.0 - tab.c[i], f"K{i}f[q]") for i in range(s) if tab.b[i] != 0.0)
        lines += ["        for q in range(nv):", f"            Vnf[q] = {times(1.0, 'Vf[q]')} + hs * ({terms})"]
    if tab.b_error is not None:
        terms = " + ".join(f"{tab.b_error[i]!r} * " + times(1.0 - tab.c[i], f"K{i}f[q]")
                           for i in range(s) if tab.b_error[i] != 0.0)
        lines += [
            "        accept = True",
            "        ratio = 0.0",
            "        if adaptive:",
            "            for q in range(nv):",
            f"                Ewf[q] = hs * ({terms})",
            "            en = square_norm(fields(Ew, coupled, P, Vw))",
            "            yn = square_norm(fields(V, coupled, P, Nw))",
            "            ynew = square_norm(fields(Vn, coupled, P, Xw))",
            "            scale = atol * math.sqrt(wtotal * V.shape[0]) + rtol * math.sqrt(max(yn, ynew))",
            "            ratio = math.sqrt(en) / scale",
            "            if not (ratio == ratio) or ratio == math.inf:",
            "                ratio = 1e10",
            "            accept = ratio <= 1.0",
        ]
    else:
        lines += ["        accept = True", "        ratio = 0.0"]
    lines += [
        "        if accept:",
        "            finite = True",
        "            for q in range(nv):",
        "                Vf[q] = Vnf[q]",
        "                if not (abs(Vnf[q]) < math.inf):",
        "                    finite = False",
        "            if not finite:",
        "                status = 3",
        "                break",
        "            t = target if hit else t + hs",
        "            steps += 1",
    ]
    if fsal:  # the last stage's N is the next step's first
        lines += ["            for q in range(nv):", f"                K0f[q] = K{s - 1}f[q]"]
    else:
        lines += ["            fresh = True"]
    lines += [
        "            if hit:",
        "                for f in range(V.shape[0]):",
        "                    states[isave, f] = np.fft.irfftn(fields(V, coupled, P, Vw)[f], shape)",
        "                isave += 1",
    ]
    q = tab.order
    lines += [
        "            if adaptive:",
        f"                fac = {GROWTH!r} if ratio == 0.0 else min({GROWTH!r}, max({CONTROL.fac_min!r}, "
        f"{CONTROL.safety!r} * ratio ** (-1.0 / {q!r})))",
        "                if last_rejected:",
        "                    fac = min(fac, 1.0)",
        "                h = hs * fac if not hit or hs * fac > h else h",
        "            last_rejected = False",
        "        else:",
        "            rejected += 1",
        f"            h = hs * max({CONTROL.fac_min!r}, {CONTROL.safety!r} * ratio ** (-1.0 / {q!r}))",
        "            last_rejected = True",
        "    stats[0] = steps",
        "    stats[1] = rejected",
        "    stats[2] = nfev",
        "    stats[3] = t",
        "    return status",
    ]
    return "\n".join(lines) + "\n"


def integrator_source(n_params: int, n_coords: int, n_mults: int) -> str:
    """The Lawson integrators for a module whose `nonlinear` takes these arguments
    (after V, t) and defines `shape`; they also read `weight`, `wn`, `wtotal` (the
    Parseval weights of the last axis), defined here from `shape`."""
    args = [f"p{i}" for i in range(n_params)] + [f"X{i}" for i in range(n_coords)] + [f"M{i}" for i in range(n_mults)]
    call = "".join(f"{a}, " for a in args)
    header = f"""

# Parseval: the root-mean-square of a field on the grid from its rfftn spectrum
wn = shape[-1] // 2 + 1
weight = np.full(wn, 2.0)
weight[0] = 1.0
if shape[-1] % 2 == 0:
    weight[-1] = 1.0
wtotal = float(np.prod(np.array(shape)))**2


@numba.njit(cache=True)
def square_norm(X):
    \"\"\"sum over the spectrum of w |X|^2 (Parseval's weights).\"\"\"
    Xf = X.reshape(X.size)
    out = 0.0
    for q in range(X.size):
        out += weight[q % wn] * (Xf[q].real * Xf[q].real + Xf[q].imag * Xf[q].imag)
    return out


@numba.njit(cache=True)
def mix(A, X, out, add=False):
    \"\"\"out[f] = sum_g A[f, g] X[g] at every wavenumber (added to out with add).\"\"\"
    nf = X.shape[0]
    ns = X.size // nf
    Af = A.reshape(nf, nf, ns)
    Xf = X.reshape(nf, ns)
    Of = out.reshape(nf, ns)
    for q in range(ns):
        for f in range(nf):
            acc = Of[f, q] if add else 0j
            for g in range(nf):
                acc += Af[f, g, q] * Xf[g, q]
            Of[f, q] = acc


@numba.njit(cache=True)
def fields(W, coupled, P, work):
    \"\"\"The fields' spectra of an integrator state (P W where L is coupled).\"\"\"
    if coupled:
        mix(P, W, work)
        return work
    return W


@numba.njit(cache=True)
def stage(W, t, coupled, P, Pinv, R, {call}out, Vw, Nw):
    \"\"\"N in the integrator's coordinates: P^-1 (N(P W) + R P W) where L is coupled.\"\"\"
    if not coupled:
        nonlinear(W, t, {call}out)
        return
    mix(P, W, Vw)
    nonlinear(Vw, t, {call}Nw)
    mix(R, Vw, Nw, True)
    mix(Pinv, Nw, out)


"""
    etd = f"""@numba.njit(cache=True)
def etdrk4_steps(V, t, h, n, coupled, P, Pinv, R, E, E2, Q, f1, f2, f3, {call}a, b, c, Nv, Na, Nb, Nc, Vw, Nw):
    \"\"\"n steps of Cox and Matthews' ETDRK4 from (V, t), V advanced in place (the
    coefficients for this h from Kassam and Trefethen's contour integrals); False if the
    state became non-finite.\"\"\"
    nv = V.size
    Vf, af, bf, cf = V.reshape(nv), a.reshape(nv), b.reshape(nv), c.reshape(nv)
    Nvf, Naf, Nbf, Ncf = Nv.reshape(nv), Na.reshape(nv), Nb.reshape(nv), Nc.reshape(nv)
    Ef, E2f, Qf = E.reshape(nv), E2.reshape(nv), Q.reshape(nv)
    g1, g2, g3 = f1.reshape(nv), f2.reshape(nv), f3.reshape(nv)
    for step in range(n):
        stage(V, t, coupled, P, Pinv, R, {call}Nv, Vw, Nw)
        for q in range(nv):
            af[q] = E2f[q] * Vf[q] + Qf[q] * Nvf[q]
        stage(a, t + h / 2, coupled, P, Pinv, R, {call}Na, Vw, Nw)
        for q in range(nv):
            bf[q] = E2f[q] * Vf[q] + Qf[q] * Naf[q]
        stage(b, t + h / 2, coupled, P, Pinv, R, {call}Nb, Vw, Nw)
        for q in range(nv):
            cf[q] = E2f[q] * af[q] + Qf[q] * (2.0 * Nbf[q] - Nvf[q])
        stage(c, t + h, coupled, P, Pinv, R, {call}Nc, Vw, Nw)
        finite = True
        for q in range(nv):
            Vf[q] = Ef[q] * Vf[q] + Nvf[q] * g1[q] + 2.0 * (Naf[q] + Nbf[q]) * g2[q] + Ncf[q] * g3[q]
            if not (abs(Vf[q]) < math.inf):
                finite = False
        t = t + h
        if not finite:
            return False
    return True
"""
    out = header + _twins(etd, "etdrk4_steps")
    for tab in LAWSON.values():
        out += _twins(_method_source(tab, call), f"integrate_{tab.name}")
    return out


def _twins(source: str, name: str) -> str:
    """`source` (calling N through `stage`, reading states through `fields`) as `name`
    for uncoupled linear parts, N called directly and the spectra read as they are (the
    wrapper cost 15% per evaluation on Burgers at 128 nodes), and as `name`_coupled."""
    plain = re.sub(r"stage\((\w+), (.+?), coupled, P, Pinv, R, (.*?)(\w+), Vw, Nw\)", r"nonlinear(\1, \2, \3\4)",
                   source)
    plain = re.sub(r"fields\((\w+), coupled, P, \w+\)", r"\1", plain)
    return plain + "\n\n" + source.replace(f"def {name}(", f"def {name}_coupled(") + "\n\n"


def _saves(prob, method, tspan, saveat):
    from ..integrate._solve import time_grid

    t0, t1, save = time_grid(prob, method, tspan, saveat)
    return t0, t1, np.asarray(save, dtype=float)


def check_method(method):
    if method not in LAWSON and method != "etdrk4":
        raise SolverError(f"method={method!r}: a spectral problem integrates with the Lawson (integrating-"
                          f"factor) form of {sorted(LAWSON)} or with \"etdrk4\" (fixed dt)")


def etd_coefficients(L, h, points: int = 64) -> tuple:
    """(E, E/2, Q, f1, f2, f3) of ETDRK4 for the step h: the phi-function combinations
    as means over a circle of radius 1 around each h L (Kassam & Trefethen 2005: the
    formulas cancel catastrophically near h L = 0 when evaluated directly)."""
    hL = h * np.asarray(L, dtype=complex)
    r = np.exp(1j * np.pi * (np.arange(1, points + 1) - 0.5) / points)
    z = hL[..., None] + r
    ez = np.exp(z)
    Q = h * np.mean((np.exp(z / 2) - 1) / z, axis=-1)
    f1 = h * np.mean((-4 - z + ez * (4 - 3 * z + z**2)) / z**3, axis=-1)
    f2 = h * np.mean((2 + z + ez * (z - 2)) / z**3, axis=-1)
    f3 = h * np.mean((-4 - 3 * z - z**2 + ez * (4 - z)) / z**3, axis=-1)
    out = [np.exp(hL), np.exp(hL / 2), Q, f1, f2, f3]
    if not np.iscomplexobj(L) or not np.any(np.imag(L)):  # real L: the means are real up to round-off
        out = [np.ascontiguousarray(o.real) + 0j for o in out]
    return tuple(np.ascontiguousarray(o) for o in out)


def _run_etd(prob, V0, L, args, t0, saves, dt, states):
    """Fixed steps of about dt, each save interval divided evenly (its own coefficients,
    kept per step size); (steps, evaluations)."""
    lam, P, Pinv, R = L
    coupled = P.shape[0] > 1
    if dt is None or not dt > 0:
        raise SolverError(f"method=\"etdrk4\" takes fixed steps: give dt= (a positive step; got {dt!r})")
    V = np.ascontiguousarray(np.einsum("fg...,g...->f...", Pinv, V0) if coupled else V0.astype(complex))
    work = [np.empty_like(V) for _ in range(9)]
    # coupled: in W = P^-1 V, where Lambda is diagonal; N through P and P^-1
    run = getattr(prob.nonlinear, "etdrk4_steps" + ("_coupled" if coupled else ""))
    kept, t, steps = {}, float(t0), 0
    for k, s in enumerate(saves):
        if s > t:
            n = max(1, int(np.ceil((s - t) / dt - 1e-9)))
            h = (s - t) / n
            if h not in kept:
                kept = {h: etd_coefficients(lam, h)}
            if not run(V, t, h, n, coupled, P, Pinv, R, *kept[h], *args, *work):
                raise SolverError(f"the spectral etdrk4 solve of {prob.system.name!r} became non-finite before "
                                  f"t = {s:.6g}: resolve the solution (more nodes) or lower dt")
            t, steps = float(s), steps + n
        states[k] = prob.to_grid(np.einsum("fg...,g...->f...", P, V) if coupled else V)
    return steps, 4 * steps


def _run(prob, V0, L, args, t0, t1, saves, method, dt, rtol, atol, max_steps, u0=None):
    if method == "etdrk4":
        states = np.empty((saves.size, *prob.shape))
        steps, nfev = _run_etd(prob, V0 * prob.nonlinear.mask if prob.dealias else V0, L, args, t0, saves, dt, states)
        if saves[0] == t0:
            states[0] = prob.to_grid(V0) if u0 is None else u0
        return states, {"steps": steps, "rejected": 0, "nfev": nfev}
    tab = LAWSON[method]
    adaptive = tab.b_error is not None and dt is None
    if tab.b_error is None and dt is None:
        raise SolverError(f"method={method!r} has no error estimate: give a fixed step dt=")
    if dt is not None and not dt > 0:
        raise SolverError(f"dt = {dt!r}: give a positive step")
    h = float(dt) if dt is not None else 1e-3 * (t1 - t0)
    states = np.empty((saves.size, *prob.shape))
    stats = np.zeros(4)
    fn = getattr(prob.nonlinear, f"integrate_{method}" + ("_coupled" if L[1].shape[0] > 1 else ""))
    lam, P, Pinv, R = L
    coupled = P.shape[0] > 1
    if prob.dealias:  # the state starts in the kept two thirds (N never leaves them)
        V0 = V0 * prob.nonlinear.mask
    W0 = np.ascontiguousarray(np.einsum("fg...,g...->f...", Pinv, V0)) if coupled else V0
    status = fn(W0, lam, float(t0), saves, h, float(rtol), float(atol), int(max_steps), bool(adaptive), coupled,
                P, Pinv, R, *args, states, stats)
    if saves[0] == t0:  # the initial state as given (not through a transform pair)
        states[0] = prob.to_grid(V0) if u0 is None else u0
    if status:
        raise SolverError(
            f"the spectral {method} solve of {prob.system.name!r} stopped at t = {stats[3]:.6g}: "
            f"{STATUS[status]} after {int(stats[0])} steps ({int(stats[1])} rejected). "
            + ("Resolve the solution (more nodes), or lower dt" if status == 3 else
               "Raise max_steps, loosen rtol/atol, or check that the model does not blow up"))
    return states, {"steps": int(stats[0]), "rejected": int(stats[1]), "nfev": int(stats[2])}


def solve_spectral(prob, method="tsit5", tspan=None, saveat=None, dt=None, rtol=1e-6, atol=1e-8,
                   max_steps=10_000_000):
    """One solve of a SpectralProblem: a `Solution` (fields on the grid at `saveat`)."""
    from ..integrate._solve import Solution

    method = method or "tsit5"
    t0, t1, saves = _saves(prob, method, tspan, saveat)
    start = _time.perf_counter()
    states, stats = _run(prob, prob.to_spectral(prob.u0), prob.modal(), prob._arguments(), t0, t1, saves, method, dt,
                         rtol, atol, max_steps, prob.u0)
    stats["seconds"] = _time.perf_counter() - start
    return Solution(prob, saves, states, stats)


def ensemble_spectral(prob, params=None, u0=None, method="tsit5", tspan=None, saveat=None, dt=None, rtol=1e-6,
                      atol=1e-8, max_steps=10_000_000, progress=False):
    """Member k: `prob.remake(params_k, u0_k)` solved as by `solve_spectral`; an EnsembleSolution."""
    from ..integrate._ensemble import EnsembleSolution, _member_params, _members
    from ..integrate._explicit import _progress

    method = method or "tsit5"
    t0, t1, saves = _saves(prob, method, tspan, saveat)
    n, params, u0 = _members(prob, params, u0)
    start = _time.perf_counter()
    states = np.empty((n, saves.size, *prob.shape))
    per = {"steps": np.zeros(n, int), "rejected": np.zeros(n, int), "nfev": np.zeros(n, int)}
    starts = np.empty((n, *prob.shape))
    bar = _progress(n, progress, "members")
    cached = {}
    for k in range(n):
        values = _member_params(params, k)
        member = prob.remake(values, None if u0 is None else u0[k])
        starts[k] = member.u0
        key = tuple(sorted((str(p), v) for p, v in values.items()))
        if key not in cached:  # L and N's arguments per parameter values (often shared)
            cached = {key: (member.modal(), member._arguments())}
        L, args = cached[key]
        states[k], st = _run(member, member.to_spectral(member.u0), L, args, t0, t1, saves, method, dt, rtol, atol,
                             max_steps, member.u0)
        for name in per:
            per[name][k] = st[name]
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    stats = dict(per, seconds=_time.perf_counter() - start, threads=1)
    return EnsembleSolution(prob, saves, states, params, starts, stats)
