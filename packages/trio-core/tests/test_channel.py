"""Memory channels: buffering, rendezvous, closing, cloning, iteration, and
cancellation at every point of a send or a receive (no value lost or delivered twice)."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.testing import (
    MockClock,
    assert_checkpoints,
    assert_no_checkpoints,
    wait_all_tasks_blocked,
)


@pytest.fixture(autouse=True)
async def _bounded() -> AsyncIterator[None]:
    """A bug that leaves a task waiting forever fails the test instead of hanging it."""
    with trio_core.fail_after(30):
        yield


# ---------------------------------------------------------------- opening


@pytest.mark.parametrize("size", [0, 1, 7, 10**9, math.inf, float("inf")])
async def test_valid_buffer_sizes(size: int | float) -> None:
    send, receive = trio_core.open_memory_channel[int](size)
    assert isinstance(send, trio_core.MemorySendChannel)
    assert isinstance(receive, trio_core.MemoryReceiveChannel)
    assert send.statistics().max_buffer_size == size
    send.close()
    receive.close()


@pytest.mark.parametrize(
    ("size", "error", "message"),
    [
        (-1, ValueError, ">= 0"),
        (-math.inf, TypeError, "int or math.inf"),
        (1.5, TypeError, "int or math.inf"),
        (2.0, TypeError, "int or math.inf"),
        ("3", TypeError, "int or math.inf"),
        (None, TypeError, "int or math.inf"),
        (True, TypeError, "int or math.inf"),
        (math.nan, TypeError, "int or math.inf"),
    ],
)
async def test_bad_buffer_sizes_get_clear_errors(
    size: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match="max_buffer_size") as info:
        trio_core.open_memory_channel(size)
    assert message in str(info.value)


async def test_unsubscripted_form_works_too() -> None:
    pair = trio_core.open_memory_channel[Any](0)
    assert type(pair) is tuple and len(pair) == 2
    send, receive = trio_core.open_memory_channel(0)
    send.close()
    receive.close()
    for end in (*pair,):
        end.close()


# ---------------------------------------------------------------- buffering


async def test_buffer_is_fifo_and_statistics_add_up() -> None:
    send, receive = trio_core.open_memory_channel[int](3)
    stats = send.statistics()
    assert stats == receive.statistics()
    assert (stats.current_buffer_used, stats.max_buffer_size) == (0, 3)
    assert (stats.open_send_channels, stats.open_receive_channels) == (1, 1)
    assert (stats.tasks_waiting_send, stats.tasks_waiting_receive) == (0, 0)
    with assert_no_checkpoints():
        for i in range(3):
            send.send_nowait(i)
    with pytest.raises(trio_core.WouldBlock):
        send.send_nowait(3)
    assert receive.statistics().current_buffer_used == 3
    with assert_no_checkpoints():
        assert [receive.receive_nowait() for _ in range(3)] == [0, 1, 2]
    with pytest.raises(trio_core.WouldBlock):
        receive.receive_nowait()
    send.close()
    receive.close()


async def test_send_and_receive_are_checkpoints_even_when_they_do_not_block() -> None:
    send, receive = trio_core.open_memory_channel[int](1)
    with assert_checkpoints():
        await send.send(1)
    with assert_checkpoints():
        assert await receive.receive() == 1
    with assert_checkpoints():
        await send.aclose()
    with assert_checkpoints():
        await receive.aclose()


async def test_full_buffer_then_blocked_senders_keep_global_order() -> None:
    send, receive = trio_core.open_memory_channel[int](2)
    send.send_nowait(0)
    send.send_nowait(1)
    async with trio_core.open_nursery() as nursery:
        for i in (2, 3, 4):
            nursery.start_soon(send.send, i)
            await wait_all_tasks_blocked()
        assert send.statistics().tasks_waiting_send == 3
        got = [await receive.receive() for _ in range(5)]
    assert got == [0, 1, 2, 3, 4]
    assert send.statistics().current_buffer_used == 0
    send.close()
    receive.close()


async def test_unbuffered_channel_is_a_rendezvous() -> None:
    send, receive = trio_core.open_memory_channel[str](0)
    with pytest.raises(trio_core.WouldBlock):
        send.send_nowait("nobody is listening")
    log: list[str] = []

    async def sender() -> None:
        await send.send("hello")
        log.append("send returned")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sender)
        await wait_all_tasks_blocked()
        assert log == []
        assert send.statistics().tasks_waiting_send == 1
        assert receive.receive_nowait() == "hello"
    assert log == ["send returned"]

    got: list[str] = []

    async def receiver() -> None:
        got.append(await receive.receive())

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(receiver)
        await wait_all_tasks_blocked()
        assert receive.statistics().tasks_waiting_receive == 1
        send.send_nowait("straight to the receiver")
        assert send.statistics().current_buffer_used == 0
    assert got == ["straight to the receiver"]
    send.close()
    receive.close()


async def test_receivers_are_served_in_fifo_order() -> None:
    send, receive = trio_core.open_memory_channel[int](0)
    got: list[tuple[int, int]] = []

    async def receiver(i: int) -> None:
        got.append((i, await receive.receive()))

    async with trio_core.open_nursery() as nursery:
        for i in range(4):
            nursery.start_soon(receiver, i)
            await wait_all_tasks_blocked()
        for value in range(4):
            await send.send(value * 10)
    assert got == [(0, 0), (1, 10), (2, 20), (3, 30)]
    send.close()
    receive.close()


async def test_infinite_buffer() -> None:
    send, receive = trio_core.open_memory_channel[int](math.inf)
    for i in range(5000):
        send.send_nowait(i)
    await send.send(5000)
    assert receive.statistics().current_buffer_used == 5001
    send.close()
    got = [value async for value in receive]
    assert got == list(range(5001))
    receive.close()


# ---------------------------------------------------------------- closing and cloning


async def test_closing_the_last_sender_ends_the_channel_after_the_buffer() -> None:
    send, receive = trio_core.open_memory_channel[int](5)
    send2 = send.clone()
    assert send.statistics().open_send_channels == 2
    await send.send(1)
    await send2.send(2)
    send.close()
    send.close()  # idempotent
    assert receive.statistics().open_send_channels == 1
    with pytest.raises(trio_core.ClosedResourceError):
        await send.send(3)
    with pytest.raises(trio_core.ClosedResourceError):
        send.send_nowait(3)
    with pytest.raises(trio_core.ClosedResourceError):
        send.clone()
    send2.send_nowait(3)
    await send2.aclose()
    assert [await receive.receive() for _ in range(3)] == [1, 2, 3]
    with pytest.raises(trio_core.EndOfChannel):
        await receive.receive()
    with pytest.raises(trio_core.EndOfChannel):
        receive.receive_nowait()
    receive.close()


async def test_closing_the_last_sender_wakes_blocked_receivers() -> None:
    send, receive = trio_core.open_memory_channel[int](0)
    receive2 = receive.clone()
    ends: list[str] = []

    async def receiver(channel: trio_core.MemoryReceiveChannel[int], name: str) -> None:
        with pytest.raises(trio_core.EndOfChannel):
            await channel.receive()
        ends.append(name)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(receiver, receive, "a")
        nursery.start_soon(receiver, receive2, "b")
        await wait_all_tasks_blocked()
        clone = send.clone()
        send.close()
        await wait_all_tasks_blocked()
        assert ends == []  # a clone is still open
        clone.close()
    assert sorted(ends) == ["a", "b"]
    receive.close()
    receive2.close()


async def test_closing_an_end_wakes_the_tasks_blocked_on_that_end_only() -> None:
    send, receive = trio_core.open_memory_channel[int](0)
    other_send = send.clone()
    outcome: dict[str, str] = {}

    async def sender(channel: trio_core.MemorySendChannel[int], name: str, value: int) -> None:
        try:
            await channel.send(value)
        except trio_core.ClosedResourceError:
            outcome[name] = "closed"
        else:
            outcome[name] = "sent"

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sender, send, "on the closed end", 1)
        nursery.start_soon(sender, other_send, "on the open end", 2)
        await wait_all_tasks_blocked()
        send.close()
        await wait_all_tasks_blocked()
        assert outcome == {"on the closed end": "closed"}
        assert receive.statistics().tasks_waiting_send == 1
        # The value of the woken sender was not sent: only 2 arrives.
        assert await receive.receive() == 2
    assert outcome["on the open end"] == "sent"

    other_receive = receive.clone()
    errors: list[type[BaseException]] = []

    async def receiver(channel: trio_core.MemoryReceiveChannel[int]) -> None:
        try:
            await channel.receive()
        except trio_core.ClosedResourceError as exc:
            errors.append(type(exc))

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(receiver, receive)
        nursery.start_soon(receiver, other_receive)
        await wait_all_tasks_blocked()
        receive.close()
        await wait_all_tasks_blocked()
        assert errors == [trio_core.ClosedResourceError]
        assert receive.statistics().tasks_waiting_receive == 1
        other_send.send_nowait(5)
    with pytest.raises(trio_core.ClosedResourceError):
        await receive.receive()
    with pytest.raises(trio_core.ClosedResourceError):
        receive.receive_nowait()
    with pytest.raises(trio_core.ClosedResourceError):
        receive.clone()
    other_send.close()
    other_receive.close()


async def test_closing_every_receiver_breaks_senders_and_drops_the_buffer() -> None:
    send, receive = trio_core.open_memory_channel[int](1)
    send.send_nowait(1)
    broken: list[int] = []

    async def sender(value: int) -> None:
        try:
            await send.send(value)
        except trio_core.BrokenResourceError:
            broken.append(value)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sender, 2)
        await wait_all_tasks_blocked()
        receive.close()
    assert broken == [2]
    stats = send.statistics()
    assert (stats.current_buffer_used, stats.open_receive_channels) == (0, 0)
    with pytest.raises(trio_core.BrokenResourceError):
        send.send_nowait(3)
    with pytest.raises(trio_core.BrokenResourceError):
        await send.send(3)
    send.close()


async def test_context_managers_close() -> None:
    send, receive = trio_core.open_memory_channel[int](1)
    with send as s:
        assert s is send
        s.send_nowait(1)
    async with receive as r:
        assert r is receive
        assert r.receive_nowait() == 1
        with pytest.raises(trio_core.EndOfChannel):
            r.receive_nowait()
    assert "closed" in repr(send) and "closed" in repr(receive)
    send2, receive2 = trio_core.open_memory_channel[int](1)
    assert "closed" not in repr(send2)
    async with send2:
        pass
    with receive2:
        pass
    assert receive2.statistics().open_receive_channels == 0


async def test_async_iteration() -> None:
    send, receive = trio_core.open_memory_channel[int](0)

    async def produce() -> None:
        async with send:
            for i in range(5):
                await send.send(i)

    got: list[int] = []
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(produce)
        async for value in receive:
            got.append(value)
    assert got == [0, 1, 2, 3, 4]
    # Closing the receiving end under the loop is an error, not a quiet end.
    receive.close()
    with pytest.raises(trio_core.ClosedResourceError):
        async for _ in receive:
            pass  # pragma: no cover


# ---------------------------------------------------------------- cancellation at every point


async def test_cancelled_before_sending_sends_nothing() -> None:
    send, receive = trio_core.open_memory_channel[int](1)
    with trio_core.CancelScope() as scope:
        scope.cancel()
        with pytest.raises(trio_core.Cancelled):
            await send.send(1)  # room in the buffer, but cancelled first
    assert send.statistics().current_buffer_used == 0

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(receive.receive)
        await wait_all_tasks_blocked()
        with trio_core.CancelScope() as scope:
            scope.cancel()
            with pytest.raises(trio_core.Cancelled):
                await send.send(2)  # a receiver waits, but cancelled first
        assert receive.statistics().tasks_waiting_receive == 1
        nursery.cancel_scope.cancel()
    send.close()
    receive.close()


async def test_cancelled_before_receiving_takes_nothing() -> None:
    send, receive = trio_core.open_memory_channel[int](1)
    send.send_nowait(1)
    with trio_core.CancelScope() as scope:
        scope.cancel()
        with pytest.raises(trio_core.Cancelled):
            await receive.receive()
    assert receive.receive_nowait() == 1
    send.close()
    receive.close()


@pytest.mark.parametrize("buffer", [0, 1])
async def test_cancelled_blocked_senders_send_nothing(buffer: int) -> None:
    send, receive = trio_core.open_memory_channel[str](buffer)
    for i in range(buffer):
        send.send_nowait(f"filler {i}")
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(send.send, "cancelled 1")
        nursery.start_soon(send.send, "cancelled 2")
        await wait_all_tasks_blocked()
        assert send.statistics().tasks_waiting_send == 2
        nursery.cancel_scope.cancel()
    assert send.statistics().tasks_waiting_send == 0
    for i in range(buffer):
        assert receive.receive_nowait() == f"filler {i}"
    with pytest.raises(trio_core.WouldBlock):
        receive.receive_nowait()
    send.close()
    receive.close()


async def test_cancelling_one_of_several_blocked_senders() -> None:
    send, receive = trio_core.open_memory_channel[int](0)
    scopes: dict[int, trio_core.CancelScope] = {}
    results: dict[int, str] = {}

    async def sender(value: int) -> None:
        with trio_core.CancelScope() as scope:
            scopes[value] = scope
            await send.send(value)
            results[value] = "sent"
        if scope.cancelled_caught:
            results[value] = "cancelled"

    async with trio_core.open_nursery() as nursery:
        for value in range(4):
            nursery.start_soon(sender, value)
            await wait_all_tasks_blocked()
        scopes[1].cancel()
        scopes[2].cancel()
        await wait_all_tasks_blocked()
        assert [await receive.receive(), await receive.receive()] == [0, 3]
    assert results == {0: "sent", 1: "cancelled", 2: "cancelled", 3: "sent"}
    send.close()
    receive.close()


async def test_cancelling_one_of_several_blocked_receivers() -> None:
    send, receive = trio_core.open_memory_channel[int](0)
    scopes: dict[int, trio_core.CancelScope] = {}
    got: dict[int, int] = {}

    async def receiver(i: int) -> None:
        with trio_core.CancelScope() as scope:
            scopes[i] = scope
            got[i] = await receive.receive()

    async with trio_core.open_nursery() as nursery:
        for i in range(3):
            nursery.start_soon(receiver, i)
            await wait_all_tasks_blocked()
        scopes[0].cancel()
        await wait_all_tasks_blocked()
        assert receive.statistics().tasks_waiting_receive == 2
        # The value goes to the next receiver in line, not to the cancelled one.
        send.send_nowait(10)
        send.send_nowait(20)
    assert got == {1: 10, 2: 20}
    send.close()
    receive.close()


async def test_sender_cancelled_after_its_value_was_taken_still_returns() -> None:
    # The receiver took the value; the sender has been woken but not run yet
    # when it is cancelled.  Its send must report success (no retry, so no
    # duplicate), and the cancellation comes at its next checkpoint.
    send, receive = trio_core.open_memory_channel[int](0)
    log: list[str] = []
    scope_box: list[trio_core.CancelScope] = []

    async def sender() -> None:
        with trio_core.CancelScope() as scope:
            scope_box.append(scope)
            await send.send(1)
            log.append("send returned")
            await lowlevel.checkpoint()
            log.append("not reached")  # pragma: no cover
        log.append(f"cancelled_caught={scope.cancelled_caught}")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sender)
        await wait_all_tasks_blocked()
        assert receive.receive_nowait() == 1
        scope_box[0].cancel()
    assert log == ["send returned", "cancelled_caught=True"]
    send.close()
    receive.close()


async def test_receiver_cancelled_after_a_value_was_handed_to_it_still_gets_it() -> None:
    send, receive = trio_core.open_memory_channel[int](0)
    log: list[object] = []
    scope_box: list[trio_core.CancelScope] = []

    async def receiver() -> None:
        with trio_core.CancelScope() as scope:
            scope_box.append(scope)
            log.append(await receive.receive())
            await lowlevel.checkpoint()
        log.append(f"cancelled_caught={scope.cancelled_caught}")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(receiver)
        await wait_all_tasks_blocked()
        send.send_nowait(42)
        scope_box[0].cancel()
    assert log == [42, "cancelled_caught=True"]
    send.close()
    receive.close()


async def test_sender_moved_into_the_buffer_then_cancelled_is_not_resent() -> None:
    # Buffer of 1, full; a blocked sender's value moves into the buffer when a
    # receiver makes room.  Cancelling the sender afterwards must not undo it.
    send, receive = trio_core.open_memory_channel[int](1)
    send.send_nowait(1)
    scope_box: list[trio_core.CancelScope] = []
    results: list[str] = []

    async def sender() -> None:
        with trio_core.CancelScope() as scope:
            scope_box.append(scope)
            await send.send(2)
            results.append("sent")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sender)
        await wait_all_tasks_blocked()
        assert receive.receive_nowait() == 1
        assert receive.statistics().current_buffer_used == 1
        scope_box[0].cancel()
    assert results == ["sent"]
    assert receive.receive_nowait() == 2
    send.close()
    receive.close()


async def _stress(seed: int, buffer: int | float, senders: int, receivers: int) -> dict[str, int]:
    """Senders and receivers on clones of one channel, while a chaos task cancels
    them at random moments: blocked in the queue, just woken by a hand-off but
    not yet running, or before they even start (a pre-cancelled scope)."""
    rng = random.Random(seed)
    send, receive = trio_core.open_memory_channel[tuple[int, int]](buffer)
    sent: list[tuple[int, int]] = []
    not_sent: list[tuple[int, int]] = []
    received: list[tuple[int, int]] = []
    per_sender = 40
    # The scope each sender / receiver is in right now.
    scopes: dict[str, trio_core.CancelScope] = {}
    blocked_cancels = {"send": 0, "receive": 0}
    finished_senders = 0

    async def sender(me: int, channel: trio_core.MemorySendChannel[tuple[int, int]]) -> None:
        nonlocal finished_senders
        async with channel:
            for i in range(per_sender):
                value = (me, i)
                with trio_core.CancelScope() as scope:
                    scopes[f"send {me}"] = scope
                    if rng.random() < 0.05:
                        scope.cancel()
                    if rng.random() < 0.1:
                        try:
                            channel.send_nowait(value)
                        except trio_core.WouldBlock:
                            not_sent.append(value)
                            continue
                    else:
                        await channel.send(value)
                    sent.append(value)
                del scopes[f"send {me}"]
                if scope.cancelled_caught:
                    not_sent.append(value)
                await trio_core.sleep(rng.choice([0, 0, 0.001]))
        finished_senders += 1

    async def receiver(me: int, channel: trio_core.MemoryReceiveChannel[tuple[int, int]]) -> None:
        async with channel:
            while True:
                with trio_core.CancelScope() as scope:
                    scopes[f"receive {me}"] = scope
                    if rng.random() < 0.05:
                        scope.cancel()
                    try:
                        if rng.random() < 0.1:
                            try:
                                received.append(channel.receive_nowait())
                            except trio_core.WouldBlock:
                                pass
                        else:
                            received.append(await channel.receive())
                    except trio_core.EndOfChannel:
                        return
                del scopes[f"receive {me}"]
                await trio_core.sleep(rng.choice([0, 0, 0.001]))

    async def chaos() -> None:
        while finished_senders < senders:
            await trio_core.sleep(rng.choice([0, 0, 0.0005]))
            if scopes and rng.random() < 0.3:
                name = rng.choice(sorted(scopes))
                stats = send.statistics()
                waiting = (
                    stats.tasks_waiting_send
                    if name.startswith("send")
                    else (stats.tasks_waiting_receive)
                )
                if waiting:
                    blocked_cancels[name.split()[0]] += 1
                scopes[name].cancel()

    async with trio_core.open_nursery() as nursery:
        for me in range(senders):
            nursery.start_soon(sender, me, send.clone())
        for me in range(receivers):
            nursery.start_soon(receiver, me, receive.clone())
        nursery.start_soon(chaos)
        send.close()
        receive.close()
    counts = Counter(received)
    duplicated = [value for value, n in counts.items() if n > 1]
    assert duplicated == [], f"delivered twice: {duplicated}"
    lost = sorted(set(sent) - set(received))
    invented = sorted(set(received) - set(sent))
    assert (lost, invented) == ([], []), "lost / delivered but never sent"
    assert not set(not_sent) & set(received)
    assert len(sent) + len(not_sent) == senders * per_sender
    if receivers == 1:
        # One receiver sees each sender's values in the order they were sent.
        for me in range(senders):
            mine = [i for (who, i) in received if who == me]
            assert mine == sorted(mine)
    return {**blocked_cancels, "sent": len(sent), "not sent": len(not_sent)}


@pytest.mark.parametrize("buffer", [0, 1, 3, math.inf])
@pytest.mark.parametrize(("senders", "receivers"), [(1, 1), (3, 1), (1, 3), (3, 3)])
async def test_random_cancellation_never_loses_or_duplicates(
    buffer: int | float, senders: int, receivers: int, autojump_clock: MockClock
) -> None:
    blocked_cancels = Counter[str]()
    for seed in range(8):
        blocked_cancels.update(await _stress(seed, buffer, senders, receivers))
    # Enough of each kind of outcome that the test means something, and the
    # chaos task did cancel tasks blocked in the queue.
    assert blocked_cancels["sent"] > 0 and blocked_cancels["not sent"] > 0
    if not (buffer == math.inf and senders > receivers):  # (then nobody ever waits)
        assert blocked_cancels["send"] + blocked_cancels["receive"] > 0
    if buffer == 0:
        assert blocked_cancels["send"] > 0 and blocked_cancels["receive"] > 0
