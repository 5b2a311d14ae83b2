"""run_process: results, feeding and capturing, errors, cancellation, Control-C, groups."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

import trio_core
from trio_core.abc import Instrument
from trio_core.lowlevel import Task, add_instrument, remove_instrument
from trio_core.testing import MockClock, wait_all_tasks_blocked
from trio_subprocess import Process, _run_process, run_process
from trio_subprocess.lowlevel import open_process

PY = sys.executable
# A pipe holds 64 KiB on Linux by default; this is well beyond any pipe buffer.
BIG_INPUT = 4 * 1024 * 1024 + 3


async def test_result_and_capture(strategy: str) -> None:
    result = await run_process(
        ["sh", "-c", "echo out; echo err >&2; exit 0"], capture_stdout=True, capture_stderr=True
    )
    assert isinstance(result, subprocess.CompletedProcess)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"out\n", b"err\n")
    assert result.args == ["sh", "-c", "echo out; echo err >&2; exit 0"]


async def test_nothing_captured_is_none() -> None:
    result = await run_process(["true"], stdout=subprocess.DEVNULL)
    assert (result.stdout, result.stderr) == (None, None)


async def test_check_raises_calledprocesserror_with_the_output(strategy: str) -> None:
    with pytest.raises(subprocess.CalledProcessError) as info:
        await run_process(
            ["sh", "-c", "echo partial; echo oops >&2; exit 3"],
            capture_stdout=True,
            capture_stderr=True,
        )
    assert info.value.returncode == 3
    assert info.value.output == b"partial\n"
    assert info.value.stderr == b"oops\n"
    result = await run_process(["sh", "-c", "exit 3"], check=False)
    assert result.returncode == 3


async def test_killed_by_a_signal_is_a_negative_status() -> None:
    result = await run_process(["sh", "-c", "kill -TERM $$"], check=False)
    assert result.returncode == -signal.SIGTERM


async def test_default_stdin_is_empty_and_bytes_are_fed() -> None:
    assert (await run_process(["cat"], capture_stdout=True)).stdout == b""
    data = os.urandom(BIG_INPUT)
    result = await run_process(["cat"], stdin=data, capture_stdout=True)
    assert result.stdout == data
    result = await run_process(["cat"], stdin=bytearray(b"ab"), capture_stdout=True)
    assert result.stdout == b"ab"


async def test_input_larger_than_a_pipe_that_the_child_never_reads() -> None:
    # The child exits without reading: the feeder's EPIPE is not an error.
    result = await run_process(["true"], stdin=b"x" * BIG_INPUT)
    assert result.returncode == 0


async def test_both_outputs_at_once_without_deadlock(strategy: str) -> None:
    # 100 MB on stdout and on stderr, interleaved: a reader that drained only
    # one pipe at a time would deadlock with the child blocked on the other.
    size = 100 * 1024 * 1024
    script = textwrap.dedent(
        f"""
        import os
        chunk = b"o" * 65536
        echunk = b"e" * 65536
        for _ in range({size} // 65536):
            os.write(1, chunk)
            os.write(2, echunk)
        """
    )
    result = await run_process([PY, "-c", script], capture_stdout=True, capture_stderr=True)
    assert len(result.stdout) == len(result.stderr) == size
    assert result.stdout.count(b"o") == size and result.stderr.count(b"e") == size


async def test_cat_echoes_a_big_input_while_it_is_still_being_fed() -> None:
    # cat writes before it has read everything: feeding and reading concurrently.
    data = os.urandom(20 * 1024 * 1024)
    result = await run_process(["cat"], stdin=data, capture_stdout=True)
    assert result.stdout == data


async def test_stdin_inherit_devnull_and_files(tmp_path: Any) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(b"from a file\n")
    with open(path, "rb") as f:
        result = await run_process(["cat"], stdin=f, capture_stdout=True)
    assert result.stdout == b"from a file\n"
    result = await run_process(["cat"], stdin=subprocess.DEVNULL, capture_stdout=True)
    assert result.stdout == b""
    result = await run_process(
        ["sh", "-c", "echo both; echo err >&2"], capture_stdout=True, stderr=subprocess.STDOUT
    )
    assert result.stdout == b"both\nerr\n"


async def test_options_reach_popen(tmp_path: Any) -> None:
    result = await run_process(
        ["sh", "-c", "pwd; echo $GREETING"],
        cwd=tmp_path,
        env={"GREETING": "hi", "PATH": os.environ["PATH"]},
        capture_stdout=True,
    )
    assert result.stdout == f"{os.path.realpath(tmp_path)}\nhi\n".encode()
    result = await run_process("echo $((1 + 2))", shell=True, capture_stdout=True)
    assert result.stdout == b"3\n"


# ---------------------------------------------------------------- errors in the parent


async def test_string_command_without_shell() -> None:
    with pytest.raises(ValueError, match=r"string, but shell=False.*sequence.*shell=True"):
        await run_process("ls -l")
    with pytest.raises(ValueError, match=r"shell=True needs the command as one string"):
        await run_process(["ls", "-l"], shell=True)
    with pytest.raises(ValueError, match="non-empty sequence"):
        await run_process([])


async def test_unknown_and_text_options() -> None:
    with pytest.raises(TypeError, match=r"unknown option 'cwdir'.*cwd"):
        await run_process(["true"], cwdir="/")
    with pytest.raises(TypeError, match=r"'text' option is not supported.*decode"):
        await run_process(["true"], text=True)
    with pytest.raises(TypeError, match=r"'encoding'"):
        await run_process(["true"], encoding="utf-8")


async def test_str_stdin_and_conflicting_arguments() -> None:
    with pytest.raises(TypeError, match=r"stdin must be bytes.*encode"):
        await run_process(["cat"], stdin="text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="only one of them"):
        await run_process(["true"], capture_stdout=True, stdout=subprocess.DEVNULL)
    with pytest.raises(ValueError, match=r"stdout=subprocess.PIPE .*nursery.start.*capture"):
        await run_process(["true"], stdout=subprocess.PIPE)
    with pytest.raises(ValueError, match=r"stdin=subprocess.PIPE .*nursery.start"):
        await run_process(["true"], stdin=subprocess.PIPE)


async def test_missing_program_and_cwd_raise_in_the_parent(tmp_path: Any) -> None:
    with trio_core.fail_after(10):
        with pytest.raises(FileNotFoundError) as info:
            await run_process(["/nonexistent/program-of-nobody"])
        assert "program was not found" in "".join(info.value.__notes__)
        missing = str(tmp_path / "gone")
        with pytest.raises(FileNotFoundError) as info:
            await run_process(["true"], cwd=missing)
        assert "working directory" in "".join(info.value.__notes__)
        with pytest.raises(PermissionError):
            await run_process([str(tmp_path)])  # a directory is not executable


# ---------------------------------------------------------------- nursery.start


async def test_nursery_start_returns_the_process_with_pipes() -> None:
    async with trio_core.open_nursery() as nursery:
        process = await nursery.start(
            lambda task_status: run_process(
                ["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, task_status=task_status
            )
        )
        assert isinstance(process, Process)
        assert process.stdio is not None and process.stdin is not None
        await process.stdio.sendall(b"ping")
        assert await process.stdio.recv(10) == b"ping"
        await process.stdio.graceful_close()
    assert process.returncode == 0


async def test_nursery_start_with_captured_output_hides_the_pipes() -> None:
    async with trio_core.open_nursery() as nursery:
        process = await nursery.start(
            lambda task_status: run_process(["true"], capture_stdout=True, task_status=task_status)
        )
        assert process.stdout is None and process.stdin is None and process.stdio is None


# ---------------------------------------------------------------- cancellation


class _CancelAtStep(Instrument):
    """Cancel ``scope`` just before the ``n``-th step of any task (after this is
    installed): run_process's own, or its feeder's or readers'."""

    def __init__(self, scope: trio_core.CancelScope, n: int) -> None:
        self.scope, self.n, self.steps = scope, n, 0

    def before_task_step(self, task: Task) -> None:
        self.steps += 1
        if self.steps == self.n:
            self.scope.cancel()


async def test_cancellation_at_every_checkpoint_reaps_the_child(
    list_children: Callable[[], list[tuple[int, str]]],
) -> None:
    # Several pipe-fulls: the feeder and the reader each take a few steps, so
    # the cancellation lands in each of them, and in run_process's own steps.
    data = b"z" * (256 * 1024)
    completed_at = None
    for n in range(1, 200):
        with trio_core.CancelScope() as scope:
            instrument = _CancelAtStep(scope, n)
            add_instrument(instrument)
            try:
                result = await run_process(["cat"], stdin=data, capture_stdout=True)
            finally:
                remove_instrument(instrument)
        assert list_children() == [], f"cancelled at step {n}: a child is left"
        if not scope.cancelled_caught:
            assert result.stdout == data
            completed_at = n
            break
    # At least: start, 4 pipe-fulls fed, 4 read, the wait and the nursery's exit.
    assert completed_at is not None and completed_at > 8, completed_at


async def test_cancel_sends_sigterm_and_waits(strategy: str) -> None:
    with trio_core.move_on_after(0.5) as scope:
        async with trio_core.open_nursery() as nursery:
            process = await nursery.start(
                lambda task_status: run_process(["sleep", "100"], task_status=task_status)
            )
    assert scope.cancelled_caught
    assert process.returncode == -signal.SIGTERM


async def test_a_child_ignoring_sigterm_is_killed_after_the_grace(
    mock_clock: MockClock,
) -> None:
    mock_clock.autojump_threshold = 0.05
    script = "trap '' TERM; echo ready; while :; do sleep 0.1; done"
    with pytest.warns(RuntimeWarning, match="did not exit within 5.0 seconds"):
        with trio_core.move_on_after(1) as scope:
            async with trio_core.open_nursery() as nursery:
                process = await nursery.start(
                    lambda task_status: run_process(
                        ["sh", "-c", script], stdout=subprocess.PIPE, task_status=task_status
                    )
                )
                assert process.stdout is not None
                assert await process.stdout.recv(10) == b"ready\n"
                await process.stdout.graceful_close()
                await trio_core.sleep_forever()
    assert scope.cancelled_caught
    assert process.returncode == -signal.SIGKILL
    assert trio_core.current_time() >= 1 + _run_process.DELIVER_CANCEL_GRACE


async def test_custom_deliver_cancel_and_one_that_raises() -> None:
    delivered: list[int] = []

    async def hup(process: Process) -> None:
        delivered.append(process.pid)
        process.send_signal(signal.SIGHUP)

    with trio_core.move_on_after(0.2):
        await run_process(["sleep", "100"], deliver_cancel=hup)
    assert len(delivered) == 1

    async def broken(process: Process) -> None:
        raise LookupError("deliver_cancel failed")

    with pytest.raises(BaseExceptionGroup) as info:
        with trio_core.fail_after(10), trio_core.move_on_after(0.2):
            await run_process(["sleep", "100"], deliver_cancel=broken)
    assert info.group_contains(LookupError, match="deliver_cancel failed")


async def test_an_error_beside_run_process_still_reaps_the_child() -> None:
    with pytest.raises(BaseExceptionGroup) as info:
        async with trio_core.open_nursery() as nursery:
            await nursery.start(
                lambda task_status: run_process(["sleep", "100"], task_status=task_status)
            )
            raise KeyError("beside")
    assert info.group_contains(KeyError)


def test_control_c_during_run_process_reaps_the_child(tmp_path: Any) -> None:
    script = tmp_path / "ki.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            import trio_core
            from trio_subprocess import run_process

            started = []

            async def main():
                async with trio_core.open_nursery() as nursery:
                    process = await nursery.start(
                        lambda task_status: run_process(["sleep", "100"], task_status=task_status)
                    )
                    started.append(process)
                    print(process.pid, flush=True)

            try:
                trio_core.run(main)
            except KeyboardInterrupt:
                print("KeyboardInterrupt", started[0].returncode, flush=True)
                sys.exit(0)
            sys.exit("no KeyboardInterrupt")
            """
        )
    )
    proc = subprocess.Popen([PY, str(script)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        pid = int(proc.stdout.readline())
        os.kill(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert out.split() == [b"KeyboardInterrupt", str(-signal.SIGTERM).encode()]
    assert not os.path.exists(f"/proc/{pid}"), "the grandchild is left (unreaped or running)"


# ---------------------------------------------------------------- process groups


def _group_alive(group: int) -> list[int]:
    from trio_subprocess._process import _live_group_members

    return _live_group_members(group)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="lists the group through /proc")
async def test_cancel_leaves_no_process_of_a_new_group(strategy: str) -> None:
    # Trio issue #3237: signalling only the shell leaves the pipeline running.
    command = ["sh", "-c", "(echo ready; exec sleep 100) | cat"]
    with trio_core.move_on_after(30) as scope:
        async with trio_core.open_nursery() as nursery:
            process = await nursery.start(
                lambda task_status: run_process(
                    command, new_process_group=True, stdout=subprocess.PIPE, task_status=task_status
                )
            )
            assert process.process_group == process.pid
            assert process.stdout is not None
            assert await process.stdout.recv(10) == b"ready\n"  # cat runs, and so does sleep
            assert len(process.group_members()) >= 3
            nursery.cancel_scope.cancel()
    assert not scope.cancelled_caught
    assert _group_alive(process.pid) == []
    assert process.group_members() == []
    await process.stdout.graceful_close()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="lists the group through /proc")
async def test_without_a_new_group_only_the_shell_is_signalled() -> None:
    # The reason for the option, shown: cat survives the shell's SIGTERM.
    async with trio_core.open_nursery() as nursery:
        process = await nursery.start(
            lambda task_status: run_process(
                ["sh", "-c", "echo ready; exec cat"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                task_status=task_status,
            )
        )
        assert process.stdout is not None and process.stdin is not None
        assert await process.stdout.recv(10) == b"ready\n"
        with pytest.raises(RuntimeError, match="new_process_group=True"):
            process.signal_group(signal.SIGTERM)
        assert process.group_members() == []
        await process.stdin.graceful_close()
        await process.stdout.graceful_close()


async def test_open_process_rejects_a_conflicting_group() -> None:
    with pytest.raises(ValueError, match="do not also pass process_group"):
        await open_process(["true"], new_process_group=True, process_group=os.getpid())


# ---------------------------------------------------------------- many processes


async def test_many_in_a_row_and_at_once(strategy: str) -> None:
    for _ in range(100):
        await run_process(["true"])
    results: list[int] = []

    async def one() -> None:
        results.append((await run_process(["true"])).returncode)

    async with trio_core.open_nursery() as nursery:
        for _ in range(50):
            nursery.start_soon(one)
    assert results == [0] * 50
    await wait_all_tasks_blocked()
