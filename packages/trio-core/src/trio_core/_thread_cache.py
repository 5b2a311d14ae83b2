"""A cache of worker threads: :func:`start_thread_soon` reuses idle threads.

A worker that has been idle for ``IDLE_TIMEOUT`` seconds exits, so a burst
of blocking calls does not leave hundreds of threads behind.  Creating a
thread costs far more than handing a job to a waiting one, which is why
``to_thread.run_sync`` goes through this cache.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from outcome import Outcome, capture

__all__ = ["start_thread_soon"]

IDLE_TIMEOUT = 10.0
_logger = logging.getLogger("trio_core")

_Job = tuple[Callable[[], Any], Callable[[Outcome[Any]], object], "str | None"]


class _Worker:
    __slots__ = ("_cache", "_job", "_wakeup", "thread")

    def __init__(self, cache: _ThreadCache) -> None:
        self._cache = cache
        self._job: _Job | None = None
        # Held while there is no job; released by the dispatcher to hand one over.
        self._wakeup = threading.Lock()
        self._wakeup.acquire()
        self.thread = threading.Thread(target=self._loop, name="trio_core worker", daemon=True)

    def give(self, job: _Job) -> None:
        self._job = job
        self._wakeup.release()

    def _loop(self) -> None:
        while True:
            if not self._wakeup.acquire(timeout=IDLE_TIMEOUT):
                if self._cache.retire(self):
                    return
                # The dispatcher picked us just as we timed out: a job is coming.
                self._wakeup.acquire()
            job, self._job = self._job, None
            assert job is not None
            fn, deliver, name = job
            thread = threading.current_thread()
            if name is not None:
                thread.name = name
            result = capture(fn)
            del fn, job
            thread.name = "trio_core worker"
            # Idle *before* delivering: the caller, woken by the delivery, may
            # start its next job at once, and should find this thread waiting
            # rather than make a new one.  A job handed over now waits on
            # _wakeup until deliver() returns.
            self._cache.idle(self)
            try:
                deliver(result)
            except BaseException:
                _logger.exception("the deliver callback of a worker thread job raised")
            del deliver, result


class _ThreadCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def start_thread_soon(
        self,
        fn: Callable[[], Any],
        deliver: Callable[[Outcome[Any]], object],
        name: str | None,
    ) -> None:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None:
            worker = _Worker(self)
            worker.give((fn, deliver, name))
            worker.thread.start()
        else:
            worker.give((fn, deliver, name))

    def idle(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    def retire(self, worker: _Worker) -> bool:
        with self._lock:
            if worker in self._idle:
                self._idle.remove(worker)
                return True
            return False


_THREAD_CACHE = _ThreadCache()


def _forget_workers_after_fork() -> None:
    # Only the forking thread survives a fork: the idle workers are gone.
    global _THREAD_CACHE
    _THREAD_CACHE = _ThreadCache()


os.register_at_fork(after_in_child=_forget_workers_after_fork)


def start_thread_soon(
    fn: Callable[[], Any],
    deliver: Callable[[Outcome[Any]], object],
    name: str | None = None,
) -> None:
    """Run ``fn()`` in a worker thread, then call ``deliver(outcome)`` in that thread.

    A low-level building block (``to_thread.run_sync`` is the friendly one):
    it does not need a run, uses an idle cached thread when there is one, and
    never blocks.  ``deliver`` gets a :class:`~trio_core.lowlevel.Value` or
    :class:`~trio_core.lowlevel.Error`; it must not raise (an exception from it
    is logged).  Not a checkpoint.

    Args:
        fn: the function to call, without arguments.
        deliver: called with the outcome of ``fn``, in the worker thread.
        name: a name for the thread while it runs ``fn``.
    """
    _THREAD_CACHE.start_thread_soon(fn, deliver, name)
