"""List the ``trio`` names that the pinned libraries use and this project's trio lacks.

Usage (in the `ecosystem` session's venv)::

    python tests-ecosystem/missing_names.py

It reads the installed source of each library (no import of the library),
finds every attribute chain rooted at the ``trio`` module (``trio.X``,
``trio.lowlevel.Y`` after ``import trio``, or names brought in by ``from
trio... import``), resolves each chain on the ``trio`` that is installed, and
prints the first missing link of each chain with the libraries (and a count
of uses) that need it.  A static view: names used only on some platforms or
in dead branches are listed too, and dynamic uses (``getattr(trio, s)``) are
not.  The exit status is always 0; this is a report for handing out work,
the expected-failures list is what the session enforces.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

LIBRARIES = ["anyio", "httpcore", "httpx", "trio_websocket", "hypercorn", "pytest_trio"]


def _chain(node: ast.AST) -> list[str] | None:
    """``a.b.c`` as ["a", "b", "c"], or None if the chain is not plain names."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def _uses(tree: ast.AST) -> list[list[str]]:
    """Every chain rooted at trio, as a list of names starting with "trio"."""
    aliases: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "trio" or alias.name.startswith("trio."):
                    if alias.asname:
                        aliases[alias.asname] = alias.name.split(".")
                    else:
                        aliases["trio"] = ["trio"]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and (node.module == "trio" or node.module.startswith("trio."))
        ):
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = [*node.module.split("."), alias.name]
    found: list[list[str]] = [list(v) for v in aliases.values()]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and not isinstance(
            getattr(node, "_parent", None), ast.Attribute
        ):
            chain = _chain(node)
            if chain and chain[0] in aliases:
                found.append([*aliases[chain[0]], *chain[1:]])
    return found


def _first_missing(chain: list[str]) -> str | None:
    obj: object = importlib.import_module("trio")
    for i, name in enumerate(chain[1:], 1):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            dotted = ".".join(chain[:i])
            try:  # a submodule that is not imported by its parent
                obj = importlib.import_module(f"{dotted}.{name}")
            except ImportError:
                return ".".join(chain[: i + 1])
        if not isinstance(obj, (type(sys), type)):
            return None  # past a function or value: attributes of instances are not checked
    return None


def main() -> int:
    missing: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        if spec is None or not spec.submodule_search_locations:
            print(f"({library} is not installed)")
            continue
        for root in spec.submodule_search_locations:
            for path in sorted(Path(root).rglob("*.py")):
                if "tests" in path.relative_to(root).parts[:1] or path.name.startswith("test_"):
                    continue
                tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
                for parent in ast.walk(tree):
                    for child in ast.iter_child_nodes(parent):
                        child._parent = parent  # type: ignore[attr-defined]
                for chain in _uses(tree):
                    name = _first_missing(chain)
                    if name is not None:
                        missing[name][library] += 1
    print(f"{len(missing)} trio names used by {', '.join(LIBRARIES)} and missing here:")
    for name in sorted(missing):
        users = ", ".join(f"{lib} ({n})" for lib, n in sorted(missing[name].items()))
        print(f"  {name:45} {users}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
