"""Complex-valued fields: a system whose equations or conditions hold the imaginary
unit I is rewritten, before anything else sees it, into real and imaginary parts.
A complex field psi becomes two real fields psi_re and psi_im (psi = psi_re + I
psi_im); each complex equation becomes two real ones (its time derivatives solved
for, so each has one), and each condition two. Solutions put the parts back
together: `sol[psi]` is complex.

    I D(t)(psi) = -D(x, 2)(psi) / 2   ->   D(t)(psi_re) = -psi_im_xx / 2,
                                           D(t)(psi_im) =  psi_re_xx / 2
"""

from __future__ import annotations

import sympy

from ._boundary_equations import as_equation
from ._conditions import BoundaryEquation, Dirichlet, Initial, Neumann, Periodic, Robin
from ._errors import ModelError
from ._expressions import fields as make_fields
from ._expressions import is_complex_field, is_field


__all__ = ["split_complex"]


def _has_i(expr) -> bool:
    return sympy.sympify(expr).has(sympy.I)


def _condition_exprs(c):
    if isinstance(c, sympy.Equality):
        return [c.lhs, c.rhs]
    return [getattr(c, a) for a in ("value", "a", "b", "expr") if hasattr(c, a)]


def split_complex(equations, conditions, time):
    """(equations, conditions, {psi: (psi_re, psi_im)}) with every complex field
    split; unchanged, with an empty map, when nothing holds I."""
    complex_fields = []
    written = [(f"equation {i + 1}, {e}", e.lhs - e.rhs) for i, e in enumerate(equations)]
    written += [(f"the condition {c}", c.lhs - c.rhs) for c in conditions if isinstance(c, sympy.Equality)]
    for where, expr in written:
        declared = [f for f in _fields_in(expr) if is_complex_field(f)]
        for f in declared:
            if all(g.func is not f.func for g in complex_fields):
                complex_fields.append(f)
        if _has_i(expr) and not declared:
            raise ModelError(
                f"{where} contains the imaginary unit I, but its fields are real: declare the complex "
                f"ones with sn.fields('psi', t, x, complex=True) (a real field would turn |psi|^2 "
                f"into psi^2 before symnum sees it)"
            )
    for c in conditions:  # a complex value given to a real field
        field = getattr(c, "field", None)
        if field is None or isinstance(c, sympy.Equality):
            continue
        f = field.expr if isinstance(field, sympy.Derivative) else field
        if any(_has_i(v) for v in _condition_exprs(c)) and not is_complex_field(f):
            raise ModelError(
                f"{c} has a complex value, but {f} is a real field: declare it with "
                f"sn.fields('{f.func}', {', '.join(map(str, f.args))}, complex=True)"
            )
        if is_complex_field(f) and all(g.func is not f.func for g in complex_fields):
            complex_fields.append(f)
    if not complex_fields:
        return tuple(equations), tuple(conditions), {}
    taken = {f.func.__name__ for e in equations for f in _fields_in(e.lhs - e.rhs)}
    parts = {}
    for f in complex_fields:
        name = f.func.__name__
        for suffix in ("_re", "_im"):
            if name + suffix in taken:
                raise ModelError(
                    f"the complex field {f} is split into {name}_re and {name}_im, but a field "
                    f"named {name + suffix} exists: rename it"
                )
        parts[f.func] = make_fields(f"{name}_re {name}_im", *f.args)
    splitter = _Splitter(parts)
    out_eqs = []
    for i, e in enumerate(equations):
        r = e.lhs - e.rhs
        if not any(f.func in parts for f in _fields_in(r)) and not _has_i(r):
            out_eqs.append(e)
            continue
        re, im = splitter.split(r)
        out_eqs += _solved(re, im, time, f"equation {i + 1}, {e}")
    out_conds = []
    for c in conditions:
        out_conds += _split_condition(c, splitter, parts)
    return tuple(out_eqs), tuple(out_conds), {f: parts[f.func] for f in complex_fields}


def _fields_in(expr):
    return [n for n in sympy.preorder_traversal(expr) if isinstance(n, sympy.core.function.AppliedUndef)
            and is_field(n)]


def _add_fields(into, expr):
    for f in _fields_in(expr):
        decl = f.func
        if all(g.func is not decl for g in into):
            into.append(f)


class _Splitter:
    """Real and imaginary parts of expressions in complex fields."""

    def __init__(self, parts):
        self.parts = parts  # field function class -> (re field, im field) as declared

    def split(self, expr):
        back = {}  # real dummy -> what it stands for

        def real(q):
            d = sympy.Dummy(real=True)
            back[d] = q
            return d

        def walk(e):
            if isinstance(e, sympy.Subs):
                # a derivative at a boundary: split inside, keep the evaluation around each part
                re, im = self.split(e.expr)
                return real(sympy.Subs(re, e.variables, e.point)) + sympy.I * real(sympy.Subs(im, e.variables, e.point))
            if isinstance(e, sympy.Derivative):
                inner = e.expr
                if is_field(inner) and inner.func in self.parts:
                    re, im = self.parts[inner.func]
                    re, im = re.func(*inner.args), im.func(*inner.args)
                    return real(sympy.Derivative(re, *e.variable_count)) + sympy.I * real(sympy.Derivative(im, *e.variable_count))
                if is_field(inner):
                    return real(e)
                re, im = self.split(inner)
                return real(sympy.Derivative(re, *e.variable_count)) + sympy.I * real(sympy.Derivative(im, *e.variable_count))
            if is_field(e):
                if e.func in self.parts:
                    re, im = self.parts[e.func]
                    return real(re.func(*e.args)) + sympy.I * real(im.func(*e.args))
                return real(e)
            if not e.args:
                return e
            return e.func(*(walk(a) for a in e.args))

        re, im = sympy.expand_complex(walk(sympy.sympify(expr))).as_real_imag()
        return re.xreplace(back), im.xreplace(back)


def _solved(re, im, time, where):
    """Two real equations from re = 0, im = 0: solved for their time derivatives when
    they hold any (each then has exactly one), else as they are."""
    if time is None:
        return [sympy.Eq(re, 0, evaluate=False), sympy.Eq(im, 0, evaluate=False)]
    dts = sorted({d for part in (re, im) for d in part.atoms(sympy.Derivative)
                  if time in d.variables and is_field(d.expr)}, key=str)
    if not dts:
        return [sympy.Eq(re, 0, evaluate=False), sympy.Eq(im, 0, evaluate=False)]
    marks = {d: sympy.Dummy() for d in dts}
    try:
        A, b = sympy.linear_eq_to_matrix([re.xreplace(marks), im.xreplace(marks)], list(marks.values()))
        if A.shape != (2, 2) or A.det() == 0:
            raise ValueError
        sol = A.LUsolve(b)
    except ValueError:  # also sympy's NonlinearError
        raise ModelError(
            f"{where}: its real and imaginary parts do not determine the time derivatives "
            f"{', '.join(map(str, dts))} (they must be linear in them, one per part)"
        ) from None
    return [sympy.Eq(d, sympy.simplify(v), evaluate=False) for d, v in zip(dts, sol)]


def _split_condition(c, splitter, parts):
    if isinstance(c, Periodic):
        return [c]
    if isinstance(c, sympy.Equality):
        if not _has_i(c.lhs - c.rhs) and not any(f.func in parts for f in _fields_in(c.lhs - c.rhs)):
            return [c]
        re, im = splitter.split(c.lhs - c.rhs)
        return [sympy.Eq(re, 0, evaluate=False), sympy.Eq(im, 0, evaluate=False)]
    field = c.field.expr if isinstance(c.field, sympy.Derivative) else c.field
    if field.func not in parts:  # a real field (split_complex refused complex values for it)
        return [c]
    re_f, im_f = parts[field.func]

    def part(v, k):
        return sympy.sympify(v).as_real_imag()[k]

    if isinstance(c, Initial):
        if isinstance(c.field, sympy.Derivative):
            return [Initial(sympy.Derivative(re_f, *c.field.variable_count), part(c.value, 0)),
                    Initial(sympy.Derivative(im_f, *c.field.variable_count), part(c.value, 1))]
        return [Initial(re_f, part(c.value, 0)), Initial(im_f, part(c.value, 1))]
    if isinstance(c, (Dirichlet, Neumann)):
        return [type(c)(re_f, c.var, c.side, part(c.value, 0)), type(c)(im_f, c.var, c.side, part(c.value, 1))]
    if isinstance(c, Robin) and not (_has_i(c.a) or _has_i(c.b)):
        return [Robin(re_f, c.var, c.side, c.a, c.b, part(c.value, 0)),
                Robin(im_f, c.var, c.side, c.a, c.b, part(c.value, 1))]
    # a Robin with complex coefficients, or a general boundary equation: its parts
    re, im = splitter.split(as_equation(c).expr)
    return [BoundaryEquation(re_f, c.var, c.side, re), BoundaryEquation(im_f, c.var, c.side, im)]
