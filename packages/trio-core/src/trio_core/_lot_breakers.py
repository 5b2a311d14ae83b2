"""Which tasks break which parking lots when they exit (the registry behind
:func:`trio_core.lowlevel.add_parking_lot_breaker`).

A task registered as the *breaker* of a lot (a :class:`~trio_core.Lock`
registers its owner) breaks that lot if it exits while still registered:
every task parked there, and every task that parks there later, gets
:exc:`~trio_core.BrokenResourceError` instead of waiting forever for a
release that cannot come.

This module imports nothing from the run loop at run time, so that the run
loop can import it: the loop is meant to call
:func:`break_lots_of_exited_task` from ``Runner.task_exited``.  Until it
does, :func:`register` installs :data:`_BRIDGE`, an instrument whose
``task_exited`` hook makes that call, in each run that registers a breaker.
Set ``RUN_LOOP_CALLS_BREAK_LOTS = True`` (or delete the bridge) once the
run loop makes the call itself; calling it twice for a task is harmless.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .abc import Instrument

if TYPE_CHECKING:
    from ._parking_lot import ParkingLot
    from ._run import Task

__all__ = ["break_lots_of_exited_task", "register", "unregister"]

#: True once ``Runner.task_exited`` calls :func:`break_lots_of_exited_task`.
RUN_LOOP_CALLS_BREAK_LOTS = False

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


class _BreakLotsAtTaskExit(Instrument):
    """The bridge: calls :func:`break_lots_of_exited_task` from the run's
    ``task_exited`` instrument hook, until the run loop calls it itself."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<trio_core parking-lot breaker hook>"

    def task_exited(self, task: Task) -> None:
        break_lots_of_exited_task(task)


_BRIDGE = _BreakLotsAtTaskExit()


def register(task: Task, lot: ParkingLot) -> None:
    """Record ``task`` as a breaker of ``lot`` (no checks: the caller's job)."""
    lots = _BREAKERS.get(task)
    if lots is None:
        _BREAKERS[task] = [lot]
        if not RUN_LOOP_CALLS_BREAK_LOTS:
            runner = task._runner
            hooks = runner.instruments.get("task_exited")
            if hooks is None or _BRIDGE not in hooks:
                runner.add_instrument(_BRIDGE)
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
