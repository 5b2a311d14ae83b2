"""The portable ``poll()`` I/O manager: the fallback where neither epoll nor
kqueue exists, and forceable anywhere with ``TRIO_CORE_IO_MANAGER=poll``.

It keeps level-triggered registrations in sync with the waiters: after an
event the fd is re-registered for whoever still waits, or unregistered.
"""

from __future__ import annotations

import select
from typing import Any

from ._io_common import MAX_TIMEOUT, FdWaiters, ReadinessIOManager, Reschedule

_IN = select.POLLIN | select.POLLPRI
_OUT = select.POLLOUT
_ERR = select.POLLERR | select.POLLHUP | select.POLLNVAL


class PollIOManager(ReadinessIOManager):
    backend = "poll"

    def __init__(self, reschedule: Reschedule) -> None:
        super().__init__(reschedule)
        self._poll = select.poll()

    def _arm(self, fd: int, waiters: FdWaiters) -> None:
        wanted = (_IN if waiters.read_task is not None else 0) | (
            _OUT if waiters.write_task is not None else 0
        )
        if wanted == waiters.armed:
            return
        if wanted:
            # register() on a registered fd modifies it.
            self._poll.register(fd, wanted)
        else:
            self._poll.unregister(fd)
        waiters.armed = wanted

    def _forget(self, fd: int, waiters: FdWaiters) -> None:
        if waiters.armed:
            self._poll.unregister(fd)
            waiters.armed = 0

    def get_events(self, timeout: float) -> Any:
        return self._poll.poll(max(0, int(min(timeout, MAX_TIMEOUT) * 1000 + 0.999)))

    def process_events(self, events: Any) -> None:
        all_waiters = self._waiters
        for fd, flags in events:
            waiters = all_waiters.get(fd)
            if waiters is None:
                continue
            self._wake(fd, bool(flags & (_IN | _ERR)), bool(flags & (_OUT | _ERR)))
            self._arm(fd, waiters)
            if not waiters.armed:
                del all_waiters[fd]

    def close(self) -> None:
        for fd, waiters in list(self._waiters.items()):
            self._forget(fd, waiters)
        self._waiters.clear()
