"""The Numba kernel of a system with walls: one hot loop and one generic template.

Region by region code (every node near a wall with its own one-sided template)
makes (2H + 3)^d regions: 49 in 2-D at order 4, each a copy of the right-hand
side that Numba compiles (11 s cold for the 2-D heat equation). Here the
kernel holds:

1. the boundary values: `V` is the state with every eliminated wall node
   overwritten by its condition (Dirichlet value, or the Neumann/Robin
   formula), face by face, last axis first, so that a corner takes the
   condition of its first axis and a formula reads nodes already filled, as
   the region templates substitute them. Time-dependent kernels write them
   into the state itself and put its values back before returning (a fresh
   state-sized copy faulted a page per row); steady ones copy the shell, as
   their residual at an eliminated node is U - V;
2. the interior region's optimized template over the interior box (the hot
   loop, unchanged);
3. ONE generic template for every node near a wall: each derivative is a
   small function that looks up its weights by the node's distance from the
   walls (a table per derivative: the centered or upwind row, then one row
   per one-sided window), and a nested derivative calls the function of its
   inner expression at the shifted nodes. The windows and weights are those
   of the region templates (`_Lowering._window`), so both compute the same
   numbers up to round-off; the NumPy, CUDA and Jacobian code keeps the
   regions.

Compile time then grows with the number of walled axes, not regions. And the
functions of a chain along one axis take the axis's direction as arguments
(`e_0, e_1, ...`, a unit vector): where the chains of two axes print the same
that way (the flux of u_x and of u_y alike), one function serves both and Numba
compiles it once (0.6 s of a 2-D nonlinear order-4 discretize, 1.2 s in 3-D).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

import sympy

from ._compile import load_source
from ._printing import ScalarPrinter
from ._pointwise import split_invariant_temps
from ._stencil_kernel import Kernel, _emit_numba, _Prepared, kernel_scalar_names, renamed_program, with_serial_twin

__all__ = ["make_walled_kernel"]


_NJIT = "@numba.njit(fastmath=True, cache=True, error_model=\"numpy\")"


@dataclass
class _Table:
    name: str  # shared by the axes whose rows are the same
    axis: int
    d: int
    # its rows (offsets, weights): row 0 away from the walls, then `lo` one-sided
    # rows at distance 0..lo-1 from the lower wall, then `hi` from the upper wall
    lo: int
    hi: int
    uniform: bool = True  # else the weights are rows of the axis's table argument h_a, per node


class _Generic:
    """Prints the generic template of a `_Lowering` (`low`) as Numba functions."""

    def __init__(self, low, names):
        self.low = low
        self.nd = len(low.axes)
        self.names = names  # sympy scalar -> kernel argument symbol
        self.functions = []  # source blocks
        self.cache = {}  # (kind, key) -> function name and axis, or table
        self.defined = {}  # a function's text (its name left out) -> its name
        self.rows = {}  # a uniform table's rows -> its name
        self.along = None  # the axis whose direction the function being printed takes as arguments
        self.printer = ScalarPrinter()
        nd = self.nd
        self.scalar_args = ", ".join(["t"] + [str(s) for s in self._param_names()] + [f"h_{a}" for a in range(nd)])
        self.node_args = ", ".join(f"i_{a}" for a in range(nd))
        self.size_args = ", ".join(f"n_{a}" for a in range(nd))
        self.signature = f"V, {self.node_args}, {self.size_args}, {self.scalar_args}"

    def _param_names(self):
        return [sympy.Symbol(f"p_{k}") for k in range(len(_params(self.low)))]

    # -- leaves -----------------------------------------------------------------------

    def read(self, k, index):
        """V at field k and index expressions (strings), wrapped on periodic axes."""
        parts = [str(k)]
        for a, (axis, i) in enumerate(zip(self.low.axes, index)):
            parts.append(f"({i}) % n_{a}" if axis.periodic else i)
        return sympy.Symbol(f"V[{', '.join(parts)}]")

    def here(self):
        return [f"i_{a}" for a in range(self.nd)]

    def shifted(self, a, s):
        """The index of the node s nodes along axis a from the current one (along
        the direction arguments in a function generic in a's direction)."""
        if a == self.along:
            return self.stepped(str(s)) if s else self.here()
        index = self.here()
        if s:
            index[a] = f"i_{a} + {s}" if s > 0 else f"i_{a} - {-s}"
        return index

    def stepped(self, s):
        """The index of the node s (an expression) nodes along the direction arguments."""
        return [f"i_{b} + {s}*e_{b}" for b in range(self.nd)]

    def directions(self, along):
        """The direction arguments of a call, from the current function, of a function
        printed along `along` (None: one without them)."""
        if along is None:
            return ""
        if along == self.along:
            return ", " + ", ".join(f"e_{b}" for b in range(self.nd))
        # read from an array, not written as literals: Numba compiles a function once
        # per value of a literal argument
        return ", " + ", ".join(f"UNIT[{along}, {b}]" for b in range(self.nd))

    def call(self, fn, index):
        """The call of function `fn` = (name, axis it takes the direction of) at `index`."""
        name, along = fn
        return sympy.Symbol(f"{name}(V, {', '.join(index)}, {self.size_args}, {self.scalar_args}{self.directions(along)})")

    def along_names(self, a):
        """(index, size, spacing) of axis a as the current function names them: the
        ones along its direction arguments in a function generic in a's direction."""
        if a == self.along:
            return "i_e", "n_e", "h_e"
        return f"i_{a}", f"n_{a}", f"h_{a}"

    @contextmanager
    def printing_along(self, a):
        """Print the functions of a chain along axis a generic in its direction (a
        uniform axis of a grid of two or more dimensions; else as they are)."""
        saved = self.along
        self.along = a if a is not None and self.nd > 1 and self.low.axes[a].uniform else None
        try:
            yield
        finally:
            self.along = saved

    def define(self, prefix, signature, body, inline=False):
        """The name of the function `def _(signature):` + `body` (its indented
        lines): one per distinct text. Along a direction, the direction arguments
        join the signature, with the index, size and spacing along it. `inline`:
        Numba inlines it where it is called (a field's derivative: the hot near-wall
        calls, with their constant direction and field number, ran 9% of a 512^2
        heat RHS slower as calls, and it compiles faster typed inside its callers)."""
        if self.along is not None:
            signature += ", " + ", ".join(f"e_{b}" for b in range(self.nd))
            uniform = [b for b in range(self.nd) if self.low.axes[b].uniform]
            along = {"i_e": " + ".join(f"i_{b}*e_{b}" for b in range(self.nd)),
                     "n_e": " + ".join(f"n_{b}*e_{b}" for b in range(self.nd)),
                     "h_e": " + ".join(f"h_{b}*e_{b}" for b in uniform)}  # along is uniform
            body = "".join(f"    {v} = {e}\n" for v, e in along.items() if re.search(rf"\b{v}\b", body)) + body
        text = f"({signature}):\n{body}"
        name = self.defined.get(text)
        if name is None:
            name = self.defined[text] = f"{prefix}{len(self.defined)}"
            njit = _NJIT.replace(")", ', inline="always")') if inline else _NJIT
            self.functions.append(f"{njit}\ndef {name}{text}")
        return name

    # -- expressions ------------------------------------------------------------------

    def lower(self, e, flux_form=True):
        """`e` at the current node, as a sympy expression over code-named symbols
        (mirrors `_Lowering.lower`)."""
        low = self.low
        if e in low.field_index:
            return self.read(low.field_index[e], self.here())
        if e in low.globals:  # an integral term or point value: a kernel argument after the parameters
            return low.globals[e].xreplace(self.names)
        flux = low.flux_form(e) if flux_form else None
        if flux is not None:
            return self.call(self.flux_function(e, *flux), self.here())
        term = low.upwind_term(e)
        if term is not None:
            coef, d = term
            return low.upwinded(self.lower(coef), self.derivative(d, bias=-1), self.derivative(d, bias=1))
        if isinstance(e, sympy.Derivative):
            return self.derivative(e)
        if e.is_Symbol and e in low.axis_of:
            a = low.axis_of[e]
            return self.coordinate(a)
        if e.is_Atom:
            return e.xreplace(self.names)
        return e.func(*(self.lower(x) for x in e.args))

    def coordinate(self, a):
        axis = self.low.axes[a]
        if not axis.uniform:
            return sympy.Symbol(f"h_{a}[0, i_{a}{' + n_' + str(a) if axis.shift != 0 else ''}]")
        return sympy.Float(axis.lo) + sympy.Symbol(f"i_{a}", integer=True) * sympy.Symbol(f"h_{a}", positive=True)

    def derivative(self, e, bias=0):
        (v, d), rest = e.variable_count[0], e.variable_count[1:]
        inner = sympy.Derivative(e.expr, *rest) if rest else e.expr
        low = self.low
        a = low.axis_of[v]  # lower_to_stencils has checked that v is a grid variable
        d = int(d)
        table = self.table(a, d, bias if not rest else 0)
        fn, along = self.derivative_function(table, inner)
        if inner in low.field_index:
            # the field's number from an array (a literal would compile the function once per field)
            return sympy.Symbol(f"{fn}(V, FIELD[{low.field_index[inner]}], {', '.join(self.here())}, {self.size_args}, "
                                f"{self.scalar_args}{self.directions(along)})")
        return self.call((fn, along), self.here())

    def table(self, a, d, bias):
        # a boundary equation's derivatives along its wall's axis are one-sided stencils
        # of raised accuracy (`_Lowering._window`): tables of their own
        key = ("table", a, d, bias, a in self.low._wall_coordinate)
        if key in self.cache:
            return self.cache[key]
        from symnum.solvers._fornberg import fornberg_weights

        low = self.low
        axis = low.axes[a]
        rows = [low._window(a, ("mid",), 0, d, bias)]
        lo = hi = 0
        if not axis.periodic:
            centered = rows[0]
            lo, hi = max(-centered[0], 0), max(centered[-1], 0)
            rows += [low._window(a, ("lo", m), 0, d, bias) for m in range(lo)]
            rows += [low._window(a, ("hi", m), 0, d, bias) for m in range(hi)]
        if not axis.uniform:  # per window: its offsets, its first row in h_a, its length
            table = self.cache[key] = _Table(f"T{len(self.cache)}", a, d, lo, hi, False)
            width = max(len(w) for w in rows)
            self.functions.append(
                f"{table.name}_o = numpy.array({[list(w) + [0] * (width - len(w)) for w in rows]}, dtype=numpy.int64)\n"
                f"{table.name}_r = numpy.array({[self.weight_row(a, d, w) for w in rows]}, dtype=numpy.int64)\n"
                f"{table.name}_n = numpy.array({[len(w) for w in rows]}, dtype=numpy.int64)\n"
            )
            return table
        rows = [(w, tuple(float(c) for c in fornberg_weights(w, d))) for w in rows]
        width = max(len(w) for w, _ in rows)
        offs = [list(w) + [0] * (width - len(w)) for w, _ in rows]
        wts = [list(c) + [0.0] * (width - len(c)) for _, c in rows]
        content = (repr(offs), repr(wts), lo, hi)
        if content not in self.rows:  # the same rows along another axis: the same table
            self.rows[content] = f"T{len(self.cache)}"
            self.functions.append(
                f"{self.rows[content]}_o = numpy.array({offs}, dtype=numpy.int64)\n"
                f"{self.rows[content]}_w = numpy.array({wts})\n"
            )
        table = self.cache[key] = _Table(self.rows[content], a, d, lo, hi)
        return table

    def weight_row(self, a, d, window) -> int:
        """The table row of a window's weights, or -1 for a window no region template
        uses (the generic template lists every distance; such a row is never reached,
        and would give NaN if it were)."""
        return self.low.rows[a].get((d, tuple(window)), -1)

    def table_entry(self, a, row, offset=0):
        """h_a[row, column of the node `offset` nodes along non-uniform axis a]."""
        shift = f" + n_{a}" if self.low.axes[a].shift != 0 else ""
        off = f" + {offset}" if offset > 0 else f" - {-offset}" if offset < 0 else ""
        return sympy.Symbol(f"h_{a}[{row}, i_{a}{off}{shift}]")

    def node_weights(self, a, d, window) -> list:
        """The weights (d, window) at the node on non-uniform axis a, as table entries
        (the rows `_Lowering` registered lowering the regions)."""
        row = self.low.rows[a][(d, tuple(window))]
        return [self.table_entry(a, row + m) for m in range(len(window))]

    def derivative_function(self, table, inner):
        """(name, axis it takes the direction of) of the function of a derivative
        of `inner` (a field: any, by its number k) by `table`'s weights."""
        field = inner in self.low.field_index
        key = ("d", table.name, table.axis, "field" if field else inner, tuple(self.low._wall_coordinate))
        if key not in self.cache:
            self.cache[key] = self._derivative_function(table, inner, field)
        return self.cache[key]

    def _derivative_function(self, table, inner, field):
        a = table.axis
        with self.printing_along(a):
            generic = self.along is not None
            at, size, h = self.along_names(a)
            if generic:
                index = self.stepped("o")
            else:
                index = self.here()
                index[a] = f"i_{a} + {table.name}_o[c, j]"
            if field:
                term = self.printer.doprint(self.read("k", index))  # one function per table serves every field
                signature = self.signature.replace("V, ", "V, k, ", 1)
            else:
                term = self.printer.doprint(self.call(self.expression_function(inner), index))
                signature = self.signature
            lines = ["    c = 0"]
            if table.lo:
                lines += [f"    if {at} < {table.lo}:", f"        c = 1 + {at}"]
            if table.hi:
                kw = "elif" if table.lo else "if"
                lines += [f"    {kw} {size} - 1 - {at} < {table.hi}:",
                          f"        c = {1 + table.lo} + {size} - 1 - {at}"]
            if table.uniform:  # (a generic function steps by the offset o along its direction)
                lines += [
                    "    s = 0.0",
                    f"    for j in range({table.name}_w.shape[1]):",
                    *([f"        o = {table.name}_o[c, j]"] if generic else []),
                    f"        s += {table.name}_w[c, j] * {term}",
                    f"    return s / {h}**{table.d}",
                ]
            else:  # the weights at this node, from the axis's table
                lines += [
                    f"    if {table.name}_r[c] < 0:",
                    "        return math.nan",
                    "    s = 0.0",
                    f"    for j in range({table.name}_n[c]):",
                    f"        s += h_{a}[{table.name}_r[c] + j, i_{a}{' + n_' + str(a) if self.low.axes[a].shift != 0 else ''}] * {term}",
                    "    return s",
                ]
            return self.define("d", signature, "\n".join(lines) + "\n", inline=field), self.along

    def flux_function(self, e, a, coef, inner):
        """(name, axis it takes the direction of) of the compact conservative scheme
        of D(x)(a D(x)(w)) (see `_Lowering.flux_form`); near a wall, where its faces
        would reach past it, the nested one-sided stencils."""
        from symnum.solvers._stencil import FLUX_SCHEMES

        key = ("flux", e, tuple(self.low._wall_coordinate))
        if key in self.cache:
            return self.cache[key]
        scheme = FLUX_SCHEMES[self.low.central]
        with self.printing_along(a):
            def at(expr, s):
                if expr in self.low.field_index:
                    return self.read(self.low.field_index[expr], self.shifted(a, s))
                return self.call(self.expression_function(expr), self.shifted(a, s))

            face = self.face_function(coef, a)
            at_, size, h = self.along_names(a)
            # the scheme's weights (`_Lowering.flux_weights`): on a non-uniform axis the node's table entries
            outer, grads, scale = self.low.flux_weights(a, weights=lambda d, window: self.node_weights(a, d, window))
            if self.low.axes[a].uniform:
                scale = 1 / sympy.Symbol(h, positive=True) ** 2  # the spacing as this function names it
            total = 0
            for j, wj, gw in zip(scheme.faces, outer, grads):
                grad = sum(wm * at(inner, j + m) for m, wm in zip(scheme.points, gw))
                total += wj * self.call(face, self.shifted(a, j)) * grad
            compact = self.printer.doprint(total * scale)
            lines = []
            if not self.low.axes[a].periodic:
                nested = self.printer.doprint(self.lower(e, flux_form=False))
                R = scheme.reach
                lines += [f"    if {at_} < {R} or {at_} > {size} - {R + 1}:", f"        return {nested}"]
            lines += [f"    return {compact}"]
            self.cache[key] = self.define("f", self.signature, "\n".join(lines) + "\n"), self.along
        return self.cache[key]

    def face_function(self, coef, a):
        """(name, axis it takes the direction of) of `coef` at the face between the
        node and the next along axis a: its fields and coordinate interpolated there,
        or, with derivatives in it, its node values interpolated
        (`_Lowering.face_value`)."""
        from symnum.solvers._stencil import FLUX_SCHEMES

        key = ("face", coef, a, tuple(self.low._wall_coordinate))
        if key in self.cache:
            return self.cache[key]
        scheme = FLUX_SCHEMES[self.low.central]
        axis = self.low.axes[a]
        with self.printing_along(a):
            # the face between this node and the next: on a non-uniform axis the table's
            # weights of the face at offset 0 (`_Lowering.face_value`)
            weights = scheme.interpolate if axis.uniform else self.node_weights(a, ("face", 0, 0), scheme.points)
            if coef.atoms(sympy.Derivative):
                fn = self.expression_function(coef)
                body = sum(wm * self.call(fn, self.shifted(a, m)) for m, wm in zip(scheme.points, weights))
            else:
                values = {f: sum(wm * self.read(k, self.shifted(a, m)) for m, wm in zip(scheme.points, weights))
                          for f, k in self.low.field_index.items()}
                if axis.uniform:
                    values[axis.var] = sympy.Float(axis.lo) + (sympy.Symbol(f"i_{a}", integer=True) + sympy.Rational(1, 2)) * \
                        sympy.Symbol(f"h_{a}", positive=True)
                else:
                    values[axis.var] = sum(wm * self.table_entry(a, 0, m) for m, wm in zip(scheme.points, weights))
                marks = {q: sympy.Dummy() for q in values if coef.has(q)}
                body = self.lower(coef.xreplace(marks)).xreplace({marks[q]: values[q] for q in marks})
            self.cache[key] = self.define("c", self.signature, f"    return {self.printer.doprint(body)}\n"), self.along
        return self.cache[key]

    def expression_function(self, e):
        """(name, axis it takes the direction of) of `e` at the node, printed along
        the current function's direction."""
        key = ("e", e, tuple(self.low._wall_coordinate), self.along)
        if key not in self.cache:
            body = self.printer.doprint(self.lower(e))
            self.cache[key] = self.define("e", self.signature, f"    return {body}\n"), self.along
        return self.cache[key]

    # -- wall values ------------------------------------------------------------------

    def wall_value(self, k, a, side):
        """The eliminated node's value at the current node of face (a, side), read
        from V (the region templates' formula, `_Lowering.wall_formula`)."""
        low = self.low
        axis = low.axes[a]
        at = {ax.var: self.coordinate(b) for b, ax in enumerate(low.axes)}
        at[axis.var] = sympy.Float(axis.lo if side == "min" else axis.hi)

        def inward(s):
            return self.read(k, self.shifted(a, s))

        return low.wall_formula(k, a, side, at, inward).xreplace(self.names)

    def from_state(self, e):
        """A region-template expression (state accesses U[k, i_0 + o, ...]) read from V."""
        from symnum.solvers._stencil import STATE

        def read(acc):
            return self.read(int(acc.indices[0]), [str(i) for i in acc.indices[1:]])

        e = e.replace(lambda x: isinstance(x, sympy.Indexed) and x.base == STATE, read)
        return e.xreplace(self.names)

    def wall_solution(self, a, side):
        """{(k, j): value} of the nodes the linear boundary equations of face (a, side)
        eliminate, on the line through the current node (at the wall), read from V."""
        low = self.low
        if not low.walls[(a, side)].linear:
            return {}
        face = tuple((("lo", 0) if side == "min" else ("hi", 0)) if b == a else ("mid",) for b in range(self.nd))
        return {kj: self.from_state(v) for kj, v in low.wall_solution(a, side, face, (0,) * self.nd).items()}

    def wall_nodes(self, k, steady):
        """[(condition, value)] of the nodes of field k a wall decides, in the order
        the region templates decide them (eliminations, then the first axis): eliminated nodes hold 0
        (steady: U - V), a dynamic wall node its right-hand side, an algebraic one the
        residual of its equation at the wall."""
        low = self.low
        node = ", ".join(self.here())
        eliminated, decided = [], []
        for a, axis in enumerate(low.axes):
            if axis.periodic:
                continue
            for side in ("min", "max"):
                wall = low.walls[(a, side)]

                def at(j):
                    return f"i_{a} == {j}" if side == "min" else f"i_{a} == n_{a} - {1 + j}"

                m = wall.eliminated.get(k, 0)
                if m:
                    cond = f"i_{a} < {m}" if side == "min" else f"i_{a} > n_{a} - {1 + m}"
                    eliminated.append((cond, f"U[{k}, {node}] - V[{k}, {node}]" if steady else "0.0"))
                with low.condition(a, side):  # lowered as `_Lowering.at_wall` lowers conditions
                    if k in wall.dynamic:
                        decided.append((at(0), self.printer.doprint(self.lower(wall.dynamic[k]))))
                    for j, e in enumerate(wall.algebraic.get(k, ())):
                        index = self.here()
                        index[a] = "0" if side == "min" else f"n_{a} - 1"
                        decided.append((at(j), self.printer.doprint(self.call(self.expression_function(e), index))))
        # an elimination decides a corner first (as `_Lowering.wall_node`)
        return eliminated + decided



def _params(low) -> tuple:
    """The kernel's parameters: the system's, then its integral terms' symbols."""
    return tuple(low.system.parameters) + tuple(low.globals.values())


def make_walled_kernel(low, targets, steady, interior, state, reach, depth, name) -> tuple:
    """(kernel, fill) of a system with at least one walled axis: the Numba kernel
    `kernel(U, out, t, *params, *spacings)`, and `fill(U, out, ...)` that writes the
    wall values into out's eliminated nodes (out a copy of U; None without
    eliminated nodes). `low` is the stencil lowering, `targets` the right-hand
    sides (or steady residuals) per field, `interior` the interior region's
    RegionCode (optimized), `depth[a]` the farthest node from a wall of axis a that
    a template near that wall reads."""
    axes = low.axes
    nd = len(axes)
    names = kernel_scalar_names(low.time, _params(low), axes)
    gen = _Generic(low, names)
    printer = gen.printer
    bodies = [gen.lower(e) for e in targets]
    args = ["U", "out", "t"] + [f"p_{k}" for k in range(len(_params(low)))] + [f"h_{a}" for a in range(nd)]
    lines = []  # the walls function; the helper functions it calls are put before it
    # Wall values and the nodes near the walls in a function of their own, without
    # `parallel`: Numba's parfor passes cost compile time on every loop of a
    # parallel function, and these loops are O(n^(d-1)).
    lines += ["@numba.njit(fastmath=True, cache=True, error_model=\"numpy\")",
              f"def walls(U, out, {gen.scalar_args}):"]
    lines += [f"    n_{a} = U.shape[{a + 1}]" for a in range(nd)]
    # 1. wall values, last axis first (a corner keeps its first axis's condition),
    # face by face: (face loops, [(field, node, value)]) per face
    faces = []
    for a in reversed(range(nd)):
        if axes[a].periodic:
            continue
        for side in ("min", "max"):
            wall = low.walls[(a, side)]
            if not wall.eliminated:
                continue
            loops, pad = [], "    "
            for b in range(nd):
                if b != a:
                    loops.append(f"{pad}for i_{b} in range(n_{b}):")
                    pad += "    "
            loops.append(f"{pad}i_{a} = {'0' if side == 'min' else f'n_{a} - 1'}")
            node = ", ".join(f"i_{b}" for b in range(nd))
            writes = [(k, node, printer.doprint(gen.wall_value(k, a, side))) for k in wall.shorthand]
            for (k, j), value in gen.wall_solution(a, side).items():
                at = ", ".join(f"i_{b}" if b != a else (f"i_{a} + {j}" if side == "min" else f"i_{a} - {j}")
                               for b in range(nd))
                writes.append((k, at, printer.doprint(value)))
            faces.append((a, loops, pad, writes))
    if steady:
        # V: the state with the wall values; a steady residual at an eliminated node
        # is U - V. V differs from U only at eliminated nodes, and is read only within
        # depth[a] of a wall of axis a: copy that shell, not the whole state
        # (fill, called with an empty out, writes the wall values into U itself)
        lines += ["    if out.shape[0] == 0:", "        V = U", "    else:", "        V = numpy.empty_like(U)"]
        for a in range(nd):
            if axes[a].periodic:
                continue
            D = depth[a]
            # explicit loops: a slice assignment costs Numba seconds of compile time
            lines += [f"        for i_{a} in range(n_{a}):",
                      f"            if i_{a} <= {D} or i_{a} >= n_{a} - {D + 1}:",
                      "                for k in range(U.shape[0]):"]
            pad = "                    "
            for b in range(nd):
                if b != a:
                    lines.append(f"{pad}for i_{b} in range(n_{b}):")
                    pad += "    "
            node = ", ".join(f"i_{b}" for b in range(nd))
            lines.append(f"{pad}V[k, {node}] = U[k, {node}]")
    else:
        # V is U itself: the eliminated nodes' state values (which nothing else reads)
        # are saved, overwritten by the wall values, and put back before returning.
        # A copy of the state's shell cost a page fault per row of a fresh
        # allocation: 2.2 ms per call at 2048^2 (the interior loop: 8.6 ms).
        # Saved as written (one loop per face): a corner node's second save holds the
        # first face's value, so the faces are put back in reverse order.
        lines.append("    V = U")
        saved = [f"{len(w)} * " + " * ".join([f"n_{b}" for b in range(nd) if b != a] or ["1"]) for a, _, _, w in faces]
        lines += [f"    S = numpy.empty({' + '.join(saved) or '0'})", "    m = 0"]
    for _, loops, pad, writes in faces:
        lines += loops
        for k, at, value in writes:
            if not steady:
                lines += [f"{pad}S[m] = U[{k}, {at}]", f"{pad}m += 1"]
            lines.append(f"{pad}V[{k}, {at}] = {value}")
    lines += ["    if out.shape[0] == 0:  # fill: the wall values only", "        return"]
    # 2. every node within reach of a wall: the generic template, reading V, written
    # once. The nodes are listed first: walled axis a gives its 2 H + 2 edge nodes,
    # walled axes before it their interior range (those edges were listed), all
    # other axes their full range.
    node = ", ".join(f"i_{b}" for b in range(nd))
    walled = [a for a in range(nd) if not axes[a].periodic]
    count = []
    for a in walled:
        sizes = [f"{2 * reach[a] + 2}" if b == a else
                 (f"(n_{b} - {2 * reach[b] + 2})" if (b in walled and b < a) else f"n_{b}") for b in range(nd)]
        count.append(" * ".join(sizes))
    lines.append(f"    nodes = numpy.empty(({' + '.join(count)}, {nd}), dtype=numpy.int64)")
    lines.append("    m = 0")
    for a in walled:
        H = reach[a]
        pad = "    "
        for b in range(nd):
            if b == a:
                lines.append(f"{pad}for q in range({2 * H + 2}):")
                lines.append(f"{pad}    i_{a} = q if q <= {H} else n_{a} - {2 * H + 2} + q")
            elif b in walled and b < a:
                lines.append(f"{pad}for i_{b} in range({reach[b] + 1}, n_{b} - {reach[b] + 1}):")
            else:
                lines.append(f"{pad}for i_{b} in range(n_{b}):")
            pad += "    "
        lines += [f"{pad}nodes[m, {b}] = i_{b}" for b in range(nd)] + [f"{pad}m += 1"]
    lines.append("    for m in range(nodes.shape[0]):")
    lines += [f"        i_{b} = nodes[m, {b}]" for b in range(nd)]
    for k, body in enumerate(bodies):
        # the nodes a boundary condition decides (eliminations first, then the first axis)
        value = printer.doprint(body)
        for cond, decided in reversed(gen.wall_nodes(k, steady)):
            value = f"{decided} if {cond} else ({value})"
        lines.append(f"        out[{k}, {node}] = {value}")
    if not steady:  # the saved state values back, the last face first
        for f in reversed(range(len(faces))):
            _, loops, pad, writes = faces[f]
            lines.append(f"    m = {' + '.join(saved[:f]) or '0'}")
            lines += loops
            for k, at, _ in writes:
                lines += [f"{pad}U[{k}, {at}] = S[m]", f"{pad}m += 1"]
    constants = [f"UNIT = numpy.eye({nd}, dtype=numpy.int64)  # the axes' directions",
                 f"FIELD = numpy.arange({max(low.field_index.values(), default=0) + 1})  # the fields' numbers"]
    lines = ["import math", "import numba", "import numpy", "", *constants, ""] + list(gen.functions) + [""] + lines
    if faces:
        # walls() with an empty out writes the wall values and returns: no function of
        # its own to compile (one with four loops cost 0.19 s)
        lines += ["", "", "def fill(U, out, *args):",
                  '    """out (a copy of U) with the wall values at its eliminated nodes."""',
                  "    walls(out, numpy.empty((0,) + out.shape[1:]), *args)"]
    # 3. the kernel: the interior box (the optimized region template, reading U), then the walls
    lines += ["", "", "@numba.njit(fastmath=True, cache=True, parallel=True, error_model=\"numpy\")",
              f"def {name}({', '.join(args)}):"]
    lines += [f"    n_{a} = U.shape[{a + 1}]" for a in range(nd)]
    invariant = set(names.values())
    temps, outs = renamed_program(0, interior.program, names)
    before, inside = split_invariant_temps(type(interior.program)(tuple(temps), tuple(outs)), invariant)
    lines += [f"    {s} = {printer.doprint(e)}" for s, e in before]
    _emit_numba([_Prepared(interior.position, interior.fields, inside, outs)], state, axes, reach, printer, lines)
    lines.append(f"    walls(U, out, {gen.scalar_args})")
    source = with_serial_twin("\n".join(lines) + "\n", name)
    module = load_source(source, name)
    return Kernel(source, "numba", getattr(module, name)), (Kernel(source, "numba", module.fill) if faces else None)
