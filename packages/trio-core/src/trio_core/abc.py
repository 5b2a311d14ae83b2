"""Abstract base classes of trio-core: :class:`Clock` and :class:`Instrument`."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._run import Task

__all__ = ["Clock", "Instrument"]


class Clock(abc.ABC):
    """The interface of the clock a run uses (pass one as ``run(..., clock=...)``)."""

    __slots__ = ()

    @abc.abstractmethod
    def start_clock(self) -> None:
        """Called once, at the start of the run."""

    @abc.abstractmethod
    def current_time(self) -> float:
        """The current time, in seconds, on this clock's own scale."""

    @abc.abstractmethod
    def deadline_to_sleep_time(self, deadline: float) -> float:
        """How many real seconds to wait for I/O before ``deadline`` arrives.

        May return a negative number (the deadline has passed) or ``math.inf``.
        """


class Instrument(abc.ABC):  # noqa: B024 - every hook is optional
    """Hooks into the run loop, for tracing, profiling and tests.

    Override just the methods you need; the run only calls the hooks an
    instrument defines.  An instrument whose hook raises is removed from the
    run and the error is logged (to the ``trio_core`` logger); the run goes on.
    """

    __slots__ = ()

    def before_run(self) -> None:  # noqa: B027
        """Called at the start of :func:`trio_core.run`."""

    def after_run(self) -> None:  # noqa: B027
        """Called just before :func:`trio_core.run` returns."""

    def task_spawned(self, task: Task) -> None:  # noqa: B027
        """Called when ``task`` is created."""

    def task_scheduled(self, task: Task) -> None:  # noqa: B027
        """Called when ``task`` becomes runnable."""

    def before_task_step(self, task: Task) -> None:  # noqa: B027
        """Called just before ``task`` runs a step."""

    def after_task_step(self, task: Task) -> None:  # noqa: B027
        """Called just after ``task`` ran a step."""

    def task_exited(self, task: Task) -> None:  # noqa: B027
        """Called when ``task`` has exited."""

    def before_io_wait(self, timeout: float) -> None:  # noqa: B027
        """Called before the loop waits up to ``timeout`` seconds for I/O."""

    def after_io_wait(self, timeout: float) -> None:  # noqa: B027
        """Called after the loop waited for I/O."""
