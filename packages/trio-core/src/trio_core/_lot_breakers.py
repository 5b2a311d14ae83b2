"""Which tasks break which parking lots when they exit (the registry behind
:func:`trio_core.lowlevel.add_parking_lot_breaker`).

A task registered as the *breaker* of a lot (a :class:`~trio_core.Lock`
registers its owner) breaks that lot if it exits while still registered:
every task parked there, and every task that parks there later, gets
:exc:`~trio_core.BrokenResourceError` instead of waiting forever for a
release that cannot come.

This module imports nothing from the run loop at run time, so that the run
loop can import it: ``Runner.task_exited`` calls
:func:`break_lots_of_exited_task` when the registry is not empty (one
truth test per task exit when no lock is held across an exit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._parking_lot import ParkingLot
    from ._tasks import Task

__all__ = ["break_lots_of_exited_task", "register", "unregister"]

# Breaking task -> the lots it breaks, in registration order.  A plain dict
# (tasks are hashable by identity): entries go when the lock is released or
# the task exits, so nothing outlives its task.
_BREAKERS: dict[Task, list[ParkingLot]] = {}


def break_lots_of_exited_task(task: Task) -> None:
    """Break every lot ``task`` is registered for; the run loop calls it when
    ``task`` exits.  Not a checkpoint; never raises.

    Args:
        task: the task that has just exited.
    """
    lots = _BREAKERS.pop(task, None)
    if lots:
        for lot in lots:
            lot.break_lot(task)


def register(task: Task, lot: ParkingLot) -> None:
    """Record ``task`` as a breaker of ``lot`` (no checks: the caller's job)."""
    lots = _BREAKERS.get(task)
    if lots is None:
        _BREAKERS[task] = [lot]
    else:
        lots.append(lot)


def unregister(task: Task, lot: ParkingLot) -> bool:
    """Forget ``task`` as a breaker of ``lot``; False if it was not one."""
    lots = _BREAKERS.get(task)
    if lots is None:
        return False
    for i, registered in enumerate(lots):
        if registered is lot:
            del lots[i]
            break
    else:
        return False
    if not lots:
        del _BREAKERS[task]
    return True
