"""ParkingLot: the fair queue of sleeping tasks that every sync primitive is built on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

from ._ki import enable_ki_protection
from ._run_context import _task
from ._tasks import Task
from ._traps import Abort, RaiseCancelT, wait_task_rescheduled

__all__ = ["ParkingLot", "ParkingLotStatistics"]


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
    no state but the queue, so the primitive on top decides when to park and
    when to wake.  ``len(lot)`` and ``bool(lot)`` tell how many tasks wait.
    """

    __slots__ = ("_parked",)

    def __init__(self) -> None:
        # A dict keeps insertion order: the first key waited longest.
        self._parked: dict[Task, None] = {}

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
        an earlier cancellation first.
        """
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
        unparking ``new_lot``.  Not a checkpoint.

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
        for task in self._pop_several(count):
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

    def statistics(self) -> ParkingLotStatistics:
        """How many tasks are parked here, as a :class:`ParkingLotStatistics`.

        Not a checkpoint.
        """
        return ParkingLotStatistics(tasks_waiting=len(self._parked))
