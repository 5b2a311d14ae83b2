"""Modern Trio's signatures beside the seed's: local_address, open_ssl_over_tcp_listeners,
open_unix_socket(filename), and SSLStream's session information."""

from __future__ import annotations

import socket as stdlib_socket
import ssl
import sys
from pathlib import Path

import pytest

import trio_core
import trio_socket
from trio_streams import (
    SocketListener,
    SocketStream,
    SSLListener,
    SSLStream,
    open_ssl_over_tcp_listeners,
    open_ssl_over_tcp_stream,
    open_tcp_listeners,
    open_tcp_stream,
    open_unix_socket,
)
from trio_streams.testing import memory_stream_pair

SERVER_NAME = "trio-test.example"


async def _loopback_listener() -> tuple[SocketListener, int]:
    (listener,) = await open_tcp_listeners(0, host="127.0.0.1")
    return listener, listener.socket.getsockname()[1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="all of 127/8 is local on Linux")
async def test_open_tcp_stream_connects_from_local_address() -> None:
    listener, port = await _loopback_listener()
    async with listener:
        for local in ("127.0.0.2", "127.0.0.3"):
            client = await open_tcp_stream("127.0.0.1", port, local_address=local)
            server = await listener.accept()
            async with client, server:
                assert client.socket.getsockname()[0] == local
                assert server.socket.getpeername()[0] == local
                await client.send_all(b"from " + local.encode())
                assert await server.receive_some() == b"from " + local.encode()


async def test_open_tcp_stream_local_address_of_the_wrong_family() -> None:
    listener, port = await _loopback_listener()
    async with listener:
        with pytest.raises(OSError, match=r"local_address='::'"):
            await open_tcp_stream("127.0.0.1", port, local_address="::")
        with pytest.raises(TypeError, match="local_address"):
            await open_tcp_stream("127.0.0.1", port, local_address=b"127.0.0.1")  # type: ignore[arg-type]
        # The seed's call form is unchanged.
        async with await open_tcp_stream("127.0.0.1", port, happy_eyeballs_delay=None):
            async with await listener.accept():
                pass


async def test_open_ssl_over_tcp_listeners(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    listeners = await open_ssl_over_tcp_listeners(0, server_ctx, host="127.0.0.1", backlog=5)
    assert len(listeners) == 1 and isinstance(listeners[0], SSLListener)
    (listener,) = listeners
    assert isinstance(listener.transport_listener, SocketListener)
    port = listener.transport_listener.socket.getsockname()[1]

    async def serve_one() -> None:
        async with await listener.accept() as server:
            assert await server.receive_some() == b"hello"
            await server.send_all(b"hi")

    async with listener, trio_core.open_nursery() as nursery:
        nursery.start_soon(serve_one)
        client = await open_ssl_over_tcp_stream("localhost", port, ssl_context=client_ctx)
        async with client:
            await client.send_all(b"hello")
            assert await client.receive_some() == b"hi"
    with pytest.raises(TypeError, match="ssl_context"):
        await open_ssl_over_tcp_listeners(0, "not a context", host="127.0.0.1")  # type: ignore[arg-type]


async def test_open_unix_socket_takes_filename(tmp_path: Path) -> None:
    path = tmp_path / "sock"
    listen_sock = trio_socket.socket(stdlib_socket.AF_UNIX)
    try:
        listen_sock.bind(str(path))
        listen_sock.listen()
        for kwargs in ({"filename": path}, {"path": str(path)}):
            client = await open_unix_socket(**kwargs)  # type: ignore[arg-type]
            server_sock, _ = await listen_sock.accept()
            async with client, SocketStream(server_sock) as server:
                await client.send_all(b"x")
                assert await server.receive_some(1) == b"x"
    finally:
        listen_sock.close()
    with pytest.raises(TypeError, match="only one"):
        await open_unix_socket(filename=path, path=path)
    with pytest.raises(TypeError, match="filename"):
        await open_unix_socket()


async def test_ssl_stream_session_information(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    a, b = memory_stream_pair()
    client = SSLStream(a, client_ctx, server_hostname=SERVER_NAME)
    server = SSLStream(b, server_ctx, server_side=True)
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(client.do_handshake)
        nursery.start_soon(server.do_handshake)
    assert client.compression() is None
    assert client.shared_ciphers() is None  # the client side has none
    shared = server.shared_ciphers()
    assert shared and all(len(entry) == 3 for entry in shared)
    assert client.session is not None and client.session_reused is False
    assert client.pending() == 0
    assert client._ssl_object.version() == client.version()
    binding = client.get_channel_binding()
    assert binding is None or (isinstance(binding, bytes) and binding)
    with pytest.raises(ValueError):
        client.get_channel_binding("no-such-binding")
    # Generic in the transport, as in modern Trio.
    assert SSLStream[SocketStream].__origin__ is SSLStream  # type: ignore[attr-defined]
    assert SSLListener[SocketStream].__origin__ is SSLListener  # type: ignore[attr-defined]
    client.forceful_close()
    server.forceful_close()
