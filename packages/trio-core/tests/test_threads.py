"""to_thread.run_sync, from_thread.run / run_sync, and the worker-thread cache.

Waiting for another thread is always bounded (fail_after, join(timeout),
Event.wait(timeout)); where a test must wait for a worker thread to go idle,
it polls a condition under a deadline instead of sleeping and hoping.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import trio_core
from trio_core import _thread_cache, from_thread, lowlevel, to_thread
from trio_core.testing import wait_all_tasks_blocked

WAIT = 10  # seconds: the bound on every wait for another thread

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


async def _until(condition: Callable[[], bool]) -> None:
    """Wait (bounded) for a condition that another thread makes true."""
    with trio_core.fail_after(WAIT):
        while not condition():
            await trio_core.sleep(0.001)


def _is_idle(thread: threading.Thread) -> bool:
    """Whether this worker thread is back in the cache, waiting for a job."""
    return any(worker.thread is thread for worker in _thread_cache._THREAD_CACHE._idle)


# ---------------------------------------------------------------- to_thread.run_sync


async def test_run_sync_returns_the_result_and_runs_in_another_thread() -> None:
    def work(a: int, b: str) -> tuple[int, str, threading.Thread]:
        return a * 2, b.upper(), threading.current_thread()

    number, text, thread = await to_thread.run_sync(work, 21, "x")
    assert (number, text) == (42, "X")
    assert thread is not threading.current_thread()
    assert await to_thread.run_sync(functools.partial(sorted, reverse=True), [1, 3, 2]) == [
        3,
        2,
        1,
    ]


async def test_run_sync_raises_the_functions_exception() -> None:
    def boom() -> None:
        raise KeyError("from the thread")

    with pytest.raises(KeyError, match="from the thread") as info:
        await to_thread.run_sync(boom)
    # The traceback shows where it was raised.
    assert any(entry.name == "boom" for entry in info.traceback)


async def test_run_sync_is_a_checkpoint() -> None:
    with trio_core.CancelScope() as scope:
        scope.cancel()
        ran: list[int] = []
        with pytest.raises(trio_core.Cancelled):
            await to_thread.run_sync(ran.append, 1)
    assert ran == []
    with trio_core.testing.assert_checkpoints():
        await to_thread.run_sync(int)


async def test_run_sync_refuses_async_functions() -> None:
    async def coroutine_function() -> None:
        pass  # pragma: no cover

    async def async_generator() -> Any:
        yield  # pragma: no cover

    refused: list[Callable[[], object]] = [
        coroutine_function,
        async_generator,
        functools.partial(coroutine_function),
    ]
    for fn in refused:
        with pytest.raises(TypeError, match="async function"):
            await to_thread.run_sync(fn)
    # A regular function that returns a coroutine: refused, and the coroutine
    # is closed (no "never awaited" warning: the leak check would catch one).
    with pytest.raises(TypeError, match="returned a coroutine"):
        await to_thread.run_sync(lambda: coroutine_function())  # type: ignore[unused-coroutine]


async def test_thread_name_and_context_variables() -> None:
    VAR.set("set in the task")

    def look() -> tuple[str, str]:
        return threading.current_thread().name, VAR.get()

    name, value = await to_thread.run_sync(look, thread_name="my worker")
    assert (name, value) == ("my worker", "set in the task")
    name, _ = await to_thread.run_sync(look)
    assert name != "my worker"

    def change() -> None:
        VAR.set("set in the thread")

    await to_thread.run_sync(change)
    # A copy of the context: the task's own value is untouched.
    assert VAR.get() == "set in the task"


async def test_worker_threads_are_reused() -> None:
    threads: set[threading.Thread] = set()
    for _ in range(10):
        thread = await to_thread.run_sync(threading.current_thread)
        threads.add(thread)
        # Let the worker put itself back in the cache before the next call.
        await _until(lambda: _is_idle(thread))  # noqa: B023
    assert len(threads) == 1


async def test_back_to_back_calls_stay_on_one_thread() -> None:
    # No waiting between calls: a worker is back in the cache before it
    # delivers its result, so the next call finds it there instead of
    # starting a new thread.  (At most one switch: a worker abandoned by an
    # earlier test may go idle meanwhile and be picked once.)
    threads = [await to_thread.run_sync(threading.current_thread) for _ in range(200)]
    switches = sum(a is not b for a, b in itertools.pairwise(threads))
    assert switches <= 1, f"{switches} switches between {len(set(threads))} threads"


async def test_concurrent_calls_use_several_threads() -> None:
    barrier = threading.Barrier(4, timeout=WAIT)
    idents: set[int] = set()

    def meet() -> None:
        barrier.wait()
        idents.add(threading.get_ident())

    async with trio_core.open_nursery() as nursery:
        for _ in range(4):
            nursery.start_soon(to_thread.run_sync, meet)
    assert len(idents) == 4


# ---------------------------------------------------------------- limiters


async def test_the_default_limiter_is_one_per_run_with_40_tokens() -> None:
    limiter = to_thread.current_default_thread_limiter()
    assert isinstance(limiter, trio_core.CapacityLimiter)
    assert limiter.total == 40
    assert to_thread.current_default_thread_limiter() is limiter

    seen: list[int] = []

    def count() -> None:
        seen.append(limiter.borrowed_tokens)

    await to_thread.run_sync(count)
    assert seen == [1]
    assert limiter.borrowed_tokens == 0


def test_each_run_has_its_own_default_limiter() -> None:
    async def get() -> trio_core.CapacityLimiter:
        return to_thread.current_default_thread_limiter()

    first = trio_core.run(get)
    second = trio_core.run(get)
    assert first is not second
    with pytest.raises(RuntimeError):
        to_thread.current_default_thread_limiter()


async def test_a_limiter_caps_how_many_threads_run_at_once() -> None:
    limiter = trio_core.CapacityLimiter(2)
    lock = threading.Lock()
    running = peak = 0
    release = threading.Event()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        release.wait(WAIT)
        with lock:
            running -= 1

    async with trio_core.open_nursery() as nursery:
        for _ in range(6):
            nursery.start_soon(functools.partial(to_thread.run_sync, work, limiter=limiter))
        await _until(lambda: running == 2)
        await wait_all_tasks_blocked()
        assert limiter.statistics().tasks_waiting == 4
        assert limiter.borrowed_tokens == 2
        release.set()
    assert peak == 2
    assert limiter.borrowed_tokens == 0


async def test_cancelled_while_waiting_for_a_token_runs_nothing() -> None:
    limiter = trio_core.CapacityLimiter(1)
    await limiter.acquire()
    ran: list[int] = []
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(functools.partial(to_thread.run_sync, ran.append, 1, limiter=limiter))
        await wait_all_tasks_blocked()
        assert limiter.statistics().tasks_waiting == 1
        nursery.cancel_scope.cancel()
    limiter.release()
    assert ran == []
    assert limiter.borrowed_tokens == 0


# ---------------------------------------------------------------- cancellation while a thread runs


async def test_cancellation_waits_for_the_thread_by_default() -> None:
    started = threading.Event()
    release = threading.Event()
    log: list[str] = []

    def slow() -> str:
        started.set()
        release.wait(WAIT)
        return "the result"

    async def run_it() -> None:
        with trio_core.CancelScope() as scope:
            scope_box.append(scope)
            log.append(await to_thread.run_sync(slow))
            await lowlevel.checkpoint()
            log.append("not reached")  # pragma: no cover
        log.append(f"cancelled_caught={scope.cancelled_caught}")

    scope_box: list[trio_core.CancelScope] = []
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(run_it)
        await to_thread.run_sync(started.wait, WAIT)
        scope_box[0].cancel()
        await wait_all_tasks_blocked()
        # Still waiting for the thread, despite the cancellation.
        assert log == []
        release.set()
    assert log == ["the result", "cancelled_caught=True"]


async def test_cancellation_waits_and_then_raises_the_threads_error() -> None:
    release = threading.Event()

    def fails() -> None:
        release.wait(WAIT)
        raise ValueError("after the cancellation")

    with trio_core.CancelScope() as scope:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(lambda: to_thread.run_sync(release.set))
            with pytest.raises(ValueError, match="after the cancellation"):
                scope.cancel()
                await to_thread.run_sync(fails)


async def test_abandon_on_cancel_returns_at_once_and_discards_the_result(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    limiter = trio_core.CapacityLimiter(100)
    release = threading.Event()
    finished = threading.Barrier(51, timeout=WAIT)

    def stuck(i: int) -> int:
        release.wait(WAIT)
        try:
            if i % 2:
                raise RuntimeError(f"discarded quietly {i}")
            return i
        finally:
            finished.wait()

    with trio_core.move_on_after(0.05) as scope:
        async with trio_core.open_nursery() as nursery:
            for i in range(50):
                nursery.start_soon(
                    functools.partial(
                        to_thread.run_sync, stuck, i, abandon_on_cancel=True, limiter=limiter
                    )
                )
    assert scope.cancelled_caught
    # The threads run on, each still holding its token.
    assert limiter.borrowed_tokens == 50
    release.set()
    await to_thread.run_sync(finished.wait)
    # Their tokens come back as they finish; their results and errors vanish.
    await _until(lambda: limiter.borrowed_tokens == 0)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_an_abandoned_thread_may_outlive_its_run(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    release = threading.Event()
    done = threading.Event()
    seen: list[object] = []

    def outlives() -> str:
        release.wait(WAIT)
        seen.append(threading.current_thread())
        # The run is over: calling back into it fails cleanly.
        try:
            from_thread.run_sync(lambda: None)
        except trio_core.RunFinishedError as exc:
            seen.append(type(exc))
        done.set()
        return "nobody is listening"

    async def main() -> None:
        with trio_core.move_on_after(0.01):
            await to_thread.run_sync(outlives, abandon_on_cancel=True)

    trio_core.run(main)
    release.set()
    assert done.wait(WAIT)
    worker, error = seen
    assert isinstance(worker, threading.Thread)
    assert error is trio_core.RunFinishedError
    # Its result could not be delivered: dropped without a word, and the
    # worker went back to the cache.
    _wait_job_done_blocking(worker)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


# ---------------------------------------------------------------- from_thread


async def test_from_thread_calls_back_into_the_run() -> None:
    loop_thread = threading.current_thread()
    event = trio_core.Event()

    async def double(x: int) -> int:
        await trio_core.sleep(0)
        return 2 * x

    def where() -> threading.Thread:
        return threading.current_thread()

    def in_thread() -> tuple[int, threading.Thread, bool]:
        doubled = from_thread.run(double, 4)
        thread = from_thread.run_sync(where)
        from_thread.run_sync(event.set)
        return doubled, thread, from_thread.run(lambda: trio_core.sleep(0)) is None

    doubled, thread, awaited = await to_thread.run_sync(in_thread)
    assert (doubled, thread, awaited) == (8, loop_thread, True)
    assert event.is_set()


async def test_from_thread_raises_the_functions_exception() -> None:
    async def async_boom() -> None:
        await trio_core.sleep(0)
        raise ValueError("async boom")

    def sync_boom() -> None:
        raise KeyError("sync boom")

    def in_thread() -> list[str]:
        caught: list[str] = []
        calls: list[Callable[[], object]] = [
            lambda: from_thread.run(async_boom),
            lambda: from_thread.run_sync(sync_boom),
        ]
        for call in calls:
            try:
                call()
            except (ValueError, KeyError) as exc:
                caught.append(repr(exc))
        return caught

    assert await to_thread.run_sync(in_thread) == [
        "ValueError('async boom')",
        "KeyError('sync boom')",
    ]


async def test_from_thread_nests_with_to_thread() -> None:
    def innermost() -> str:
        return from_thread.run_sync(lambda: "from the loop, two threads deep")

    async def middle() -> str:
        return await to_thread.run_sync(innermost)

    assert await to_thread.run_sync(from_thread.run, middle) == "from the loop, two threads deep"


async def test_from_thread_in_the_loop_thread_is_refused() -> None:
    with pytest.raises(RuntimeError, match="own thread"):
        from_thread.run_sync(lambda: None)
    with pytest.raises(RuntimeError, match="own thread"):
        from_thread.run(trio_core.sleep, 0)
    token = lowlevel.current_trio_token()
    with pytest.raises(RuntimeError, match="own thread"):
        from_thread.run_sync(lambda: None, trio_token=token)


async def test_from_thread_in_a_foreign_thread_needs_the_token() -> None:
    token = lowlevel.current_trio_token()
    outcome: list[object] = []
    done = threading.Event()

    def foreign() -> None:
        try:
            try:
                from_thread.run_sync(lambda: None)
            except RuntimeError as exc:
                outcome.append(str(exc))
            try:
                from_thread.run_sync(lambda: None, trio_token="not a token")  # type: ignore[arg-type]
            except TypeError as exc:
                outcome.append(type(exc))
            outcome.append(from_thread.run_sync(lambda: "sync ok", trio_token=token))
            outcome.append(from_thread.run(_async_ok, trio_token=token))
        finally:
            done.set()

    thread = threading.Thread(target=foreign)
    thread.start()
    await to_thread.run_sync(done.wait, WAIT)
    thread.join(WAIT)
    assert "trio_token" in str(outcome[0])
    assert outcome[1:] == [TypeError, "sync ok", "async ok"]


async def _async_ok() -> str:
    await trio_core.sleep(0)
    return "async ok"


async def test_from_thread_refuses_the_wrong_kind_of_function() -> None:
    async def coroutine_function() -> None:
        pass  # pragma: no cover

    def regular() -> int:
        return 1

    def in_thread() -> list[str]:
        messages: list[str] = []
        calls: list[Callable[[], object]] = [
            lambda: from_thread.run_sync(coroutine_function),
            lambda: from_thread.run_sync(lambda: coroutine_function()),
            lambda: from_thread.run(regular),  # type: ignore[arg-type]
        ]
        for call in calls:
            try:
                call()
            except TypeError as exc:
                messages.append(str(exc))
        return messages

    messages = await to_thread.run_sync(in_thread)
    assert len(messages) == 3
    assert "use from_thread.run()" in messages[0]
    assert "returned a coroutine" in messages[1]
    assert "from_thread.run_sync()" in messages[2]


def test_from_thread_after_the_run_finished() -> None:
    async def get_token() -> lowlevel.TrioToken:
        return lowlevel.current_trio_token()

    token = trio_core.run(get_token)
    with pytest.raises(trio_core.RunFinishedError):
        from_thread.run_sync(lambda: None, trio_token=token)
    with pytest.raises(trio_core.RunFinishedError):
        from_thread.run(_async_ok, trio_token=token)


async def test_cancelling_the_waiting_task_cancels_its_calls_into_the_run() -> None:
    # Without this, the task would wait forever for a thread that waits
    # forever for a call that is never cancelled.
    outcome: list[str] = []

    def in_thread() -> None:
        try:
            from_thread.run(trio_core.sleep_forever)
        except trio_core.Cancelled:
            outcome.append("Cancelled in the thread")
            # A call made after the cancellation is cancelled at once.
            try:
                from_thread.run(trio_core.sleep, 0)
            except trio_core.Cancelled:
                outcome.append("and again")
            raise

    with trio_core.move_on_after(0.05) as scope:
        await to_thread.run_sync(in_thread)
    assert scope.cancelled_caught
    assert outcome == ["Cancelled in the thread", "and again"]


async def test_calls_from_other_threads_are_not_tied_to_the_waiting_task() -> None:
    token = lowlevel.current_trio_token()
    ran: list[str] = []

    async def slow() -> None:
        await trio_core.sleep(0.05)
        ran.append("finished")

    def in_thread() -> None:
        # With an explicit token of the same run, it is still tied to us.
        with pytest.raises(trio_core.Cancelled):
            from_thread.run(slow, trio_token=token)

    with trio_core.move_on_after(0.01):
        await to_thread.run_sync(in_thread)
    assert ran == []

    done = threading.Event()

    def foreign() -> None:
        try:
            from_thread.run(slow, trio_token=token)
        finally:
            done.set()

    # A foreign thread's call is not affected by our cancellations.
    thread = threading.Thread(target=foreign)
    with trio_core.move_on_after(0.01):
        thread.start()
        await trio_core.sleep_forever()
    await to_thread.run_sync(done.wait, WAIT)
    thread.join(WAIT)
    assert ran == ["finished"]


async def test_check_cancelled() -> None:
    with pytest.raises(RuntimeError, match=r"to_thread\.run_sync"):
        from_thread.check_cancelled()
    started = threading.Event()
    polls: list[int] = []

    def polling_worker() -> None:
        started.set()
        for i in range(WAIT * 1000):
            polls.append(i)
            from_thread.check_cancelled()
            time.sleep(0.001)
        raise AssertionError("never cancelled")  # pragma: no cover

    async def cancel_when_started(scope: trio_core.CancelScope) -> None:
        await to_thread.run_sync(started.wait, WAIT)
        scope.cancel()

    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as scope:
            nursery.start_soon(cancel_when_started, scope)
            await to_thread.run_sync(polling_worker)
        # The Cancelled raised in the thread came back here and was caught by its scope.
        assert scope.cancelled_caught
    assert polls

    # Not cancelled: nothing happens.
    await to_thread.run_sync(from_thread.check_cancelled)


async def test_from_thread_sees_the_threads_context_variables() -> None:
    VAR.set("task value")

    async def read_async() -> str:
        return VAR.get()

    def in_thread() -> tuple[str, str]:
        VAR.set(VAR.get() + ", changed in the thread")
        return from_thread.run(read_async), from_thread.run_sync(VAR.get)

    assert await to_thread.run_sync(in_thread) == (
        "task value, changed in the thread",
        "task value, changed in the thread",
    )
    assert VAR.get() == "task value"


async def test_from_thread_from_a_foreign_thread_runs_in_a_copy_of_its_context() -> None:
    token = lowlevel.current_trio_token()
    VAR.set("task value")
    seen: list[str] = []

    async def read_and_set_async() -> str:
        value = VAR.get()
        VAR.set("set by the call")
        return value

    def read_and_set() -> str:
        value = VAR.get()
        VAR.set("set by the call")
        return value

    def foreign() -> None:
        VAR.set("foreign thread value")
        seen.append(from_thread.run(read_and_set_async, trio_token=token))
        seen.append(from_thread.run_sync(read_and_set, trio_token=token))
        seen.append(VAR.get())  # a copy: the calls' own changes stay there

    thread = threading.Thread(target=foreign)
    thread.start()
    await to_thread.run_sync(thread.join, WAIT)
    assert seen == ["foreign thread value", "foreign thread value", "foreign thread value"]
    assert VAR.get() == "task value"


async def test_a_call_from_an_abandoned_thread_runs_to_its_end() -> None:
    # As in Trio: the task stopped waiting for the thread, so the thread's
    # calls into the run are not cancelled with it.
    thread_may_call = threading.Event()
    finished = trio_core.Event()
    steps: list[str] = []

    async def slow_job() -> str:
        steps.append("started")
        await trio_core.sleep(0.01)
        await trio_core.sleep(0.01)
        steps.append("finished")
        return "done"

    def in_thread() -> None:
        thread_may_call.wait(WAIT)
        steps.append(from_thread.run(slow_job))
        from_thread.run_sync(finished.set)

    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as scope:

            async def cancel_when_waiting() -> None:
                await wait_all_tasks_blocked()  # the thread is running
                scope.cancel()

            nursery.start_soon(cancel_when_waiting)
            await to_thread.run_sync(in_thread, abandon_on_cancel=True)
    assert scope.cancelled_caught
    thread_may_call.set()  # the thread calls in only after it was abandoned
    with trio_core.fail_after(WAIT):
        await finished.wait()
    assert steps == ["started", "finished", "done"]


async def test_a_call_in_progress_when_its_thread_is_abandoned_runs_to_its_end() -> None:
    in_call = trio_core.Event()
    release = trio_core.Event()
    finished = trio_core.Event()
    steps: list[str] = []

    async def job() -> str:
        in_call.set()
        await release.wait()
        steps.append("finished")
        return "done"

    def in_thread() -> None:
        steps.append(from_thread.run(job))
        from_thread.run_sync(finished.set)

    async with trio_core.open_nursery() as nursery:
        with trio_core.CancelScope() as scope:

            async def cancel_when_in_call() -> None:
                await in_call.wait()
                scope.cancel()

            nursery.start_soon(cancel_when_in_call)
            await to_thread.run_sync(in_thread, abandon_on_cancel=True)
        assert scope.cancelled_caught
        release.set()
        with trio_core.fail_after(WAIT):
            await finished.wait()
    assert steps == ["finished", "done"]


async def test_active_thread_count_and_wait_all_threads_completed() -> None:
    from trio_core.testing import active_thread_count, wait_all_threads_completed

    assert active_thread_count() == 0
    with trio_core.testing.assert_checkpoints():
        await wait_all_threads_completed()  # nothing to wait for: returns at once
    release = threading.Event()
    done: list[str] = []

    async with trio_core.open_nursery() as nursery:
        for _ in range(2):
            nursery.start_soon(to_thread.run_sync, release.wait, WAIT)
        # An abandoned thread still counts until it finishes.
        with trio_core.CancelScope() as scope:

            async def cancel_soon() -> None:
                await wait_all_tasks_blocked()
                scope.cancel()

            nursery.start_soon(cancel_soon)
            await to_thread.run_sync(release.wait, WAIT, abandon_on_cancel=True)
        assert scope.cancelled_caught
        assert active_thread_count() == 3

        async def waiter() -> None:
            await wait_all_threads_completed()
            done.append("all threads completed")

        nursery.start_soon(waiter)
        await wait_all_tasks_blocked()
        assert done == []
        release.set()
        with trio_core.fail_after(WAIT):
            await wait_all_threads_completed()
        assert active_thread_count() == 0
    assert done == ["all threads completed"]


def test_thread_counting_needs_a_run() -> None:
    with pytest.raises(RuntimeError):
        trio_core.testing.active_thread_count()


# ---------------------------------------------------------------- the thread cache


def test_start_thread_soon_needs_no_run() -> None:
    done = threading.Event()
    results: list[object] = []

    def deliver(outcome: lowlevel.Outcome[Any]) -> None:
        results.append(outcome)
        done.set()

    lowlevel.start_thread_soon(lambda: 7, deliver)
    assert done.wait(WAIT)
    assert isinstance(results[0], lowlevel.Value) and results[0].unwrap() == 7

    done.clear()
    lowlevel.start_thread_soon(lambda: 1 / 0, deliver, name="dividing")
    assert done.wait(WAIT)
    assert isinstance(results[1], lowlevel.Error)
    assert isinstance(results[1].error, ZeroDivisionError)


def _wait_job_done_blocking(thread: threading.Thread) -> None:
    """Wait until ``thread`` has finished its job, delivery included.

    A worker goes back to the cache before it calls its deliver callback, so
    being idle is not enough: hand it one more job (the most recently idle
    worker gets the next one) and wait for that, which it starts only after
    the delivery returned.
    """
    deadline = time.monotonic() + WAIT
    ran_in: list[threading.Thread] = []
    while thread not in ran_in and time.monotonic() < deadline:
        if not _is_idle(thread):
            time.sleep(0.001)
            continue
        # (Another worker that went idle just now may take it: try again.)
        done = threading.Event()
        lowlevel.start_thread_soon(
            lambda: ran_in.append(threading.current_thread()),
            lambda outcome, done=done: done.set(),
        )
        assert done.wait(WAIT)
    assert thread in ran_in


def test_a_deliver_callback_that_raises_is_logged_and_the_worker_survives(
    caplog: pytest.LogCaptureFixture,
) -> None:
    delivered = threading.Event()
    threads: list[threading.Thread] = []

    def bad_deliver(outcome: lowlevel.Outcome[Any]) -> None:
        threads.append(threading.current_thread())
        delivered.set()
        raise RuntimeError("bad deliver")

    lowlevel.start_thread_soon(lambda: None, bad_deliver)
    assert delivered.wait(WAIT)
    _wait_job_done_blocking(threads[0])
    assert any(
        "deliver" in r.getMessage() and r.exc_info and "bad deliver" in str(r.exc_info[1])
        for r in caplog.records
    )
    # The same worker (the most recently idle one) takes the next job.
    done = threading.Event()
    lowlevel.start_thread_soon(
        lambda: threads.append(threading.current_thread()), lambda outcome: done.set()
    )
    assert done.wait(WAIT)
    assert threads[1] is threads[0]


def test_idle_workers_exit_after_the_idle_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_thread_cache, "IDLE_TIMEOUT", 0.05)
    ran_in: list[threading.Thread] = []
    done = threading.Event()
    # Force a fresh worker: several at once, so at least one is new.
    barrier = threading.Barrier(3, timeout=WAIT)

    def job() -> None:
        barrier.wait()
        ran_in.append(threading.current_thread())

    remaining = [3]
    lock = threading.Lock()

    def deliver(outcome: lowlevel.Outcome[Any]) -> None:
        outcome.unwrap()
        with lock:
            remaining[0] -= 1
            if remaining[0] == 0:
                done.set()

    for _ in range(3):
        lowlevel.start_thread_soon(job, deliver)
    assert done.wait(WAIT)
    for thread in ran_in:
        thread.join(WAIT)
        assert not thread.is_alive()


@pytest.mark.allow_leaks
def test_the_cache_works_in_a_forked_child() -> None:
    # Make sure the parent has an idle worker, which the child does not inherit.
    done = threading.Event()
    lowlevel.start_thread_soon(lambda: None, lambda outcome: done.set())
    assert done.wait(WAIT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "fork() in a threaded process"
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ok = threading.Event()
        lowlevel.start_thread_soon(lambda: None, lambda outcome: ok.set())
        os._exit(0 if ok.wait(WAIT) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
