"""Child processes: how many start and are reaped per second, and bytes through `cat`.

    python benchmarks/processes.py --impl {ours,trio,asyncio} [--quick]

* ``spawn``: ``true`` run to completion, one after the other, N times:
  processes started and reaped per second;
* ``cat``: 512 MiB written to ``cat``'s stdin while its stdout is read
  (and counted) concurrently: MiB per second through the two pipes.

Implementations: ``ours`` is ``trio_subprocess.run_process`` /
``nursery.start`` under ``trio_core.run``; ``trio`` is Trio 0.35's
``run_process`` (only ``trio`` is imported: this mode runs in a venv holding
real Trio); ``asyncio`` is ``asyncio.create_subprocess_exec`` with
``communicate``-free streaming (``write``/``drain`` and ``read``).

Prints one JSON object per line, read by benchmarks/run.py::

    {"workload": "processes_spawn", "impl": "ours", "metric": "processes/s",
     "value": 812.0, "unit": "/s", "better": "higher", ...}

If the implementation cannot be imported, prints
``{"workload": ..., "impl": ..., "skip": "<why>"}`` and exits 0.  Only the
standard library is imported at the top.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

SPAWNS_FULL, SPAWNS_QUICK = 400, 40
CAT_MIB_FULL, CAT_MIB_QUICK = 512, 32
CHUNK = b"\x5a" * (1 << 20)


class Skip(Exception):
    """The implementation cannot be run here (message says why)."""


# ---------------------------------------------------------------- ours


def ours(spawns: int, mib: int) -> tuple[float, float]:
    try:
        import trio_core
        from trio_subprocess import run_process
    except ImportError as exc:
        raise Skip(f"cannot import trio_core / trio_subprocess: {exc}") from exc
    import functools

    times: list[float] = []

    async def main() -> None:
        await run_process(["true"])  # warm up
        start = time.perf_counter()
        for _ in range(spawns):
            await run_process(["true"])
        times.append(time.perf_counter() - start)

        received = 0
        start = time.perf_counter()
        async with trio_core.open_nursery() as nursery:
            proc = await nursery.start(
                functools.partial(
                    run_process, ["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
                )
            )

            async def feed() -> None:
                async with proc.stdin:
                    for _ in range(mib):
                        await proc.stdin.sendall(CHUNK)

            nursery.start_soon(feed)
            async with proc.stdout:
                while data := await proc.stdout.recv(1 << 20):
                    received += len(data)
        times.append(time.perf_counter() - start)
        assert received == mib << 20, received

    trio_core.run(main)
    return spawns / times[0], mib / times[1]


# ---------------------------------------------------------------- Trio 0.35


def trio_peer(spawns: int, mib: int) -> tuple[float, float]:
    try:
        import trio
    except ImportError as exc:
        raise Skip(f"cannot import trio: {exc}") from exc
    version = getattr(trio, "__version__", "?")
    if not version.startswith("0.35"):
        raise Skip(f"`import trio` gave version {version} from {trio.__file__}, not Trio 0.35")
    import functools

    times: list[float] = []

    async def main() -> None:
        await trio.run_process(["true"])
        start = time.perf_counter()
        for _ in range(spawns):
            await trio.run_process(["true"])
        times.append(time.perf_counter() - start)

        received = 0
        start = time.perf_counter()
        async with trio.open_nursery() as nursery:
            proc = await nursery.start(
                functools.partial(
                    trio.run_process, ["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
                )
            )

            async def feed() -> None:
                async with proc.stdin:
                    for _ in range(mib):
                        await proc.stdin.send_all(CHUNK)

            nursery.start_soon(feed)
            async with proc.stdout:
                while data := await proc.stdout.receive_some(1 << 20):
                    received += len(data)
        times.append(time.perf_counter() - start)
        assert received == mib << 20, received

    trio.run(main)
    return spawns / times[0], mib / times[1]


# ---------------------------------------------------------------- asyncio


def asyncio_peer(spawns: int, mib: int) -> tuple[float, float]:
    import asyncio

    times: list[float] = []

    async def main() -> None:
        async def one_true() -> None:
            proc = await asyncio.create_subprocess_exec("true")
            await proc.wait()

        await one_true()
        start = time.perf_counter()
        for _ in range(spawns):
            await one_true()
        times.append(time.perf_counter() - start)

        start = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            "cat", stdin=subprocess.PIPE, stdout=subprocess.PIPE, limit=1 << 20
        )
        assert proc.stdin is not None and proc.stdout is not None
        stdin, stdout = proc.stdin, proc.stdout

        async def feed() -> None:
            for _ in range(mib):
                stdin.write(CHUNK)
                await stdin.drain()
            stdin.close()
            await stdin.wait_closed()

        async def drain() -> int:
            received = 0
            while data := await stdout.read(1 << 20):
                received += len(data)
            return received

        _, received = await asyncio.gather(feed(), drain())
        await proc.wait()
        times.append(time.perf_counter() - start)
        assert received == mib << 20, received

    asyncio.run(main())
    return spawns / times[0], mib / times[1]


RUNNERS: dict[str, Callable[[int, int], tuple[float, float]]] = {
    "ours": ours,
    "trio": trio_peer,
    "asyncio": asyncio_peer,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--impl", choices=sorted(RUNNERS), required=True)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args(argv)
    spawns = SPAWNS_QUICK if args.quick else SPAWNS_FULL
    mib = CAT_MIB_QUICK if args.quick else CAT_MIB_FULL
    try:
        per_second, mib_per_second = RUNNERS[args.impl](spawns, mib)
    except Skip as exc:
        for workload in ("processes_spawn", "processes_cat"):
            print(json.dumps({"workload": workload, "impl": args.impl, "skip": str(exc)}))
        return 0
    records: list[dict[str, Any]] = [
        {
            "workload": "processes_spawn",
            "impl": args.impl,
            "metric": "processes/s",
            "value": round(per_second, 1),
            "unit": "/s",
            "better": "higher",
            "processes": spawns,
            "python": sys.version.split()[0],
        },
        {
            "workload": "processes_cat",
            "impl": args.impl,
            "metric": "MiB/s through cat",
            "value": round(mib_per_second, 1),
            "unit": "MiB/s",
            "better": "higher",
            "mib": mib,
            "python": sys.version.split()[0],
        },
    ]
    for record in records:
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
