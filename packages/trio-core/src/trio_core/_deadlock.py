"""Deadlock detection: ``run(..., detect_deadlocks=True)``.

Design
------
A run is deadlocked when every task is blocked and nothing can ever wake
one.  The run loop asks :meth:`_DeadlockDetector.check` each time it is
about to wait for I/O with no task runnable (and only then, and only when
the mode is on: with it off, the loop pays one ``is None`` test on those
idle turns and nothing else).  The check is conservative: a false alarm
would kill a healthy program, while a missed deadlock only leaves it
hanging as it would without the mode.  So the run counts as wakeable while
any of these holds:

* a deadline is pending (a sleep, a timeout in any scope; with a
  :class:`~trio_core.testing.MockClock` too, whether or not it autojumps),
  or a task waits in ``wait_all_tasks_blocked``;
* a task waits for a file descriptor, other than the run's own wake-up
  socket (which the ``run_sync_soon`` task always waits on);
* a ``run_sync_soon`` callback is queued, a wake-up byte is pending, or a
  Control-C is on its way;
* a worker thread of ``to_thread.run_sync`` (or ``start_thread_soon``) is
  running a job or delivering its result, or *any other thread* is alive
  (it may hold the run's TrioToken: a ``from_thread`` portal, a thread of
  the program's own, the main thread when the run is not in it).  Idle
  cached worker threads do not count.  Threads come and go without waking
  the run, so while one is alive the loop wakes every ``_RECHECK`` seconds
  to look again, rather than sleep for ever;
* a Python-level signal handler other than the default Control-C one (and
  those of ``dump_task_tree_on``, which cannot wake a task) is installed:
  an open signal receiver, or any handler the program set, may call into
  the run.

Control-C itself does not count: it can always come, and a program waiting
only for it is what the mode is meant to report.  (Wait for it with
``open_signal_receiver(signal.SIGINT)`` instead: an open receiver counts.)
Guest runs (``start_guest_run``) have no such mode: their host loop can call
in at any time.

*The error.*  A deadlock is reported by raising :exc:`DeadlockError` in the
main task, the way Control-C is delivered: through the abort function of
what it waits in, so the primitive it waits in is left consistent.  A main
task waiting at the end of a nursery block takes it into the nursery (which
cancels its children) and lets it propagate from there; :func:`run` raises
it bare, with the exception group as its ``__cause__``.  If the main task's
wait cannot be aborted, or aborting it wakes nobody (the tasks it waits for
are shielded), every other blocked task gets a DeadlockError too.  If even
that wakes nobody, the tree is written to ``sys.stderr`` and the run goes
on waiting, as it would have without the mode.
"""

from __future__ import annotations

import math
import select
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, Final, NoReturn, final

from . import _thread_cache
from ._tasktree import _DUMP_HANDLERS, _format_runner, _iter_tasks

if TYPE_CHECKING:
    from outcome import Outcome

    from ._run import Runner
    from ._tasks import Task

__all__ = ["DeadlockError"]

_inf: Final = math.inf
#: Real seconds between two looks while a thread that may wake the run is alive.
_RECHECK: Final = 0.05


class DeadlockError(RuntimeError):
    """Raised in the main task by ``run(..., detect_deadlocks=True)`` when the run is deadlocked.

    Every task was blocked, and nothing could wake any of them: no I/O, no
    deadline, no thread, no signal handler, no ``run_sync_soon`` callback
    (see the deadlock detection page of the docs for exactly what counts).
    The message includes the task tree at that moment
    (:func:`trio_core.lowlevel.format_task_tree`), which shows where each
    task was waiting.  A subclass of RuntimeError.  Not raised unless the
    mode is on.
    """


def _handler_may_wake(handler: object, runner: Runner) -> bool:
    if not callable(handler):
        return False  # SIG_DFL, SIG_IGN, or installed outside Python (None)
    if handler is signal.default_int_handler or handler in _DUMP_HANDLERS:
        return False
    return handler != runner.ki_handler


def _signal_handlers_may_wake(runner: Runner) -> bool:
    for signum in signal.valid_signals():
        try:
            handler = signal.getsignal(signum)
        except (OSError, ValueError):
            continue
        if _handler_may_wake(handler, runner):
            return True
    return False


def _threads_may_wake() -> bool:
    cache = _thread_cache._THREAD_CACHE
    if cache.jobs_in_flight:
        return True
    idle = {id(thread) for thread in cache.idle_threads()}
    me = threading.current_thread()
    return any(
        thread is not me and id(thread) not in idle and thread.is_alive()
        for thread in threading.enumerate()
    )


@final
class _DeadlockDetector:
    """The deadlock mode of one run: :meth:`check` is called on idle turns."""

    __slots__ = ("runner", "_rss_code", "error", "gave_up")

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._rss_code = type(runner)._run_sync_soon_task.__code__
        # The DeadlockError delivered to the main task, for run() to unwrap.
        self.error: DeadlockError | None = None
        self.gave_up = False

    def _io_waiters(self) -> int:
        runner = self.runner
        stats = runner.io_manager.statistics()
        waiting = stats.tasks_waiting_read + stats.tasks_waiting_write
        nursery = runner.system_nursery
        if nursery is not None:
            for task in list(nursery._children):
                coro: Any = task.coro
                if getattr(coro, "cr_code", None) is self._rss_code and task._abort_func:
                    waiting -= 1  # parked on the wake-up socket, its only wait
        return waiting

    def _wakeup_pending(self) -> bool:
        sock = self.runner.entry_queue.wakeup.read_sock
        try:
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(sock, select.POLLIN)
                return bool(poller.poll(0))
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True  # cannot tell: assume it may
        return bool(readable)

    def wakeable(self, timeout: float) -> float | None:
        """The timeout to wait with if the run may still be woken; None if it cannot."""
        runner = self.runner
        if runner.deadlines.next_deadline() != _inf or runner.waiting_for_idle:
            return timeout
        if runner.ki_pending or runner.entry_queue.pending():
            return timeout
        if runner.init_task is None or self._io_waiters() > 0:
            return timeout
        if _threads_may_wake():
            return min(timeout, _RECHECK)
        if _signal_handlers_may_wake(runner):
            return timeout
        if self._wakeup_pending() or runner.entry_queue.pending():
            return timeout
        return None

    def check(self, timeout: float) -> float:
        """Called by the run loop before an I/O wait with no task runnable."""
        answer = self.wakeable(timeout)
        if answer is not None:
            self.gave_up = False
            return answer
        if self.gave_up:
            return timeout
        self.deliver()
        if self.runner.runq:
            return 0.0
        self.gave_up = True
        try:
            sys.stderr.write(
                "trio_core: the run is deadlocked, and no blocked task could be woken with a "
                "DeadlockError (their waits cannot be aborted); it keeps waiting.\n"
                + _format_runner(self.runner, False)
            )
        except Exception:
            pass
        return timeout

    def _message(self) -> str:
        return (
            "deadlock: every task is blocked, and nothing can wake any of them (no I/O, "
            "deadline, thread, signal handler or run_sync_soon callback is pending); "
            "where each task is waiting:\n" + _format_runner(self.runner, False)
        )

    def deliver(self) -> None:
        runner = self.runner
        message = self._message()
        main = runner.main_task
        if main is not None and runner.main_task_outcome is None and main._abort_func:
            error = self.error = DeadlockError(message)
            _abort_with(main, error)
            if runner.runq:
                return
        # The main task's wait woke nobody: wake every blocked user task.
        for task in list(_iter_tasks(runner)):
            if task is main or task._system or task._abort_func is None:
                continue
            _abort_with(task, DeadlockError(message))

    def reraise(self, outcome: Outcome[Any]) -> None:
        """In run(): raise the DeadlockError bare if it ended the main task in a group."""
        error = self.error
        if error is None:
            return
        failure: BaseException | None = getattr(outcome, "error", None)
        if failure is None or failure is error or not isinstance(failure, BaseExceptionGroup):
            return
        matched, _ = failure.split(lambda exc: exc is error)
        if matched is not None:
            raise error from failure


def _abort_with(task: Task, error: DeadlockError) -> None:
    def raise_deadlock() -> NoReturn:
        raise error

    task._attempt_abort(raise_deadlock)
