"""catch_signals with real signals sent to this process."""

from __future__ import annotations

import os
import signal
import threading

import pytest

import trio_core
from trio_core.testing import wait_all_tasks_blocked
from trio_signals import catch_signals

USR1, USR2, HUP, WINCH = signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGWINCH


@pytest.fixture(autouse=True)
def _handlers_restored() -> object:
    before = {s: signal.getsignal(s) for s in (USR1, USR2, HUP, WINCH, signal.SIGINT)}
    yield
    after = {s: signal.getsignal(s) for s in before}
    assert after == before


async def test_batches_coalesce_into_sets() -> None:
    with catch_signals({USR1, USR2}) as batches:
        os.kill(os.getpid(), USR1)
        os.kill(os.getpid(), USR1)
        signal.raise_signal(USR2)
        batch = await batches.__anext__()
        assert batch == {USR1, USR2}
        signal.raise_signal(USR2)
        assert await batches.__anext__() == {USR2}


async def test_waiting_task_is_woken_by_a_signal() -> None:
    got: list[set[int]] = []

    async def listen(
        task_status: trio_core.TaskStatus[None] = trio_core.TASK_STATUS_IGNORED,
    ) -> None:
        with catch_signals({HUP}) as batches:
            task_status.started()
            async for batch in batches:
                got.append(batch)
                return

    async with trio_core.open_nursery() as nursery:
        await nursery.start(listen)
        await wait_all_tasks_blocked()
        os.kill(os.getpid(), HUP)
    assert got == [{HUP}]


async def test_pending_signals_are_redelivered_on_exit() -> None:
    seen: list[int] = []
    old = signal.signal(USR1, lambda signum, frame: seen.append(signum))
    try:
        with catch_signals({USR1}):
            signal.raise_signal(USR1)
            assert seen == []  # caught by the block, not by the old handler
        # Left unread: handed back to Python's regular handling on exit.
        assert seen == [USR1]
        assert signal.getsignal(USR1) is not None
    finally:
        signal.signal(USR1, old)


async def test_nested_blocks_innermost_wins_and_handoff_on_exit() -> None:
    with catch_signals({USR1, USR2}) as outer:
        with catch_signals({USR1}) as inner:
            signal.raise_signal(USR1)
            signal.raise_signal(USR2)
            assert await inner.__anext__() == {USR1}
            signal.raise_signal(USR1)
        # inner exited with USR1 unread: it goes to the outer block.
        assert await outer.__anext__() == {USR1, USR2}


async def test_blocks_exiting_out_of_order_restore_the_original() -> None:
    original = signal.getsignal(WINCH)
    first = catch_signals({WINCH})
    second = catch_signals({WINCH})
    first.__enter__()
    batches2 = second.__enter__()
    first.__exit__(None, None, None)
    signal.raise_signal(WINCH)
    assert await batches2.__anext__() == {WINCH}
    second.__exit__(None, None, None)
    assert signal.getsignal(WINCH) == original


async def test_sigint_is_caught_instead_of_keyboardinterrupt() -> None:
    with catch_signals({signal.SIGINT}) as batches:
        signal.raise_signal(signal.SIGINT)
        assert await batches.__anext__() == {signal.SIGINT}
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)


async def test_a_burst_of_signals_loses_no_kind() -> None:
    kinds = [USR1, USR2, HUP, WINCH]
    seen: set[int] = set()
    with catch_signals(kinds) as batches:
        for i in range(1000):
            os.kill(os.getpid(), kinds[i % 4])
            if i % 97 == 0:
                await trio_core.lowlevel.checkpoint()
        while seen != set(kinds):
            seen |= await batches.__anext__()
    assert seen == set(kinds)


async def test_bad_signals_change_nothing() -> None:
    before = signal.getsignal(USR1)
    with pytest.raises(ValueError, match="SIGKILL cannot be caught"):
        catch_signals({USR1, signal.SIGKILL})
    with pytest.raises(ValueError, match="not a valid signal"):
        catch_signals({USR1, 10_000})
    with pytest.raises(TypeError):
        catch_signals(USR1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        catch_signals({"SIGUSR1"})  # type: ignore[arg-type]
    assert signal.getsignal(USR1) == before


def test_outside_a_run_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match=r"inside trio_core\.run"):
        with catch_signals({USR1}):
            pass  # pragma: no cover


async def test_outside_the_main_thread_is_an_error() -> None:
    errors: list[BaseException] = []

    def in_thread() -> None:
        try:
            with catch_signals({USR1}):
                pass  # pragma: no cover
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert len(errors) == 1 and "main thread" in str(errors[0])


async def test_iterating_after_exit_is_an_error() -> None:
    with catch_signals({USR1}) as batches:
        pass
    with pytest.raises(RuntimeError, match="has exited"):
        await batches.__anext__()
