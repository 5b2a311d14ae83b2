"""A Sphinx directive that documents every public name of a module.

``.. public-api:: trio_core.testing`` expands to one autodoc directive per
name in the module's ``__all__`` (in ``__all__`` order, which is grouped by
topic), picking ``autoclass`` / ``autoexception`` / ``autofunction`` /
``autodata`` by what the object is.  So the reference always covers exactly
the public API, with no list to keep in sync by hand.

Rules:

* a name that the module merely re-exports from somewhere that is not one of
  our distributions (``trio_socket`` re-exports the standard ``socket``
  module's constants and utilities) is not documented again: the page lists
  them in one sentence;
* a public class, function or exception without a docstring is an error
  (a Sphinx warning, and ``nox -s docs`` builds with ``-W``): every public
  name must say what it does.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, ClassVar

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

OUR_PACKAGES = ("trio", "trio_core", "trio_socket", "trio_streams", "trio_signals", "trio_files")


def _home_package(obj: Any) -> str | None:
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str):
        return None
    return module.split(".")[0]


def _directive_for(obj: Any) -> str:
    if inspect.isclass(obj):
        return "autoexception" if issubclass(obj, BaseException) else "autoclass"
    if inspect.isroutine(obj):
        return "autofunction"
    return "autodata"


class PublicAPI(SphinxDirective):
    """``.. public-api:: module.name``: autodoc for every name in ``__all__``."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        modname = self.arguments[0]
        module = importlib.import_module(modname)
        names = getattr(module, "__all__", None)
        if names is None:
            logger.warning("%s has no __all__", modname, location=self.get_location())
            return []
        lines: list[str] = []
        foreign: list[str] = []
        for name in names:
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue  # public submodules have pages of their own
            home = _home_package(obj)
            directive = _directive_for(obj)
            if directive == "autodata":
                # Plain constants of a foreign type (socket.AF_INET...) are not ours.
                is_foreign = (
                    isinstance(obj, (int, float, str, bytes))
                    and _home_package(type(obj)) not in OUR_PACKAGES
                )
            else:
                is_foreign = home not in OUR_PACKAGES
            if is_foreign:
                foreign.append(name)
                continue
            if directive != "autodata" and not (obj.__doc__ or "").strip():
                logger.warning(
                    "public name %s.%s has no docstring",
                    modname,
                    name,
                    location=self.get_location(),
                )
            lines.append(f".. {directive}:: {modname}.{name}")
            if directive in ("autoclass", "autoexception"):
                lines.append("   :members:")
                if obj.__bases__ != (object,):
                    lines.append("   :show-inheritance:")
            lines.append("")
        if foreign:
            # Usually the standard library's names (trio_socket re-exports the
            # socket module's constants): a count and a few examples will do.
            sample = ", ".join(f"``{name}``" for name in foreign[:6])
            lines += [
                ".. rubric:: Re-exported unchanged",
                "",
                f"``{modname}`` also re-exports {len(foreign)} names unchanged from"
                f" elsewhere (such as {sample}); see their own documentation.",
                "",
            ]
        content = StringList()
        source = f"<public-api {modname}>"
        for number, line in enumerate(lines):
            content.append(line, source, number)
        container = nodes.container()
        nested_parse_with_titles(self.state, content, container)
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("public-api", PublicAPI)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
