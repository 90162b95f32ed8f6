"""Rewriting of sympy expressions for minimal evaluation cost: an e-graph
engine (egglog) and a classical rewriter, both driven by one rule table
(`symnum.rewriting.rules`), a CPU cost model, and `optimize`, which returns a
straight-line `Program` with shared temps across outputs."""

from ._classical import simplify_classical as simplify_classical
from ._cost import CPU as CPU, CostModel as CostModel, cost as cost
from ._egraph import (
    from_egglog as from_egglog,
    simplify_egraph as simplify_egraph,
    to_egglog as to_egglog,
)
from ._optimize import Limits as Limits, hoist as hoist, optimize as optimize, simplify as simplify
from ._program import Program as Program, cse as cse
from .rules import GROUPS as GROUPS, RULES as RULES, Rule as Rule
