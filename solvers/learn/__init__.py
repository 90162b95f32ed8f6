"""Trainers fed by the generated residual: physics-informed networks and
Gaussian-process solvers, and neural operators (with a physics loss)."""

from ._gp import GP as GP, GPResult as GPResult
from ._pinn import FourierFeatures as FourierFeatures, PINN as PINN, PINNResult as PINNResult
from ._fno import FNO as FNO, FNOResult as FNOResult
