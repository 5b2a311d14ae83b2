"""The portable ``poll()`` I/O manager: the fallback where neither epoll nor
kqueue exists, and forceable anywhere with ``TRIO_CORE_IO_MANAGER=poll``.

Level-triggered, like the epoll manager, and lazy in the same way: an fd
stays in the poll set after an event (the task it woke usually waits on it
again soon), and leaves it when it reports readiness that nobody waits for.
The poll set lives in user space (``poll()`` takes the whole list on every
call), so a closed fd cannot linger in the kernel: it reports ``POLLNVAL``,
which wakes its waiters or, with none, drops it.
"""

from __future__ import annotations

import select
from typing import Any

from ._io_common import MAX_TIMEOUT, SKIPPED_IDLE_POLLS, FdWaiters, ReadinessIOManager, Reschedule

_IN = select.POLLIN | select.POLLPRI
_OUT = select.POLLOUT
_ERR = select.POLLERR | select.POLLHUP | select.POLLNVAL


class PollIOManager(ReadinessIOManager):
    backend = "poll"

    def __init__(self, reschedule: Reschedule) -> None:
        super().__init__(reschedule)
        self._poll = select.poll()

    def _arm(self, fd: int, waiters: FdWaiters) -> None:
        wanted = waiters.armed
        if waiters.read_task is not None:
            wanted |= _IN
        if waiters.write_task is not None:
            wanted |= _OUT
        if wanted != waiters.armed:
            # register() on a registered fd modifies it.
            self._poll.register(fd, wanted)
            waiters.armed = wanted

    def _forget(self, fd: int, waiters: FdWaiters) -> None:
        if waiters.armed:
            self._poll.unregister(fd)
            waiters.armed = 0

    def get_events(self, timeout: float, busy: bool = False) -> Any:
        if busy and self._polls_to_skip:
            # Tasks are runnable, and the last look found nothing (see
            # SKIPPED_IDLE_POLLS): this turn goes without one.
            self._polls_to_skip -= 1
            return ()
        events = self._poll.poll(max(0, int(min(timeout, MAX_TIMEOUT) * 1000 + 0.999)))
        if not events and busy:
            self._polls_to_skip = SKIPPED_IDLE_POLLS
        return events

    def process_events(self, events: Any) -> None:
        all_waiters = self._waiters
        reschedule = self._reschedule
        for fd, flags in events:
            waiters = all_waiters.get(fd)
            if waiters is None:
                continue
            armed = waiters.armed
            unwanted = 0
            if flags & (_IN | _ERR):
                task = waiters.read_task
                if task is not None:
                    waiters.read_task = None
                    reschedule(task, None)
                elif armed & _IN:
                    unwanted = _IN
            if flags & (_OUT | _ERR):
                task = waiters.write_task
                if task is not None:
                    waiters.write_task = None
                    reschedule(task, None)
                elif armed & _OUT:
                    unwanted |= _OUT
            if unwanted:
                wanted = armed & ~unwanted
                if wanted:
                    self._poll.register(fd, wanted)
                    waiters.armed = wanted
                else:
                    self._poll.unregister(fd)
                    waiters.armed = 0
                    if waiters.read_task is None and waiters.write_task is None:
                        del all_waiters[fd]

    def close(self) -> None:
        for fd, waiters in list(self._waiters.items()):
            self._forget(fd, waiters)
        self._waiters.clear()
