"""Deadlock detection: run(..., detect_deadlocks=True) and the pytest plugin's option."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

import trio_core
from trio_core import DeadlockError, lowlevel, to_thread
from trio_core._traps import GLOBAL_RUN_CONTEXT
from trio_core.testing import MockClock, wait_all_tasks_blocked

pytest_plugins = ["pytester"]


def run_detecting(async_fn: Any, *args: Any, **kwargs: Any) -> Any:
    return trio_core.run(async_fn, *args, detect_deadlocks=True, **kwargs)


# ---------------------------------------------------------------- deadlocks are reported


async def wait_for_nobody(event: trio_core.Event) -> None:
    await event.wait()  # nobody sets it


def test_the_main_task_waiting_for_ever_gets_deadlock_error() -> None:
    async def main() -> None:
        await wait_for_nobody(trio_core.Event())

    with pytest.raises(DeadlockError) as info:
        run_detecting(main)
    message = str(info.value)
    assert message.startswith("deadlock: every task is blocked")
    assert "task tree of the run" in message
    assert "in wait_for_nobody, in Event.wait()" in message
    assert isinstance(info.value, RuntimeError)


def test_children_deadlocked_under_a_nursery_are_cancelled_and_it_is_raised_bare() -> None:
    cleaned_up: list[str] = []

    async def child(name: str, lock_a: trio_core.Lock, lock_b: trio_core.Lock) -> None:
        try:
            async with lock_a:
                await wait_all_tasks_blocked()
                async with lock_b:  # the other child holds it, and waits for ours
                    pass  # pragma: no cover
        finally:
            cleaned_up.append(name)

    async def main() -> None:
        a, b = trio_core.Lock(), trio_core.Lock()
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(child, "one", a, b, name="one")
            nursery.start_soon(child, "two", b, a, name="two")

    with pytest.raises(DeadlockError) as info:
        run_detecting(main)
    assert sorted(cleaned_up) == ["one", "two"]
    # Delivered to the main task, which waited at the end of its nursery block.
    assert isinstance(info.value.__cause__, BaseExceptionGroup)
    message = str(info.value)
    assert "task 'one'" in message and "task 'two'" in message
    assert message.count("__aenter__()") == 2  # both in `async with lock`


def test_shielded_deadlocked_tasks_get_it_too() -> None:
    async def shielded(event: trio_core.Event) -> None:
        with trio_core.CancelScope(shield=True):
            await event.wait()

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(shielded, trio_core.Event())

    with pytest.raises(DeadlockError) as info:
        run_detecting(main)
    group = info.value.__cause__
    assert isinstance(group, BaseExceptionGroup)
    # One for the main task, one for the shielded child that kept it waiting.
    assert len(group.exceptions) == 2
    assert all(isinstance(exc, DeadlockError) for exc in group.exceptions)


def test_a_channel_nobody_sends_on() -> None:
    async def main() -> None:
        send, receive = trio_core.open_memory_channel[int](0)
        async with send, receive:
            await receive.receive()

    with pytest.raises(DeadlockError, match=r"MemoryReceiveChannel\.receive"):
        run_detecting(main)


def test_the_main_task_may_catch_it_and_go_on() -> None:
    async def main() -> str:
        with pytest.raises(DeadlockError):
            await trio_core.Event().wait()
        # And a second deadlock is reported again.
        with pytest.raises(DeadlockError):
            await trio_core.sleep_forever()
        return "done"

    assert run_detecting(main) == "done"


def test_after_a_worker_thread_has_finished() -> None:
    async def main() -> None:
        assert await to_thread.run_sync(lambda: 42) == 42
        await trio_core.Event().wait()

    with pytest.raises(DeadlockError):
        run_detecting(main)


def test_control_c_does_not_count_as_a_way_out() -> None:
    # In the main thread the run has its SIGINT handler installed: still a deadlock.
    assert threading.current_thread() is threading.main_thread()

    async def main() -> None:
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        await trio_core.sleep_forever()

    with pytest.raises(DeadlockError):
        run_detecting(main)


# ---------------------------------------------------------------- and only deadlocks


def test_timers_are_a_way_out() -> None:
    async def main() -> None:
        with trio_core.move_on_after(1000) as scope:
            await trio_core.Event().wait()
        assert scope.cancelled_caught
        await trio_core.sleep(500)

    run_detecting(main, clock=MockClock(autojump_threshold=0))


def test_a_deadline_is_a_way_out_even_when_the_clock_stands_still() -> None:
    clock = MockClock()

    async def main() -> None:
        async def jumper() -> None:
            await wait_all_tasks_blocked()
            clock.jump(10)

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(jumper)
            await trio_core.sleep(5)

    run_detecting(main, clock=clock)


def test_wait_all_tasks_blocked_is_a_way_out() -> None:
    async def main() -> None:
        event = trio_core.Event()

        async def setter() -> None:
            await wait_all_tasks_blocked(0.01)
            event.set()

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(setter)
            await event.wait()

    run_detecting(main)


def test_a_running_worker_thread_is_a_way_out() -> None:
    async def main() -> None:
        await to_thread.run_sync(time.sleep, 0.2)

    run_detecting(main)


def test_a_foreign_thread_with_the_token_is_a_way_out() -> None:
    async def main() -> None:
        token = lowlevel.current_trio_token()
        event = trio_core.Event()

        def later() -> None:
            time.sleep(0.2)
            trio_core.from_thread.run_sync(event.set, trio_token=token)

        thread = threading.Thread(target=later)
        thread.start()
        await event.wait()
        thread.join()

    run_detecting(main)


def test_a_signal_handler_is_a_way_out() -> None:
    # A kernel timer sends SIGALRM: no thread, no fd; only the handler can wake the run.
    async def main() -> None:
        token = lowlevel.current_trio_token()
        event = trio_core.Event()

        def handler(signum: int, frame: Any) -> None:
            token.run_sync_soon(event.set)

        old = signal.signal(signal.SIGALRM, handler)
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            await event.wait()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)

    run_detecting(main)


def test_the_task_tree_signal_handler_is_not_a_way_out() -> None:
    async def main() -> None:
        with lowlevel.dump_task_tree_on(signal.SIGUSR1):
            await trio_core.Event().wait()

    with pytest.raises(DeadlockError):
        run_detecting(main)


def test_waiting_for_io_is_a_way_out() -> None:
    async def main() -> None:
        child = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(0.2); print('x')"],
            stdout=subprocess.PIPE,
        )
        try:
            assert child.stdout is not None
            await lowlevel.wait_readable(child.stdout)
            assert child.stdout.read() == b"x\n"
        finally:
            assert child.stdout is not None
            child.stdout.close()
            child.wait()

    run_detecting(main)


async def test_what_counts_one_rule_at_a_time() -> None:
    runner: Any = GLOBAL_RUN_CONTEXT.runner
    from trio_core._deadlock import _DeadlockDetector

    detector = _DeadlockDetector(runner)
    # Nothing but this (running) task: nothing could wake it, were it blocked.
    assert detector.wakeable(math.inf) is None
    with trio_core.move_on_after(100):
        assert detector.wakeable(math.inf) == math.inf
    lowlevel.current_trio_token().run_sync_soon(lambda: None)
    assert detector.wakeable(math.inf) == math.inf
    await lowlevel.checkpoint()
    await wait_all_tasks_blocked()
    assert detector.wakeable(math.inf) is None
    # A wake-up byte (a signal's, say) not yet read by the run_sync_soon task.
    runner.entry_queue.wakeup.wakeup()
    assert detector.wakeable(math.inf) == math.inf
    await wait_all_tasks_blocked()
    assert detector.wakeable(math.inf) is None
    # A thread that is alive: look again soon, rather than sleep for ever.
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert detector.wakeable(math.inf) == 0.05
    finally:
        release.set()
        thread.join()
    assert detector.wakeable(math.inf) is None


async def test_when_no_wait_can_be_aborted_it_says_so_and_keeps_waiting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runner: Any = GLOBAL_RUN_CONTEXT.runner
    from trio_core._deadlock import _DeadlockDetector

    parked: list[lowlevel.Task] = []

    async def unabortable() -> None:
        parked.append(lowlevel.current_task())
        await lowlevel.wait_task_rescheduled(lambda _: lowlevel.Abort.FAILED)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(unabortable)
        await wait_all_tasks_blocked()
        detector = _DeadlockDetector(runner)
        try:
            assert detector.check(math.inf) == math.inf
            assert detector.gave_up
            err = capsys.readouterr().err
            assert "the run is deadlocked, and no blocked task could be woken" in err
            assert "unabortable, in wait_task_rescheduled()" in err
            # Said once, not at every turn.
            assert detector.check(math.inf) == math.inf
            assert capsys.readouterr().err == ""
        finally:
            lowlevel.reschedule(parked[0])


def test_off_by_default_and_bad_input() -> None:
    async def main() -> None:
        assert GLOBAL_RUN_CONTEXT.runner.deadlock_detector is None

    trio_core.run(main)
    with pytest.raises(TypeError, match="detect_deadlocks must be a bool"):
        trio_core.run(main, detect_deadlocks="yes")  # type: ignore[arg-type]


# ---------------------------------------------------------------- the pytest plugin


DEADLOCKED_TEST = """
import trio_core

async def test_deadlocked():
    await trio_core.Event().wait()

async def test_fine(autojump_clock):
    await trio_core.sleep(100)
"""


@pytest.mark.parametrize("how", ["ini", "flag"])
def test_the_pytest_plugin_option(pytester: pytest.Pytester, how: str) -> None:
    ini = "[pytest]\ntrio_mode = true\n"
    args: list[str] = []
    if how == "ini":
        ini += "trio_detect_deadlocks = true\n"
    else:
        args.append("--trio-detect-deadlocks")
    pytester.makeini(ini)
    pytester.makepyfile(DEADLOCKED_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*DeadlockError: deadlock: every task is blocked*"])
    result.stdout.fnmatch_lines(["*in test_deadlocked, in Event.wait()*"])


def test_the_pytest_plugin_option_is_off_by_default(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntrio_mode = true\n")
    pytester.makepyfile(
        """
from trio_core._traps import GLOBAL_RUN_CONTEXT

async def test_off():
    assert GLOBAL_RUN_CONTEXT.runner.deadlock_detector is None
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
