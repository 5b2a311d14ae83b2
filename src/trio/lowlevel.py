"""trio.lowlevel: the hook interface of trio-core, for building on the core."""

from trio_core.lowlevel import *  # noqa: F403
