"""In-memory streams for tests: buffered one-way streams with hooks, and lockstep streams."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar, final

import trio_core
from trio_core.lowlevel import (
    ParkingLot,
    cancel_shielded_checkpoint,
    checkpoint,
    checkpoint_if_cancelled,
)

from ._arguments import byte_view, check_max_bytes
from ._exceptions import BrokenStreamError
from ._stapled import StapledStream
from .abc import RecvStream, SendStream

__all__ = [
    "MemorySendStream",
    "MemoryRecvStream",
    "MemoryReceiveStream",
    "memory_stream_pump",
    "memory_stream_one_way_pair",
    "memory_stream_pair",
    "lockstep_stream_one_way_pair",
    "lockstep_stream_pair",
]

AsyncHook = Callable[[], Awaitable[object]]
SyncHook = Callable[[], object]
_T = TypeVar("_T")


def _one_of(name: str, value: _T | None, other_name: str, other: _T | None) -> _T | None:
    """The argument given under either of its two names (refusing both)."""
    if value is not None and other is not None:
        raise TypeError(
            f"{name} and {other_name} are two names of one argument; give only one of them"
        )
    return value if value is not None else other


class _ByteQueue:
    """An unbounded byte buffer with an end-of-data mark and one blocking reader."""

    __slots__ = ("_data", "_eof", "_closed", "_lot", "_reading")

    def __init__(self) -> None:
        self._data = bytearray()
        self._eof = False
        self._closed = False
        self._lot = ParkingLot()
        self._reading = False

    def put(self, data: bytes | bytearray | memoryview) -> None:
        self._data += data
        self._lot.unpark_all()

    def put_eof(self) -> None:
        self._eof = True
        self._lot.unpark_all()

    def close(self) -> None:
        self._closed = True
        self._lot.unpark_all()

    def _take(self, max_bytes: int | None) -> bytes:
        if max_bytes is None or max_bytes >= len(self._data):
            chunk = bytes(self._data)
            self._data.clear()
        else:
            chunk = bytes(self._data[:max_bytes])
            del self._data[:max_bytes]
        return chunk

    def get_nowait(self, max_bytes: int | None) -> bytes:
        if self._closed:
            raise trio_core.ClosedResourceError("this memory stream was closed")
        if not self._data and not self._eof:
            raise trio_core.WouldBlock
        return self._take(max_bytes)

    async def get(self, max_bytes: int | None) -> bytes:
        # The caller sets and clears ``_reading`` (it detects a second reader).
        await checkpoint_if_cancelled()
        if self._data or self._eof or self._closed:
            await cancel_shielded_checkpoint()
        while not (self._data or self._eof or self._closed):
            await self._lot.park()
        return self.get_nowait(max_bytes)


@final
class MemorySendStream(SendStream):
    """A one-way send stream that puts what is sent into an unbounded buffer.

    The test drains the buffer with :meth:`get_data` or
    :meth:`get_data_nowait`, and can watch the stream through three hooks
    (public attributes, settable at any time, each ``None`` or a callable
    taking no arguments):

    * ``sendall_hook`` (async): awaited after ``sendall`` put its data into
      the buffer, and after ``send_eof``;
    * ``wait_maybe_writable_hook`` (async): awaited by ``wait_maybe_writable``;
    * ``close_hook`` (sync): called when the stream is closed.

    ``sendall`` never blocks on its own; :func:`memory_stream_one_way_pair`
    uses the hooks to move the data into a :class:`MemoryRecvStream`.

    Modern Trio's names for the first two hooks, ``send_all_hook`` and
    ``wait_send_all_might_not_block_hook``, are the same attributes (and
    constructor arguments), so ``MemorySendStream(send_all_hook=...)`` works.

    Args:
        sendall_hook: see above.
        wait_maybe_writable_hook: see above.
        close_hook: see above.
        send_all_hook: modern Trio's name for ``sendall_hook`` (give one of the two).
        wait_send_all_might_not_block_hook: modern Trio's name for
            ``wait_maybe_writable_hook`` (give one of the two).

    Raises:
        TypeError: if a hook is given under both of its names.
    """

    __slots__ = (
        "sendall_hook",
        "wait_maybe_writable_hook",
        "close_hook",
        "_outgoing",
        "_busy",
        "_closed",
        "_eof_sent",
    )

    def __init__(
        self,
        sendall_hook: AsyncHook | None = None,
        wait_maybe_writable_hook: AsyncHook | None = None,
        close_hook: SyncHook | None = None,
        *,
        send_all_hook: AsyncHook | None = None,
        wait_send_all_might_not_block_hook: AsyncHook | None = None,
    ) -> None:
        self.sendall_hook = _one_of("sendall_hook", sendall_hook, "send_all_hook", send_all_hook)
        self.wait_maybe_writable_hook = _one_of(
            "wait_maybe_writable_hook",
            wait_maybe_writable_hook,
            "wait_send_all_might_not_block_hook",
            wait_send_all_might_not_block_hook,
        )
        self.close_hook = close_hook
        self._outgoing = _ByteQueue()
        self._busy = False
        self._closed = False
        self._eof_sent = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "eof sent" if self._eof_sent else "open"
        return f"<MemorySendStream {state}, {len(self._outgoing._data)} bytes buffered>"

    @property
    def send_all_hook(self) -> AsyncHook | None:
        """Modern Trio's name for :attr:`sendall_hook` (the same attribute; settable)."""
        return self.sendall_hook

    @send_all_hook.setter
    def send_all_hook(self, hook: AsyncHook | None) -> None:
        self.sendall_hook = hook

    @property
    def wait_send_all_might_not_block_hook(self) -> AsyncHook | None:
        """Modern Trio's name for :attr:`wait_maybe_writable_hook` (the same
        attribute; settable)."""
        return self.wait_maybe_writable_hook

    @wait_send_all_might_not_block_hook.setter
    def wait_send_all_might_not_block_hook(self, hook: AsyncHook | None) -> None:
        self.wait_maybe_writable_hook = hook

    def _enter(self, what: str) -> None:
        if self._busy:
            raise trio_core.BusyResourceError(
                f"another task is already in sendall/wait_maybe_writable/send_eof of this "
                f"stream (while calling {what}); use one sending task per stream"
            )
        if self._closed:
            raise trio_core.ClosedResourceError("this MemorySendStream was closed")
        self._busy = True

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        """Put ``data`` into the buffer, then await ``sendall_hook``.  A checkpoint.

        Args:
            data: any bytes-like object (bytes, bytearray, memoryview, array...).

        Raises:
            TypeError: if ``data`` is not a bytes-like object (nothing is sent
                and the stream stays usable).
            trio_core.BusyResourceError: if another task is sending on this stream.
            trio_core.ClosedResourceError: if the stream was closed or ended
                with :meth:`send_eof`.
        """
        # A copy: the caller may change its buffer while sendall waits.
        payload = byte_view(data, "MemorySendStream.sendall").tobytes()
        self._enter("sendall")
        try:
            if self._eof_sent:
                raise trio_core.ClosedResourceError(
                    "can't send after send_eof() on this MemorySendStream"
                )
            await checkpoint()
            if self._closed:
                raise trio_core.ClosedResourceError("this MemorySendStream was closed")
            self._outgoing.put(payload)
            if self.sendall_hook is not None:
                await self.sendall_hook()
        finally:
            self._busy = False

    async def wait_maybe_writable(self) -> None:
        """Return at once (the buffer is unbounded), after awaiting
        ``wait_maybe_writable_hook``.  A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is sending on this stream.
            trio_core.ClosedResourceError: if the stream was closed.
        """
        self._enter("wait_maybe_writable")
        try:
            await checkpoint()
            if self._closed:
                raise trio_core.ClosedResourceError("this MemorySendStream was closed")
            if self.wait_maybe_writable_hook is not None:
                await self.wait_maybe_writable_hook()
        finally:
            self._busy = False

    async def send_eof(self) -> None:
        """Mark the end of the data, then await ``sendall_hook``.  Idempotent.  A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is sending on this stream.
            trio_core.ClosedResourceError: if the stream was closed.
        """
        self._enter("send_eof")
        try:
            await checkpoint()
            if self._closed:
                raise trio_core.ClosedResourceError("this MemorySendStream was closed")
            self._eof_sent = True
            self._outgoing.put_eof()
            if self.sendall_hook is not None:
                await self.sendall_hook()
        finally:
            self._busy = False

    def forceful_close(self) -> None:
        """Close the stream (the buffer's reader then sees the end of the data),
        and call ``close_hook``.  Idempotent.  Not a checkpoint."""
        if self._closed:
            return
        self._closed = True
        self._eof_sent = True
        self._outgoing.put_eof()
        if self.close_hook is not None:
            self.close_hook()

    async def get_data(self, max_bytes: int | None = None) -> bytes:
        """Take data out of the buffer, waiting until there is some.  A checkpoint.

        Args:
            max_bytes: the most bytes to take (``None``: everything buffered).

        Returns:
            The data, or ``b""`` once the stream was closed or ended and the
            buffer is empty.

        Raises:
            TypeError: if ``max_bytes`` is neither an int nor ``None``.
            ValueError: if ``max_bytes`` is less than 1.
            trio_core.BusyResourceError: if another task is in ``get_data``.
        """
        max_bytes = check_max_bytes(max_bytes, allow_none=True)
        outgoing = self._outgoing
        if outgoing._reading:
            raise trio_core.BusyResourceError("another task is already in get_data of this stream")
        outgoing._reading = True
        try:
            return await outgoing.get(max_bytes)
        finally:
            outgoing._reading = False

    def get_data_nowait(self, max_bytes: int | None = None) -> bytes:
        """Take data out of the buffer without waiting.  Not a checkpoint.

        Args:
            max_bytes: the most bytes to take (``None``: everything buffered).

        Returns:
            The data, or ``b""`` once the stream was closed or ended and the
            buffer is empty.

        Raises:
            trio_core.WouldBlock: if the buffer is empty and the stream still open.
            TypeError: if ``max_bytes`` is neither an int nor ``None``.
            ValueError: if ``max_bytes`` is less than 1.
            trio_core.BusyResourceError: if another task is in ``get_data``.
        """
        max_bytes = check_max_bytes(max_bytes, allow_none=True)
        if self._outgoing._reading:
            raise trio_core.BusyResourceError("another task is in get_data of this stream")
        return self._outgoing.get_nowait(max_bytes)


@final
class MemoryRecvStream(RecvStream):
    """A one-way receive stream that returns what the test puts into its buffer
    with :meth:`put_data` and :meth:`put_eof`.

    Two hooks (public attributes, ``None`` or a callable taking no arguments):

    * ``recv_hook`` (async): awaited at the start of every ``recv``, before it
      waits for data;
    * ``close_hook`` (sync): called when the stream is closed.

    Modern Trio calls this class ``MemoryReceiveStream`` (the name
    :data:`MemoryReceiveStream` is this very class) and its first hook
    ``receive_some_hook``: the same attribute (and constructor argument).

    Args:
        recv_hook: see above.
        close_hook: see above.
        receive_some_hook: modern Trio's name for ``recv_hook`` (give one of the two).

    Raises:
        TypeError: if the hook is given under both of its names.
    """

    __slots__ = ("recv_hook", "close_hook", "_incoming", "_closed")

    def __init__(
        self,
        recv_hook: AsyncHook | None = None,
        close_hook: SyncHook | None = None,
        *,
        receive_some_hook: AsyncHook | None = None,
    ) -> None:
        self.recv_hook = _one_of("recv_hook", recv_hook, "receive_some_hook", receive_some_hook)
        self.close_hook = close_hook
        self._incoming = _ByteQueue()
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<MemoryRecvStream {state}, {len(self._incoming._data)} bytes buffered>"

    @property
    def receive_some_hook(self) -> AsyncHook | None:
        """Modern Trio's name for :attr:`recv_hook` (the same attribute; settable)."""
        return self.recv_hook

    @receive_some_hook.setter
    def receive_some_hook(self, hook: AsyncHook | None) -> None:
        self.recv_hook = hook

    @property
    def closed(self) -> bool:
        """Whether this stream was closed."""
        return self._closed

    async def recv(self, max_bytes: int) -> bytes:
        """Await ``recv_hook``, then return buffered data (waiting for some).  A checkpoint.

        Args:
            max_bytes: the most bytes to return; at least 1.

        Returns:
            Up to ``max_bytes`` bytes, or ``b""`` after :meth:`put_eof` once
            the buffer is empty.

        Raises:
            TypeError: if ``max_bytes`` is not an int (nothing is consumed).
            ValueError: if ``max_bytes`` is less than 1 (nothing is consumed).
            trio_core.BusyResourceError: if another task is in ``recv``.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
        """
        max_bytes = check_max_bytes(max_bytes)
        incoming = self._incoming
        if incoming._reading:
            raise trio_core.BusyResourceError(
                "another task is already in recv of this stream; use one receiving task"
            )
        if self._closed:
            raise trio_core.ClosedResourceError("this MemoryRecvStream was closed")
        incoming._reading = True
        try:
            if self.recv_hook is not None:
                await self.recv_hook()
            return await incoming.get(max_bytes)
        finally:
            incoming._reading = False

    def put_data(self, data: bytes | bytearray | memoryview) -> None:
        """Append ``data`` to the buffer, waking a task blocked in ``recv``.  Not a checkpoint.

        Args:
            data: any bytes-like object.

        Raises:
            TypeError: if ``data`` is not a bytes-like object.
            trio_core.ClosedResourceError: if the stream was closed, or
                :meth:`put_eof` was called.
        """
        view = byte_view(data, "MemoryRecvStream.put_data")
        if self._closed:
            raise trio_core.ClosedResourceError("this MemoryRecvStream was closed")
        if self._incoming._eof:
            raise trio_core.ClosedResourceError("can't put data after put_eof()")
        self._incoming.put(view)

    def put_eof(self) -> None:
        """Mark the end of the data: once the buffer is empty, ``recv`` returns
        ``b""``.  Idempotent.  Not a checkpoint.

        Raises:
            trio_core.ClosedResourceError: if the stream was closed.
        """
        if self._closed:
            raise trio_core.ClosedResourceError("this MemoryRecvStream was closed")
        self._incoming.put_eof()

    def forceful_close(self) -> None:
        """Close the stream, waking a blocked ``recv`` with
        :exc:`~trio_core.ClosedResourceError`, and call ``close_hook``.
        Idempotent.  Not a checkpoint."""
        if self._closed:
            return
        self._closed = True
        self._incoming.close()
        if self.close_hook is not None:
            self.close_hook()


#: Modern Trio's name for :class:`MemoryRecvStream`: the very same class.
MemoryReceiveStream = MemoryRecvStream


def memory_stream_pump(
    memory_send_stream: MemorySendStream,
    memory_recv_stream: MemoryRecvStream | None = None,
    *,
    max_bytes: int | None = None,
    memory_receive_stream: MemoryRecvStream | None = None,
) -> bool:
    """Move buffered data (and the end-of-data mark) from a send stream to a receive stream.

    Not a checkpoint.

    Args:
        memory_send_stream: where the data comes from.
        memory_recv_stream: where it goes.
        max_bytes: the most bytes to move (``None``: everything).
        memory_receive_stream: modern Trio's name for ``memory_recv_stream``
            (give one of the two).

    Returns:
        ``True`` if something (data or the end mark) was moved, ``False`` if
        there was nothing to move.

    Raises:
        TypeError: if the receive stream is given under both names, or not at all.
        BrokenStreamError: if the receive stream was closed (the data is lost,
            as with a peer that went away); a :exc:`trio_core.BrokenResourceError`.
    """
    receiver = _one_of(
        "memory_recv_stream", memory_recv_stream, "memory_receive_stream", memory_receive_stream
    )
    if receiver is None:
        raise TypeError("memory_stream_pump needs the receive stream to move the data to")
    memory_recv_stream = receiver
    try:
        data = memory_send_stream.get_data_nowait(max_bytes)
    except trio_core.WouldBlock:
        return False
    try:
        if data:
            memory_recv_stream.put_data(data)
        else:
            memory_recv_stream.put_eof()
    except trio_core.ClosedResourceError:
        raise BrokenStreamError("the receiving end of this memory stream was closed") from None
    return True


def memory_stream_one_way_pair() -> tuple[MemorySendStream, MemoryRecvStream]:
    """A connected :class:`MemorySendStream` and :class:`MemoryRecvStream`.

    What is sent is moved to the receive stream at once (the buffer is
    unbounded, so ``sendall`` never blocks).  Closing the send stream ends
    the receive stream's data; closing the receive stream makes later sends
    raise :exc:`BrokenStreamError`.  Replace the hooks to simulate a slow or
    misbehaving network.  Not a checkpoint.

    Returns:
        ``(send_stream, recv_stream)``.
    """
    send_stream = MemorySendStream()
    recv_stream = MemoryRecvStream()

    async def pump_after_send() -> None:
        memory_stream_pump(send_stream, recv_stream)

    def pump_after_close() -> None:
        try:
            memory_stream_pump(send_stream, recv_stream)
        except BrokenStreamError:
            pass

    send_stream.sendall_hook = pump_after_send
    send_stream.close_hook = pump_after_close
    return send_stream, recv_stream


_S = TypeVar("_S", bound=SendStream)
_R = TypeVar("_R", bound=RecvStream)


def _staple_pair(
    one: tuple[_S, _R], two: tuple[_S, _R]
) -> tuple[StapledStream[_S, _R], StapledStream[_S, _R]]:
    return StapledStream(one[0], two[1]), StapledStream(two[0], one[1])


def memory_stream_pair() -> tuple[
    StapledStream[MemorySendStream, MemoryRecvStream],
    StapledStream[MemorySendStream, MemoryRecvStream],
]:
    """Two connected two-way streams, each made of a :func:`memory_stream_one_way_pair`
    per direction; half-closeable.  Not a checkpoint.

    Returns:
        ``(left, right)``: what ``left`` sends, ``right`` receives, and back.
    """
    return _staple_pair(memory_stream_one_way_pair(), memory_stream_one_way_pair())


class _Lockstep:
    """The shared state of a lockstep one-way pair: no buffer at all."""

    __slots__ = (
        "data",
        "eof",
        "send_closed",
        "recv_closed",
        "sending",
        "receiving",
        "receiver_waiting",
        "sender_lot",
        "receiver_lot",
    )

    def __init__(self) -> None:
        self.data = bytearray()
        self.eof = False
        self.send_closed = False
        self.recv_closed = False
        self.sending = False
        self.receiving = False
        self.receiver_waiting = False
        self.sender_lot = ParkingLot()
        self.receiver_lot = ParkingLot()

    def wake_all(self) -> None:
        self.sender_lot.unpark_all()
        self.receiver_lot.unpark_all()

    def enter_send(self, what: str) -> None:
        if self.sending:
            raise trio_core.BusyResourceError(
                f"another task is already in sendall/wait_maybe_writable/send_eof of this "
                f"stream (while calling {what}); use one sending task per stream"
            )
        if self.send_closed:
            raise trio_core.ClosedResourceError("this lockstep send stream was closed")
        self.sending = True

    def check_sendable(self) -> None:
        if self.send_closed:
            raise trio_core.ClosedResourceError("this lockstep send stream was closed")
        if self.recv_closed:
            raise BrokenStreamError("the receiving end of this lockstep stream was closed")


@final
class _LockstepSendStream(SendStream):
    __slots__ = ("_state", "_broken")

    def __init__(self, state: _Lockstep) -> None:
        self._state = state
        self._broken = False

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        view = byte_view(data, "sendall")
        state = self._state
        state.enter_send("sendall")
        try:
            if state.eof:
                raise trio_core.ClosedResourceError("can't send after send_eof()")
            if self._broken:
                raise BrokenStreamError(
                    "an earlier sendall on this stream was cancelled part-way through"
                )
            await checkpoint_if_cancelled()
            state.check_sendable()
            if not view.nbytes:
                await cancel_shielded_checkpoint()
                return
            state.data += view
            total = len(state.data)
            state.receiver_lot.unpark_all()
            try:
                while state.data:
                    await state.sender_lot.park()
                    state.check_sendable()
            except BaseException:
                if state.data and len(state.data) != total:
                    self._broken = True
                state.data.clear()
                raise
        finally:
            state.sending = False

    async def wait_maybe_writable(self) -> None:
        state = self._state
        state.enter_send("wait_maybe_writable")
        try:
            await checkpoint_if_cancelled()
            if state.receiver_waiting or state.recv_closed:
                await cancel_shielded_checkpoint()
            while not (state.receiver_waiting or state.recv_closed or state.send_closed):
                await state.sender_lot.park()
            if state.send_closed:
                raise trio_core.ClosedResourceError("this lockstep send stream was closed")
        finally:
            state.sending = False

    async def send_eof(self) -> None:
        state = self._state
        state.enter_send("send_eof")
        try:
            await checkpoint()
            if state.send_closed:
                raise trio_core.ClosedResourceError("this lockstep send stream was closed")
            state.eof = True
            state.receiver_lot.unpark_all()
        finally:
            state.sending = False

    def forceful_close(self) -> None:
        self._state.send_closed = True
        self._state.wake_all()


@final
class _LockstepRecvStream(RecvStream):
    __slots__ = ("_state",)

    def __init__(self, state: _Lockstep) -> None:
        self._state = state

    async def recv(self, max_bytes: int) -> bytes:
        max_bytes = check_max_bytes(max_bytes)
        state = self._state
        if state.receiving:
            raise trio_core.BusyResourceError(
                "another task is already in recv of this stream; use one receiving task"
            )
        if state.recv_closed:
            raise trio_core.ClosedResourceError("this lockstep receive stream was closed")
        state.receiving = True
        try:
            await checkpoint_if_cancelled()
            if state.data or state.eof or state.send_closed:
                await cancel_shielded_checkpoint()
            else:
                state.receiver_waiting = True
                state.sender_lot.unpark_all()
                try:
                    while not (state.data or state.eof or state.send_closed or state.recv_closed):
                        await state.receiver_lot.park()
                finally:
                    state.receiver_waiting = False
            if state.recv_closed:
                raise trio_core.ClosedResourceError("this lockstep receive stream was closed")
            chunk = bytes(state.data[:max_bytes])
            del state.data[:max_bytes]
            if not state.data:
                state.sender_lot.unpark_all()
            return chunk
        finally:
            state.receiving = False

    def forceful_close(self) -> None:
        self._state.recv_closed = True
        self._state.wake_all()


def lockstep_stream_one_way_pair() -> tuple[SendStream, RecvStream]:
    """A connected one-way pair with no buffer at all.

    ``sendall`` returns only once the receiver has taken every byte (with as
    many ``recv`` calls as that needs), and ``wait_maybe_writable`` returns
    once a task waits in ``recv``: the most "clogged" stream there is, good
    for testing flow control and for the conformance checkers'
    ``clogged_stream_maker``.  A ``sendall`` cancelled before the receiver
    took anything sends nothing; one cancelled after it took part of the
    data leaves the stream broken.  Not a checkpoint.

    Returns:
        ``(send_stream, recv_stream)``.
    """
    state = _Lockstep()
    return _LockstepSendStream(state), _LockstepRecvStream(state)


def lockstep_stream_pair() -> tuple[
    StapledStream[SendStream, RecvStream], StapledStream[SendStream, RecvStream]
]:
    """Two connected two-way streams made of two :func:`lockstep_stream_one_way_pair`;
    half-closeable.  Not a checkpoint.

    Returns:
        ``(left, right)``.
    """
    return _staple_pair(lockstep_stream_one_way_pair(), lockstep_stream_one_way_pair())
