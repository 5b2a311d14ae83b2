"""trio.lowlevel: the hook interface of trio-core, for building on the core.

Also ``FdStream`` (from trio-streams) and ``open_process`` (from
trio-subprocess), where modern Trio keeps them.
"""

from trio_core.lowlevel import *  # noqa: F403
from trio_streams.lowlevel import *  # noqa: F403
from trio_subprocess.lowlevel import *  # noqa: F403
