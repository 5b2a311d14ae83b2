"""Tasks and nurseries: run things concurrently, and never lose one.

Every task lives in a *nursery*.  The ``async with`` block of a nursery does
not end until every task started in it has ended, so no task can outlive the
code that started it, and no error can vanish: if a task raises, the nursery
cancels its siblings and the error comes out of the ``async with``.

Run it:  python examples/tasks_and_nurseries.py
"""

import trio


async def worker(name: str, delay: float, results: list[str]) -> None:
    # A checkpoint (any `await` of ours) is where other tasks get to run.
    await trio.sleep(delay)
    results.append(name)
    print(f"  {name} finished after {delay}s")


async def start_a_server(task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED) -> None:
    # nursery.start() waits until the task says it is ready, and gets a value back.
    await trio.sleep(0.01)  # pretend to bind a port...
    task_status.started("ready on port 8080")
    await trio.sleep_forever()  # ...and serve until cancelled


async def failing_task() -> None:
    await trio.sleep(0.05)
    raise ValueError("something went wrong")


async def main() -> None:
    # 1. Three tasks at once: the whole block takes as long as the slowest.
    print("1. three workers, concurrently:")
    results: list[str] = []
    start = trio.current_time()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(worker, "slow", 0.3, results)
        nursery.start_soon(worker, "fast", 0.1, results)
        nursery.start_soon(worker, "medium", 0.2, results)
        # The block's own body runs concurrently with its children, too.
    elapsed = trio.current_time() - start
    print(f"   finished in order {results}, in {elapsed:.1f}s (not 0.6s)")

    # 2. start(): wait for a background task to be ready, then go on.
    print("2. a background task that reports when it is ready:")
    async with trio.open_nursery() as nursery:
        status = await nursery.start(start_a_server)
        print(f"   the server says: {status}")
        # Cancelling the nursery's scope stops everything left in it.
        nursery.cancel_scope.cancel()

    # 3. Errors propagate: a failing child cancels its siblings, and the
    #    error comes out of the nursery wrapped in an ExceptionGroup.
    print("3. a failing task cancels its siblings:")
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(trio.sleep_forever)  # would run forever...
            nursery.start_soon(failing_task)  # ...but this one fails
    except* ValueError as group:
        print(f"   caught: {group.exceptions[0]!r}")


if __name__ == "__main__":
    trio.run(main)
