"""trio_core.to_thread: run blocking code in a worker thread without blocking the run.

``await to_thread.run_sync(fn, *args)`` runs ``fn`` in a cached worker thread
(at most 40 at once by default, see :func:`current_default_thread_limiter`)
and returns its result.  Inside that thread, :mod:`trio_core.from_thread`
calls back into the run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple, Unpack

from ._sync import CapacityLimiter
from ._threads import current_default_thread_limiter as current_default_thread_limiter
from ._threads import to_thread_run_sync as _to_thread_run_sync

__all__ = ["run_sync", "current_default_thread_limiter"]

RetT = TypeVar("RetT")
Ts = TypeVarTuple("Ts")


def _refuse_async(fn: object, what: str, instead: str) -> None:
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        raise TypeError(
            f"{what} runs regular (blocking) functions, but {fn!r} is an async function: {instead}"
        )


async def run_sync(
    sync_fn: Callable[[Unpack[Ts]], RetT],
    *args: *Ts,
    thread_name: str | None = None,
    abandon_on_cancel: bool = False,
    limiter: CapacityLimiter | None = None,
) -> RetT:
    """Run ``sync_fn(*args)`` in a worker thread and return its result (or raise its error).

    The thread comes from a cache of idle worker threads (no thread is created
    per call).  The call holds a token of ``limiter`` from before the thread
    starts until it finishes, so at most ``limiter.total`` of them run at once.
    Context variables are copied into the thread.  A checkpoint.

    Cancellation: a thread cannot be interrupted.  By default
    (``abandon_on_cancel=False``) a cancelled ``run_sync`` keeps waiting for
    the thread, and returns its result; the cancellation takes effect at the
    next checkpoint.  With ``abandon_on_cancel=True`` it raises
    :exc:`~trio_core.Cancelled` at once and abandons the thread: it runs on,
    and its result (or exception) is discarded without any warning; its
    limiter token is given back when it finishes.

    Args:
        sync_fn: a regular (blocking) function.
        *args: its positional arguments (use :func:`functools.partial` for
            keyword arguments).
        thread_name: a name for the worker thread while it runs ``sync_fn``.
        abandon_on_cancel: whether a cancellation abandons the thread (see above).
        limiter: the :class:`~trio_core.CapacityLimiter` to borrow a token from
            (default: :func:`current_default_thread_limiter`, 40 tokens).

    Returns:
        What ``sync_fn`` returned.

    Raises:
        TypeError: if ``sync_fn`` is an async function, or returned a coroutine.
        Cancelled: if cancelled while waiting for a limiter token, or while the
            thread runs with ``abandon_on_cancel=True``.
        Whatever ``sync_fn`` raised.
    """
    _refuse_async(sync_fn, "to_thread.run_sync()", "await it directly instead")

    def checked() -> RetT:
        result = sync_fn(*args)
        if inspect.iscoroutine(result):
            result.close()
            raise TypeError(
                f"to_thread.run_sync() runs regular functions, but {sync_fn!r} returned a "
                "coroutine: await the async function directly instead"
            )
        return result

    return await _to_thread_run_sync(
        checked, thread_name=thread_name, abandon_on_cancel=abandon_on_cancel, limiter=limiter
    )
