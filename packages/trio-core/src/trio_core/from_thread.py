"""trio_core.from_thread: call back into a run from another thread.

In a thread started by :func:`trio_core.to_thread.run_sync` the run is found
automatically, and the calls are made on behalf of the task waiting for the
thread: they see its context variables, and :func:`run` is cancelled when
that task is (use :func:`check_cancelled` to notice it without calling into
the run).  From any other thread, pass ``trio_token=`` (get it inside the
run with :func:`trio_core.lowlevel.current_trio_token`).  :func:`run` and
:func:`run_sync` block the calling thread until the call in the run is done,
so they must not be called from the run's own thread.
"""

from __future__ import annotations

import contextvars
import inspect
import queue
from collections.abc import Awaitable, Callable
from typing import TypeVar, TypeVarTuple, Unpack

from outcome import Error, Outcome, acapture, capture

from ._api import current_trio_token, spawn_system_task
from ._cancel import CancelScope
from ._entry_queue import TrioToken
from ._exceptions import Cancelled
from .to_thread import _current_host, _Host, _unwrap_across_threads

__all__ = ["run", "run_sync", "check_cancelled"]

RetT = TypeVar("RetT")
Ts = TypeVarTuple("Ts")


def _in_a_run() -> bool:
    try:
        current_trio_token()
    except RuntimeError:
        return False
    return True


def _token_for_this_thread(
    trio_token: TrioToken | None, host: _Host | None, what: str
) -> TrioToken:
    if _in_a_run():
        raise RuntimeError(
            f"from_thread.{what}() was called from a run loop's own thread, where it would "
            "block the run; call the function directly (await it, if it is async)"
        )
    if trio_token is None:
        if host is None:
            raise RuntimeError(
                f"from_thread.{what}() needs to know which run to call into: this thread was "
                "not started by to_thread.run_sync, so pass trio_token=trio_core.lowlevel."
                "current_trio_token() (taken inside the run)"
            )
        return host.token
    if not isinstance(trio_token, TrioToken):
        raise TypeError(f"trio_token must be a TrioToken, got {trio_token!r}")
    return trio_token


def _name_of(fn: object) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def run(
    async_fn: Callable[[Unpack[Ts]], Awaitable[RetT]],
    *args: *Ts,
    trio_token: TrioToken | None = None,
) -> RetT:
    """Run ``await async_fn(*args)`` in the run, from another thread; return its result.

    The function runs in a system task of the run, and this thread blocks
    until it is done.  Called from a thread started by
    ``to_thread.run_sync``, it runs on behalf of the task waiting for that
    thread: with a copy of this thread's context variables, and inside a
    cancel scope that is cancelled when that task is cancelled (so a
    cancellation does not leave the waiting task stuck behind a call that
    never ends).  Not a checkpoint: it is for threads outside the run, which
    it blocks (the checkpoints are those of ``async_fn``, in the run).

    Args:
        async_fn: an async function.
        *args: its positional arguments.
        trio_token: the run to call into; found automatically in threads
            started by ``to_thread.run_sync``.

    Returns:
        What ``async_fn`` returned.

    Raises:
        RuntimeError: if called from a run's own thread (it would block it),
            or from a foreign thread without ``trio_token``.
        RunFinishedError: if the run has already finished.
        TypeError: if ``async_fn`` is not an async function (it did not return
            an awaitable), or ``trio_token`` is not a TrioToken.
        Cancelled: if the task waiting for this thread was cancelled (let it
            propagate: ``to_thread.run_sync`` hands it back to that task).
        Whatever ``async_fn`` raised.
    """
    host = _current_host()
    token = _token_for_this_thread(trio_token, host, "run")
    tied = host if host is not None and host.token is token else None
    context = contextvars.copy_context() if tied is not None else None
    done: queue.SimpleQueue[Outcome[RetT]] = queue.SimpleQueue()

    async def call() -> RetT:
        awaitable = async_fn(*args)
        if not inspect.isawaitable(awaitable):
            raise TypeError(
                f"from_thread.run() runs async functions, but {async_fn!r} returned "
                f"{awaitable!r}: call regular functions with from_thread.run_sync()"
            )
        return await awaitable

    async def runner() -> None:
        with CancelScope() as scope:
            if tied is not None:
                tied.scopes.add(scope)
                if tied.cancelled:
                    scope.cancel()
            try:
                outcome = await acapture(call)
            finally:
                if tied is not None:
                    tied.scopes.discard(scope)
        done.put(outcome)

    def start() -> None:
        # In the run's thread.
        try:
            spawn_system_task(
                runner, name=f"from_thread.run({_name_of(async_fn)})", context=context
            )
        except BaseException as exc:
            done.put(Error(exc))

    token.run_sync_soon(start)
    return _unwrap_across_threads(done.get())


def run_sync(
    fn: Callable[[Unpack[Ts]], RetT],
    *args: *Ts,
    trio_token: TrioToken | None = None,
) -> RetT:
    """Call ``fn(*args)`` in the run's thread, from another thread; return its result.

    ``fn`` runs in the run loop's thread (so it may use the run's objects
    safely, like setting an Event), and this thread blocks until it is done.
    It must not block.  Called from a thread started by
    ``to_thread.run_sync``, it sees a copy of this thread's context variables.
    Not a checkpoint: it is for threads outside the run, which it blocks.

    Args:
        fn: a regular function.
        *args: its positional arguments.
        trio_token: the run to call into; found automatically in threads
            started by ``to_thread.run_sync``.

    Returns:
        What ``fn`` returned.

    Raises:
        RuntimeError: if called from a run's own thread, or from a foreign
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
    host = _current_host()
    token = _token_for_this_thread(trio_token, host, "run_sync")
    tied = host is not None and host.token is token
    context = contextvars.copy_context() if tied else None
    done: queue.SimpleQueue[Outcome[RetT]] = queue.SimpleQueue()

    def call() -> RetT:
        result = fn(*args)
        if inspect.iscoroutine(result):
            result.close()
            raise TypeError(
                f"from_thread.run_sync() runs regular functions, but {fn!r} returned a "
                "coroutine: use from_thread.run() instead"
            )
        return result

    def callback() -> None:
        # In the run's thread.
        if context is None:
            done.put(capture(call))
        else:
            done.put(capture(context.run, call))

    token.run_sync_soon(callback)
    return _unwrap_across_threads(done.get())


def check_cancelled() -> None:
    """Raise :exc:`~trio_core.Cancelled` if the task waiting for this worker thread
    has been cancelled.

    For code in a thread started by :func:`trio_core.to_thread.run_sync`
    (without ``abandon_on_cancel``, the task waits for the thread even when
    cancelled): call it now and then to stop early.  It does not call into the
    run, so it is cheap.  Let the exception propagate out of the thread's
    function: ``to_thread.run_sync`` then raises it in the waiting task, whose
    cancel scope catches it.  Not a checkpoint (it runs outside the run, and
    never yields), though it plays the role of one for the thread.

    Raises:
        Cancelled: if the waiting task was cancelled.
        RuntimeError: if this thread was not started by ``to_thread.run_sync``.
    """
    host = _current_host()
    if host is None:
        raise RuntimeError(
            "from_thread.check_cancelled() works only in threads started by "
            "to_thread.run_sync (it asks whether the task waiting for the thread was cancelled)"
        )
    if host.cancelled:
        raise Cancelled._create()
