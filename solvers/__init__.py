"""Solvers: method-of-lines discretization (finite differences; Fourier collocation on
periodic boxes), time integration, steady solves, the learned solvers, datasets."""

from ._fornberg import fornberg_weights as fornberg_weights
from ._problem import Problem as Problem, discretize as discretize
from ._stencil import StencilSystem as StencilSystem, lower_to_stencils as lower_to_stencils
from .integrate import (
    EnsembleSolution as EnsembleSolution,
    ExplicitRK as ExplicitRK,
    METHODS as METHODS,
    Solution as Solution,
    solve as solve,
    solve_ensemble as solve_ensemble,
)
from .spectral import SpectralProblem as SpectralProblem
from ._discover import Discovery as Discovery, discover as discover
from .learn import (
    FNO as FNO,
    FNOResult as FNOResult,
    FourierFeatures as FourierFeatures,
    GP as GP,
    GPResult as GPResult,
    PINN as PINN,
    PINNResult as PINNResult,
)
from .datasets import (
    GaussianRandomField as GaussianRandomField,
    Uniform as Uniform,
    generate_dataset as generate_dataset,
    stream_dataset as stream_dataset,
)

__all__ = [
    "discretize", "Problem", "solve", "Solution", "solve_ensemble", "EnsembleSolution", "METHODS", "ExplicitRK",
    "StencilSystem", "lower_to_stencils", "fornberg_weights", "discover", "Discovery", "PINN", "PINNResult", "FourierFeatures", "GP",
    "GPResult", "FNO", "FNOResult", "generate_dataset", "stream_dataset", "GaussianRandomField", "Uniform",
    "SpectralProblem",
]
