"""Fields on separate 1-D domains joined by interface conditions, as MOL.jl writes them:

    c1 = sn.fields("c1", t, x1); c2 = sn.fields("c2", t, x2)
    domain = {t: (0, 1), x1: (0, 0.5), x2: (0.5, 1)}
    conditions: ..., sn.Eq(c1.subs(x1, 0.5), c2.subs(x2, 0.5)),            # continuity
                     sn.Eq((-D1 * c1.diff(x1)).subs(x1, 0.5),
                           (-D2 * c2.diff(x2)).subs(x2, 0.5))               # flux

Each block's variable is mapped affinely onto one shared coordinate s in [0, 1],
x = a + (b - a) s, or x = b - (b - a) s for a block whose orientation is reversed,
chosen so that the two ends an interface joins map to the same end of s. The blocks
then are fields on one axis, and an interface is a pair of ordinary boundary
equations coupling two fields at one wall, which the method of lines already solves
together (linear ones eliminated, nonlinear ones algebraic wall nodes). Derivatives
pick up the map's factor: d/dx = (+-1/(b - a)) d/ds.

An interface given by continuity alone also gets continuity of the first derivative
where both fields are second order in their variables: what MethodOfLines.jl's
stencils, which reach across the interface, imply.

Solutions show each field on its own variable (`sol.grid[x1]`, `sol[c1]` in x1's
order); the discretized problem holds the shared coordinate. Blocks whose nodes in s
differ (61 + 51 points, a Chebyshev block beside a geometric one) are discretized block
by block instead and joined by their interface values (solvers/_composite.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from ._conditions import AbstractBoundaryCondition, GeometricCondition, Initial, Periodic, _compact
from ._errors import ModelError
from ._expressions import declared_fields, is_field, nodes_outside, subs_parts
from ._grids import grid_points

__all__ = ["Blocks", "join_blocks"]


@dataclass(frozen=True)
class _Map:
    """x = lo + (hi - lo) s, or x = hi - (hi - lo) s when `flip`."""

    lo: float
    hi: float
    flip: bool

    @property
    def length(self) -> float:
        return self.hi - self.lo

    def x(self, s):
        return self.hi - self.length * s if self.flip else self.lo + self.length * s

    def s(self, x):
        return (self.hi - x) / self.length if self.flip else (x - self.lo) / self.length

    @property
    def scale(self):
        """d/dx = scale * d/ds."""
        return sympy.Integer(-1 if self.flip else 1) / _num(self.length)


@dataclass(frozen=True)
class Blocks:
    """How a system's 1-D blocks sit on the shared coordinate `s`: `maps` {x: _Map},
    `fields` {field as written, c(t, x): the field on s, c(t, s)}."""

    s: sympy.Symbol
    maps: dict
    fields: dict

    def __str__(self) -> str:
        def one(v, m):
            length = f"{m.length:g} {self.s}"
            where = f"{m.hi:g} - {length}" if m.flip else (f"{m.lo:g} + {length}" if m.lo else length)
            return f"{v} = {where}"
        return "; ".join(one(v, m) for v, m in self.maps.items())

    def variable(self, f):
        """The block variable of field `f` (as written or on s), or None."""
        for written, inner in self.fields.items():
            if f in (written, inner):
                return next(a for a in written.args if a in self.maps)
        return None

    def inner(self, f):
        """The field on s for a field as written (others unchanged)."""
        return self.fields.get(f, f)

    def view(self, f, values, axis: int):
        """Field `f`'s values in its own variable's increasing order."""
        v = self.variable(f)
        return np.flip(values, axis=axis) if v is not None and self.maps[v].flip else values

    def grid(self, s_nodes) -> dict:
        """{x: nodes} for every block variable."""
        s_nodes = np.asarray(s_nodes, dtype=float)
        return {v: np.sort(m.x(s_nodes)) for v, m in self.maps.items()}

    def _by_variable(self, grid: dict) -> dict:
        by_name = {str(v): v for v in self.maps}
        return {by_name.get(v, v) if isinstance(v, str) else v: spec for v, spec in grid.items()}

    def block_nodes(self, grid: dict) -> dict:
        """{x: its block's nodes in s} from the user's {x1: spec, x2: spec, ...}."""
        grid = self._by_variable(grid)
        from symnum._errors import DiscretizationError

        nodes = {}
        for v, m in self.maps.items():
            if v not in grid:
                raise DiscretizationError(
                    f"grid has no entry for {v}: the blocks {', '.join(map(str, self.maps))} "
                    f"each need one, e.g. grid={{{', '.join(f'{w}: 41' for w in self.maps)}}}"
                )
            nodes[v] = _s_nodes(v, grid[v], m)
        return nodes

    def shared(self, grid: dict) -> bool:
        """Whether the blocks' nodes map onto each other in s (then they are fields of one
        axis); otherwise each block is discretized on its own (solvers/_composite.py)."""
        grid = self._by_variable(grid)
        if self.s in grid or str(self.s) in grid:
            return True
        nodes = list(self.block_nodes(grid).values())
        ref = nodes[0]
        return all(len(s) == len(ref) and np.abs(s - ref).max() <= 1e-9 for s in nodes)

    def translate_grid(self, grid: dict) -> dict:
        """The user's {x1: spec, x2: spec, ...} as {s: spec}: every block gives the same
        nodes in s (`shared`)."""
        grid = self._by_variable(grid)
        if self.s in grid or str(self.s) in grid:
            return grid
        nodes = self.block_nodes(grid)
        for v in nodes:
            grid.pop(v)
        ref = next(iter(nodes.values()))
        uniform = np.abs(np.diff(ref) - np.diff(ref).mean()).max() <= 1e-12
        grid[self.s] = len(ref) if uniform else ref
        return grid


def _s_nodes(v, spec, m: _Map) -> np.ndarray:
    """Block variable v's grid (points, spacing or nodes, as for any variable) as nodes in s."""
    n, nodes = grid_points(v, spec, m.lo, m.hi, False)
    return np.linspace(0.0, 1.0, n) if nodes is None else np.sort(m.s(np.asarray(nodes)))


def _num(x):
    """A float as the exact rational it prints as (0.5 -> 1/2), so maps stay exact."""
    return sympy.nsimplify(x, rational=True)


def _spatial(f, time) -> tuple:
    return tuple(a for a in f.args if a != time)


def join_blocks(equations, conditions, domain: dict, time):
    """(equations, conditions, domain, Blocks) with every block's field moved onto the
    shared coordinate; unchanged, with None, when all fields share their variables."""
    declared = declared_fields(equations)
    widest = max((f.args for f in declared.values()), key=len, default=())
    if all(_subsequence(f.args, widest) for f in declared.values()):
        return equations, conditions, domain, None
    blocked = [f for f in declared.values() if _spatial(f, time)]
    for f in blocked:
        if len(_spatial(f, time)) != 1:
            raise ModelError(
                f"field {f} depends on {_spatial(f, time)} beside fields on other spatial variables: "
                f"fields on different variables are supported as 1-D blocks (each field on one "
                f"spatial variable, e.g. c1(t, x1) and c2(t, x2), joined by interface conditions)"
            )
    variables = list(dict.fromkeys(_spatial(f, time)[0] for f in blocked))
    for v in variables:
        if v not in domain:
            raise ModelError(f"the domain has no interval for {v}: add it, e.g. domain={{..., {v}: (0, 1)}}")
    for c in conditions:
        if isinstance(c, Periodic) and c.var in variables or isinstance(c, GeometricCondition):
            raise ModelError(
                f"{c}: fields on separate 1-D domains (blocks) take conditions at the ends of "
                f"their intervals (sn.Eq(...) at a point, Dirichlet/Neumann/Robin, interfaces); "
                f"periodic and geometric conditions are not supported for them"
            )
    var_of = {func: _spatial(f, time)[0] for func, f in declared.items() if _spatial(f, time)}
    for i, e in enumerate(equations):
        # a value at a point (Subs) whole: its field is not generic
        generic = {node for node in nodes_outside(e.lhs - e.rhs, lambda n: isinstance(n, sympy.Subs))
                   if is_field(node) and node.func in var_of and all(a.is_Symbol for a in node.args)}
        if len({var_of[f.func] for f in generic}) > 1:
            raise ModelError(
                f"equation {i + 1}, {_compact(e.lhs)} = {_compact(e.rhs)}, holds {', '.join(sorted(map(str, generic)))}: fields "
                f"on different spatial variables are 1-D blocks, and one block's equation may use another "
                f"block's field only at a point (c2.subs(x2, 1)); join blocks by interface conditions"
            )
    interfaces = _interfaces(conditions, var_of, domain, declared)
    flips = _orientations(variables, interfaces)
    s = _shared_symbol(equations, conditions, domain)
    maps = {v: _Map(float(domain[v][0]), float(domain[v][1]), flips[v]) for v in variables}
    conditions = list(conditions) + _implied_derivative_continuity(equations, conditions, interfaces, var_of)
    move = _Mover(s, maps, declared, var_of)
    equations = tuple(sympy.Eq(move(e.lhs), move(e.rhs), evaluate=False) for e in equations)
    conditions = tuple(move.condition(c) for c in conditions)
    domain = {k: iv for k, iv in domain.items() if k not in maps}
    domain[s] = (0.0, 1.0)
    fields = {f: move(f) for f in blocked}
    return equations, conditions, domain, Blocks(s, maps, fields)


def _shared_symbol(equations, conditions, domain) -> sympy.Symbol:
    """The shared coordinate: s, or s_, s__ ... where the model already names an s."""
    taken = {str(v) for v in domain}
    for e in list(equations) + [c for c in conditions if isinstance(c, sympy.Equality)]:
        taken |= {str(v) for v in (e.lhs - e.rhs).free_symbols}
    name = "s"
    while name in taken:
        name += "_"
    return sympy.Symbol(name, real=True)


def _subsequence(part: tuple, whole: tuple) -> bool:
    it = iter(whole)
    return all(v in it for v in part)


def _points(expr, var_of, declared) -> set:
    """{(block variable, point)} of every field value or derivative at a point in `expr`."""
    out = set()
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Subs):
            _, variables, point = subs_parts(node, declared)
            for v, p in zip(variables, point):
                if v in var_of.values():
                    out.add((v, p))
        elif is_field(node) and node.func in var_of:
            v = var_of[node.func]
            declared_pos = [i for i, a in enumerate(node.args) if not a.is_Symbol]
            for i in declared_pos:
                out.add((v, node.args[i]))
    return out


def _shown(p) -> str:
    return f"{float(p):g}" if p.is_number else str(p)


def _interfaces(conditions, var_of, domain, declared) -> list:
    """[((x1, end1), (x2, end2), condition)] for conditions joining two blocks' ends."""
    out = []
    for c in conditions:
        if not isinstance(c, sympy.Equality):
            continue
        points = _points(c.lhs - c.rhs, var_of, declared)
        blocks = {v for v, _ in points}
        if len(blocks) < 2:
            continue
        if len(blocks) > 2 or len(points) != 2:
            raise ModelError(
                f"the condition {c.lhs} = {c.rhs} holds fields at {sorted(map(str, points))}: an interface "
                f"condition joins one end of one block to one end of another"
            )
        ends = []
        for v, p in sorted(points, key=lambda vp: str(vp[0])):
            lo, hi = domain[v]
            if not p.is_number or min(abs(float(p) - lo), abs(float(p) - hi)) > 1e-12 * max(1.0, abs(hi - lo)):
                raise ModelError(
                    f"the condition {c.lhs} = {c.rhs} holds {v} = {_shown(p)}, which is not an end of {v}'s interval "
                    f"({lo:g}, {hi:g}): interfaces join the ends of blocks"
                )
            ends.append((v, "min" if abs(float(p) - lo) <= abs(float(p) - hi) else "max"))
        out.append((ends[0], ends[1], c))
    return out


def _orientations(variables, interfaces) -> dict:
    """{x: flip}: joined ends map onto the same end of s (a block joined to nothing
    keeps its orientation)."""
    flips: dict = {}
    for start in variables:
        if start in flips:
            continue
        flips[start] = False
        todo = [start]
        while todo:
            v = todo.pop()
            for (v1, e1), (v2, e2), c in interfaces:
                for (a, ea), (b, eb) in (((v1, e1), (v2, e2)), ((v2, e2), (v1, e1))):
                    if a != v:
                        continue
                    side_a = ea if not flips[a] else _other(ea)  # where a's end lands on s
                    flip_b = eb != side_a  # b's end must land there too
                    if b in flips and flips[b] != flip_b:
                        raise ModelError(
                            f"the interface {c.lhs} = {c.rhs} cannot be placed: its blocks' other interfaces "
                            f"already put the {eb} end of {b} at the other end of the shared "
                            f"axis (a ring of an odd number of blocks); join blocks in a chain"
                        )
                    if b not in flips:
                        flips[b] = flip_b
                        todo.append(b)
    return flips


def _other(side: str) -> str:
    return "max" if side == "min" else "min"


def _implied_derivative_continuity(equations, conditions, interfaces, var_of) -> list:
    """For an interface given only by continuity, c1 = c2 with both fields second order
    in their variables: c1' = c2' there too (MOL.jl's stencils across the interface)."""
    from ._system import derivative_orders  # _system imports this module

    orders = derivative_orders(e.lhs - e.rhs for e in equations)
    order_of = {f.func: o for f, o in orders.items()}
    by_ends: dict = {}
    for end1, end2, c in interfaces:
        by_ends.setdefault(frozenset((end1, end2)), []).append(c)
    extra = []
    for ends, given in by_ends.items():
        if len(given) != 1:
            continue
        c = given[0]
        values = [node for node in sympy.preorder_traversal(c.lhs - c.rhs) if is_field(node) and node.func in var_of]
        if len(values) != 2:
            continue
        f1, f2 = values
        diff = sympy.expand(c.lhs - c.rhs)
        if sympy.expand(diff - (f1 - f2)) != 0 and sympy.expand(diff + (f1 - f2)) != 0:
            continue  # not a plain continuity c1 = c2
        if any(order_of.get(f.func, {}).get(var_of[f.func], 0) != 2 for f in (f1, f2)):
            continue
        d1, d2 = (sympy.Subs(sympy.Derivative(_generic(f, var_of), var_of[f.func]), var_of[f.func],
                             f.args[[i for i, a in enumerate(f.args) if not a.is_Symbol][0]])
                  for f in (f1, f2))
        extra.append(sympy.Eq(d1, d2, evaluate=False))
    return extra


def _generic(f, var_of):
    """c1(t, 0.5) -> c1(t, x1)."""
    v = var_of[f.func]
    return f.func(*[v if not a.is_Symbol else a for a in f.args])


class _Mover:
    """Rewrites expressions and conditions from the blocks' variables onto s."""

    def __init__(self, s, maps, declared, var_of):
        self.s, self.maps, self.declared, self.var_of = s, maps, declared, var_of

    def __call__(self, e):
        e = sympy.sympify(e)
        if isinstance(e, sympy.Subs):
            inner, bound, at = subs_parts(e, self.declared)
            variables, points = [], []
            for v, p in zip(bound, at):
                if v in self.maps:
                    variables.append(self.s)
                    points.append(_num(self.maps[v].s(p)) if p.is_number else self(p))
                else:
                    variables.append(v)
                    points.append(p)
            # the map's factor outside, so u_x at a point stays a derivative at a point
            factor, inner = self(inner).as_coeff_Mul()
            return factor * sympy.Subs(inner, variables, points)
        if isinstance(e, sympy.Derivative):
            factor, counts = sympy.Integer(1), []
            for v, k in e.variable_count:
                if v in self.maps:
                    factor *= self.maps[v].scale ** k
                    counts.append((self.s, k))
                else:
                    counts.append((v, k))
            return factor * sympy.Derivative(self(e.expr), *counts)
        if is_field(e) and e.func in self.var_of:
            v = self.var_of[e.func]
            pos = self.declared[e.func].args.index(v)
            args = list(e.args)
            a = args[pos]
            if a == v:
                args[pos] = self.s
            elif a.is_number:
                args[pos] = _num(self.maps[v].s(a))
            else:
                raise ModelError(f"{e}: a field of a block takes its variable or a number there, got {a}")
            return e.func(*args)
        if e in self.maps:
            m = self.maps[e]
            return _num(m.hi) - _num(m.length) * self.s if m.flip else \
                _num(m.lo) + _num(m.length) * self.s
        if e.args and not e.is_Atom:
            return e.func(*[self(a) for a in e.args])
        return e

    def condition(self, c):
        if isinstance(c, sympy.Equality):
            return sympy.Eq(self(c.lhs), self(c.rhs), evaluate=False)
        if isinstance(c, Initial):
            return Initial(self(c.field), self(c.value))
        if isinstance(c, AbstractBoundaryCondition) and c.var in self.maps:
            from ._boundary_equations import as_equation

            lo, hi = self.maps[c.var].lo, self.maps[c.var].hi
            end = _num(lo if c.side == "min" else hi)
            expr = as_equation(c).expr
            at = expr.subs(c.var, end)
            return sympy.Eq(self(at), 0, evaluate=False)
        return c
