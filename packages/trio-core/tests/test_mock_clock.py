"""MockClock (virtual time: jump, rate, autojump) and custom clocks."""

from __future__ import annotations

import math
import time

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.abc import Clock
from trio_core.testing import MockClock, wait_all_tasks_blocked


class FakePerfCounter:
    """Stands in for time.perf_counter, so that real time moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_real_time(monkeypatch: pytest.MonkeyPatch) -> FakePerfCounter:
    fake = FakePerfCounter()
    monkeypatch.setattr(time, "perf_counter", fake)
    return fake


# ---------------------------------------------------------------- outside a run


def test_mock_clock_is_a_clock() -> None:
    clock = MockClock()
    assert isinstance(clock, Clock)
    assert clock.rate == 0
    assert clock.autojump_threshold == math.inf


def test_time_stands_still_at_rate_zero(fake_real_time: FakePerfCounter) -> None:
    clock = MockClock()
    start = clock.current_time()
    fake_real_time.now += 50
    assert clock.current_time() == start


def test_jump_moves_virtual_time_forward(fake_real_time: FakePerfCounter) -> None:
    clock = MockClock()
    start = clock.current_time()
    clock.jump(2.5)
    assert clock.current_time() == start + 2.5
    clock.jump(0)
    assert clock.current_time() == start + 2.5


@pytest.mark.parametrize("bad", [-1, -1e-9, math.nan, -math.inf])
def test_jump_backwards_or_nan_is_a_valueerror(bad: float) -> None:
    clock = MockClock()
    before = clock.current_time()
    with pytest.raises(ValueError):
        clock.jump(bad)
    assert clock.current_time() == before


@pytest.mark.parametrize("bad", ["1", None, b"1"])
def test_non_numbers_are_typeerrors_naming_the_argument(bad: object) -> None:
    clock = MockClock()
    with pytest.raises(TypeError, match="jump"):
        clock.jump(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rate"):
        clock.rate = bad  # type: ignore[assignment]
    with pytest.raises(TypeError, match="autojump_threshold"):
        clock.autojump_threshold = bad  # type: ignore[assignment]
    with pytest.raises(TypeError, match="rate"):
        MockClock(rate=bad)  # type: ignore[arg-type]


def test_rate_scales_real_time(fake_real_time: FakePerfCounter) -> None:
    clock = MockClock(rate=10)
    start = clock.current_time()
    fake_real_time.now += 1.5
    assert clock.current_time() == pytest.approx(start + 15)
    # Changing the rate keeps the current virtual time.
    before = clock.current_time()
    clock.rate = 2
    assert clock.current_time() == pytest.approx(before)
    fake_real_time.now += 1
    assert clock.current_time() == pytest.approx(before + 2)
    clock.rate = 0
    fake_real_time.now += 100
    assert clock.current_time() == pytest.approx(before + 2)


def test_jump_and_rate_combine(fake_real_time: FakePerfCounter) -> None:
    clock = MockClock(rate=1)
    start = clock.current_time()
    clock.jump(10)
    fake_real_time.now += 3
    assert clock.current_time() == pytest.approx(start + 13)


@pytest.mark.parametrize("bad", [-1, math.nan])
def test_bad_rate_and_threshold_are_valueerrors(bad: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        MockClock(rate=bad)
    with pytest.raises(ValueError, match="autojump_threshold"):
        MockClock(autojump_threshold=bad)
    clock = MockClock()
    with pytest.raises(ValueError):
        clock.rate = bad
    with pytest.raises(ValueError):
        clock.autojump_threshold = bad
    assert clock.rate == 0
    assert clock.autojump_threshold == math.inf


def test_deadline_to_sleep_time(fake_real_time: FakePerfCounter) -> None:
    clock = MockClock()
    now = clock.current_time()
    assert clock.deadline_to_sleep_time(now - 1) == 0
    assert clock.deadline_to_sleep_time(now) == 0
    # Time stands still: a future deadline is (practically) never reached by waiting.
    assert clock.deadline_to_sleep_time(now + 1) >= 86400
    clock.rate = 4
    assert clock.deadline_to_sleep_time(now + 2) == pytest.approx(0.5)


def test_repr_shows_time_and_rate() -> None:
    clock = MockClock(rate=3)
    text = repr(clock)
    assert "MockClock" in text
    assert "rate=3" in text


# ---------------------------------------------------------------- inside a run


async def test_current_clock_is_the_fixture_clock(mock_clock: MockClock) -> None:
    assert lowlevel.current_clock() is mock_clock
    assert trio_core.current_time() == mock_clock.current_time()


async def test_jump_wakes_sleepers_whose_deadline_passed(mock_clock: MockClock) -> None:
    woke: list[str] = []

    async def sleeper(tag: str, seconds: float) -> None:
        await trio_core.sleep(seconds)
        woke.append(tag)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sleeper, "short", 1)
        nursery.start_soon(sleeper, "long", 3)
        await wait_all_tasks_blocked()
        mock_clock.jump(2)
        await wait_all_tasks_blocked()
        assert woke == ["short"]
        mock_clock.jump(1)
    assert woke == ["short", "long"]


async def test_autojump_makes_timeouts_instant_and_exact(autojump_clock: MockClock) -> None:
    real_start = time.perf_counter()
    with trio_core.move_on_after(3600) as scope:
        await trio_core.sleep_forever()
    assert scope.cancelled_caught
    assert trio_core.current_time() == pytest.approx(3600)
    await trio_core.sleep(86400 * 365)
    assert trio_core.current_time() == pytest.approx(3600 + 86400 * 365)
    assert time.perf_counter() - real_start < 10


async def test_autojump_never_jumps_while_a_task_is_runnable(autojump_clock: MockClock) -> None:
    times: list[float] = []

    async def busy() -> None:
        for _ in range(50):
            times.append(trio_core.current_time())
            await lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(busy)
        nursery.start_soon(trio_core.sleep, 10)
    assert set(times) == {0.0}
    assert trio_core.current_time() == pytest.approx(10)


async def test_turning_autojump_on_during_a_run(mock_clock: MockClock) -> None:
    woke: list[float] = []

    async def sleeper() -> None:
        await trio_core.sleep(30)
        woke.append(trio_core.current_time())

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        await wait_all_tasks_blocked()
        assert woke == []
        # The loop is blocked with a huge timeout; setting the threshold must
        # wake it so that the new threshold takes effect.
        mock_clock.autojump_threshold = 0
    assert woke == [pytest.approx(30)]


async def test_turning_autojump_on_from_a_blocked_run(mock_clock: MockClock) -> None:
    # Same, but the setter is called while *every* task is blocked (from a
    # run_sync_soon callback), so only the loop's wakeup can make it notice.
    woke: list[float] = []

    def enable() -> None:
        mock_clock.autojump_threshold = 0

    async def sleeper() -> None:
        await trio_core.sleep(30)
        woke.append(trio_core.current_time())

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        await wait_all_tasks_blocked()
        lowlevel.current_trio_token().run_sync_soon(enable)
        with trio_core.fail_at(math.inf):
            await trio_core.sleep(60)
    assert woke == [pytest.approx(30)]
    assert trio_core.current_time() == pytest.approx(60)


async def test_autojump_with_a_small_real_threshold(mock_clock: MockClock) -> None:
    mock_clock.autojump_threshold = 0.001  # one real millisecond of idleness
    await trio_core.sleep(1000)
    assert trio_core.current_time() == pytest.approx(1000)


async def test_turning_autojump_off_again(mock_clock: MockClock) -> None:
    mock_clock.autojump_threshold = 0
    await trio_core.sleep(5)
    mock_clock.autojump_threshold = math.inf
    with trio_core.move_on_after(1) as scope:
        # Nothing will move time now but us.
        async with trio_core.open_nursery() as nursery:

            async def jumper() -> None:
                await wait_all_tasks_blocked()
                assert trio_core.current_time() == pytest.approx(5)
                mock_clock.jump(1)

            nursery.start_soon(jumper)
            await trio_core.sleep_forever()
    assert scope.cancelled_caught


# ---------------------------------------------------------------- custom clocks


def test_a_custom_clock_is_started_once_and_used() -> None:
    class StepClock(Clock):
        def __init__(self) -> None:
            self.started = 0
            self.now = 0.0

        def start_clock(self) -> None:
            self.started += 1

        def current_time(self) -> float:
            return self.now

        def deadline_to_sleep_time(self, deadline: float) -> float:
            # Pretend the wait happened: move straight to the deadline.
            if deadline == math.inf:
                return math.inf
            self.now = max(self.now, deadline)
            return 0.0

    clock = StepClock()

    async def main() -> float:
        await trio_core.sleep(42)
        return trio_core.current_time()

    assert trio_core.run(main, clock=clock) == 42
    assert clock.started == 1
