"""Bad input to the core API families (issue 8, "Bad input"), through ``import trio``.

Each property feeds wrong types, NaN, negative sizes and closed objects to one
family -- timing, run()/nurseries, sync primitives, memory channels,
to_thread -- and checks that the call fails with the documented exception
type, that the message names the problem, and that the object involved is
still usable afterwards where the docs say so.

The library bugs these tests found were fixed; a new one found here is
kept as an ``xfail(strict=True)`` test, with the bug in its reason, until
it is fixed.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trio
from trio.testing import wait_all_tasks_blocked

FAST = settings(max_examples=40, deadline=None)

# ---------------------------------------------------------------- strategies

#: Things that are not numbers at all (bool is refused too: True is not "1 second").
not_numbers: st.SearchStrategy[object] = st.one_of(
    st.text(max_size=5),
    st.binary(max_size=5),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.tuples(st.integers()),
    st.builds(object),
    st.complex_numbers(allow_nan=False, allow_infinity=False),
)
#: Negative durations, finite or not.
negatives: st.SearchStrategy[float] = st.one_of(
    st.integers(max_value=-1),
    st.floats(max_value=-1e-9, allow_nan=False),
)
#: Any bad duration (a relative time): wrong type, NaN, or negative.
bad_durations: st.SearchStrategy[object] = st.one_of(not_numbers, st.just(math.nan), negatives)
#: Any bad absolute deadline: wrong type or NaN (negative deadlines are in the past, fine).
bad_deadlines: st.SearchStrategy[object] = st.one_of(not_numbers, st.just(math.nan))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def expected_error(value: object) -> type[Exception]:
    """The documented exception for a bad time value: TypeError or ValueError."""
    return ValueError if _is_number(value) else TypeError


def check_message(exc: BaseException, value: object, *names: str) -> None:
    """The message names the argument (one of ``names``) and the problem."""
    text = str(exc)
    assert any(name in text for name in names), f"{text!r} names none of {names}"
    if isinstance(value, float) and math.isnan(value):
        assert "nan" in text.lower(), text
    elif _is_number(value):
        assert "negative" in text or repr(value) in text or str(float(value)) in text, text  # type: ignore[arg-type]
    else:
        assert "number" in text, text


# ---------------------------------------------------------------- timing


@FAST
@given(value=bad_durations)
async def test_sleep_refuses_bad_durations(value: object) -> None:
    with pytest.raises(expected_error(value)) as info:
        await trio.sleep(value)  # type: ignore[arg-type]
    check_message(info.value, value, "sleep()")
    await trio.sleep(0)  # the task and the run are fine


@FAST
@given(value=bad_deadlines)
async def test_sleep_until_refuses_bad_deadlines(value: object) -> None:
    with pytest.raises(expected_error(value)) as info:
        await trio.sleep_until(value)  # type: ignore[arg-type]
    check_message(info.value, value, "sleep_until()")
    await trio.sleep_until(trio.current_time())


@FAST
@given(value=bad_durations, fail=st.booleans(), shield=st.booleans())
async def test_timeouts_after_refuse_bad_durations(value: object, fail: bool, shield: bool) -> None:
    make: Callable[..., object] = trio.fail_after if fail else trio.move_on_after
    with pytest.raises(expected_error(value)) as info:
        make(value, shield=shield)
    check_message(info.value, value, "timeout")


@FAST
@given(value=bad_deadlines, fail=st.booleans())
async def test_timeouts_at_refuse_bad_deadlines(value: object, fail: bool) -> None:
    make: Callable[..., object] = trio.fail_at if fail else trio.move_on_at
    with pytest.raises(expected_error(value)) as info:
        make(value)
    check_message(info.value, value, "deadline")


@FAST
@given(deadline=bad_deadlines, relative=bad_durations)
async def test_cancel_scope_constructor_refuses_bad_deadlines(
    deadline: object, relative: object
) -> None:
    with pytest.raises(expected_error(deadline)) as info:
        trio.CancelScope(deadline=deadline)  # type: ignore[arg-type]
    check_message(info.value, deadline, "deadline")
    with pytest.raises(expected_error(relative)) as info:
        trio.CancelScope(relative_deadline=relative)  # type: ignore[arg-type]
    check_message(info.value, relative, "relative_deadline")


async def test_cancel_scope_refuses_both_kinds_of_deadline() -> None:
    with pytest.raises(ValueError, match="not both"):
        trio.CancelScope(deadline=5, relative_deadline=1)


@FAST
@given(
    deadline=bad_deadlines,
    relative=bad_durations,
    shield=not_numbers.filter(lambda v: not isinstance(v, bool)),
)
async def test_cancel_scope_setters_refuse_bad_values_and_the_scope_keeps_working(
    deadline: object, relative: object, shield: object
) -> None:
    """A refused assignment changes nothing: the scope still cancels on its deadline."""
    start = trio.current_time()
    with trio.CancelScope(deadline=start + 0.01) as scope:
        with pytest.raises(expected_error(deadline)) as info:
            scope.deadline = deadline  # type: ignore[assignment]
        check_message(info.value, deadline, "deadline")
        with pytest.raises(expected_error(relative)) as info:
            scope.relative_deadline = relative  # type: ignore[assignment]
        check_message(info.value, relative, "relative_deadline")
        with pytest.raises(TypeError, match="shield must be a bool"):
            scope.shield = shield  # type: ignore[assignment]
        assert scope.deadline == start + 0.01
        assert scope.shield is False
        await trio.sleep_forever()
    assert scope.cancelled_caught


@pytest.mark.parametrize("shield", ["no", 1, None])
async def test_cancel_scope_constructor_refuses_a_non_bool_shield(shield: object) -> None:
    with pytest.raises(TypeError, match="shield"):
        trio.CancelScope(shield=shield)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="shield"):
        trio.move_on_after(1, shield=shield)  # type: ignore[arg-type]


@pytest.mark.parametrize("api", ["sleep", "move_on_after", "fail_at", "CancelScope"])
async def test_huge_int_durations_are_never_or_a_clear_error(api: str) -> None:
    huge = 10**400
    try:
        if api == "sleep":
            with trio.move_on_after(0.001):
                await trio.sleep(huge)
        elif api == "move_on_after":
            trio.move_on_after(huge)
        elif api == "fail_at":
            trio.fail_at(huge)
        else:
            trio.CancelScope(deadline=huge)
    except ValueError as exc:
        assert "timeout" in str(exc) or "deadline" in str(exc) or "sleep" in str(exc)


# ---------------------------------------------------------------- run() and nurseries


async def _an_async_fn(*args: object) -> None:
    pass


def _sync_returning_one() -> int:
    return 1


def _sync_returning_a_generator() -> object:
    return iter([1])


class _NotAnAwaitable:
    def __call__(self) -> object:
        return "hello"


#: Callables that are not async functions, and non-callables.
not_async_fns: st.SearchStrategy[object] = st.one_of(
    st.integers(),
    st.text(max_size=4),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.sampled_from(
        [
            _sync_returning_one,
            _sync_returning_a_generator,
            _NotAnAwaitable(),
            functools.partial(_sync_returning_one),
            lambda: None,
        ]
    ),
)


def _make_bad_fn(
    value: object, as_coroutine: bool
) -> tuple[object, Coroutine[Any, Any, None] | None]:
    if as_coroutine:
        coro = _an_async_fn()
        return coro, coro
    return value, None


def _check_start_error(exc: BaseException, bad: object, coro: object) -> None:
    text = str(exc)
    if coro is not None:
        assert "coroutine" in text and "separately" in text, text
    elif not callable(bad):
        assert "not callable" in text, text
    else:
        # start() may instead say that the function takes no task_status argument.
        assert "not an async function" in text or "task_status" in text, text


@FAST
@given(bad=not_async_fns, as_coroutine=st.booleans())
def test_run_refuses_what_is_not_an_async_function(bad: object, as_coroutine: bool) -> None:
    fn, coro = _make_bad_fn(bad, as_coroutine)
    try:
        with pytest.raises(TypeError) as info:
            trio.run(fn)  # type: ignore[arg-type]
        _check_start_error(info.value, fn, coro)
    finally:
        if coro is not None:
            coro.close()
    # The thread has no half-started run left behind: a new run works.
    assert trio.run(trio.sleep, 0) is None


@FAST
@given(bad=not_async_fns, as_coroutine=st.booleans())
async def test_start_soon_refuses_what_is_not_an_async_function(
    bad: object, as_coroutine: bool
) -> None:
    fn, coro = _make_bad_fn(bad, as_coroutine)
    ran: list[str] = []

    async def good() -> None:
        ran.append("good")

    try:
        async with trio.open_nursery() as nursery:
            with pytest.raises(TypeError) as info:
                nursery.start_soon(fn)  # type: ignore[arg-type]
            _check_start_error(info.value, fn, coro)
            # The nursery is still open for business.
            nursery.start_soon(good)
    finally:
        if coro is not None:
            coro.close()
    assert ran == ["good"]


async def test_start_soon_after_the_nursery_closed_is_a_runtimeerror() -> None:
    async with trio.open_nursery() as nursery:
        pass
    with pytest.raises(RuntimeError, match="closed"):
        nursery.start_soon(_an_async_fn)


async def test_run_inside_a_run_is_a_runtimeerror_naming_the_fix() -> None:
    with pytest.raises(RuntimeError, match="inside a run"):
        trio.run(_an_async_fn)


@FAST
@given(bad=not_async_fns, as_coroutine=st.booleans())
async def test_start_refuses_what_is_not_an_async_function(bad: object, as_coroutine: bool) -> None:
    """A bare TypeError (not an ExceptionGroup) that names the problem; the nursery goes on."""
    fn, coro = _make_bad_fn(bad, as_coroutine)

    async def good(task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started("started")

    try:
        async with trio.open_nursery() as nursery:
            with pytest.raises(TypeError) as info:
                await nursery.start(fn)  # type: ignore[arg-type]
            _check_start_error(info.value, fn, coro)
            assert await nursery.start(good) == "started"
    finally:
        if coro is not None:
            coro.close()


# ---------------------------------------------------------------- sync primitives

ints_or_junk: st.SearchStrategy[object] = st.one_of(
    st.integers(-5, 5), not_numbers, st.floats(allow_nan=True), st.just(math.inf)
)


@FAST
@given(initial=ints_or_junk, max_value=st.one_of(st.none(), ints_or_junk))
async def test_semaphore_constructor_validates_its_values(
    initial: object, max_value: object
) -> None:
    def is_int(v: object) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    expected: type[Exception] | None
    if not is_int(initial):
        expected, name = TypeError, "initial_value"
    elif initial < 0:  # type: ignore[operator]
        expected, name = ValueError, "initial_value"
    elif max_value is not None and not is_int(max_value):
        expected, name = TypeError, "max_value"
    elif max_value is not None and max_value < initial:  # type: ignore[operator]
        expected, name = ValueError, "max_value"
    else:
        expected, name = None, ""
    if expected is None:
        sem = trio.Semaphore(initial, max_value=max_value)  # type: ignore[arg-type]
        assert sem.value == initial
        return
    with pytest.raises(expected) as info:
        trio.Semaphore(initial, max_value=max_value)  # type: ignore[arg-type]
    assert name in str(info.value)


async def test_semaphore_release_above_max_value_leaves_it_usable() -> None:
    sem = trio.Semaphore(1, max_value=1)
    with pytest.raises(ValueError, match="max_value"):
        sem.release()
    assert sem.value == 1
    async with sem:
        assert sem.value == 0
    assert sem.value == 1


@FAST
@given(total=ints_or_junk.filter(lambda v: not (isinstance(v, int) and v >= 0) and v != math.inf))
async def test_capacity_limiter_refuses_bad_totals_and_keeps_the_old_one(total: object) -> None:
    is_int = isinstance(total, int) and not isinstance(total, bool)
    expected = ValueError if is_int else TypeError
    with pytest.raises(expected, match="total"):
        trio.CapacityLimiter(total)  # type: ignore[arg-type]
    limiter = trio.CapacityLimiter(2)
    async with limiter:
        with pytest.raises(expected, match="total"):
            limiter.total_tokens = total  # type: ignore[assignment]
        assert limiter.total == 2
        assert limiter.available_tokens == 1
    assert limiter.available_tokens == 2


async def test_capacity_limiter_borrowing_mistakes_are_runtimeerrors() -> None:
    limiter = trio.CapacityLimiter(1)
    with pytest.raises(RuntimeError, match="isn't holding"):
        limiter.release()
    async with limiter:
        with pytest.raises(RuntimeError, match="already holding"):
            await limiter.acquire()
    async with limiter:  # still usable
        assert limiter.borrowed_tokens == 1


@FAST
@given(lock=st.one_of(not_numbers.filter(lambda v: v is not None), st.integers()))
async def test_condition_refuses_what_is_not_a_lock(lock: object) -> None:
    with pytest.raises(TypeError, match="lock must be"):
        trio.Condition(lock)  # type: ignore[arg-type]


async def test_condition_refuses_a_semaphore_as_its_lock() -> None:
    with pytest.raises(TypeError, match="lock must be"):
        trio.Condition(trio.Semaphore(1))  # type: ignore[arg-type]


async def test_lock_misuse_is_a_runtimeerror_and_the_lock_stays_usable() -> None:
    lock = trio.Lock()
    with pytest.raises(RuntimeError, match="you don't own"):
        lock.release()
    async with lock:
        with pytest.raises(RuntimeError, match="already held Lock"):
            await lock.acquire()
    async with lock:
        assert lock.locked()
    cond = trio.Condition()
    with pytest.raises(RuntimeError, match="hold the condition's lock"):
        cond.notify()
    with pytest.raises(RuntimeError, match="hold the condition's lock"):
        await cond.wait()
    async with cond:
        cond.notify_all()


@FAST
@given(
    n=st.one_of(
        st.integers(max_value=-1), st.floats(allow_nan=True).filter(lambda v: v != math.inf)
    )
)
async def test_condition_notify_refuses_negative_and_fractional_counts(n: float) -> None:
    cond = trio.Condition()
    async with cond:
        with pytest.raises(ValueError, match="count"):
            cond.notify(n)  # type: ignore[arg-type]
        cond.notify(1)  # still fine


@pytest.mark.parametrize("n", ["1", None, [1]])
async def test_condition_notify_refuses_a_non_number_count(n: object) -> None:
    cond = trio.Condition()
    async with cond:
        with pytest.raises(TypeError, match=r"\bn\b|count"):
            cond.notify(n)  # type: ignore[arg-type]


# ---------------------------------------------------------------- memory channels


@FAST
@given(
    size=st.one_of(
        negatives, not_numbers, st.just(math.nan), st.floats(0.1, 100), st.just(-math.inf)
    )
)
async def test_open_memory_channel_refuses_bad_sizes(size: object) -> None:
    is_int = isinstance(size, int) and not isinstance(size, bool)
    expected = ValueError if is_int else TypeError
    with pytest.raises(expected, match="max_buffer_size"):
        trio.open_memory_channel(size)  # type: ignore[arg-type]


@FAST
@given(size=st.one_of(st.integers(0, 3), st.just(math.inf)))
async def test_open_memory_channel_accepts_good_sizes(size: float) -> None:
    send, receive = trio.open_memory_channel[int](size)
    with send, receive:
        assert send.statistics().max_buffer_size == size


#: ("send", end) / ("recv", end) / ("close_send", end) / ("close_recv", end) /
#: ("clone_send", end) / ("clone_recv", end), end being an index into the open ends.
channel_ops = st.lists(
    st.tuples(
        st.sampled_from(["send", "recv", "close_send", "close_recv", "clone_send", "clone_recv"]),
        st.integers(0, 3),
    ),
    max_size=25,
)


@settings(max_examples=50, deadline=None)
@given(size=st.one_of(st.integers(0, 3), st.just(math.inf)), ops=channel_ops)
async def test_memory_channel_closed_ends_raise_as_documented(
    size: float, ops: list[tuple[str, int]]
) -> None:
    """A random sequence of nowait operations, clones and closes, against a model."""
    first_send, first_recv = trio.open_memory_channel[int](size)
    sends = [first_send]
    recvs = [first_recv]
    send_open = [True]
    recv_open = [True]
    buffer: list[int] = []
    counter = 0
    try:
        for op, which in ops:
            if op in ("send", "close_send", "clone_send"):
                i = which % len(sends)
                end_open = send_open[i]
            else:
                i = which % len(recvs)
                end_open = recv_open[i]
            if op == "send":
                counter += 1
                if not end_open:
                    with pytest.raises(trio.ClosedResourceError, match="closed"):
                        sends[i].send_nowait(counter)
                elif not any(recv_open):
                    with pytest.raises(trio.BrokenResourceError, match="receive channel"):
                        sends[i].send_nowait(counter)
                elif len(buffer) >= size:
                    with pytest.raises(trio.WouldBlock):
                        sends[i].send_nowait(counter)
                else:
                    sends[i].send_nowait(counter)
                    buffer.append(counter)
            elif op == "recv":
                if not end_open:
                    with pytest.raises(trio.ClosedResourceError, match="closed"):
                        recvs[i].receive_nowait()
                elif buffer:
                    assert recvs[i].receive_nowait() == buffer.pop(0)
                elif not any(send_open):
                    with pytest.raises(trio.EndOfChannel):
                        recvs[i].receive_nowait()
                else:
                    with pytest.raises(trio.WouldBlock):
                        recvs[i].receive_nowait()
            elif op == "close_send":
                sends[i].close()  # idempotent
                send_open[i] = False
            elif op == "close_recv":
                recvs[i].close()
                recv_open[i] = False
                if not any(recv_open):
                    buffer.clear()  # documented: buffered values are dropped
            elif op == "clone_send":
                if not end_open:
                    with pytest.raises(trio.ClosedResourceError, match="clone"):
                        sends[i].clone()
                else:
                    sends.append(sends[i].clone())
                    send_open.append(True)
            else:
                if not end_open:
                    with pytest.raises(trio.ClosedResourceError, match="clone"):
                        recvs[i].clone()
                else:
                    recvs.append(recvs[i].clone())
                    recv_open.append(True)
        # The async versions agree with the nowait ones on closed ends.
        closed_sends = [s for s, o in zip(sends, send_open, strict=True) if not o]
        for s in closed_sends[:1]:
            with pytest.raises(trio.ClosedResourceError):
                await s.send(0)
        closed_recvs = [r for r, o in zip(recvs, recv_open, strict=True) if not o]
        for r in closed_recvs[:1]:
            with pytest.raises(trio.ClosedResourceError):
                await r.receive()
    finally:
        for end in [*sends, *recvs]:
            end.close()


async def test_closing_a_channel_wakes_blocked_tasks_with_the_documented_errors() -> None:
    send, receive = trio.open_memory_channel[int](0)
    results: list[str] = []

    async def blocked_send() -> None:
        with pytest.raises(trio.ClosedResourceError, match="closed"):
            await send.send(1)
        results.append("send: closed")

    async def blocked_receive() -> None:
        with pytest.raises(trio.ClosedResourceError, match="closed"):
            await receive.receive()
        results.append("receive: closed")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(blocked_receive)
        await wait_all_tasks_blocked()
        receive_clone = receive.clone()
        receive.close()
        await wait_all_tasks_blocked()
        nursery.start_soon(blocked_send)
        await wait_all_tasks_blocked()
        send.close()
    with receive_clone, pytest.raises(trio.EndOfChannel):
        await receive_clone.receive()
    assert results == ["receive: closed", "send: closed"]


# ---------------------------------------------------------------- to_thread.run_sync


async def _async_for_thread() -> int:
    return 1  # pragma: no cover


async def _async_gen_for_thread() -> Any:  # pragma: no cover
    yield 1


@FAST
@given(
    fn=st.sampled_from(
        [
            _async_for_thread,
            functools.partial(_async_for_thread),
            _async_gen_for_thread,
            trio.sleep,
        ]
    )
)
async def test_to_thread_refuses_async_functions_before_starting_a_thread(fn: object) -> None:
    limiter = trio.to_thread.current_default_thread_limiter()
    with pytest.raises(TypeError, match="async function") as info:
        await trio.to_thread.run_sync(fn)  # type: ignore[arg-type]
    assert "to_thread.run_sync()" in str(info.value)
    assert limiter.borrowed_tokens == 0
    assert await trio.to_thread.run_sync(lambda: 7) == 7  # still usable


async def test_to_thread_refuses_a_sync_function_returning_a_coroutine_and_closes_it() -> None:
    def returns_a_coroutine() -> Coroutine[Any, Any, int]:
        return _async_for_thread()

    with pytest.raises(TypeError, match="returned a coroutine"):
        _ = await trio.to_thread.run_sync(returns_a_coroutine)
    # (the conftest fails this test if the coroutine was left never-awaited)


@FAST
@given(fn=st.one_of(st.integers(), st.text(max_size=3), st.none()))
async def test_to_thread_refuses_non_callables(fn: object) -> None:
    limiter = trio.CapacityLimiter(1)
    with pytest.raises(TypeError, match="not callable"):
        await trio.to_thread.run_sync(fn, limiter=limiter)  # type: ignore[arg-type]
    assert limiter.borrowed_tokens == 0
    assert await trio.to_thread.run_sync(lambda: 3, limiter=limiter) == 3


async def test_to_thread_refuses_a_coroutine_object_with_a_hint() -> None:
    coro = _async_for_thread()
    try:
        with pytest.raises(TypeError, match="coroutine") as info:
            await trio.to_thread.run_sync(coro)  # type: ignore[arg-type]
        assert "run_sync" in str(info.value) or "await" in str(info.value)
    finally:
        coro.close()


@pytest.mark.parametrize("limiter", [3, "x", object(), "semaphore"])
async def test_to_thread_refuses_a_bad_limiter(limiter: object) -> None:
    if limiter == "semaphore":
        limiter = trio.Semaphore(1)
    with pytest.raises(TypeError, match="limiter"):
        await trio.to_thread.run_sync(_sync_returning_one, limiter=limiter)  # type: ignore[arg-type]
    assert await trio.to_thread.run_sync(_sync_returning_one) == 1


# ---------------------------------------------------------------- outside a run


@pytest.mark.parametrize(
    "call",
    [
        lambda: trio.current_time(),
        lambda: trio.current_effective_deadline(),
        lambda: trio.to_thread.current_default_thread_limiter(),
        lambda: trio.CancelScope().__enter__(),
    ],
    ids=["current_time", "current_effective_deadline", "default_thread_limiter", "CancelScope"],
)
def test_async_apis_outside_a_run_say_so(call: Callable[[], object]) -> None:
    with pytest.raises(RuntimeError, match=r"run\(\)|inside .*run|no run"):
        call()
