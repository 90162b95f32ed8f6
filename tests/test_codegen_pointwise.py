"""Generated Numba kernels equal an independent reference (sympy.lambdify on
NumPy), for the expressions as written and for their optimized Programs."""

import numpy as np
import pytest
import sympy

from symnum import CompilationError
from symnum.codegen import make_pointwise, to_python
from symnum.rewriting import optimize

x, y = sympy.symbols("x y", real=True)
a = sympy.Symbol("a", positive=True)
u = sympy.IndexedBase("u", real=True)
i = sympy.Symbol("i", integer=True)

CASES = [
    [1 + x**2 * y - sympy.Rational(22, 5) * x, sympy.Rational(17, 5) * x - x**2 * y],
    [a * (u[i + 1] - 2 * u[i] + u[i - 1]) / a**2 + sympy.exp(-x**2 / a) * sympy.sin(y)],
    [sympy.Piecewise((x**3, x > y), (1 / (1 + y**2), True)) + sympy.Abs(x - y) ** sympy.Rational(3, 2)],
    [sympy.sqrt(x**2 + a) / (x - 3) ** 2 + sympy.log(1 + y**2) * sympy.tanh(x) + x**-3],
    [sympy.Heaviside(x - 1) * y + sympy.cos(x) ** 2 + sympy.sin(x) ** 2],
    # a reciprocal root, an unevaluated E**y (as rewriting can hand back), and a
    # Piecewise with no catch-all branch (NaN where none holds, as lambdify gives)
    [1 / sympy.sqrt(x + a) + sympy.Pow(sympy.E, y, evaluate=False)
     + sympy.Piecewise((1, (x < 0.5) | (x > 1.5)), (2, y > 1))],
]


@pytest.mark.parametrize("exprs", CASES, ids=range(len(CASES)))
def test_kernel_matches_lambdify(exprs):
    leaves = sorted(set().union(*(e.free_symbols | e.atoms(sympy.Indexed) for e in exprs)) - {a, i}, key=str)
    rng = np.random.default_rng(1)
    data = [rng.uniform(0.1, 2.0, 257) for _ in leaves]
    dummies = sympy.symbols(f"d0:{len(leaves)}", real=True)
    ref_fn = sympy.lambdify(
        list(dummies) + [a], [e.xreplace(dict(zip(leaves, dummies))) for e in exprs], "numpy"
    )
    ref = np.array([np.broadcast_to(r, (257,)) for r in ref_fn(*data, 0.7)])
    for prog in (exprs, optimize(exprs, invariant=[a])):
        got = make_pointwise(prog, leaves, [a], name="test_kernel")(data, [0.7])
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_integer_powers_print_as_multiply_chains():
    assert to_python(x**3) == "(x*x*x)"
    assert to_python((x + y) ** -2) == "(1.0/((x + y)*(x + y)))"
    assert to_python(y / (x - 3) ** 2) == "y/((x - 3.0)*(x - 3.0))"
    assert to_python(x**20) == "math.pow(x, 20.0)"
    assert to_python(sympy.sqrt(x)) == "math.sqrt(x)"


def test_missing_input_is_named():
    with pytest.raises(CompilationError, match=r"\['y'\] .* is neither an input nor a parameter"):
        make_pointwise([x + y], [x])
    with pytest.raises(CompilationError, match="cannot generate code for"):
        to_python(sympy.besselj(0, x))
