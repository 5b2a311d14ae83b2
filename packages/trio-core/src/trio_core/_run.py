"""The run loop: tasks, nurseries, cancel scopes, deadlines, and the scheduler.

How it fits together
--------------------

* :func:`run` builds a :class:`Runner` and steps tasks until the *init* task
  (which owns the *system nursery*, holding the main task and the system
  tasks) has exited.
* A task is a coroutine plus what to resume it with next.  It runs until it
  yields a trap message (see ``_traps``): a checkpoint, or an abort function
  meaning "park me until ``reschedule``".
* Cancellation: every task points at the :class:`CancelStatus` of its
  innermost cancel scope.  Statuses form a tree that mirrors the nesting of
  scopes (across tasks, through nurseries).  Each status caches whether it is
  *effectively cancelled*; cancelling a scope, or changing a shield, updates
  the subtree below it and tries to abort the parked tasks that are now
  cancelled.  A task that is running notices at its next checkpoint.
* Deadlines: one binary heap holds ``(deadline, seq, owner)`` for cancel
  scopes that have a deadline and for sleeping tasks.  Entering a scope with
  a deadline is one ``heappush``; leaving it, or moving its deadline, just
  invalidates the entry (the owner's ``_deadline_seq`` no longer matches),
  and stale entries are dropped when they reach the top or when they
  outnumber the live ones.  Scopes without a deadline cost nothing per tick.
* I/O: an :class:`~trio_core._io_common.IOManager` (epoll, kqueue or poll)
  is asked for events with a timeout computed from the run queue, the next
  deadline, and the idle waiters (``wait_all_tasks_blocked``, MockClock's
  autojump).
"""

from __future__ import annotations

import bisect
import contextvars
import functools
import heapq
import inspect
import itertools
import logging
import math
import signal
import socket
import sys
import threading
import time
import types
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, NoReturn, Protocol, TypeVar, cast, final

from ._exceptions import (
    Cancelled,
    RunFinishedError,
    TooSlowError,
    TrioInternalError,
    _NoPublicConstructor,
)
from ._io_common import IOManager, IOStatistics, make_io_manager
from ._ki import _mark_task_boundary, enable_ki_protection, ki_protection_enabled
from ._outcome import Error, Outcome, Value, capture
from ._traps import (
    _CHECKPOINT,
    _SHIELDED_CHECKPOINT,
    GLOBAL_RUN_CONTEXT,
    Abort,
    RaiseCancelT,
    _ErrorWithContext,
    cancel_shielded_checkpoint,
    checkpoint,
    wait_task_rescheduled,
)
from .abc import Clock

if TYPE_CHECKING:
    from .abc import Instrument

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)
_logger = logging.getLogger("trio_core")
_inf: Final = math.inf

__all__ = [
    "run",
    "Runner",
    "Task",
    "Nursery",
    "open_nursery",
    "CancelScope",
    "TaskStatus",
    "TASK_STATUS_IGNORED",
    "current_time",
    "current_task",
    "current_root_task",
    "current_clock",
    "current_statistics",
    "current_effective_deadline",
    "current_trio_token",
    "TrioToken",
    "RunStatistics",
    "sleep",
    "sleep_until",
    "sleep_forever",
    "move_on_at",
    "move_on_after",
    "fail_at",
    "fail_after",
    "checkpoint",
    "checkpoint_if_cancelled",
    "cancel_shielded_checkpoint",
    "wait_task_rescheduled",
    "reschedule",
    "spawn_system_task",
    "add_instrument",
    "remove_instrument",
    "wait_readable",
    "wait_writable",
    "notify_closing",
    "wait_all_tasks_blocked",
]


def _runner() -> Runner:
    try:
        return GLOBAL_RUN_CONTEXT.runner
    except AttributeError:
        raise RuntimeError(
            "must be called from async context, inside trio_core.run() (no run is active "
            "in this thread)"
        ) from None


def _task() -> Task:
    try:
        return GLOBAL_RUN_CONTEXT.task
    except AttributeError:
        raise RuntimeError(
            "must be called from async context, inside trio_core.run() (no run is active "
            "in this thread)"
        ) from None


def _check_time(value: object, what: str) -> float:
    """``value`` as a float, or a TypeError/ValueError that names ``what`` and the fix."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            # An int beyond float range: as good as infinitely far away.
            number = _inf if value > 0 else -_inf
    else:
        raise TypeError(f"{what} must be a number of seconds (an int or a float), got {value!r}")
    if number != number:
        raise ValueError(f"{what} must not be NaN (use math.inf for 'never')")
    return number


# ---------------------------------------------------------------- deadlines


class _Deadlines:
    """A lazily-cleaned heap of ``(deadline, seq, owner)`` entries.

    An entry is live while ``owner._deadline_seq == seq``; owners are cancel
    scopes (expiry cancels them) and sleeping tasks (expiry wakes them).
    """

    __slots__ = ("_heap", "_seq", "_stale")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Any]] = []
        self._seq = itertools.count(1)
        self._stale = 0

    def add(self, deadline: float, owner: Any) -> None:
        seq = next(self._seq)
        owner._deadline_seq = seq
        heapq.heappush(self._heap, (deadline, seq, owner))

    def discard(self, owner: Any) -> None:
        owner._deadline_seq = 0
        self._stale += 1
        heap = self._heap
        if self._stale > 64 and self._stale > len(heap) >> 1:
            self._heap = [entry for entry in heap if entry[2]._deadline_seq == entry[1]]
            heapq.heapify(self._heap)
            self._stale = 0

    def next_deadline(self) -> float:
        heap = self._heap
        while heap:
            deadline, seq, owner = heap[0]
            if owner._deadline_seq == seq:
                return deadline
            heapq.heappop(heap)
            self._stale -= 1
        return _inf

    def expire(self, now: float) -> None:
        heap = self._heap
        pop = heapq.heappop
        while heap and heap[0][0] <= now:
            _, seq, owner = pop(heap)
            if owner._deadline_seq == seq:
                owner._deadline_seq = 0
                owner._deadline_expired()
            else:
                self._stale -= 1

    def __len__(self) -> int:
        return len(self._heap) - self._stale


# ---------------------------------------------------------------- cancellation


class CancelStatus:
    """The cancellation state of one entered :class:`CancelScope` (internal).

    Statuses form a tree; ``effectively_cancelled`` is cached and kept in sync
    by :meth:`recalculate`.
    """

    __slots__ = ("_scope", "_parent", "_children", "_tasks", "effectively_cancelled")

    def __init__(self, scope: CancelScope, parent: CancelStatus | None) -> None:
        self._scope = scope
        self._parent = parent
        self._children: set[CancelStatus] = set()
        self._tasks: set[Task] = set()
        if parent is not None:
            parent._children.add(self)
        self.effectively_cancelled = self._compute()

    def _compute(self) -> bool:
        scope = self._scope
        if scope._cancel_called:
            return True
        parent = self._parent
        return parent is not None and not scope._shield and parent.effectively_cancelled

    @property
    def parent(self) -> CancelStatus | None:
        return self._parent

    @parent.setter
    def parent(self, new_parent: CancelStatus | None) -> None:
        if self._parent is not None:
            self._parent._children.discard(self)
        self._parent = new_parent
        if new_parent is not None:
            new_parent._children.add(self)
        self.recalculate()

    def parent_cancellation_is_visible(self) -> bool:
        parent = self._parent
        return parent is not None and not self._scope._shield and parent.effectively_cancelled

    def recalculate(self) -> None:
        todo = [self]
        while todo:
            status = todo.pop()
            new_state = status._compute()
            if new_state != status.effectively_cancelled:
                status.effectively_cancelled = new_state
                if new_state:
                    for task in list(status._tasks):
                        task._attempt_delivery_of_any_pending_cancel()
                todo.extend(status._children)

    def close(self) -> None:
        if self._parent is not None:
            self._parent._children.discard(self)
        # Children left behind (a scope closed out of order) re-hang on our parent.
        for child in list(self._children):
            child.parent = self._parent


_NO_RELATIVE = -1.0


@final
class CancelScope:
    """A region of code that can be cancelled, as a whole, from outside.

    ``with CancelScope() as scope:`` runs its block; ``scope.cancel()`` (or an
    expired ``deadline``) makes every checkpoint inside the block raise
    :exc:`Cancelled`, which the scope catches on its way out (then
    ``cancelled_caught`` is True).  A scope with ``shield=True`` hides the
    cancellation of the scopes around it.  A scope can be entered only once.

    Args:
        deadline: absolute time (see :func:`current_time`) at which the scope
            cancels itself; ``math.inf`` for none.
        relative_deadline: seconds after *entering* the scope at which it
            cancels itself (what :func:`move_on_after` uses).  Give at most one
            of ``deadline`` and ``relative_deadline``.
        shield: if True, cancellations from outside do not reach the block.

    A deadline that has already passed when the scope is entered cancels it
    at once: the first checkpoint in the block raises :exc:`Cancelled`.

    Raises:
        TypeError: if a deadline is not a number (an int or a float).
        ValueError: for a NaN deadline, a negative or NaN relative deadline,
            or both kinds of deadline at once.
    """

    __slots__ = (
        "_cancel_status",
        "_has_been_entered",
        "_deadline",
        "_relative_deadline",
        "_shield",
        "_cancel_called",
        "_deadline_seq",
        "_runner",
        "cancelled_caught",
    )

    def __init__(
        self, *, deadline: float = _inf, shield: bool = False, relative_deadline: float = _inf
    ) -> None:
        deadline = _check_time(deadline, "CancelScope deadline")
        relative_deadline = _check_time(relative_deadline, "CancelScope relative_deadline")
        if relative_deadline < 0:
            raise ValueError(
                f"relative_deadline must be a non-negative number of seconds, "
                f"got {relative_deadline!r}"
            )
        if relative_deadline != _inf and deadline != _inf:
            raise ValueError(
                "give a CancelScope either a deadline or a relative_deadline, not both"
            )
        self._cancel_status: CancelStatus | None = None
        self._has_been_entered = False
        self._deadline = deadline
        self._relative_deadline = relative_deadline if relative_deadline != _inf else _NO_RELATIVE
        if not isinstance(shield, bool):
            raise TypeError(f"shield must be a bool, got {shield!r}")
        self._shield = shield
        self._cancel_called = False
        self._deadline_seq = 0
        self._runner: Runner | None = None
        #: True if this scope caught a :exc:`Cancelled` on its way out.
        self.cancelled_caught = False

    @enable_ki_protection
    def __enter__(self) -> CancelScope:
        task = _task()
        if self._has_been_entered:
            raise RuntimeError(
                "each CancelScope may only be used for a single 'with' block; create a new one"
            )
        self._has_been_entered = True
        runner = task._runner
        self._runner = runner
        deadline = self._deadline
        relative = self._relative_deadline
        if relative != _NO_RELATIVE:
            deadline = self._deadline = runner.clock.current_time() + relative
            self._relative_deadline = _NO_RELATIVE
            if relative == 0:
                # move_on_after(0): expired on entry.
                self._cancel_called = True
        elif (
            deadline != _inf and not self._cancel_called and deadline <= runner.clock.current_time()
        ):
            # Already expired: cancelled now, so the first checkpoint raises.
            self._cancel_called = True
        status = self._cancel_status = CancelStatus(self, task._cancel_status)
        task._activate_cancel_status(status)
        if deadline != _inf and not self._cancel_called:
            runner.deadlines.add(deadline, self)
        return self

    @enable_ki_protection
    def __exit__(
        self,
        etype: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> bool:
        remaining = self._close(exc)
        if remaining is None:
            return True
        if remaining is exc:
            return False
        old_context = remaining.__context__
        try:
            raise remaining
        finally:
            remaining.__context__ = old_context
            del remaining, exc

    def _close(self, exc: BaseException | None) -> BaseException | None:
        status = self._cancel_status
        if status is None:
            raise RuntimeError("this CancelScope was exited without being entered")
        task = _task()
        runner = task._runner
        if self._deadline_seq:
            runner.deadlines.discard(self)
        if task._cancel_status is not status:
            # Exited out of order (say, a scope opened in one task and closed in another).
            new_exc = RuntimeError(
                f"cancel scope stack corrupted: {self!r} was exited while another scope was "
                "innermost (or from another task); exit scopes in the reverse order of entry"
            )
            new_exc.__context__ = exc
            exc = new_exc
            if status in _ancestors(task._cancel_status):
                task._activate_cancel_status(status.parent)
        else:
            task._activate_cancel_status(status.parent)
        catch = status.effectively_cancelled and not status.parent_cancellation_is_visible()
        status.close()
        self._cancel_status = None
        if exc is None or not catch:
            return exc
        if isinstance(exc, Cancelled):
            self.cancelled_caught = True
            return None
        if isinstance(exc, BaseExceptionGroup):
            matched, rest = exc.split(Cancelled)
            if matched is not None:
                self.cancelled_caught = True
            return rest
        return exc

    def __repr__(self) -> str:
        if self._cancel_status is not None:
            state = "active"
        elif self._has_been_entered:
            state = "exited"
        else:
            state = "unentered"
        cancelled = ", cancelled" if self._cancel_called else ""
        return f"<trio_core.CancelScope at {id(self):#x}, {state}{cancelled}>"

    @property
    def deadline(self) -> float:
        """Absolute time at which this scope cancels itself (``math.inf``: never).

        Settable, also while the scope is active: setting a time that has
        already passed cancels the scope at once.  For a scope made with a
        relative deadline and not yet entered, reading this raises
        RuntimeError; read :attr:`relative_deadline` instead.  Setting a
        value that is not a number raises TypeError; NaN raises ValueError.
        """
        if self._relative_deadline != _NO_RELATIVE:
            raise RuntimeError(
                "this scope has a relative deadline, counted from when it is entered; "
                "read .relative_deadline, or read .deadline after entering it"
            )
        return self._deadline

    @deadline.setter
    @enable_ki_protection
    def deadline(self, new_deadline: float) -> None:
        new_deadline = _check_time(new_deadline, "CancelScope deadline")
        self._relative_deadline = _NO_RELATIVE
        self._deadline = new_deadline
        runner = self._runner
        if self._cancel_status is not None and runner is not None:
            deadlines = runner.deadlines
            if self._deadline_seq:
                deadlines.discard(self)
            if new_deadline != _inf and not self._cancel_called:
                if new_deadline <= runner.clock.current_time():
                    # Already passed: cancel now, so that the next checkpoint raises.
                    self.cancel()
                else:
                    deadlines.add(new_deadline, self)

    @property
    def relative_deadline(self) -> float:
        """Seconds from entry to the deadline, for a scope not yet entered.

        Once the scope is entered this is the time left until the deadline,
        and setting it moves the deadline to that many seconds from now.
        Setting a value that is not a number raises TypeError; a negative or
        NaN one raises ValueError.
        """
        if self._relative_deadline != _NO_RELATIVE:
            return self._relative_deadline
        if self._deadline == _inf:
            return _inf
        if self._has_been_entered and self._runner is not None:
            return self._deadline - self._runner.clock.current_time()
        raise RuntimeError("this scope has an absolute deadline; read .deadline instead")

    @relative_deadline.setter
    def relative_deadline(self, seconds: float) -> None:
        seconds = _check_time(seconds, "CancelScope relative_deadline")
        if seconds < 0:
            raise ValueError(f"relative_deadline must be a non-negative number, got {seconds!r}")
        if self._has_been_entered:
            assert self._runner is not None
            self.deadline = self._runner.clock.current_time() + seconds
        else:
            self._relative_deadline = seconds if seconds != _inf else _NO_RELATIVE
            if seconds == _inf:
                self._deadline = _inf

    @property
    def shield(self) -> bool:
        """If True, cancellations of enclosing scopes do not reach this block.  Settable."""
        return self._shield

    @shield.setter
    @enable_ki_protection
    def shield(self, new_value: bool) -> None:
        if not isinstance(new_value, bool):
            raise TypeError(f"shield must be a bool, got {new_value!r}")
        self._shield = new_value
        if self._cancel_status is not None:
            self._cancel_status.recalculate()

    @enable_ki_protection
    def cancel(self) -> None:
        """Cancel this scope: every checkpoint in its block now raises :exc:`Cancelled`.

        Idempotent, not a checkpoint, and may be called before the scope is
        entered (it is then cancelled as soon as it is entered).
        """
        if self._cancel_called:
            return
        self._cancel_called = True
        if self._deadline_seq and self._runner is not None:
            self._runner.deadlines.discard(self)
        if self._cancel_status is not None:
            self._cancel_status.recalculate()

    def _deadline_expired(self) -> None:
        self.cancel()

    @property
    def cancel_called(self) -> bool:
        """Whether :meth:`cancel` was called or the deadline has passed."""
        if (
            not self._cancel_called
            and self._deadline != _inf
            and self._runner is not None
            and self._runner.clock.current_time() >= self._deadline
        ):
            self.cancel()
        return self._cancel_called


def _ancestors(status: CancelStatus | None) -> Iterator[CancelStatus]:
    while status is not None:
        yield status
        status = status.parent


# ---------------------------------------------------------------- timeouts and sleeping


def move_on_at(deadline: float, *, shield: bool = False) -> CancelScope:
    """A :class:`CancelScope` that cancels its block at the absolute time ``deadline``.

    Use as ``with move_on_at(deadline) as scope:``; if the deadline expires,
    the block is cancelled and execution moves on after it
    (``scope.cancelled_caught`` is then True).  Not a checkpoint.

    Args:
        deadline: absolute time, on the clock of :func:`current_time`.
        shield: if True, the scope also shields its block from cancellation
            coming from outside (see :class:`CancelScope`).

    Raises:
        TypeError: if ``deadline`` is not a number.
        ValueError: if ``deadline`` is NaN.
    """
    return CancelScope(deadline=deadline, shield=shield)


def move_on_after(seconds: float, *, shield: bool = False) -> CancelScope:
    """A :class:`CancelScope` that cancels its block ``seconds`` after it is entered.

    Use as ``with move_on_after(seconds) as scope:``.  Not a checkpoint.

    Args:
        seconds: the timeout, counted from entering the block.
        shield: if True, the scope also shields its block from cancellation
            coming from outside (see :class:`CancelScope`).

    Raises:
        TypeError: if ``seconds`` is not a number.
        ValueError: if ``seconds`` is negative or NaN.
    """
    if _check_time(seconds, "timeout") < 0:
        raise ValueError(f"timeout must be a non-negative number of seconds, got {seconds!r}")
    return CancelScope(relative_deadline=seconds, shield=shield)


@final
class _FailScope:
    __slots__ = ("_scope",)

    def __init__(self, scope: CancelScope) -> None:
        self._scope = scope

    @enable_ki_protection
    def __enter__(self) -> CancelScope:
        return self._scope.__enter__()

    @enable_ki_protection
    def __exit__(
        self,
        etype: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> bool:
        suppressed = self._scope.__exit__(etype, exc, tb)
        if self._scope.cancelled_caught:
            raise TooSlowError("the deadline of fail_after/fail_at expired")
        return suppressed


def fail_at(deadline: float, *, shield: bool = False) -> _FailScope:
    """Like :func:`move_on_at`, but raise :exc:`TooSlowError` if the deadline expires.

    Use as ``with fail_at(deadline) as scope:``; ``scope`` is the underlying
    :class:`CancelScope`.  Not a checkpoint.

    Args:
        deadline: absolute time, on the clock of :func:`current_time`.
        shield: if True, the scope also shields its block from cancellation
            coming from outside (see :class:`CancelScope`).

    Raises:
        TooSlowError: on leaving the block, if it was cancelled by the deadline.
        TypeError: if ``deadline`` is not a number.
        ValueError: if ``deadline`` is NaN.
    """
    return _FailScope(move_on_at(deadline, shield=shield))


def fail_after(seconds: float, *, shield: bool = False) -> _FailScope:
    """Like :func:`move_on_after`, but raise :exc:`TooSlowError` if the time runs out.

    Use as ``with fail_after(seconds) as scope:``.  Not a checkpoint.

    Args:
        seconds: the timeout, counted from entering the block.
        shield: if True, the scope also shields its block from cancellation
            coming from outside (see :class:`CancelScope`).

    Raises:
        TooSlowError: on leaving the block, if it was cancelled by the timeout.
        TypeError: if ``seconds`` is not a number.
        ValueError: if ``seconds`` is negative or NaN.
    """
    return _FailScope(move_on_after(seconds, shield=shield))


def _abort_always(_: RaiseCancelT) -> Abort:
    return Abort.SUCCEEDED


@enable_ki_protection
async def sleep_forever() -> NoReturn:
    """Sleep until cancelled.  A checkpoint (it only ever exits by raising).

    Raises:
        Cancelled: when the surrounding scope is cancelled (the normal exit).
        RuntimeError: if something wakes it with :func:`reschedule` (a bug in
            that code).
    """
    await wait_task_rescheduled(_abort_always)
    raise RuntimeError("sleep_forever() was woken up by reschedule(); that is a bug in the caller")


def _abort_sleep(_: RaiseCancelT) -> Abort:
    # Recognised by Task._attempt_abort, which drops the task's deadline entry:
    # a shared function instead of a closure per sleep keeps sleeping tasks small.
    return Abort.SUCCEEDED


@enable_ki_protection
async def sleep_until(deadline: float) -> None:
    """Sleep until :func:`current_time` reaches ``deadline``.  A checkpoint.

    Raises:
        TypeError: if ``deadline`` is not a number.
        ValueError: if ``deadline`` is NaN.
    """
    if type(deadline) is not float:
        deadline = _check_time(deadline, "sleep_until() deadline")
    elif deadline != deadline:
        raise ValueError("sleep_until() deadline must not be NaN")
    task = _task()
    runner = task._runner
    if deadline <= runner.clock.current_time():
        await checkpoint()
        return
    runner.deadlines.add(deadline, task)
    await wait_task_rescheduled(_abort_sleep)


@enable_ki_protection
async def sleep(seconds: float) -> None:
    """Sleep for ``seconds`` seconds.  A checkpoint, even for ``sleep(0)``.

    Raises:
        TypeError: if ``seconds`` is not a number.
        ValueError: if ``seconds`` is negative or NaN.
    """
    if type(seconds) is not float:
        seconds = _check_time(seconds, "sleep() duration")
    if not seconds > 0:
        if seconds == 0:
            await checkpoint()
            return
        raise ValueError(f"sleep() needs a non-negative number of seconds, got {seconds!r}")
    task = _task()
    runner = task._runner
    runner.deadlines.add(runner.clock.current_time() + seconds, task)
    await wait_task_rescheduled(_abort_sleep)


# ---------------------------------------------------------------- tasks


@final
class Task(metaclass=_NoPublicConstructor):
    """A task: one coroutine being run by :func:`run`.

    Tasks are made by :meth:`Nursery.start_soon` and friends, never directly
    (no public constructor).
    Together with nurseries they form a tree that can be walked from
    :func:`current_root_task` through :attr:`child_nurseries` and
    :attr:`Nursery.child_tasks`.
    """

    __slots__ = (
        "name",
        "coro",
        "context",
        "custom_sleep_data",
        "_runner",
        "_parent_nursery",
        "_eventual_parent_nursery",
        "_child_nurseries",
        "_cancel_status",
        "_abort_func",
        "_next_send_fn",
        "_next_send",
        "_system",
        "_deadline_seq",
        "__weakref__",
    )

    def __init__(
        self,
        coro: Coroutine[Any, Any, Any],
        runner: Runner,
        parent_nursery: Nursery | None,
        name: str,
        context: contextvars.Context,
        system: bool,
    ) -> None:
        #: The task's name (used in reprs and by instruments).
        self.name = name
        #: The coroutine object this task runs.
        self.coro = coro
        #: The :class:`contextvars.Context` the task runs in.
        self.context = context
        #: Free for the primitive the task is blocked in (ParkingLot uses it).
        self.custom_sleep_data: Any = None
        self._runner = runner
        self._parent_nursery = parent_nursery
        self._eventual_parent_nursery: Nursery | None = None
        self._child_nurseries: list[Nursery] = []
        self._cancel_status: CancelStatus = None  # type: ignore[assignment]
        self._abort_func: Callable[[RaiseCancelT], Abort] | None = None
        self._next_send_fn: Callable[[Any], Any] | None = None
        self._next_send: Any = None
        self._system = system
        self._deadline_seq = 0

    def __repr__(self) -> str:
        return f"<Task {self.name!r} at {id(self):#x}>"

    @property
    def parent_nursery(self) -> Nursery | None:
        """The nursery this task runs in (None for the root task)."""
        return self._parent_nursery

    @property
    def eventual_parent_nursery(self) -> Nursery | None:
        """While the task is being started by :meth:`Nursery.start`, the nursery it
        will move to once it calls ``task_status.started()``; otherwise None."""
        return self._eventual_parent_nursery

    @property
    def child_nurseries(self) -> list[Nursery]:
        """The nurseries this task has open, outermost first."""
        return list(self._child_nurseries)

    def _activate_cancel_status(self, status: CancelStatus | None) -> None:
        old = self._cancel_status
        if old is not None:
            old._tasks.discard(self)
        self._cancel_status = status  # type: ignore[assignment]
        if status is not None:
            status._tasks.add(self)
            if status.effectively_cancelled:
                self._attempt_delivery_of_any_pending_cancel()

    def _attempt_abort(self, raise_cancel: RaiseCancelT) -> None:
        abort_func = self._abort_func
        if abort_func is None:
            return
        if abort_func is _abort_sleep and self._deadline_seq:
            self._runner.deadlines.discard(self)
        success: object = abort_func(raise_cancel)  # checked: the caller may break the rule
        if type(success) is not Abort:
            # A bug in the code that blocked this task, not in the loop: the task
            # gets the error, where that code can see it.
            self._runner.reschedule(
                self,
                Error(
                    TypeError(
                        f"the abort function {abort_func!r} given to wait_task_rescheduled() "
                        f"returned {success!r}; it must return Abort.SUCCEEDED or Abort.FAILED"
                    )
                ),
            )
            return
        if success is Abort.SUCCEEDED:
            outcome = capture(raise_cancel)
            if type(outcome) is Error:
                # A fresh Cancelled/KeyboardInterrupt made here, for this task: drop
                # what the canceller happened to be handling; it chains where it lands.
                outcome.error.__context__ = None
            self._runner.reschedule(self, outcome)

    def _attempt_delivery_of_any_pending_cancel(self) -> None:
        if self._abort_func is None or not self._cancel_status.effectively_cancelled:
            return

        def raise_cancel() -> NoReturn:
            raise Cancelled._create()

        self._attempt_abort(raise_cancel)

    def _attempt_delivery_of_pending_ki(self) -> None:
        runner = self._runner
        if self._abort_func is None:
            return

        def raise_ki() -> NoReturn:
            runner.ki_pending = False
            raise KeyboardInterrupt

        self._attempt_abort(raise_ki)

    def _deadline_expired(self) -> None:
        # A sleeping task's deadline: wake it.
        self._runner._reschedule_value(self, None)


# ---------------------------------------------------------------- nurseries


class _NoStatusType:
    def __repr__(self) -> str:
        return "<no status>"


_NO_STATUS: Final = _NoStatusType()


class TaskStatus(Protocol[T_contra]):
    """What :meth:`Nursery.start` passes as ``task_status``: call ``started()`` once."""

    def started(self, value: T_contra = ...) -> None:
        """Report that the task has started (and hand ``value`` to ``start()``'s caller).

        From then on the task runs in the nursery ``start()`` was called on.
        Not a checkpoint.

        Args:
            value: what ``start()`` returns (default None).

        Raises:
            RuntimeError: if called twice, or by a task other than the one
                being started.
        """


@final
class _TaskStatusIgnored:
    """The type of :data:`TASK_STATUS_IGNORED`: a task status whose ``started()`` does nothing.

    Use ``TASK_STATUS_IGNORED`` as the default of a ``task_status`` parameter,
    so that a function written for :meth:`Nursery.start` can also be started
    with :meth:`Nursery.start_soon` (or awaited directly).
    """

    def __repr__(self) -> str:
        return "TASK_STATUS_IGNORED"

    def started(self, value: Any = None) -> None:
        """Do nothing: the task was started with ``start_soon``, not ``start``.

        Not a checkpoint.

        Args:
            value: ignored.
        """


#: The default for a ``task_status`` parameter, so that a task written for
#: :meth:`Nursery.start` can also be run with ``start_soon``.
TASK_STATUS_IGNORED: Final[TaskStatus[Any]] = _TaskStatusIgnored()


@final
class _TaskStatus:
    __slots__ = ("_old_nursery", "_new_nursery", "_value")

    def __init__(self, new_nursery: Nursery) -> None:
        # Set by Nursery.start() once it has opened the nursery the task starts in.
        self._old_nursery: Nursery = None  # type: ignore[assignment]
        self._new_nursery = new_nursery
        self._value: Any = _NO_STATUS

    def __repr__(self) -> str:
        return f"<TaskStatus for a task being started in {self._new_nursery!r}>"

    @enable_ki_protection
    def started(self, value: Any = None) -> None:
        if self._value is not _NO_STATUS:
            raise RuntimeError("task_status.started() was called twice for the same task")
        self._value = value
        old = self._old_nursery
        if old.cancel_scope._cancel_called:
            # start() is being cancelled: the task stays where it is and exits there.
            return
        (task,) = old._children
        if task is not _task():
            raise RuntimeError(
                "task_status.started() must be called by the task that is being started"
            )
        new = self._new_nursery
        # Move the task's cancel status subtree from the old nursery to the new one.
        status = task._cancel_status
        if status is old._cancel_status:
            task._activate_cancel_status(new._cancel_status)
        else:
            while status.parent is not old._cancel_status:
                assert status.parent is not None
                status = status.parent
            status.parent = new._cancel_status
        old._children.remove(task)
        task._parent_nursery = new
        task._eventual_parent_nursery = None
        new._children.add(task)
        old._check_nursery_closed()


@final
class Nursery(metaclass=_NoPublicConstructor):
    """A place where tasks run: the body of ``async with open_nursery()`` and its children.

    The ``async with`` block does not exit until every child has exited.  If a
    child (or the body) raises, the nursery cancels everything else in it and
    the exceptions propagate together as an :exc:`ExceptionGroup`.  No public
    constructor: get one from :func:`open_nursery`.
    """

    __slots__ = (
        "_parent_task",
        "_children",
        "_pending_excs",
        "_nested_child_running",
        "_parent_waiting_in_aexit",
        "_pending_starts",
        "_closed",
        "_strict",
        "_loose_group",
        "_cancel_status",
        "cancel_scope",
    )

    def __init__(self, parent_task: Task, cancel_scope: CancelScope, strict: bool) -> None:
        self._parent_task = parent_task
        self._children: set[Task] = set()
        self._pending_excs: list[BaseException] = []
        self._nested_child_running = True
        self._parent_waiting_in_aexit = False
        self._pending_starts = 0
        self._closed = False
        self._strict = strict
        # The group a non-strict nursery made of several errors: if splitting
        # off Cancelled leaves one error in it, that error propagates bare.
        self._loose_group: BaseExceptionGroup[BaseException] | None = None
        assert cancel_scope._cancel_status is not None
        self._cancel_status = cancel_scope._cancel_status
        #: The :class:`CancelScope` around the nursery: cancel it to cancel all children.
        self.cancel_scope = cancel_scope
        parent_task._child_nurseries.append(self)

    def __repr__(self) -> str:
        return f"<trio_core.Nursery at {id(self):#x} of {self._parent_task!r}>"

    @property
    def child_tasks(self) -> frozenset[Task]:
        """The tasks currently running in this nursery."""
        return frozenset(self._children)

    @property
    def parent_task(self) -> Task:
        """The task that opened this nursery."""
        return self._parent_task

    def _add_exc(self, exc: BaseException) -> None:
        self._pending_excs.append(exc)
        self.cancel_scope.cancel()

    def _check_nursery_closed(self) -> None:
        if not (self._nested_child_running or self._children or self._pending_starts):
            self._closed = True
            if self._parent_waiting_in_aexit:
                self._parent_waiting_in_aexit = False
                self._parent_task._runner._reschedule_value(self._parent_task, None)

    def _child_finished(self, task: Task, outcome: Outcome[Any]) -> None:
        self._children.remove(task)
        if type(outcome) is Error:
            self._add_exc(outcome.error)
        self._check_nursery_closed()

    async def _nested_child_finished(
        self, nested_child_exc: BaseException | None
    ) -> BaseException | None:
        if nested_child_exc is not None:
            self._add_exc(nested_child_exc)
        self._nested_child_running = False
        self._check_nursery_closed()
        if not self._closed:
            # Wait for the children.  A cancellation of the parent now cancels
            # them (through our scope) and we keep waiting; the children report
            # their own Cancelled, so the parent's is not added.  Anything else
            # injected (KeyboardInterrupt) is kept.
            def aborted(raise_cancel: RaiseCancelT) -> Abort:
                outcome = capture(raise_cancel)
                assert isinstance(outcome, Error)
                if not isinstance(outcome.error, Cancelled):
                    self._add_exc(outcome.error)
                del outcome
                self.cancel_scope.cancel()
                return Abort.FAILED

            self._parent_waiting_in_aexit = True
            await wait_task_rescheduled(aborted)
        else:
            # No child to wait for, but leaving a nursery is still a checkpoint.
            try:
                await checkpoint()
            except Cancelled as exc:
                self._pending_excs.append(exc)
        popped = self._parent_task._child_nurseries.pop()
        assert popped is self
        if not self._pending_excs:
            return None
        try:
            if not self._strict and len(self._pending_excs) == 1:
                return self._pending_excs[0]
            group = BaseExceptionGroup("Exceptions from Trio nursery", self._pending_excs)
            if not self._strict:
                self._loose_group = group
            return group
        finally:
            self._pending_excs = []

    @enable_ki_protection
    def start_soon(
        self, async_fn: Callable[..., Awaitable[Any]], *args: Any, name: object = None
    ) -> None:
        """Start ``async_fn(*args)`` as a new child task of this nursery.

        Returns at once (not a checkpoint).  The new task first runs at the
        scheduler's next turn.

        Args:
            async_fn: an async function (not a coroutine object).
            args: positional arguments for it (use ``functools.partial`` for
                keyword arguments).
            name: the task's name; defaults to the function's qualified name.

        Raises:
            RuntimeError: if the nursery has closed (its block and all its
                children have exited).
            TypeError: if ``async_fn`` is not an async function.
        """
        if self._closed:
            raise RuntimeError("this nursery is closed to new arrivals (its block has exited)")
        self._parent_task._runner.spawn_impl(async_fn, args, self, name)

    @enable_ki_protection
    async def start(
        self, async_fn: Callable[..., Awaitable[Any]], *args: Any, name: object = None
    ) -> Any:
        """Start ``async_fn(*args, task_status=...)`` and wait until it reports it started.

        The function must accept a ``task_status`` keyword argument and call
        ``task_status.started(value)`` once it is ready; ``start`` then returns
        ``value`` and the task goes on running in this nursery.  Until then the
        task runs in the caller's context: an exception it raises propagates
        out of ``start``, and cancelling the caller cancels it.  A checkpoint.

        Args:
            async_fn: an async function accepting a ``task_status`` keyword
                argument (default it to :data:`TASK_STATUS_IGNORED`).
            args: positional arguments for it.
            name: the task's name; defaults to the function's qualified name.

        Raises:
            RuntimeError: if the nursery is closed, or if the task exits without
                calling ``task_status.started()``.
            TypeError: if ``async_fn`` is not an async function (a coroutine
                object, a regular function, something not callable) or does
                not accept a ``task_status`` keyword argument.  Raised at
                once, before any task starts.
        """
        if self._closed:
            raise RuntimeError("this nursery is closed to new arrivals (its block has exited)")
        task_status = _TaskStatus(self)
        coro = _start_coroutine(async_fn, args, task_status)
        spawned = False
        try:
            self._pending_starts += 1
            async with open_nursery(strict_exception_groups=False) as old_nursery:
                task_status._old_nursery = old_nursery
                task = self._parent_task._runner.spawn_impl(
                    _given_coroutine,
                    (coro,),
                    old_nursery,
                    name if name is not None else _name_of(async_fn),
                )
                spawned = True
                task._eventual_parent_nursery = self
            if task_status._value is _NO_STATUS:
                raise RuntimeError(
                    f"{_name_of(async_fn)} exited without calling task_status.started()"
                )
            return task_status._value
        finally:
            if not spawned:
                coro.close()
            self._pending_starts -= 1
            self._check_nursery_closed()


@final
class _NurseryManager:
    __slots__ = ("_strict", "_scope", "_nursery")

    def __init__(self, strict: bool | None) -> None:
        self._strict = strict
        self._scope = CancelScope()
        self._nursery: Nursery | None = None

    @enable_ki_protection
    async def __aenter__(self) -> Nursery:
        task = _task()
        self._scope.__enter__()
        strict = task._runner.strict_exception_groups if self._strict is None else self._strict
        self._nursery = Nursery._create(task, self._scope, strict)
        return self._nursery

    @enable_ki_protection
    async def __aexit__(
        self,
        etype: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> bool:
        nursery = self._nursery
        assert nursery is not None
        new_exc = await nursery._nested_child_finished(exc)
        combined = self._scope._close(new_exc)
        if combined is None:
            return True
        if (
            nursery._loose_group is not None
            and isinstance(combined, BaseExceptionGroup)
            and len(combined.exceptions) == 1
        ):
            # Non-strict: the scope split off the Cancelled exceptions of the
            # children it cancelled; a lone leftover error propagates bare.
            combined = combined.exceptions[0]
        nursery._loose_group = None
        if combined is exc:
            return False
        old_context = combined.__context__
        try:
            raise combined
        finally:
            combined.__context__ = old_context
            del combined, exc, new_exc


def open_nursery(strict_exception_groups: bool | None = None) -> _NurseryManager:
    """Open a nursery: ``async with open_nursery() as nursery:``.

    Children started with ``nursery.start_soon`` run concurrently with the
    block; leaving the block waits for all of them.  Entering is not a
    checkpoint; leaving is.

    Args:
        strict_exception_groups: if True (the default, unless :func:`run` was
            told otherwise), errors always propagate wrapped in an
            :exc:`ExceptionGroup`, even a single one.  If False, a lone error
            propagates as itself (also when the children it made the nursery
            cancel raised :exc:`Cancelled`: those are dropped first).
    """
    return _NurseryManager(strict_exception_groups)


# ---------------------------------------------------------------- run_sync_soon and tokens


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
        # Guards `idempotent` against a writer thread that fetched the dict just
        # before run_all swapped it.  Re-entrant, because a signal handler may
        # call run_sync_soon on the loop's own thread while it holds the lock.
        self.idempotent_lock = threading.RLock()

    def run_sync_soon(
        self, sync_fn: Callable[..., object], args: tuple[Any, ...], idempotent: bool
    ) -> None:
        if self.done:
            raise RunFinishedError("the trio_core.run() this token belongs to has finished")
        if idempotent:
            with self.idempotent_lock:
                self.idempotent[(sync_fn, args)] = None
        else:
            self.queue.append((sync_fn, args))
        self.wakeup.wakeup()

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
            with self.idempotent_lock:
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
        stops the run; :func:`run` raises it, with a note saying so.  Not a
        checkpoint.

        Args:
            sync_fn: a regular (not async) function.
            args: positional arguments for it.
            idempotent: if True, do not queue ``(sync_fn, args)`` again while
                an equal pair is already queued with ``idempotent=True``.

        Raises:
            RunFinishedError: if the run has already finished.
        """
        self._entry_queue.run_sync_soon(sync_fn, args, idempotent)


# ---------------------------------------------------------------- statistics


@dataclass(frozen=True, slots=True)
class RunStatistics:
    """What :func:`current_statistics` returns.

    Attributes:
        tasks_living: the number of tasks that have not exited (including
            system tasks).
        tasks_runnable: the number of tasks ready to run at the next turn.
        seconds_to_next_deadline: how long until the nearest deadline (a
            sleep, a timeout); ``math.inf`` if there is none.
        io_statistics: the I/O manager's :class:`IOStatistics`.
        run_sync_soon_queue_size: the number of ``run_sync_soon`` callbacks
            waiting to run.
    """

    tasks_living: int
    tasks_runnable: int
    seconds_to_next_deadline: float
    io_statistics: IOStatistics
    run_sync_soon_queue_size: int


# ---------------------------------------------------------------- the runner


class SystemClock(Clock):
    """The default clock: :func:`time.perf_counter`, in seconds."""

    def start_clock(self) -> None:
        pass

    def current_time(self) -> float:
        return time.perf_counter()

    def deadline_to_sleep_time(self, deadline: float) -> float:
        return deadline - time.perf_counter()


_INSTRUMENT_HOOKS: Final = (
    "before_run",
    "after_run",
    "task_spawned",
    "task_scheduled",
    "before_task_step",
    "after_task_step",
    "task_exited",
    "before_io_wait",
    "after_io_wait",
)


def _name_of(fn: object) -> str:
    while isinstance(fn, functools.partial):
        fn = fn.func
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if name is None:
        return repr(fn)
    module = getattr(fn, "__module__", None)
    return f"{module}.{name}" if module else str(name)


def _coroutine_or_error(async_fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    if isinstance(cast(object, async_fn), Coroutine):
        # Close it, or Python warns that it was never awaited.
        cast(Coroutine[Any, Any, Any], async_fn).close()
        raise TypeError(
            f"expected an async function, got a coroutine object {async_fn!r}; pass the function "
            "and its arguments separately: start_soon(fn, arg) (or run(fn, arg)), not fn(arg)"
        )
    if not callable(async_fn):
        raise TypeError(f"expected an async function, got {async_fn!r}, which is not callable")
    coro = async_fn(*args)
    if type(coro) is types.CoroutineType or isinstance(coro, Coroutine):
        return coro
    if isinstance(coro, types.GeneratorType) and coro.gi_code.co_flags & 0x100:
        return coro  # a @types.coroutine generator
    hint = ""
    if hasattr(coro, "__await__") or type(coro).__name__ == "Future":
        hint = (
            " It returned an awaitable that is not a coroutine: if it comes from another "
            "async library (asyncio, say), it cannot run here."
        )
    if isinstance(coro, Coroutine) or hasattr(coro, "close"):
        try:
            coro.close()
        except Exception:
            pass
    raise TypeError(
        f"{_name_of(async_fn)} is not an async function: it returned {coro!r} instead of a "
        f"coroutine. Pass an `async def` function.{hint}"
    )


def _given_coroutine(coro: Coroutine[Any, Any, Any]) -> Coroutine[Any, Any, Any]:
    # Lets spawn_impl take a coroutine that Nursery.start() already made.
    return coro


def _accepts_task_status(fn: object) -> bool:
    try:
        parameters = inspect.signature(fn).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True  # no signature to look at: assume it does
    return any(
        parameter.kind is inspect.Parameter.VAR_KEYWORD
        or (
            parameter.name == "task_status"
            and parameter.kind is not inspect.Parameter.POSITIONAL_ONLY
        )
        for parameter in parameters
    )


def _start_coroutine(
    async_fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...], task_status: _TaskStatus
) -> Coroutine[Any, Any, Any]:
    """``async_fn(*args, task_status=task_status)``, or a TypeError that says what to pass."""
    if isinstance(cast(object, async_fn), Coroutine):
        # Close it, or Python warns that it was never awaited.
        cast(Coroutine[Any, Any, Any], async_fn).close()
        raise TypeError(
            f"Nursery.start() expects an async function, got a coroutine object {async_fn!r}: "
            "pass the function and its arguments separately, as "
            "`await nursery.start(fn, arg)`, not `await nursery.start(fn(arg))`"
        )
    if not callable(async_fn):
        raise TypeError(
            f"Nursery.start() expects an async function that takes a task_status keyword "
            f"argument, got {async_fn!r}, which is not callable"
        )
    try:
        coro: Coroutine[Any, Any, Any] = _coroutine_or_error(
            functools.partial(async_fn, task_status=task_status), args
        )
    except TypeError as exc:
        if _accepts_task_status(async_fn):
            raise
        raise TypeError(
            f"{_name_of(async_fn)} does not accept the task_status keyword argument that "
            "Nursery.start() passes: give it a parameter "
            "`task_status: TaskStatus[T] = TASK_STATUS_IGNORED` and call "
            "task_status.started(value) once it is ready (or start it with start_soon)"
        ) from exc
    return coro


class Runner:
    """The state of one :func:`run` (internal; reach it via the public functions)."""

    def __init__(
        self,
        clock: Clock,
        instruments: tuple[Instrument, ...],
        strict_exception_groups: bool,
    ) -> None:
        self.clock = clock
        self.strict_exception_groups = strict_exception_groups
        self.runq: list[Task] = []
        self.deadlines = _Deadlines()
        self.io_manager: IOManager = make_io_manager(self._reschedule_raw)
        self.entry_queue = _EntryQueue()
        self.trio_token: TrioToken = TrioToken._create(self.entry_queue)
        self.instruments: dict[str, dict[Instrument, None]] = {}
        self.tasks_living = 0
        self.init_task: Task | None = None
        self.init_task_outcome: Outcome[Any] | None = None
        self.main_task: Task | None = None
        self.main_task_outcome: Outcome[Any] | None = None
        self.system_nursery: Nursery | None = None
        self.system_context = contextvars.copy_context()
        self.run_vars: dict[Any, Any] = {}
        self.ki_pending = False
        self.stepping = False
        self.waiting_for_idle: list[tuple[float, int, Task]] = []
        self._idle_seq = itertools.count()
        self.clock_autojump_threshold: float = getattr(clock, "_autojump_threshold", _inf)
        self.asyncgens: weakref.WeakSet[Any] = weakref.WeakSet()
        self.prev_asyncgen_hooks: Any = None
        for instrument in instruments:
            self.add_instrument(instrument)

    # -- instruments

    def add_instrument(self, instrument: Instrument) -> None:
        from .abc import Instrument as InstrumentABC

        for hook in _INSTRUMENT_HOOKS:
            method = getattr(type(instrument), hook, None)
            if method is None or method is getattr(InstrumentABC, hook):
                continue
            self.instruments.setdefault(hook, {})[instrument] = None

    def remove_instrument(self, instrument: Instrument) -> None:
        found = False
        for hook in list(self.instruments):
            hooks = self.instruments[hook]
            if instrument in hooks:
                found = True
                del hooks[instrument]
                if not hooks:
                    del self.instruments[hook]
        if not found:
            raise KeyError(f"instrument {instrument!r} is not installed in this run")

    def call_instruments(self, hook: str, *args: Any) -> None:
        for instrument in list(self.instruments.get(hook, ())):
            try:
                getattr(instrument, hook)(*args)
            except BaseException:
                self.remove_instrument(instrument)
                _logger.exception(
                    "instrument %r raised in %s; it has been removed from the run",
                    instrument,
                    hook,
                )

    # -- scheduling

    def _reschedule_value(self, task: Task, value: Any) -> None:
        task._abort_func = None
        task._next_send_fn = task.coro.send
        task._next_send = value
        task.custom_sleep_data = None
        self.runq.append(task)
        if "task_scheduled" in self.instruments:
            self.call_instruments("task_scheduled", task)

    def _reschedule_raw(self, task: Task, value: Any) -> None:
        if type(value) is Error:
            self.reschedule(task, value)
        else:
            self._reschedule_value(task, value)

    @enable_ki_protection
    def reschedule(self, task: Task, next_send: Outcome[Any]) -> None:
        if task._abort_func is None:
            raise RuntimeError(
                f"reschedule() called on {task!r}, which is not blocked in wait_task_rescheduled"
            )
        if type(next_send) is Value:
            self._reschedule_value(task, next_send.value)
            return
        if type(next_send) is not Error:
            raise TypeError(f"reschedule() needs a Value or an Error, got {next_send!r}")
        error = next_send.error
        task._abort_func = None
        task._next_send_fn = task.coro.throw
        # coro.throw() would overwrite an existing __context__ (the chain of
        # where the error came from) with what the task is handling.
        task._next_send = error if error.__context__ is None else _ErrorWithContext(error)
        task.custom_sleep_data = None
        self.runq.append(task)
        if "task_scheduled" in self.instruments:
            self.call_instruments("task_scheduled", task)

    @enable_ki_protection
    def spawn_impl(
        self,
        async_fn: Callable[..., Any],
        args: tuple[Any, ...],
        nursery: Nursery | None,
        name: object,
        *,
        system_task: bool = False,
        context: contextvars.Context | None = None,
    ) -> Task:
        coro = _coroutine_or_error(async_fn, args)
        if name is None:
            name = _name_of(async_fn)
        elif not isinstance(name, str):
            name = _name_of(name)
        if context is None:
            context = self.system_context.copy() if system_task else contextvars.copy_context()
        task: Task = Task._create(coro, self, nursery, name, context, system_task)
        self.tasks_living += 1
        if nursery is not None:
            nursery._children.add(task)
            task._activate_cancel_status(nursery._cancel_status)
        if "task_spawned" in self.instruments:
            self.call_instruments("task_spawned", task)
        task._next_send_fn = coro.send
        task._next_send = None
        self.runq.append(task)
        if "task_scheduled" in self.instruments:
            self.call_instruments("task_scheduled", task)
        return task

    def task_exited(self, task: Task, outcome: Outcome[Any]) -> None:
        if task._child_nurseries:
            # The task entered open_nursery() without leaving it (called
            # __aenter__ by hand, or left an async generator suspended inside).
            error = RuntimeError(
                f"{task!r} exited with nurseries still open; open nurseries only with "
                "`async with open_nursery()`, and never yield inside one from an async generator"
            )
            if type(outcome) is Error:
                error.__context__ = outcome.error
            outcome = Error(error)
        task._activate_cancel_status(None)
        self.tasks_living -= 1
        if task is self.main_task:
            self.main_task_outcome = outcome
            outcome = Value(None)
            assert self.system_nursery is not None
            self.system_nursery.cancel_scope.cancel()
        nursery = task._parent_nursery
        if nursery is not None:
            nursery._child_finished(task, outcome)
            if nursery is self.system_nursery and self.main_task_outcome is not None:
                # Let the run_sync_soon task notice when it is the last one left.
                self.entry_queue.wakeup.wakeup()
        if "task_exited" in self.instruments:
            self.call_instruments("task_exited", task)
        if task is self.init_task:
            self.init_task_outcome = outcome
            self.init_task = None
        # Drop references so that finished tasks do not keep frames alive.
        task._next_send_fn = task._next_send = None

    @enable_ki_protection
    def spawn_system_task(
        self,
        async_fn: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...],
        name: object,
        context: contextvars.Context | None,
    ) -> Task:
        assert self.system_nursery is not None
        return self.spawn_impl(
            async_fn, args, self.system_nursery, name, system_task=True, context=context
        )

    # -- the init task and the run_sync_soon task

    async def init(self, async_fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> None:
        async with open_nursery(strict_exception_groups=True) as system_nursery:
            self.system_nursery = system_nursery
            self.spawn_impl(
                self._run_sync_soon_task,
                (),
                system_nursery,
                "<TrioToken.run_sync_soon task>",
                system_task=True,
            )
            try:
                self.main_task = self.spawn_impl(async_fn, args, system_nursery, None)
            except BaseException as exc:
                self.main_task_outcome = Error(exc)
                system_nursery.cancel_scope.cancel()
        # Every task but this one has exited: close the generators still alive.
        while self.asyncgens:
            batch = list(self.asyncgens)
            self.asyncgens.clear()
            for agen in batch:
                await self._close_asyncgen(agen)

    # -- async generators
    #
    # An async generator that is dropped before it finished must be closed by
    # awaiting its aclose(), which only a run can do.  Python asks the hooks
    # installed here: the finalizer hands the generator to a system task (via
    # run_sync_soon, since it is called from the garbage collector at any
    # point), and generators still alive when the main task has exited are
    # closed before run() returns.

    def install_asyncgen_hooks(self) -> None:
        self.prev_asyncgen_hooks = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(
            firstiter=self._asyncgen_firstiter, finalizer=self._asyncgen_finalizer
        )

    def restore_asyncgen_hooks(self) -> None:
        if self.prev_asyncgen_hooks is not None:
            sys.set_asyncgen_hooks(*self.prev_asyncgen_hooks)
            self.prev_asyncgen_hooks = None

    def _asyncgen_firstiter(self, agen: Any) -> None:
        self.asyncgens.add(agen)

    def _asyncgen_finalizer(self, agen: Any) -> None:
        try:
            self.entry_queue.run_sync_soon(self._spawn_asyncgen_closer, (agen,), False)
        except RunFinishedError:
            _close_asyncgen_synchronously(agen)

    def _spawn_asyncgen_closer(self, agen: Any) -> None:
        assert self.system_nursery is not None
        self.spawn_impl(
            self._close_asyncgen,
            (agen,),
            self.system_nursery,
            f"<closing {agen!r}>",
            system_task=True,
        )

    @staticmethod
    async def _close_asyncgen(agen: Any) -> None:
        with CancelScope(shield=True):
            try:
                await agen.aclose()
            except BaseException:
                _logger.exception("exception while closing the async generator %r", agen)

    async def _run_sync_soon_task(self) -> None:
        entry_queue = self.entry_queue
        wakeup = entry_queue.wakeup
        assert self.system_nursery is not None
        system_children = self.system_nursery._children
        me = _task()
        # Shielded: callbacks must keep running while the rest of the run shuts down.
        with CancelScope(shield=True):
            while True:
                entry_queue.run_all()
                if (
                    self.main_task_outcome is not None
                    and system_children == {me}
                    and not entry_queue.pending()
                ):
                    break
                await self.io_manager.wait_readable(wakeup.read_sock)
                wakeup.drain()

    # -- Control-C

    def deliver_ki(self) -> None:
        # ki_pending was set by the signal handler; it is cleared when the
        # KeyboardInterrupt is raised in the main task.
        if self.ki_pending and self.main_task is not None:
            self.main_task._attempt_delivery_of_pending_ki()

    def ki_handler(self, signum: int, frame: types.FrameType | None) -> None:
        if ki_protection_enabled(frame):
            # A plain attribute store is safe here, whatever the loop was doing:
            # the main task's next checkpoint sees it.  If the main task is
            # parked, deliver_ki (run from the loop) wakes it.
            self.ki_pending = True
            self.entry_queue.run_sync_soon(self.deliver_ki, (), True)
        else:
            raise KeyboardInterrupt

    # -- the loop

    @_mark_task_boundary
    def main_loop(self) -> None:
        runq_holder = self
        deadlines = self.deadlines
        io = self.io_manager
        clock = self.clock
        instruments = self.instruments
        context = GLOBAL_RUN_CONTEXT
        checkpoint_msg = _CHECKPOINT
        shielded_msg = _SHIELDED_CHECKPOINT
        while self.init_task is not None:
            idle_primed = 0
            if runq_holder.runq:
                timeout = 0.0
            else:
                timeout = clock.deadline_to_sleep_time(deadlines.next_deadline())
                if timeout < 0:
                    timeout = 0.0
                if self.waiting_for_idle:
                    cushion = self.waiting_for_idle[0][0]
                    if cushion < timeout:
                        timeout = cushion
                        idle_primed = 1
                elif self.clock_autojump_threshold < timeout:
                    timeout = self.clock_autojump_threshold
                    idle_primed = 2
            if "before_io_wait" in instruments:
                self.call_instruments("before_io_wait", timeout)
            events = io.get_events(timeout)
            if "after_io_wait" in instruments:
                self.call_instruments("after_io_wait", timeout)
            if events:
                io.process_events(events)
            if deadlines._heap:
                deadlines.expire(clock.current_time())
            if idle_primed and not runq_holder.runq:
                if idle_primed == 1:
                    waiting = self.waiting_for_idle
                    cushion = waiting[0][0]
                    while waiting and waiting[0][0] == cushion:
                        _, _, task = waiting.pop(0)
                        self._reschedule_value(task, None)
                else:
                    autojump = getattr(clock, "_autojump", None)
                    if autojump is not None:
                        autojump()

            batch = runq_holder.runq
            runq_holder.runq = []
            for task in batch:
                context.task = task
                send_fn = task._next_send_fn
                value = task._next_send
                task._next_send_fn = task._next_send = None
                if "before_task_step" in instruments:
                    self.call_instruments("before_task_step", task)
                self.stepping = True
                try:
                    msg = task.context.run(send_fn, value)  # type: ignore[arg-type]
                except StopIteration as stop:
                    self.stepping = False
                    self.task_exited(task, Value(stop.value))
                except BaseException as exc:
                    self.stepping = False
                    tb = exc.__traceback__
                    self.task_exited(task, Error(exc.with_traceback(tb.tb_next if tb else None)))
                    del exc, tb
                else:
                    self.stepping = False
                    if msg is checkpoint_msg:
                        if task._cancel_status.effectively_cancelled or (
                            self.ki_pending and task is self.main_task
                        ):
                            task._abort_func = _abort_always
                            if self.ki_pending and task is self.main_task:
                                task._attempt_delivery_of_pending_ki()
                            else:
                                task._attempt_delivery_of_any_pending_cancel()
                        else:
                            task._next_send_fn = task.coro.send
                            runq_holder.runq.append(task)
                    elif msg is shielded_msg:
                        task._next_send_fn = task.coro.send
                        runq_holder.runq.append(task)
                    elif callable(msg):
                        task._abort_func = msg
                        if self.ki_pending and task is self.main_task:
                            task._attempt_delivery_of_pending_ki()
                        task._attempt_delivery_of_any_pending_cancel()
                    else:
                        task._next_send_fn = task.coro.throw
                        task._next_send = TypeError(
                            f"trio_core.run() got an unexpected message {msg!r} from {task!r}: "
                            "this usually means it awaited an object from another async "
                            "library (asyncio, say), which cannot work inside trio_core.run()"
                        )
                        runq_holder.runq.append(task)
                if "after_task_step" in instruments:
                    self.call_instruments("after_task_step", task)
            del batch

    def close(self) -> None:
        self.entry_queue.done = True
        self.io_manager.close()
        self.entry_queue.wakeup.close()


@enable_ki_protection
def run(
    async_fn: Callable[..., Awaitable[T]],
    *args: Any,
    clock: Clock | None = None,
    instruments: tuple[Instrument, ...] | list[Instrument] = (),
    strict_exception_groups: bool = True,
) -> T:
    """Run ``async_fn(*args)`` as the main task of a new event loop, and return its result.

    Everything async in this library must happen inside a call to ``run``.
    Not a checkpoint (it is not async: it runs the loop, and returns when
    the run is over).

    Args:
        async_fn: an async function (not a coroutine object: ``run(main, arg)``,
            not ``run(main(arg))``).
        args: positional arguments for ``async_fn``.
        clock: the clock to use (default: the system clock); see
            :class:`trio_core.testing.MockClock`.
        instruments: :class:`trio_core.abc.Instrument` objects to install.
        strict_exception_groups: if True (the default), nurseries always wrap
            errors in an :exc:`ExceptionGroup`.

    Returns:
        What ``async_fn`` returned.

    Raises:
        RuntimeError: if called from inside another ``run`` in this thread.
        TypeError: if ``async_fn`` is not an async function, or ``clock`` is
            not a :class:`~trio_core.abc.Clock` instance.
        TrioInternalError: if the run loop itself failed (a bug in trio-core).
        BaseException: what a system task or a ``run_sync_soon`` callback
            raised (they must not raise; the run is stopped), with a note
            saying so.
        KeyboardInterrupt: on Control-C, when it was not caught.  (If Control-C
            ended up inside an exception group, the bare KeyboardInterrupt is
            raised, with the group as its ``__cause__``.)
        BaseException: an exception that escapes ``async_fn`` propagates out
            of ``run`` as it is, with its traceback: errors from tasks in a
            nursery arrive wrapped in an :exc:`ExceptionGroup` (unless
            ``strict_exception_groups`` is False and there is only one).
    """
    if hasattr(GLOBAL_RUN_CONTEXT, "runner"):
        raise RuntimeError(
            "trio_core.run() was called from inside a run; to run more concurrently, start "
            "tasks in a nursery, or await the async function directly"
        )
    if isinstance(cast(object, async_fn), Coroutine):
        cast(Coroutine[Any, Any, Any], async_fn).close()
        raise TypeError(
            f"trio_core.run() expects an async function, got a coroutine object {async_fn!r}: "
            "pass the function and its arguments separately, as run(main, arg), not run(main(arg))"
        )
    if clock is None:
        clock = SystemClock()
    elif isinstance(clock, type) or not all(
        callable(getattr(clock, method, None))
        for method in ("start_clock", "current_time", "deadline_to_sleep_time")
    ):
        hint = " (a class: call it to make an instance)" if isinstance(clock, type) else ""
        raise TypeError(
            f"trio_core.run() clock must be a trio_core.abc.Clock instance, such as "
            f"trio_core.testing.MockClock(), got {clock!r}{hint}"
        )
    runner = Runner(clock, tuple(instruments), strict_exception_groups)
    GLOBAL_RUN_CONTEXT.runner = runner
    installed_ki = False
    try:
        runner.entry_queue.wakeup.wakeup_on_signals()
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            signal.signal(signal.SIGINT, runner.ki_handler)
            installed_ki = True
        runner.install_asyncgen_hooks()
        runner.clock.start_clock()
        if "before_run" in runner.instruments:
            runner.call_instruments("before_run")
        runner.init_task = runner.spawn_impl(
            runner.init, (async_fn, args), None, "<init>", system_task=True
        )
        runner.main_loop()
        if "after_run" in runner.instruments:
            runner.call_instruments("after_run")
    except BaseException as exc:
        raise TrioInternalError("the run loop crashed; this is a bug in trio-core") from exc
    finally:
        if installed_ki:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        runner.restore_asyncgen_hooks()
        runner.close()
        del GLOBAL_RUN_CONTEXT.runner
        if hasattr(GLOBAL_RUN_CONTEXT, "task"):
            del GLOBAL_RUN_CONTEXT.task
    init_outcome = runner.init_task_outcome
    if type(init_outcome) is Error:
        # A system task (or a run_sync_soon callback) raised: a bug in the code
        # that started it, reported as itself.
        error = init_outcome.error
        if isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
            error = error.exceptions[0]  # the system nursery's wrapping says nothing
        error.add_note(
            "(raised in a system task of trio_core.run(); system tasks and "
            "run_sync_soon callbacks must not raise, so the run was stopped)"
        )
        raise error
    outcome = runner.main_task_outcome
    assert outcome is not None
    if runner.ki_pending:
        ki = KeyboardInterrupt()
        if type(outcome) is Error:
            ki.__context__ = outcome.error
        raise ki
    if type(outcome) is Error and isinstance(outcome.error, BaseExceptionGroup):
        matched, _ = outcome.error.split(KeyboardInterrupt)
        if matched is not None:
            raise KeyboardInterrupt from outcome.error
    return outcome.unwrap()  # type: ignore[no-any-return]


def _close_asyncgen_synchronously(agen: Any) -> None:
    # The run is over: step aclose() by hand; it cannot block on anything real.
    closer = agen.aclose()
    try:
        closer.send(None)
    except StopIteration:
        return
    except BaseException:
        _logger.exception("exception while closing the async generator %r", agen)
        return
    closer.close()
    _logger.error("the async generator %r tried to block while being closed after its run", agen)


# ---------------------------------------------------------------- public helpers


def current_time() -> float:
    """The current time of the run's clock, in seconds.  Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    return _runner().clock.current_time()


def current_clock() -> Clock:
    """The :class:`~trio_core.abc.Clock` of the current run.  Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    return _runner().clock


def current_task() -> Task:
    """The :class:`Task` that is running now.  Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    return _task()


def current_root_task() -> Task | None:
    """The root of the task tree: the run's init task (None once it has exited).

    Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    return _runner().init_task


def current_trio_token() -> TrioToken:
    """A :class:`TrioToken` for the current run, to call back into it from other threads.

    Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    token: TrioToken = _runner().trio_token
    return token


def current_statistics() -> RunStatistics:
    """Statistics about the current run: tasks, the next deadline, I/O waiters.

    Returns a :class:`RunStatistics`.  Not a checkpoint.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    runner = _runner()
    next_deadline = runner.deadlines.next_deadline()
    return RunStatistics(
        tasks_living=runner.tasks_living,
        tasks_runnable=len(runner.runq),
        seconds_to_next_deadline=next_deadline - runner.clock.current_time(),
        io_statistics=runner.io_manager.statistics(),
        run_sync_soon_queue_size=runner.entry_queue.pending(),
    )


def current_effective_deadline() -> float:
    """The deadline that actually applies to the calling code.

    The earliest deadline of the enclosing cancel scopes, up to the first
    shield; ``-math.inf`` if the code is already cancelled, ``math.inf`` if no
    deadline applies.  Not a checkpoint.
    """
    status: CancelStatus | None = _task()._cancel_status
    if status is not None and status.effectively_cancelled:
        return -_inf
    deadline = _inf
    while status is not None:
        scope = status._scope
        deadline = min(deadline, scope._deadline)
        if scope._shield:
            break
        status = status.parent
    return deadline


async def checkpoint_if_cancelled() -> None:
    """Raise :exc:`Cancelled` if the calling code is cancelled; otherwise return at
    once, without yielding (a cancellation point, but not a schedule point).

    Half a checkpoint: it is a full checkpoint only when it raises.  Also
    delivers a pending Control-C to the main task.

    Raises:
        Cancelled: if the calling code is cancelled.
        KeyboardInterrupt: in the main task, if Control-C is pending.
    """
    task = _task()
    if task._cancel_status.effectively_cancelled or (
        task._runner.ki_pending and task is task._runner.main_task
    ):
        await checkpoint()


def reschedule(task: Task, next_send: Outcome[Any] = Value(None)) -> None:  # noqa: B008
    """Wake ``task``, which is blocked in :func:`wait_task_rescheduled`.

    The task runs at the scheduler's next turn.  Not a checkpoint.

    Args:
        task: the task to wake.
        next_send: what ``wait_task_rescheduled`` returns (a ``Value``) or
            raises (an ``Error``) in the task.

    Raises:
        RuntimeError: if the task is not blocked in ``wait_task_rescheduled``.
    """
    _runner().reschedule(task, next_send)


def spawn_system_task(
    async_fn: Callable[..., Awaitable[Any]],
    *args: Any,
    name: object = None,
    context: contextvars.Context | None = None,
) -> Task:
    """Start a *system task*: a child of the run itself, not of any user nursery.

    System tasks are cancelled only after the main task has exited, run with
    KeyboardInterrupt protection, and must not raise: an exception from one
    stops the run, and :func:`run` raises it (with a note saying where it
    came from).  Not a checkpoint.

    Args:
        async_fn: an async function (not a coroutine object).
        args: positional arguments for it.
        name: the task's name; defaults to the function's qualified name.
        context: the :class:`contextvars.Context` to run it in; defaults to a
            copy of the context :func:`run` was called in (not the caller's).

    Returns:
        The new :class:`Task`.

    Raises:
        RuntimeError: outside of :func:`run`.
        TypeError: if ``async_fn`` is not an async function.
    """
    return _runner().spawn_system_task(async_fn, args, name, context)


def add_instrument(instrument: Instrument) -> None:
    """Install an :class:`~trio_core.abc.Instrument` in the current run.

    Installing one that is already installed does nothing.  Not a checkpoint.

    Args:
        instrument: the instrument; only the hooks its class overrides are
            called.

    Raises:
        RuntimeError: outside of :func:`run`.
    """
    _runner().add_instrument(instrument)


def remove_instrument(instrument: Instrument) -> None:
    """Remove an instrument from the current run.  Not a checkpoint.

    Args:
        instrument: an instrument installed with :func:`add_instrument` or
            passed to :func:`run`.

    Raises:
        KeyError: if it is not installed.
        RuntimeError: outside of :func:`run`.
    """
    _runner().remove_instrument(instrument)


async def wait_readable(fd: Any) -> None:
    """Block until ``fd`` (an int or an object with ``fileno()``) is readable.

    A checkpoint only in that it blocks: it does not check for cancellation
    first (call :func:`checkpoint_if_cancelled`), but cancellation does wake it.

    Raises:
        BusyResourceError: if another task already waits to read this fd.
        ClosedResourceError: if :func:`notify_closing` is called for the fd.
    """
    await _runner().io_manager.wait_readable(fd)


async def wait_writable(fd: Any) -> None:
    """Block until ``fd`` is writable.  See :func:`wait_readable`.

    A checkpoint only in that it blocks, as for :func:`wait_readable`.

    Args:
        fd: an int, or an object with a ``fileno()`` method.

    Raises:
        BusyResourceError: if another task already waits to write to this fd.
        ClosedResourceError: if :func:`notify_closing` is called for the fd.
    """
    await _runner().io_manager.wait_writable(fd)


def notify_closing(fd: Any) -> None:
    """Tell the run that ``fd`` is about to be closed.

    Tasks waiting on it wake with :exc:`ClosedResourceError`.  Call it just
    before closing the fd; it does not close anything itself.  Not a checkpoint.
    """
    _runner().io_manager.notify_closing(fd)


@enable_ki_protection
async def wait_all_tasks_blocked(cushion: float = 0.0) -> None:
    """Block until every other task is blocked, and nothing happened for ``cushion`` seconds.

    "Blocked" means waiting for something outside the run (I/O, time, a
    thread) or for another task.  Meant for tests: it replaces "sleep a bit
    and hope the other tasks got there".  Tasks waiting with the same cushion
    wake together; those with smaller cushions wake first.  A checkpoint.

    Raises:
        TypeError: if ``cushion`` is not a number.
        ValueError: if ``cushion`` is negative or NaN.
    """
    seconds = _check_time(cushion, "wait_all_tasks_blocked() cushion")
    if seconds < 0:
        raise ValueError(f"cushion must be a non-negative number of seconds, got {cushion!r}")
    task = _task()
    runner = task._runner
    key = (seconds, next(runner._idle_seq), task)
    waiting = runner.waiting_for_idle
    bisect.insort(waiting, key, key=lambda entry: entry[:2])

    def abort(_: RaiseCancelT) -> Abort:
        waiting.remove(key)
        return Abort.SUCCEEDED

    await wait_task_rescheduled(abort)
