"""FdStream: the stream API over a pipe or terminal file descriptor (Unix).

Design
------
A pipe or a tty cannot be driven through a socket object, so this stream
calls :func:`os.read` / :func:`os.write` on the raw descriptor, made
non-blocking, and parks in :func:`trio_core.lowlevel.wait_readable` /
:func:`~trio_core.lowlevel.wait_writable` when the kernel says "would
block".  The descriptor's original blocking mode is put back when the
stream closes it: ``O_NONBLOCK`` belongs to the open file description, which
a terminal (or an inherited pipe) shares with other processes, and leaving
it set would make *their* blocking reads fail with ``EAGAIN``.

One task at a time per direction (a second one gets
:exc:`~trio_core.BusyResourceError`); closing wakes any blocked task with
:exc:`~trio_core.ClosedResourceError` (through ``notify_closing``).  A
``sendall`` cancelled after part of its data went out breaks the stream, as
the rules of :mod:`trio_streams.abc` require.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import final

import trio_core
from trio_core.lowlevel import (
    cancel_shielded_checkpoint,
    checkpoint,
    checkpoint_if_cancelled,
    notify_closing,
    wait_readable,
    wait_writable,
)

from ._arguments import byte_view, check_max_bytes
from ._exceptions import BrokenStreamError
from .abc import Stream

__all__ = ["FdStream"]

# Errors of write() that mean "the reading end went away".
_BROKEN_ERRNOS = frozenset({errno.EPIPE, errno.ECONNRESET})
# The most bytes one write() hands the kernel: a pipe takes at most its
# buffer anyway, and slicing a huge memoryview costs nothing.
_MAX_WRITE = 1 << 20


@final
class FdStream(Stream):
    """A :class:`~trio_streams.abc.Stream` over a Unix file descriptor: a pipe,
    a FIFO or a terminal.

    The stream takes ownership of ``fd``: it makes it non-blocking, and
    closing the stream puts back its original blocking mode and closes it.
    (To keep a descriptor you still need, pass ``os.dup(fd)``.)  Regular
    files are refused: they are always "ready", so waiting on them would
    block the whole run; read them in a thread instead.

    ``send_eof`` on a pipe or FIFO closes it (the reader then sees the end
    of the stream; a pipe's write end has no receiving direction to keep);
    on a terminal it raises :exc:`NotImplementedError`.  Writing to a pipe
    whose reader has gone raises :exc:`BrokenStreamError`.

    This is what :func:`trio_subprocess.open_process` gives as a child's
    ``stdin``, ``stdout`` and ``stderr``.  Constructing it is not a
    checkpoint.

    Args:
        fd: an open file descriptor (an int) of a pipe, FIFO or terminal.

    Raises:
        TypeError: if ``fd`` is not an int.
        ValueError: if ``fd`` is negative, or refers to a regular file or a
            directory.
        OSError: if ``fd`` is not an open file descriptor (``EBADF``).
    """

    __slots__ = (
        "_fd",
        "_is_fifo",
        "_was_blocking",
        "_closed",
        "_broken",
        "_eof_sent",
        "_send_busy",
        "_recv_busy",
    )

    def __init__(self, fd: int) -> None:
        if isinstance(fd, bool) or not isinstance(fd, int):
            raise TypeError(
                f"FdStream needs a file descriptor as an int, got {fd!r}; "
                "pass the result of f.fileno() (and keep f from closing it)"
            )
        if fd < 0:
            raise ValueError(f"FdStream needs an open file descriptor, got {fd}")
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
            kind = "a regular file" if stat.S_ISREG(mode) else "a directory"
            raise ValueError(
                f"file descriptor {fd} is {kind}, which never blocks, so an FdStream "
                "cannot wait on it; read files in a thread (trio.to_thread.run_sync) instead"
            )
        self._fd = fd
        self._is_fifo = stat.S_ISFIFO(mode)
        self._was_blocking = os.get_blocking(fd)
        if self._was_blocking:
            os.set_blocking(fd, False)
        self._closed = False
        self._broken = False
        self._eof_sent = False
        self._send_busy = False
        self._recv_busy = False

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<trio_streams.FdStream fd={self._fd}{state}>"

    def fileno(self) -> int:
        """The file descriptor (still owned by this stream).  Not a checkpoint.

        Raises:
            trio_core.ClosedResourceError: if the stream was closed.
        """
        if self._closed:
            raise trio_core.ClosedResourceError("this FdStream was closed")
        return self._fd

    # ------------------------------------------------------------ errors

    def _busy(self, what: str) -> trio_core.BusyResourceError:
        return trio_core.BusyResourceError(
            f"another task is already in {what} of this FdStream; "
            "use one sending task and one receiving task per stream"
        )

    def _closed_error(self) -> trio_core.ClosedResourceError:
        return trio_core.ClosedResourceError("this FdStream was closed")

    def _translate(self, exc: OSError) -> Exception:
        if self._closed or exc.errno == errno.EBADF:
            closed = self._closed_error()
            closed.__suppress_context__ = True
            return closed
        error = BrokenStreamError(f"the pipe or terminal failed: {exc}")
        error.__cause__ = exc
        return error

    # ------------------------------------------------------------ sending

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        """Write all of ``data`` to the descriptor.  A checkpoint, even for ``b""``.

        Args:
            data: any bytes-like object.

        Raises:
            TypeError: if ``data`` is not a bytes-like object (nothing is sent).
            trio_core.BusyResourceError: if another task is sending on this stream.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
            BrokenStreamError: if the reader went away (``EPIPE``), or the
                descriptor failed; also for every ``sendall`` after one that was
                cancelled or failed part-way through.
        """
        view = byte_view(data, "FdStream.sendall")
        if self._send_busy:
            raise self._busy("sendall/wait_maybe_writable/send_eof")
        if self._closed:
            raise self._closed_error()
        if self._broken:
            raise BrokenStreamError(
                "this FdStream is broken: an earlier sendall failed or was cancelled "
                "part-way through, so the reader may have a truncated message"
            )
        self._send_busy = True
        try:
            await checkpoint_if_cancelled()
            yielded = False
            sent = 0
            total = len(view)
            with view:
                while sent < total:
                    if self._closed:
                        raise self._closed_error()
                    try:
                        sent += os.write(self._fd, view[sent : sent + _MAX_WRITE])
                    except BlockingIOError:
                        try:
                            await wait_writable(self._fd)
                        except BaseException:
                            if sent:
                                self._break()
                            raise
                        yielded = True
                    except OSError as exc:
                        if exc.errno in _BROKEN_ERRNOS or sent:
                            self._break()
                        raise self._translate(exc)
            if not yielded:
                await cancel_shielded_checkpoint()
        finally:
            self._send_busy = False

    def _break(self) -> None:
        # A truncated write (cancelled, or failed part-way) cannot be undone:
        # the reader would see the start of a message and then, maybe, more
        # data.  So the stream refuses to send again, as the ABC requires.
        self._broken = True

    async def wait_maybe_writable(self) -> None:
        """Wait until the descriptor can take data without blocking.  A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is sending on this stream.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
        """
        if self._send_busy:
            raise self._busy("sendall/wait_maybe_writable/send_eof")
        if self._closed:
            raise self._closed_error()
        self._send_busy = True
        try:
            await checkpoint_if_cancelled()
            await wait_writable(self._fd)
        finally:
            self._send_busy = False

    async def send_eof(self) -> None:
        """End the stream: on a pipe or FIFO, close the descriptor (the reader
        then receives ``b""`` after everything sent before).  Calling it again
        does nothing.  A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is sending on this stream.
            trio_core.ClosedResourceError: if the stream was closed (other than
                by ``send_eof``).
            NotImplementedError: on a terminal, which cannot end one direction;
                use ``graceful_close`` to close it.
        """
        if self._send_busy:
            raise self._busy("sendall/wait_maybe_writable/send_eof")
        if not self._is_fifo:
            raise NotImplementedError(
                "an FdStream over a terminal cannot end one direction only; "
                "call graceful_close() to close it"
            )
        if self._closed and not self._eof_sent:
            raise self._closed_error()
        self._eof_sent = True
        self.forceful_close()
        await checkpoint()

    # ------------------------------------------------------------ receiving

    async def recv(self, max_bytes: int) -> bytes:
        """Read up to ``max_bytes`` bytes (``b""`` at the end of the stream).  A checkpoint.

        Args:
            max_bytes: the most bytes to return; at least 1.

        Returns:
            The data; ``b""`` once the writer has closed its end (and on
            every call after that).

        Raises:
            TypeError: if ``max_bytes`` is not an int (nothing is consumed).
            ValueError: if ``max_bytes`` is less than 1 (nothing is consumed).
            trio_core.BusyResourceError: if another task is in ``recv``.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
            BrokenStreamError: if the descriptor failed.
        """
        max_bytes = check_max_bytes(max_bytes)
        if self._recv_busy:
            raise self._busy("recv")
        if self._closed:
            raise self._closed_error()
        self._recv_busy = True
        try:
            await checkpoint_if_cancelled()
            try:
                data = os.read(self._fd, max_bytes)
            except BlockingIOError:
                pass
            except OSError as exc:
                raise self._translate(exc)
            else:
                await cancel_shielded_checkpoint()
                return data
            while True:
                await wait_readable(self._fd)
                if self._closed:
                    raise self._closed_error()
                try:
                    return os.read(self._fd, max_bytes)
                except BlockingIOError:
                    pass
                except OSError as exc:
                    raise self._translate(exc)
        finally:
            self._recv_busy = False

    # ------------------------------------------------------------ closing

    def forceful_close(self) -> None:
        """Put back the descriptor's blocking mode and close it.  Tasks blocked
        in the stream wake with :exc:`~trio_core.ClosedResourceError`.
        Idempotent.  Not a checkpoint."""
        if self._closed:
            return
        self._closed = True
        fd = self._fd
        try:
            notify_closing(fd)
        except RuntimeError:
            pass  # no run is active, so no task can be waiting on it
        try:
            if self._was_blocking:
                os.set_blocking(fd, True)
        except OSError:
            pass  # closed behind our back: os.close reports it below
        finally:
            os.close(fd)

    def __del__(self) -> None:
        # An FdStream dropped without being closed still owns its descriptor:
        # close it (so nothing leaks), but say so, as files and sockets do.
        try:
            closed = self._closed
        except AttributeError:
            return  # __init__ failed before the descriptor was ours
        if not closed:
            import warnings

            self._closed = True
            warnings.warn(
                f"unclosed FdStream for file descriptor {self._fd}; close it with "
                "graceful_close() or `async with`",
                ResourceWarning,
                stacklevel=2,
                source=self,
            )
            try:
                if self._was_blocking:
                    os.set_blocking(self._fd, True)
                os.close(self._fd)
            except OSError:
                pass  # already closed behind our back: nothing left to leak
