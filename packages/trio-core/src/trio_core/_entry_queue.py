"""The ``run_sync_soon`` entry queue and :class:`TrioToken`: the way into a run
from other threads and from signal handlers.

Callbacks go into a deque (or, for ``idempotent=True``, a dict that drops
duplicates), and one byte into a socketpair wakes the run loop's I/O wait.
A system task of the run (``_run.Runner._run_sync_soon_task``) waits for
that socket and runs what is queued, one pass at a time.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, final

from ._exceptions import RunFinishedError, _NoPublicConstructor

__all__ = ["TrioToken"]


_DRAIN_CHUNK = 2**16


class _WakeupSocketpair:
    """A socketpair that wakes the I/O wait from any thread or signal handler."""

    def __init__(self) -> None:
        self.read_sock, self.write_sock = socket.socketpair()
        self.read_sock.setblocking(False)
        self.write_sock.setblocking(False)
        self._old_wakeup_fd: int | None = None

    def wakeup(self) -> None:
        try:
            self.write_sock.send(b"\x00")
        except OSError:
            # Full buffer: a wake-up is already pending.  Closed: the run is over.
            pass

    def drain(self) -> None:
        # A short read means the buffer was emptied: stop there rather than
        # pay for one more recv() and its BlockingIOError on every wake-up.
        # A byte written after this read makes the socket readable again (and
        # a byte a short read ever left behind keeps it readable: the next
        # pass of the run_sync_soon task drains it).
        recv = self.read_sock.recv
        try:
            while len(recv(_DRAIN_CHUNK)) == _DRAIN_CHUNK:
                pass
        except BlockingIOError:
            pass

    def wakeup_on_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        old = signal.set_wakeup_fd(self.write_sock.fileno(), warn_on_full_buffer=False)
        if old != -1:
            # Somebody else (another event loop?) owns the wakeup fd: leave it to them.
            signal.set_wakeup_fd(old)
            return
        self._old_wakeup_fd = old

    def close(self) -> None:
        if self._old_wakeup_fd is not None:
            signal.set_wakeup_fd(self._old_wakeup_fd)
            self._old_wakeup_fd = None
        self.read_sock.close()
        self.write_sock.close()


class _EntryQueue:
    def __init__(self) -> None:
        self.queue: deque[tuple[Callable[..., object], tuple[Any, ...]]] = deque()
        self.idempotent: dict[tuple[Callable[..., object], tuple[Any, ...]], None] = {}
        self.wakeup = _WakeupSocketpair()
        self.done = False
        # Makes "not done yet, so queue it" one step, so that a callback queued
        # from another thread is either run by the last pass (see close_and_run_all)
        # or refused, never left behind; it also guards `idempotent` against a
        # writer that fetched the dict just before run_all swapped it.
        # Re-entrant, because a signal handler may call run_sync_soon on the
        # loop's own thread while that thread holds the lock.
        self.lock = threading.RLock()

    def run_sync_soon(
        self, sync_fn: Callable[..., object], args: tuple[Any, ...], idempotent: bool
    ) -> None:
        with self.lock:
            if self.done:
                raise RunFinishedError("the trio_core.run() this token belongs to has finished")
            if idempotent:
                self.idempotent[(sync_fn, args)] = None
            else:
                self.queue.append((sync_fn, args))
        self.wakeup.wakeup()

    def close_and_run_all(self) -> None:
        # The run is shutting down: refuse new callbacks from now on, and run
        # the ones pending at this moment once more.  A callback that queues
        # itself again is told RunFinishedError, and cannot keep the run alive.
        with self.lock:
            self.done = True
        self.run_all()

    def pending(self) -> int:
        return len(self.queue) + len(self.idempotent)

    def run_all(self) -> None:
        # One pass runs only what was queued when it started: a callback that
        # queues another (or itself) again runs at the next pass, after the
        # tasks have had their turn (its run_sync_soon wakes the loop).
        queue = self.queue
        popleft = queue.popleft
        for _ in range(len(queue)):
            sync_fn, args = popleft()
            self._run_cb(sync_fn, args)
        if self.idempotent:
            with self.lock:
                batch, self.idempotent = self.idempotent, {}
            for sync_fn, args in batch:
                self._run_cb(sync_fn, args)

    @staticmethod
    def _run_cb(sync_fn: Callable[..., object], args: tuple[Any, ...]) -> None:
        try:
            sync_fn(*args)
        except BaseException as exc:
            exc.add_note(
                f"(raised by {sync_fn!r}, a callback given to TrioToken.run_sync_soon; "
                "such callbacks must not raise, so the run was stopped)"
            )
            raise


@final
class TrioToken(metaclass=_NoPublicConstructor):
    """A handle on a run, usable from other threads: get it with :func:`current_trio_token`.

    No public constructor.  Tokens compare and hash by identity: one token per run.
    """

    __slots__ = ("_entry_queue",)

    def __init__(self, entry_queue: _EntryQueue) -> None:
        self._entry_queue = entry_queue

    def run_sync_soon(
        self, sync_fn: Callable[..., object], *args: Any, idempotent: bool = False
    ) -> None:
        """Schedule ``sync_fn(*args)`` to run in the run loop's thread, soon.

        Safe to call from any thread and from signal handlers; the loop wakes at
        once.  Callbacks run in order (those queued with ``idempotent=True``
        run after the others, and an identical ``(sync_fn, args)`` pair already
        queued that way is not queued twice).  They run with KeyboardInterrupt
        protection and must not raise: an exception from one is a bug, and
        stops the run; :func:`run` raises :exc:`TrioInternalError` with it as
        the ``__cause__`` (noted with where it came from).  Not a checkpoint.

        When the run shuts down (its main task and other system tasks have
        exited), the callbacks pending at that moment run once more; from
        then on this raises RunFinishedError, also to a callback that tries
        to queue itself again.

        Args:
            sync_fn: a regular (not async) function.
            args: positional arguments for it.
            idempotent: if True, do not queue ``(sync_fn, args)`` again while
                an equal pair is already queued with ``idempotent=True``.

        Raises:
            RunFinishedError: if the run has already finished.
        """
        self._entry_queue.run_sync_soon(sync_fn, args, idempotent)
