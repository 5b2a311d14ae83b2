"""trio.to_thread: run blocking code in a worker thread (from trio-core)."""

from trio_core.to_thread import *  # noqa: F403
