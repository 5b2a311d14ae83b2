"""Threads: run blocking code in worker threads (to_thread) and call back into the
run from them (from_thread)."""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ._exceptions import RunFinishedError
from ._local import RunVar
from ._outcome import Error, Outcome, Value, acapture, capture
from ._run import (
    TrioToken,
    _task,
    checkpoint_if_cancelled,
    current_trio_token,
    spawn_system_task,
)
from ._sync import CapacityLimiter
from ._thread_cache import start_thread_soon
from ._traps import GLOBAL_RUN_CONTEXT, Abort, RaiseCancelT, wait_task_rescheduled

T = TypeVar("T")

__all__ = [
    "to_thread_run_sync",
    "current_default_thread_limiter",
    "from_thread_run",
    "from_thread_run_sync",
]

DEFAULT_LIMIT = 40
_limiter_var: RunVar[CapacityLimiter] = RunVar("to_thread default limiter")


class _ThreadLocal(threading.local):
    token: TrioToken | None = None


_thread_local = _ThreadLocal()


def current_default_thread_limiter() -> CapacityLimiter:
    """The :class:`CapacityLimiter` that ``to_thread.run_sync`` uses by default.

    One per run, with 40 tokens; change its ``total`` to allow more (or fewer)
    threads at once.
    """
    try:
        return _limiter_var.get()
    except LookupError:
        limiter = CapacityLimiter(DEFAULT_LIMIT)
        _limiter_var.set(limiter)
        return limiter


class _Borrower:
    __slots__ = ()


async def to_thread_run_sync(
    sync_fn: Callable[..., T],
    *args: Any,
    thread_name: str | None = None,
    abandon_on_cancel: bool = False,
    limiter: CapacityLimiter | None = None,
) -> T:
    """Run ``sync_fn(*args)`` in a worker thread and return its result.  A checkpoint.

    The thread comes from a cache (no thread is created per call) and each
    call holds a token of ``limiter`` while it runs.  Inside the thread,
    :mod:`trio_core.from_thread` can call back into this run.

    Args:
        sync_fn: a regular (blocking) function.
        args: its positional arguments.
        thread_name: a name for the thread while it runs.
        abandon_on_cancel: if False (the default), a cancellation waits for
            the thread to finish (threads cannot be interrupted) and the
            result is returned.  If True, a cancellation returns at once,
            raising Cancelled; the thread runs on and its result (or error) is
            discarded.
        limiter: the :class:`CapacityLimiter` to hold a token of (default:
            :func:`current_default_thread_limiter`).

    Raises:
        Whatever ``sync_fn`` raised.
        TypeError: if ``sync_fn`` is an async function.
    """
    import inspect

    if inspect.iscoroutinefunction(sync_fn):
        raise TypeError(
            f"{sync_fn!r} is an async function: to_thread.run_sync() runs regular (blocking) "
            "functions; await async functions directly"
        )
    if limiter is None:
        limiter = current_default_thread_limiter()
    await checkpoint_if_cancelled()
    task = _task()
    token = current_trio_token()
    borrower = _Borrower()
    # The task to report to; None once it has abandoned the thread.
    waiting: list[Any] = [task]
    await limiter.acquire_on_behalf_of(borrower)

    def report_back(result: Outcome[T]) -> None:
        limiter.release_on_behalf_of(borrower)
        if waiting[0] is not None:
            waiting[0]._runner.reschedule(waiting[0], Value(result))

    context = contextvars.copy_context()

    def worker() -> T:
        _thread_local.token = token
        try:
            return context.run(sync_fn, *args)
        finally:
            _thread_local.token = None

    def deliver(result: Outcome[T]) -> None:
        try:
            token.run_sync_soon(report_back, result)
        except RunFinishedError:
            # The run ended while an abandoned thread was still working.
            pass

    try:
        start_thread_soon(worker, deliver, thread_name)
    except BaseException:
        limiter.release_on_behalf_of(borrower)
        raise

    def abort(_: RaiseCancelT) -> Abort:
        if abandon_on_cancel:
            waiting[0] = None
            return Abort.SUCCEEDED
        return Abort.FAILED

    outcome: Outcome[T] = await wait_task_rescheduled(abort)
    return outcome.unwrap()


def _token_for_this_thread(trio_token: TrioToken | None, what: str) -> TrioToken:
    if getattr(GLOBAL_RUN_CONTEXT, "runner", None) is not None:
        raise RuntimeError(
            f"from_thread.{what}() was called from the run loop's own thread, where it would "
            "deadlock; call the function directly (await it, if it is async)"
        )
    if trio_token is None:
        trio_token = _thread_local.token
    if trio_token is None:
        raise RuntimeError(
            f"from_thread.{what}() needs to know which run to call into: this thread was not "
            "started by to_thread.run_sync, so pass trio_token=trio_core.lowlevel."
            "current_trio_token() (taken inside the run)"
        )
    if not isinstance(trio_token, TrioToken):
        raise TypeError(f"trio_token must be a TrioToken, got {trio_token!r}")
    return trio_token


def from_thread_run_sync(
    fn: Callable[..., T], *args: Any, trio_token: TrioToken | None = None
) -> T:
    """Call ``fn(*args)`` in the run's thread, from a worker thread, and return its result.

    Blocks the calling thread until it is done.

    Args:
        fn: a regular function (it runs in the run loop's thread; it must not block).
        trio_token: the run to call into; found automatically in threads started
            by ``to_thread.run_sync``.

    Raises:
        RuntimeError: if called from the run's own thread, or with no way to
            find the run.
        RunFinishedError: if the run has finished.
        Whatever ``fn`` raised.
    """
    token = _token_for_this_thread(trio_token, "run_sync")
    done: queue.SimpleQueue[Outcome[T]] = queue.SimpleQueue()

    def callback() -> None:
        done.put(capture(fn, *args))

    token.run_sync_soon(callback)
    return done.get().unwrap()


def from_thread_run(
    async_fn: Callable[..., Awaitable[T]], *args: Any, trio_token: TrioToken | None = None
) -> T:
    """Run ``await async_fn(*args)`` in the run, from a worker thread, and return its result.

    Blocks the calling thread until it is done.  The function runs as a
    system task of the run.

    Args:
        async_fn: an async function.
        trio_token: the run to call into; found automatically in threads started
            by ``to_thread.run_sync``.

    Raises:
        RuntimeError: if called from the run's own thread, or with no way to
            find the run.
        RunFinishedError: if the run has finished.
        Whatever ``async_fn`` raised.
    """
    token = _token_for_this_thread(trio_token, "run")
    done: queue.SimpleQueue[Outcome[T]] = queue.SimpleQueue()

    async def runner() -> None:
        done.put(await acapture(async_fn, *args))

    def callback() -> None:
        try:
            spawn_system_task(runner, name=f"from_thread.run({async_fn!r})")
        except BaseException as exc:
            done.put(Error(exc))

    token.run_sync_soon(callback)
    return done.get().unwrap()
