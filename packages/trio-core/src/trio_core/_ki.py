"""Control-C (KeyboardInterrupt) protection.

Design: a SIGINT handler installed by :func:`trio_core.run` decides, when the
signal arrives, whether the code that was interrupted may be interrupted.
It walks the stack from the interrupted frame outwards and stops at the
first frame whose code object carries a mark:

* code of functions decorated with :func:`enable_ki_protection` (the run
  loop's own machinery among them) is *protected*: the interrupt is recorded
  and delivered later, at the main task's next checkpoint, so that no
  internal state is left half-updated;
* code decorated with :func:`disable_ki_protection` is *unprotected*: the
  handler raises :exc:`KeyboardInterrupt` right there;
* the run loop's task-stepping frame marks the boundary of a task: reaching
  it means no function inside the task decided, and the task's default
  applies (system tasks are protected, user tasks are not).

Marks live in a weak dictionary keyed by code object, so decorating costs
nothing per call: protection is only ever looked up when a signal arrives.
"""

from __future__ import annotations

import sys
import types
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["enable_ki_protection", "disable_ki_protection", "currently_ki_protected"]

# code object -> True (protected) / False (unprotected) / None (task boundary)
_CODE_MARKS: weakref.WeakKeyDictionary[types.CodeType, bool | None] = weakref.WeakKeyDictionary()


def _code_of(fn: Callable[..., Any]) -> types.CodeType:
    fn = getattr(fn, "__func__", fn)  # bound methods, classmethods
    code = getattr(fn, "__code__", None)
    if not isinstance(code, types.CodeType):
        raise TypeError(
            f"KI protection can only mark Python functions, not {fn!r}; wrap it in a def first"
        )
    return code


def enable_ki_protection(fn: F) -> F:
    """Decorator: Control-C cannot interrupt ``fn`` midway (nor what it calls).

    A KeyboardInterrupt that arrives while ``fn`` runs is delivered to the main
    task at its next checkpoint instead.  Works on sync functions, async
    functions and (async) generators; it marks the function's code object, so
    calls cost nothing extra.

    Args:
        fn: the function to protect; it is returned, marked (not wrapped).

    Raises:
        TypeError: if ``fn`` is not a Python function (a builtin, say).
    """
    _CODE_MARKS[_code_of(fn)] = True
    return fn


def disable_ki_protection(fn: F) -> F:
    """Decorator: Control-C raises KeyboardInterrupt inside ``fn`` immediately,
    even when it is called from protected code.

    Not a checkpoint (and neither is calling the decorated function).

    Args:
        fn: the function to unprotect; it is returned, marked (not wrapped).

    Raises:
        TypeError: if ``fn`` is not a Python function (a builtin, say).
    """
    _CODE_MARKS[_code_of(fn)] = False
    return fn


def _mark_task_boundary(fn: F) -> F:
    _CODE_MARKS[_code_of(fn)] = None
    return fn


def _boundary_decision(reached_from_below: bool) -> bool:
    from ._traps import GLOBAL_RUN_CONTEXT

    runner = getattr(GLOBAL_RUN_CONTEXT, "runner", None)
    if not reached_from_below or runner is None or not runner.stepping:
        # The run loop's own code, between task steps: protected.
        return True
    task = getattr(GLOBAL_RUN_CONTEXT, "task", None)
    return task is not None and task._system


def ki_protection_enabled(frame: types.FrameType | None) -> bool:
    """Whether the code running in ``frame`` is protected from KeyboardInterrupt."""
    marks = _CODE_MARKS
    start = frame
    while frame is not None:
        code = frame.f_code
        if code in marks:
            mark = marks[code]
            if mark is None:
                return _boundary_decision(frame is not start)
            return mark
        frame = frame.f_back
    # Outside any run: plain Python, interruptible.
    return False


def currently_ki_protected() -> bool:
    """Return True if the calling code is protected from KeyboardInterrupt.

    See :func:`enable_ki_protection`.  Not a checkpoint.
    """
    return ki_protection_enabled(sys._getframe(1))
