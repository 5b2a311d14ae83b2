"""Cancel scopes: cancel(), deadlines, shields, timeouts, and which scope catches what."""

from __future__ import annotations

import math
import pickle

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.testing import MockClock, wait_all_tasks_blocked

# ---------------------------------------------------------------- basics


async def test_cancel_makes_the_next_checkpoint_raise_and_the_scope_catches_it() -> None:
    after_checkpoint = False
    with trio_core.CancelScope() as scope:
        called_before = scope.cancel_called
        scope.cancel()
        assert (called_before, scope.cancel_called) == (False, True)
        await lowlevel.checkpoint()
        after_checkpoint = True  # pragma: no cover
    assert not after_checkpoint
    assert scope.cancelled_caught


async def test_code_between_cancel_and_the_next_checkpoint_runs() -> None:
    ran: list[int] = []
    with trio_core.CancelScope() as scope:
        scope.cancel()
        ran.append(1)
        await lowlevel.checkpoint()
    assert ran == [1]


async def test_a_scope_without_a_checkpoint_does_not_catch() -> None:
    with trio_core.CancelScope() as scope:
        scope.cancel()
    assert scope.cancel_called
    assert not scope.cancelled_caught


async def test_cancel_is_idempotent_and_works_before_entry() -> None:
    scope = trio_core.CancelScope()
    scope.cancel()
    scope.cancel()
    assert scope.cancel_called
    with scope:
        await lowlevel.checkpoint()
    assert scope.cancelled_caught


async def test_cancellation_is_level_triggered() -> None:
    raised = 0
    with trio_core.CancelScope() as scope:
        scope.cancel()
        for _ in range(3):
            try:
                await lowlevel.checkpoint()
            except trio_core.Cancelled:
                raised += 1
        await lowlevel.checkpoint()
    assert raised == 3
    assert scope.cancelled_caught


async def test_a_scope_can_be_entered_only_once() -> None:
    scope = trio_core.CancelScope()
    with scope:
        pass
    with pytest.raises(RuntimeError, match="single"), scope:
        pass  # pragma: no cover


async def test_an_exited_scope_can_still_be_cancelled_harmlessly() -> None:
    with trio_core.CancelScope() as scope:
        pass
    scope.cancel()
    scope.deadline = trio_core.current_time() - 1
    await lowlevel.checkpoint()  # nothing happens to us
    assert scope.cancel_called
    assert not scope.cancelled_caught


async def test_non_cancelled_exceptions_pass_through_a_cancelled_scope() -> None:
    with pytest.raises(ValueError):
        with trio_core.CancelScope() as scope:
            scope.cancel()
            raise ValueError
    assert not scope.cancelled_caught


async def test_cancelled_inside_a_group_is_split_off_and_the_rest_propagates() -> None:
    with pytest.raises(ExceptionGroup) as info:
        with trio_core.CancelScope() as scope:
            scope.cancel()
            try:
                await lowlevel.checkpoint()
            except trio_core.Cancelled as cancelled:
                raise BaseExceptionGroup("mixed", [cancelled, KeyError("k")]) from None
    assert scope.cancelled_caught
    assert len(info.value.exceptions) == 1
    assert isinstance(info.value.exceptions[0], KeyError)


async def test_a_group_of_only_cancelled_is_caught_whole() -> None:
    with trio_core.CancelScope() as scope:
        scope.cancel()
        try:
            await lowlevel.checkpoint()
        except trio_core.Cancelled as cancelled:
            raise BaseExceptionGroup("only", [cancelled]) from None
    assert scope.cancelled_caught


def test_cancelled_cannot_be_constructed_by_user_code() -> None:
    with pytest.raises(TypeError, match="no public constructor"):
        trio_core.Cancelled()
    with pytest.raises(TypeError):
        trio_core.Cancelled("message")  # type: ignore[call-arg]


async def test_cancelled_is_a_baseexception_and_pickles() -> None:
    with trio_core.CancelScope() as scope:
        scope.cancel()
        try:
            await lowlevel.checkpoint()
        except trio_core.Cancelled as exc:
            assert not isinstance(exc, Exception)  # type: ignore[unreachable]
            assert str(exc).startswith("Cancelled due to explicit")
            copy = pickle.loads(pickle.dumps(exc))
            assert type(copy) is trio_core.Cancelled
            assert (copy.source, copy.source_task, copy.reason) == (
                exc.source,
                exc.source_task,
                exc.reason,
            )
            raise


async def test_exiting_scopes_out_of_order_is_a_clear_error() -> None:
    outer = trio_core.CancelScope()
    inner = trio_core.CancelScope()
    outer.__enter__()
    inner.__enter__()
    with pytest.raises(RuntimeError, match="corrupted"):
        outer.__exit__(None, None, None)
    with pytest.raises(RuntimeError):
        inner.__exit__(None, None, None)
    # The task is back at the top level: nothing cancels it and scopes work again.
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await lowlevel.checkpoint()
    assert scope.cancelled_caught
    assert trio_core.current_effective_deadline() == math.inf


# ---------------------------------------------------------------- nesting: who catches what


async def test_inner_cancelled_scope_catches_its_own_cancellation() -> None:
    with trio_core.CancelScope() as outer:
        with trio_core.CancelScope() as inner:
            inner.cancel()
            await lowlevel.checkpoint()
        assert inner.cancelled_caught
        await lowlevel.checkpoint()  # outer is not cancelled: no raise
    assert not outer.cancelled_caught


async def test_outer_cancellation_passes_through_an_uncancelled_inner_scope() -> None:
    with trio_core.CancelScope() as outer:
        with trio_core.CancelScope() as inner:
            outer.cancel()
            await lowlevel.checkpoint()
    assert not inner.cancelled_caught
    assert outer.cancelled_caught


async def test_when_both_are_cancelled_the_outer_scope_catches() -> None:
    with trio_core.CancelScope() as outer:
        with trio_core.CancelScope() as inner:
            inner.cancel()
            outer.cancel()
            await lowlevel.checkpoint()
    assert not inner.cancelled_caught
    assert outer.cancelled_caught


async def test_catching_is_decided_at_exit_time() -> None:
    # The inner scope was cancelled first, but the outer one is cancelled too by
    # the time the Cancelled reaches the inner exit: the outer one catches.
    with trio_core.CancelScope() as outer:
        with trio_core.CancelScope() as inner:
            inner.cancel()
            try:
                await lowlevel.checkpoint()
            finally:
                outer.cancel()
    assert not inner.cancelled_caught
    assert outer.cancelled_caught


async def test_cancelling_a_scope_cancels_the_nested_scopes_and_children() -> None:
    log: list[str] = []

    async def child() -> None:
        try:
            await trio_core.sleep_forever()
        except trio_core.Cancelled:
            log.append("child")
            raise

    with trio_core.CancelScope() as outer:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(child)
            with trio_core.CancelScope():
                await wait_all_tasks_blocked()
                outer.cancel()
                try:
                    await lowlevel.checkpoint()
                except trio_core.Cancelled:
                    log.append("body")
                    raise
    assert sorted(log) == ["body", "child"]
    assert outer.cancelled_caught
    assert not nursery.cancel_scope.cancelled_caught


async def test_cancel_from_another_task_wakes_a_blocked_task() -> None:
    scope = trio_core.CancelScope()
    result: list[str] = []

    async def blocked() -> None:
        with scope:
            await trio_core.sleep_forever()
        result.append("woken")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(blocked)
        await wait_all_tasks_blocked()
        assert result == []
        scope.cancel()
    assert result == ["woken"]
    assert scope.cancelled_caught


# ---------------------------------------------------------------- shields


async def test_shield_hides_an_outer_cancellation() -> None:
    with trio_core.CancelScope() as outer:
        outer.cancel()
        with trio_core.CancelScope(shield=True) as shielded:
            await lowlevel.checkpoint()
            await trio_core.sleep(0)
            assert trio_core.current_effective_deadline() == math.inf
        assert not shielded.cancelled_caught
        assert trio_core.current_effective_deadline() == -math.inf
        await lowlevel.checkpoint()
    assert outer.cancelled_caught


async def test_a_shielded_scope_still_obeys_its_own_cancellation() -> None:
    with trio_core.CancelScope() as outer:
        outer.cancel()
        with trio_core.CancelScope(shield=True) as shielded:
            shielded.cancel()
            await lowlevel.checkpoint()
        assert shielded.cancelled_caught
    # The outer scope had nothing left to catch (no checkpoint after the shield).
    assert not outer.cancelled_caught


async def test_a_shield_protects_children_of_nurseries_inside_it() -> None:
    finished: list[str] = []

    async def child() -> None:
        await lowlevel.checkpoint()
        await lowlevel.checkpoint()
        finished.append("child")

    with trio_core.CancelScope() as outer:
        outer.cancel()
        with trio_core.CancelScope(shield=True):
            async with trio_core.open_nursery() as nursery:
                nursery.start_soon(child)
    assert finished == ["child"]


async def test_dropping_the_shield_delivers_the_pending_cancellation() -> None:
    state: list[str] = []
    scope = trio_core.CancelScope(shield=True)

    async def shielded_sleeper() -> None:
        with scope:
            try:
                await trio_core.sleep_forever()
            except trio_core.Cancelled:
                state.append("cancelled")
                raise

    outer = trio_core.CancelScope()

    async def body() -> None:
        with outer:
            await shielded_sleeper()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(body)
        await wait_all_tasks_blocked()
        outer.cancel()
        await wait_all_tasks_blocked()
        assert state == []  # the shield holds
        scope.shield = False
        await wait_all_tasks_blocked()
        assert state == ["cancelled"]
    assert outer.cancelled_caught
    assert not scope.cancelled_caught


async def test_shield_must_be_a_bool() -> None:
    scope = trio_core.CancelScope()
    with pytest.raises(TypeError, match="bool"):
        scope.shield = 1  # type: ignore[assignment]
    assert scope.shield is False
    scope.shield = True
    assert scope.shield is True


# ---------------------------------------------------------------- deadlines


async def test_a_deadline_cancels_the_scope(autojump_clock: MockClock) -> None:
    start = trio_core.current_time()
    with trio_core.CancelScope(deadline=start + 5) as scope:
        assert scope.deadline == start + 5
        await trio_core.sleep(10)
    assert scope.cancelled_caught
    assert scope.cancel_called
    assert trio_core.current_time() == pytest.approx(start + 5)


async def test_a_deadline_that_is_not_reached_does_nothing(autojump_clock: MockClock) -> None:
    start = trio_core.current_time()
    with trio_core.CancelScope(deadline=start + 5) as scope:
        await trio_core.sleep(4)
    assert not scope.cancelled_caught
    assert not scope.cancel_called
    # The stale deadline does not fire later either.
    await trio_core.sleep(10)
    assert trio_core.current_time() == pytest.approx(start + 14)


async def test_a_scope_left_before_its_deadline_never_becomes_cancelled(
    mock_clock: MockClock,
) -> None:
    # As in Trio (issue 13): the deadline of a scope that has been exited no
    # longer applies, read cancel_called however late.
    with trio_core.move_on_after(1) as relative:
        pass
    with trio_core.CancelScope(deadline=trio_core.current_time() + 2) as absolute:
        pass
    mock_clock.jump(10)
    assert not relative.cancel_called
    assert not absolute.cancel_called
    await trio_core.lowlevel.checkpoint()
    assert not relative.cancel_called and not absolute.cancel_called
    assert not relative.cancelled_caught and not absolute.cancelled_caught


async def test_an_unentered_scope_whose_deadline_passed_reports_cancel_called(
    mock_clock: MockClock,
) -> None:
    scope = trio_core.CancelScope(deadline=trio_core.current_time() + 1)
    assert not scope.cancel_called
    mock_clock.jump(1)
    assert scope.cancel_called
    with scope:
        await trio_core.lowlevel.checkpoint()
        raise AssertionError("the scope was entered cancelled")  # pragma: no cover
    assert scope.cancelled_caught


async def test_cancel_called_reports_a_passed_deadline_without_a_checkpoint(
    mock_clock: MockClock,
) -> None:
    with trio_core.move_on_after(1) as scope:
        assert not scope.cancel_called
        mock_clock.jump(1)
        assert scope.cancel_called


async def test_moving_a_deadline_while_inside(autojump_clock: MockClock) -> None:
    start = trio_core.current_time()
    with trio_core.CancelScope(deadline=start + 10) as scope:
        scope.deadline = start + 3
        assert scope.deadline == start + 3
        await trio_core.sleep(100)
    assert trio_core.current_time() == pytest.approx(start + 3)

    start = trio_core.current_time()
    with trio_core.CancelScope(deadline=start + 3) as scope:
        scope.deadline = start + 20
        await trio_core.sleep(100)
    assert trio_core.current_time() == pytest.approx(start + 20)

    start = trio_core.current_time()
    with trio_core.CancelScope(deadline=start + 3) as scope:
        scope.deadline = math.inf
        await trio_core.sleep(100)
    assert not scope.cancelled_caught
    assert trio_core.current_time() == pytest.approx(start + 100)


async def test_moving_the_deadline_of_another_tasks_scope(autojump_clock: MockClock) -> None:
    scope = trio_core.CancelScope()
    woke_at: list[float] = []

    async def sleeper() -> None:
        with scope:
            await trio_core.sleep_forever()
        woke_at.append(trio_core.current_time())

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        await wait_all_tasks_blocked()
        scope.deadline = trio_core.current_time() + 7
    assert woke_at == [pytest.approx(7)]


async def test_nested_deadlines_the_earliest_wins(autojump_clock: MockClock) -> None:
    start = trio_core.current_time()
    with trio_core.move_on_after(10) as outer:
        with trio_core.move_on_after(3) as inner:
            assert trio_core.current_effective_deadline() == pytest.approx(start + 3)
            await trio_core.sleep_forever()
        assert inner.cancelled_caught
        assert trio_core.current_time() == pytest.approx(start + 3)
        with trio_core.move_on_after(30) as inner2:
            assert trio_core.current_effective_deadline() == pytest.approx(start + 10)
            await trio_core.sleep_forever()
        assert not inner2.cancelled_caught
    assert outer.cancelled_caught
    assert trio_core.current_time() == pytest.approx(start + 10)


async def test_current_effective_deadline() -> None:
    assert trio_core.current_effective_deadline() == math.inf
    now = trio_core.current_time()
    with trio_core.move_on_at(now + 100):
        assert trio_core.current_effective_deadline() == now + 100
        with trio_core.move_on_at(now + 50):
            assert trio_core.current_effective_deadline() == now + 50
            with trio_core.move_on_at(now + 200, shield=True):
                # A shield hides the outer deadlines.
                assert trio_core.current_effective_deadline() == now + 200
                with trio_core.CancelScope(shield=True):
                    assert trio_core.current_effective_deadline() == math.inf
        with trio_core.CancelScope() as scope:
            scope.cancel()
            assert trio_core.current_effective_deadline() == -math.inf
    assert trio_core.current_effective_deadline() == math.inf


async def test_current_effective_deadline_in_a_child_task_sees_the_nursery_deadlines() -> None:
    now = trio_core.current_time()
    seen: list[float] = []

    async def child() -> None:
        seen.append(trio_core.current_effective_deadline())

    with trio_core.move_on_at(now + 42):
        async with trio_core.open_nursery() as nursery:
            nursery.cancel_scope.deadline = now + 40
            nursery.start_soon(child)
    assert seen == [now + 40]


async def test_many_deadlines_fire_in_order(autojump_clock: MockClock) -> None:
    order: list[int] = []

    async def waiter(seconds: int) -> None:
        with trio_core.move_on_after(seconds):
            await trio_core.sleep_forever()
        order.append(seconds)

    async with trio_core.open_nursery() as nursery:
        for seconds in (50, 10, 40, 20, 30, 5, 45, 1):
            nursery.start_soon(waiter, seconds)
    assert order == sorted(order)


# ---------------------------------------------------------------- relative deadlines


async def test_relative_deadline_counts_from_entry(mock_clock: MockClock) -> None:
    scope = trio_core.CancelScope(relative_deadline=5)
    assert scope.relative_deadline == 5
    with pytest.raises(RuntimeError, match="relative"):
        scope.deadline  # noqa: B018 - the property read is the test
    mock_clock.jump(100)
    with scope:
        assert scope.deadline == pytest.approx(trio_core.current_time() + 5)
        assert scope.relative_deadline == pytest.approx(5)
        mock_clock.jump(2)
        assert scope.relative_deadline == pytest.approx(3)


async def test_setting_relative_deadline_inside_moves_the_deadline(mock_clock: MockClock) -> None:
    with trio_core.CancelScope() as scope:
        assert scope.relative_deadline == math.inf
        scope.relative_deadline = 4
        assert scope.deadline == pytest.approx(trio_core.current_time() + 4)


async def test_relative_deadline_before_entry_can_be_changed() -> None:
    scope = trio_core.CancelScope()
    scope.relative_deadline = 3
    assert scope.relative_deadline == 3
    scope.relative_deadline = math.inf
    assert scope.relative_deadline == math.inf
    assert scope.deadline == math.inf


def test_deadline_and_relative_deadline_together_is_a_valueerror() -> None:
    with pytest.raises(ValueError, match="not both"):
        trio_core.CancelScope(deadline=5, relative_deadline=3)


@pytest.mark.parametrize("bad", [-1, -0.5, math.nan, -math.inf])
def test_bad_relative_deadline_is_a_valueerror(bad: float) -> None:
    with pytest.raises(ValueError):
        trio_core.CancelScope(relative_deadline=bad)
    scope = trio_core.CancelScope()
    with pytest.raises(ValueError):
        scope.relative_deadline = bad


def test_nan_deadline_is_a_valueerror() -> None:
    with pytest.raises(ValueError, match="NaN"):
        trio_core.CancelScope(deadline=math.nan)
    scope = trio_core.CancelScope()
    with pytest.raises(ValueError, match="NaN"):
        scope.deadline = math.nan
    assert scope.deadline == math.inf


def test_deadline_of_the_wrong_type_is_a_typeerror() -> None:
    with pytest.raises(TypeError, match="deadline"):
        trio_core.CancelScope(deadline="soon")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        trio_core.move_on_after("1")  # type: ignore[arg-type]


@pytest.mark.parametrize("attr", ["deadline", "relative_deadline"])
def test_setting_a_deadline_of_the_wrong_type_names_the_argument(attr: str) -> None:
    scope = trio_core.CancelScope()
    with pytest.raises(TypeError, match="deadline"):
        setattr(scope, attr, "soon")


@pytest.mark.parametrize("attr", ["deadline", "relative_deadline"])
def test_setting_a_nan_or_none_deadline(attr: str) -> None:
    scope = trio_core.CancelScope()
    with pytest.raises(ValueError, match="deadline"):
        setattr(scope, attr, math.nan)
    with pytest.raises(TypeError, match="deadline"):
        setattr(scope, attr, None)


async def test_setting_a_past_deadline_cancels_at_once(mock_clock: MockClock) -> None:
    with trio_core.CancelScope() as scope:
        scope.deadline = trio_core.current_time()
        assert scope.cancel_called
        with pytest.raises(trio_core.Cancelled):
            await lowlevel.checkpoint()
    with trio_core.CancelScope(deadline=trio_core.current_time() + 10) as scope:
        scope.relative_deadline = 0
        with pytest.raises(trio_core.Cancelled):
            await lowlevel.checkpoint()
    with trio_core.CancelScope() as scope:
        scope.deadline = trio_core.current_time() + 1
        await lowlevel.checkpoint()
        mock_clock.jump(1)
        with pytest.raises(trio_core.Cancelled):
            await lowlevel.checkpoint()


def test_negative_infinity_deadline_is_allowed() -> None:
    scope = trio_core.CancelScope(deadline=-math.inf)
    assert scope.deadline == -math.inf


# ---------------------------------------------------------------- move_on / fail


async def test_move_on_after_and_at(autojump_clock: MockClock) -> None:
    start = trio_core.current_time()
    with trio_core.move_on_after(2) as scope:
        await trio_core.sleep(5)
    assert scope.cancelled_caught
    assert trio_core.current_time() == pytest.approx(start + 2)

    with trio_core.move_on_at(start + 7) as scope:
        await trio_core.sleep(50)
    assert scope.cancelled_caught
    assert trio_core.current_time() == pytest.approx(start + 7)

    with trio_core.move_on_after(2) as scope:
        await trio_core.sleep(1)
    assert not scope.cancelled_caught


async def test_fail_after_and_at_raise_tooslowerror(autojump_clock: MockClock) -> None:
    start = trio_core.current_time()
    with pytest.raises(trio_core.TooSlowError):
        with trio_core.fail_after(3) as scope:
            assert isinstance(scope, trio_core.CancelScope)
            await trio_core.sleep(10)
    assert trio_core.current_time() == pytest.approx(start + 3)
    with pytest.raises(trio_core.TooSlowError):
        with trio_core.fail_at(start + 4):
            await trio_core.sleep_forever()
    assert trio_core.current_time() == pytest.approx(start + 4)


async def test_fail_after_in_time_returns_normally(autojump_clock: MockClock) -> None:
    with trio_core.fail_after(3) as scope:
        await trio_core.sleep(2)
    assert not scope.cancelled_caught


async def test_fail_after_does_not_raise_for_an_outer_cancellation(
    autojump_clock: MockClock,
) -> None:
    with trio_core.move_on_after(1) as outer:
        with trio_core.fail_after(5):
            await trio_core.sleep_forever()
    assert outer.cancelled_caught


async def test_fail_after_lets_other_errors_through() -> None:
    with pytest.raises(KeyError):
        with trio_core.fail_after(5):
            raise KeyError


async def test_fail_after_with_shield(autojump_clock: MockClock) -> None:
    with trio_core.CancelScope() as outer:
        outer.cancel()
        with pytest.raises(trio_core.TooSlowError):
            with trio_core.fail_after(1, shield=True):
                await trio_core.sleep_forever()


@pytest.mark.parametrize("bad", [-1, math.nan, -math.inf])
def test_timeouts_reject_negative_and_nan(bad: float) -> None:
    with pytest.raises(ValueError):
        trio_core.move_on_after(bad)
    with pytest.raises(ValueError):
        trio_core.fail_after(bad)


def test_absolute_timeouts_reject_nan() -> None:
    with pytest.raises(ValueError):
        trio_core.move_on_at(math.nan)
    with pytest.raises(ValueError):
        trio_core.fail_at(math.nan)


async def test_move_on_after_zero_with_a_blocking_call() -> None:
    with trio_core.move_on_after(0) as scope:
        await trio_core.sleep_forever()
    assert scope.cancelled_caught


async def test_an_expired_deadline_cancels_the_very_first_checkpoint() -> None:
    with trio_core.move_on_after(0) as scope:
        await lowlevel.checkpoint()
    assert scope.cancelled_caught


async def test_fail_after_zero_raises_at_the_first_checkpoint() -> None:
    with pytest.raises(trio_core.TooSlowError):
        with trio_core.fail_after(0):
            await trio_core.sleep(0)


async def test_a_deadline_passed_by_a_jump_cancels_the_next_checkpoint(
    mock_clock: MockClock,
) -> None:
    with trio_core.move_on_after(1) as scope:
        mock_clock.jump(2)
        await lowlevel.checkpoint()
    assert scope.cancelled_caught


async def test_reading_cancel_called_after_the_deadline_cancels_at_once() -> None:
    with trio_core.move_on_at(trio_core.current_time() - 1) as scope:
        assert scope.cancel_called
        await lowlevel.checkpoint()
        pytest.fail("the checkpoint should have raised Cancelled")  # pragma: no cover
    assert scope.cancelled_caught


# ---------------------------------------------------------------- reprs


async def test_scope_repr_shows_its_state() -> None:
    scope = trio_core.CancelScope()
    assert "unentered" in repr(scope)
    with scope:
        assert "active" in repr(scope)
        scope.cancel()
        assert "cancelled" in repr(scope)
    assert "exited" in repr(scope)


# ---------------------------------------------------------------- the deadline heap under churn


async def test_deadlines_stay_right_through_heavy_scope_churn(autojump_clock: MockClock) -> None:
    """Thousands of scopes with deadlines are entered and left (their heap entries go
    stale and get compacted away) while sleepers with live deadlines wait: every
    sleeper must still wake at its own time."""
    woke: list[tuple[int, float]] = []

    async def sleeper(seconds: int) -> None:
        await trio_core.sleep(seconds)
        woke.append((seconds, trio_core.current_time()))

    async def scoped_sleeper(seconds: int) -> None:
        with trio_core.move_on_after(seconds):
            await trio_core.sleep_forever()
        woke.append((seconds, trio_core.current_time()))

    async with trio_core.open_nursery() as nursery:
        for seconds in range(10, 60, 10):
            nursery.start_soon(sleeper, seconds)
            nursery.start_soon(scoped_sleeper, seconds + 5)
        await trio_core.testing.wait_all_tasks_blocked()
        for i in range(5000):
            with trio_core.move_on_after(1 + i % 7):
                pass
            if i % 1000 == 0:
                scope = trio_core.CancelScope(deadline=trio_core.current_time() + 3)
                with scope:
                    scope.deadline = trio_core.current_time() + 4  # moved: one more stale entry
        stats = lowlevel.current_statistics()
        assert stats.seconds_to_next_deadline == pytest.approx(10)
    assert woke == [(s, float(s)) for s in sorted([*range(10, 60, 10), *range(15, 65, 10)])]


async def test_started_from_inside_nested_scopes_moves_the_whole_chain() -> None:
    log: list[str] = []

    async def fn(task_status: trio_core.TaskStatus[None] = trio_core.TASK_STATUS_IGNORED) -> None:
        with trio_core.CancelScope(), trio_core.CancelScope() as inner:
            task_status.started()
            try:
                await trio_core.sleep_forever()
            finally:
                log.append(f"cancelled, inner caught: {inner.cancelled_caught}")

    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as caller:
            await nursery.start(fn)
            caller.cancel()  # no longer reaches the task
        await trio_core.testing.wait_all_tasks_blocked()
        assert log == []
        nursery.cancel_scope.cancel()
    assert log == ["cancelled, inner caught: False"]
