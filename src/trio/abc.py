"""trio.abc: the abstract base classes (Clock and Instrument from trio-core; the
stream ABCs from trio-streams)."""

from trio_core.abc import *  # noqa: F403
from trio_streams.abc import *  # noqa: F403
