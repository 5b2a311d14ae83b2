"""Sphinx configuration of the project's documentation (``nox -s docs`` builds it with -W)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

DOCS = Path(__file__).parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "trio (monorepo)"
author = "the trio monorepo contributors"
copyright = "the trio monorepo contributors"

try:
    from importlib.metadata import version as _version

    release = _version("trio-core")
except Exception:  # pragma: no cover - docs built without the packages installed
    release = "unknown"
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "public_api",
]

# The reference documents each distribution's own module; ``import trio`` re-exports.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

default_role = "code"
templates_path: list[str] = []
html_static_path: list[str] = []
html_theme = "alabaster"
html_title = "trio (monorepo)"
html_theme_options = {
    "description": "Structured concurrency and async I/O, in five small distributions",
    "fixed_sidebar": True,
}
exclude_patterns = ["_build", "_ext"]

# Each reference page documents one module.  A page whose module is not
# installed at all (a distribution that has not landed yet) is left out of
# the build, loudly, instead of failing it; every page is found through a
# glob in reference/index.rst, so leaving one out breaks no link.
REFERENCE_MODULES = {
    "trio_core": "trio_core",
    "trio_core.abc": "trio_core.abc",
    "trio_core.lowlevel": "trio_core.lowlevel",
    "trio_core.testing": "trio_core.testing",
    "trio_core.threads": "trio_core.to_thread",
    "trio_signals": "trio_signals",
    "trio_files": "trio_files",
    "trio_socket": "trio_socket",
    "trio_streams": "trio_streams",
    "trio_streams.abc": "trio_streams.abc",
    "trio_streams.testing": "trio_streams.testing",
}
missing_reference_pages: list[str] = []
for _page, _module in REFERENCE_MODULES.items():
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not _module.startswith(exc.name):
            raise  # the module exists but one of ITS imports is missing: a real error
        missing_reference_pages.append(_page)
        exclude_patterns.append(f"reference/{_page}.rst")
if missing_reference_pages:
    print(
        "NOTE: not installed, so left out of the reference: " + ", ".join(missing_reference_pages),
        file=sys.stderr,
    )
