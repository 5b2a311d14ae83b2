"""Memory channels: send objects between tasks of one run, with back-pressure.

A channel is a pair of ends sharing one state: a buffer of at most
``max_buffer_size`` items, the senders blocked because it is full, and the
receivers blocked because it is empty.  A value moves exactly once: either
into the buffer, or straight from a blocked sender to a blocked receiver
(through ``reschedule``).  A blocked send or receive that is cancelled is
removed from the queue before anything was handed over, so no value is ever
lost or delivered twice.
"""

from __future__ import annotations

import math
import types
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Generic, Self, TypeVar, final

from outcome import Error

from ._api import checkpoint_if_cancelled
from ._exceptions import BrokenResourceError, ClosedResourceError, EndOfChannel, WouldBlock
from ._ki import enable_ki_protection
from ._run_context import _task
from ._tasks import Task
from ._traps import (
    Abort,
    RaiseCancelT,
    cancel_shielded_checkpoint,
    checkpoint,
    wait_task_rescheduled,
)

T = TypeVar("T")

__all__ = [
    "open_memory_channel",
    "MemorySendChannel",
    "MemoryReceiveChannel",
    "MemoryChannelStatistics",
]


@dataclass(frozen=True, slots=True)
class MemoryChannelStatistics:
    """What ``statistics()`` of either end returns.

    Attributes:
        current_buffer_used: the number of values in the buffer.
        max_buffer_size: the buffer's capacity (an int, or ``math.inf``).
        open_send_channels: the number of sending ends not yet closed.
        open_receive_channels: the number of receiving ends not yet closed.
        tasks_waiting_send: the number of tasks blocked in ``send``.
        tasks_waiting_receive: the number of tasks blocked in ``receive``.
    """

    current_buffer_used: int
    max_buffer_size: int | float
    open_send_channels: int
    open_receive_channels: int
    tasks_waiting_send: int
    tasks_waiting_receive: int


class _State(Generic[T]):
    __slots__ = (
        "max_buffer_size",
        "data",
        "open_send_channels",
        "open_receive_channels",
        "send_tasks",
        "receive_tasks",
    )

    def __init__(self, max_buffer_size: int | float) -> None:
        self.max_buffer_size = max_buffer_size
        self.data: deque[T] = deque()
        self.open_send_channels = 0
        self.open_receive_channels = 0
        # Blocked senders (with the value each wants to send) and receivers, FIFO.
        self.send_tasks: OrderedDict[Task, T] = OrderedDict()
        self.receive_tasks: OrderedDict[Task, None] = OrderedDict()

    def statistics(self) -> MemoryChannelStatistics:
        return MemoryChannelStatistics(
            current_buffer_used=len(self.data),
            max_buffer_size=self.max_buffer_size,
            open_send_channels=self.open_send_channels,
            open_receive_channels=self.open_receive_channels,
            tasks_waiting_send=len(self.send_tasks),
            tasks_waiting_receive=len(self.receive_tasks),
        )


class _ChannelEnd(Generic[T]):
    """What both ends share: the channel's state, closing, and context managers."""

    __slots__ = ("_closed", "_tasks", "_state")

    def __init__(self, state: _State[T]) -> None:
        self._closed = False
        # The tasks blocked on *this* end (so that close() can wake them).
        self._tasks: set[Task] = set()
        self._state = state

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close this end (see ``close``), then checkpoint."""
        self.close()
        await checkpoint()

    def statistics(self) -> MemoryChannelStatistics:
        """The state of the channel, as a :class:`MemoryChannelStatistics`.  Not a checkpoint."""
        return self._state.statistics()


@final
class MemorySendChannel(_ChannelEnd[T]):
    """The sending end of a memory channel; made by :func:`open_memory_channel`.

    No public constructor: get more sending ends with :meth:`clone`.
    """

    __slots__ = ()

    def __init__(self, state: _State[T]) -> None:
        super().__init__(state)
        state.open_send_channels += 1

    def __repr__(self) -> str:
        return (
            f"<trio_core.MemorySendChannel at {id(self):#x}{' (closed)' if self._closed else ''}>"
        )

    @enable_ki_protection
    def send_nowait(self, value: T) -> None:
        """Send ``value`` without blocking.  Not a checkpoint.

        Raises:
            WouldBlock: if the buffer is full and no receiver is waiting.
            ClosedResourceError: if this end was closed.
            BrokenResourceError: if every receiving end was closed.
        """
        if self._closed:
            raise ClosedResourceError("this send channel was closed")
        state = self._state
        if state.open_receive_channels == 0:
            raise BrokenResourceError("every receive channel of this channel was closed")
        if state.receive_tasks:
            task, _ = state.receive_tasks.popitem(last=False)
            task.custom_sleep_data._tasks.remove(task)
            task._runner._reschedule_value(task, value)
        elif len(state.data) < state.max_buffer_size:
            state.data.append(value)
        else:
            raise WouldBlock

    @enable_ki_protection
    async def send(self, value: T) -> None:
        """Send ``value``, waiting while the buffer is full.  A checkpoint.

        If cancelled while waiting, the value was not sent.

        Raises:
            ClosedResourceError: if this end was closed (also while waiting).
            BrokenResourceError: if every receiving end was closed.
        """
        await checkpoint_if_cancelled()
        try:
            self.send_nowait(value)
        except WouldBlock:
            pass
        else:
            await cancel_shielded_checkpoint()
            return
        task = _task()
        state = self._state
        self._tasks.add(task)
        state.send_tasks[task] = value
        task.custom_sleep_data = self

        def abort(_: RaiseCancelT) -> Abort:
            self._tasks.remove(task)
            del state.send_tasks[task]
            return Abort.SUCCEEDED

        await wait_task_rescheduled(abort)

    def clone(self) -> MemorySendChannel[T]:
        """Another sending end of the same channel; receivers see end-of-channel
        only when every sending end is closed.  Not a checkpoint.

        Raises:
            ClosedResourceError: if this end was closed.
        """
        if self._closed:
            raise ClosedResourceError("can't clone a closed send channel")
        return MemorySendChannel(self._state)

    @enable_ki_protection
    def close(self) -> None:
        """Close this end (idempotent; not a checkpoint).

        Tasks blocked sending on it get ClosedResourceError; once every
        sending end is closed, receivers get :exc:`EndOfChannel`.
        """
        if self._closed:
            return
        self._closed = True
        state = self._state
        for task in self._tasks:
            del state.send_tasks[task]
            task._runner.reschedule(task, Error(ClosedResourceError("the send channel was closed")))
        self._tasks.clear()
        state.open_send_channels -= 1
        if state.open_send_channels == 0:
            while state.receive_tasks:
                task, _ = state.receive_tasks.popitem(last=False)
                task.custom_sleep_data._tasks.remove(task)
                task._runner.reschedule(task, Error(EndOfChannel()))


@final
class MemoryReceiveChannel(_ChannelEnd[T]):
    """The receiving end of a memory channel; made by :func:`open_memory_channel`.

    ``async for value in channel`` receives until every sending end is closed.
    No public constructor: get more receiving ends with :meth:`clone`.
    """

    __slots__ = ()

    def __init__(self, state: _State[T]) -> None:
        super().__init__(state)
        state.open_receive_channels += 1

    def __repr__(self) -> str:
        closed = " (closed)" if self._closed else ""
        return f"<trio_core.MemoryReceiveChannel at {id(self):#x}{closed}>"

    @enable_ki_protection
    def receive_nowait(self) -> T:
        """Receive a value without blocking.  Not a checkpoint.

        Raises:
            WouldBlock: if nothing is buffered and no sender is waiting.
            EndOfChannel: if every sending end was closed and the buffer is empty.
            ClosedResourceError: if this end was closed.
        """
        if self._closed:
            raise ClosedResourceError("this receive channel was closed")
        state = self._state
        if state.send_tasks:
            task, value = state.send_tasks.popitem(last=False)
            task.custom_sleep_data._tasks.remove(task)
            task._runner._reschedule_value(task, None)
            state.data.append(value)
            # Fall through: the oldest buffered value goes first.
        if state.data:
            return state.data.popleft()
        if not state.open_send_channels:
            raise EndOfChannel
        raise WouldBlock

    @enable_ki_protection
    async def receive(self) -> T:
        """Receive a value, waiting if there is none yet.  A checkpoint.

        If cancelled while waiting, no value was taken.

        Raises:
            EndOfChannel: once every sending end is closed and the buffer is empty.
            ClosedResourceError: if this end was closed (also while waiting).
        """
        await checkpoint_if_cancelled()
        try:
            value = self.receive_nowait()
        except WouldBlock:
            pass
        else:
            await cancel_shielded_checkpoint()
            return value
        task = _task()
        state = self._state
        self._tasks.add(task)
        state.receive_tasks[task] = None
        task.custom_sleep_data = self

        def abort(_: RaiseCancelT) -> Abort:
            self._tasks.remove(task)
            del state.receive_tasks[task]
            return Abort.SUCCEEDED

        received: T = await wait_task_rescheduled(abort)
        return received

    def clone(self) -> MemoryReceiveChannel[T]:
        """Another receiving end of the same channel (each value goes to one of them).

        Not a checkpoint.

        Raises:
            ClosedResourceError: if this end was closed.
        """
        if self._closed:
            raise ClosedResourceError("can't clone a closed receive channel")
        return MemoryReceiveChannel(self._state)

    @enable_ki_protection
    def close(self) -> None:
        """Close this end (idempotent; not a checkpoint).

        Tasks blocked receiving on it get ClosedResourceError; once every
        receiving end is closed, senders get BrokenResourceError and the
        buffered values are dropped.
        """
        if self._closed:
            return
        self._closed = True
        state = self._state
        for task in self._tasks:
            del state.receive_tasks[task]
            task._runner.reschedule(
                task, Error(ClosedResourceError("the receive channel was closed"))
            )
        self._tasks.clear()
        state.open_receive_channels -= 1
        if state.open_receive_channels == 0:
            while state.send_tasks:
                task, _ = state.send_tasks.popitem(last=False)
                task.custom_sleep_data._tasks.remove(task)
                task._runner.reschedule(
                    task, Error(BrokenResourceError("every receive channel was closed"))
                )
            state.data.clear()

    def __aiter__(self) -> MemoryReceiveChannel[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return await self.receive()
        except EndOfChannel:
            raise StopAsyncIteration from None


@final
class open_memory_channel(tuple["MemorySendChannel[T]", "MemoryReceiveChannel[T]"]):
    """Open a memory channel: ``send_channel, receive_channel = open_memory_channel(0)``.

    Written as a class so that ``open_memory_channel[int](10)`` types the ends.
    Not a checkpoint.

    Args:
        max_buffer_size: how many values may wait in the buffer before
            ``send`` blocks: an int >= 0 (0: every send waits for a receiver),
            or ``math.inf`` for no limit.

    Returns:
        A ``(MemorySendChannel, MemoryReceiveChannel)`` pair.

    Raises:
        TypeError: if ``max_buffer_size`` is not an int or ``math.inf``.
        ValueError: if it is negative.
    """

    def __new__(  # type: ignore[misc]
        cls, max_buffer_size: int | float
    ) -> tuple[MemorySendChannel[T], MemoryReceiveChannel[T]]:
        if max_buffer_size != math.inf and (
            not isinstance(max_buffer_size, int) or isinstance(max_buffer_size, bool)
        ):
            raise TypeError(f"max_buffer_size must be an int or math.inf, got {max_buffer_size!r}")
        if max_buffer_size < 0:
            raise ValueError(f"max_buffer_size must be >= 0, got {max_buffer_size}")
        state: _State[T] = _State(max_buffer_size)
        return MemorySendChannel[T](state), MemoryReceiveChannel[T](state)

    def __init__(self, max_buffer_size: int | float) -> None:
        pass
