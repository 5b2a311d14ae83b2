"""Sync primitives: fairness, hand-off, errors, cancellation at every point."""

from __future__ import annotations

import math

import pytest

import trio_core
from trio_core.testing import assert_checkpoints, wait_all_tasks_blocked


async def test_event_wakes_every_waiter_and_stays_set() -> None:
    event = trio_core.Event()
    woken: list[int] = []

    async def waiter(i: int) -> None:
        await event.wait()
        woken.append(i)

    async with trio_core.open_nursery() as nursery:
        for i in range(5):
            nursery.start_soon(waiter, i)
        await wait_all_tasks_blocked()
        assert event.statistics().tasks_waiting == 5
        event.set()
    assert sorted(woken) == list(range(5))
    assert event.is_set()
    with assert_checkpoints():
        await event.wait()


async def test_lock_is_fifo_and_hands_off() -> None:
    lock = trio_core.Lock()
    order: list[int] = []

    async def worker(i: int) -> None:
        async with lock:
            order.append(i)
            await trio_core.lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        await lock.acquire()
        for i in range(10):
            nursery.start_soon(worker, i)
            await wait_all_tasks_blocked()
        assert lock.statistics().tasks_waiting == 10
        lock.release()
        # Released to a waiter, not free: this task cannot barge in.
        assert lock.locked()
        with pytest.raises(trio_core.WouldBlock):
            lock.acquire_nowait()
    assert order == list(range(10))
    assert not lock.locked()


async def test_lock_errors() -> None:
    lock = trio_core.StrictFIFOLock()
    with pytest.raises(RuntimeError, match="you don't own"):
        lock.release()
    await lock.acquire()
    with pytest.raises(RuntimeError, match="already held Lock"):
        await lock.acquire()

    async def other() -> None:
        with pytest.raises(RuntimeError, match="you don't own"):
            lock.release()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(other)
    lock.release()


async def test_cancelled_lock_waiter_is_skipped() -> None:
    lock = trio_core.Lock()
    got: list[str] = []

    async def waiter(name: str, scope_box: list[trio_core.CancelScope]) -> None:
        with trio_core.CancelScope() as scope:
            scope_box.append(scope)
            async with lock:
                got.append(name)

    async with trio_core.open_nursery() as nursery:
        await lock.acquire()
        first: list[trio_core.CancelScope] = []
        second: list[trio_core.CancelScope] = []
        nursery.start_soon(waiter, "a", first)
        await wait_all_tasks_blocked()
        nursery.start_soon(waiter, "b", second)
        await wait_all_tasks_blocked()
        first[0].cancel()
        await wait_all_tasks_blocked()
        lock.release()
    assert got == ["b"]


async def test_acquire_is_a_checkpoint_even_when_free() -> None:
    for primitive in (trio_core.Lock(), trio_core.Semaphore(1), trio_core.CapacityLimiter(1)):
        with assert_checkpoints():
            await primitive.acquire()
        primitive.release()
    with trio_core.CancelScope() as scope:
        scope.cancel()
        with pytest.raises(trio_core.Cancelled):
            await trio_core.Lock().acquire()


async def test_semaphore_counts_and_bounds() -> None:
    sem = trio_core.Semaphore(2, max_value=2)
    await sem.acquire()
    sem.acquire_nowait()
    assert sem.value == 0
    with pytest.raises(trio_core.WouldBlock):
        sem.acquire_nowait()
    sem.release()
    sem.release()
    with pytest.raises(ValueError, match="too many times"):
        sem.release()
    with pytest.raises(TypeError):
        trio_core.Semaphore(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        trio_core.Semaphore(-1)
    with pytest.raises(ValueError):
        trio_core.Semaphore(3, max_value=2)


async def test_capacity_limiter_borrowers_and_total() -> None:
    limiter = trio_core.CapacityLimiter(1)
    await limiter.acquire_on_behalf_of("a")
    with pytest.raises(RuntimeError, match="already holding"):
        limiter.acquire_on_behalf_of_nowait("a")
    woken: list[str] = []

    async def borrow(name: str) -> None:
        await limiter.acquire_on_behalf_of(name)
        woken.append(name)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(borrow, "b")
        await wait_all_tasks_blocked()
        nursery.start_soon(borrow, "c")
        await wait_all_tasks_blocked()
        assert limiter.statistics().tasks_waiting == 2
        limiter.total = 3  # raising the total wakes both, in order
    assert woken == ["b", "c"]
    assert limiter.borrowed_tokens == 3 and limiter.available_tokens == 0
    with pytest.raises(RuntimeError, match="isn't holding"):
        limiter.release_on_behalf_of("zzz")
    for name in "abc":
        limiter.release_on_behalf_of(name)
    limiter.total = math.inf
    with pytest.raises(ValueError):
        limiter.total = -1  # 0 is allowed (as in Trio 0.31+): it pauses the limiter
    with pytest.raises(TypeError):
        limiter.total = 2.5


async def test_capacity_limiter_cancelled_waiter_takes_no_token() -> None:
    limiter = trio_core.CapacityLimiter(1)
    await limiter.acquire()
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(limiter.acquire_on_behalf_of, "x")
        await wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    limiter.release()
    assert limiter.borrowed_tokens == 0
    assert limiter.statistics().tasks_waiting == 0


async def test_condition_wait_notify() -> None:
    cond = trio_core.Condition()
    items: list[int] = []
    seen: list[int] = []

    async def consumer() -> None:
        async with cond:
            while not items:
                await cond.wait()
            seen.append(items.pop())
            assert cond.locked()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(consumer)
        nursery.start_soon(consumer)
        await wait_all_tasks_blocked()
        assert cond.statistics().tasks_waiting == 2
        async with cond:
            items.extend([1, 2])
            cond.notify_all()
    assert sorted(seen) == [1, 2]
    with pytest.raises(RuntimeError, match="hold"):
        await cond.wait()
    with pytest.raises(RuntimeError, match="hold"):
        cond.notify()


async def test_condition_wait_cancelled_reacquires_the_lock() -> None:
    cond = trio_core.Condition()
    async with cond:
        with trio_core.move_on_after(0) as scope:
            await cond.wait()
        assert scope.cancelled_caught
        assert cond.locked()
