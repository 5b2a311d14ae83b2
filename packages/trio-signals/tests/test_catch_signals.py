"""catch_signals with real signals sent to this process.

Only harmless signals are used (SIGUSR1, SIGUSR2, SIGHUP, SIGWINCH, and
SIGINT while a block or a handler catches it).  An autouse fixture puts
recording Python handlers under every test, so that a stray signal fails the
test rather than ending the process, and checks after every test that each
handler is back to what it was.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
import types
from collections.abc import Iterator
from typing import Any

import pytest

import trio_core
from trio_core.testing import wait_all_tasks_blocked
from trio_signals import SignalReceiver, catch_signals
from trio_signals import _signals as impl

USR1, USR2, HUP, WINCH = signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGWINCH
HARMLESS = (USR1, USR2, HUP, WINCH)
WATCHED = (*HARMLESS, signal.SIGINT)


def kill(signum: int) -> None:
    os.kill(os.getpid(), signum)


async def next_batch(batches: SignalReceiver) -> set[int]:
    """The next batch, failing the test (not hanging it) if none comes."""
    with trio_core.fail_after(10):
        batch = await batches.__anext__()
    return batch


class Recorder:
    """A plain Python signal handler that notes what it was called with."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, signum: int, frame: types.FrameType | None) -> None:
        self.seen.append(signum)


@pytest.fixture(autouse=True)
def _handlers_restored() -> Iterator[None]:
    # A safety net under every test: Python handlers for the harmless signals,
    # so that a stray one (a bug) fails this test instead of ending the run
    # with the default action.  Afterwards every handler must be the one that
    # was installed before the test, and the module's bookkeeping empty.
    net = Recorder()
    original = {s: signal.signal(s, net) for s in HARMLESS}
    try:
        before = {s: signal.getsignal(s) for s in WATCHED}
        yield
        after = {s: signal.getsignal(s) for s in WATCHED}
        assert after == before
        assert impl._listeners == {} and impl._saved_handlers == {}
        assert net.seen == [], "signals reached the handler installed before the test"
    finally:
        for signum, handler in original.items():
            signal.signal(signum, handler)


@pytest.fixture
def usr1_recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    old = signal.signal(USR1, recorder)
    try:
        yield recorder
    finally:
        signal.signal(USR1, old)


# ---------------------------------------------------------------- receiving


async def test_batches_coalesce_into_sets() -> None:
    with catch_signals({USR1, USR2}) as batches:
        assert isinstance(batches, SignalReceiver)
        kill(USR1)
        kill(USR1)
        signal.raise_signal(USR2)
        kill(USR1)
        batch = await next_batch(batches)
        assert batch == {USR1, USR2}
        assert all(isinstance(s, signal.Signals) for s in batch)
        signal.raise_signal(USR2)
        assert await next_batch(batches) == {USR2}


async def test_batches_across_iterations_with_async_for() -> None:
    rounds = [{USR1}, {USR2, HUP}, {HUP}, {USR1, USR2, HUP}]
    send_batch, receive_batch = trio_core.open_memory_channel[set[int]](0)

    async def listen(task_status: trio_core.TaskStatus[None]) -> None:
        with catch_signals({USR1, USR2, HUP}) as batches:
            task_status.started()
            async with send_batch:
                async for batch in batches:
                    await send_batch.send(batch)

    with trio_core.fail_after(10):
        async with trio_core.open_nursery() as nursery:
            await nursery.start(listen)
            async with receive_batch:
                for expected in rounds:
                    # The listener is parked in `async for`: the signals below
                    # arrive while it waits, and all of them make one batch.
                    await wait_all_tasks_blocked()
                    for signum in sorted(expected):
                        kill(signum)
                    assert await receive_batch.receive() == expected
            nursery.cancel_scope.cancel()


async def test_a_waiting_task_is_woken_without_polling() -> None:
    # Woken by the signal itself: nobody set a timer to poll with, and a
    # signal sent from another thread reaches the parked task promptly.
    sent_at: list[float] = []

    def send_from_thread() -> None:
        sent_at.append(time.perf_counter())
        kill(HUP)

    async def sender() -> None:
        await wait_all_tasks_blocked()
        # The only deadline is next_batch's 10 s guard: no short polling timer.
        assert trio_core.lowlevel.current_statistics().seconds_to_next_deadline > 5
        await trio_core.to_thread.run_sync(send_from_thread)

    with catch_signals({HUP}) as batches:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(sender)
            batch = await next_batch(batches)
            received_at = time.perf_counter()
    assert batch == {HUP}
    assert received_at - sent_at[0] < 2.0


async def test_a_burst_of_1000_signals_loses_no_kind() -> None:
    kinds = list(HARMLESS)
    seen: set[int] = set()
    batches_seen = 0
    with catch_signals(kinds) as batches:
        for i in range(1000):
            kill(kinds[i % 4])
            if i % 97 == 0:
                await trio_core.lowlevel.checkpoint()
        with trio_core.fail_after(10):
            async for batch in batches:
                assert batch and batch <= set(kinds)
                batches_seen += 1
                seen |= batch
                if seen == set(kinds):
                    break
    assert seen == set(kinds)
    assert batches_seen <= 4


async def test_a_burst_from_another_thread_while_iterating() -> None:
    kinds = list(HARMLESS)
    seen: set[int] = set()
    # The listener stops once it has seen every kind, while the thread may
    # still be sending: what arrives after that is re-delivered on exit, so
    # Python handlers stand behind the block (SIG_DFL would end the process).
    recorders = {signum: Recorder() for signum in kinds}
    old = {signum: signal.signal(signum, recorders[signum]) for signum in kinds}
    try:
        with catch_signals(kinds) as batches:

            def burst() -> None:
                for i in range(1000):
                    kill(kinds[i % 4])

            with trio_core.fail_after(10):
                async with trio_core.open_nursery() as nursery:
                    nursery.start_soon(trio_core.to_thread.run_sync, burst)
                    async for batch in batches:
                        assert batch and batch <= set(kinds)
                        seen |= batch
                        if seen == set(kinds):
                            break
        assert seen == set(kinds)
        # At most one re-delivery per kind (coalesced), and only after the block.
        assert all(len(r.seen) <= 1 for r in recorders.values())
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)


async def test_cancelling_the_wait_loses_nothing() -> None:
    with catch_signals({USR1}) as batches:
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await next_batch(batches)
        assert scope.cancelled_caught
        kill(USR1)
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await next_batch(batches)  # pending, but still a checkpoint: cancelled
        assert scope.cancelled_caught
        assert await next_batch(batches) == {USR1}


async def test_real_time_signals_are_plain_ints() -> None:
    sigrtmin = getattr(signal, "SIGRTMIN", None)
    if sigrtmin is None:  # pragma: no cover - macOS
        pytest.skip("no real-time signals on this platform")
    rt = int(sigrtmin) + 1
    before = signal.getsignal(rt)
    with catch_signals({rt}) as batches:
        kill(rt)
        assert await next_batch(batches) == {rt}
    assert signal.getsignal(rt) == before


# ---------------------------------------------------------------- exit


async def test_pending_signals_are_redelivered_to_the_previous_handler(
    usr1_recorder: Recorder,
) -> None:
    with catch_signals({USR1, USR2}):
        signal.raise_signal(USR1)
        kill(USR1)
        assert usr1_recorder.seen == []  # caught by the block, not by the old handler
    # Left unread: handed back to Python's regular handling on exit, once
    # (coalesced), to the handler that is back in place.
    assert usr1_recorder.seen == [USR1]
    assert signal.getsignal(USR1) is usr1_recorder


async def test_signals_already_handed_out_are_not_redelivered(
    usr1_recorder: Recorder,
) -> None:
    with catch_signals({USR1}) as batches:
        kill(USR1)
        assert await next_batch(batches) == {USR1}
    assert usr1_recorder.seen == []


async def test_redelivery_to_an_ignoring_handler_is_ignored() -> None:
    old = signal.signal(USR2, signal.SIG_IGN)
    try:
        with catch_signals({USR2}):
            kill(USR2)
        assert signal.getsignal(USR2) is signal.SIG_IGN
    finally:
        signal.signal(USR2, old)


async def test_every_pending_signal_is_redelivered_even_if_a_handler_raises() -> None:
    class Boom(Exception):
        pass

    def raising(signum: int, frame: types.FrameType | None) -> None:
        raise Boom(signum)

    recorder = Recorder()
    old1 = signal.signal(USR1, raising)
    old2 = signal.signal(USR2, recorder)
    try:
        with pytest.raises(Boom):
            with catch_signals({USR1, USR2}):
                kill(USR2)
                kill(USR1)
        # USR1 is re-raised first (signals go in number order) and its handler
        # raised; USR2 was re-delivered all the same.
        assert recorder.seen == [USR2]
    finally:
        signal.signal(USR1, old1)
        signal.signal(USR2, old2)


@pytest.mark.parametrize(
    "previous",
    [signal.SIG_DFL, signal.SIG_IGN, Recorder()],
    ids=["SIG_DFL", "SIG_IGN", "python-handler"],
)
async def test_exit_restores_exactly_the_previous_handler(previous: Any) -> None:
    old = signal.signal(WINCH, previous)
    try:
        with catch_signals({WINCH}):
            assert signal.getsignal(WINCH) is not previous
        assert signal.getsignal(WINCH) is previous
    finally:
        signal.signal(WINCH, old)


async def test_exit_by_exception_restores_too(usr1_recorder: Recorder) -> None:
    with pytest.raises(ZeroDivisionError):
        with catch_signals({USR1}):
            kill(USR1)
            1 / 0  # noqa: B018
    assert usr1_recorder.seen == [USR1]
    assert signal.getsignal(USR1) is usr1_recorder


async def test_iterating_after_exit_is_an_error() -> None:
    with catch_signals({USR1}) as batches:
        pass
    with pytest.raises(RuntimeError, match="has exited"):
        await next_batch(batches)
    assert "exited" in repr(batches)


async def test_a_task_waiting_when_the_block_exits_gets_an_error() -> None:
    errors: list[BaseException] = []
    block = catch_signals({USR1})
    batches = block.__enter__()

    async def wait() -> None:
        try:
            await next_batch(batches)
        except RuntimeError as exc:
            errors.append(exc)

    with trio_core.fail_after(10):
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(wait)
            await wait_all_tasks_blocked()
            block.__exit__(None, None, None)
    assert len(errors) == 1 and "has exited" in str(errors[0])


async def test_an_object_is_entered_once() -> None:
    block = catch_signals({USR1})
    assert repr(block) == "catch_signals({SIGUSR1})"
    with block:
        with pytest.raises(RuntimeError, match="already entered"):
            block.__enter__()
    with pytest.raises(RuntimeError, match="not open"):
        block.__exit__(None, None, None)


# ---------------------------------------------------------------- nesting


async def test_nested_blocks_innermost_wins_and_hands_off_on_exit() -> None:
    with catch_signals({USR1, USR2}) as outer:
        with catch_signals({USR1}) as inner:
            signal.raise_signal(USR1)
            signal.raise_signal(USR2)
            assert await next_batch(inner) == {USR1}
            signal.raise_signal(USR1)
        # inner exited with USR1 unread: it goes to the outer block, not to
        # the handler that was there before both.
        assert await next_batch(outer) == {USR1, USR2}
        kill(USR1)
        assert await next_batch(outer) == {USR1}


async def test_concurrent_blocks_the_newest_receives_and_hands_off() -> None:
    got: list[tuple[str, set[int]]] = []
    first_entered = trio_core.Event()
    second_may_exit = trio_core.Event()

    async def first() -> None:
        with catch_signals({HUP, USR1}) as batches:
            first_entered.set()
            async for batch in batches:
                got.append(("first", batch))
                if HUP in batch:
                    return

    async def second() -> None:
        await first_entered.wait()
        with catch_signals({HUP}) as batches:
            got.append(("second", await next_batch(batches)))
            await second_may_exit.wait()
            kill(HUP)  # left unread: handed to `first` on exit

    with trio_core.fail_after(10):
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(first)
            nursery.start_soon(second)
            await wait_all_tasks_blocked()
            kill(HUP)  # the newer block, `second`, receives it
            await wait_all_tasks_blocked()
            assert got == [("second", {HUP})]
            kill(USR1)  # only `first` listens for USR1
            await wait_all_tasks_blocked()
            assert got[1:] == [("first", {USR1})]
            second_may_exit.set()
    assert got[2:] == [("first", {HUP})]


@pytest.mark.parametrize("exit_order", list(itertools.permutations(range(3))))
async def test_blocks_exiting_in_any_order_restore_the_original(
    exit_order: tuple[int, ...], usr1_recorder: Recorder
) -> None:
    blocks = [catch_signals({USR1}) for _ in range(3)]
    receivers = [b.__enter__() for b in blocks]
    open_ = [0, 1, 2]
    for index in exit_order:
        # The newest open block receives.
        kill(USR1)
        assert await next_batch(receivers[open_[-1]]) == {USR1}
        assert usr1_recorder.seen == []
        blocks[index].__exit__(None, None, None)
        open_.remove(index)
        assert (signal.getsignal(USR1) is usr1_recorder) == (not open_)
    kill(USR1)
    assert usr1_recorder.seen == [USR1]


async def test_exiting_out_of_order_with_pending_signals_hands_them_to_the_newest() -> None:
    outer, middle, inner = (catch_signals({USR2}) for _ in range(3))
    outer_batches = outer.__enter__()
    middle_batches = middle.__enter__()
    inner_batches = inner.__enter__()
    kill(USR2)  # to inner
    middle.__exit__(None, None, None)  # nothing pending there
    inner.__exit__(None, None, None)  # pending USR2 -> outer (middle has gone)
    assert await next_batch(outer_batches) == {USR2}
    outer.__exit__(None, None, None)
    for batches in (middle_batches, inner_batches):
        with pytest.raises(RuntimeError):
            await next_batch(batches)


# ---------------------------------------------------------------- SIGINT


async def test_sigint_is_caught_instead_of_keyboardinterrupt() -> None:
    with catch_signals({signal.SIGINT}) as batches:
        signal.raise_signal(signal.SIGINT)
        kill(signal.SIGINT)
        assert await next_batch(batches) == {signal.SIGINT}
    # Restored: Control-C raises KeyboardInterrupt again.
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)


async def test_an_unread_sigint_becomes_keyboardinterrupt_on_exit() -> None:
    with pytest.raises(KeyboardInterrupt):
        with catch_signals({signal.SIGINT}):
            signal.raise_signal(signal.SIGINT)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("signals", "error", "match"),
    [
        ({USR1, signal.SIGKILL}, ValueError, "SIGKILL cannot be caught"),
        ([signal.SIGSTOP], ValueError, "SIGSTOP cannot be caught"),
        ({USR1, 10_000}, ValueError, "not a valid signal"),
        ({0}, ValueError, "not a valid signal"),
        ({-1}, ValueError, "not a valid signal"),
        (set(), ValueError, "at least one signal"),
        (USR1, TypeError, "collection of signal numbers"),
        ("SIGUSR1", TypeError, "collection of signal numbers"),
        (None, TypeError, "collection of signal numbers"),
        (object(), TypeError, "collection of signal numbers"),
        ({"SIGUSR1"}, TypeError, "must be ints"),
        ({True}, TypeError, "must be ints"),
        ([1.0], TypeError, "must be ints"),
    ],
)
async def test_bad_signals_change_nothing(signals: Any, error: type[Exception], match: str) -> None:
    before = signal.getsignal(USR1)
    with pytest.raises(error, match=match):
        catch_signals(signals)
    assert signal.getsignal(USR1) == before


def test_outside_a_run_is_a_clear_error() -> None:
    before = signal.getsignal(USR1)
    block = catch_signals({USR1})
    with pytest.raises(RuntimeError, match=r"inside trio_core\.run\(\)"):
        block.__enter__()
    assert signal.getsignal(USR1) is before


async def test_outside_the_main_thread_is_an_error() -> None:
    def in_thread() -> BaseException | None:
        assert threading.current_thread() is not threading.main_thread()
        try:
            with catch_signals({USR1}):
                pass  # pragma: no cover
        except RuntimeError as exc:
            return exc
        return None  # pragma: no cover

    error = await trio_core.to_thread.run_sync(in_thread)
    assert isinstance(error, RuntimeError) and "main thread" in str(error)


async def test_a_handler_raising_during_entry_rolls_everything_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # signal.signal() runs pending Python handlers first; if one raises, the
    # block is not entered and every handler it had installed is put back.
    real_signal = signal.signal
    calls = 0

    def flaky(signum: Any, handler: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:  # while installing the second signal
            raise LookupError("from another handler")
        return real_signal(signum, handler)

    before = {s: signal.getsignal(s) for s in (USR1, USR2)}
    monkeypatch.setattr(signal, "signal", flaky)
    with pytest.raises(LookupError):
        catch_signals([USR1, USR2]).__enter__()
    monkeypatch.undo()
    assert {s: signal.getsignal(s) for s in (USR1, USR2)} == before


async def test_a_handler_raising_during_exit_still_restores(
    monkeypatch: pytest.MonkeyPatch, usr1_recorder: Recorder
) -> None:
    real_signal = signal.signal
    with pytest.raises(LookupError):
        with catch_signals([USR1, USR2]):
            failed = False

            def flaky(signum: Any, handler: Any) -> Any:
                nonlocal failed
                if not failed:
                    failed = True
                    raise LookupError("from another handler")
                return real_signal(signum, handler)

            monkeypatch.setattr(signal, "signal", flaky)
    monkeypatch.undo()
    assert signal.getsignal(USR1) is usr1_recorder


async def test_a_signal_that_cannot_be_set_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_signal = signal.signal

    def refusing(signum: Any, handler: Any) -> Any:
        if signum == USR2:
            raise OSError(22, "Invalid argument")
        return real_signal(signum, handler)

    before = {s: signal.getsignal(s) for s in (USR1, USR2)}
    monkeypatch.setattr(signal, "signal", refusing)
    with pytest.raises(OSError, match="Invalid argument"):
        catch_signals([USR1, USR2]).__enter__()
    monkeypatch.undo()
    assert {s: signal.getsignal(s) for s in (USR1, USR2)} == before


async def test_a_handler_installed_outside_python_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # signal.getsignal() returns None for a handler Python did not install:
    # it could not be put back, so the block refuses to start.
    real_getsignal = signal.getsignal
    monkeypatch.setattr(signal, "getsignal", lambda s: None if s == USR2 else real_getsignal(s))
    with pytest.raises(RuntimeError, match="SIGUSR2 was installed outside Python"):
        catch_signals([USR1, USR2]).__enter__()
    monkeypatch.undo()


async def test_several_raising_handlers_on_exit_are_all_reported() -> None:
    def raising(signum: int, frame: types.FrameType | None) -> None:
        raise ValueError(f"handler of {signum}")

    old = {s: signal.signal(s, raising) for s in (USR1, USR2)}
    try:
        with pytest.raises(ValueError, match=f"handler of {int(USR1)}") as caught:
            with catch_signals({USR1, USR2}):
                kill(USR1)
                kill(USR2)
        assert any(f"handler of {int(USR2)}" in note for note in caught.value.__notes__)
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)
