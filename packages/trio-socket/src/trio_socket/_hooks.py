"""The customisation hooks: your own name resolution and socket making, per run.

:class:`HostnameResolver` and :class:`SocketFactory` are the interfaces;
:func:`set_custom_hostname_resolver` and :func:`set_custom_socket_factory`
install them in ``RunVar`` slots, so a setting lasts for one run only.  The
resolution functions (``_resolve``) and :func:`socket` (``_functions``) read
the slots.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any

from trio_core.lowlevel import RunVar

if TYPE_CHECKING:
    from ._socket import SocketType

__all__ = [
    "HostnameResolver",
    "SocketFactory",
    "set_custom_hostname_resolver",
    "set_custom_socket_factory",
]


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
