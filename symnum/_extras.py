"""Optional dependencies are imported on first use, never when symnum is imported."""

import importlib
from types import ModuleType

# module -> the pip extra that provides it
_EXTRA_OF = {
    "cupy": "gpu",
    "jax": "ml",
    "optax": "ml",
    "dask": "dist",
    "distributed": "dist",
    "xarray": "viz",  # the smallest extra with it (data adds zarr)
    "zarr": "data",
    "matplotlib": "viz",
    "rocket_fft": "spectral",
}


def require(module: str, purpose: str) -> ModuleType:
    """Import `module`, or raise an ImportError that names the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        extra = _EXTRA_OF.get(module.split(".")[0], "all")
        raise ImportError(
            f"{purpose} needs the optional package {module!r}, which is not installed "
            f"({err}). Install it with: pip install 'symnum[{extra}]'"
        ) from err
