"""Listening and serving: open_tcp_listeners, serve_listeners, serve_tcp."""

from __future__ import annotations

import errno
import logging
import socket as _stdlib_socket
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, NoReturn, TypeVar

import trio_core
import trio_socket

from ._socket_stream import SocketListener
from .abc import AsyncResource, Listener

__all__ = ["open_tcp_listeners", "serve_listeners", "serve_tcp"]

StreamT = TypeVar("StreamT", bound=AsyncResource)
ListenerT = TypeVar("ListenerT", bound=Listener[Any])

LOGGER: Final = logging.getLogger("trio_streams.serve_listeners")

# accept() errors that say the whole process is short of something (file
# descriptors, kernel memory): they pass, so serve_listeners pauses and retries.
_RESOURCE_ERRNOS: Final = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
#: How long serve_listeners pauses after such an error, in seconds.
ACCEPT_ERROR_PAUSE: Final = 0.1
# listen() backlog when none is given: the kernel caps it at its own maximum
# (net.core.somaxconn on Linux).
_DEFAULT_BACKLOG: Final = 0xFFFF
# How often to retry when the port picked for the first address (port 0) is
# taken on another address.
_SHARED_PORT_TRIES: Final = 20


def _check_port(port: object) -> int:
    if not isinstance(port, int) or isinstance(port, bool):
        raise TypeError(f"port must be an int (0 for any free port), got {port!r}")
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be between 0 and 65535, got {port!r}")
    return port


def _with_port(sockaddr: Any, port: int) -> Any:
    return (sockaddr[0], port, *sockaddr[2:])


async def open_tcp_listeners(
    port: int, *, host: str | bytes | None = None, backlog: int | None = None
) -> list[SocketListener]:
    """Listen for TCP connections on every address of ``host``.

    One listener per address that ``host`` resolves to: with ``host=None``,
    the wildcard addresses of IPv4 and IPv6 (every interface); with
    ``"localhost"``, say, its loopback addresses.  IPv6 listeners are
    IPv6-only (``IPV6_V6ONLY``), so that the IPv4 ones can share the port.
    With ``port=0`` the system picks a free port, the *same* one for every
    listener.  Find it with ``listeners[0].socket.getsockname()[1]``.
    A checkpoint.

    Args:
        port: the port number (0: any free port).
        host: a hostname or numeric address to listen on; ``None`` for all
            interfaces.
        backlog: the ``listen()`` queue length (default: as long as the
            kernel allows).

    Returns:
        A list of :class:`SocketListener`; the caller owns (and closes) them.

    Raises:
        TypeError: if ``port`` or ``backlog`` is not an int.
        ValueError: if ``port`` is out of range or ``backlog`` is negative.
        OSError: if an address cannot be bound (the port is in use, say), or
            the host has no address this system can listen on.
    """
    port = _check_port(port)
    if backlog is None:
        backlog = _DEFAULT_BACKLOG
    elif not isinstance(backlog, int) or isinstance(backlog, bool):
        raise TypeError(f"backlog must be an int or None, got {backlog!r}")
    elif backlog < 0:
        raise ValueError(f"backlog must not be negative, got {backlog!r}")
    infos = await trio_socket.getaddrinfo(
        host, port, type=_stdlib_socket.SOCK_STREAM, flags=_stdlib_socket.AI_PASSIVE
    )
    targets: list[tuple[int, int, int, Any]] = []
    for family, type_, proto, _, sockaddr in infos:
        target = (int(family), int(type_), proto, sockaddr)
        if target not in targets:
            targets.append(target)
    for attempt in range(_SHARED_PORT_TRIES):
        try:
            return _bind_all(targets, port, backlog)
        except OSError as exc:
            # Port 0: the port picked for the first address was taken on
            # another one; pick again.
            if port != 0 or exc.errno != errno.EADDRINUSE or attempt == _SHARED_PORT_TRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _bind_all(
    targets: list[tuple[int, int, int, Any]], port: int, backlog: int
) -> list[SocketListener]:
    listeners: list[SocketListener] = []
    unsupported: list[OSError] = []
    try:
        for family, type_, proto, sockaddr in targets:
            try:
                sock = trio_socket.socket(family, type_, proto)
            except OSError as exc:
                if exc.errno in (errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT):
                    # An address family this system cannot use (IPv6 switched off, say).
                    unsupported.append(exc)
                    continue
                raise
            try:
                if family == _stdlib_socket.AF_INET6:
                    sock.setsockopt(_stdlib_socket.IPPROTO_IPV6, _stdlib_socket.IPV6_V6ONLY, 1)
                if port == 0 and listeners:
                    sockaddr = _with_port(sockaddr, listeners[0].socket.getsockname()[1])
                try:
                    sock.bind(sockaddr)
                except OSError as exc:
                    raise OSError(
                        exc.errno, f"can't listen on {sockaddr!r}: {exc.strerror}"
                    ) from None
                sock.listen(backlog)
            except BaseException:
                sock.close()
                raise
            listeners.append(SocketListener(sock))
    except BaseException:
        for listener in listeners:
            listener.forceful_close()
        raise
    if not listeners:
        raise OSError(
            errno.EAFNOSUPPORT,
            "none of the addresses to listen on is usable here: "
            + "; ".join(str(exc) for exc in unsupported),
        )
    return listeners


async def _run_handler(handler: Callable[[StreamT], Awaitable[object]], stream: StreamT) -> None:
    try:
        await handler(stream)
    finally:
        # As polite a close as there is without blocking: graceful_close in a
        # cancelled scope closes at once (a socket without a reset, say; a TLS
        # stream without its close_notify).
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await stream.graceful_close()


async def _serve_one_listener(
    listener: Listener[Any],
    handler_nursery: trio_core.Nursery,
    handler: Callable[[Any], Awaitable[object]],
) -> NoReturn:
    async with listener:
        while True:
            try:
                stream = await listener.accept()
            except OSError as exc:
                if exc.errno not in _RESOURCE_ERRNOS:
                    raise
                LOGGER.error(
                    "accept() on %r failed: %s; pausing %.0f ms before accepting again",
                    listener,
                    exc,
                    ACCEPT_ERROR_PAUSE * 1000,
                    exc_info=True,
                )
                await trio_core.sleep(ACCEPT_ERROR_PAUSE)
            else:
                handler_nursery.start_soon(_run_handler, handler, stream)


async def serve_listeners(
    handler: Callable[[StreamT], Awaitable[object]],
    listeners: Sequence[Listener[Any]],
    *,
    handler_nursery: trio_core.Nursery | None = None,
    task_status: trio_core.TaskStatus[Sequence[Listener[Any]]] = trio_core.TASK_STATUS_IGNORED,
) -> NoReturn:
    """Accept connections on every listener, forever, running ``handler(stream)``
    in a new task for each one.

    When ``handler`` returns (or raises), its stream is closed if it is not
    closed already, at once, without blocking (so a TLS stream sends no
    ``close_notify``): close it gracefully yourself (``async with stream:``)
    for a polite goodbye.  An exception from a handler propagates
    and stops the server, as in any nursery.  Running out of file
    descriptors or kernel memory while accepting (``EMFILE``, ``ENFILE``,
    ``ENOBUFS``, ``ENOMEM``) is logged (logger ``trio_streams.serve_listeners``)
    and retried after a short pause; any other error of a listener propagates.
    The listeners are closed when this returns (it only does so by raising,
    or by being cancelled).  Use it with :meth:`Nursery.start
    <trio_core.Nursery.start>` to learn when it is serving; that returns the
    listeners.

    A checkpoint: it runs until cancelled (or until something fails), and
    never returns normally.

    Args:
        handler: an async function taking the accepted stream.
        listeners: the listeners to serve; this function takes them over.
        handler_nursery: where to run the handlers (default: a nursery
            inside this call).
        task_status: for :meth:`Nursery.start <trio_core.Nursery.start>`.

    Raises:
        ValueError: if ``listeners`` is empty.
        ExceptionGroup: holding a listener's ``accept`` error (other than the
            resource errors above) or what a handler raised, as nurseries
            report errors (a handler in ``handler_nursery`` fails that
            nursery instead).
    """
    listeners = list(listeners)
    if not listeners:
        raise ValueError("serve_listeners needs at least one listener")
    async with trio_core.open_nursery() as nursery:
        target = nursery if handler_nursery is None else handler_nursery
        for listener in listeners:
            nursery.start_soon(_serve_one_listener, listener, target, handler)
        # The listeners are already listening: connections queue up from now.
        task_status.started(listeners)
    raise AssertionError("unreachable: the accept loops never return")  # pragma: no cover


async def serve_tcp(
    handler: Callable[[Any], Awaitable[object]],
    port: int,
    *,
    host: str | bytes | None = None,
    backlog: int | None = None,
    handler_nursery: trio_core.Nursery | None = None,
    task_status: trio_core.TaskStatus[Sequence[Listener[Any]]] = trio_core.TASK_STATUS_IGNORED,
) -> NoReturn:
    """Serve TCP on ``port``: :func:`open_tcp_listeners` then :func:`serve_listeners`.

    ``handler`` gets a :class:`SocketStream` per connection.  With
    :meth:`Nursery.start <trio_core.Nursery.start>`, returns the list of
    :class:`SocketListener` once listening (find the port of ``port=0`` with
    ``listeners[0].socket.getsockname()[1]``).

    A checkpoint: it runs until cancelled (or until something fails), and
    never returns normally.

    Args:
        handler: an async function taking a :class:`SocketStream`.
        port: the port (0: any free port, the same on every address).
        host: the host to listen on (``None``: every interface).
        backlog: the ``listen()`` queue length (default: the kernel maximum).
        handler_nursery: where to run the handlers (default: inside this call).
        task_status: for :meth:`Nursery.start <trio_core.Nursery.start>`.

    Raises:
        TypeError: if ``port`` or ``backlog`` is not an int.
        ValueError: if ``port`` is out of range or ``backlog`` is negative.
        OSError: if listening fails (the port is in use, say).
        ExceptionGroup: as :func:`serve_listeners` raises it.
    """
    listeners = await open_tcp_listeners(port, host=host, backlog=backlog)
    await serve_listeners(
        handler, listeners, handler_nursery=handler_nursery, task_status=task_status
    )
