"""What every trainer fed by the symbolic system shares: the generated residual
and the generated boundary/initial values (codegen's JAX backend).

A residual's leaves are the fields and their derivatives that occur in the
equations, each named by (field index, derivative directions), the directions
sorted input indices; a trainer evaluates the leaves its own way (nested jvps
for a network, kernel derivative operators for a Gaussian process) and calls
the one generated function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from symnum._conditions import Robin
from symnum._errors import ModelError
from symnum._expressions import is_field
from symnum._fractional import FractionalDerivative, FractionalLaplacian
from symnum._extras import require
from symnum.codegen._jax import JaxFunction, make_jax_function

__all__ = ["GeneratedResidual", "GeneratedConditions", "RunningIntegral", "FractionalTerm", "FractionalLaplacianTerm",
           "generated_residual",
           "generated_expressions", "generated_conditions", "boundary_equations", "require_jax"]


def require_jax(purpose: str):
    """jax, with optax (every trainer here uses both), or an ImportError naming the ml extra."""
    jax = require("jax", purpose)
    require("optax", purpose)
    return jax


@dataclass(frozen=True)
class RunningIntegral:
    """Integral(f, (x_j, a, b)) of fields along input j (a Volterra term, int_0^t e^s y ds),
    limits a, b in the point's coordinates: the trainer evaluates `integrand` (a generated
    expression of fields and coordinates) at quadrature nodes and sums."""

    axis: int
    integrand: "GeneratedResidual"
    limits: JaxFunction  # limits(coordinates, parameter values) -> [a, b]
    expr: sympy.Integral


@dataclass(frozen=True)
class FractionalTerm:
    """A Riemann-Liouville derivative of field `field` along input `axis` (see
    symnum.FractionalDerivative): the trainer evaluates it by Gauss-Jacobi quadrature."""

    axis: int
    field: int
    left: bool
    end: float
    order: float
    expr: sympy.Expr


@dataclass(frozen=True)
class FractionalLaplacianTerm:
    """(-Delta)^(alpha/2) of field `field` in inputs `axes` on the domain `geometry` (see
    symnum.FractionalLaplacian): rays by Gauss-Jacobi quadrature, directions by a rule
    on the sphere."""

    axes: tuple
    field: int
    order: float
    constant: float
    geometry: object
    expr: sympy.Expr


@dataclass(frozen=True)
class GeneratedResidual:
    fn: JaxFunction      # fn(leaf values + coordinates [+ nonlocal values], parameter values) -> [residual per equation]
    leaves: tuple        # sympy leaves in the order fn takes them
    keys: tuple          # (field index, derivative directions) of each leaf
    nonlocal_terms: tuple = ()  # RunningIntegral, FractionalTerm, FractionalLaplacianTerm: values after the coordinates


@dataclass(frozen=True)
class GeneratedConditions:
    fn: JaxFunction      # fn(coordinates, parameter values) -> every value below, flat
    kinds: tuple         # per boundary condition: (kind name, field index, axis, side); a condition on a
                         # curved boundary part (system.geometric): axis None, side its index there
    counts: tuple        # values each boundary condition takes (1, or 3 for Robin: g, a, b)
    initial: tuple       # field index of each initial condition, after the boundary values
    exprs: tuple         # the sympy expressions fn evaluates, in order
    coupled: tuple = ()  # per boundary condition: None, or (a condition on a geometry whose values hold
                         # fields) the generated [g] / [g, a, b] of fields, derivatives and coordinates


def _leaf_key(node, fields, inputs):
    if is_field(node):
        return fields.index(node), ()
    dirs = []
    for v, k in node.variable_count:
        dirs += [inputs.index(v)] * int(k)
    return fields.index(node.expr), tuple(sorted(dirs))


def generated_residual(system, inputs, params, name, nonlocal_terms: bool = False) -> GeneratedResidual:
    """The residual of every equation. With `nonlocal_terms` (the PINN) an integral along
    one input (limits in the coordinates, as PDESystem accepts them) becomes a
    RunningIntegral and a fractional derivative a FractionalTerm, which the trainer
    evaluates by quadrature and passes in; else they are refused (grid trainers are
    pointwise)."""
    terms = {}
    residuals = []
    for r in system.residuals:
        found = sorted(r.atoms(sympy.Integral, FractionalDerivative, FractionalLaplacian), key=sympy.default_sort_key)
        if found and not nonlocal_terms:
            raise ModelError(
                f"the residual {r} has the nonlocal term {found[0]}: the GP and operator residuals are "
                f"pointwise; train a PINN (quadrature of the network), or for integrals over the whole "
                f"domain solve by the method of lines"
            )
        for i in found:
            terms.setdefault(i, sympy.Symbol(f"_nonlocal_{len(terms)}"))
        residuals.append(r.xreplace(terms))
    # a derivative of an expression (flux form, D(x)(u**2 / 2)) expanded by the chain rule
    residuals = [r.doit() if any(not is_field(d.expr) for d in r.atoms(sympy.Derivative)) else r
                 for r in residuals]
    for r in residuals:
        if any(is_field(f) and any(not a.is_Symbol for a in f.args)
               for f in r.atoms(sympy.core.function.AppliedUndef)):
            raise ModelError(
                f"the residual {r} has a field's value at a point: the PINN, GP and operator residuals "
                f"are pointwise; solve such terms by the method of lines (discretize)"
            )
    running = tuple(_fractional_term(i, system, inputs) if isinstance(i, FractionalDerivative)
                    else _fractional_laplacian_term(i, system, inputs) if isinstance(i, FractionalLaplacian)
                    else _running_integral(i, system, inputs, params, f"{name}_integral_{k}")
                    for k, i in enumerate(terms))
    gen = generated_expressions(residuals, system.fields, inputs, params, name, extra=list(terms.values()))
    return GeneratedResidual(gen.fn, gen.leaves, gen.keys, running)


def _fractional_term(term, system, inputs) -> FractionalTerm:
    return FractionalTerm(list(inputs).index(term.variable), list(system.fields).index(term.field), term.left,
                          term.end, term.order, term)


def _fractional_laplacian_term(term, system, inputs) -> FractionalLaplacianTerm:
    from symnum._geometry import Box

    names = tuple(term.variables)
    geometry = getattr(system, "geometry", {}).get(names) or Box([system.domain[v][0] for v in names],
                                                                 [system.domain[v][1] for v in names])
    geometry.exit_distance(np.zeros((1, len(names))), np.ones((1, len(names))))  # a clear error if unknown
    return FractionalLaplacianTerm(tuple(list(inputs).index(v) for v in names), list(system.fields).index(term.field),
                                   term.order, term.constant(), geometry, term)


def _running_integral(integral, system, inputs, params, name) -> RunningIntegral:
    (v, a, b), = integral.limits  # PDESystem checked: one variable, two limits
    f = integral.function
    if f.atoms(sympy.Integral):
        raise ModelError(f"{integral} nests an integral in its integrand: write it as one Integral")
    j = list(inputs).index(v)
    integrand = generated_expressions([f], system.fields, inputs, params, name)
    limits = make_jax_function([sympy.sympify(a), sympy.sympify(b)], list(inputs), list(params), name=f"{name}_limits",
                               do_optimize=False)
    return RunningIntegral(j, integrand, limits, integral)


def generated_expressions(exprs, fields, inputs, params, name, extra=()) -> GeneratedResidual:
    """fn(leaf values + coordinates [+ extra symbols' values], parameter values) -> [each
    expression], the leaves being the fields and derivatives of fields the expressions
    hold (a residual, an observed quantity such as D(x)(u) or k * D(x)(u))."""
    fields = list(fields)
    leaves = {}
    for r in exprs:
        for d in r.atoms(sympy.Derivative):
            if not is_field(d.expr):
                raise ModelError(
                    f"the generated residual needs derivatives of fields only; {d} differentiates "
                    f"an expression: expand it first, e.g. with sympy's .doit()"
                )
            leaves[d] = _leaf_key(d, fields, inputs)
        for f in r.atoms(sympy.core.function.AppliedUndef):
            if is_field(f):
                leaves[f] = _leaf_key(f, fields, inputs)
    # sympy's atoms() is a set whose order follows the per-process string hash
    # seed; a fixed order keeps the generated code, and so the floating-point
    # sums of a gradient, the same in every run.
    ordered = sorted(leaves, key=lambda k: leaves[k])
    fn = make_jax_function(list(exprs), ordered + list(inputs) + list(extra), list(params), name=name)
    return GeneratedResidual(fn, tuple(ordered), tuple(leaves[k] for k in ordered))


def check_conditions(system, trainer: str, complete: bool = True) -> None:
    """The GP (complete=True) takes Dirichlet/Neumann/Robin/Periodic/Initial conditions
    on a rectangle and a system that determines every field on the full set of
    variables (its grid); a PINN (complete=False) also takes general boundary equations
    (sn.Eq at a boundary), gives a field of fewer variables its own network and learns
    undetermined fields from data."""
    if complete:
        if getattr(system, "geometry", None) or getattr(system, "geometric", ()):
            what = next(iter(system.geometry.values())) if system.geometry else system.geometric[0][0]
            raise ModelError(
                f"{trainer} solves on a tensor grid over a rectangle; {what} is not one: train a PINN "
                f"(solvers.PINN) on this system"
            )
        system.check_complete(trainer)
        if getattr(system, "time_only", ()):
            raise ModelError(
                f"{trainer} learns fields of the same variables; {', '.join(map(str, system.time_only))} "
                f"depend(s) on time only, beside fields of {system.full_args}: solve such a system by the "
                f"method of lines (discretize), or train a PINN"
            )
        for bc in system.boundary.values():
            if isinstance(bc, tuple):
                raise ModelError(
                    f"{trainer} takes Dirichlet, Neumann, Robin and Periodic conditions; {bc[0]} is a "
                    f"general boundary equation, which discretize() and the PINN handle: write it as one "
                    f"of those, or solve by the method of lines or a PINN"
                )


def boundary_equations(system, inputs, params, name) -> list:
    """[(axis, side, generated residual of one boundary equation)] for the general boundary
    equations (sn.Eq at a boundary: expressions in fields and their derivatives, written
    at a generic point and evaluated at points of that side)."""
    out = []
    for (f, v, side), bcs in system.boundary.items():
        if isinstance(bcs, tuple):
            for j, bc in enumerate(bcs):
                gen = generated_expressions([bc.expr], system.fields, inputs, params,
                                            f"{name}_{f.func}_{v}_{side}_{j}")
                out.append((inputs.index(v), side, gen))
    return out


def generated_conditions(system, inputs, params, name) -> GeneratedConditions:
    fields = list(system.fields)
    exprs, kinds = [], []
    for (f, v, side), bc in system.boundary.items():
        if isinstance(bc, tuple):  # general boundary equations: boundary_equations()
            continue
        kinds.append((type(bc).__name__, fields.index(f), inputs.index(v), side))
        exprs.append([bc.value] + ([bc.a, bc.b] if isinstance(bc, Robin) else []))
    coupled = [None] * len(kinds)
    # conditions on parts of a curved boundary: no axis, the side is the condition's index
    for i, (gc, _) in enumerate(getattr(system, "geometric", ())):
        kinds.append((gc.kind, fields.index(gc.field), None, i))
        values = [gc.value] + ([gc.a, gc.b] if gc.kind == "Robin" else [])
        if gc.holds_fields:  # evaluated from the network's jets; zeros hold its place in fn
            coupled.append(generated_expressions(values, fields, inputs, params, f"{name}_coupled_{i}"))
            values = [sympy.Integer(0)] * len(values)
        else:
            coupled.append(None)
        exprs.append(values)
    flat = [e for vals in exprs for e in vals]
    initial = [(fields.index(f), e) for f, e in system.initial.items()]
    flat += [e for _, e in initial]
    fn = make_jax_function(flat or [sympy.Integer(0)], list(inputs), list(params), name=name, do_optimize=False)
    return GeneratedConditions(
        fn, tuple(kinds), tuple(len(v) for v in exprs),
        tuple(k for k, _ in initial) if system.time is not None else (),
        tuple(sympy.sympify(e) for e in flat), tuple(coupled),
    )
