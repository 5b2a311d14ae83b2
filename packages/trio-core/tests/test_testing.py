"""trio_core.testing: MockClock, wait_all_tasks_blocked, Sequencer, assert_checkpoints,
assert_no_checkpoints and the trio_test decorator."""

from __future__ import annotations

import math
import socket
import threading

import pytest

import trio_core
from trio_core import lowlevel, testing

# ---------------------------------------------------------------- exports


def test_the_testing_module_exports() -> None:
    assert set(testing.__all__) == {
        "MockClock",
        "wait_all_tasks_blocked",
        "wait_all_threads_completed",
        "active_thread_count",
        "Sequencer",
        "assert_checkpoints",
        "assert_no_checkpoints",
        "trio_test",
    }
    for name in testing.__all__:
        assert getattr(testing, name).__doc__


# ---------------------------------------------------------------- MockClock


async def test_mock_clock_stands_still_until_jumped(mock_clock: testing.MockClock) -> None:
    assert (mock_clock.rate, mock_clock.autojump_threshold) == (0, math.inf)
    start = trio_core.current_time()
    await trio_core.sleep(0)
    assert trio_core.current_time() == start
    log: list[float] = []

    async def sleeper(seconds: float) -> None:
        await trio_core.sleep(seconds)
        log.append(trio_core.current_time() - start)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sleeper, 2)
        nursery.start_soon(sleeper, 1)
        await testing.wait_all_tasks_blocked()
        mock_clock.jump(1.5)
        await testing.wait_all_tasks_blocked()
        assert log == [1.5]  # woken by the jump, at the time it jumped to
        mock_clock.jump(0.5)
    assert log == [1.5, 2]


async def test_autojump_clock_runs_timeouts_in_order(autojump_clock: testing.MockClock) -> None:
    start = trio_core.current_time()
    order: list[int] = []

    async def sleeper(n: int) -> None:
        await trio_core.sleep(n * 1000)
        order.append(n)

    async with trio_core.open_nursery() as nursery:
        for n in (3, 1, 2):
            nursery.start_soon(sleeper, n)
    assert order == [1, 2, 3]
    assert trio_core.current_time() - start == 3000
    with pytest.raises(trio_core.TooSlowError):
        with trio_core.fail_after(60):
            await trio_core.sleep_forever()


async def test_autojump_can_be_switched_on_during_a_run(mock_clock: testing.MockClock) -> None:
    async def switch_on() -> None:
        await testing.wait_all_tasks_blocked()
        mock_clock.autojump_threshold = 0

    start = trio_core.current_time()
    token = lowlevel.current_trio_token()
    with trio_core.CancelScope() as watchdog:
        # A bound in real time (virtual deadlines are what autojump jumps to).
        timer = threading.Timer(10, token.run_sync_soon, (watchdog.cancel,))
        timer.start()
        try:
            async with trio_core.open_nursery() as nursery:
                nursery.start_soon(switch_on)
                await trio_core.sleep(10_000)
        finally:
            timer.cancel()
    assert not watchdog.cancelled_caught
    assert trio_core.current_time() - start == 10_000


def test_mock_clock_validation_and_rate() -> None:
    clock = testing.MockClock(rate=0)
    for bad in (-1, math.nan):
        with pytest.raises(ValueError):
            clock.jump(bad)
        with pytest.raises(ValueError):
            clock.rate = bad
        with pytest.raises(ValueError):
            clock.autojump_threshold = bad
        with pytest.raises(ValueError):
            testing.MockClock(rate=bad)
    clock.jump(5)
    assert clock.current_time() == 5
    clock.rate = 1000
    assert clock.deadline_to_sleep_time(clock.current_time() + 1000) == pytest.approx(1, rel=0.1)
    assert clock.current_time() >= 5
    assert "MockClock" in repr(clock)


# ---------------------------------------------------------------- wait_all_tasks_blocked


async def test_wait_all_tasks_blocked_waits_for_busy_tasks() -> None:
    steps = 0

    async def busy() -> None:
        nonlocal steps
        for _ in range(100):
            steps += 1
            await lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(busy)
        await testing.wait_all_tasks_blocked()
        # Runnable tasks are not blocked: it returned only when busy() was done.
        assert steps == 100


async def test_a_task_blocked_on_io_counts_as_blocked() -> None:
    a, b = socket.socketpair()
    with a, b:
        got: list[bytes] = []

        async def reader() -> None:
            await lowlevel.wait_readable(a)
            got.append(a.recv(10))

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(reader)
            await testing.wait_all_tasks_blocked()
            assert got == []
            b.send(b"x")
        assert got == [b"x"]


async def test_wait_all_tasks_blocked_cushions_wake_smallest_first(
    autojump_clock: testing.MockClock,
) -> None:
    order: list[float] = []

    async def waiter(cushion: float) -> None:
        await testing.wait_all_tasks_blocked(cushion)
        order.append(cushion)

    async with trio_core.open_nursery() as nursery:
        for cushion in (0.02, 0.0, 0.01):
            nursery.start_soon(waiter, cushion)
    assert order == [0.0, 0.01, 0.02]


async def test_wait_all_tasks_blocked_errors_and_cancellation() -> None:
    for bad in (-1, math.nan):
        with pytest.raises(ValueError):
            await testing.wait_all_tasks_blocked(bad)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(trio_core.sleep_forever)
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await testing.wait_all_tasks_blocked()
        assert scope.cancelled_caught
        nursery.cancel_scope.cancel()


# ---------------------------------------------------------------- Sequencer


async def test_sequencer_orders_tasks_whatever_the_start_order() -> None:
    seq = testing.Sequencer()
    order: list[str] = []

    async def worker(name: str, first: int, second: int) -> None:
        async with seq(first):
            order.append(f"{name}{first}")
        async with seq(second):
            order.append(f"{name}{second}")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(worker, "b", 1, 2)
        nursery.start_soon(worker, "a", 0, 3)
    assert order == ["a0", "b1", "b2", "a3"]


async def test_sequencer_positions_are_used_once() -> None:
    seq = testing.Sequencer()
    async with seq(0):
        pass
    with pytest.raises(RuntimeError, match="already used"):
        async with seq(0):
            pass  # pragma: no cover


async def test_a_cancelled_sequencer_waiter_breaks_the_sequence() -> None:
    seq = testing.Sequencer()
    errors: dict[int, str] = {}
    scopes: dict[int, trio_core.CancelScope] = {}

    async def waiter(position: int) -> None:
        with trio_core.CancelScope() as scope:
            scopes[position] = scope
            try:
                async with seq(position):
                    pass  # pragma: no cover
            except RuntimeError as exc:
                errors[position] = str(exc)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waiter, 1)
        nursery.start_soon(waiter, 2)
        await testing.wait_all_tasks_blocked()
        # Only position 1 is cancelled; position 2 must not wait forever.
        scopes[1].cancel()
    assert set(errors) == {1, 2}
    assert "cancelled" in errors[1] and "broken" in errors[2]
    assert not scopes[2].cancelled_caught
    with pytest.raises(RuntimeError, match="broken"):
        async with seq(0):
            pass  # pragma: no cover


# ---------------------------------------------------------------- assert_checkpoints


async def test_assert_checkpoints_accepts_real_checkpoints() -> None:
    with testing.assert_checkpoints():
        await trio_core.sleep(0)
    with testing.assert_checkpoints():
        await lowlevel.checkpoint()
    with testing.assert_checkpoints():
        await lowlevel.cancel_shielded_checkpoint()
    event = trio_core.Event()
    event.set()
    with testing.assert_checkpoints():
        await event.wait()


async def test_assert_checkpoints_rejects_blocks_that_never_yield() -> None:
    with pytest.raises(AssertionError, match="checkpoint"):
        with testing.assert_checkpoints():
            pass
    with pytest.raises(AssertionError):
        with testing.assert_checkpoints():
            # A cancellation point that does not yield is not a checkpoint.
            await lowlevel.checkpoint_if_cancelled()


async def test_assert_checkpoints_lets_an_exception_through() -> None:
    with pytest.raises(KeyError):
        with testing.assert_checkpoints():
            raise KeyError("not an assertion error")


async def test_assert_no_checkpoints() -> None:
    with testing.assert_no_checkpoints():
        trio_core.Event().set()
        await lowlevel.checkpoint_if_cancelled()
    with pytest.raises(AssertionError, match="checkpoint"):
        with testing.assert_no_checkpoints():
            await lowlevel.checkpoint()


async def test_checkpoints_of_other_tasks_do_not_count() -> None:
    async def busy() -> None:
        for _ in range(10):
            await lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(busy)
        with testing.assert_no_checkpoints():
            pass
        with pytest.raises(AssertionError):
            with testing.assert_checkpoints():
                pass


# ---------------------------------------------------------------- trio_test


def test_trio_test_runs_the_function_in_a_run() -> None:
    @testing.trio_test
    async def check(x: int) -> int:
        await trio_core.sleep(0)
        assert lowlevel.current_root_task() is not None
        return x + 1

    assert check(1) == 2
    assert check.__name__ == "check"


def test_trio_test_uses_a_clock_argument() -> None:
    @testing.trio_test
    async def check(clock: testing.MockClock) -> float:
        assert lowlevel.current_clock() is clock
        await trio_core.sleep(100)
        return trio_core.current_time()

    assert check(clock=testing.MockClock(autojump_threshold=0)) == 100


def test_trio_test_uses_instrument_arguments() -> None:
    class Counter(trio_core.abc.Instrument):
        def __init__(self) -> None:
            self.runs = 0

        def before_run(self) -> None:
            self.runs += 1

    @testing.trio_test
    async def check(counter: Counter) -> None:
        await trio_core.sleep(0)

    counter = Counter()
    check(counter=counter)
    assert counter.runs == 1


def test_trio_test_refuses_two_clocks() -> None:
    @testing.trio_test
    async def check(a: testing.MockClock, b: testing.MockClock) -> None:
        pass  # pragma: no cover

    with pytest.raises(ValueError, match="clock"):
        check(a=testing.MockClock(), b=testing.MockClock())
