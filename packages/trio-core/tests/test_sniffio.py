"""sniffio sees "trio" inside runs (and guest runs), nothing in worker threads;
lowlevel.in_trio_run() / in_trio_task()."""

from __future__ import annotations

import asyncio
import queue
from typing import Any

import sniffio
from outcome import Outcome

import trio_core
from trio_core import from_thread, lowlevel, to_thread


def _library() -> str | None:
    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None


def test_sniffio_says_trio_in_every_task_of_a_run_and_nothing_after() -> None:
    assert _library() is None
    seen: dict[str, str | None] = {}

    async def child() -> None:
        await trio_core.sleep(0)
        seen["child"] = _library()

    async def system() -> None:
        seen["system"] = _library()

    async def main() -> None:
        seen["main"] = _library()
        lowlevel.spawn_system_task(system)
        event = trio_core.Event()

        def callback() -> None:
            seen["run_sync_soon"] = _library()
            event.set()

        lowlevel.current_trio_token().run_sync_soon(callback)
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(child)
        await event.wait()

    trio_core.run(main)
    assert seen == {"main": "trio", "child": "trio", "system": "trio", "run_sync_soon": "trio"}
    assert _library() is None


def test_sniffio_in_worker_threads_says_nothing_but_from_thread_says_trio() -> None:
    def in_worker() -> tuple[str | None, str | None]:
        return _library(), from_thread.run_sync(_library)

    async def main() -> tuple[str | None, str | None]:
        # Even a context variable set by some library does not reach the worker.
        sniffio.current_async_library_cvar.set("somelib")
        return await to_thread.run_sync(in_worker)

    assert trio_core.run(main) == (None, "trio")


def test_sniffio_in_a_guest_run_on_asyncio() -> None:
    seen: dict[str, Any] = {}

    async def trio_main() -> None:
        seen["guest task"] = _library()
        await trio_core.sleep(0.01)
        seen["guest task after sleeping"] = _library()

    async def host() -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Outcome[Any]] = loop.create_future()
        lowlevel.start_guest_run(
            trio_main,
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            run_sync_soon_not_threadsafe=loop.call_soon,
            done_callback=done.set_result,
        )
        await asyncio.sleep(0.002)
        seen["asyncio task"] = _library()
        (await done).unwrap()
        seen["asyncio task after"] = _library()

    asyncio.run(host())
    assert seen == {
        "guest task": "trio",
        "guest task after sleeping": "trio",
        "asyncio task": "asyncio",
        "asyncio task after": "asyncio",
    }


def test_in_trio_run_and_in_trio_task() -> None:
    assert (lowlevel.in_trio_run(), lowlevel.in_trio_task()) == (False, False)

    def where() -> tuple[bool, bool]:
        return lowlevel.in_trio_run(), lowlevel.in_trio_task()

    async def main() -> dict[str, tuple[bool, bool]]:
        return {"task": where(), "worker": await to_thread.run_sync(where)}

    assert trio_core.run(main) == {"task": (True, True), "worker": (False, False)}
    assert where() == (False, False)


def test_in_trio_run_but_not_in_a_task_in_a_guest_runs_host_code() -> None:
    todo: queue.Queue[Any] = queue.Queue()
    done: list[Outcome[Any]] = []

    async def main() -> tuple[bool, bool]:
        await trio_core.sleep(0)
        return lowlevel.in_trio_run(), lowlevel.in_trio_task()

    lowlevel.start_guest_run(main, run_sync_soon_threadsafe=todo.put, done_callback=done.append)
    assert (lowlevel.in_trio_run(), lowlevel.in_trio_task()) == (True, False)
    while not done:
        todo.get(timeout=10)()
    assert done[0].unwrap() == (True, True)
    assert (lowlevel.in_trio_run(), lowlevel.in_trio_task()) == (False, False)
