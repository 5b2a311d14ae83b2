"""Signal-to-task latency: how long from os.kill() until the waiting task runs.

    python benchmarks/signal_latency.py --impl {ours,trio,asyncio} [--quick] [--count N]
                                        [--breakdown]

A helper thread sends SIGUSR1 to this process with ``os.kill``, one signal
at a time; a task waiting for it notes when it wakes up, then lets the thread
send the next one.  Each sample is the time from just before ``os.kill`` in
the thread to the moment the task resumes (``time.perf_counter``, which all
threads share).  The first 100 signals warm up and are not counted.

* ``ours``: ``trio_signals.catch_signals({SIGUSR1})`` under ``trio_core.run``,
  one ``await batches.__anext__()`` per signal;
* ``trio``: Trio 0.35's ``trio.open_signal_receiver(SIGUSR1)``, same loop
  (only ``trio`` is imported: this mode runs in a venv holding real Trio);
* ``asyncio``: ``loop.add_signal_handler(SIGUSR1, ...)`` resolving a fresh
  future per signal, awaited by the task.

Prints one JSON object per line (the format of the other workload scripts,
read by benchmarks/run.py)::

    {"workload": "signal_latency", "impl": "ours", "metric": "median latency",
     "value": 41.2, "unit": "us", "better": "lower", "signals": 2000, ...}

and a second line with the 99th percentile.  With ``--breakdown``, every
Python-level handler installed for the signal is wrapped to note when it
starts, and the details gain ``to_handler_median_us`` (``os.kill`` until the
handler runs: the kernel, the thread wake-up, the GIL) and
``after_handler_median_us`` (the handler until the task runs: the library's
own part).  The wrapper adds a frame to the handler, so the totals of a
breakdown run are not for the table.  If the implementation cannot be
imported, prints ``{"workload": ..., "impl": ..., "skip": "<why>"}`` and exits 0.
Only the standard library is imported at the top.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

WORKLOAD = "signal_latency"
WARMUP = 100
FULL_COUNT = 2000
QUICK_COUNT = 200
# Per-signal bound: a lost signal fails the run instead of hanging it.
TIMEOUT = 10.0
SIGNUM = signal.SIGUSR1


class Skip(Exception):
    """The implementation cannot be run here (message says why)."""


class Sender:
    """The helper thread: sends one signal each time the task asks for one."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent_at: list[float] = []
        self._go = threading.Semaphore(0)
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="signal-sender", daemon=True)

    def _run(self) -> None:
        pid = os.getpid()
        for _ in range(self.total):
            self._go.acquire()
            if self._stop:
                return
            self.sent_at.append(time.perf_counter())
            os.kill(pid, SIGNUM)

    def start(self) -> None:
        self._thread.start()

    def request(self) -> None:
        """Ask for the next signal (called by the task just before it waits)."""
        self._go.release()

    def stop(self) -> None:
        self._stop = True
        self._go.release()
        self._thread.join(TIMEOUT)


def _summarise(
    impl: str, sent_at: list[float], woke_at: list[float], handler_at: list[float] | None = None
) -> None:
    if len(woke_at) != len(sent_at):
        raise RuntimeError(f"sent {len(sent_at)} signals but the task woke {len(woke_at)} times")
    samples = [
        (woke - sent) * 1e6 for sent, woke in zip(sent_at[WARMUP:], woke_at[WARMUP:], strict=True)
    ]
    samples.sort()
    median = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    details = {
        "signals": len(samples),
        "warmup": WARMUP,
        "mean_us": round(statistics.fmean(samples), 2),
        "p90_us": round(samples[int(len(samples) * 0.9)], 2),
        "p99_us": round(p99, 2),
        "max_us": round(samples[-1], 2),
        "min_us": round(samples[0], 2),
        "python": sys.version.split()[0],
    }
    if handler_at is not None:
        if len(handler_at) != len(sent_at):
            ran = len(handler_at)
            raise RuntimeError(f"sent {len(sent_at)} signals; the handler ran {ran} times")
        kept = slice(WARMUP, None)
        to_handler = [(h - s) * 1e6 for s, h in zip(sent_at[kept], handler_at[kept], strict=True)]
        after = [(w - h) * 1e6 for h, w in zip(handler_at[kept], woke_at[kept], strict=True)]
        details["to_handler_median_us"] = round(statistics.median(to_handler), 2)
        details["after_handler_median_us"] = round(statistics.median(after), 2)
    for metric, value in (("median latency", median), ("p99 latency", p99)):
        record = {
            "workload": WORKLOAD,
            "impl": impl,
            "metric": metric,
            "value": round(value, 2),
            "unit": "us",
            "better": "lower",
            **details,
        }
        print(json.dumps(record), flush=True)


def _time_handlers() -> list[float]:
    """Wrap each Python handler installed for SIGNUM from now on to note when it starts."""
    started: list[float] = []
    install = signal.signal

    def timed_install(signum: int, handler: Any) -> Any:
        if signum == SIGNUM and callable(handler):
            inner = handler

            def handler(signum: int, frame: FrameType | None) -> Any:
                started.append(time.perf_counter())
                return inner(signum, frame)

        return install(signum, handler)

    signal.signal = timed_install  # type: ignore[assignment]
    return started


# ---------------------------------------------------------------- ours


def run_ours(count: int) -> tuple[list[float], list[float]]:
    try:
        import trio_core
        from trio_signals import catch_signals
    except ImportError as exc:
        raise Skip(f"cannot import trio_core / trio_signals: {exc}") from exc

    sender = Sender(WARMUP + count)
    woke_at: list[float] = []

    async def main() -> None:
        with catch_signals({SIGNUM}) as batches:
            sender.start()
            try:
                for _ in range(sender.total):
                    sender.request()
                    with trio_core.fail_after(TIMEOUT):
                        batch = await batches.__anext__()
                    woke_at.append(time.perf_counter())
                    if batch != {SIGNUM}:
                        raise RuntimeError(f"unexpected batch {batch!r}")
            finally:
                sender.stop()

    trio_core.run(main)
    return sender.sent_at, woke_at


# ---------------------------------------------------------------- Trio 0.35


def run_trio(count: int) -> tuple[list[float], list[float]]:
    try:
        import trio
    except ImportError as exc:
        raise Skip(f"cannot import trio: {exc}") from exc
    version = getattr(trio, "__version__", "?")
    if not version.startswith("0.35"):
        raise Skip(f"`import trio` gave version {version} from {trio.__file__}, not Trio 0.35")

    sender = Sender(WARMUP + count)
    woke_at: list[float] = []

    async def main() -> None:
        # (Our own meta-package, also importable as `trio`, has no such name.)
        with trio.open_signal_receiver(SIGNUM) as signals:  # type: ignore[attr-defined,unused-ignore]
            sender.start()
            try:
                for _ in range(sender.total):
                    sender.request()
                    with trio.fail_after(TIMEOUT):
                        signum = await signals.__anext__()
                    woke_at.append(time.perf_counter())
                    if signum != SIGNUM:
                        raise RuntimeError(f"unexpected signal {signum!r}")
            finally:
                sender.stop()

    trio.run(main)
    return sender.sent_at, woke_at


# ---------------------------------------------------------------- asyncio


def run_asyncio(count: int) -> tuple[list[float], list[float]]:
    import asyncio

    sender = Sender(WARMUP + count)
    woke_at: list[float] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        waiter: list[asyncio.Future[None]] = []

        def on_signal() -> None:
            if waiter and not waiter[0].done():
                waiter[0].set_result(None)

        loop.add_signal_handler(SIGNUM, on_signal)
        sender.start()
        try:
            for _ in range(sender.total):
                future = loop.create_future()
                waiter[:] = [future]
                sender.request()
                async with asyncio.timeout(TIMEOUT):
                    await future
                woke_at.append(time.perf_counter())
        finally:
            sender.stop()
            loop.remove_signal_handler(SIGNUM)

    asyncio.run(main())
    return sender.sent_at, woke_at


IMPLS: dict[str, Callable[[int], tuple[list[float], list[float]]]] = {
    "ours": run_ours,
    "trio": run_trio,
    "asyncio": run_asyncio,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Signal-to-task latency (os.kill from a thread to the waiting task)."
    )
    parser.add_argument("--impl", choices=sorted(IMPLS), required=True)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_COUNT} signals instead of {FULL_COUNT}"
    )
    parser.add_argument(
        "--count", type=int, default=None, help="signals to measure (after the warm-up)"
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time when the Python handler starts (before / after it, as details)",
    )
    args = parser.parse_args(argv)
    count = args.count if args.count is not None else QUICK_COUNT if args.quick else FULL_COUNT
    if count < 1:
        parser.error("--count must be at least 1")
    handler_at = _time_handlers() if args.breakdown else None
    try:
        sent_at, woke_at = IMPLS[args.impl](count)
    except Skip as exc:
        print(json.dumps({"workload": WORKLOAD, "impl": args.impl, "skip": str(exc)}), flush=True)
        return 0
    _summarise(args.impl, sent_at, woke_at, handler_at)
    return 0


if __name__ == "__main__":
    sys.exit(main())
