"""The epoll I/O manager (Linux).

Each fd is registered with ``EPOLLONESHOT``: the kernel disarms it after
reporting an event, so a wait costs one ``epoll_ctl`` (MOD, or ADD the first
time) and nothing needs undoing after the wake-up.  An fd the user closed
without ``notify_closing`` silently leaves the epoll set; a later wait on a
reused fd number gets ENOENT from MOD and falls back to ADD.
"""

from __future__ import annotations

import errno
import select
from typing import Any

from ._io_common import MAX_TIMEOUT, FdWaiters, ReadinessIOManager, Reschedule

_IN = select.EPOLLIN
_OUT = select.EPOLLOUT
_ERR = select.EPOLLERR | select.EPOLLHUP
_ONESHOT = select.EPOLLONESHOT
_REGISTERED = 1 << 30  # our own bit in FdWaiters.armed: the fd is in the epoll set


class EpollIOManager(ReadinessIOManager):
    backend = "epoll"

    def __init__(self, reschedule: Reschedule) -> None:
        super().__init__(reschedule)
        self._epoll = select.epoll()

    def _arm(self, fd: int, waiters: FdWaiters) -> None:
        wanted = (_IN if waiters.read_task is not None else 0) | (
            _OUT if waiters.write_task is not None else 0
        )
        epoll = self._epoll
        if waiters.armed & _REGISTERED:
            try:
                epoll.modify(fd, wanted | _ONESHOT)
            except FileNotFoundError:
                epoll.register(fd, wanted | _ONESHOT)
        else:
            try:
                epoll.register(fd, wanted | _ONESHOT)
            except FileExistsError:
                epoll.modify(fd, wanted | _ONESHOT)
        waiters.armed = wanted | _REGISTERED

    def _forget(self, fd: int, waiters: FdWaiters) -> None:
        if waiters.armed & _REGISTERED:
            try:
                self._epoll.unregister(fd)
            except OSError as exc:
                if exc.errno not in (errno.ENOENT, errno.EBADF):
                    raise
        waiters.armed = 0

    def get_events(self, timeout: float) -> Any:
        # maxevents: room for every fd we watch, no more.  Python's default
        # (1023) costs a 12 KiB buffer per call, which shows in wake-up latency.
        return self._epoll.poll(min(timeout, MAX_TIMEOUT), max(1, len(self._waiters)))

    def process_events(self, events: Any) -> None:
        all_waiters = self._waiters
        for fd, flags in events:
            waiters = all_waiters.get(fd)
            if waiters is None:
                continue
            # One-shot: the kernel has disarmed this fd.
            waiters.armed = _REGISTERED
            self._wake(fd, bool(flags & (_IN | _ERR)), bool(flags & (_OUT | _ERR)))
            if waiters.read_task is not None or waiters.write_task is not None:
                self._arm(fd, waiters)

    def close(self) -> None:
        self._epoll.close()
