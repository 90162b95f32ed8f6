"""CPU cost model: estimated cycles to evaluate an expression once, per point.

The numbers are relative to one double-precision add and follow the
reciprocal throughputs of scalar/vector double instructions in Agner Fog's
instruction tables (Skylake/Zen: ADDSD, MULSD 0.5 cycles; DIVSD 4-5;
SQRTSD 4-6; so division and sqrt ~10x an add or multiply, as the ~13-cycle
latencies also say) and, for transcendental functions, the per-element cost of
vectorized libm (SVML/glibc mvec, which Numba's fastmath loops call): exp ~20,
log ~25, sin/cos ~40, tan ~50, generic pow ~60 adds. Symbolics.jl's table
(+ 1, * 3, exp 18, / 24, ^ 100, sin/cos 134) ranks the operations the same
way; we cost `*` like `+` because in a vectorized stencil loop both issue at
the same throughput, and integer powers as the multiply chains codegen emits.

Loop invariants: a subterm that depends only on `invariant` symbols
(parameters, grid spacings) costs 0, because code generation hoists it out of
the loop over grid points.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy

__all__ = ["CostModel", "CPU", "cost", "node_cost", "is_invariant"]


@dataclass(frozen=True)
class CostModel:
    """Cycles per operation, relative to one add."""

    add: float = 1.0
    mul: float = 1.0
    div: float = 10.0
    sqrt: float = 12.0
    exp: float = 20.0
    log: float = 25.0
    sin: float = 40.0
    cos: float = 40.0
    tan: float = 50.0
    tanh: float = 30.0
    pow: float = 60.0
    abs: float = 1.0
    select: float = 2.0  # one compare + blend of a Piecewise branch
    function: float = 50.0  # any other function call

    def int_pow(self, n: int) -> float:
        """x**n by binary powering: floor(log2 n) squarings + popcount(n) - 1 muls;
        a negative n adds one division."""
        m = abs(n)
        muls = (m.bit_length() - 1 + bin(m).count("1") - 1) * self.mul if m else 0.0
        return muls + (self.div if n < 0 else 0.0)


CPU = CostModel()

# Per-point values that are loaded, not computed.
_LEAVES = (sympy.Indexed, sympy.Derivative, sympy.core.function.AppliedUndef)

_FUNCTION_FIELDS = {
    sympy.exp: "exp",
    sympy.log: "log",
    sympy.sin: "sin",
    sympy.cos: "cos",
    sympy.tan: "tan",
    sympy.tanh: "tanh",
    sympy.Abs: "abs",
}


def is_invariant(expr, invariant) -> bool:
    """True when `expr` involves only loop-invariant symbols (and numbers)."""
    syms = expr.free_symbols
    return not expr.is_Number and bool(invariant) and syms <= invariant and not _has_leaf(expr)


def _has_leaf(expr) -> bool:
    # Fields, derivatives and stencil accesses vary per point even if their
    # free symbols (t, x, i, j) were declared invariant.
    return bool(expr.atoms(*_LEAVES))


def node_cost(expr, model: CostModel = CPU, invariant=frozenset()) -> float:
    """The cost of the operation at the root of `expr`, its arguments excluded.
    In an n-ary Add/Mul the invariant arguments count as one (hoisted) operand."""
    if expr.is_Atom or isinstance(expr, _LEAVES) or is_invariant(expr, invariant):
        return 0.0
    if expr.is_Add or expr.is_Mul:
        args = expr.args
        n_inv = sum(1 for a in args if a.is_Number or is_invariant(a, invariant))
        operands = len(args) - n_inv + (1 if n_inv else 0)
        if expr.is_Mul:
            # x/y is one division, not a reciprocal and a multiply; -x is a sign flip
            # folded into the surrounding add.
            if any(a == -1 for a in args) and n_inv == 1:
                operands -= 1
            n_div = sum(
                1 for a in args if a.is_Pow and a.exp.is_Integer and a.exp < 0 and not is_invariant(a, invariant)
            )
            if n_div and operands > 1:
                operands -= 1  # the division replaces one multiply (see Pow below)
            return max(operands - 1, 0) * model.mul
        return max(operands - 1, 0) * model.add
    if expr.is_Pow:
        e = expr.exp
        if e.is_Integer:
            return model.int_pow(int(e))
        if e == sympy.S.Half:
            return model.sqrt
        if e == -sympy.S.Half:
            return model.sqrt + model.div
        if e.is_Rational and e.q == 2:
            # x**(p/2) = x**m * sqrt(x), m = (|p| - 1)/2; a reciprocal if p < 0
            m = (abs(int(e.p)) - 1) // 2
            return (
                model.sqrt
                + model.int_pow(m)
                + (model.mul if m else 0.0)
                + (model.div if e.p < 0 else 0.0)
            )
        if expr.base == sympy.E:
            return model.exp
        return model.pow
    if isinstance(expr, sympy.Piecewise):
        return model.select * len(expr.args)
    if isinstance(expr, sympy.Heaviside):
        return model.select
    if isinstance(expr, sympy.core.relational.Relational) or isinstance(
        expr, sympy.logic.boolalg.BooleanFunction
    ):
        return model.add
    name = _FUNCTION_FIELDS.get(expr.func)
    if name is not None:
        return getattr(model, name)
    return model.function


def cost(expr, model: CostModel = CPU, invariant=()) -> float:
    """Cycles to evaluate `expr` as written (a tree: repeated subterms count each
    time). `invariant` symbols are loop invariants: subterms of only those cost 0.

    >>> import sympy
    >>> x, a = sympy.symbols("x a")
    >>> cost(sympy.sin(a) * x), cost(sympy.sin(a) * x, invariant=[a])   # sin(a): hoisted
    (41.0, 1.0)
    """
    invariant = frozenset(invariant)
    expr = sympy.sympify(expr)
    return _tree_cost(expr, model, invariant)


@functools.lru_cache(maxsize=1 << 16)
def _tree_cost(expr, model, invariant) -> float:
    # A stencil access u[i+1, j] is a load: its index arithmetic is addressing.
    if isinstance(expr, _LEAVES) or is_invariant(expr, invariant):
        return 0.0
    return node_cost(expr, model, invariant) + sum(
        _tree_cost(a, model, invariant) for a in expr.args if isinstance(a, sympy.Basic)
    )
