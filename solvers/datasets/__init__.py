"""Datasets for the learned solvers: samplers of initial fields and parameters,
and `generate_dataset`, which solves one compiled problem per sample (in process
or on dask.distributed workers) into an xarray.Dataset."""

from ._samplers import GaussianRandomField as GaussianRandomField, Uniform as Uniform
from ._generate import generate_dataset as generate_dataset, stream_dataset as stream_dataset
