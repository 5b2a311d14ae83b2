"""Shared helpers of the hardening ("stress") tests.

Sizes: every test reads its size through :func:`size`.  ``TRIO_STRESS=1``
selects the large size (what `nox -s stress` runs); otherwise the reduced
size runs, so that the default `nox` run exercises each test in seconds.
``TRIO_STRESS_<NAME>=<n>`` overrides one size either way.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import trio
from trio.abc import Instrument
from trio.lowlevel import Task, add_instrument, current_task, remove_instrument

T = TypeVar("T")

STRESS = os.environ.get("TRIO_STRESS", "") not in ("", "0")
_FD_DIR = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"


def size(name: str, large: int, reduced: int) -> int:
    """The size called ``name``: ``large`` under TRIO_STRESS=1, else ``reduced``."""
    override = os.environ.get(f"TRIO_STRESS_{name.upper()}")
    if override:
        return int(override)
    return large if STRESS else reduced


def open_fds() -> set[int]:
    """The file descriptors open in this process right now."""
    fds = set()
    for name in os.listdir(_FD_DIR):
        fd = int(name)
        try:
            os.fstat(fd)
        except OSError:
            continue  # the one listdir itself used
        fds.add(fd)
    return fds


def ensure_fd_limit(needed: int) -> str | None:
    """Raise the soft RLIMIT_NOFILE to at least ``needed``.

    Returns None on success, or a message saying why it could not be done.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            return (
                f"needs {needed} file descriptors but the hard RLIMIT_NOFILE is {hard}; "
                f"raise it (ulimit -Hn) or lower TRIO_STRESS_TLS_CONNECTIONS"
            )
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
        except (ValueError, OSError) as exc:
            return f"could not raise the soft RLIMIT_NOFILE to {needed}: {exc}"
    return None


# ---------------------------------------------------------------- cancel at the k-th checkpoint


class _CancelAfterYields(Instrument):
    """Cancel ``scope`` right after ``task`` has yielded to the scheduler ``k`` times.

    The run loop calls ``after_task_step`` once the task's yield was fully
    processed (its abort function registered, or it was put back on the run
    queue), so cancelling there is the same as another task cancelling at that
    moment: the cancel lands on the yield the task is parked in, if that one
    is cancellable, or else at its next checkpoint.
    """

    def __init__(self, task: Task, k: int, scope: trio.CancelScope) -> None:
        self.task = task
        self.k = k
        self.scope = scope
        self.yields = 0
        self.fired = False

    def after_task_step(self, task: Task) -> None:
        if task is self.task:
            self.yields += 1
            if self.yields == self.k:
                self.fired = True
                self.scope.cancel()


@dataclass
class CancelOutcome:
    k: int
    yields: int  # how often the operation yielded before it finished or was cancelled
    cancelled: bool  # Cancelled came out of the operation
    result: Any = None
    exception: BaseException | None = None


async def run_cancelled_after(k: int, op: Callable[[], Awaitable[Any]]) -> CancelOutcome:
    """Run ``op()`` in this task, cancelling it right after its ``k``-th yield
    (``k == 0``: cancelled before it starts).

    Cancelled is caught and reported; the Cancelled exception itself (with,
    e.g., its ``partial_result``) is in ``outcome.exception``.  Any other
    exception propagates.
    """
    task = current_task()
    outcome = CancelOutcome(k=k, yields=0, cancelled=False)
    with trio.CancelScope() as scope:
        counter = _CancelAfterYields(task, k, scope)
        if k == 0:
            scope.cancel()
        add_instrument(counter)
        try:
            outcome.result = await op()
        except trio.Cancelled as exc:
            outcome.exception = exc
            outcome.cancelled = True
            raise
        except BaseExceptionGroup as group:
            # An operation that runs a nursery inside (open_tcp_stream's Happy
            # Eyeballs) raises its Cancelled wrapped in a group (strict
            # ExceptionGroup semantics); the scope catches it all the same.
            _, rest = group.split(trio.Cancelled)
            if rest is None:
                outcome.exception = group
                outcome.cancelled = True
            raise
        finally:
            remove_instrument(counter)
            outcome.yields = counter.yields
    # Either Cancelled was caught by the scope (outcome.cancelled), or op
    # completed; a cancel that came after op's last checkpoint is harmless.
    assert outcome.cancelled == scope.cancelled_caught
    return outcome


async def cancel_at_every_checkpoint(
    attempt: Callable[[int], Awaitable[CancelOutcome]], *, limit: int = 10_000
) -> list[CancelOutcome]:
    """Call ``attempt(k)`` for k = 0, 1, 2, ... until the operation completes
    with no cancel pending (it yielded fewer than k times); return every outcome.

    ``attempt(k)`` sets up a fresh scenario, runs the operation with
    :func:`run_cancelled_after`, checks the state afterwards, cleans up and
    returns the outcome.
    """
    outcomes = []
    for k in range(limit):
        outcome = await attempt(k)
        outcomes.append(outcome)
        if not outcome.cancelled and outcome.yields < k:
            return outcomes
    raise AssertionError(f"the operation was still being cancelled after {limit} checkpoints")
