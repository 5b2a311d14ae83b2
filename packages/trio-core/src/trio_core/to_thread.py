"""trio_core.to_thread: run blocking code in a worker thread without blocking the run.

``await to_thread.run_sync(fn, *args)`` runs ``fn`` in a cached worker thread
(at most 40 at once by default, see :func:`current_default_thread_limiter`).
"""

from ._threads import current_default_thread_limiter as current_default_thread_limiter
from ._threads import to_thread_run_sync as run_sync

__all__ = ["run_sync", "current_default_thread_limiter"]
