"""Process and open_process: a child process, its pipes, and waiting for it.

Design
------
**Spawning** is :class:`subprocess.Popen`'s: it knows every platform's
fork/exec details, and it reports a failed ``exec`` (a missing program, a
missing ``cwd``) by raising the child's ``FileNotFoundError`` in the parent,
before it returns.  Only the pipes are ours: for each ``PIPE`` we make an
``os.pipe()`` (close-on-exec), hand the child its end and keep the other as
a :class:`trio_streams.FdStream`, so reading and writing go through the run
loop instead of Popen's blocking file objects.  The child's stdout and stderr
are wrapped in a :class:`trio_streams.BufferedRecvStream`, so that
``process.stdout.lines()`` (or :meth:`Process.lines`) reads them line by
line, and plain ``recv`` still works on the same object without losing what
a line iteration had buffered.

**Waiting** never uses ``SIGCHLD`` or ``waitpid(-1)``: other code's children
are not ours to reap, and a process-wide signal handler is not ours to
install.  One of three strategies, chosen per process when it starts:

* Linux: a pidfd (``os.pidfd_open``), which becomes readable when the child
  exits, waited on with ``wait_readable``: no thread, no signal;
* kqueue (macOS, the BSDs): ``trio_core.lowlevel.wait_process_exit``, the
  process filter (``EVFILT_PROC`` / ``NOTE_EXIT``);
* elsewhere, or if the pidfd cannot be opened: a worker thread blocked in
  ``os.waitid(P_PID, pid, WEXITED | WNOWAIT)``, which wakes the run through
  its token.

All three only *notice* the exit; reaping is always ``Popen.poll()``
(``waitpid(pid, WNOHANG)`` on that one pid), so ``returncode`` is
``Popen``'s and a child is reaped exactly once.

**Process groups** (``new_process_group=True``): the child starts as the
leader of a new group (``setpgid(0, 0)``), and the signalling methods that
:func:`~trio_subprocess.run_process` uses on cancellation reach the whole
group, so that ``sh -c "a | b"`` does not leave ``a`` and ``b`` running once
the shell is gone (Trio issue #3237).
"""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from typing import IO, Any, Final, Literal, TypeAlias, final

import trio_core
from trio_core.lowlevel import (
    cancel_shielded_checkpoint,
    checkpoint_if_cancelled,
    current_statistics,
    current_trio_token,
    notify_closing,
    start_thread_soon,
    wait_process_exit,
    wait_readable,
)
from trio_streams import BufferedRecvStream, FdStream
from trio_streams.abc import AsyncResource, SendStream, Stream

__all__ = ["Process", "open_process", "StrOrBytesPath", "Command", "Redirect"]

StrOrBytesPath: TypeAlias = "str | bytes | os.PathLike[str] | os.PathLike[bytes]"
#: What ``open_process`` and ``run_process`` run: a sequence of arguments, or
#: (with ``shell=True``) one string for the shell.
Command: TypeAlias = "StrOrBytesPath | Sequence[StrOrBytesPath]"
#: Where a standard stream goes: ``subprocess.PIPE``, ``DEVNULL``, ``STDOUT``
#: (stderr only), a file descriptor, a file object, or ``None`` (inherited).
Redirect: TypeAlias = "int | IO[Any] | None"

# Popen options that make no sense here: the streams are byte streams.
_TEXT_OPTIONS: Final = frozenset({"universal_newlines", "text", "encoding", "errors", "bufsize"})
_OWN_OPTIONS: Final = frozenset({"args", "stdin", "stdout", "stderr"})
_POPEN_OPTIONS: Final = frozenset(
    name
    for name in inspect.signature(subprocess.Popen.__init__).parameters
    if name not in ("self", *_OWN_OPTIONS, *_TEXT_OPTIONS)
)

# How this process waits for its children: "pidfd", "kqueue" or "thread".
# Chosen per child when it starts; the tests set _FORCE_STRATEGY to run the
# others where they are not the default.
_FORCE_STRATEGY: str | None = None
_HAS_PIDFD: Final = sys.platform == "linux" and hasattr(os, "pidfd_open")
_HAS_PROC: Final = os.path.isdir("/proc")
# The buffer of the readers over stdout and stderr, and so the longest line
# that Process.lines() accepts by default.
_READER_BUFFER: Final = 1 << 20


def _check_command(command: object, shell: bool) -> None:
    if shell:
        if not isinstance(command, (str, bytes)):
            raise ValueError(
                f"shell=True needs the command as one string for the shell, got {command!r}; "
                "pass a string ('ls -l | wc -l'), or a sequence without shell=True "
                "(shlex.join quotes a sequence for the shell)"
            )
        return
    if isinstance(command, (str, bytes)):
        raise ValueError(
            f"the command {command!r} is a string, but shell=False: pass the program and "
            "its arguments as a sequence (['ls', '-l']), or pass shell=True to have the "
            "shell parse the string"
        )
    if isinstance(command, os.PathLike):
        return
    if not isinstance(command, Sequence) or not command:
        raise ValueError(
            f"the command must be a non-empty sequence of arguments, got {command!r}; "
            "e.g. ['echo', 'hello']"
        )


def _check_options(options: dict[str, object]) -> None:
    for name in options:
        if name in _TEXT_OPTIONS:
            raise TypeError(
                f"the {name!r} option is not supported: a Process's pipes are byte "
                "streams (FdStream); decode what you receive, e.g. data.decode()"
            )
        if name not in _POPEN_OPTIONS:
            raise TypeError(
                f"unknown option {name!r}; the options are subprocess.Popen's "
                f"({', '.join(sorted(_POPEN_OPTIONS))}) and new_process_group"
            )


def _strategy() -> str:
    if _FORCE_STRATEGY is not None:
        return _FORCE_STRATEGY
    if _HAS_PIDFD:
        return "pidfd"
    if current_statistics().io_statistics.backend == "kqueue":
        return "kqueue"
    return "thread"


def _add_context_to_spawn_error(exc: OSError, command: object, options: dict[str, Any]) -> None:
    cwd = options.get("cwd")
    if isinstance(exc, FileNotFoundError):
        if cwd is not None and exc.filename == cwd:
            exc.add_note(f"the working directory cwd={cwd!r} does not exist")
        elif options.get("shell"):
            exc.add_note("the shell was not found (see the executable option)")
        else:
            exc.add_note(
                "the program was not found: check its name, or give its full path "
                "(or shell=True to run a shell command)"
            )


@final
class Process(AsyncResource):
    """A child process started by :func:`open_process` (no public constructor).

    ``async with process:`` closes its pipes on the way out and waits for it
    to exit (see :meth:`graceful_close`).

    Attributes:
        args: the command, as given.
        pid: the child's process id.
        stdin: a :class:`~trio_streams.abc.SendStream` to the child's standard
            input if it was opened with ``stdin=subprocess.PIPE``, else ``None``.
        stdout: a :class:`~trio_streams.BufferedRecvStream` over its standard
            output if ``stdout=subprocess.PIPE``, else ``None``: ``recv`` reads
            it in chunks, ``lines()`` / ``receive_until()`` by lines or messages.
        stderr: the same for its standard error.
        stdio: :attr:`stdin` and :attr:`stdout` stapled into one two-way
            :class:`~trio_streams.abc.Stream`, if both are pipes, else ``None``.
        process_group: the id of the child's own process group if it was
            started with ``new_process_group=True``, else ``None``.
    """

    __slots__ = (
        "args",
        "pid",
        "stdin",
        "stdout",
        "stderr",
        "stdio",
        "process_group",
        "_popen",
        "_strategy",
        "_pidfd",
        "_wait_lock",
        "_exited",
        "_thread_started",
    )

    args: Command
    pid: int
    stdin: SendStream | None
    stdout: BufferedRecvStream | None
    stderr: BufferedRecvStream | None
    stdio: Stream | None
    process_group: int | None

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        stdin: FdStream | None,
        stdout: BufferedRecvStream | None,
        stderr: BufferedRecvStream | None,
        process_group: int | None,
    ) -> None:
        self._popen = popen
        self.args = popen.args
        self.pid = popen.pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.stdio = Stream.staple(stdin, stdout) if stdin and stdout else None
        self.process_group = process_group
        self._wait_lock = trio_core.Lock()
        self._exited = trio_core.Event()
        self._thread_started = False
        self._pidfd: int | None = None
        self._strategy = _strategy()
        if self._strategy == "pidfd":
            try:
                self._pidfd = os.pidfd_open(self.pid)
            except OSError:
                self._strategy = "thread"  # an old kernel, or a seccomp filter

    def __repr__(self) -> str:
        code = self.returncode
        state = "running" if code is None else f"exited with {code}"
        return f"<trio_subprocess.Process {self.args!r}: pid {self.pid}, {state}>"

    # ------------------------------------------------------------ status

    @property
    def returncode(self) -> int | None:
        """The exit status, or ``None`` while the child runs (polls, so it is current).

        A negative value ``-N`` means the child was killed by signal ``N``.
        Reading it reaps the child if it has exited.
        """
        return self.poll()

    def poll(self) -> int | None:
        """Reap the child if it has exited, without blocking.  Not a checkpoint.

        Returns:
            The exit status (see :attr:`returncode`), or ``None`` if the child
            is still running.
        """
        code = self._popen.returncode
        if code is None:
            code = self._popen.poll()
            if code is not None:
                self._reaped()
        return code

    def _reaped(self) -> None:
        pidfd, self._pidfd = self._pidfd, None
        if pidfd is not None:
            try:
                notify_closing(pidfd)
            except RuntimeError:
                pass  # no run is active: nothing waits on it
            os.close(pidfd)
        self._exited.set()

    async def wait(self) -> int:
        """Wait for the child to exit, reap it and return its exit status.

        Several tasks may wait at once; all of them return.  Cancelling a
        wait leaves the child running (and waitable again).  A checkpoint.

        Returns:
            The exit status (see :attr:`returncode`).
        """
        await checkpoint_if_cancelled()
        if self.poll() is None:
            async with self._wait_lock:
                while self.poll() is None:
                    await self._wait_for_exit()
        else:
            await cancel_shielded_checkpoint()
        code = self._popen.returncode
        assert code is not None
        return code

    async def _wait_for_exit(self) -> None:
        if self._strategy == "pidfd" and self._pidfd is not None:
            try:
                await wait_readable(self._pidfd)
            except trio_core.ClosedResourceError:
                pass  # poll() in another task reaped it and closed the pidfd
        elif self._strategy == "kqueue":
            await wait_process_exit(self.pid)
        else:
            self._start_waiting_thread()
            await self._exited.wait()

    def _start_waiting_thread(self) -> None:
        if self._thread_started:
            return
        self._thread_started = True
        token = current_trio_token()
        pid = self.pid

        def blocking_wait() -> None:
            # WNOWAIT: only notice the exit; poll() reaps, in the run's thread.
            while True:
                try:
                    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
                except InterruptedError:
                    continue
                except ChildProcessError:
                    pass  # reaped already
                return

        def deliver(_: object) -> None:
            try:
                token.run_sync_soon(self._exited.set)
            except trio_core.RunFinishedError:
                pass  # the run is over; poll() reaps it later

        start_thread_soon(blocking_wait, deliver, name=f"trio_subprocess waiting for {pid}")

    # ------------------------------------------------------------ signals

    def send_signal(self, sig: int) -> None:
        """Send signal ``sig`` to the child (only the child, even in a group).

        Does nothing once the child has been reaped (its pid may belong to
        another process by then).  On Linux the signal goes through the
        child's pidfd, so it cannot reach another process that reused the pid.
        Not a checkpoint.

        Args:
            sig: a signal number, e.g. ``signal.SIGHUP``.
        """
        if sys.platform == "linux" and self._pidfd is not None and self._popen.returncode is None:
            try:
                signal.pidfd_send_signal(self._pidfd, sig)
            except ProcessLookupError:
                pass  # it has exited (not yet reaped): nothing to signal
            return
        self._popen.send_signal(sig)

    def terminate(self) -> None:
        """Ask the child to exit: ``SIGTERM``.  See :meth:`send_signal`.  Not a checkpoint."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """Kill the child at once: ``SIGKILL``.  See :meth:`send_signal`.  Not a checkpoint."""
        self.send_signal(signal.SIGKILL)

    def signal_group(self, sig: int) -> None:
        """Send signal ``sig`` to every process of the child's process group.

        The group outlives its leader: this still reaches what is left of it
        after the child has exited.  Not a checkpoint.

        Args:
            sig: a signal number, e.g. ``signal.SIGTERM``.

        Raises:
            RuntimeError: if the child was not started with
                ``new_process_group=True`` (its group is ours: signalling it
                would signal this process too).
        """
        if self.process_group is None:
            raise RuntimeError(
                "this Process has no group of its own; start it with "
                "new_process_group=True, or use send_signal() to signal the child only"
            )
        try:
            os.killpg(self.process_group, sig)
        except ProcessLookupError:
            pass  # nobody is left in the group

    def group_members(self) -> list[int]:
        """The pids of the live processes in the child's process group (Linux only).

        Zombies (exited, not yet reaped by their parent) are not counted.
        Not a checkpoint.

        Returns:
            The pids; empty when the group is gone, or when the child has no
            group of its own (``new_process_group`` was not set).

        Raises:
            NotImplementedError: where there is no ``/proc`` to list them from.
        """
        if self.process_group is None:
            return []
        return _live_group_members(self.process_group)

    async def wait_group(self) -> None:
        """Wait until no live process is left in the child's process group.

        Returns at once if the child has no group of its own.  On Linux each
        member is waited for through a pidfd (no polling); elsewhere the
        group is polled with ``killpg(group, 0)``, a few times a second at
        most.  A checkpoint.
        """
        await checkpoint_if_cancelled()
        group = self.process_group
        if group is None:
            await cancel_shielded_checkpoint()
            return
        if not _HAS_PROC or not _HAS_PIDFD:
            delay = 0.001
            while True:
                try:
                    os.killpg(group, 0)
                except ProcessLookupError:
                    return await cancel_shielded_checkpoint()
                await trio_core.sleep(delay)
                delay = min(delay * 2, 0.1)
        while members := _live_group_members(group):
            for pid in members:
                try:
                    pidfd = os.pidfd_open(pid)
                except ProcessLookupError:
                    continue
                try:
                    if _group_of(pid) == group:  # not a pid reused meanwhile
                        await wait_readable(pidfd)
                finally:
                    notify_closing(pidfd)
                    os.close(pidfd)
        await cancel_shielded_checkpoint()

    # ------------------------------------------------------------ output

    def lines(
        self,
        stream: Literal["stdout", "stderr"] = "stdout",
        *,
        delimiter: bytes = b"\n",
        max_bytes: int | None = None,
        keep_delimiter: bool = False,
    ) -> AsyncIterator[bytes]:
        """``async for line in process.lines():`` the child's output, line by line.

        The same as ``process.stdout.lines(..., allow_unterminated=True)``
        (:meth:`trio_streams.BufferedRecvStream.lines`): a last line without
        a delimiter, as ``printf`` leaves, is yielded too.  Iteration ends at
        the end of the stream (the child closed it, usually by exiting); it
        does not close the stream, and breaking out of it loses nothing (the
        rest stays buffered in ``process.stdout``).  Not a checkpoint itself;
        each step is.

        Args:
            stream: ``"stdout"`` (the default) or ``"stderr"``; it must be a pipe.
            delimiter: what ends a line (default ``b"\n"``).
            max_bytes: the longest line accepted, delimiter included (default
                and maximum: 1 MiB, the reader's buffer).
            keep_delimiter: keep each line's delimiter (default: remove it).

        Returns:
            An async iterator of :class:`bytes` lines.

        Raises:
            ValueError: if the stream is not a pipe (``stdout=subprocess.PIPE``
                was not given), or for bad ``delimiter`` / ``max_bytes`` values.
            trio_streams.MessageTooLongError: while iterating, for a line
                longer than ``max_bytes``.
        """
        if stream not in ("stdout", "stderr"):
            raise ValueError(f"stream must be 'stdout' or 'stderr', got {stream!r}")
        source = self.stdout if stream == "stdout" else self.stderr
        if source is None:
            raise ValueError(
                f"this Process's {stream} is not a pipe; start it with "
                f"{stream}=subprocess.PIPE to read its lines"
            )
        return source.lines(
            delimiter, max_bytes=max_bytes, keep_delimiter=keep_delimiter, allow_unterminated=True
        )

    # ------------------------------------------------------------ closing

    def _streams(self) -> list[AsyncResource]:
        return [s for s in (self.stdin, self.stdout, self.stderr) if s is not None]

    def forceful_close(self) -> None:
        """Close the pipes to the child, without waiting for it.  Not a checkpoint.

        The child keeps running; :meth:`wait` (or :meth:`graceful_close`)
        still reaps it.
        """
        for stream in self._streams():
            stream.forceful_close()

    async def graceful_close(self) -> None:
        """Close the pipes, then wait for the child to exit.  A checkpoint.

        Closing its stdin usually tells a child that it is done.  If this is
        cancelled, the child is killed (``SIGKILL``) and still reaped before
        :exc:`~trio_core.Cancelled` propagates.
        """
        try:
            for stream in self._streams():
                await stream.graceful_close()
            await self.wait()
        finally:
            if self.poll() is None:
                self.kill()
                with trio_core.CancelScope(shield=True):
                    await self.wait()


def _group_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == b"Z":
        return None
    return int(fields[2])


def _live_group_members(group: int) -> list[int]:
    if not _HAS_PROC:
        raise NotImplementedError("listing a process group needs /proc (Linux)")
    return [int(n) for n in os.listdir("/proc") if n.isdigit() and _group_of(int(n)) == group]


def _make_pipe(child_reads: bool) -> tuple[FdStream, int]:
    """Our end as an FdStream, and the child's end as a bare fd."""
    r, w = os.pipe()
    ours, theirs = (w, r) if child_reads else (r, w)
    try:
        return FdStream(ours), theirs
    except BaseException:
        os.close(r)
        os.close(w)
        raise


async def open_process(
    command: Command,
    *,
    stdin: Redirect = None,
    stdout: Redirect = None,
    stderr: Redirect = None,
    new_process_group: bool = False,
    **options: Any,
) -> Process:
    """Start a child process and return it, without waiting for it.

    Exposed as ``trio.lowlevel.open_process``.  The caller owns the
    :class:`Process`: it must be waited for (``await process.wait()``, or
    ``async with process:``), or the child is left unreaped.
    :func:`~trio_subprocess.run_process` is the structured way that always
    reaps.  A checkpoint (before the child starts).

    Args:
        command: a sequence (``["ls", "-l"]``), or one string if ``shell=True``.
        stdin: ``subprocess.PIPE`` for a :attr:`Process.stdin` stream,
            ``subprocess.DEVNULL``, a file descriptor or file object, or ``None``
            (inherit ours; the default).
        stdout: the same, for :attr:`Process.stdout`.
        stderr: the same, for :attr:`Process.stderr`; also
            ``subprocess.STDOUT`` (into the child's stdout).
        new_process_group: start the child as the leader of a new process
            group (:attr:`Process.process_group`), so that
            :meth:`Process.signal_group` (and ``run_process``'s cancellation)
            reaches everything it starts, such as the processes of a shell
            pipeline.  Also keeps Control-C at the terminal from reaching it.
        **options: the options of :class:`subprocess.Popen` that make sense
            here (``cwd``, ``env``, ``shell``, ``executable``, ``pass_fds``,
            ``start_new_session``, ``process_group``, ...); not the text-mode
            ones (the pipes are byte streams).

    Returns:
        The running :class:`Process`.

    Raises:
        ValueError: for a string command without ``shell=True``, a sequence
            with it, an empty command, or ``new_process_group`` with
            ``process_group``.
        TypeError: for an unknown option, or a text-mode one (``text``,
            ``encoding``...).
        FileNotFoundError: if the program or the ``cwd`` does not exist (from
            the child's failed ``exec``, raised here; a note says which).
        OSError: if the child could not be started otherwise.
    """
    _check_options(options)
    _check_command(command, bool(options.get("shell")))
    if new_process_group:
        if options.get("process_group") not in (None, 0):
            raise ValueError(
                "new_process_group=True starts the child in a group of its own; "
                "do not also pass process_group"
            )
        options["process_group"] = 0
    await trio_core.lowlevel.checkpoint()

    ours: list[FdStream] = []
    theirs: list[int] = []
    redirects: dict[str, Redirect] = {"stdin": stdin, "stdout": stdout, "stderr": stderr}
    streams: dict[str, FdStream | None] = {"stdin": None, "stdout": None, "stderr": None}
    try:
        for name, target in redirects.items():
            if target == subprocess.PIPE:
                stream, child_end = _make_pipe(child_reads=name == "stdin")
                ours.append(stream)
                theirs.append(child_end)
                streams[name] = stream
                redirects[name] = child_end
        try:
            # Blocking, briefly: fork/exec, then Popen reads the child's exec
            # status (so that a missing program raises here, in the parent).
            popen = subprocess.Popen(command, **redirects, **options)  # type: ignore[call-overload]  # noqa: ASYNC220
        except OSError as exc:
            _add_context_to_spawn_error(exc, command, options)
            raise
    except BaseException:
        for stream in ours:
            stream.forceful_close()
        raise
    finally:
        for fd in theirs:
            os.close(fd)
    stdout_pipe, stderr_pipe = streams["stdout"], streams["stderr"]
    return Process(
        popen,
        streams["stdin"],
        BufferedRecvStream(stdout_pipe, max_buffer_size=_READER_BUFFER)
        if stdout_pipe is not None
        else None,
        BufferedRecvStream(stderr_pipe, max_buffer_size=_READER_BUFFER)
        if stderr_pipe is not None
        else None,
        popen.pid if new_process_group or options.get("process_group") == 0 else None,
    )
