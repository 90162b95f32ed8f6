"""DAG extraction (symnum.rewriting._extract): the integer program is optimal
(equal to brute force over every choice on small e-graphs), the greedy choice is
never better than it, extracted programs keep the inputs' values, and the node
costs follow the cost model passed in."""

import itertools
import math

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symnum.rewriting import CostModel, Limits, cse, optimize
from symnum.rewriting import _extract as X
from symnum.rewriting._egraph import extract_tree, saturate
from symnum.rewriting._optimize import _assemble

x, y, z = sympy.symbols("x y z", real=True)
k = sympy.Symbol("k", positive=True)


def _graph(exprs, invariant=(), iterations=2, model=None):
    sat = saturate(exprs, time_limit=5.0, max_iter=iterations)
    graph = X.read_egraph(sat.egraph, sat.n_outputs)
    costs = X.node_costs(graph, sat.leaves, model or CostModel(), frozenset(invariant))
    return sat, graph, costs


def _brute_force(graph, costs, limit=200_000):
    classes = graph.reachable()
    options = [graph.classes[c] for c in classes]
    if math.prod(len(o) for o in options) > limit:
        return None
    best = math.inf
    for pick in itertools.product(*options):
        try:
            best = min(best, X.dag_cost(graph, dict(zip(classes, pick)), costs))
        except ValueError:  # a cyclic choice
            pass
    return best


SMALL = [  # (outputs, saturation iterations): 2 to 110,592 choices
    ([x * y + x, x * y + y, x * y], 2),
    ([k * x + k * y, (x + y) * z], 3),
    ([x * x + 2 * x * y, x * y - x], 3),
    ([sympy.exp(x) * sympy.exp(y), sympy.exp(x + y) * z], 2),
    ([x / z + y / z, 1 / z], 2),
    ([x * y * z + x * y + x, y * z - z * x, (x + y) * (x + z)], 3),
    ([k * x * y + k * x * z + y * z, x * y - x * z], 2),  # greedy 9, optimal 7
    ([x**2 * y + x * y**2 + x * y, sympy.exp(x) * sympy.exp(y) * z], 3),  # greedy 26, optimal 25
]


@pytest.mark.parametrize("exprs,iterations", SMALL, ids=range(len(SMALL)))
def test_ilp_equals_brute_force_and_bounds_greedy(exprs, iterations):
    sat, graph, costs = _graph(exprs, invariant=[k], iterations=iterations)
    exact = _brute_force(graph, costs)
    assert exact is not None, "the e-graph grew past what brute force enumerates"
    greedy = X.greedy_dag(graph, costs)
    ilp = X.ilp_dag(graph, costs, time_limit=30.0)
    assert X.dag_cost(graph, ilp, costs) == pytest.approx(exact)
    assert X.dag_cost(graph, greedy, costs) >= exact - 1e-12
    # the chosen DAG's program costs (by Program.cost) what the extractor counted
    prog = X.to_program(graph, ilp, sat.leaves, frozenset([k]))
    assert prog.cost() <= X.dag_cost(graph, ilp, costs) + 1e-12
    _same_values(exprs, prog.to_sympy())


def test_dag_counts_shared_subterms_once_where_tree_extraction_cannot():
    """x*(y + z) is the cheapest tree for x*y + x*z (2 operations, not 3); beside
    x*y and x*z themselves the cheapest program adds those two: 2 muls + 1 add."""
    exprs = [x * y + x * z, x * y, x * z]
    sat, graph, costs = _graph(exprs)
    tree = _assemble((), extract_tree(sat), frozenset())
    dag = X.to_program(graph, X.ilp_dag(graph, costs, time_limit=30.0), sat.leaves)
    assert dag.cost() == 3 < tree.cost()
    assert tree.cost() == 4 and sorted(map(str, dag.outputs)) == ["_d0", "_d0 + _d1", "_d1"]
    _same_values(exprs, dag.to_sympy())
    # and optimize(extraction="dag") keeps it
    assert optimize(exprs, extraction="dag").cost() == 3


def test_node_costs_come_from_the_model_passed_in():
    """exp(x + y) and exp(x)*exp(y) are one e-class: the table's exp = 20 picks the
    single call; a model where calls are cheap and adds dear picks the product."""
    exprs = [sympy.exp(x) * sympy.exp(y) + z]
    for model, calls in [(CostModel(), 1), (CostModel(exp=0.1, add=100.0, mul=1.0), 2)]:
        sat, graph, costs = _graph(exprs, model=model)
        prog = X.to_program(graph, X.ilp_dag(graph, costs, time_limit=30.0), sat.leaves)
        assert str(prog.outputs[0]).count("exp") == calls, prog
        _same_values(exprs, prog.to_sympy())


def test_hoisted_and_negated_nodes_cost_nothing():
    """A node over loop invariants only is hoisted, -1*u folds into its add."""
    exprs = [k * k * x - y]
    sat, graph, costs = _graph(exprs, invariant=[k], iterations=1)
    choice = X.ilp_dag(graph, costs, time_limit=30.0)
    assert X.dag_cost(graph, choice, costs) == 2  # (k*k)*x: 1 mul; x' - y: 1 add


def test_extraction_option_is_checked():
    with pytest.raises(Exception, match="extraction"):
        optimize([x + y], extraction="ilp")


def _same_values(before, after, seed=0):
    rng = np.random.default_rng(seed)
    syms = sorted(set().union(*(e.free_symbols for e in before)), key=str)
    for _ in range(3):
        point = {s: sympy.Float(rng.uniform(0.3, 2.0)) for s in syms}
        for b, a in zip(before, after):
            vb, va = complex(b.xreplace(point).evalf(30)), complex(a.xreplace(point).evalf(30))
            assert abs(vb - va) <= 1e-12 * max(1.0, abs(vb)), (b, a)


leaves = st.sampled_from([x, y, z, k, sympy.Integer(2), sympy.Rational(1, 3)])
small = st.recursive(
    leaves,
    lambda c: st.one_of(
        st.tuples(c, c).map(lambda ab: ab[0] + ab[1]),
        st.tuples(c, c).map(lambda ab: ab[0] - ab[1]),
        st.tuples(c, c).map(lambda ab: ab[0] * ab[1]),
        st.tuples(c, c).map(lambda ab: ab[0] / (ab[1] ** 2 + 1)),
        c.map(sympy.exp),
    ),
    max_leaves=6,
)


@settings(max_examples=12, deadline=None)
@given(st.lists(small, min_size=1, max_size=3))
def test_dag_optimize_keeps_values_and_never_costs_more_than_cse(exprs):
    prog = optimize(exprs, invariant=[k], limits=Limits(time=0.3), extraction="dag")
    assert prog.cost() <= cse(exprs, invariant=[k]).cost()
    _same_values(exprs, prog.to_sympy())


def test_cycles_are_cut_and_never_chosen():
    """A hand-made e-graph whose cheapest choice ignoring acyclicity is a cycle: class 0
    (the output) = f(class 1), class 1 = g(class 0) for free, or a leaf that costs 5
    (an exp of a leaf, say). The integer program's first answer is the free cycle;
    the cut forbids it; the answer is the acyclic one. Greedy never builds a cycle."""
    nodes = (X.Node("exp", 0, (1,)),   # 0: class 0 = exp(class 1)
             X.Node("sin", 1, (0,)),   # 1: class 1 = sin(class 0): a cycle with node 0
             X.Node("exp", 1, (2,)),   # 2: class 1 = exp(class 2)
             X.Node("var", 2, (), "v0"))  # 3: class 2 = a leaf
    graph = X.Graph(nodes, ((0,), (1, 2), (3,)), (0,))
    costs = np.array([1.0, 0.0, 5.0, 0.0])
    with pytest.raises(ValueError, match="cyclic"):
        X.dag_cost(graph, {0: 0, 1: 1, 2: 3}, costs)
    choice = X.ilp_dag(graph, costs, time_limit=30.0)
    assert choice[1] == 2 and X.dag_cost(graph, choice, costs) == 6.0
    greedy = X.greedy_dag(graph, costs)
    assert greedy[1] == 2 and X.dag_cost(graph, greedy, costs) == 6.0
    prog = X.to_program(graph, choice, {"v0": x})
    assert prog.outputs[0] == sympy.exp(sympy.exp(x))


def test_reading_refuses_what_it_cannot_read():
    class Fake:
        def __init__(self, nodes):
            self.nodes = nodes

        def _serialize(self, **_):
            import json

            class S:
                def to_json(s):
                    return json.dumps({"nodes": self.nodes})

            return S()

    bad_ratio = {"p": {"op": "Ratio { what }", "children": [], "eclass": "R"},
                 "n": {"op": "Term.num", "children": ["p"], "eclass": "T-0"},
                 "r": {"op": "root", "children": ["i"], "eclass": "T-0"},
                 "i": {"op": "0", "children": [], "eclass": "I"}}
    with pytest.raises(ValueError, match="unreadable rational"):
        X.read_egraph(Fake(bad_ratio), 1)
    no_root = {"s": {"op": '"v0"', "children": [], "eclass": "S"},
               "v": {"op": "Term.var", "children": ["s"], "eclass": "T-0"}}
    with pytest.raises(ValueError, match="missing"):
        X.read_egraph(Fake(no_root), 1)
