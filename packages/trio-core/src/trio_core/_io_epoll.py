"""The epoll I/O manager (Linux).

Registrations persist between waits
------------------------------------

A task that waits on a socket usually waits on it again soon after (an echo
server: wake, receive, send, wait).  So an fd stays in the epoll set,
level-triggered, after it has reported an event, and the next wait on it
costs no system call at all.  The registration is dropped lazily: when an
fd reports readiness that nobody waits for, its interest is narrowed to the
waits still pending (``EPOLL_CTL_MOD``), or it leaves the set
(``EPOLL_CTL_DEL``) when none are.  Level-triggered, so what the kernel
reports is always true at the time of the ``epoll_wait``: a task is never
woken for readiness that was already consumed.

Persistence is only safe while the registration still belongs to the file
the fd number names.  An fd closed without ``notify_closing`` silently
leaves the epoll set, and its number may come back for a new file, which
the kernel does not watch.  So a registration is kept only for an fd that
was passed as an object with ``fileno()`` (a socket, say), and only for
that very object: the entry keeps a weak reference to it, and a wait through
any other object, or through a bare int, re-arms (``MOD``, falling back to
``ADD`` when the kernel answers ENOENT for a reused number).  An object
cannot change its fd other than by closing (``fileno()`` becomes -1), so the
same object with the same number means the same file.  Waits on bare ints,
or on objects that cannot be weakly referenced, use one-shot registrations
(``EPOLLONESHOT``), re-armed by every wait, as every wait once did.

A file that is closed without ``notify_closing`` while another fd (a
``dup``, a child process) keeps it open stays in the epoll set, where no fd
number reaches it any more.  When such a registration reports an event
that nothing explains (an fd we do not watch, or one whose ``MOD`` / ``DEL``
fails), the manager builds a fresh epoll set from its own records.
"""

from __future__ import annotations

import errno
import select
import types
import weakref
from collections.abc import Generator
from typing import Any

from ._io_common import (
    MAX_TIMEOUT,
    SKIPPED_IDLE_POLLS,
    FdLike,
    FdWaiters,
    ReadinessIOManager,
    Reschedule,
    busy_error,
    closed_error,
    fileno_of,
)
from ._ki import enable_ki_protection
from ._traps import GLOBAL_RUN_CONTEXT, _ErrorWithContext, _raise_keeping_context

_IN = select.EPOLLIN
_OUT = select.EPOLLOUT
_ERR = select.EPOLLERR | select.EPOLLHUP
_ONESHOT = select.EPOLLONESHOT
_INTEREST = _IN | _OUT
# Our own bits in FdWaiters.armed, beside the interest (_IN, _OUT):
_REGISTERED = 1 << 30  # the fd is in the epoll set
_ONESHOT_MODE = 1 << 29  # ... registered with EPOLLONESHOT (no owner to trust)


def _fileno(fd: FdLike) -> int:
    # fileno_of, with the common case (a socket) first.
    if type(fd) is not int:
        try:
            number: int = fd.fileno()  # type: ignore[union-attr]
        except AttributeError:
            pass  # fileno_of raises the TypeError that says what is wrong
        else:
            if number >= 0:
                return number
    return fileno_of(fd)


def _owner_ref(fd_like: FdLike) -> weakref.ref[Any] | None:
    if isinstance(fd_like, int):
        return None
    try:
        return weakref.ref(fd_like)
    except TypeError:
        return None


class EpollIOManager(ReadinessIOManager):
    backend = "epoll"

    def __init__(self, reschedule: Reschedule) -> None:
        super().__init__(reschedule)
        self._epoll = select.epoll()

    # -- waiting (the hot path: no system call when the registration holds)

    @enable_ki_protection
    @types.coroutine
    def wait_readable(self, fd: FdLike) -> Generator[Any, Any, None]:
        number = _fileno(fd)
        waiters = self._waiters.get(number)
        if waiters is None:
            waiters = self._waiters[number] = FdWaiters(self, number)
        elif waiters.read_task is not None:
            raise busy_error(number, True)
        waiters.read_task = GLOBAL_RUN_CONTEXT.task
        owner = waiters.owner
        if not (waiters.armed & _IN and owner is not None and owner() is fd):
            try:
                self._arm_for(number, waiters, fd)
            except BaseException:
                waiters.read_task = None
                raise
        try:
            return (yield waiters.abort_read)  # type: ignore[no-any-return]
        except _ErrorWithContext as carrier:
            error = carrier.error
        yield from _raise_keeping_context(error)

    @enable_ki_protection
    @types.coroutine
    def wait_writable(self, fd: FdLike) -> Generator[Any, Any, None]:
        number = _fileno(fd)
        waiters = self._waiters.get(number)
        if waiters is None:
            waiters = self._waiters[number] = FdWaiters(self, number)
        elif waiters.write_task is not None:
            raise busy_error(number, False)
        waiters.write_task = GLOBAL_RUN_CONTEXT.task
        owner = waiters.owner
        if not (waiters.armed & _OUT and owner is not None and owner() is fd):
            try:
                self._arm_for(number, waiters, fd)
            except BaseException:
                waiters.write_task = None
                raise
        try:
            return (yield waiters.abort_write)  # type: ignore[no-any-return]
        except _ErrorWithContext as carrier:
            error = carrier.error
        yield from _raise_keeping_context(error)

    # -- registrations

    def _arm_for(self, fd: int, waiters: FdWaiters, fd_like: FdLike) -> None:
        """Make the kernel watch ``fd`` for its waiters, on behalf of ``fd_like``."""
        owner = _owner_ref(fd_like)
        current = waiters.owner
        if owner is not None and current is not None and current() is fd_like:
            # The same object as the registration's: keep what it watches.
            interest = waiters.armed & _INTEREST
        else:
            interest = 0
        waiters.owner = owner
        self._register(fd, waiters, interest)

    def _arm(self, fd: int, waiters: FdWaiters) -> None:
        # The base class's hook: re-arm for the current waiters, trusting nothing.
        waiters.owner = None
        self._register(fd, waiters, 0)

    def _register(self, fd: int, waiters: FdWaiters, interest: int) -> None:
        if waiters.read_task is not None:
            interest |= _IN
        if waiters.write_task is not None:
            interest |= _OUT
        if waiters.owner is None:
            flags, mode = interest | _ONESHOT, _ONESHOT_MODE
        else:
            flags, mode = interest, 0
        epoll = self._epoll
        if waiters.armed & _REGISTERED:
            try:
                epoll.modify(fd, flags)
            except FileNotFoundError:
                # Closed without notify_closing, and the number reused.
                epoll.register(fd, flags)
        else:
            try:
                epoll.register(fd, flags)
            except FileExistsError:
                epoll.modify(fd, flags)
        waiters.armed = interest | _REGISTERED | mode

    def _forget(self, fd: int, waiters: FdWaiters) -> None:
        if waiters.armed & _REGISTERED:
            try:
                self._epoll.unregister(fd)
            except OSError as exc:
                if exc.errno not in (errno.ENOENT, errno.EBADF):
                    raise
        waiters.armed = 0
        waiters.owner = None

    def _narrow(self, fd: int, waiters: FdWaiters, unwanted: int) -> bool:
        """``fd`` reported readiness nobody waits for: stop watching for it.

        Returns whether the epoll set had to be rebuilt.
        """
        interest = waiters.armed & _INTEREST & ~unwanted
        try:
            if interest:
                self._epoll.modify(fd, interest)
                waiters.armed = interest | _REGISTERED
            else:
                self._epoll.unregister(fd)
                waiters.armed = 0
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.EBADF):
                raise
            # The event came from a registration that this fd number no
            # longer reaches (its file was closed without notify_closing but
            # lives on elsewhere): only a fresh epoll set gets rid of it.
            waiters.armed = 0
            self._rebuild()
            return True
        if not interest and waiters.read_task is None and waiters.write_task is None:
            del self._waiters[fd]
        return False

    def _stray(self, fd: int) -> bool:
        """An event for an fd we do not watch (a registration left behind).

        Returns whether the epoll set had to be rebuilt.
        """
        try:
            self._epoll.unregister(fd)
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.EBADF):
                raise
            self._rebuild()
            return True
        return False

    def _rebuild(self) -> None:
        """Replace the epoll set by one holding exactly the waits we know of."""
        old, self._epoll = self._epoll, select.epoll()
        old.close()
        for fd, waiters in list(self._waiters.items()):
            waiters.armed = 0
            if waiters.read_task is None and waiters.write_task is None:
                del self._waiters[fd]
                continue
            try:
                self._register(fd, waiters, 0)
            except OSError:
                # Closed under its waiters, without notify_closing: say so to them.
                del self._waiters[fd]
                for task in (waiters.read_task, waiters.write_task):
                    if task is not None:
                        self._reschedule(task, closed_error())
                waiters.read_task = waiters.write_task = None

    # -- events

    def get_events(self, timeout: float, busy: bool = False) -> Any:
        # maxevents: room for every fd we watch, no more.  Python's default
        # (1023) costs a 12 KiB buffer per call, which shows in wake-up latency.
        if busy and self._polls_to_skip:
            # Tasks are runnable, and the last look found nothing (see
            # SKIPPED_IDLE_POLLS): this turn goes without one.
            self._polls_to_skip -= 1
            return ()
        events = self._epoll.poll(min(timeout, MAX_TIMEOUT), max(1, len(self._waiters)))
        if not events and busy:
            self._polls_to_skip = SKIPPED_IDLE_POLLS
        return events

    def process_events(self, events: Any) -> None:
        all_waiters = self._waiters
        reschedule = self._reschedule
        for fd, flags in events:
            waiters = all_waiters.get(fd)
            if waiters is None:
                if self._stray(fd):
                    # The fresh set reports whatever is still ready; the rest
                    # of this batch came from the old one.
                    return
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
            if armed & _ONESHOT_MODE:
                # The kernel has disarmed this fd; re-arm it for whoever still waits.
                waiters.armed = _REGISTERED | _ONESHOT_MODE
                if waiters.read_task is not None or waiters.write_task is not None:
                    self._register(fd, waiters, 0)
            elif unwanted and self._narrow(fd, waiters, unwanted):
                return  # rebuilt: as above

    def close(self) -> None:
        self._epoll.close()
        self._waiters.clear()
