"""Fixtures of the trio-subprocess tests: no child of ours is left behind by any test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from trio_subprocess import _process


def children_of_us() -> list[tuple[int, str]]:
    """(pid, state) of every process whose parent is this one, zombies included."""
    found = []
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found.append((int(name), fields[0].decode()))
    return found


@pytest.fixture
def list_children() -> Callable[[], list[tuple[int, str]]]:
    """:func:`children_of_us`, for tests that check between steps."""
    return children_of_us


@pytest.fixture(autouse=True)
def _every_child_reaped() -> Iterator[None]:
    """Fail a test that leaves a child running or unreaped (a zombie)."""
    if not os.path.isdir("/proc"):
        yield  # no way to list them here (macOS): the Linux runs check it
        return
    before = set(children_of_us())
    yield
    left = [child for child in children_of_us() if child not in before]
    assert not left, f"children left behind (pid, state): {left}"


@pytest.fixture(params=["default", "thread"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with this platform's way of waiting, and again with the thread fallback."""
    name: str = request.param
    if name != "default":
        monkeypatch.setattr(_process, "_FORCE_STRATEGY", name)
    return name
