"""The run loop: :func:`run` and the :class:`Runner` that steps the tasks.

How it fits together
--------------------

The run loop is spread over a few modules, each named for what it holds:

* ``_cancel``: deadlines and cancel scopes (and the timeouts and sleeps
  built on them);
* ``_tasks``: tasks and nurseries;
* ``_entry_queue``: the ``run_sync_soon`` queue and :class:`TrioToken`;
* ``_run`` (here): the :class:`Runner` and :func:`run`;
* ``_api``: the public functions that reach into the current run
  (``current_time``, ``reschedule``, ``spawn_system_task``, ``wait_readable``,
  ``wait_all_tasks_blocked``, ...);
* below all of them, ``_traps`` (the messages a task yields to the loop,
  and the thread-local that says which run and task are current) and
  ``_run_context`` (typed access to that thread-local).

:func:`run` builds a :class:`Runner` and steps tasks until the *init* task
(which owns the *system nursery*, holding the main task and the system
tasks) has exited.  Each turn of :meth:`Runner.main_loop` asks the I/O
manager for events, with a timeout computed from the run queue, the next
deadline, and the idle waiters (``wait_all_tasks_blocked``, MockClock's
autojump); expires the deadlines that have passed; then steps every task
that was runnable at the start of the turn, once.

I/O: an :class:`~trio_core._io_common.IOManager` (epoll, kqueue or poll),
picked by :func:`~trio_core._io_common.make_io_manager`.  The managers sit
below the run loop and never import it: they get the current task from
``_traps`` and wake tasks through the ``reschedule`` callable the Runner
hands them (an import-linter contract in the root ``pyproject.toml`` keeps
it that way).
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import math
import signal
import sys
import threading
import time
import types
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

from outcome import Error, Outcome, Value

from ._cancel import CancelScope, _abort_always, _Deadlines
from ._entry_queue import TrioToken, _EntryQueue
from ._exceptions import RunFinishedError, TrioInternalError
from ._io_common import IOManager, IOStatistics, make_io_manager
from ._ki import _mark_task_boundary, enable_ki_protection, ki_protection_enabled
from ._run_context import _task
from ._tasks import Nursery, Task, _coroutine_or_error, _name_of, open_nursery
from ._traps import _CHECKPOINT, _SHIELDED_CHECKPOINT, GLOBAL_RUN_CONTEXT, _ErrorWithContext
from .abc import Clock

if TYPE_CHECKING:
    from .abc import Instrument

__all__ = ["run", "Runner", "RunStatistics", "SystemClock"]

T = TypeVar("T")
_logger = logging.getLogger("trio_core")
_inf: Final = math.inf


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
        # What broke the run's own machinery (see crash()); run() raises
        # TrioInternalError from it.
        self.crash_error: BaseException | None = None
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

    def task_exited(self, task: Task, error: BaseException | None, value: Any = None) -> None:
        # The task returned ``value`` (error is None) or raised ``error``.  Not
        # an outcome object: making one per task exit shows in spawn rates, and
        # only the main and init tasks keep theirs.
        if task._child_nurseries:
            # The task entered open_nursery() without leaving it (called
            # __aenter__ by hand, or left an async generator suspended inside).
            new_error = RuntimeError(
                f"{task!r} exited with nurseries still open; open nurseries only with "
                "`async with open_nursery()`, and never yield inside one from an async generator"
            )
            new_error.__context__ = error
            error = new_error
        task._activate_cancel_status(None)
        self.tasks_living -= 1
        if task is self.main_task:
            self.main_task_outcome = Value(value) if error is None else Error(error)
            error = None
            assert self.system_nursery is not None
            self.system_nursery.cancel_scope.cancel()
        nursery = task._parent_nursery
        if nursery is not None:
            nursery._child_finished(task, error)
            if nursery is self.system_nursery and self.main_task_outcome is not None:
                # Let the run_sync_soon task notice when it is the last one left.
                self.entry_queue.wakeup.wakeup()
        if "task_exited" in self.instruments:
            self.call_instruments("task_exited", task)
        if task is self.init_task:
            self.init_task_outcome = Value(None) if error is None else Error(error)
            self.init_task = None
        # Drop references so that finished tasks do not keep frames alive.
        task._next_send_fn = task._next_send = None

    def crash(self, error: BaseException) -> None:
        """Stop the run: its machinery failed (outside any task that could see it).

        Everything is cancelled, and :func:`run` raises TrioInternalError with
        the first such ``error`` as its ``__cause__``.  (A system task that
        raises, a run_sync_soon callback among them, goes the same way through
        the system nursery, which cancels everything when a child fails.)
        """
        if self.crash_error is None:
            self.crash_error = error
        if self.system_nursery is not None:
            self.system_nursery.cancel_scope.cancel()

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
        # Shielded: callbacks must keep running while the rest of the run shuts
        # down (threads reporting back to tasks being cancelled, say).  Each pass
        # runs what was queued when it began, then the tasks get their turn: a
        # queue kept busy starves nobody.
        with CancelScope(shield=True):
            while True:
                entry_queue.run_all()
                if self.main_task_outcome is not None and system_children == {me}:
                    break
                await self.io_manager.wait_readable(wakeup.read_sock)
                wakeup.drain()
            # The main task and every other system task have exited: the pending
            # callbacks run once more, and from then on run_sync_soon raises
            # RunFinishedError (as in Trio), so a callback that keeps queueing
            # itself does not keep run() from returning.
            entry_queue.close_and_run_all()

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
            try:
                self.entry_queue.run_sync_soon(self.deliver_ki, (), True)
            except RunFinishedError:
                # The run is shutting down (a callback of its last pass was
                # interrupted): no task is left to deliver to, and run()
                # raises KeyboardInterrupt, since ki_pending is set.
                pass
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
                    self.task_exited(task, None, stop.value)
                except BaseException as exc:
                    self.stepping = False
                    tb = exc.__traceback__
                    self.task_exited(task, exc.with_traceback(tb.tb_next if tb else None))
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
        TrioInternalError: if the run's own machinery failed, as in Trio: a
            system task or a ``run_sync_soon`` callback raised, or an abort
            function returned something other than an :class:`Abort` (the
            run is stopped; the original error is the ``__cause__``, with a
            note saying where it came from), or the run loop itself crashed
            (a bug in trio-core).
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
    outcome = runner.main_task_outcome
    cause = runner.crash_error
    init_outcome = runner.init_task_outcome
    if cause is None and type(init_outcome) is Error:
        # A system task (or a run_sync_soon callback) raised.
        cause = init_outcome.error
        if isinstance(cause, BaseExceptionGroup) and len(cause.exceptions) == 1:
            cause = cause.exceptions[0]  # the system nursery's wrapping says nothing
        cause.add_note(
            "(raised in a system task of trio_core.run(); system tasks and "
            "run_sync_soon callbacks must not raise, so the run was stopped)"
        )
    if cause is not None:
        # As in Trio: the run's own machinery failed, whoever's code it ran.
        internal = TrioInternalError(
            "the run was stopped because its own machinery failed (a system task or a "
            "run_sync_soon callback raised, or an abort function broke its contract); "
            "the error is this exception's __cause__"
        )
        if outcome is not None and type(outcome) is Error:
            internal.__context__ = outcome.error
        raise internal from cause
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
