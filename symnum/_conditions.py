"""Boundary and initial conditions. Each is a small frozen record; a system
checks them against its fields and domain.

Normal derivatives point OUT of the domain: on the "min" side of x,
$\\partial u/\\partial n = -\\partial u/\\partial x$; on the "max" side it is
$+\\partial u/\\partial x$. Values may depend on t, on the other independent
variables and on parameters, never on fields.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ._errors import ModelError
from ._expressions import Parameter, is_field
from ._fractional import FractionalDerivative, FractionalLaplacian
from ._geometry import Geometry

__all__ = [
    "AbstractCondition",
    "AbstractBoundaryCondition",
    "Periodic",
    "Dirichlet",
    "Neumann",
    "Robin",
    "BoundaryEquation",
    "GeometricCondition",
    "Initial",
    "SIDES",
]

SIDES = ("min", "max")


def _check_variable(var, where: str):
    if not isinstance(var, sympy.Symbol) or isinstance(var, Parameter):
        raise ModelError(
            f"{where} needs an independent variable from sn.variables(...), got {var!r}"
        )


def _check_field(field, where: str):
    if isinstance(field, sympy.core.function.UndefinedFunction):
        raise ModelError(
            f"{where} got the function {field} itself: pass the field as declared, "
            f"e.g. u from `u = sn.fields('u', t, x)`"
        )
    if not is_field(field):
        raise ModelError(
            f"{where} needs a field declared with sn.fields(...), got {field!r}: "
            f"declare it with `{field!s} = sn.fields('{field!s}', t, x)`"
        )


def _check_side(side, where: str):
    if side not in SIDES:
        raise ModelError(
            f"{where}: unknown side {side!r}: use \"min\" (lower end of the interval) "
            f"or \"max\" (upper end)"
        )


def _value(value, where: str, fields: bool = False) -> sympy.Expr:
    """A condition's value (or Robin coefficient) as sympy; `fields`: it may hold fields
    and their derivatives (a condition on a geometry's boundary, which only the PINN
    takes: it evaluates them from its network)."""
    try:
        v = sympy.sympify(value, strict=not isinstance(value, str))
    except (sympy.SympifyError, TypeError):
        raise ModelError(
            f"{where}: value {value!r} is not a number or sympy expression"
        ) from None
    if not isinstance(v, sympy.Expr):
        raise ModelError(f"{where}: value {value!r} is not a scalar expression")
    bad = [f for f in sympy.preorder_traversal(v) if is_field(f)]
    if bad and not fields:
        raise ModelError(
            f"{where}: value {v} contains the field {bad[0]}; boundary and initial "
            f"values may depend on independent variables and parameters only. A condition "
            f"that couples fields at a side is an equation there: write it as one, e.g. "
            f"sn.Eq(sn.D(x)(u).subs(x, 1), -k * v.subs(x, 1)); on a geometry's boundary "
            f"(sn.Neumann(u, disk, -k * v)) the value may hold fields"
        )
    return v


class AbstractCondition:
    """A condition a system imposes on one of its fields (or, Periodic, on a variable)."""

    __slots__ = ()


class AbstractBoundaryCondition(AbstractCondition):
    """A condition on one side of one spatial variable of one field."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        # Dirichlet(u, <a geometry or a predicate>, value): a condition on a part of a
        # curved boundary (PINN), not on a side of a variable
        on = args[1] if len(args) > 1 else kwargs.get("var")
        if cls in (Dirichlet, Neumann, Robin) and _is_selector(on):
            rest = {k: v for k, v in kwargs.items() if k not in ("field", "var")}
            field = args[0] if args else kwargs.get("field")
            return GeometricCondition.of(cls.__name__, field, on, *args[2:], **rest)
        return object.__new__(cls)


def _is_selector(on) -> bool:
    return isinstance(on, Geometry) or (isinstance(on, sympy.logic.boolalg.Boolean) and not isinstance(on, sympy.Symbol))


@dataclass(frozen=True)
class Periodic(AbstractCondition):
    """Periodicity along `var`, for every field that depends on it.

    >>> import symnum as sn
    >>> t, x = sn.variables("t x")
    >>> u = sn.fields("u", t, x)
    >>> print(sn.Periodic(x))
    periodic in x
    """

    var: sympy.Symbol

    def __post_init__(self):
        _check_variable(self.var, "Periodic(var)")

    def __str__(self) -> str:
        return f"periodic in {self.var}"


def _boundary_init(bc, name: str):
    where = f"{name}({bc.field}, {bc.var}, {bc.side!r}, ...)"
    _check_field(bc.field, where)
    _check_variable(bc.var, where)
    _check_side(bc.side, where)
    if bc.var not in bc.field.args:
        raise ModelError(
            f"{where}: field {bc.field} does not depend on {bc.var}, so it has no "
            f"boundary in {bc.var}: remove this condition or declare the field with {bc.var}"
        )
    return where


@dataclass(frozen=True)
class Dirichlet(AbstractBoundaryCondition):
    """$u = $ `value` on the `side` ("min" or "max") of `var`.

    >>> import symnum as sn
    >>> t, x = sn.variables("t x")
    >>> u = sn.fields("u", t, x)
    >>> print(sn.Dirichlet(u, x, "min", sn.sin(t)))
    u(t, x) = sin(t) at x = min
    """

    field: sympy.Expr
    var: sympy.Symbol
    side: str
    value: sympy.Expr = sympy.Integer(0)

    def __post_init__(self):
        where = _boundary_init(self, "Dirichlet")
        object.__setattr__(self, "value", _value(self.value, where))

    def __str__(self) -> str:
        return f"{self.field} = {self.value} at {self.var} = {self.side}"


@dataclass(frozen=True)
class Neumann(AbstractBoundaryCondition):
    """$\\partial u/\\partial n = $ `value` on the `side` of `var`, n the outward normal.

    >>> import symnum as sn
    >>> t, x = sn.variables("t x")
    >>> u = sn.fields("u", t, x)
    >>> print(sn.Neumann(u, x, "max", 1))
    du/dn = 1 at x = max
    """

    field: sympy.Expr
    var: sympy.Symbol
    side: str
    value: sympy.Expr = sympy.Integer(0)

    def __post_init__(self):
        where = _boundary_init(self, "Neumann")
        object.__setattr__(self, "value", _value(self.value, where))

    def __str__(self) -> str:
        return f"d{self.field.func}/dn = {self.value} at {self.var} = {self.side}"


@dataclass(frozen=True)
class Robin(AbstractBoundaryCondition):
    """$a u + b\\,\\partial u/\\partial n = $ `value` on the `side` of `var`,
    n the outward normal.

    >>> import symnum as sn
    >>> t, x = sn.variables("t x")
    >>> u = sn.fields("u", t, x)
    >>> print(sn.Robin(u, x, "max", 1, 2, 0))
    u + 2*du/dn = 0 at x = max
    """

    field: sympy.Expr
    var: sympy.Symbol
    side: str
    a: sympy.Expr
    b: sympy.Expr
    value: sympy.Expr = sympy.Integer(0)

    def __post_init__(self):
        where = _boundary_init(self, "Robin")
        for attr in ("a", "b", "value"):
            object.__setattr__(self, attr, _value(getattr(self, attr), where))
        if self.a == 0 and self.b == 0:
            raise ModelError(
                f"{where}: a = b = 0 leaves no condition: use Dirichlet (b = 0) or "
                f"Neumann (a = 0), or give nonzero coefficients"
            )

    def __str__(self) -> str:
        f = self.field.func
        return f"{_term(self.a, f)} + {_term(self.b, f'd{f}/dn')} = {self.value} at {self.var} = {self.side}"


def _term(coef, name) -> str:
    """`coef*name` as one reads it: `u`, `2*u`, `-u`, `(a + 1)*u`."""
    if coef == 1:
        return str(name)
    if coef == -1:
        return f"-{name}"
    if coef.is_Atom:
        return f"{coef}*{name}"
    return f"({coef})*{name}"


@dataclass(frozen=True)
class BoundaryEquation(AbstractBoundaryCondition):
    """A general boundary condition `expr` = 0 on the `side` of `var`, as MOL.jl
    writes them: `expr` holds fields and their derivatives AT the boundary, written
    at a generic point (u, D(x, 2)(u), D(t)(u): the system evaluates them at the
    wall), time, the other variables and parameters; it may be nonlinear and may
    couple fields. `field` is the field whose wall node(s) it determines. Users write
    `sn.Eq(u.diff(x, 2).subs(x, 1), 0)` among the conditions; the system turns that
    into this record (`written` keeps it for printing).

    Discretized, a side's equations that are linear in the eliminated wall values
    are solved for them (one node per equation, from the wall inward); a nonlinear
    one makes its wall node an algebraic unknown (a DAE: Rosenbrock methods); one
    with D(t) of its field at the wall is that node's evolution equation."""

    field: sympy.Expr
    var: sympy.Symbol
    side: str
    expr: sympy.Expr
    written: sympy.Basic | None = None
    dynamic: bool = False  # holds D(t) of its field: the wall node's evolution equation

    def __post_init__(self):
        _boundary_init(self, "BoundaryEquation")
        if not isinstance(self.expr, sympy.Expr):
            raise ModelError(
                f"BoundaryEquation({self.field}, {self.var}, {self.side!r}, ...): {self.expr!r} is "
                f"not a scalar expression"
            )

    def __str__(self) -> str:
        lhs, rhs = (self.written.lhs, self.written.rhs) if self.written is not None else (self.expr, 0)
        return f"{_compact(lhs)} = {_compact(rhs)} at {self.var} = {self.side}"


def _compact(expr) -> str:
    """u_xx for the second x-derivative of u, at a boundary or not (Subs dropped)."""
    expr = sympy.sympify(expr).replace(lambda e: isinstance(e, sympy.Subs), lambda e: e.expr)

    def name(d):
        return sympy.Symbol(f"{d.expr.func}_" + "".join(str(v) * int(k) for v, k in d.variable_count))

    # nonlocal terms as names first: rebuilt around a bare symbol they would refuse it
    nonlocal_ = {e: sympy.Symbol(f"{type(e).__name__}({e.field.func}, {e.args[1]}, {float(e.args[2]):g})")
                 for e in expr.atoms(FractionalDerivative, FractionalLaplacian)}
    expr = expr.xreplace(nonlocal_)
    derivs = {d: name(d) for d in expr.atoms(sympy.Derivative) if is_field(d.expr)}
    fields = {f: sympy.Symbol(str(f.func)) for f in expr.atoms(sympy.core.function.AppliedUndef)}
    return sympy.sstr(expr.xreplace(derivs).xreplace(fields))


@dataclass(frozen=True)
class GeometricCondition(AbstractCondition):
    """A Dirichlet, Neumann or Robin condition on a part of a domain's boundary chosen by
    `on`: a geometry (the boundary points on its boundary: the hole of `square - hole`,
    a polygon's edge, the whole domain) or a predicate in the spatial variables (`x > 0`,
    `sympy.And(y > 0, x < 1)`, `sn.Eq(x, 1)` to round-off). Written
    `sn.Dirichlet(u, hole, 0)`, `sn.Neumann(u, disk, g)`, `sn.Robin(u, x > 0, a, b, g)`;
    the normal derivative is along the outward normal of the curved boundary. The value
    and coefficients may hold fields and their derivatives (`sn.Neumann(u0, square,
    -k * u1)`, an absorbing boundary written per real and imaginary part). For the
    PINN; finite differences take the sides of each variable.

    >>> import symnum as sn
    >>> x, y = sn.variables("x y")
    >>> u = sn.fields("u", x, y)
    >>> print(sn.Dirichlet(u, sn.Disk((0, 0), 1), 0))
    u(x, y) = 0 on Disk([0.0, 0.0], 1)
    """

    kind: str
    field: sympy.Expr
    on: object
    value: sympy.Expr = sympy.Integer(0)
    a: sympy.Expr = sympy.Integer(1)
    b: sympy.Expr = sympy.Integer(0)

    @staticmethod
    def of(kind, field, on, *args, **kwargs):
        where = f"{kind}({field}, {on}, ...)"
        names = {"Dirichlet": ("value",), "Neumann": ("value",), "Robin": ("a", "b", "value")}[kind]
        if "side" in kwargs:
            raise ModelError(f"{where}: a condition on a geometry or predicate has no side; drop side=")
        if len(args) > len(names):
            raise ModelError(f"{where}: takes {', '.join(names)} after the field and the part of the boundary")
        given = dict(zip(names, args), **kwargs)
        if kind == "Robin" and not {"a", "b"} <= set(given):
            raise ModelError(f"{where}: give a and b (a u + b du/dn = value)")
        if kind == "Neumann":
            given.update(a=0, b=1)
        return GeometricCondition(kind, field, on, **given)

    def __post_init__(self):
        where = f"{self.kind}({self.field}, {self.on}, ...)"
        _check_field(self.field, where)
        for attr in ("value", "a", "b"):
            object.__setattr__(self, attr, _value(getattr(self, attr), where, fields=True))
        if self.a == 0 and self.b == 0:
            raise ModelError(f"{where}: a = b = 0 leaves no condition: give nonzero coefficients")

    @property
    def holds_fields(self) -> bool:
        """Its value or coefficients hold fields (an absorbing du/dn = i k u written per part)."""
        return any(is_field(f) for e in (self.value, self.a, self.b) for f in sympy.preorder_traversal(e))

    def __str__(self) -> str:
        f = self.field.func
        lhs = {"Dirichlet": str(self.field), "Neumann": f"d{f}/dn"}.get(
            self.kind, f"{_term(self.a, f)} + {_term(self.b, f'd{f}/dn')}")
        return f"{lhs} = {self.value} on {self.on}"


@dataclass(frozen=True)
class Initial(AbstractCondition):
    """$u(t_0, \\cdot) = $ `value`, a function of the spatial variables and parameters.
    For a steady system it is the initial guess of the nonlinear solve.

    >>> import symnum as sn
    >>> t, x = sn.variables("t x")
    >>> u = sn.fields("u", t, x)
    >>> print(sn.Initial(u, sn.sin(x)))
    u(t, x) = sin(x) initially
    """

    field: sympy.Expr
    value: sympy.Expr

    def __post_init__(self):
        where = f"Initial({self.field}, ...)"
        # Initial(D(t)(u), value): the initial velocity of an equation second order in time
        if not _is_first_derivative_of_field(self.field):
            _check_field(self.field, where)
        object.__setattr__(self, "value", _value(self.value, where))

    def __str__(self) -> str:
        return f"{self.field} = {self.value} initially"


def _is_first_derivative_of_field(e) -> bool:
    return isinstance(e, sympy.Derivative) and is_field(e.expr) and len(e.variable_count) == 1 \
        and e.variable_count[0][1] == 1
