"""Shared test fixtures for every distribution's tests and the integration tests.

pytest loads this file for any test under the repository root, so each
package's test-suite (run alone, with only that package installed) gets the
same guarantees:

* a test that leaks a file descriptor fails, naming the descriptors;
* a test that leaves a coroutine never awaited (or an unclosed resource for
  the garbage collector to find) fails, with the warning's text.

Only the standard library is imported here, so that the fixture works
whatever subset of the distributions is installed.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings
from collections.abc import Iterator

import pytest

_FD_DIR = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"


def _open_fds() -> dict[int, str]:
    fds: dict[int, str] = {}
    for name in os.listdir(_FD_DIR):
        fd = int(name)
        try:
            fds[fd] = os.readlink(f"{_FD_DIR}/{name}")
        except OSError:
            # The descriptor listdir itself used, already closed again.
            continue
    return fds


def _is_leak_warning(message: warnings.WarningMessage) -> bool:
    text = str(message.message)
    if issubclass(message.category, ResourceWarning):
        return True
    return issubclass(message.category, RuntimeWarning) and "was never awaited" in text


@pytest.fixture(autouse=True)
def _no_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if it leaks a file descriptor or a never-awaited coroutine."""
    if request.node.get_closest_marker("allow_leaks"):
        yield
        return
    gc.collect()
    before = _open_fds()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
        # Anything only the garbage collector would have closed is a leak too.
        gc.collect()
        gc.collect()
    problems: list[str] = []
    for message in caught:
        if _is_leak_warning(message):
            problems.append(f"{message.category.__name__}: {message.message}")
        else:
            # Hand every other warning back to pytest's own machinery.
            warnings.warn_explicit(
                message.message, message.category, message.filename, message.lineno
            )
    after = _open_fds()
    leaked = {fd: target for fd, target in after.items() if before.get(fd) != target}
    if leaked:
        listing = ", ".join(f"fd {fd} -> {target}" for fd, target in sorted(leaked.items()))
        problems.append(f"leaked file descriptors: {listing}")
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_leaks: skip the fd / never-awaited check (for tests that fork or exec)"
    )
    if sys.platform == "win32":  # pragma: no cover
        raise pytest.UsageError("this project does not support Windows yet")
