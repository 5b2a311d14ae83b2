"""The one small interface the run loop has with its I/O manager.

There is one manager per OS facility: epoll (``_io_epoll``), kqueue
(``_io_kqueue``) and a portable ``poll()`` fallback (``_io_poll``).  The run
loop only calls the methods of :class:`IOManager`; it does not know which
one it has.  Set the environment variable ``TRIO_CORE_IO_MANAGER`` to
``poll`` (or ``epoll`` / ``kqueue``) to force one, for instance to run a
test-suite against the fallback.

The managers sit below the run loop and never import it (an import-linter
contract in the root ``pyproject.toml`` says so): a manager reads the
current task from ``_traps.GLOBAL_RUN_CONTEXT``, parks it with
``wait_task_rescheduled``, and wakes it through the ``reschedule`` callable
the run loop passed to :func:`make_io_manager`.  To a manager a task is an
opaque object that it stores and hands back.
"""

from __future__ import annotations

import abc
import os
import select
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from outcome import Error

from ._exceptions import BusyResourceError, ClosedResourceError
from ._ki import enable_ki_protection
from ._traps import GLOBAL_RUN_CONTEXT, Abort, wait_task_rescheduled


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
    async def wait_readable(self, fd: FdLike) -> None: ...

    @abc.abstractmethod
    async def wait_writable(self, fd: FdLike) -> None: ...

    @abc.abstractmethod
    def notify_closing(self, fd: FdLike) -> None: ...

    @abc.abstractmethod
    def get_events(self, timeout: float) -> Any:
        """Block for at most ``timeout`` seconds; return what became ready."""

    @abc.abstractmethod
    def process_events(self, events: Any) -> None:
        """Reschedule the tasks that ``events`` make runnable."""

    @abc.abstractmethod
    def statistics(self) -> IOStatistics: ...

    @abc.abstractmethod
    def close(self) -> None: ...


# epoll_wait's timeout is an int of milliseconds; keep far below its limit.
MAX_TIMEOUT = 86400.0


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
    """The (at most one) reader and writer parked on one file descriptor."""

    __slots__ = ("read_task", "write_task", "armed")

    def __init__(self) -> None:
        # The run loop's tasks, opaque here (see Reschedule).
        self.read_task: Any = None
        self.write_task: Any = None
        # What the kernel currently watches for this fd (backend-specific bits).
        self.armed: int = 0


class ReadinessIOManager(IOManager):
    """Shared bookkeeping for the readiness-based managers.

    Subclasses say how to (re)arm the kernel for the waiters of one fd
    (``_arm``) and how to forget an fd (``_forget``).
    """

    def __init__(self, reschedule: Reschedule) -> None:
        self._reschedule = reschedule
        self._waiters: dict[int, FdWaiters] = {}

    @abc.abstractmethod
    def _arm(self, fd: int, waiters: FdWaiters) -> None: ...

    @abc.abstractmethod
    def _forget(self, fd: int, waiters: FdWaiters) -> None: ...

    def _disarm_aborted(self, fd: int, waiters: FdWaiters) -> None:
        """A wait on ``fd`` was cancelled; by default its registration stays.

        It is harmless for epoll and poll: a one-shot registration whose fd is
        closed disappears with it, and is re-made when it is not there.
        """

    # Protected: a KeyboardInterrupt between registering the waiter and parking
    # would leave a finished task registered, to be woken again later.
    @enable_ki_protection
    async def _wait(self, fd_like: FdLike, attr: str) -> None:
        fd = fileno_of(fd_like)
        waiters = self._waiters.get(fd)
        if waiters is None:
            waiters = self._waiters[fd] = FdWaiters()
        if getattr(waiters, attr) is not None:
            what = "read from" if attr == "read_task" else "write to"
            raise BusyResourceError(
                f"another task is already waiting to {what} file descriptor {fd}; "
                "only one task at a time may wait for the same readiness"
            )
        setattr(waiters, attr, GLOBAL_RUN_CONTEXT.task)
        try:
            self._arm(fd, waiters)
        except BaseException:
            setattr(waiters, attr, None)
            raise

        def abort(_: object) -> Abort:
            if self._waiters.get(fd) is waiters:
                setattr(waiters, attr, None)
                self._disarm_aborted(fd, waiters)
            return Abort.SUCCEEDED

        await wait_task_rescheduled(abort)

    async def wait_readable(self, fd: FdLike) -> None:
        await self._wait(fd, "read_task")

    async def wait_writable(self, fd: FdLike) -> None:
        await self._wait(fd, "write_task")

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
