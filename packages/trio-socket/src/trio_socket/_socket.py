"""trio sockets: the standard ``socket`` object made async, per the seed.

Every I/O method follows one pattern: check for cancellation, try the
syscall on the non-blocking socket at once, and only if it would block wait
for readiness (``wait_readable`` / ``wait_writable``) and retry.  An
operation that completed without waiting still yields to the scheduler
(``cancel_shielded_checkpoint``), so each one is a full checkpoint.

The address rules (numeric addresses only; how ``resolve_*_address``
resolve) live in ``_resolve``; the functions that make sockets, in
``_functions``.
"""

from __future__ import annotations

import errno
import functools
import os
import select
import socket as _stdlib_socket
import sys
from collections.abc import Awaitable, Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, final

from trio_core import BusyResourceError, ClosedResourceError
from trio_core.lowlevel import (
    cancel_shielded_checkpoint,
    checkpoint,
    checkpoint_if_cancelled,
    notify_closing,
    wait_readable,
    wait_writable,
)

from . import _sending
from ._resolve import Address, check_numeric, resolve_address

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

T = TypeVar("T")

__all__ = ["SocketType"]


#: SocketType methods that exist on the standard socket but raise here (see
#: the ``_unsupported`` attributes of SocketType); ``dir()`` leaves them out.
_REFUSED = frozenset({"setblocking", "settimeout", "makefile", "connect_ex"})


def _unsupported(name: str, why: str) -> Callable[..., NoReturn]:
    def method(self: SocketType, *args: object, **kwargs: object) -> NoReturn:
        raise AttributeError(f"trio sockets do not support {name}(): {why}")

    method.__name__ = name
    method.__doc__ = (
        f"Not supported: {why}.\n\n"
        f"Not a checkpoint.  It takes any ``*args`` and ``**kwargs`` only to refuse them.\n\n"
        f"Raises:\n    AttributeError: always."
    )
    return method


@final
class _BindDone:
    """What :meth:`SocketType.bind` returns: the bind has already happened.

    Awaiting it (modern Trio's ``await sock.bind(address)``) returns None at
    once; not awaiting it (the seed's ``sock.bind(address)``) is just as
    fine, since it is not a coroutine.  Not a checkpoint.
    """

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        """Finish at once, returning None: the bind was done by the call."""
        yield from ()

    def __repr__(self) -> str:
        return "<trio_socket bind done>"


_BIND_DONE = _BindDone()


def _v6only(sock: _stdlib_socket.socket) -> bool:
    # Whether an IPv6 socket refuses IPv4 peers (then no IPv4-mapped addresses).
    if sock.family != _stdlib_socket.AF_INET6:
        return False
    try:
        return bool(sock.getsockopt(_stdlib_socket.IPPROTO_IPV6, _stdlib_socket.IPV6_V6ONLY))
    except OSError:
        return False  # closed, or a platform without the option: let getaddrinfo decide


class SocketType:
    """A trio socket: the standard socket's API, with blocking methods made async.

    Differences from the standard library (see the seed):

    * ``setblocking``, ``settimeout``, ``makefile`` and ``connect_ex`` are
      not supported;
    * :meth:`sendall` is the way to send on a stream socket; :meth:`send`
      (which may send only part of the data) is there for code written for
      modern Trio;
    * it acts like a blocking socket, so ``getblocking()`` is True and
      ``gettimeout()`` / ``timeout`` are None (the standard socket underneath
      is non-blocking, but that is trio's business);
    * ``sendmsg_afalg`` (Linux) is async, like the other send methods;
    * ``bind``, ``connect``, ``sendto`` and ``sendmsg`` take only numeric
      addresses: resolve names first with :meth:`resolve_local_address` /
      :meth:`resolve_remote_address`;
    * ``bind`` binds during the call, and its result may also be awaited
      (``await sock.bind(address)``, as in modern Trio);
    * every other method and attribute is the standard socket's.

    Get one from :func:`socket`, :func:`socketpair`, :func:`fromfd`,
    :func:`from_stdlib_socket` or :meth:`accept`; do not instantiate it.
    """

    __slots__ = ("_sock", "_did_shutdown_SHUT_WR", "__weakref__")
    _sock: _stdlib_socket.socket
    _did_shutdown_SHUT_WR: bool

    def __init__(self) -> None:
        """Not public: get a socket from :func:`socket` and friends.

        As in modern Trio, a subclass (a fake socket that a
        :class:`SocketFactory` returns in tests, say) may call it; it does
        nothing then, and the subclass provides the methods it needs.

        Raises:
            TypeError: when called for ``SocketType`` itself.
        """
        if type(self) is SocketType:
            raise TypeError(
                "SocketType has no public constructor: use trio_socket.socket(), socketpair(), "
                "fromfd() or from_stdlib_socket()"
            )

    @classmethod
    def _wrap(cls, sock: _stdlib_socket.socket) -> SocketType:
        self = object.__new__(cls)
        sock.setblocking(False)
        self._sock = sock
        self._did_shutdown_SHUT_WR = False
        return self

    def __repr__(self) -> str:
        return repr(self._sock).replace("socket.socket", "trio_socket.SocketType", 1)

    # -- plain delegation

    def __getattr__(self, name: str) -> Any:
        # Everything the seed leaves as it is comes from the standard socket.
        if name == "_sock":
            raise AttributeError(
                f"{type(self).__qualname__} has no standard socket underneath (a SocketType "
                f"subclass made without one must define the methods it is used with)"
            )
        return getattr(self._sock, name)

    def __dir__(self) -> Iterable[str]:
        names = set(dir(self._sock)) | set(dir(type(self)))
        return sorted(names - _REFUSED)

    def __enter__(self) -> SocketType:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def family(self) -> int:
        """The address family (``AF_INET``, ``AF_INET6``, ``AF_UNIX``, ...)."""
        return self._sock.family

    @property
    def type(self) -> int:
        """The socket type (``SOCK_STREAM``, ``SOCK_DGRAM``, ...)."""
        return self._sock.type

    @property
    def proto(self) -> int:
        """The protocol number."""
        return self._sock.proto

    def fileno(self) -> int:
        """The file descriptor (-1 once closed).  Not a checkpoint."""
        return self._sock.fileno()

    def getsockopt(self, level: int, optname: int, buflen: int | None = None) -> Any:
        """Get a socket option, like :meth:`socket.socket.getsockopt`.  Not a checkpoint.

        Args:
            level: the protocol level, e.g. ``SOL_SOCKET``.
            optname: the option, e.g. ``SO_REUSEADDR``.
            buflen: if given, return the option as bytes of at most this
                length; otherwise as an int.

        Raises:
            OSError: if the option cannot be read.
        """
        if buflen is None:
            return self._sock.getsockopt(level, optname)
        return self._sock.getsockopt(level, optname, buflen)

    def setsockopt(self, level: int, optname: int, value: Any, optlen: int | None = None) -> None:
        """Set a socket option, like :meth:`socket.socket.setsockopt`.  Not a checkpoint.

        Args:
            level: the protocol level, e.g. ``SOL_SOCKET``.
            optname: the option, e.g. ``SO_REUSEADDR``.
            value: an int, a bytes-like object, or None (then ``optlen`` is
                required).
            optlen: the option length, for a ``value`` of None.

        Raises:
            OSError: if the option cannot be set.
        """
        if optlen is None:
            self._sock.setsockopt(level, optname, value)
        else:
            self._sock.setsockopt(level, optname, value, optlen)

    def listen(self, backlog: int = min(_stdlib_socket.SOMAXCONN, 128)) -> None:
        """Start listening for connections, like :meth:`socket.socket.listen`.

        Not a checkpoint.

        Args:
            backlog: the most unaccepted connections to queue (default
                ``min(SOMAXCONN, 128)``).

        Raises:
            OSError: if the socket cannot listen.
        """
        self._sock.listen(backlog)

    def getsockname(self) -> Any:
        """This socket's own address, like :meth:`socket.socket.getsockname`.

        Not a checkpoint.

        Raises:
            OSError: if the socket is closed.
        """
        return self._sock.getsockname()

    def getpeername(self) -> Any:
        """The connected peer's address, like :meth:`socket.socket.getpeername`.

        Not a checkpoint.

        Raises:
            OSError: if the socket is not connected.
        """
        return self._sock.getpeername()

    def shutdown(self, how: int) -> None:
        """Shut down one or both halves of the connection, like
        :meth:`socket.socket.shutdown`.  Not a checkpoint.

        Args:
            how: ``SHUT_RD``, ``SHUT_WR`` or ``SHUT_RDWR``.

        Raises:
            OSError: if the socket is not connected.
        """
        self._sock.shutdown(how)
        if how in (_stdlib_socket.SHUT_WR, _stdlib_socket.SHUT_RDWR):
            self._did_shutdown_SHUT_WR = True

    @property
    def did_shutdown_SHUT_WR(self) -> bool:
        """Whether :meth:`shutdown` has shut down the sending half (``SHUT_WR``
        or ``SHUT_RDWR``), as modern Trio's sockets say; stream code uses it
        to make ``send_eof`` idempotent."""
        return self._did_shutdown_SHUT_WR

    def is_readable(self) -> bool:
        """Whether :meth:`recv` would return at once: data, the end of the
        stream or an error is waiting (modern Trio's ``is_readable``).

        It does not wait.  HTTP clients use it to see whether an idle
        connection was closed by the peer.  Not a checkpoint.

        Raises:
            OSError: ``EBADF`` if the socket is closed, as the standard
                socket's methods say.
        """
        if self._sock.fileno() == -1:
            raise OSError(errno.EBADF, "is_readable() on a closed socket")
        poller = select.poll()
        poller.register(self._sock, select.POLLIN)
        return bool(poller.poll(0))

    async def wait_writable(self) -> None:
        """Wait until this socket can take data to send (modern Trio's
        ``wait_writable``; ``trio_core.lowlevel.wait_writable`` on this socket).

        A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task already waits to send.
            trio_core.ClosedResourceError: if the socket is closed while waiting.
        """
        await checkpoint_if_cancelled()
        try:
            await wait_writable(self._sock)  # the function from trio_core.lowlevel
        except (ClosedResourceError, BusyResourceError):
            # Refused at once (before waiting): still a checkpoint.
            await cancel_shielded_checkpoint()
            raise

    def detach(self) -> int:
        """Like :meth:`socket.socket.detach`: the socket object no longer owns the fd.

        Returns the file descriptor.  Not a checkpoint.
        """
        return self._sock.detach()

    def dup(self) -> SocketType:
        """A trio socket on a duplicate of this socket's file descriptor.

        Not a checkpoint.

        Raises:
            OSError: if the descriptor cannot be duplicated.
        """
        return SocketType._wrap(self._sock.dup())

    def close(self) -> None:
        """Close the socket.  Tasks blocked on it wake with ClosedResourceError.

        Idempotent; not a checkpoint.
        """
        if self._sock.fileno() != -1:
            try:
                notify_closing(self._sock)
            except RuntimeError:
                pass  # outside of a run: nobody can be waiting
        self._sock.close()

    setblocking = _unsupported(
        "setblocking",
        "trio sockets always act like blocking ones; to do several things at once, "
        "use several tasks",
    )
    settimeout = _unsupported(
        "settimeout", "use cancel scopes instead (trio_core.move_on_after / fail_after)"
    )
    makefile = _unsupported(
        "makefile", "Python's file API is synchronous; use a stream (trio_streams.SocketStream)"
    )
    connect_ex = _unsupported(
        "connect_ex",
        "it is synchronous, would resolve a hostname with a blocking DNS lookup, and "
        "cannot wait for a connection to complete; use `await sock.connect(address)` "
        "(it raises OSError with the errno connect_ex would return)",
    )

    def getblocking(self) -> bool:
        """True: a trio socket acts like a blocking socket (its I/O methods wait).

        The standard socket underneath is non-blocking; only trio sees that.
        Not a checkpoint.
        """
        return True

    def gettimeout(self) -> None:
        """None, as for a blocking socket: trio sockets have no timeouts
        (use cancel scopes, e.g. ``trio_core.move_on_after``).  Not a checkpoint."""
        return None

    @property
    def timeout(self) -> None:
        """None, as :meth:`gettimeout` says."""
        return None

    # -- addresses

    async def resolve_local_address(self, address: Address) -> Address:
        """Resolve ``address`` into a numeric address for :meth:`bind`.  A checkpoint.

        Follows this socket's family (an IPv6 socket gets IPv6 or IPv4-mapped
        addresses); a host of ``None`` or ``""`` means the wildcard address.
        The port is a number or a service name (``"http"``), as in the
        standard library's resolution.

        Raises:
            socket.gaierror: if the host cannot be resolved (the message names it).
            ValueError: if ``address`` is malformed, or its port is neither an
                int nor a service name, or is a number outside 0-65535.
        """
        sock = self._sock
        return await resolve_address(
            sock.family, sock.type, sock.proto, address, local=True, v6only=_v6only(sock)
        )

    async def resolve_remote_address(self, address: Address) -> Address:
        """Resolve ``address`` into a numeric address for :meth:`connect` and
        friends.  A checkpoint.

        Follows this socket's family (an IPv6 socket gets IPv6 or IPv4-mapped
        addresses); a host of ``None`` means localhost.  The port is a number
        or a service name: ``("1.2.3.4", "http")`` gives ``("1.2.3.4", 80)``.

        Raises:
            socket.gaierror: if the host cannot be resolved (the message names it).
            ValueError: if ``address`` is malformed, or its port is neither an
                int nor a service name, or is a number outside 0-65535.
        """
        sock = self._sock
        return await resolve_address(
            sock.family, sock.type, sock.proto, address, local=False, v6only=_v6only(sock)
        )

    def bind(self, address: Address) -> Awaitable[None]:
        """Bind to ``address``, which must be numeric (see :meth:`resolve_local_address`).

        The bind happens during the call, as the seed's synchronous
        ``sock.bind(address)`` does.  The return value may also be awaited,
        as in modern Trio's ``await sock.bind(address)``: awaiting it does
        nothing more (the bind is done, its errors already raised), and not
        awaiting it is fine too (no "never awaited" warning).  Not a
        checkpoint, awaited or not.

        Args:
            address: the numeric address, e.g. ``("127.0.0.1", 0)``, or a
                path for an ``AF_UNIX`` socket.

        Returns:
            An awaitable that does nothing when awaited.

        Raises:
            ValueError: if the address holds a hostname, or a port outside 0-65535.
            TypeError: if the port is not an int (resolve a service name first).
            OSError: if the address cannot be bound (in use, say).
        """
        self._sock.bind(check_numeric(self._sock.family, address, "bind", "resolve_local_address"))
        return _BIND_DONE

    # -- I/O

    async def _io(
        self, wait: Callable[[Any], Awaitable[None]], fn: Callable[..., T], *args: Any
    ) -> T:
        # The first attempt, at once: whether it succeeds or fails (a bad
        # argument, a closed socket...), the call is a full checkpoint.
        await checkpoint_if_cancelled()
        try:
            result = fn(*args)
        except BlockingIOError:
            pass
        except BaseException:
            await cancel_shielded_checkpoint()
            raise
        else:
            await cancel_shielded_checkpoint()
            return result
        sock = self._sock
        while True:
            await wait(sock)
            try:
                return fn(*args)
            except BlockingIOError:
                pass

    async def connect(self, address: Address) -> None:
        """Connect to ``address``, which must be numeric (see :meth:`resolve_remote_address`).

        A checkpoint.  If cancelled once the connection attempt has begun
        (which the OS cannot undo), the socket is closed and Cancelled is
        raised: throw the socket away and make a new one.

        Raises:
            ValueError: if the address holds a hostname, or a port outside 0-65535.
            TypeError: if the port is not an int (resolve a service name first).
            OSError: if the connection fails (the message names the address).
        """
        await checkpoint_if_cancelled()
        sock = self._sock
        try:
            address = check_numeric(sock.family, address, "connect", "resolve_remote_address")
            sock.connect(address)
        except BlockingIOError:
            pass
        except BaseException:
            await cancel_shielded_checkpoint()  # a checkpoint even when it fails at once
            raise
        else:
            await cancel_shielded_checkpoint()
            return
        try:
            await wait_writable(sock)
        except BaseException:
            self.close()
            raise
        error = sock.getsockopt(_stdlib_socket.SOL_SOCKET, _stdlib_socket.SO_ERROR)
        if error:
            raise OSError(error, f"error connecting to {address!r}: {os.strerror(error)}")

    async def accept(self) -> tuple[SocketType, Address]:
        """Accept a connection: ``(trio socket, address)``.  A checkpoint.

        Raises:
            OSError: if the accept fails.
        """
        sock, address = await self._io(wait_readable, self._sock.accept)
        return SocketType._wrap(sock), address

    async def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """Receive up to ``bufsize`` bytes (``b""`` at end of stream).  A checkpoint.

        Args:
            bufsize: the most bytes to receive.
            flags: ``MSG_*`` flags, as for :meth:`socket.socket.recv` (default 0).

        Raises:
            ValueError: if ``bufsize`` is negative.
            OSError: if the receive fails.
        """
        await checkpoint_if_cancelled()
        sock = self._sock
        try:
            data = sock.recv(bufsize, flags)
        except BlockingIOError:
            pass
        except BaseException as exc:
            await cancel_shielded_checkpoint()  # a checkpoint even when it fails at once
            if isinstance(exc, OverflowError) and isinstance(bufsize, int) and bufsize < 0:
                # The standard library says this for small negative sizes only.
                raise ValueError(f"negative buffersize in recv: {bufsize}") from None
            raise
        else:
            await cancel_shielded_checkpoint()
            return data
        while True:
            await wait_readable(sock)
            try:
                return sock.recv(bufsize, flags)
            except BlockingIOError:
                pass

    async def recv_into(self, buffer: WriteableBuffer, nbytes: int = 0, flags: int = 0) -> int:
        """Receive into ``buffer``; returns the byte count.  A checkpoint.

        Args:
            buffer: a writable bytes-like object.
            nbytes: the most bytes to receive (0: the size of ``buffer``).
            flags: ``MSG_*`` flags, as for :meth:`socket.socket.recv_into`.

        Raises:
            OSError: if the receive fails.
        """
        return await self._io(wait_readable, self._sock.recv_into, buffer, nbytes, flags)

    async def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, Address]:
        """Receive a datagram: ``(data, address)``.  A checkpoint.

        Args:
            bufsize: the most bytes to receive.
            flags: ``MSG_*`` flags, as for :meth:`socket.socket.recvfrom`.

        Raises:
            OSError: if the receive fails.
        """
        return await self._io(wait_readable, self._sock.recvfrom, bufsize, flags)

    async def recvfrom_into(
        self, buffer: WriteableBuffer, nbytes: int = 0, flags: int = 0
    ) -> tuple[int, Address]:
        """Receive a datagram into ``buffer``: ``(nbytes, address)``.  A checkpoint.

        Args:
            buffer: a writable bytes-like object.
            nbytes: the most bytes to receive (0: the size of ``buffer``).
            flags: ``MSG_*`` flags, as for :meth:`socket.socket.recvfrom_into`.

        Raises:
            OSError: if the receive fails.
        """
        return await self._io(wait_readable, self._sock.recvfrom_into, buffer, nbytes, flags)

    async def recvmsg(
        self, bufsize: int, ancbufsize: int = 0, flags: int = 0
    ) -> tuple[bytes, list[tuple[int, int, bytes]], int, Any]:
        """Receive data and ancillary data, like :meth:`socket.socket.recvmsg`.

        A checkpoint.

        Args:
            bufsize: the most bytes of data to receive.
            ancbufsize: the size of the buffer for ancillary data (default 0).
            flags: ``MSG_*`` flags (default 0).

        Returns:
            ``(data, ancdata, msg_flags, address)``.

        Raises:
            OSError: if the receive fails.
        """
        return await self._io(wait_readable, self._sock.recvmsg, bufsize, ancbufsize, flags)

    async def recvmsg_into(
        self, buffers: Iterable[WriteableBuffer], ancbufsize: int = 0, flags: int = 0
    ) -> tuple[int, list[tuple[int, int, bytes]], int, Any]:
        """Receive data into ``buffers`` and ancillary data, like
        :meth:`socket.socket.recvmsg_into`.  A checkpoint.

        Args:
            buffers: writable bytes-like objects, filled in order.
            ancbufsize: the size of the buffer for ancillary data (default 0).
            flags: ``MSG_*`` flags (default 0).

        Returns:
            ``(nbytes, ancdata, msg_flags, address)``.

        Raises:
            OSError: if the receive fails.
        """
        try:
            buffer_list = list(buffers)
        except BaseException:
            await checkpoint()  # a checkpoint even when it fails at once
            raise
        return await self._io(
            wait_readable, self._sock.recvmsg_into, buffer_list, ancbufsize, flags
        )

    async def sendto(self, data: ReadableBuffer, flags_or_address: Any, address: Any = None) -> int:
        """Send a datagram to a numeric address: ``sendto(data[, flags], address)``.
        A checkpoint.

        Args:
            data: the bytes-like object to send.
            flags_or_address: ``flags`` when ``address`` is given, else the
                address (with flags 0), as in the standard library.
            address: the destination address, numeric.

        Returns:
            The number of bytes sent.

        Raises:
            ValueError: if the address holds a hostname, or a port outside 0-65535.
            TypeError: if the port is not an int (resolve a service name first).
            OSError: if the send fails.
        """
        if address is None:
            flags, address = 0, flags_or_address
        else:
            flags = flags_or_address
        return await self._io(wait_writable, self._checked_sendto, data, flags, address)

    def _checked_sendto(self, data: ReadableBuffer, flags: int, address: Any) -> int:
        # Checked inside _io's first attempt, so that a refusal is a checkpoint too.
        address = check_numeric(self._sock.family, address, "sendto", "resolve_remote_address")
        return self._sock.sendto(data, flags, address)

    async def sendmsg(
        self,
        buffers: Iterable[ReadableBuffer],
        ancdata: Iterable[tuple[int, int, Any]] = (),
        flags: int = 0,
        address: Any = None,
    ) -> int:
        """Like :meth:`socket.socket.sendmsg`, with a numeric ``address``.  A checkpoint.

        Args:
            buffers: the data to send, as bytes-like objects.
            ancdata: ``(level, type, data)`` tuples of ancillary data (default none).
            flags: ``MSG_*`` flags (default 0).
            address: the destination, for an unconnected socket (default None).

        Returns:
            The number of bytes sent.

        Raises:
            ValueError: if the address holds a hostname, or a port outside 0-65535.
            TypeError: if the port is not an int (resolve a service name first).
            OSError: if the send fails.
        """
        try:
            buffers = list(buffers)
            ancdata = list(ancdata)
            if address is not None:
                address = check_numeric(
                    self._sock.family, address, "sendmsg", "resolve_remote_address"
                )
        except BaseException:
            await checkpoint()  # a checkpoint even when it fails at once
            raise
        if address is not None:
            return await self._io(
                wait_writable, self._sock.sendmsg, buffers, ancdata, flags, address
            )
        return await self._io(wait_writable, self._sock.sendmsg, buffers, ancdata, flags)

    if sys.platform == "linux":

        async def sendmsg_afalg(
            self,
            msg: Iterable[ReadableBuffer] = (),
            *,
            op: int,
            iv: Any = None,
            assoclen: int | None = None,
            flags: int = 0,
        ) -> int:
            """Like :meth:`socket.socket.sendmsg_afalg` (Linux ``AF_ALG`` sockets),
            but async: it waits while the kernel cannot take the data, where the
            non-blocking standard method would raise BlockingIOError.  A checkpoint.

            Args:
                msg: the data to send, as bytes-like objects.
                op: the operation, ``ALG_OP_ENCRYPT`` or ``ALG_OP_DECRYPT``.
                iv: the initialization vector, if any.
                assoclen: the length of associated data (AEAD), if any.
                flags: ``MSG_*`` flags (default 0).

            Returns:
                The number of bytes sent.

            Raises:
                OSError: if the send fails.
            """
            kwargs: dict[str, Any] = {"op": op, "flags": flags}
            if iv is not None:
                kwargs["iv"] = iv
            if assoclen is not None:
                kwargs["assoclen"] = assoclen
            try:
                msg_list = list(msg)
            except BaseException:
                await checkpoint()  # a checkpoint even when it fails at once
                raise
            return await self._io(
                wait_writable, functools.partial(self._sock.sendmsg_afalg, msg_list, **kwargs)
            )

    async def send(self, data: ReadableBuffer, flags: int = 0) -> int:
        """Send some of ``data``, waiting while the OS buffer is full; returns
        how many bytes the OS took.  A checkpoint.

        Prefer :meth:`sendall`.  ``send`` may take only part of the data (when
        the buffer has less room than ``data`` is long), and a caller that
        forgets to send the rest loses bytes without any error: the seed left
        ``send`` out for that reason.  It is here because code written for
        modern Trio (AnyIO's trio backend, for one) calls it and loops on the
        count itself.  Like every I/O method, it waits only while nothing at
        all can be sent.

        Args:
            data: the bytes-like object to send.
            flags: ``MSG_*`` flags, as for :meth:`socket.socket.send` (default 0).

        Returns:
            The number of bytes sent: at least 1 for non-empty ``data``.

        Raises:
            OSError: if the send fails.
        """
        return await self._io(wait_writable, self._sock.send, data, flags)

    # The seed's all-or-report sends live in _sending (no extra call: the same functions).
    sendall = _sending.sendall
    sendfile = _sending.sendfile
