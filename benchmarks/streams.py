"""Stream workloads (issue 5): what a network programmer actually writes.

    python benchmarks/streams.py --impl {ours,trio,asyncio,uvloop} [--quick] [--workload NAME]

APIs used:

* ours: ``trio_streams.serve_tcp`` / ``open_tcp_stream``, ``SocketStream.sendall`` /
  ``recv``, ``SSLStream(...)`` over them;
* Trio 0.35: ``trio.serve_tcp`` / ``open_tcp_stream``, ``send_all`` / ``receive_some``,
  ``trio.SSLStream``;
* asyncio / uvloop: ``asyncio.start_server`` / ``open_connection`` (``ssl=`` for TLS),
  ``writer.write`` + ``await writer.drain()``, ``reader.read`` / ``readexactly``.

Server and clients run in the same process and loop, on 127.0.0.1.  TLS uses a
trustme CA and a certificate for "localhost", default contexts (TLS 1.3 here).

Workloads (full size; --quick divides the round trips by 10, bulk sizes by 8):

stream_echo               100 clients connect to an echo server; once all are
                          connected (a barrier), each does 1,000 round trips of
                          64 bytes.  Metric: round trips per second from the
                          start signal to the last close (higher is better).
stream_echo_1k            the same with 1,000 clients x 100 round trips.
stream_echo_staggered     100 clients x 1,000 round trips, each client starting
                          as soon as it is connected (no barrier); timed from
                          the server's start to the last close.
stream_echo_staggered_1k  the same with 1,000 clients x 100 round trips.
stream_latency            400 clients x 250 round trips after a barrier, each
                          round trip timed: throughput, and the p50 and p99
                          round-trip latency in microseconds (lower is better).
stream_bulk               the server sends 512 MiB in 64 KiB writes to one client,
                          which reads with 64 KiB receives.  Metric: MiB/s, from
                          the client's connect to its last byte (higher is better).
tls_bulk                  the same over TLS (handshake included in the time).

Every server listens with the same backlog (BACKLOG), so that no library's
default accept queue overflows when a thousand clients connect at once.
"""

from __future__ import annotations

import asyncio
import functools
import socket as stdlib_socket
import ssl
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from _common import (
    Skip,
    TrioLike,
    Workload,
    emit,
    emit_rate,
    emit_throughput,
    main,
    now,
    require,
    run_asyncio,
)

MSG = b"x" * 64
CHUNK = 64 * 1024
# Same listen() backlog for everyone: asyncio's default (100) would make a
# thousand simultaneous connects overflow the accept queue and wait for SYN
# retransmissions (a second each), which measures the kernel, not the loop.
BACKLOG = 4096


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with stdlib_socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tls_contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server, client) contexts from a throwaway trustme CA."""
    try:
        import trustme
    except ImportError as exc:
        raise Skip(f"cannot import trustme: {exc}") from exc
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


class _Streams:
    """The stream layer of a Trio-like library, with ours' and Trio's method names."""

    def __init__(self, api: TrioLike, *, tls: bool = False) -> None:
        self.api = api
        self.mod = api.streams_module()
        if tls:
            require(self.mod, "SSLStream")
        if api.impl == "ours":
            require(self.mod.SocketStream, "sendall", "recv")
            self.send_name, self.recv_name = "sendall", "recv"
        else:
            self.send_name, self.recv_name = "send_all", "receive_some"

    def sender(self, stream: Any) -> Callable[[bytes], Awaitable[Any]]:
        return getattr(stream, self.send_name)  # type: ignore[no-any-return]

    def receiver(self, stream: Any) -> Callable[[int], Awaitable[bytes]]:
        return getattr(stream, self.recv_name)  # type: ignore[no-any-return]

    async def start_server(
        self, nursery: Any, handler: Callable[[Any], Awaitable[None]], port: int
    ) -> None:
        await nursery.start(
            functools.partial(self.mod.serve_tcp, handler, port, host="127.0.0.1", backlog=BACKLOG)
        )

    async def connect(self, port: int) -> Any:
        return await self.mod.open_tcp_stream("127.0.0.1", port)


# ---------------------------------------------------------------- echo
#
# One echo server, many clients, all in one loop.  Five shapes:
#
# * barrier (``stream_echo``, ``stream_echo_1k``): every client connects,
#   then all start together; timed from the start signal to the last close.
# * staggered (``stream_echo_staggered``, ``stream_echo_staggered_1k``): each
#   client starts its round trips as soon as it is connected, as real clients
#   do; timed from the server's start to the last close (connects included).
# * latency (``stream_latency``): the barrier shape at 400 connections, each
#   round trip timed on its own; p50 and p99 beside the throughput.


@dataclass(frozen=True)
class _EchoShape:
    workload: str
    clients: int
    trips: int  # full size; --quick divides by 10
    staggered: bool
    latency: bool = False

    def trips_for(self, quick: bool) -> int:
        return max(1, self.trips // 10) if quick else self.trips


ECHO_SHAPES = [
    _EchoShape("stream_echo", 100, 1_000, staggered=False),
    _EchoShape("stream_echo_1k", 1_000, 100, staggered=False),
    _EchoShape("stream_echo_staggered", 100, 1_000, staggered=True),
    _EchoShape("stream_echo_staggered_1k", 1_000, 100, staggered=True),
    _EchoShape("stream_latency", 400, 250, staggered=False, latency=True),
]


def stream_echo_trio(shape: _EchoShape, api: TrioLike, quick: bool) -> None:
    clients, trips = shape.clients, shape.trips_for(quick)
    st = _Streams(api)
    core = api.core
    latencies: list[float] = []
    record = latencies.append if shape.latency else None

    async def handler(stream: Any) -> None:
        async with stream:
            send, recv = st.sender(stream), st.receiver(stream)
            while data := await recv(65536):
                await send(data)

    async def amain() -> float:
        port = _free_port()
        connected = [0]
        all_connected = core.Event()
        go = core.Event()

        async def client() -> None:
            stream = await st.connect(port)
            async with stream:
                send, recv = st.sender(stream), st.receiver(stream)
                if not shape.staggered:
                    connected[0] += 1
                    if connected[0] == clients:
                        all_connected.set()
                    await go.wait()
                for _ in range(trips):
                    t = now()
                    await send(MSG)
                    got = 0
                    while got < len(MSG):
                        data = await recv(65536)
                        if not data:
                            raise RuntimeError("echo server closed early")
                        got += len(data)
                    if record is not None:
                        record(now() - t)

        async with core.open_nursery() as server_nursery:
            t0 = now()
            await st.start_server(server_nursery, handler, port)
            async with core.open_nursery() as nursery:
                for _ in range(clients):
                    nursery.start_soon(client)
                if not shape.staggered:
                    await all_connected.wait()
                    t0 = now()
                    go.set()
            elapsed = now() - t0
            server_nursery.cancel_scope.cancel()
        return elapsed

    elapsed = core.run(amain)
    _emit_echo(shape, api.impl, trips, elapsed, latencies)


def stream_echo_asyncio(shape: _EchoShape, impl: str, quick: bool) -> None:
    clients, trips = shape.clients, shape.trips_for(quick)
    latencies: list[float] = []
    record = latencies.append if shape.latency else None

    handlers: set[asyncio.Task[Any]] = set()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def amain() -> float:
        port = _free_port()
        connected = [0]
        all_connected = asyncio.Event()
        go = asyncio.Event()

        async def client() -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            if not shape.staggered:
                connected[0] += 1
                if connected[0] == clients:
                    all_connected.set()
                await go.wait()
            for _ in range(trips):
                t = now()
                writer.write(MSG)
                await writer.drain()
                await reader.readexactly(len(MSG))
                if record is not None:
                    record(now() - t)
            writer.close()
            await writer.wait_closed()

        t0 = now()
        server = await asyncio.start_server(handler, "127.0.0.1", port, backlog=BACKLOG)
        async with server:
            async with asyncio.TaskGroup() as tg:
                for _ in range(clients):
                    tg.create_task(client())
                if not shape.staggered:
                    await all_connected.wait()
                    t0 = now()
                    go.set()
            elapsed = now() - t0
            await asyncio.gather(*handlers)
        return elapsed

    elapsed = run_asyncio(impl, amain)
    _emit_echo(shape, impl, trips, elapsed, latencies)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the samples lie (nearest rank)."""
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _emit_echo(
    shape: _EchoShape, impl: str, trips: int, elapsed: float, latencies: list[float]
) -> None:
    details = {
        "clients": shape.clients,
        "round_trips_each": trips,
        "message_bytes": len(MSG),
        "shape": "staggered" if shape.staggered else "barrier",
    }
    emit_rate(
        shape.workload, impl, "round trips/s", shape.clients * trips, elapsed, "rt/s", **details
    )
    if shape.latency:
        if len(latencies) != shape.clients * trips:
            raise RuntimeError(f"{len(latencies)} latency samples, not {shape.clients * trips}")
        latencies.sort()
        for metric, fraction in (("p50 latency", 0.50), ("p99 latency", 0.99)):
            emit(
                shape.workload,
                impl,
                metric,
                _percentile(latencies, fraction) * 1e6,
                "us",
                "lower",
                samples=len(latencies),
                **details,
            )


# ---------------------------------------------------------------- bulk (plain and TLS)


def _bulk_chunks(quick: bool) -> int:
    return (512 * 1024 * 1024 // CHUNK) // (8 if quick else 1)


def _bulk_trio(api: TrioLike, quick: bool, tls: bool) -> None:
    chunks = _bulk_chunks(quick)
    st = _Streams(api, tls=tls)
    core = api.core
    server_ctx, client_ctx = _tls_contexts() if tls else (None, None)
    received = [0]

    async def handler(stream: Any) -> None:
        if tls:
            stream = st.mod.SSLStream(stream, server_ctx, server_side=True)
        async with stream:
            send = st.sender(stream)
            chunk = b"x" * CHUNK
            for _ in range(chunks):
                await send(chunk)
            await core.sleep_forever()  # the client cancels everything once it has it all

    async def amain() -> float:
        port = _free_port()
        async with core.open_nursery() as nursery:
            await st.start_server(nursery, handler, port)
            t0 = now()
            stream = await st.connect(port)
            if tls:
                stream = st.mod.SSLStream(stream, client_ctx, server_hostname="localhost")
            async with stream:
                recv = st.receiver(stream)
                total, expected = 0, chunks * CHUNK
                while total < expected:
                    data = await recv(CHUNK)
                    if not data:
                        break
                    total += len(data)
                elapsed = now() - t0
                received[0] = total
                nursery.cancel_scope.cancel()
        return elapsed

    elapsed = core.run(amain)
    _emit_bulk(api.impl, tls, chunks, received[0], elapsed)


def _bulk_asyncio(impl: str, quick: bool, tls: bool) -> None:
    chunks = _bulk_chunks(quick)
    server_ctx, client_ctx = _tls_contexts() if tls else (None, None)
    received = [0]

    handlers: set[asyncio.Task[Any]] = set()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        chunk = b"x" * CHUNK
        for _ in range(chunks):
            writer.write(chunk)
            await writer.drain()
        await reader.read()  # until the client closes
        writer.close()
        await writer.wait_closed()

    async def amain() -> float:
        port = _free_port()
        server = await asyncio.start_server(handler, "127.0.0.1", port, ssl=server_ctx)
        async with server:
            t0 = now()
            if tls:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
                )
            else:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            total, expected = 0, chunks * CHUNK
            while total < expected:
                data = await reader.read(CHUNK)
                if not data:
                    break
                total += len(data)
            elapsed = now() - t0
            received[0] = total
            writer.close()
            await writer.wait_closed()
            await asyncio.gather(*handlers)
        return elapsed

    elapsed = run_asyncio(impl, amain)
    _emit_bulk(impl, tls, chunks, received[0], elapsed)


def _emit_bulk(impl: str, tls: bool, chunks: int, received: int, elapsed: float) -> None:
    workload = "tls_bulk" if tls else "stream_bulk"
    emit_throughput(workload, impl, chunks * CHUNK, received, elapsed, chunk_bytes=CHUNK)


WORKLOADS = [
    *(
        Workload(
            shape.workload,
            f"{shape.clients} clients x {shape.trips} round trips of 64 bytes, "
            + ("staggered" if shape.staggered else "after a barrier")
            + (", latency percentiles" if shape.latency else ""),
            functools.partial(stream_echo_trio, shape),
            functools.partial(stream_echo_asyncio, shape),
        )
        for shape in ECHO_SHAPES
    ),
    Workload(
        "stream_bulk",
        "512 MiB in 64 KiB chunks over TCP",
        functools.partial(_bulk_trio, tls=False),
        functools.partial(_bulk_asyncio, tls=False),
    ),
    Workload(
        "tls_bulk",
        "512 MiB in 64 KiB chunks over TLS",
        functools.partial(_bulk_trio, tls=True),
        functools.partial(_bulk_asyncio, tls=True),
    ),
]

if __name__ == "__main__":
    sys.exit(main(WORKLOADS))
