"""The trio.socket and signal names that libraries written for modern Trio call
(issue 15), used the way they use them, through ``import trio``.

Checked against: AnyIO 4.16's trio backend (anyio/_backends/_trio.py),
hypercorn's trio worker (hypercorn/trio/run.py, tcp_server.py,
udp_server.py), httpcore's trio backend (the stream's ``socket``:
``is_readable()`` in older versions, ``fileno()`` polled by
``is_socket_readable`` in newer ones, ``getsockname``/``getpeername``) and
trio-websocket (``listener.socket.getsockname()``, ``stream.socket``).
Loopback only.
"""

from __future__ import annotations

import array
import os
import select
import signal
import socket as stdlib_socket
import sys

import pytest

import trio
import trio.socket as tsocket

#: (who calls it, where): what must exist on trio.socket / its sockets / trio.
MODULE_NAMES = {
    "socket": "AnyIO connect_tcp/connect_unix/create_udp_socket",
    "SocketType": "AnyIO, hypercorn (annotations, isinstance)",
    "from_stdlib_socket": "AnyIO wrap_*_socket and listeners, hypercorn run.py/udp_server.py",
    "getaddrinfo": "AnyIO getaddrinfo",
    "getnameinfo": "AnyIO getnameinfo",
    "socketpair": "trio programs and tests",
    "AF_INET": "constants, everywhere",
    "AF_INET6": "constants",
    "AF_UNIX": "constants",
    "SOCK_STREAM": "constants",
    "SOCK_DGRAM": "constants",
    "SOL_SOCKET": "constants",
    "SO_REUSEADDR": "constants",
    "IPPROTO_TCP": "AnyIO setsockopt(IPPROTO_TCP, TCP_NODELAY)",
    "TCP_NODELAY": "AnyIO",
    "SHUT_WR": "AnyIO send_eof",
    "CMSG_LEN": "AnyIO receive_fds",
    "SCM_RIGHTS": "AnyIO send_fds/receive_fds",
}
SOCKET_METHODS = {
    "fileno": "AnyIO _check_closed, httpcore is_socket_readable",
    "close": "AnyIO aclose",
    "recv": "AnyIO SocketStream.receive, ConnectedUDPSocket",
    "send": "AnyIO SocketStream.send (loops on the count)",
    "sendto": "AnyIO UDPSocket.send, hypercorn UDPServer.protocol_send",
    "recvfrom": "AnyIO UDPSocket.receive, hypercorn UDPServer.run",
    "recvmsg": "AnyIO UNIXSocketStream.receive_fds",
    "sendmsg": "AnyIO UNIXSocketStream.send_fds",
    "accept": "AnyIO TCPSocketListener.accept",
    "bind": "AnyIO (awaited)",
    "connect": "AnyIO",
    "setsockopt": "AnyIO, httpcore socket_options",
    "getsockopt": "trio programs",
    "shutdown": "AnyIO send_eof",
    "getsockname": "hypercorn, trio-websocket, httpcore client_addr",
    "getpeername": "hypercorn, httpcore server_addr",
    "is_readable": "httpcore (older trio backend)",
    "wait_writable": "modern Trio's SocketType",
    "did_shutdown_SHUT_WR": "Trio-style SocketStream.send_eof",
    "family": "hypercorn parse_socket_addr, AnyIO",
    "type": "trio programs",
    "proto": "trio programs",
    "_sock": "AnyIO's _raw_socket property reads it: keep the name",
}


def test_every_name_they_call_exists() -> None:
    missing = [name for name in MODULE_NAMES if not hasattr(tsocket, name)]
    missing += [f"SocketType.{n}" for n in SOCKET_METHODS if not hasattr(tsocket.SocketType, n)]
    missing += [n for n in ("open_signal_receiver", "catch_signals") if not hasattr(trio, n)]
    assert not missing, missing


async def test_anyio_style_tcp() -> None:
    # connect_tcp: socket(family), setsockopt, await bind(local), await connect;
    # SocketStream.send loops on send()'s count; send_eof is shutdown(SHUT_WR).
    raw_listener = stdlib_socket.socket()
    raw_listener.bind(("127.0.0.1", 0))
    raw_listener.listen()
    listener = tsocket.from_stdlib_socket(raw_listener)
    with listener:
        client = tsocket.socket(stdlib_socket.AF_INET)
        with client:
            client.setsockopt(stdlib_socket.IPPROTO_TCP, stdlib_socket.TCP_NODELAY, 1)
            await client.bind(("127.0.0.1", 0))
            await client.connect(listener.getsockname())
            server, _ = await listener.accept()
            with server:
                assert isinstance(server, tsocket.SocketType)
                assert client._sock.family == stdlib_socket.AF_INET  # AnyIO's _raw_socket
                payload = os.urandom(300_000)

                async def send_all() -> None:
                    view = memoryview(payload)
                    while view:
                        view = view[await client.send(view) :]
                    client.shutdown(stdlib_socket.SHUT_WR)
                    assert client.did_shutdown_SHUT_WR

                received = bytearray()
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(send_all)
                    while chunk := await server.recv(65536):
                        received += chunk
                assert bytes(received) == payload
                assert server.is_readable()  # end of stream waiting: an idle-check says so
        assert client.fileno() < 0  # closed: AnyIO's _check_closed looks at this


async def test_hypercorn_and_anyio_style_udp() -> None:
    raw = stdlib_socket.socket(stdlib_socket.AF_INET, stdlib_socket.SOCK_DGRAM)
    raw.bind(("127.0.0.1", 0))
    server = tsocket.from_stdlib_socket(raw)
    client = tsocket.socket(family=stdlib_socket.AF_INET, type=stdlib_socket.SOCK_DGRAM)
    with server, client:
        await client.bind(("127.0.0.1", 0))
        assert server.family == stdlib_socket.AF_INET
        await client.sendto(b"ping", server.getsockname())
        data, address = await server.recvfrom(2**16)
        await server.sendto(data[::-1], address)
        assert await client.recv(65536) == b"gnip"


@pytest.mark.skipif(not hasattr(stdlib_socket, "AF_UNIX"), reason="no Unix sockets")
async def test_anyio_style_fd_passing() -> None:
    a, b = tsocket.socketpair()
    read_end, write_end = os.pipe()
    try:
        with a, b:
            fds = array.array("i", [write_end])
            anc = [(stdlib_socket.SOL_SOCKET, stdlib_socket.SCM_RIGHTS, fds)]
            assert await a.sendmsg([b"x"], anc) == 1
            message, ancdata, _, _ = await b.recvmsg(1, stdlib_socket.CMSG_LEN(fds.itemsize))
            assert message == b"x"
            got = array.array("i")
            got.frombytes(ancdata[0][2])
            os.write(got[0], b"via the passed fd")
            os.close(got[0])
            assert os.read(read_end, 100) == b"via the passed fd"
    finally:
        os.close(read_end)
        os.close(write_end)


async def test_httpcore_style_readability_check() -> None:
    # httpcore's is_socket_readable: poll the stream's socket's fileno() with no wait.
    a, b = tsocket.socketpair()
    with a, b:
        poller = select.poll()
        poller.register(a.fileno(), select.POLLIN)
        assert poller.poll(0) == [] and not a.is_readable()
        b.close()  # the peer hangs up
        assert poller.poll(0) and a.is_readable()


@pytest.mark.skipif(sys.platform == "win32", reason="Unix signals")
async def test_anyio_style_signal_receiver() -> None:
    # AnyIO enters and exits the context manager by hand and calls __anext__.
    before = signal.getsignal(signal.SIGUSR1)
    cm = trio.open_signal_receiver(signal.SIGUSR1, signal.SIGUSR2)
    iterator = cm.__enter__()
    try:
        signal.raise_signal(signal.SIGUSR1)
        signal.raise_signal(signal.SIGUSR2)
        with trio.fail_after(10):
            first = await iterator.__anext__()
            second = await iterator.__anext__()
        assert (signal.Signals(first), signal.Signals(second)) == (
            signal.SIGUSR1,
            signal.SIGUSR2,
        )
    finally:
        cm.__exit__(None, None, None)
    assert signal.getsignal(signal.SIGUSR1) is before
