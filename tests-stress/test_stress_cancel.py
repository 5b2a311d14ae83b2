"""Hardening, "Faults": cancellation at every checkpoint.

For each operation, a fresh scenario is run with a cancel right after the
operation's k-th yield to the scheduler (k = 0: cancelled before it starts),
for k = 0, 1, 2, ... until the operation completes with no cancel pending.
After each run the documented state is checked, and the file descriptors
are counted: they must be back to what they were before the scenario.

The cancel comes from an Instrument (see stress_support.run_cancelled_after),
so it lands exactly where another task's cancel would: on the wait the
operation is parked in, or at its next checkpoint.
"""

from __future__ import annotations

import functools
import os
import random
import socket as stdlib_socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from stress_support import (
    CancelOutcome,
    cancel_at_every_checkpoint,
    open_fds,
    run_cancelled_after,
    size,
)

import trio
from trio.testing import wait_all_tasks_blocked

SENDALL_BYTES = size("cancel_sendall_bytes", 1024 * 1024, 64 * 1024)
SMALL_BUFFER = 4096

# How many cancellation points each test covered, for the README / final report.
COVERED: dict[str, int] = {}


def _record(name: str, outcomes: list[CancelOutcome]) -> None:
    cancelled = sum(o.cancelled for o in outcomes)
    COVERED[name] = len(outcomes)
    print(f"{name}: {len(outcomes)} runs, {cancelled} cancelled, completed at k={outcomes[-1].k}")
    # Sanity: the last run completed, every earlier one was really cancelled
    # (or completed despite a cancel that came after its last checkpoint).
    assert not outcomes[-1].cancelled
    assert outcomes[0].cancelled, "k=0 (cancelled before it starts) must raise Cancelled"


@pytest.fixture
def std_listener() -> Any:
    """A non-blocking stdlib listening socket on 127.0.0.1 with a small receive
    buffer (accepted sockets inherit it), so that a sender soon has to wait."""
    sock = stdlib_socket.socket()
    sock.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_RCVBUF, SMALL_BUFFER)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    yield sock
    sock.close()


def _drain_backlog(listener: stdlib_socket.socket) -> int:
    """Accept and close whatever the kernel queued (connections whose connect
    was cancelled after the handshake completed)."""
    drained = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return drained
        conn.close()
        drained += 1


def _blocking_accept(listener: stdlib_socket.socket) -> stdlib_socket.socket:
    listener.settimeout(10)
    try:
        conn, _ = listener.accept()
    finally:
        listener.setblocking(False)
    return conn


async def _connected_pair(
    listener: stdlib_socket.socket,
) -> tuple[trio.socket.SocketType, trio.socket.SocketType]:
    """A connected (client, server) pair of trio sockets, the client's send buffer small."""
    client = trio.socket.socket()
    client.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_SNDBUF, SMALL_BUFFER)
    await client.connect(listener.getsockname())
    server = trio.socket.from_stdlib_socket(_blocking_accept(listener))
    return client, server


async def _read_to_eof(sock: trio.socket.SocketType, into: bytearray) -> None:
    while chunk := await sock.recv(65536):
        into += chunk


def _sockets(fds: set[int]) -> set[int]:
    found = set()
    for fd in fds:
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                found.add(fd)
        except OSError:
            continue
    return found


def _check_fds(before: set[int], what: str, *, sockets_only: bool = False) -> None:
    after = open_fds()
    if sockets_only and os.path.isdir("/proc/self/fd"):
        before, after = _sockets(before), _sockets(after)
    assert after == before, (
        f"{what}: fds leaked {sorted(after - before)} / lost {sorted(before - after)}"
    )


# ---------------------------------------------------------------- trio.socket: connect


async def test_socket_connect(std_listener: stdlib_socket.socket) -> None:
    address = std_listener.getsockname()

    async def attempt(k: int) -> CancelOutcome:
        before = open_fds()
        sock = trio.socket.socket()
        try:
            outcome = await run_cancelled_after(k, functools.partial(sock.connect, address))
            if outcome.cancelled and k == 0:
                # Cancelled before the attempt began: the socket is untouched
                # and can still connect.
                assert sock.fileno() != -1
                await sock.connect(address)
            elif outcome.cancelled:
                # "If cancelled once the connection attempt has begun, the
                # socket is closed."
                assert sock.fileno() == -1, f"k={k}: a cancelled connect left the socket open"
                with pytest.raises(OSError):
                    await sock.sendall(b"x")
            if sock.fileno() != -1:
                # Connected: the connection works.
                conn = _blocking_accept(std_listener)
                with conn:
                    await sock.sendall(b"ping %d" % k)
                    assert conn.recv(100) == b"ping %d" % k
        finally:
            sock.close()
        _drain_backlog(std_listener)
        _check_fds(before, f"connect, k={k}")
        return outcome

    _record("trio.socket connect", await cancel_at_every_checkpoint(attempt))


# ---------------------------------------------------------------- accept


@pytest.mark.parametrize("pending", [True, False], ids=["connection-pending", "connection-later"])
async def test_socket_accept(pending: bool) -> None:
    """trio.socket accept: a cancelled accept consumed nothing (the next one
    gets the very connection)."""
    with trio.socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        async def attempt(k: int) -> CancelOutcome:
            before = open_fds()
            client = stdlib_socket.socket()

            def connect() -> None:
                client.connect(listener.getsockname())
                client.sendall(b"client %d" % k)

            async def connect_when_blocked() -> None:
                await wait_all_tasks_blocked()
                connect()

            try:
                async with trio.open_nursery() as nursery:
                    if pending:
                        connect()
                    else:
                        nursery.start_soon(connect_when_blocked)
                    outcome = await run_cancelled_after(k, listener.accept)
                    if outcome.cancelled:
                        server, peer = await listener.accept()
                    else:
                        server, peer = outcome.result
                with server:
                    assert peer == client.getsockname()
                    assert await server.recv(100) == b"client %d" % k
            finally:
                client.close()
            _check_fds(before, f"accept, k={k}")
            return outcome

        _record(
            f"trio.socket accept ({'pending' if pending else 'later'})",
            await cancel_at_every_checkpoint(attempt),
        )


async def test_socket_listener_accept() -> None:
    """SocketListener.accept, the connection arriving while it waits."""
    sock = trio.socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    async with trio.SocketListener(sock) as listener:

        async def attempt(k: int) -> CancelOutcome:
            before = open_fds()
            client = trio.socket.socket()

            async def connect_when_blocked() -> None:
                await wait_all_tasks_blocked()
                await client.connect(sock.getsockname())
                await client.sendall(b"client %d" % k)

            with client:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(connect_when_blocked)
                    outcome = await run_cancelled_after(k, listener.accept)
                    stream = await listener.accept() if outcome.cancelled else outcome.result
                async with stream:
                    assert stream.socket.getpeername() == client.getsockname()
                    assert await stream.recv(100) == b"client %d" % k
            _check_fds(before, f"SocketListener.accept, k={k}")
            return outcome

        _record("SocketListener accept", await cancel_at_every_checkpoint(attempt))


# ---------------------------------------------------------------- sendall


async def test_socket_sendall_partial_result(std_listener: stdlib_socket.socket) -> None:
    """A cancelled trio.socket sendall says exactly how much the kernel took:
    the peer receives exactly data[:partial_result.bytes_sent]."""
    data = random.Random(1).randbytes(SENDALL_BYTES)

    async def attempt(k: int) -> CancelOutcome:
        before = open_fds()
        client, server = await _connected_pair(std_listener)
        received = bytearray()
        with client, server:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_read_to_eof, server, received)
                outcome = await run_cancelled_after(k, functools.partial(client.sendall, data))
                if outcome.cancelled:
                    sent = outcome.exception.partial_result.bytes_sent  # type: ignore[union-attr]
                    assert 0 <= sent <= len(data)
                    if k == 0:
                        assert sent == 0
                else:
                    sent = len(data)
                client.shutdown(stdlib_socket.SHUT_WR)
            assert len(received) == sent, f"k={k}: partial_result {sent}, peer got {len(received)}"
            assert received == data[:sent]
        _check_fds(before, f"sendall, k={k}")
        return outcome

    outcomes = await cancel_at_every_checkpoint(attempt)
    # The small buffers made sendall wait many times, and cancels landed
    # with a part of the data sent.
    assert any(o.cancelled and o.exception.partial_result.bytes_sent for o in outcomes)  # type: ignore[union-attr]
    _record("trio.socket sendall", outcomes)


async def test_socket_stream_sendall(std_listener: stdlib_socket.socket) -> None:
    """SocketStream.sendall: cancelled after some bytes went out, the stream is
    broken (BrokenStreamError from then on); cancelled before any, it stays
    usable.  The peer receives exactly the bytes partial_result reports."""
    data = random.Random(2).randbytes(SENDALL_BYTES)

    async def attempt(k: int) -> CancelOutcome:
        before = open_fds()
        client, server = await _connected_pair(std_listener)
        stream = trio.SocketStream(client)
        received = bytearray()
        with server:
            async with stream, trio.open_nursery() as nursery:
                nursery.start_soon(_read_to_eof, server, received)
                outcome = await run_cancelled_after(k, functools.partial(stream.sendall, data))
                expected = data
                if outcome.cancelled:
                    sent = outcome.exception.partial_result.bytes_sent  # type: ignore[union-attr]
                    if sent:
                        with pytest.raises(trio.BrokenStreamError):
                            await stream.sendall(b"more")
                        expected = data[:sent]
                    else:
                        await stream.sendall(b"more")
                        expected = b"more"
                await stream.send_eof()
            assert bytes(received) == expected, f"k={k}"
        _check_fds(before, f"SocketStream.sendall, k={k}")
        return outcome

    _record("SocketStream sendall", await cancel_at_every_checkpoint(attempt))


# ---------------------------------------------------------------- recv


@pytest.mark.parametrize("level", ["socket", "stream"])
@pytest.mark.parametrize("pending", [True, False], ids=["data-pending", "data-later"])
async def test_recv(std_listener: stdlib_socket.socket, level: str, pending: bool) -> None:
    """A cancelled recv consumed nothing: the next recv returns all the data."""

    async def attempt(k: int) -> CancelOutcome:
        before = open_fds()
        client, server = await _connected_pair(std_listener)
        message = b"message %d" % k
        receiver: Any = trio.SocketStream(client) if level == "stream" else client

        async def send_when_blocked() -> None:
            await wait_all_tasks_blocked()
            await server.sendall(message)

        with server, client:
            async with trio.open_nursery() as nursery:
                if pending:
                    await server.sendall(message)
                    # Make sure it arrived (loopback: it has, once sendall returned;
                    # wait_readable proves it without sleeping).
                    await trio.lowlevel.wait_readable(client)
                else:
                    nursery.start_soon(send_when_blocked)
                outcome = await run_cancelled_after(k, functools.partial(receiver.recv, 100))
                got = await receiver.recv(100) if outcome.cancelled else outcome.result
            assert got == message, f"k={k}"
            server.shutdown(stdlib_socket.SHUT_WR)
            assert await receiver.recv(100) == b""
        _check_fds(before, f"recv, k={k}")
        return outcome

    _record(
        f"{level} recv ({'pending' if pending else 'later'})",
        await cancel_at_every_checkpoint(attempt),
    )


# ---------------------------------------------------------------- send_eof and graceful_close


async def test_socket_stream_send_eof(std_listener: stdlib_socket.socket) -> None:
    """A send_eof that raised Cancelled did nothing (the stream still sends);
    one that returned ended the sending direction (the peer sees b"")."""

    async def attempt(k: int) -> CancelOutcome:
        before = open_fds()
        client, server = await _connected_pair(std_listener)
        received = bytearray()
        with server:
            async with trio.SocketStream(client) as stream:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(_read_to_eof, server, received)
                    outcome = await run_cancelled_after(k, stream.send_eof)
                    if outcome.cancelled:
                        await stream.sendall(b"still open")
                        await stream.send_eof()
                    else:
                        with pytest.raises(trio.ClosedResourceError):
                            await stream.sendall(b"x")
                # Receiving still works after the half-close.
                await server.sendall(b"reply")
                assert await stream.recv(100) == b"reply"
            assert bytes(received) == (b"still open" if outcome.cancelled else b""), f"k={k}"
        _check_fds(before, f"send_eof, k={k}")
        return outcome

    _record("SocketStream send_eof", await cancel_at_every_checkpoint(attempt))


async def test_socket_stream_graceful_close(std_listener: stdlib_socket.socket) -> None:
    """graceful_close closes even if cancelled; the peer sees an orderly end
    (b"", not a reset), even with unread incoming data."""

    async def attempt(k: int) -> CancelOutcome:
        before = open_fds()
        client, server = await _connected_pair(std_listener)
        stream = trio.SocketStream(client)
        with server:
            await stream.sendall(b"last words")
            await server.sendall(b"unread")  # the close must not answer this with a reset
            await trio.lowlevel.wait_readable(client)
            outcome = await run_cancelled_after(k, stream.graceful_close)
            assert client.fileno() == -1, f"k={k}: graceful_close left the socket open"
            with pytest.raises(trio.ClosedResourceError):
                await stream.sendall(b"x")
            received = bytearray()
            await _read_to_eof(server, received)
            assert received == b"last words"
        _check_fds(before, f"SocketStream.graceful_close, k={k}")
        return outcome

    _record("SocketStream graceful_close", await cancel_at_every_checkpoint(attempt))


# ---------------------------------------------------------------- TLS


class _RecordingStream(trio.abc.Stream):
    """Delegates to a SocketStream and remembers whether a sendall was cut short."""

    def __init__(self, inner: trio.SocketStream) -> None:
        self.inner = inner
        self.interrupted_sends = 0

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        try:
            await self.inner.sendall(data)
        except BaseException:
            self.interrupted_sends += 1
            raise

    async def wait_maybe_writable(self) -> None:
        await self.inner.wait_maybe_writable()

    async def send_eof(self) -> None:
        await self.inner.send_eof()

    async def recv(self, max_bytes: int) -> bytes:
        return await self.inner.recv(max_bytes)

    def forceful_close(self) -> None:
        self.inner.forceful_close()

    async def graceful_close(self) -> None:
        await self.inner.graceful_close()


@asynccontextmanager
async def _tls_pair(
    std_listener: stdlib_socket.socket, server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext
) -> AsyncIterator[tuple[trio.SSLStream, trio.SSLStream, _RecordingStream, _RecordingStream]]:
    client_sock, server_sock = await _connected_pair(std_listener)
    client_transport = _RecordingStream(trio.SocketStream(client_sock))
    server_transport = _RecordingStream(trio.SocketStream(server_sock))
    client = trio.SSLStream(client_transport, client_ctx, server_hostname="localhost")
    server = trio.SSLStream(server_transport, server_ctx, server_side=True)
    try:
        yield client, server, client_transport, server_transport
    finally:
        client.forceful_close()
        server.forceful_close()


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("tls", ["TLSv1_2", "TLSv1_3"])
async def test_tls_handshake(
    std_listener: stdlib_socket.socket,
    server_ctx: ssl.SSLContext,
    client_ctx: ssl.SSLContext,
    side: str,
    tls: str,
) -> None:
    """do_handshake cancelled while it waits for the peer leaves the stream
    usable (a second do_handshake completes and data flows); cancelled while
    it sends, the stream is broken (BrokenStreamError, not a hang)."""
    version = getattr(ssl.TLSVersion, tls)
    client_ctx.maximum_version = version

    async def attempt(k: int) -> CancelOutcome:
        before = open_fds()
        async with _tls_pair(std_listener, server_ctx, client_ctx) as (client, server, ct, st):
            ours, peer = (client, server) if side == "client" else (server, client)
            our_transport = ct if side == "client" else st
            peer_result: list[Any] = []

            async def peer_side() -> None:
                try:
                    await peer.do_handshake()
                    data = await peer.recv(100)
                    await peer.sendall(data.upper())
                    peer_result.append(data)
                except (trio.BrokenStreamError, trio.ClosedResourceError) as exc:
                    peer_result.append(exc)

            with trio.fail_after(10):
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(peer_side)
                    outcome = await run_cancelled_after(k, ours.do_handshake)
                    interrupted = our_transport.interrupted_sends
                    if outcome.cancelled and interrupted:
                        with pytest.raises(trio.BrokenStreamError):
                            await ours.do_handshake()
                        ours.forceful_close()
                    else:
                        if outcome.cancelled:
                            await ours.do_handshake()
                        assert ours.version() == tls.replace("_", ".").replace("TLSv1.", "TLSv1.")
                        await ours.sendall(b"hello %d" % k)
                        assert await ours.recv(100) == b"HELLO %d" % k
            if not (outcome.cancelled and interrupted):
                assert peer_result == [b"hello %d" % k]
        _check_fds(before, f"TLS handshake ({side}), k={k}")
        return outcome

    _record(f"TLS handshake ({side}, {tls})", await cancel_at_every_checkpoint(attempt))


async def test_tls_graceful_close(
    std_listener: stdlib_socket.socket, server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext
) -> None:
    """SSLStream.graceful_close, cancelled anywhere, still closes the transport;
    the peer then sees either the close_notify (b"") or, if the alert was
    never sent, a BrokenStreamError; uncancelled, it always sends close_notify."""

    async def attempt(k: int) -> CancelOutcome:
        before = open_fds()
        async with _tls_pair(std_listener, server_ctx, client_ctx) as (client, server, ct, _):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(server.do_handshake)
                await client.do_handshake()
            await client.sendall(b"last words")
            outcome = await run_cancelled_after(k, client.graceful_close)
            assert ct.inner.socket.fileno() == -1, f"k={k}: the transport is still open"
            with pytest.raises(trio.ClosedResourceError):
                await client.sendall(b"x")
            with trio.fail_after(10):
                assert await server.recv(100) == b"last words"
                try:
                    end = await server.recv(100)
                except trio.BrokenStreamError:
                    end = None
            if not outcome.cancelled:
                assert end == b"", f"k={k}: no close_notify from an uncancelled graceful_close"
            else:
                assert end in (b"", None)
        _check_fds(before, f"SSLStream.graceful_close, k={k}")
        return outcome

    _record("SSLStream graceful_close", await cancel_at_every_checkpoint(attempt))


# ---------------------------------------------------------------- open_tcp_stream


class _FakeResolver(trio.socket.HostnameResolver):
    """Answers every name with refused addresses first and the listener last,
    so open_tcp_stream makes several attempts (Happy Eyeballs)."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    async def getaddrinfo(
        self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> list[tuple[Any, Any, int, str, Any]]:
        await trio.lowlevel.checkpoint()
        return [
            (stdlib_socket.AF_INET, stdlib_socket.SOCK_STREAM, 6, "", (a, int(port)))
            for a in self.addresses
        ]

    async def getnameinfo(self, sockaddr: tuple[Any, ...], flags: int) -> tuple[str, str]:
        raise NotImplementedError


@pytest.mark.parametrize("how", ["numeric", "system-resolver", "refused-first"])
async def test_open_tcp_stream(std_listener: stdlib_socket.socket, how: str) -> None:
    port = std_listener.getsockname()[1]
    host = "127.0.0.1"
    if how == "system-resolver":
        host = "localhost"  # resolved in a worker thread
    elif how == "refused-first":
        # Nothing listens on 127.0.0.2/3 (the listener is bound to 127.0.0.1
        # only), so those attempts are refused at once.
        trio.socket.set_custom_hostname_resolver(
            _FakeResolver(["127.0.0.2", "127.0.0.3", "127.0.0.1"])
        )
        host = "server.example"

    async def attempt(k: int) -> CancelOutcome:
        before = open_fds()
        outcome = await run_cancelled_after(k, functools.partial(trio.open_tcp_stream, host, port))
        if not outcome.cancelled:
            async with outcome.result as stream:
                conn = _blocking_accept(std_listener)
                with conn:
                    await stream.sendall(b"hello %d" % k)
                    assert conn.recv(100) == b"hello %d" % k
        _drain_backlog(std_listener)
        # A cancelled to_thread.run_sync(getaddrinfo) abandons its worker
        # thread, which goes on reading /etc/hosts and friends (fds of its
        # own) for a moment, before or after this check: with the system
        # resolver, compare the sockets only (the root conftest still checks
        # every fd once the test is over).
        _check_fds(before, f"open_tcp_stream ({how}), k={k}", sockets_only=how == "system-resolver")
        return outcome

    try:
        _record(f"open_tcp_stream ({how})", await cancel_at_every_checkpoint(attempt))
    finally:
        trio.socket.set_custom_hostname_resolver(None)
