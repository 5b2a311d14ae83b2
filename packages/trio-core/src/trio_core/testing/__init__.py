"""trio_core.testing: tools for testing code that runs under trio_core.

* :class:`MockClock`: virtual time, optionally jumping straight to the next
  deadline when every task is blocked (no sleeping in tests);
* :func:`wait_all_tasks_blocked`: wait until the other tasks are blocked,
  instead of sleeping and hoping;
* :class:`Sequencer`, :func:`assert_checkpoints`,
  :func:`assert_no_checkpoints`, :func:`trio_test`.

The pytest plugin (enable it with ``trio_mode = true``) provides the
``mock_clock`` and ``autojump_clock`` fixtures.
"""

from .._api import wait_all_tasks_blocked as wait_all_tasks_blocked
from .._mock_clock import MockClock as MockClock
from ._checkpoints import assert_checkpoints as assert_checkpoints
from ._checkpoints import assert_no_checkpoints as assert_no_checkpoints
from ._sequencer import Sequencer as Sequencer
from ._trio_test import trio_test as trio_test

__all__ = [
    "MockClock",
    "wait_all_tasks_blocked",
    "Sequencer",
    "assert_checkpoints",
    "assert_no_checkpoints",
    "trio_test",
]
