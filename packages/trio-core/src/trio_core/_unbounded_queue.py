"""UnboundedQueue: a queue whose consumer takes everything queued at once, in batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, final

from ._api import checkpoint_if_cancelled
from ._exceptions import WouldBlock
from ._ki import enable_ki_protection
from ._parking_lot import ParkingLot
from ._traps import cancel_shielded_checkpoint

T = TypeVar("T")

__all__ = ["UnboundedQueue", "UnboundedQueueStatistics"]


@dataclass(frozen=True, slots=True)
class UnboundedQueueStatistics:
    """What :meth:`UnboundedQueue.statistics` returns.

    Attributes:
        qsize: the number of items queued.
        tasks_waiting: the number of readers blocked in ``get_batch``.
    """

    qsize: int
    tasks_waiting: int


@final
class UnboundedQueue(Generic[T]):
    """A queue with no size limit, read in batches.

    ``put_nowait`` never blocks.  A reader gets *everything* queued since its
    last read, as a list: ``get_batch()`` waits until there is at least one
    item, and ``async for batch in queue`` loops over batches.  Good for
    events that pile up faster than they are handled (the seed's signal
    delivery, say).  With several readers, each batch goes to one of them,
    in FIFO order.
    """

    __slots__ = ("_lot", "_data", "_can_get")

    def __init__(self) -> None:
        self._lot = ParkingLot()
        self._data: list[T] = []
        # True when a batch is available and no woken reader has claimed it yet.
        self._can_get = False

    def __repr__(self) -> str:
        return f"<UnboundedQueue holding {len(self._data)} items>"

    def qsize(self) -> int:
        """How many items are queued.  Not a checkpoint."""
        return len(self._data)

    def empty(self) -> bool:
        """Whether no item is queued.  Not a checkpoint."""
        return not self._data

    @enable_ki_protection
    def put_nowait(self, obj: T) -> None:
        """Queue ``obj`` (never blocks; not a checkpoint)."""
        if not self._data:
            if self._lot:
                self._lot.unpark(count=1)
            else:
                self._can_get = True
        self._data.append(obj)

    def _take_batch(self) -> list[T]:
        batch = self._data.copy()
        self._data.clear()
        self._can_get = False
        return batch

    def get_batch_nowait(self) -> list[T]:
        """Take everything queued, as a list, without blocking.  Not a checkpoint.

        Raises:
            WouldBlock: if nothing is queued (or a woken reader has claimed it).
        """
        if not self._can_get:
            raise WouldBlock
        return self._take_batch()

    @enable_ki_protection
    async def get_batch(self) -> list[T]:
        """Wait until at least one item is queued, then take everything queued.  A checkpoint."""
        await checkpoint_if_cancelled()
        if not self._can_get:
            await self._lot.park()
            return self._take_batch()
        try:
            return self._take_batch()
        finally:
            await cancel_shielded_checkpoint()

    def statistics(self) -> UnboundedQueueStatistics:
        """Queue size and the number of waiting readers.

        Returns an :class:`UnboundedQueueStatistics`.  Not a checkpoint.
        """
        return UnboundedQueueStatistics(qsize=len(self._data), tasks_waiting=len(self._lot))

    def __aiter__(self) -> UnboundedQueue[T]:
        return self

    async def __anext__(self) -> list[T]:
        return await self.get_batch()
