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

Workloads (full size; --quick divides the counts by 10, bulk sizes by 8):

stream_echo  100 clients connect to an echo server; once all are connected, each
             does 1,000 round trips of 64 bytes (100,000 in all).  Metric: round
             trips per second over that phase (higher is better).
stream_bulk  the server sends 512 MiB in 64 KiB writes to one client, which reads
             with 64 KiB receives.  Metric: MiB/s, from the client's connect to
             its last byte (higher is better).
tls_bulk     the same over TLS (handshake included in the time).
"""

from __future__ import annotations

import asyncio
import functools
import socket as stdlib_socket
import ssl
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from _common import (
    Skip,
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
        await nursery.start(functools.partial(self.mod.serve_tcp, handler, port, host="127.0.0.1"))

    async def connect(self, port: int) -> Any:
        return await self.mod.open_tcp_stream("127.0.0.1", port)


# ---------------------------------------------------------------- echo


def _echo_sizes(quick: bool) -> tuple[int, int]:
    return 100, (100 if quick else 1_000)


def stream_echo_trio(api: TrioLike, quick: bool) -> None:
    clients, trips = _echo_sizes(quick)
    st = _Streams(api)
    core = api.core

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
                connected[0] += 1
                if connected[0] == clients:
                    all_connected.set()
                await go.wait()
                for _ in range(trips):
                    await send(MSG)
                    got = 0
                    while got < len(MSG):
                        data = await recv(65536)
                        if not data:
                            raise RuntimeError("echo server closed early")
                        got += len(data)

        async with core.open_nursery() as server_nursery:
            await st.start_server(server_nursery, handler, port)
            async with core.open_nursery() as nursery:
                for _ in range(clients):
                    nursery.start_soon(client)
                await all_connected.wait()
                t0 = now()
                go.set()
            elapsed = now() - t0
            server_nursery.cancel_scope.cancel()
        return elapsed

    elapsed = core.run(amain)
    _emit_echo(api.impl, clients, trips, elapsed)


def stream_echo_asyncio(impl: str, quick: bool) -> None:
    clients, trips = _echo_sizes(quick)

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
            connected[0] += 1
            if connected[0] == clients:
                all_connected.set()
            await go.wait()
            for _ in range(trips):
                writer.write(MSG)
                await writer.drain()
                await reader.readexactly(len(MSG))
            writer.close()
            await writer.wait_closed()

        server = await asyncio.start_server(handler, "127.0.0.1", port)
        async with server:
            async with asyncio.TaskGroup() as tg:
                for _ in range(clients):
                    tg.create_task(client())
                await all_connected.wait()
                t0 = now()
                go.set()
            elapsed = now() - t0
            await asyncio.gather(*handlers)
        return elapsed

    elapsed = run_asyncio(impl, amain)
    _emit_echo(impl, clients, trips, elapsed)


def _emit_echo(impl: str, clients: int, trips: int, elapsed: float) -> None:
    emit_rate(
        "stream_echo",
        impl,
        "round trips/s",
        clients * trips,
        elapsed,
        "rt/s",
        clients=clients,
        round_trips_each=trips,
        message_bytes=len(MSG),
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
    Workload(
        "stream_echo",
        "100 clients x 1,000 round trips of 64 bytes",
        stream_echo_trio,
        stream_echo_asyncio,
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
