"""Generic helpers: StapledStream (a send stream and a receive stream joined into one
two-way stream) and aclose_forcefully."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, final

import trio_core

from .abc import AsyncResource, HalfCloseableStream, RecvStream, SendStream, Stream

__all__ = ["StapledStream", "aclose_forcefully"]


async def aclose_forcefully(resource: AsyncResource | Any) -> None:
    """Close ``resource`` at once: its graceful close, run in a cancelled scope.

    Modern Trio's spelling of the seed's ``resource.forceful_close()``, and it
    works on every resource: one written for the seed (whose graceful close,
    cancelled, closes forcefully) and one written for modern Trio (which has
    only ``aclose``).  Any object with an ``aclose`` method is accepted, as in
    Trio.  A checkpoint (the cancelled close yields, then the
    :exc:`~trio_core.Cancelled` it raises is absorbed here).

    Args:
        resource: an :class:`~trio_streams.abc.AsyncResource`, or any object
            with an async ``aclose()``.

    Raises:
        TypeError: if ``resource`` has no ``aclose`` method.
        Exception: whatever closing raises, other than the cancellation.
    """
    close: Any
    if isinstance(resource, AsyncResource):
        close = resource.graceful_close
    else:
        close = getattr(resource, "aclose", None)
        if close is None or not callable(close):
            raise TypeError(
                f"aclose_forcefully needs an AsyncResource or an object with an async "
                f"aclose() method, got {resource!r}"
            )
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await close()


SendStreamT = TypeVar("SendStreamT", bound=SendStream)
RecvStreamT = TypeVar("RecvStreamT", bound=RecvStream)


@final
class StapledStream(HalfCloseableStream, Generic[SendStreamT, RecvStreamT]):
    """A two-way stream made of a :class:`~trio_streams.abc.SendStream` and a
    :class:`~trio_streams.abc.RecvStream`; what :meth:`Stream.staple
    <trio_streams.abc.Stream.staple>` returns.

    Sending goes to :attr:`send_stream`, receiving comes from
    :attr:`recv_stream` (modern Trio's name: :attr:`receive_stream`, the same
    attribute).  It is half-closeable: :meth:`send_eof` ends
    :attr:`send_stream` (with its own ``send_eof`` if it has a one-way or
    half-closeable one, else by closing it gracefully) and leaves
    :attr:`recv_stream` alone.  Busy, closed and broken errors come from the
    two streams themselves.  As in modern Trio, the class is generic in the
    types of the two streams: ``StapledStream[MemorySendStream, MemoryRecvStream]``.

    Args:
        send_stream: where ``sendall``, ``wait_maybe_writable`` and ``send_eof`` go.
        recv_stream: where ``recv`` comes from.
        receive_stream: modern Trio's name for ``recv_stream``
            (``StapledStream(send_stream=s, receive_stream=r)``); give one of the two.

    Raises:
        TypeError: if the arguments are of the wrong types, or the receive
            stream is given under both names (or neither).
    """

    __slots__ = ("send_stream", "recv_stream")

    send_stream: SendStreamT
    recv_stream: RecvStreamT

    def __init__(
        self,
        send_stream: SendStreamT,
        recv_stream: RecvStreamT | None = None,
        *,
        receive_stream: RecvStreamT | None = None,
    ) -> None:
        if not isinstance(send_stream, SendStream):
            raise TypeError(
                f"send_stream must be a trio_streams.abc.SendStream, got {send_stream!r}"
            )
        if recv_stream is not None and receive_stream is not None:
            raise TypeError(
                "recv_stream and receive_stream are two names of one argument; give only one"
            )
        receiver = recv_stream if recv_stream is not None else receive_stream
        if not isinstance(receiver, RecvStream):
            raise TypeError(
                f"recv_stream (or receive_stream) must be a trio_streams.abc.RecvStream, "
                f"got {receiver!r}"
            )
        self.send_stream = send_stream
        self.recv_stream = receiver

    @property
    def receive_stream(self) -> RecvStreamT:
        """Modern Trio's name for :attr:`recv_stream` (the same attribute; settable)."""
        return self.recv_stream

    @receive_stream.setter
    def receive_stream(self, stream: RecvStreamT) -> None:
        self.recv_stream = stream

    def __repr__(self) -> str:
        return f"<StapledStream send_stream={self.send_stream!r} recv_stream={self.recv_stream!r}>"

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        """Send ``data`` on :attr:`send_stream` (see :meth:`SendStream.sendall
        <trio_streams.abc.SendStream.sendall>`).  A checkpoint."""
        await self.send_stream.sendall(data)

    async def wait_maybe_writable(self) -> None:
        """Wait until :attr:`send_stream` might take data without blocking.
        A checkpoint."""
        await self.send_stream.wait_maybe_writable()

    async def send_eof(self) -> None:
        """End :attr:`send_stream`; :attr:`recv_stream` keeps working.

        Uses the send stream's own ``send_eof`` when it is a one-way stream or a
        half-closeable one; a two-way stream that cannot half-close is closed
        gracefully instead (this stapled stream only sends on it).  A checkpoint.
        """
        stream = self.send_stream
        if isinstance(stream, Stream) and not isinstance(stream, HalfCloseableStream):
            await stream.graceful_close()
        else:
            await stream.send_eof()

    async def recv(self, max_bytes: int) -> bytes:
        """Receive up to ``max_bytes`` bytes from :attr:`recv_stream` (see
        :meth:`RecvStream.recv <trio_streams.abc.RecvStream.recv>`, whose
        errors it raises).  A checkpoint."""
        return await self.recv_stream.recv(max_bytes)

    def forceful_close(self) -> None:
        """Close both streams forcefully.  Not a checkpoint."""
        try:
            self.send_stream.forceful_close()
        finally:
            self.recv_stream.forceful_close()

    async def graceful_close(self) -> None:
        """Close both streams gracefully (the send stream first).  A checkpoint.

        Both are closed even if closing the first fails or is cancelled.
        """
        try:
            await self.send_stream.graceful_close()
        finally:
            await self.recv_stream.graceful_close()
