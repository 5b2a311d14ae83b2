"""open_signal_receiver: modern Trio's signal API, with real signals.

The same harmless signals and the same safety net as test_catch_signals
(its autouse fixture, imported here, checks that every handler is restored
and the module's bookkeeping is empty after each test).
"""

from __future__ import annotations

import itertools
import signal
import threading
import types
from collections.abc import AsyncIterator
from typing import Any

import pytest
from test_catch_signals import (  # noqa: F401 (fixtures: found by name)
    HUP,
    USR1,
    USR2,
    Recorder,
    _handlers_restored,
    kill,
    next_batch,
)

import trio_core
from trio_core.testing import assert_checkpoints, wait_all_tasks_blocked
from trio_signals import _signals as impl
from trio_signals import catch_signals, open_signal_receiver


async def next_signal(signals: AsyncIterator[int]) -> int:
    """The next signal, failing the test (not hanging it) if none comes."""
    with trio_core.fail_after(10):
        signum = await signals.__anext__()
    return signum


def pending(signals: AsyncIterator[int]) -> list[int]:
    assert isinstance(signals, impl._Receiver)
    return list(signals._pending)


# ---------------------------------------------------------------- receiving


async def test_one_signal_at_a_time_oldest_first_duplicates_coalesced() -> None:
    with open_signal_receiver(USR1, USR2) as signals:
        kill(USR2)
        kill(USR1)
        kill(USR2)  # still pending: coalesced, keeps its place
        signal.raise_signal(USR1)
        assert pending(signals) == [USR2, USR1]
        got = await next_signal(signals)
        assert got == USR2 and isinstance(got, signal.Signals)
        assert await next_signal(signals) == USR1
        assert pending(signals) == []
        kill(USR1)
        assert await next_signal(signals) == USR1


async def test_two_signals_that_keep_arriving_take_turns() -> None:
    # Neither starves the other: one handed out goes behind the one still pending.
    with open_signal_receiver(USR1, USR2) as signals:
        seen: list[int] = []
        for _ in range(6):
            kill(USR1)
            kill(USR2)
            seen.append(await next_signal(signals))
        assert all(a != b for a, b in itertools.pairwise(seen)), seen
        while pending(signals):
            await next_signal(signals)


async def test_async_for_and_every_iteration_is_a_checkpoint() -> None:
    with open_signal_receiver(HUP) as signals:
        kill(HUP)
        with assert_checkpoints():
            assert await signals.__anext__() == HUP
        received: list[int] = []

        async def listen() -> None:
            async for signum in signals:
                received.append(signum)
                if len(received) == 3:
                    return

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(listen)
            for _ in range(3):
                await wait_all_tasks_blocked()  # parked in async for: nothing polls
                kill(HUP)
        assert received == [HUP, HUP, HUP]


async def test_cancelling_the_wait_loses_nothing() -> None:
    with open_signal_receiver(USR1) as signals:
        with trio_core.move_on_after(0.01) as scope:
            await signals.__anext__()
        assert scope.cancelled_caught
        kill(USR1)
        with trio_core.CancelScope() as cancelled:
            cancelled.cancel()
            with pytest.raises(trio_core.Cancelled):
                await signals.__anext__()
        assert await next_signal(signals) == USR1


async def test_only_one_task_waits_at_a_time() -> None:
    with open_signal_receiver(USR1) as signals:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(signals.__anext__)
            await wait_all_tasks_blocked()
            with pytest.raises(trio_core.BusyResourceError, match="one task at a time"):
                await signals.__anext__()
            kill(USR1)  # the first waiter gets it and finishes
        assert pending(signals) == []


# ---------------------------------------------------------------- exit


async def test_pending_signals_are_redelivered_in_arrival_order_on_exit() -> None:
    order: list[int] = []

    def note(signum: int, frame: types.FrameType | None) -> None:
        order.append(signum)

    old1, old2 = signal.signal(USR1, note), signal.signal(USR2, note)
    try:
        with open_signal_receiver(USR1, USR2):
            kill(USR2)
            kill(USR1)
            kill(USR2)
            assert order == []
        assert order == [USR2, USR1]  # each once, oldest first
        assert signal.getsignal(USR1) is note and signal.getsignal(USR2) is note
    finally:
        signal.signal(USR1, old1)
        signal.signal(USR2, old2)


async def test_handed_out_signals_are_not_redelivered_and_iterating_after_exit_fails() -> None:
    recorder = Recorder()
    old = signal.signal(USR1, recorder)
    try:
        with open_signal_receiver(USR1) as signals:
            kill(USR1)
            assert await next_signal(signals) == USR1
        assert recorder.seen == []
    finally:
        signal.signal(USR1, old)
    with pytest.raises(RuntimeError, match=r"open_signal_receiver\(\) block has exited"):
        await signals.__anext__()


async def test_a_task_waiting_when_the_block_exits_gets_an_error() -> None:
    errors: list[BaseException] = []

    async def wait(signals: AsyncIterator[int]) -> None:
        try:
            await signals.__anext__()
        except RuntimeError as exc:
            errors.append(exc)

    async with trio_core.open_nursery() as nursery:
        with open_signal_receiver(USR2) as signals:
            nursery.start_soon(wait, signals)
            await wait_all_tasks_blocked()
    assert len(errors) == 1 and "has exited" in str(errors[0])


async def test_duplicates_are_listened_for_once_and_restored() -> None:
    before = signal.getsignal(USR1)
    with open_signal_receiver(USR1, USR1, signal.Signals.SIGUSR1) as signals:
        kill(USR1)
        assert await next_signal(signals) == USR1
    assert signal.getsignal(USR1) is before


async def test_blocks_of_both_kinds_share_one_stack_per_signal() -> None:
    # The newest open block receives, whichever API made it; on exit its
    # unread signals go to the next one.
    with catch_signals({USR1, USR2}) as batches:
        with open_signal_receiver(USR1) as signals:
            kill(USR1)
            kill(USR2)
            assert await next_signal(signals) == USR1
            kill(USR1)
        assert await next_batch(batches) == {USR1, USR2}
    with open_signal_receiver(USR1) as outer:
        with catch_signals({USR1}):
            kill(USR1)
        assert await next_signal(outer) == USR1


async def test_an_object_is_entered_once() -> None:
    block = open_signal_receiver(USR1)
    with block:
        with pytest.raises(RuntimeError, match="already entered"):
            block.__enter__()
    with pytest.raises(RuntimeError, match="not open"):
        block.__exit__(None, None, None)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("signals", "error", "match"),
    [
        ((), TypeError, "no signals were provided"),
        (({USR1},), TypeError, "separate arguments.*open_signal_receiver\\(\\*signals\\)"),
        (([USR1, USR2],), TypeError, "separate arguments"),
        ((USR1, "SIGUSR2"), TypeError, "must be ints"),
        ((True,), TypeError, "must be ints"),
        ((USR1, 10_000), ValueError, "not a valid signal"),
        ((signal.SIGKILL,), ValueError, "SIGKILL cannot be caught"),
    ],
)
async def test_bad_signals_change_nothing(
    signals: tuple[Any, ...], error: type[Exception], match: str
) -> None:
    before = signal.getsignal(USR1)
    with pytest.raises(error, match=match):
        open_signal_receiver(*signals)
    assert signal.getsignal(USR1) is before


def test_outside_a_run_is_a_clear_error() -> None:
    before = signal.getsignal(USR1)
    with pytest.raises(RuntimeError, match=r"open_signal_receiver\(\) must be used inside"):
        open_signal_receiver(USR1).__enter__()
    assert signal.getsignal(USR1) is before


async def test_outside_the_main_thread_is_an_error() -> None:
    def in_thread() -> BaseException | None:
        assert threading.current_thread() is not threading.main_thread()
        try:
            with open_signal_receiver(USR1):
                pass  # pragma: no cover
        except RuntimeError as exc:
            return exc
        return None  # pragma: no cover

    error = await trio_core.to_thread.run_sync(in_thread)
    assert isinstance(error, RuntimeError) and "main thread" in str(error)
    assert "open_signal_receiver()" in str(error)
