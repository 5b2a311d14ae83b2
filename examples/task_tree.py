"""Seeing what every task is doing: the task-tree dump.

``trio.lowlevel.format_task_tree()`` returns the tree of tasks, nurseries
and cancel scopes of the running program: each task with its name and the
line where it waits, each cancel scope with its deadline (relative to now)
and whether it is cancelled or shielded.  ``print_task_tree()`` prints it,
from a task or from another thread; inside
``with trio.lowlevel.dump_task_tree_on(signal.SIGUSR1):`` the same tree is
printed whenever the process gets SIGUSR1 (``kill -USR1 <pid>`` from a
shell, while the program seems stuck).

Run it:  python examples/task_tree.py
"""

import os
import signal
import sys

import trio


async def worker(name: str, ready: trio.Event) -> None:
    # This line is where the tree says the worker waits.
    await ready.wait()
    print(f"   {name} got going")


async def ticker() -> None:
    with trio.move_on_after(30):
        await trio.sleep_forever()


def from_a_thread() -> str:
    # A worker thread is outside the run: the call hops into the run, builds
    # the tree there, and waits for it.
    return trio.lowlevel.format_task_tree()


async def main() -> None:
    ready = trio.Event()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(worker, "worker-1", ready, name="worker-1")
        nursery.start_soon(worker, "worker-2", ready, name="worker-2")
        nursery.start_soon(ticker, name="ticker")
        await trio.testing.wait_all_tasks_blocked()

        print("1. the tree, from the main task:")
        trio.lowlevel.print_task_tree(sys.stdout)

        print("2. the same tree, built for a worker thread (first lines):")
        tree = await trio.to_thread.run_sync(from_a_thread)
        print("".join(tree.splitlines(keepends=True)[:4]), end="")

        print("3. on SIGUSR1 (here the program sends it to itself):")
        with trio.lowlevel.dump_task_tree_on(signal.SIGUSR1, file=sys.stdout):
            os.kill(os.getpid(), signal.SIGUSR1)
            await trio.testing.wait_all_tasks_blocked()
        print("   (the previous SIGUSR1 handler is back)")

        ready.set()
        nursery.cancel_scope.cancel()


if __name__ == "__main__":
    trio.run(main)
