"""Guest-mode workloads (issue 14): the run loop driven by asyncio.

    python benchmarks/guest.py --impl {ours,trio} [--quick] [--workload NAME]

Each workload runs its Trio-side code with ``lowlevel.start_guest_run`` on
top of ``asyncio.run`` (``loop.call_soon_threadsafe`` / ``loop.call_soon`` as
the host's callbacks), for ours and for Trio 0.35, so that the ``ours/trio``
column is the overhead of our guest mode against Trio's in the same run.
asyncio has no guest mode, so its column is empty.

Workloads (full size; --quick divides the counts by 10):

guest_channel_pingpong  100,000 round trips between two tasks over two
                        open_memory_channel(0), as channels.py's
                        channel_pingpong, in a guest run.  Every step is a
                        host callback: this measures the cost of a turn.
                        Metric: round trips per second (higher is better).
guest_socket_echo       50,000 round trips of a 64-byte message over a TCP
                        loopback pair, as sockets.py's socket_echo, in a
                        guest run: each wait for the socket goes through the
                        helper thread.  Metric: round trips per second.
"""

from __future__ import annotations

import asyncio
import socket as stdlib_socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from _common import TrioLike, Workload, emit_rate, main, now, require
from sockets import MSG, _echo_n, _tcp_pair, _trio_sockets


def _run_as_guest(api: TrioLike, amain: Callable[[], Awaitable[float]]) -> float:
    """Run ``amain`` as a guest of ``asyncio.run`` and return what it returned."""
    require(api.lowlevel, "start_guest_run")

    async def host() -> float:
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[Any] = loop.create_future()
        api.lowlevel.start_guest_run(
            amain,
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            run_sync_soon_not_threadsafe=loop.call_soon,
            done_callback=finished.set_result,
            host_uses_signal_set_wakeup_fd=True,
        )
        result: float = (await finished).unwrap()
        return result

    return asyncio.run(host())


def guest_channel_pingpong_trio(api: TrioLike, quick: bool) -> None:
    n = 10_000 if quick else 100_000

    async def amain() -> float:
        to_pong_send, to_pong_recv = api.core.open_memory_channel(0)
        to_ping_send, to_ping_recv = api.core.open_memory_channel(0)

        async def ponger() -> None:
            for _ in range(n):
                await to_ping_send.send(await to_pong_recv.receive())

        async def pinger() -> None:
            for i in range(n):
                await to_pong_send.send(i)
                await to_ping_recv.receive()

        t0 = now()
        async with api.core.open_nursery() as nursery:
            nursery.start_soon(ponger)
            nursery.start_soon(pinger)
        elapsed = now() - t0
        for ch in (to_pong_send, to_pong_recv, to_ping_send, to_ping_recv):
            ch.close()
        return elapsed

    elapsed = _run_as_guest(api, amain)
    emit_rate(
        "guest_channel_pingpong",
        api.impl,
        "round trips/s",
        n,
        elapsed,
        "rt/s",
        round_trips=n,
        host="asyncio",
    )


def guest_socket_echo_trio(api: TrioLike, quick: bool) -> None:
    n = _echo_n(quick)
    mod, sender = _trio_sockets(api)

    async def amain() -> float:
        raw_client, raw_server = _tcp_pair()
        client = mod.from_stdlib_socket(raw_client)
        server = mod.from_stdlib_socket(raw_server)
        with client, server:

            async def echo() -> None:
                send = sender(server)
                while data := await server.recv(65536):
                    await send(data)

            async def ping() -> None:
                send = sender(client)
                for _ in range(n):
                    await send(MSG)
                    got = 0
                    while got < len(MSG):
                        data = await client.recv(65536)
                        if not data:
                            raise RuntimeError("echo server closed early")
                        got += len(data)
                client.shutdown(stdlib_socket.SHUT_WR)

            t0 = now()
            async with api.core.open_nursery() as nursery:
                nursery.start_soon(echo)
                nursery.start_soon(ping)
            return now() - t0

    elapsed = _run_as_guest(api, amain)
    emit_rate(
        "guest_socket_echo",
        api.impl,
        "round trips/s",
        n,
        elapsed,
        "rt/s",
        round_trips=n,
        message_bytes=len(MSG),
        host="asyncio",
    )


WORKLOADS = [
    Workload(
        "guest_channel_pingpong",
        "100k memory-channel round trips in a guest run on asyncio",
        guest_channel_pingpong_trio,
        None,
    ),
    Workload(
        "guest_socket_echo",
        "50k TCP loopback echo round trips in a guest run on asyncio",
        guest_socket_echo_trio,
        None,
    ),
]

if __name__ == "__main__":
    sys.exit(main(WORKLOADS))
