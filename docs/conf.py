"""Sphinx configuration: the user guide in Markdown (MyST), the API reference
from the docstrings (autodoc). Built with warnings as errors by the test suite
(tests/test_docs.py) and by hand:

    python -m sphinx -W -b html docs docs/_build/html
"""

import symnum

project = "symnum"
author = "the symnum developers"
release = version = getattr(symnum, "__version__", "")
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.mathjax"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # signatures as written; sympy/numpy types would need their inventories
autodoc_default_options = {"members": True, "undoc-members": False}
html_theme = "alabaster"
html_title = "symnum"
nitpicky = False
