"""Abstract base classes of trio-core: :class:`Clock`, :class:`Instrument`, and the
channel interfaces :class:`SendChannel`, :class:`ReceiveChannel` and :class:`Channel`
(which the memory channel ends implement)."""

from __future__ import annotations

import abc
import types
from typing import TYPE_CHECKING, Generic, Self, TypeVar

if TYPE_CHECKING:
    from ._tasks import Task

__all__ = ["Clock", "Instrument", "SendChannel", "ReceiveChannel", "Channel"]

SendType = TypeVar("SendType", contravariant=True)
ReceiveType = TypeVar("ReceiveType", covariant=True)
T = TypeVar("T")


class Clock(abc.ABC):
    """The interface of the clock a run uses (pass one as ``run(..., clock=...)``).

    The run loop calls these methods synchronously, from its own thread: none
    of them is a checkpoint, and they must not block.
    """

    __slots__ = ()

    @abc.abstractmethod
    def start_clock(self) -> None:
        """Called once, at the start of the run.  Not a checkpoint."""

    @abc.abstractmethod
    def current_time(self) -> float:
        """The current time, in seconds, on this clock's own scale.  Not a checkpoint."""

    @abc.abstractmethod
    def deadline_to_sleep_time(self, deadline: float) -> float:
        """How many real seconds to wait for I/O before ``deadline`` arrives.

        May return a negative number (the deadline has passed) or ``math.inf``.
        Not a checkpoint.

        Args:
            deadline: a time on this clock's scale (the next deadline of the run).
        """


class Instrument(abc.ABC):  # noqa: B024 - every hook is optional
    """Hooks into the run loop, for tracing, profiling and tests.

    Override just the methods you need; the run only calls the hooks an
    instrument defines.  An instrument whose hook raises is removed from the
    run and the error is logged (to the ``trio_core`` logger); the run goes on.
    Hooks are called synchronously by the run loop: none is a checkpoint, and
    they must not block.
    """

    __slots__ = ()

    def before_run(self) -> None:  # noqa: B027
        """Called at the start of :func:`trio_core.run`.  Not a checkpoint."""

    def after_run(self) -> None:  # noqa: B027
        """Called just before :func:`trio_core.run` returns.  Not a checkpoint."""

    def task_spawned(self, task: Task) -> None:  # noqa: B027
        """Called when ``task`` is created.  Not a checkpoint."""

    def task_scheduled(self, task: Task) -> None:  # noqa: B027
        """Called when ``task`` becomes runnable.  Not a checkpoint."""

    def before_task_step(self, task: Task) -> None:  # noqa: B027
        """Called just before ``task`` runs a step.  Not a checkpoint."""

    def after_task_step(self, task: Task) -> None:  # noqa: B027
        """Called just after ``task`` ran a step.  Not a checkpoint."""

    def task_exited(self, task: Task) -> None:  # noqa: B027
        """Called when ``task`` has exited.  Not a checkpoint."""

    def before_io_wait(self, timeout: float) -> None:  # noqa: B027
        """Called before the loop waits up to ``timeout`` seconds for I/O.  Not a checkpoint."""

    def after_io_wait(self, timeout: float) -> None:  # noqa: B027
        """Called after the loop waited for I/O (for up to ``timeout`` seconds).

        Not a checkpoint.
        """


class _ClosesAsync(abc.ABC):
    """``async with`` support for an object closed with ``aclose()``."""

    __slots__ = ()

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Close this object; using it afterwards raises ClosedResourceError.

        A checkpoint.  Closing twice is harmless.
        """

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        await self.aclose()


class SendChannel(_ClosesAsync, Generic[SendType]):
    """The sending end of a channel of Python objects (modern Trio's ``trio.abc.SendChannel``).

    Write :meth:`send` and :meth:`aclose`; ``async with channel:`` closes it.
    :class:`~trio_core.MemorySendChannel` implements it.
    """

    __slots__ = ()

    @abc.abstractmethod
    async def send(self, value: SendType) -> None:
        """Send ``value`` to the receiving end, waiting while the channel is full.

        A checkpoint.

        Args:
            value: the object to send.

        Raises:
            BrokenResourceError: if the receiving end is gone.
            ClosedResourceError: if this end was closed.
            BusyResourceError: if the channel allows one sender at a time.
        """


class ReceiveChannel(_ClosesAsync, Generic[ReceiveType]):
    """The receiving end of a channel of Python objects (modern Trio's
    ``trio.abc.ReceiveChannel``).

    Write :meth:`receive` and :meth:`aclose`; ``async for value in channel:``
    receives until the senders are done (:exc:`~trio_core.EndOfChannel` ends
    the loop), and ``async with channel:`` closes it.
    :class:`~trio_core.MemoryReceiveChannel` implements it.
    """

    __slots__ = ()

    @abc.abstractmethod
    async def receive(self) -> ReceiveType:
        """Receive the next value, waiting until there is one.  A checkpoint.

        Returns:
            The value.

        Raises:
            EndOfChannel: if every sending end was closed and nothing is left.
            ClosedResourceError: if this end was closed.
            BrokenResourceError: if something went wrong with the sender.
            BusyResourceError: if the channel allows one receiver at a time.
        """

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> ReceiveType:
        from ._exceptions import EndOfChannel

        try:
            return await self.receive()
        except EndOfChannel:
            raise StopAsyncIteration from None


class Channel(SendChannel[T], ReceiveChannel[T]):
    """Both ends in one object: a two-way channel (modern Trio's ``trio.abc.Channel``).

    Write :meth:`send`, :meth:`receive` and :meth:`aclose`.
    """

    __slots__ = ()
