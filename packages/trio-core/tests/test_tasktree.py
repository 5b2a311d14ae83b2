"""The task-tree dump: format_task_tree, print_task_tree, dump_task_tree_on."""

from __future__ import annotations

import io
import math
import os
import re
import signal
import threading
import types
from collections.abc import AsyncIterator, Generator
from typing import Any

import pytest

import trio_core
from trio_core import lowlevel, to_thread
from trio_core.testing import MockClock, wait_all_tasks_blocked

HERE = os.path.basename(__file__)


def _line_of(tree: str, name: str) -> str:
    for line in tree.splitlines():
        if f"task {name!r}" in line:
            return line
    raise AssertionError(f"no task {name!r} in:\n{tree}")


def _lineno_of(fn: Any, text: str) -> int:
    """The line number of the first line of ``fn`` containing ``text``."""
    import inspect

    lines, start = inspect.getsourcelines(fn)
    for offset, line in enumerate(lines):
        if text in line:
            return start + offset
    raise AssertionError(f"{text!r} not in {fn}")


async def waiter_on_event(event: trio_core.Event) -> None:
    await event.wait()  # the waiter waits here


async def test_tasks_nurseries_and_where_they_wait() -> None:
    event = trio_core.Event()
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waiter_on_event, event, name="waiter")
        nursery.start_soon(trio_core.sleep_forever, name="sleeper")
        await wait_all_tasks_blocked()
        tree = lowlevel.format_task_tree()
        nursery.cancel_scope.cancel()
    assert tree.startswith("task tree of the run (")
    assert "task '<init>' [system]" in tree
    assert "task '<TrioToken.run_sync_soon task>' [system]" in tree
    main = _line_of(tree, lowlevel.current_task().name)
    assert "[main]" in main and "running (building this tree)" in main
    line = _lineno_of(waiter_on_event, "the waiter waits here")
    waiter = _line_of(tree, "waiter")
    assert f"{HERE}:{line} in waiter_on_event, in Event.wait()" in waiter
    # A task that is trio-core's own function shows where it waits in it.
    assert "sleep_forever" in _line_of(tree, "sleeper")
    # The children hang below the main task's nursery, drawn as a tree.
    lines = tree.splitlines()
    index = lines.index(main)
    assert lines[index + 1].strip().endswith("nursery")
    assert re.search(r"[├└]── task 'sleeper'", tree)
    assert re.search(r"[├└]── task 'waiter'", tree)


async def test_cancel_scopes_show_deadlines_cancelled_and_shield(
    autojump_clock: MockClock,
) -> None:
    async with trio_core.open_nursery() as nursery:
        with trio_core.move_on_after(7.5):
            with trio_core.CancelScope(shield=True) as inner:
                inner.cancel()
                tree = lowlevel.format_task_tree()
        nursery.cancel_scope.deadline = trio_core.current_time() - 2
        tree2 = lowlevel.format_task_tree()
    assert "cancel scope [deadline in 7.500s]" in tree
    assert "cancel scope [cancelled, shielded]" in tree
    assert "nursery [deadline passed 2.000s ago, cancelled]" in tree2
    # Nested as entered: the shielded scope inside the one with the deadline.
    lines = tree.splitlines()
    outer = next(i for i, line in enumerate(lines) if "deadline in 7.500s" in line)
    assert "cancelled, shielded" in lines[outer + 1]
    assert len(lines[outer + 1]) - len(lines[outer + 1].lstrip("│ └├─")) > len(lines[outer]) - len(
        lines[outer].lstrip("│ └├─")
    )


async def test_scope_inside_a_nursery_block_is_shown_inside_the_nursery() -> None:
    async with trio_core.open_nursery():
        with trio_core.CancelScope(shield=True):
            tree = lowlevel.format_task_tree()
    assert "cancel scope [shielded] (in the nursery's block, task" in tree


@types.coroutine
def _parked_in_generator() -> Generator[Any, Any, Any]:
    return (yield from lowlevel.wait_task_rescheduled(lambda _: lowlevel.Abort.SUCCEEDED))


async def agen_that_sleeps() -> AsyncIterator[int]:
    yield 1
    await trio_core.sleep_forever()  # inside the async generator


async def consumer() -> None:
    async for _ in agen_that_sleeps():
        pass


async def generator_based() -> None:
    await _parked_in_generator()


async def test_the_await_chain_goes_through_async_generators_and_generators() -> None:
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(consumer, name="consumer")
        nursery.start_soon(generator_based, name="gen")
        await wait_all_tasks_blocked()
        tree = lowlevel.format_task_tree(stacks=True)
        nursery.cancel_scope.cancel()
    line = _lineno_of(agen_that_sleeps, "inside the async generator")
    assert f"{HERE}:{line} in agen_that_sleeps, in sleep_forever()" in _line_of(tree, "consumer")
    # stacks=True lists every frame, outermost first, under the task.
    frames = [ln for ln in tree.splitlines() if "| " in ln]
    joined = "\n".join(frames)
    assert re.search(r"in consumer\n.*in agen_that_sleeps\n.*in sleep_forever", joined)
    assert "in _parked_in_generator" in _line_of(tree, "gen")


class ParkIter:
    """What a hand-written awaitable's ``__await__`` may return: an iterator, no generator."""

    def __init__(self) -> None:
        self.parked = False

    def __iter__(self) -> ParkIter:
        return self

    def __next__(self) -> Any:
        if self.parked:
            raise StopIteration
        self.parked = True
        return lambda _: lowlevel.Abort.SUCCEEDED  # the trap: park until rescheduled


class ParkAwaitable:
    def __await__(self) -> ParkIter:
        return ParkIter()


async def custom_waiter() -> None:
    await ParkAwaitable()  # type: ignore[misc]  # a custom awaitable


async def test_an_awaitable_that_is_not_a_generator_ends_the_chain() -> None:
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(custom_waiter, name="custom")
        await wait_all_tasks_blocked()
        tree = lowlevel.format_task_tree(stacks=True)
        nursery.cancel_scope.cancel()
    line = _lineno_of(custom_waiter, "a custom awaitable")
    assert f"{HERE}:{line} in custom_waiter, awaiting an object of type ParkIter" in _line_of(
        tree, "custom"
    )
    assert "| (awaiting an object of type ParkIter)" in tree


async def test_a_task_not_started_yet_and_a_runnable_task() -> None:
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(trio_core.sleep_forever, name="fresh")
        nursery.start_soon(_parked_in_generator, name="fresh-generator")
        tree = lowlevel.format_task_tree()
        nursery.cancel_scope.cancel()
    assert "task 'fresh': not started yet" in tree
    assert "task 'fresh-generator': not started yet" in tree

    async def spinner() -> None:
        while True:
            await lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(spinner, name="spinner")
        await lowlevel.checkpoint()
        await lowlevel.checkpoint()
        tree = lowlevel.format_task_tree()
        nursery.cancel_scope.cancel()
    assert "task 'spinner': runnable, at" in tree


async def test_a_task_being_started_says_where_it_moves() -> None:
    async def slow_start(task_status: trio_core.TaskStatus[None]) -> None:
        await trio_core.sleep_forever()

    async with trio_core.open_nursery() as nursery:

        async def starter() -> None:
            await nursery.start(slow_start, name="starting")

        nursery.start_soon(starter, name="starter")
        await wait_all_tasks_blocked()
        tree = lowlevel.format_task_tree()
        nursery.cancel_scope.cancel()
    assert "being started: moves to a nursery of" in tree


async def test_from_a_worker_thread_hops_into_the_run() -> None:
    event = trio_core.Event()
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waiter_on_event, event, name="waiter")
        await wait_all_tasks_blocked()
        tree = await to_thread.run_sync(lowlevel.format_task_tree)
        event.set()
    # Built in the run's thread: the main task waits for the worker there.
    assert "in run_sync()" in _line_of(tree, lowlevel.current_task().name)
    assert "Event.wait()" in _line_of(tree, "waiter")


async def test_from_a_foreign_thread_with_a_token_and_print_task_tree() -> None:
    token = lowlevel.current_trio_token()
    results: list[Any] = []
    buffer = io.StringIO()

    def foreign() -> None:
        try:
            lowlevel.print_task_tree(buffer, trio_token=token)
            results.append(buffer.getvalue())
        except BaseException as exc:  # pragma: no cover - reported below
            results.append(exc)

    thread = threading.Thread(target=foreign)
    thread.start()
    await to_thread.run_sync(thread.join)
    assert isinstance(results[0], str) and results[0].startswith("task tree of the run")


def test_from_a_foreign_thread_without_a_token_is_refused() -> None:
    with pytest.raises(RuntimeError, match="pass trio_token="):
        lowlevel.format_task_tree()


def test_from_a_thread_when_the_run_is_busy_times_out() -> None:
    from trio_core import TooSlowError

    box: dict[str, Any] = {}
    release = threading.Event()

    async def main() -> None:
        token = lowlevel.current_trio_token()

        def ask() -> None:
            try:
                lowlevel.format_task_tree(trio_token=token, timeout=0.05)
            except BaseException as exc:
                box["error"] = exc
            finally:
                release.set()

        threading.Thread(target=ask).start()
        # Busy without a checkpoint until the other thread gave up.
        release.wait(10)

    trio_core.run(main)
    assert isinstance(box["error"], TooSlowError)
    assert "did not answer within 0.05 seconds" in str(box["error"])


def test_from_a_thread_after_the_run_finished() -> None:
    async def main() -> lowlevel.TrioToken:
        return lowlevel.current_trio_token()

    token = trio_core.run(main)
    with pytest.raises(trio_core.RunFinishedError):
        lowlevel.format_task_tree(trio_token=token)


async def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="stacks must be a bool"):
        lowlevel.format_task_tree(stacks="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="trio_token must be a TrioToken"):
        lowlevel.format_task_tree(trio_token=object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive number"):
        lowlevel.format_task_tree(timeout=0)
    with pytest.raises(ValueError, match="NaN"):
        lowlevel.format_task_tree(timeout=math.nan)
    with pytest.raises(TypeError, match="number of seconds"):
        lowlevel.format_task_tree(timeout="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="write"):
        lowlevel.print_task_tree(file=42)  # type: ignore[arg-type]


def test_the_token_of_another_run_is_refused_inside_a_run() -> None:
    async def get_token() -> lowlevel.TrioToken:
        return lowlevel.current_trio_token()

    other = trio_core.run(get_token)

    async def main() -> None:
        with pytest.raises(RuntimeError, match="token of another run"):
            lowlevel.format_task_tree(trio_token=other)

    trio_core.run(main)


async def test_print_task_tree_defaults_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    lowlevel.print_task_tree()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("task tree of the run")


# ---------------------------------------------------------------- dump_task_tree_on


async def test_dump_on_a_signal_and_the_old_handler_comes_back() -> None:
    buffer = io.StringIO()
    before = signal.getsignal(signal.SIGUSR1)
    with lowlevel.dump_task_tree_on(signal.SIGUSR1, file=buffer):
        assert signal.getsignal(signal.SIGUSR1) is not before
        signal.raise_signal(signal.SIGUSR1)
        # The handler only queues the dump: it appears at the loop's next turn.
        assert buffer.getvalue() == ""
        await wait_all_tasks_blocked()
        assert buffer.getvalue().startswith("task tree of the run")
        # Two signals in a row (before the dump ran) give one dump.
        signal.raise_signal(signal.SIGUSR1)
        signal.raise_signal(signal.SIGUSR1)
        await wait_all_tasks_blocked()
        assert buffer.getvalue().count("task tree of the run") == 2
    assert signal.getsignal(signal.SIGUSR1) is before


async def test_dump_on_a_signal_is_restored_when_the_block_is_cancelled() -> None:
    before = signal.getsignal(signal.SIGUSR2)
    with trio_core.move_on_after(0) as scope:
        with lowlevel.dump_task_tree_on(signal.SIGUSR2, file=io.StringIO()):
            await trio_core.sleep_forever()
    assert scope.cancelled_caught
    assert signal.getsignal(signal.SIGUSR2) is before


async def test_dump_on_a_signal_bad_input() -> None:
    with pytest.raises(ValueError, match="SIGINT"):
        lowlevel.dump_task_tree_on(signal.SIGINT)
    with pytest.raises(ValueError, match="can be caught"):
        lowlevel.dump_task_tree_on(signal.SIGKILL)
    with pytest.raises(ValueError, match="can be caught"):
        lowlevel.dump_task_tree_on(100000)
    with pytest.raises(TypeError, match="signal number"):
        lowlevel.dump_task_tree_on("SIGUSR1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="signal number"):
        lowlevel.dump_task_tree_on(True)
    with pytest.raises(TypeError, match="write"):
        lowlevel.dump_task_tree_on(signal.SIGUSR1, file=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="stacks"):
        lowlevel.dump_task_tree_on(signal.SIGUSR1, stacks=1)  # type: ignore[arg-type]
    block = lowlevel.dump_task_tree_on(signal.SIGUSR1, file=io.StringIO())
    with block:
        pass
    with pytest.raises(RuntimeError, match="only once"):
        block.__enter__()


def test_dump_on_a_signal_outside_a_run_or_the_main_thread() -> None:
    with pytest.raises(RuntimeError, match=r"inside trio_core\.run"):
        lowlevel.dump_task_tree_on(signal.SIGUSR1)
    box: dict[str, BaseException] = {}

    def in_thread() -> None:
        async def main() -> None:
            lowlevel.dump_task_tree_on(signal.SIGUSR1)

        try:
            trio_core.run(main)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert isinstance(box["error"], RuntimeError)
    assert "main thread" in str(box["error"])


async def test_a_dump_to_a_closed_file_says_so_and_the_run_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    closed = io.StringIO()
    closed.close()
    with lowlevel.dump_task_tree_on(signal.SIGUSR1, file=closed):
        signal.raise_signal(signal.SIGUSR1)
        await wait_all_tasks_blocked()
    assert "could not write the task tree" in capsys.readouterr().err
