"""Method-of-lines discretization: `PDESystem` -> `StencilSystem`.

The result is a set of index-free templates, never one equation per grid
point: symbolic work depends on the stencil, not on the grid. A template is a
sympy expression over accesses `U[k, i_0 + a, i_1 + b]` (field k at an offset
from the node), spacings `h_x`, parameters and `t`.

Grids are vertex-centred: n points from lo to hi inclusive, or, along a
periodic variable, n points from lo with hi excluded. A non-periodic axis may
be non-uniform (given as its nodes): its templates then read the weights of
each derivative, and the coordinates, from a table indexed by node
(`h_x[row, i_0 + a]`, Fornberg weights on the actual nodes), which the kernels
take where a uniform axis passes its spacing, so the templates, and the
compiled kernels, still do not depend on the grid.

Boundaries. Along a non-periodic variable, a field with boundary conditions
there has its end nodes *eliminated*: their value is a formula of interior
values (Dirichlet: the value; Neumann/Robin: solved from a one-sided
derivative of the scheme's order), substituted wherever a stencil reaches
them, so the time-dependent right-hand side there is 0 and a steady
residual is `u - formula`. Nodes near a wall use shifted (one-sided)
Fornberg stencils of the same accuracy, so no ghost points are needed.
Along each non-periodic axis this makes regions: the two end nodes, H nodes
next to each end (H the stencil reach), and the interior; each region has its
own template, the interior one being the hot loop.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy

from symnum._conditions import Dirichlet, Neumann
from symnum._errors import DiscretizationError
from symnum._grids import grid_points
from symnum._expressions import is_field, is_point_derivative, is_point_value, point_derivative_parts, solve_linear
from symnum._system import ODESystem, PDESystem, derivative_orders

from ._fornberg import centered_offsets, fornberg_weights, fornberg_weights_at, one_sided_count

__all__ = ["Axis", "Region", "StencilSystem", "lower_to_stencils", "STATE"]

# The state array: STATE[k, i_0, i_1, ...] is field k at a grid node.
STATE = sympy.IndexedBase("U", real=True)
ORDERS = (1, 2, 4, 6, 8)  # 1: first-order upwind advection (advection="upwind" only)


@dataclass(frozen=True)
class FluxScheme:
    """The compact conservative scheme of D(x)(a D(x)(w)) at one order: the faces
    (face j between nodes j and j + 1) and their outer weights (times 1/h), the nodes
    around a face (offsets m from node j) with the half-offset derivative weights
    (times 1/h) and the interpolation weights to the face; `reach` the farthest node."""

    faces: tuple
    outer: tuple
    points: tuple
    derivative: tuple
    interpolate: tuple
    reach: int


_R = sympy.Rational
FLUX_SCHEMES = {
    2: FluxScheme((-1, 0), (-1, 1), (0, 1), (-1, 1), (_R(1, 2), _R(1, 2)), 1),
    4: FluxScheme((-2, -1, 0, 1), (_R(1, 24), _R(-27, 24), _R(27, 24), _R(-1, 24)), (-1, 0, 1, 2),
                  (_R(1, 24), _R(-27, 24), _R(27, 24), _R(-1, 24)), (_R(-1, 16), _R(9, 16), _R(9, 16), _R(-1, 16)), 3),
}


@dataclass(frozen=True)
class Axis:
    """One spatial variable's grid."""

    var: sympy.Symbol
    index: sympy.Symbol  # the loop index i_a
    spacing: sympy.Symbol  # h_a, a kernel argument
    n: int
    lo: float
    hi: float
    periodic: bool
    nodes: tuple | None = None  # a non-uniform grid's coordinates; None: uniform
    size: sympy.Symbol | None = None  # the kernels' node count n_a (templates read it for wrapped table columns)

    @property
    def uniform(self) -> bool:
        return self.nodes is None

    @property
    def h(self) -> float:
        """The spacing of a uniform grid (of a non-uniform one: the mean spacing)."""
        return (self.hi - self.lo) / (self.n if self.periodic else self.n - 1)

    @property
    def coords(self) -> np.ndarray:
        if self.nodes is not None:
            return np.array(self.nodes)
        return self.lo + self.h * np.arange(self.n)

    @property
    def table(self):
        """A non-uniform axis's table base: row 0 its coordinates, then the Fornberg
        weights of each (derivative order, window) at every node (`_Lowering.node_weights`);
        the kernels get the table where a uniform axis passes its spacing."""
        return sympy.IndexedBase(self.spacing)

    @property
    def shift(self):
        """The table column of node 0: n along a periodic non-uniform axis, whose table
        holds three periods of columns (`weight_table`), so that a neighbour across the
        seam reads its column, i + off + n, without a modulo; 0 otherwise. The kernels'
        n_a, not the number, so one compiled kernel serves every grid of the system."""
        return self.size if self.periodic and self.nodes is not None else 0

    def column(self, node):
        """The table column of the node with index `node` (an index expression)."""
        return node + self.shift


@dataclass(frozen=True)
class Region:
    """Nodes that share one template. `position[a]` is ("lo", r) for the node r
    from the lower end of axis a, ("hi", r) from the upper end, or ("mid",) for
    the interior. `exprs[k]` is field k's right-hand side (or steady residual),
    or, where `eliminated[k]`, its boundary formula."""

    position: tuple
    exprs: tuple
    eliminated: tuple
    algebraic: tuple = ()  # per field: the node holds an algebraic boundary equation (mass 0)

    def is_algebraic(self, k) -> bool:
        return bool(self.algebraic) and self.algebraic[k]


@dataclass(frozen=True)
class _Lowered:
    """Regions already lowered, as a `lower_regions` callable."""

    regions: tuple

    def __call__(self):
        return self.regions


@dataclass(frozen=True)
class StencilSystem:
    """The discretized system: one template per region and field. `edges` holds the
    interior and the regions near one wall only (every one-sided window and wall
    formula there is); `regions`, all (2 H + 3)^d of them, is lowered on first use:
    the walled Numba kernel needs only the edges (the 1331 regions of a 3-D order-4
    system took 2.5 s to lower)."""

    system: PDESystem
    axes: tuple[Axis, ...]
    fields: tuple
    edges: tuple[Region, ...]
    reach: tuple[int, ...]
    order: int
    steady: bool
    time: sympy.Symbol
    params: tuple
    advection: str = "central"
    depth: tuple = ()  # `_wall_depth` of the regions, computed once by lower_to_stencils
    # per axis: a non-uniform axis's table (coordinates and weights per node), else None;
    # and per non-uniform axis the rows of its table (`_Lowering.rows`)
    tables: tuple = field(default=(), compare=False)
    rows: dict = field(default_factory=dict, compare=False)
    # global terms (integrals, point values): their symbols g_k (the last of `params`:
    # the kernels take them as parameters, computed from the state before each call)
    # and, per region, the weighted templates whose sum over the grid is each g_k
    globals: tuple = ()
    integrands: tuple = ()
    integral_terms: tuple = ()  # the sympy Integrals and point values u(t, 0), as `globals` names them
    lower_regions: object = field(default=None, compare=False, repr=False)  # () -> every region

    @functools.cached_property
    def regions(self) -> tuple[Region, ...]:
        return tuple(self.lower_regions())

    def __getstate__(self):
        # pickled with every region lowered (the lowering closure does not pickle)
        return {**self.__dict__, "lower_regions": _Lowered(self.regions)}

    @property
    def base_params(self) -> tuple:
        """The system's parameters (`params` without the global terms)."""
        return self.params[:len(self.params) - len(self.globals)]

    @property
    def spacing_args(self) -> tuple:
        """The kernels' arguments after the parameters, per axis: a uniform axis's
        spacing, a non-uniform axis's table."""
        tables = self.tables or (None,) * len(self.axes)
        return tuple(a.h if tab is None else tab for a, tab in zip(self.axes, tables))

    def lowering(self) -> "_Lowering":
        """The finite-difference rules these templates were made with (windows,
        weights, boundary formulas), for generators that apply them generically."""
        low = _Lowering(self.system, self.axes, self.order, self.advection)
        # the tables are built: a generator may read their rows, never add one
        low.rows, low.frozen = {a: dict(r) for a, r in self.rows.items()}, True
        low.globals = dict(zip(self.integral_terms, self.globals))
        return low

    @property
    def targets(self) -> list:
        """What the templates discretize, per field: the right-hand sides, or the
        steady residuals."""
        return _targets(self.system)

    @property
    def wall_depth(self) -> tuple:
        """Per axis: the farthest node from a wall that a template near it reads
        (at least the interior reach)."""
        depth = self.depth or _wall_depth(self.axes, self.edges)
        return tuple(max(r, d) for r, d in zip(self.reach, depth))

    @property
    def interior(self) -> Region:
        return next(r for r in self.edges if all(p == ("mid",) for p in r.position))

    @property
    def invariant(self) -> frozenset:
        """Symbols that are constant over a kernel call (loop invariants)."""
        return frozenset(self.params) | {a.spacing for a in self.axes} | {self.time}

    def __str__(self) -> str:
        lines = [
            f"StencilSystem of {self.system.name!r}: order {self.order}, "
            f"{len(self.regions)} regions, grid "
            + " x ".join(f"{a.n}{' (periodic)' if a.periodic else ''}" for a in self.axes)
        ]
        for k, f in enumerate(self.fields):
            lines.append(f"  interior d{f.func}/dt = {self.interior.exprs[k]}")
        return "\n".join(lines)


class _Lowering:
    """Applies finite differences to symbolic expressions at one region."""

    def __init__(self, system, axes, order, advection="central"):
        self.upwind = advection in ("upwind", "weno")
        self.weno = advection == "weno"
        self.system = system
        self.axes = axes
        self.order = order
        # order 1 is first-order upwinding of advection; every other stencil
        # (centered, one-sided at walls) is then of order 2
        self.central = max(order, 2)
        self.axis_of = {a.var: n for n, a in enumerate(axes)}
        self.field_index = {f: k for k, f in enumerate(system.fields)}
        self.bcs = system.boundary  # (field, var, side) -> condition, or a tuple of BoundaryEquations
        self.time = system.time if system.time is not None else sympy.Symbol("t", real=True)
        self.walls = {(a, side): _Wall.plan(self, a, side)
                      for a, axis in enumerate(axes) if not axis.periodic for side in ("min", "max")}
        self._solving = None  # (axis, side, end offsets, unknowns) while solving a wall's equations
        self._wall_coordinate = {}  # axis -> the wall's coordinate while lowering a condition there
        self._solutions: dict = {}
        # non-uniform axes: table row of each (derivative order, window)'s first weight
        self.rows: dict = {a: {} for a, axis in enumerate(axes) if not axis.uniform}
        self.frozen = False
        self.globals: dict = {}  # an integral term -> its symbol g_k
        self.space_order = space_orders(system, [axis.var for axis in axes])

    # -- positions ----------------------------------------------------------------

    def _from_end(self, a, pos, off):
        """(side, distance from that end) of a node near an end, or None in the interior."""
        if pos[0] == "lo":
            return "min", pos[1] + off
        if pos[0] == "hi":
            return "max", pos[1] - off
        return None

    def _window(self, a, pos, off, d, bias=0):
        axis = self.axes[a]
        if bias:
            # upwind-biased, p + 1 points leaning to the side the flow comes from:
            # [-2, 0] for p = 2, [-3, 1] for p = 4 (fully one-sided windows of
            # higher order are unstable)
            p = self.order
            lo = -(p // 2 + 1)
            window = range(lo, lo + p + 1)
            centered = tuple(window) if bias < 0 else tuple(-o for o in reversed(window))
        else:
            centered = centered_offsets(d, self.central)
        near = None if axis.periodic else self._from_end(a, pos, off)
        if near is None:
            return centered
        side, m = near
        if m < 0:
            raise AssertionError("stencil reached past a wall")
        reach_toward = -centered[0] if side == "min" else centered[-1]
        if m >= reach_toward:
            return centered
        accuracy = self.order if bias else self.central
        if a in self._wall_coordinate:
            accuracy = condition_accuracy(accuracy, self.space_order[a], d)
        count = one_sided_count(d, accuracy)
        if side == "min":
            return tuple(range(-m, -m + count))
        return tuple(range(m - count + 1, m + 1))

    # -- leaves -------------------------------------------------------------------

    def coordinate(self, a, off):
        axis = self.axes[a]
        if not axis.uniform:
            return axis.table[0, axis.column(axis.index + off)]
        return sympy.Float(axis.lo) + (axis.index + off) * axis.spacing

    def global_template(self, g, pos):
        """What region `pos` adds to the global term g (`lower_to_stencils` sums it over
        the grid): an integral's integrand times the node's quadrature weight; a point
        value's field times the node's interpolation weight (`point_weights`: 1 at the
        point's own node, the wall value the conditions give at an end), 0 elsewhere."""
        zero = (0,) * len(self.axes)
        if isinstance(g, sympy.Integral):
            limits = {v: (float(lo), float(hi)) for v, lo, hi in g.limits}
            w = sympy.Mul(*(self.quadrature_weight(a, p, limits.get(self.axes[a].var)) for a, p in enumerate(pos)))
            return w * self.lower(g.function, pos, zero)
        if isinstance(g, sympy.Subs):  # a derivative at a point, u_x(t, 0)
            field, counts, at = point_derivative_parts(g, self.system.fields)
        else:
            field, counts = next(f for f in self.system.fields if f.func == g.func), {}
            at = dict(zip(field.args, g.args))
        weight = sympy.Integer(1)
        for a, axis in enumerate(self.axes):
            value = float(at[axis.var])
            weights = self.point_weights(a, value, int(counts.get(axis.var, 0)))
            p = pos[a]
            if p[0] == "mid":  # the interior's loop visits every node: the point's own weights
                w = sympy.Piecewise(*((c, sympy.Eq(axis.index, i)) for i, c in weights.items()), (0, True))
            else:
                w = weights.get(p[1] if p[0] == "lo" else axis.n - 1 - p[1], 0)
            if w == 0:
                return sympy.Integer(0)
            weight *= w
        return weight * self.access(self.field_index[field], pos, zero)

    def point_weights(self, a, value, d: int = 0) -> dict:
        """{node index: weight} giving a field's value (its d-th derivative) at `value`
        on axis a: the node's own value on a node; between nodes the Lagrange
        interpolant through the scheme's order + 1 nearest nodes (so the value is as
        accurate as the scheme); a derivative from the d + order nearest nodes (one-sided
        at a wall, as accurate as the scheme)."""
        axis = self.axes[a]
        x = axis.coords
        if axis.periodic:  # the nearest nodes around the point, indices wrapped
            period, n = axis.hi - axis.lo, axis.n
            value = axis.lo + (value - axis.lo) % period
            wide = np.concatenate([x - period, x, x + period])  # node j - n .. 2n - 1
            m = d + max(2, self.central) + (1 if d == 0 else 0)
            near = int(np.argmin(np.abs(wide - value)))
            if d == 0 and abs(wide[near] - value) <= 1e-12 * max(1.0, abs(value)):
                return {near % n: sympy.Integer(1)}
            # the m nodes centred on the point (odd m: around its nearest node)
            start = int(np.searchsorted(wide, value)) - (m + 1) // 2 if m % 2 == 0 else near - (m - 1) // 2
            w = fornberg_weights_at(wide[start:start + m], d, value)
            out: dict = {}
            for i, c in enumerate(w):
                out[(start + i) % n] = out.get((start + i) % n, 0) + sympy.Float(c)
            return out
        near = int(np.argmin(np.abs(x - value)))
        if d == 0 and abs(x[near] - value) <= 1e-12 * max(1.0, abs(value)):
            return {near: sympy.Integer(1)}
        m = min(len(x), d + max(2, self.central) + (1 if d == 0 else 0))
        start = min(max(int(np.searchsorted(x, value)) - (m + 1) // 2, 0), len(x) - m)
        w = fornberg_weights_at(x[start:start + m], d, value)
        return {start + i: sympy.Float(c) for i, c in enumerate(w)}

    def quadrature_weight(self, a, p, limits=None):
        """The quadrature weight of the nodes at position p along axis a: the
        trapezoid rule at order 2, Gregory's fourth-order end corrections (3/8, 7/6,
        23/24, then 1) above; times the spacing. Periodic: the spacing (trapezoid on a
        periodic function, spectrally accurate). Non-uniform: per node, the trapezoid
        rule's or the piecewise cubic interpolant's weights (`quadrature_weights`);
        periodic and non-uniform: the trapezoid rule on the circle (order 2). Over
        `limits` (lo, hi) inside the axis: `sub_quadrature_weights`, the nodes near the
        limits by number, those between keeping the whole rule's weight."""
        axis = self.axes[a]
        order = 2 if self.central == 2 else 4
        tol = 1e-12 * max(1.0, abs(axis.lo), abs(axis.hi))
        if limits is not None and (abs(limits[0] - axis.lo) > tol or abs(limits[1] - axis.hi) > tol):
            return self._part_weight(a, p, limits, order)
        if not axis.uniform:  # the node's own weight, from the axis's table (`quadrature_weights`)
            return axis.table[self.weight_row(a, f"quadrature{order}", (0,)), axis.column(axis.index)]
        ends = QUADRATURE_ENDS[order]
        c = 1
        if not axis.periodic and p != ("mid",) and p[1] < len(ends):
            c = ends[p[1]]
        return c * axis.spacing

    def _part_weight(self, a, p, limits, order):
        """`quadrature_weight` over part of axis a: the near-wall positions' own numbers;
        in the interior a Piecewise in the loop index, the nodes near the limits by
        number and the run between them the whole rule's weight."""
        axis = self.axes[a]
        if axis.periodic:
            raise DiscretizationError(
                f"an integral over {axis.var} from {limits[0]:g} to {limits[1]:g}, part of a periodic axis: "
                f"integrate over the whole period, or make {axis.var} non-periodic")
        w = sub_quadrature_weights(axis.coords, *limits, order)
        if p != ("mid",):
            return sympy.Float(w[p[1] if p[0] == "lo" else axis.n - 1 - p[1]])
        whole = quadrature_weights(axis.coords, order) if not axis.uniform else np.full(axis.n, axis.h)
        same = np.flatnonzero(np.abs(w - whole) <= 1e-12 * np.abs(whole))
        k_lo, k_hi = (int(same[0]), int(same[-1]) + 1) if len(same) else (0, 0)
        if len(same) and not np.all(np.diff(same) == 1):
            k_lo = k_hi = 0  # no single run: every node by number
        i = axis.index
        pieces = [(sympy.Float(w[k]), sympy.Eq(i, k)) for k in np.flatnonzero(w) if not k_lo <= k < k_hi]
        if k_hi > k_lo:
            pieces.append((self.quadrature_weight(a, p), sympy.And(i >= k_lo, i < k_hi)))
        return sympy.Piecewise(*pieces, (0, True))

    def node_weights(self, a, d, window, node) -> list:
        """A non-uniform axis's weights of the d-th derivative on `window` (offsets)
        at the node with index `node` (an index expression; -1 is the last node):
        entries of the axis's table, whose values `weight_table` computes per node."""
        axis = self.axes[a]
        row, column = self.weight_row(a, d, window), axis.column(node)
        return [axis.table[row + k, column] for k in range(len(window))]

    def weight_row(self, a, d, window) -> int:
        """The table row of the first weight of (d, window) on non-uniform axis a."""
        rows = self.rows[a]
        key = (d, tuple(window))
        if key not in rows:
            if self.frozen:
                raise AssertionError(f"no table rows for derivative {d} on window {window} of axis {a}")
            rows[key] = 1 + sum(len(w) for _, w in rows)
        return rows[key]

    def access(self, k, pos, offs):
        for a, axis in enumerate(self.axes):
            if axis.periodic:
                continue
            near = self._from_end(a, pos[a], offs[a])
            if near is None:
                continue
            side, j = near
            if self._solving is not None and self._solving[:2] == (a, side):
                unknown = self._unknown(k, a, j, offs)
                if unknown is not None:
                    return unknown
            if j < self.walls[(a, side)].eliminated.get(k, 0):
                return self.eliminated_value(k, a, side, j, pos, offs)
        idx = [axis.index + o for axis, o in zip(self.axes, offs)]
        return STATE[(k, *idx)]

    def _unknown(self, k, a, j, offs):
        """While solving a wall's equations: the unknown for field k's node j from the
        wall on the line being solved (None for a node that is not one)."""
        _, side, end, unknowns = self._solving
        if (k, j) not in unknowns:
            return None
        if any(o != e for b, (o, e) in enumerate(zip(offs, end)) if b != a):
            raise DiscretizationError(
                f"a boundary equation on the {side!r} side of {self.axes[a].var} differentiates "
                f"{self.system.fields[k]} along the wall, where its values are eliminated by that "
                f"side's equations: tangential derivatives of an eliminated field are not supported; "
                f"write the condition without them"
            )
        return unknowns[(k, j)]

    def eliminated_value(self, k, a, side, j, pos, offs):
        """Field k at node j from the `side` wall of axis a (offsets `offs` from the
        template's node), from its condition(s)."""
        wall = self.walls[(a, side)]
        if k in wall.shorthand:
            return self.boundary_value(k, a, side, pos, offs)
        return self.wall_solution(a, side, pos, _shift(offs, a, -j if side == "min" else j))[(k, j)]

    def wall_solution(self, a, side, pos, end):
        """{(k, j): value} of every node the wall's linear boundary equations eliminate,
        on the line through the wall node at offsets `end`: the equations lowered at the
        wall node (one-sided stencils) and solved together (they may couple fields)."""
        key = (a, side, pos, end)
        if key not in self._solutions:
            wall = self.walls[(a, side)]
            unknowns = {(k, j): sympy.Dummy(f"w{k}_{j}") for k, m in wall.eliminated.items()
                        if k not in wall.shorthand for j in range(m)}
            eqs = [self.at_wall(e, a, side, pos, end, unknowns) for _, _, e in wall.linear]
            symbols = list(unknowns.values())
            A, b = sympy.linear_eq_to_matrix(eqs, symbols)
            if A.det() == 0:
                raise DiscretizationError(
                    f"the boundary equations on the {side!r} side of {self.axes[a].var} "
                    f"({'; '.join(str(c) for c, _, _ in wall.linear)}) do not determine the wall "
                    f"values of {sorted({str(self.system.fields[k]) for k, _ in unknowns})} at order "
                    f"{self.order}: check that they are independent"
                )
            x = A.LUsolve(b) if len(symbols) > 1 else [b[0] / A[0, 0]]
            self._solutions[key] = {kj: sympy.sympify(v) for kj, v in zip(unknowns, x)}
        return self._solutions[key]

    def at_wall(self, e, a, side, pos, end, unknowns=None):
        """Condition expression `e` lowered at the wall node at offsets `end`; with
        `unknowns`, the wall's eliminated nodes on that line are those symbols."""
        saved = self._solving
        self._solving = (a, side, end, unknowns) if unknowns else None
        try:
            with self.condition(a, side):
                return self.lower(e, pos, end)
        finally:
            self._solving = saved

    @contextlib.contextmanager
    def condition(self, a, side):
        """Lowering a boundary condition of the `side` wall of axis a: the wall's
        coordinate for its variable, one-sided stencils of raised accuracy along it
        (`_window`), no upwinding."""
        saved = self._wall_coordinate, self.upwind
        axis = self.axes[a]
        self._wall_coordinate = {**self._wall_coordinate, a: sympy.Float(axis.lo if side == "min" else axis.hi)}
        self.upwind = False
        try:
            yield
        finally:
            self._wall_coordinate, self.upwind = saved

    def boundary_value(self, k, a, side, pos, offs):
        """Field k at the end node of axis a, from its boundary condition."""
        axis = self.axes[a]
        at = {v: self.coordinate(b, offs[b]) for b, v in enumerate(ax.var for ax in self.axes)}
        at[axis.var] = sympy.Float(axis.lo if side == "min" else axis.hi)

        def inward(s):
            return self.access(k, pos, _shift(offs, a, s))

        return self.wall_formula(k, a, side, at, inward)

    def wall_formula(self, k, a, side, at, inward):
        """Field k's value at the end node of axis a from its condition: `at` maps
        the variables to the node's coordinates, `inward(s)` is field k s nodes along
        the axis (s < 0 from the upper end). Dirichlet: the value; Neumann/Robin:
        solved from a one-sided derivative of the scheme's order."""
        axis = self.axes[a]
        bc = self.walls[(a, side)].shorthand[k]
        value = bc.value.xreplace(at)
        if isinstance(bc, Dirichlet):
            return value
        count = one_sided_count(1, self.central)
        steps = range(count) if side == "min" else range(0, -count, -1)
        sign = -1 if side == "min" else 1  # outward normal
        if axis.uniform:
            w = [sympy.Rational(wk) for wk in fornberg_weights(tuple(steps), 1)]
            dn_coeff = sign / axis.spacing
        else:  # the weights at the wall node (index 0, or -1: the last) include 1/h
            w = self.node_weights(a, 1, steps, 0 if side == "min" else -1)
            dn_coeff = sign
        others = sum(wk * inward(s) for s, wk in zip(steps, w) if s != 0)
        if isinstance(bc, Neumann):
            a_coef, b_coef = sympy.Integer(0), sympy.Integer(1)
        else:
            a_coef, b_coef = bc.a.xreplace(at), bc.b.xreplace(at)
        # a u0 + b sign/h (w0 u0 + others) = value
        return (value - b_coef * dn_coeff * others) / (a_coef + b_coef * dn_coeff * w[0])

    def wall_node(self, k, pos):
        """(kind, expression) of field k at the region node `pos` when a boundary
        condition decides it: ("eliminated", its value), ("algebraic", the residual of
        its equation), ("dynamic", its right-hand side); (None, None) otherwise. At a
        corner an elimination decides (a node whose value is a formula is no unknown),
        then the first axis."""
        zero = (0,) * len(self.axes)
        ends = [(a, "min" if p[0] == "lo" else "max", p[1]) for a, p in enumerate(pos) if p[0] in ("lo", "hi")]
        for a, side, j in ends:
            if j < self.walls[(a, side)].eliminated.get(k, 0):
                return "eliminated", self.eliminated_value(k, a, side, j, pos, zero)
        for a, side, j in ends:
            wall = self.walls[(a, side)]
            if j == 0 and k in wall.dynamic:
                return "dynamic", self.at_wall(wall.dynamic[k], a, side, pos, zero)
            if j < len(wall.algebraic.get(k, ())):
                end = _shift(zero, a, -j if side == "min" else j)
                return "algebraic", self.at_wall(wall.algebraic[k][j], a, side, pos, end)
        return None, None

    # -- expressions --------------------------------------------------------------

    def lower(self, e, pos, offs):
        if isinstance(e, sympy.Integral) or is_point_value(e) or is_point_derivative(e):
            # an integral term or a field's value at a boundary point: a number per kernel
            # call, the same at every node (`global_template` computes it)
            if e not in self.globals:
                self.globals[e] = sympy.Symbol(f"g_{len(self.globals)}", real=True)
            return self.globals[e]
        if is_field(e):
            return self.access(self.field_index[e], pos, offs)
        flux = self.flux_form(e)
        if flux is not None:
            a, coef, inner = flux
            near = None if self.axes[a].periodic else self._from_end(a, pos[a], offs[a])
            # nodes whose faces would reach past the wall keep the one-sided nesting
            if near is None or near[1] >= FLUX_SCHEMES[self.central].reach:
                return self.compact_flux(a, coef, inner, pos, offs)
        term = self.upwind_term(e)
        if term is not None:
            coef, d = term
            a = self.axis_of.get(d.variable_count[0][0])
            near = None if a is None or self.axes[a].periodic else self._from_end(a, pos[a], offs[a])
            if self.weno and a is not None and (near is None or near[1] >= WENO_REACH):
                back, fwd = (self.weno_derivative(a, d.expr, pos, offs, s) for s in (1, -1))
            else:  # upwind-biased stencils (also WENO's fallback where its stencil would pass a wall)
                back, fwd = (self.lower_derivative(d, pos, offs, bias=b) for b in (-1, 1))
            return self.upwinded(self.lower(coef, pos, offs), back, fwd)
        if isinstance(e, sympy.Derivative):
            return self.lower_derivative(e, pos, offs)
        if e.is_Symbol and e in self.axis_of:
            a = self.axis_of[e]
            if a in self._wall_coordinate:
                return self._wall_coordinate[a]
            return self.coordinate(a, offs[a])
        if e.is_Atom:
            return e
        return e.func(*(self.lower(x, pos, offs) for x in e.args))

    def upwind_term(self, e):
        """(coefficient, first derivative) when upwinding applies to `e`: a product
        with exactly one first-derivative factor (or that derivative alone)."""
        if not self.upwind or not (e.is_Mul or _is_first_derivative(e)):
            return None
        factors = sympy.Mul.make_args(e)
        ds = [f for f in factors if _is_first_derivative(f)]
        if len(ds) != 1:
            return None
        return sympy.Mul(*(f for f in factors if f is not ds[0])), ds[0]

    def weno_derivative(self, a, w, pos, offs, flow):
        """w_x by fifth-order WENO (Jiang and Shu): (w_{i+1/2} - w_{i-1/2}) / h with each
        face value reconstructed from the five nodes on the side the flow comes from
        (`flow` = +1: from the left), weighted by smoothness, so a front stays sharp
        without the oscillations of a fixed stencil."""

        def at(s):
            return self.lower(w, pos, _shift(offs, a, s))

        values = {s: at(s) for s in range(-3, 4)}
        # the face i + 1/2 from (i-2 .. i+2) for a flow from the left; mirrored from the right
        up = _weno5(*(values[flow * s + (0 if flow > 0 else 1)] for s in (-2, -1, 0, 1, 2)))
        down = _weno5(*(values[flow * s + (-1 if flow > 0 else 0)] for s in (-2, -1, 0, 1, 2)))
        return (up - down) / self.axes[a].spacing

    def upwinded(self, coef, back, fwd):
        """coef * (backward or forward difference) by the flow's direction: the
        velocity a of u_t + a u_x = 0 is -coef in a right-hand side, +coef in a
        steady residual; backward differences when a > 0."""
        a = -coef if self.system.time is not None else coef
        return sympy.Piecewise((coef * back, a > 0), (coef * fwd, True))

    def flux_form(self, e):
        """(axis, a, w) when `e` is D(x)(a * D(x)(w)) and the scheme is of order 2 (1
        with upwinding) or 4, else None. Such a term gets the compact conservative
        scheme: fluxes F = a * w_x at the faces between nodes (w_x by half-offset
        differences, a of the fields interpolated to the face), differenced across the
        node's faces. Order 2: [F_{i+1/2} - F_{i-1/2}] / h, F_{i+1/2} = a_{i+1/2} (w_{i+1}
        - w_i) / h, reach 1 where nesting two first-derivative stencils reaches 2 (and
        decouples odd and even nodes); order 4: four faces, reach 3 (nested: 4). On a
        non-uniform axis the faces sit midway between nodes, each face's derivative and
        interpolation the Fornberg weights there and the difference across faces the
        derivative at the node from the face points (order 2: [F_{i+1/2} - F_{i-1/2}] /
        (x_{i+1/2} - x_{i-1/2}), which telescopes: conservative)."""
        if self.central not in FLUX_SCHEMES or not _is_first_derivative(e):
            return None
        v = e.variable_count[0][0]
        if v not in self.axis_of:
            return None
        factors = sympy.Mul.make_args(e.expr)
        ds = [f for f in factors if _is_first_derivative(f) and f.variable_count[0][0] == v]
        if len(ds) != 1:
            return None
        coef = sympy.Mul(*(f for f in factors if f is not ds[0]))
        return self.axis_of[v], coef, ds[0].expr

    def compact_flux(self, a, coef, inner, pos, offs):
        scheme = FLUX_SCHEMES[self.central]

        def at(expr, s):
            return self.lower(expr, pos, _shift(offs, a, s))

        outer, grads, scale = self.flux_weights(a, axis_node=self.axes[a].index + offs[a])
        total = 0
        for j, wj, gw in zip(scheme.faces, outer, grads):  # the face between nodes j and j + 1
            grad = sum(wm * at(inner, j + m) for m, wm in zip(scheme.points, gw))
            total += wj * self.face_value(a, coef, pos, offs, j) * grad
        return total * scale

    def flux_weights(self, a, axis_node=None, weights=None):
        """(outer weights over the faces, each face's derivative weights, the factor of
        the sum) of the compact flux scheme along axis a: the scheme's own and 1/h^2 on a
        uniform axis; on a non-uniform one the node's entries of the table (faces midway
        between nodes), through `weights(d, window)` (default: `node_weights` at
        `axis_node`), and 1."""
        scheme = FLUX_SCHEMES[self.central]
        axis = self.axes[a]
        if axis.uniform:
            return scheme.outer, [scheme.derivative] * len(scheme.faces), 1 / axis.spacing**2
        if weights is None:
            def weights(d, window):
                return self.node_weights(a, d, window, axis_node)
        return (weights("outer", scheme.faces), [weights(("face", 1, j), scheme.points) for j in scheme.faces],
                sympy.Integer(1))

    def face_value(self, a, coef, pos, offs, j):
        """The flux coefficient at the face between nodes j and j + 1 (offsets from the
        template's node) along axis a: the coefficient of the fields (and coordinate)
        interpolated to the face, a(u_{j+1/2}), as MOL.jl and the finite-volume
        literature take it (it follows a coefficient that varies by orders of magnitude
        between two nodes, near a pole, where the mean of the node values does not); a
        coefficient with derivatives: its node values interpolated."""
        scheme = FLUX_SCHEMES[self.central]
        axis = self.axes[a]
        weights = (scheme.interpolate if axis.uniform else
                   self.node_weights(a, ("face", 0, j), scheme.points, axis.index + offs[a]))

        def interpolated(q):
            total = 0
            for m, wm in zip(scheme.points, weights):
                total += wm * self.lower(q, pos, _shift(offs, a, j + m))
            return total

        if coef.atoms(sympy.Derivative):
            return interpolated(coef)
        leaves = [f for f in coef.atoms(sympy.core.function.AppliedUndef) if is_field(f)]
        leaves += [v for v in coef.free_symbols if v in self.axis_of]
        marks = {q: sympy.Dummy() for q in leaves}
        face = {marks[q]: interpolated(q) for q in leaves}
        return self.lower(coef.xreplace(marks), pos, offs).xreplace(face)

    def lower_derivative(self, e, pos, offs, bias=0):
        """Finite differences for `e` = Derivative(...): the first variable's
        stencil applied to the rest (nested/mixed derivatives compose)."""
        (v, d), rest = e.variable_count[0], e.variable_count[1:]
        inner = sympy.Derivative(e.expr, *rest) if rest else e.expr
        if v not in self.axis_of:
            raise DiscretizationError(
                f"cannot discretize {e}: {v} is not a spatial variable of the grid "
                f"({', '.join(str(a.var) for a in self.axes)})"
            )
        a = self.axis_of[v]
        d = int(d)
        window = self._window(a, pos[a], offs[a], d, bias if not rest else 0)
        axis = self.axes[a]
        if not axis.uniform:  # the weights at this node, from the axis's table
            weights = self.node_weights(a, d, window, axis.index + offs[a])
            return sum(w * self.lower(inner, pos, _shift(offs, a, s)) for s, w in zip(window, weights))
        weights = fornberg_weights(window, d)
        total = 0
        for s, w in zip(window, weights):
            if w == 0:
                continue
            total += sympy.Rational(w) * self.lower(inner, pos, _shift(offs, a, s))
        return total / axis.spacing ** d


@dataclass
class _Wall:
    """What one side of one axis does with its conditions, per field index k:
    `shorthand[k]` a Dirichlet/Neumann/Robin given alone (its node eliminated by
    `wall_formula`); `eliminated[k]` how many nodes from the wall are eliminated;
    `linear` the (condition, k, generic expr) of the boundary equations solved for
    the eliminated nodes together; `algebraic[k]` the residuals (nonlinear
    equations) held by nodes 0, 1, ... of field k; `dynamic[k]` the evolution
    equation (right-hand side) of field k's wall node."""

    shorthand: dict
    eliminated: dict
    linear: list
    algebraic: dict
    dynamic: dict

    @classmethod
    def plan(cls, low, a, side):
        var = low.axes[a].var
        shorthand, general = {}, {}
        for k, f in enumerate(low.system.fields):
            c = low.bcs.get((f, var, side))
            if c is None:
                continue
            if isinstance(c, tuple):
                general[k] = c
            else:
                shorthand[k] = c
        dynamic = {}
        for k, cs in list(general.items()):
            if cs[0].dynamic:
                del general[k]
                dynamic[k] = solve_linear(cs[0].expr, sympy.Derivative(cs[0].field, low.time))
        # fields whose equations are linear in the wall values of the fields eliminated
        # together (found by shrinking: a nonlinear field's nodes become algebraic)
        linear = set(general)
        while True:
            keep = {k for k in linear if all(_is_linear(c.expr, [low.system.fields[q] for q in linear], var)
                                             for c in general[k])}
            if keep == linear:
                break
            linear = keep
        eliminated = {k: 1 for k in shorthand}
        eliminated.update({k: len(general[k]) for k in linear})
        return cls(
            shorthand,
            eliminated,
            [(c, k, c.expr) for k in sorted(linear) for c in general[k]],
            {k: [c.expr for c in cs] for k, cs in general.items() if k not in linear},
            dynamic,
        )


def _is_linear(expr, fields, var) -> bool:
    """`expr` is linear (affine) in the fields of `fields` and their derivatives."""
    marks = {}
    for q in sympy.preorder_traversal(expr):
        if q in fields or (isinstance(q, sympy.Derivative) and q.expr in fields):
            marks.setdefault(q, sympy.Dummy())
    e = expr.xreplace(marks)
    ms = set(marks.values())
    return all(not (sympy.diff(e, m).free_symbols & ms) for m in ms)


WENO_REACH = 3  # a WENO5 derivative reads 3 nodes to each side
# end weights of the composite quadratures (interior weight 1): trapezoid; Gregory's
# fourth-order rule (Numerical Recipes 4.1.14)
QUADRATURE_ENDS = {2: (sympy.Rational(1, 2),), 4: (sympy.Rational(3, 8), sympy.Rational(7, 6), sympy.Rational(23, 24))}


def _weno5(wm2, wm1, w0, wp1, wp2, eps=sympy.Float(1e-6)):
    """The WENO5-JS value at the face between w0 and wp1, for a flow from wm2's side."""
    R = sympy.Rational
    q = (R(1, 3) * wm2 - R(7, 6) * wm1 + R(11, 6) * w0,
         -R(1, 6) * wm1 + R(5, 6) * w0 + R(1, 3) * wp1,
         R(1, 3) * w0 + R(5, 6) * wp1 - R(1, 6) * wp2)
    beta = (R(13, 12) * (wm2 - 2 * wm1 + w0)**2 + R(1, 4) * (wm2 - 4 * wm1 + 3 * w0)**2,
            R(13, 12) * (wm1 - 2 * w0 + wp1)**2 + R(1, 4) * (wm1 - wp1)**2,
            R(13, 12) * (w0 - 2 * wp1 + wp2)**2 + R(1, 4) * (3 * w0 - 4 * wp1 + wp2)**2)
    alpha = [d / (eps + b)**2 for d, b in zip((R(1, 10), R(3, 5), R(3, 10)), beta)]
    return sum(al * qk for al, qk in zip(alpha, q)) / sum(alpha)


def _shift(offs, a, s) -> tuple:
    """Offsets `offs` moved s nodes along axis a."""
    shifted = list(offs)
    shifted[a] += s
    return tuple(shifted)


def _is_first_derivative(e) -> bool:
    return isinstance(e, sympy.Derivative) and len(e.variable_count) == 1 and e.variable_count[0][1] == 1


def _accesses(e) -> list:
    """The state accesses `U[k, i_0 + a, ...]` of a template (not a non-uniform axis's
    table entries)."""
    return [acc for acc in e.atoms(sympy.Indexed) if acc.base == STATE]


def _reach(exprs, naxes):
    reach = [0] * naxes
    for e in exprs:
        for acc in _accesses(e):
            for a, idx in enumerate(acc.indices[1:]):
                off = idx.as_coeff_Add()[0]
                reach[a] = max(reach[a], abs(int(off)))
    return reach


def _targets(system) -> list:
    return list(system.residuals) if system.time is None else [system.rhs[f] for f in system.fields]


def _wall_depth(axes, regions) -> tuple:
    """Per axis: the farthest node from a wall that a template near that wall reads
    (the node's distance plus its reach inward; 0 along periodic axes)."""
    depth = [0] * len(axes)
    for a, axis in enumerate(axes):
        if axis.periodic:
            continue
        for r in regions:
            p = r.position[a]
            if p[0] == "mid":
                continue
            offs = [int(acc.indices[a + 1].as_coeff_Add()[0]) for e in r.exprs for acc in _accesses(e)]
            if offs:
                depth[a] = max(depth[a], p[1] + (max(offs) if p[0] == "lo" else -min(offs)))
    return tuple(depth)


def _check_points(axes, depth, reach, order):
    """The fewest points a walled axis can have: the regions near the two ends must
    not overlap (n >= 2 H + 2), and no template of a node near one end may reach the
    node at the other end (that node may be eliminated, its value a formula the
    template does not hold). E.g. order 2, u_xx, Dirichlet walls: 4 points."""
    for a, (axis, depth) in enumerate(zip(axes, depth)):
        if axis.periodic:
            continue
        # lo node r reaches r + max(offs) <= n - 2; hi node n - 1 - r reaches >= 1
        need = max(2 * reach[a] + 2, depth + 2)
        if axis.n < need:
            raise DiscretizationError(
                f"grid[{axis.var}] = {axis.n} points is too few for order {order} stencils "
                f"reaching {reach[a]} nodes (and their one-sided forms at the walls): use at least {need}"
            )


def _make_axes(system: PDESystem, grid) -> tuple[Axis, ...]:
    if not isinstance(grid, dict):
        raise DiscretizationError(
            f"grid must be a dict {{variable: points or spacing}}, got {grid!r}: e.g. "
            f"grid={{{', '.join(f'{v}: 64' for v in system.space)}}}"
        )
    if getattr(system, "blocks", None) is not None:  # {x1: n, x2: n} -> the shared coordinate
        grid = system.blocks.translate_grid(dict(grid))
    by_name = {str(v): v for v in system.space}
    grid = {by_name.get(v, v) if isinstance(v, str) else v: spec for v, spec in grid.items()}
    for v in grid:
        if v not in system.space:
            raise DiscretizationError(
                f"grid names {v}, which is not a spatial variable of {system.name!r} "
                f"(those are {system.space})"
            )
    axes = []
    for a, v in enumerate(system.space):
        if v not in grid:
            raise DiscretizationError(
                f"grid has no entry for {v}: add it, e.g. grid={{..., {v}: 64}} (points) "
                f"or {{..., {v}: 0.01}} (spacing)"
            )
        lo, hi = system.domain[v]
        periodic = v in system.periodic
        n, nodes = grid_points(v, grid[v], lo, hi, periodic)
        if n < 3:
            raise DiscretizationError(f"grid[{v}] gives {n} points; at least 3 are needed")
        axes.append(
            Axis(
                var=v,
                index=sympy.Symbol(f"i_{a}", integer=True),
                spacing=sympy.Symbol(f"h_{v}", positive=True),
                n=n,
                lo=lo,
                hi=hi,
                periodic=periodic,
                nodes=nodes,
                size=sympy.Symbol(f"n_{a}", integer=True, positive=True),
            )
        )
    return tuple(axes)


def lower_to_stencils(system: PDESystem, grid, order: int = 2, advection: str = "central") -> StencilSystem:
    """Discretize `system` on `grid` with finite differences of accuracy `order`;
    first derivatives times a coefficient are upwinded by the coefficient's sign
    with `advection="upwind"`."""
    if advection not in ("central", "upwind", "weno"):
        raise DiscretizationError(f"advection={advection!r}: use \"central\", \"upwind\" or \"weno\"")
    if not isinstance(system, (PDESystem, ODESystem)):
        raise DiscretizationError(
            f"discretize() needs a PDESystem or an ODESystem, got {type(system).__name__}"
        )
    system.check_complete("discretize")
    if order not in ORDERS:
        raise DiscretizationError(f"order={order!r}: supported accuracy orders are {ORDERS}")
    if order == 1 and advection == "weno":
        raise DiscretizationError(
            "advection=\"weno\" is fifth-order WENO for advection terms; order sets the other "
            "derivatives' stencils: give order=2 or more (order=1 is for advection=\"upwind\")"
        )
    if order == 1 and advection != "upwind":
        raise DiscretizationError(
            "order=1 is first-order upwinding of advection terms: pass advection=\"upwind\" as "
            "well (central differences have even orders 2, 4, 6, 8)"
        )
    axes = _make_axes(system, grid)
    if advection == "weno" and not all(a.uniform for a in axes):
        raise DiscretizationError(
            f"advection=\"weno\" needs uniform grids, but the grid of "
            f"{', '.join(str(a.var) for a in axes if not a.uniform)} is a non-uniform sequence of "
            f"nodes: use advection=\"upwind\" there, or a number of points"
        )
    low = _Lowering(system, axes, order, advection)
    steady = system.time is None
    targets = _targets(system)
    zero = (0,) * len(axes)
    mid = tuple(("mid",) for _ in axes)
    interior = [low.lower(e, mid, zero) for e in targets]
    reach = _reach(interior, len(axes))
    if any(isinstance(g, sympy.Integral) for g in low.globals):
        # the quadrature's end weights belong to the bands of wall regions
        ends = len(QUADRATURE_ENDS[2 if low.central == 2 else 4])
        reach = [r if axis.periodic else max(r, ends - 1) for r, axis in zip(reach, axes)]
    for a, axis in enumerate(axes):
        if axis.periodic and axis.n < 2 * reach[a] + 1:
            raise DiscretizationError(
                f"grid[{axis.var}] = {axis.n} points is too few for order {order} stencils "
                f"reaching {reach[a]} nodes: use at least {2 * reach[a] + 1}"
            )
    for a, axis in enumerate(axes):
        if not axis.periodic:
            # the band of wall regions must hold every node whose stencil reaches an
            # eliminated node: m eliminated nodes from a wall widen it by m - 1
            reach[a] += max((m for side in ("min", "max") for m in low.walls[(a, side)].eliminated.values()),
                            default=1) - 1
    per_axis = []
    for a, axis in enumerate(axes):
        if axis.periodic:
            per_axis.append([("mid",)])
        else:
            H = reach[a]
            per_axis.append(
                [("lo", r) for r in range(H + 1)] + [("mid",)] + [("hi", r) for r in range(H, -1, -1)]
            )
    def region(pos):
        exprs, elim, alg = [], [], []
        for k in range(len(system.fields)):
            kind, e = low.wall_node(k, pos)
            if kind is None:
                e = interior[k] if all(p == ("mid",) for p in pos) else low.lower(targets[k], pos, zero)
            exprs.append(e)
            elim.append(kind == "eliminated")
            alg.append(kind == "algebraic")
        return Region(pos, tuple(exprs), tuple(elim), tuple(alg) if any(alg) else ())

    positions = list(itertools.product(*per_axis))
    edges = [region(pos) for pos in positions if sum(p != ("mid",) for p in pos) <= 1]
    # A region near two walls reads, along each axis, what the edge region at its
    # distance from that axis's wall reads: the edges give every axis's depth.
    depth = _wall_depth(axes, edges)
    _check_points(axes, depth, reach, order)
    memo = {r.position: r for r in edges}

    def lower_regions():
        return [memo.get(pos) or region(pos) for pos in positions]

    if low.globals or not all(axis.uniform for axis in axes):
        # the global terms' templates, and a non-uniform axis's weight table, are made
        # as every region is lowered: lowered now
        lower_regions = _Lowered(tuple(lower_regions()))
    integrands = []
    if low.globals:
        terms = list(low.globals)
        for pos in itertools.product(*per_axis):
            exprs = tuple(low.global_template(g, pos) for g in terms)
            integrands.append(Region(pos, exprs, (False,) * len(exprs)))
        if len(low.globals) != len(terms):
            raise DiscretizationError(f"an integrand holds another global term: {list(low.globals)[len(terms):]}")
    return StencilSystem(
        system=system,
        axes=axes,
        fields=system.fields,
        edges=tuple(edges),
        reach=tuple(reach),
        order=order,
        steady=steady,
        time=low.time,
        params=tuple(system.parameters) + tuple(low.globals.values()),
        advection=advection,
        depth=depth,
        tables=tuple(weight_table(axis, low.rows[a]) if a in low.rows else None for a, axis in enumerate(axes)),
        rows=low.rows,
        globals=tuple(low.globals.values()),
        integrands=tuple(integrands),
        integral_terms=tuple(low.globals),
        lower_regions=lower_regions,
    )


def condition_accuracy(accuracy: int, space_order: int, d: int) -> int:
    """The accuracy of a boundary equation's one-sided d-th derivative at a wall, where
    the field's equation differentiates it `space_order` times along that axis: a
    derivative of order d gives the eliminated node's value to O(h^(accuracy + d)); the
    equation's D-th derivative divides that by h^D, so D - d more orders keep the nodes
    next to the wall at O(h^order). At most 2 more: the 7-point one-sided u_x of a
    clamped beam at order 4 (3 more) made the discrete u_xxxx indefinite (a mode pair
    growing at +44 for n = 41, +102 for n = 61); with 2 it stays definite and the errors
    still fall at order 5 (static and damped dynamic beams, n = 13..81)."""
    return accuracy + min(2, max(0, space_order - d))


def space_orders(system, variables) -> list:
    """Per variable: the highest derivative order the system's equations take in it."""
    orders = derivative_orders(_targets(system)).values()
    return [max((o.get(v, 0) for o in orders), default=0) for v in variables]


def sub_quadrature_weights(x, lo: float, hi: float, order: int) -> np.ndarray:
    """Weights w with sum(w f(x)) = the integral of f over [lo, hi] within the nodes x: on
    each interval, the integral over its part inside [lo, hi] of the interpolant of
    `quadrature_weights` (linear at order 2; the cubic through the four nearest nodes at
    order 4), so whole intervals weigh as there and cut ones keep the order."""
    x = np.asarray(x, dtype=float)
    n, w = len(x), np.zeros(len(x))
    m = 2 if order == 2 or n < 4 else 4
    for i in range(n - 1):
        a, b = max(lo, x[i]), min(hi, x[i + 1])
        if b <= a:
            continue
        s = i if m == 2 else min(max(i - 1, 0), n - 4)
        c, h = x[i], x[i + 1] - x[i]
        V = np.vander((x[s:s + m] - c) / h, m, increasing=True).T
        p = np.arange(1, m + 1)
        moments = h * (((b - c) / h) ** p - ((a - c) / h) ** p) / p
        w[s:s + m] += np.linalg.solve(V, moments)
    return w


def quadrature_weights(x, order: int) -> np.ndarray:
    """Weights w with sum(w f(x)) = the integral of f over [x_0, x_-1] on increasing nodes x:
    the trapezoid rule at order 2; at order 4, on each interval the integral of the cubic
    through the four nearest nodes (shifted inward at the ends), exact for cubics."""
    x = np.asarray(x, dtype=float)
    return sub_quadrature_weights(x, x[0], x[-1], order)


def weight_table(axis: Axis, rows: dict) -> np.ndarray:
    """A non-uniform axis's table: row 0 the coordinates; from `rows[(d, window)]` the
    Fornberg weights of the d-th derivative on `window` at each node where the window
    fits (NaN elsewhere: never read, and loud if it were)."""
    x = np.array(axis.nodes)
    n = len(x)
    table = np.full((1 + sum(len(w) for _, w in rows), n), np.nan)
    if axis.periodic:
        # three periods of nodes (the coordinates continued by the period), each node's
        # weights on its neighbours across the seam; every period's columns the same
        period = axis.hi - axis.lo
        wide = np.concatenate([x - period, x, x + period])
        table[0] = x
        for (d, window), row in rows.items():
            if isinstance(d, str) and d.startswith("quadrature"):  # the trapezoid rule on the circle (every order)
                table[row] = (wide[n + 1:2 * n + 1] - wide[n - 1:2 * n - 1]) / 2
                continue
            w = np.array(window)
            for i in range(n):
                table[row:row + len(w), i] = _node_weights(wide, n + i, d, w)
        out = np.tile(table, 3)
        out[0] = wide
        return out
    table[0] = x
    for (d, window), row in rows.items():
        if isinstance(d, str) and d.startswith("quadrature"):  # "quadrature2" / "quadrature4": every node's weight
            table[row] = quadrature_weights(x, int(d[-1]))
            continue
        w = np.array(window)
        lo, hi = _reach_of(d, w)
        for i in range(max(0, -lo), min(n, n - hi)):
            table[row:row + len(w), i] = _node_weights(x, i, d, w)
    return table


def _reach_of(d, w) -> tuple:
    """The lowest and highest node offsets the weights (d, w) at a node read."""
    if d == "outer":  # faces j: nodes j .. j + 1
        return int(w.min()), int(w.max()) + 1
    if isinstance(d, tuple):  # ("face", k, j): nodes j + w
        j = d[2]
        return j + int(w.min()), j + int(w.max())
    return int(w.min()), int(w.max())


def _node_weights(x, i, d, w) -> np.ndarray:
    """The weights (d, w) at node i of increasing coordinates x: Fornberg weights of the
    d-th derivative on x[i + w]; for the compact flux (("face", k, j): the k-th derivative
    at the face midway between nodes i + j and i + j + 1 from x[i + j + w]; "outer": the
    derivative at x[i] from the face points j in w)."""
    if d == "outer":
        return fornberg_weights_at((x[i + w] + x[i + w + 1]) / 2, 1, x[i])
    if isinstance(d, tuple):
        _, k, j = d
        return fornberg_weights_at(x[i + j + w], k, (x[i + j] + x[i + j + 1]) / 2)
    return fornberg_weights_at(x[i + w], d, x[i])
