"""Deadlines and cancel scopes: how a block of code is cancelled, by hand or by time.

* Every task points at the :class:`CancelStatus` of its innermost cancel
  scope.  Statuses form a tree that mirrors the nesting of scopes (across
  tasks, through nurseries).  Each status caches whether it is *effectively
  cancelled*; cancelling a scope, or changing a shield, updates the subtree
  below it and tries to abort the parked tasks that are now cancelled.  A
  task that is running notices at its next checkpoint.
* Deadlines: one binary heap per run (:class:`_Deadlines`) holds
  ``(deadline, seq, owner)`` for cancel scopes that have a deadline and for
  sleeping tasks.  Entering a scope with a deadline is one ``heappush``;
  leaving it, or moving its deadline, just invalidates the entry (the
  owner's ``_deadline_seq`` no longer matches), and stale entries are
  dropped when they reach the top or when they outnumber the live ones.
  Scopes without a deadline cost nothing per tick.  The run loop
  (``_run.Runner.main_loop``) expires the heap once per scheduler batch.
* The timeouts (:func:`move_on_after` and friends) and the sleeps are thin
  layers over these two.
"""

from __future__ import annotations

import heapq
import itertools
import math
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final, NoReturn, final

from ._exceptions import Cancelled, TooSlowError
from ._ki import enable_ki_protection
from ._run_context import _task
from ._traps import Abort, RaiseCancelT, checkpoint, wait_task_rescheduled

if TYPE_CHECKING:
    from ._run import Runner
    from ._tasks import Task

__all__ = [
    "CancelScope",
    "CancelStatus",
    "move_on_at",
    "move_on_after",
    "fail_at",
    "fail_after",
    "sleep",
    "sleep_until",
    "sleep_forever",
]

_inf: Final = math.inf


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
