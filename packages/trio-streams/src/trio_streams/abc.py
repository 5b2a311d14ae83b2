"""trio_streams.abc: the abstract stream API, with the seed's names.

Exposed as ``trio.abc``.  The classes:

* :class:`AsyncResource`: something that must be closed
  (:meth:`~AsyncResource.forceful_close`, :meth:`~AsyncResource.graceful_close`,
  ``async with``).
* :class:`SendStream`: :meth:`~SendStream.sendall`,
  :meth:`~SendStream.wait_maybe_writable`, :meth:`~SendStream.send_eof`.
* :class:`RecvStream`: :meth:`~RecvStream.recv`, and ``async for chunk in stream``.
* :class:`Stream`: both directions; :meth:`Stream.staple` joins a send stream
  and a receive stream into one.
* :class:`HalfCloseableStream`: a :class:`Stream` whose ``send_eof`` closes the
  sending direction only (see below).
* :class:`Listener`: :meth:`~Listener.accept` returns a new :class:`Stream`.

Where ``send_eof`` lives
------------------------
As in the seed, ``send_eof`` is declared on :class:`SendStream`: "no more data
will be sent; the peer's ``recv`` returns ``b""`` once it has everything sent
before".  For a one-way send stream this is always possible (the stream simply
ends).  For a two-way :class:`Stream` it is a *half-close*: the receiving
direction keeps working.  Not every protocol can do that (TLS cannot close one
direction of a session without ending the session), so the guarantee is
carried by a marker class: a stream that is an instance of
:class:`HalfCloseableStream` promises a true half-close; any other
:class:`Stream`'s ``send_eof`` may raise :exc:`NotImplementedError` (whose
message names the alternative, ``graceful_close``).  Check with
``isinstance(stream, HalfCloseableStream)``.

The rules every implementation follows
--------------------------------------
(and that :mod:`trio_streams.testing`'s conformance checkers verify):

* two tasks in ``sendall`` (or ``wait_maybe_writable`` or ``send_eof``) at
  once, or two tasks in ``recv`` at once, on one stream: the second raises
  :exc:`trio_core.BusyResourceError`;
* using a stream after closing it raises :exc:`trio_core.ClosedResourceError`;
  closing it while another task is blocked in it wakes that task with
  :exc:`~trio_core.ClosedResourceError`; closing twice is fine;
* a peer that vanished (reset, protocol error) gives
  :exc:`~trio_streams.BrokenStreamError`;
* a ``sendall`` that is cancelled part-way leaves the stream broken (later
  ``sendall`` calls raise :exc:`~trio_streams.BrokenStreamError`) rather than
  letting the peer see a silently truncated message followed by more data;
* ``recv`` returns ``b""`` only at the end of the stream, and then keeps
  returning ``b""``; ``recv(max_bytes)`` with ``max_bytes < 1`` raises
  :exc:`ValueError` (and with a ``max_bytes`` that is not an int,
  :exc:`TypeError`);
* ``sendall``, ``recv``, ``send_eof``, ``wait_maybe_writable``, ``accept`` and
  ``graceful_close`` are checkpoints.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Self, TypeVar

from trio_core.lowlevel import checkpoint

if TYPE_CHECKING:
    from ._stapled import StapledStream

__all__ = [
    "AsyncResource",
    "SendStream",
    "RecvStream",
    "Stream",
    "HalfCloseableStream",
    "Listener",
]

#: How many bytes ``async for chunk in stream`` asks :meth:`RecvStream.recv` for.
DEFAULT_RECV_CHUNK: int = 65536


class AsyncResource(ABC):
    """Something that holds a resource (a socket, a TLS session...) and must be closed.

    ``async with resource:`` closes it gracefully on the way out.
    """

    __slots__ = ()

    @abstractmethod
    def forceful_close(self) -> None:
        """Close this resource at once.

        Never blocks and is not a checkpoint, but (depending on the resource)
        the shutdown may be rude: a TLS stream skips its ``close_notify``, for
        instance.  Idempotent: closing a closed resource does nothing.  Tasks
        blocked in the resource wake with :exc:`trio_core.ClosedResourceError`.
        """

    async def graceful_close(self) -> None:
        """Close this resource, gracefully.

        May block to shut down politely (a TLS stream sends its
        ``close_notify``, for instance).  If cancelled, the resource is still
        closed (forcefully) before :exc:`~trio_core.Cancelled` propagates.
        Idempotent.  A checkpoint.

        The default implementation, as the seed specifies, is
        :meth:`forceful_close` followed by a checkpoint; subclasses with a
        polite shutdown override it.
        """
        self.forceful_close()
        await checkpoint()

    async def __aenter__(self) -> Self:
        """Return this resource, for ``async with``.  Not a checkpoint (it does not yield)."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close this resource with :meth:`graceful_close` on leaving ``async with``.

        A checkpoint.  The exception (if any) leaving the block, given as
        ``exc_type``, ``exc_value`` and ``traceback``, is not suppressed.
        """
        await self.graceful_close()


class SendStream(AsyncResource):
    """The sending half of a byte stream."""

    __slots__ = ()

    @abstractmethod
    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        """Send all of ``data``, blocking until the stream has accepted every byte.

        Accepted means handed on (to the kernel, the transport, a buffer), not
        necessarily received by the peer.  A checkpoint, even for ``b""``.

        Args:
            data: the bytes to send (any bytes-like object; it is not modified).

        Raises:
            TypeError: if ``data`` is not a bytes-like object (nothing is sent).
            trio_core.BusyResourceError: if another task is already in
                ``sendall``, ``wait_maybe_writable`` or ``send_eof`` of this stream.
            trio_core.ClosedResourceError: if this stream was closed (or
                ``send_eof`` was called), before or during the call.
            BrokenStreamError: if the peer vanished, or an earlier ``sendall``
                was cancelled part-way through.
        """

    @abstractmethod
    async def wait_maybe_writable(self) -> None:
        """Block until a ``sendall`` might make progress without blocking.

        "Might": it may also return early.  Useful to delay deciding *what* to
        send until the stream can take it.  A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is in ``sendall``,
                ``wait_maybe_writable`` or ``send_eof`` of this stream.
            trio_core.ClosedResourceError: if this stream was closed.
            BrokenStreamError: if the stream is broken.
        """

    @abstractmethod
    async def send_eof(self) -> None:
        """Tell the peer that no more data will come.

        Everything sent before still arrives; then the peer's ``recv`` returns
        ``b""``.  Later ``sendall`` calls raise
        :exc:`~trio_core.ClosedResourceError`.  Calling it again does nothing.
        On a two-way :class:`Stream` this is a half-close (receiving still
        works) if and only if the stream is a :class:`HalfCloseableStream`;
        other two-way streams may raise :exc:`NotImplementedError`.
        A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is in ``sendall``,
                ``wait_maybe_writable`` or ``send_eof`` of this stream.
            trio_core.ClosedResourceError: if this stream was closed.
            BrokenStreamError: if the stream is broken.
            NotImplementedError: if this two-way stream cannot half-close.
        """


class RecvStream(AsyncResource):
    """The receiving half of a byte stream.

    ``async for chunk in stream:`` receives chunks until the end of the stream.
    """

    __slots__ = ()

    @abstractmethod
    async def recv(self, max_bytes: int) -> bytes:
        """Receive some data: at least one byte and at most ``max_bytes``.

        Blocks until data is available.  A checkpoint.

        Args:
            max_bytes: the most bytes to return; must be at least 1.

        Returns:
            The data, or ``b""`` at the end of the stream (and on every call
            after that).  Never ``b""`` otherwise.

        Raises:
            TypeError: if ``max_bytes`` is not an int (nothing is consumed).
            ValueError: if ``max_bytes`` is less than 1 (nothing is consumed).
            trio_core.BusyResourceError: if another task is in ``recv`` of this stream.
            trio_core.ClosedResourceError: if this stream was closed, before or
                during the call.
            BrokenStreamError: if the peer vanished or the stream is corrupt.
        """

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        """The next chunk, from ``recv(DEFAULT_RECV_CHUNK)``.  A checkpoint.

        Raises:
            StopAsyncIteration: at the end of the stream (ending ``async for``).

        Any other error is :meth:`recv`'s.
        """
        data = await self.recv(DEFAULT_RECV_CHUNK)
        if not data:
            raise StopAsyncIteration
        return data


class Stream(SendStream, RecvStream):
    """A two-way byte stream: a :class:`SendStream` and a :class:`RecvStream` in one."""

    __slots__ = ()

    @staticmethod
    def staple(send_stream: SendStream, recv_stream: RecvStream) -> StapledStream:
        """Join two one-way streams into one two-way stream.

        The result sends on ``send_stream`` and receives on ``recv_stream``;
        closing it closes both.  It is a :class:`HalfCloseableStream`: its
        ``send_eof`` ends ``send_stream`` only.

        Not a checkpoint.

        Args:
            send_stream: where ``sendall`` and ``send_eof`` go.
            recv_stream: where ``recv`` comes from.

        Returns:
            A :class:`~trio_streams.StapledStream`.

        Raises:
            TypeError: if the arguments are not a :class:`SendStream` and a
                :class:`RecvStream`.
        """
        from ._stapled import StapledStream

        return StapledStream(send_stream, recv_stream)


class HalfCloseableStream(Stream):
    """A :class:`Stream` whose :meth:`~SendStream.send_eof` closes only the sending
    direction: after it, :meth:`~RecvStream.recv` keeps receiving what the peer sends.

    It adds no methods; it is the promise, checked with ``isinstance``.
    """

    __slots__ = ()


StreamT_co = TypeVar("StreamT_co", bound=Stream, covariant=True)


class Listener(AsyncResource, Generic[StreamT_co]):
    """Something that accepts incoming connections, each as a new :class:`Stream`.

    One task at a time waits in :meth:`accept` (a second one gets
    :exc:`~trio_core.BusyResourceError`; run one accept loop per listener, as
    :func:`~trio_streams.serve_listeners` does).  Closing the listener wakes
    the waiting task with :exc:`~trio_core.ClosedResourceError`; streams
    already accepted stay open.
    """

    __slots__ = ()

    @abstractmethod
    async def accept(self) -> StreamT_co:
        """Wait for the next incoming connection and return it as a stream.

        A checkpoint.

        Returns:
            The new stream; the caller owns it and must close it.

        Raises:
            trio_core.BusyResourceError: if another task is in ``accept``.
            trio_core.ClosedResourceError: if the listener was closed, before or
                during the call.
            OSError: for errors of the operating system (out of file
                descriptors, say); the listener stays usable.
        """
