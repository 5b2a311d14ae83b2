"""The task-tree dump: what every task of a run is doing, as a tree of text.

Design
------
The tree mirrors the structure the run already has: from the root task
(``<init>``) through each task's open nurseries to their child tasks.  The
cancel scopes come from the tree of :class:`~trio_core._cancel.CancelStatus`
objects: a task's own scopes are the chain of statuses from its innermost
one up to the status of the nursery it runs in, and the statuses of the
nurseries it has open sit in that chain, where they nest.  So a scope
entered around ``async with open_nursery()`` is shown around the nursery,
and one entered inside the nursery's block is shown inside it.

*Where a task waits.*  A suspended coroutine knows what it awaits
(``cr_await``); following that chain through coroutines, generator-based
coroutines (``gi_yieldfrom``), async generators (``ag_await``) gives every
frame of the task's "stack".  ``agen.__anext__()`` and ``agen.asend()``
objects (and the wrapper ``coro.__await__()`` returns) expose nothing to
Python, but they do to the garbage collector: ``gc.get_referents`` names the
generator inside.  An awaitable that is none of these ends the chain and is
named by its type.  The line shown for a task is the innermost frame outside
trio_core's own modules (the user's ``await``), and the trio_core function
it called (``Event.wait``, ``sleep``).

*Threads and signals.*  The structures walked here belong to the run's
thread and change at every step, so the tree is only ever built in that
thread: directly when called inside the run, and otherwise by hopping into
the run with ``TrioToken.run_sync_soon`` and waiting (with a timeout) for
the text.  A signal handler never walks anything either: it queues the dump
the same way, which is safe at any bytecode.
"""

from __future__ import annotations

import gc
import math
import os
import queue
import signal
import sys
import threading
import types
from collections.abc import Iterator
from inspect import CORO_CREATED, GEN_CREATED, getcoroutinestate, getgeneratorstate
from typing import TYPE_CHECKING, Any, Final, TextIO, final

from outcome import Outcome, capture

from ._cancel import _check_time
from ._entry_queue import TrioToken
from ._exceptions import RunFinishedError, TooSlowError
from ._traps import GLOBAL_RUN_CONTEXT

if TYPE_CHECKING:
    from ._cancel import CancelScope, CancelStatus
    from ._run import Runner
    from ._tasks import Nursery, Task

__all__ = ["format_task_tree", "print_task_tree", "dump_task_tree_on"]

_PACKAGE_DIR: Final = os.path.dirname(os.path.abspath(__file__)) + os.sep
_inf: Final = math.inf

#: The signal handlers installed by dump_task_tree_on: the deadlock detector
#: knows that they cannot wake a blocked task.
_DUMP_HANDLERS: set[Any] = set()


# ---------------------------------------------------------------- await chains


def _inner_awaitable(obj: object) -> object | None:
    # An asend/athrow object or a coroutine wrapper: the generator it drives is
    # visible only to the garbage collector.
    for referent in gc.get_referents(obj):
        if isinstance(
            referent, (types.CoroutineType, types.GeneratorType, types.AsyncGeneratorType)
        ):
            return referent
    return None


def _await_chain(coro: object) -> tuple[list[types.FrameType], str | None]:
    """The frames a suspended task is in, outermost first, and a note if the
    chain ends in an awaitable that is not a coroutine or generator."""
    frames: list[types.FrameType] = []
    seen: set[int] = set()
    obj: object | None = coro
    while obj is not None and id(obj) not in seen:
        seen.add(id(obj))
        frame: types.FrameType | None
        if isinstance(obj, types.CoroutineType):
            frame, obj = obj.cr_frame, obj.cr_await
        elif isinstance(obj, types.GeneratorType):
            frame, obj = obj.gi_frame, obj.gi_yieldfrom
        elif isinstance(obj, types.AsyncGeneratorType):
            frame, obj = obj.ag_frame, obj.ag_await
        else:
            inner = _inner_awaitable(obj)
            if inner is None:
                return frames, f"awaiting an object of type {type(obj).__name__}"
            obj = inner
            continue
        if frame is not None:
            frames.append(frame)
    return frames, None


def _not_started(coro: object) -> bool:
    if isinstance(coro, types.CoroutineType):
        return getcoroutinestate(coro) == CORO_CREATED
    if isinstance(coro, types.GeneratorType):
        return getgeneratorstate(coro) == GEN_CREATED
    return False


def _where(frame: types.FrameType) -> str:
    filename = frame.f_code.co_filename
    try:
        relative = os.path.relpath(filename)
    except ValueError:
        relative = filename
    if not relative.startswith(".."):
        filename = relative
    return f"{filename}:{frame.f_lineno} in {frame.f_code.co_qualname}"


def _is_ours(frame: types.FrameType) -> bool:
    return frame.f_code.co_filename.startswith(_PACKAGE_DIR)


def _describe_wait(frames: list[types.FrameType], note: str | None) -> str:
    """``at file:line in function, in Event.wait()``: the innermost frame
    outside trio_core, and the trio_core function it is in."""
    if not frames:
        return note or "(no frame)"
    index = len(frames) - 1
    while index > 0 and _is_ours(frames[index]):
        index -= 1
    if _is_ours(frames[index]):
        index = 0  # a task of trio_core's own (a system task): its outermost frame
    text = f"at {_where(frames[index])}"
    if index + 1 < len(frames):
        text += f", in {frames[index + 1].f_code.co_qualname}()"
    elif note is not None:
        text += f", {note}"
    return text


# ---------------------------------------------------------------- the tree


def _scope_flags(scope: CancelScope, now: float) -> list[str]:
    flags: list[str] = []
    deadline = scope._deadline
    if deadline != _inf:
        left = deadline - now
        if left >= 0:
            flags.append(f"deadline in {left:.3f}s")
        else:
            flags.append(f"deadline passed {-left:.3f}s ago")
    if scope._cancel_called:
        flags.append("cancelled")
    if scope._shield:
        flags.append("shielded")
    return flags


def _label(kind: str, flags: list[str]) -> str:
    return f"{kind} [{', '.join(flags)}]" if flags else kind


@final
class _Node:
    __slots__ = ("text", "details", "children")

    def __init__(self, text: str, details: list[str] | None = None) -> None:
        self.text = text
        self.details = details or []
        self.children: list[_Node] = []


@final
class _TreeBuilder:
    def __init__(self, runner: Runner, stacks: bool) -> None:
        self.runner = runner
        self.stacks = stacks
        self.now = runner.clock.current_time()
        # The task being stepped, if any (the loop leaves the last one set).
        self.current: Any = getattr(GLOBAL_RUN_CONTEXT, "task", None) if runner.stepping else None
        self.runnable = {id(task) for task in runner.runq}
        self.tasks = 0

    def task_node(self, task: Task) -> _Node:
        self.tasks += 1
        tags: list[str] = []
        if task is self.runner.main_task:
            tags.append("main")
        if task._system:
            tags.append("system")
        heading = f"task {task.name!r}" + (f" [{', '.join(tags)}]" if tags else "")
        frames, note = _await_chain(task.coro)
        details: list[str] = []
        if task is self.current:
            state = "running (building this tree)"
        elif _not_started(task.coro):
            state = "not started yet"
        elif id(task) in self.runnable:
            state = f"runnable, {_describe_wait(frames, note)}"
        else:
            state = f"waiting {_describe_wait(frames, note)}"
        if task._eventual_parent_nursery is not None:
            details.append(
                f"being started: moves to a nursery of "
                f"{task._eventual_parent_nursery.parent_task.name!r} when it calls started()"
            )
        if self.stacks and task is not self.current:
            details.extend(f"| {_where(frame)}" for frame in frames)
            if note is not None:
                details.append(f"| ({note})")
        node = _Node(f"{heading}: {state}", details)
        self.attach_scopes(task, node)
        return node

    def attach_scopes(self, task: Task, node: _Node) -> None:
        # The task's own statuses, innermost first, up to its nursery's.
        parent = task._parent_nursery
        stop: CancelStatus | None = parent._cancel_status if parent is not None else None
        chain: list[CancelStatus] = []
        status: CancelStatus | None = task._cancel_status
        while status is not None and status is not stop:
            chain.append(status)
            status = status.parent
        nurseries: dict[int, Nursery] = {id(n._cancel_status): n for n in task._child_nurseries}
        here = node
        in_block = False
        for status in reversed(chain):
            scope = status._scope
            nursery = nurseries.pop(id(status), None)
            where = f" (in the nursery's block, task {task.name!r})" if in_block else ""
            in_block = nursery is not None
            if nursery is None:
                child = _Node(_label("cancel scope", _scope_flags(scope, self.now)) + where)
                here.children.append(child)
            else:
                child = _Node(_label("nursery", _scope_flags(scope, self.now)) + where)
                here.children.append(child)
                for kid in sorted(nursery._children, key=lambda t: (t.name, id(t))):
                    child.children.append(self.task_node(kid))
            here = child
        # A nursery whose scope is not in the chain (entered by hand, say).
        for nursery in nurseries.values():
            child = _Node(_label("nursery", _scope_flags(nursery.cancel_scope, self.now)))
            node.children.append(child)
            for kid in sorted(nursery._children, key=lambda t: (t.name, id(t))):
                child.children.append(self.task_node(kid))


def _render(node: _Node, prefix: str, last: bool, top: bool, out: list[str]) -> None:
    if top:
        out.append(node.text)
        inner = ""
    else:
        out.append(f"{prefix}{'└── ' if last else '├── '}{node.text}")
        inner = prefix + ("    " if last else "│   ")
    bar = "│   " if node.children else "    "
    for detail in node.details:
        out.append(f"{inner}{bar}{detail}")
    for index, child in enumerate(node.children):
        _render(child, inner, index == len(node.children) - 1, False, out)


def _format_runner(runner: Runner, stacks: bool) -> str:
    root = runner.init_task
    if root is None:
        return "(the run has finished: no task is left)\n"
    builder = _TreeBuilder(runner, stacks)
    tree = builder.task_node(root)
    lines: list[str] = []
    _render(tree, "", True, True, lines)
    header = (
        f"task tree of the run ({builder.tasks} tasks, clock at {builder.now:.3f}s; "
        "deadlines are relative to now):"
    )
    return header + "\n" + "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the public calls


def _check_stacks(stacks: object) -> bool:
    if not isinstance(stacks, bool):
        raise TypeError(f"stacks must be a bool, got {stacks!r}")
    return stacks


def _host_token() -> TrioToken | None:
    # In a to_thread worker, the run the waiting task belongs to.
    from .to_thread import _current_host

    host = _current_host()
    return host.token if host is not None else None


def format_task_tree(
    *, stacks: bool = False, trio_token: TrioToken | None = None, timeout: float = 5.0
) -> str:
    """The tree of tasks, nurseries and cancel scopes of a run, as text.

    Each task is shown with its name and where it waits: the file, line and
    function of its innermost ``await`` outside trio-core, and the
    trio-core function it awaits (``Event.wait()``, ``sleep()``).  Each
    nursery and cancel scope is shown where it nests, with its deadline
    relative to now and whether it is cancelled or shielded.

    Inside a run, the tree of that run is built at once.  From another
    thread (a ``to_thread.run_sync`` worker, which finds its run by itself,
    or any thread given ``trio_token``), this hops into the run with
    ``trio_token.run_sync_soon``, builds the tree there and waits for it up
    to ``timeout`` seconds: the run's structures are never read from
    another thread.  Not a checkpoint (it is not async; from another thread
    it blocks that thread until the run answers).

    Args:
        stacks: if True, also list every frame of each task's await chain,
            outermost first.
        trio_token: the run to look at, from another thread (see
            :func:`trio_core.lowlevel.current_trio_token`).
        timeout: from another thread, how many seconds to wait for the run
            to answer (it answers when its loop next turns: a task that
            never reaches a checkpoint keeps it from answering).

    Returns:
        The tree, as lines of text ending with a newline.

    Raises:
        RuntimeError: outside a run without ``trio_token`` (in a thread not
            started by ``to_thread.run_sync``), or inside a run with the
            token of another run (waiting for it would block this one).
        TypeError: if ``trio_token`` is not a TrioToken, ``stacks`` not a
            bool or ``timeout`` not a number.
        ValueError: if ``timeout`` is not positive (or is NaN).
        RunFinishedError: if that run has finished.
        TooSlowError: if the run did not answer within ``timeout`` seconds.
    """
    _check_stacks(stacks)
    if trio_token is not None and not isinstance(trio_token, TrioToken):
        raise TypeError(
            f"trio_token must be a TrioToken (from trio_core.lowlevel.current_trio_token()), "
            f"got {trio_token!r}"
        )
    seconds = _check_time(timeout, "format_task_tree() timeout")
    if not seconds > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    runner: Runner | None = getattr(GLOBAL_RUN_CONTEXT, "runner", None)
    if runner is not None:
        if trio_token is not None and trio_token is not runner.trio_token:
            raise RuntimeError(
                "format_task_tree() was given the token of another run, from inside a run: "
                "waiting for the other run would block this one; call it from a thread "
                "outside any run (to_thread.run_sync), or inside the other run"
            )
        return _format_runner(runner, stacks)
    token = trio_token if trio_token is not None else _host_token()
    if token is None:
        raise RuntimeError(
            "format_task_tree() needs to know which run to look at: this thread is not in a "
            "run, nor a to_thread.run_sync worker; pass trio_token= (taken inside the run "
            "with trio_core.lowlevel.current_trio_token())"
        )
    answer: queue.SimpleQueue[Outcome[str]] = queue.SimpleQueue()

    def build() -> None:
        # In the run's thread, as a run_sync_soon callback (which must not raise).
        answer.put(capture(_format_runner, GLOBAL_RUN_CONTEXT.runner, stacks))

    token.run_sync_soon(build)
    try:
        result = answer.get(timeout=seconds)
    except queue.Empty:
        raise TooSlowError(
            f"the run did not answer within {seconds} seconds: its thread is busy (a task "
            "running without reaching a checkpoint, or a blocking call in the run's thread); "
            "faulthandler.dump_traceback() shows what that thread is doing"
        ) from None
    return result.unwrap()


def _check_file(file: object) -> TextIO:
    if file is None:
        return sys.stderr
    if not callable(getattr(file, "write", None)):
        raise TypeError(f"file must be a text file (an object with a write() method), got {file!r}")
    return file  # type: ignore[return-value]


def print_task_tree(
    file: TextIO | None = None,
    *,
    stacks: bool = False,
    trio_token: TrioToken | None = None,
    timeout: float = 5.0,
) -> None:
    """Write :func:`format_task_tree`'s text to ``file`` (default: ``sys.stderr``).

    Works inside a run and from other threads, as :func:`format_task_tree`
    does.  Not a checkpoint.

    Args:
        file: a text file; ``sys.stderr`` (at the time of the call) if None.
        stacks: if True, also list every frame of each task's await chain.
        trio_token: the run to look at, from another thread.
        timeout: from another thread, how long to wait for the run to answer.

    Raises:
        TypeError: if ``file`` has no ``write`` method, or for the bad
            arguments :func:`format_task_tree` refuses.
        RuntimeError, ValueError, RunFinishedError, TooSlowError: as
            :func:`format_task_tree`.
    """
    out = _check_file(file)
    text = format_task_tree(stacks=stacks, trio_token=trio_token, timeout=timeout)
    out.write(text)
    flush = getattr(out, "flush", None)
    if flush is not None:
        flush()


@final
class _DumpOnSignal:
    """What :func:`dump_task_tree_on` returns: a ``with`` block that owns a signal."""

    __slots__ = ("_signum", "_file", "_stacks", "_token", "_old", "_handler", "_entered")

    def __init__(self, signum: int, file: TextIO | None, stacks: bool, token: TrioToken) -> None:
        self._signum = signum
        self._file = file
        self._stacks = stacks
        self._token = token
        self._old: Any = None
        self._handler: Any = None
        self._entered = False

    def __repr__(self) -> str:
        try:
            name = signal.Signals(self._signum).name
        except ValueError:
            name = str(self._signum)
        return f"<dump_task_tree_on({name})>"

    def _dump(self) -> None:
        # A run_sync_soon callback, in the run's thread: must not raise.
        try:
            print_task_tree(self._file, stacks=self._stacks)
        except Exception as exc:  # a closed file, say: say so rather than stop the run
            try:
                sys.stderr.write(f"dump_task_tree_on: could not write the task tree: {exc!r}\n")
            except Exception:
                pass

    def __enter__(self) -> _DumpOnSignal:
        if self._entered:
            raise RuntimeError("a dump_task_tree_on() block can be entered only once")
        self._entered = True
        token = self._token
        dump = self._dump

        def handler(signum: int, frame: types.FrameType | None) -> None:
            # Any bytecode may be interrupted here: only queue the dump.
            try:
                token.run_sync_soon(dump, idempotent=True)
            except RunFinishedError:
                pass

        self._handler = handler
        _DUMP_HANDLERS.add(handler)
        try:
            self._old = signal.signal(self._signum, handler)
        except BaseException:
            _DUMP_HANDLERS.discard(handler)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        signal.signal(self._signum, self._old)
        _DUMP_HANDLERS.discard(self._handler)


def dump_task_tree_on(
    signum: int, *, file: TextIO | None = None, stacks: bool = False
) -> _DumpOnSignal:
    """Print the task tree whenever the process receives ``signum``, inside a ``with`` block.

    ``with trio.lowlevel.dump_task_tree_on(signal.SIGUSR1): ...`` installs a
    handler for ``signum``; then ``kill -USR1 <pid>`` prints the tree of this
    run (see :func:`format_task_tree`) to ``file``.  The handler only queues
    the dump into the run (``run_sync_soon``), so it is safe whatever the
    program was doing, and the dump comes at the loop's next turn.  Leaving
    the block puts the previous handler back.  Call it inside a run, in the
    main thread (Python runs signal handlers only there).  Not a checkpoint.

    Args:
        signum: the signal, such as ``signal.SIGUSR1`` (not ``SIGINT``, which
            is Control-C, nor ``SIGKILL`` / ``SIGSTOP``, which cannot be
            caught).
        file: where to write the tree; ``sys.stderr`` (at the time of each
            dump) if None.
        stacks: if True, list every frame of each task's await chain.

    Returns:
        A context manager; use it in a ``with`` statement.

    Raises:
        RuntimeError: outside a run, or not in the main thread.
        TypeError: if ``signum`` is not an int, ``file`` has no ``write``
            method or ``stacks`` is not a bool.
        ValueError: if ``signum`` is not a signal that can be caught, or is
            ``SIGINT``.
    """
    if isinstance(signum, bool) or not isinstance(signum, int):
        raise TypeError(f"signum must be a signal number such as signal.SIGUSR1, got {signum!r}")
    if signum == signal.SIGINT:
        raise ValueError(
            "dump_task_tree_on() does not take SIGINT: Control-C is the run's "
            "KeyboardInterrupt; use another signal, such as signal.SIGUSR1"
        )
    if signum in (signal.SIGKILL, signal.SIGSTOP) or signum not in signal.valid_signals():
        raise ValueError(
            f"dump_task_tree_on() needs a signal that can be caught, such as "
            f"signal.SIGUSR1; got {signum!r}"
        )
    if file is not None:
        _check_file(file)
    _check_stacks(stacks)
    runner: Runner | None = getattr(GLOBAL_RUN_CONTEXT, "runner", None)
    if runner is None:
        raise RuntimeError(
            "dump_task_tree_on() must be called inside trio_core.run() (it dumps that run)"
        )
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError(
            "dump_task_tree_on() works only in the main thread (Python runs signal handlers "
            "only there); run this run in the main thread, or call format_task_tree() "
            "from another thread instead"
        )
    return _DumpOnSignal(int(signum), file, stacks, runner.trio_token)


def _iter_tasks(runner: Runner) -> Iterator[Task]:
    """Every task of the run, parents before children (for the deadlock detector)."""
    root = runner.init_task
    if root is None:
        return
    todo = [root]
    while todo:
        task = todo.pop()
        yield task
        for nursery in task._child_nurseries:
            todo.extend(nursery._children)
