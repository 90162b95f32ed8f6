"""Packaging promises: a light import, errors rooted at SymnumError, clear
errors for missing extras."""

import subprocess
import sys

import pytest

import symnum as sn


def _import_time(module):
    code = (f"import time, sys; t0 = time.perf_counter(); import {module}; dt = time.perf_counter() - t0; "
            "heavy = [m for m in ('numba', 'jax', 'cupy', 'dask', 'torch', 'egglog') if m in sys.modules]; "
            "print(dt, heavy)")
    # best of three: these machines are shared and noisy
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            for _ in range(3)]
    return min(float(r.stdout.split()[0]) for r in runs), runs[0].stdout


def test_import_is_fast_and_pulls_no_extra():
    dt, out = _import_time("symnum")
    assert out.strip().endswith("[]"), out
    # sympy, its one import, sets the pace: under 1 s on a quiet machine, and on a
    # busy one no more than sympy's own time plus a little
    assert dt < 1.0 or dt < _import_time("sympy")[0] + 0.3, dt


def test_error_hierarchy():
    for cls in (sn.ModelError, sn.RewriteError, sn.DiscretizationError,
                sn.CompilationError, sn.SolverError):
        assert issubclass(cls, sn.SymnumError)


def test_missing_extra_names_it():
    from symnum._extras import require

    with pytest.raises(ImportError, match=r"pip install 'symnum\[gpu\]'"):
        require("cupy._definitely_missing", "the CUDA backend")
    # the smallest extra that helps: a plot needs viz, not all (cupy, dask, ...)
    with pytest.raises(ImportError, match=r"Solution.plot\(\) needs .* pip install 'symnum\[viz\]'"):
        require("matplotlib._definitely_missing", "Solution.plot()")


def test_subpackages_load_lazily():
    assert sn.solvers.__name__ == "symnum.solvers"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sn.nope


def test_subpackage_attribute_imports_on_first_use():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import sys, symnum; assert 'symnum.rewriting' not in sys.modules; "
                          "print(symnum.rewriting.__name__)"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "symnum.rewriting"
