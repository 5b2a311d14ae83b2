"""TLS over TCP in one call: open_ssl_over_tcp_stream, open_ssl_over_tcp_listeners
and serve_ssl_over_tcp."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NoReturn

import trio_core

from ._connect import DEFAULT_DELAY, open_tcp_stream
from ._serve import open_tcp_listeners, serve_listeners
from ._socket_stream import SocketStream
from ._ssl import SSLListener, SSLStream
from .abc import Listener

__all__ = ["open_ssl_over_tcp_stream", "open_ssl_over_tcp_listeners", "serve_ssl_over_tcp"]


async def open_ssl_over_tcp_stream(
    host: str | bytes,
    port: int,
    *,
    https_compatible: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    happy_eyeballs_delay: float | None = DEFAULT_DELAY,
) -> SSLStream[SocketStream]:
    """Connect with :func:`open_tcp_stream` and wrap the connection in a client
    :class:`SSLStream` that verifies ``host``.

    The handshake is not done here: it happens on the first ``sendall`` or
    ``recv`` (or call ``await stream.do_handshake()``).  A checkpoint.

    Args:
        host: the name (or address) to connect to; also what the server's
            certificate must match, and the SNI name.
        port: the port.
        https_compatible: see :class:`SSLStream`.
        ssl_context: the client context (default:
            :func:`ssl.create_default_context`, which verifies the certificate
            against the system's CAs and checks the hostname).
        happy_eyeballs_delay: see :func:`open_tcp_stream`.

    Returns:
        The (not yet handshaken) :class:`SSLStream`.

    Raises:
        OSError: if connecting fails (see :func:`open_tcp_stream`).
    """
    if ssl_context is None:
        ssl_context = ssl.create_default_context()
    server_hostname = host.decode("ascii") if isinstance(host, bytes) else host
    tcp_stream = await open_tcp_stream(host, port, happy_eyeballs_delay=happy_eyeballs_delay)
    try:
        return SSLStream(
            tcp_stream,
            ssl_context,
            server_hostname=server_hostname,
            https_compatible=https_compatible,
        )
    except BaseException:
        tcp_stream.forceful_close()
        raise


async def open_ssl_over_tcp_listeners(
    port: int,
    ssl_context: ssl.SSLContext,
    *,
    host: str | bytes | None = None,
    https_compatible: bool = False,
    backlog: int | None = None,
) -> list[SSLListener[SocketStream]]:
    """Listen for TLS over TCP: :func:`open_tcp_listeners`, each listener wrapped
    in an :class:`SSLListener`.

    The handshake of each connection happens on its first ``sendall`` or
    ``recv`` (see :class:`SSLListener`).  A checkpoint.

    Args:
        port: the port (0: any free port, the same on every address).
        ssl_context: the server's context (with its certificate loaded).
        host: the host to listen on (``None``: every interface).
        https_compatible: see :class:`SSLStream`.
        backlog: the ``listen()`` queue length (default: the kernel maximum).

    Returns:
        A list of :class:`SSLListener`; the caller owns (and closes) them.  The
        port: ``listeners[0].transport_listener.socket.getsockname()[1]``.

    Raises:
        TypeError: if ``ssl_context`` is not an :class:`ssl.SSLContext` (or
            ``port`` or ``backlog`` is not an int).
        ValueError: if ``port`` is out of range or ``backlog`` is negative.
        OSError: if listening fails.
    """
    if not isinstance(ssl_context, ssl.SSLContext):
        raise TypeError(f"ssl_context must be an ssl.SSLContext, got {ssl_context!r}")
    tcp_listeners = await open_tcp_listeners(port, host=host, backlog=backlog)
    return [
        SSLListener(listener, ssl_context, https_compatible=https_compatible)
        for listener in tcp_listeners
    ]


async def serve_ssl_over_tcp(
    handler: Callable[[SSLStream[SocketStream]], Awaitable[object]],
    port: int,
    ssl_context: ssl.SSLContext,
    *,
    host: str | bytes | None = None,
    https_compatible: bool = False,
    backlog: int | None = None,
    handler_nursery: trio_core.Nursery | None = None,
    task_status: trio_core.TaskStatus[Sequence[Listener[Any]]] = trio_core.TASK_STATUS_IGNORED,
) -> NoReturn:
    """Serve TLS over TCP: like :func:`serve_tcp`, with each connection wrapped
    in a server-side :class:`SSLStream`.

    The handshake happens on the handler's first ``sendall`` or ``recv`` (so
    one slow client never holds up the others).  With :meth:`Nursery.start
    <trio_core.Nursery.start>`, returns the list of :class:`SSLListener`
    (the port: ``listeners[0].transport_listener.socket.getsockname()[1]``).

    A checkpoint: it runs until cancelled (or until something fails), and
    never returns normally.

    Args:
        handler: an async function taking an :class:`SSLStream`.
        port: the port (0: any free port).
        ssl_context: the server's context (with its certificate loaded).
        host: the host to listen on (``None``: every interface).
        https_compatible: see :class:`SSLStream`.
        backlog: the ``listen()`` queue length.
        handler_nursery: where to run the handlers (default: inside this call).
        task_status: for :meth:`Nursery.start <trio_core.Nursery.start>`.

    Raises:
        TypeError: if ``ssl_context`` is not an :class:`ssl.SSLContext` (or
            ``port`` or ``backlog`` is not an int).
        ValueError: if ``port`` is out of range or ``backlog`` is negative.
        OSError: if listening fails.
        ExceptionGroup: as :func:`serve_listeners` raises it.
    """
    if not isinstance(ssl_context, ssl.SSLContext):
        raise TypeError(f"ssl_context must be an ssl.SSLContext, got {ssl_context!r}")
    ssl_listeners = await open_ssl_over_tcp_listeners(
        port, ssl_context, host=host, https_compatible=https_compatible, backlog=backlog
    )
    await serve_listeners(
        handler, ssl_listeners, handler_nursery=handler_nursery, task_status=task_status
    )
