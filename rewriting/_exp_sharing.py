"""Exponentials that differ by a constant, or by an integer factor, share one call.

exp(p + c) with c loop-invariant (a number, or parameters) is exp(p) * exp(c), and
exp(n p) is exp(p)**n. Rate laws are full of such families: the Hodgkin-Huxley rates
exp(-(V + 40)/10), exp(-(V + 55)/10), 1/(1 + exp(-(V + 35)/10)) need one exp(-V/10)
call between them; a Gaussian's derivatives, exp(-r/2) beside exp(-r), one.

Neither engine finds this alone. Tree-cost extraction prices exp(p + c) and
exp(p) * exp(c) the same for each output, so it has no reason to pick the factored
form that a later CSE could share; and sympy folds exp(p) * exp(c) straight back
into exp(p + c). Here the shared call becomes a temp (a positive symbol, which sympy
cannot fold) before the engines run, and only where it pays under the cost model:
k calls become one call, its integer powers and the hoisted exp(c) factors.

Round-off and range: E**n * exp(c) differs from exp(n p + c) by a few ulp. exp(p) may
overflow (or underflow) where exp(p + c) does not; constant parts larger than
`MAX_SHIFT` in magnitude stay in the argument, so that only results beyond e^(709 -
MAX_SHIFT) (about 1e300) can be affected. Powers stay small (|n| <= `MAX_POWER`).
"""

from __future__ import annotations

import math

import sympy

from ._cost import CPU, CostModel, is_invariant
from ._program import _temp_symbols

__all__ = ["share_exponentials"]

MAX_SHIFT = 20  # |c| of a numeric shift split off the argument
MAX_POWER = 4  # E**n with |n| up to this


def _split(arg, invariant):
    """arg = r * p0 + c: (p0, r, c) with c invariant, r a number (rational, or a Float
    factor as written), p0 sign-normalized; None when arg is invariant (hoisted whole
    anyway)."""
    fixed, varying = [], []
    for term in sympy.Add.make_args(arg):
        (fixed if term.is_Number or is_invariant(term, invariant) else varying).append(term)
    c = sympy.Add(*fixed)
    if not varying:
        return None
    if c.is_Number and abs(c) > MAX_SHIFT:
        varying.append(c)
        c = sympy.Integer(0)
    r, p0 = sympy.Add(*varying).as_content_primitive()
    f, rest = p0.as_coeff_Mul()
    if f.is_Float:  # exp(-0.05*V): a Float factor joins r (float families below)
        r, p0 = r * f, rest
    if p0.could_extract_minus_sign():
        r, p0 = -r, -p0
    return p0, r, c


def _multiple(r, base):
    """n with r = n * base (|n| <= MAX_POWER), else None; Float factors within round-off
    (exp(0.0125 V)**4 for exp(0.05 V): the two differ by |V| times 1e-18)."""
    if r.is_Rational and base.is_Rational:
        q = r / base
        n = int(q) if q.is_Integer else None
    else:
        q = float(r) / float(base)
        n = round(q)
        n = n if abs(q - n) <= 1e-12 * max(abs(n), 1) else None
    return n if n and abs(n) <= MAX_POWER else None


def _families(members):
    """Members (r, c, arg) of one varying part split into families whose r are integer
    multiples (|n| <= MAX_POWER) of a base r0: [(r0, [(n, c, arg), ...]), ...]."""
    out = []
    left = sorted(members, key=lambda m: (abs(m[0]), bool(m[0] < 0)))
    while left:
        r0 = base = left[0][0]
        if all(r.is_Rational for r, _, _ in left):
            g = r0
            for r, _, _ in left[1:]:  # the rational gcd of the rest, if it keeps the powers small
                g = sympy.Rational(math.gcd(g.p * r.q, r.p * g.q), g.q * r.q) * (1 if r0 > 0 else -1)
            base = g if all(abs(r / g) <= MAX_POWER for r, _, _ in left) else r0
        fam = [(n, c, a) for r, c, a in left if (n := _multiple(r, base)) is not None]
        taken = {a for _, _, a in fam}
        out.append((base, fam))
        left = [m for m in left if m[2] not in taken]
    return out


def _saving(family, model: CostModel) -> float:
    """Cost of the family's calls now, less the shared call, its powers and the shifts."""
    after = model.exp
    for n, c, _ in family:
        after += model.int_pow(n) + (model.mul if c != 0 else 0.0)
    return len(family) * model.exp - after


def share_exponentials(exprs, invariant=frozenset(), model: CostModel = CPU):
    """(temps, exprs): each family of exp calls that pays to share is one temp
    E = exp(r0 * p0), and its calls are E**n * exp(c) in the returned exprs.

    >>> import sympy
    >>> V = sympy.Symbol("V", real=True)
    >>> rates = [sympy.exp(-(V + 40) / 10), 1 / (1 + sympy.exp(-(V + 35) / 10))]
    >>> temps, outs = share_exponentials(rates)
    >>> temps
    [(_e0, exp(-V/10))]
    >>> outs
    [0.018315638888734180294*_e0, 1/(0.03019738342231850074*_e0 + 1)]
    """
    invariant = frozenset(invariant)
    calls = {node for e in exprs for node in sympy.preorder_traversal(e)
             if isinstance(node, sympy.exp) and not node.args[0].atoms(sympy.exp)}
    groups: dict = {}
    for call in sorted(calls, key=sympy.default_sort_key):
        split = _split(call.args[0], invariant)
        if split is not None:
            p0, r, c = split
            groups.setdefault(p0, []).append((r, c, call.args[0]))
    names = _temp_symbols(exprs, prefix="_e", positive=True)  # an exp: positive, which the rules use
    temps, replace = [], {}
    for p0, members in groups.items():
        for base, family in _families(members):
            if len(family) < 2 or _saving(family, model) <= 0:
                continue
            E = next(names)
            temps.append((E, sympy.exp(base * p0)))
            for n, c, arg in family:
                shift = sympy.exp(c)
                if c.is_Number and c != 0:  # a number, hoisted as one (exp(-4) stays a call otherwise)
                    shift = sympy.Float(shift.evalf(20), 20)
                replace[sympy.exp(arg)] = E**n * shift
    if not replace:
        return [], list(exprs)
    return temps, [e.xreplace(replace) for e in exprs]
