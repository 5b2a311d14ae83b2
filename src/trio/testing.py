"""trio.testing: test helpers (MockClock and friends from trio-core; memory streams
and stream conformance checkers from trio-streams)."""

from trio_core.testing import *  # noqa: F403
from trio_streams.testing import *  # noqa: F403
