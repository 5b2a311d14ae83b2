"""The module-level functions that make trio sockets or work on them.

:func:`socket` (with the seed's modern defaults, or from the custom socket
factory), :func:`socketpair`, :func:`fromfd`, :func:`fromshare` (Windows) and
:func:`from_stdlib_socket` return :class:`~trio_socket.SocketType` objects;
:func:`send_fds` / :func:`recv_fds` pass file descriptors over a trio socket.
"""

from __future__ import annotations

import array
import socket as _stdlib_socket
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, SupportsIndex

from trio_core.lowlevel import checkpoint

from ._hooks import _socket_factory
from ._resolve import _IP_FAMILIES, Address
from ._socket import SocketType

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = [
    "socket",
    "socketpair",
    "fromfd",
    "from_stdlib_socket",
    "fromshare",
    "send_fds",
    "recv_fds",
]

#: The default TCP_NOTSENT_LOWAT (the seed's "reasonable buffer size").
NOTSENT_LOWAT = 16 * 1024


def _set_modern_defaults(sock: _stdlib_socket.socket) -> None:
    if sock.family not in _IP_FAMILIES:
        return
    if sys.platform != "win32":
        sock.setsockopt(_stdlib_socket.SOL_SOCKET, _stdlib_socket.SO_REUSEADDR, 1)
    if sock.family == _stdlib_socket.AF_INET6:
        try:
            sock.setsockopt(_stdlib_socket.IPPROTO_IPV6, _stdlib_socket.IPV6_V6ONLY, 0)
        except OSError:
            pass  # a platform without dual-stack sockets
    if sock.type == _stdlib_socket.SOCK_STREAM:
        sock.setsockopt(_stdlib_socket.IPPROTO_TCP, _stdlib_socket.TCP_NODELAY, 1)
        lowat = getattr(_stdlib_socket, "TCP_NOTSENT_LOWAT", None)
        if lowat is None and sys.platform == "linux":
            lowat = 25  # the Linux value, missing from some Python builds
        if lowat is not None:
            try:
                sock.setsockopt(_stdlib_socket.IPPROTO_TCP, lowat, NOTSENT_LOWAT)
            except OSError:
                pass  # an older kernel


def from_stdlib_socket(sock: _stdlib_socket.socket) -> SocketType:
    """Wrap a standard library socket into a trio socket (it becomes non-blocking).

    Its options are left as they are.  Not a checkpoint.

    Args:
        sock: the :class:`socket.socket` to wrap (exactly that class); the
            trio socket owns it from now on.

    Raises:
        TypeError: if ``sock`` is not exactly a :class:`socket.socket`: a
            subclass of it (an ``ssl.SSLSocket``, say) is refused too, as in
            Trio, since the trio socket would bypass its overridden methods.
    """
    if type(sock) is not _stdlib_socket.socket:
        if isinstance(sock, _stdlib_socket.socket):
            raise TypeError(
                f"from_stdlib_socket() takes exactly a socket.socket, not an instance of the "
                f"subclass {type(sock).__module__}.{type(sock).__qualname__} ({sock!r}): its "
                f"overridden methods would be bypassed; wrap a plain socket.socket"
            )
        raise TypeError(f"expected a standard library socket.socket, got {sock!r}")
    return SocketType._wrap(sock)


def socket(
    family: int = -1,
    type: int = -1,
    proto: int = -1,
    fileno: int | None = None,
) -> SocketType:
    """A new trio socket, like :func:`socket.socket`, with modern defaults.

    Defaults (each can be changed back with ``setsockopt``): ``SO_REUSEADDR``
    on (not on Windows), ``TCP_NODELAY`` on for TCP, ``IPV6_V6ONLY`` off for
    IPv6 (dual-stack), and ``TCP_NOTSENT_LOWAT`` of 16 KiB where supported.
    Without ``fileno``, the socket comes from the custom socket factory when
    one is set (:func:`set_custom_socket_factory`).  Not a checkpoint.

    Args:
        family: the address family (default ``AF_INET``; with ``fileno``,
            the descriptor's own, as the standard library detects it).
        type: the socket type (default ``SOCK_STREAM``; with ``fileno``, the
            descriptor's own).
        proto: the protocol number (default 0; with ``fileno``, the
            descriptor's own).
        fileno: wrap this existing file descriptor instead of making a new
            socket (the modern defaults are then not applied).  -1 (the
            default) for ``family``, ``type`` or ``proto`` means "detect it"
            then, as for :func:`socket.socket`.

    Raises:
        OSError: if the operating system refuses to make the socket.
    """
    if fileno is None:
        family = _stdlib_socket.AF_INET if family == -1 else family
        type = _stdlib_socket.SOCK_STREAM if type == -1 else type
        proto = 0 if proto == -1 else proto
        factory = _socket_factory.get(None) if _in_run() else None
        if factory is not None:
            return factory.socket(family, type, proto)
        sock = _stdlib_socket.socket(family, type, proto)
        _set_modern_defaults(sock)
    else:
        # The standard library detects what is left at -1 from the descriptor.
        sock = _stdlib_socket.socket(family, type, proto, fileno)
    return from_stdlib_socket(sock)


def _in_run() -> bool:
    try:
        _socket_factory.get(None)
    except RuntimeError:
        return False
    return True


def socketpair(
    family: int = getattr(_stdlib_socket, "AF_UNIX", _stdlib_socket.AF_INET),
    type: int = _stdlib_socket.SOCK_STREAM,
    proto: int = 0,
) -> tuple[SocketType, SocketType]:
    """A pair of connected trio sockets, like :func:`socket.socketpair`.

    Not a checkpoint.

    Args:
        family: the address family (default ``AF_UNIX`` where it exists,
            else ``AF_INET``).
        type: the socket type (default ``SOCK_STREAM``).
        proto: the protocol number (default 0).

    Raises:
        OSError: if the operating system refuses to make the pair.
    """
    left, right = _stdlib_socket.socketpair(family, type, proto)
    return from_stdlib_socket(left), from_stdlib_socket(right)


def fromfd(fd: SupportsIndex, family: int, type: int, proto: int = 0) -> SocketType:
    """A trio socket on a duplicate of the file descriptor ``fd``, like :func:`socket.fromfd`.

    Not a checkpoint.

    Args:
        fd: the file descriptor to duplicate (the original stays yours).
        family: the socket's address family.
        type: the socket's type.
        proto: the socket's protocol number (default 0).

    Raises:
        OSError: if ``fd`` cannot be duplicated.
    """
    return from_stdlib_socket(_stdlib_socket.fromfd(fd, family, type, proto))


def fromshare(info: bytes) -> SocketType:
    """A trio socket from data made by ``socket.share()``, like :func:`socket.fromshare`.

    Windows only (exported only where the standard library has it).  Not a
    checkpoint.

    Args:
        info: the bytes returned by ``socket.share()`` in another process.
    """
    # getattr: the standard library (and its stubs) have it on Windows only.
    stdlib_fromshare: Callable[[bytes], _stdlib_socket.socket] = getattr(  # noqa: B009
        _stdlib_socket, "fromshare"
    )
    return from_stdlib_socket(stdlib_fromshare(info))


async def send_fds(
    sock: SocketType,
    buffers: Iterable[ReadableBuffer],
    fds: Iterable[int],
    flags: int = 0,
    address: Address = None,
) -> int:
    """Send ``buffers`` and the file descriptors ``fds`` over a Unix socket,
    like :func:`socket.send_fds` but async and taking a trio socket.  A checkpoint.

    Args:
        sock: the trio socket to send on (``AF_UNIX``).
        buffers: the data to send, as bytes-like objects.
        fds: the file descriptors to pass (they stay yours to close).
        flags: flags for ``sendmsg`` (default 0).
        address: the destination, for an unconnected socket (default None).

    Returns:
        The number of bytes sent (as ``sendmsg`` does).

    Raises:
        OSError: if the send fails.
    """
    try:
        ancdata = [(_stdlib_socket.SOL_SOCKET, _stdlib_socket.SCM_RIGHTS, array.array("i", fds))]
    except BaseException:
        await checkpoint()  # a bad argument: still a checkpoint
        raise
    return await sock.sendmsg(buffers, ancdata, flags, address)


async def recv_fds(
    sock: SocketType, bufsize: int, maxfds: int, flags: int = 0
) -> tuple[bytes, list[int], int, Address]:
    """Receive up to ``bufsize`` bytes and up to ``maxfds`` file descriptors,
    like :func:`socket.recv_fds` but async and taking a trio socket.  A checkpoint.

    Args:
        sock: the trio socket to receive on (``AF_UNIX``).
        bufsize: the most bytes of data to receive.
        maxfds: the most file descriptors to receive.
        flags: flags for ``recvmsg``; unlike the standard library's (which
            drops it), this is passed on.

    Returns:
        ``(data, fds, msg_flags, address)``; the received descriptors are new
        ones, yours to close.

    Raises:
        OSError: if the receive fails.
    """
    fds = array.array("i")
    try:
        ancbufsize = _stdlib_socket.CMSG_LEN(maxfds * fds.itemsize)
    except BaseException:
        await checkpoint()  # a bad argument: still a checkpoint
        raise
    msg, ancdata, msg_flags, address = await sock.recvmsg(bufsize, ancbufsize, flags)
    for level, kind, data in ancdata:
        if level == _stdlib_socket.SOL_SOCKET and kind == _stdlib_socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return msg, list(fds), msg_flags, address
