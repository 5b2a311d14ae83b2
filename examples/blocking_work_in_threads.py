"""Blocking work in threads: ``to_thread.run_sync`` and ``from_thread``.

Everything in a trio program runs in one thread, so a call that blocks
(a slow C library, ``time.sleep``, heavy hashing, a synchronous database
driver) would freeze every task.  ``await trio.to_thread.run_sync(fn, ...)``
runs ``fn`` in a worker thread instead and lets the other tasks go on; from
inside that thread, ``trio.from_thread.run`` / ``run_sync`` call back into
the run.

Run it:  python examples/blocking_work_in_threads.py
"""

import hashlib
import time

import trio


def slow_hash(data: bytes, rounds: int) -> str:
    # Pure blocking code: it knows nothing about trio.
    digest = data
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()[:16]


def blocking_job_that_reports_progress(steps: int) -> str:
    for step in range(1, steps + 1):
        time.sleep(0.02)  # blocking: fine, we are in a worker thread
        # Call back into the run (here: a plain function; from_thread.run
        # takes an async one).  It returns when the run has executed it.
        trio.from_thread.run_sync(print, f"   progress: step {step}/{steps}")
    return "job done"


async def heartbeat(stop: trio.Event) -> None:
    # Proof that the run stays responsive while the threads work.
    beats = 0
    while not stop.is_set():
        beats += 1
        await trio.sleep(0.01)
    print(f"   the heartbeat task ran {beats} times meanwhile")


async def main() -> None:
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(heartbeat, stop)

        print("1. hash in a worker thread:")
        result = await trio.to_thread.run_sync(slow_hash, b"trio", 200_000)
        print(f"   result {result}")

        print("2. a blocking job calling back into the run:")
        print(f"   {await trio.to_thread.run_sync(blocking_job_that_reports_progress, 3)}")

        print("3. at most 2 threads at a time, with a CapacityLimiter:")
        limiter = trio.CapacityLimiter(2)

        async def job() -> None:
            await trio.to_thread.run_sync(time.sleep, 0.1, limiter=limiter)

        started = trio.current_time()
        async with trio.open_nursery() as jobs:
            for _ in range(4):
                jobs.start_soon(job)
        print(f"   4 jobs of 0.1s took {trio.current_time() - started:.1f}s (two rounds)")

        stop.set()


if __name__ == "__main__":
    trio.run(main)
