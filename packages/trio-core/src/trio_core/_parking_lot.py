"""ParkingLot: the fair queue of sleeping tasks that every sync primitive is built on.

A lot can be *broken* (:meth:`ParkingLot.break_lot`): its sleepers, and
whoever parks there later, get :exc:`~trio_core.BrokenResourceError`.  A
task registered with :func:`add_parking_lot_breaker` breaks the lot when it
exits while still registered; that is how a :class:`~trio_core.Lock` whose
owner exits without releasing it fails its waiters instead of hanging them.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import final

from outcome import Error

from . import _lot_breakers
from ._exceptions import BrokenResourceError
from ._ki import enable_ki_protection
from ._run_context import _task
from ._tasks import Task
from ._traps import Abort, RaiseCancelT, wait_task_rescheduled

__all__ = [
    "ParkingLot",
    "ParkingLotStatistics",
    "add_parking_lot_breaker",
    "remove_parking_lot_breaker",
]


@dataclass(frozen=True, slots=True)
class ParkingLotStatistics:
    """What :meth:`ParkingLot.statistics` returns.

    Attributes:
        tasks_waiting: the number of tasks parked in the lot.
    """

    tasks_waiting: int


@final
class ParkingLot:
    """A FIFO queue of parked tasks, woken explicitly with :meth:`unpark`.

    The building block of locks, events, conditions and channels: it holds
    no state but the queue (and whether it is broken), so the primitive on
    top decides when to park and when to wake.  ``len(lot)`` and
    ``bool(lot)`` tell how many tasks wait.

    Attributes:
        broken_by: the tasks that broke the lot (see :meth:`break_lot`);
            empty while it is not broken.
    """

    __slots__ = ("_parked", "broken_by")

    def __init__(self) -> None:
        # A dict keeps insertion order: the first key waited longest.
        self._parked: dict[Task, None] = {}
        self.broken_by: list[Task] = []

    def __len__(self) -> int:
        return len(self._parked)

    def __bool__(self) -> bool:
        return bool(self._parked)

    def __repr__(self) -> str:
        return f"<ParkingLot with {len(self._parked)} parked task(s)>"

    @enable_ki_protection
    async def park(self) -> None:
        """Sleep until woken by :meth:`unpark` (or cancelled).

        Blocks always, so it is a checkpoint in effect; it does not check for
        an earlier cancellation first.  In a broken lot it raises at once,
        without blocking.

        Raises:
            BrokenResourceError: if the lot is broken, or breaks while this
                task sleeps in it.
        """
        if self.broken_by:
            raise BrokenResourceError(
                f"can't park in a parking lot broken by {self.broken_by!r} (see "
                "ParkingLot.break_lot): nothing will ever wake a task parked here"
            )
        task = _task()
        self._parked[task] = None
        task.custom_sleep_data = self

        def abort(_: RaiseCancelT) -> Abort:
            lot: ParkingLot = task.custom_sleep_data
            del lot._parked[task]
            return Abort.SUCCEEDED

        await wait_task_rescheduled(abort)

    def _pop_several(self, count: int | float) -> list[Task]:
        if not isinstance(count, (int, float)) or isinstance(count, bool):
            raise TypeError(f"count must be an int or math.inf, got {count!r}")
        if isinstance(count, float) and count != float("inf"):
            raise ValueError(f"count must be an int or math.inf, got {count!r}")
        if count < 0:
            raise ValueError(f"count must not be negative, got {count!r}")
        parked = self._parked
        if count == 0:
            return []
        if count >= len(parked):
            tasks = list(parked)
            parked.clear()
            return tasks
        tasks = []
        for task in parked:
            tasks.append(task)
            if len(tasks) == count:
                break
        for task in tasks:
            del parked[task]
        return tasks

    @enable_ki_protection
    def unpark(self, *, count: int | float = 1) -> list[Task]:
        """Wake up to ``count`` tasks, longest-waiting first; return them.  Not a checkpoint.

        Args:
            count: how many tasks to wake at most: an int >= 0, or ``math.inf``.

        Raises:
            TypeError: if ``count`` is not an int or ``math.inf``.
            ValueError: if ``count`` is negative (or a float other than inf).
        """
        tasks = self._pop_several(count)
        for task in tasks:
            task._runner._reschedule_value(task, None)
        return tasks

    @enable_ki_protection
    def unpark_all(self) -> list[Task]:
        """Wake every parked task; return them.  Not a checkpoint."""
        parked = self._parked
        if not parked:
            return []
        tasks = list(parked)
        parked.clear()
        for task in tasks:
            task._runner._reschedule_value(task, None)
        return tasks

    @enable_ki_protection
    def repark(self, new_lot: ParkingLot, *, count: int | float = 1) -> None:
        """Move up to ``count`` parked tasks to ``new_lot``, without waking them.

        Longest-waiting first; they stay asleep, and are woken later by
        unparking ``new_lot``.  If ``new_lot`` is broken they are woken at
        once with :exc:`~trio_core.BrokenResourceError`.  Not a checkpoint.

        Args:
            new_lot: the :class:`ParkingLot` to move them to.
            count: how many tasks to move at most: an int >= 0, or ``math.inf``.

        Raises:
            TypeError: if ``new_lot`` is not a ParkingLot, or ``count`` is not
                an int or ``math.inf``.
            ValueError: if ``count`` is negative (or a float other than inf).
        """
        if not isinstance(new_lot, ParkingLot):
            raise TypeError(f"new_lot must be a ParkingLot, got {new_lot!r}")
        tasks = self._pop_several(count)
        if new_lot.broken_by:
            # Nothing will wake them there: they get the error at once.
            for task in tasks:
                task._runner.reschedule(task, Error(new_lot._broken_error()))
            return
        for task in tasks:
            new_lot._parked[task] = None
            task.custom_sleep_data = new_lot

    def repark_all(self, new_lot: ParkingLot) -> None:
        """Move every parked task to ``new_lot``, without waking them.  Not a checkpoint.

        Args:
            new_lot: the :class:`ParkingLot` to move them to.

        Raises:
            TypeError: if ``new_lot`` is not a ParkingLot.
        """
        self.repark(new_lot, count=len(self._parked))

    def _broken_error(self) -> BrokenResourceError:
        return BrokenResourceError(
            f"the parking lot this task waited in was broken by {self.broken_by[0]!r}"
        )

    @enable_ki_protection
    def break_lot(self, task: Task | None = None) -> None:
        """Break the lot: wake every parked task with :exc:`~trio_core.BrokenResourceError`,
        and make every later :meth:`park` raise it.  Not a checkpoint.

        ``task`` is recorded in :attr:`broken_by` (a lot broken again just
        records one more breaker).  A broken lot stays broken: unparking it
        finds nobody, and tasks reparked into it get the error.

        Args:
            task: who broke it; by default the calling task.

        Raises:
            TypeError: if ``task`` is not a :class:`~trio_core.lowlevel.Task`.
            RuntimeError: if ``task`` is omitted outside of a run.
        """
        if task is None:
            task = _task()
        elif not isinstance(task, Task):
            raise TypeError(f"task must be a trio_core.lowlevel.Task or None, got {task!r}")
        first = not self.broken_by
        self.broken_by.append(task)
        if not first:
            return
        parked = list(self._parked)
        self._parked.clear()
        for sleeper in parked:
            sleeper._runner.reschedule(sleeper, Error(self._broken_error()))

    def statistics(self) -> ParkingLotStatistics:
        """How many tasks are parked here, as a :class:`ParkingLotStatistics`.

        Not a checkpoint.
        """
        return ParkingLotStatistics(tasks_waiting=len(self._parked))


def _exited(task: Task) -> bool:
    return inspect.getcoroutinestate(task.coro) == inspect.CORO_CLOSED


def add_parking_lot_breaker(task: Task, lot: ParkingLot) -> None:
    """Register ``task`` as a breaker of ``lot``: if it exits while registered,
    ``lot`` is broken (see :meth:`ParkingLot.break_lot`).  Not a checkpoint.

    This is how :class:`~trio_core.Lock` fails its waiters with
    :exc:`~trio_core.BrokenResourceError` when its owner exits without
    releasing it; use it for a primitive of your own whose waiters would
    otherwise wait forever for a task that is gone.  A task may be registered
    for a lot several times; each registration needs its own
    :func:`remove_parking_lot_breaker`.

    Args:
        task: the task whose exit breaks the lot.
        lot: the :class:`ParkingLot` to break.

    Raises:
        TypeError: if ``task`` is not a Task or ``lot`` not a ParkingLot.
        BrokenResourceError: if ``task`` has already exited (it would never
            break the lot: break it yourself instead).
    """
    if not isinstance(task, Task):
        raise TypeError(f"task must be a trio_core.lowlevel.Task, got {task!r}")
    if not isinstance(lot, ParkingLot):
        raise TypeError(f"lot must be a trio_core.lowlevel.ParkingLot, got {lot!r}")
    if _exited(task):
        raise BrokenResourceError(
            f"can't register {task!r} as a parking lot breaker: it has already exited "
            "(call lot.break_lot(task) to break the lot now)"
        )
    _lot_breakers.register(task, lot)


def remove_parking_lot_breaker(task: Task, lot: ParkingLot) -> None:
    """Undo one :func:`add_parking_lot_breaker` of ``task`` for ``lot``.  Not a checkpoint.

    Args:
        task: the registered task.
        lot: the :class:`ParkingLot` it was registered for.

    Raises:
        RuntimeError: if ``task`` is not registered as a breaker of ``lot``.
    """
    if not _lot_breakers.unregister(task, lot):
        raise RuntimeError(
            f"{task!r} is not registered as a breaker of {lot!r}: remove only what "
            "add_parking_lot_breaker() added, once"
        )
