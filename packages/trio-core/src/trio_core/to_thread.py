"""trio_core.to_thread: run blocking code in a worker thread without blocking the run.

``await to_thread.run_sync(fn, *args)`` runs ``fn`` in a cached worker thread
(at most 40 at once by default, see :func:`current_default_thread_limiter`)
and returns its result.  Inside that thread, :mod:`trio_core.from_thread`
calls back into the run, on behalf of the waiting task: its cancellation
reaches those calls too.
"""

from __future__ import annotations

import contextvars
import inspect
import threading
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple, Unpack, final

from outcome import Error, Outcome, Value

from ._api import checkpoint_if_cancelled, current_task, current_trio_token, reschedule
from ._cancel import CancelScope
from ._entry_queue import TrioToken
from ._exceptions import RunFinishedError
from ._ki import enable_ki_protection
from ._sync import CapacityLimiter
from ._thread_cache import start_thread_soon
from ._threads import current_default_thread_limiter as current_default_thread_limiter
from ._traps import Abort, RaiseCancelT, wait_task_rescheduled

__all__ = ["run_sync", "current_default_thread_limiter"]

RetT = TypeVar("RetT")
Ts = TypeVarTuple("Ts")


@final
class _Host:
    """What a worker thread knows about the ``run_sync`` call waiting for it.

    ``cancelled`` and ``scopes`` are only touched in the run's thread (the
    worker only reads ``cancelled``, a plain bool).
    """

    __slots__ = ("token", "cancelled", "abandoned", "scopes")

    def __init__(self, token: TrioToken) -> None:
        self.token = token
        # The waiting task was cancelled: calls into the run on its behalf are too.
        self.cancelled = False
        # The waiting task gave up on the thread (abandon_on_cancel=True).
        self.abandoned = False
        # The cancel scopes of the from_thread.run() calls in progress.
        self.scopes: set[CancelScope] = set()

    def cancel(self) -> None:
        self.cancelled = True
        for scope in list(self.scopes):
            scope.cancel()


class _ThreadState(threading.local):
    host: _Host | None = None


_THREAD_STATE = _ThreadState()


def _current_host() -> _Host | None:
    """The ``run_sync`` call this worker thread works for (None in other threads)."""
    return _THREAD_STATE.host


@final
class _Borrower:
    """Holds the limiter token of one ``run_sync`` call (a task may run several)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<to_thread.run_sync call of {self.name}>"


def _refuse_async(fn: object, what: str, instead: str) -> None:
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        raise TypeError(
            f"{what} runs regular (blocking) functions, but {fn!r} is an async function: {instead}"
        )
    if inspect.iscoroutine(fn):
        raise TypeError(
            f"{what} runs regular (blocking) functions, but got a coroutine object {fn!r}: "
            f"{instead} (`await fn(...)`, not `{what.rstrip('()')}(fn(...))`)"
        )
    if not callable(fn):
        raise TypeError(f"{what} needs a function to call, but {fn!r} is not callable")


@enable_ki_protection
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
    the thread, and returns its result (or raises its error); the cancellation
    takes effect at the next checkpoint.  Meanwhile, calls the thread makes
    into the run with :func:`trio_core.from_thread.run` are cancelled, and
    :func:`trio_core.from_thread.check_cancelled` raises, so that a thread
    written for it can stop early.  With ``abandon_on_cancel=True`` it raises
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
        TypeError: if ``sync_fn`` is an async function, a coroutine object or
            not callable, if it returned a coroutine, or if ``limiter`` is not a
            capacity limiter.
        Cancelled: if cancelled while waiting for a limiter token, or while the
            thread runs with ``abandon_on_cancel=True``.
        Whatever ``sync_fn`` raised.
    """
    _refuse_async(sync_fn, "to_thread.run_sync()", "await it directly instead")
    if limiter is None:
        limiter = current_default_thread_limiter()
    elif not (
        hasattr(limiter, "acquire_on_behalf_of") and hasattr(limiter, "release_on_behalf_of")
    ):
        raise TypeError(
            f"limiter must be a CapacityLimiter (or an object with acquire_on_behalf_of and "
            f"release_on_behalf_of), got {limiter!r}"
        )
    await checkpoint_if_cancelled()
    task = current_task()
    token = current_trio_token()
    host = _Host(token)
    borrower = _Borrower(getattr(sync_fn, "__qualname__", repr(sync_fn)))
    await limiter.acquire_on_behalf_of(borrower)
    context = contextvars.copy_context()

    def worker() -> RetT:
        _THREAD_STATE.host = host
        try:
            result = context.run(sync_fn, *args)
        finally:
            _THREAD_STATE.host = None
        if inspect.iscoroutine(result):
            result.close()
            raise TypeError(
                f"to_thread.run_sync() runs regular functions, but {sync_fn!r} returned a "
                "coroutine: await the async function directly instead"
            )
        return result

    def report_back(outcome: Outcome[RetT]) -> None:
        # In the run's thread.
        limiter.release_on_behalf_of(borrower)
        if not host.abandoned:
            reschedule(task, Value(outcome))

    def deliver(outcome: Outcome[RetT]) -> None:
        # In the worker thread.
        try:
            token.run_sync_soon(report_back, outcome)
        except RunFinishedError:
            # An abandoned thread outlived its run: nobody wants the result.
            pass

    try:
        start_thread_soon(worker, deliver, thread_name)
    except BaseException:
        limiter.release_on_behalf_of(borrower)
        raise

    def abort(_: RaiseCancelT) -> Abort:
        host.cancel()
        if abandon_on_cancel:
            host.abandoned = True
            return Abort.SUCCEEDED
        return Abort.FAILED

    outcome: Outcome[RetT] = await wait_task_rescheduled(abort)
    return _unwrap_across_threads(outcome)


def _unwrap_across_threads(outcome: Outcome[RetT]) -> RetT:
    """``outcome.unwrap()``, for an outcome made in another thread.

    An error that already has a ``__context__`` (it was raised while the
    other thread handled an exception) keeps it: raising it here would
    replace it with whatever the receiving code happens to be handling.
    """
    if type(outcome) is Error:
        error = outcome.error
        context = error.__context__
        try:
            outcome.unwrap()
        finally:
            if context is not None:
                error.__context__ = context
            del error, context
    return outcome.unwrap()
