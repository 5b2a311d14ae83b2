"""trio_core.run(), the task tree, sleeping, checkpoints and run-wide errors."""

from __future__ import annotations

import functools
import inspect
import math
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.testing import MockClock, assert_checkpoints, assert_no_checkpoints

# ---------------------------------------------------------------- run()


def test_run_returns_the_value_of_the_main_function() -> None:
    async def main() -> str:
        await lowlevel.checkpoint()
        return "result"

    assert trio_core.run(main) == "result"


def test_run_passes_positional_arguments() -> None:
    async def main(a: int, b: str, *rest: int) -> tuple[int, str, tuple[int, ...]]:
        return a, b, rest

    assert trio_core.run(main, 1, "two", 3, 4) == (1, "two", (3, 4))


def test_run_accepts_a_partial_for_keyword_arguments() -> None:
    async def main(*, key: str) -> str:
        return key

    assert trio_core.run(functools.partial(main, key="value")) == "value"


def test_run_propagates_the_very_exception_object() -> None:
    error = ValueError("boom")

    async def main() -> None:
        await lowlevel.checkpoint()
        raise error

    with pytest.raises(ValueError) as info:
        trio_core.run(main)
    assert info.value is error


def test_run_propagates_base_exceptions_such_as_systemexit() -> None:
    async def main() -> None:
        raise SystemExit(3)

    with pytest.raises(SystemExit) as info:
        trio_core.run(main)
    assert info.value.code == 3


def test_run_with_a_sync_function_is_a_typeerror_saying_what_to_pass() -> None:
    def not_async() -> int:
        return 1

    with pytest.raises(TypeError) as info:
        trio_core.run(not_async)  # type: ignore[arg-type]
    message = str(info.value)
    assert "async" in message
    assert "not_async" in message


def test_run_with_a_coroutine_object_is_a_typeerror_saying_what_to_pass() -> None:
    async def main(x: int) -> int:
        return x

    coro = main(1)
    with pytest.raises(TypeError) as info:
        trio_core.run(coro)  # type: ignore[arg-type]
    message = str(info.value)
    assert "coroutine object" in message
    assert "run(main, arg)" in message or "separately" in message
    # The coroutine was closed, so no "never awaited" warning (the leak fixture checks it too).
    assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED


def test_run_with_a_non_callable_is_a_typeerror() -> None:
    with pytest.raises(TypeError, match="not callable"):
        trio_core.run(42)  # type: ignore[arg-type]


async def test_run_inside_a_run_is_a_runtimeerror() -> None:
    async def inner() -> None:
        pass  # pragma: no cover

    with pytest.raises(RuntimeError, match="inside a run"):
        trio_core.run(inner)


def test_runs_one_after_the_other_are_independent() -> None:
    async def main(tag: int) -> tuple[int, int]:
        return tag, len(lowlevel.current_root_task().child_nurseries)  # type: ignore[union-attr]

    assert trio_core.run(main, 1) == (1, 1)
    assert trio_core.run(main, 2) == (2, 1)


def test_a_failed_run_leaves_the_thread_ready_for_the_next_run() -> None:
    async def bad() -> None:
        raise KeyError("x")

    async def good() -> str:
        await trio_core.sleep(0)
        return "ok"

    with pytest.raises(KeyError):
        trio_core.run(bad)
    assert trio_core.run(good) == "ok"


async def test_a_run_in_another_thread_while_this_one_runs() -> None:
    results: list[object] = []

    async def other() -> int:
        await trio_core.sleep(0)
        return 7

    def in_thread() -> None:
        try:
            results.append(trio_core.run(other))
        except BaseException as exc:  # pragma: no cover - reported below
            results.append(exc)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert results == [7]
    await lowlevel.checkpoint()


def test_run_uses_the_given_clock() -> None:
    clock = MockClock()
    clock.jump(1000)

    async def main() -> tuple[float, object]:
        return trio_core.current_time(), lowlevel.current_clock()

    now, seen = trio_core.run(main, clock=clock)
    assert now == pytest.approx(1000)
    assert seen is clock


@pytest.mark.parametrize("clock", [object(), MockClock], ids=["object", "the MockClock class"])
def test_a_clock_of_the_wrong_type_is_a_typeerror(clock: object) -> None:
    async def main() -> None:
        pass  # pragma: no cover

    with pytest.raises(TypeError, match="clock"):
        trio_core.run(main, clock=clock)  # type: ignore[arg-type]


def test_calling_run_apis_outside_a_run_is_a_runtimeerror() -> None:
    calls: list[Callable[[], object]] = [
        trio_core.current_time,
        trio_core.current_effective_deadline,
        lowlevel.current_task,
        lowlevel.current_root_task,
        lowlevel.current_clock,
        lowlevel.current_statistics,
        lowlevel.current_trio_token,
        lambda: trio_core.CancelScope().__enter__(),
    ]
    for call in calls:
        with pytest.raises(RuntimeError, match=r"inside trio_core\.run"):
            call()


def test_internal_types_have_no_public_constructor() -> None:
    classes: list[Any] = [trio_core.Cancelled, lowlevel.Task, trio_core.Nursery, lowlevel.TrioToken]
    for cls in classes:
        with pytest.raises(TypeError, match="no public constructor"):
            cls()


# ---------------------------------------------------------------- tasks and the task tree


async def test_current_task_is_the_main_task_with_its_coroutine_and_name() -> None:
    task = lowlevel.current_task()
    assert isinstance(task, lowlevel.Task)
    assert inspect.getcoroutinestate(task.coro) == inspect.CORO_RUNNING  # we are inside it
    assert isinstance(task.name, str)


async def test_task_tree_from_root_to_children() -> None:
    root = lowlevel.current_root_task()
    me = lowlevel.current_task()
    assert root is not None and root is not me
    assert root.parent_nursery is None
    # The root's (system) nursery holds the main task.
    (system_nursery,) = root.child_nurseries
    assert me in system_nursery.child_tasks
    assert me.parent_nursery is system_nursery
    assert system_nursery.parent_task is root

    seen: dict[str, lowlevel.Task] = {}

    async def child(tag: str) -> None:
        seen[tag] = lowlevel.current_task()
        await trio_core.sleep_forever()

    assert me.child_nurseries == []
    async with trio_core.open_nursery() as outer:
        assert me.child_nurseries == [outer]
        assert outer.parent_task is me
        outer.start_soon(child, "a", name="child-a")
        async with trio_core.open_nursery() as inner:
            assert me.child_nurseries == [outer, inner]  # outermost first
            inner.start_soon(child, "b")
            await trio_core.testing.wait_all_tasks_blocked()
            assert seen["a"].name == "child-a"
            assert seen["a"].parent_nursery is outer
            assert seen["b"].parent_nursery is inner
            assert outer.child_tasks == frozenset({seen["a"]})
            assert inner.child_tasks == frozenset({seen["b"]})
            assert seen["a"].child_nurseries == []
            inner.cancel_scope.cancel()
        assert me.child_nurseries == [outer]
        assert inner.child_tasks == frozenset()
        outer.cancel_scope.cancel()
    assert me.child_nurseries == []

    # Walking the tree from the root finds every living task.
    def walk(task: lowlevel.Task) -> list[lowlevel.Task]:
        found = [task]
        for nursery in task.child_nurseries:
            for child_task in nursery.child_tasks:
                found.extend(walk(child_task))
        return found

    assert me in walk(root)


async def test_default_task_name_is_the_qualified_function_name() -> None:
    names: list[str] = []

    async def some_child() -> None:
        names.append(lowlevel.current_task().name)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(some_child)
        nursery.start_soon(functools.partial(some_child))
        nursery.start_soon(some_child, name=some_child)
    assert len(names) == 3
    for name in names:
        assert name.endswith("some_child"), name
        assert __name__ in name


async def test_task_coro_is_the_coroutine_being_run() -> None:
    coros: list[Any] = []

    async def child() -> None:
        task = lowlevel.current_task()
        coros.append(task.coro)
        await lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(child)
    (coro,) = coros
    assert coro.cr_code is child.__code__


async def test_tasks_run_in_a_copy_of_the_spawner_context() -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("parent")
    seen: list[str] = []

    async def child() -> None:
        seen.append(var.get())
        var.set("child")  # does not leak back

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(child)
    assert seen == ["parent"]
    assert var.get() == "parent"


# ---------------------------------------------------------------- time and sleeping


async def test_sleep_advances_virtual_time_exactly(autojump_clock: MockClock) -> None:
    start = trio_core.current_time()
    await trio_core.sleep(5)
    assert trio_core.current_time() - start == pytest.approx(5)
    await trio_core.sleep_until(start + 12.5)
    assert trio_core.current_time() == pytest.approx(start + 12.5)


async def test_sleepers_wake_in_deadline_order(autojump_clock: MockClock) -> None:
    order: list[float] = []

    async def sleeper(seconds: float) -> None:
        await trio_core.sleep(seconds)
        order.append(seconds)

    async with trio_core.open_nursery() as nursery:
        for seconds in (3, 1, 4, 1.5, 9, 2.6, 0):
            nursery.start_soon(sleeper, seconds)
    assert order == sorted(order)
    assert trio_core.current_time() == pytest.approx(9)


async def test_sleep_does_not_wake_before_its_deadline(mock_clock: MockClock) -> None:
    woke: list[float] = []

    async def sleeper() -> None:
        await trio_core.sleep(10)
        woke.append(trio_core.current_time())

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        await trio_core.testing.wait_all_tasks_blocked()
        mock_clock.jump(9.9)
        await trio_core.testing.wait_all_tasks_blocked()
        assert woke == []
        mock_clock.jump(0.1)
    assert woke == [pytest.approx(10)]


@pytest.mark.parametrize("bad", [-1, -0.001, math.nan, -math.inf])
async def test_sleep_rejects_negative_and_nan(bad: float) -> None:
    with pytest.raises(ValueError):
        await trio_core.sleep(bad)


async def test_sleep_until_rejects_nan() -> None:
    with pytest.raises(ValueError):
        await trio_core.sleep_until(math.nan)


@pytest.mark.parametrize("bad", ["1", None, b"1", True])
async def test_sleep_rejects_non_numbers(bad: object) -> None:
    with pytest.raises(TypeError, match="number"):
        await trio_core.sleep(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="number"):
        await trio_core.sleep_until(bad)  # type: ignore[arg-type]


async def test_sleep_accepts_ints_and_zero(autojump_clock: MockClock) -> None:
    await trio_core.sleep(0)
    await trio_core.sleep(2)
    assert trio_core.current_time() == pytest.approx(2)
    await trio_core.sleep_until(0)  # in the past: returns at once
    await trio_core.sleep_until(-math.inf)
    assert trio_core.current_time() == pytest.approx(2)


async def test_sleep_forever_sleeps_until_cancelled(autojump_clock: MockClock) -> None:
    with trio_core.move_on_after(1000) as scope:
        await trio_core.sleep_forever()
    assert scope.cancelled_caught
    assert trio_core.current_time() == pytest.approx(1000)


async def test_sleep_forever_woken_by_reschedule_is_an_error() -> None:
    task = lowlevel.current_task()

    async def waker() -> None:
        await trio_core.testing.wait_all_tasks_blocked()
        lowlevel.reschedule(task)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waker)
        with pytest.raises(RuntimeError, match="sleep_forever"):
            await trio_core.sleep_forever()


async def test_current_time_is_monotonic_with_the_system_clock() -> None:
    first = trio_core.current_time()
    await lowlevel.checkpoint()
    assert trio_core.current_time() >= first


# ---------------------------------------------------------------- checkpoints

# Each async API must be a checkpoint: it yields to the scheduler (checked with an
# instrument that counts steps) and raises Cancelled in a cancelled scope, even when
# it could complete at once.


async def _nursery_with_no_children() -> None:
    async with trio_core.open_nursery():
        pass


async def _start_a_task_that_starts_at_once() -> None:
    async def quick(
        task_status: trio_core.TaskStatus[None] = trio_core.TASK_STATUS_IGNORED,
    ) -> None:
        task_status.started()

    async with trio_core.open_nursery() as nursery:
        await nursery.start(quick)


async def _get_batch_with_something_queued() -> None:
    queue: lowlevel.UnboundedQueue[int] = lowlevel.UnboundedQueue()
    queue.put_nowait(1)
    assert await queue.get_batch() == [1]


CHECKPOINTS: dict[str, Callable[[], Awaitable[object]]] = {
    "checkpoint": lowlevel.checkpoint,
    "sleep(0)": lambda: trio_core.sleep(0),
    "sleep(0.0)": lambda: trio_core.sleep(0.0),
    "sleep_until(past)": lambda: trio_core.sleep_until(-1e9),
    "nursery exit": _nursery_with_no_children,
    "start": _start_a_task_that_starts_at_once,
    "get_batch": _get_batch_with_something_queued,
}


@pytest.mark.parametrize("name", sorted(CHECKPOINTS))
async def test_api_yields_even_when_it_could_complete_at_once(name: str) -> None:
    with assert_checkpoints():
        await CHECKPOINTS[name]()


@pytest.mark.parametrize("name", sorted(CHECKPOINTS))
async def test_api_raises_cancelled_in_a_cancelled_scope(name: str) -> None:
    reached_end = False
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await CHECKPOINTS[name]()
        reached_end = True  # pragma: no cover
    assert not reached_end
    assert scope.cancelled_caught


async def test_blocking_apis_raise_cancelled_in_a_cancelled_scope() -> None:
    blocking: list[Callable[[], Awaitable[object]]] = [
        lambda: trio_core.sleep(1),
        lambda: trio_core.sleep_until(math.inf),
        trio_core.sleep_forever,
        lambda: lowlevel.ParkingLot().park(),
        lambda: lowlevel.UnboundedQueue[int]().get_batch(),
        lambda: trio_core.testing.wait_all_tasks_blocked(),
    ]
    for fn in blocking:
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await fn()
        assert scope.cancelled_caught


async def test_checkpoint_if_cancelled_does_not_yield_unless_cancelled() -> None:
    with assert_no_checkpoints():
        await lowlevel.checkpoint_if_cancelled()
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await lowlevel.checkpoint_if_cancelled()
    assert scope.cancelled_caught


async def test_cancel_shielded_checkpoint_yields_but_never_raises() -> None:
    with trio_core.CancelScope() as scope:
        scope.cancel()
        with assert_checkpoints():
            await lowlevel.cancel_shielded_checkpoint()
    assert not scope.cancelled_caught


async def test_start_soon_and_nursery_entry_are_not_checkpoints() -> None:
    async def child() -> None:
        pass

    async with trio_core.open_nursery() as nursery:
        with assert_no_checkpoints():
            nursery.start_soon(child)
            trio_core.current_time()
            trio_core.current_effective_deadline()
            lowlevel.current_statistics()


async def test_checkpoints_let_other_tasks_run() -> None:
    log: list[str] = []

    async def worker(tag: str) -> None:
        for i in range(3):
            log.append(f"{tag}{i}")
            await lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(worker, "a")
        nursery.start_soon(worker, "b")
    # Interleaved: neither task ran all its steps before the other started.
    assert log.index("b0") < log.index("a2")
    assert log.index("a0") < log.index("b2")
    assert sorted(log) == ["a0", "a1", "a2", "b0", "b1", "b2"]


# ---------------------------------------------------------------- system tasks and errors


def test_a_crashing_system_task_is_a_triointernalerror() -> None:
    # As in Trio: the run's own machinery failed; the error is the __cause__.
    cancelled: list[str] = []

    async def crash() -> None:
        raise ZeroDivisionError("in the system task")

    async def main() -> None:
        lowlevel.spawn_system_task(crash)
        try:
            await trio_core.sleep_forever()
        except trio_core.Cancelled:
            cancelled.append("main")
            raise

    with pytest.raises(trio_core.TrioInternalError) as info:
        trio_core.run(main)
    cause = info.value.__cause__
    assert isinstance(cause, ZeroDivisionError) and str(cause) == "in the system task"
    assert any("system tasks" in note for note in cause.__notes__)
    assert cancelled == ["main"]  # the run was torn down: everything cancelled


def test_a_failing_run_sync_soon_callback_is_a_triointernalerror() -> None:
    def bad_callback() -> None:
        raise LookupError("callback failed")

    async def main() -> None:
        lowlevel.current_trio_token().run_sync_soon(bad_callback)
        await trio_core.sleep_forever()

    with pytest.raises(trio_core.TrioInternalError) as info:
        trio_core.run(main)
    cause = info.value.__cause__
    assert isinstance(cause, LookupError) and str(cause) == "callback failed"
    notes = "\n".join(cause.__notes__)
    assert "bad_callback" in notes and "run_sync_soon" in notes


@pytest.mark.parametrize("returned", [None, True, "SUCCEEDED"])
def test_an_abort_function_returning_nonsense_is_a_triointernalerror(returned: object) -> None:
    log: list[str] = []

    async def sibling() -> None:
        try:
            await trio_core.sleep_forever()
        except trio_core.Cancelled:
            log.append("sibling cancelled")
            raise

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(sibling)
            with trio_core.CancelScope() as scope:
                scope.cancel()
                try:
                    await lowlevel.wait_task_rescheduled(lambda _: returned)  # type: ignore[arg-type,return-value]
                except TypeError:
                    log.append("woken with TypeError")
                    raise
            log.append("carried on")  # pragma: no cover

    with pytest.raises(trio_core.TrioInternalError) as info:
        trio_core.run(main)
    cause = info.value.__cause__
    assert isinstance(cause, TypeError)
    assert f"returned {returned!r}; it must return Abort.SUCCEEDED" in str(cause)
    assert any("abort function" in note for note in cause.__notes__)
    assert log == ["woken with TypeError", "sibling cancelled"]


def test_a_task_that_exits_with_a_nursery_open_is_a_runtimeerror() -> None:
    async def leaky() -> None:
        await trio_core.open_nursery().__aenter__()

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(leaky)

    with pytest.raises(ExceptionGroup) as info:
        trio_core.run(main)
    assert info.group_contains(RuntimeError, match="exited with nurseries still open")


def test_system_tasks_are_cancelled_when_the_main_task_exits() -> None:
    log: list[str] = []

    async def system() -> None:
        try:
            await trio_core.sleep_forever()
        finally:
            log.append("system task cancelled")

    async def main() -> str:
        lowlevel.spawn_system_task(system)
        await trio_core.testing.wait_all_tasks_blocked()
        log.append("main exits")
        return "done"

    assert trio_core.run(main) == "done"
    assert log == ["main exits", "system task cancelled"]


async def test_system_tasks_are_not_children_of_the_main_task() -> None:
    async def system() -> None:
        await trio_core.sleep_forever()

    task = lowlevel.spawn_system_task(system, name="sys")
    assert task.name == "sys"
    root = lowlevel.current_root_task()
    assert root is not None
    assert task.parent_nursery is lowlevel.current_task().parent_nursery
    assert task.parent_nursery is not None and task.parent_nursery.parent_task is root
    # Cancelling the main task's own scopes does not reach it.
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await lowlevel.checkpoint()
    await trio_core.testing.wait_all_tasks_blocked()
    assert task in task.parent_nursery.child_tasks


def test_a_system_task_outlives_a_failing_main_task_and_the_error_wins() -> None:
    async def system() -> None:
        await trio_core.sleep_forever()

    async def main() -> None:
        lowlevel.spawn_system_task(system)
        raise ValueError("main failed")

    with pytest.raises(ValueError, match="main failed"):
        trio_core.run(main)


async def test_spawn_system_task_rejects_a_coroutine_object() -> None:
    async def fn() -> None:
        pass  # pragma: no cover

    coro = fn()
    with pytest.raises(TypeError, match="coroutine object"):
        lowlevel.spawn_system_task(coro)  # type: ignore[arg-type]
    assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED


# ---------------------------------------------------------------- platforms


def test_importing_on_windows_is_a_clear_importerror() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.platform = 'win32'\n"
        "try:\n"
        "    import trio_core\n"
        "except ImportError as exc:\n"
        "    print('ImportError:', exc)\n"
        "else:\n"
        "    print('imported')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("ImportError:"), result.stdout + result.stderr
    assert "Windows" in result.stdout


def test_run_restores_the_asyncgen_hooks() -> None:
    import sys

    before = sys.get_asyncgen_hooks()

    async def main() -> object:
        return sys.get_asyncgen_hooks()

    during = trio_core.run(main)
    assert during != before
    assert sys.get_asyncgen_hooks() == before


@pytest.mark.parametrize("pending", [0, 1, 2**16 - 1, 2**16, 2**16 + 1, 2**17 + 5])
def test_the_wakeup_socket_is_drained_in_full(pending: int) -> None:
    # drain() stops at the first short read; whatever was written before it
    # (more than one read's worth, or exactly one) must all be gone.
    from trio_core._entry_queue import _WakeupSocketpair

    pair = _WakeupSocketpair()
    try:
        # A socketpair holds about 200 KB on Linux; the largest case needs
        # more than two reads' worth to be in it at once.
        written = 0
        while written < pending:
            try:
                written += pair.write_sock.send(b"\0" * (pending - written))
            except BlockingIOError:
                pytest.skip(f"this platform's socketpair holds only {written} bytes")
        pair.drain()
        with pytest.raises(BlockingIOError):
            pair.read_sock.recv(1)
        # And it still wakes: a new byte is seen.
        pair.wakeup()
        assert pair.read_sock.recv(10) == b"\0"
    finally:
        pair.close()
