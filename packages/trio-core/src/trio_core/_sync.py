"""Synchronization primitives: Event, Lock, StrictFIFOLock, Semaphore,
CapacityLimiter, Condition.

All of them are built on :class:`~trio_core.lowlevel.ParkingLot` and are
fair: a waiting task is woken in FIFO order, and a released lock or token is
handed straight to the next waiter (so a task that releases and re-acquires
at once cannot barge ahead of those already waiting).  Their async methods
are checkpoints.
"""

from __future__ import annotations

import math
import types
from dataclasses import dataclass
from typing import final

from ._api import checkpoint_if_cancelled
from ._cancel import CancelScope
from ._exceptions import WouldBlock
from ._ki import enable_ki_protection
from ._parking_lot import ParkingLot
from ._run_context import _task
from ._tasks import Task
from ._traps import (
    Abort,
    RaiseCancelT,
    cancel_shielded_checkpoint,
    checkpoint,
    wait_task_rescheduled,
)

__all__ = [
    "Event",
    "EventStatistics",
    "Lock",
    "StrictFIFOLock",
    "LockStatistics",
    "Semaphore",
    "SemaphoreStatistics",
    "CapacityLimiter",
    "CapacityLimiterStatistics",
    "Condition",
    "ConditionStatistics",
]


class _AsyncContextManagerMixin:
    __slots__ = ()

    async def acquire(self) -> None:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    @enable_ki_protection
    async def __aenter__(self) -> None:
        await self.acquire()

    @enable_ki_protection
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.release()


# ---------------------------------------------------------------- Event


@dataclass(frozen=True, slots=True)
class EventStatistics:
    """What :meth:`Event.statistics` returns.

    Attributes:
        tasks_waiting: the number of tasks blocked in :meth:`Event.wait`.
    """

    tasks_waiting: int


@final
class Event:
    """A flag that starts unset, can be set once, and wakes every waiter when set.

    It cannot be cleared: make a new Event instead (that avoids the lost-wakeup
    races of clearable events).
    """

    # Waiters live in a plain dict rather than a ParkingLot: an Event is made
    # and dropped in hot paths (one per hand-off), so it stays as light as it can.
    __slots__ = ("_waiters", "_flag")

    def __init__(self) -> None:
        self._waiters: dict[Task, None] = {}
        self._flag = False

    def __repr__(self) -> str:
        state = "set" if self._flag else "unset"
        return f"<trio_core.Event {state}, {len(self._waiters)} waiting>"

    def is_set(self) -> bool:
        """Whether the event has been set.  Not a checkpoint."""
        return self._flag

    @enable_ki_protection
    def set(self) -> None:
        """Set the event and wake every waiting task.  Not a checkpoint."""
        if not self._flag:
            self._flag = True
            waiters = self._waiters
            if waiters:
                self._waiters = {}
                for task in waiters:
                    task._runner._reschedule_value(task, None)

    @enable_ki_protection
    async def wait(self) -> None:
        """Wait until the event is set (at once if it already is).  A checkpoint.

        Raises:
            Cancelled: if cancelled while waiting (or already cancelled when
                called on a set event).
        """
        if self._flag:
            await checkpoint()
            return
        task = _task()
        waiters = self._waiters
        waiters[task] = None

        def abort(_: RaiseCancelT) -> Abort:
            del waiters[task]
            return Abort.SUCCEEDED

        await wait_task_rescheduled(abort)

    def statistics(self) -> EventStatistics:
        """How many tasks are waiting, as an :class:`EventStatistics`.  Not a checkpoint."""
        return EventStatistics(tasks_waiting=len(self._waiters))


# ---------------------------------------------------------------- locks


@dataclass(frozen=True, slots=True)
class LockStatistics:
    """What :meth:`Lock.statistics` returns.

    Attributes:
        locked: whether some task holds the lock.
        owner: the :class:`~trio_core.lowlevel.Task` holding it, or None.
        tasks_waiting: the number of tasks waiting to acquire it.
    """

    locked: bool
    owner: Task | None
    tasks_waiting: int


class _LockImpl(_AsyncContextManagerMixin):
    __slots__ = ("_lot", "_owner")

    def __init__(self) -> None:
        self._lot = ParkingLot()
        self._owner: Task | None = None

    def __repr__(self) -> str:
        state = f"locked by {self._owner!r}" if self._owner is not None else "unlocked"
        return f"<trio_core.{type(self).__name__} {state}, {len(self._lot)} waiting>"

    def locked(self) -> bool:
        """Whether some task holds the lock.  Not a checkpoint."""
        return self._owner is not None

    @enable_ki_protection
    def acquire_nowait(self) -> None:
        """Take the lock without blocking.  Not a checkpoint.

        Raises:
            WouldBlock: if it is held (or others are already waiting for it).
            RuntimeError: if the calling task already holds it.
        """
        task = _task()
        if self._owner is task:
            raise RuntimeError(
                f"{type(self).__name__} is not re-entrant: this task already holds it"
            )
        if self._owner is None and not self._lot:
            self._owner = task
        else:
            raise WouldBlock

    @enable_ki_protection
    async def acquire(self) -> None:
        """Take the lock, waiting (in FIFO order) while another task holds it.  A checkpoint."""
        await checkpoint_if_cancelled()
        try:
            self.acquire_nowait()
        except WouldBlock:
            # release() hands the lock to us before waking us.
            await self._lot.park()
        else:
            await cancel_shielded_checkpoint()

    @enable_ki_protection
    def release(self) -> None:
        """Release the lock, handing it to the longest waiter.  Not a checkpoint.

        Raises:
            RuntimeError: if the calling task does not hold the lock.
        """
        if _task() is not self._owner:
            raise RuntimeError(
                f"can't release a {type(self).__name__} this task does not hold "
                "(only the task that acquired it may release it)"
            )
        if self._lot:
            (self._owner,) = self._lot.unpark(count=1)
        else:
            self._owner = None

    def statistics(self) -> LockStatistics:
        """Whether it is locked, by whom, and how many tasks wait.

        Returns a :class:`LockStatistics`.  Not a checkpoint.
        """
        return LockStatistics(
            locked=self._owner is not None, owner=self._owner, tasks_waiting=len(self._lot)
        )


@final
class Lock(_LockImpl):
    """A classic mutex: ``async with lock:``.  Fair: waiters get it in FIFO order.

    Only the task that acquired it may release it, and it is not re-entrant.
    """

    __slots__ = ()


@final
class StrictFIFOLock(_LockImpl):
    """A Lock that *guarantees* FIFO hand-off, for protocols that depend on it
    (say, a stream whose writers must go out in the order they arrived).

    This library's :class:`Lock` is FIFO too; use this one to document that
    your code relies on it.
    """

    __slots__ = ()


# ---------------------------------------------------------------- Semaphore


@dataclass(frozen=True, slots=True)
class SemaphoreStatistics:
    """What :meth:`Semaphore.statistics` returns.

    Attributes:
        value: the current count.
        max_value: the maximum count, or None.
        tasks_waiting: the number of tasks waiting to acquire.
    """

    value: int
    max_value: int | None
    tasks_waiting: int


@final
class Semaphore(_AsyncContextManagerMixin):
    """A counter: ``acquire`` takes one (waiting at zero), ``release`` gives one back.

    Args:
        initial_value: the starting count (an int >= 0).
        max_value: if given, releasing above it raises ValueError (catches
            double releases).

    Raises:
        TypeError: if a value is not an int.
        ValueError: if ``initial_value`` is negative or above ``max_value``.
    """

    __slots__ = ("_lot", "_value", "_max_value")

    def __init__(self, initial_value: int, *, max_value: int | None = None) -> None:
        if not isinstance(initial_value, int) or isinstance(initial_value, bool):
            raise TypeError(f"initial_value must be an int, got {initial_value!r}")
        if initial_value < 0:
            raise ValueError(f"initial_value must be >= 0, got {initial_value}")
        if max_value is not None:
            if not isinstance(max_value, int) or isinstance(max_value, bool):
                raise TypeError(f"max_value must be an int or None, got {max_value!r}")
            if max_value < initial_value:
                raise ValueError(
                    f"max_value ({max_value}) must be >= initial_value ({initial_value})"
                )
        self._lot = ParkingLot()
        self._value = initial_value
        self._max_value = max_value

    def __repr__(self) -> str:
        bound = "" if self._max_value is None else f", max_value={self._max_value}"
        return f"<trio_core.Semaphore({self._value}{bound}), {len(self._lot)} waiting>"

    @property
    def value(self) -> int:
        """The current count."""
        return self._value

    @property
    def max_value(self) -> int | None:
        """The maximum count, or None."""
        return self._max_value

    @enable_ki_protection
    def acquire_nowait(self) -> None:
        """Decrement the count without blocking.  Not a checkpoint.

        Raises:
            WouldBlock: if the count is zero.
        """
        if self._value > 0:
            self._value -= 1
        else:
            raise WouldBlock

    @enable_ki_protection
    async def acquire(self) -> None:
        """Decrement the count, waiting while it is zero.  A checkpoint."""
        await checkpoint_if_cancelled()
        try:
            self.acquire_nowait()
        except WouldBlock:
            await self._lot.park()
        else:
            await cancel_shielded_checkpoint()

    @enable_ki_protection
    def release(self) -> None:
        """Increment the count (or hand it to a waiter).  Not a checkpoint.

        Raises:
            ValueError: if that would exceed ``max_value``.
        """
        if self._lot:
            self._lot.unpark(count=1)
            return
        if self._max_value is not None and self._value == self._max_value:
            raise ValueError(
                f"Semaphore released too many times: its value is already max_value "
                f"({self._max_value})"
            )
        self._value += 1

    def statistics(self) -> SemaphoreStatistics:
        """The count, the bound, and how many tasks wait.

        Returns a :class:`SemaphoreStatistics`.  Not a checkpoint.
        """
        return SemaphoreStatistics(self._value, self._max_value, len(self._lot))


# ---------------------------------------------------------------- CapacityLimiter


@dataclass(frozen=True, slots=True)
class CapacityLimiterStatistics:
    """What :meth:`CapacityLimiter.statistics` returns.

    Attributes:
        borrowed_tokens: the number of tokens held.
        total_tokens: the number of tokens in all.
        borrowers: the objects (usually tasks) holding a token.
        tasks_waiting: the number of tasks waiting for a token.
    """

    borrowed_tokens: int
    total_tokens: int | float
    borrowers: list[object]
    tasks_waiting: int


@final
class CapacityLimiter(_AsyncContextManagerMixin):
    """At most ``total`` borrowers at once: a semaphore that knows who holds each token.

    Each borrower (by default the calling task) may hold at most one token,
    which catches the classic bug of one task taking two.  ``total`` can be
    changed at any time; ``math.inf`` means no limit.  Used to cap worker
    threads (see :func:`trio_core.to_thread.run_sync`).

    Raises:
        TypeError / ValueError: if ``total`` is not an int >= 1 or ``math.inf``.
    """

    __slots__ = ("_lot", "_total", "_borrowers", "_pending")

    def __init__(self, total: int | float) -> None:
        self._lot = ParkingLot()
        self._borrowers: set[object] = set()
        # Waiting task -> the borrower it waits on behalf of.
        self._pending: dict[Task, object] = {}
        self._total: int | float = 1
        self.total = total

    def __repr__(self) -> str:
        return (
            f"<trio_core.CapacityLimiter {len(self._borrowers)}/{self._total} borrowed, "
            f"{len(self._lot)} waiting>"
        )

    @property
    def total(self) -> int | float:
        """How many tokens there are.  Settable; raising it wakes waiters."""
        return self._total

    @total.setter
    @enable_ki_protection
    def total(self, new_total: int | float) -> None:
        if new_total != math.inf and (
            not isinstance(new_total, int) or isinstance(new_total, bool)
        ):
            raise TypeError(f"total must be an int or math.inf, got {new_total!r}")
        if new_total < 1:
            raise ValueError(f"total must be >= 1, got {new_total}")
        self._total = new_total
        self._wake_waiters()

    @property
    def total_tokens(self) -> int | float:
        """The same as :attr:`total` (modern Trio's name for it).  Settable."""
        return self._total

    @total_tokens.setter
    def total_tokens(self, new_total: int | float) -> None:
        self.total = new_total

    def _wake_waiters(self) -> None:
        available = self._total - len(self._borrowers)
        if available > 0 and self._lot:
            for task in self._lot.unpark(count=available):
                self._borrowers.add(self._pending.pop(task))

    @property
    def borrowed_tokens(self) -> int:
        """How many tokens are held."""
        return len(self._borrowers)

    @property
    def available_tokens(self) -> int | float:
        """How many tokens are free."""
        return self._total - len(self._borrowers)

    def acquire_nowait(self) -> None:
        """Borrow a token for the calling task, without blocking.  Not a checkpoint.

        See :meth:`acquire_on_behalf_of_nowait`.

        Raises:
            WouldBlock: if no token is free (or others already wait).
            RuntimeError: if the calling task already holds a token.
        """
        self.acquire_on_behalf_of_nowait(_task())

    @enable_ki_protection
    def acquire_on_behalf_of_nowait(self, borrower: object) -> None:
        """Borrow a token for ``borrower`` without blocking.  Not a checkpoint.

        Args:
            borrower: who holds the token (any hashable object; usually a task).

        Raises:
            WouldBlock: if no token is free (or others already wait).
            RuntimeError: if ``borrower`` already holds a token.
        """
        if borrower in self._borrowers:
            raise RuntimeError(
                f"{borrower!r} already holds one of this CapacityLimiter's tokens "
                "(a borrower may hold only one)"
            )
        if len(self._borrowers) < self._total and not self._lot:
            self._borrowers.add(borrower)
        else:
            raise WouldBlock

    async def acquire(self) -> None:
        """Borrow a token for the calling task, waiting if none is free.  A checkpoint."""
        await self.acquire_on_behalf_of(_task())

    @enable_ki_protection
    async def acquire_on_behalf_of(self, borrower: object) -> None:
        """Borrow a token for ``borrower``, waiting (FIFO) if none is free.  A checkpoint.

        Raises:
            RuntimeError: if ``borrower`` already holds a token.
        """
        await checkpoint_if_cancelled()
        try:
            self.acquire_on_behalf_of_nowait(borrower)
        except WouldBlock:
            task = _task()
            self._pending[task] = borrower
            try:
                await self._lot.park()
            except BaseException:
                self._pending.pop(task, None)
                raise
        else:
            await cancel_shielded_checkpoint()

    def release(self) -> None:
        """Give back the calling task's token.  Not a checkpoint.

        See :meth:`release_on_behalf_of`.

        Raises:
            RuntimeError: if the calling task holds no token.
        """
        self.release_on_behalf_of(_task())

    @enable_ki_protection
    def release_on_behalf_of(self, borrower: object) -> None:
        """Give back ``borrower``'s token, waking the next waiter.  Not a checkpoint.

        Raises:
            RuntimeError: if ``borrower`` holds no token.
        """
        if borrower not in self._borrowers:
            raise RuntimeError(f"{borrower!r} does not hold any of this CapacityLimiter's tokens")
        self._borrowers.remove(borrower)
        self._wake_waiters()

    def statistics(self) -> CapacityLimiterStatistics:
        """Tokens held, total, the borrowers, and how many tasks wait.

        Returns a :class:`CapacityLimiterStatistics`.  Not a checkpoint.
        """
        return CapacityLimiterStatistics(
            borrowed_tokens=len(self._borrowers),
            total_tokens=self._total,
            borrowers=list(self._borrowers),
            tasks_waiting=len(self._lot),
        )


# ---------------------------------------------------------------- Condition


@dataclass(frozen=True, slots=True)
class ConditionStatistics:
    """What :meth:`Condition.statistics` returns.

    Attributes:
        tasks_waiting: the number of tasks blocked in :meth:`Condition.wait`.
        lock_statistics: the underlying lock's :class:`LockStatistics`.
    """

    tasks_waiting: int
    lock_statistics: LockStatistics


@final
class Condition(_AsyncContextManagerMixin):
    """A condition variable: wait, while holding its lock, until another task notifies.

    Args:
        lock: the :class:`Lock` to use (a new one by default).

    Raises:
        TypeError: if ``lock`` is not a Lock or StrictFIFOLock.
    """

    __slots__ = ("_lock", "_lot")

    def __init__(self, lock: Lock | StrictFIFOLock | None = None) -> None:
        if lock is None:
            lock = Lock()
        if not isinstance(lock, _LockImpl):
            raise TypeError(f"lock must be a trio_core Lock, got {lock!r}")
        self._lock = lock
        self._lot = ParkingLot()

    def locked(self) -> bool:
        """Whether the underlying lock is held.  Not a checkpoint."""
        return self._lock.locked()

    def acquire_nowait(self) -> None:
        """Take the underlying lock without blocking.  Not a checkpoint.

        Raises:
            WouldBlock: if the lock is held (or others already wait for it).
            RuntimeError: if the calling task already holds it.
        """
        self._lock.acquire_nowait()

    @enable_ki_protection
    async def acquire(self) -> None:
        """Take the underlying lock.  A checkpoint."""
        await self._lock.acquire()

    def release(self) -> None:
        """Release the underlying lock.  Not a checkpoint.

        Raises:
            RuntimeError: if the calling task does not hold it.
        """
        self._lock.release()

    @enable_ki_protection
    async def wait(self) -> None:
        """Release the lock, wait for a notify, and take the lock back.  A checkpoint.

        If cancelled, it still takes the lock back before raising.

        Raises:
            RuntimeError: if the calling task does not hold the lock.
        """
        if _task() is not self._lock._owner:
            raise RuntimeError("Condition.wait() needs the caller to hold the condition's lock")
        self.release()
        try:
            # notify() moves us onto the lock's queue: when we wake, we own it.
            await self._lot.park()
        except BaseException:
            with CancelScope(shield=True):
                await self.acquire()
            raise

    def _check_owner(self) -> None:
        if _task() is not self._lock._owner:
            raise RuntimeError("Condition.notify() needs the caller to hold the condition's lock")

    def notify(self, n: int = 1) -> None:
        """Wake up to ``n`` waiters (they then queue for the lock).  Not a checkpoint.

        Raises:
            RuntimeError: if the calling task does not hold the lock.
        """
        self._check_owner()
        self._lot.repark(self._lock._lot, count=n)

    def notify_all(self) -> None:
        """Wake every waiter.  Not a checkpoint.

        Raises:
            RuntimeError: if the calling task does not hold the lock.
        """
        self._check_owner()
        self._lot.repark_all(self._lock._lot)

    def statistics(self) -> ConditionStatistics:
        """How many tasks wait, and the lock's statistics.

        Returns a :class:`ConditionStatistics`.  Not a checkpoint.
        """
        return ConditionStatistics(
            tasks_waiting=len(self._lot), lock_statistics=self._lock.statistics()
        )
