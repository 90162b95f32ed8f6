"""Boundary equations as MOL.jl writes them: `sn.Eq(<fields and their derivatives
evaluated at a boundary>, <value>)` among a system's conditions, e.g.

    sn.Eq(u.diff(x, 2).subs(x, 1), 0)                 # u_xx = 0 at x = 1
    sn.Eq(sn.D(t)(u).subs(x, 0), 100 - u.subs(x, 0))  # the wall node's own ODE
    sn.Eq(-u.diff(x).subs(x, 1), u.subs(x, 1)**4)     # nonlinear Robin (radiation)
    sn.Eq(u.subs(t, 0), sn.sin(x))                    # at t = t0: an initial condition

Each becomes a `BoundaryEquation(field, var, side, expr)` (expr = lhs - rhs, written
at a generic point) or an `Initial`. The field an equation determines is the one it
differentiates most in the boundary's variable (the one whose D(t) it holds, for a
dynamic equation), among those that still need conditions on that side.
"""

from __future__ import annotations

import math

import sympy

from ._conditions import BoundaryEquation, Dirichlet, Initial, Neumann, Periodic
from ._errors import ModelError
from ._expressions import is_field, solve_linear, subs_parts

__all__ = ["convert_conditions", "as_equation", "needed_conditions"]


def needed_conditions(order: int) -> tuple[int, int]:
    """(fewest, most) conditions one side of a variable may carry for a field
    differentiated `order` times in it: a second-order operator takes one per side, a
    fourth-order one (a beam) two; a side may also carry none where the equation's
    order allows a free one-sided end. From third order on, a side may carry up to
    `order` (each determines one more node from the wall): MOL.jl's KdV test gives u,
    u_x and u_xx at both ends of a third-order equation, consistent with its solution."""
    return order // 2, max(1, math.ceil(order / 2) if order < 3 else order)


def as_equation(c) -> BoundaryEquation:
    """A Dirichlet/Neumann/Robin condition as the equivalent BoundaryEquation (when it
    shares its field's side with other conditions)."""
    if isinstance(c, BoundaryEquation):
        return c
    sign = -1 if c.side == "min" else 1  # the outward normal
    dn = sign * sympy.Derivative(c.field, c.var)
    if isinstance(c, Dirichlet):
        expr = c.field - c.value
    elif isinstance(c, Neumann):
        expr = dn - c.value
    else:
        expr = c.a * c.field + c.b * dn - c.value
    return BoundaryEquation(c.field, c.var, c.side, expr, sympy.Eq(expr + c.value, c.value, evaluate=False))


def convert_conditions(conditions, domain, equations, time) -> tuple:
    """`conditions` with every sympy equation among them turned into a
    BoundaryEquation or an Initial; the others unchanged."""
    if not any(isinstance(c, sympy.Equality) for c in conditions):
        return tuple(conditions)
    declared = {}
    for e in equations:
        for node in sympy.preorder_traversal(e.lhs - e.rhs):
            if is_field(node):
                declared.setdefault(node.func, node)
    from ._system import derivative_orders  # _system imports this module

    orders = derivative_orders(e.lhs - e.rhs for e in equations)
    inflow = _inflow_sides(equations, orders, time)
    parsed = []
    for c in conditions:
        if isinstance(c, sympy.Equality):
            parsed.append(_parse(c, declared, domain, time))
        else:
            parsed.append(c)
    # fields on each side, and how many conditions they have from shorthands so far
    have: dict = {}
    for c in parsed:
        if not isinstance(c, tuple) and hasattr(c, "side"):
            key = (c.field, c.var, c.side)
            have[key] = have.get(key, 0) + 1
    out = []
    for c in parsed:
        if isinstance(c, tuple):
            c = _assign(c, orders, have, time, inflow)
            key = (c.field, c.var, c.side)
            have[key] = have.get(key, 0) + 1
        if isinstance(c, Periodic) and c in out and c not in conditions:
            continue  # u(t, 0) = u(t, 2) written for each field: one Periodic(x)
        out.append(c)
    return tuple(out)


def _parse(eq, declared, domain, time):
    """An Initial, or (var, side, generic expr, written equation) for `_assign`."""
    places: set = set()
    unknown: list = []

    def generic(e):
        if isinstance(e, sympy.Subs):
            inner, variables, point = subs_parts(e, declared)
            for v, p in zip(variables, point):
                places.add((v, p))
            return generic(inner)
        if is_field(e):
            decl = declared.get(e.func)
            if decl is None:
                unknown.append(e)
                return e
            for v, a in zip(decl.args, e.args):
                if a != v:
                    places.add((v, a))
            return decl
        if isinstance(e, sympy.Derivative):
            return sympy.Derivative(generic(e.expr), *e.variable_count)
        if not e.args:
            return e
        return e.func(*(generic(a) for a in e.args))

    lhs, rhs = generic(eq.lhs), generic(eq.rhs)
    if unknown:
        raise ModelError(
            f"the condition {eq} uses {unknown[0]}, which is not a field of the equations: "
            f"conditions are about the fields the equations determine"
        )
    if not places:
        raise ModelError(
            f"the condition {eq} evaluates no field at a boundary: write the field at the "
            f"boundary, e.g. sn.Eq(u.subs(x, 0), 0) or sn.Eq(u.diff(x).subs(x, 1), 0), or use "
            f"sn.Dirichlet / sn.Neumann / sn.Robin"
        )
    located = []
    for v, p in places:
        if v not in domain:
            raise ModelError(
                f"the condition {eq} evaluates a field at {v} = {p}, but {v} has no interval in "
                f"the domain: add it, e.g. domain={{..., {v}: (0, 1)}}"
            )
        if not (isinstance(p, sympy.Expr) and p.is_number and p.is_real):
            raise ModelError(
                f"the condition {eq} evaluates a field at {v} = {p}: a boundary is a number, one "
                f"end of domain[{v}] = {domain[v]}"
            )
        lo, hi = domain[v]
        tol = 1e-12 * max(1.0, abs(lo), abs(hi))
        if abs(float(p) - lo) <= tol:
            located.append((v, "min"))
        elif abs(float(p) - hi) <= tol:
            located.append((v, "max"))
        else:
            raise ModelError(
                f"the condition {eq} evaluates a field at {v} = {float(p):g}, inside domain[{v}] = "
                f"{domain[v]}: boundary conditions hold at an end, {v} = {lo:g} or {v} = {hi:g}"
            )
    located = sorted(set(located), key=str)
    periodic = _periodic(eq, located)
    if periodic is not None:
        return periodic
    if len(located) > 1:
        raise ModelError(
            f"the condition {eq} joins {' and '.join(f'{v} at its {s}' for v, s in located)}: "
            f"conditions that link two places (corners, interfaces between domains, u(0) = u(1)) "
            f"are not supported yet; for periodicity use sn.Periodic(x)"
        )
    (var, side), = located
    if var == time:
        # an initial condition: linear in one field (or its D(t)) at t0, e.g. u(0, x) = f(x)
        expr = lhs - rhs
        quantities = {n for n in sympy.preorder_traversal(expr)
                      if is_field(n) or (isinstance(n, sympy.Derivative) and is_field(n.expr))}
        quantities -= {n.expr for n in quantities if isinstance(n, sympy.Derivative)}
        q = next(iter(quantities)) if len(quantities) == 1 else None
        value = None if q is None else solve_linear(expr, q)
        if side != "min" or value is None:
            raise ModelError(
                f"the condition {eq} is at {time} = {domain[time][1 if side == 'max' else 0]:g}: "
                f"only initial conditions, sn.Eq(u.subs({time}, {domain[time][0]:g}), value) with a "
                f"value free of fields, can be given in time"
            )
        return Initial(q, value)
    return (var, side, lhs - rhs, eq)


def _periodic(eq, located):
    """Periodic(x) for u(.., lo, ..) = u(.., hi, ..), as MOL.jl writes periodicity."""
    if len(located) != 2 or located[0][0] != located[1][0]:
        return None
    if not (is_field(eq.lhs) and is_field(eq.rhs) and eq.lhs.func is eq.rhs.func):
        return None
    differ = [k for k, (p, q) in enumerate(zip(eq.lhs.args, eq.rhs.args)) if p != q]
    return Periodic(located[0][0]) if len(differ) == 1 else None


def _inflow_sides(equations, orders, time) -> dict:
    """{(field, var): "min" or "max"}: the inflow end of a field first order in var
    whose equation is u_t + a u_var + ... = 0 with a a nonzero number (the end a
    condition belongs to; at the other, u leaves the domain)."""
    out = {}
    if time is None:
        return out
    for e in equations:
        r = sympy.expand(e.lhs - e.rhs)
        for f, per in orders.items():
            dt = r.coeff(sympy.Derivative(f, time))
            if not (dt.is_number and dt != 0):
                continue
            for var, order in per.items():
                a = r.coeff(sympy.Derivative(f, var)) / dt if order == 1 else None
                if a is not None and a.is_number and a.is_real and a != 0:
                    out[(f, var)] = "min" if a > 0 else "max"
    return out


def _assign(parsed, orders, have, time, inflow=None) -> BoundaryEquation:
    var, side, expr, eq = parsed
    fields = []
    for node in sympy.preorder_traversal(expr):
        if is_field(node) and node not in fields:
            fields.append(node)
    if not fields:  # pragma: no cover - _parse found a field evaluation
        raise ModelError(f"the condition {eq} holds no field")
    dts = [d for d in expr.atoms(sympy.Derivative) if time is not None and time in d.variables]
    for d in dts:
        if not (is_field(d.expr) and d.variable_count == ((time, 1),)):
            raise ModelError(
                f"the condition {eq} contains {d}: a boundary equation may hold D({time}) of a "
                f"field at the wall (its evolution there), not higher or mixed time derivatives"
            )
    if dts:
        owners = sorted({d.expr for d in dts}, key=fields.index)
        if len(owners) > 1:
            raise ModelError(
                f"the condition {eq} holds the time derivatives of {owners}: a dynamic boundary "
                f"equation gives the evolution of one field's wall node; write one per field"
            )
        field = owners[0]
        if solve_linear(expr, sympy.Derivative(field, time)) is None:
            raise ModelError(
                f"the condition {eq} is not linear in D({time})({field}) at the wall: write it as "
                f"sn.Eq(sn.D({time})({field}).subs(...), rhs)"
            )
        return BoundaryEquation(field, var, side, expr, eq, dynamic=True)

    def rank(f):
        fewest, most = needed_conditions(orders.get(f, {}).get(var, 0))
        own = max((_order_in(d, var) for d in expr.atoms(sympy.Derivative) if d.expr == f), default=0)
        n = have.get((f, var, side), 0)
        # upwind: an interface u1 = u2 between advected fields sets the one flowing in
        ends = (inflow or {}).get((f, var))
        upwind = 0 if ends is None else (1 if ends == side else -1)
        # a field that still needs a condition here first (u in u(t, x, 1) = H(t, x, 1)
        # when only u is differentiated across y), then one that may take one
        return (n < fewest, n < most, upwind, own, -fields.index(f))

    # a field of time only (v(t) in u(t, 0) = v) has no wall in var to be determined at
    field = max((f for f in fields if var in f.args), key=rank)
    return BoundaryEquation(field, var, side, expr, eq)


def _order_in(d, var) -> int:
    return sum(int(k) for v, k in d.variable_count if v == var)
