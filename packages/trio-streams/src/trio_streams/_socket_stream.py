"""SocketStream and SocketListener: the stream API over trio_socket sockets."""

from __future__ import annotations

import errno
import os
import socket as _stdlib_socket
from typing import Any, final, overload

import trio_core
import trio_socket
from trio_core.lowlevel import checkpoint, checkpoint_if_cancelled, wait_writable

from ._arguments import check_max_bytes
from ._exceptions import BrokenStreamError
from .abc import HalfCloseableStream, Listener

__all__ = ["SocketStream", "SocketListener"]

# Errors that mean "this socket was closed (by us)".
_CLOSED_ERRNOS = frozenset({errno.EBADF, errno.ENOTSOCK})
# Errors from accept() that concern one incoming connection only (it was
# aborted before we got to it, or a firewall refused it): skip it and go on.
_SKIPPED_ACCEPT_ERRNOS = frozenset(
    {errno.ECONNABORTED, errno.EPROTO, errno.EPERM, getattr(errno, "ENOSR", errno.EPROTO)}
)
_IP_FAMILIES = (_stdlib_socket.AF_INET, _stdlib_socket.AF_INET6)
# At most this many 64 KiB reads of unread data before a graceful close.
_DISCARD_READS = 16


def _check_socket(sock: object, what: str) -> trio_socket.SocketType:
    if isinstance(sock, _stdlib_socket.socket):
        raise TypeError(
            f"{what} needs a trio socket, got a standard library socket: "
            "wrap it first with trio_socket.from_stdlib_socket(sock)"
        )
    if not isinstance(sock, trio_socket.SocketType):
        raise TypeError(f"{what} needs a trio_socket.SocketType, got {sock!r}")
    if sock.type != _stdlib_socket.SOCK_STREAM:
        raise ValueError(f"{what} needs a SOCK_STREAM socket, got one of type {sock.type!r}")
    return sock


@final
class SocketStream(HalfCloseableStream):
    """A :class:`~trio_streams.abc.HalfCloseableStream` over a connected
    ``SOCK_STREAM`` trio socket (TCP, or a Unix domain socket).

    ``send_eof`` shuts down the writing side (``shutdown(SHUT_WR)``);
    ``setsockopt`` / ``getsockopt`` pass through to the socket, which stays
    available as :attr:`socket`.  ``TCP_NODELAY`` is switched on for TCP
    sockets (small messages go out at once).  The stream owns the socket:
    closing one closes the other.

    A ``sendall`` cancelled after part of the data went out breaks the
    stream (later ``sendall`` calls raise :exc:`BrokenStreamError`); one
    cancelled before any byte went out leaves it usable.  Connection errors
    (reset, broken pipe, timeouts of the kernel) raise
    :exc:`BrokenStreamError` with the :exc:`OSError` as ``__cause__``.

    Args:
        socket: a connected ``SOCK_STREAM`` :class:`trio_socket.SocketType`.

    Raises:
        TypeError: if ``socket`` is not a trio socket (a standard library
            socket must be wrapped with :func:`trio_socket.from_stdlib_socket`).
        ValueError: if it is not a ``SOCK_STREAM`` socket.
    """

    __slots__ = ("socket", "_send_busy", "_recv_busy", "_closed", "_broken", "_eof_sent")

    socket: trio_socket.SocketType

    def __init__(self, socket: trio_socket.SocketType) -> None:
        self.socket = _check_socket(socket, "SocketStream")
        self._send_busy = False
        self._recv_busy = False
        self._closed = False
        self._broken: BaseException | None = None
        self._eof_sent = False
        if socket.family in _IP_FAMILIES:
            try:
                socket.setsockopt(_stdlib_socket.IPPROTO_TCP, _stdlib_socket.TCP_NODELAY, True)
            except OSError:
                pass  # not every stream socket in an IP family is TCP (SCTP, say)

    def __repr__(self) -> str:
        return f"<SocketStream {self.socket!r}>"

    # ------------------------------------------------------------ errors

    def _busy(self, what: str) -> trio_core.BusyResourceError:
        return trio_core.BusyResourceError(
            f"another task is already in {what} of this SocketStream; "
            "use one sending task and one receiving task per stream"
        )

    def _translate(self, exc: OSError) -> Exception:
        if self._closed or exc.errno in _CLOSED_ERRNOS:
            closed = trio_core.ClosedResourceError("this SocketStream was closed")
            closed.__suppress_context__ = True
            return closed
        error = BrokenStreamError(f"the connection failed: {exc}")
        error.__cause__ = exc
        return error

    def _check_sendable(self) -> None:
        if self._closed:
            raise trio_core.ClosedResourceError("this SocketStream was closed")
        if self._eof_sent:
            raise trio_core.ClosedResourceError(
                "can't send on this SocketStream after send_eof() (its sending side is shut down)"
            )
        if self._broken is not None:
            error = BrokenStreamError(
                "this SocketStream is broken: an earlier sendall failed or was cancelled "
                "part-way through"
            )
            raise error from self._broken

    # ------------------------------------------------------------ sending

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        """Send all of ``data``.  A checkpoint.

        Args:
            data: any bytes-like object (bytes, bytearray, memoryview, array...).

        Raises:
            TypeError: if ``data`` is not a bytes-like object (nothing is sent).
            trio_core.BusyResourceError: if another task is sending on this stream.
            trio_core.ClosedResourceError: if the stream was (or gets) closed, or
                ``send_eof`` was called.
            BrokenStreamError: if the connection failed, or an earlier
                ``sendall`` failed or was cancelled part-way through.
        """
        if self._send_busy:
            raise self._busy("sendall/wait_maybe_writable/send_eof")
        if self._closed or self._eof_sent or self._broken is not None:
            self._check_sendable()
        self._send_busy = True
        try:
            await self.socket.sendall(data)
        except OSError as exc:
            self._broken = exc
            raise self._translate(exc)
        except BaseException as exc:
            # Cancelled (or ClosedResourceError from a close while waiting):
            # if some of the data went out, the peer has a truncated message.
            partial = getattr(exc, "partial_result", None)
            if partial is None or partial.bytes_sent:
                self._broken = exc
            raise
        finally:
            self._send_busy = False

    async def wait_maybe_writable(self) -> None:
        """Wait until the socket's send buffer has room.  A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is sending on this stream.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
            BrokenStreamError: if the stream is broken.
        """
        if self._send_busy:
            raise self._busy("sendall/wait_maybe_writable/send_eof")
        self._check_sendable()
        self._send_busy = True
        try:
            await checkpoint_if_cancelled()
            await wait_writable(self.socket)
        finally:
            self._send_busy = False

    async def send_eof(self) -> None:
        """Shut down the sending side (``shutdown(SHUT_WR)``): the peer receives
        ``b""`` after the data sent so far; receiving still works.  Idempotent.
        A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is sending on this stream.
            trio_core.ClosedResourceError: if the stream was closed.
        """
        if self._send_busy:
            raise self._busy("sendall/wait_maybe_writable/send_eof")
        if self._closed:
            raise trio_core.ClosedResourceError("this SocketStream was closed")
        self._send_busy = True
        try:
            await checkpoint()
            if self._eof_sent or self._closed:
                if self._closed:
                    raise trio_core.ClosedResourceError("this SocketStream was closed")
                return
            self._eof_sent = True
            try:
                self.socket.shutdown(_stdlib_socket.SHUT_WR)
            except OSError as exc:
                # ENOTCONN: the connection is already gone, so the peer gets
                # no more data anyway.
                if exc.errno != errno.ENOTCONN:
                    raise self._translate(exc)
        finally:
            self._send_busy = False

    # ------------------------------------------------------------ receiving

    async def recv(self, max_bytes: int) -> bytes:
        """Receive up to ``max_bytes`` bytes (``b""`` at end of stream).  A checkpoint.

        Raises:
            TypeError: if ``max_bytes`` is not an int (nothing is consumed).
            ValueError: if ``max_bytes`` is less than 1 (nothing is consumed).
            trio_core.BusyResourceError: if another task is in ``recv``.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
            BrokenStreamError: if the connection failed (was reset, say).
        """
        if type(max_bytes) is not int or max_bytes < 1:
            max_bytes = check_max_bytes(max_bytes)
        if self._recv_busy:
            raise self._busy("recv")
        self._recv_busy = True
        try:
            return await self.socket.recv(max_bytes)
        except OSError as exc:
            raise self._translate(exc)
        finally:
            self._recv_busy = False

    # ------------------------------------------------------------ closing and options

    def forceful_close(self) -> None:
        """Close the socket.  Tasks blocked in the stream wake with
        :exc:`~trio_core.ClosedResourceError`.  Idempotent.  Not a checkpoint.

        If data the peer sent was never read, the kernel answers the close
        with a reset, and the peer loses whatever of *our* data it had not
        received yet; :meth:`graceful_close` avoids that.
        """
        self._closed = True
        self.socket.close()

    async def graceful_close(self) -> None:
        """Close the socket without a reset.  Never blocks.  Idempotent.  A checkpoint.

        A TCP socket closed while data it received is still unread makes the
        kernel send a reset instead of a normal end of stream, and a reset
        throws away our data still on its way to the peer (a TLS 1.3 client
        that never reads the server's session tickets, say, would lose the
        end of what it sent).  So this first discards (without waiting) what
        already arrived unread, then closes.  Tasks blocked in the stream wake
        with :exc:`~trio_core.ClosedResourceError`.
        """
        if not self._closed:
            self._discard_unread()
        self.forceful_close()
        await checkpoint()

    def _discard_unread(self) -> None:
        try:
            fd = self.socket.fileno()
        except (OSError, AttributeError):
            return
        if not isinstance(fd, int) or fd < 0:
            return
        # The socket is non-blocking: this reads only what is already there.
        # Bounded, in case the peer keeps sending as fast as we discard.
        for _ in range(_DISCARD_READS):
            try:
                if not os.read(fd, 65536):
                    return
            except OSError:
                return

    @overload
    def setsockopt(self, level: int, option: int, value: int | bytes) -> None: ...

    @overload
    def setsockopt(self, level: int, option: int, value: None, length: int) -> None: ...

    def setsockopt(
        self, level: int, option: int, value: int | bytes | None, length: int | None = None
    ) -> None:
        """Set a socket option, as :meth:`socket.socket.setsockopt` does.

        Args:
            level: ``IPPROTO_TCP``, ``SOL_SOCKET``...
            option: the option (``TCP_NODELAY``...).
            value: an int or bytes, or ``None`` together with ``length``.
            length: the option length, only with ``value=None``.

        Not a checkpoint.

        Raises:
            TypeError: if ``value`` is None without a ``length``, or a
                ``length`` comes with a ``value`` that is not None.
            OSError: if the operating system refuses.
        """
        if length is None:
            if value is None:
                raise TypeError("value=None needs a length (setsockopt(level, option, None, n))")
            self.socket.setsockopt(level, option, value)
        else:
            if value is not None:
                raise TypeError("length is only allowed with value=None")
            self.socket.setsockopt(level, option, value, length)

    def getsockopt(self, level: int, option: int, buffersize: int = 0) -> Any:
        """Read a socket option, as :meth:`socket.socket.getsockopt` does.

        Args:
            level: ``IPPROTO_TCP``, ``SOL_SOCKET``...
            option: the option.
            buffersize: 0 for an int result; otherwise the size of the bytes result.

        Not a checkpoint.

        Returns:
            An int, or bytes if ``buffersize`` is given.

        Raises:
            OSError: if the operating system refuses.
        """
        if buffersize == 0:
            return self.socket.getsockopt(level, option)
        return self.socket.getsockopt(level, option, buffersize)


@final
class SocketListener(Listener[SocketStream]):
    """A :class:`~trio_streams.abc.Listener` over a listening ``SOCK_STREAM``
    trio socket: :meth:`accept` returns a :class:`SocketStream`.

    Connections that fail between arriving and being accepted (aborted by the
    client, refused by a firewall) are skipped silently.  One task at a time
    may be in :meth:`accept`.  The listener owns the socket.

    Args:
        socket: a bound, listening ``SOCK_STREAM`` :class:`trio_socket.SocketType`.

    Raises:
        TypeError: if ``socket`` is not a trio socket.
        ValueError: if it is not ``SOCK_STREAM`` or not listening (call
            ``listen()`` first).
    """

    __slots__ = ("socket", "_closed", "_accepting")

    socket: trio_socket.SocketType

    def __init__(self, socket: trio_socket.SocketType) -> None:
        self.socket = _check_socket(socket, "SocketListener")
        self._closed = False
        self._accepting = False
        accepting = getattr(_stdlib_socket, "SO_ACCEPTCONN", None)
        if accepting is not None:
            try:
                listening = socket.getsockopt(_stdlib_socket.SOL_SOCKET, accepting)
            except OSError:
                listening = True
            if not listening:
                raise ValueError(
                    "SocketListener needs a listening socket: call sock.listen() first"
                )

    def __repr__(self) -> str:
        return f"<SocketListener {self.socket!r}>"

    async def accept(self) -> SocketStream:
        """Wait for a connection and return it as a :class:`SocketStream`.  A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is in ``accept``.
            trio_core.ClosedResourceError: if the listener was (or gets) closed.
            OSError: if accepting failed for a reason that concerns the whole
                process (out of file descriptors: ``EMFILE``, ``ENFILE``; out of
                memory: ``ENOBUFS``, ``ENOMEM``).  The listener stays usable;
                :func:`~trio_streams.serve_listeners` waits a little and retries.
        """
        if self._accepting:
            raise trio_core.BusyResourceError(
                "another task is already in accept() of this SocketListener; "
                "use one accepting task per listener"
            )
        self._accepting = True
        try:
            while True:
                if self._closed:
                    raise trio_core.ClosedResourceError("this SocketListener was closed")
                try:
                    sock, _address = await self.socket.accept()
                except OSError as exc:
                    if self._closed or exc.errno in _CLOSED_ERRNOS:
                        raise trio_core.ClosedResourceError(
                            "this SocketListener was closed"
                        ) from None
                    if exc.errno in _SKIPPED_ACCEPT_ERRNOS:
                        continue
                    raise
                return SocketStream(sock)
        finally:
            self._accepting = False

    def forceful_close(self) -> None:
        """Close the listening socket; tasks in :meth:`accept` wake with
        :exc:`~trio_core.ClosedResourceError`.  Idempotent.  Not a checkpoint."""
        self._closed = True
        self.socket.close()
