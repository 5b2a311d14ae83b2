"""trio_core: the run loop of the trio project.

Layout: the scheduler is ``_run`` (the Runner and ``run()``), with
``_cancel`` (deadlines and cancel scopes), ``_tasks`` (tasks and nurseries),
``_entry_queue`` (``run_sync_soon`` and TrioToken) and ``_api`` (the public
functions that reach into the current run); ``_traps`` is what a task
yields to it.  Below the scheduler, ``_io_*`` are the I/O managers behind
one interface (``_io_common``), and ``_ki`` is Control-C protection.  The
sync primitives, channels and threads build on the hook interface in
:mod:`trio_core.lowlevel`.
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
from ._api import current_effective_deadline as current_effective_deadline
from ._api import current_time as current_time
from ._cancel import CancelScope as CancelScope
from ._cancel import fail_after as fail_after
from ._cancel import fail_at as fail_at
from ._cancel import move_on_after as move_on_after
from ._cancel import move_on_at as move_on_at
from ._cancel import sleep as sleep
from ._cancel import sleep_forever as sleep_forever
from ._cancel import sleep_until as sleep_until
from ._channel import MemoryChannelStatistics as MemoryChannelStatistics
from ._channel import MemoryReceiveChannel as MemoryReceiveChannel
from ._channel import MemorySendChannel as MemorySendChannel
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
from ._run import run as run
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
from ._tasks import TASK_STATUS_IGNORED as TASK_STATUS_IGNORED
from ._tasks import Nursery as Nursery
from ._tasks import TaskStatus as TaskStatus
from ._tasks import open_nursery as open_nursery

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
]
