"""DAG extraction: the cheapest program over a saturated e-graph, every e-class
counted once however many terms and outputs use it.

egglog's own extraction prices a term as a tree, so a subterm used twice costs
twice and a choice that would let two outputs share a sum never looks cheaper;
`optimize` used to work around this with fixed orders of rewriting and CSE.
Here the e-graph is read from egglog's serialized form and a choice of one
e-node per needed e-class is made for the whole DAG:

- `greedy_dag`: each e-class's cost is the set of e-classes below it (the
  "faster greedy DAG" of the extraction-gym study): a node's set is the union
  of its children's, so shared e-classes count once. Fast, not optimal.
- `ilp_dag`: exact, an integer linear program (scipy.optimize.milp, HiGHS)
  with a time limit; cycles are cut lazily (a chosen cycle's nodes may not all
  be chosen). Falls back to the greedy choice when it does not finish better.

Node costs come from the `CostModel` passed in and follow `Program.cost`: an
e-node whose children are all loop invariant is hoisted (0), a sign flip
`-1 * x` folds into the surrounding add (0). The chosen DAG becomes a
`Program` directly: every e-class used twice is a temp.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass

import numpy as np
import sympy

from ._cost import CPU, CostModel, is_invariant
from ._program import Program, _temp_symbols

__all__ = ["Graph", "read_egraph", "node_costs", "greedy_dag", "ilp_dag", "dag_cost", "to_program"]

# serialized op text -> (kind, cost-model field)
_OPS = {
    "· + ·": "add",
    "· * ·": "mul",
    "·.recip": "recip",
    "·.pow": "pow",
    "·.sqrt": "sqrt",
    "·.exp": "exp",
    "·.log": "log",
    "·.sin": "sin",
    "·.cos": "cos",
    "·.tan": "tan",
    "·.tanh": "tanh",
    "·.abs": "abs",
    "Term.var": "var",
    "Term.num": "num",
    "root": "root",
}
_RATIO = re.compile(r"numer:\s*(-?\d+),\s*denom:\s*(\d+)")
_FUNCS = {
    "exp": sympy.exp, "log": sympy.log, "sin": sympy.sin, "cos": sympy.cos,
    "tan": sympy.tan, "tanh": sympy.tanh, "abs": sympy.Abs, "sqrt": sympy.sqrt,
}


@dataclass(frozen=True)
class Node:
    kind: str  # a key of _FUNCS, "add", "mul", "recip", "pow", "var", "num"
    cls: int
    children: tuple[int, ...]  # e-classes
    value: object = None  # var: the leaf key; num: the Rational


@dataclass(frozen=True)
class Graph:
    """An e-graph as the extractors see it: nodes, the nodes of each e-class,
    and the e-class of each output."""

    nodes: tuple[Node, ...]
    classes: tuple[tuple[int, ...], ...]
    roots: tuple[int, ...]

    def reachable(self) -> list[int]:
        """The e-classes some choice could need, from the roots down."""
        seen, stack = set(self.roots), list(self.roots)
        while stack:
            for n in self.classes[stack.pop()]:
                for c in self.nodes[n].children:
                    if c not in seen:
                        seen.add(c)
                        stack.append(c)
        return sorted(seen)


def read_egraph(egraph, n_outputs: int) -> Graph:
    """The Term e-classes of `egraph`, whose outputs were registered as
    `root(i) == term_i` (see `_egraph.saturate`)."""
    raw = json.loads(egraph._serialize(split_primitive_outputs=False).to_json())["nodes"]
    class_ids: dict[str, int] = {}
    nodes, roots = [], [None] * n_outputs

    def cid(name):
        return class_ids.setdefault(name, len(class_ids))

    for n in raw.values():
        kind = _OPS.get(n["op"])
        if kind is None:
            continue  # primitives and the analysis relations
        cls = cid(n["eclass"])
        kids = n["children"]
        if kind == "root":
            roots[int(raw[kids[0]]["op"])] = cls
        elif kind == "var":
            nodes.append(Node("var", cls, (), raw[kids[0]]["op"].strip('"')))
        elif kind == "num":
            m = _RATIO.search(raw[kids[0]]["op"])
            if m is None:
                raise ValueError(f"unreadable rational {raw[kids[0]]['op']!r}")
            nodes.append(Node("num", cls, (), sympy.Rational(int(m.group(1)), int(m.group(2)))))
        else:
            nodes.append(Node(kind, cls, tuple(cid(raw[k]["eclass"]) for k in kids)))
    if any(r is None for r in roots):
        raise ValueError("an output's e-class is missing from the serialized e-graph")
    # Nodes no cheapest choice needs are left out: one through its own e-class (x*1
    # in x's class; never part of an acyclic choice), any beside a leaf of the same
    # e-class (the leaf costs nothing and needs nothing), and all but one of nodes
    # with the same operation on the same e-classes (a*b and b*a).
    leafy = {n.cls for n in nodes if not n.children}
    classes: list[list[int]] = [[] for _ in class_ids]
    seen = set()
    for i, n in enumerate(nodes):
        if n.cls in n.children or (n.children and n.cls in leafy):
            continue
        key = (n.kind, n.cls, tuple(sorted(n.children)) if n.kind in ("add", "mul") else n.children)
        if n.children and key in seen:
            continue
        seen.add(key)
        classes[n.cls].append(i)
    return Graph(tuple(nodes), tuple(tuple(c) for c in classes), tuple(roots))


def node_costs(graph: Graph, leaves: dict, model: CostModel = CPU, invariant=frozenset()) -> np.ndarray:
    """Per node: its own cost under `model` (children excluded), as `Program.cost`
    would price it: 0 for leaves, for a node over loop-invariant e-classes only
    (hoisted), and for `-1 * x`."""
    invariant = frozenset(invariant)
    inv = [False] * len(graph.classes)
    minus_one = set()
    for n in graph.nodes:
        if n.kind == "num":
            inv[n.cls] = True
            if n.value == -1:
                minus_one.add(n.cls)
        elif n.kind == "var":
            leaf = leaves[n.value]
            if leaf.is_Number or leaf in invariant or is_invariant(leaf, invariant):
                inv[n.cls] = True
    changed = True
    while changed:  # invariance flows up: a node over invariant classes only
        changed = False
        for n in graph.nodes:
            if not inv[n.cls] and n.children and all(inv[c] for c in n.children):
                inv[n.cls] = changed = True
    out = np.zeros(len(graph.nodes))
    for i, n in enumerate(graph.nodes):
        if n.kind in ("var", "num") or all(inv[c] for c in n.children):
            continue
        if n.kind == "mul" and any(c in minus_one for c in n.children):
            continue
        out[i] = model.div if n.kind == "recip" else getattr(model, n.kind)
    return out


def dag_cost(graph: Graph, choice: dict, costs) -> float:
    """The cost of a choice: each needed e-class's chosen node once."""
    return float(sum(costs[choice[c]] for c in _needed(graph, choice)))


def _needed(graph, choice) -> list[int]:
    """The e-classes a choice uses, children before parents; ValueError on a cycle."""
    order, state = [], {}
    for r in graph.roots:
        if r in state:
            continue
        stack = [(r, iter(graph.nodes[choice[r]].children))]
        state[r] = 1
        while stack:
            c, kids = stack[-1]
            for k in kids:
                s = state.get(k)
                if s == 1:
                    raise ValueError("cyclic choice")
                if s is None:
                    state[k] = 1
                    stack.append((k, iter(graph.nodes[choice[k]].children)))
                    break
            else:
                stack.pop()
                state[c] = 2
                order.append(c)
    return order


def greedy_dag(graph: Graph, costs) -> dict:
    """A choice per e-class minimizing the cost of the set of e-classes below it."""
    parents: dict[int, list[int]] = {}
    for i, n in enumerate(graph.nodes):
        for c in set(n.children):
            parents.setdefault(c, []).append(i)
    best: dict[int, tuple[float, dict]] = {}
    choice: dict[int, int] = {}
    pending = [i for c in graph.classes for i in c if not graph.nodes[i].children]
    queued = set(pending)
    while pending:
        i = pending.pop()
        queued.discard(i)
        n = graph.nodes[i]
        if not all(c in best for c in n.children):
            continue
        kids = sorted(set(n.children), key=lambda c: -len(best[c][1]))
        if kids:
            below = dict(best[kids[0]][1])
            for c in kids[1:]:
                below.update(best[c][1])
        else:
            below = {}
        if n.cls in below:
            continue  # through its own e-class: a cycle
        below[n.cls] = costs[i]
        total = sum(below.values())
        old = best.get(n.cls)
        if old is None or total < old[0] - 1e-12:
            best[n.cls] = (total, below)
            choice[n.cls] = i
            for p in parents.get(n.cls, ()):
                if p not in queued:
                    queued.add(p)
                    pending.append(p)
    return choice


def ilp_dag(graph: Graph, costs, time_limit: float = 1.0, start: dict | None = None, max_cuts: int = 20):
    """The optimal choice by integer linear programming, or `start` (the greedy
    choice) when HiGHS does not find a better one within `time_limit` seconds."""
    import scipy.optimize
    import scipy.sparse

    deadline = time.perf_counter() + time_limit
    classes = graph.reachable()
    cols = [i for c in classes for i in graph.classes[c]]
    col = {i: k for k, i in enumerate(cols)}
    rows, entries, lower = [], [], []  # A x >= lower

    def constraint(pos, neg=(), lo=0.0):
        r = len(lower)
        for i in pos:
            rows.append(r), entries.append((col[i], 1.0))
        for i in neg:
            rows.append(r), entries.append((col[i], -1.0))
        lower.append(lo)

    for r in set(graph.roots):
        constraint(graph.classes[r], lo=1.0)
    for i in cols:
        for c in set(graph.nodes[i].children):
            constraint(graph.classes[c], [i])
    c_vec = np.array([costs[i] for i in cols])
    best, best_cost = start, (dag_cost(graph, start, costs) if start else np.inf)
    cuts: list[list[int]] = []  # chosen cycles: not all of their nodes again
    for _ in range(max_cuts + 1):
        left = deadline - time.perf_counter()
        if left <= 0.01:
            break
        n_rows = len(lower) + len(cuts)
        data = [e[1] for e in entries] + [-1.0 for cyc in cuts for _ in cyc]
        rr = rows + [len(lower) + k for k, cyc in enumerate(cuts) for _ in cyc]
        cc = [e[0] for e in entries] + [col[i] for cyc in cuts for i in cyc]
        A = scipy.sparse.csr_array((data, (rr, cc)), shape=(n_rows, len(cols)))
        lo = np.array(lower + [-(len(cyc) - 1) for cyc in cuts], dtype=float)
        res = scipy.optimize.milp(
            c_vec, integrality=np.ones(len(cols)), bounds=scipy.optimize.Bounds(0, 1),
            constraints=scipy.optimize.LinearConstraint(A, lo, np.inf),
            options={"time_limit": left, "disp": False, "mip_rel_gap": 1e-2},
        )
        if res.x is None:
            break
        chosen = {cols[k] for k in np.flatnonzero(res.x > 0.5)}
        choice, cycle = _choice_from(graph, chosen)
        if cycle:
            cuts.append(cycle)
            continue
        total = dag_cost(graph, choice, costs)
        if total < best_cost - 1e-9:
            best, best_cost = choice, total
        break
    return best


def _choice_from(graph, chosen):
    """One chosen node per needed e-class, avoiding cycles where the ILP chose
    several; (choice, None), or (None, a cycle's nodes) to cut."""
    per_class: dict[int, list[int]] = {}
    for i in chosen:
        per_class.setdefault(graph.nodes[i].cls, []).append(i)
    choice: dict[int, int] = {}
    state: dict[int, int] = {}

    def visit(c):
        # depth-first; a node whose subtree reaches an open class is skipped
        state[c] = 1
        for i in sorted(per_class.get(c, ()), key=lambda i: len(graph.nodes[i].children)):
            ok = True
            for k in graph.nodes[i].children:
                if state.get(k) == 1:
                    ok = False
                    break
                if k not in state and not visit(k):
                    ok = False
                    break
                if state.get(k) != 2:
                    ok = False
                    break
            if ok:
                choice[c] = i
                state[c] = 2
                return True
        state[c] = 3  # no acyclic choice below
        return False

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph.classes) + 1000))
    try:
        for r in graph.roots:
            if r not in state and not visit(r):
                return None, _a_cycle(graph, per_class)
            if state[r] != 2:
                return None, _a_cycle(graph, per_class)
    finally:
        sys.setrecursionlimit(limit)
    return choice, None


def _a_cycle(graph, per_class):
    """Nodes of one cycle among the chosen nodes."""
    edges = {i: [j for c in graph.nodes[i].children for j in per_class.get(c, ())]
             for js in per_class.values() for i in js}
    color: dict[int, int] = {}
    for s in edges:
        if s in color:
            continue
        stack, path = [(s, iter(edges[s]))], [s]
        color[s] = 1
        while stack:
            v, it = stack[-1]
            for w in it:
                if color.get(w) == 1:
                    return path[path.index(w):]
                if w not in color:
                    color[w] = 1
                    stack.append((w, iter(edges[w])))
                    path.append(w)
                    break
            else:
                stack.pop()
                path.pop()
                color[v] = 2
    return list(edges)


def to_program(graph: Graph, choice: dict, leaves: dict, invariant=frozenset(), reserved=()) -> Program:
    """The chosen DAG as a Program: an e-class used more than once (by two nodes
    or two outputs) is a temp; numbers other than +-1 are temps too (sympy would
    distribute them over a sum, `2*(a + b)` -> `2*a + 2*b`, undoing a factoring)."""
    order = _needed(graph, choice)
    uses: dict[int, int] = {}
    for c in order:
        for k in graph.nodes[choice[c]].children:
            uses[k] = uses.get(k, 0) + 1
    for r in graph.roots:
        uses[r] = uses.get(r, 0) + 1
    names = _temp_symbols(list(leaves.values()) + list(reserved), prefix="_d")
    expr: dict[int, sympy.Expr] = {}
    temps = []
    for c in order:
        n = graph.nodes[choice[c]]
        a = [expr[k] for k in n.children]
        if n.kind == "var":
            e = leaves[n.value]
        elif n.kind == "num":
            e = n.value
        elif n.kind == "add":
            e = sympy.Add(*a)
        elif n.kind == "mul":
            e = sympy.Mul(*a)
        elif n.kind == "recip":
            e = 1 / a[0]
        elif n.kind == "pow":
            e = sympy.Pow(*a)
        else:
            e = _FUNCS[n.kind](a[0])
        share = n.kind not in ("var", "num") and uses.get(c, 0) > 1
        if n.kind == "num" and abs(n.value) != 1 and n.value != 0:
            share = True
        if share and not e.is_Atom:
            s = next(names)
            temps.append((s, e))
            e = s
        expr[c] = e
    return Program(tuple(temps), tuple(expr[r] for r in graph.roots), frozenset(invariant))
