"""Run-loop behaviours that are easy to get subtly wrong (written with the loop)."""

from __future__ import annotations

import gc
import math
import select
import signal
import socket
import threading
from collections.abc import AsyncGenerator

import pytest

import trio_core
import trio_core._run_context
from trio_core import lowlevel
from trio_core._api import wait_all_tasks_blocked
from trio_core._mock_clock import MockClock


async def test_protected_control_c_is_raised_at_the_next_checkpoint_exactly_once() -> None:
    @lowlevel.enable_ki_protection
    async def protected() -> str:
        signal.raise_signal(signal.SIGINT)
        return "finished"

    assert await protected() == "finished"
    with pytest.raises(KeyboardInterrupt):
        await lowlevel.checkpoint()
    for _ in range(5):
        await lowlevel.checkpoint()  # no second KeyboardInterrupt


async def test_unprotected_control_c_is_raised_where_it_lands() -> None:
    assert not lowlevel.currently_ki_protected()
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)


async def test_control_c_wakes_a_blocked_main_task() -> None:
    async def send_later() -> None:
        await wait_all_tasks_blocked()
        # A system task is protected: the interrupt goes to the main task.
        signal.raise_signal(signal.SIGINT)

    lowlevel.spawn_system_task(send_later)
    with pytest.raises(KeyboardInterrupt):
        await trio_core.sleep_forever()


def test_control_c_inside_a_nursery_leaves_run_as_a_bare_keyboardinterrupt() -> None:
    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(trio_core.sleep_forever)
            await wait_all_tasks_blocked()
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt) as info:
        trio_core.run(main)
    assert isinstance(info.value.__cause__, BaseExceptionGroup)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_run_restores_a_custom_sigint_handler_untouched() -> None:
    seen: list[int] = []

    def handler(signum: int, frame: object) -> None:
        seen.append(signum)

    old = signal.signal(signal.SIGINT, handler)
    try:

        async def main() -> None:
            signal.raise_signal(signal.SIGINT)
            await lowlevel.checkpoint()

        trio_core.run(main)
        assert seen == [signal.SIGINT]
        assert signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, old)


async def test_dropped_async_generator_is_closed_by_the_loop() -> None:
    log: list[str] = []

    async def agen() -> AsyncGenerator[int, None]:
        try:
            for i in range(10):
                yield i
        finally:
            await lowlevel.checkpoint()  # needs the loop: only aclose() can run this
            log.append("closed")

    gen = agen()
    async for value in gen:
        if value == 2:
            break
    del gen
    gc.collect()
    await wait_all_tasks_blocked()
    assert log == ["closed"]


def test_async_generator_alive_at_the_end_is_closed_before_run_returns() -> None:
    log: list[str] = []
    keep: list[object] = []

    async def agen() -> AsyncGenerator[int, None]:
        try:
            yield 1
            yield 2
        finally:
            await lowlevel.checkpoint()
            log.append("closed")

    async def main() -> None:
        gen = agen()
        await gen.__anext__()
        keep.append(gen)

    trio_core.run(main)
    assert log == ["closed"]


async def test_deadline_heap_stays_small_under_scope_churn() -> None:
    runner = trio_core._run_context._runner()
    for _ in range(10_000):
        with trio_core.move_on_after(100):
            pass
    assert len(runner.deadlines._heap) < 200
    assert len(runner.deadlines) == 0


async def test_moving_a_deadline_later_and_earlier(autojump_clock: MockClock) -> None:
    with trio_core.CancelScope() as scope:
        scope.deadline = trio_core.current_time() + 5
        scope.deadline = trio_core.current_time() + 50
        scope.deadline = trio_core.current_time() + 10
        start = trio_core.current_time()
        await trio_core.sleep_forever()
    assert scope.cancelled_caught
    assert trio_core.current_time() - start == pytest.approx(10)


async def test_shield_toggled_on_and_off_while_inside() -> None:
    with trio_core.CancelScope() as outer:
        with trio_core.CancelScope(shield=True) as inner:
            outer.cancel()
            await lowlevel.checkpoint()  # shielded: no Cancelled
            assert trio_core.current_effective_deadline() == math.inf
            inner.shield = False
            assert trio_core.current_effective_deadline() == -math.inf
            with pytest.raises(trio_core.Cancelled):
                await lowlevel.checkpoint()
            await lowlevel.checkpoint()  # raises again, caught by `outer` only
    assert outer.cancelled_caught and not inner.cancelled_caught


async def test_inner_scope_does_not_catch_an_outer_cancellation() -> None:
    with trio_core.CancelScope() as outer:
        with trio_core.CancelScope() as inner:
            outer.cancel()
            await lowlevel.checkpoint()
    assert outer.cancelled_caught
    assert not inner.cancelled_caught


async def test_relative_deadline_counts_from_entry(autojump_clock: MockClock) -> None:
    scope = trio_core.move_on_after(3)
    assert scope.relative_deadline == 3
    await trio_core.sleep(100)
    with scope:
        entered = trio_core.current_time()
        assert scope.deadline == pytest.approx(entered + 3)
        await trio_core.sleep_forever()
    assert trio_core.current_time() == pytest.approx(entered + 3)


async def test_scope_entered_twice_is_an_error() -> None:
    scope = trio_core.CancelScope()
    with scope:
        pass
    with pytest.raises(RuntimeError, match="single 'with' block"), scope:
        pass  # pragma: no cover


async def test_run_sync_soon_from_threads_in_order_and_idempotent() -> None:
    token = lowlevel.current_trio_token()
    order: list[int] = []
    done = trio_core.lowlevel.ParkingLot()
    me = lowlevel.current_task()

    def from_thread() -> None:
        for i in range(100):
            token.run_sync_soon(order.append, i)
        for _ in range(10):
            token.run_sync_soon(order.append, -1, idempotent=True)
        token.run_sync_soon(done.unpark)

    thread = threading.Thread(target=from_thread)
    thread.start()
    await done.park()
    thread.join()
    assert order[:100] == list(range(100))
    assert order.count(-1) >= 1 and order.count(-1) <= 10
    assert me is lowlevel.current_task()


def test_run_sync_soon_after_the_run_raises_runfinishederror() -> None:
    async def main() -> lowlevel.TrioToken:
        return lowlevel.current_trio_token()

    token = trio_core.run(main)
    with pytest.raises(trio_core.RunFinishedError):
        token.run_sync_soon(print)


async def test_notify_closing_wakes_both_directions() -> None:
    a, b = socket.socketpair()
    with a, b:
        # Fill a's send buffer so that a write waiter blocks too.
        a.setblocking(False)
        try:
            while True:
                a.send(b"x" * 65536)
        except BlockingIOError:
            pass
        errors: list[type[BaseException]] = []

        async def wait(fn: object) -> None:
            try:
                await fn(a)  # type: ignore[operator]
            except trio_core.ClosedResourceError as exc:
                errors.append(type(exc))

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(wait, lowlevel.wait_readable)
            nursery.start_soon(wait, lowlevel.wait_writable)
            await wait_all_tasks_blocked()
            lowlevel.notify_closing(a)
        assert errors == [trio_core.ClosedResourceError] * 2


@pytest.mark.parametrize("manager", [m for m in ("epoll", "kqueue", "poll") if hasattr(select, m)])
def test_forced_io_manager_is_used(manager: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIO_CORE_IO_MANAGER", manager)

    async def main() -> str:
        return lowlevel.current_statistics().io_statistics.backend

    assert trio_core.run(main) == manager


def test_bad_io_manager_name_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIO_CORE_IO_MANAGER", "iocp")

    async def main() -> None:
        pass  # pragma: no cover

    # A user error, reported as such (not as a TrioInternalError).
    with pytest.raises(RuntimeError, match="TRIO_CORE_IO_MANAGER='iocp' is not one of"):
        trio_core.run(main)


async def test_awaiting_a_foreign_awaitable_gives_a_clear_typeerror() -> None:
    class Foreign:
        def __await__(self):  # type: ignore[no-untyped-def]
            yield "a future from another library"

    with pytest.raises(TypeError, match="another async"):
        await Foreign()
