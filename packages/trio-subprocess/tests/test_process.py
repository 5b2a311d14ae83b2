"""open_process and Process: waiting, polling, signals, pipes, closing, lines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

import trio_core
from trio_core.testing import assert_checkpoints, wait_all_tasks_blocked
from trio_streams import BufferedRecvStream, FdStream, MessageTooLongError
from trio_streams.abc import RecvStream, SendStream, Stream
from trio_subprocess import Process, _process
from trio_subprocess.lowlevel import open_process

PY = sys.executable


async def test_pipes_are_fdstreams_and_stdio_staples_them(strategy: str) -> None:
    process = await open_process(
        ["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    async with process:
        assert isinstance(process.stdin, SendStream) and isinstance(process.stdin, FdStream)
        assert isinstance(process.stdout, BufferedRecvStream)
        assert isinstance(process.stdout.transport_stream, FdStream)
        assert isinstance(process.stderr, RecvStream)
        assert isinstance(process.stdio, Stream)
        assert process.returncode is None
        assert f"pid {process.pid}, running" in repr(process)
        await process.stdio.sendall(b"hello")
        assert await process.stdio.recv(5) == b"hello"
        await process.stdio.send_eof()
        assert await process.stdout.recv(5) == b""
        assert await process.wait() == 0
    assert "exited with 0" in repr(process)


async def test_no_pipes_unless_asked() -> None:
    process = await open_process(["true"])
    assert (process.stdin, process.stdout, process.stderr, process.stdio) == (None,) * 4
    assert process.process_group is None
    assert await process.wait() == 0


async def test_wait_is_a_checkpoint_and_cancellable(strategy: str) -> None:
    process = await open_process(["sleep", "100"])
    try:
        with trio_core.move_on_after(0.05) as scope:
            await process.wait()
        assert scope.cancelled_caught
        assert process.poll() is None  # still running, still waitable
        process.terminate()
        assert await process.wait() == -signal.SIGTERM
        with assert_checkpoints():
            assert await process.wait() == -signal.SIGTERM  # again, after it exited
    finally:
        process.kill()
        await process.wait()


async def test_several_tasks_wait_at_once(strategy: str) -> None:
    process = await open_process(["cat"], stdin=subprocess.PIPE)
    codes: list[int] = []

    async def waiter() -> None:
        codes.append(await process.wait())

    async with trio_core.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(waiter)
        await wait_all_tasks_blocked()
        assert codes == []
        assert process.stdin is not None
        await process.stdin.graceful_close()
    assert codes == [0, 0, 0]


async def test_poll_in_another_task_reaps_while_one_waits(strategy: str) -> None:
    process = await open_process(["cat"], stdin=subprocess.PIPE)
    codes: list[int] = []

    async def waiter() -> None:
        codes.append(await process.wait())

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waiter)
        await wait_all_tasks_blocked()
        assert process.stdin is not None
        await process.stdin.graceful_close()
        # Reap it ourselves, by polling (os.waitid without reaping tells us when).
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
        assert process.poll() == 0
    assert codes == [0]


async def test_send_signal_terminate_kill(strategy: str) -> None:
    for method, expected in [
        (lambda p: p.send_signal(signal.SIGUSR1), -signal.SIGUSR1),
        (Process.terminate, -signal.SIGTERM),
        (Process.kill, -signal.SIGKILL),
    ]:
        process = await open_process(["sleep", "100"])
        method(process)
        assert await process.wait() == expected
        method(process)  # reaped: does nothing (the pid may be someone else's now)


async def test_graceful_close_cancelled_kills_and_reaps(strategy: str) -> None:
    process = await open_process(["sleep", "100"], stdin=subprocess.PIPE)
    with trio_core.move_on_after(0.05) as scope:
        async with process:
            pass
    assert scope.cancelled_caught
    assert process.returncode == -signal.SIGKILL


async def test_forceful_close_closes_pipes_only() -> None:
    process = await open_process(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    process.forceful_close()
    assert await process.wait() == 0  # cat saw the end of its input
    with pytest.raises(trio_core.ClosedResourceError):
        assert process.stdout is not None
        await process.stdout.recv(1)


async def test_lines(strategy: str) -> None:
    script = "printf 'one\\ntwo\\r\\n\\nlast'; printf 'e1\\ne2\\n' >&2"
    process = await open_process(
        ["sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    async with process:
        assert [line async for line in process.lines()] == [b"one", b"two\r", b"", b"last"]
        assert [line async for line in process.lines("stderr", keep_delimiter=True)] == [
            b"e1\n",
            b"e2\n",
        ]


async def test_breaking_out_of_lines_loses_nothing() -> None:
    process = await open_process(["printf", "a\\nb\\nc\\n"], stdout=subprocess.PIPE)
    async with process:
        async for line in process.lines():
            assert line == b"a"
            break
        assert process.stdout is not None
        rest = b""
        while chunk := await process.stdout.recv(100):
            rest += chunk
        assert rest == b"b\nc\n"
        # And the one-call form on the stream itself.
    process = await open_process(["printf", "x\\ny\\n"], stdout=subprocess.PIPE)
    async with process:
        assert process.stdout is not None
        assert [line async for line in process.stdout.lines()] == [b"x", b"y"]


async def test_lines_of_a_big_output_arrive_whole() -> None:
    count = 200_000
    process = await open_process(["seq", str(count)], stdout=subprocess.PIPE)
    async with process:
        expected = 1
        async for line in process.lines():
            assert line == str(expected).encode()
            expected += 1
    assert expected == count + 1


async def test_lines_errors() -> None:
    process = await open_process(["sh", "-c", "printf 'abcdefgh\\n'"], stdout=subprocess.PIPE)
    async with process:
        with pytest.raises(ValueError, match=r"stderr is not a pipe.*stderr=subprocess\.PIPE"):
            process.lines("stderr")
        with pytest.raises(ValueError, match="'stdout' or 'stderr'"):
            process.lines("stdin")  # type: ignore[arg-type]
        with pytest.raises(MessageTooLongError):
            async for _ in process.lines(max_bytes=4):
                pass
        # Nothing was lost: the line is still buffered in process.stdout.
        assert process.stdout is not None
        assert await process.stdout.receive_until(b"\n") == b"abcdefgh\n"


async def test_pidfd_is_the_linux_strategy_and_is_closed_on_reaping() -> None:
    process = await open_process(["true"])
    if _process._HAS_PIDFD:
        assert process._strategy == "pidfd"
        assert process._pidfd is not None
    await process.wait()
    assert process._pidfd is None  # closed (the fd-leak fixture checks it too)


async def test_an_unreaped_child_is_waited_for_by_the_next_call(strategy: str) -> None:
    process = await open_process([PY, "-c", "pass"])
    # Nothing polls it meanwhile: the exit is noticed when we wait, not lost.
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    with trio_core.fail_after(10):
        assert await process.wait() == 0


# ---------------------------------------------------------------- strategies and groups


async def test_the_strategy_without_pidfd_is_kqueue_or_a_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_process, "_HAS_PIDFD", False)
    backend = trio_core.lowlevel.current_statistics().io_statistics.backend
    assert _process._strategy() == ("kqueue" if backend == "kqueue" else "thread")
    process = await open_process(["true"])
    assert process._pidfd is None
    assert await process.wait() == 0


async def test_a_failing_pidfd_open_falls_back_to_a_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not _process._HAS_PIDFD:
        pytest.skip("pidfd is Linux only")

    def refuse(pid: int, flags: int = 0) -> int:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "pidfd_open", refuse)
    process = await open_process(["sleep", "100"])
    assert process._strategy == "thread"
    process.terminate()
    with trio_core.fail_after(10):
        assert await process.wait() == -signal.SIGTERM


async def test_a_missing_shell_is_named() -> None:
    with pytest.raises(FileNotFoundError) as info:
        await open_process("true", shell=True, executable="/nonexistent/shell")
    assert "shell was not found" in "".join(info.value.__notes__)


@pytest.mark.skipif(not _process._HAS_PROC, reason="lists the group through /proc")
@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "killpg-polling"])
async def test_wait_group_waits_for_members_that_outlive_the_leader(
    pidfd: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not pidfd:
        monkeypatch.setattr(_process, "_HAS_PIDFD", False)
    # The leader exits at once; a member that ignores SIGTERM stays behind.
    # It says "ready" once its trap is set (SIGTERM before that would kill it).
    script = "(trap '' TERM; echo ready; exec sleep 100) &"
    process = await open_process(
        ["sh", "-c", script], stdout=subprocess.PIPE, new_process_group=True
    )
    async with process:
        assert process.stdout is not None
        assert await process.stdout.receive_until(b"\n") == b"ready\n"
        assert await process.wait() == 0
        members = process.group_members()
        assert len(members) == 1 and members[0] != process.pid
        member = members[0]
        process.signal_group(signal.SIGTERM)  # ignored by the member
        done = trio_core.Event()

        async def waiter() -> None:
            await process.wait_group()
            done.set()

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(waiter)
            await wait_all_tasks_blocked(0.05)
            assert not done.is_set()
            assert process.group_members() == [member]
            process.signal_group(signal.SIGKILL)
            with trio_core.fail_after(10):
                await done.wait()
        assert process.group_members() == []
        process.signal_group(signal.SIGKILL)  # nobody left: not an error


async def test_wait_group_without_a_group_returns_at_once() -> None:
    process = await open_process(["true"])
    with assert_checkpoints():
        await process.wait_group()
    assert process.group_members() == []
    await process.wait()
