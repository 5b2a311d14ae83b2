"""trio.from_thread: call back into the run from a worker thread (from trio-core)."""

from trio_core.from_thread import *  # noqa: F403
