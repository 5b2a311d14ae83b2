"""trio_core.lowlevel: the hook interface, for building I/O packages on the core.

Not for daily use, but for extending: this module lists everything that the
sibling distributions (trio-socket, trio-streams, trio-signals) and third
parties may build on.  It is kept small, documented and typed, because every
sibling's compatibility range depends on it.

* Checkpoints: :func:`checkpoint`, :func:`checkpoint_if_cancelled`,
  :func:`cancel_shielded_checkpoint`.
* Blocking and waking: :func:`wait_task_rescheduled`, :func:`reschedule`,
  :class:`Abort`, :class:`ParkingLot`, :class:`UnboundedQueue`, and the
  outcome types :class:`Value`, :class:`Error`, :class:`Outcome` with
  :func:`capture` / :func:`acapture`: these are the ``outcome``
  distribution's own objects (``lowlevel.Value is outcome.Value``), as in
  Trio, so outcomes made by any library are accepted here.
* I/O readiness: :func:`wait_readable`, :func:`wait_writable`,
  :func:`notify_closing`.
* Tasks and runs: :func:`current_task`, :func:`current_root_task`,
  :class:`Task`, :func:`spawn_system_task`, :func:`current_trio_token`,
  :class:`TrioToken`, :func:`current_clock`, :func:`current_statistics`,
  :class:`RunVar`, :func:`start_thread_soon`.
* Instruments: :func:`add_instrument`, :func:`remove_instrument`.
* Control-C: :func:`enable_ki_protection`, :func:`disable_ki_protection`,
  :func:`currently_ki_protected`.
"""

from outcome import Error as Error
from outcome import Outcome as Outcome
from outcome import Value as Value
from outcome import acapture as acapture
from outcome import capture as capture

from ._api import add_instrument as add_instrument
from ._api import checkpoint_if_cancelled as checkpoint_if_cancelled
from ._api import current_clock as current_clock
from ._api import current_root_task as current_root_task
from ._api import current_statistics as current_statistics
from ._api import current_task as current_task
from ._api import current_trio_token as current_trio_token
from ._api import notify_closing as notify_closing
from ._api import remove_instrument as remove_instrument
from ._api import reschedule as reschedule
from ._api import spawn_system_task as spawn_system_task
from ._api import wait_readable as wait_readable
from ._api import wait_writable as wait_writable
from ._entry_queue import TrioToken as TrioToken
from ._io_common import IOStatistics as IOStatistics
from ._ki import currently_ki_protected as currently_ki_protected
from ._ki import disable_ki_protection as disable_ki_protection
from ._ki import enable_ki_protection as enable_ki_protection
from ._local import RunVar as RunVar
from ._local import RunVarToken as RunVarToken
from ._parking_lot import ParkingLot as ParkingLot
from ._parking_lot import ParkingLotStatistics as ParkingLotStatistics
from ._run import RunStatistics as RunStatistics
from ._tasks import Task as Task
from ._thread_cache import start_thread_soon as start_thread_soon
from ._traps import Abort as Abort
from ._traps import RaiseCancelT as RaiseCancelT
from ._traps import cancel_shielded_checkpoint as cancel_shielded_checkpoint
from ._traps import checkpoint as checkpoint
from ._traps import wait_task_rescheduled as wait_task_rescheduled
from ._unbounded_queue import UnboundedQueue as UnboundedQueue
from ._unbounded_queue import UnboundedQueueStatistics as UnboundedQueueStatistics

__all__ = [
    "checkpoint",
    "checkpoint_if_cancelled",
    "cancel_shielded_checkpoint",
    "wait_task_rescheduled",
    "reschedule",
    "Abort",
    "RaiseCancelT",
    "ParkingLot",
    "ParkingLotStatistics",
    "UnboundedQueue",
    "UnboundedQueueStatistics",
    "Value",
    "Error",
    "Outcome",
    "capture",
    "acapture",
    "wait_readable",
    "wait_writable",
    "notify_closing",
    "IOStatistics",
    "current_task",
    "current_root_task",
    "Task",
    "spawn_system_task",
    "current_trio_token",
    "TrioToken",
    "current_clock",
    "current_statistics",
    "RunStatistics",
    "RunVar",
    "RunVarToken",
    "add_instrument",
    "remove_instrument",
    "enable_ki_protection",
    "disable_ki_protection",
    "currently_ki_protected",
    "start_thread_soon",
]
