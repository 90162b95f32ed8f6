"""The documentation builds with warnings as errors (Sphinx: the MyST user guide and
the API reference from the docstrings), and the reference names every public API."""

import pathlib

import pytest

DOCS = pathlib.Path(__file__).parent.parent / "docs"


def test_every_public_name_is_in_the_reference():
    import symnum
    from symnum import rewriting, solvers

    api = (DOCS / "api.rst").read_text()
    sympy_names = {n for n in symnum.__all__ if getattr(getattr(symnum, n), "__module__", "").startswith("sympy")}
    missing = [f"{m.__name__}.{n}" for m in (symnum, solvers, rewriting) for n in m.__all__
               if n not in sympy_names | {"rewriting", "codegen", "solvers"} and f":: {n}\n" not in api
               and f"``{m.__name__}.{n}``" not in api and f"``{n}``" not in api]
    assert not missing, f"add these to docs/api.rst: {missing}"


# Sphinx's own deprecations of its extension API (myst-parser's use of it), not ours
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")
def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("myst_parser", reason="the docs need the docs extra: pip install -e '.[docs]'")
    from sphinx.cmd.build import build_main

    assert build_main(["-W", "-q", "-b", "html", "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")]) == 0
    assert (tmp_path / "html" / "guide" / "solving.html").exists()
    assert "symnum.solvers.solve" in (tmp_path / "html" / "api.html").read_text()
