"""trio_test: turn an async test function into a sync one that calls trio_core.run."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .._run import run
from ..abc import Clock, Instrument

T = TypeVar("T")

__all__ = ["trio_test"]


def trio_test(fn: Callable[..., Awaitable[T]]) -> Callable[..., T]:
    """Decorator: make the async function ``fn`` a regular one that runs it under
    :func:`trio_core.run`.

    For test runners without the pytest plugin (or tests that want their own
    run).  The keyword arguments are scanned: a :class:`~trio_core.abc.Clock`
    among them (a MockClock fixture, say) becomes the run's clock, and every
    :class:`~trio_core.abc.Instrument` among them is installed in the run.
    Applying it is not a checkpoint; the wrapper it returns runs a whole
    :func:`trio_core.run` (so it must be called outside of a run).

    Args:
        fn: the async test function.

    Returns:
        A regular function with the same signature, returning what ``fn`` returns.

    Raises:
        ValueError: (when called) if more than one keyword argument is a clock.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        clocks = [value for value in kwargs.values() if isinstance(value, Clock)]
        if len(clocks) > 1:
            raise ValueError(
                f"{fn.__qualname__} got {len(clocks)} clocks as arguments; a run has only one"
            )
        instruments = [value for value in kwargs.values() if isinstance(value, Instrument)]
        return run(
            functools.partial(fn, *args, **kwargs),
            clock=clocks[0] if clocks else None,
            instruments=instruments,
        )

    return wrapper
