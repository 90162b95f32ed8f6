"""Time integration: explicit Runge-Kutta methods as data (`METHODS`), run by a
generated compiled loop (numba backend) or the array loop; scipy's BDF/Radau
with the symbolic Jacobian; steady Newton solves."""

from ._ensemble import EnsembleSolution as EnsembleSolution, solve_ensemble as solve_ensemble
from ._explicit import stepper_source as stepper_source
from ._solve import Solution as Solution, solve as solve
from ._tableaus import ExplicitRK as ExplicitRK, METHODS as METHODS
