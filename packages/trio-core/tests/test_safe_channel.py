"""trio_core.abc.SendChannel / ReceiveChannel / Channel, and as_safe_channel."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

import pytest

import trio_core
from trio_core import abc as core_abc
from trio_core.testing import wait_all_tasks_blocked


@pytest.fixture(autouse=True)
async def _bounded() -> AsyncIterator[None]:
    with trio_core.fail_after(30):
        yield


# ---------------------------------------------------------------- the ABCs


async def test_memory_channel_ends_are_the_abcs() -> None:
    send, receive = trio_core.open_memory_channel[int](1)
    assert isinstance(send, core_abc.SendChannel)
    assert isinstance(receive, core_abc.ReceiveChannel)
    assert not isinstance(send, core_abc.ReceiveChannel)
    async with send, receive:
        await send.send(1)
        assert await receive.receive() == 1


async def test_a_subclass_writes_the_abstract_methods_and_gets_the_rest() -> None:
    with pytest.raises(TypeError):
        core_abc.ReceiveChannel()  # type: ignore[abstract]

    class Countdown(core_abc.ReceiveChannel[int]):
        def __init__(self) -> None:
            self.left = 3
            self.closed = False

        async def receive(self) -> int:
            await trio_core.lowlevel.checkpoint()
            if self.left == 0:
                raise trio_core.EndOfChannel
            self.left -= 1
            return self.left

        async def aclose(self) -> None:
            self.closed = True

    async with Countdown() as countdown:
        assert [value async for value in countdown] == [2, 1, 0]
    assert countdown.closed

    class Loopback(core_abc.Channel[str]):
        def __init__(self) -> None:
            self.items: list[str] = []

        async def send(self, value: str) -> None:
            self.items.append(value)

        async def receive(self) -> str:
            return self.items.pop(0)

        async def aclose(self) -> None:
            pass

    loop = Loopback()
    assert isinstance(loop, core_abc.SendChannel) and isinstance(loop, core_abc.ReceiveChannel)
    await loop.send("x")
    assert await loop.receive() == "x"


# ---------------------------------------------------------------- as_safe_channel


async def test_values_are_produced_only_when_received() -> None:
    produced: list[int] = []

    @trio_core.as_safe_channel
    async def numbers(limit: int) -> AsyncGenerator[int, None]:
        for i in range(limit):
            produced.append(i)
            yield i

    async with numbers(3) as channel:
        assert isinstance(channel, core_abc.ReceiveChannel)
        await wait_all_tasks_blocked()
        assert produced == []  # nothing asked for yet
        assert await channel.receive() == 0
        await wait_all_tasks_blocked()
        assert produced == [0]  # it does not run ahead of the reader
        assert [value async for value in channel] == [1, 2]
        with pytest.raises(trio_core.EndOfChannel):
            await channel.receive()


async def test_the_generator_may_yield_inside_a_nursery_and_a_cancel_scope() -> None:
    @trio_core.as_safe_channel
    async def ticks() -> AsyncGenerator[str, None]:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(trio_core.sleep_forever)
            with trio_core.move_on_after(1000):
                yield "inside"
                yield "still inside"
            nursery.cancel_scope.cancel()

    async with ticks() as channel:
        assert [value async for value in channel] == ["inside", "still inside"]


async def test_leaving_the_block_early_cancels_and_closes_the_generator() -> None:
    events: list[str] = []

    @trio_core.as_safe_channel
    async def endless() -> AsyncGenerator[int, None]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            events.append("generator closed")

    async with endless() as channel:
        assert await channel.receive() == 0
        assert await channel.receive() == 1
    assert events == ["generator closed"]


async def test_an_exception_from_the_generator_comes_out_bare() -> None:
    @trio_core.as_safe_channel
    async def failing() -> AsyncGenerator[int, None]:
        yield 1
        raise ValueError("generator failed")

    received: list[int] = []
    with pytest.raises(ValueError, match="generator failed"):
        async with failing() as channel:
            async for value in channel:
                received.append(value)
    assert received == [1]


async def test_an_exception_from_the_block_propagates_unchanged() -> None:
    events: list[str] = []

    @trio_core.as_safe_channel
    async def gen() -> AsyncGenerator[int, None]:
        try:
            yield 1
            yield 2
        finally:
            events.append("closed")

    error = KeyError("from the block")
    with pytest.raises(KeyError) as info:
        async with gen() as channel:
            await channel.receive()
            raise error
    assert info.value is error
    assert events == ["closed"]


async def test_a_reader_that_closes_the_channel_stops_the_generator() -> None:
    events: list[str] = []

    @trio_core.as_safe_channel
    async def gen() -> AsyncGenerator[int, None]:
        try:
            for i in range(100):
                yield i
        finally:
            events.append("closed")

    async with gen() as channel:
        assert await channel.receive() == 0
        await channel.aclose()
        with pytest.raises(trio_core.ClosedResourceError):
            await channel.receive()
    assert events == ["closed"]


async def test_clones_share_the_generator() -> None:
    @trio_core.as_safe_channel
    async def gen() -> AsyncGenerator[int, None]:
        for i in range(4):
            yield i

    async with gen() as channel:
        other = channel.clone()  # type: ignore[attr-defined]
        got = [await channel.receive(), await other.receive()]
        other.close()
        got += [value async for value in channel]
    assert got == [0, 1, 2, 3]


async def test_an_outer_cancellation_is_caught_by_its_scope() -> None:
    @trio_core.as_safe_channel
    async def slow() -> AsyncGenerator[int, None]:
        await trio_core.sleep_forever()
        yield 1  # pragma: no cover

    with trio_core.move_on_after(0.01) as scope:
        async with slow() as channel:
            await channel.receive()
    assert scope.cancelled_caught


async def test_refuses_what_is_not_an_async_generator_function() -> None:
    async def not_a_generator() -> int:
        return 1

    wrapped = trio_core.as_safe_channel(not_a_generator)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="async generator function"):
        async with wrapped():
            pass  # pragma: no cover
    with pytest.raises(TypeError, match="async generator function"):
        trio_core.as_safe_channel(42)  # type: ignore[arg-type]


async def test_the_decorated_function_keeps_its_name_and_docs() -> None:
    @trio_core.as_safe_channel
    async def documented() -> AsyncGenerator[int, None]:
        """Yields things."""
        yield 1

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Yields things."
