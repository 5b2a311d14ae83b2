"""How a run shuts down its run_sync_soon queue (issue 13, item 1).

Once the main task has finished and the run is shutting down, the callbacks
pending at that moment run once more, then ``TrioToken.run_sync_soon``
raises RunFinishedError and ``run()`` returns: a callback that keeps
queueing itself cannot keep the run alive.  Each test bounds the number of
times its callback queues itself, so that a regression fails instead of
hanging.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

import trio_core
from trio_core import lowlevel

BOUND = 20_000  # passes a self-queueing callback allows itself


class _SelfQueueing:
    """A callback that queues itself again every time it runs, up to BOUND times."""

    def __init__(self, token: lowlevel.TrioToken, *, idempotent: bool) -> None:
        self.token = token
        self.idempotent = idempotent
        self.runs = 0
        self.runs_after_main = 0
        self.main_done = False
        self.refused: BaseException | None = None

    def __call__(self) -> None:
        self.runs += 1
        if self.main_done:
            self.runs_after_main += 1
        if self.runs >= BOUND:
            return
        try:
            self.token.run_sync_soon(self, idempotent=self.idempotent)
        except trio_core.RunFinishedError as exc:
            self.refused = exc
            self.on_refused()

    def on_refused(self) -> None:
        pass


@pytest.mark.parametrize("idempotent", [False, True], ids=["plain", "idempotent"])
def test_a_callback_that_queues_itself_does_not_keep_run_from_returning(
    idempotent: bool,
) -> None:
    callbacks: list[_SelfQueueing] = []

    async def main() -> str:
        callback = _SelfQueueing(lowlevel.current_trio_token(), idempotent=idempotent)
        callbacks.append(callback)
        callback.token.run_sync_soon(callback, idempotent=idempotent)
        for _ in range(10):
            await lowlevel.checkpoint()
        callback.main_done = True
        return "main's result"

    assert trio_core.run(main) == "main's result"
    (callback,) = callbacks
    assert isinstance(callback.refused, trio_core.RunFinishedError)
    # The pending one ran once more (plus, at most, one pass before the run
    # noticed that the main task was done); nowhere near BOUND.
    assert 1 <= callback.runs_after_main <= 3, callback.runs_after_main
    with pytest.raises(trio_core.RunFinishedError):
        callback.token.run_sync_soon(callback)


@pytest.mark.parametrize("idempotent", [False, True], ids=["plain", "idempotent"])
def test_a_queue_kept_busy_for_the_whole_run_starves_no_task(idempotent: bool) -> None:
    # The callback is queued all the time; the tasks (checkpoints, a sleep,
    # an Event from another task) still make progress between its passes.
    callbacks: list[_SelfQueueing] = []

    async def main() -> None:
        callback = _SelfQueueing(lowlevel.current_trio_token(), idempotent=idempotent)
        callbacks.append(callback)
        callback.token.run_sync_soon(callback, idempotent=idempotent)
        event = trio_core.Event()
        runs_per_checkpoint = []
        async with trio_core.open_nursery() as nursery:

            async def setter() -> None:
                for _ in range(5):
                    await lowlevel.checkpoint()
                event.set()

            nursery.start_soon(setter)
            for _ in range(50):
                before = callback.runs
                await lowlevel.checkpoint()
                runs_per_checkpoint.append(callback.runs - before)
            with trio_core.fail_after(5):
                await trio_core.sleep(0.01)
                await event.wait()
        # One pass of the queue per scheduler turn, not a run of them.
        assert max(runs_per_checkpoint) <= 2, runs_per_checkpoint
        assert callback.runs < BOUND
        callback.main_done = True

    trio_core.run(main)
    (callback,) = callbacks
    assert isinstance(callback.refused, trio_core.RunFinishedError)


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="needs the main thread"
)
def test_control_c_from_a_callback_refused_at_shutdown_is_keyboardinterrupt() -> None:
    # The callback, told RunFinishedError, raises Control-C at itself.  It runs
    # with KeyboardInterrupt protection, so the interrupt is recorded, and
    # run() raises it once the run is over.
    class Interrupter(_SelfQueueing):
        def on_refused(self) -> None:
            os.kill(os.getpid(), signal.SIGINT)

    callbacks: list[Interrupter] = []

    async def main() -> None:
        callback = Interrupter(lowlevel.current_trio_token(), idempotent=False)
        callbacks.append(callback)
        callback.token.run_sync_soon(callback)
        await lowlevel.checkpoint()
        callback.main_done = True

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt):
        trio_core.run(main)
    (callback,) = callbacks
    assert isinstance(callback.refused, trio_core.RunFinishedError)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_callbacks_queued_from_a_thread_during_shutdown_run_or_are_refused() -> None:
    # Nothing is silently lost: every call either runs its callback or raises.
    ran: list[int] = []
    refused: list[int] = []
    started = threading.Event()

    def hammer(token: lowlevel.TrioToken) -> None:
        i = 0
        started.set()
        while True:
            try:
                token.run_sync_soon(ran.append, i)
            except trio_core.RunFinishedError:
                refused.append(i)
                return
            i += 1

    threads: list[threading.Thread] = []

    async def main() -> None:
        thread = threading.Thread(target=hammer, args=(lowlevel.current_trio_token(),))
        threads.append(thread)
        thread.start()
        await trio_core.to_thread.run_sync(started.wait)
        for _ in range(20):
            await lowlevel.checkpoint()

    trio_core.run(main)
    threads[0].join(10)
    assert not threads[0].is_alive()
    assert refused and ran == list(range(refused[0]))
