"""trio_core.lowlevel: parking and waking tasks, ParkingLot, UnboundedQueue, RunVar,
TrioToken, statistics and outcomes."""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
from typing import Any

import pytest

import trio_core
from trio_core import lowlevel, to_thread
from trio_core.lowlevel import Abort, Error, Value
from trio_core.testing import MockClock, wait_all_tasks_blocked

# ---------------------------------------------------------------- wait_task_rescheduled


async def test_reschedule_with_a_value_is_returned() -> None:
    task = lowlevel.current_task()

    async def waker() -> None:
        await wait_all_tasks_blocked()
        lowlevel.reschedule(task, Value("hello"))

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waker)
        result = await lowlevel.wait_task_rescheduled(lambda _: Abort.SUCCEEDED)
    assert result == "hello"


async def test_reschedule_defaults_to_none() -> None:
    task = lowlevel.current_task()

    async def waker() -> None:
        await wait_all_tasks_blocked()
        lowlevel.reschedule(task)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waker)
        assert await lowlevel.wait_task_rescheduled(lambda _: Abort.SUCCEEDED) is None


async def test_reschedule_with_an_error_is_raised() -> None:
    task = lowlevel.current_task()
    error = KeyError("from reschedule")

    async def waker() -> None:
        await wait_all_tasks_blocked()
        lowlevel.reschedule(task, Error(error))

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waker)
        with pytest.raises(KeyError) as info:
            await lowlevel.wait_task_rescheduled(lambda _: Abort.SUCCEEDED)
    assert info.value is error


async def test_rescheduling_a_task_that_is_not_blocked_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not blocked"):
        lowlevel.reschedule(lowlevel.current_task())


async def test_reschedule_needs_an_outcome() -> None:
    task = lowlevel.current_task()
    errors: list[BaseException] = []

    async def waker() -> None:
        await wait_all_tasks_blocked()
        try:
            lowlevel.reschedule(task, 42)  # type: ignore[arg-type]
        except TypeError as exc:
            errors.append(exc)
        lowlevel.reschedule(task, Value(None))

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waker)
        await lowlevel.wait_task_rescheduled(lambda _: Abort.SUCCEEDED)
    assert len(errors) == 1


async def test_abort_succeeded_raises_cancelled_in_the_task() -> None:
    calls: list[object] = []

    def abort(raise_cancel: lowlevel.RaiseCancelT) -> Abort:
        calls.append(raise_cancel)
        return Abort.SUCCEEDED

    with trio_core.CancelScope() as scope:

        async def cancel_soon() -> None:
            await wait_all_tasks_blocked()
            scope.cancel()

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(cancel_soon)
            await lowlevel.wait_task_rescheduled(abort)
    assert scope.cancelled_caught
    assert len(calls) == 1
    # raise_cancel raises Cancelled when called.
    raise_cancel = calls[0]
    with pytest.raises(trio_core.Cancelled):
        raise_cancel()  # type: ignore[operator]


async def test_abort_is_called_at_once_when_parking_in_a_cancelled_scope() -> None:
    calls = 0

    def abort(_: lowlevel.RaiseCancelT) -> Abort:
        nonlocal calls
        calls += 1
        return Abort.SUCCEEDED

    with trio_core.CancelScope() as scope:
        scope.cancel()
        await lowlevel.wait_task_rescheduled(abort)
    assert calls == 1
    assert scope.cancelled_caught


async def test_abort_failed_keeps_the_task_waiting_until_rescheduled() -> None:
    task = lowlevel.current_task()
    aborts = 0
    log: list[str] = []

    def abort(_: lowlevel.RaiseCancelT) -> Abort:
        nonlocal aborts
        aborts += 1
        return Abort.FAILED

    async def finisher() -> None:
        await wait_all_tasks_blocked()
        log.append("rescheduling")
        lowlevel.reschedule(task, Value("completed anyway"))

    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as scope:
            scope.cancel()
            nursery.start_soon(finisher)
            # Cancelled at once, but the abort fails: we wait for the finisher.
            result = await lowlevel.wait_task_rescheduled(abort)
            log.append(f"got {result}")
            # The cancellation is still pending: the next checkpoint raises.
            await lowlevel.checkpoint()
            log.append("not reached")  # pragma: no cover
        assert scope.cancelled_caught
    assert log == ["rescheduling", "got completed anyway"]
    assert aborts == 1


def test_abort_enum() -> None:
    assert {member.name for member in Abort} == {"SUCCEEDED", "FAILED"}


# ---------------------------------------------------------------- ParkingLot


async def test_parking_lot_wakes_in_fifo_order() -> None:
    lot = lowlevel.ParkingLot()
    woke: list[int] = []

    async def parker(i: int) -> None:
        await lot.park()
        woke.append(i)

    async with trio_core.open_nursery() as nursery:
        for i in range(5):
            nursery.start_soon(parker, i)
            await wait_all_tasks_blocked()  # park in a known order
        assert len(lot) == 5
        assert lot
        assert lot.statistics().tasks_waiting == 5
        woken = lot.unpark()
        assert len(woken) == 1
        await wait_all_tasks_blocked()
        assert woke == [0]
        lot.unpark(count=2)
        await wait_all_tasks_blocked()
        assert woke == [0, 1, 2]
        assert len(lot.unpark_all()) == 2
    assert woke == [0, 1, 2, 3, 4]
    assert not lot
    assert lot.unpark() == []


async def test_parking_lot_unpark_returns_the_tasks() -> None:
    lot = lowlevel.ParkingLot()
    tasks: list[lowlevel.Task] = []

    async def parker() -> None:
        tasks.append(lowlevel.current_task())
        await lot.park()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(parker)
        nursery.start_soon(parker)
        await wait_all_tasks_blocked()
        assert lot.unpark(count=math.inf) == tasks
        assert lot.unpark_all() == []


async def test_parking_lot_count_validation() -> None:
    lot = lowlevel.ParkingLot()
    with pytest.raises(ValueError):
        lot.unpark(count=-1)
    with pytest.raises(ValueError):
        lot.unpark(count=1.5)
    with pytest.raises(TypeError):
        lot.repark([], count=1)  # type: ignore[arg-type]


async def test_a_cancelled_parker_leaves_the_lot() -> None:
    lot = lowlevel.ParkingLot()
    woke: list[str] = []

    async def parker(tag: str) -> None:
        await lot.park()
        woke.append(tag)

    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as scope:
            async with trio_core.open_nursery() as inner:
                inner.start_soon(parker, "cancelled")
                await wait_all_tasks_blocked()
                nursery.start_soon(parker, "kept")
                await wait_all_tasks_blocked()
                assert len(lot) == 2
                scope.cancel()
        assert len(lot) == 1
        lot.unpark()
    assert woke == ["kept"]


async def test_repark_moves_tasks_without_waking_them() -> None:
    lot1 = lowlevel.ParkingLot()
    lot2 = lowlevel.ParkingLot()
    woke: list[int] = []

    async def parker(i: int) -> None:
        await lot1.park()
        woke.append(i)

    async with trio_core.open_nursery() as nursery:
        for i in range(4):
            nursery.start_soon(parker, i)
            await wait_all_tasks_blocked()
        lot1.repark(lot2, count=2)
        await wait_all_tasks_blocked()
        assert woke == []
        assert (len(lot1), len(lot2)) == (2, 2)
        lot2.unpark()
        await wait_all_tasks_blocked()
        assert woke == [0]  # FIFO across the move
        lot1.repark_all(lot2)
        assert (len(lot1), len(lot2)) == (0, 3)
        lot2.unpark_all()
    assert woke == [0, 1, 2, 3]


async def test_cancelling_a_reparked_task_removes_it_from_the_new_lot() -> None:
    lot1 = lowlevel.ParkingLot()
    lot2 = lowlevel.ParkingLot()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(lot1.park)
        await wait_all_tasks_blocked()
        lot1.repark(lot2)
        nursery.cancel_scope.cancel()
    assert (len(lot1), len(lot2)) == (0, 0)


# ---------------------------------------------------------------- UnboundedQueue


async def test_unbounded_queue_nowait() -> None:
    queue: lowlevel.UnboundedQueue[int] = lowlevel.UnboundedQueue()
    assert queue.empty()
    with pytest.raises(trio_core.WouldBlock):
        queue.get_batch_nowait()
    for i in range(3):
        queue.put_nowait(i)
    assert queue.qsize() == 3
    assert not queue.empty()
    assert queue.statistics().qsize == 3
    assert queue.get_batch_nowait() == [0, 1, 2]
    assert queue.empty()
    with pytest.raises(trio_core.WouldBlock):
        queue.get_batch_nowait()


async def test_get_batch_waits_and_gets_everything_queued_meanwhile() -> None:
    queue: lowlevel.UnboundedQueue[int] = lowlevel.UnboundedQueue()
    batches: list[list[int]] = []

    async def reader() -> None:
        batches.append(await queue.get_batch())

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(reader)
        await wait_all_tasks_blocked()
        assert queue.statistics().tasks_waiting == 1
        for i in range(4):
            queue.put_nowait(i)  # the reader was woken by the first, but runs later
        # The woken reader has claimed the items: nobody else can take them.
        with pytest.raises(trio_core.WouldBlock):
            queue.get_batch_nowait()
    assert batches == [[0, 1, 2, 3]]


async def test_async_for_yields_batches() -> None:
    queue: lowlevel.UnboundedQueue[str] = lowlevel.UnboundedQueue()
    batches: list[list[str]] = []

    async def consumer() -> None:
        async for batch in queue:
            batches.append(batch)
            if "stop" in batch:
                return

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(consumer)
        queue.put_nowait("a")
        queue.put_nowait("b")
        await wait_all_tasks_blocked()
        queue.put_nowait("c")
        await wait_all_tasks_blocked()
        queue.put_nowait("d")
        queue.put_nowait("stop")
    assert batches == [["a", "b"], ["c"], ["d", "stop"]]


async def test_several_readers_each_batch_goes_to_one_reader_in_fifo_order() -> None:
    queue: lowlevel.UnboundedQueue[int] = lowlevel.UnboundedQueue()
    got: list[tuple[int, list[int]]] = []

    async def reader(i: int) -> None:
        got.append((i, await queue.get_batch()))

    async with trio_core.open_nursery() as nursery:
        for i in range(3):
            nursery.start_soon(reader, i)
            await wait_all_tasks_blocked()
        for item in (10, 11, 12):
            queue.put_nowait(item)
            await wait_all_tasks_blocked()
    assert got == [(0, [10]), (1, [11]), (2, [12])]


async def test_a_cancelled_reader_loses_nothing() -> None:
    queue: lowlevel.UnboundedQueue[int] = lowlevel.UnboundedQueue()
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(queue.get_batch)
        await wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    queue.put_nowait(1)
    queue.put_nowait(2)
    assert await queue.get_batch() == [1, 2]


async def test_a_woken_reader_cancelled_before_it_runs_still_takes_the_batch() -> None:
    queue: lowlevel.UnboundedQueue[int] = lowlevel.UnboundedQueue()
    got: list[list[int]] = []

    async def reader() -> None:
        got.append(await queue.get_batch())

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(reader)
        await wait_all_tasks_blocked()
        queue.put_nowait(7)
        nursery.cancel_scope.cancel()  # too late: the reader was already woken
    assert got == [[7]]
    assert queue.empty()


async def test_get_batch_is_a_checkpoint_even_with_items_queued() -> None:
    queue: lowlevel.UnboundedQueue[int] = lowlevel.UnboundedQueue()
    queue.put_nowait(1)
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await queue.get_batch()
    assert scope.cancelled_caught
    assert queue.get_batch_nowait() == [1]  # not consumed by the cancelled call


def test_unbounded_queue_repr() -> None:
    queue: lowlevel.UnboundedQueue[int] = lowlevel.UnboundedQueue()
    queue.put_nowait(1)
    assert "1" in repr(queue)


# ---------------------------------------------------------------- RunVar


RV: lowlevel.RunVar[int] = lowlevel.RunVar("RV")
RV_DEFAULT: lowlevel.RunVar[str] = lowlevel.RunVar("RV_DEFAULT", default="dflt")


async def test_runvar_get_set_reset() -> None:
    with pytest.raises(LookupError):
        RV.get()
    assert RV.get(5) == 5
    assert RV_DEFAULT.get() == "dflt"
    token = RV.set(1)
    assert RV.get() == 1
    token2 = RV.set(2)
    assert RV.get() == 2
    assert token2.previous_value == 1
    RV.reset(token2)
    assert RV.get() == 1
    RV.reset(token)
    with pytest.raises(LookupError):
        RV.get()
    with pytest.raises(ValueError, match="already"):
        RV.reset(token)
    other = RV_DEFAULT.set("x")
    with pytest.raises(ValueError):
        RV.reset(other)  # type: ignore[arg-type]
    RV_DEFAULT.reset(other)
    assert RV_DEFAULT.get() == "dflt"


async def test_runvar_is_shared_by_all_tasks_of_a_run() -> None:
    seen: list[int] = []

    async def child() -> None:
        seen.append(RV.get())
        RV.set(99)

    RV.set(3)
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(child)
    assert seen == [3]
    assert RV.get() == 99  # unlike a ContextVar, the child's set is seen here


def test_runvar_values_do_not_leak_between_runs() -> None:
    async def setter() -> None:
        RV.set(123)

    async def getter() -> int:
        return RV.get(-1)

    trio_core.run(setter)
    assert trio_core.run(getter) == -1


def test_runvar_outside_a_run_is_a_runtimeerror() -> None:
    with pytest.raises(RuntimeError):
        RV.get()
    with pytest.raises(RuntimeError):
        RV.set(1)
    assert "RV" in repr(RV)


# ---------------------------------------------------------------- system tasks


async def test_spawn_system_task_with_args_name_and_context() -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="none")
    var.set("main")
    got: list[tuple[Any, ...]] = []
    queue: lowlevel.UnboundedQueue[None] = lowlevel.UnboundedQueue()

    async def system(a: int, b: int) -> None:
        got.append((a, b, lowlevel.current_task().name, var.get()))
        queue.put_nowait(None)

    lowlevel.spawn_system_task(system, 1, 2, name="my-system-task")
    ctx = contextvars.copy_context()
    lowlevel.spawn_system_task(system, 3, 4, context=ctx)
    await queue.get_batch()
    while len(got) < 2:
        await queue.get_batch()
    by_args = {(a, b): (name, value) for a, b, name, value in got}
    assert by_args[(1, 2)] == ("my-system-task", "none")  # not the spawner's context
    assert by_args[(3, 4)][1] == "main"  # the given context


# ---------------------------------------------------------------- TrioToken


async def test_current_trio_token_is_one_object_per_run() -> None:
    token = lowlevel.current_trio_token()
    assert lowlevel.current_trio_token() is token
    assert isinstance(token, lowlevel.TrioToken)


async def test_run_sync_soon_runs_callbacks_in_order_in_the_loop_thread() -> None:
    token = lowlevel.current_trio_token()
    queue: lowlevel.UnboundedQueue[tuple[int, int]] = lowlevel.UnboundedQueue()
    loop_thread = threading.get_ident()

    def callback(i: int) -> None:
        queue.put_nowait((i, threading.get_ident()))

    for i in range(5):
        token.run_sync_soon(callback, i)
    got: list[tuple[int, int]] = []
    while len(got) < 5:
        got.extend(await queue.get_batch())
    assert [i for i, _ in got] == [0, 1, 2, 3, 4]
    assert {ident for _, ident in got} == {loop_thread}


async def test_run_sync_soon_from_other_threads_wakes_a_blocked_loop() -> None:
    token = lowlevel.current_trio_token()
    queue: lowlevel.UnboundedQueue[int] = lowlevel.UnboundedQueue()
    n_threads = 4
    per_thread = 25

    def worker(base: int) -> None:
        for i in range(per_thread):
            token.run_sync_soon(queue.put_nowait, base + i)

    threads = [threading.Thread(target=worker, args=(t * 1000,)) for t in range(n_threads)]
    for thread in threads:
        thread.start()
    got: list[int] = []
    try:
        # The loop blocks with no deadline: only the wakeup fd can wake it.
        with trio_core.fail_after(30):
            while len(got) < n_threads * per_thread:
                got.extend(await queue.get_batch())
    finally:
        for thread in threads:
            thread.join(timeout=30)
    # Everything arrived, and each thread's callbacks ran in its own order.
    assert len(got) == n_threads * per_thread
    for t in range(n_threads):
        mine = [x for x in got if x // 1000 == t]
        assert mine == [t * 1000 + i for i in range(per_thread)]


async def test_idempotent_run_sync_soon_is_queued_once() -> None:
    token = lowlevel.current_trio_token()
    calls: list[str] = []
    queue: lowlevel.UnboundedQueue[None] = lowlevel.UnboundedQueue()

    def once(tag: str) -> None:
        calls.append(tag)

    for _ in range(5):
        token.run_sync_soon(once, "a", idempotent=True)
    token.run_sync_soon(once, "b", idempotent=True)
    assert lowlevel.current_statistics().run_sync_soon_queue_size == 2
    token.run_sync_soon(queue.put_nowait, None, idempotent=True)
    await queue.get_batch()
    assert sorted(calls) == ["a", "b"]
    # After running it may be queued again.
    token.run_sync_soon(once, "a", idempotent=True)
    token.run_sync_soon(queue.put_nowait, None, idempotent=True)
    await queue.get_batch()
    assert sorted(calls) == ["a", "a", "b"]


def test_run_sync_soon_after_the_run_is_runfinishederror() -> None:
    async def main() -> lowlevel.TrioToken:
        return lowlevel.current_trio_token()

    token = trio_core.run(main)
    with pytest.raises(trio_core.RunFinishedError):
        token.run_sync_soon(print)
    assert issubclass(trio_core.RunFinishedError, RuntimeError)


def test_callbacks_queued_before_the_main_task_exits_still_run() -> None:
    calls: list[str] = []

    async def main() -> None:
        lowlevel.current_trio_token().run_sync_soon(calls.append, "ran")

    trio_core.run(main)
    assert calls == ["ran"]


# ---------------------------------------------------------------- statistics


async def test_current_statistics(mock_clock: MockClock) -> None:
    base = lowlevel.current_statistics()
    assert base.tasks_living >= 3  # init, run_sync_soon task, main
    assert base.seconds_to_next_deadline == math.inf
    assert base.run_sync_soon_queue_size == 0
    async with trio_core.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(trio_core.sleep, 5)
        stats = lowlevel.current_statistics()
        assert stats.tasks_living == base.tasks_living + 3
        assert stats.tasks_runnable >= 3
        await wait_all_tasks_blocked()
        stats = lowlevel.current_statistics()
        assert stats.tasks_runnable == 0
        assert stats.seconds_to_next_deadline == pytest.approx(5)
        with trio_core.move_on_after(2):
            assert lowlevel.current_statistics().seconds_to_next_deadline == pytest.approx(2)
        mock_clock.jump(5)
    stats = lowlevel.current_statistics()
    assert stats.tasks_living == base.tasks_living
    assert stats.seconds_to_next_deadline == math.inf


# ---------------------------------------------------------------- outcomes


def test_outcome_types() -> None:
    value = lowlevel.capture(lambda x: x + 1, 1)
    assert value == Value(2)
    assert value.unwrap() == 2

    def fail() -> None:
        raise ValueError("bad")

    error = lowlevel.capture(fail)
    assert isinstance(error, Error)
    assert isinstance(error.error, ValueError)
    with pytest.raises(ValueError, match="bad"):
        error.unwrap()
    assert isinstance(value, lowlevel.Outcome)
    assert isinstance(error, lowlevel.Outcome)


async def test_acapture() -> None:
    async def ok(x: int) -> int:
        await lowlevel.checkpoint()
        return x * 2

    async def bad() -> None:
        raise KeyError

    assert (await lowlevel.acapture(ok, 4)).unwrap() == 8
    outcome = await lowlevel.acapture(bad)
    assert isinstance(outcome, Error)
    assert isinstance(outcome.error, KeyError)


# ---------------------------------------------------------------- wait_all_tasks_blocked


async def test_wait_all_tasks_blocked_waits_for_busy_tasks() -> None:
    log: list[str] = []

    async def busy() -> None:
        for _ in range(20):
            await lowlevel.checkpoint()
        log.append("busy done")
        await trio_core.sleep_forever()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(busy)
        await wait_all_tasks_blocked()
        assert log == ["busy done"]
        nursery.cancel_scope.cancel()


async def test_wait_all_tasks_blocked_counts_io_and_sleeps_as_blocked(
    autojump_clock: MockClock,
) -> None:
    import socket

    a, b = socket.socketpair()
    with a, b:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(lowlevel.wait_readable, a)
            nursery.start_soon(trio_core.sleep, 100)
            await wait_all_tasks_blocked()
            # Idle waiters are woken before the clock autojumps.
            assert trio_core.current_time() == 0
            nursery.cancel_scope.cancel()


async def test_several_waiters_all_wake() -> None:
    woke: list[int] = []

    async def waiter(i: int) -> None:
        await wait_all_tasks_blocked()
        woke.append(i)

    async with trio_core.open_nursery() as nursery:
        for i in range(4):
            nursery.start_soon(waiter, i)
    assert sorted(woke) == [0, 1, 2, 3]


async def test_smaller_cushions_wake_first() -> None:
    woke: list[float] = []

    async def waiter(cushion: float) -> None:
        await wait_all_tasks_blocked(cushion)
        woke.append(cushion)

    async with trio_core.open_nursery() as nursery:
        for cushion in (0.002, 0.0, 0.001):
            nursery.start_soon(waiter, cushion)
    assert woke == [0.0, 0.001, 0.002]


@pytest.mark.parametrize("bad", [-1, math.nan])
async def test_wait_all_tasks_blocked_rejects_bad_cushions(bad: float) -> None:
    with pytest.raises(ValueError, match="cushion"):
        await wait_all_tasks_blocked(bad)


@pytest.mark.parametrize("bad", ["0.1", None])
async def test_wait_all_tasks_blocked_rejects_non_number_cushions(bad: object) -> None:
    with pytest.raises(TypeError, match="cushion"):
        await wait_all_tasks_blocked(bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------- fairness of run_sync_soon


async def test_a_self_requeueing_callback_does_not_starve_the_tasks() -> None:
    token = lowlevel.current_trio_token()
    count = 0
    limit = 20_000  # keeps the test finite even with the bug

    def again() -> None:
        nonlocal count
        count += 1
        if count < limit:
            token.run_sync_soon(again)

    token.run_sync_soon(again)
    await lowlevel.checkpoint()
    await lowlevel.checkpoint()
    seen = count
    count = limit  # stop it
    assert seen < 100


async def test_a_self_requeueing_idempotent_callback_does_not_starve_the_tasks() -> None:
    token = lowlevel.current_trio_token()
    count = 0
    limit = 20_000

    def again() -> None:
        nonlocal count
        count += 1
        if count < limit:
            token.run_sync_soon(again, idempotent=True)

    token.run_sync_soon(again, idempotent=True)
    await lowlevel.checkpoint()
    await lowlevel.checkpoint()
    seen = count
    count = limit
    assert seen < 100


def test_callbacks_queued_by_callbacks_as_the_run_ends_run_once_more_then_are_refused() -> None:
    # As in Trio (issue 13): once the run is shutting down, what is pending
    # runs once more, and queueing anything after that raises RunFinishedError
    # (before, the run kept going until the chain ended, so a chain that never
    # ended kept run() from returning).
    log: list[int] = []
    refused: list[int] = []

    async def main() -> None:
        token = lowlevel.current_trio_token()

        def chain(n: int) -> None:
            log.append(n)
            try:
                token.run_sync_soon(chain, n + 1, idempotent=n % 2 == 0)
            except trio_core.RunFinishedError:
                refused.append(n + 1)

        token.run_sync_soon(chain, 0)

    trio_core.run(main)
    assert len(refused) == 1
    assert log == list(range(refused[0]))
    assert 1 <= len(log) <= 5


# ---------------------------------------------------------------- exception context


async def test_an_error_delivered_by_reschedule_keeps_its_own_context() -> None:
    task = lowlevel.current_task()
    error = RuntimeError("delivered")
    error.__context__ = OSError("where it came from")

    async def waker() -> None:
        await wait_all_tasks_blocked()
        lowlevel.reschedule(task, Error(error))

    async def park() -> None:
        await lowlevel.wait_task_rescheduled(lambda _: Abort.FAILED)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waker)
        try:
            raise KeyError("being handled by the parked task")
        except KeyError:
            with pytest.raises(RuntimeError) as info:
                await park()  # one more await level between the trap and the handler
    assert info.value is error
    assert isinstance(error.__context__, OSError)


async def test_an_error_without_context_chains_where_it_lands() -> None:
    task = lowlevel.current_task()
    error = RuntimeError("delivered")

    async def waker() -> None:
        await wait_all_tasks_blocked()
        lowlevel.reschedule(task, Error(error))

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waker)
        try:
            raise KeyError("being handled")
        except KeyError:
            with pytest.raises(RuntimeError):
                await lowlevel.wait_task_rescheduled(lambda _: Abort.FAILED)
    assert isinstance(error.__context__, KeyError)


async def test_cancelled_does_not_inherit_what_the_canceller_was_handling() -> None:
    seen: list[BaseException | None] = []

    async def sleeper() -> None:
        try:
            await trio_core.sleep_forever()
        except trio_core.Cancelled as exc:
            seen.append(exc.__context__)
            raise

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        await wait_all_tasks_blocked()
        try:
            raise KeyError("the canceller's own business")
        except KeyError:
            nursery.cancel_scope.cancel()
    assert seen == [None]


async def test_an_error_from_a_thread_keeps_its_context() -> None:
    def worker() -> None:
        try:
            raise KeyError("in the thread")
        except KeyError:
            raise ValueError("from the thread")

    try:
        raise IndexError("handled in the task")
    except IndexError:
        with pytest.raises(ValueError) as info:
            await to_thread.run_sync(worker)
    assert isinstance(info.value.__context__, KeyError)


@pytest.mark.skipif(sys.platform == "win32", reason="Unix signals")
async def test_run_sync_soon_from_a_signal_handler_wakes_the_loop() -> None:
    # Signal handlers run in the loop's thread, between any two bytecodes: the
    # wakeup must not depend on the loop doing anything else.
    token = lowlevel.current_trio_token()
    woken = trio_core.Event()
    old = signal.signal(signal.SIGUSR1, lambda signum, frame: token.run_sync_soon(woken.set))
    try:
        sender = threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGUSR1))
        with trio_core.fail_after(10):
            sender.start()
            await woken.wait()
        sender.join()
    finally:
        signal.signal(signal.SIGUSR1, old)


# ---------------------------------------------------- the outcome distribution (issue 13)


def test_the_outcome_types_are_the_outcome_distributions() -> None:
    import outcome

    assert lowlevel.Value is outcome.Value
    assert lowlevel.Error is outcome.Error
    assert lowlevel.Outcome is outcome.Outcome
    assert lowlevel.capture is outcome.capture
    assert lowlevel.acapture is outcome.acapture


async def test_reschedule_takes_outcome_values_and_errors() -> None:
    # What AnyIO, trio-asyncio and pytest-trio pass: outcome's own objects.
    import outcome

    task = lowlevel.current_task()
    # Abort.SUCCEEDED: if reschedule() refuses them, the waker's error cancels
    # the wait instead of leaving it parked for ever.

    async def waker(next_send: outcome.Outcome[object]) -> None:
        await wait_all_tasks_blocked()
        lowlevel.reschedule(task, next_send)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waker, outcome.Value(7))
        got = await lowlevel.wait_task_rescheduled(lambda _: Abort.SUCCEEDED)
    assert got == 7
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waker, outcome.Error(KeyError("from outcome")))
        with pytest.raises(KeyError, match="from outcome"):
            await lowlevel.wait_task_rescheduled(lambda _: Abort.SUCCEEDED)


async def test_thread_results_are_outcome_objects() -> None:
    import outcome

    delivered: list[object] = []
    done = trio_core.Event()
    token = lowlevel.current_trio_token()

    def deliver(result: outcome.Outcome[int]) -> None:
        delivered.append(result)
        token.run_sync_soon(done.set)

    lowlevel.start_thread_soon(lambda: 3, deliver)
    await done.wait()
    assert type(delivered[0]) is outcome.Value
    assert delivered[0] == outcome.Value(3)
