"""The exceptions of trio-core, part of its public API."""

from __future__ import annotations

from typing import Any, NoReturn, final

__all__ = [
    "Cancelled",
    "TooSlowError",
    "BusyResourceError",
    "ClosedResourceError",
    "BrokenResourceError",
    "EndOfChannel",
    "WouldBlock",
    "TrioInternalError",
    "RunFinishedError",
]


class _NoPublicConstructor(type):
    """Metaclass for classes that only the library itself may instantiate."""

    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            f"{cls.__module__}.{cls.__qualname__} has no public constructor: only the run loop "
            "creates it (use CancelScope.cancel() to cancel work)"
        )

    def _create(cls, *args: Any, **kwargs: Any) -> Any:
        return super().__call__(*args, **kwargs)


@final
class Cancelled(BaseException, metaclass=_NoPublicConstructor):
    """Raised at a checkpoint when the surrounding cancel scope has been cancelled.

    It derives from :exc:`BaseException` so that ``except Exception`` does not
    swallow it by mistake.  Let it propagate: the cancel scope that caused it
    catches it.  User code cannot construct it (use :meth:`CancelScope.cancel`).
    """

    def __str__(self) -> str:
        return "Cancelled"

    def __reduce__(self) -> Any:
        return (Cancelled._create, ())


class TooSlowError(Exception):
    """Raised by :func:`fail_after` and :func:`fail_at` when their deadline expires."""


class BusyResourceError(Exception):
    """Raised when a task tries to use a resource that another task is already using
    in a way that cannot be shared (say, two tasks receiving on one socket at once)."""


class ClosedResourceError(Exception):
    """Raised when a resource is used after it was closed, or closed while in use."""


class BrokenResourceError(Exception):
    """Raised when a resource is unusable because of a problem outside this task
    (the other end vanished, say).  ``__cause__`` often has the details."""


class EndOfChannel(Exception):
    """Raised by ``receive`` when every sending end of a channel has been closed."""


class WouldBlock(Exception):
    """Raised by a ``*_nowait`` operation that could only succeed by blocking."""


class TrioInternalError(Exception):
    """Raised by :func:`run` when the run's own machinery failed, as in Trio.

    That is: a system task or a ``run_sync_soon`` callback raised, or an
    abort function given to ``wait_task_rescheduled`` returned something
    other than an ``Abort`` (the code at fault is then named by the note on
    the ``__cause__``, the original error), or the run loop itself crashed
    (a bug in trio-core: please report it).  The run is stopped first:
    everything in it is cancelled.
    """


class RunFinishedError(RuntimeError):
    """Raised by ``from_thread`` and ``TrioToken.run_sync_soon`` when the run they
    target has already finished."""
