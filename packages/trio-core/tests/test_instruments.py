"""Instruments: every hook is called, in a sensible order; broken ones are removed."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.abc import Instrument
from trio_core.testing import wait_all_tasks_blocked

HOOKS = (
    "before_run",
    "after_run",
    "task_spawned",
    "task_scheduled",
    "before_task_step",
    "after_task_step",
    "task_exited",
    "before_io_wait",
    "after_io_wait",
)


class Recorder(Instrument):
    """Records every hook call as (hook, argument)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def before_run(self) -> None:
        self.calls.append(("before_run", None))

    def after_run(self) -> None:
        self.calls.append(("after_run", None))

    def task_spawned(self, task: lowlevel.Task) -> None:
        self.calls.append(("task_spawned", task))

    def task_scheduled(self, task: lowlevel.Task) -> None:
        self.calls.append(("task_scheduled", task))

    def before_task_step(self, task: lowlevel.Task) -> None:
        self.calls.append(("before_task_step", task))

    def after_task_step(self, task: lowlevel.Task) -> None:
        self.calls.append(("after_task_step", task))

    def task_exited(self, task: lowlevel.Task) -> None:
        self.calls.append(("task_exited", task))

    def before_io_wait(self, timeout: float) -> None:
        self.calls.append(("before_io_wait", timeout))

    def after_io_wait(self, timeout: float) -> None:
        self.calls.append(("after_io_wait", timeout))

    def hooks_for(self, task: lowlevel.Task) -> list[str]:
        return [hook for hook, arg in self.calls if arg is task]


def test_every_hook_is_called_in_order() -> None:
    recorder = Recorder()
    tasks: dict[str, lowlevel.Task] = {}

    async def child() -> None:
        tasks["child"] = lowlevel.current_task()
        await trio_core.sleep(0.001)  # a real (tiny) wait, so the loop waits for I/O

    async def main() -> str:
        tasks["main"] = lowlevel.current_task()
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(child)
        return "done"

    assert trio_core.run(main, instruments=[recorder]) == "done"
    hooks = [hook for hook, _ in recorder.calls]
    assert set(hooks) == set(HOOKS)
    assert hooks[0] == "before_run"
    assert hooks[-1] == "after_run"
    assert hooks.count("before_run") == hooks.count("after_run") == 1

    for name in ("main", "child"):
        seq = recorder.hooks_for(tasks[name])
        assert seq[0] == "task_spawned", name
        assert seq[1] == "task_scheduled", name
        # As in Trio, a task exits during its last step: task_exited comes between
        # that step's before_task_step and after_task_step.
        assert seq[-2:] == ["task_exited", "after_task_step"], name
        assert seq.count("task_spawned") == seq.count("task_exited") == 1
        steps = [h for h in seq if h.endswith("task_step")]
        # Steps come in before/after pairs.
        assert steps == ["before_task_step", "after_task_step"] * (len(steps) // 2)
        assert len(steps) >= 2
        # Each step was preceded by the task being scheduled.
        assert seq.count("task_scheduled") == seq.count("before_task_step")

    # I/O waits come in pairs with the same timeout.
    io = [(hook, arg) for hook, arg in recorder.calls if hook.endswith("io_wait")]
    for (before, t1), (after, t2) in zip(io[::2], io[1::2], strict=True):
        assert (before, after) == ("before_io_wait", "after_io_wait")
        assert t1 == t2
        assert t1 >= 0
    assert any(t > 0 for hook, t in io)  # at least once the loop really waited


def test_steps_of_different_tasks_do_not_nest() -> None:
    recorder = Recorder()

    async def worker() -> None:
        for _ in range(3):
            await lowlevel.checkpoint()

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            for _ in range(3):
                nursery.start_soon(worker)

    trio_core.run(main, instruments=[recorder])
    running: lowlevel.Task | None = None
    for hook, arg in recorder.calls:
        if hook == "before_task_step":
            assert running is None
            running = arg
        elif hook == "after_task_step":
            assert running is arg
            running = None
        elif hook in ("before_io_wait", "after_io_wait"):
            assert running is None


async def test_add_and_remove_an_instrument_during_a_run() -> None:
    recorder = Recorder()
    me = lowlevel.current_task()
    lowlevel.add_instrument(recorder)
    lowlevel.add_instrument(recorder)  # twice is the same as once
    await lowlevel.checkpoint()
    lowlevel.remove_instrument(recorder)
    count = len(recorder.calls)
    assert recorder.hooks_for(me).count("before_task_step") == 1
    await lowlevel.checkpoint()
    await lowlevel.checkpoint()
    assert len(recorder.calls) == count
    with pytest.raises(KeyError):
        lowlevel.remove_instrument(recorder)


async def test_task_scheduled_fires_when_a_sleeper_is_woken() -> None:
    recorder = Recorder()
    lot = lowlevel.ParkingLot()
    sleeper: list[lowlevel.Task] = []

    async def park() -> None:
        sleeper.append(lowlevel.current_task())
        await lot.park()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(park)
        await wait_all_tasks_blocked()
        lowlevel.add_instrument(recorder)
        lot.unpark()
        assert recorder.calls[-1] == ("task_scheduled", sleeper[0])
    lowlevel.remove_instrument(recorder)
    assert ("task_exited", sleeper[0]) in recorder.calls


async def test_task_spawned_reports_the_new_task_before_it_runs() -> None:
    recorder = Recorder()
    lowlevel.add_instrument(recorder)
    try:

        async def child() -> None:
            pass

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(child, name="spawned-child")
            spawned = [arg for hook, arg in recorder.calls if hook == "task_spawned"]
            assert [task.name for task in spawned] == ["spawned-child"]
            assert spawned[0].parent_nursery is nursery
    finally:
        lowlevel.remove_instrument(recorder)


def test_a_duck_typed_instrument_with_only_some_hooks_works() -> None:
    class Counter:
        def __init__(self) -> None:
            self.steps = 0

        def before_task_step(self, task: lowlevel.Task) -> None:
            self.steps += 1

    counter = Counter()

    async def main() -> None:
        for _ in range(5):
            await lowlevel.checkpoint()

    trio_core.run(main, instruments=[counter])  # type: ignore[list-item]
    assert counter.steps >= 6


# ---------------------------------------------------------------- broken instruments


class Broken(Instrument):
    def __init__(self, hook: str) -> None:
        self.hook = hook
        self.calls = 0

    def _maybe_fail(self, hook: str) -> None:
        if hook == self.hook:
            self.calls += 1
            raise RuntimeError(f"broken in {hook}")

    def before_run(self) -> None:
        self._maybe_fail("before_run")

    def after_run(self) -> None:
        self._maybe_fail("after_run")

    def task_spawned(self, task: lowlevel.Task) -> None:
        self._maybe_fail("task_spawned")

    def task_scheduled(self, task: lowlevel.Task) -> None:
        self._maybe_fail("task_scheduled")

    def before_task_step(self, task: lowlevel.Task) -> None:
        self._maybe_fail("before_task_step")

    def after_task_step(self, task: lowlevel.Task) -> None:
        self._maybe_fail("after_task_step")

    def task_exited(self, task: lowlevel.Task) -> None:
        self._maybe_fail("task_exited")

    def before_io_wait(self, timeout: float) -> None:
        self._maybe_fail("before_io_wait")

    def after_io_wait(self, timeout: float) -> None:
        self._maybe_fail("after_io_wait")


@pytest.mark.parametrize("hook", HOOKS)
def test_a_broken_instrument_is_removed_and_logged_and_the_run_goes_on(
    hook: str, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Broken(hook)
    healthy = Recorder()

    async def main() -> str:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(trio_core.sleep, 0.001)
        return "finished"

    with caplog.at_level(logging.ERROR, logger="trio_core"):
        assert trio_core.run(main, instruments=[broken, healthy]) == "finished"
    assert broken.calls == 1  # called once, then removed
    records = [r for r in caplog.records if r.name == "trio_core"]
    assert len(records) == 1
    assert hook in records[0].getMessage()
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], RuntimeError)
    # The healthy instrument saw the whole run.
    hooks = [h for h, _ in healthy.calls]
    assert hooks[0] == "before_run" and hooks[-1] == "after_run"


async def test_an_instrument_may_remove_itself_from_a_hook() -> None:
    class OneShot(Instrument):
        def __init__(self) -> None:
            self.calls = 0

        def before_task_step(self, task: lowlevel.Task) -> None:
            self.calls += 1
            lowlevel.remove_instrument(self)

    one_shot = OneShot()
    lowlevel.add_instrument(one_shot)
    for _ in range(3):
        await lowlevel.checkpoint()
    assert one_shot.calls == 1


async def test_io_wait_hooks_see_the_timeout_the_loop_uses() -> None:
    recorder = Recorder()
    a, b = socket.socketpair()
    with a, b:
        lowlevel.add_instrument(recorder)
        try:
            with trio_core.move_on_after(0.002):
                await lowlevel.wait_readable(a)
        finally:
            lowlevel.remove_instrument(recorder)
    timeouts = [arg for hook, arg in recorder.calls if hook == "before_io_wait"]
    assert timeouts
    assert all(0 <= t <= 0.002 for t in timeouts)


def test_a_broken_instrument_is_reported_on_stderr_in_trios_words(tmp_path: Path) -> None:
    # Without any logging set up, as a plain program runs: the message (Trio's
    # wording) and the traceback reach stderr, and the run goes on.
    program = tmp_path / "broken_instrument.py"
    program.write_text(
        textwrap.dedent(
            """
            import trio_core
            from trio_core.abc import Instrument

            class Broken(Instrument):
                def before_task_step(self, task):
                    raise RuntimeError("the instrument is broken")

            async def main():
                await trio_core.sleep(0)
                return "finished"

            print(trio_core.run(main, instruments=[Broken()]))
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "finished"
    assert "Exception raised when calling 'before_task_step' on instrument" in result.stderr
    assert "Instrument has been disabled." in result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: the instrument is broken" in result.stderr
    assert result.stderr.count("Instrument has been disabled") == 1
