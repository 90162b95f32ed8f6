"""Generated source -> an imported module, through a real file in a cache
directory keyed by the source's content hash, so tracebacks and `inspect`
work and Numba's `cache=True` finds its compiled code on the next run."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["cache_dir", "load_source", "write_atomic"]

log = logging.getLogger("symnum.codegen")


def cache_dir() -> Path:
    """`$SYMNUM_CACHE_DIR`, else `~/.cache/symnum`."""
    root = os.environ.get("SYMNUM_CACHE_DIR") or Path.home() / ".cache" / "symnum"
    path = Path(root) / "kernels"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename: parallel workers
    (test workers, dask workers) may race to write the same cache entry."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _versions() -> str:
    import numba
    import numpy

    return f"py{sys.version_info[:2]} numba{numba.__version__} numpy{numpy.__version__}"


def load_source(source: str, stem: str) -> ModuleType:
    """Write `source` to `<cache>/<stem>_<hash>.py` (once) and import it."""
    digest = hashlib.sha256((source + _versions()).encode()).hexdigest()[:16]
    name = f"{stem}_{digest}"
    module = sys.modules.get(f"symnum_kernels.{name}")
    if module is not None:
        log.debug("kernel %s: in memory", name)
        return module
    path = cache_dir() / f"{name}.py"
    if path.exists() and path.read_text() == source:
        log.debug("kernel %s: cache hit at %s", name, path)
    else:
        write_atomic(path, source.encode())
        log.debug("kernel %s: written to %s", name, path)
    spec = importlib.util.spec_from_file_location(f"symnum_kernels.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[spec.name] = module
    return module
