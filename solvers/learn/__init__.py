"""Trainers fed by the generated residual: physics-informed networks and
Gaussian-process solvers."""

from ._gp import GP as GP, GPResult as GPResult
from ._pinn import PINN as PINN, PINNResult as PINNResult
