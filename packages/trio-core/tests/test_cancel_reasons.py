"""Issue 14's core items: Cancelled says why (Trio 0.32+), CancelScope.cancel(reason=),
weakly referenceable TrioToken, no reference cycles through a nursery's errors,
and Trio's wording for task_status misuse."""

from __future__ import annotations

import gc
import types
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.testing import MockClock, wait_all_tasks_blocked

# ---------------------------------------------------------------- Cancelled says why


async def test_an_explicit_cancel_carries_its_reason_and_the_cancelling_task() -> None:
    me = repr(lowlevel.current_task())
    with trio_core.CancelScope() as scope:
        scope.cancel(reason="shutting down")
        try:
            await lowlevel.checkpoint()
        except trio_core.Cancelled as exc:
            assert exc.source == "explicit"
            assert exc.reason == "shutting down"
            assert exc.source_task == me
            assert (
                str(exc) == f"Cancelled due to explicit with reason 'shutting down' from task {me}"
            )
            raise
    assert scope.cancelled_caught


async def test_a_cancel_without_a_reason() -> None:
    with trio_core.CancelScope() as scope:
        scope.cancel()
        with pytest.raises(trio_core.Cancelled) as info:
            await lowlevel.checkpoint()
    assert info.value.reason is None
    assert str(info.value) == f"Cancelled due to explicit from task {lowlevel.current_task()!r}"


async def test_an_expired_deadline_says_deadline(autojump_clock: MockClock) -> None:
    with trio_core.move_on_after(5):
        with pytest.raises(trio_core.Cancelled) as info:
            await trio_core.sleep(10)
    assert (info.value.source, info.value.source_task, info.value.reason) == (
        "deadline",
        None,
        None,
    )
    assert str(info.value) == "Cancelled due to deadline from task None"
    with trio_core.move_on_after(0):  # expired on entry
        with pytest.raises(trio_core.Cancelled) as info:
            await lowlevel.checkpoint()
    assert info.value.source == "deadline"


async def test_a_nursery_whose_child_raised_says_nursery_and_names_the_child() -> None:
    seen: list[trio_core.Cancelled] = []
    failing: list[str] = []

    async def sibling() -> None:
        try:
            await trio_core.sleep_forever()
        except trio_core.Cancelled as exc:
            seen.append(exc)
            raise

    async def fails() -> None:
        await wait_all_tasks_blocked()
        failing.append(repr(lowlevel.current_task()))
        raise ValueError("boom")

    with pytest.raises(ExceptionGroup):
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(sibling)
            nursery.start_soon(fails)
    assert [exc.source for exc in seen] == ["nursery"]
    assert seen[0].source_task == failing[0]
    assert str(seen[0]) == f"Cancelled due to nursery from task {failing[0]}"


async def test_the_first_cancellation_of_a_scope_is_the_one_recorded() -> None:
    with trio_core.CancelScope() as scope:
        scope.cancel(reason="first")
        scope.cancel(reason="second")
        with pytest.raises(trio_core.Cancelled) as info:
            await lowlevel.checkpoint()
    assert info.value.reason == "first"


async def test_cancel_takes_its_reason_positionally_or_by_keyword_and_as_a_str() -> None:
    # AnyIO's trio backend calls scope.cancel(reason) positionally.
    positional, keyword = trio_core.CancelScope(), trio_core.CancelScope()
    positional.cancel("given")
    keyword.cancel(reason="given")
    for scope in (positional, keyword):
        with scope:
            with pytest.raises(trio_core.Cancelled) as info:
                await lowlevel.checkpoint()
        assert info.value.reason == "given"
    scope = trio_core.CancelScope()
    with pytest.raises(TypeError, match="reason must be a str"):
        scope.cancel(reason=3)  # type: ignore[arg-type]
    assert not scope.cancel_called


def test_cancelled_has_no_public_constructor() -> None:
    with pytest.raises(TypeError, match="no public constructor"):
        trio_core.Cancelled()


# ---------------------------------------------------------------- TrioToken


async def test_trio_token_can_be_weakly_referenced() -> None:
    token = lowlevel.current_trio_token()
    assert weakref.ref(token)() is token
    per_run: weakref.WeakKeyDictionary[lowlevel.TrioToken, str] = weakref.WeakKeyDictionary()
    per_run[token] = "value"
    assert per_run[token] == "value"


# ---------------------------------------------------------------- no cycles


class _Done(Exception):
    pass


async def _raises() -> None:
    raise _Done("child")


@pytest.fixture
def saved_garbage() -> Iterator[list[Any]]:
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


async def test_a_nursery_error_leaves_no_garbage_cycles(saved_garbage: list[Any]) -> None:
    for _ in range(3):
        try:
            async with trio_core.open_nursery() as nursery:
                nursery.start_soon(_raises)
                nursery.start_soon(trio_core.sleep_forever)
                await trio_core.sleep_forever()
        except* _Done:
            pass
        try:
            async with trio_core.open_nursery():
                raise _Done("body")
        except* _Done:
            pass
    gc.collect()
    assert [type(obj).__name__ for obj in saved_garbage] == []


def _other_referrers(obj: object) -> list[str]:
    # The test's own coroutine/frame holding the local variable is expected.
    return [
        type(ref).__name__
        for ref in gc.get_referrers(obj)
        if not isinstance(ref, (types.FrameType, types.CoroutineType))
        or (isinstance(ref, types.FrameType) and ref.f_code.co_filename != __file__)
    ]


async def test_nothing_but_the_caller_refers_to_a_nursery_error() -> None:
    # What AnyIO checks with gc.get_referrers() for a task group's errors.
    exc: BaseException | None = None
    try:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(_raises)
            await trio_core.sleep_forever()
    except* _Done as group:
        exc = group.exceptions[0]
    assert isinstance(exc, _Done)
    assert _other_referrers(exc) == []
    try:
        async with trio_core.open_nursery():
            raise _Done("body")
    except BaseExceptionGroup as group:
        exc = group
    assert _other_referrers(exc) == []


# ---------------------------------------------------------------- task_status wording


async def test_started_twice_has_trios_message() -> None:
    async def twice(
        task_status: trio_core.TaskStatus[None] = trio_core.TASK_STATUS_IGNORED,
    ) -> None:
        task_status.started()
        task_status.started()

    async with trio_core.open_nursery() as nursery:
        with pytest.RaisesGroup(
            pytest.RaisesExc(RuntimeError, match="^called 'started' twice on the same task status$")
        ):
            async with trio_core.open_nursery() as inner:
                await inner.start(twice)
        nursery.cancel_scope.cancel()


async def test_a_started_task_that_exits_without_calling_started_has_trios_message() -> None:
    async def never(
        task_status: trio_core.TaskStatus[None] = trio_core.TASK_STATUS_IGNORED,
    ) -> None:
        await lowlevel.checkpoint()

    async with trio_core.open_nursery() as nursery:
        with pytest.raises(RuntimeError) as info:
            await nursery.start(never)
    assert str(info.value) == "child exited without calling task_status.started()"
    assert "never" in "".join(getattr(info.value, "__notes__", []))
