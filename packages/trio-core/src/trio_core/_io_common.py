"""The one small interface the run loop has with its I/O manager.

There is one manager per OS facility: epoll (``_io_epoll``), kqueue
(``_io_kqueue``) and a portable ``poll()`` fallback (``_io_poll``).  The run
loop only calls the methods of :class:`IOManager`; it does not know which
one it has.  Set the environment variable ``TRIO_CORE_IO_MANAGER`` to
``poll`` (or ``epoll`` / ``kqueue``) to force one, for instance to run a
test-suite against the fallback.

The managers sit below the run loop and never import it (an import-linter
contract in the root ``pyproject.toml`` says so): a manager reads the
current task from ``_traps.GLOBAL_RUN_CONTEXT``, parks it with a trap of
its own (``wait_task_rescheduled`` inlined), and wakes it through the ``reschedule`` callable
the run loop passed to :func:`make_io_manager`.  To a manager a task is an
opaque object that it stores and hands back.
"""

from __future__ import annotations

import abc
import os
import select
import sys
import types
import weakref
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, Protocol

from outcome import Error

from ._exceptions import BusyResourceError, ClosedResourceError
from ._ki import enable_ki_protection
from ._traps import GLOBAL_RUN_CONTEXT, Abort, _ErrorWithContext, _raise_keeping_context


class HasFileno(Protocol):
    def fileno(self) -> int: ...


FdLike = int | HasFileno
#: ``reschedule(task, value)``: wake a task parked by a manager, with ``value``
#: (None) or an ``Error``.  The task is the run loop's; a manager never looks
#: inside it, hence ``Any`` rather than an import of the run loop's ``Task``.
Reschedule = Callable[[Any, Any], None]


def fileno_of(fd: FdLike) -> int:
    """An int file descriptor from an int or any object with ``fileno()``."""
    if isinstance(fd, int):
        if fd < 0:
            raise ValueError(f"file descriptor cannot be negative: {fd}")
        return fd
    try:
        fileno = fd.fileno
    except AttributeError:
        raise TypeError(
            f"expected a file descriptor (int) or an object with a fileno() method, got {fd!r}"
        ) from None
    number = fileno()
    if number < 0:
        raise ClosedResourceError(f"{fd!r} is closed (its fileno() is {number})")
    return number


def closed_error() -> Error:
    return Error(ClosedResourceError("another task closed this file descriptor"))


@dataclass(frozen=True, slots=True)
class IOStatistics:
    """What ``current_statistics().io_statistics`` reports.

    Attributes:
        backend: the OS facility in use: ``"epoll"``, ``"kqueue"`` or ``"poll"``.
        tasks_waiting_read: the number of tasks blocked in ``wait_readable``.
        tasks_waiting_write: the number of tasks blocked in ``wait_writable``.
    """

    backend: str
    tasks_waiting_read: int
    tasks_waiting_write: int


class IOManager(abc.ABC):
    """The interface between the run loop and one OS readiness facility."""

    backend: str

    @abc.abstractmethod
    def wait_readable(self, fd: FdLike) -> Awaitable[None]: ...

    @abc.abstractmethod
    def wait_writable(self, fd: FdLike) -> Awaitable[None]: ...

    @abc.abstractmethod
    def notify_closing(self, fd: FdLike) -> None: ...

    @abc.abstractmethod
    def get_events(self, timeout: float, busy: bool = False) -> Any:
        """Block for at most ``timeout`` seconds; return what became ready.

        ``busy`` says that tasks are runnable (``timeout`` is then 0): a
        manager may answer "nothing" without asking the kernel, a few turns
        in a row at most (see SKIPPED_IDLE_POLLS).  A look with ``busy``
        False (the loop is about to sleep, or checks whether it is idle) is
        always made.
        """

    @abc.abstractmethod
    def process_events(self, events: Any) -> None:
        """Reschedule the tasks that ``events`` make runnable."""

    @abc.abstractmethod
    def statistics(self) -> IOStatistics: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    async def wait_process_exit(self, pid: int) -> None:
        """Block until process ``pid`` exits; only kqueue can (its process filter)."""
        raise RuntimeError(
            f"wait_process_exit needs the kqueue I/O manager, and this run uses "
            f"{self.backend!r}; on Linux wait with os.pidfd_open(pid) and wait_readable, "
            "elsewhere with os.waitid in a thread"
        )


async def wait_process_exit(pid: int) -> None:
    """Block until the process ``pid`` has exited, without reaping it.

    The hook for waiting on a child process where the I/O manager is kqueue
    (macOS and the BSDs): it registers ``EVFILT_PROC`` / ``NOTE_EXIT`` for
    ``pid``, so no thread and no ``SIGCHLD`` handler is needed.  Afterwards
    the caller reaps the child itself (``os.waitpid(pid, os.WNOHANG)``).
    Check ``current_statistics().io_statistics.backend == "kqueue"`` first;
    on Linux, wait on ``os.pidfd_open(pid)`` with :func:`wait_readable`.

    A checkpoint only in that it blocks, as :func:`wait_readable`: it does
    not check for cancellation first, but cancellation does wake it.  It
    returns at once if the process has already exited.

    Args:
        pid: the process id of a child that has not been reaped yet.

    Raises:
        RuntimeError: outside of :func:`~trio_core.run`, or if the run's I/O
            manager is not kqueue (the message names the alternatives).
        BusyResourceError: if another task already waits for this ``pid``.
    """
    try:
        runner = GLOBAL_RUN_CONTEXT.runner
    except AttributeError:
        raise RuntimeError(
            "wait_process_exit must be called from async context, inside trio_core.run()"
        ) from None
    await runner.io_manager.wait_process_exit(pid)


# epoll_wait's timeout is an int of milliseconds; keep far below its limit.
MAX_TIMEOUT = 86400.0

#: While tasks are runnable the run loop asks for I/O events without waiting
#: (timeout 0, ``busy=True``) at every turn.  When such a look finds nothing,
#: the readiness managers skip the system call for this many of the next busy
#: turns (a look that may block, or that checks for idleness, is never
#: skipped).  Between tasks that only hand
#: work to each other (a channel ping-pong, spawning) the poll is most of a
#: turn's cost; the price is that I/O which becomes ready during such a phase
#: is seen at most this many turns later.  Any look that finds events, or
#: that waits, resets the count.
SKIPPED_IDLE_POLLS = 3


def make_io_manager(reschedule: Reschedule) -> IOManager:
    """Pick the I/O manager for this platform (or the one forced by the environment)."""
    forced = os.environ.get("TRIO_CORE_IO_MANAGER", "").strip().lower()
    if forced not in ("", "epoll", "kqueue", "poll"):
        raise RuntimeError(
            f"TRIO_CORE_IO_MANAGER={forced!r} is not one of 'epoll', 'kqueue', 'poll'; "
            "unset it to let trio-core choose"
        )
    if forced == "poll":
        from ._io_poll import PollIOManager

        return PollIOManager(reschedule)
    if forced in ("", "epoll") and hasattr(select, "epoll"):
        from ._io_epoll import EpollIOManager

        return EpollIOManager(reschedule)
    if sys.platform != "linux" and sys.platform != "win32":
        if forced in ("", "kqueue") and hasattr(select, "kqueue"):
            from ._io_kqueue import KqueueIOManager

            return KqueueIOManager(reschedule)
    if forced:
        raise RuntimeError(f"TRIO_CORE_IO_MANAGER={forced!r} is not available on {sys.platform}")
    from ._io_poll import PollIOManager

    return PollIOManager(reschedule)


class FdWaiters:
    """The (at most one) reader and writer parked on one file descriptor.

    An entry outlives the waits it serves: the managers keep the kernel
    watching an fd between waits where they can (see ``_io_epoll``), and the
    entry remembers what the kernel watches (``armed``) and for which object
    (``owner``, a weak reference to what was passed to the wait, or None).
    """

    __slots__ = ("read_task", "write_task", "armed", "owner", "abort_read", "abort_write")

    def __init__(self, manager: ReadinessIOManager, fd: int) -> None:
        # The run loop's tasks, opaque here (see Reschedule).
        self.read_task: Any = None
        self.write_task: Any = None
        # What the kernel currently watches for this fd (backend-specific bits).
        self.armed: int = 0
        self.owner: weakref.ref[Any] | None = None
        # The abort functions of the two kinds of wait, made once per entry.
        # They find the entry through the manager (not a reference to it, so
        # no reference cycle): while a task is parked its entry stays current.
        all_waiters = manager._waiters

        def abort_read(_: object) -> Abort:
            waiters = all_waiters.get(fd)
            if waiters is not None:
                waiters.read_task = None
                manager._disarm_aborted(fd, waiters)
            return Abort.SUCCEEDED

        def abort_write(_: object) -> Abort:
            waiters = all_waiters.get(fd)
            if waiters is not None:
                waiters.write_task = None
                manager._disarm_aborted(fd, waiters)
            return Abort.SUCCEEDED

        self.abort_read: Callable[[object], Abort] = abort_read
        self.abort_write: Callable[[object], Abort] = abort_write


def busy_error(fd: int, reading: bool) -> BusyResourceError:
    what = "read from" if reading else "write to"
    return BusyResourceError(
        f"another task is already waiting to {what} file descriptor {fd}; "
        "only one task at a time may wait for the same readiness"
    )


class ReadinessIOManager(IOManager):
    """Shared bookkeeping for the readiness-based managers.

    Subclasses say how to (re)arm the kernel for the waiters of one fd
    (``_arm``) and how to forget an fd (``_forget``); a subclass may also
    replace the waits and ``process_events`` with faster ones of its own
    (the epoll manager does).
    """

    def __init__(self, reschedule: Reschedule) -> None:
        self._reschedule = reschedule
        self._waiters: dict[int, FdWaiters] = {}
        # How many of the next zero-timeout get_events calls may return at
        # once without asking the kernel (see SKIPPED_IDLE_POLLS).
        self._polls_to_skip = 0

    @abc.abstractmethod
    def _arm(self, fd: int, waiters: FdWaiters) -> None: ...

    @abc.abstractmethod
    def _forget(self, fd: int, waiters: FdWaiters) -> None: ...

    def _disarm_aborted(self, fd: int, waiters: FdWaiters) -> None:
        """A wait on ``fd`` was cancelled; by default its registration stays.

        It is harmless for epoll and poll: a registration nobody waits for is
        dropped when it next reports an event, and a one-shot registration
        whose fd is closed disappears with it and is re-made when it is not
        there.
        """

    def _entry(self, fd: int) -> FdWaiters:
        waiters = self._waiters.get(fd)
        if waiters is None:
            waiters = self._waiters[fd] = FdWaiters(self, fd)
        return waiters

    # The waits are generator-based traps (like wait_task_rescheduled, which
    # they inline: one frame and one object fewer per wait).  Protected: a
    # KeyboardInterrupt between registering the waiter and parking would leave
    # a finished task registered, to be woken again later.
    @enable_ki_protection
    @types.coroutine
    def wait_readable(self, fd: FdLike) -> Generator[Any, Any, None]:
        number = fileno_of(fd)
        waiters = self._entry(number)
        if waiters.read_task is not None:
            raise busy_error(number, True)
        waiters.read_task = GLOBAL_RUN_CONTEXT.task
        try:
            self._arm(number, waiters)
        except BaseException:
            waiters.read_task = None
            raise
        try:
            return (yield waiters.abort_read)  # type: ignore[no-any-return]
        except _ErrorWithContext as carrier:
            error = carrier.error
        yield from _raise_keeping_context(error)

    @enable_ki_protection
    @types.coroutine
    def wait_writable(self, fd: FdLike) -> Generator[Any, Any, None]:
        number = fileno_of(fd)
        waiters = self._entry(number)
        if waiters.write_task is not None:
            raise busy_error(number, False)
        waiters.write_task = GLOBAL_RUN_CONTEXT.task
        try:
            self._arm(number, waiters)
        except BaseException:
            waiters.write_task = None
            raise
        try:
            return (yield waiters.abort_write)  # type: ignore[no-any-return]
        except _ErrorWithContext as carrier:
            error = carrier.error
        yield from _raise_keeping_context(error)

    @enable_ki_protection
    def notify_closing(self, fd_like: FdLike) -> None:
        fd = fileno_of(fd_like)
        waiters = self._waiters.pop(fd, None)
        if waiters is None:
            return
        for task in (waiters.read_task, waiters.write_task):
            if task is not None:
                self._reschedule(task, closed_error())
        waiters.read_task = waiters.write_task = None
        self._forget(fd, waiters)

    def _wake(self, fd: int, readable: bool, writable: bool) -> None:
        waiters = self._waiters.get(fd)
        if waiters is None:
            return
        if readable and waiters.read_task is not None:
            self._reschedule(waiters.read_task, None)
            waiters.read_task = None
        if writable and waiters.write_task is not None:
            self._reschedule(waiters.write_task, None)
            waiters.write_task = None

    def statistics(self) -> IOStatistics:
        reads = sum(1 for w in self._waiters.values() if w.read_task is not None)
        writes = sum(1 for w in self._waiters.values() if w.write_task is not None)
        return IOStatistics(self.backend, reads, writes)
