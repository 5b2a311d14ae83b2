"""Deadlock detection: ``trio.run(main, detect_deadlocks=True)``.

Two workers each take one lock and then wait for the other's: a classic
deadlock.  Without the mode the program would hang for ever (until
Control-C); with it, once every task is blocked and nothing (no I/O, no
timer, no thread, no signal handler) could wake any of them, the run
raises ``trio.DeadlockError`` in the main task, with the task tree in its
message showing where each task waits.

The mode is opt-in, and never fires while a way out exists: the program's
first part sleeps, waits for a thread and for a timeout, with detection on.

Run it:  python examples/deadlock_detection.py
"""

import time

import trio


async def fine() -> None:
    # None of this is a deadlock: a timer, a thread, a timeout are ways out.
    await trio.sleep(0.01)
    await trio.to_thread.run_sync(time.sleep, 0.01)
    with trio.move_on_after(0.01):
        await trio.Event().wait()
    print("1. sleeping, a worker thread and a timeout: no false alarm")


async def worker(name: str, first: trio.Lock, second: trio.Lock) -> None:
    async with first:
        await trio.sleep(0.01)  # let the other worker take its first lock
        async with second:  # each waits here for the other's lock
            print(f"{name} got both locks")  # never printed


async def deadlocked() -> None:
    lock_a, lock_b = trio.Lock(), trio.Lock()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(worker, "worker-1", lock_a, lock_b, name="worker-1")
        nursery.start_soon(worker, "worker-2", lock_b, lock_a, name="worker-2")


async def main() -> None:
    await fine()
    try:
        await deadlocked()
    except* trio.DeadlockError as group:
        error = group.exceptions[0]
        print("2. the deadlock was detected; the task tree from the error:")
        for line in str(error).splitlines():
            if "worker-" in line:
                print("  ", line.strip(" │├└─"))
    print("3. the workers were cancelled, and main went on")


if __name__ == "__main__":
    trio.run(main, detect_deadlocks=True)
