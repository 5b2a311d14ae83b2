"""trio_core.from_thread: call back into a run from another thread.

In a thread started by :func:`trio_core.to_thread.run_sync` the run is found
automatically; from any other thread, pass ``trio_token=`` (get it inside the
run with :func:`trio_core.lowlevel.current_trio_token`).  Both functions
block the calling thread until the call in the run is done, so they must not
be called from the run's own thread.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar, TypeVarTuple, Unpack

from ._run import TrioToken
from ._threads import from_thread_run as _from_thread_run
from ._threads import from_thread_run_sync as _from_thread_run_sync

__all__ = ["run", "run_sync"]

RetT = TypeVar("RetT")
Ts = TypeVarTuple("Ts")


def run(
    async_fn: Callable[[Unpack[Ts]], Awaitable[RetT]],
    *args: *Ts,
    trio_token: TrioToken | None = None,
) -> RetT:
    """Run ``await async_fn(*args)`` in the run, from another thread; return its result.

    The function runs as a system task of the run (so it is not cancelled by
    the cancel scopes of the task that started this thread), and this thread
    blocks until it is done.

    Args:
        async_fn: an async function.
        *args: its positional arguments.
        trio_token: the run to call into; found automatically in threads
            started by ``to_thread.run_sync``.

    Returns:
        What ``async_fn`` returned.

    Raises:
        RuntimeError: if called from the run's own thread (it would deadlock),
            or from a foreign thread without ``trio_token``.
        RunFinishedError: if the run has already finished.
        TypeError: if ``async_fn`` is not an async function (it did not return
            an awaitable), or ``trio_token`` is not a TrioToken.
        Whatever ``async_fn`` raised.
    """

    @functools.wraps(async_fn)
    async def checked() -> RetT:
        awaitable = async_fn(*args)
        if not inspect.isawaitable(awaitable):
            raise TypeError(
                f"from_thread.run() runs async functions, but {async_fn!r} returned "
                f"{awaitable!r}: call regular functions with from_thread.run_sync()"
            )
        return await awaitable

    return _from_thread_run(checked, trio_token=trio_token)


def run_sync(
    fn: Callable[[Unpack[Ts]], RetT],
    *args: *Ts,
    trio_token: TrioToken | None = None,
) -> RetT:
    """Call ``fn(*args)`` in the run's thread, from another thread; return its result.

    ``fn`` runs in the run loop's thread (so it may use the run's objects
    safely, like setting an Event), and this thread blocks until it is done.
    It must not block.

    Args:
        fn: a regular function.
        *args: its positional arguments.
        trio_token: the run to call into; found automatically in threads
            started by ``to_thread.run_sync``.

    Returns:
        What ``fn`` returned.

    Raises:
        RuntimeError: if called from the run's own thread, or from a foreign
            thread without ``trio_token``.
        RunFinishedError: if the run has already finished.
        TypeError: if ``fn`` is an async function (use :func:`run`), or
            ``trio_token`` is not a TrioToken.
        Whatever ``fn`` raised.
    """
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        raise TypeError(
            f"from_thread.run_sync() runs regular functions, but {fn!r} is an async function: "
            "use from_thread.run() instead"
        )

    def checked() -> RetT:
        result = fn(*args)
        if inspect.iscoroutine(result):
            result.close()
            raise TypeError(
                f"from_thread.run_sync() runs regular functions, but {fn!r} returned a "
                "coroutine: use from_thread.run() instead"
            )
        return result

    return _from_thread_run_sync(checked, trio_token=trio_token)
