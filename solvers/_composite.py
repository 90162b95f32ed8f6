"""Blocks whose nodes differ: each 1-D block discretized on its own nodes, joined at
its interfaces by the wall values the interface equations give.

Blocks joined on one shared coordinate s (symnum/_blocks.py) are fields of one axis
when their nodes map onto each other. When they do not (61 + 51 nodes; a Chebyshev
block beside a geometric one: MethodOfLines.jl's Convection_NU interface tests), each
block becomes a 1-D problem of its own, on its own nodes in s, in which every wall an
interface condition determines is a Dirichlet wall whose value W is a kernel
parameter. The composite state is the blocks' states end to end. At each evaluation
the interface values W come first: the interface equations lowered at their walls
with each block's own one-sided stencils (the windows and accuracy of the shared-axis
solve, whose numbers it reproduces where the nodes agree) and solved together:
straight-line code per interface where they are linear in W, Newton where they are
not; then each block's kernel runs with its W. The compiled loops call one generated
Numba function that does both.

Fields of time only (a reservoir v(t) at a block's wall) join the block whose fields
they meet, where the machinery for fields beside a grid holds them.

Not here (a DiscretizationError names the alternative, equal node counts, which the
shared axis solves): a field of time only meeting two blocks, another block's point value
inside an equation, dynamic interface conditions (D(t) at an interface), algebraic
equations, IMEX splitting and the CUDA backend (ensembles run member by member).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np
import scipy.sparse
import sympy

from symnum._conditions import BoundaryEquation, Dirichlet, Initial
from symnum._errors import DiscretizationError
from symnum._expressions import Parameter, is_field

from ._fornberg import fornberg_weights_at, one_sided_count

__all__ = ["CompositeProblem", "discretize_blocks"]

_EQUAL = "give every block the same number of points (then the blocks share one axis, which solves it)"


def _refuse(what: str):
    raise DiscretizationError(f"blocks with different nodes: {what} is not supported; {_EQUAL}")


@dataclass(frozen=True)
class _Part:
    """One block: its problem, where its state sits in the composite state, and which
    of its parameters are interface values (slot in its scalars -> index of W)."""

    variable: sympy.Symbol  # the block variable as written (x1)
    problem: object  # the block's Problem, on its own nodes in s
    offset: int
    walls: dict  # position in problem._scalar_args -> index into W

    @property
    def size(self) -> int:
        return int(np.prod(self.problem.shape))

    @property
    def shape(self) -> tuple:
        return self.problem.shape

    def view(self, y):
        return y[self.offset:self.offset + self.size].reshape(self.shape)

    def scalars(self, w) -> tuple:
        """The block kernel's scalars with the interface values `w` in their slots."""
        args = list(self.problem._scalar_args)
        for slot, k in self.walls.items():
            args[slot] = float(w[k])
        return tuple(args)

    def kernel_args(self, y, t, w) -> tuple:
        """The block's kernel arguments at composite state `y`: its scalars with `w` in
        their slots and, for global terms (a point value a field of time only reads),
        their values at the block's state."""
        return self.problem._with_globals(self.view(y), float(t), self.scalars(w))

    def rhs(self, y, out, t, w) -> None:
        self.problem._host_kernel(self.view(y), out.reshape(self.shape), float(t), *self.kernel_args(y, t, w))

    def jacobian(self, y, t, w):
        prob, args = self.problem, self.kernel_args(y, t, w)
        J = prob.jac(self.view(y), float(t), *args)
        if prob.stencil.globals:
            J = J + prob._global_coupling(self.view(y), float(t), args)
        return J


def _block_of(system) -> dict:
    """{field function on s (c1): its block variable}."""
    blocks = system.blocks
    return {inner.func: blocks.variable(written) for written, inner in blocks.fields.items()}


def _fields_in(expr) -> set:
    return {n for n in sympy.preorder_traversal(expr) if is_field(n)}


def _functions_in(expr) -> set:
    """The field functions in `expr` (c2 for c2(t, s) and for c2(t, 0), a value at a point)."""
    return {f.func for f in _fields_in(expr)}


def _condition_expr(c):
    """What a boundary condition holds fields in: a boundary equation's expression, a
    shorthand's value."""
    return c.expr if isinstance(c, BoundaryEquation) else getattr(c, "value", 0)


def _place_time_only(system, block_of: dict) -> None:
    """Fields of time only (a reservoir v(t) feeding a block's wall) join the block whose
    fields they meet (in their equations and conditions, or through other such fields),
    where the shared axis's machinery for fields beside a grid holds them; one that
    meets no block joins the first. `block_of` gains them; meeting two blocks is refused."""
    others = [f.func for f in system.fields if f.func not in block_of]
    links = [_functions_in(e.lhs - e.rhs) for e in system.equations]
    links += [_functions_in(_condition_expr(c)) | {c.field.func}
              for c in system.conditions if not isinstance(c, Initial) and hasattr(c, "field")]
    group = set(others)  # the time-only fields not yet placed
    for f in others:
        if f not in group:
            continue
        mine, todo = {f}, [f]
        while todo:
            g = todo.pop()
            for link in links:
                if g in link:
                    new = {h for h in link if h in group and h not in mine}
                    mine |= new
                    todo += list(new)
        blocks = {block_of[h] for link in links if link & mine for h in link if h in block_of}
        if len(blocks) > 1:
            _refuse(f"{', '.join(sorted(f'{h}(t)' for h in map(str, mine)))}, of time only, meeting the blocks "
                    f"{', '.join(sorted(map(str, blocks)))}")
        target = blocks.pop() if blocks else next(iter(system.blocks.maps))
        for h in mine:
            block_of[h] = target
        group -= mine


def discretize_blocks(system, grid: dict, order, backend, advection, optimize_kernel):
    """The CompositeProblem of a block system whose blocks' nodes in s differ: `grid`
    as the user gave it ({x1: spec, x2: spec})."""
    from ._problem import discretize

    if backend == "cuda":
        _refuse("the CUDA backend")
    if system.algebraic:
        _refuse(f"algebraic equations (for {', '.join(map(str, system.algebraic))})")
    block_of = _block_of(system)
    _place_time_only(system, block_of)
    time, s = system.time, system.blocks.s
    # interface conditions: those holding fields of two blocks
    interface, own = [], {v: [] for v in system.blocks.maps}
    for c in system.conditions:
        if isinstance(c, Initial):
            own[block_of[c.field.func]].append(c)
            continue
        touched = {block_of[f] for f in _functions_in(_condition_expr(c))} | {block_of[c.field.func]}
        if len(touched) > 1:
            if not isinstance(c, BoundaryEquation) or c.dynamic:
                _refuse(f"the interface condition {c} (a time derivative at an interface)")
            interface.append(c)
        else:
            own[block_of[c.field.func]].append(c)
    for e in system.equations:
        touched = {block_of[f] for f in _functions_in(e.lhs - e.rhs)}
        if len(touched) > 1:
            _refuse(f"the equation {e.lhs} = {e.rhs}, which reads another block's field at a point")
    # one interface value W per field wall an interface condition determines
    unknowns = {}
    for c in interface:
        key = (c.field, c.side)
        if key in unknowns:
            _refuse(f"two interface conditions determining {c.field} at s = {c.side}")
        unknowns[key] = Parameter(f"w_{c.field.func}_{c.side}", 0.0)
    parts, offset = [], 0
    s_nodes = system.blocks.block_nodes(grid)
    for v, conditions in own.items():
        fields = [f for f in system.fields if block_of[f.func] == v]
        walls = [Dirichlet(f, s, side, w) for (f, side), w in unknowns.items() if f in fields]
        for c in conditions:
            if not isinstance(c, Initial) and (c.field, c.side) in unknowns:
                _refuse(f"{c.field} at s = {c.side} with an interface condition beside {c}")
        sub = type(system)(
            [e for e in system.equations if _fields_in(e.lhs - e.rhs) <= set(fields)],
            conditions + walls, domain={**({time: system.domain[time]} if time is not None else {}), s: (0.0, 1.0)},
            name=f"{system.name}_{v}", time=time, parameters=dict(system.parameters))
        nodes = s_nodes[v]
        uniform = np.abs(np.diff(nodes) - np.diff(nodes).mean()).max() <= 1e-12
        prob = discretize(sub, {s: len(nodes) if uniform else nodes}, order=order, backend=backend,
                          advection=advection, optimize_kernel=optimize_kernel)
        base = prob.stencil.base_params
        slots = {base.index(w): list(unknowns.values()).index(w) for (f, _), w in unknowns.items()
                 if f in fields and w in base}
        parts.append(_Part(v, prob, offset, slots))
        offset += int(np.prod(prob.shape))
    owned = {(c.field, c.side): c for cs in own.values() for c in cs if not isinstance(c, Initial)}
    solved = _solve_interfaces(system, parts, interface, unknowns, order, owned)
    return CompositeProblem(system, tuple(parts), backend, solved)


MAX_NEWTON = 30  # iterations of a nonlinear interface solve (a linear one takes one)


@dataclass(frozen=True)
class _Interfaces:
    """The interface equations F(W; V, Q, t) = 0 lowered at their walls: W the interface
    values, V the state nodes they read (`ix[:len(V)]` their indices in the composite
    state), Q the one-sided weights (`q`). Generated code reads V and Q from arrays, so
    one compiled function serves every grid of the system; `ix` ends with the state
    index of each W's own wall node, the first guess of a nonlinear solve."""

    W: tuple  # unknowns (Dummy)
    V: tuple  # state nodes (Dummy)
    Q: tuple  # weights (Dummy)
    F: tuple  # the lowered equations
    params: tuple  # parameters the equations read
    time: sympy.Symbol
    ix: np.ndarray = field(compare=False)
    q: np.ndarray = field(compare=False)

    @functools.cached_property
    def dF_dW(self) -> tuple:
        """dF_k / dW_j, rows k."""
        return tuple(tuple(sympy.diff(f, w) for w in self.W) for f in self.F)

    @functools.cached_property
    def linear(self) -> bool:
        return not any(a.has(*self.W) for row in self.dF_dW for a in row)

    def source(self) -> str:
        """`interfaces(U, t, q, ix, *params)` (the W values) and `interface_gradient(...)`
        (dW/dV, by implicit differentiation) as Numba-compilable Python."""
        from symnum.codegen._printing import to_python

        names = {self.time: "t", **{p: f"p_{k}" for k, p in enumerate(self.params)}}
        names.update({v: f"v_{k}" for k, v in enumerate(self.V)})
        names.update({w: f"w[{k}]" for k, w in enumerate(self.W)})
        names.update({q: f"q[{k}]" for k, q in enumerate(self.Q)})
        nw, nv = len(self.W), len(self.V)
        head = ", ".join(["U", "t", "q", "ix"] + [f"p_{k}" for k in range(len(self.params))])
        reads = [f"    v_{k} = U[ix[{k}]]" for k in range(nv)]

        def residual_and_matrix():
            lines = [f"        F[{k}] = {to_python(f, names)}" for k, f in enumerate(self.F)]
            return lines + matrix("        ")

        def matrix(pad):
            return [f"{pad}A[{k}, {j}] = {to_python(a, names)}" for k, row in enumerate(self.dF_dW)
                    for j, a in enumerate(row)]

        closed = self._closed_form(names) if self.linear else None
        guess = "numpy.zeros(%d)" % nw if self.linear else f"numpy.array([U[ix[{nv} + k]] for k in range({nw})])"
        if closed is not None:  # straight-line code, no arrays: what every RHS call runs
            out = [f"def interfaces({head}):", *reads, *closed, ""]
        else:
            out = [f"def interfaces({head}):", *reads, f"    w = {guess}",
                   f"    F = numpy.empty({nw})", f"    A = numpy.empty(({nw}, {nw}))", "    last = numpy.inf",
                   f"    for _ in range({1 if self.linear else MAX_NEWTON}):", *residual_and_matrix(),
                   "        dw = _gauss(A, F)",
                   "        w -= dw",
                   "        step, scale = numpy.abs(dw).max(), 1.0 + numpy.abs(w).max()",
                   "        if step <= 1e-13 * scale or (step >= last and step <= 1e-8 * scale):",
                   "            return w  # converged, or at the rounding floor of an ill-conditioned F",
                   "        last = step",
                   # not converged: NaN, which the integrators report (never a wrong wall value)
                   "    return w" if self.linear else "    return w * numpy.nan", "", ""]
        out += ["@numba.njit(cache=True, error_model=\"numpy\")",
                f"def interface_gradient({head}):", f"    w = interfaces({head})",
                *reads, f"    A = numpy.empty(({nw}, {nw}))", f"    B = numpy.empty(({nw}, {nv}))", *matrix("    ")]
        out += [f"    B[{k}, {j}] = {to_python(sympy.diff(f, v), names)}"
                for k, f in enumerate(self.F) for j, v in enumerate(self.V)]
        out += [f"    G = numpy.empty(({nw}, {nv}))",
                f"    for j in range({nv}):",
                "        G[:, j] = -_gauss(A.copy(), B[:, j].copy())",
                "    return G"]
        return "\n".join(out) + "\n"

    def _closed_form(self, names, largest=3):
        """Linear interfaces: the W values as straight-line code (`w = (...)`), each
        group of equations sharing unknowns (one interface, usually 1-2 unknowns) solved
        symbolically; None where a group has more than `largest` unknowns (then Gauss)."""
        from symnum.codegen._printing import to_python

        if not self.W:
            return ["    return numpy.empty(0)"]
        groups = []  # (equation indices, unknowns): connected through shared unknowns
        for k, f in enumerate(self.F):
            mine = {w for w in self.W if f.has(w)}
            joined = [g for g in groups if g[1] & mine]
            eqs, ws = {k}, set(mine)
            for g in joined:
                eqs |= g[0]
                ws |= g[1]
                groups.remove(g)
            groups.append((eqs, ws))
        solution = {}
        for eqs, ws in groups:
            ws = [w for w in self.W if w in ws]
            if len(ws) > largest or len(ws) != len(eqs):
                return None
            A, b = sympy.linear_eq_to_matrix([self.F[k] for k in sorted(eqs)], ws)
            solution.update(zip(ws, A.LUsolve(b)))
        temps, values = sympy.cse([solution[w] for w in self.W], symbols=sympy.numbered_symbols("c_"))
        names = {k: v for k, v in names.items() if k not in self.W}
        lines = [f"    {c} = {to_python(e, names)}" for c, e in temps]
        tail = ", ".join(to_python(v, names) for v in values)
        return lines + [f"    return ({tail},)"]


# Gaussian elimination with partial pivoting for the small interface systems (a few
# unknowns: no LAPACK call per evaluation); overwrites A and b
_GAUSS = """
@numba.njit(cache=True, error_model="numpy")
def _gauss(A, b):
    n = b.shape[0]
    for c in range(n):
        p = c
        for r in range(c + 1, n):
            if abs(A[r, c]) > abs(A[p, c]):
                p = r
        if p != c:
            for k in range(n):
                A[c, k], A[p, k] = A[p, k], A[c, k]
            b[c], b[p] = b[p], b[c]
        for r in range(c + 1, n):
            m = A[r, c] / A[c, c]
            for k in range(c, n):
                A[r, k] -= m * A[c, k]
            b[r] -= m * b[c]
    x = numpy.empty(n)
    for c in range(n - 1, -1, -1):
        acc = b[c]
        for k in range(c + 1, n):
            acc -= A[c, k] * x[k]
        x[c] = acc / A[c, c]
    return x
"""


def _solve_interfaces(system, parts, interface, unknowns, order, owned) -> _Interfaces:
    """Each interface condition lowered at its wall: every field's value there is its W
    where the interface determines that wall, else the state's wall node; its
    s-derivatives one-sided on its block's own nodes, with the windows and accuracy
    the shared axis lowers a condition with (`_Lowering._window`). `owned`: {(field,
    side): its own condition there}, walls whose state values the interfaces cannot read."""
    from ._stencil import condition_accuracy, space_orders

    s, time = system.blocks.s, system.time
    part_of = {}
    for p in parts:
        for k, f in enumerate(p.problem.fields):
            part_of[f] = (p, k)
    central = max(int(order), 2)
    (space,) = space_orders(system, [s])
    W = {key: sympy.Dummy(f"W_{key[0].func}_{key[1]}") for key in unknowns}
    V, Q = {}, {}  # state index -> symbol; (f, side, m, j) -> (symbol, weight)

    def index(f, side, j):
        p, k = part_of[f]
        n = p.shape[1]
        return p.offset + k * n + (j if side == "min" else n - 1 - j)

    def node(f, side, j):
        if j == 0 and (f, side) in W:
            return W[(f, side)]
        if (f, side) in owned:  # its wall node holds what its own condition gives, not a state value
            _refuse(f"an interface condition reading {f} at s = {side}, where its own condition "
                    f"({owned[(f, side)]}) sets it")
        i = index(f, side, j)
        if i not in V:
            V[i] = sympy.Dummy(f"V{i}")
        return V[i]

    def lowered(expr, side):
        reps = {}
        for d in expr.atoms(sympy.Derivative):
            f = d.expr
            if not is_field(f) or set(d.variables) != {s}:
                _refuse(f"the derivative {d} in an interface condition")
            m = len(d.variables)
            p, _ = part_of[f]
            nodes = np.asarray(p.problem.stencil.axes[0].coords)
            count = one_sided_count(m, condition_accuracy(central, space, m))
            window = range(count) if side == "min" else range(len(nodes) - 1, len(nodes) - 1 - count, -1)
            w = fornberg_weights_at(nodes[list(window)], m, at=nodes[0 if side == "min" else -1])
            terms = []
            for j, wj in enumerate(w):
                key = (f, side, m, j)
                if key not in Q:
                    Q[key] = (sympy.Dummy(f"Q{len(Q)}"), wj)
                terms.append(Q[key][0] * node(f, side, j))
            reps[d] = sympy.Add(*terms)
        out = expr.xreplace(reps)
        out = out.xreplace({f: node(f, side, 0) for f in _fields_in(out)})
        return out.xreplace({s: sympy.Float(0.0 if side == "min" else 1.0)})

    F = tuple(lowered(c.expr, c.side) for c in interface)
    params = tuple(sorted({q for e in F for q in e.free_symbols if isinstance(q, Parameter)}, key=str))
    ix = np.array(list(V) + [index(f, side, 0) for f, side in W], dtype=np.int64)
    q = np.array([w for _, w in Q.values()], dtype=float)
    out = _Interfaces(tuple(W.values()), tuple(V.values()), tuple(sym for sym, _ in Q.values()), F, params,
                      time, ix, q if len(q) else np.zeros(1))
    if out.linear:  # A W = b with A free of the state: check A once, here
        A = sympy.Matrix(out.dF_dW)
        at = {**dict(Q.values()), **dict(system.parameters)}
        if time is not None:
            at[time] = float(system.domain[time][0])
        if abs(float(A.xreplace(at).det())) <= 1e-300:
            raise DiscretizationError(
                f"the interface conditions ({'; '.join(str(c) for c in interface)}) do not determine the "
                f"interface values of {', '.join(str(f) for f, _ in W)}: check that they are independent")
    return out


@dataclass
class CompositeProblem:
    """A system of 1-D blocks with different nodes, discretized block by block
    (`parts`), its state the blocks' states end to end (`shape` = (total,)); `rhs`,
    `jacobian`, `fill_boundaries` and `loop_kernel` (what the compiled loops call)
    solve the interface values first. `solve` integrates it with the explicit,
    Rosenbrock and scipy methods; `sol[c1]`, `sol.grid[x1]` show each block in its
    own variable."""

    system: object
    parts: tuple
    backend: str
    interfaces: _Interfaces
    u0: np.ndarray = None
    params: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict, compare=False)
    kind = "composite"
    algebraic = ()
    mass = None
    device_global_kernel = None

    def __post_init__(self):
        if not self.params:
            self.params = dict(self.system.parameters)
        if self.u0 is None:
            t0 = self.tspan[0] if self.tspan else 0.0
            y = np.concatenate([p.problem.u0.reshape(-1) for p in self.parts])
            self.u0 = self.fill_boundaries(y, t0)

    # -- what the integrators read ----------------------------------------------------

    @property
    def fields(self) -> tuple:
        return tuple(f for p in self.parts for f in p.problem.fields)

    @property
    def shape(self) -> tuple:
        return (sum(p.size for p in self.parts),)

    @property
    def tspan(self):
        time = self.system.time
        return None if time is None else self.system.domain[time]

    @property
    def steady(self) -> bool:
        return self.system.time is None

    @functools.cached_property
    def stencil(self):
        """What the integrators read of a stencil: a state without axes (they step it
        as one vector)."""
        return SimpleNamespace(axes=(), globals=(), reach=(0,), base_params=(), steady=self.steady,
                               time=self.system.time)

    @functools.cached_property
    def kernel(self):
        return SimpleNamespace(dtype="float64", fn=self.loop_kernel, source=self._source)

    fill_kernel = property(lambda self: self.fill_boundaries)

    @functools.cached_property
    def _param_values(self) -> tuple:
        return tuple(float(self.params[q]) for q in self.interfaces.params)

    @functools.cached_property
    def _interface_args(self) -> tuple:
        """The generated interface functions' arguments after (U, t)."""
        return (self.interfaces.q, self.interfaces.ix, *self._param_values)

    @functools.cached_property
    def _scalar_args(self) -> tuple:
        """The loop kernel's scalars: every block's (its W slots ignored), the interface
        weights, node indices and block layout, then the interface equations' parameters."""
        blocks = (a if isinstance(a, np.ndarray) else float(a) for p in self.parts for a in p.problem._scalar_args)
        q, ix, *params = self._interface_args
        return (*blocks, q, ix, self._layout, *params)

    def _state(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        if y.shape != self.shape:
            raise DiscretizationError(
                f"state has shape {y.shape}, but this problem's state has {self.shape[0]} values "
                f"(its blocks' states end to end): pass an array shaped like prob.u0")
        return np.ascontiguousarray(y.reshape(-1))

    def to_device(self, y):
        return np.array(self._state(y), copy=True)

    def interface_values(self, y, t=0.0) -> np.ndarray:
        """The interface values W at state `y`, time `t`."""
        return np.asarray(self._functions.interfaces(self._state(y), float(t), *self._interface_args), dtype=float)

    def rhs(self, y, t=0.0, out=None):
        y = self._state(y)
        out = np.empty_like(y) if out is None else out
        if self.backend == "numba":  # one call: the interface solve and every block's kernel
            self.loop_kernel(y, out, float(t), *self._scalar_args)
            return out
        w = self.interface_values(y, t)
        for p in self.parts:
            p.rhs(y, p.view(out), t, w)
        return out

    def residual(self, y):
        return self.rhs(y, 0.0)

    def fill_boundaries(self, y, t=0.0) -> np.ndarray:
        """A copy of `y` whose eliminated wall nodes (interface walls among them) hold
        their values."""
        y = self._state(y)
        out = y.copy()
        w = self.interface_values(y, t)
        for p in self.parts:
            prob = p.problem
            if prob.fill_kernel is not None:
                prob.fill_kernel(p.view(y), p.view(out), float(t), *p.kernel_args(y, t, w))
        return out

    def jacobian(self, y, t=0.0):
        """d rhs / d y (CSR): the blocks' Jacobians at their interface values, plus the
        interface coupling d rhs / d W dW / d y (d rhs / d W by a difference of each
        block's rhs in W; dW / dy from the symbolic solution)."""
        y = self._state(y)
        w = self.interface_values(y, t)
        blocks = [p.jacobian(y, t, w) for p in self.parts]
        J = scipy.sparse.block_diag(blocks, format="csr")
        if not len(w):
            return J
        dw = self._functions.interface_gradient(y, float(t), *self._interface_args)
        reads = self.interfaces.ix[:len(self.interfaces.V)]
        base = self.rhs(y, t)
        cols = []
        for k in range(len(w)):
            dk = np.zeros_like(y)
            step = 1e-7 * max(1.0, abs(w[k]))
            for p in self.parts:
                if k not in p.walls.values():
                    continue
                bumped = w.copy()
                bumped[k] += step
                out = np.empty(p.shape)
                p.rhs(y, out, t, bumped)
                dk[p.offset:p.offset + p.size] = (out.reshape(-1) - base[p.offset:p.offset + p.size]) / step
            cols.append(dk)
        dR = np.array(cols).T  # d rhs / d W: (total, nW)
        rows = np.flatnonzero(np.any(dR != 0, axis=1))
        coupling = scipy.sparse.coo_matrix(
            ((dR[rows] @ dw).ravel(), (np.repeat(rows, len(reads)), np.tile(reads, len(rows)))),
            shape=J.shape)
        return (J + coupling).tocsr()

    def time_derivative(self, y, t=0.0):
        """d rhs / d t at fixed `y`, by a central difference (the blocks' boundary values
        and forcing, and the interface values, may all depend on t)."""
        dt = 1e-6 * max(1.0, abs(t))
        return (self.rhs(y, t + dt) - self.rhs(y, t - dt)) / (2 * dt)

    def split(self):
        _refuse("IMEX splitting (kencarp)")

    def remake(self, params: dict | None = None, u0=None) -> "CompositeProblem":
        """The same compiled blocks with new parameter values and/or initial state."""
        params = dict(params or {})
        for q in params:
            if q not in self.params:
                raise DiscretizationError(
                    f"{q!r} is not a parameter of this problem; its parameters are {tuple(self.params)}")
        parts = tuple(replace(p, problem=p.problem.remake({q: v for q, v in params.items()
                                                           if q in p.problem.params} or None)) for p in self.parts)
        new = CompositeProblem(self.system, parts, self.backend, self.interfaces,
                               params={**self.params, **{q: float(v) for q, v in params.items()}})
        if u0 is not None:
            new.u0 = new._state(u0).copy()
        return new

    # -- the compiled loops' function ----------------------------------------------------

    @functools.cached_property
    def _generated(self):
        """(module, source) of the interface solve and the loop kernel: the blocks' kernels
        called on their slices of the state, the layout (`lay`: offset, fields, nodes per
        block), weights and node indices read from arrays, so that every grid of the
        system shares one compiled loop."""
        from symnum.codegen._compile import load_source
        from symnum.codegen._stencil_kernel import SERIAL, twin

        lines = ["import sys", "import math", "import numba", "import numpy", "", _GAUSS, "",
                 "@numba.njit(cache=True, error_model=\"numpy\")", self.interfaces.source(), ""]
        args, calls, k = [], [], 0
        for b, p in enumerate(self.parts):
            fn = p.problem.loop_kernel if self.backend == "numba" else p.problem.kernel.fn
            serial = (twin(fn, SERIAL) or fn) if self.backend == "numba" else fn
            module = getattr(serial, "py_func", serial).__module__
            lines.append(f"block_{b} = getattr(sys.modules[{module!r}], {serial.__name__!r})")
            mine = []
            for slot in range(len(p.problem._scalar_args)):
                args.append(f"a_{k}")
                mine.append(f"w[{p.walls[slot]}]" if slot in p.walls else f"a_{k}")
                k += 1
            calls += [f"    lo, nf, n = lay[{3 * b}], lay[{3 * b + 1}], lay[{3 * b + 2}]",
                      f"    block_{b}(U[lo:lo + nf * n].reshape((nf, n)), out[lo:lo + nf * n].reshape((nf, n)), t, "
                      f"{', '.join(mine)})"]
        params = [f"p_{j}" for j in range(len(self.interfaces.params))]
        name = f"composite_{self.system.name}" if self.system.name.isidentifier() else "composite"
        jit = "@numba.njit(cache=True, error_model=\"numpy\")" if self.backend == "numba" else ""
        lines += ["", "", jit,
                  f"def {name}({', '.join(['U', 'out', 't'] + args + ['q', 'ix', 'lay'] + params)}):",
                  f"    w = interfaces({', '.join(['U', 't', 'q', 'ix'] + params)})", *calls]
        source = "\n".join(lines) + "\n"
        module = load_source(source, name)
        module.loop = getattr(module, name)
        return module, source

    @property
    def _functions(self):
        return self._generated[0]

    @functools.cached_property
    def _layout(self) -> np.ndarray:
        return np.array([v for p in self.parts for v in (p.offset, *p.shape)], dtype=np.int64)

    @property
    def loop_kernel(self):
        """What the compiled loops call: `f(U, out, t, *_scalar_args)`."""
        if self.backend != "numba":
            raise DiscretizationError("the compiled loops need the numba backend")
        return self._functions.loop

    @property
    def _source(self) -> str:
        return self._generated[1]

    # -- solutions: each block's fields in its own variable --------------------------------

    def locate(self, flat_index: int) -> str:
        """Which field, and where, a composite state index is (for error messages)."""
        for p in self.parts:
            if p.offset <= flat_index < p.offset + p.size:
                k, j = divmod(flat_index - p.offset, p.shape[1])
                f = p.problem.fields[k]
                v = self.system.blocks.variable(f)
                written = next((w for w, inner in self.system.blocks.fields.items() if inner == f), f)
                if v is None:  # a field of time only
                    return f"field {written}"
                x = self.system.blocks.maps[v].x(p.problem.stencil.axes[0].coords[j])
                return f"field {written} at {v} = {x:.6g}"
        return f"state index {flat_index}"

    def field_values(self, states, f, axis: int):
        """Field `f` (as written, or on s) from composite states (`axis` the state axis)."""
        inner = self.system.blocks.inner(f)
        for p in self.parts:
            if inner in p.problem.fields:
                k, n = p.problem.fields.index(inner), p.shape[1]
                lo = p.offset + k * n
                if inner in getattr(p.problem.system, "held", ()):  # of time only: one value per time
                    return np.take(states, lo, axis=axis)
                values = np.take(states, np.arange(lo, lo + n), axis=axis)
                return self.system.blocks.view(f, values, axis=-1)
        raise KeyError(f"{f} is not a field of this solution; its fields are {self.fields}")

    def user_grid(self) -> dict:
        out = {}
        for p in self.parts:
            m = self.system.blocks.maps[p.variable]
            out[p.variable] = np.sort(m.x(np.asarray(p.problem.stencil.axes[0].coords)))
        return out

    @property
    def grid(self) -> dict:
        return self.user_grid()
