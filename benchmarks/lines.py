"""Line-reading workload (issue 19): lines per second read off a socket stream.

    python benchmarks/lines.py --impl {ours,trio,asyncio,uvloop} [--quick] [--workload NAME]

APIs used:

* ours: ``trio_streams.BufferedRecvStream(stream).receive_until(b"\\n")`` over a
  ``SocketStream`` from ``open_tcp_stream`` (served by ``serve_tcp``);
* asyncio / uvloop: ``StreamReader.readline()`` from ``asyncio.open_connection``;
* Trio 0.35: skipped, since Trio has no line reader (its issue #796).

The server sends 1,000,000 lines of 40 bytes (``--quick``: 100,000) written in
64 KiB blocks, then closes; the client reads them one line at a time and checks
the count.  Metric: lines per second, from the client's connect to the last line
(higher is better).
"""

from __future__ import annotations

import asyncio
import functools
import socket as stdlib_socket
import sys
from typing import Any

from _common import Skip, TrioLike, Workload, emit_rate, main, now, require, run_asyncio

LINE = b"x" * 39 + b"\n"
BLOCK = 64 * 1024


def _line_count(quick: bool) -> int:
    return 100_000 if quick else 1_000_000


def _payload(count: int) -> list[bytes]:
    data = LINE * count
    return [data[i : i + BLOCK] for i in range(0, len(data), BLOCK)]


def _free_port() -> int:
    with stdlib_socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lines_trio(api: TrioLike, quick: bool) -> None:
    if api.impl != "ours":
        raise Skip("Trio 0.35 has no line reader (Trio issue #796)")
    mod = api.streams_module()
    require(mod, "BufferedRecvStream")
    core = api.core
    count = _line_count(quick)
    blocks = _payload(count)

    async def handler(stream: Any) -> None:
        async with stream:
            for block in blocks:
                await stream.sendall(block)

    async def amain() -> tuple[float, int]:
        port = _free_port()
        async with core.open_nursery() as nursery:
            await nursery.start(functools.partial(mod.serve_tcp, handler, port, host="127.0.0.1"))
            t0 = now()
            stream = await mod.open_tcp_stream("127.0.0.1", port)
            got = 0
            async with mod.BufferedRecvStream(stream) as reader:
                receive_until = reader.receive_until
                while await receive_until(b"\n"):
                    got += 1
            elapsed = now() - t0
            nursery.cancel_scope.cancel()
        return elapsed, got

    elapsed, got = core.run(amain)
    _emit(api.impl, count, got, elapsed)


def lines_asyncio(impl: str, quick: bool) -> None:
    count = _line_count(quick)
    blocks = _payload(count)
    handlers: set[asyncio.Task[Any]] = set()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        for block in blocks:
            writer.write(block)
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def amain() -> tuple[float, int]:
        port = _free_port()
        server = await asyncio.start_server(handler, "127.0.0.1", port)
        async with server:
            t0 = now()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            got = 0
            readline = reader.readline
            while await readline():
                got += 1
            elapsed = now() - t0
            writer.close()
            await writer.wait_closed()
            await asyncio.gather(*handlers)
        return elapsed, got

    elapsed, got = run_asyncio(impl, amain)
    _emit(impl, count, got, elapsed)


def _emit(impl: str, count: int, got: int, elapsed: float) -> None:
    if got != count:
        raise RuntimeError(f"read {got} lines of {count}")
    emit_rate("lines", impl, "lines/s", count, elapsed, "lines/s", line_bytes=len(LINE))


WORKLOADS = [
    Workload(
        "lines",
        "1,000,000 lines of 40 bytes over TCP, read one at a time",
        lines_trio,
        lines_asyncio,
    ),
]

if __name__ == "__main__":
    sys.exit(main(WORKLOADS))
