"""symnum: write a PDE once, symbolically; simplify it with an e-graph,
discretize it into generated kernels, train on it, and recover it from data.

The modeling DSL lives here; the components are subpackages imported on first
use (`symnum.rewriting`, `symnum.codegen`, `symnum.solvers`), so `import symnum`
stays light and never pulls numba, jax, cupy or dask.
"""

import importlib as _importlib

from sympy import (
    Abs as Abs,
    Heaviside as Heaviside,
    Piecewise as Piecewise,
    cos as cos,
    exp as exp,
    log as log,
    pi as pi,
    sin as sin,
    sqrt as sqrt,
    tan as tan,
    tanh as tanh,
)

from ._conditions import (
    BoundaryEquation as BoundaryEquation,
    Dirichlet as Dirichlet,
    Initial as Initial,
    Neumann as Neumann,
    Periodic as Periodic,
    Robin as Robin,
)
from ._errors import (
    CompilationError as CompilationError,
    DiscretizationError as DiscretizationError,
    ModelError as ModelError,
    RewriteError as RewriteError,
    SolverError as SolverError,
    SymnumError as SymnumError,
)
from ._expressions import (
    D as D,
    Eq as Eq,
    Parameter as Parameter,
    div as div,
    fields as fields,
    grad as grad,
    is_field as is_field,
    laplacian as laplacian,
    parameter as parameter,
    parameters as parameters,
    variables as variables,
)
from ._system import ODESystem as ODESystem, PDESystem as PDESystem

__version__ = "0.1.0"

_SUBPACKAGES = ("rewriting", "codegen", "solvers")


def __getattr__(name):
    # PEP 562: `sn.solvers` works after a bare `import symnum`, importing on first use.
    if name in _SUBPACKAGES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'symnum' has no attribute {name!r}")
