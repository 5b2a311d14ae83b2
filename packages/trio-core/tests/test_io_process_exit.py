"""lowlevel.wait_process_exit: kqueue's process filter, trio-subprocess's hook on macOS.

Where the I/O manager is not kqueue (Linux, the poll fallback) the hook
refuses with a RuntimeError that names the alternatives; the kqueue tests
run only where kqueue exists.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.testing import wait_all_tasks_blocked

OTHER_MANAGERS = [name for name in ("epoll", "poll") if hasattr(select, name)]
needs_kqueue = pytest.mark.skipif(not hasattr(select, "kqueue"), reason="kqueue only")


def _child_blocked_on_stdin() -> subprocess.Popen[bytes]:
    """A child that exits when we close its stdin: no timing involved."""
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.buffer.read()"], stdin=subprocess.PIPE
    )


def test_outside_a_run_is_a_runtimeerror() -> None:
    coro = lowlevel.wait_process_exit(os.getpid())
    with pytest.raises(RuntimeError, match=r"inside trio_core\.run"):
        coro.send(None)
    coro.close()


@pytest.mark.parametrize("manager", OTHER_MANAGERS)
def test_other_managers_refuse_and_name_the_alternatives(
    manager: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIO_CORE_IO_MANAGER", manager)

    async def main() -> None:
        with pytest.raises(RuntimeError, match=r"kqueue.*pidfd_open.*thread"):
            await lowlevel.wait_process_exit(os.getpid())

    trio_core.run(main)


@needs_kqueue
def test_kqueue_wakes_when_the_child_exits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIO_CORE_IO_MANAGER", "kqueue")
    child = _child_blocked_on_stdin()
    assert child.stdin is not None
    done: list[int | None] = []

    async def waiter() -> None:
        await lowlevel.wait_process_exit(child.pid)
        done.append(child.poll())

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(waiter)
            await wait_all_tasks_blocked()
            assert done == []
            with pytest.raises(trio_core.BusyResourceError):
                await lowlevel.wait_process_exit(child.pid)
            assert child.stdin is not None
            child.stdin.close()
        assert done == [0]

    try:
        trio_core.run(main)
    finally:
        child.stdin.close()
        child.wait()


@needs_kqueue
def test_kqueue_cancelled_wait_then_already_exited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIO_CORE_IO_MANAGER", "kqueue")
    child = _child_blocked_on_stdin()
    assert child.stdin is not None

    async def main() -> None:
        with trio_core.move_on_after(0.01) as scope:
            await lowlevel.wait_process_exit(child.pid)
        assert scope.cancelled_caught
        assert child.poll() is None
        assert child.stdin is not None
        child.stdin.close()
        # Waiting again works after the cancelled wait, and returns whether or
        # not the child has exited by the time the filter is registered.
        with trio_core.fail_after(10):
            await lowlevel.wait_process_exit(child.pid)
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
        await lowlevel.wait_process_exit(child.pid)  # a zombie: at once

    try:
        trio_core.run(main)
    finally:
        child.stdin.close()
        child.wait()
