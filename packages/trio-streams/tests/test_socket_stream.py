"""SocketStream and SocketListener over real loopback sockets (TCP v4/v6, Unix)."""

from __future__ import annotations

import errno
import socket as stdlib_socket
import ssl
from collections.abc import Awaitable, Callable

import pytest

import trio_core
import trio_socket
from trio_core.testing import wait_all_tasks_blocked
from trio_streams import (
    BrokenStreamError,
    SocketListener,
    SocketStream,
    SSLStream,
    open_tcp_listeners,
)
from trio_streams.testing import (
    check_half_closeable_stream,
    check_two_way_stream,
    open_stream_to_socket_listener,
)

SERVER_NAME = "trio-test.example"
Maker = Callable[[], Awaitable[tuple[SocketStream, SocketStream]]]


def has_ipv6() -> bool:
    try:
        with stdlib_socket.socket(stdlib_socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


FAMILIES = [
    pytest.param(stdlib_socket.AF_INET, "127.0.0.1", id="ipv4"),
    pytest.param(
        stdlib_socket.AF_INET6,
        "::1",
        id="ipv6",
        marks=pytest.mark.skipif(not has_ipv6(), reason="no IPv6 loopback"),
    ),
]


async def tcp_pair(
    family: int = stdlib_socket.AF_INET, host: str = "127.0.0.1", *, small_buffers: bool = False
) -> tuple[SocketStream, SocketStream]:
    """A connected TCP pair; with small_buffers, a 64 KiB sendall blocks until
    the peer reads (SO_RCVBUF must be set before the connection exists)."""
    listen_sock = trio_socket.socket(family)
    client_sock = trio_socket.socket(family)
    try:
        for sock in (listen_sock, client_sock) if small_buffers else ():
            sock.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_RCVBUF, 1)
            sock.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_SNDBUF, 1)
        listen_sock.bind((host, 0))
        listen_sock.listen()
        await client_sock.connect(listen_sock.getsockname())
        server_sock, _ = await listen_sock.accept()
    except BaseException:
        client_sock.close()
        raise
    finally:
        listen_sock.close()
    return SocketStream(client_sock), SocketStream(server_sock)


def unix_pair() -> tuple[SocketStream, SocketStream]:
    a, b = trio_socket.socketpair()
    return SocketStream(a), SocketStream(b)


@pytest.mark.parametrize(("family", "host"), FAMILIES)
async def test_tcp_socket_stream_conforms(family: int, host: str) -> None:
    async def maker() -> tuple[SocketStream, SocketStream]:
        return await tcp_pair(family, host)

    async def clogged() -> tuple[SocketStream, SocketStream]:
        return await tcp_pair(family, host, small_buffers=True)

    await check_half_closeable_stream(maker, clogged)


async def test_unix_socket_stream_conforms() -> None:
    async def maker() -> tuple[SocketStream, SocketStream]:
        return unix_pair()

    async def clogged() -> tuple[SocketStream, SocketStream]:
        a, b = unix_pair()
        for stream in (a, b):
            stream.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_SNDBUF, 1)
            stream.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_RCVBUF, 1)
        return a, b

    await check_half_closeable_stream(maker, clogged)


@pytest.mark.parametrize(
    "version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3], ids=["TLSv1.2", "TLSv1.3"]
)
async def test_ssl_over_tcp_conforms(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    client_ctx.minimum_version = client_ctx.maximum_version = version

    async def make(small_buffers: bool) -> tuple[SSLStream, SSLStream]:
        a, b = await tcp_pair(small_buffers=small_buffers)
        client = SSLStream(a, client_ctx, server_hostname=SERVER_NAME)
        server = SSLStream(b, server_ctx, server_side=True)
        return client, server

    async def maker() -> tuple[SSLStream, SSLStream]:
        return await make(False)

    async def clogged() -> tuple[SSLStream, SSLStream]:
        client, server = await make(True)
        # Handshake (and read TLS 1.3's session tickets) before clogging.
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(server.sendall, b"x")
            nursery.start_soon(client.sendall, b"y")
            assert await client.recv(1) == b"x"
            assert await server.recv(1) == b"y"
        return client, server

    await check_two_way_stream(maker, clogged)


async def test_socket_stream_construction_errors() -> None:
    with stdlib_socket.socket() as raw, pytest.raises(TypeError, match="from_stdlib_socket"):
        SocketStream(raw)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="SocketType"):
        SocketStream("a socket")  # type: ignore[arg-type]
    with trio_socket.socket(type=stdlib_socket.SOCK_DGRAM) as udp:
        with pytest.raises(ValueError, match="SOCK_STREAM"):
            SocketStream(udp)
        with pytest.raises(ValueError, match="SOCK_STREAM"):
            SocketListener(udp)


async def test_socket_stream_options_and_nodelay() -> None:
    raw = trio_socket.socket()
    raw.setsockopt(stdlib_socket.IPPROTO_TCP, stdlib_socket.TCP_NODELAY, False)
    a, b = await tcp_pair()
    async with a, b:
        assert a.getsockopt(stdlib_socket.IPPROTO_TCP, stdlib_socket.TCP_NODELAY)
        assert b.getsockopt(stdlib_socket.IPPROTO_TCP, stdlib_socket.TCP_NODELAY)
        a.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_KEEPALIVE, 1)
        assert a.getsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_KEEPALIVE)
        assert a.socket.getsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_KEEPALIVE)
        linger = a.getsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_LINGER, 8)
        assert isinstance(linger, bytes) and len(linger) == 8
        with pytest.raises(TypeError, match="length"):
            a.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_KEEPALIVE, None)  # type: ignore[call-overload]
        with pytest.raises(TypeError, match="value=None"):
            a.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_KEEPALIVE, 1, 4)  # type: ignore[call-overload]
        assert "SocketStream" in repr(a)
    # A stream made from a socket with TCP_NODELAY off switches it on.
    listen_sock = trio_socket.socket()
    listen_sock.bind(("127.0.0.1", 0))
    listen_sock.listen()
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(raw.connect, listen_sock.getsockname())
        server_sock, _ = await listen_sock.accept()
    listen_sock.close()
    server_sock.close()
    stream = SocketStream(raw)
    assert stream.getsockopt(stdlib_socket.IPPROTO_TCP, stdlib_socket.TCP_NODELAY)
    stream.forceful_close()


async def test_send_eof_shuts_down_writing() -> None:
    a, b = await tcp_pair()
    async with a, b:
        await a.sendall(b"last")
        await a.send_eof()
        got = b""
        while chunk := await b.recv(100):
            got += chunk
        assert got == b"last"
        await a.send_eof()  # idempotent
        with pytest.raises(trio_core.ClosedResourceError, match="send_eof"):
            await a.sendall(b"more")
        await b.sendall(b"reply")
        assert await a.recv(100) == b"reply"


async def test_peer_reset_gives_broken_stream_error() -> None:
    a, b = await tcp_pair()
    async with a:
        # SO_LINGER with a zero timeout: close() sends a reset.
        b.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        b.forceful_close()
        with pytest.raises(BrokenStreamError) as info:
            await a.recv(10)
        assert isinstance(info.value.__cause__, ConnectionResetError)


async def test_cancelled_sendall_before_any_byte_keeps_the_stream() -> None:
    a, b = await tcp_pair()
    async with a, b:
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await a.sendall(b"never sent")
        await a.sendall(b"fine")
        assert await b.recv(100) == b"fine"


@pytest.mark.parametrize("bad", ["10", 1.5, float("nan"), None, True])
async def test_recv_refuses_max_bytes_that_is_not_an_int(bad: object) -> None:
    a, b = await tcp_pair()
    async with a, b:
        await a.sendall(b"hello")
        with pytest.raises(TypeError, match=r"max_bytes must be an int of at least 1, got"):
            await b.recv(bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="max_bytes must be at least 1"):
            await b.recv(0)
        got = b""
        while len(got) < 5:  # nothing was consumed by the refused calls
            got += await b.recv(5 - len(got))
        assert got == b"hello"


async def test_listener_requires_listening_socket_and_closes() -> None:
    sock = trio_socket.socket()
    sock.bind(("127.0.0.1", 0))
    with pytest.raises(ValueError, match="listen"):
        SocketListener(sock)
    sock.listen()
    listener = SocketListener(sock)
    assert "SocketListener" in repr(listener)

    async def blocked_accept() -> None:
        with pytest.raises(trio_core.ClosedResourceError):
            await listener.accept()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(blocked_accept)
        await wait_all_tasks_blocked()
        with pytest.raises(trio_core.BusyResourceError, match="accept"):
            await listener.accept()
        await listener.graceful_close()
    with pytest.raises(trio_core.ClosedResourceError):
        await listener.accept()
    listener.forceful_close()


class _FlakyAcceptSocket(trio_socket.SocketType):
    """A fake listening socket: accept() fails with the given errnos, then works."""

    def __init__(self, real: trio_socket.SocketType, errnos: list[int]) -> None:
        self.real = real
        self.errnos = errnos

    @property
    def type(self) -> int:
        return stdlib_socket.SOCK_STREAM

    @property
    def family(self) -> int:
        return self.real.family

    def getsockopt(self, level: int, optname: int, buflen: int | None = None) -> int:
        return 1

    async def accept(self) -> tuple[trio_socket.SocketType, object]:
        await trio_core.lowlevel.checkpoint()
        if self.errnos:
            code = self.errnos.pop(0)
            raise OSError(code, errno.errorcode[code])
        return await self.real.accept()

    def close(self) -> None:
        self.real.close()


async def test_listener_skips_connections_that_failed_early() -> None:
    real = trio_socket.socket()
    real.bind(("127.0.0.1", 0))
    real.listen()
    listener = SocketListener(_FlakyAcceptSocket(real, [errno.ECONNABORTED, errno.EPROTO]))
    async with listener:
        client = trio_socket.socket()
        await client.connect(real.getsockname())
        async with SocketStream(client), await listener.accept() as server:
            assert isinstance(server, SocketStream)
    flaky = SocketListener(_FlakyAcceptSocket(real, [errno.EMFILE]))
    with pytest.raises(OSError) as info:
        await flaky.accept()
    assert info.value.errno == errno.EMFILE


async def test_open_tcp_listeners_every_address_one_port() -> None:
    listeners = await open_tcp_listeners(0)
    try:
        families = {listener.socket.family for listener in listeners}
        assert stdlib_socket.AF_INET in families
        ports = {listener.socket.getsockname()[1] for listener in listeners}
        assert len(ports) == 1
        for listener in listeners:
            assert listener.socket.getsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_ACCEPTCONN)
            if listener.socket.family == stdlib_socket.AF_INET6:
                assert listener.socket.getsockopt(
                    stdlib_socket.IPPROTO_IPV6, stdlib_socket.IPV6_V6ONLY
                )
            client = await open_stream_to_socket_listener(listener)
            server = await listener.accept()
            async with client, server:
                await client.sendall(b"hi")
                assert await server.recv(10) == b"hi"
    finally:
        for listener in listeners:
            await listener.graceful_close()


async def test_open_tcp_listeners_errors() -> None:
    with pytest.raises(TypeError, match="port"):
        await open_tcp_listeners("80")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="port"):
        await open_tcp_listeners(True)
    with pytest.raises(ValueError, match="65535"):
        await open_tcp_listeners(70000)
    with pytest.raises(TypeError, match="backlog"):
        await open_tcp_listeners(0, backlog=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backlog"):
        await open_tcp_listeners(0, backlog=-1)
    (listener,) = await open_tcp_listeners(0, host="127.0.0.1", backlog=5)
    async with listener:
        port = listener.socket.getsockname()[1]
        # SO_REUSEADDR does not let a second listener take a listening port.
        with pytest.raises(OSError) as info:
            await open_tcp_listeners(port, host="127.0.0.1")
        assert info.value.errno == errno.EADDRINUSE
        assert "127.0.0.1" in str(info.value)
    with pytest.raises(TypeError):
        await open_stream_to_socket_listener(object())  # type: ignore[arg-type]
