"""A pytest plugin that keeps only AnyIO's tests that run on its trio backend.

AnyIO's own conftest parametrizes the ``anyio_backend`` fixture over every
backend (``asyncio``, ``asyncio+uvloop``, ``asyncio+eager``, ``trio``); a
test's parameter is either the backend's name or a ``(name, options)``
tuple.  This plugin deselects every item whose ``anyio_backend`` parameter
is not trio, and every item that has no such parameter (the backend-free
tests say nothing about this project).  It is loaded with
``-p anyio_trio_only`` (tests-ecosystem/ on ``PYTHONPATH``).

AnyIO runs its IPv6 tests wherever a socket can bind ``::1``, and then
expects ``localhost`` to resolve to ``::1`` as well.  Where it does not (this
project's CI machines: ``localhost`` is only 127.0.0.1 there), those tests
fail on Trio 0.35 too, and the IPv6 sockets their failed fixtures leave
behind are collected during later, unrelated tests, which then fail at
random with "unraisable exception" warnings.  So on such a machine this
plugin skips the tests that carry AnyIO's own "IPv6 is not available" mark,
with a reason that says why.
"""

from __future__ import annotations

import socket

import pytest

_IPV6_MARK_REASON = "IPv6 is not available"


def _localhost_has_ipv6() -> bool:
    try:
        infos = socket.getaddrinfo("localhost", 0, socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(infos)


def _needs_ipv6(item: pytest.Item) -> bool:
    return any(
        mark.kwargs.get("reason") == _IPV6_MARK_REASON for mark in item.iter_markers("skipif")
    )


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
    if not _localhost_has_ipv6():
        skip = pytest.mark.skip(
            reason="localhost does not resolve to ::1 on this machine (AnyIO's IPv6 tests "
            "assume it does; they fail on Trio 0.35 too)"
        )
        for item in keep:
            if _needs_ipv6(item):
                item.add_marker(skip)
