"""Sequencer: force tasks to run their steps in a given global order (for tests)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import final

from .._exceptions import Cancelled
from .._sync import Event

__all__ = ["Sequencer"]


@final
class Sequencer:
    """Make tasks take turns in a fixed order, whatever the scheduler does.

    ``async with seq(n):`` waits until the block for ``n - 1`` has finished
    (position 0 goes first).  Each position may be used once.  If a waiting
    task is cancelled, the sequence is broken: every other waiter gets
    RuntimeError instead of hanging.
    """

    def __init__(self) -> None:
        self._events: defaultdict[int, Event] = defaultdict(Event)
        self._claimed: set[int] = set()
        self._broken = False

    @asynccontextmanager
    async def __call__(self, position: int) -> AsyncIterator[None]:
        if position in self._claimed:
            raise RuntimeError(f"sequence position {position} was already used")
        if self._broken:
            raise RuntimeError("the sequence is broken (a waiting task was cancelled)")
        self._claimed.add(position)
        if position != 0:
            try:
                await self._events[position].wait()
            except Cancelled:
                self._broken = True
                for event in self._events.values():
                    event.set()
                raise RuntimeError(
                    f"the task waiting for sequence position {position} was cancelled; "
                    "the sequence is broken"
                ) from None
            if self._broken:
                raise RuntimeError("the sequence is broken (a waiting task was cancelled)")
        try:
            yield
        finally:
            self._events[position + 1].set()
