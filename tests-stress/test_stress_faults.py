"""Hardening, "Faults": the peer resets the connection mid-operation, and
accept() runs out of file descriptors in a real server process."""

from __future__ import annotations

import functools
import os
import select
import socket as stdlib_socket
import ssl
import struct
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from stress_support import open_fds, size

import trio
from trio.testing import wait_all_tasks_blocked

EMFILE_PROGRAM = Path(__file__).parent / "programs" / "emfile_server.py"
RESET_ROUNDS = size("reset_rounds", 50, 5)


def _reset(sock: trio.socket.SocketType) -> None:
    """Close with SO_LINGER 0: the kernel sends RST instead of FIN."""
    sock.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@asynccontextmanager
async def _socket_pair() -> AsyncIterator[tuple[trio.SocketStream, trio.socket.SocketType]]:
    """(our SocketStream, the peer's raw trio socket), over TCP on loopback."""
    with trio.socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        client = trio.socket.socket()
        await client.connect(listener.getsockname())
        peer, _ = await listener.accept()
    stream = trio.SocketStream(client)
    try:
        yield stream, peer
    finally:
        stream.forceful_close()
        peer.close()


@asynccontextmanager
async def _tls_pair(
    server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext
) -> AsyncIterator[tuple[trio.SSLStream, trio.SSLStream, trio.socket.SocketType]]:
    """(our client SSLStream, the peer's server SSLStream, the peer's raw socket)."""
    async with _socket_pair() as (ours, peer_sock):
        peer_stream = trio.SocketStream(peer_sock)
        client = trio.SSLStream(ours, client_ctx, server_hostname="localhost")
        server = trio.SSLStream(peer_stream, server_ctx, server_side=True)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.do_handshake)
            await client.do_handshake()
        yield client, server, peer_sock


def _check_broken(exc: BaseException) -> None:
    assert isinstance(exc, trio.BrokenStreamError), repr(exc)
    assert isinstance(exc, trio.BrokenResourceError)
    # The OSError is the cause (possibly through the transport's own error).
    cause = exc.__cause__
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__
    assert isinstance(cause, OSError), f"no OSError in the causes of {exc!r}"


async def _expect_broken(op: Any) -> BaseException:
    with trio.fail_after(10):  # a hang is a failure, not a timeout of the suite
        try:
            await op()
        except Exception as exc:
            assert type(exc) is not OSError and not isinstance(exc, ConnectionError), (
                f"a raw OSError escaped the stream: {exc!r}"
            )
            return exc
    raise AssertionError("the operation succeeded although the peer reset the connection")


@pytest.mark.parametrize("op", ["sendall", "recv"])
@pytest.mark.parametrize("kind", ["SocketStream", "SSLStream"])
async def test_peer_resets_during_operation(
    server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext, op: str, kind: str
) -> None:
    """The peer resets (SO_LINGER 0) while we are blocked in sendall (its
    buffers are full) or in recv (nothing to read): BrokenStreamError, with
    the OSError as its cause; never a hang, never a raw OSError."""
    payload = b"x" * (8 * 1024 * 1024)  # far more than the socket buffers hold
    for round_ in range(RESET_ROUNDS):
        before = open_fds()
        if kind == "SocketStream":
            cm: Any = _socket_pair()
        else:
            cm = _tls_pair(server_ctx, client_ctx)
        async with cm as pair:
            ours, peer_sock = pair[0], pair[-1]
            result: list[BaseException] = []

            operation = (
                functools.partial(ours.sendall, payload)
                if op == "sendall"
                else functools.partial(ours.recv, 1000)
            )

            async def operate(operation: Any = operation, result: Any = result) -> None:
                result.append(await _expect_broken(operation))

            async with trio.open_nursery() as nursery:
                nursery.start_soon(operate)
                # Our task is parked inside the operation (sendall: the
                # buffers are full and the peer does not read).
                await wait_all_tasks_blocked()
                assert not result
                _reset(peer_sock)
            _check_broken(result[0])
            # Once broken, it stays broken (or is reported closed), never a raw OSError.
            with pytest.raises((trio.BrokenStreamError, trio.ClosedResourceError)):
                await ours.sendall(b"more")
            await ours.graceful_close()
        assert open_fds() == before, f"round {round_}: fds leaked"


# ---------------------------------------------------------------- accept() and EMFILE

EMFILE_LIMIT = 40


class _Server:
    def __init__(self, limit: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(EMFILE_PROGRAM), str(limit)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        os.set_blocking(self.proc.stderr.fileno(), False)
        self.stderr = b""
        line = self.proc.stdout.readline()
        assert line.strip().isdigit(), (line, self.proc.stderr.read())
        self.port = int(line)

    def read_stderr(self) -> bytes:
        try:
            chunk = os.read(self.proc.stderr.fileno(), 65536)  # type: ignore[union-attr]
        except BlockingIOError:
            return b""
        self.stderr += chunk
        return chunk

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()  # type: ignore[union-attr]
        self.proc.stderr.close()  # type: ignore[union-attr]


def _connect(port: int, tag: bytes) -> stdlib_socket.socket:
    sock = stdlib_socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(tag)
    return sock


def _wait_echo_or_log(server: _Server, sock: stdlib_socket.socket, tag: bytes) -> str:
    """Wait (bounded) until `sock` gets its echo ("echo") or the server logs
    an accept failure ("emfile")."""
    deadline = time.monotonic() + 20
    stderr_fd = server.proc.stderr.fileno()  # type: ignore[union-attr]
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock, stderr_fd], [], [], deadline - time.monotonic())
        if sock in readable:
            assert sock.recv(100) == tag
            return "echo"
        if stderr_fd in readable:
            if not server.read_stderr():
                raise AssertionError(f"the server died: {server.stderr.decode()}")
            if b"Too many open files" in server.stderr:
                return "emfile"
    raise AssertionError("neither an echo nor an EMFILE log line within 20 s")


def test_accept_emfile_keeps_serving() -> None:
    """A serve_tcp server with RLIMIT_NOFILE=40: connections are opened and
    held until accept() fails with EMFILE; the server logs it, and once
    clients hang up (freeing fds) it accepts and serves the ones that were
    waiting in the backlog, and new ones."""
    server = _Server(EMFILE_LIMIT)
    clients: list[stdlib_socket.socket] = []
    waiting: list[tuple[stdlib_socket.socket, bytes]] = []
    try:
        served = 0
        for i in range(EMFILE_LIMIT + 10):
            tag = b"client %d" % i
            sock = _connect(server.port, tag)
            clients.append(sock)
            if _wait_echo_or_log(server, sock, tag) == "echo":
                served += 1
                continue
            waiting.append((sock, tag))
            break
        else:
            raise AssertionError("the server never ran out of file descriptors")
        assert 0 < served < EMFILE_LIMIT
        log = server.stderr.decode()
        assert "trio_streams.serve_listeners" in log and "pausing 100 ms" in log, log
        # More connections queue up in the backlog while the server is out of fds.
        for i in range(3):
            tag = b"queued %d" % i
            waiting.append((_connect(server.port, tag), tag))
        assert server.proc.poll() is None, "the server died on EMFILE"
        # Free fds: the first clients hang up, their handlers close.
        for sock in clients[:10]:
            sock.close()
        # Every waiting connection is now accepted and served.
        for sock, tag in waiting:
            sock.settimeout(20)
            assert sock.recv(100) == tag, tag
        # And the server keeps serving new connections.
        with _connect(server.port, b"afterwards") as sock:
            assert sock.recv(100) == b"afterwards"
        assert server.proc.poll() is None
        server.read_stderr()
        log = server.stderr.decode()
        # Only the logged accept failures, nothing else went wrong in there.
        assert "TrioInternalError" not in log and "never awaited" not in log, log
        assert all(
            line.startswith(("trio_streams.serve_listeners:", "Traceback", "  ", "OSError"))
            for line in log.splitlines()
        ), log
    finally:
        for sock in clients:
            sock.close()
        for sock, _ in waiting:
            sock.close()
        server.close()
