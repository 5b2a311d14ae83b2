"""High-level UDP: open_udp_socket, UDPSocket, serve_udp.

Design
------
A :class:`UDPSocket` is a datagram endpoint on top of :mod:`trio_socket`: it
sends and receives whole datagrams, each with its peer's address.  What it
adds to a raw ``SOCK_DGRAM`` trio socket:

* **Addresses are resolved for you**, once.  ``open_udp_socket`` takes host
  names for its local and remote addresses (the socket's family follows
  them), and :meth:`UDPSocket.send` takes a host name too (a numeric address
  goes straight to the kernel; anything else is looked up first, a thread
  and a checkpoint).
* **Connected and unconnected are one class.**  With ``remote_address``, the
  socket is connected: ``send(data)`` goes to the peer, only the peer's
  datagrams arrive, and an ICMP "port unreachable" reply surfaces from a later
  call as :exc:`ConnectionRefusedError` (the socket stays usable).
  Without it, every ``send`` names its destination.
* **Nothing is truncated.**  Every receive offers a 65,536-byte buffer, more
  than the largest UDP payload over IPv4 (65,507 bytes) or IPv6 without
  jumbograms (65,527), so a datagram always arrives whole.  A datagram too
  big to send raises :exc:`OSError` (``EMSGSIZE``) naming its size; UDP is
  never split into two datagrams.
* **It is a resource like the others**: ``async with`` closes it,
  ``forceful_close`` wakes a blocked task with
  :exc:`~trio_core.ClosedResourceError`, using it afterwards raises that too,
  and every operation is a checkpoint.  Any number of tasks may send at once
  (datagrams are atomic; a server's handlers all reply through one socket);
  one task at a time may receive (a second gets
  :exc:`~trio_core.BusyResourceError`, as on streams: which of two loops got
  a datagram would be chance).
* ``async for data, address in udp_socket`` receives forever (UDP has no end
  of stream); it ends with the error that stops it (closing the socket, say).
"""

from __future__ import annotations

import errno
import socket as _stdlib_socket
from collections.abc import Awaitable, Callable
from typing import Any, Final, NoReturn, Self, final

import trio_core
import trio_socket
from trio_core.lowlevel import checkpoint

from ._arguments import byte_view
from .abc import AsyncResource

__all__ = ["UDPSocket", "open_udp_socket", "serve_udp", "MAX_DATAGRAM_SIZE"]

#: The receive buffer of every :class:`UDPSocket`: more than any UDP payload
#: (without IPv6 jumbograms), so that no datagram is ever truncated.
MAX_DATAGRAM_SIZE: Final[int] = 65536

_IP_FAMILIES: Final = (_stdlib_socket.AF_INET, _stdlib_socket.AF_INET6)

Address = tuple[Any, ...]


def _check_address(address: object, what: str, *, local: bool) -> tuple[str | None, int]:
    if not isinstance(address, tuple) or len(address) not in (2, 4):
        raise TypeError(
            f"{what} must be a (host, port) tuple (or IPv6's (host, port, flowinfo, "
            f"scope_id)), got {address!r}"
        )
    host, port = address[0], address[1]
    if host is not None and not isinstance(host, str):
        raise TypeError(f"{what}: the host must be a str (or None), got {host!r}")
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError(f"{what}: the port must be an int, got {port!r}")
    if not local and not host:
        raise ValueError(
            f"{what}: the destination host is empty; name it, e.g. ('127.0.0.1', {port!r})"
        )
    low = 0 if local else 1
    if not low <= port <= 65535:
        hint = " (0, any free port, is only for a local address)" if port == 0 else ""
        raise ValueError(f"{what}: the port must be from {low} to 65535, got {port}{hint}")
    return host, port


def _numeric_family(host: str | None) -> int | None:
    if not host:
        return None
    for family in _IP_FAMILIES:
        try:
            _stdlib_socket.inet_pton(family, host.partition("%")[0])
        except (OSError, ValueError):
            continue
        return family
    return None


@final
class UDPSocket(AsyncResource):
    """A UDP endpoint: send and receive datagrams, each with its peer's address.

    Made by :func:`open_udp_socket` (it has no public constructor).
    ``async for data, address in udp_socket:`` receives datagrams until an
    error (closing the socket ends it with
    :exc:`~trio_core.ClosedResourceError`).  Closing is synchronous and
    immediate (``async with`` does it on the way out).
    """

    __slots__ = ("_socket", "_remote", "_receiving", "_closed")

    def __init__(self, sock: trio_socket.SocketType, remote: Address | None) -> None:
        self._socket = sock
        self._remote = remote
        self._receiving = False
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"on {self._local()!r}"
        peer = f" connected to {self._remote!r}" if self._remote is not None else ""
        return f"<UDPSocket {state}{peer}>"

    def _local(self) -> Address | None:
        try:
            return tuple(self._socket.getsockname())
        except OSError:
            return None

    @property
    def socket(self) -> trio_socket.SocketType:
        """The trio socket underneath (for socket options; do not read from it)."""
        return self._socket

    @property
    def family(self) -> int:
        """The address family: ``socket.AF_INET`` or ``socket.AF_INET6``."""
        return self._socket.family

    @property
    def local_address(self) -> Address:
        """The address this socket is bound to (with the port the system picked for 0).

        Raises:
            trio_core.ClosedResourceError: if the socket was closed.
        """
        self._check_open()
        return tuple(self._socket.getsockname())

    @property
    def remote_address(self) -> Address | None:
        """The peer's numeric address if this socket is connected, else None."""
        return self._remote

    def _check_open(self) -> None:
        if self._closed:
            raise trio_core.ClosedResourceError("this UDPSocket was closed")

    async def send(
        self, data: bytes | bytearray | memoryview, address: tuple[Any, ...] | None = None
    ) -> None:
        """Send ``data`` as one datagram: to ``address``, or to the peer if connected.

        A host name in ``address`` is resolved first (in a thread); a numeric
        address is used as is.  Returns once the kernel has taken the whole
        datagram; UDP does not say whether it arrived.  A checkpoint.  Any
        number of tasks may send at once.

        Args:
            data: the datagram (any bytes-like object; ``b""`` is a valid, empty one).
            address: ``(host, port)`` (IPv6: optionally ``(host, port, flowinfo,
                scope_id)``) on an unconnected socket; leave it out on a
                connected one.

        Raises:
            TypeError: if ``data`` is not bytes-like, or ``address`` is malformed.
            ValueError: if ``address`` is missing on an unconnected socket, given
                on a connected one, or its port is out of range.
            socket.gaierror: if the host name cannot be resolved.
            trio_core.ClosedResourceError: if the socket was (or gets) closed.
            OSError: ``EMSGSIZE`` if the datagram is too large (the message
                gives its size); :exc:`ConnectionRefusedError` on a connected
                socket whose peer answered an earlier datagram with "port
                unreachable"; any other error of the kernel's ``send``.
        """
        view = byte_view(data, "UDPSocket.send")
        if self._remote is not None:
            if address is not None:
                raise ValueError(
                    f"this UDPSocket is connected to {self._remote!r}: call send(data) "
                    "without an address (or open an unconnected socket to send anywhere)"
                )
            self._check_open()
            await self._io(self._socket.sendall, view, size=len(view))
            return
        if address is None:
            raise ValueError(
                "this UDPSocket is not connected: pass the destination, send(data, (host, port)) "
                "(or open it with remote_address=... to send to one peer)"
            )
        host, _port = _check_address(address, "send()'s address", local=False)
        self._check_open()
        if _numeric_family(host) != self._socket.family:
            address = await self._resolve_remote(address)
        await self._io(self._socket.sendto, view, address, size=len(view))

    async def _resolve_remote(self, address: Address) -> Address:
        resolved = await self._socket.resolve_remote_address(address)
        self._check_open()
        return tuple(resolved)

    async def _io(self, fn: Callable[..., Awaitable[Any]], *args: Any, size: int) -> Any:
        try:
            return await fn(*args)
        except OSError as exc:
            if self._closed or exc.errno == errno.EBADF:
                raise trio_core.ClosedResourceError("this UDPSocket was closed") from None
            if exc.errno == errno.EMSGSIZE:
                raise OSError(
                    errno.EMSGSIZE,
                    f"a datagram of {size} bytes is too large to send "
                    f"({exc.strerror}); UDP carries at most 65,507 bytes over IPv4 and "
                    "65,527 over IPv6, and less without fragmentation (about 1,400 to be safe)",
                ) from None
            raise

    async def receive(self) -> tuple[bytes, Address]:
        """Wait for the next datagram; return it whole with the sender's address.

        On a connected socket, only the peer's datagrams arrive.  A checkpoint.

        Returns:
            ``(data, address)``: the datagram (possibly ``b""``: an empty
            datagram is not an end of stream) and the sender's numeric address.

        Raises:
            trio_core.BusyResourceError: if another task is in ``receive``.
            trio_core.ClosedResourceError: if the socket was (or gets) closed.
            ConnectionRefusedError: on a connected socket, if the peer answered
                an earlier datagram with "port unreachable" (the socket stays usable).
            OSError: any other error of the kernel's ``recvfrom``.
        """
        self._check_open()
        if self._receiving:
            raise trio_core.BusyResourceError(
                "another task is already in receive() of this UDPSocket; "
                "receive in one task and hand the datagrams on (a memory channel, say)"
            )
        self._receiving = True
        try:
            data, address = await self._io(
                self._socket.recvfrom, MAX_DATAGRAM_SIZE, size=MAX_DATAGRAM_SIZE
            )
        finally:
            self._receiving = False
        return data, tuple(address)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> tuple[bytes, Address]:
        """The next datagram, from :meth:`receive`.  A checkpoint.

        Never ends by itself (UDP has no end of stream); :meth:`receive`'s
        errors end the loop.

        Returns:
            ``(data, address)``, as :meth:`receive`.
        """
        return await self.receive()

    def forceful_close(self) -> None:
        """Close the socket at once.  Tasks blocked in it wake with
        :exc:`~trio_core.ClosedResourceError`.  Idempotent.  Not a checkpoint."""
        self._closed = True
        self._socket.close()


async def open_udp_socket(
    local_address: tuple[Any, ...] | None = None,
    remote_address: tuple[Any, ...] | None = None,
    *,
    family: int | None = None,
) -> UDPSocket:
    """Open a UDP socket, bound to ``local_address`` and, if given, connected to
    ``remote_address``.

    Host names are resolved (the first address found is used).  The family
    is ``family`` if given, else the remote address's, else the local
    address's, else IPv4.  Without ``local_address`` the socket gets a free
    port on every interface (or, when connected, whatever the kernel picks).
    An IPv6 socket accepts only IPv6 (``IPV6_V6ONLY``), and ``SO_REUSEADDR``
    is off, so that binding a port another socket holds fails instead of
    sharing (or stealing) its datagrams.  A checkpoint.

    Args:
        local_address: ``(host, port)`` to bind to: ``("127.0.0.1", 0)`` for a
            free loopback port, ``("", 5353)`` for every interface; a host of
            ``""`` or ``None`` is the wildcard address.
        remote_address: ``(host, port)`` of the one peer to talk to (a
            connected socket), or None (send anywhere, receive from anyone).
        family: ``socket.AF_INET`` or ``socket.AF_INET6``, to choose instead
            of letting the addresses decide.

    Returns:
        A :class:`UDPSocket`; the caller owns it and must close it.

    Raises:
        TypeError: if an address is not a ``(host, port)`` tuple, or its port
            not an int.
        ValueError: if a port is out of range (a remote port of 0, say), or
            ``family`` is not AF_INET or AF_INET6.
        socket.gaierror: if a host name cannot be resolved (the message names it).
        OSError: if binding or connecting fails (the address is in use, say).
    """
    local = (
        None
        if local_address is None
        else _check_address(local_address, "local_address", local=True)
    )
    remote = (
        None
        if remote_address is None
        else _check_address(remote_address, "remote_address", local=False)
    )
    if family is not None and family not in _IP_FAMILIES:
        raise ValueError(
            f"family must be socket.AF_INET or socket.AF_INET6, got {family!r}; "
            "for Unix-domain datagrams use trio.socket directly"
        )
    remote_sockaddr: Address | None = None
    if family is None and remote_address is not None and remote is not None:
        family = _numeric_family(remote[0])
        if family is None:
            infos = await trio_socket.getaddrinfo(
                remote[0], remote[1], 0, _stdlib_socket.SOCK_DGRAM
            )
            ip_infos = [info for info in infos if info[0] in _IP_FAMILIES]
            if not ip_infos:  # pragma: no cover - getaddrinfo gave only non-IP results
                raise OSError(errno.EAFNOSUPPORT, f"no IP address for {remote_address!r}")
            family, remote_sockaddr = ip_infos[0][0], tuple(ip_infos[0][4])
    if family is None and local is not None:
        family = _numeric_family(local[0])
        if family is None and local[0]:
            infos = await trio_socket.getaddrinfo(
                local[0], local[1], 0, _stdlib_socket.SOCK_DGRAM, 0, _stdlib_socket.AI_PASSIVE
            )
            family = next(
                (info[0] for info in infos if info[0] in _IP_FAMILIES), _stdlib_socket.AF_INET
            )
    if family is None:
        family = _stdlib_socket.AF_INET
    sock = trio_socket.socket(family, _stdlib_socket.SOCK_DGRAM)
    try:
        # trio_socket turns SO_REUSEADDR on (right for TCP listeners); on a datagram
        # socket it lets a second program bind the same port and take its datagrams.
        sock.setsockopt(_stdlib_socket.SOL_SOCKET, _stdlib_socket.SO_REUSEADDR, 0)
        if family == _stdlib_socket.AF_INET6:
            sock.setsockopt(_stdlib_socket.IPPROTO_IPV6, _stdlib_socket.IPV6_V6ONLY, 1)
        if local_address is not None:
            sock.bind(await sock.resolve_local_address(local_address))
        elif remote_address is None:
            sock.bind(await sock.resolve_local_address(("", 0)))
        if remote_address is not None:
            if remote_sockaddr is None:
                remote_sockaddr = tuple(await sock.resolve_remote_address(remote_address))
            await sock.connect(remote_sockaddr)
            remote_sockaddr = tuple(sock.getpeername())
        else:
            await checkpoint()
    except BaseException:
        sock.close()
        raise
    return UDPSocket(sock, remote_sockaddr)


async def serve_udp(
    handler: Callable[[UDPSocket, bytes, Address], Awaitable[object]],
    local_address: tuple[Any, ...],
    *,
    family: int | None = None,
    max_handlers: int = 100,
    handler_nursery: trio_core.Nursery | None = None,
    task_status: trio_core.TaskStatus[UDPSocket] = trio_core.TASK_STATUS_IGNORED,
) -> NoReturn:
    """Receive datagrams on ``local_address`` forever, running
    ``handler(udp_socket, data, address)`` in a new task for each one.

    The handler replies with ``await udp_socket.send(reply, address)``.  At most
    ``max_handlers`` handlers run at once: while that many are running, no
    more datagrams are received (the kernel queues them, and drops them when
    its buffer is full, as UDP does), so a flood cannot start tasks without
    bound.  A handler's exception stops the server (as in any nursery).  With
    :meth:`Nursery.start <trio_core.Nursery.start>`, returns the
    :class:`UDPSocket` once it is bound (find the port of port 0 with
    ``udp_socket.local_address[1]``).  The socket is closed when this stops.

    A checkpoint: it runs until cancelled (or until something fails), and
    never returns normally.

    Args:
        handler: an async function taking the socket, the datagram and the
            sender's address.
        local_address: ``(host, port)`` to receive on (see :func:`open_udp_socket`).
        family: as for :func:`open_udp_socket`.
        max_handlers: the most handlers running at once (at least 1).
        handler_nursery: where to run the handlers (default: inside this call).
        task_status: for :meth:`Nursery.start <trio_core.Nursery.start>`.

    Raises:
        TypeError: if ``max_handlers`` is not an int, or as :func:`open_udp_socket`.
        ValueError: if ``max_handlers`` is less than 1, or as :func:`open_udp_socket`.
        OSError: as :func:`open_udp_socket` raises it, or from receiving.
        ExceptionGroup: holding what a handler raised, as nurseries report errors.
    """
    if isinstance(max_handlers, bool) or not isinstance(max_handlers, int):
        raise TypeError(f"max_handlers must be an int, got {max_handlers!r}")
    if max_handlers < 1:
        raise ValueError(f"max_handlers must be at least 1, got {max_handlers!r}")
    limiter = trio_core.Semaphore(max_handlers)

    async def run_one(udp_socket: UDPSocket, data: bytes, address: Address) -> None:
        try:
            await handler(udp_socket, data, address)
        finally:
            limiter.release()

    udp_socket = await open_udp_socket(local_address, family=family)
    async with udp_socket, trio_core.open_nursery() as nursery:
        target = nursery if handler_nursery is None else handler_nursery
        task_status.started(udp_socket)
        while True:
            await limiter.acquire()
            try:
                data, address = await udp_socket.receive()
            except BaseException:
                limiter.release()
                raise
            target.start_soon(run_one, udp_socket, data, address)
    raise AssertionError("unreachable: the receive loop never returns")  # pragma: no cover
