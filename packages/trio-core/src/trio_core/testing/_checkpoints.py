"""assert_checkpoints / assert_no_checkpoints: check that a block yields (or not)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .._api import add_instrument, remove_instrument
from .._run_context import _task
from .._tasks import Task
from ..abc import Instrument

__all__ = ["assert_checkpoints", "assert_no_checkpoints"]


class _StepCounter(Instrument):
    __slots__ = ("task", "steps")

    def __init__(self, task: Task) -> None:
        self.task = task
        self.steps = 0

    def after_task_step(self, task: Task) -> None:
        if task is self.task:
            self.steps += 1


@contextmanager
def _count_yields() -> Iterator[_StepCounter]:
    counter = _StepCounter(_task())
    add_instrument(counter)
    try:
        yield counter
    finally:
        remove_instrument(counter)


@contextmanager
def assert_checkpoints() -> Iterator[None]:
    """Fail (AssertionError) unless the ``with`` block yields to the scheduler.

    Use it to test that an async operation is a checkpoint even when it could
    complete at once.  Only checked when the block exits normally.  Entering
    and leaving the block are not checkpoints themselves.

    Raises:
        AssertionError: on leaving the block, if it never yielded.
        RuntimeError: outside of a run.
    """
    with _count_yields() as counter:
        yield
    if counter.steps == 0:
        raise AssertionError("the block did not execute a checkpoint (it never yielded)")


@contextmanager
def assert_no_checkpoints() -> Iterator[None]:
    """Fail (AssertionError) if the ``with`` block yields to the scheduler.

    Use it to test that code runs without a checkpoint (that nothing else
    can run in the middle of it).  Only checked when the block exits
    normally.  Entering and leaving the block are not checkpoints themselves.

    Raises:
        AssertionError: on leaving the block, if it yielded.
        RuntimeError: outside of a run.
    """
    with _count_yields() as counter:
        yield
    if counter.steps:
        raise AssertionError(f"the block executed {counter.steps} checkpoint(s); expected none")
