"""Channel and thread workloads (issue 3).

    python benchmarks/channels.py --impl {ours,trio,asyncio,uvloop} [--quick] [--workload NAME]

Workloads (full size; --quick divides the counts by 10):

channel_pingpong  100,000 round trips between two tasks over two channels: a
                  memory channel of size 0 (open_memory_channel(0), a rendezvous)
                  each way for Trio-likes, asyncio.Queue(maxsize=1) each way for
                  asyncio (its nearest equivalent: Queue(0) would be unbounded).
                  Metric: round trips per second (higher is better).
to_thread         20,000 sequential round trips to a worker thread running a
                  function that returns at once: to_thread.run_sync for
                  Trio-likes, asyncio.to_thread (default executor) for asyncio.
                  Metric: calls per second (higher is better).
"""

from __future__ import annotations

import asyncio
import sys

from _common import TrioLike, Workload, emit_rate, main, now, run_asyncio

# ---------------------------------------------------------------- channel ping-pong


def _channel_n(quick: bool) -> int:
    return 10_000 if quick else 100_000


def channel_pingpong_trio(api: TrioLike, quick: bool) -> None:
    n = _channel_n(quick)

    async def amain() -> float:
        to_pong_send, to_pong_recv = api.core.open_memory_channel(0)
        to_ping_send, to_ping_recv = api.core.open_memory_channel(0)

        async def ponger() -> None:
            send = to_ping_send.send
            receive = to_pong_recv.receive
            for _ in range(n):
                await send(await receive())

        async def pinger() -> None:
            send = to_pong_send.send
            receive = to_ping_recv.receive
            for i in range(n):
                await send(i)
                await receive()

        t0 = now()
        async with api.core.open_nursery() as nursery:
            nursery.start_soon(ponger)
            nursery.start_soon(pinger)
        elapsed = now() - t0
        for ch in (to_pong_send, to_pong_recv, to_ping_send, to_ping_recv):
            ch.close()
        return elapsed

    elapsed = api.core.run(amain)
    _emit_channel(api.impl, n, elapsed, "open_memory_channel(0)")


def channel_pingpong_asyncio(impl: str, quick: bool) -> None:
    n = _channel_n(quick)

    async def amain() -> float:
        to_pong: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
        to_ping: asyncio.Queue[int] = asyncio.Queue(maxsize=1)

        async def ponger() -> None:
            put = to_ping.put
            get = to_pong.get
            for _ in range(n):
                await put(await get())

        async def pinger() -> None:
            put = to_pong.put
            get = to_ping.get
            for i in range(n):
                await put(i)
                await get()

        t0 = now()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(ponger())
            tg.create_task(pinger())
        return now() - t0

    elapsed = run_asyncio(impl, amain)
    _emit_channel(impl, n, elapsed, "asyncio.Queue(maxsize=1)")


def _emit_channel(impl: str, n: int, elapsed: float, primitive: str) -> None:
    emit_rate(
        "channel_pingpong",
        impl,
        "round trips/s",
        n,
        elapsed,
        "rt/s",
        round_trips=n,
        primitive=primitive,
    )


# ---------------------------------------------------------------- to_thread


def _thread_n(quick: bool) -> int:
    return 2_000 if quick else 20_000


def _noop() -> None:
    return None


def to_thread_trio(api: TrioLike, quick: bool) -> None:
    n = _thread_n(quick)
    run_sync = api.to_thread.run_sync

    async def amain() -> float:
        await run_sync(_noop)  # warm the worker-thread cache
        t0 = now()
        for _ in range(n):
            await run_sync(_noop)
        return now() - t0

    elapsed = api.core.run(amain)
    _emit_thread(api.impl, n, elapsed)


def to_thread_asyncio(impl: str, quick: bool) -> None:
    n = _thread_n(quick)
    to_thread = asyncio.to_thread

    async def amain() -> float:
        await to_thread(_noop)  # start the default executor's first thread
        t0 = now()
        for _ in range(n):
            await to_thread(_noop)
        return now() - t0

    elapsed = run_asyncio(impl, amain)
    _emit_thread(impl, n, elapsed)


def _emit_thread(impl: str, n: int, elapsed: float) -> None:
    emit_rate("to_thread", impl, "calls/s", n, elapsed, "calls/s", calls=n)


WORKLOADS = [
    Workload(
        "channel_pingpong",
        "100k round trips over memory channels / asyncio.Queue",
        channel_pingpong_trio,
        channel_pingpong_asyncio,
    ),
    Workload(
        "to_thread",
        "20k sequential to_thread.run_sync / asyncio.to_thread calls",
        to_thread_trio,
        to_thread_asyncio,
    ),
]

if __name__ == "__main__":
    sys.exit(main(WORKLOADS))
