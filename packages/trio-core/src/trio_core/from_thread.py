"""trio_core.from_thread: call back into a run from a worker thread.

In a thread started by ``to_thread.run_sync`` the run is found automatically;
from any other thread, pass ``trio_token=`` (get it inside the run with
``trio_core.lowlevel.current_trio_token()``).
"""

from ._threads import from_thread_run as run
from ._threads import from_thread_run_sync as run_sync

__all__ = ["run", "run_sync"]
