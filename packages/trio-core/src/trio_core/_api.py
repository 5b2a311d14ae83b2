"""The public functions that reach into the current run.

Each one finds the run (or the task) in progress in this thread through
``_run_context`` and asks the :class:`~trio_core._run.Runner` or its
parts: the clock and statistics (``current_*``), waking a parked task
(:func:`reschedule`), system tasks and instruments, waiting for a file
descriptor (through the run's I/O manager), and
:func:`wait_all_tasks_blocked`.  Called outside a run, they raise
RuntimeError saying so.
"""

from __future__ import annotations

import bisect
import contextvars
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from outcome import Outcome, Value

from ._cancel import CancelStatus, _check_time
from ._ki import enable_ki_protection
from ._run import RunStatistics
from ._run_context import _runner, _task
from ._traps import Abort, RaiseCancelT, checkpoint, wait_task_rescheduled

if TYPE_CHECKING:
    from ._entry_queue import TrioToken
    from ._tasks import Task
    from .abc import Clock, Instrument

__all__ = [
    "current_time",
    "current_task",
    "current_root_task",
    "current_clock",
    "current_statistics",
    "current_effective_deadline",
    "current_trio_token",
    "checkpoint_if_cancelled",
    "reschedule",
    "spawn_system_task",
    "add_instrument",
    "remove_instrument",
    "wait_readable",
    "wait_writable",
    "notify_closing",
    "wait_all_tasks_blocked",
]

_inf: Final = math.inf


def current_time() -> float:
    """The current time of the run's clock, in seconds.  Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    return _runner().clock.current_time()


def current_clock() -> Clock:
    """The :class:`~trio_core.abc.Clock` of the current run.  Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    return _runner().clock


def current_task() -> Task:
    """The :class:`Task` that is running now.  Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    return _task()


def current_root_task() -> Task | None:
    """The root of the task tree: the run's init task (None once it has exited).

    Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    return _runner().init_task


def current_trio_token() -> TrioToken:
    """A :class:`TrioToken` for the current run, to call back into it from other threads.

    Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    token: TrioToken = _runner().trio_token
    return token


def current_statistics() -> RunStatistics:
    """Statistics about the current run: tasks, the next deadline, I/O waiters.

    Returns a :class:`RunStatistics`.  Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    runner = _runner()
    next_deadline = runner.deadlines.next_deadline()
    return RunStatistics(
        tasks_living=runner.tasks_living,
        tasks_runnable=len(runner.runq),
        seconds_to_next_deadline=next_deadline - runner.clock.current_time(),
        io_statistics=runner.io_manager.statistics(),
        run_sync_soon_queue_size=runner.entry_queue.pending(),
    )


def current_effective_deadline() -> float:
    """The deadline that actually applies to the calling code.

    The earliest deadline of the enclosing cancel scopes, up to the first
    shield; ``-math.inf`` if the code is already cancelled, ``math.inf`` if no
    deadline applies.  Not a checkpoint.
    """
    status: CancelStatus | None = _task()._cancel_status
    if status is not None and status.effectively_cancelled:
        return -_inf
    deadline = _inf
    while status is not None:
        scope = status._scope
        deadline = min(deadline, scope._deadline)
        if scope._shield:
            break
        status = status.parent
    return deadline


async def checkpoint_if_cancelled() -> None:
    """Raise :exc:`Cancelled` if the calling code is cancelled; otherwise return at
    once, without yielding (a cancellation point, but not a schedule point).

    Half a checkpoint: it is a full checkpoint only when it raises.  Also
    delivers a pending Control-C to the main task.

    Raises:
        Cancelled: if the calling code is cancelled.
        KeyboardInterrupt: in the main task, if Control-C is pending.
    """
    task = _task()
    if task._cancel_status.effectively_cancelled or (
        task._runner.ki_pending and task is task._runner.main_task
    ):
        await checkpoint()


def reschedule(task: Task, next_send: Outcome[Any] = Value(None)) -> None:  # noqa: B008
    """Wake ``task``, which is blocked in :func:`wait_task_rescheduled`.

    The task runs at the scheduler's next turn.  Not a checkpoint.

    Args:
        task: the task to wake.
        next_send: what ``wait_task_rescheduled`` returns (a ``Value``) or
            raises (an ``Error``) in the task.

    Raises:
        RuntimeError: if the task is not blocked in ``wait_task_rescheduled``.
    """
    _runner().reschedule(task, next_send)


def spawn_system_task(
    async_fn: Callable[..., Awaitable[Any]],
    *args: Any,
    name: object = None,
    context: contextvars.Context | None = None,
) -> Task:
    """Start a *system task*: a child of the run itself, not of any user nursery.

    System tasks are cancelled only after the main task has exited, run with
    KeyboardInterrupt protection, and must not raise: an exception from one
    stops the run, and :func:`run` raises :exc:`TrioInternalError` with it
    as the ``__cause__`` (noted with where it came from), as in Trio.  Not a
    checkpoint.

    Args:
        async_fn: an async function (not a coroutine object).
        args: positional arguments for it.
        name: the task's name; defaults to the function's qualified name.
        context: the :class:`contextvars.Context` to run it in; defaults to a
            copy of the context :func:`run` was called in (not the caller's).

    Returns:
        The new :class:`Task`.

    Raises:
        RuntimeError: outside of :func:`run`.
        TypeError: if ``async_fn`` is not an async function.
    """
    return _runner().spawn_system_task(async_fn, args, name, context)


def add_instrument(instrument: Instrument) -> None:
    """Install an :class:`~trio_core.abc.Instrument` in the current run.

    Installing one that is already installed does nothing.  Not a checkpoint.

    Args:
        instrument: the instrument; only the hooks its class overrides are
            called.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    _runner().add_instrument(instrument)


def remove_instrument(instrument: Instrument) -> None:
    """Remove an instrument from the current run.  Not a checkpoint.

    Args:
        instrument: an instrument installed with :func:`add_instrument` or
            passed to :func:`run`.

    Raises:
        KeyError: if it is not installed.
        RuntimeError: outside of :func:`run`.
    """
    _runner().remove_instrument(instrument)


async def wait_readable(fd: Any) -> None:
    """Block until ``fd`` (an int or an object with ``fileno()``) is readable.

    A checkpoint only in that it blocks: it does not check for cancellation
    first (call :func:`checkpoint_if_cancelled`), but cancellation does wake it.

    Raises:
        BusyResourceError: if another task already waits to read this fd.
        ClosedResourceError: if :func:`notify_closing` is called for the fd.
    """
    await _runner().io_manager.wait_readable(fd)


async def wait_writable(fd: Any) -> None:
    """Block until ``fd`` is writable.  See :func:`wait_readable`.

    A checkpoint only in that it blocks, as for :func:`wait_readable`.

    Args:
        fd: an int, or an object with a ``fileno()`` method.

    Raises:
        BusyResourceError: if another task already waits to write to this fd.
        ClosedResourceError: if :func:`notify_closing` is called for the fd.
    """
    await _runner().io_manager.wait_writable(fd)


def notify_closing(fd: Any) -> None:
    """Tell the run that ``fd`` is about to be closed.

    Tasks waiting on it wake with :exc:`ClosedResourceError`.  Call it just
    before closing the fd; it does not close anything itself.  Not a checkpoint.
    """
    _runner().io_manager.notify_closing(fd)


@enable_ki_protection
async def wait_all_tasks_blocked(cushion: float = 0.0) -> None:
    """Block until every other task is blocked, and nothing happened for ``cushion`` seconds.

    "Blocked" means waiting for something outside the run (I/O, time, a
    thread) or for another task.  Meant for tests: it replaces "sleep a bit
    and hope the other tasks got there".  Tasks waiting with the same cushion
    wake together; those with smaller cushions wake first.  A checkpoint.

    Raises:
        TypeError: if ``cushion`` is not a number.
        ValueError: if ``cushion`` is negative or NaN.
    """
    seconds = _check_time(cushion, "wait_all_tasks_blocked() cushion")
    if seconds < 0:
        raise ValueError(f"cushion must be a non-negative number of seconds, got {cushion!r}")
    task = _task()
    runner = task._runner
    key = (seconds, next(runner._idle_seq), task)
    waiting = runner.waiting_for_idle
    bisect.insort(waiting, key, key=lambda entry: entry[:2])

    def abort(_: RaiseCancelT) -> Abort:
        waiting.remove(key)
        return Abort.SUCCEEDED

    await wait_task_rescheduled(abort)
