"""The error hierarchy: every error symnum raises for a user mistake derives
from :class:`SymnumError`, and its message says what was wrong, the value seen
and the fix."""


class SymnumError(Exception):
    """Base class of all symnum errors.

    >>> import symnum as sn
    >>> try:
    ...     sn.parameters("a b", [1.0])
    ... except sn.SymnumError as e:      # every symnum error: ModelError, SolverError, ...
    ...     print(type(e).__name__)
    ModelError
    """


class ModelError(SymnumError, ValueError):
    """A symbolic model (variables, fields, equations, conditions, domain) is invalid."""


class RewriteError(SymnumError, ValueError):
    """An expression cannot be rewritten or optimized (e.g. an unsupported node)."""


class DiscretizationError(SymnumError, ValueError):
    """A system cannot be discretized as asked (grid, order, boundary conditions)."""


class CompilationError(SymnumError, RuntimeError):
    """Generated code failed to compile, or its backend is not available."""


class SolverError(SymnumError, RuntimeError):
    """Time stepping, a nonlinear solve or training failed (e.g. a non-finite state)."""
