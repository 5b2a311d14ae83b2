"""trio_streams.testing: memory streams and conformance checkers (exposed as ``trio.testing``).

* In-memory streams: :class:`MemorySendStream`, :class:`MemoryRecvStream`
  (modern Trio's name: :data:`MemoryReceiveStream`, the same class),
  :func:`memory_stream_pump`, :func:`memory_stream_one_way_pair`,
  :func:`memory_stream_pair`, :func:`lockstep_stream_one_way_pair`,
  :func:`lockstep_stream_pair`.
* :func:`open_stream_to_socket_listener`: connect to a
  :class:`~trio_streams.SocketListener` (for testing servers).
* Conformance checkers any stream implementation can run against itself:
  :func:`check_one_way_stream`, :func:`check_two_way_stream`,
  :func:`check_half_closeable_stream`.
"""

from ._checkers import check_half_closeable_stream as check_half_closeable_stream
from ._checkers import check_one_way_stream as check_one_way_stream
from ._checkers import check_two_way_stream as check_two_way_stream
from ._memory import MemoryReceiveStream as MemoryReceiveStream
from ._memory import MemoryRecvStream as MemoryRecvStream
from ._memory import MemorySendStream as MemorySendStream
from ._memory import lockstep_stream_one_way_pair as lockstep_stream_one_way_pair
from ._memory import lockstep_stream_pair as lockstep_stream_pair
from ._memory import memory_stream_one_way_pair as memory_stream_one_way_pair
from ._memory import memory_stream_pair as memory_stream_pair
from ._memory import memory_stream_pump as memory_stream_pump
from ._testing_helpers import open_stream_to_socket_listener as open_stream_to_socket_listener

__all__ = [
    "MemorySendStream",
    "MemoryRecvStream",
    "MemoryReceiveStream",
    "memory_stream_pump",
    "memory_stream_one_way_pair",
    "memory_stream_pair",
    "lockstep_stream_one_way_pair",
    "lockstep_stream_pair",
    "open_stream_to_socket_listener",
    "check_one_way_stream",
    "check_two_way_stream",
    "check_half_closeable_stream",
]
