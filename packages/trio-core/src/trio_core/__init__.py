"""trio_core: the run loop of the trio project.

Layout: ``_run`` is the scheduler (tasks, nurseries, cancel scopes,
deadlines); ``_io_*`` are the I/O managers behind one interface
(``_io_common``); ``_ki`` is Control-C protection; the sync primitives,
channels and threads build on the hook interface in :mod:`trio_core.lowlevel`.
Public: the names below, and the modules ``lowlevel``, ``abc``, ``testing``,
``to_thread`` and ``from_thread``.
"""

import sys as _sys

if _sys.platform == "win32":  # pragma: no cover
    raise ImportError(
        "trio-core does not support Windows yet (it needs epoll, kqueue or poll); "
        "use Linux, macOS or a BSD, or WSL on Windows"
    )

from importlib.metadata import version as _version

from . import abc as abc
from . import from_thread as from_thread
from . import lowlevel as lowlevel
from . import testing as testing
from . import to_thread as to_thread
from ._channel import MemoryChannelStatistics as MemoryChannelStatistics
from ._channel import MemoryReceiveChannel as MemoryReceiveChannel
from ._channel import MemorySendChannel as MemorySendChannel
from ._channel import as_safe_channel as as_safe_channel
from ._channel import open_memory_channel as open_memory_channel
from ._exceptions import BrokenResourceError as BrokenResourceError
from ._exceptions import BusyResourceError as BusyResourceError
from ._exceptions import Cancelled as Cancelled
from ._exceptions import ClosedResourceError as ClosedResourceError
from ._exceptions import EndOfChannel as EndOfChannel
from ._exceptions import RunFinishedError as RunFinishedError
from ._exceptions import TooSlowError as TooSlowError
from ._exceptions import TrioInternalError as TrioInternalError
from ._exceptions import WouldBlock as WouldBlock
from ._run import TASK_STATUS_IGNORED as TASK_STATUS_IGNORED
from ._run import CancelScope as CancelScope
from ._run import Nursery as Nursery
from ._run import TaskStatus as TaskStatus
from ._run import current_effective_deadline as current_effective_deadline
from ._run import current_time as current_time
from ._run import fail_after as fail_after
from ._run import fail_at as fail_at
from ._run import move_on_after as move_on_after
from ._run import move_on_at as move_on_at
from ._run import open_nursery as open_nursery
from ._run import run as run
from ._run import sleep as sleep
from ._run import sleep_forever as sleep_forever
from ._run import sleep_until as sleep_until
from ._sync import CapacityLimiter as CapacityLimiter
from ._sync import CapacityLimiterStatistics as CapacityLimiterStatistics
from ._sync import Condition as Condition
from ._sync import ConditionStatistics as ConditionStatistics
from ._sync import Event as Event
from ._sync import EventStatistics as EventStatistics
from ._sync import Lock as Lock
from ._sync import LockStatistics as LockStatistics
from ._sync import Semaphore as Semaphore
from ._sync import SemaphoreStatistics as SemaphoreStatistics
from ._sync import StrictFIFOLock as StrictFIFOLock

__version__: str = _version("trio-core")

__all__ = [
    "run",
    "open_nursery",
    "Nursery",
    "TaskStatus",
    "TASK_STATUS_IGNORED",
    "CancelScope",
    "move_on_at",
    "move_on_after",
    "fail_at",
    "fail_after",
    "current_effective_deadline",
    "current_time",
    "sleep",
    "sleep_until",
    "sleep_forever",
    "Cancelled",
    "TooSlowError",
    "BusyResourceError",
    "ClosedResourceError",
    "BrokenResourceError",
    "EndOfChannel",
    "WouldBlock",
    "TrioInternalError",
    "RunFinishedError",
    "Event",
    "EventStatistics",
    "Lock",
    "StrictFIFOLock",
    "LockStatistics",
    "Semaphore",
    "SemaphoreStatistics",
    "CapacityLimiter",
    "CapacityLimiterStatistics",
    "Condition",
    "ConditionStatistics",
    "open_memory_channel",
    "MemorySendChannel",
    "MemoryReceiveChannel",
    "MemoryChannelStatistics",
    "as_safe_channel",
]
