"""The building blocks of a model: independent variables, parameters, fields
and differential operators. Everything returned here is a plain sympy object
(or, for parameters and fields, a thin sympy subclass), so `subs`, `diff`,
`latex` and `lambdify` keep working."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import sympy

from ._errors import ModelError

__all__ = [
    "Parameter",
    "variables",
    "parameter",
    "parameters",
    "fields",
    "is_field",
    "D",
    "laplacian",
    "grad",
    "div",
    "Eq",
]


def _split_names(names: str, what: str) -> tuple[list[str], bool]:
    """Split "u v" / "u, v" into names; the flag says whether a sequence was asked
    for (several names or a trailing comma), mirroring `sympy.symbols`."""
    if not isinstance(names, str):
        raise ModelError(
            f"{what} names must be given as one string such as \"u v\", got {names!r} "
            f"of type {type(names).__name__}"
        )
    parts = [p for p in re.split(r"[\s,]+", names.strip()) if p]
    if not parts:
        raise ModelError(f"no {what} names given in {names!r}: pass e.g. \"t x y\"")
    for p in parts:
        if not p.isidentifier():
            raise ModelError(
                f"{what} name {p!r} is not a valid identifier: use letters, digits and '_'"
            )
    return parts, len(parts) > 1 or names.strip().endswith(",")


def variables(names: str):
    """Independent variables as real sympy Symbols.

    >>> t, x = variables("t x")
    >>> t, t.is_real
    (t, True)
    """
    parts, many = _split_names(names, "variable")
    syms = tuple(sympy.Symbol(p, real=True) for p in parts)
    return syms if many else syms[0]


class Parameter(sympy.Symbol):
    """A real sympy Symbol that carries a default value.

    The value is part of the symbol's identity: sympy caches expressions, and a
    cached `k*t` must not hand back a `k` with someone else's value. A system
    reads the value as its default; `PDESystem.with_parameters` overrides it.

    >>> D = Parameter("D", 0.1)      # usually made by sn.parameter("D", 0.1)
    >>> D.value, D.is_real
    (0.1, True)
    """

    def __new__(cls, name: str, value=None):
        # __xnew__ bypasses sympy's symbol cache, which would otherwise hand back
        # one shared object (and one value) for every parameter of this name.
        obj = sympy.Symbol.__xnew__(cls, name, real=True)
        obj.value = _check_value(name, value)
        return obj

    def _hashable_content(self):
        return super()._hashable_content() + (self.value,)

    def __getnewargs_ex__(self):
        return (self.name, self.value), {}

    def __getstate__(self):
        return {"value": self.value}

    def __setstate__(self, state):
        self.value = state["value"]


def _check_value(name: str, value):
    if value is None:
        return None
    try:
        v = complex(value)
    except (TypeError, ValueError):
        raise ModelError(
            f"parameter {name!r} has value {value!r}, which is not a number: "
            f"pass a real number, e.g. sn.parameter({name!r}, 1.0)"
        ) from None
    if v.imag != 0 or v.real != v.real or abs(v.real) == float("inf"):
        raise ModelError(
            f"parameter {name!r} has value {value!r}; a parameter value must be a finite "
            f"real number, e.g. sn.parameter({name!r}, 1.0)"
        )
    return float(v.real)


def parameter(name: str, value=None) -> Parameter:
    """A parameter: a real Symbol with a default `value` (required by systems).

    >>> alpha = parameter("alpha", 10.0)
    >>> alpha, alpha.value, alpha.is_real
    (alpha, 10.0, True)
    """
    parts, many = _split_names(name, "parameter")
    if many:
        raise ModelError(
            f"parameter() takes one name, got {name!r}: use sn.parameters({name!r}, values)"
        )
    return Parameter(parts[0], value)


def parameters(names: str, values: Sequence | None = None):
    """Several parameters at once.

    >>> a, b = parameters("a b", [1.0, 2.0])
    >>> a, b.value
    (a, 2.0)
    """
    parts, many = _split_names(names, "parameter")
    if values is None:
        values = [None] * len(parts)
    values = list(values) if isinstance(values, Iterable) else [values]
    if len(values) != len(parts):
        raise ModelError(
            f"parameters({names!r}, ...) names {len(parts)} parameters but got "
            f"{len(values)} values {values!r}: give one value per name"
        )
    ps = tuple(Parameter(p, v) for p, v in zip(parts, values))
    return ps if many else ps[0]


# Fields are applied sympy functions whose function class carries this flag, so a
# system can tell a declared field from a stray `sympy.Function('f')(x)`.
_FIELD_FLAG = "symnum_field"
_COMPLEX_FLAG = "symnum_complex"


def fields(names: str, *args, complex: bool = False):
    """Fields (dependent variables) as applied sympy functions of `args`: real, or
    with `complex=True` complex-valued (a system splits those into real and
    imaginary parts, `psi_re` and `psi_im`; `sol[psi]` is complex).

    >>> t, x = variables("t x")
    >>> u, v = fields("u v", t, x)
    >>> u, v.args
    (u(t, x), (t, x))
    """
    parts, many = _split_names(names, "field")
    if not args:
        raise ModelError(
            f"fields({names!r}) got no independent variables: pass them, e.g. "
            f"sn.fields({names!r}, t, x)"
        )
    for a in args:
        if not isinstance(a, sympy.Symbol) or isinstance(a, Parameter):
            raise ModelError(
                f"field arguments must be independent variables from sn.variables(...), "
                f"got {a!r}"
            )
    if len(set(args)) != len(args):
        raise ModelError(f"fields({names!r}, ...) got a repeated variable in {args!r}")
    kind = {"complex": True, _COMPLEX_FLAG: True} if complex else {"real": True}
    fs = tuple(sympy.Function(p, **kind, **{_FIELD_FLAG: True})(*args) for p in parts)
    return fs if many else fs[0]


def is_field(expr) -> bool:
    """True for a field made by `fields`, e.g. `u(t, x)`.

    >>> t, x = variables("t x")
    >>> u = fields("u", t, x)
    >>> is_field(u), is_field(u**2)
    (True, False)
    """
    return isinstance(expr, sympy.core.function.AppliedUndef) and bool(
        getattr(type(expr), _FIELD_FLAG, False)
    )


def is_complex_field(expr) -> bool:
    """True for a field declared with `fields(..., complex=True)`."""
    return is_field(expr) and bool(getattr(type(expr), _COMPLEX_FLAG, False))


def declared_fields(equations) -> dict:
    """{field function: the field with its variables} over `equations`, each field as
    it first appears with plain variables (not at a point)."""
    declared: dict = {}
    for e in equations:
        for node in sympy.preorder_traversal(e.lhs - e.rhs):
            if is_field(node) and all(a.is_Symbol for a in node.args):
                declared.setdefault(node.func, node)
    return declared


def nodes_outside(expr, whole):
    """The nodes of `expr` in preorder, not descending into a node for which
    `whole(node)` holds (yielded itself): a value at a point keeps its field whole."""
    yield expr
    if not whole(expr):
        for a in expr.args:
            yield from nodes_outside(a, whole)


def is_point_value(node) -> bool:
    """A field evaluated at numbers, `u(t, 0)`: its value at a point (a boundary)."""
    return is_field(node) and any(not a.is_Symbol for a in node.args)


def is_point_derivative(node) -> bool:
    """A field's spatial derivative evaluated at numbers, `u.diff(x).subs(x, 0)`."""
    return (isinstance(node, sympy.Subs) and isinstance(node.expr, sympy.Derivative)
            and is_field(node.expr.expr) and all(p.is_number for p in node.point))


def point_derivative_parts(node, fields) -> tuple:
    """(field as declared, {variable: derivative order}, {variable: value}) of a
    derivative at a point: `u.diff(x).subs({x: 1, y: 0.5})` is sympy's Subs(D(u(t, x,
    0.5), x), x, 1), whose variables are fixed partly inside it, partly by the Subs."""
    inner, variables, point = subs_parts(node, {f.func: f for f in fields})
    written = inner.expr
    full = next(f for f in fields if f.func == written.func)
    at = dict(zip(variables, point))
    at.update({v: a for v, a in zip(full.args, written.args) if v != a})
    renamed = dict(zip(written.args, full.args))  # a Subs's bound symbols stand for the field's variables
    counts = {renamed.get(v, v): int(k) for v, k in inner.variable_count}
    return full, counts, at


def subs_parts(node, declared) -> tuple:
    """(expr, variables, point) of a Subs, u.diff(x).subs(x, 0), with its bound variables
    renamed to the variables they stand for in the fields as declared (`declared`:
    {field function: the field with its variables}). A Subs's own symbols say nothing:
    Subs(u_a, a, 0) == Subs(u_b, b, 0), and sympy's cache hands back whichever was built
    first (2 * Subs(u_b, b, 0) may come out as 2 * Subs(u_a, a, 0))."""
    rename: dict = {}
    for sub in sympy.preorder_traversal(node.expr):
        if is_field(sub) and sub.func in declared:
            for a, v in zip(sub.args, declared[sub.func].args):
                if a in node.variables:
                    rename.setdefault(a, v)
    return node.expr.xreplace(rename), tuple(rename.get(v, v) for v in node.variables), tuple(node.point)


def solve_linear(expr, q):
    """The value of `q` that makes `expr` zero when `expr` is linear in `q` (a nonzero
    coefficient free of `q`), else None."""
    s = sympy.Dummy()
    e = expr.xreplace({q: s})
    coef = sympy.diff(e, s)
    if coef == 0 or s in coef.free_symbols:
        return None
    return -e.xreplace({s: 0}) / coef


class D:
    """The partial-derivative operator along `var`: `D(x)(u)` is
    `sympy.Derivative(u, x)`; `D(x, 2)` is the second derivative. Operators
    compose by application, `D(x)(D(y)(u))`, or by product, `(D(x)*D(y))(u)`.

    >>> t, x, y = variables("t x y")
    >>> u = fields("u", t, x, y)
    >>> D(x, 2)(u)
    Derivative(u(t, x, y), (x, 2))
    >>> (D(x) * D(y))(u)
    Derivative(u(t, x, y), x, y)
    """

    __slots__ = ("steps",)

    def __init__(self, var, order: int = 1):
        if not isinstance(var, sympy.Symbol) or isinstance(var, Parameter):
            raise ModelError(
                f"D() needs an independent variable from sn.variables(...), got {var!r}"
            )
        if not isinstance(order, int) or order < 1:
            raise ModelError(f"D({var}, order) needs a positive integer order, got {order!r}")
        self.steps = ((var, order),)

    def __call__(self, expr):
        expr = sympy.sympify(expr)
        for var, _ in self.steps:
            # free_symbols of u(t, x) holds t and x: a field's arguments count.
            if expr.free_symbols and var not in expr.free_symbols:
                raise ModelError(
                    f"D({var}) applied to {expr}, which does not depend on {var} (so the "
                    f"derivative is identically zero): declare the field with {var} among "
                    f"its arguments, e.g. sn.fields('u', ..., {var}, ...)"
                )
        return sympy.Derivative(expr, *self.steps)

    def __mul__(self, other: "D") -> "D":
        if not isinstance(other, D):
            return NotImplemented
        out = object.__new__(D)
        out.steps = self.steps + other.steps
        return out

    def __pow__(self, n: int) -> "D":
        if not isinstance(n, int) or n < 1:
            raise ModelError(f"D(...)**n needs a positive integer n, got {n!r}")
        out = object.__new__(D)
        out.steps = tuple((v, k * n) for v, k in self.steps)
        return out

    def __repr__(self) -> str:
        return "*".join(f"D({v})" if k == 1 else f"D({v}, {k})" for v, k in self.steps)


def laplacian(f, *vars):
    """$\\nabla^2 f = \\sum_i \\partial^2 f / \\partial x_i^2$ over `vars`.

    >>> t, x, y = variables("t x y")
    >>> laplacian(fields("u", t, x, y), x, y)
    Derivative(u(t, x, y), (x, 2)) + Derivative(u(t, x, y), (y, 2))
    """
    if not vars:
        raise ModelError(
            "laplacian(f, *vars) needs the spatial variables, e.g. sn.laplacian(u, x, y)"
        )
    return sympy.Add(*(D(v, 2)(f) for v in vars))


class Vector(tuple):
    """A tuple of components that scales like a vector: `a * grad(u)`, `grad(u) / 2`,
    `-F`, `F + G` (componentwise), so `div(a * grad(u), x, y)` reads as written."""

    def __mul__(self, c):
        return Vector(sympy.sympify(c) * f for f in self)

    __rmul__ = __mul__

    def __truediv__(self, c):
        return Vector(f / sympy.sympify(c) for f in self)

    def __neg__(self):
        return Vector(-f for f in self)

    def __add__(self, other):
        if not isinstance(other, tuple) or len(other) != len(self):
            raise ModelError(f"adding vectors of different lengths: {tuple(self)} and {other!r}")
        return Vector(f + g for f, g in zip(self, other))

    __radd__ = __add__

    def __sub__(self, other):
        return self + (-Vector(other))


def grad(f, *vars):
    """The gradient of scalar `f` as a vector (a tuple) $(\\partial f/\\partial x_i)_i$;
    it scales, `div(a * grad(u), x, y)`.

    >>> import symnum as sn
    >>> x, y = sn.variables("x y")
    >>> u = sn.fields("u", x, y)
    >>> sn.div((1 + u**2) * sn.grad(u, x, y), x, y) == sn.D(x)((1 + u**2) * sn.D(x)(u)) + sn.D(y)((1 + u**2) * sn.D(y)(u))
    True
    """
    if not vars:
        raise ModelError("grad(f, *vars) needs the spatial variables, e.g. sn.grad(u, x, y)")
    return Vector(D(v)(f) for v in vars)


def div(F, *vars):
    """The divergence $\\sum_i \\partial F_i / \\partial x_i$ of the vector `F`.

    >>> t, x, y = variables("t x y")
    >>> u = fields("u", t, x, y)
    >>> div((u, u**2), x, y)
    Derivative(u(t, x, y), x) + Derivative(u(t, x, y)**2, y)
    """
    F = tuple(F) if isinstance(F, (list, tuple)) else None
    if F is None or len(F) != len(vars) or not vars:
        raise ModelError(
            f"div(F, *vars) needs one component of F per variable, got F={F!r} and "
            f"vars={vars!r}: e.g. sn.div((F_x, F_y), x, y)"
        )
    return sympy.Add(*(D(v)(c) for c, v in zip(F, vars)))


def Eq(lhs, rhs=0):
    """An equation `lhs = rhs`, never evaluated to True/False.

    >>> t = variables("t")
    >>> u = fields("u", t)
    >>> Eq(D(t)(u), -u)
    Eq(Derivative(u(t), t), -u(t))
    """
    return sympy.Eq(sympy.sympify(lhs), sympy.sympify(rhs), evaluate=False)
