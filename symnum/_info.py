"""`sn.show_versions()` and `python -m symnum info | cache clear`: what a bug report
needs (versions, backends, where compiled kernels live) and how to start afresh."""

from __future__ import annotations

import importlib
import os
import platform
import shutil
import sys
from pathlib import Path

__all__ = ["show_versions", "cache_root", "clear_cache", "main"]

_PACKAGES = ("symnum", "sympy", "numpy", "scipy", "numba", "egglog", "jax", "optax", "cupy", "dask", "xarray",
             "matplotlib", "pyamg")


def cache_root() -> Path:
    """Where symnum stores compiled kernels and optimized programs: `$SYMNUM_CACHE_DIR`,
    else `~/.cache/symnum`."""
    return Path(os.environ.get("SYMNUM_CACHE_DIR") or Path.home() / ".cache" / "symnum")


def _version(name: str) -> str:
    try:
        module = importlib.import_module(name)
    except Exception as e:  # noqa: BLE001 - any failure to import means "not usable here"
        return f"not available ({type(e).__name__})"
    return str(getattr(module, "__version__", "installed"))


def _backends() -> list[str]:
    lines = []
    try:
        import numba

        lines.append(f"numba: {numba.get_num_threads()} thread(s) (NUMBA_NUM_THREADS to change)")
    except Exception as e:  # noqa: BLE001
        lines.append(f"numba: not available ({e})")
    try:
        import cupy

        n = cupy.cuda.runtime.getDeviceCount()
        lines.append(f"cuda: {n} device(s)" if n else "cuda: cupy installed, no device")
    except Exception as e:  # noqa: BLE001
        lines.append(f"cuda: no (cupy or a device missing: {type(e).__name__}); nvcc "
                     f"{'on PATH' if shutil.which('nvcc') else 'not on PATH'}")
    try:
        import jax

        lines.append(f"jax devices: {', '.join(str(d) for d in jax.devices())}")
    except Exception as e:  # noqa: BLE001
        lines.append(f"jax: not available ({type(e).__name__}): pip install 'symnum[ml]'")
    return lines


def _size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()] if path.exists() else []
    return len(files), sum(p.stat().st_size for p in files)


def show_versions(file=None) -> None:
    """Print symnum's environment: Python, the versions of symnum and its dependencies,
    the backends usable here and the kernel cache's location and size.

    >>> import symnum as sn
    >>> sn.show_versions()  # doctest: +SKIP
    """
    out = file or sys.stdout
    print(f"python: {sys.version.split()[0]} ({platform.platform()})", file=out)
    for name in _PACKAGES:
        print(f"{name}: {_version(name)}", file=out)
    for line in _backends():
        print(line, file=out)
    n, size = _size(cache_root())
    print(f"kernel cache: {cache_root()} ({n} files, {size / 1e6:.1f} MB; `python -m symnum cache clear` "
          f"empties it)", file=out)


def clear_cache() -> int:
    """Delete the kernel cache (compiled kernels, stored programs); returns the number of
    files removed. The next discretize of each system compiles again."""
    root = cache_root()
    n, _ = _size(root)
    for sub in ("kernels", "programs"):
        shutil.rmtree(root / sub, ignore_errors=True)
    return n


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["info"] or not argv:
        show_versions()
        return 0
    if argv == ["cache", "clear"]:
        print(f"removed {clear_cache()} files from {cache_root()}")
        return 0
    print("usage: python -m symnum [info | cache clear]", file=sys.stderr)
    return 2
