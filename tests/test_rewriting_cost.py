"""The cost model and Program: string in, number out."""

import pytest
import sympy

from symnum.rewriting import CPU, CostModel, Program, cost, cse

x, y, z = sympy.symbols("x y z", real=True)
alpha, dx = sympy.symbols("alpha dx", positive=True)


@pytest.mark.parametrize(
    "expr, expected",
    [
        (x + y + z, 2 * CPU.add),
        (x * y * z, 2 * CPU.mul),
        (-x + y, CPU.add),  # a negation folds into the subtraction
        (x / y, CPU.div),
        (x**2, CPU.mul),
        (x**3, 2 * CPU.mul),
        (x**8, 3 * CPU.mul),  # binary powering: three squarings
        (x**-2, CPU.mul + CPU.div),
        (sympy.sqrt(x), CPU.sqrt),
        (x ** sympy.Rational(3, 2), CPU.sqrt + CPU.mul),
        (x**y, CPU.pow),
        (sympy.exp(x) + sympy.sin(y), CPU.exp + CPU.sin + CPU.add),
        (sympy.IndexedBase("u")[sympy.Symbol("i") + 1], 0),  # a load; index math is addressing
    ],
)
def test_tree_cost(expr, expected):
    assert cost(expr) == expected


def test_loop_invariants_cost_nothing():
    u = sympy.IndexedBase("u")
    i = sympy.Symbol("i", integer=True)
    e = alpha / dx**2 * (u[i + 1] - 2 * u[i] + u[i - 1])
    # one multiply by the hoisted alpha/dx**2, one by -2, two adds
    assert cost(e, invariant=[alpha, dx]) == 2 * CPU.mul + 2 * CPU.add
    assert cost(e) > cost(e, invariant=[alpha, dx])
    # a field's value varies per point even if its arguments are "invariant"
    f = sympy.Function("f")(x)
    assert cost(2 * f, invariant=[x]) == CPU.mul


def test_custom_model_and_program_dag_cost():
    model = CostModel(mul=3.0, div=24.0)
    assert cost(x * y / z, model) == 3.0 + 24.0  # x*y/z: one multiply, one division
    shared = sympy.exp(x * y)
    prog = cse([shared + 1, shared * 2])
    # exp(x*y) is computed once in the program, twice in the trees
    assert prog.cost() == CPU.mul + CPU.exp + CPU.add + CPU.mul
    assert cost(shared + 1) + cost(shared * 2) > prog.cost()
    assert prog.to_sympy() == [shared + 1, 2 * shared]


def test_program_prints_and_hoists_invariant_temps():
    k = sympy.Symbol("_k0")
    prog = Program(((k, alpha / dx**2),), (k * x,), frozenset({alpha, dx}))
    assert str(prog) == "_k0 = alpha/dx**2\nout[0] = _k0*x"
    assert prog.cost() == CPU.mul
