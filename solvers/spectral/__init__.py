"""Fourier pseudo-spectral discretization of fully periodic systems and its
Lawson (integrating-factor) Runge-Kutta integrators."""

from ._lawson import LAWSON as LAWSON, ensemble_spectral as ensemble_spectral, solve_spectral as solve_spectral
from ._problem import SpectralProblem as SpectralProblem, spectral_discretize as spectral_discretize
