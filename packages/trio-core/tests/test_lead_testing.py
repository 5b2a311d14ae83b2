"""Testing tools: MockClock, Sequencer, assert_checkpoints, trio_test."""

from __future__ import annotations

import math

import pytest

import trio_core
from trio_core import testing


async def test_autojump_clock_makes_long_sleeps_instant(autojump_clock: testing.MockClock) -> None:
    start = trio_core.current_time()
    await trio_core.sleep(3600)
    assert trio_core.current_time() - start == pytest.approx(3600)
    with trio_core.move_on_after(10) as scope:
        await trio_core.sleep_forever()
    assert scope.cancelled_caught


async def test_mock_clock_jump_wakes_sleepers(mock_clock: testing.MockClock) -> None:
    woke: list[float] = []

    async def sleeper() -> None:
        await trio_core.sleep(5)
        woke.append(trio_core.current_time())

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        await testing.wait_all_tasks_blocked()
        mock_clock.jump(4)
        await testing.wait_all_tasks_blocked()
        assert woke == []
        mock_clock.jump(1)
    assert woke == [pytest.approx(5)]


def test_mock_clock_validation() -> None:
    clock = testing.MockClock()
    with pytest.raises(ValueError):
        clock.jump(-1)
    with pytest.raises(ValueError):
        clock.rate = -1
    with pytest.raises(ValueError):
        clock.autojump_threshold = math.nan
    clock.jump(2)
    assert clock.current_time() == 2
    assert "MockClock" in repr(clock)


async def test_sequencer_orders_tasks() -> None:
    seq = testing.Sequencer()
    order: list[int] = []

    async def step(n: int) -> None:
        async with seq(n):
            order.append(n)

    async with trio_core.open_nursery() as nursery:
        for n in [3, 1, 0, 2]:
            nursery.start_soon(step, n)
    assert order == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="already used"):
        async with seq(0):
            pass  # pragma: no cover


async def test_assert_checkpoints() -> None:
    with testing.assert_checkpoints():
        await trio_core.sleep(0)
    with pytest.raises(AssertionError):
        with testing.assert_checkpoints():
            pass
    with testing.assert_no_checkpoints():
        pass
    with pytest.raises(AssertionError):
        with testing.assert_no_checkpoints():
            await trio_core.lowlevel.checkpoint()


def test_trio_test_decorator_uses_the_clock() -> None:
    @testing.trio_test
    async def check(clock: testing.MockClock) -> float:
        await trio_core.sleep(100)
        return trio_core.current_time()

    assert check(clock=testing.MockClock(autojump_threshold=0)) == pytest.approx(100)
