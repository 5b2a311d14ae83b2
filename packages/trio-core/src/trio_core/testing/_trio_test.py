"""trio_test: turn an async test function into a sync one that calls trio_core.run."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .._run import run
from ..abc import Clock

T = TypeVar("T")

__all__ = ["trio_test"]


def trio_test(fn: Callable[..., Awaitable[T]]) -> Callable[..., T]:
    """Decorator: run the async test function ``fn`` under :func:`trio_core.run`.

    For test runners without the pytest plugin.  If one keyword argument is a
    :class:`~trio_core.abc.Clock` (a MockClock fixture, say), the run uses it.

    Raises:
        ValueError: if more than one keyword argument is a clock.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        clocks = [value for value in kwargs.values() if isinstance(value, Clock)]
        if len(clocks) > 1:
            raise ValueError(f"{fn.__qualname__} got {len(clocks)} clocks; a run has only one")
        return run(functools.partial(fn, *args, **kwargs), clock=clocks[0] if clocks else None)

    return wrapper
