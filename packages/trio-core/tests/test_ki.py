"""Control-C: KeyboardInterrupt delivery, protected and unprotected code.

Signals are delivered for real with ``signal.raise_signal(signal.SIGINT)``.
Every KeyboardInterrupt is caught inside its test (one escaping would stop
the whole pytest session).
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Generator

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.abc import Instrument
from trio_core.testing import MockClock, wait_all_tasks_blocked


def _sigint() -> None:
    signal.raise_signal(signal.SIGINT)


@pytest.fixture(autouse=True)
def _default_sigint_handler() -> Generator[None, None, None]:
    # run() installs its own handler only over Python's default one.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    yield
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# ---------------------------------------------------------------- unprotected points


async def test_unprotected_main_task_gets_it_right_where_it_is() -> None:
    reached: list[str] = []
    assert not lowlevel.currently_ki_protected()
    with pytest.raises(KeyboardInterrupt):
        reached.append("before")
        _sigint()
        reached.append("after")  # pragma: no cover
    assert reached == ["before"]
    # Delivered once: later checkpoints are quiet.
    for _ in range(3):
        await lowlevel.checkpoint()


def test_unprotected_child_task_gets_it_and_run_raises_keyboardinterrupt() -> None:
    log: list[str] = []

    async def child() -> None:
        await wait_all_tasks_blocked()
        try:
            _sigint()
        except KeyboardInterrupt:
            log.append("child got it")
            raise

    async def sibling() -> None:
        try:
            await trio_core.sleep_forever()
        finally:
            log.append("sibling cancelled")

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(child)
            nursery.start_soon(sibling)

    with pytest.raises(KeyboardInterrupt):
        trio_core.run(main)
    assert sorted(log) == ["child got it", "sibling cancelled"]


def test_keyboardinterrupt_caught_in_main_does_not_leave_the_run() -> None:
    async def main() -> str:
        try:
            _sigint()
        except KeyboardInterrupt:
            pass
        await trio_core.sleep(0)
        return "survived"

    assert trio_core.run(main) == "survived"


# ---------------------------------------------------------------- protected points


async def test_protected_sync_function_runs_to_the_end_then_the_next_checkpoint_raises() -> None:
    state: list[str] = []

    @lowlevel.enable_ki_protection
    def critical() -> None:
        assert lowlevel.currently_ki_protected()
        state.append("start")
        _sigint()
        state.append("middle")
        _sigint()  # a second Control-C is folded into the first
        state.append("end")

    critical()
    assert state == ["start", "middle", "end"]
    with pytest.raises(KeyboardInterrupt):
        await lowlevel.checkpoint()
    for _ in range(3):
        await lowlevel.checkpoint()  # exactly once


async def test_protected_async_function_is_not_interrupted_midway() -> None:
    state: list[str] = []

    @lowlevel.enable_ki_protection
    async def critical() -> str:
        state.append("start")
        _sigint()
        state.append("end")
        return "value"

    assert await critical() == "value"
    assert state == ["start", "end"]
    with pytest.raises(KeyboardInterrupt):
        await trio_core.sleep(0)


async def test_a_shielded_checkpoint_does_not_deliver_it_but_the_next_checkpoint_does() -> None:
    @lowlevel.enable_ki_protection
    def critical() -> None:
        _sigint()

    critical()
    await lowlevel.cancel_shielded_checkpoint()
    with pytest.raises(KeyboardInterrupt):
        await lowlevel.checkpoint()


async def test_a_pending_keyboardinterrupt_ignores_cancel_shields() -> None:
    @lowlevel.enable_ki_protection
    def critical() -> None:
        _sigint()

    with trio_core.CancelScope(shield=True):
        critical()
        with pytest.raises(KeyboardInterrupt):
            await lowlevel.checkpoint()


async def test_checkpoint_if_cancelled_delivers_a_pending_keyboardinterrupt() -> None:
    @lowlevel.enable_ki_protection
    def critical() -> None:
        _sigint()

    critical()
    with pytest.raises(KeyboardInterrupt):
        await lowlevel.checkpoint_if_cancelled()


async def test_disable_inside_enable_is_interruptible() -> None:
    reached: list[str] = []

    @lowlevel.disable_ki_protection
    def interruptible() -> None:
        assert not lowlevel.currently_ki_protected()
        _sigint()
        reached.append("after")  # pragma: no cover

    @lowlevel.enable_ki_protection
    def protected() -> None:
        assert lowlevel.currently_ki_protected()
        interruptible()

    with pytest.raises(KeyboardInterrupt):
        protected()
    assert reached == []
    await lowlevel.checkpoint()  # nothing pending


async def test_protection_applies_to_generators() -> None:
    @lowlevel.enable_ki_protection
    def gen() -> Generator[int, None, None]:
        yield 1
        _sigint()
        yield 2

    values = list(gen())
    assert values == [1, 2]
    with pytest.raises(KeyboardInterrupt):
        await lowlevel.checkpoint()


async def test_protection_applies_to_async_generators() -> None:
    from collections.abc import AsyncGenerator

    @lowlevel.enable_ki_protection
    async def agen() -> AsyncGenerator[int, None]:
        assert lowlevel.currently_ki_protected()
        yield 1
        _sigint()
        yield 2

    values = [value async for value in agen()]
    assert values == [1, 2]
    with pytest.raises(KeyboardInterrupt):
        await lowlevel.checkpoint()


async def test_protection_is_per_function_not_per_call_site() -> None:
    def plain() -> bool:
        return lowlevel.currently_ki_protected()

    @lowlevel.enable_ki_protection
    def protected_caller() -> bool:
        return plain()

    assert plain() is False
    assert protected_caller() is True  # protection extends to callees


def test_protection_decorators_reject_non_python_functions() -> None:
    with pytest.raises(TypeError, match="Python functions"):
        lowlevel.enable_ki_protection(len)
    with pytest.raises(TypeError):
        lowlevel.disable_ki_protection(42)  # type: ignore[type-var]


def test_currently_ki_protected_outside_a_run_is_false() -> None:
    assert lowlevel.currently_ki_protected() is False


async def test_system_tasks_and_run_sync_soon_callbacks_are_protected() -> None:
    seen: dict[str, bool] = {}
    queue: lowlevel.UnboundedQueue[str] = lowlevel.UnboundedQueue()

    async def system() -> None:
        seen["system task"] = lowlevel.currently_ki_protected()
        queue.put_nowait("system")

    def callback() -> None:
        seen["callback"] = lowlevel.currently_ki_protected()
        queue.put_nowait("callback")

    lowlevel.spawn_system_task(system)
    lowlevel.current_trio_token().run_sync_soon(callback)
    got: list[str] = []
    while len(got) < 2:
        got.extend(await queue.get_batch())
    assert seen == {"system task": True, "callback": True}
    assert lowlevel.currently_ki_protected() is False


def test_a_protected_point_in_a_child_task_delivers_to_the_main_task() -> None:
    log: list[str] = []

    @lowlevel.enable_ki_protection
    def critical() -> None:
        _sigint()
        log.append("critical finished")

    async def child() -> None:
        critical()
        await lowlevel.checkpoint()  # not the main task: nothing raised here
        log.append("child finished")

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(child)
            try:
                await trio_core.sleep_forever()
            except KeyboardInterrupt:
                log.append("main got it")
                raise

    with pytest.raises(KeyboardInterrupt):
        trio_core.run(main)
    assert sorted(log) == ["child finished", "critical finished", "main got it"]


# ---------------------------------------------------------------- the main task is blocked


async def test_it_wakes_a_main_task_blocked_forever() -> None:
    async def system() -> None:
        await wait_all_tasks_blocked()
        _sigint()  # a system task is protected: delivery goes to the main task

    lowlevel.spawn_system_task(system)
    with pytest.raises(KeyboardInterrupt):
        await trio_core.sleep_forever()


async def test_it_wakes_a_main_task_blocked_in_a_shielded_sleep(autojump_clock: MockClock) -> None:
    async def system() -> None:
        await trio_core.sleep(1)
        _sigint()

    lowlevel.spawn_system_task(system)
    with trio_core.CancelScope(shield=True), pytest.raises(KeyboardInterrupt):
        await trio_core.sleep(100)
    assert trio_core.current_time() == pytest.approx(1)
    # The interrupted sleep left no stale deadline behind.
    await trio_core.sleep(5)
    assert trio_core.current_time() == pytest.approx(6)


async def test_it_wakes_a_main_task_blocked_in_a_parking_lot() -> None:
    lot = lowlevel.ParkingLot()

    async def system() -> None:
        await wait_all_tasks_blocked()
        _sigint()

    lowlevel.spawn_system_task(system)
    with pytest.raises(KeyboardInterrupt):
        await lot.park()
    assert len(lot) == 0  # it left the lot


async def test_it_wakes_a_main_task_blocked_on_io() -> None:
    a, b = socket.socketpair()
    with a, b:

        async def system() -> None:
            await wait_all_tasks_blocked()
            _sigint()

        lowlevel.spawn_system_task(system)
        with pytest.raises(KeyboardInterrupt):
            await lowlevel.wait_readable(a)
        # The fd is free again.
        b.send(b"x")
        await lowlevel.wait_readable(a)


def test_it_arrives_while_the_loop_waits_for_io_in_another_thread() -> None:
    """The signal arrives while the run loop itself sits in epoll/poll: the wakeup
    fd wakes it, and the blocked main task gets the KeyboardInterrupt."""
    loop_is_waiting = threading.Event()
    log: list[str] = []

    class WaitWatcher(Instrument):
        def before_io_wait(self, timeout: float) -> None:
            if timeout > 0:
                loop_is_waiting.set()

    def from_thread() -> None:
        if loop_is_waiting.wait(timeout=30):
            _sigint()

    async def main() -> None:
        thread = threading.Thread(target=from_thread)
        thread.start()
        try:
            await trio_core.sleep_forever()
        except KeyboardInterrupt:
            log.append("main got it")
            raise
        finally:
            thread.join(timeout=30)

    with pytest.raises(KeyboardInterrupt):
        trio_core.run(main, instruments=[WaitWatcher()])
    assert log == ["main got it"]


def test_blocked_in_a_nursery_exit_cancels_the_children_and_nothing_is_lost() -> None:
    log: list[str] = []

    async def failing_on_cancel() -> None:
        try:
            await trio_core.sleep_forever()
        finally:
            log.append("child cancelled")
            raise ValueError("cleanup failed")

    async def system() -> None:
        await wait_all_tasks_blocked()
        _sigint()

    async def main() -> None:
        lowlevel.spawn_system_task(system)
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(failing_on_cancel)

    with pytest.raises(KeyboardInterrupt) as info:
        trio_core.run(main)
    assert log == ["child cancelled"]
    # The child's error is reported alongside the KeyboardInterrupt.
    group = info.value.__cause__ or info.value.__context__
    assert isinstance(group, BaseExceptionGroup)
    leaves = [type(exc) for exc in group.exceptions]
    assert ValueError in leaves
    assert KeyboardInterrupt in leaves


def test_it_is_raised_out_of_run_if_it_arrives_after_the_main_task_returned() -> None:
    async def system() -> None:
        try:
            await trio_core.sleep_forever()
        finally:
            _sigint()  # during shutdown, after the main task has exited

    async def main() -> str:
        lowlevel.spawn_system_task(system)
        await wait_all_tasks_blocked()
        return "main finished"

    with pytest.raises(KeyboardInterrupt):
        trio_core.run(main)


def test_it_arriving_in_an_instrument_is_delivered_to_the_main_task() -> None:
    class Interrupter(Instrument):
        def __init__(self) -> None:
            self.fired = False

        def after_task_step(self, task: lowlevel.Task) -> None:
            if not self.fired and task.name.endswith("main"):
                self.fired = True
                _sigint()  # the loop's own code: protected

    log: list[str] = []

    async def main() -> None:
        try:
            for _ in range(10):
                await lowlevel.checkpoint()
        except KeyboardInterrupt:
            log.append("main got it")
            raise

    with pytest.raises(KeyboardInterrupt):
        trio_core.run(main, instruments=[Interrupter()])
    assert log == ["main got it"]


# ---------------------------------------------------------------- after Control-C


async def test_the_run_is_healthy_after_a_keyboardinterrupt(autojump_clock: MockClock) -> None:
    async def system() -> None:
        await wait_all_tasks_blocked()
        _sigint()

    lowlevel.spawn_system_task(system)
    caught: BaseException | None = None
    try:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(trio_core.sleep_forever)
            await trio_core.sleep_forever()
    except BaseException as exc:  # catch-all: never let a KeyboardInterrupt escape
        caught = exc
    # Inside a nursery, it arrives wrapped in the nursery's group.
    assert isinstance(caught, BaseExceptionGroup)
    assert caught.subgroup(KeyboardInterrupt) is not None
    del caught

    # Everything still works: nurseries, timeouts, sleeping, parking, I/O.
    done: list[int] = []

    async def worker(n: int) -> None:
        await trio_core.sleep(n)
        done.append(n)

    async with trio_core.open_nursery() as nursery:
        for n in (2, 1):
            nursery.start_soon(worker, n)
    assert done == [1, 2]
    with trio_core.move_on_after(3) as scope:
        await trio_core.sleep_forever()
    assert scope.cancelled_caught
    a, b = socket.socketpair()
    with a, b:
        b.send(b"x")
        await lowlevel.wait_readable(a)
    stats = lowlevel.current_statistics()
    assert stats.tasks_living == 3  # init, the run_sync_soon task, the main task


def test_sigint_handler_is_restored_after_a_run_ended_by_keyboardinterrupt() -> None:
    async def main() -> None:
        _sigint()

    with pytest.raises(KeyboardInterrupt):
        trio_core.run(main)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    # And a later run works and gets Control-C again.
    with pytest.raises(KeyboardInterrupt):
        trio_core.run(main)


def test_a_pending_keyboardinterrupt_wins_over_the_main_error_and_keeps_it() -> None:
    @lowlevel.enable_ki_protection
    def critical() -> None:
        _sigint()

    async def main() -> None:
        critical()
        raise ValueError("main failed after Control-C")

    with pytest.raises(KeyboardInterrupt) as info:
        trio_core.run(main)
    assert isinstance(info.value.__context__, ValueError)


def test_a_wakeup_fd_owned_by_someone_else_is_left_alone() -> None:
    import signal as signal_module

    mine_r, mine_w = socket.socketpair()
    with mine_r, mine_w:
        mine_w.setblocking(False)
        old = signal_module.set_wakeup_fd(mine_w.fileno())
        try:

            async def main() -> int:
                # The run works normally, Control-C included.
                @lowlevel.enable_ki_protection
                def critical() -> None:
                    _sigint()

                critical()
                try:
                    await trio_core.sleep_forever()
                except KeyboardInterrupt:
                    return 1

            assert trio_core.run(main) == 1
            assert signal_module.set_wakeup_fd(mine_w.fileno()) == mine_w.fileno()
        finally:
            signal_module.set_wakeup_fd(old)


# ---------------------------------------------------------------- register, then park
#
# Functions that record something in the run (a deadline, a lock owner, a
# worker thread, a limiter token) and then park must not be interrupted
# between the two: a KeyboardInterrupt there would leave the record behind.
# Each test raises SIGINT at exactly that point (by wrapping an internal
# step) and checks that the interrupt still arrives and nothing is left over.


async def test_sleep_interrupted_after_registering_its_deadline(
    monkeypatch: pytest.MonkeyPatch, autojump_clock: MockClock
) -> None:
    from trio_core import _cancel

    original = _cancel._Deadlines.add
    armed = [True]

    def add_then_sigint(self: object, deadline: float, owner: object) -> None:
        original(self, deadline, owner)  # type: ignore[arg-type]
        if armed[0] and owner is lowlevel.current_task():
            armed[0] = False
            _sigint()

    monkeypatch.setattr(_cancel._Deadlines, "add", add_then_sigint)
    with pytest.raises(KeyboardInterrupt):
        await trio_core.sleep(0.05)
    assert not armed[0]
    # A stale deadline entry would wake this wait after 0.05 s.
    event = trio_core.Event()
    with trio_core.move_on_after(1) as scope:
        await event.wait()
    assert scope.cancelled_caught


async def test_async_with_lock_interrupted_after_acquiring(monkeypatch: pytest.MonkeyPatch) -> None:
    from trio_core import _sync

    original = _sync._LockImpl.acquire
    armed = [True]

    async def acquire_then_sigint(self: _sync._LockImpl) -> None:
        await original(self)
        if armed[0]:
            armed[0] = False
            _sigint()

    monkeypatch.setattr(_sync._LockImpl, "acquire", acquire_then_sigint)
    lock = trio_core.Lock()
    entered = []
    with pytest.raises(KeyboardInterrupt):
        async with lock:
            entered.append(True)
        await lowlevel.checkpoint()
    assert not armed[0]
    assert not lock.locked()  # released by __aexit__, not leaked


async def test_to_thread_interrupted_after_handing_over_the_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trio_core import _thread_cache, to_thread

    original = _thread_cache.start_thread_soon
    armed = [True]

    def start_then_sigint(*args: object) -> None:
        original(*args)  # type: ignore[arg-type]
        if armed[0]:
            armed[0] = False
            _sigint()

    monkeypatch.setattr(to_thread, "start_thread_soon", start_then_sigint)
    limiter = to_thread.current_default_thread_limiter()
    results = []
    with pytest.raises(KeyboardInterrupt):
        results.append(await to_thread.run_sync(lambda: 42))
        await lowlevel.checkpoint()
    assert not armed[0]
    # The worker's result came back to a task that was still waiting for it
    # (no "reschedule() on a task that is not blocked" crash), and the token
    # went back to the limiter.
    assert results in ([42], [])
    await wait_all_tasks_blocked()
    assert limiter.borrowed_tokens == 0


async def test_get_batch_interrupted_after_waking(monkeypatch: pytest.MonkeyPatch) -> None:
    from trio_core._unbounded_queue import UnboundedQueue

    original = UnboundedQueue._take_batch
    armed = [True]

    def take_then_sigint(self: UnboundedQueue[str]) -> list[str]:
        if armed[0]:
            armed[0] = False
            _sigint()
        return original(self)

    monkeypatch.setattr(UnboundedQueue, "_take_batch", take_then_sigint)
    queue: UnboundedQueue[str] = lowlevel.UnboundedQueue()
    got: list[list[str]] = []
    with pytest.raises(KeyboardInterrupt):
        async with trio_core.open_nursery() as nursery:

            async def reader() -> None:
                got.append(await queue.get_batch())

            nursery.start_soon(reader)
            await wait_all_tasks_blocked()
            queue.put_nowait("a")
        await lowlevel.checkpoint()  # if it did not arrive in the nursery's exit already
    # The reader took its batch; the interrupt went to the main task.
    assert got == [["a"]]
    assert queue.qsize() == 0
