"""symnum: write a PDE once, symbolically; simplify it with an e-graph,
discretize it into generated kernels, train on it, and recover it from data.

The modeling DSL lives here; the components are subpackages imported on first
use (`symnum.rewriting`, `symnum.codegen`, `symnum.solvers`), so `import symnum`
stays light and never pulls numba, jax, cupy or dask.

    >>> import symnum as sn
    >>> t, x = sn.variables("t x")
    >>> u = sn.fields("u", t, x)
    >>> heat = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
    ...                     [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0),
    ...                      sn.Initial(u, sn.sin(sn.pi * x))], domain={t: (0, 1), x: (0, 1)})
    >>> prob = sn.solvers.discretize(heat, {x: 33}, backend="numpy")
    >>> sol = sn.solvers.solve(prob, saveat=[1.0], progress=False)
    >>> round(float(sol[u][-1].max()), 5)   # exp(-pi^2) = 5.17e-5
    5e-05

`python -m symnum info` prints the versions and backends; `sn.show_versions()` too.
"""

import importlib as _importlib

from sympy import (
    Abs as Abs,
    Heaviside as Heaviside,
    Integral as Integral,
    Max as Max,
    Min as Min,
    Piecewise as Piecewise,
    acos as acos,
    asin as asin,
    atan as atan,
    cos as cos,
    cosh as cosh,
    erf as erf,
    exp as exp,
    log as log,
    pi as pi,
    sign as sign,
    sin as sin,
    sinh as sinh,
    sqrt as sqrt,
    tan as tan,
    tanh as tanh,
)

from ._conditions import (
    BoundaryEquation as BoundaryEquation,
    GeometricCondition as GeometricCondition,
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
from ._fractional import FractionalDerivative as FractionalDerivative, FractionalLaplacian as FractionalLaplacian
from ._geometry import (
    Ball as Ball,
    Box as Box,
    Disk as Disk,
    Geometry as Geometry,
    Interval as Interval,
    Polygon as Polygon,
    Rectangle as Rectangle,
    Segment as Segment,
)
from ._system import ODESystem as ODESystem, PDESystem as PDESystem
from ._info import show_versions as show_versions

__version__ = "0.1.0"

__all__ = [
    # modeling
    "variables", "parameter", "parameters", "Parameter", "fields", "is_field", "Eq", "D", "grad", "div",
    "laplacian", "PDESystem", "ODESystem", "FractionalDerivative", "FractionalLaplacian",
    # conditions
    "Dirichlet", "Neumann", "Robin", "Periodic", "Initial", "BoundaryEquation", "GeometricCondition",
    # geometry (PINN domains beyond rectangles)
    "Geometry", "Interval", "Rectangle", "Box", "Disk", "Ball", "Polygon", "Segment",
    # functions (sympy's, here for convenience)
    "sin", "cos", "tan", "tanh", "sinh", "cosh", "asin", "acos", "atan", "exp", "log", "sqrt", "Abs", "sign",
    "erf", "Max", "Min", "Heaviside", "Piecewise", "Integral", "pi",
    # errors
    "SymnumError", "ModelError", "DiscretizationError", "RewriteError", "CompilationError", "SolverError",
    # the components, imported on first use, and the environment
    "rewriting", "codegen", "solvers", "show_versions",
]

_SUBPACKAGES = ("rewriting", "codegen", "solvers")


def __getattr__(name):
    # PEP 562: `sn.solvers` works after a bare `import symnum`, importing on first use.
    if name in _SUBPACKAGES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'symnum' has no attribute {name!r}")
