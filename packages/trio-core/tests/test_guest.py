"""Guest mode: lowlevel.start_guest_run, the run loop driven by another event loop."""

from __future__ import annotations

import asyncio
import gc
import queue
import signal
import socket
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from outcome import Error, Outcome, Value

import trio_core
from trio_core import lowlevel
from trio_core.testing import MockClock, wait_all_tasks_blocked


def run_on_queue(
    async_fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any
) -> Outcome[Any]:
    """A plain queue-driven host, as AnyIO's pytest plugin drives its trio tests."""
    todo: queue.Queue[Callable[[], object]] = queue.Queue()
    done: list[Outcome[Any]] = []
    lowlevel.start_guest_run(
        async_fn, *args, run_sync_soon_threadsafe=todo.put, done_callback=done.append, **kwargs
    )
    while not done:
        todo.get(timeout=10)()
    return done[0]


def run_on_asyncio(
    async_fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any
) -> Outcome[Any]:
    async def host() -> Outcome[Any]:
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[Outcome[Any]] = loop.create_future()
        lowlevel.start_guest_run(
            async_fn,
            *args,
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            run_sync_soon_not_threadsafe=loop.call_soon,
            done_callback=finished.set_result,
            **kwargs,
        )
        return await finished

    return asyncio.run(host())


# ---------------------------------------------------------------- basics


@pytest.mark.parametrize("host", [run_on_queue, run_on_asyncio], ids=["queue", "asyncio"])
def test_guest_run_returns_the_main_tasks_outcome(host: Any) -> None:
    async def main(x: int) -> int:
        await trio_core.sleep(0.01)
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(trio_core.sleep, 0.01)
        return x * 2

    outcome = host(main, 21)
    assert outcome == Value(42)


@pytest.mark.parametrize("host", [run_on_queue, run_on_asyncio], ids=["queue", "asyncio"])
def test_guest_run_delivers_an_error_to_done_callback(host: Any) -> None:
    async def main() -> None:
        await lowlevel.checkpoint()
        raise ValueError("from the guest")

    outcome = host(main)
    assert type(outcome) is Error
    assert isinstance(outcome.error, ValueError)
    assert str(outcome.error) == "from the guest"


def test_queue_host_runs_many_guest_runs_in_a_row_in_one_thread() -> None:
    # AnyIO's plugin starts one guest run per test, one after another.
    async def main(i: int) -> int:
        await trio_core.sleep(0)
        return i

    assert [run_on_queue(main, i).unwrap() for i in range(20)] == list(range(20))
    assert trio_core.run(main, 7) == 7


def test_synchronous_functions_work_as_soon_as_start_guest_run_returns() -> None:
    todo: queue.Queue[Callable[[], object]] = queue.Queue()
    done: list[Outcome[Any]] = []
    seen: list[str] = []

    async def system_task() -> None:
        seen.append("system task ran")

    async def main() -> str:
        await trio_core.sleep(0)
        return "main"

    lowlevel.start_guest_run(main, run_sync_soon_threadsafe=todo.put, done_callback=done.append)
    assert isinstance(trio_core.current_time(), float)
    token = lowlevel.current_trio_token()
    lowlevel.spawn_system_task(system_task)
    # Between turns, the host's own code is in the run but in no task.
    with pytest.raises(RuntimeError):
        lowlevel.current_task()
    with pytest.raises(RuntimeError, match="inside a run"):
        trio_core.run(main)
    while not done:
        todo.get(timeout=10)()
    assert done[0].unwrap() == "main"
    assert seen == ["system task ran"]
    with pytest.raises(trio_core.RunFinishedError):
        token.run_sync_soon(print)
    with pytest.raises(RuntimeError):
        trio_core.current_time()


def test_start_guest_run_refuses_a_coroutine_object_and_a_run_in_progress() -> None:
    async def main() -> None:
        pass

    coro = main()
    with pytest.raises(TypeError, match="coroutine object"):
        lowlevel.start_guest_run(coro, run_sync_soon_threadsafe=print, done_callback=print)  # type: ignore[arg-type]

    async def nested() -> None:
        with pytest.raises(RuntimeError, match="inside a run"):
            lowlevel.start_guest_run(main, run_sync_soon_threadsafe=print, done_callback=print)

    trio_core.run(nested)


# ---------------------------------------------------------------- I/O and wake-ups


def test_guest_waits_for_io_in_a_helper_thread_without_blocking_the_host() -> None:
    a, b = socket.socketpair()
    host_thread = threading.get_ident()
    threads: list[int] = []

    async def main() -> bytes:
        threads.append(threading.get_ident())
        await lowlevel.wait_readable(a)
        threads.append(threading.get_ident())
        return a.recv(10)

    async def host() -> tuple[Outcome[Any], int]:
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[Outcome[Any]] = loop.create_future()
        lowlevel.start_guest_run(
            main,
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            run_sync_soon_not_threadsafe=loop.call_soon,
            done_callback=finished.set_result,
        )
        ticks = 0
        # The host keeps doing its own work while the guest waits for the socket.
        while ticks < 50:
            await asyncio.sleep(0.001)
            ticks += 1
        b.send(b"hello")
        return await finished, ticks

    try:
        outcome, ticks = asyncio.run(host())
    finally:
        a.close()
        b.close()
    assert outcome.unwrap() == b"hello"
    assert ticks == 50
    assert threads == [host_thread, host_thread]  # tasks run on the host's thread


def test_run_sync_soon_from_another_thread_wakes_the_guest() -> None:
    async def main() -> str:
        token = lowlevel.current_trio_token()
        event = trio_core.Event()
        threading.Thread(target=token.run_sync_soon, args=(event.set,)).start()
        with trio_core.fail_after(10):
            await event.wait()
        return "woken"

    assert run_on_queue(main).unwrap() == "woken"


def test_host_code_that_cancels_a_scope_wakes_the_guests_io_wait() -> None:
    # The host's own callback cancels a scope while the helper thread blocks
    # in an I/O wait with no timeout: the wait must end.
    todo: queue.Queue[Callable[[], object]] = queue.Queue()
    done: list[Outcome[Any]] = []
    scopes: list[trio_core.CancelScope] = []

    async def main() -> bool:
        with trio_core.CancelScope() as scope:
            scopes.append(scope)
            await trio_core.sleep_forever()
        return scope.cancelled_caught

    lowlevel.start_guest_run(main, run_sync_soon_threadsafe=todo.put, done_callback=done.append)
    while not scopes:
        todo.get(timeout=10)()
    # Let the guest reach its I/O wait.
    while True:
        try:
            todo.get(timeout=0.2)()
        except queue.Empty:
            break
    scopes[0].cancel()
    while not done:
        todo.get(timeout=10)()
    assert done[0].unwrap() is True


def test_host_code_that_moves_a_deadline_earlier_wakes_the_guest() -> None:
    todo: queue.Queue[Callable[[], object]] = queue.Queue()
    done: list[Outcome[Any]] = []
    scopes: list[trio_core.CancelScope] = []

    async def main() -> bool:
        with trio_core.move_on_after(3600) as scope:
            scopes.append(scope)
            await trio_core.sleep_forever()
        return scope.cancelled_caught

    lowlevel.start_guest_run(main, run_sync_soon_threadsafe=todo.put, done_callback=done.append)
    while not scopes:
        todo.get(timeout=10)()
    while True:
        try:
            todo.get(timeout=0.2)()
        except queue.Empty:
            break
    scopes[0].deadline = trio_core.current_time() + 0.05  # not yet expired
    while not done:
        todo.get(timeout=10)()
    assert done[0].unwrap() is True


# ---------------------------------------------------------------- clocks, cancellation, deadlines


def test_mock_clock_with_autojump_in_a_guest_run() -> None:
    async def main() -> float:
        start = trio_core.current_time()
        await trio_core.sleep(1000)
        return trio_core.current_time() - start

    elapsed = run_on_queue(main, clock=MockClock(autojump_threshold=0)).unwrap()
    assert elapsed == pytest.approx(1000)


def test_mock_clock_without_autojump_and_wait_all_tasks_blocked_in_a_guest_run() -> None:
    clock = MockClock()

    async def sleeper(record: list[float]) -> None:
        await trio_core.sleep(5)
        record.append(trio_core.current_time())

    async def main() -> list[float]:
        record: list[float] = []
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(sleeper, record)
            await wait_all_tasks_blocked()
            assert record == []
            clock.jump(5)
        return record

    assert run_on_asyncio(main, clock=clock).unwrap() == [5.0]


@pytest.mark.parametrize("host", [run_on_queue, run_on_asyncio], ids=["queue", "asyncio"])
def test_cancellation_and_deadlines_in_a_guest_run(host: Any) -> None:
    async def main() -> tuple[bool, bool, bool]:
        with trio_core.move_on_after(0.02) as timed_out:
            await trio_core.sleep_forever()
        with trio_core.CancelScope() as explicit:
            explicit.cancel()
            await trio_core.sleep(10)
        try:
            with trio_core.fail_after(0.01):
                await trio_core.sleep(10)
        except trio_core.TooSlowError:
            too_slow = True
        else:
            too_slow = False
        return timed_out.cancelled_caught, explicit.cancelled_caught, too_slow

    assert host(main).unwrap() == (True, True, True)


# ---------------------------------------------------------------- Control-C


def test_control_c_in_a_guest_task_reaches_done_callback() -> None:
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    async def main() -> None:
        await trio_core.sleep(0)
        signal.raise_signal(signal.SIGINT)
        await trio_core.sleep_forever()

    outcome = run_on_queue(main)
    assert type(outcome) is Error
    assert isinstance(outcome.error, KeyboardInterrupt)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_restrict_keyboard_interrupt_to_checkpoints_in_a_guest_run() -> None:
    after: list[str] = []

    async def main() -> None:
        await trio_core.sleep(0)
        signal.raise_signal(signal.SIGINT)
        after.append("ran on to the checkpoint")
        await trio_core.sleep_forever()

    outcome = run_on_queue(main, restrict_keyboard_interrupt_to_checkpoints=True)
    assert type(outcome) is Error
    assert isinstance(outcome.error, KeyboardInterrupt)
    assert after == ["ran on to the checkpoint"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_control_c_in_the_hosts_own_code_propagates_there() -> None:
    todo: queue.Queue[Callable[[], object]] = queue.Queue()
    done: list[Outcome[Any]] = []

    async def main() -> None:
        await trio_core.sleep_forever()

    lowlevel.start_guest_run(main, run_sync_soon_threadsafe=todo.put, done_callback=done.append)
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)  # the host's code is not protected
    # The run goes on; cancel it from the host to finish cleanly.
    lowlevel.current_root_task()
    runner_task = lowlevel.current_root_task()
    assert runner_task is not None
    token = lowlevel.current_trio_token()

    def cancel_all() -> None:
        nursery = runner_task.child_nurseries[0]
        nursery.cancel_scope.cancel()

    token.run_sync_soon(cancel_all)
    while not done:
        todo.get(timeout=10)()
    assert type(done[0]) is Error
    assert isinstance(done[0].error, trio_core.Cancelled)


# ---------------------------------------------------------------- the host's side


def test_a_crashing_done_callback_propagates_into_the_host_after_the_run_closed() -> None:
    todo: queue.Queue[Callable[[], object]] = queue.Queue()

    async def main() -> int:
        await trio_core.sleep(0)
        return 1

    def done_callback(outcome: Outcome[Any]) -> None:
        # The run is already closed when this runs.
        with pytest.raises(RuntimeError):
            trio_core.current_time()
        raise ZeroDivisionError("done_callback crashed")

    lowlevel.start_guest_run(main, run_sync_soon_threadsafe=todo.put, done_callback=done_callback)
    with pytest.raises(ZeroDivisionError, match="done_callback crashed"):
        while True:
            todo.get(timeout=10)()
    assert todo.empty()
    # Nothing is left behind: a new run starts in this thread.
    assert trio_core.run(main) == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_guest_run_inside_an_asyncio_program_doing_its_own_work() -> None:
    async def trio_side(channel_in: queue.SimpleQueue[int]) -> list[int]:
        got: list[int] = []
        for _ in range(5):
            await trio_core.sleep(0.002)
            got.append(len(got))
        return got

    async def host() -> tuple[list[int], list[int]]:
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[Outcome[Any]] = loop.create_future()
        lowlevel.start_guest_run(
            trio_side,
            queue.SimpleQueue(),
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            run_sync_soon_not_threadsafe=loop.call_soon,
            done_callback=finished.set_result,
        )

        async def agen() -> Any:
            for i in range(3):
                await asyncio.sleep(0.001)
                yield i

        # asyncio's own async generators stay asyncio's while the guest runs.
        mine = [i async for i in agen()]
        await asyncio.gather(*(asyncio.sleep(0.001) for _ in range(10)))
        return (await finished).unwrap(), mine

    assert asyncio.run(host()) == ([0, 1, 2, 3, 4], [0, 1, 2])


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_host_that_stops_calling_back_abandons_the_run_with_a_warning() -> None:
    todo: queue.Queue[Callable[[], object]] = queue.Queue()

    async def main() -> None:
        while True:
            await trio_core.sleep(0)

    lowlevel.start_guest_run(main, run_sync_soon_threadsafe=todo.put, done_callback=print)
    for _ in range(5):
        todo.get(timeout=10)()
    with pytest.warns(RuntimeWarning, match="abandoned"):
        del todo
        gc.collect()
    # The thread is free for a new run, and the descriptors were closed
    # (the root conftest checks).
    with pytest.raises(RuntimeError):
        trio_core.current_time()
