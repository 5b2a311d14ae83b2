"""The kqueue I/O manager (macOS and the BSDs).

Each waiter registers its own ``(fd, filter)`` pair with ``EV_ONESHOT``, so
a wake-up needs no clean-up; an aborted wait deletes its filter.

``wait_process_exit`` (for trio-subprocess) registers the process filter
(``EVFILT_PROC`` with ``NOTE_EXIT``) the same way.  Its events carry a pid,
not a file descriptor, so they are told apart by their filter before any
lookup by fd (a pid may well equal some open fd's number).
"""

from __future__ import annotations

import errno
import select
import sys
from typing import Any

from ._io_common import MAX_TIMEOUT, FdWaiters, ReadinessIOManager, Reschedule

assert sys.platform != "linux" and sys.platform != "win32", "kqueue is for macOS and the BSDs"

_READ = 1
_WRITE = 2


class KqueueIOManager(ReadinessIOManager):
    backend = "kqueue"

    def __init__(self, reschedule: Reschedule) -> None:
        super().__init__(reschedule)
        self._kqueue = select.kqueue()
        # pid -> the (run loop's) task waiting for it to exit
        self._process_waiters: dict[int, Any] = {}

    def _control(self, fd: int, kfilter: int, flags: int) -> None:
        event = select.kevent(fd, kfilter, flags)
        try:
            self._kqueue.control([event], 0)
        except OSError as exc:
            if flags & select.KQ_EV_DELETE and exc.errno in (
                errno.ENOENT,
                errno.EBADF,
                errno.ESRCH,
            ):
                return
            raise

    def _arm(self, fd: int, waiters: FdWaiters) -> None:
        wanted = (_READ if waiters.read_task is not None else 0) | (
            _WRITE if waiters.write_task is not None else 0
        )
        add = select.KQ_EV_ADD | select.KQ_EV_ONESHOT
        if wanted & _READ and not waiters.armed & _READ:
            self._control(fd, select.KQ_FILTER_READ, add)
        if wanted & _WRITE and not waiters.armed & _WRITE:
            self._control(fd, select.KQ_FILTER_WRITE, add)
        if waiters.armed & _READ and not wanted & _READ:
            self._control(fd, select.KQ_FILTER_READ, select.KQ_EV_DELETE)
        if waiters.armed & _WRITE and not wanted & _WRITE:
            self._control(fd, select.KQ_FILTER_WRITE, select.KQ_EV_DELETE)
        waiters.armed = wanted

    def _disarm_aborted(self, fd: int, waiters: FdWaiters) -> None:
        # Delete the cancelled wait's filter.  Otherwise `armed` would still
        # claim it after the fd is closed (the kernel drops its filters) and
        # its number reused, and the next wait would never add a filter.
        self._arm(fd, waiters)

    def _forget(self, fd: int, waiters: FdWaiters) -> None:
        waiters.read_task = waiters.write_task = None
        self._arm(fd, waiters)

    async def wait_process_exit(self, pid: int) -> None:
        from ._exceptions import BusyResourceError
        from ._ki import enable_ki_protection
        from ._traps import GLOBAL_RUN_CONTEXT, Abort, wait_task_rescheduled

        if pid in self._process_waiters:
            raise BusyResourceError(
                f"another task is already waiting for process {pid} to exit; "
                "only one task at a time may wait for the same process"
            )
        event = select.kevent(
            pid,
            select.KQ_FILTER_PROC,
            select.KQ_EV_ADD | select.KQ_EV_ONESHOT,
            select.KQ_NOTE_EXIT,
        )
        try:
            self._kqueue.control([event], 0)
        except ProcessLookupError:
            return  # ESRCH: it has exited already
        self._process_waiters[pid] = GLOBAL_RUN_CONTEXT.task

        @enable_ki_protection
        def abort(_: object) -> Abort:
            if self._process_waiters.pop(pid, None) is not None:
                self._control(pid, select.KQ_FILTER_PROC, select.KQ_EV_DELETE)
            return Abort.SUCCEEDED

        await wait_task_rescheduled(abort)

    def get_events(self, timeout: float, busy: bool = False) -> Any:
        max_events = max(1, 2 * len(self._waiters) + len(self._process_waiters))
        return self._kqueue.control([], max_events, min(timeout, MAX_TIMEOUT))

    def process_events(self, events: Any) -> None:
        all_waiters = self._waiters
        for event in events:
            if event.filter == select.KQ_FILTER_PROC:
                task = self._process_waiters.pop(event.ident, None)
                if task is not None:
                    self._reschedule(task, None)
                continue
            fd = event.ident
            waiters = all_waiters.get(fd)
            if waiters is None:
                continue
            error = bool(event.flags & (select.KQ_EV_EOF | select.KQ_EV_ERROR))
            if event.filter == select.KQ_FILTER_READ:
                waiters.armed &= ~_READ
                self._wake(fd, True, error)
            elif event.filter == select.KQ_FILTER_WRITE:
                waiters.armed &= ~_WRITE
                self._wake(fd, error, True)
            self._arm(fd, waiters)

    def close(self) -> None:
        self._kqueue.close()
