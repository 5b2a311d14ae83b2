"""Memory channels: buffering, closing, cloning, and no value lost or duplicated."""

from __future__ import annotations

import math
import random

import pytest

import trio_core
from trio_core.testing import wait_all_tasks_blocked


async def test_buffered_fifo_and_statistics() -> None:
    send, receive = trio_core.open_memory_channel[int](3)
    for i in range(3):
        send.send_nowait(i)
    with pytest.raises(trio_core.WouldBlock):
        send.send_nowait(99)
    stats = send.statistics()
    assert stats.current_buffer_used == 3 and stats.max_buffer_size == 3
    assert [receive.receive_nowait() for _ in range(3)] == [0, 1, 2]
    with pytest.raises(trio_core.WouldBlock):
        receive.receive_nowait()


async def test_unbuffered_rendezvous_and_iteration() -> None:
    send, receive = trio_core.open_memory_channel[str](0)
    got: list[str] = []

    async def consumer() -> None:
        async with receive:
            async for value in receive:
                got.append(value)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(consumer)
        async with send:
            for word in ["a", "b", "c"]:
                await send.send(word)
    assert got == ["a", "b", "c"]


async def test_infinite_buffer_never_blocks() -> None:
    send, receive = trio_core.open_memory_channel[int](math.inf)
    for i in range(10_000):
        send.send_nowait(i)
    assert receive.statistics().current_buffer_used == 10_000
    send.close()
    receive.close()


@pytest.mark.parametrize("bad", [-1, 1.5, "3", None])
def test_bad_buffer_sizes(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        trio_core.open_memory_channel(bad)  # type: ignore[arg-type]


async def test_close_wakes_blocked_tasks() -> None:
    send, receive = trio_core.open_memory_channel[int](0)
    errors: list[type[BaseException]] = []

    async def blocked_send() -> None:
        try:
            await send.send(1)
        except trio_core.ClosedResourceError:
            errors.append(trio_core.ClosedResourceError)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(blocked_send)
        await wait_all_tasks_blocked()
        send.close()
    assert errors == [trio_core.ClosedResourceError]
    with pytest.raises(trio_core.EndOfChannel):
        await receive.receive()
    with pytest.raises(trio_core.ClosedResourceError):
        send.send_nowait(2)
    receive.close()


async def test_receivers_closed_breaks_senders_and_clones_keep_it_open() -> None:
    send, receive = trio_core.open_memory_channel[int](0)
    receive2 = receive.clone()
    receive.close()

    async def blocked_send() -> None:
        with pytest.raises(trio_core.BrokenResourceError):
            await send.send(1)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(blocked_send)
        await wait_all_tasks_blocked()
        receive2.close()
    with pytest.raises(trio_core.BrokenResourceError):
        send.send_nowait(1)
    send.close()
    with pytest.raises(trio_core.ClosedResourceError):
        send.clone()


async def test_end_of_channel_only_when_every_sender_closed() -> None:
    send, receive = trio_core.open_memory_channel[int](1)
    send2 = send.clone()
    send.close()
    await send2.send(5)
    send2.close()
    assert await receive.receive() == 5
    with pytest.raises(trio_core.EndOfChannel):
        receive.receive_nowait()
    receive.close()


@pytest.mark.parametrize("buffer", [0, 1, 5])
async def test_random_cancellations_lose_or_duplicate_nothing(buffer: int) -> None:
    rng = random.Random(buffer)
    send, receive = trio_core.open_memory_channel[int](buffer)
    sent: list[int] = []
    received: list[int] = []
    total = 300

    async def sender() -> None:
        i = 0
        while i < total:
            with trio_core.CancelScope() as scope:
                if rng.random() < 0.3:
                    scope.cancel()
                await send.send(i)
                sent.append(i)
                i += 1
        send.close()

    async def receiver() -> None:
        while True:
            with trio_core.CancelScope() as scope:
                if rng.random() < 0.3:
                    scope.cancel()
                try:
                    received.append(await receive.receive())
                except trio_core.EndOfChannel:
                    return

    async def canceller(scope_owner: trio_core.Nursery) -> None:
        for _ in range(50):
            await trio_core.lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sender)
        nursery.start_soon(receiver)
        nursery.start_soon(canceller, nursery)
    assert received == sent == list(range(total))
    receive.close()


async def test_cancel_blocked_receive_then_send_delivers_to_next_receiver() -> None:
    send, receive = trio_core.open_memory_channel[int](0)
    got: list[int] = []
    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as scope:
            nursery.start_soon(receive.receive)  # parks, then gets cancelled below
            await wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    assert send.statistics().tasks_waiting_receive == 0

    async def get() -> None:
        got.append(await receive.receive())

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(get)
        await wait_all_tasks_blocked()
        await send.send(7)
    assert got == [7]
    assert not scope.cancelled_caught
    send.close()
    receive.close()
