"""assert_checkpoints / assert_no_checkpoints: check that a block is (or is not) a checkpoint.

A full checkpoint is two things, and the assertions count both, as Trio
does: a *schedule point* (the task yields to the scheduler, so other tasks
may run) and a *cancel point* (the task would raise Cancelled if it were
cancelled).  ``checkpoint()`` and a wait in ``wait_task_rescheduled`` are
both; ``cancel_shielded_checkpoint()`` is only a schedule point;
``checkpoint_if_cancelled()`` that does not raise is only a cancel point.
Schedule points are counted by an instrument (after each step of the task,
with what it yielded), cancel points that did not yield by the task itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .._api import add_instrument, remove_instrument
from .._run_context import _task
from .._tasks import Task
from .._traps import _CHECKPOINT
from ..abc import Instrument

__all__ = ["assert_checkpoints", "assert_no_checkpoints"]


class _PointCounter(Instrument):
    __slots__ = ("task", "schedule_points", "cancel_points", "_cancel_points_before")

    def __init__(self, task: Task) -> None:
        self.task = task
        self.schedule_points = 0
        self.cancel_points = 0
        self._cancel_points_before = task._cancel_points

    def after_task_step(self, task: Task) -> None:
        if task is self.task:
            self.schedule_points += 1
            message = task._runner.step_message
            if message is _CHECKPOINT or callable(message):
                # checkpoint(), or parked in wait_task_rescheduled(): both
                # would have raised Cancelled had the task been cancelled.
                self.cancel_points += 1

    def finish(self) -> None:
        self.cancel_points += self.task._cancel_points - self._cancel_points_before

    def describe(self) -> str:
        return (
            f"{self.schedule_points} schedule point(s) (yielding to the scheduler) and "
            f"{self.cancel_points} cancel point(s) (where a cancellation would be raised)"
        )


@contextmanager
def _count_points() -> Iterator[_PointCounter]:
    counter = _PointCounter(_task())
    add_instrument(counter)
    try:
        yield counter
    finally:
        remove_instrument(counter)
        counter.finish()


@contextmanager
def assert_checkpoints() -> Iterator[None]:
    """Fail (AssertionError) unless the ``with`` block executes a full checkpoint.

    That is, at least one schedule point (it yields to the scheduler) and at
    least one cancel point (it checks for cancellation), as in Trio: a block
    whose only checkpoint is ``checkpoint_if_cancelled()`` (not cancelled)
    or ``cancel_shielded_checkpoint()`` fails; the two together pass.  Use
    it to test that an async operation is a checkpoint even when it could
    complete at once.  Only checked when the block exits normally.  Entering
    and leaving the block are not checkpoints themselves.

    Raises:
        AssertionError: on leaving the block, if it lacked a schedule point
            or a cancel point.
        RuntimeError: outside of a run.
    """
    with _count_points() as counter:
        yield
    if not (counter.schedule_points and counter.cancel_points):
        raise AssertionError(
            f"the block did not execute a full checkpoint: it had {counter.describe()}; "
            "a checkpoint needs at least one of each"
        )


@contextmanager
def assert_no_checkpoints() -> Iterator[None]:
    """Fail (AssertionError) if the ``with`` block executes any part of a checkpoint.

    A schedule point (it yields to the scheduler) or a cancel point (it
    checks for cancellation, as ``checkpoint_if_cancelled()`` does) fails
    it, as in Trio.  Use it to test that code runs without a checkpoint
    (that nothing else can run in the middle of it, and that it cannot be
    cancelled).  Only checked when the block exits normally.  Entering and
    leaving the block are not checkpoints themselves.

    Raises:
        AssertionError: on leaving the block, if it had a schedule point or
            a cancel point.
        RuntimeError: outside of a run.
    """
    with _count_points() as counter:
        yield
    if counter.schedule_points or counter.cancel_points:
        raise AssertionError(
            f"the block executed part of a checkpoint: it had {counter.describe()}; expected none"
        )
