"""Rewriting of sympy expressions for minimal evaluation cost: an e-graph
engine (egglog) and a classical rewriter, both driven by one rule table
(`symnum.rewriting.rules`), cost models (the CPU table, `calibrate()` to measure
one on this machine, a GPU table), and `optimize`, which returns a
straight-line `Program` with shared temps across outputs.

The e-graph side (egglog, ~0.9 s to import) loads on first use: a discretize
whose optimized programs are in the disk cache never imports it."""

import importlib as _importlib

from ._classical import simplify_classical as simplify_classical
from ._cost import CPU as CPU, CostModel as CostModel, cost as cost
from ._program import Program as Program, cse as cse
from .rules import GROUPS as GROUPS, RULES as RULES, Rule as Rule

_LAZY = {
    "from_egglog": "_egraph", "simplify_egraph": "_egraph", "to_egglog": "_egraph",
    "Limits": "_optimize", "hoist": "_optimize", "optimize": "_optimize", "simplify": "_optimize",
    "calibrate": "_calibrate", "GPU": "_calibrate",
}


__all__ = ["optimize", "simplify", "cse", "hoist", "Program", "Limits", "CostModel", "CPU", "GPU", "calibrate",
           "cost", "simplify_classical", "simplify_egraph", "to_egglog", "from_egglog", "RULES", "GROUPS", "Rule"]


def __getattr__(name):
    if name in _LAZY:
        return getattr(_importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
