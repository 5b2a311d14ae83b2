"""trio sockets: the standard ``socket`` object made async, per the seed.

Every I/O method follows one pattern: check for cancellation, try the
syscall on the non-blocking socket at once, and only if it would block wait
for readiness (``wait_readable`` / ``wait_writable``) and retry.  An
operation that completed without waiting still yields to the scheduler
(``cancel_shielded_checkpoint``), so each one is a full checkpoint.
"""

from __future__ import annotations

import abc
import array
import functools
import os
import socket as _stdlib_socket
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, SupportsIndex, TypeVar, final

import idna as _idna

import trio_core
from trio_core.lowlevel import (
    RunVar,
    cancel_shielded_checkpoint,
    checkpoint,
    checkpoint_if_cancelled,
    notify_closing,
    wait_readable,
    wait_writable,
)

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

# The hook rule: from trio-core, import only `trio_core` and `trio_core.lowlevel`.
to_thread = trio_core.to_thread

T = TypeVar("T")
Address = Any  # tuple for AF_INET/AF_INET6, str/bytes for AF_UNIX, ...

__all__ = [
    "SocketType",
    "PartialResult",
    "HostnameResolver",
    "SocketFactory",
    "socket",
    "socketpair",
    "fromfd",
    "from_stdlib_socket",
    "getaddrinfo",
    "getnameinfo",
    "getfqdn",
    "send_fds",
    "recv_fds",
    "fromshare",
    "set_custom_hostname_resolver",
    "set_custom_socket_factory",
]

_IP_FAMILIES = (_stdlib_socket.AF_INET, _stdlib_socket.AF_INET6)
_NUMERIC_ONLY = _stdlib_socket.AI_NUMERICHOST | _stdlib_socket.AI_NUMERICSERV
#: The default TCP_NOTSENT_LOWAT (the seed's "reasonable buffer size").
NOTSENT_LOWAT = 16 * 1024


@final
@dataclass(frozen=True, slots=True)
class PartialResult:
    """Attached as ``.partial_result`` to an exception from ``sendall`` or ``sendfile``.

    Args:
        bytes_sent: how many bytes the operating system accepted before the
            error or cancellation.

    Plain data; making one does no I/O.  Not a checkpoint.
    """

    #: How many bytes the operating system accepted before the error or cancellation.
    bytes_sent: int


# ---------------------------------------------------------------- hooks


class HostnameResolver(abc.ABC):
    """What :func:`set_custom_hostname_resolver` takes: your own name resolution
    (a fake DNS for tests, say).

    It serves :func:`getaddrinfo`, :func:`getnameinfo`, :func:`getfqdn` and
    the sockets' ``resolve_*_address`` methods.
    """

    @abc.abstractmethod
    async def getaddrinfo(
        self,
        host: bytes | None,
        port: bytes | str | int | None,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[tuple[Any, Any, int, str, Any]]:
        """Look up ``host`` and ``port``: the contract of :func:`socket.getaddrinfo`.

        Called by :func:`getaddrinfo` for names that are not numeric (and by
        :func:`getfqdn` and the sockets' ``resolve_*_address`` methods).  A
        checkpoint: implementations may await; the caller adds a checkpoint
        around the call, so one that never yields is fine too.

        Args:
            host: the hostname, already IDNA-encoded to bytes (or None).
            port: the port number or service name, as given (or None).
            family: the address family to restrict results to (0 for any).
            type: the socket type to restrict results to (0 for any).
            proto: the protocol to restrict results to (0 for any).
            flags: ``AI_*`` flags, as for :func:`socket.getaddrinfo`.

        Returns:
            A list of ``(family, type, proto, canonname, sockaddr)`` tuples.

        Raises:
            socket.gaierror: should be raised when the name cannot be resolved
                (callers such as :func:`getfqdn` rely on it).
        """

    @abc.abstractmethod
    async def getnameinfo(self, sockaddr: tuple[Any, ...], flags: int) -> tuple[str, str]:
        """Look up the name of ``sockaddr``: the contract of :func:`socket.getnameinfo`.

        Called by :func:`getnameinfo` and :func:`getfqdn`.  A checkpoint:
        implementations may await; the caller adds a checkpoint around the
        call, so one that never yields is fine too.

        Args:
            sockaddr: the socket address to look up, e.g. ``(host, port)``.
            flags: ``NI_*`` flags, as for :func:`socket.getnameinfo`.

        Returns:
            ``(host, port)`` as strings.

        Raises:
            socket.gaierror: should be raised (or :exc:`socket.herror`) when
                the address has no name.
        """


class SocketFactory(abc.ABC):
    """What :func:`set_custom_socket_factory` takes: makes the sockets that
    :func:`socket` returns (to simulate networks in tests, say)."""

    @abc.abstractmethod
    def socket(self, family: int, type: int, proto: int) -> SocketType:
        """Return a new trio socket (or an object that behaves like one).

        Called by :func:`socket` (when no ``fileno`` is given) with the
        arguments it was given.  Not a checkpoint: it must not block.

        Args:
            family: the address family, e.g. ``AF_INET``.
            type: the socket type, e.g. ``SOCK_STREAM``.
            proto: the protocol number (usually 0).
        """


_resolver: RunVar[HostnameResolver | None] = RunVar("trio_socket hostname resolver", None)
_socket_factory: RunVar[SocketFactory | None] = RunVar("trio_socket socket factory", None)


def set_custom_hostname_resolver(
    hostname_resolver: HostnameResolver | None,
) -> HostnameResolver | None:
    """Make :func:`getaddrinfo`, :func:`getnameinfo` and :func:`getfqdn` use
    ``hostname_resolver``.

    The setting lasts for the current run only (so one test's fake DNS
    cannot leak into the next).  Not a checkpoint.

    Args:
        hostname_resolver: a :class:`HostnameResolver`, or None to go back to
            the system resolver.

    Returns:
        The previous resolver (or None).

    Raises:
        TypeError: if ``hostname_resolver`` is neither a
            :class:`HostnameResolver` nor None.
        RuntimeError: if called outside of a trio run.
    """
    if hostname_resolver is not None and not isinstance(hostname_resolver, HostnameResolver):
        raise TypeError(f"expected a HostnameResolver or None, got {hostname_resolver!r}")
    old = _resolver.get()
    _resolver.set(hostname_resolver)
    return old


def set_custom_socket_factory(socket_factory: SocketFactory | None) -> SocketFactory | None:
    """Make :func:`socket` (called without ``fileno``) use ``socket_factory``.

    The setting lasts for the current run only.  Not a checkpoint.

    Args:
        socket_factory: a :class:`SocketFactory`, or None to go back to real
            sockets.

    Returns:
        The previous factory (or None).

    Raises:
        TypeError: if ``socket_factory`` is neither a :class:`SocketFactory`
            nor None.
        RuntimeError: if called outside of a trio run.
    """
    if socket_factory is not None and not isinstance(socket_factory, SocketFactory):
        raise TypeError(f"expected a SocketFactory or None, got {socket_factory!r}")
    old = _socket_factory.get()
    _socket_factory.set(socket_factory)
    return old


# ---------------------------------------------------------------- name resolution


def _encode_host(host: bytes | str | None) -> bytes | None:
    if host is None or isinstance(host, bytes):
        return host
    if not isinstance(host, str):
        raise TypeError(f"host must be a str, bytes or None, got {host!r}")
    try:
        return host.encode("ascii")
    except UnicodeEncodeError:
        # Internationalized names: IDNA 2008 with the UTS 46 mapping, as browsers do.
        try:
            return _idna.encode(host, uts46=True)
        except _idna.IDNAError as exc:
            raise ValueError(f"{host!r} is not a valid internationalized hostname: {exc}") from None


async def getaddrinfo(
    host: bytes | str | None,
    port: bytes | str | int | None,
    family: int = 0,
    type: int = 0,
    proto: int = 0,
    flags: int = 0,
) -> list[tuple[Any, Any, int, str, Any]]:
    """Look up a host and port, like :func:`socket.getaddrinfo`.  A checkpoint.

    Numeric addresses are answered at once; names are looked up in a worker
    thread (a cancelled lookup returns at once and the thread is abandoned),
    or by the resolver given to :func:`set_custom_hostname_resolver`.
    Non-ASCII hostnames are IDNA-encoded (IDNA 2008, UTS 46 mapping).

    Args:
        host: the hostname or numeric address (str or bytes), or None.
        port: the port number or service name, or None.
        family: restrict results to this address family (0 for any).
        type: restrict results to this socket type (0 for any).
        proto: restrict results to this protocol (0 for any).
        flags: ``AI_*`` flags, as for :func:`socket.getaddrinfo`.

    Returns:
        A list of ``(family, type, proto, canonname, sockaddr)`` tuples.

    Raises:
        socket.gaierror: if the name cannot be resolved.
        ValueError: for an invalid internationalized hostname.
    """
    host_bytes = _encode_host(host)
    try:
        numeric = _stdlib_socket.getaddrinfo(
            host_bytes, port, family, type, proto, flags | _NUMERIC_ONLY
        )
    except _stdlib_socket.gaierror:
        pass
    else:
        await checkpoint()
        return numeric
    resolver = _resolver.get()
    if resolver is not None:
        await checkpoint_if_cancelled()
        infos = await resolver.getaddrinfo(host_bytes, port, family, type, proto, flags)
        await cancel_shielded_checkpoint()  # a checkpoint even if the resolver never yields
        return infos
    return await to_thread.run_sync(
        _stdlib_socket.getaddrinfo,
        host_bytes,
        port,
        family,
        type,
        proto,
        flags,
        abandon_on_cancel=True,
    )


async def getnameinfo(sockaddr: tuple[Any, ...], flags: int) -> tuple[str, str]:
    """Look up the name of an address, like :func:`socket.getnameinfo`.  A checkpoint.

    Runs in a worker thread (abandoned if cancelled), or through the custom
    hostname resolver.

    Args:
        sockaddr: the socket address to look up, e.g. ``(host, port)``.
        flags: ``NI_*`` flags, as for :func:`socket.getnameinfo`.

    Returns:
        ``(host, port)`` as strings.

    Raises:
        socket.gaierror: if the address cannot be looked up.
    """
    resolver = _resolver.get()
    if resolver is not None:
        await checkpoint_if_cancelled()
        names = await resolver.getnameinfo(sockaddr, flags)
        await cancel_shielded_checkpoint()  # a checkpoint even if the resolver never yields
        return names
    return await to_thread.run_sync(
        _stdlib_socket.getnameinfo, sockaddr, flags, abandon_on_cancel=True
    )


async def getfqdn(name: str = "") -> str:
    """The fully qualified domain name of ``name``, like :func:`socket.getfqdn`.
    A checkpoint.

    Without a custom hostname resolver this is the standard library's
    ``getfqdn`` in a worker thread (abandoned if cancelled).  With one (see
    :func:`set_custom_hostname_resolver`), the same steps go through the
    resolver: an empty name (or ``0.0.0.0`` / ``::``) means
    :func:`socket.gethostname`; the name is looked up with
    :func:`getaddrinfo`, its first address reverse-resolved with
    :func:`getnameinfo` (``NI_NAMEREQD``), and that name returned; if either
    lookup fails, ``name`` comes back unchanged.  The one difference: a
    resolver has no host aliases to offer, so where the system's
    ``gethostbyaddr`` would pick a dotted alias over an undotted primary
    name, the primary name is returned.

    Args:
        name: the name (or address) to look up; empty means this host.
    """
    resolver = _resolver.get()
    if resolver is None:
        return await to_thread.run_sync(_stdlib_socket.getfqdn, name, abandon_on_cancel=True)
    await checkpoint()  # even if the resolver answers without yielding
    name = name.strip()
    if not name or name in ("0.0.0.0", "::"):
        name = _stdlib_socket.gethostname()
    try:
        infos = await getaddrinfo(name, None)
        if not infos:
            return name
        hostname, _ = await getnameinfo(infos[0][4], _stdlib_socket.NI_NAMEREQD)
    except OSError:  # gaierror, herror: as the standard library, keep the name
        return name
    return hostname


# ---------------------------------------------------------------- making sockets


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
        sock: the :class:`socket.socket` to wrap; the trio socket owns it
            from now on.

    Raises:
        TypeError: if ``sock`` is not a standard library socket.
    """
    if not isinstance(sock, _stdlib_socket.socket):
        raise TypeError(f"expected a standard library socket.socket, got {sock!r}")
    return SocketType._wrap(sock)


def socket(
    family: int = _stdlib_socket.AF_INET,
    type: int = _stdlib_socket.SOCK_STREAM,
    proto: int = 0,
    fileno: int | None = None,
) -> SocketType:
    """A new trio socket, like :func:`socket.socket`, with modern defaults.

    Defaults (each can be changed back with ``setsockopt``): ``SO_REUSEADDR``
    on (not on Windows), ``TCP_NODELAY`` on for TCP, ``IPV6_V6ONLY`` off for
    IPv6 (dual-stack), and ``TCP_NOTSENT_LOWAT`` of 16 KiB where supported.
    Without ``fileno``, the socket comes from the custom socket factory when
    one is set (:func:`set_custom_socket_factory`).  Not a checkpoint.

    Args:
        family: the address family (default ``AF_INET``).
        type: the socket type (default ``SOCK_STREAM``).
        proto: the protocol number (default 0).
        fileno: wrap this existing file descriptor instead of making a new
            socket (the modern defaults are then not applied).

    Raises:
        OSError: if the operating system refuses to make the socket.
    """
    if fileno is None:
        factory = _socket_factory.get(None) if _in_run() else None
        if factory is not None:
            return factory.socket(family, type, proto)
        sock = _stdlib_socket.socket(family, type, proto)
        _set_modern_defaults(sock)
    else:
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
    ancdata = [(_stdlib_socket.SOL_SOCKET, _stdlib_socket.SCM_RIGHTS, array.array("i", fds))]
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
    msg, ancdata, msg_flags, address = await sock.recvmsg(
        bufsize, _stdlib_socket.CMSG_LEN(maxfds * fds.itemsize), flags
    )
    for level, kind, data in ancdata:
        if level == _stdlib_socket.SOL_SOCKET and kind == _stdlib_socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return msg, list(fds), msg_flags, address


# ---------------------------------------------------------------- the socket type


def _check_port(address: tuple[Any, ...], where: str, not_int: type[Exception]) -> None:
    """Refuse a port that is not an int from 0 to 65535, naming it.

    Without this, the port reaches ``getaddrinfo``, which wraps large ports
    modulo 65536, takes service names, or blames the host for a bad port.
    """
    port = address[1]
    if not isinstance(port, int) or isinstance(port, bool):
        raise not_int(
            f"port must be an int, got {port!r} in {address!r} ({where}); "
            f"look service names up with socket.getservbyname() first"
        )
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0-65535, got {port} in {address!r} ({where})")


#: SocketType methods that exist on the standard socket but raise here (see
#: the ``_unsupported`` attributes of SocketType); ``dir()`` leaves them out.
_REFUSED = frozenset({"send", "setblocking", "settimeout", "makefile", "connect_ex"})


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


def _attach_partial_result(exc: BaseException, bytes_sent: int) -> None:
    try:
        exc.partial_result = PartialResult(bytes_sent)  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - an exception type with __slots__
        pass


def _byte_view(data: Any) -> memoryview:
    view = memoryview(data)
    if view.format == "B" and view.ndim == 1 and view.c_contiguous:
        return view
    if view.c_contiguous:
        return view.cast("B")
    # A non-contiguous view (a slice with a step, say): send a contiguous copy.
    return memoryview(view.tobytes())


class SocketType:
    """A trio socket: the standard socket's API, with blocking methods made async.

    Differences from the standard library (see the seed):

    * ``setblocking``, ``settimeout``, ``makefile`` and ``connect_ex`` are
      not supported, and there is no ``send`` (use :meth:`sendall`);
    * it acts like a blocking socket, so ``getblocking()`` is True and
      ``gettimeout()`` / ``timeout`` are None (the standard socket underneath
      is non-blocking, but that is trio's business);
    * ``sendmsg_afalg`` (Linux) is async, like the other send methods;
    * ``bind``, ``connect``, ``sendto`` and ``sendmsg`` take only numeric
      addresses: resolve names first with :meth:`resolve_local_address` /
      :meth:`resolve_remote_address`;
    * every other method and attribute is the standard socket's.

    Get one from :func:`socket`, :func:`socketpair`, :func:`fromfd`,
    :func:`from_stdlib_socket` or :meth:`accept`; do not instantiate it.
    """

    __slots__ = ("_sock", "__weakref__")
    _sock: _stdlib_socket.socket

    def __init__(self) -> None:
        """Not public: get a socket from :func:`socket` and friends.

        Raises:
            TypeError: always.
        """
        raise TypeError(
            "SocketType has no public constructor: use trio_socket.socket(), socketpair(), "
            "fromfd() or from_stdlib_socket()"
        )

    @classmethod
    def _wrap(cls, sock: _stdlib_socket.socket) -> SocketType:
        self = object.__new__(cls)
        sock.setblocking(False)
        self._sock = sock
        return self

    def __repr__(self) -> str:
        return repr(self._sock).replace("socket.socket", "trio_socket.SocketType", 1)

    # -- plain delegation

    def __getattr__(self, name: str) -> Any:
        # Everything the seed leaves as it is comes from the standard socket.
        if name == "_sock":
            raise AttributeError(name)
        if name == "send":
            raise AttributeError(
                "trio sockets have no send(): its partial sends are easy to get wrong; "
                "use `await sock.sendall(data)`"
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
        return from_stdlib_socket(self._sock.dup())

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

    def _check_numeric(self, address: Address, method: str, resolver: str) -> None:
        if self._sock.family not in _IP_FAMILIES:
            return
        if not isinstance(address, tuple) or len(address) < 2:
            raise TypeError(
                f"{method}() on an IP socket needs a (host, port) tuple, got {address!r}"
            )
        _check_port(address, f"{method}()", TypeError)
        host = address[0]
        if host in ("", "<broadcast>") or (host is None and method == "bind"):
            return
        try:
            _stdlib_socket.getaddrinfo(
                host, address[1], self._sock.family, 0, 0, _stdlib_socket.AI_NUMERICHOST
            )
        except (_stdlib_socket.gaierror, UnicodeError, TypeError):
            raise ValueError(
                f"{method}() needs a numeric address, but {host!r} in {address!r} is not one; "
                f"resolve it first: `{method}(await sock.{resolver}({address!r}))`"
            ) from None

    async def _resolve(self, address: Address, local: bool) -> Address:
        family = self._sock.family
        if family not in _IP_FAMILIES:
            await checkpoint()
            return address
        if not isinstance(address, tuple) or len(address) < 2:
            raise ValueError(
                f"an address for an IP socket is a (host, port) tuple, got {address!r}"
            )
        _check_port(address, "resolving an address", ValueError)
        host, port = address[0], address[1]
        if host in ("<broadcast>", b"<broadcast>"):
            # As the standard library's bind/connect/sendto do (not getaddrinfo).
            if family != _stdlib_socket.AF_INET:
                raise _stdlib_socket.gaierror(
                    _stdlib_socket.EAI_FAMILY,
                    f"'<broadcast>' is an IPv4 address and IPv6 has no broadcast; "
                    f"use an AF_INET socket, or a multicast address such as ff02::1 "
                    f"(resolving {address!r})",
                )
            host = "255.255.255.255"
        flags = 0
        if local:
            flags |= _stdlib_socket.AI_PASSIVE
            if host == "":
                host = None
        if family == _stdlib_socket.AF_INET6:
            flags |= _stdlib_socket.AI_V4MAPPED
        try:
            results = await getaddrinfo(
                host, port, family, self._sock.type, self._sock.proto, flags
            )
        except _stdlib_socket.gaierror as exc:
            raise _stdlib_socket.gaierror(
                exc.errno, f"{exc.strerror} (resolving {address!r})"
            ) from None
        resolved = results[0][4]
        if family == _stdlib_socket.AF_INET6 and len(address) == 4:
            # Keep the caller's flowinfo and scope id.
            resolved = (resolved[0], resolved[1], address[2], address[3])
        return resolved

    async def resolve_local_address(self, address: Address) -> Address:
        """Resolve ``address`` into a numeric address for :meth:`bind`.  A checkpoint.

        Follows this socket's family (an IPv6 socket gets IPv6 or IPv4-mapped
        addresses); a host of ``None`` or ``""`` means the wildcard address.

        Raises:
            socket.gaierror: if the host cannot be resolved (the message names it).
            ValueError: if ``address`` is malformed or its port is not an int
                from 0 to 65535.
        """
        return await self._resolve(address, local=True)

    async def resolve_remote_address(self, address: Address) -> Address:
        """Resolve ``address`` into a numeric address for :meth:`connect` and
        friends.  A checkpoint.

        Follows this socket's family (an IPv6 socket gets IPv6 or IPv4-mapped
        addresses); a host of ``None`` means localhost.

        Raises:
            socket.gaierror: if the host cannot be resolved (the message names it).
            ValueError: if ``address`` is malformed or its port is not an int
                from 0 to 65535.
        """
        return await self._resolve(address, local=False)

    def bind(self, address: Address) -> None:
        """Bind to ``address``, which must be numeric (see :meth:`resolve_local_address`).

        Not a checkpoint.

        Raises:
            ValueError: if the address holds a hostname, or a port outside 0-65535.
            TypeError: if the port is not an int.
            OSError: if the address cannot be bound (in use, say).
        """
        self._check_numeric(address, "bind", "resolve_local_address")
        self._sock.bind(address)

    # -- I/O

    async def _io(
        self, wait: Callable[[Any], Awaitable[None]], fn: Callable[..., T], *args: Any
    ) -> T:
        await checkpoint_if_cancelled()
        try:
            result = fn(*args)
        except BlockingIOError:
            pass
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
            TypeError: if the port is not an int.
            OSError: if the connection fails (the message names the address).
        """
        self._check_numeric(address, "connect", "resolve_remote_address")
        await checkpoint_if_cancelled()
        sock = self._sock
        try:
            sock.connect(address)
        except BlockingIOError:
            pass
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
        return from_stdlib_socket(sock), address

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
        except OverflowError:
            if isinstance(bufsize, int) and bufsize < 0:
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
        return await self._io(
            wait_readable, self._sock.recvmsg_into, list(buffers), ancbufsize, flags
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
            TypeError: if the port is not an int.
            OSError: if the send fails.
        """
        if address is None:
            flags, address = 0, flags_or_address
        else:
            flags = flags_or_address
        self._check_numeric(address, "sendto", "resolve_remote_address")
        return await self._io(wait_writable, self._sock.sendto, data, flags, address)

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
            TypeError: if the port is not an int.
            OSError: if the send fails.
        """
        buffers = list(buffers)
        ancdata = list(ancdata)
        if address is not None:
            self._check_numeric(address, "sendmsg", "resolve_remote_address")
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
            return await self._io(
                wait_writable, functools.partial(self._sock.sendmsg_afalg, list(msg), **kwargs)
            )

    async def sendall(self, data: ReadableBuffer, flags: int = 0) -> None:
        """Send all of ``data``, waiting while the OS buffer is full.  A checkpoint.

        Args:
            data: the bytes-like object to send.
            flags: ``MSG_*`` flags, as for :meth:`socket.socket.send` (default 0).

        Raises:
            OSError: if the connection fails.
            Cancelled: if cancelled.

        Either way, the exception has a ``partial_result`` attribute whose
        ``bytes_sent`` says exactly how many bytes the OS accepted.
        """
        sent = 0
        try:
            view = _byte_view(data)
            total = len(view)
            await checkpoint_if_cancelled()
            sock = self._sock
            waited = False
            while True:
                # At least one send, even of nothing, so that sendall(b"") on a
                # closed or unconnected socket fails as the standard library's does.
                try:
                    sent += sock.send(view[sent:] if sent else view, flags)
                except BlockingIOError:
                    waited = True
                    await wait_writable(sock)
                    continue
                if sent >= total:
                    break
            if not waited:
                await cancel_shielded_checkpoint()
        except BaseException as exc:
            _attach_partial_result(exc, sent)
            raise

    async def sendfile(self, file: BinaryIO, offset: int = 0, count: int | None = None) -> int:
        """Send ``count`` bytes (default: to the end) of ``file`` from ``offset``.

        Uses ``os.sendfile`` (zero-copy) where available.  Like the standard
        library's, it leaves the file position just after the last byte sent
        and returns the number of bytes sent.  A checkpoint.

        Args:
            file: a file opened in binary mode.
            offset: where in ``file`` to start (default 0).
            count: how many bytes to send (default None: to the end).

        Raises:
            ValueError: if ``offset`` is negative or ``count`` is not positive.
            OSError: on failure; as with :meth:`sendall`, the exception's
                ``partial_result.bytes_sent`` says how much was sent.
        """
        if offset < 0:
            raise ValueError(f"offset must be >= 0, got {offset}")
        if count is not None and count <= 0:
            raise ValueError(f"count must be a positive int or None, got {count}")
        sent = 0
        try:
            await checkpoint_if_cancelled()
            try:
                in_fd = file.fileno()
            except (AttributeError, OSError):
                in_fd = -1
            if hasattr(os, "sendfile") and in_fd >= 0:
                size = os.fstat(in_fd).st_size
                remaining = (size - offset) if count is None else min(count, size - offset)
                sock = self._sock
                while remaining > 0:
                    try:
                        n = os.sendfile(sock.fileno(), in_fd, offset + sent, min(remaining, 2**30))
                    except BlockingIOError:
                        await wait_writable(sock)
                        continue
                    if n == 0:
                        break  # the file shrank
                    sent += n
                    remaining -= n
            else:
                file.seek(offset)
                while count is None or sent < count:
                    chunk = file.read(65536 if count is None else min(65536, count - sent))
                    if not chunk:
                        break
                    try:
                        await self.sendall(chunk)
                    except BaseException as exc:
                        sent += getattr(exc, "partial_result", PartialResult(0)).bytes_sent
                        raise
                    sent += len(chunk)
            await cancel_shielded_checkpoint()
        except BaseException as exc:
            _attach_partial_result(exc, sent)
            raise
        finally:
            if sent or hasattr(file, "seek"):
                try:
                    file.seek(offset + sent)
                except (OSError, ValueError):
                    pass
        return sent
