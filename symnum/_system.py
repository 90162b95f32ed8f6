"""`PDESystem` and `ODESystem`: a model checked once, at construction.

A system is frozen. It knows its time variable (None when steady), its spatial
variables, fields, parameters with values, each field's evolution equation
$\\partial_t u = $ `sys.rhs[u]` (for a field of `sys.algebraic`, a DAE's
algebraic field v, $0 = $ `sys.rhs[v]`) and its boundary and initial conditions. Every
mistake a user can make in a model is reported here, as a `ModelError` that
names the culprit and the fix, before any solver sees the model.

Completeness is another matter: a finite-difference solve needs an equation and an
initial value for every field and a condition on every side it differentiates
across, but a PINN does not (an unknown coefficient field learned from data, the
pressure fixed at one wall only). What only some solvers need is recorded at
construction (`sys.incomplete`) and raised by those solvers
(`sys.check_complete(...)`, which `discretize` calls).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import sympy

from ._blocks import join_blocks
from ._surfaces import lift_surfaces
from ._boundary_equations import as_equation, convert_conditions, needed_conditions
from ._complex import split_complex
from ._conditions import _compact as _compact_str
from ._conditions import (
    SIDES,
    AbstractBoundaryCondition,
    AbstractCondition,
    BoundaryEquation,
    Dirichlet,
    GeometricCondition,
    Initial,
    Neumann,
    Periodic,
    Robin,
)
from ._errors import ModelError
from ._fractional import FractionalDerivative, FractionalLaplacian
from ._expressions import (Parameter, is_field, is_point_derivative, is_point_value, nodes_outside,
                           point_derivative_parts, solve_linear)
from ._geometry import Box, Geometry
from ._expressions import fields as fields_of

__all__ = ["AbstractSystem", "PDESystem", "ODESystem"]


class _Inferred:
    """The default of `time=`: found from the equations (explicit None: steady)."""

    def __repr__(self) -> str:
        return "<inferred>"


INFER = _Inferred()


def _ordinal(i: int) -> str:
    return f"equation {i + 1}"


def _fields_in_order(exprs: Iterable) -> list:
    seen: dict = {}
    for e in exprs:  # a Subs's field is written with any symbol: not a field of the system
        for node in nodes_outside(sympy.sympify(e), lambda n: isinstance(n, sympy.Subs)):
            if is_field(node) and not is_point_value(node):
                seen.setdefault(node, None)
    return list(seen)


def _subsequence(part: tuple, whole: tuple) -> bool:
    """Whether `part` is `whole` with some entries left out, in the same order."""
    it = iter(whole)
    return all(v in it for v in part)


def _number(value) -> str:
    return f"{float(value):g}" if value.is_number else str(value)


def _derivative_orders(expr) -> dict:
    """{field: {var: highest derivative order}} over `expr`; nested derivatives add
    up, so D(x)(u * D(x)(v)) differentiates v twice in x."""
    if is_field(expr):
        return {expr: {}}
    out: dict = {}
    if isinstance(expr, sympy.Derivative):
        for f, orders in _derivative_orders(expr.expr).items():
            orders = dict(orders)
            for v, k in expr.variable_count:
                orders[v] = orders.get(v, 0) + int(k)
            _merge(out, {f: orders})
        return out
    for a in expr.args:
        _merge(out, _derivative_orders(a))
    return out


def derivative_orders(exprs) -> dict:
    """{field: {var: highest derivative order}} over all of `exprs`."""
    orders: dict = {}
    for e in exprs:
        _merge(orders, _derivative_orders(e))
    return orders


def _merge(into: dict, new: dict) -> None:
    for f, orders in new.items():
        cur = into.setdefault(f, {})
        for v, k in orders.items():
            cur[v] = max(cur.get(v, 0), k)


class AbstractSystem:
    """What `PDESystem` and `ODESystem` share: construction-time validation,
    substitution, printing. Not instantiated directly."""

    _kind = "system"

    def __init__(
        self,
        equations,
        bcs=(),
        domain: Mapping | None = None,
        name: str = "system",
        *,
        time=INFER,
        parameters: Mapping | None = None,
    ):
        if type(self) is AbstractSystem:
            raise TypeError("AbstractSystem is abstract: use PDESystem or ODESystem")
        if not isinstance(name, str) or not name:
            raise ModelError(f"name must be a non-empty string, got {name!r}")
        self.name = name
        self.incomplete = ()  # what only some solvers need, as messages (check_complete)
        equations = self._check_equations(equations)
        bcs = self._check_conditions(bcs)
        self._given = (equations, bcs)  # as written: substitute() and with_parameters() rebuild from it
        self._domain_given = domain
        domain, self.geometry = self._check_domain(domain)
        # complex fields (I in the model) -> real and imaginary parts, psi_re and psi_im
        fields = tuple(_fields_in_order(e.lhs - e.rhs for e in equations))
        equations, bcs, self.complex_fields = split_complex(equations, bcs, _time_candidate(fields, time))
        fields = tuple(_fields_in_order(e.lhs - e.rhs for e in equations))
        # fields on separate 1-D domains (c1(t, x1), c2(t, x2)) -> one shared coordinate
        equations, bcs, self.domain, self.blocks = join_blocks(
            equations, bcs, domain, _time_candidate(fields, time))
        fields = tuple(_fields_in_order(e.lhs - e.rhs for e in equations))
        # a field on a boundary, h(t, x) reading u.subs(y, 1) -> h(t, x, y) evolving on that wall
        equations, bcs, self.surfaces = lift_surfaces(equations, bcs, self.domain, _time_candidate(fields, time))
        fields = tuple(_fields_in_order(e.lhs - e.rhs for e in equations))
        # sn.Eq(<fields at a boundary>, value) -> BoundaryEquation (or Initial at t = t0)
        bcs = convert_conditions(bcs, self.domain, equations, _time_candidate(fields, time))
        # D(t, 2)(u) -> a velocity field u_dot with D(t)(u) = u_dot (first order in time)
        self.equations, self.conditions, self.velocities = _reduce_second_order(equations, bcs, fields, time)
        self.fields = tuple(_fields_in_order(e.lhs - e.rhs for e in self.equations))
        self._check_fields()
        self.parameters = self._check_symbols(parameters or {})
        self.time = self._find_time(time)
        self.space = tuple(v for v in self.full_args if v != self.time)
        self._check_time_only()
        self._check_integrals()
        self._check_fractional()
        self.undetermined = ()  # fields no equation determines (time-dependent systems)
        self.rhs, self.residuals, self.algebraic = self._split_equations()
        if self.rhs:
            # the state's field order is the equations' order: u_t = ... first
            object.__setattr__(self, "fields", tuple(self.rhs) + self.undetermined)
        self.periodic, self.boundary, self.initial = self._sort_conditions()
        self._check_kind()

    # -- validation ------------------------------------------------------------------

    @staticmethod
    def _check_equations(equations) -> tuple:
        if isinstance(equations, (sympy.Basic, bool)):
            equations = [equations]
        try:
            equations = list(equations)
        except TypeError:
            raise ModelError(
                f"equations must be a list of sn.Eq(lhs, rhs), got {equations!r}"
            ) from None
        if not equations:
            raise ModelError("a system needs at least one equation, got none")
        for i, e in enumerate(equations):
            if isinstance(e, (bool, sympy.logic.boolalg.BooleanAtom)):
                raise ModelError(
                    f"{_ordinal(i)} is {e!r}: sympy.Eq evaluated it away; build "
                    f"equations with sn.Eq(lhs, rhs), which never evaluates"
                )
            if not isinstance(e, sympy.Equality):
                raise ModelError(
                    f"{_ordinal(i)} is {e!r} of type {type(e).__name__}, not an equation: "
                    f"write sn.Eq(lhs, rhs) (or sn.Eq(expr) for expr = 0)"
                )
        return tuple(equations)

    @staticmethod
    def _check_conditions(bcs) -> tuple:
        if isinstance(bcs, AbstractCondition):
            bcs = [bcs]
        bcs = list(bcs or ())
        for c in bcs:
            if isinstance(c, (bool, sympy.logic.boolalg.BooleanAtom)):
                raise ModelError(
                    f"a condition is {c!r}: sympy.Eq evaluated it away; build boundary equations "
                    f"with sn.Eq(lhs, rhs), which never evaluates"
                )
            if not isinstance(c, (AbstractCondition, sympy.Equality)):
                raise ModelError(
                    f"{c!r} is not a boundary or initial condition: use sn.Periodic, "
                    f"sn.Dirichlet, sn.Neumann, sn.Robin, sn.Initial, or a boundary equation "
                    f"sn.Eq(<fields at a boundary, e.g. u.subs(x, 0)>, value)"
                )
        return tuple(bcs)

    @staticmethod
    def _check_domain(domain) -> tuple:
        """({variable: (lo, hi)}, {variables: geometry}): the intervals of every variable
        (a geometry's bounding box for its variables) and the geometries that are not
        boxes (a Rectangle or Box is its intervals)."""
        if not isinstance(domain, Mapping) or not domain:
            raise ModelError(
                f"domain must be a dict of intervals such as {{t: (0, 1), x: (0, 1)}}, "
                f"got {domain!r}"
            )
        out, geometry = {}, {}
        for var, interval in domain.items():
            names = var if isinstance(var, tuple) else (var,)
            for v in names:
                if not isinstance(v, sympy.Symbol) or isinstance(v, Parameter):
                    raise ModelError(
                        f"domain key {v!r} is not an independent variable: use the "
                        f"variables from sn.variables(...)"
                    )
            if isinstance(interval, Geometry):
                if interval.dim != len(names):
                    raise ModelError(
                        f"domain[{var}] = {interval}: a {interval.dim}-D geometry for {len(names)} "
                        f"variable(s); key it by as many, e.g. domain={{(x, y): sn.Disk((0, 0), 1)}}"
                    )
                lo, hi = interval.bbox
                for v, a, b in zip(names, lo, hi):
                    out[v] = (float(a), float(b))
                if not isinstance(interval, Box):
                    geometry[names] = interval
                continue
            if isinstance(var, tuple):
                raise ModelError(
                    f"domain[{var}] = {interval!r}: several variables take a geometry "
                    f"(sn.Rectangle, sn.Disk, sn.Polygon, ...)"
                )
            try:
                lo, hi = (float(b) for b in interval)
            except (TypeError, ValueError):
                raise ModelError(
                    f"domain[{var}] = {interval!r} is not an interval (lo, hi) of two "
                    f"real numbers"
                ) from None
            if not (abs(lo) < float("inf") and abs(hi) < float("inf")):
                raise ModelError(f"domain[{var}] = {interval!r} must be finite")
            if not lo < hi:
                raise ModelError(
                    f"domain[{var}] = {interval!r} is empty or reversed: give (lo, hi) "
                    f"with lo < hi, e.g. ({min(lo, hi):g}, {max(lo, hi) if lo != hi else lo + 1:g})"
                )
            out[var] = (lo, hi)
        return out, geometry

    def _all_expressions(self):
        for i, e in enumerate(self.equations):
            yield _ordinal(i), e.lhs - e.rhs
        for c in self.conditions:
            where = f"the condition {c}" if isinstance(c, BoundaryEquation) else \
                f"{type(c).__name__}({getattr(c, 'field', getattr(c, 'var', ''))}, ...)"
            for attr in ("value", "a", "b", "expr"):
                if hasattr(c, attr):
                    yield where, getattr(c, attr)

    def _check_supported(self) -> None:
        """Terms no discretization handles yet, named here rather than failing deep
        inside sympy or the rewriter: integrals in conditions."""
        for where, expr in self._all_expressions():
            integrals = expr.atoms(sympy.Integral)
            if integrals and not where.startswith("equation "):
                i = next(iter(integrals))
                raise ModelError(
                    f"{where} contains the integral {i}: integral terms are supported in the "
                    f"equations, not in boundary conditions"
                )

    def _check_integrals(self) -> None:
        """Integral terms: over the whole domain of every spatial variable (a number per
        time, `Integral(f, (x, lo, hi))`), or over a box within it (numeric limits inside
        the domain), which the method of lines evaluates by quadrature; or along one
        variable between limits in the variables (a running or Volterra integral,
        `Integral(exp(t) * y, (t, 0, t))`), which the PINN evaluates by Gauss quadrature
        of its network and discretize refuses (deferred, with the hint)."""
        variables = [*([self.time] if self.time is not None else []), *self.space]
        for i, e in enumerate(self.equations):
            for integral in (e.lhs - e.rhs).atoms(sympy.Integral):
                where = f"the {_ordinal(i)} ({integral})"
                limits = integral.limits
                if integral.function.atoms(sympy.Integral):
                    raise ModelError(f"{where} nests an integral in its integrand: write it as one Integral")
                for lim in limits:
                    if len(lim) != 3 or lim[0] not in variables:
                        v0 = (self.space or variables)[0]
                        lo, hi = self.domain[v0]
                        raise ModelError(
                            f"{where} integrates over {lim[0]}{'' if len(lim) == 3 else ' without limits'}: "
                            f"integrate over a variable of the system ({', '.join(map(str, variables))}) "
                            f"between limits, e.g. Integral(f, ({v0}, {lo:g}, {hi:g}))"
                        )
                if not self._within_domain(integral):
                    if len(limits) > 1:
                        raise ModelError(
                            f"{where} integrates over {', '.join(str(lim[0]) for lim in limits)} between limits "
                            f"other than the domain's: an integral over several variables runs over the whole "
                            f"domain of every spatial variable; a partial one runs along one variable"
                        )
                    v, a, b = limits[0]
                    start = ("sn.Initial(w, 0)" if v == self.time else f"sn.Dirichlet(w, {v}, \"min\", 0)")
                    self._defer(
                        f"{where} integrates {v} from {a} to {b}, which is not the whole domain of every spatial "
                        f"variable: the method of lines takes integral terms over the whole domain; write a "
                        f"running integral w = Integral(f, ({v}, {a}, {v})) as a field with "
                        f"sn.Eq(sn.D({v})(w), f) and {start} (the PINN trains it as written, by Gauss "
                        f"quadrature of its network)"
                    )
                    continue
                fields = {f: sympy.Dummy() for f in integral.function.atoms(sympy.core.function.AppliedUndef)}
                if self.time is not None and integral.function.xreplace(fields).has(self.time):
                    self._defer(
                        f"{where} has the time {self.time} in its integrand: the method of lines takes the "
                        f"time factor out of the integral (the PINN trains it as written)"
                    )

    def _check_fractional(self) -> None:
        """Fractional derivatives: their end inside the variable's domain (the PINN
        integrates the field from there); the method of lines has none (deferred)."""
        for i, e in enumerate(self.equations):
            for term in (e.lhs - e.rhs).atoms(FractionalDerivative):
                v = term.variable
                if v not in self.domain:
                    continue  # the field's own checks name it
                lo, hi = self.domain[v]
                if not lo - 1e-12 <= term.end <= hi + 1e-12:
                    raise ModelError(
                        f"the {_ordinal(i)} ({term}) integrates {v} from {term.end:g}, outside its domain "
                        f"({lo:g}, {hi:g}): start the fractional derivative inside it, e.g. at {lo:g}"
                    )
                self._defer(
                    f"the {_ordinal(i)} has the fractional derivative {term}: the method of lines has no "
                    f"fractional derivatives; the PINN trains it (Gauss-Jacobi quadrature of its network)"
                )
            for term in (e.lhs - e.rhs).atoms(FractionalLaplacian):
                names = tuple(term.variables)
                if names not in self.geometry and not all(v in self.space for v in names):
                    raise ModelError(
                        f"the {_ordinal(i)} ({term}) takes the fractional Laplacian in {names}, which are not "
                        f"spatial variables of the system ({', '.join(map(str, self.space))})"
                    )
                rest = [v for v in self.space if v not in names]
                if rest:
                    raise ModelError(
                        f"the {_ordinal(i)} ({term}) leaves out {', '.join(map(str, rest))}: take the fractional "
                        f"Laplacian in every spatial variable ({', '.join(map(str, self.space))})"
                    )
                self._defer(
                    f"the {_ordinal(i)} has the fractional Laplacian {term}: the method of lines has no "
                    f"fractional derivatives; the PINN trains it (rays by Gauss-Jacobi quadrature of its network)"
                )

    def _within_domain(self, integral) -> bool:
        """Integral over every spatial variable, each between numbers within its domain:
        the whole domain, or a box inside it (MOL.jl's Integral(x in (0.5, 3.0)) on
        [0, 2 pi]), which the method of lines takes by quadrature."""
        limits = integral.limits
        if not self.space or sorted(map(str, (lim[0] for lim in limits))) != sorted(map(str, self.space)):
            return False
        for v, a, b in limits:
            lo, hi = self.domain[v]
            tol = 1e-12 * max(1.0, abs(lo), abs(hi))
            if not (a.is_number and b.is_number and lo - tol <= float(a) < float(b) <= hi + tol):
                return False
        return True

    def _check_fields(self) -> None:
        self._check_supported()
        if not self.fields:
            raise ModelError(
                "the equations contain no field: declare unknowns with "
                "`u = sn.fields('u', t, x)` and use them in the equations"
            )
        for where, expr in self._all_expressions():
            for node in sympy.preorder_traversal(expr):
                if isinstance(node, sympy.core.function.AppliedUndef) and not is_field(node):
                    raise ModelError(
                        f"{where} uses {node}, which is not a declared field: declare it "
                        f"with `{node.func} = sn.fields('{node.func}', "
                        f"{', '.join(map(str, node.args))})`"
                    )
        args = self.full_args
        widest = next(f for f in self.fields if f.args == args)
        for f in self.fields:
            # a field of fewer variables beside fields of more (v(t) or k(x) beside
            # u(t, x)): of time only, or only for a PINN (`_check_time_only`)
            if f.args != args and not _subsequence(f.args, args):
                raise ModelError(
                    f"field {f} depends on {f.args} but {widest} on {args}: the fields of a "
                    f"{self._kind} share their independent variables, in the same order (a field "
                    f"of fewer of them, v(t) or k(x), may stand beside them); fields on different "
                    f"spatial variables are supported as 1-D blocks joined at interfaces"
                )
        for v in args:
            if v not in self.domain:
                raise ModelError(
                    f"the domain has no interval for {v}, which the field "
                    f"{widest} depends on: add it, e.g. domain={{..., {v}: (0, 1)}}"
                )
        for v in self.domain:
            if v not in args:
                raise ModelError(
                    f"the domain gives an interval for {v}, but no field depends on {v}: "
                    f"remove it, or declare the fields with {v}, e.g. sn.fields('u', "
                    f"{', '.join(map(str, args + (v,)))})"
                )

    def _check_symbols(self, overrides: Mapping) -> dict:
        for p, v in overrides.items():
            if not isinstance(p, Parameter):
                raise ModelError(
                    f"parameters={{{p!r}: ...}}: {p!r} is not a parameter from sn.parameter"
                )
        params: dict = {}
        for where, expr in self._all_expressions():
            for s in expr.free_symbols:
                if s in self.domain and not isinstance(s, Parameter):
                    continue
                if not isinstance(s, Parameter):
                    raise ModelError(
                        f"{where} uses the symbol {s}, which is not declared: declare it "
                        f"with `{s} = sn.parameter('{s}', value)`, or, if it is an "
                        f"independent variable, give it an interval in the domain"
                    )
                params[s] = None
            for d in expr.atoms(sympy.Derivative):
                for v, _ in d.variable_count:
                    if v not in d.expr.free_symbols:
                        raise ModelError(
                            f"{where} differentiates {d.expr} with respect to {v}, which it "
                            f"does not depend on: declare the field with {v} among its "
                            f"arguments, or drop the derivative (it is zero)"
                        )
        by_name: dict = {}
        for p in params:
            other = by_name.setdefault(p.name, p)
            if other is not p:
                raise ModelError(
                    f"two different parameters are named {p.name!r} (values {other.value} "
                    f"and {p.value}): create each parameter once and reuse the object"
                )
        out = {}
        for p in sorted(params, key=lambda s: s.name):
            value = overrides.get(p, p.value)
            if value is None:
                raise ModelError(
                    f"parameter {p} has no value: give it one, e.g. "
                    f"sn.parameter('{p}', 1.0), or PDESystem(..., parameters={{{p}: 1.0}})"
                )
            out[p] = float(value)
        return out

    @property
    def full_args(self) -> tuple:
        """The independent variables of the fields that depend on the most of them."""
        return max((f.args for f in self.fields), key=len)

    @property
    def time_only(self) -> tuple:
        """The fields of time only, v(t), beside fields of (t, x, ...): on the grid, one
        value per time (held at every node), and their equations may use the others'
        integral terms and boundary values."""
        full = self.full_args
        return tuple(f for f in self.fields if f.args != full and f.args == (self.time,))

    @property
    def held(self) -> tuple:
        """The fields of time and some of the spatial variables beside fields of all
        of them: of time only, v(t), or h(t, x) beside u(t, x, y) whose equation
        reads no wall values (one that does is lifted onto its wall, `_surfaces`).
        On the grid they are held constant along the variables they lack."""
        full = self.full_args
        return tuple(f for f in self.fields if f.args != full and self.time in f.args)

    @property
    def partial(self) -> tuple:
        """The fields of fewer variables that are not held (k(x) beside u(t, x)):
        a PINN gives each its own network; the method of lines refuses them."""
        full = self.full_args
        return tuple(f for f in self.fields if f.args != full and f not in self.held)

    def check_complete(self, purpose: str = "discretize") -> None:
        """Raise a ModelError for the first thing `purpose` needs and the system lacks
        (an equation or an initial value of a field, a condition on a side it is
        differentiated across, a field on fewer variables). `discretize` calls this;
        a PINN trains without."""
        if self.incomplete:
            raise ModelError(f"{self.incomplete[0]} ({purpose} needs this; solvers.PINN trains without it)")

    def _defer(self, message: str) -> None:
        object.__setattr__(self, "incomplete", (*self.incomplete, message))

    def _check_time_only(self) -> None:
        for f in self.partial:
            self._defer(
                f"field {f} depends on {', '.join(map(str, f.args))} only, beside fields of "
                f"{self.full_args}: the method of lines holds fields of every variable, or of "
                f"time only ({self.time}), or 1-D blocks of separate variables joined at interfaces"
            )
        for i, e in enumerate(self.equations):
            for node in nodes_outside(e.lhs - e.rhs, is_point_derivative):
                if is_point_derivative(node):  # u_x at a point: its variables as a point value's
                    f, _, at = point_derivative_parts(node, self.fields)
                    if self.time in at:
                        raise ModelError(
                            f"{_ordinal(i)} evaluates {_compact_str(node.expr)} at {self.time} = "
                            f"{_number(at[self.time])}: point values in equations fix spatial variables only"
                        )
                    node = f.func(*(at.get(v, v) for v in f.args))
                if not is_point_value(node):
                    continue
                full = next((f for f in self.fields if f.func == node.func), None)
                where = f"{_ordinal(i)} ({node})"
                if full is None:
                    raise ModelError(f"{where} evaluates {node.func}, which no equation determines")
                for var, value in zip(full.args, node.args):
                    if var == value:
                        if var != self.time:
                            raise ModelError(
                                f"{where} evaluates {full} at some variables but keeps {var}: a point "
                                f"value in an equation fixes every spatial variable (a number per time)"
                            )
                        continue
                    lo, hi = self.domain[var]
                    tol = 1e-12 * max(1.0, abs(lo), abs(hi))
                    if not (value.is_number and lo - tol <= float(value) <= hi + tol):
                        raise ModelError(
                            f"{where} evaluates {full} at {var} = {_number(value)}: a point value must lie in "
                            f"the domain [{lo:g}, {hi:g}] (a number; between nodes it is interpolated)"
                        )

    def _find_time(self, time):
        args = self.full_args
        if time is None:  # said steady
            return None
        if time is not INFER:
            if time not in args:
                raise ModelError(
                    f"time={time!r} is not an independent variable of the fields {args}"
                )
            return time
        orders = derivative_orders(e.lhs - e.rhs for e in self.equations)
        first_order_only = [
            v
            for v in args
            if any(o.get(v) == 1 for o in orders.values())
            and not any(
                v in d.variables and d.variable_count != ((v, 1),)
                for e in self.equations
                for d in (e.lhs - e.rhs).atoms(sympy.Derivative)
            )
        ]
        if len(first_order_only) > 1:
            # Advection u_t + c u_x = 0 is first order in t and x alike: the
            # variable whose derivative stands alone on the left is time.
            on_left = [
                v
                for v in first_order_only
                if any(
                    isinstance(e.lhs, sympy.Derivative) and e.lhs.variable_count == ((v, 1),)
                    for e in self.equations
                )
            ]
            named_t = [v for v in first_order_only if v.name in ("t", "time")]
            first_order_only = on_left if len(on_left) == 1 else named_t
            if len(first_order_only) != 1:
                raise ModelError(
                    f"cannot tell the time variable of {args}: pass it, e.g. "
                    f"{type(self).__name__}(..., time=t), or time=None for a steady system"
                )
        if first_order_only:
            return first_order_only[0]
        # No first-order variable: steady, unless a variable is named as time (then
        # e.g. an equation whose only t-derivative is mixed, u_tx, gets the error that
        # explains the fix; u_tt was reduced to first order before this).
        return _time_candidate(self.fields, INFER)

    def _split_equations(self):
        residuals = tuple(e.lhs - e.rhs for e in self.equations)
        if self.time is None:
            if len(self.equations) > len(self.fields):
                raise ModelError(
                    f"the steady {self._kind} has {len(self.equations)} equations for "
                    f"{len(self.fields)} fields {self.fields}: give one equation per field"
                )
            if len(self.equations) < len(self.fields):
                self._defer(
                    f"the steady {self._kind} has {len(self.equations)} equation(s) for "
                    f"{len(self.fields)} fields {self.fields}: give one equation per field"
                )
            return {}, residuals, ()
        t = self.time
        owner: dict = {}  # equation index -> (field, right-hand side or algebraic residual)
        algebraic = []
        for i, (e, r) in enumerate(zip(self.equations, residuals)):
            dts = [d for d in r.atoms(sympy.Derivative) if t in d.variables]
            for d in dts:
                if d.variable_count != ((t, 1),) or not is_field(d.expr):
                    raise ModelError(
                        f"{_ordinal(i)} contains {d}: a derivative in {t} must be D({t})(u) of a "
                        f"field (or D({t}, 2)(u), reduced to first order automatically); for a "
                        f"mixed derivative in {t} and space, introduce a field w with Eq(D({t})(u), w) "
                        f"and differentiate w"
                    )
            if not dts:
                algebraic.append(i)
                continue
            if len(dts) != 1:
                raise ModelError(
                    f"{_ordinal(i)}, {e}, has {len(dts)} time derivatives "
                    f"{sorted(map(str, dts))}: each differential equation of a time-dependent "
                    f"{self._kind} must contain exactly one, D({t})(u) for its field u"
                )
            dt = dts[0]
            u = dt.expr
            if any(f == u for f, _ in owner.values()):
                raise ModelError(
                    f"{_ordinal(i)} gives D({t})({u}) a second time: give each field "
                    f"exactly one evolution equation"
                )
            if e.lhs == dt:
                owner[i] = (u, e.rhs)
                continue
            value = solve_linear(r, dt)
            if value is None:
                raise ModelError(
                    f"{_ordinal(i)}, {e}, is not linear in D({t})({u}): write it as "
                    f"sn.Eq(D({t})({u}), rhs)"
                )
            owner[i] = (u, value)
        # Algebraic equations (no time derivative) belong to the fields left without an
        # evolution equation: sn.Eq(v, ...) to v, the others in the order of those fields.
        differential = {f for f, _ in owner.values()}
        free = [f for f in self.fields if f not in differential]
        if len(algebraic) < len(free):
            # fields no equation determines (a coefficient field a PINN learns): the
            # algebraic equations go to the fields they name, then to fields of every
            # variable; the rest are left undetermined
            named = [e.lhs for i in algebraic for e in [self.equations[i]] if is_field(e.lhs) and e.lhs in free]
            rest = sorted((f for f in free if f not in named), key=lambda f: -len(f.args))
            kept = named + rest[: len(algebraic) - len(named)]
            for f in free:
                if f not in kept:
                    self._defer(
                        f"field {f} has no evolution equation: add sn.Eq(sn.D({t})({f}), ...) (or, "
                        f"for a DAE, an algebraic equation sn.Eq(0, g(...)) that determines it)"
                    )
            object.__setattr__(self, "undetermined", tuple(f for f in free if f not in kept))
            free = [f for f in free if f in kept]
        if len(algebraic) != len(free):
            if not free:
                i = algebraic[0]
                raise ModelError(
                    f"{_ordinal(i)}, {self.equations[i]}, has no time derivative, and every field "
                    f"already has its evolution equation D({t})(u): an algebraic equation needs a "
                    f"field of its own (a DAE has one field per algebraic equation); drop it or "
                    f"add the field it determines"
                )
            raise ModelError(
                f"{len(algebraic)} algebraic equation(s) (without D({t})) for {len(free)} field(s) "
                f"without an evolution equation {tuple(free)}: give each of these fields either "
                f"sn.Eq(sn.D({t})(u), ...) or one algebraic equation such as sn.Eq(0, g(...))"
            )
        unpaired = []
        for i in algebraic:
            e = self.equations[i]
            if is_field(e.lhs) and e.lhs in free:
                owner[i] = (e.lhs, e.rhs - e.lhs)
                free.remove(e.lhs)
            else:
                unpaired.append(i)
        for i, f in zip(unpaired, free):
            owner[i] = (f, self.equations[i].rhs - self.equations[i].lhs)
        rhs = {owner[i][0]: owner[i][1] for i in sorted(owner)}
        # sys.rhs[v] of an algebraic field v is g of 0 = g
        return rhs, residuals, tuple(owner[i][0] for i in sorted(owner) if i in algebraic)

    def _sort_conditions(self):
        periodic: list = []
        boundary: dict = {}
        initial: dict = {}
        geometric: list = []
        curved = {v: names for names in self.geometry for v in names}
        for names, g in self.geometry.items():
            self._defer(
                f"the domain of {', '.join(map(str, names))} is {g}: finite differences need a rectangular "
                f"domain (intervals, or sn.Rectangle / sn.Box)"
            )
        for c in self.conditions:
            if isinstance(c, GeometricCondition):
                self._check_own_field(c.field, c)
                for f in (f for e in (c.value, c.a, c.b) for f in e.atoms(sympy.core.function.AppliedUndef)):
                    if is_field(f):
                        self._check_own_field(f, c, ": its value holds")
                geometric.append((c, self._region_of(c)))
                self._defer(
                    f"the condition {c} is on a part of the boundary chosen by a geometry or predicate: "
                    f"finite differences take conditions on the sides of each variable, "
                    f"sn.Dirichlet(u, x, 'min', value)"
                )
                continue
            if isinstance(c, AbstractBoundaryCondition) and c.var in curved:
                raise ModelError(
                    f"{type(c).__name__}({c.field}, {c.var}, {c.side!r}, ...): {c.var} is a coordinate of the "
                    f"domain {self.geometry[curved[c.var]]}, which has no 'min' or 'max' side: give the "
                    f"condition on a part of its boundary, sn.{type(c).__name__}({c.field}, <a geometry or "
                    f"a predicate such as {c.var} > 0>, value)"
                )
            if isinstance(c, Periodic) and c.var in curved:
                raise ModelError(
                    f"Periodic({c.var}): {c.var} is a coordinate of the domain {self.geometry[curved[c.var]]}; "
                    f"periodicity needs an interval"
                )
            if isinstance(c, Periodic):
                if c.var == self.time:
                    raise ModelError(
                        f"Periodic({c.var}): {c.var} is the time variable; periodicity "
                        f"applies to spatial variables {self.space}"
                    )
                if c.var not in self.space:
                    raise ModelError(
                        f"Periodic({c.var}): {c.var} is not a spatial variable of this "
                        f"{self._kind} (those are {self.space}): add it to the domain "
                        f"and the fields, or remove the condition"
                    )
                if c.var in periodic:
                    raise ModelError(f"Periodic({c.var}) is given twice: remove one")
                periodic.append(c.var)
            elif isinstance(c, Initial):
                self._check_own_field(c.field, c)
                if c.field in initial:
                    raise ModelError(
                        f"two initial conditions for {c.field}: {initial[c.field]} and "
                        f"{c.value}; keep one"
                    )
                if self.time is not None and self.time in c.value.free_symbols:
                    raise ModelError(
                        f"Initial({c.field}, {c.value}) depends on the time variable "
                        f"{self.time}: an initial condition is a function of "
                        f"{', '.join(map(str, self.space)) or 'parameters'} only"
                    )
                initial[c.field] = c.value
            elif isinstance(c, AbstractBoundaryCondition):
                self._check_own_field(c.field, c)
                if c.var == self.time:
                    raise ModelError(
                        f"{type(c).__name__} on the time variable {c.var}: boundary "
                        f"conditions apply to {self.space}; use sn.Initial for t = "
                        f"{self.domain[c.var][0]}"
                    )
                if isinstance(c, BoundaryEquation) and c.dynamic and self.time is None:
                    raise ModelError(
                        f"the condition {c} holds a time derivative, but {self.name!r} is steady"
                    )
                boundary.setdefault((c.field, c.var, c.side), []).append(c)
        for (f, v, side), cs in boundary.items():
            if v in periodic:  # a PINN imposes both (DeepXDE's Dirichlet/periodic Poisson)
                self._defer(
                    f"{type(cs[0]).__name__}({f}, {v}, {side!r}, ...) conflicts with "
                    f"Periodic({v}) for finite differences: keep one of them"
                )
        boundary = {key: self._side_conditions(key, cs) for key, cs in boundary.items()}
        if self.time is not None:
            for f in self.fields:
                # an algebraic field's initial value is solved for (a given one is the guess)
                if f not in initial and f not in self.algebraic and f not in self.undetermined:
                    self._defer(
                        f"field {f} has no initial condition: add sn.Initial({f}, value), "
                        f"value a function of {', '.join(map(str, self.space)) or 'parameters'}"
                    )
        orders = derivative_orders(self.residuals)
        for f in self.fields:
            # an algebraic field needs the conditions its own equation's derivatives ask for
            # (one that other equations differentiate, a flux, is read by one-sided stencils)
            own = _derivative_orders(self.rhs[f]) if f in self.algebraic else orders
            for v in self.space:
                k = own.get(f, {}).get(v, 0)
                if v in periodic or k == 0 or v in curved:
                    continue
                have = [s for s in SIDES if (f, v, s) in boundary]
                # A first-order (hyperbolic) term needs one side; diffusion needs both.
                if (k == 1 and not have) or (k >= 2 and len(have) < 2):
                    side = next(s for s in SIDES if s not in have)
                    self._defer(
                        f"field {f} has no boundary condition on the {side!r} side of {v} "
                        f"(it is differentiated {k} time(s) in {v}): add one, e.g. "
                        f"sn.Dirichlet({f}, {v}, {side!r}, 0), sn.Neumann({f}, {v}, "
                        f"{side!r}, 0), or make {v} periodic with sn.Periodic({v})"
                    )
                fewest, most = needed_conditions(k)
                for side in have:
                    given = boundary[(f, v, side)]
                    count = len(given) if isinstance(given, tuple) else 1
                    if not fewest <= count <= most:
                        self._defer(
                            f"field {f} has {count} condition(s) on the {side!r} side of {v}, but it "
                            f"is differentiated {k} time(s) in {v}, which needs "
                            f"{fewest if fewest == most else f'{fewest} to {most}'} per side "
                            f"(e.g. a beam, 4th order: u and u_x at a clamped end, u_xx and u_xxx "
                            f"at a free one)"
                        )
        # (condition, the spatial variables of the boundary it is on)
        object.__setattr__(self, "geometric", tuple(geometric))
        return frozenset(periodic), boundary, initial

    def _region_of(self, c) -> tuple:
        """The spatial variables whose boundary a geometric condition is on: those of the
        domain's geometry of the selector's dimension, or those a predicate names."""
        curved = {v for names in self.geometry for v in names}
        rest = tuple(v for v in self.space if v not in curved)  # the variables of intervals: one box
        regions = [*self.geometry, *([rest] if rest else [])]
        if isinstance(c.on, Geometry):
            found = [r for r in regions if len(r) == c.on.dim]
            if len(found) != 1:
                raise ModelError(
                    f"{c}: the {c.on.dim}-D selector matches {len(found)} parts of the domain "
                    f"({', '.join(map(str, regions)) or 'none'}): give a predicate in their variables instead"
                )
            return found[0]
        names = {v for v in c.on.free_symbols if not isinstance(v, Parameter)}
        bad = [v for v in names if v not in self.space]
        if bad:
            raise ModelError(f"{c}: the predicate names {bad[0]}, which is not a spatial variable {self.space}")
        found = [r for r in regions if names <= set(r)]
        if not found:
            raise ModelError(f"{c}: the predicate's variables {sorted(map(str, names))} span several parts of "
                             f"the domain {regions}: one part's variables per condition")
        return found[0]

    def _side_conditions(self, key, cs):
        """One field's conditions on one side: a Dirichlet/Neumann/Robin given alone
        stays itself; otherwise a tuple of BoundaryEquations, the dynamic one first
        (its wall node evolves by it), the others in the order given (the k-th
        determines the k-th node from the wall)."""
        if len(cs) == 1 and not isinstance(cs[0], BoundaryEquation):
            return cs[0]
        f, v, side = key
        eqs = tuple(as_equation(c) for c in cs)
        dynamic = [c for c in eqs if c.dynamic]
        if dynamic and len(eqs) > 1:
            raise ModelError(
                f"{dynamic[0]} gives the evolution of {f}'s wall node on the {side!r} side of {v}, "
                f"beside {len(eqs) - 1} other condition(s) there: a dynamic boundary equation "
                f"must be its field's only condition on that side"
            )
        return eqs

    def _check_own_field(self, field, cond, role=" is about") -> None:
        if field not in self.fields:
            raise ModelError(
                f"{cond}{role} {field}, which is not a field of this {self._kind} "
                f"(those are {self.fields}): use one of those, or add an equation for it"
            )

    def _check_kind(self) -> None:
        """Checks specific to the kind of system (overridden by ODESystem)."""

    # -- derived systems -------------------------------------------------------------

    def _remake(self, equations, conditions, parameters):
        return type(self)(
            equations,
            conditions,
            domain=self._domain_given,
            name=self.name,
            time=self.time,
            parameters=parameters,
        )

    def substitute(self, mapping: Mapping) -> "AbstractSystem":
        """A new system with `mapping` (symbol -> number or expression) substituted
        into equations and conditions: `sys.substitute({alpha: 1.0})` bakes a value in."""
        rule = {sympy.sympify(k): sympy.sympify(v) for k, v in dict(mapping).items()}
        for k in rule:
            if is_field(k) or k in self.domain:
                raise ModelError(
                    f"substitute() replaces parameters and symbols, not {k}: to change a "
                    f"field or variable, build a new system"
                )
        equations, conditions = self._given
        eqs = [sympy.Eq(e.lhs.xreplace(rule), e.rhs.xreplace(rule), evaluate=False) for e in equations]
        conds = [_replace_condition(c, rule) for c in conditions]
        kept = {p: v for p, v in self.parameters.items() if p not in rule}
        return self._remake(eqs, conds, kept)

    def with_parameters(self, values: Mapping) -> "AbstractSystem":
        """The same system with new parameter values (symbols are kept)."""
        for p in values:
            if p not in self.parameters:
                raise ModelError(
                    f"{p!r} is not a parameter of this {self._kind}; its parameters are "
                    f"{tuple(self.parameters)}"
                )
        return self._remake(*self._given, {**self.parameters, **values})

    # -- identity and printing ------------------------------------------------------

    def _key(self):
        return (
            type(self),
            self.name,
            self.equations,
            self.conditions,
            tuple(self.domain.items()),
            tuple((k, repr(g)) for k, g in self.geometry.items()),
            self.time,
            tuple(self.parameters.items()),
        )

    def __eq__(self, other) -> bool:
        return isinstance(other, AbstractSystem) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, name, value):
        if name in self.__dict__:
            raise AttributeError(f"{type(self).__name__} is frozen: {name} cannot be reassigned")
        object.__setattr__(self, name, value)

    def _equation_lines(self, printer) -> list[str]:
        if self.time is None:
            return [f"{printer(r)} = 0" for r in self.residuals]
        return [
            f"{'0' if f in self.algebraic else printer(sympy.Derivative(f, self.time))} = {printer(rhs)}"
            for f, rhs in self.rhs.items()
        ]

    def __str__(self) -> str:
        def interval(v):
            lo, hi = self.domain[v]
            return f"{v} in [{lo:g}, {hi:g}]"

        lines = [f"{type(self).__name__} {self.name!r}"]
        if self.time is not None:
            lines.append(f"  time:       {interval(self.time)}")
        if self.space:
            curved = {v for names in self.geometry for v in names}
            parts = [interval(v) for v in self.space if v not in curved]
            parts += [f"({', '.join(map(str, k))}) in {g}" for k, g in self.geometry.items()]
            lines.append(f"  space:      {', '.join(parts)}")
        if self.blocks is not None:  # fields on separate 1-D domains, on one coordinate
            lines.append(f"  blocks:     {self.blocks}")
        if self.surfaces is not None:  # fields on a boundary, evolving on its wall row
            lines.append(f"  on walls:   {self.surfaces}")
        lines.append(f"  fields:     {', '.join(map(str, self.fields))}")
        if self.parameters:
            lines.append(
                "  parameters: " + ", ".join(f"{p} = {v:g}" for p, v in self.parameters.items())
            )
        lines.append("  equations:")
        lines += [f"    {s}" for s in self._equation_lines(_compact_str)]
        bcs = [c for c in self.conditions if not isinstance(c, Initial)]
        if bcs:
            lines.append("  boundary conditions:")
            lines += [f"    {c}" for c in bcs]
        if self.initial:
            lines.append("  initial conditions:")
            t0 = {self.time: sympy.Float(self.domain[self.time][0])} if self.time else {}
            lines += [f"    {f.xreplace(t0)} = {v}" for f, v in self.initial.items()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, fields={self.fields}, "
            f"time={self.time}, space={self.space})"
        )

    def latex(self) -> str:
        """The equations as a LaTeX `aligned` block."""
        rows = []
        for line in self._equation_lines(sympy.latex):
            lhs, rhs = line.split(" = ", 1)
            rows.append(f"{lhs} &= {rhs}")
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"


def _time_candidate(fields, time):
    if time is not INFER:
        return time
    if not fields:
        return None
    named = [v for v in max((f.args for f in fields), key=len) if getattr(v, "name", None) in ("t", "time")]
    return named[0] if named else None


def _reduce_second_order(equations, conditions, fields, time):
    """Equations second order in time, D(t, 2)(u), rewritten as first-order systems:
    a velocity field u_dot (same variables as u) with D(t)(u) = u_dot, every
    derivative of u that contains t becomes one of u_dot with one t fewer, and
    Initial(D(t)(u), v0) becomes Initial(u_dot, v0). u's wall conditions are
    differentiated in time for u_dot (Dirichlet g -> g_t, Neumann g -> g_t, Robin
    with t-independent a, b). Returns (equations, conditions, {u: u_dot})."""
    t = _time_candidate(fields, time)
    velocity_inits = [c for c in conditions if isinstance(c, Initial) and not is_field(c.field)]
    second = []
    if t is not None:
        for e in equations:
            for d in (e.lhs - e.rhs).atoms(sympy.Derivative):
                k = dict(d.variable_count).get(t, 0)
                if k >= 3:
                    raise ModelError(
                        f"{d} is of order {k} in {t}: equations up to second order in time are "
                        f"reduced automatically; introduce the intermediate fields yourself"
                    )
                if k == 2 and is_field(d.expr) and d.expr not in second:
                    second.append(d.expr)
    for c in velocity_inits:
        u, ((v, _),) = c.field.expr, c.field.variable_count
        if v != t or u not in second:
            raise ModelError(
                f"Initial({c.field}, ...) gives an initial velocity, which only an equation second "
                f"order in time needs (one with D({v}, 2)({u})); for a first-order one give "
                f"sn.Initial({u}, value)"
            )
    if not second:
        return tuple(equations), tuple(conditions), {}
    velocity = {}
    taken = {f.func.__name__ for f in fields}
    for u in second:
        name = f"{u.func.__name__}_dot"
        if name in taken:
            raise ModelError(
                f"D({t}, 2)({u}) needs a velocity field named {name}, but a field of that name "
                f"exists: rename it, or write the first-order system yourself"
            )
        velocity[u] = fields_of(name, *u.args)

    def lower(expr):
        def one(d):
            if not (isinstance(d, sympy.Derivative) and d.expr in velocity):
                return d
            counts = dict(d.variable_count)
            if counts.get(t, 0) == 0:
                return d
            counts[t] -= 1
            rest = [(v, k) for v, k in counts.items() if k]
            return sympy.Derivative(velocity[d.expr], *rest) if rest else velocity[d.expr]

        return expr.replace(lambda e: isinstance(e, sympy.Derivative), one)

    out = [sympy.Eq(sympy.Derivative(u, t), v, evaluate=False) for u, v in velocity.items()]
    out += [sympy.Eq(lower(e.lhs), lower(e.rhs), evaluate=False) for e in equations]
    conds, given = [], set()
    for c in conditions:
        if isinstance(c, Initial) and not is_field(c.field):
            conds.append(Initial(velocity[c.field.expr], c.value))
            given.add(c.field.expr)
            continue
        conds.append(c)
        if isinstance(c, AbstractBoundaryCondition) and c.field in velocity:
            v = velocity[c.field]
            if isinstance(c, Dirichlet):
                conds.append(Dirichlet(v, c.var, c.side, sympy.diff(c.value, t)))
            elif isinstance(c, Neumann):
                conds.append(Neumann(v, c.var, c.side, sympy.diff(c.value, t)))
            elif isinstance(c, Robin) and t not in (c.a.free_symbols | c.b.free_symbols):
                conds.append(Robin(v, c.var, c.side, c.a, c.b, sympy.diff(c.value, t)))
            elif isinstance(c, BoundaryEquation):
                conds.append(_velocity_equation(c, v, t))
    for u in second:
        if u not in given:
            raise ModelError(
                f"D({t}, 2)({u}) needs an initial velocity as well as an initial value: add "
                f"sn.Initial(sn.D({t})({u}), value) (e.g. 0 for a start from rest)"
            )
    return tuple(out), tuple(conds), velocity


def _velocity_equation(c, v, t):
    """The velocity field's condition from u's boundary equation L(u) + g(t) = 0, L
    linear with t-independent coefficients: L(v) + g_t = 0."""
    u = c.field
    quantities = [q for q in sympy.preorder_traversal(c.expr)
                  if q == u or (isinstance(q, sympy.Derivative) and q.expr == u)]
    marks = {q: sympy.Dummy() for q in quantities}
    e = c.expr.xreplace(marks)
    coefs = {q: sympy.diff(e, m) for q, m in marks.items()}
    if c.dynamic or any(t in k.free_symbols or set(marks.values()) & k.free_symbols for k in coefs.values()):
        raise ModelError(
            f"the condition {c} on {u}, whose equation is second order in {t}: the condition for its "
            f"velocity {v} is derived by differentiating in {t}, which needs it linear in {u} with "
            f"coefficients free of {t}; write the first-order system (D({t})({u}) = {v}) yourself"
        )
    g = e.xreplace({m: 0 for m in marks.values()})
    linear = sum(k * q.xreplace({u: v}) for q, k in coefs.items())
    return BoundaryEquation(v, c.var, c.side, linear + sympy.diff(g, t))


def _replace_condition(c, rule):
    if isinstance(c, Periodic):
        return c
    if isinstance(c, sympy.Equality):  # a boundary equation as written
        return sympy.Eq(c.lhs.xreplace(rule), c.rhs.xreplace(rule), evaluate=False)
    changes = {
        attr: getattr(c, attr).xreplace(rule) for attr in ("value", "a", "b", "expr") if hasattr(c, attr)
    }
    return dataclasses.replace(c, **changes)


class PDESystem(AbstractSystem):
    """A system of partial differential equations on a rectangular domain (intervals),
    or, for the PINN, on a geometry (`domain={t: (0, 1), (x, y): sn.Disk((0, 0), 1)}`).

    Time-dependent: one equation $\\partial_t u_k = f_k(u, \\partial u, x, t)$ per
    field, an `Initial` per field, and a boundary condition on each side of each
    spatial variable a field is differentiated in (or `Periodic`). Steady: one
    equation per field with no time derivative (e.g. Poisson), no `Initial`
    needed (one given is the Newton initial guess).

    >>> import symnum as sn
    >>> t, x = sn.variables("t x")
    >>> nu = sn.parameter("nu", 0.1)
    >>> u = sn.fields("u", t, x)
    >>> sys = sn.PDESystem([sn.Eq(sn.D(t)(u), nu * sn.D(x, 2)(u))],
    ...                    [sn.Periodic(x), sn.Initial(u, sn.sin(x))],
    ...                    domain={t: (0, 1), x: (0, 6.283185307179586)}, name="heat")
    >>> sys.rhs[u]
    nu*Derivative(u(t, x), (x, 2))
    """

    _kind = "PDESystem"

    def _check_kind(self) -> None:
        if not self.space:
            raise ModelError(
                f"the fields {self.fields} depend on time only: use sn.ODESystem for "
                f"ordinary differential equations"
            )


class ODESystem(AbstractSystem):
    """A system of ordinary differential equations in time (e.g. a reaction
    network): fields depend on time only and the only conditions are `Initial`.

    >>> import symnum as sn
    >>> t = sn.variables("t")
    >>> k = sn.parameter("k", 2.0)
    >>> A = sn.fields("A", t)
    >>> sys = sn.ODESystem([sn.Eq(sn.D(t)(A), -k * A)], [sn.Initial(A, 1)],
    ...                    domain={t: (0, 1)}, name="decay")
    >>> sys.rhs[A], sys.time, sys.space, sys.parameters
    (-k*A(t), t, (), {k: 2.0})
    """

    _kind = "ODESystem"

    def _check_kind(self) -> None:
        if self.space:
            raise ModelError(
                f"the fields {self.fields} depend on {self.space} besides time: use "
                f"sn.PDESystem for partial differential equations"
            )
        if self.time is None:
            raise ModelError(
                "an ODESystem needs a time derivative in every equation: write "
                "sn.Eq(sn.D(t)(u), rhs)"
            )
