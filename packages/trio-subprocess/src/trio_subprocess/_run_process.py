"""run_process: run a child to completion, feeding and capturing it, cancellable.

The structure: one nursery holds the feeder of stdin and the readers of
stdout and stderr, while the calling task waits for the child.  All three
pipes are drained concurrently, so a child that writes a lot to both stdout
and stderr, or that writes before it has read all its input, cannot
deadlock against us.

Cancellation (or any error, KeyboardInterrupt included) while the child
runs: ``deliver_cancel(process)`` runs in a shielded task of that nursery,
and the calling task keeps waiting (shielded) until the child has exited, so
``run_process`` never returns with the child still running.  If
``deliver_cancel`` raises, the child is killed and the error propagates with
the cancellation.  With ``new_process_group=True`` the wait covers the whole
group, and the default ``deliver_cancel`` signals the whole group.
"""

from __future__ import annotations

import signal
import subprocess
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import trio_core
from trio_streams import BrokenStreamError
from trio_streams.abc import RecvStream, SendStream

from ._process import Command, Process, Redirect, open_process

__all__ = ["run_process", "DELIVER_CANCEL_GRACE"]

#: How long the default ``deliver_cancel`` waits after ``SIGTERM`` before ``SIGKILL``.
DELIVER_CANCEL_GRACE: float = 5.0
_CAPTURE_CHUNK = 1 << 20


async def _default_deliver_cancel(process: Process) -> None:
    group = process.process_group is not None
    if group:
        process.signal_group(signal.SIGTERM)
    else:
        process.terminate()
    await trio_core.sleep(DELIVER_CANCEL_GRACE)
    what = f"process group {process.process_group}" if group else f"process {process.pid}"
    warnings.warn(
        RuntimeWarning(
            f"{what} ({process.args!r}) did not exit within {DELIVER_CANCEL_GRACE} seconds "
            "of SIGTERM after run_process was cancelled; killing it with SIGKILL"
        ),
        stacklevel=1,
    )
    if group:
        process.signal_group(signal.SIGKILL)
    else:
        process.kill()


async def _feed(stream: SendStream, data: bytes | bytearray | memoryview) -> None:
    async with stream:
        try:
            await stream.sendall(data)
        except BrokenStreamError:
            pass  # the child exited (or closed its stdin) without reading it all


async def _drain(stream: RecvStream, into: list[bytes]) -> None:
    async with stream:
        while chunk := await stream.recv(_CAPTURE_CHUNK):
            into.append(chunk)


def _check_pipe_args(name: str, value: object, started: bool) -> None:
    if value == subprocess.PIPE and not started:
        raise ValueError(
            f"{name}=subprocess.PIPE is only useful with nursery.start(run_process, ...), "
            f"which returns the Process and its pipes; use capture_{name}=True to collect "
            "the output instead"
            if name != "stdin"
            else "stdin=subprocess.PIPE is only useful with nursery.start(run_process, ...), "
            "which returns the Process and its stdin; pass the input as bytes instead"
        )


async def run_process(
    command: Command,
    *,
    stdin: bytes | bytearray | memoryview | Redirect = b"",
    capture_stdout: bool = False,
    capture_stderr: bool = False,
    check: bool = True,
    deliver_cancel: Callable[[Process], Awaitable[object]] | None = None,
    task_status: trio_core.TaskStatus[Process] = trio_core.TASK_STATUS_IGNORED,
    **options: Any,
) -> subprocess.CompletedProcess[bytes]:
    """Run a child process to completion and return what it did.

    ``await nursery.start(run_process, command, ...)`` returns the
    :class:`Process` as soon as it has started and runs it in the
    background: the structured way to run a process beside other work.
    Whatever happens, the child has exited and been reaped when this returns
    or raises.  A checkpoint.

    Args:
        command: a sequence (``["ls", "-l"]``), or one string if ``shell=True``.
        stdin: bytes to feed to the child's standard input, which is then
            closed (the default, ``b""``, is an empty input: the child's stdin
            is then ``/dev/null``); or ``None`` to
            inherit ours, ``subprocess.DEVNULL``, a file descriptor or file
            object; or ``subprocess.PIPE`` with ``nursery.start`` to write to
            :attr:`Process.stdin` yourself.
        capture_stdout: collect the child's standard output into the
            result's ``stdout`` (read concurrently: any amount is fine).
        capture_stderr: the same, for ``stderr``.
        check: raise :exc:`subprocess.CalledProcessError` if the exit status
            is not zero (the default).
        deliver_cancel: ``async def deliver_cancel(process)``, run (shielded)
            when this call is cancelled while the child runs.  The default
            sends ``SIGTERM``, waits 5 seconds, then warns and sends
            ``SIGKILL``; with ``new_process_group=True`` it signals the whole
            group.  The call keeps waiting until the child (and, with
            ``new_process_group``, its group) has exited.  If it raises, the
            child is killed and its exception propagates.
        task_status: set by ``nursery.start``; do not pass it yourself.
        **options: passed to :func:`~trio_subprocess.open_process`:
            ``new_process_group``, ``stdout``/``stderr`` redirections (not
            together with the ``capture_*`` flags), and the options of
            :class:`subprocess.Popen` (``cwd``, ``env``, ``shell``...).

    Returns:
        A :class:`subprocess.CompletedProcess`: ``args``, ``returncode``, and
        ``stdout`` / ``stderr`` as bytes if captured (else ``None``).

    Raises:
        subprocess.CalledProcessError: if ``check`` and the status is not
            zero; it carries the captured ``output`` (``stdout``) and
            ``stderr``.
        TypeError: if ``stdin`` is a str (encode it first), or for
            :func:`open_process`'s option errors.
        ValueError: for ``subprocess.PIPE`` without ``nursery.start``, a
            ``capture_*`` flag together with the matching redirection, and
            :func:`open_process`'s command errors.
        FileNotFoundError: if the program or ``cwd`` does not exist.
    """
    if isinstance(stdin, str):
        raise TypeError(
            "stdin must be bytes (the child's input), not str; encode it first, "
            "e.g. stdin=text.encode()"
        )
    started = task_status is not trio_core.TASK_STATUS_IGNORED
    _check_pipe_args("stdin", stdin, started)
    for name, capture in (("stdout", capture_stdout), ("stderr", capture_stderr)):
        _check_pipe_args(name, options.get(name), started)
        if capture and name in options:
            raise ValueError(
                f"capture_{name}=True and {name}= both say where the child's {name} goes; "
                "pass only one of them"
            )
    if deliver_cancel is None:
        deliver_cancel = _default_deliver_cancel

    feed: bytes | bytearray | memoryview | None = None
    if isinstance(stdin, (bytes, bytearray, memoryview)) and len(stdin) == 0:
        # An empty input: /dev/null ends it as a closed pipe would, without a
        # pipe and a feeding task per child (a third of the cost of `true`).
        options["stdin"] = subprocess.DEVNULL
    elif isinstance(stdin, (bytes, bytearray, memoryview)):
        feed = stdin
        options["stdin"] = subprocess.PIPE
    else:
        options["stdin"] = stdin
    if capture_stdout:
        options["stdout"] = subprocess.PIPE
    if capture_stderr:
        options["stderr"] = subprocess.PIPE
    stdout_chunks: list[bytes] = []
    stderr_chunks: list[bytes] = []

    # Started outside the nursery, so that its errors (a missing program...)
    # are raised as themselves, not wrapped in an exception group.
    # (Entering the nursery does not yield: nothing can cancel us in between.)
    process = await open_process(command, **options)
    async with trio_core.open_nursery() as nursery:
        try:
            if feed is not None:
                assert process.stdin is not None
                nursery.start_soon(_feed, process.stdin, feed)
                process.stdin = None
                process.stdio = None
            if capture_stdout:
                assert process.stdout is not None
                nursery.start_soon(_drain, process.stdout, stdout_chunks)
                process.stdout = None
                process.stdio = None
            if capture_stderr:
                assert process.stderr is not None
                nursery.start_soon(_drain, process.stderr, stderr_chunks)
                process.stderr = None
            task_status.started(process)
            await process.wait()
        except BaseException:
            await _cancel_and_wait(process, deliver_cancel, nursery)
            raise

    code = process.returncode
    assert code is not None
    stdout = b"".join(stdout_chunks) if capture_stdout else None
    stderr = b"".join(stderr_chunks) if capture_stderr else None
    if check and code:
        raise subprocess.CalledProcessError(code, process.args, output=stdout, stderr=stderr)
    return subprocess.CompletedProcess(process.args, code, stdout, stderr)


async def _cancel_and_wait(
    process: Process,
    deliver_cancel: Callable[[Process], Awaitable[object]],
    nursery: trio_core.Nursery,
) -> None:
    with trio_core.CancelScope(shield=True):
        killer_scope = trio_core.CancelScope(shield=True)

        async def killer() -> None:
            with killer_scope:
                try:
                    await deliver_cancel(process)
                except BaseException:
                    # Never a silent hang: the child goes, and so does the group.
                    if process.process_group is not None:
                        process.signal_group(signal.SIGKILL)
                    process.kill()
                    raise

        if process.poll() is None or process.process_group is not None:
            nursery.start_soon(killer)
        await process.wait()
        await process.wait_group()
        killer_scope.cancel()
        # Pipes handed out through nursery.start stay open: their owner closes
        # them (and may still read what the child wrote before it exited).
