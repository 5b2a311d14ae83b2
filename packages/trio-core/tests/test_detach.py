"""lowlevel.temporarily_detach_coroutine_object / reattach_detached_coroutine_object /
permanently_detach_coroutine_object: handing a task's coroutine to another runner."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

import pytest
from outcome import Error, Value

import trio_core
from trio_core import lowlevel
from trio_core.testing import wait_all_tasks_blocked


async def test_a_coroutine_detached_for_a_while_comes_back() -> None:
    log: list[object] = []
    detached: list[lowlevel.Task] = []

    def abort(_: lowlevel.RaiseCancelT) -> lowlevel.Abort:
        return lowlevel.Abort.FAILED  # pragma: no cover

    async def detacher() -> None:
        task = lowlevel.current_task()
        detached.append(task)
        got = await lowlevel.temporarily_detach_coroutine_object(abort)
        log.append(("the other runner sent", got))
        await lowlevel.reattach_detached_coroutine_object(task, "stop driving me")
        await lowlevel.checkpoint()
        log.append(("back", lowlevel.current_task() is task))

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(detacher)
        await wait_all_tasks_blocked()
        # This task plays the other coroutine runner.
        coro: Any = detached[0].coro
        log.append(("the other runner got", coro.send("hello")))
    assert log == [
        ("the other runner sent", "hello"),
        ("the other runner got", "stop driving me"),
        ("back", True),
    ]


async def test_cancelling_a_detached_task_calls_its_abort_function() -> None:
    aborted: list[object] = []
    detached: list[lowlevel.Task] = []

    def abort(raise_cancel: lowlevel.RaiseCancelT) -> lowlevel.Abort:
        aborted.append(raise_cancel)
        return lowlevel.Abort.FAILED

    async def detacher() -> None:
        task = lowlevel.current_task()
        detached.append(task)
        await lowlevel.temporarily_detach_coroutine_object(abort)
        await lowlevel.reattach_detached_coroutine_object(task, None)
        assert len(aborted) == 1
        aborted[0]()  # type: ignore[operator]  # raises Cancelled, as the abort promised

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(detacher)
        await wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
        assert len(aborted) == 1
        coro: Any = detached[0].coro
        assert coro.send("resume") is None  # it reattached
    assert nursery.cancel_scope.cancelled_caught


async def test_reattach_must_come_from_inside_the_coroutine() -> None:
    with pytest.RaisesGroup(
        pytest.RaisesExc(RuntimeError, match="must be called from inside the coroutine")
    ):
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(trio_core.sleep_forever)
            await wait_all_tasks_blocked()
            (other,) = nursery.child_tasks
            try:
                await lowlevel.reattach_detached_coroutine_object(other, None)
            finally:
                nursery.cancel_scope.cancel()


def test_a_permanently_detached_main_task_ends_the_run_with_its_outcome() -> None:
    coros: list[Coroutine[Any, Any, Any]] = []

    async def main() -> Any:
        coros.append(lowlevel.current_task().coro)
        got = await lowlevel.permanently_detach_coroutine_object(Value(42))
        return ("finished under the other runner", got)

    assert trio_core.run(main) == 42
    with pytest.raises(StopIteration) as info:
        coros[0].send("resumed")
    assert info.value.value == ("finished under the other runner", "resumed")


async def test_a_permanently_detached_child_exits_its_nursery_with_its_error() -> None:
    coros: list[Coroutine[Any, Any, Any]] = []

    async def child() -> None:
        coros.append(lowlevel.current_task().coro)
        await lowlevel.permanently_detach_coroutine_object(Error(ValueError("detached")))

    with pytest.RaisesGroup(pytest.RaisesExc(ValueError, match="detached")):
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(child)
    with pytest.raises(StopIteration):
        coros[0].send(None)


async def test_permanently_detaching_with_a_nursery_open_is_refused() -> None:
    async with trio_core.open_nursery():
        with pytest.raises(RuntimeError, match="open nurseries"):
            await lowlevel.permanently_detach_coroutine_object(Value(None))
