"""Run-loop workloads (issue 2): spawning, task switching, cancel scopes, timers, memory.

    python benchmarks/core.py --impl {ours,trio,asyncio,uvloop} [--quick] [--workload NAME]

Workloads (full size; --quick divides the counts by 10, except for timers):

spawn          10,000 tasks, each checkpointing 10 times, in one nursery / gather.
               Checkpoint: lowlevel.checkpoint() for Trio-likes, asyncio.sleep(0).
               Metric: tasks per second (higher is better).
pingpong       100,000 round trips between two tasks.  One-shot primitives, a new
               one per message: Event for Trio-likes (a Trio Event cannot be reset),
               a bare Future for asyncio (its lowest-level one-shot primitive, and
               cheaper than asyncio.Event, so the comparison is not flattering to
               us).  Metric: round trips per second (higher is better).
move_on_after  200,000 entries and exits of ``with move_on_after(10): pass``;
               asyncio: ``async with asyncio.timeout(10): pass``.  The deadline is
               never reached, so this is the cost of arming and disarming one.
               Metric: scopes per second (higher is better).
timers         10,000 tasks each sleeping a random 0-50 ms (seed 1234).  Each task
               notes its own deadline (clock at the call + duration) and its wake-up
               time.  Metric: how late the last wake-up is past the last deadline,
               in ms (lower is better); the mean lateness is printed too.
memory         100,000 tasks each asleep in sleep(3600); RSS growth divided by the
               number of tasks, measured once every task is blocked (after a
               gc.collect()).  Metric: bytes per task (lower is better).
"""

from __future__ import annotations

import asyncio
import gc
import random
import sys
from typing import Any

from _common import (
    TrioLike,
    Workload,
    emit,
    emit_rate,
    main,
    now,
    rss_bytes,
    run_asyncio,
)

# ---------------------------------------------------------------- spawn


def _spawn_sizes(quick: bool) -> tuple[int, int]:
    return (1_000 if quick else 10_000), 10


def spawn_trio(api: TrioLike, quick: bool) -> None:
    tasks, checkpoints = _spawn_sizes(quick)
    checkpoint = api.lowlevel.checkpoint

    async def worker() -> None:
        for _ in range(checkpoints):
            await checkpoint()

    async def amain() -> float:
        t0 = now()
        async with api.core.open_nursery() as nursery:
            for _ in range(tasks):
                nursery.start_soon(worker)
        return now() - t0

    elapsed = api.core.run(amain)
    _emit_spawn(api.impl, tasks, checkpoints, elapsed)


def spawn_asyncio(impl: str, quick: bool) -> None:
    tasks, checkpoints = _spawn_sizes(quick)

    async def worker() -> None:
        for _ in range(checkpoints):
            await asyncio.sleep(0)

    async def amain() -> float:
        t0 = now()
        async with asyncio.TaskGroup() as tg:
            for _ in range(tasks):
                tg.create_task(worker())
        return now() - t0

    elapsed = run_asyncio(impl, amain)
    _emit_spawn(impl, tasks, checkpoints, elapsed)


def _emit_spawn(impl: str, tasks: int, checkpoints: int, elapsed: float) -> None:
    emit_rate(
        "spawn",
        impl,
        "tasks/s",
        tasks,
        elapsed,
        "tasks/s",
        tasks=tasks,
        checkpoints_each=checkpoints,
    )


# ---------------------------------------------------------------- ping-pong


def _pingpong_n(quick: bool) -> int:
    return 10_000 if quick else 100_000


def pingpong_trio(api: TrioLike, quick: bool) -> None:
    n = _pingpong_n(quick)
    Event = api.core.Event
    ping = [Event()]
    pong = [Event()]

    async def ponger() -> None:
        for _ in range(n):
            await ping[0].wait()
            ping[0] = Event()
            pong[0].set()

    async def pinger() -> None:
        for _ in range(n):
            ping[0].set()
            await pong[0].wait()
            pong[0] = Event()

    async def amain() -> float:
        t0 = now()
        async with api.core.open_nursery() as nursery:
            nursery.start_soon(ponger)
            nursery.start_soon(pinger)
        return now() - t0

    elapsed = api.core.run(amain)
    _emit_pingpong(api.impl, n, elapsed, "Event")


def pingpong_asyncio(impl: str, quick: bool) -> None:
    n = _pingpong_n(quick)

    async def amain() -> float:
        loop = asyncio.get_running_loop()
        ping: list[asyncio.Future[None]] = [loop.create_future()]
        pong: list[asyncio.Future[None]] = [loop.create_future()]

        async def ponger() -> None:
            for _ in range(n):
                await ping[0]
                ping[0] = loop.create_future()
                pong[0].set_result(None)

        async def pinger() -> None:
            for _ in range(n):
                ping[0].set_result(None)
                await pong[0]
                pong[0] = loop.create_future()

        t0 = now()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(ponger())
            tg.create_task(pinger())
        return now() - t0

    elapsed = run_asyncio(impl, amain)
    _emit_pingpong(impl, n, elapsed, "Future")


def _emit_pingpong(impl: str, n: int, elapsed: float, primitive: str) -> None:
    emit_rate(
        "pingpong", impl, "round trips/s", n, elapsed, "rt/s", round_trips=n, primitive=primitive
    )


# ---------------------------------------------------------------- move_on_after


def _scopes_n(quick: bool) -> int:
    return 20_000 if quick else 200_000


def scopes_trio(api: TrioLike, quick: bool) -> None:
    n = _scopes_n(quick)
    move_on_after = api.core.move_on_after

    async def amain() -> float:
        t0 = now()
        for _ in range(n):
            with move_on_after(10):
                pass
        return now() - t0

    elapsed = api.core.run(amain)
    _emit_scopes(api.impl, n, elapsed)


def scopes_asyncio(impl: str, quick: bool) -> None:
    n = _scopes_n(quick)
    timeout = asyncio.timeout

    async def amain() -> float:
        t0 = now()
        for _ in range(n):
            async with timeout(10):
                pass
        return now() - t0

    elapsed = run_asyncio(impl, amain)
    _emit_scopes(impl, n, elapsed)


def _emit_scopes(impl: str, n: int, elapsed: float) -> None:
    emit_rate("move_on_after", impl, "scopes/s", n, elapsed, "scopes/s", scopes=n)


# ---------------------------------------------------------------- timers


def _timer_durations(quick: bool) -> list[float]:
    rng = random.Random(1234)
    # Full size even with --quick: it takes ~0.1 s, and with fewer tasks every
    # implementation wakes on time, so the quick number would say nothing.
    del quick
    return [rng.uniform(0.0, 0.050) for _ in range(10_000)]


def timers_trio(api: TrioLike, quick: bool) -> None:
    durations = _timer_durations(quick)
    sleep = api.core.sleep
    pairs: list[tuple[float, float]] = []

    async def sleeper(d: float) -> None:
        deadline = now() + d
        await sleep(d)
        pairs.append((deadline, now()))

    async def amain() -> None:
        async with api.core.open_nursery() as nursery:
            for d in durations:
                nursery.start_soon(sleeper, d)

    api.core.run(amain)
    _emit_timers(api.impl, pairs)


def timers_asyncio(impl: str, quick: bool) -> None:
    durations = _timer_durations(quick)
    sleep = asyncio.sleep
    pairs: list[tuple[float, float]] = []

    async def sleeper(d: float) -> None:
        deadline = now() + d
        await sleep(d)
        pairs.append((deadline, now()))

    async def amain() -> None:
        async with asyncio.TaskGroup() as tg:
            for d in durations:
                tg.create_task(sleeper(d))

    run_asyncio(impl, amain)
    _emit_timers(impl, pairs)


def _emit_timers(impl: str, pairs: list[tuple[float, float]]) -> None:
    last = (max(w for _, w in pairs) - max(d for d, _ in pairs)) * 1e3
    mean = sum(w - d for d, w in pairs) / len(pairs) * 1e3
    # floor_for_ratio: epoll/poll time out in whole milliseconds, so a lateness
    # below 1 ms is within the timer resolution; the runner compares
    # max(value, 1 ms) (uvloop's timers can even fire a fraction of a ms early).
    emit(
        "timers",
        impl,
        "last wake-up lateness",
        last,
        "ms",
        "lower",
        tasks=len(pairs),
        mean_lateness_ms=mean,
        floor_for_ratio=1.0,
    )


# ---------------------------------------------------------------- memory


def _memory_n(quick: bool) -> int:
    return 10_000 if quick else 100_000


def memory_trio(api: TrioLike, quick: bool) -> None:
    n = _memory_n(quick)
    sleep = api.core.sleep
    result: dict[str, Any] = {}

    async def sleeper() -> None:
        await sleep(3600)

    async def amain() -> None:
        async with api.core.open_nursery() as nursery:
            await api.testing.wait_all_tasks_blocked()
            gc.collect()
            before = rss_bytes()
            for _ in range(n):
                nursery.start_soon(sleeper)
            await api.testing.wait_all_tasks_blocked()
            gc.collect()
            result["delta"] = rss_bytes() - before
            nursery.cancel_scope.cancel()

    api.core.run(amain)
    _emit_memory(api.impl, n, result["delta"])


def memory_asyncio(impl: str, quick: bool) -> None:
    n = _memory_n(quick)
    result: dict[str, Any] = {}

    async def sleeper() -> None:
        await asyncio.sleep(3600)

    async def amain() -> None:
        await asyncio.sleep(0)
        gc.collect()
        before = rss_bytes()
        tasks = [asyncio.create_task(sleeper()) for _ in range(n)]
        # Every task runs up to its first await before this task resumes.
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        gc.collect()
        result["delta"] = rss_bytes() - before
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    run_asyncio(impl, amain)
    _emit_memory(impl, n, result["delta"])


def _emit_memory(impl: str, n: int, delta: int) -> None:
    emit(
        "memory",
        impl,
        "RSS per sleeping task",
        delta / n,
        "bytes",
        "lower",
        tasks=n,
        rss_delta=delta,
    )


WORKLOADS = [
    Workload("spawn", "10k tasks x 10 checkpoints", spawn_trio, spawn_asyncio),
    Workload(
        "pingpong", "100k round trips, one-shot Event/Future", pingpong_trio, pingpong_asyncio
    ),
    Workload(
        "move_on_after", "200k move_on_after / asyncio.timeout entries", scopes_trio, scopes_asyncio
    ),
    Workload("timers", "10k random 0-50 ms sleeps: lateness", timers_trio, timers_asyncio),
    Workload("memory", "RSS per task, 100k sleeping tasks", memory_trio, memory_asyncio),
]

if __name__ == "__main__":
    sys.exit(main(WORKLOADS))
