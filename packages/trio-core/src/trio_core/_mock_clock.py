"""MockClock: a clock for tests, whose time moves only when told to (or when idle)."""

from __future__ import annotations

import math
import time
from typing import final

from ._api import current_statistics
from ._cancel import _check_time
from ._traps import GLOBAL_RUN_CONTEXT
from .abc import Clock

__all__ = ["MockClock"]


@final
class MockClock(Clock):
    """A clock for tests: virtual time that you control.

    Args:
        rate: how many virtual seconds pass per real second (default 0: time
            stands still unless you :meth:`jump` it).
        autojump_threshold: if the whole run has been idle (every task
            blocked) for this many *real* seconds, jump virtual time straight
            to the next deadline.  ``0`` makes sleeps and timeouts of any
            length complete instantly, in order; ``math.inf`` (the default)
            disables it.

    Raises:
        TypeError: if ``rate`` or ``autojump_threshold`` is not a number.
        ValueError: for a negative or NaN ``rate`` or ``autojump_threshold``.
    """

    def __init__(self, rate: float = 0.0, autojump_threshold: float = math.inf) -> None:
        self._real_base = 0.0
        self._virtual_base = 0.0
        self._rate = 0.0
        self._autojump_threshold = math.inf
        self.rate = rate
        self.autojump_threshold = autojump_threshold

    def __repr__(self) -> str:
        return f"<MockClock, time={self.current_time():.7f}, rate={self._rate} @ {id(self):#x}>"

    @property
    def rate(self) -> float:
        """Virtual seconds per real second.  Settable."""
        return self._rate

    @rate.setter
    def rate(self, new_rate: float) -> None:
        new_rate = _check_time(new_rate, "MockClock rate")
        if not new_rate >= 0:
            raise ValueError(f"MockClock rate must be a non-negative number, got {new_rate!r}")
        real = time.perf_counter()
        self._virtual_base = self._real_to_virtual(real)
        self._real_base = real
        self._rate = float(new_rate)

    @property
    def autojump_threshold(self) -> float:
        """Real seconds of idleness after which virtual time jumps.  Settable."""
        return self._autojump_threshold

    @autojump_threshold.setter
    def autojump_threshold(self, new_threshold: float) -> None:
        new_threshold = _check_time(new_threshold, "MockClock autojump_threshold")
        if not new_threshold >= 0:
            raise ValueError(
                f"autojump_threshold must be a non-negative number, got {new_threshold!r}"
            )
        self._autojump_threshold = float(new_threshold)
        runner = getattr(GLOBAL_RUN_CONTEXT, "runner", None)
        if runner is not None and runner.clock is self:
            runner.clock_autojump_threshold = self._autojump_threshold
            # Wake the loop so that it recomputes its timeout.
            runner.entry_queue.wakeup.wakeup()

    def _real_to_virtual(self, real: float) -> float:
        return self._virtual_base + self._rate * (real - self._real_base)

    def start_clock(self) -> None:
        """Called by the run: nothing to do (the virtual time keeps its value).

        Not a checkpoint.
        """

    def current_time(self) -> float:
        """The virtual time.  Not a checkpoint."""
        return self._real_to_virtual(time.perf_counter())

    def deadline_to_sleep_time(self, deadline: float) -> float:
        """Real seconds until the virtual ``deadline`` (a huge number if time stands still).

        Called by the run loop.  Not a checkpoint.
        """
        virtual_timeout = deadline - self.current_time()
        if virtual_timeout <= 0:
            return 0.0
        if self._rate > 0:
            return virtual_timeout / self._rate
        return 999999999.0

    def jump(self, seconds: float) -> None:
        """Move virtual time forward by ``seconds``.  Not a checkpoint.

        Deadlines that the jump passes expire at once: a cancel scope whose
        deadline was jumped over is cancelled before ``jump`` returns, so the
        next checkpoint in it raises :exc:`~trio_core.Cancelled`.

        Raises:
            TypeError: if ``seconds`` is not a number.
            ValueError: if ``seconds`` is negative or NaN (time cannot go back).
        """
        seconds = _check_time(seconds, "MockClock.jump() seconds")
        if not seconds >= 0:
            raise ValueError(f"MockClock can only jump forward, got {seconds!r}")
        self._virtual_base += seconds
        runner = getattr(GLOBAL_RUN_CONTEXT, "runner", None)
        if runner is not None and runner.clock is self and runner.deadlines._heap:
            runner.deadlines.expire(self.current_time())

    def _autojump(self) -> None:
        gap = current_statistics().seconds_to_next_deadline
        if 0 < gap < math.inf:
            self.jump(gap)
