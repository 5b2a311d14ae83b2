"""Per-run state of ``to_thread.run_sync``: the default thread limiter, and the
count of worker threads still running (for :mod:`trio_core.testing`)."""

from __future__ import annotations

from typing import final

from ._local import RunVar
from ._parking_lot import ParkingLot
from ._sync import CapacityLimiter
from ._traps import checkpoint

__all__ = ["current_default_thread_limiter"]

DEFAULT_LIMIT = 40
_limiter_var: RunVar[CapacityLimiter] = RunVar("to_thread default limiter")


def current_default_thread_limiter() -> CapacityLimiter:
    """The :class:`CapacityLimiter` that ``to_thread.run_sync`` uses by default.

    One per run, with 40 tokens; change its ``total`` to allow more (or fewer)
    threads at once.  Not a checkpoint.

    Raises:
        RuntimeError: outside of a run.
    """
    try:
        return _limiter_var.get()
    except LookupError:
        limiter = CapacityLimiter(DEFAULT_LIMIT)
        _limiter_var.set(limiter)
        return limiter


@final
class _ThreadTracker:
    """How many ``to_thread.run_sync`` threads of this run have not finished.

    Touched only in the run's thread: a thread is counted from when it is
    started until its result is back in the run (abandoned ones included).
    """

    __slots__ = ("count", "_waiters")

    def __init__(self) -> None:
        self.count = 0
        self._waiters = ParkingLot()

    def started(self) -> None:
        self.count += 1

    def finished(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._waiters.unpark_all()

    async def wait_until_none(self) -> None:
        while self.count:
            await self._waiters.park()


_tracker_var: RunVar[_ThreadTracker] = RunVar("to_thread active threads")


def _thread_tracker() -> _ThreadTracker:
    try:
        return _tracker_var.get()
    except LookupError:
        tracker = _ThreadTracker()
        _tracker_var.set(tracker)
        return tracker


def active_thread_count() -> int:
    """How many worker threads of ``to_thread.run_sync`` in this run have not finished.

    Threads that ``abandon_on_cancel=True`` abandoned count until they
    finish.  Not a checkpoint.

    Returns:
        The number of threads.

    Raises:
        RuntimeError: outside of a run.
    """
    return _thread_tracker().count


async def wait_all_threads_completed() -> None:
    """Wait until every worker thread of ``to_thread.run_sync`` in this run has
    finished (and its result is back in the run), abandoned threads included.

    For tests: after it returns, no thread started by the code under test is
    still making progress.  A checkpoint, even when there is nothing to wait for.

    Raises:
        RuntimeError: outside of a run.
        Cancelled: if cancelled while waiting.
    """
    await checkpoint()
    await _thread_tracker().wait_until_none()
