"""Broken parking lots: ParkingLot.break_lot, add/remove_parking_lot_breaker, and a
Lock whose owner exits while holding it (its waiters get BrokenResourceError, as
in Trio 0.25+, instead of waiting forever)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.lowlevel import ParkingLot
from trio_core.testing import wait_all_tasks_blocked


@pytest.fixture(autouse=True)
async def _bounded() -> AsyncIterator[None]:
    """A waiter left hanging (the bug this file is about) fails instead of hanging."""
    with trio_core.fail_after(30):
        yield


# ---------------------------------------------------------------- ParkingLot.break_lot


async def test_break_lot_wakes_sleepers_with_brokenresourceerror_and_refuses_new_ones() -> None:
    lot = ParkingLot()
    errors: list[BaseException] = []

    async def sleeper() -> None:
        try:
            await lot.park()
        except trio_core.BrokenResourceError as exc:
            errors.append(exc)

    async with trio_core.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(sleeper)
        await wait_all_tasks_blocked()
        assert lot.broken_by == []
        lot.break_lot()
        me = lowlevel.current_task()
        assert lot.broken_by == [me]
        assert len(lot) == 0
    assert len(errors) == 3
    assert all(repr(me) in str(exc) for exc in errors)
    with pytest.raises(trio_core.BrokenResourceError, match="broken by"):
        await lot.park()
    assert lot.unpark_all() == []
    lot.break_lot()  # again: one more breaker recorded, nothing else
    assert lot.broken_by == [me, me]


async def test_tasks_reparked_into_a_broken_lot_get_the_error() -> None:
    lot, broken = ParkingLot(), ParkingLot()
    broken.break_lot()
    got: list[str] = []

    async def sleeper() -> None:
        try:
            await lot.park()
        except trio_core.BrokenResourceError:
            got.append("broken")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        await wait_all_tasks_blocked()
        lot.repark_all(broken)
        assert len(broken) == 0
    assert got == ["broken"]


async def test_break_lot_refuses_what_is_not_a_task() -> None:
    with pytest.raises(TypeError, match="task must be"):
        ParkingLot().break_lot("me")  # type: ignore[arg-type]


# ---------------------------------------------------------------- breakers


async def test_a_registered_task_that_exits_breaks_the_lot() -> None:
    lot = ParkingLot()
    breaker_task: list[lowlevel.Task] = []
    started = trio_core.Event()
    finish = trio_core.Event()

    async def breaker() -> None:
        breaker_task.append(lowlevel.current_task())
        lowlevel.add_parking_lot_breaker(lowlevel.current_task(), lot)
        started.set()
        await finish.wait()

    async def sleeper() -> None:
        with pytest.raises(trio_core.BrokenResourceError):
            await lot.park()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(breaker)
        await started.wait()
        nursery.start_soon(sleeper)
        await wait_all_tasks_blocked()
        assert lot.broken_by == []
        finish.set()
    assert lot.broken_by == breaker_task
    # An exited task can no longer be registered: it would never break anything.
    with pytest.raises(trio_core.BrokenResourceError, match="already exited"):
        lowlevel.add_parking_lot_breaker(breaker_task[0], ParkingLot())


async def test_a_removed_breaker_breaks_nothing() -> None:
    lot = ParkingLot()

    async def breaker() -> None:
        me = lowlevel.current_task()
        lowlevel.add_parking_lot_breaker(me, lot)
        lowlevel.add_parking_lot_breaker(me, lot)  # twice: needs two removals
        lowlevel.remove_parking_lot_breaker(me, lot)
        lowlevel.remove_parking_lot_breaker(me, lot)
        with pytest.raises(RuntimeError, match="not registered"):
            lowlevel.remove_parking_lot_breaker(me, lot)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(breaker)
    assert lot.broken_by == []


async def test_breaker_functions_refuse_bad_arguments() -> None:
    me = lowlevel.current_task()
    with pytest.raises(TypeError, match="task must be"):
        lowlevel.add_parking_lot_breaker(object(), ParkingLot())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="lot must be"):
        lowlevel.add_parking_lot_breaker(me, object())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="not registered"):
        lowlevel.remove_parking_lot_breaker(me, ParkingLot())


# ---------------------------------------------------------------- Lock


@pytest.mark.parametrize("lock_type", [trio_core.Lock, trio_core.StrictFIFOLock])
async def test_a_lock_whose_owner_exits_holding_it_breaks_its_waiters(
    lock_type: type[trio_core.Lock],
) -> None:
    lock = lock_type()
    outcomes: list[str] = []

    async def holder() -> None:
        await lock.acquire()  # and never released

    async def waiter() -> None:
        try:
            await lock.acquire()
        except trio_core.BrokenResourceError as exc:
            assert "exited without releasing" in str(exc)
            outcomes.append("broken")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(holder)
        await wait_all_tasks_blocked()
        assert lock.locked()
        nursery.start_soon(waiter)
        nursery.start_soon(waiter)
        await wait_all_tasks_blocked()
    assert outcomes == ["broken", "broken"]
    # Later acquirers fail at once too; nobody can release it.
    with pytest.raises(trio_core.BrokenResourceError, match="exited without releasing"):
        await lock.acquire()
    with pytest.raises(trio_core.BrokenResourceError, match="exited without releasing"):
        lock.acquire_nowait()
    with pytest.raises(RuntimeError, match="you don't own"):
        lock.release()


async def test_a_lock_handed_off_to_a_task_that_exits_holding_it_is_broken() -> None:
    lock = trio_core.Lock()
    outcomes: list[str] = []

    async def second() -> None:
        await lock.acquire()  # gets it from the first owner's release; never releases

    async def third() -> None:
        with pytest.raises(trio_core.BrokenResourceError):
            await lock.acquire()
        outcomes.append("broken")

    async with trio_core.open_nursery() as nursery:
        await lock.acquire()
        nursery.start_soon(second)
        await wait_all_tasks_blocked()
        nursery.start_soon(third)
        await wait_all_tasks_blocked()
        lock.release()
    assert outcomes == ["broken"]


async def test_a_lock_released_before_its_owner_exits_stays_usable() -> None:
    lock = trio_core.Lock()

    async def user() -> None:
        async with lock:
            await lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(user)
    async with lock:
        assert lock.locked()
    assert not lock.locked()


async def test_a_condition_waiter_notified_onto_a_broken_lock_gets_the_error() -> None:
    cond = trio_core.Condition()
    outcomes: list[str] = []

    async def waiter() -> None:
        await cond.acquire()
        try:
            await cond.wait()
        except trio_core.BrokenResourceError:
            # wait() could not take the lock back: this task does not hold it.
            outcomes.append("broken")
        assert cond.statistics().lock_statistics.owner is not lowlevel.current_task()

    async def notifier_that_keeps_the_lock() -> None:
        await cond.acquire()
        cond.notify_all()  # the waiter queues for the lock, which is never released

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waiter)
        await wait_all_tasks_blocked()
        nursery.start_soon(notifier_that_keeps_the_lock)
    assert outcomes == ["broken"]
