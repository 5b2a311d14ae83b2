"""to_thread / from_thread and the thread cache."""

from __future__ import annotations

import threading

import pytest

import trio_core
from trio_core import from_thread, lowlevel, to_thread


async def test_run_sync_returns_and_raises() -> None:
    assert await to_thread.run_sync(lambda x: x * 2, 21) == 42
    main_thread = threading.current_thread()
    assert await to_thread.run_sync(threading.current_thread) is not main_thread

    def boom() -> None:
        raise KeyError("from the thread")

    with pytest.raises(KeyError, match="from the thread"):
        await to_thread.run_sync(boom)


async def test_threads_are_reused() -> None:
    idents = {await to_thread.run_sync(threading.get_ident) for _ in range(20)}
    assert len(idents) <= 2


async def test_default_limiter_caps_concurrency() -> None:
    limiter = to_thread.current_default_thread_limiter()
    assert limiter.total == 40
    assert to_thread.current_default_thread_limiter() is limiter
    private = trio_core.CapacityLimiter(2)
    running = 0
    peak = 0
    lock = threading.Lock()
    release = threading.Event()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        release.wait(5)
        with lock:
            running -= 1

    async with trio_core.open_nursery() as nursery:
        for _ in range(6):
            nursery.start_soon(lambda: to_thread.run_sync(work, limiter=private))
        with trio_core.fail_after(5):
            # Poll (bounded) until two threads run and four tasks queue for tokens.
            while running < 2 or private.statistics().tasks_waiting < 4:
                await trio_core.sleep(0.001)
        release.set()
    assert peak == 2


async def test_cancel_waits_for_the_thread_by_default() -> None:
    started = threading.Event()
    release = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "done"

    running_scope = trio_core.CancelScope()

    async def unblock() -> None:
        await to_thread.run_sync(started.wait)
        # Cancel while `slow` runs in its thread, then let it finish.
        running_scope.cancel()
        release.set()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(unblock)
        with trio_core.CancelScope() as scope:
            scope.cancel()
            # Already cancelled: run_sync raises before starting a thread.
            with pytest.raises(trio_core.Cancelled):
                await to_thread.run_sync(slow)
        with running_scope as scope:
            result = await to_thread.run_sync(slow)
        # Not abandoned: the result came back despite the cancellation.
        assert result == "done"
        assert not scope.cancelled_caught


async def test_abandon_on_cancel_returns_at_once() -> None:
    release = threading.Event()
    finished = threading.Event()

    def stuck() -> None:
        release.wait(5)
        finished.set()
        raise RuntimeError("discarded quietly")

    with trio_core.move_on_after(0.01) as scope:
        await to_thread.run_sync(stuck, abandon_on_cancel=True)
    assert scope.cancelled_caught
    assert not finished.is_set()
    release.set()
    await to_thread.run_sync(finished.wait, 5)
    # The abandoned thread gave its token back.
    for _ in range(10):
        await trio_core.lowlevel.checkpoint()
    assert to_thread.current_default_thread_limiter().borrowed_tokens == 0


async def test_from_thread_run_and_run_sync() -> None:
    async def double(x: int) -> int:
        await trio_core.sleep(0)
        return 2 * x

    def in_thread() -> tuple[int, int, str]:
        return (
            from_thread.run(double, 4),
            from_thread.run_sync(lambda: 5),
            from_thread.run_sync(lambda: lowlevel.current_task().name),
        )

    a, b, name = await to_thread.run_sync(in_thread)
    assert (a, b) == (8, 5)
    assert isinstance(name, str)


async def test_from_thread_errors() -> None:
    with pytest.raises(RuntimeError, match="own thread"):
        from_thread.run_sync(lambda: None)
    token = lowlevel.current_trio_token()
    outcome: list[object] = []

    def foreign() -> None:
        try:
            from_thread.run_sync(lambda: None)
        except RuntimeError as exc:
            outcome.append(exc)
        outcome.append(from_thread.run_sync(lambda: "ok", trio_token=token))

    thread = threading.Thread(target=foreign)
    thread.start()
    while thread.is_alive():
        await trio_core.sleep(0.001)
    assert isinstance(outcome[0], RuntimeError) and "trio_token" in str(outcome[0])
    assert outcome[1] == "ok"


async def test_run_sync_rejects_async_functions() -> None:
    with pytest.raises(TypeError, match="async function"):
        await to_thread.run_sync(trio_core.sleep, 0)  # type: ignore[unused-coroutine]


def test_start_thread_soon_without_a_run() -> None:
    done = threading.Event()
    results: list[object] = []

    def deliver(outcome: lowlevel.Outcome[int]) -> None:
        results.append(outcome.unwrap())
        done.set()

    lowlevel.start_thread_soon(lambda: 7, deliver)
    assert done.wait(5)
    assert results == [7]
