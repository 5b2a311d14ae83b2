"""open_stream_to_socket_listener: a client connection to a listener, for tests."""

from __future__ import annotations

import socket as _stdlib_socket

import trio_socket

from ._socket_stream import SocketListener, SocketStream

__all__ = ["open_stream_to_socket_listener"]


async def open_stream_to_socket_listener(socket_listener: SocketListener) -> SocketStream:
    """Connect to the address ``socket_listener`` listens on.

    A wildcard address (``0.0.0.0`` or ``::``) is replaced by the loopback
    address of its family.  A checkpoint.

    Args:
        socket_listener: the :class:`~trio_streams.SocketListener` to connect to.

    Returns:
        A connected :class:`~trio_streams.SocketStream`.

    Raises:
        TypeError: if ``socket_listener`` is not a SocketListener.
        OSError: if the connection fails.
    """
    if not isinstance(socket_listener, SocketListener):
        raise TypeError(f"expected a trio_streams.SocketListener, got {socket_listener!r}")
    listen_sock = socket_listener.socket
    family = listen_sock.family
    address = listen_sock.getsockname()
    if family == _stdlib_socket.AF_INET and address[0] == "0.0.0.0":
        address = ("127.0.0.1", address[1])
    elif family == _stdlib_socket.AF_INET6 and address[0] == "::":
        address = ("::1", *address[1:])
    sock = trio_socket.socket(family, listen_sock.type, listen_sock.proto)
    try:
        await sock.connect(address)
        return SocketStream(sock)
    except BaseException:
        sock.close()
        raise
