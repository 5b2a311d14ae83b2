"""A pytest plugin that keeps only AnyIO's tests that run on its trio backend.

AnyIO's own conftest parametrizes the ``anyio_backend`` fixture over every
backend (``asyncio``, ``asyncio+uvloop``, ``asyncio+eager``, ``trio``); a
test's parameter is either the backend's name or a ``(name, options)``
tuple.  This plugin deselects every item whose ``anyio_backend`` parameter
is not trio, and every item that has no such parameter (the backend-free
tests say nothing about this project).  It is loaded with
``-p anyio_trio_only`` (tests-ecosystem/ on ``PYTHONPATH``).
"""

from __future__ import annotations

import pytest


def _backend_name(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None or "anyio_backend" not in callspec.params:
        return None
    param = callspec.params["anyio_backend"]
    if isinstance(param, tuple):
        param = param[0]
    return str(param)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect every item that does not run on AnyIO's trio backend."""
    keep = [item for item in items if _backend_name(item) == "trio"]
    dropped = [item for item in items if _backend_name(item) != "trio"]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep
