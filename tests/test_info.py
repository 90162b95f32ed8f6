"""The environment report and the cache command (`python -m symnum info | cache clear`)."""

import io
import os
import subprocess
import sys

import symnum as sn
from symnum._info import main


def test_show_versions_names_versions_backends_and_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMNUM_CACHE_DIR", str(tmp_path))
    (tmp_path / "kernels").mkdir()
    (tmp_path / "kernels" / "k.py").write_text("x = 1\n")
    buf = io.StringIO()
    sn.show_versions(file=buf)
    out = buf.getvalue()
    for name in ("python:", "symnum: 0.1.0", "sympy:", "numba:", "egglog:", "cuda:", "kernel cache:"):
        assert name in out, (name, out)
    assert f"kernel cache: {tmp_path} (1 files" in out
    assert main(["info"]) == 0
    assert main(["cache", "clear"]) == 0 and not (tmp_path / "kernels").exists()
    assert main(["nonsense"]) == 2


def test_python_dash_m_symnum_says_its_usage():
    # (the info command itself is main(["info"]) = show_versions, tested above)
    run = subprocess.run([sys.executable, "-m", "symnum", "help"], capture_output=True, text=True,
                         env={**os.environ, "NUMBA_NUM_THREADS": "1"})
    assert run.returncode == 2 and "usage: python -m symnum [info | cache clear]" in run.stderr


def test_the_public_names_are_listed_and_documented():
    import pydoc

    for module in (sn, sn.solvers, sn.rewriting):
        for name in module.__all__:
            obj = getattr(module, name)  # every listed name resolves (the lazy ones too)
            if callable(obj) and getattr(obj, "__module__", "").startswith("symnum"):
                assert obj.__doc__, f"{module.__name__}.{name}"
    assert "discretize" in pydoc.render_doc(sn.solvers) and "show_versions" in pydoc.render_doc(sn)


def test_progress_bars_show_for_the_scipy_methods_too(capsys):
    from symnum.solvers import discretize, solve

    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    heat = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
                        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(sn.pi * x))],
                        domain={t: (0, 1), x: (0, 1)}, name="with_a_bar")
    prob = discretize(heat, {x: 17}, backend="numpy")
    solve(prob, method="bdf")
    assert "bdf with_a_bar" in capsys.readouterr().err
    solve(prob, method="bdf", progress=False)
    assert "bdf" not in capsys.readouterr().err
