from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import trio


@pytest.fixture
async def channel() -> AsyncIterator[
    tuple[trio.MemorySendChannel[int], trio.MemoryReceiveChannel[int]]
]:
    send, receive = trio.open_memory_channel[int](10)
    async with send, receive:
        yield send, receive


@pytest.fixture
async def counter_service(nursery: trio.Nursery) -> AsyncIterator[list[int]]:
    """A background task, started in pytest-trio's per-test nursery, that counts ticks."""
    ticks: list[int] = []

    async def tick() -> None:
        for i in range(1_000_000):
            ticks.append(i)
            await trio.sleep(1)

    nursery.start_soon(tick)
    yield ticks


@pytest.fixture
async def shared_event() -> trio.Event:
    return trio.Event()


@pytest.fixture
async def setter(shared_event: trio.Event) -> trio.Event:
    # Two async fixtures that depend on each other see the same object.
    shared_event.set()
    return shared_event
