"""The traps: the only ways a task hands control back to the run loop.

A task's coroutine suspends by yielding one of these messages up through
its awaits, straight to the run loop (``types.coroutine`` generators):

* ``_CHECKPOINT``: "reschedule me now, raising Cancelled if my cancel scope
  is cancelled" (a full checkpoint in one trip);
* ``_SHIELDED_CHECKPOINT``: "reschedule me now, whatever the cancel state";
* an abort function: "park me until somebody calls ``reschedule``; if I am
  cancelled meanwhile, call this to ask whether I may be woken early".
"""

from __future__ import annotations

import enum
import threading
import types
from collections.abc import Callable, Generator
from typing import Any, Final, NoReturn, final

__all__ = [
    "Abort",
    "RaiseCancelT",
    "wait_task_rescheduled",
    "cancel_shielded_checkpoint",
    "checkpoint",
    "GLOBAL_RUN_CONTEXT",
]


class _RunContext(threading.local):
    """Per thread: the run in progress (``runner``) and the task it is stepping
    (``task``); neither attribute is set outside a run.

    Typed loosely on purpose: this module sits below the run loop, and so do
    the I/O managers and Control-C protection that read it; none of them
    imports the run loop, even for types.  Typed access:
    ``_run_context._runner()`` and ``_run_context._task()``.
    """

    runner: Any
    task: Any


GLOBAL_RUN_CONTEXT: Final = _RunContext()


@final
class Abort(enum.Enum):
    """What an abort function passed to :func:`wait_task_rescheduled` answers.

    ``SUCCEEDED``: the task is no longer waiting on anything; the run loop
    resumes it with the cancellation.  ``FAILED``: the wait could not be
    undone; whoever completes it will call :func:`reschedule`.
    """

    SUCCEEDED = 1
    FAILED = 2


RaiseCancelT = Callable[[], NoReturn]


class _Checkpoint:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<checkpoint trap>"


_CHECKPOINT: Final = _Checkpoint()
_SHIELDED_CHECKPOINT: Final = _Checkpoint()


# The three traps are generator-based coroutines (``types.coroutine``) rather
# than ``async def``: each saves a coroutine frame per await, which is most of
# the memory of a sleeping task and a good part of the cost of a checkpoint.


@types.coroutine
def checkpoint() -> Generator[Any, Any, None]:
    """A full checkpoint: raise :exc:`Cancelled` if the surrounding scope is
    cancelled, and give other tasks a turn either way.  Use as ``await checkpoint()``."""
    yield _CHECKPOINT


@types.coroutine
def cancel_shielded_checkpoint() -> Generator[Any, Any, None]:
    """Give other tasks a turn, ignoring cancellation (a schedule point only).
    Use as ``await cancel_shielded_checkpoint()``."""
    yield _SHIELDED_CHECKPOINT


class _ErrorWithContext(BaseException):
    """What the run loop throws into a parked task to deliver an ``Error`` whose
    exception already has a ``__context__``.

    ``coro.throw(exc)`` would replace that ``__context__`` with whatever the
    task happens to be handling; :func:`wait_task_rescheduled` unpacks this
    and raises the exception with its own ``__context__`` intact.
    """

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


@types.coroutine
def wait_task_rescheduled(abort_func: Callable[[RaiseCancelT], Abort]) -> Generator[Any, Any, Any]:
    """Put the current task to sleep until :func:`reschedule` is called on it.

    Use as ``await wait_task_rescheduled(abort_func)``.  This is the primitive
    every blocking operation is built from.  The task resumes with the
    outcome passed to ``reschedule`` (its value is returned, its error
    raised).  If the task is cancelled (or gets a KeyboardInterrupt) while
    asleep, the run loop calls ``abort_func(raise_cancel)``: return
    :attr:`Abort.SUCCEEDED` if the wait was undone (the task then resumes by
    raising the cancellation), or :attr:`Abort.FAILED` if it cannot be undone
    (then something must still call ``reschedule`` later).  ``abort_func``
    runs in the run loop, so it must not block or raise; one that returns
    something other than an :class:`Abort` stops the run, which raises
    :exc:`TrioInternalError` (and the task is woken with a TypeError).

    If the task is already cancelled when it parks, ``abort_func`` is called
    at once.  Not a schedule point by itself when the wait is undone that way.

    A checkpoint only in that it blocks: it does not check for cancellation
    before parking (call :func:`checkpoint_if_cancelled` first for that).

    Args:
        abort_func: called by the run loop with a ``raise_cancel`` function
            when the sleeping task is cancelled; returns an :class:`Abort`.

    Returns:
        The value of the :class:`Value` passed to :func:`reschedule`.

    Raises:
        BaseException: the error of the :class:`Error` passed to
            :func:`reschedule`, or what ``raise_cancel`` raises (usually
            :exc:`Cancelled`) after ``abort_func`` returned ``Abort.SUCCEEDED``.
    """
    try:
        return (yield abort_func)  # zero-cost when nothing is thrown
    except _ErrorWithContext as carrier:
        error = carrier.error
    # An exception that comes in through throw() is re-chained to the exception
    # being handled at every await it passes on the way up.  So step out of the
    # except block, come back through send() (one shielded schedule point), and
    # raise it here, where its own __context__ can be put back.
    yield _SHIELDED_CHECKPOINT
    context = error.__context__
    try:
        raise error
    finally:
        error.__context__ = context
        del error, context
