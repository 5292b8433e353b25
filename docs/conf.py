"""Sphinx configuration of the losing-dimensions (``lostdim``) documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
Equations of the derivation pages, worked numbers, command outputs and
figures are produced at build time from the code (see ``_ext/derived.py``).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "_ext"))
sys.path.insert(0, os.path.dirname(HERE))  # the packages, when not installed

os.environ.setdefault("MPLBACKEND", "Agg")

project = "losing-dimensions"
author = "losing-dimensions developers"
copyright = "2026, losing-dimensions developers"
try:
    from importlib.metadata import version as _version

    release = _version("losing-dimensions")
except Exception:  # not installed: building from a checkout
    release = "0.1.0"
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "matplotlib.sphinxext.plot_directive",
    "derived",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "README.md"]
templates_path = ["_templates"]

# -- MyST -------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# -- autodoc / autosummary / numpydoc --------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"          # numpydoc sections carry the types
numpydoc_show_class_members = False  # avoids autosummary stubs for every method
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# -- matplotlib plot directive (figures made at build time) -------------------------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.figsize": (6.0, 3.6), "figure.dpi": 110}
plot_apply_rcparams = True

# -- HTML ------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"losing-dimensions {release}"
html_static_path = []
