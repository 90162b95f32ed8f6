"""Sharing that sympy.cse and tree extraction miss (issue 17, item 2): exponentials that
differ by a constant or an integer factor share one call (the rate laws of kinetics and of
Hodgkin-Huxley): values kept (50-digit evaluation against the input), fewer calls, never
costlier; the families found."""

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from symnum.codegen import make_pointwise
from symnum.rewriting import CPU, CostModel, cse, optimize
from symnum.rewriting._exp_sharing import MAX_SHIFT, share_exponentials

V, W = sympy.symbols("V W", real=True)
K = sympy.Symbol("k", positive=True)  # a parameter (loop invariant)
R = sympy.Rational


def hodgkin_huxley(v=V, m=None, h=None, n=None, current=10):
    """The right side of the Hodgkin-Huxley model (mV, ms): dV/dt and the three gates',
    each gate's rates an exp of (V + c)/d."""
    m, h, n = (m, h, n) if m is not None else sympy.symbols("m h n", real=True)
    an = R(1, 100) * (v + 55) / (1 - sympy.exp(-(v + 55) / 10))
    bn = R(1, 8) * sympy.exp(-(v + 65) / 80)
    am = R(1, 10) * (v + 40) / (1 - sympy.exp(-(v + 40) / 10))
    bm = 4 * sympy.exp(-(v + 65) / 18)
    ah = R(7, 100) * sympy.exp(-(v + 65) / 20)
    bh = 1 / (1 + sympy.exp(-(v + 35) / 10))
    dv = current - 120 * m**3 * h * (v - 50) - 36 * n**4 * (v + 77) - R(3, 10) * (v + R(544, 10))
    return [dv, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]


def _program_calls(prog, invariant=frozenset()):
    """exp calls made per point (those of invariants only are hoisted: not counted)."""
    return sum(1 for e in [e for _, e in prog.temps] + list(prog.outputs) for node in sympy.preorder_traversal(e)
               if isinstance(node, sympy.exp) and not node.free_symbols <= set(invariant))


def test_hodgkin_huxley_rates_share_calls():
    eqs = hodgkin_huxley()
    prog = optimize(eqs)
    # six distinct calls; three families: the /10 rates, exp(-V/80) with exp(-V/20) its 4th
    # power, exp(-V/18)
    assert _program_calls(cse(eqs)) == 6
    assert _program_calls(prog) == 3
    assert prog.cost() < 0.75 * cse(eqs).cost()
    point = {V: R(-523, 10), sympy.Symbol("m", real=True): R(1, 20), sympy.Symbol("h", real=True): R(3, 5),
             sympy.Symbol("n", real=True): R(8, 25)}
    for before, after in zip(eqs, prog.to_sympy()):
        a, b = before.xreplace(point).evalf(50), after.xreplace(point).evalf(50)
        assert abs(a - b) <= 1e-15 * abs(a)


def test_the_generated_kernel_agrees_with_the_input():
    """The optimized program, compiled (Numba), against the unoptimized one over V in
    [-100, 50] (the singular points of the rates' removable 0/0 avoided)."""
    eqs = hodgkin_huxley()
    symbols = [sympy.Symbol(s, real=True) for s in ("V", "m", "h", "n")]
    rng = np.random.default_rng(0)
    args = [rng.uniform(-100, 50, 4000) + 0.0137] + [rng.uniform(0, 1, 4000) for _ in range(3)]
    plain = make_pointwise(eqs, symbols, name="hh_plain")
    fast = make_pointwise(optimize(eqs), symbols, name="hh_shared")
    assert "_e0" in fast.source and fast.source.count("math.exp") == 3
    np.testing.assert_allclose(fast(args), plain(args), rtol=1e-12, atol=1e-12)


def test_families_by_constant_shift_and_integer_factor():
    exprs = [sympy.exp(V + 1), sympy.exp(V - 2) * W, sympy.exp(-2 * V), sympy.exp(3 * V + K)]
    temps, outs = share_exponentials(exprs, invariant={K})
    assert temps == [(temps[0][0], sympy.exp(V))]
    E = temps[0][0]
    assert outs[2] == E**-2 and outs[3] == E**3 * sympy.exp(K)


def test_what_does_not_pay_or_is_unsafe_stays():
    # one call of a part: nothing to share
    assert share_exponentials([sympy.exp(V + 1) + sympy.exp(W)]) == ([], [sympy.exp(V + 1) + sympy.exp(W)])
    # a power beyond the bound, and a shift beyond MAX_SHIFT (it stays in the argument)
    assert share_exponentials([sympy.exp(V), sympy.exp(7 * V)])[0] == []
    far = [sympy.exp(V), sympy.exp(V + MAX_SHIFT + 5)]
    assert share_exponentials(far)[0] == []
    # where an exp costs a few multiplies, a family of two with shifts and powers does not pay
    two = [sympy.exp(V + 1) * W, sympy.exp(4 * V - 1)]
    assert share_exponentials(two, model=CPU)[0] != []
    assert share_exponentials(two, model=CostModel(exp=3.0))[0] == []


linear = st.tuples(st.integers(-3, 3), st.integers(-3, 3)).filter(lambda ab: ab != (0, 0))


@settings(max_examples=20, deadline=None)
# found by this test: opposite factors of one part (sorting their signs raised), and a
# parameter shift (its hoisted exp(k) counted as a call)
@example([((1, 0), 1, Fraction(0), False), ((1, 0), -1, Fraction(0), False)], Fraction(1, 2), Fraction(1, 3))
@example([((1, 0), 1, Fraction(0), True), ((1, 0), 1, Fraction(0), False)], Fraction(1, 2), Fraction(1, 3))
@given(st.lists(st.tuples(linear, st.sampled_from([1, 2, 3, -1, R(1, 2), sympy.Float(0.25), sympy.Float(-0.75)]),
                          st.fractions(-5, 5, max_denominator=4), st.booleans()), min_size=1, max_size=5),
       st.fractions(R(-3, 2), R(3, 2), max_denominator=9), st.fractions(R(-3, 2), R(3, 2), max_denominator=9))
def test_values_kept_calls_never_more(members, v, w):
    p = [(a * V + b * W) for (a, b), _, _, _ in members]
    exprs = [sympy.exp(r * q + R(c.numerator, c.denominator) + (K if with_k else 0)) * (q + 1)
             for q, (_, r, c, with_k) in zip(p, members)]
    prog = optimize(exprs, invariant=[K])
    assert _program_calls(prog, {K}) <= len({e for x in exprs for e in x.atoms(sympy.exp)})
    assert prog.cost() <= cse(exprs, invariant=[K]).cost()
    point = {V: R(v.numerator, v.denominator), W: R(w.numerator, w.denominator), K: R(7, 10)}
    for before, after in zip(exprs, prog.to_sympy()):
        a, b = before.xreplace(point).evalf(50), after.xreplace(point).evalf(50)
        assert abs(a - b) <= 1e-15 * max(1, abs(a)), (before, after)


@pytest.mark.parametrize("shift", [1, -MAX_SHIFT])
def test_a_numeric_shift_is_a_hoisted_number(shift):
    temps, outs = share_exponentials([sympy.exp(V + shift), sympy.exp(V)])
    (factor,) = [a for a in sympy.Mul.make_args(outs[0]) if a.is_Number]
    assert isinstance(factor, sympy.Float) and abs(float(factor) - np.exp(shift)) <= 1e-15 * np.exp(shift)



def test_hodgkin_huxley_neuron_end_to_end():
    """The model as a user writes it, discretized and solved by the compiled integrator:
    its kernel makes three exp calls per evaluation, and the spike train matches an
    independent reference (scipy's DOP853 at 1e-12 on the lambdified right side)."""
    from scipy.integrate import solve_ivp

    import symnum as sn
    from symnum.solvers import discretize, solve

    t = sn.variables("t")
    v, m, h, n = sn.fields("V m h n", t)
    current = sn.parameter("I_ext")
    eqs = [sn.Eq(sn.D(t)(f), rhs) for f, rhs in zip((v, m, h, n), hodgkin_huxley(v, m, h, n, current))]
    y0 = [-65.0, 0.05, 0.6, 0.32]
    system = sn.ODESystem(eqs, [sn.Initial(f, y) for f, y in zip((v, m, h, n), y0)], domain={t: (0, 60)},
                          parameters={current: 10.0}, name="hodgkin_huxley")
    prob = discretize(system)
    assert prob.kernel.source.count("math.exp") == 3
    times = np.linspace(0, 60, 601)
    sol = solve(prob, rtol=1e-9, atol=1e-11, saveat=times, progress=False)
    rhs = sympy.lambdify([(v, m, h, n), current], [e.rhs for e in eqs])
    ref = solve_ivp(lambda _, y: rhs(y, 10.0), (0, 60), y0, method="DOP853", rtol=1e-12, atol=1e-12, t_eval=times)
    want = ref.y[0]
    assert ((want[1:] > 0) & (want[:-1] <= 0)).sum() == 4  # four spikes
    np.testing.assert_allclose(np.asarray(sol[v]).ravel(), want, atol=1e-4)


@pytest.mark.skipif(__import__("shutil").which("g++") is None, reason="g++ is not installed")
def test_shared_calls_on_every_backend():
    """A reaction term with an exp family (Arrhenius-like in u, shifted and doubled): the
    Numba, NumPy and CUDA kernels (CUDA C run on the host by the test harness; compiled
    by nvcc where present) agree to round-off, and the generated kernels make one call
    per node."""
    import shutil

    import symnum as sn
    from symnum.codegen._cuda import host_harness, nvcc_ptx
    from symnum.solvers import discretize

    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    react = sympy.exp(-(u + 1) / 2) - u * sympy.exp(-(u + 3)) + sympy.exp(1 - u / 2) / (1 + u**2)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + react)],
                          [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                          domain={t: (0, 1), x: (0, 1)}, name="exp_family")
    numba = discretize(system, {x: 48}, backend="numba")
    cuda = discretize(system, {x: 48}, backend="cuda")
    for src in (numba.kernel.source, cuda.kernel.source):  # one call per node, in every region's copy
        calls = [line for line in src.splitlines() if "exp(" in line]
        assert calls and all("_e0 = " in line and line.count("exp(") == 1 for line in calls), calls
    y = np.random.default_rng(5).uniform(-1, 2, numba.shape)
    want = discretize(system, {x: 48}, backend="numpy").rhs(y, 0.0)
    np.testing.assert_allclose(numba.rhs(y, 0.0), want, rtol=1e-12, atol=1e-12)
    k = cuda.kernel
    run = host_harness(k.source, k.name, 1, len(cuda.stencil.params) + 1, "float64")
    np.testing.assert_allclose(run(y, np.empty_like(y), 0.0, *cuda._scalars()), want, rtol=1e-12, atol=1e-12)
    if shutil.which("nvcc"):
        assert f".entry {k.name}" in nvcc_ptx(k.source)


def test_a_difference_and_its_reverse_are_summed_once():
    """`a - b` beside `b - a + c` (a flux and its counterflow): cse sums both; optimize
    reads the second from the first."""
    a, b, c = sympy.symbols("a b c", real=True)
    exprs = [a - b, b - a + c, (a - b) * (b - a) + c]
    prog = optimize(exprs)
    assert prog.cost() == cse(exprs).cost() - 1
    point = {a: R(3, 7), b: R(-5, 3), c: R(2, 9)}
    assert [e.xreplace(point) for e in exprs] == [e.xreplace(point) for e in prog.to_sympy()]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from([-2, -1, 1, 3]), st.integers(0, 4)), min_size=1, max_size=4),
                min_size=2, max_size=5))
def test_share_negated_sums_keeps_values(sums):
    """Random sums over five terms, the first one as a temp: the pass keeps every value
    and never costs more."""
    from symnum.rewriting._program import Program, share_negated_sums

    atoms = sympy.symbols("a0:5", real=True)
    exprs = [sympy.Add(*(c * atoms[i] for c, i in s)) for s in sums]
    t0 = sympy.Symbol("_t0", real=True)
    before = Program(((t0, exprs[0]),), tuple(exprs[1:]) + (t0,))
    after = share_negated_sums(before)
    point = {s: R(k + 2, 2 * k + 3) for k, s in enumerate(atoms)}
    assert [e.xreplace(point) for e in before.to_sympy()] == [e.xreplace(point) for e in after.to_sympy()]
    assert after.cost() <= before.cost()


def test_float_factors_as_users_write_them():
    """Rates written with floats, exp(-0.05 (V + 65)) and exp(-0.0125 (V + 65)) (sympy splits
    the constant off itself): one call, exp(-0.0125 V)**4 for the first, equal to round-off
    over the range; a factor 8 apart (beyond MAX_POWER) and a non-multiple stay apart."""
    rates = [sympy.exp(-0.05 * (V + 65)), sympy.exp(-0.0125 * (V + 65)), sympy.exp(-0.1 * (V + 40)),
             sympy.exp(-(V + 65) / 18.0)]
    temps, outs = share_exponentials(rates)
    assert temps == [(temps[0][0], sympy.exp(-0.0125 * V))]
    assert _program_calls(optimize(rates)) == 3
    for v in np.linspace(-100, 50, 7):
        for before, after in zip(rates, outs):
            a = float(before.xreplace({V: v}))
            b = float(after.xreplace({temps[0][0]: temps[0][1]}).xreplace({V: v}))
            assert abs(a - b) <= 1e-14 * abs(a)
