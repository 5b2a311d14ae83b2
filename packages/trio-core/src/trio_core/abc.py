"""Abstract base classes of trio-core: :class:`Clock` and :class:`Instrument`."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._tasks import Task

__all__ = ["Clock", "Instrument"]


class Clock(abc.ABC):
    """The interface of the clock a run uses (pass one as ``run(..., clock=...)``).

    The run loop calls these methods synchronously, from its own thread: none
    of them is a checkpoint, and they must not block.
    """

    __slots__ = ()

    @abc.abstractmethod
    def start_clock(self) -> None:
        """Called once, at the start of the run.  Not a checkpoint."""

    @abc.abstractmethod
    def current_time(self) -> float:
        """The current time, in seconds, on this clock's own scale.  Not a checkpoint."""

    @abc.abstractmethod
    def deadline_to_sleep_time(self, deadline: float) -> float:
        """How many real seconds to wait for I/O before ``deadline`` arrives.

        May return a negative number (the deadline has passed) or ``math.inf``.
        Not a checkpoint.

        Args:
            deadline: a time on this clock's scale (the next deadline of the run).
        """


class Instrument(abc.ABC):  # noqa: B024 - every hook is optional
    """Hooks into the run loop, for tracing, profiling and tests.

    Override just the methods you need; the run only calls the hooks an
    instrument defines.  An instrument whose hook raises is removed from the
    run and the error is logged (to the ``trio_core`` logger); the run goes on.
    Hooks are called synchronously by the run loop: none is a checkpoint, and
    they must not block.
    """

    __slots__ = ()

    def before_run(self) -> None:  # noqa: B027
        """Called at the start of :func:`trio_core.run`.  Not a checkpoint."""

    def after_run(self) -> None:  # noqa: B027
        """Called just before :func:`trio_core.run` returns.  Not a checkpoint."""

    def task_spawned(self, task: Task) -> None:  # noqa: B027
        """Called when ``task`` is created.  Not a checkpoint."""

    def task_scheduled(self, task: Task) -> None:  # noqa: B027
        """Called when ``task`` becomes runnable.  Not a checkpoint."""

    def before_task_step(self, task: Task) -> None:  # noqa: B027
        """Called just before ``task`` runs a step.  Not a checkpoint."""

    def after_task_step(self, task: Task) -> None:  # noqa: B027
        """Called just after ``task`` ran a step.  Not a checkpoint."""

    def task_exited(self, task: Task) -> None:  # noqa: B027
        """Called when ``task`` has exited.  Not a checkpoint."""

    def before_io_wait(self, timeout: float) -> None:  # noqa: B027
        """Called before the loop waits up to ``timeout`` seconds for I/O.  Not a checkpoint."""

    def after_io_wait(self, timeout: float) -> None:  # noqa: B027
        """Called after the loop waited for I/O (for up to ``timeout`` seconds).

        Not a checkpoint.
        """
