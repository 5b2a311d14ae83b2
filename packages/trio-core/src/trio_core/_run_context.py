"""Typed access to the run and the task in progress in this thread.

The thread-local :data:`~trio_core._traps.GLOBAL_RUN_CONTEXT` itself lives in
``_traps``, below the run loop, so that the modules under it (the traps, the
I/O managers, Control-C protection) can read it without importing the run
loop; they only store and hand back what it holds.  The run loop's own
modules reach it through :func:`_runner` and :func:`_task`, which say what
went wrong when no run is active.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._traps import GLOBAL_RUN_CONTEXT

if TYPE_CHECKING:
    from ._run import Runner
    from ._tasks import Task

__all__ = ["_runner", "_task"]


def _runner() -> Runner:
    try:
        runner: Runner = GLOBAL_RUN_CONTEXT.runner
    except AttributeError:
        raise RuntimeError(
            "must be called from async context, inside trio_core.run() (no run is active "
            "in this thread)"
        ) from None
    return runner


def _task() -> Task:
    try:
        task: Task = GLOBAL_RUN_CONTEXT.task
    except AttributeError:
        raise RuntimeError(
            "must be called from async context, inside trio_core.run() (no run is active "
            "in this thread)"
        ) from None
    return task
