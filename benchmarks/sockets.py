"""Socket-level workloads (issue 4): the raw socket layer, below streams.

    python benchmarks/sockets.py --impl {ours,trio,asyncio,uvloop} [--quick] [--workload NAME]

The connected sockets are made with the standard library before the loop starts
(listen / connect / accept on 127.0.0.1, or socket.socketpair()), with
TCP_NODELAY set for every implementation, and handed to the library with
``from_stdlib_socket`` (Trio-likes) or set non-blocking (asyncio).  So only the
data path is measured:

* ours: ``await sock.sendall(data)`` / ``await sock.recv(n)`` (trio_socket);
* Trio 0.35: ``trio.socket`` has no ``sendall``, so a loop over ``await sock.send()``
  (what a Trio user writes at this level), and ``await sock.recv(n)``;
* asyncio / uvloop: ``loop.sock_sendall`` / ``loop.sock_recv``.

Workloads (full size; --quick divides the counts by 10, bulk sizes by 8):

socket_echo   one TCP connection on loopback, 50,000 round trips of 64 bytes
              between a client task and an echo task in the same loop.
              Metric: round trips per second (higher is better).
socket_bulk   2 GiB in 64 KiB sends over an AF_UNIX socket pair, received
              with recv(65536).  Metric: MiB per second (higher is better).
"""

from __future__ import annotations

import asyncio
import socket as stdlib_socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from _common import (
    TrioLike,
    Workload,
    emit_rate,
    emit_throughput,
    main,
    now,
    require,
    run_asyncio,
)

MSG = b"x" * 64
CHUNK = 64 * 1024


def _tcp_pair() -> tuple[stdlib_socket.socket, stdlib_socket.socket]:
    """A connected (client, server) pair of stdlib TCP sockets on 127.0.0.1."""
    with stdlib_socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = stdlib_socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    for s in (client, server):
        s.setsockopt(stdlib_socket.IPPROTO_TCP, stdlib_socket.TCP_NODELAY, 1)
    return client, server


def _trio_sockets(api: TrioLike) -> tuple[Any, Callable[[Any], Callable[[bytes], Awaitable[Any]]]]:
    """The socket module and a function giving each socket's "send everything" coroutine."""
    mod = api.socket_module()
    require(mod, "from_stdlib_socket")
    if api.impl == "ours":
        require(mod.SocketType, "sendall", "recv")

        def sender(sock: Any) -> Callable[[bytes], Awaitable[Any]]:
            return sock.sendall  # type: ignore[no-any-return]

    else:

        def sender(sock: Any) -> Callable[[bytes], Awaitable[Any]]:
            send = sock.send

            async def sendall(data: bytes) -> None:
                view = memoryview(data)
                while view:
                    view = view[await send(view) :]

            return sendall

    return mod, sender


# ---------------------------------------------------------------- echo


def _echo_n(quick: bool) -> int:
    return 5_000 if quick else 50_000


def socket_echo_trio(api: TrioLike, quick: bool) -> None:
    n = _echo_n(quick)
    mod, sender = _trio_sockets(api)

    async def amain() -> float:
        raw_client, raw_server = _tcp_pair()
        client = mod.from_stdlib_socket(raw_client)
        server = mod.from_stdlib_socket(raw_server)
        with client, server:

            async def echo() -> None:
                send = sender(server)
                recv = server.recv
                while data := await recv(65536):
                    await send(data)

            async def ping() -> None:
                send = sender(client)
                recv = client.recv
                for _ in range(n):
                    await send(MSG)
                    got = 0
                    while got < len(MSG):
                        data = await recv(65536)
                        if not data:
                            raise RuntimeError("echo server closed early")
                        got += len(data)
                client.shutdown(stdlib_socket.SHUT_WR)

            t0 = now()
            async with api.core.open_nursery() as nursery:
                nursery.start_soon(echo)
                nursery.start_soon(ping)
            return now() - t0

    elapsed = api.core.run(amain)
    _emit_echo(api.impl, n, elapsed)


def socket_echo_asyncio(impl: str, quick: bool) -> None:
    n = _echo_n(quick)

    async def amain() -> float:
        loop = asyncio.get_running_loop()
        client, server = _tcp_pair()
        with client, server:
            client.setblocking(False)
            server.setblocking(False)

            async def echo() -> None:
                while data := await loop.sock_recv(server, 65536):
                    await loop.sock_sendall(server, data)

            async def ping() -> None:
                for _ in range(n):
                    await loop.sock_sendall(client, MSG)
                    got = 0
                    while got < len(MSG):
                        data = await loop.sock_recv(client, 65536)
                        if not data:
                            raise RuntimeError("echo server closed early")
                        got += len(data)
                client.shutdown(stdlib_socket.SHUT_WR)

            t0 = now()
            async with asyncio.TaskGroup() as tg:
                tg.create_task(echo())
                tg.create_task(ping())
            return now() - t0

    elapsed = run_asyncio(impl, amain)
    _emit_echo(impl, n, elapsed)


def _emit_echo(impl: str, n: int, elapsed: float) -> None:
    emit_rate(
        "socket_echo",
        impl,
        "round trips/s",
        n,
        elapsed,
        "rt/s",
        round_trips=n,
        message_bytes=len(MSG),
    )


# ---------------------------------------------------------------- bulk


def _bulk_chunks(quick: bool) -> int:
    return (2048 * 1024 * 1024 // CHUNK) // (8 if quick else 1)


def socket_bulk_trio(api: TrioLike, quick: bool) -> None:
    chunks = _bulk_chunks(quick)
    mod, sender = _trio_sockets(api)
    received = [0]

    async def amain() -> float:
        raw_a, raw_b = stdlib_socket.socketpair()
        a = mod.from_stdlib_socket(raw_a)
        b = mod.from_stdlib_socket(raw_b)
        with a, b:

            async def produce() -> None:
                send = sender(a)
                chunk = b"x" * CHUNK
                for _ in range(chunks):
                    await send(chunk)
                a.shutdown(stdlib_socket.SHUT_WR)

            async def consume() -> None:
                recv = b.recv
                total = 0
                while data := await recv(CHUNK):
                    total += len(data)
                received[0] = total

            t0 = now()
            async with api.core.open_nursery() as nursery:
                nursery.start_soon(consume)
                nursery.start_soon(produce)
            return now() - t0

    elapsed = api.core.run(amain)
    _emit_bulk(api.impl, chunks, received[0], elapsed)


def socket_bulk_asyncio(impl: str, quick: bool) -> None:
    chunks = _bulk_chunks(quick)
    received = [0]

    async def amain() -> float:
        loop = asyncio.get_running_loop()
        a, b = stdlib_socket.socketpair()
        with a, b:
            a.setblocking(False)
            b.setblocking(False)

            async def produce() -> None:
                chunk = b"x" * CHUNK
                for _ in range(chunks):
                    await loop.sock_sendall(a, chunk)
                a.shutdown(stdlib_socket.SHUT_WR)

            async def consume() -> None:
                total = 0
                while data := await loop.sock_recv(b, CHUNK):
                    total += len(data)
                received[0] = total

            t0 = now()
            async with asyncio.TaskGroup() as tg:
                tg.create_task(consume())
                tg.create_task(produce())
            return now() - t0

    elapsed = run_asyncio(impl, amain)
    _emit_bulk(impl, chunks, received[0], elapsed)


def _emit_bulk(impl: str, chunks: int, received: int, elapsed: float) -> None:
    emit_throughput("socket_bulk", impl, chunks * CHUNK, received, elapsed, chunk_bytes=CHUNK)


WORKLOADS = [
    Workload(
        "socket_echo",
        "50k 64-byte round trips over one loopback TCP socket",
        socket_echo_trio,
        socket_echo_asyncio,
    ),
    Workload(
        "socket_bulk",
        "2 GiB in 64 KiB chunks over an AF_UNIX socket pair",
        socket_bulk_trio,
        socket_bulk_asyncio,
    ),
]

if __name__ == "__main__":
    sys.exit(main(WORKLOADS))
