"""The default thread limiter shared by ``to_thread.run_sync`` (one per run)."""

from __future__ import annotations

from ._local import RunVar
from ._sync import CapacityLimiter

__all__ = ["current_default_thread_limiter"]

DEFAULT_LIMIT = 40
_limiter_var: RunVar[CapacityLimiter] = RunVar("to_thread default limiter")


def current_default_thread_limiter() -> CapacityLimiter:
    """The :class:`CapacityLimiter` that ``to_thread.run_sync`` uses by default.

    One per run, with 40 tokens; change its ``total`` to allow more (or fewer)
    threads at once.  Not a checkpoint.

    Raises:
        RuntimeError: outside of a run.
    """
    try:
        return _limiter_var.get()
    except LookupError:
        limiter = CapacityLimiter(DEFAULT_LIMIT)
        _limiter_var.set(limiter)
        return limiter
