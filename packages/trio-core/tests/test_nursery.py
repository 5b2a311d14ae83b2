"""Nurseries: start_soon, start/task_status, error propagation, exception groups."""

from __future__ import annotations

import functools
import inspect

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.testing import MockClock, wait_all_tasks_blocked

TaskStatus = trio_core.TaskStatus
IGNORED = trio_core.TASK_STATUS_IGNORED


def _leaves(exc: BaseException) -> list[BaseException]:
    """Every non-group exception inside ``exc`` (depth first)."""
    if isinstance(exc, BaseExceptionGroup):
        found: list[BaseException] = []
        for inner in exc.exceptions:
            found.extend(_leaves(inner))
        return found
    return [exc]


# ---------------------------------------------------------------- start_soon


async def test_nursery_waits_for_all_children(autojump_clock: MockClock) -> None:
    done: list[int] = []

    async def child(n: int) -> None:
        await trio_core.sleep(n)
        done.append(n)

    async with trio_core.open_nursery() as nursery:
        for n in (3, 1, 2):
            nursery.start_soon(child, n)
        assert done == []
    assert done == [1, 2, 3]
    assert trio_core.current_time() == pytest.approx(3)


async def test_children_start_only_at_the_next_schedule_point() -> None:
    started: list[str] = []

    async def child() -> None:
        started.append("child")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(child)
        assert started == []
        await lowlevel.checkpoint()
        assert started == ["child"]


async def test_children_may_start_siblings_while_the_parent_waits_in_exit() -> None:
    log: list[str] = []

    async def grandchild() -> None:
        await lowlevel.checkpoint()
        log.append("late sibling")

    async def child(nursery: trio_core.Nursery) -> None:
        await wait_all_tasks_blocked()  # the parent is now waiting in __aexit__
        nursery.start_soon(grandchild)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(child, nursery)
    assert log == ["late sibling"]


async def test_start_soon_on_a_closed_nursery_is_an_error() -> None:
    async with trio_core.open_nursery() as nursery:
        pass

    async def child() -> None:
        pass  # pragma: no cover

    with pytest.raises(RuntimeError, match="closed"):
        nursery.start_soon(child)


async def test_start_soon_with_a_coroutine_object_is_a_helpful_typeerror() -> None:
    async def child(x: int) -> None:
        pass  # pragma: no cover

    async with trio_core.open_nursery() as nursery:
        coro = child(1)
        with pytest.raises(TypeError, match="coroutine object") as info:
            nursery.start_soon(coro)  # type: ignore[arg-type]
        assert "start_soon(fn, arg)" in str(info.value)
        assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED  # no "never awaited"


async def test_start_soon_with_a_sync_function_is_a_typeerror() -> None:
    def sync() -> int:
        return 1

    async with trio_core.open_nursery() as nursery:
        with pytest.raises(TypeError, match="async"):
            nursery.start_soon(sync)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="not callable"):
            nursery.start_soon(None)  # type: ignore[arg-type]


async def test_start_soon_passes_arguments() -> None:
    got: list[tuple[object, ...]] = []

    async def child(*args: object, key: str = "") -> None:
        got.append((*args, key))

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(child, 1, "a")
        nursery.start_soon(functools.partial(child, key="k"), 2)
    assert sorted(got, key=repr) == sorted([(1, "a", ""), (2, "k")], key=repr)


async def test_task_status_ignored_lets_start_functions_run_with_start_soon() -> None:
    ran: list[str] = []

    async def server(task_status: TaskStatus[int] = IGNORED) -> None:
        task_status.started(1)
        ran.append("after started")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(server)
    assert ran == ["after started"]
    assert repr(IGNORED) == "TASK_STATUS_IGNORED"


# ---------------------------------------------------------------- cancellation


async def test_cancelling_the_nursery_scope_cancels_body_and_children() -> None:
    cancelled: list[str] = []

    async def child(tag: str) -> None:
        try:
            await trio_core.sleep_forever()
        except trio_core.Cancelled:
            cancelled.append(tag)
            raise

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(child, "a")
        nursery.start_soon(child, "b")
        await wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
        await lowlevel.checkpoint()
        pytest.fail("the body should have been cancelled")  # pragma: no cover
    assert sorted(cancelled) == ["a", "b"]
    assert nursery.cancel_scope.cancelled_caught


async def test_a_child_cancelling_its_nursery() -> None:
    async def canceller(nursery: trio_core.Nursery) -> None:
        await lowlevel.checkpoint()
        nursery.cancel_scope.cancel()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(trio_core.sleep_forever)
        nursery.start_soon(canceller, nursery)
        await trio_core.sleep_forever()
    assert nursery.cancel_scope.cancelled_caught


async def test_outer_cancellation_while_waiting_in_exit_cancels_children_and_is_caught_outside(
    autojump_clock: MockClock,
) -> None:
    log: list[str] = []

    async def child() -> None:
        try:
            await trio_core.sleep_forever()
        finally:
            log.append("child cancelled")

    with trio_core.move_on_after(5) as outer:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(child)
    assert log == ["child cancelled"]
    assert outer.cancelled_caught
    assert not nursery.cancel_scope.cancelled_caught


async def test_leaving_an_empty_nursery_in_a_cancelled_scope_raises_nothing() -> None:
    # As in Trio: a schedule point, not a cancellation point.  It used to raise
    # a Cancelled wrapped in an ExceptionGroup, which escaped code that caught
    # nothing but Cancelled (or a scope between the nursery and the cancelled one).
    reached = False
    with trio_core.CancelScope() as scope:
        scope.cancel()
        try:
            async with trio_core.open_nursery():
                pass
        except BaseExceptionGroup:  # pragma: no cover
            pytest.fail("leaving an empty nursery raised an exception group")
        reached = True
        await lowlevel.checkpoint()
    assert reached
    assert scope.cancelled_caught
    with trio_core.CancelScope() as outer:
        outer.cancel()
        with trio_core.CancelScope() as inner:
            async with trio_core.open_nursery():
                pass
    assert not inner.cancelled_caught
    assert not outer.cancelled_caught


async def test_a_child_that_ignores_cancellation_keeps_the_nursery_open(
    autojump_clock: MockClock,
) -> None:
    async def stubborn() -> None:
        with trio_core.CancelScope(shield=True):
            await trio_core.sleep(10)

    start = trio_core.current_time()
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(stubborn)
        await wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    assert trio_core.current_time() - start == pytest.approx(10)


# ---------------------------------------------------------------- errors


async def test_a_failing_child_cancels_its_siblings_and_the_body() -> None:
    cancelled: list[str] = []

    async def sibling() -> None:
        try:
            await trio_core.sleep_forever()
        except trio_core.Cancelled:
            cancelled.append("sibling")
            raise

    async def failing() -> None:
        await wait_all_tasks_blocked()
        raise ValueError("child failed")

    with pytest.raises(ExceptionGroup) as info:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(sibling)
            nursery.start_soon(failing)
            try:
                await trio_core.sleep_forever()
            except trio_core.Cancelled:
                cancelled.append("body")
                raise
    assert sorted(cancelled) == ["body", "sibling"]
    # Strict by default: even a single error is wrapped; no Cancelled leaks out.
    (error,) = info.value.exceptions
    assert isinstance(error, ValueError)
    assert str(error) == "child failed"


async def test_several_children_failing_at_once_are_all_reported() -> None:
    errors = [ValueError(1), KeyError(2), TypeError(3), OSError(4), RuntimeError(5)]

    async def fail(exc: BaseException) -> None:
        raise exc

    with pytest.raises(ExceptionGroup) as info:
        async with trio_core.open_nursery() as nursery:
            for exc in errors:
                nursery.start_soon(fail, exc)
    assert len(info.value.exceptions) == len(errors)
    assert {id(e) for e in info.value.exceptions} == {id(e) for e in errors}


async def test_errors_raised_while_handling_cancellation_are_not_lost() -> None:
    async def first() -> None:
        await lowlevel.checkpoint()
        raise ValueError("first")

    async def cleanup_fails() -> None:
        try:
            await trio_core.sleep_forever()
        finally:
            raise KeyError("cleanup")

    async def cleanup_fails_after_checkpoint() -> None:
        try:
            await trio_core.sleep_forever()
        finally:
            with trio_core.CancelScope(shield=True):
                await lowlevel.checkpoint()
            raise OSError("slow cleanup")

    with pytest.raises(ExceptionGroup) as info:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(cleanup_fails)
            nursery.start_soon(cleanup_fails_after_checkpoint)
            nursery.start_soon(first)
    types = sorted(type(exc).__name__ for exc in info.value.exceptions)
    assert types == ["KeyError", "OSError", "ValueError"]
    # The cleanup errors remember the Cancelled they replaced.
    for exc in info.value.exceptions:
        if isinstance(exc, KeyError | OSError):
            assert isinstance(exc.__context__, trio_core.Cancelled)


async def test_an_error_in_the_body_cancels_the_children_and_is_reported_with_theirs() -> None:
    async def failing_on_cancel() -> None:
        try:
            await trio_core.sleep_forever()
        except trio_core.Cancelled:
            raise LookupError("child") from None

    with pytest.raises(ExceptionGroup) as info:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(failing_on_cancel)
            await wait_all_tasks_blocked()
            raise ValueError("body")
    assert sorted(type(e).__name__ for e in info.value.exceptions) == [
        "LookupError",
        "ValueError",
    ]


async def test_an_error_in_the_body_with_no_children_is_still_wrapped() -> None:
    with pytest.raises(ExceptionGroup) as info:
        async with trio_core.open_nursery():
            raise ValueError("body")
    (exc,) = info.value.exceptions
    assert isinstance(exc, ValueError)


async def test_nested_nurseries_nest_their_groups() -> None:
    async def fail() -> None:
        raise ValueError("deep")

    with pytest.raises(ExceptionGroup) as info:
        async with trio_core.open_nursery() as outer:
            outer.start_soon(trio_core.sleep_forever)
            async with trio_core.open_nursery() as inner:
                inner.start_soon(fail)
    (inner_group,) = info.value.exceptions
    assert isinstance(inner_group, ExceptionGroup)
    (leaf,) = inner_group.exceptions
    assert isinstance(leaf, ValueError)


async def test_base_exceptions_from_children_make_a_base_exception_group() -> None:
    async def exit_child() -> None:
        raise SystemExit(2)

    with pytest.raises(BaseExceptionGroup) as info:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(exit_child)
    assert not isinstance(info.value, ExceptionGroup)
    (leaf,) = info.value.exceptions
    assert isinstance(leaf, SystemExit)


def test_non_strict_run_lets_a_lone_error_through_bare() -> None:
    async def fail() -> None:
        raise ValueError("bare")

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(fail)

    with pytest.raises(ValueError, match="bare"):
        trio_core.run(main, strict_exception_groups=False)


def test_non_strict_run_still_groups_several_errors() -> None:
    async def fail(n: int) -> None:
        raise ValueError(n)

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(fail, 1)
            nursery.start_soon(fail, 2)

    with pytest.raises(ExceptionGroup) as info:
        trio_core.run(main, strict_exception_groups=False)
    assert sorted(e.args[0] for e in info.value.exceptions) == [1, 2]


def test_strict_run_wraps_a_lone_error() -> None:
    async def main() -> None:
        async with trio_core.open_nursery():
            raise ValueError

    with pytest.raises(ExceptionGroup):
        trio_core.run(main, strict_exception_groups=True)


async def test_per_nursery_strictness_overrides_the_run() -> None:
    async def fail() -> None:
        raise ValueError("lone")

    with pytest.raises(ValueError, match="lone"):
        async with trio_core.open_nursery(strict_exception_groups=False) as nursery:
            nursery.start_soon(fail)


def test_per_nursery_strict_overrides_a_non_strict_run() -> None:
    async def main() -> None:
        async with trio_core.open_nursery(strict_exception_groups=True):
            raise ValueError

    with pytest.raises(ExceptionGroup):
        trio_core.run(main, strict_exception_groups=False)


async def test_non_strict_lone_error_is_bare_even_when_siblings_were_cancelled() -> None:
    async def fail() -> None:
        await wait_all_tasks_blocked()
        raise ValueError("lone")

    with pytest.raises(ValueError, match="lone"):
        async with trio_core.open_nursery(strict_exception_groups=False) as nursery:
            nursery.start_soon(trio_core.sleep_forever)
            nursery.start_soon(fail)


async def test_non_strict_lone_body_error_is_bare_after_cancelling_children() -> None:
    with pytest.raises(KeyError):
        async with trio_core.open_nursery(strict_exception_groups=False) as nursery:
            nursery.start_soon(trio_core.sleep_forever)
            nursery.start_soon(trio_core.sleep_forever)
            await wait_all_tasks_blocked()
            raise KeyError


async def test_non_strict_collapse_keeps_real_groups() -> None:
    async def fail(exc: Exception) -> None:
        await wait_all_tasks_blocked()
        raise exc

    # Two errors stay together.
    with pytest.raises(ExceptionGroup) as info:
        async with trio_core.open_nursery(strict_exception_groups=False) as nursery:
            nursery.start_soon(trio_core.sleep_forever)
            nursery.start_soon(fail, KeyError())
            nursery.start_soon(fail, ValueError())
    assert sorted(type(e).__name__ for e in info.value.exceptions) == ["KeyError", "ValueError"]

    # A lone error that is itself a group from a strict nursery is not unwrapped.
    async def strict_child() -> None:
        async with trio_core.open_nursery(strict_exception_groups=True) as inner:
            inner.start_soon(fail, KeyError())

    with pytest.raises(ExceptionGroup) as info:
        async with trio_core.open_nursery(strict_exception_groups=False) as nursery:
            nursery.start_soon(trio_core.sleep_forever)
            nursery.start_soon(strict_child)
    (leaf,) = info.value.exceptions
    assert isinstance(leaf, KeyError)
    assert info.value.message == "Exceptions from Trio nursery"


# ---------------------------------------------------------------- start()


async def test_start_returns_the_started_value_and_the_task_keeps_running() -> None:
    log: list[str] = []

    async def server(port: int, task_status: TaskStatus[int] = IGNORED) -> None:
        log.append("setting up")
        await lowlevel.checkpoint()
        task_status.started(port + 1)
        log.append("started")
        await lowlevel.checkpoint()
        log.append("serving")

    async with trio_core.open_nursery() as nursery:
        value = await nursery.start(server, 8000)
        assert value == 8001
        assert log == ["setting up", "started"]
    assert log == ["setting up", "started", "serving"]


async def test_started_without_a_value_gives_none() -> None:
    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        task_status.started()

    async with trio_core.open_nursery() as nursery:
        assert await nursery.start(fn) is None


async def test_start_moves_the_task_into_the_nursery() -> None:
    seen: dict[str, object] = {}

    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        me = lowlevel.current_task()
        seen["before parent"] = me.parent_nursery
        seen["before eventual"] = me.eventual_parent_nursery
        task_status.started()
        seen["after parent"] = me.parent_nursery
        seen["after eventual"] = me.eventual_parent_nursery
        seen["task"] = me
        await trio_core.sleep_forever()

    async with trio_core.open_nursery() as nursery:
        await nursery.start(fn, name="the-server")
        task = seen["task"]
        assert isinstance(task, lowlevel.Task)
        assert task.name == "the-server"
        assert seen["before parent"] is not nursery
        assert seen["before eventual"] is nursery
        assert seen["after parent"] is nursery
        assert seen["after eventual"] is None
        assert task in nursery.child_tasks
        nursery.cancel_scope.cancel()


async def test_a_started_task_is_cancelled_by_its_new_nursery_not_the_caller() -> None:
    log: list[str] = []

    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        task_status.started()
        try:
            await trio_core.sleep_forever()
        finally:
            log.append("server cancelled")

    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as caller_scope:
            await nursery.start(fn)
            caller_scope.cancel()
            await lowlevel.checkpoint()
        assert caller_scope.cancelled_caught
        await wait_all_tasks_blocked()
        assert log == []  # still running in the nursery
        nursery.cancel_scope.cancel()
    assert log == ["server cancelled"]


async def test_an_error_before_started_propagates_bare_from_start() -> None:
    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        await lowlevel.checkpoint()
        raise KeyError("setup failed")

    sibling_done: list[str] = []

    async def sibling() -> None:
        await lowlevel.checkpoint()
        await lowlevel.checkpoint()
        sibling_done.append("yes")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sibling)
        with pytest.raises(KeyError, match="setup failed"):
            await nursery.start(fn)
        # The nursery was not affected.
        assert not nursery.cancel_scope.cancel_called
    assert sibling_done == ["yes"]


async def test_an_error_after_started_goes_to_the_nursery() -> None:
    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        task_status.started()
        await lowlevel.checkpoint()
        raise KeyError("after start")

    with pytest.raises(ExceptionGroup) as info:
        async with trio_core.open_nursery() as nursery:
            await nursery.start(fn)
            await trio_core.sleep_forever()
    (exc,) = info.value.exceptions
    assert isinstance(exc, KeyError)


async def test_exiting_without_calling_started_is_an_error() -> None:
    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        await lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        with pytest.raises(RuntimeError, match="started"):
            await nursery.start(fn)


async def test_calling_started_twice_is_an_error() -> None:
    async def fn(task_status: TaskStatus[int] = IGNORED) -> None:
        task_status.started(1)
        with pytest.raises(RuntimeError, match="twice"):
            task_status.started(2)

    async with trio_core.open_nursery() as nursery:
        assert await nursery.start(fn) == 1


async def test_started_from_another_task_is_an_error() -> None:
    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        async def helper() -> None:
            task_status.started()

        async with trio_core.open_nursery() as inner:
            inner.start_soon(helper)

    async with trio_core.open_nursery() as nursery:
        with pytest.raises(ExceptionGroup) as info:
            await nursery.start(fn)
    leaves = _leaves(info.value)
    assert len(leaves) == 1
    assert isinstance(leaves[0], RuntimeError)
    assert "task that is being started" in str(leaves[0])


async def test_start_on_a_closed_nursery_is_an_error() -> None:
    async with trio_core.open_nursery() as nursery:
        pass

    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        task_status.started()  # pragma: no cover

    with pytest.raises(RuntimeError, match="closed"):
        await nursery.start(fn)


async def test_start_of_a_task_that_has_its_own_nursery_moves_the_whole_subtree() -> None:
    log: list[str] = []

    async def grandchild() -> None:
        try:
            await trio_core.sleep_forever()
        finally:
            log.append("grandchild cancelled")

    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        async with trio_core.open_nursery() as inner:
            inner.start_soon(grandchild)
            await wait_all_tasks_blocked()
            task_status.started()
            await trio_core.sleep_forever()

    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as caller_scope:
            await nursery.start(fn)
            caller_scope.cancel()  # does not reach the moved subtree
        await wait_all_tasks_blocked()
        assert log == []
        nursery.cancel_scope.cancel()
    assert log == ["grandchild cancelled"]


async def test_a_pending_start_keeps_the_nursery_open(autojump_clock: MockClock) -> None:
    log: list[str] = []

    async def slow_server(task_status: TaskStatus[None] = IGNORED) -> None:
        await trio_core.sleep(5)
        task_status.started()
        await trio_core.sleep(1)
        log.append("served")

    async def starter(nursery: trio_core.Nursery) -> None:
        await nursery.start(slow_server)
        log.append("started")

    async with trio_core.open_nursery() as outer:
        async with trio_core.open_nursery() as target:
            # The start() is called from a task of *another* nursery, and the
            # target's body exits at once: the target must wait for the start.
            outer.start_soon(starter, target)
            await wait_all_tasks_blocked()
    assert log == ["started", "served"]
    assert trio_core.current_time() == pytest.approx(6)


async def test_start_is_a_checkpoint_when_the_caller_is_already_cancelled() -> None:
    ran: list[str] = []

    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        ran.append("ran")
        await lowlevel.checkpoint()
        task_status.started()  # pragma: no cover

    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await nursery.start(fn)
        assert scope.cancelled_caught
        assert nursery.child_tasks == frozenset()


@pytest.mark.parametrize("cancel_at", range(4))
async def test_start_cancelled_at_each_checkpoint_before_started(cancel_at: int) -> None:
    """The caller of start() is cancelled at checkpoint ``cancel_at`` of the task's setup:
    start() raises Cancelled (caught by the caller's scope), the task is cancelled too,
    and nothing is left running in the nursery."""
    reached: list[int] = []
    task_cancelled: list[bool] = []
    caller_scope = trio_core.CancelScope()

    async def fn(task_status: TaskStatus[str] = IGNORED) -> None:
        try:
            for i in range(4):
                reached.append(i)
                if i == cancel_at:
                    caller_scope.cancel()
                await lowlevel.checkpoint()
            task_status.started("up")  # pragma: no cover
        except trio_core.Cancelled:
            task_cancelled.append(True)
            raise

    async with trio_core.open_nursery() as nursery:
        with caller_scope:
            await nursery.start(fn)
            pytest.fail("start() should have been cancelled")  # pragma: no cover
        assert caller_scope.cancelled_caught
        assert nursery.child_tasks == frozenset()
        assert not nursery.cancel_scope.cancel_called
    assert reached == list(range(cancel_at + 1))
    assert task_cancelled == [True]


@pytest.mark.parametrize("cancel_after", range(4))
async def test_start_cancelled_from_outside_at_each_blocking_point(
    cancel_after: int, autojump_clock: MockClock
) -> None:
    """Another task cancels the caller while the task being started is blocked in its
    ``cancel_after``-th sleep: start() raises Cancelled, and the task is gone."""
    sleeps: list[int] = []

    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        for i in range(4):
            sleeps.append(i)
            await trio_core.sleep(1)
        task_status.started()  # pragma: no cover

    caller_scope = trio_core.CancelScope()

    async def canceller() -> None:
        # Half-way through sleep number `cancel_after`.
        await trio_core.sleep(cancel_after + 0.5)
        caller_scope.cancel()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(canceller)
        with caller_scope:
            await nursery.start(fn)
        assert caller_scope.cancelled_caught
    assert sleeps == list(range(cancel_after + 1))
    assert nursery.child_tasks == frozenset()


async def test_start_cancelled_after_started_is_not_cancelled() -> None:
    async def fn(task_status: TaskStatus[str] = IGNORED) -> None:
        await lowlevel.checkpoint()
        task_status.started("up")
        await trio_core.sleep_forever()

    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as scope:
            assert await nursery.start(fn) == "up"
        assert not scope.cancelled_caught
        assert len(nursery.child_tasks) == 1
        nursery.cancel_scope.cancel()


async def test_start_into_a_cancelled_nursery_cancels_the_task_once_it_arrives() -> None:
    log: list[str] = []

    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        await lowlevel.checkpoint()  # not cancelled: we run in the caller's scope
        log.append("setup done")
        task_status.started()
        try:
            await lowlevel.checkpoint()
        except trio_core.Cancelled:
            log.append("cancelled in the nursery")
            raise

    async with trio_core.open_nursery() as outer:
        async with trio_core.open_nursery() as target:

            async def starter() -> None:
                await target.start(fn)

            outer.start_soon(starter)
            await lowlevel.cancel_shielded_checkpoint()  # starter is now inside start()
            target.cancel_scope.cancel()
    assert log == ["setup done", "cancelled in the nursery"]


@pytest.mark.parametrize("kind", ["no task_status parameter", "sync function"])
async def test_start_with_an_uncallable_function_raises_a_bare_typeerror(kind: str) -> None:
    async def no_status() -> None:
        pass  # pragma: no cover

    def sync(task_status: object = None) -> int:
        return 1

    fn = no_status if kind == "no task_status parameter" else sync
    async with trio_core.open_nursery() as nursery:
        with pytest.raises(TypeError):
            await nursery.start(fn)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "hint"),
    [
        (None, "not callable"),
        (42, "not callable"),
        (lambda task_status=None: 1, "not an async function"),
    ],
    ids=["None", "an int", "a lambda"],
)
async def test_start_with_a_non_async_function_says_what_to_pass(bad: object, hint: str) -> None:
    async with trio_core.open_nursery() as nursery:
        with pytest.raises(TypeError, match=hint):
            await nursery.start(bad)  # type: ignore[arg-type]
        assert not nursery.child_tasks


async def test_start_without_a_task_status_parameter_names_it() -> None:
    async def no_status(port: int) -> None:
        pass  # pragma: no cover

    async def wrong_args(*, task_status: TaskStatus[None] = IGNORED) -> None:
        pass  # pragma: no cover

    async with trio_core.open_nursery() as nursery:
        with pytest.raises(TypeError, match="task_status") as info:
            await nursery.start(no_status, 80)
        assert "TASK_STATUS_IGNORED" in str(info.value)
        # A function that takes task_status but not these arguments: Python's own error.
        with pytest.raises(TypeError, match="positional argument") as info:
            await nursery.start(wrong_args, 80)
        assert "TASK_STATUS_IGNORED" not in str(info.value)


async def test_start_with_a_coroutine_object_is_a_helpful_typeerror() -> None:
    async def fn(task_status: TaskStatus[None] = IGNORED) -> None:
        pass  # pragma: no cover

    coro = fn()
    try:
        async with trio_core.open_nursery() as nursery:
            try:
                await nursery.start(coro)  # type: ignore[arg-type]
            except BaseException as exc:  # bare or grouped: the message is what matters
                leaves = _leaves(exc)
            else:  # pragma: no cover
                pytest.fail("start() accepted a coroutine object")
        assert len(leaves) == 1
        assert isinstance(leaves[0], TypeError)
        assert "coroutine" in str(leaves[0])
        assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED
    finally:
        coro.close()
