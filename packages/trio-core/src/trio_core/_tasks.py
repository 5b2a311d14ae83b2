"""Tasks and nurseries: the tree of running coroutines.

* A :class:`Task` is a coroutine plus what to resume it with next.  It runs
  until it yields a trap message (see ``_traps``): a checkpoint, or an abort
  function meaning "park me until ``reschedule``".  The run loop
  (``_run.Runner``) makes tasks, steps them and reports their exit; a task
  points at the cancel status of its innermost scope (``_cancel``), and when
  that becomes cancelled while it is parked, :meth:`Task._attempt_abort`
  asks its abort function whether it may be woken early.
* A :class:`Nursery` is where tasks run: the body of ``async with
  open_nursery()`` and its children.  It collects their errors, cancels
  the rest on the first one, and makes leaving the block wait for all of
  them.  :meth:`Nursery.start` runs the new task in a private nursery of
  its own until it calls ``task_status.started()``, then moves it.
* The helpers at the end turn what the user passed as an "async function"
  into a coroutine, or into a TypeError that says what to pass instead.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import types
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Final, NoReturn, Protocol, TypeVar, cast, final

from outcome import Error, capture

from ._cancel import CancelScope, CancelStatus, _abort_sleep
from ._exceptions import Cancelled, _NoPublicConstructor
from ._ki import enable_ki_protection
from ._run_context import _task
from ._traps import Abort, RaiseCancelT, checkpoint, wait_task_rescheduled

if TYPE_CHECKING:
    from ._run import Runner

__all__ = [
    "Task",
    "Nursery",
    "open_nursery",
    "TaskStatus",
    "TASK_STATUS_IGNORED",
]

T_contra = TypeVar("T_contra", contravariant=True)


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
            # The run's own machinery failed (as in Trio): the run is stopped,
            # and run() raises TrioInternalError from this error.  The task is
            # woken with a copy of it, so that it unwinds (there is no telling
            # whether its wait was undone) instead of waiting for ever.
            message = (
                f"the abort function {abort_func!r} given to wait_task_rescheduled() "
                f"returned {success!r}; it must return Abort.SUCCEEDED or Abort.FAILED"
            )
            error = TypeError(message)
            error.add_note(
                f"(an abort function of {self!r} broke the rule above, so the run was stopped)"
            )
            self._runner.crash(error)
            self._runner.reschedule(self, Error(TypeError(message)))
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

    def _child_finished(self, task: Task, error: BaseException | None) -> None:
        self._children.remove(task)
        if error is not None:
            self._add_exc(error)
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


# ---------------------------------------------- turning async functions into coroutines


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
