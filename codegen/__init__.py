"""Code generation: sympy -> scalar Python for Numba, compiled through an
on-disk cache keyed by the source's hash."""

from ._compile import cache_dir as cache_dir, load_source as load_source
from ._pointwise import PointwiseKernel as PointwiseKernel, make_pointwise as make_pointwise
from ._printing import ScalarPrinter as ScalarPrinter, to_python as to_python
