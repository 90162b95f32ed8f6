"""Fields that live on a boundary: h(t, x) beside u(t, x, y), its equation reading
u on the wall y = 1 (`u.subs(y, 1)`, `u.diff(y).subs(y, 1)`), as a surface layer,
a free surface or a reservoir spread along a wall is written.

Such a field is held on the grid as h(t, x, y) whose wall row y = 1 evolves by
h's equation, given there as a dynamic boundary equation (`D(t)(h).subs(y, 1) =
...`) where the wall machinery evaluates u's traces and one-sided derivatives;
its other rows stay idle (D(t)(h) = 0). `sol[h]` is that wall row. A boundary
field whose equation reads no wall values (h_t = D h_xx, used as u's Dirichlet
value) needs none of this: it is held constant along y (`PDESystem.held`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from ._errors import ModelError
from ._expressions import (declared_fields, is_field, is_point_derivative, is_point_value, nodes_outside,
                           point_derivative_parts, solve_linear)

__all__ = ["Surfaces", "lift_surfaces"]


@dataclass(frozen=True)
class Surfaces:
    """{field as written: (field on the grid, wall variable, side)}."""

    fields: dict

    def inner(self, f):
        """The grid field of a boundary field as written (others unchanged)."""
        return self.fields[f][0] if f in self.fields else f

    def wall(self, f):
        """(variable, side) of the wall a boundary field (as written or on the grid)
        lives on, or None."""
        for written, (inner, var, side) in self.fields.items():
            if f in (written, inner):
                return var, side
        return None

    def __str__(self) -> str:
        return ", ".join(f"{f} on {var} = {side}" for f, (_, var, side) in self.fields.items())


def _wall_reads(expr, declared, full_args, missing) -> set:
    """{(var, value)}: where `expr` reads fields of all of `full_args` at a value of a
    variable in `missing`, keeping the others (u.subs(y, 1), u.diff(y).subs(y, 1))."""
    found = set()
    for node in nodes_outside(expr, is_point_derivative):
        if is_point_derivative(node):
            g, _, at = point_derivative_parts(node, list(declared.values()))
        elif is_point_value(node) and node.func in declared:
            g = declared[node.func]
            at = {v: a for v, a in zip(g.args, node.args) if v != a}
        else:
            continue
        if g.args == full_args and at and set(at) <= set(missing):
            found.update((v, float(a)) for v, a in at.items() if a.is_number)
    return found


def lift_surfaces(equations, conditions, domain: dict, time):
    """(equations, conditions, Surfaces or None): every field of time and some of the
    spatial variables whose equation reads the others on a wall, lifted onto the grid."""
    from ._conditions import AbstractBoundaryCondition, Initial

    declared = declared_fields(equations)
    if time is None or not declared:
        return equations, conditions, None
    full_args = max((f.args for f in declared.values()), key=len)
    equations = list(equations)
    lifted, own = {}, set()
    for f in declared.values():
        if f.args == full_args or time not in f.args or len(f.args) < 2:
            continue  # a field of all variables, of time only, or of no time
        missing = [v for v in full_args if v not in f.args]
        mine = [i for i, e in enumerate(equations) if sympy.Derivative(f, time) in e.atoms(sympy.Derivative)]
        if len(mine) != 1:
            continue
        e = equations[mine[0]]
        reads = _wall_reads(e.lhs - e.rhs, declared, full_args, missing)
        if not reads:
            continue  # held constant along the variables it lacks
        var, value = next(iter(reads))
        lo, hi = (float(b) for b in domain[var])
        tol = 1e-12 * max(1.0, abs(lo), abs(hi))
        if len(missing) != 1 or len(reads) != 1 or min(abs(value - lo), abs(value - hi)) > tol:
            raise ModelError(
                f"the equation of {f} reads the other fields at "
                f"{', '.join(f'{v} = {a:g}' for v, a in sorted(reads, key=str))}: a field of fewer spatial "
                f"variables ({', '.join(map(str, f.args))} beside {', '.join(map(str, full_args))}) may "
                f"read them on one wall of the one variable it lacks, e.g. u.subs({missing[0]}, "
                f"{float(domain[missing[0]][1]):g}): a field on that boundary"
            )
        rate = solve_linear(e.lhs - e.rhs, sympy.Derivative(f, time))
        if rate is None:
            raise ModelError(f"the equation of {f} must be linear in D({time})({f}): write it as D({time})({f}) = ...")
        grid = f.func(*full_args)
        side = "min" if abs(value - lo) <= tol else "max"
        rate = _on_wall(rate, f, grid, var, value).subs(var, value)  # read on the wall
        wall = sympy.Eq(sympy.Derivative(grid, time).subs(var, value), rate)
        equations[mine[0]] = sympy.Eq(sympy.Derivative(grid, time), 0)  # the other rows idle
        lifted[f] = (grid, var, side, value, wall)
        own.add(mine[0])
    if not lifted:
        return tuple(equations), conditions, None
    for i, e in enumerate(equations):
        used = {n.func for n in sympy.preorder_traversal(e.lhs - e.rhs) if is_field(n)}
        for f, (_, var, side, value, _) in lifted.items():
            if i not in own and f.func in used:
                raise ModelError(
                    f"equation {i + 1} reads {f}, a field on the boundary {var} = {value:g}: it may be "
                    f"used there, in its own equation and in the conditions on that wall"
                )

    def move(c):
        for f, (grid, var, _, value, _) in lifted.items():
            if isinstance(c, sympy.Equality):
                funcs = {n.func for n in sympy.preorder_traversal(c) if is_field(n)}
                if f.func in funcs:
                    # beside other fields (u(t, x, 1) = h): on the wall; h's own conditions
                    # (h(t, 0) = 0, an end of the wall) hold along the whole edge
                    at = value if funcs - {f.func} else var
                    c = sympy.Eq(_on_wall(c.lhs, f, grid, var, at), _on_wall(c.rhs, f, grid, var, at))
            elif isinstance(c, (AbstractBoundaryCondition, Initial)) and getattr(c, "field", None) == f:
                c = replace(c, field=grid)
        return c

    conditions = tuple(move(c) for c in conditions) + tuple(w for *_, w in lifted.values())
    return tuple(equations), conditions, Surfaces({f: (g, var, side) for f, (g, var, side, _, _) in lifted.items()})


def _on_wall(expr, f, grid, var, value):
    """`expr` with boundary field f, generic or at points, read on the grid at `var` =
    `value`: h(t, x) -> h(t, x, 1), h(t, 0) -> h(t, 0, 1) (`value` may be `var` itself)."""
    def on_wall(n):
        given = iter(n.args)
        return grid.func(*(value if v == var else next(given) for v in grid.args))

    return expr.replace(lambda n: is_field(n) and n.func == f.func and len(n.args) == len(f.args), on_wall)
