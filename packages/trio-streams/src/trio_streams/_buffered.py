"""A buffered reader over any receive stream: lines, delimited messages, exact sizes.

Design
------
:class:`BufferedRecvStream` wraps one :class:`~trio_streams.abc.RecvStream`
and keeps the bytes it has received but not yet handed out in a buffer.  The
rules it is built on, so that a caller can reason about every path:

* **A message operation either returns a whole message or consumes nothing.**
  :meth:`~BufferedRecvStream.receive_until` and
  :meth:`~BufferedRecvStream.receive_exactly` take bytes out of the buffer
  only when they return.  When they raise (the limit was hit, the stream ended
  in the middle of a message, the task was cancelled, the transport broke),
  every byte received so far is still in the buffer, readable with
  :meth:`~BufferedRecvStream.recv` or another message operation.
* **Bytes go into the buffer the moment they arrive.**  Each read from the
  transport is stored before the next checkpoint, so a cancelled
  ``receive_until`` loses nothing: the next call picks up where it stopped
  (and does not scan again what it has already scanned).
* **The buffer has a hard limit** (``max_buffer_size``).  The reader never
  asks the transport for more than fits, so a peer that sends a line without
  an end cannot make it grow past the limit; it gets
  :exc:`MessageTooLongError`, which names the limit.
* **The end of the stream is ``b""`` at a message boundary, and an error
  inside a message.**  Messages include their delimiter, so ``b""`` can only
  mean "the stream ended cleanly between messages"; a stream that ends part-way
  through one raises :exc:`IncompleteMessageError`, which carries the partial
  data (and leaves it in the buffer, by the first rule).
* Every operation is a checkpoint (also when the buffer already holds the
  answer), and one task at a time may receive: a second gets
  :exc:`trio_core.BusyResourceError`.

Line iteration is a method, :meth:`~BufferedRecvStream.lines`, not
``async for line in reader``: a ``BufferedRecvStream`` is a
:class:`~trio_streams.abc.RecvStream`, and every receive stream's ``async for``
yields chunks; changing that here would surprise code that takes any stream.
"""

from __future__ import annotations

import reprlib
from typing import Final, Self, final

import trio_core
from trio_core.lowlevel import checkpoint

from ._arguments import check_max_bytes
from .abc import DEFAULT_RECV_CHUNK, RecvStream

__all__ = [
    "BufferedRecvStream",
    "BufferedReceiveStream",
    "MessageTooLongError",
    "IncompleteMessageError",
    "DEFAULT_MAX_BUFFER_SIZE",
]

#: The default hard limit on what a :class:`BufferedRecvStream` buffers (64 KiB,
#: as asyncio's ``StreamReader``), and so the default longest message.
DEFAULT_MAX_BUFFER_SIZE: Final[int] = 65536


class MessageTooLongError(Exception):
    """Raised when a message does not fit in the limit a reader was given.

    :meth:`BufferedRecvStream.receive_until` raises it when ``max_bytes``
    bytes (by default the reader's ``max_buffer_size``) have arrived without
    the delimiter; :meth:`BufferedRecvStream.receive_exactly` when the size
    asked for is larger than the reader's ``max_buffer_size``.  Nothing is
    consumed: the bytes received so far stay in the buffer.  The stream is
    still usable; a protocol usually closes it, since the peer broke its rules.

    Attributes:
        limit: the limit that was hit, in bytes.
        buffered: how many bytes the buffer held when it was raised.
    """

    def __init__(self, message: str, *, limit: int, buffered: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.buffered = buffered


class IncompleteMessageError(EOFError):
    """Raised when the stream ends in the middle of a message.

    That is: :meth:`BufferedRecvStream.receive_until` saw the end of the
    stream after some bytes but before the delimiter, or
    :meth:`BufferedRecvStream.receive_exactly` after some but not all of the
    bytes it needed.  (At a message boundary, the end of the stream is not an
    error: those methods return ``b""``.)  It subclasses :exc:`EOFError`.

    The partial data is in ``partial``, and also stays in the reader's buffer,
    so ``await reader.recv(n)`` still returns it (and then ``b""``).

    Attributes:
        partial: the bytes that arrived before the end (a copy).
    """

    def __init__(self, message: str, *, partial: bytes) -> None:
        super().__init__(message)
        self.partial = partial


def _check_delimiter(delimiter: object) -> bytes:
    if isinstance(delimiter, bytes):
        value = delimiter
    elif isinstance(delimiter, (bytearray, memoryview)):
        value = bytes(delimiter)
    else:
        hint = "; encode text first, e.g. b'\\n' or '\\r\\n'.encode()"
        raise TypeError(
            f"delimiter must be bytes, got {reprlib.repr(delimiter)} "
            f"(of type {type(delimiter).__name__})" + (hint if isinstance(delimiter, str) else "")
        )
    if not value:
        raise ValueError(
            "delimiter must not be empty; pass the bytes that end a message, e.g. b'\\n'"
        )
    return value


def _check_size(value: object, what: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"{what} must be an int, got {reprlib.repr(value)} (of type {type(value).__name__})"
        )
    if value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {value!r}")
    return value


@final
class BufferedRecvStream(RecvStream):
    """A receive stream with a buffer: read lines, delimited messages and exact sizes.

    Wraps any :class:`~trio_streams.abc.RecvStream` (a socket or TLS stream,
    a memory stream, a process pipe).  Once wrapped, receive only through the
    wrapper: it may hold bytes the transport has already delivered.  Closing
    the wrapper closes the transport.  For a two-way stream, send on the
    stream itself and receive on the wrapper.

    * :meth:`receive_until` returns the next message ending in a delimiter
      (the delimiter included); :meth:`lines` iterates over them.
    * :meth:`receive_exactly` returns exactly ``n`` bytes.
    * :meth:`recv` (and ``async for chunk in reader``) returns what is
      buffered first, then reads the transport.

    A message operation returns a whole message or consumes nothing (see the
    module documentation); a stream that ends part-way through a message
    raises :exc:`IncompleteMessageError`; a message longer than the limit
    raises :exc:`MessageTooLongError`.  Every method that receives is a
    checkpoint, and is safe to cancel: nothing received is lost.

    Args:
        transport_stream: the stream to read from.
        max_buffer_size: the hard limit on how many bytes are buffered, and
            so the longest message :meth:`receive_until` and
            :meth:`receive_exactly` can return (default 64 KiB).
        read_size: how many bytes to ask the transport for at a time (at most;
            never more than fits in the buffer).  Default 64 KiB.

    Raises:
        TypeError: if ``transport_stream`` is not a
            :class:`~trio_streams.abc.RecvStream`, or a size is not an int.
        ValueError: if a size is less than 1.
    """

    __slots__ = (
        "_transport",
        "_buffer",
        "_max_buffer_size",
        "_read_size",
        "_eof",
        "_closed",
        "_busy",
        "_scanned",
        "_scanned_for",
    )

    def __init__(
        self,
        transport_stream: RecvStream,
        *,
        max_buffer_size: int = DEFAULT_MAX_BUFFER_SIZE,
        read_size: int = DEFAULT_RECV_CHUNK,
    ) -> None:
        if not isinstance(transport_stream, RecvStream):
            raise TypeError(
                "BufferedRecvStream wraps a trio_streams.abc.RecvStream (a SocketStream, "
                f"SSLStream, memory stream...), got {reprlib.repr(transport_stream)} "
                f"(of type {type(transport_stream).__name__})"
            )
        self._transport = transport_stream
        self._max_buffer_size = _check_size(max_buffer_size, "max_buffer_size", minimum=1)
        self._read_size = _check_size(read_size, "read_size", minimum=1)
        self._buffer = bytearray()
        self._eof = False
        self._closed = False
        self._busy = False
        # How far the buffer is known not to hold the start of ``_scanned_for``.
        self._scanned = 0
        self._scanned_for = b""

    def __repr__(self) -> str:
        return (
            f"<BufferedRecvStream over {self._transport!r}, {len(self._buffer)} bytes buffered "
            f"of at most {self._max_buffer_size}>"
        )

    @property
    def transport_stream(self) -> RecvStream:
        """The stream this reader reads from."""
        return self._transport

    @property
    def max_buffer_size(self) -> int:
        """The hard limit on the buffer, in bytes."""
        return self._max_buffer_size

    @property
    def buffered_size(self) -> int:
        """How many bytes have been received from the transport but not yet handed out."""
        return len(self._buffer)

    # --- the machinery -------------------------------------------------------

    def _enter(self, what: str) -> None:
        if self._closed:
            raise trio_core.ClosedResourceError("this BufferedRecvStream was closed")
        if self._busy:
            raise trio_core.BusyResourceError(
                f"another task is already receiving from this BufferedRecvStream "
                f"(in {what}); receive from one task at a time"
            )
        self._busy = True

    async def _checkpoint(self) -> None:
        # A checkpoint before handing out buffered bytes; a close during it wins.
        await checkpoint()
        if self._closed:
            raise trio_core.ClosedResourceError("this BufferedRecvStream was closed")

    def _take(self, n: int) -> bytes:
        buffer = self._buffer
        if n >= len(buffer):
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:n])
            del buffer[:n]  # O(1) at the front of a bytearray
        self._scanned = 0
        return data

    def _take_all(self) -> bytes:
        return self._take(len(self._buffer))

    async def _fill(self, want: int) -> bool:
        """Read once from the transport into the buffer; False at the end of the stream.

        Asks for at most what fits under the limit (the caller makes sure
        something does), and at least ``want`` if the read size is smaller.
        A checkpoint (the transport's ``recv`` is).
        """
        room = self._max_buffer_size - len(self._buffer)
        data = await self._transport.recv(min(max(self._read_size, want), room))
        if not data:
            self._eof = True
            return False
        self._buffer += data
        return True

    def _incomplete(self, expected: str) -> IncompleteMessageError:
        partial = bytes(self._buffer)
        return IncompleteMessageError(
            f"the stream ended in the middle of a message: {len(partial)} bytes arrived "
            f"but not {expected}; the partial data is in this error's .partial attribute "
            "and still in the reader's buffer",
            partial=partial,
        )

    # --- the API ---------------------------------------------------------------

    async def recv(self, max_bytes: int) -> bytes:
        """Receive some data: what is buffered first, else from the transport.

        Returns at least one byte and at most ``max_bytes``; when the buffer
        holds bytes, they are returned (up to ``max_bytes``) without reading
        the transport.  A checkpoint.

        Args:
            max_bytes: the most bytes to return; must be at least 1.

        Returns:
            The data, or ``b""`` at the end of the stream (once the buffer is empty).

        Raises:
            TypeError: if ``max_bytes`` is not an int (nothing is consumed).
            ValueError: if ``max_bytes`` is less than 1 (nothing is consumed).
            trio_core.BusyResourceError: if another task is receiving from this reader.
            trio_core.ClosedResourceError: if this reader was closed.
            BrokenStreamError: (and any other error of the transport's ``recv``)
                if the transport broke.
        """
        max_bytes = check_max_bytes(max_bytes)
        self._enter("recv")
        try:
            if self._buffer or self._eof:
                await self._checkpoint()
                return self._take(max_bytes)
            data = await self._transport.recv(max_bytes)
            if not data:
                self._eof = True
            return data
        finally:
            self._busy = False

    async def receive_until(
        self, delimiter: bytes | bytearray | memoryview, *, max_bytes: int | None = None
    ) -> bytes:
        """Receive the next message that ends with ``delimiter``, the delimiter included.

        ``await reader.receive_until(b"\\r\\n")`` returns ``b"HELO x\\r\\n"``.
        Returns a whole message or consumes nothing: on every error, the bytes
        received so far stay buffered.  A checkpoint, even when the buffer
        already holds the message; cancelling it loses nothing (the next call
        continues where this one stopped).

        Args:
            delimiter: the bytes that end a message (non-empty).
            max_bytes: the longest message accepted, delimiter included;
                default and maximum: the reader's ``max_buffer_size``.

        Returns:
            The message, ending with ``delimiter``; or ``b""`` if the stream
            ended with nothing buffered (cleanly, between messages).

        Raises:
            TypeError: if ``delimiter`` is not bytes (a str, say) or
                ``max_bytes`` is not an int.
            ValueError: if ``delimiter`` is empty, or ``max_bytes`` is less than
                the delimiter's length or more than ``max_buffer_size``.
            MessageTooLongError: if ``max_bytes`` bytes arrived without the
                delimiter (they stay buffered).
            IncompleteMessageError: if the stream ended after part of a
                message (which stays buffered, and is in the error's ``partial``).
            trio_core.BusyResourceError: if another task is receiving from this reader.
            trio_core.ClosedResourceError: if this reader was closed.
            BrokenStreamError: (and any other error of the transport's ``recv``)
                if the transport broke.
        """
        if type(delimiter) is bytes and delimiter and max_bytes is None:
            delim = delimiter  # the common case, checked faster
            limit = self._max_buffer_size
            if limit < len(delim):
                self._message_limit(max_bytes, len(delim))  # raises
        else:
            delim = _check_delimiter(delimiter)
            limit = self._message_limit(max_bytes, len(delim))
        if self._busy or self._closed:
            self._enter("receive_until")  # raises
        self._busy = True
        try:
            # The fast path: the message is already buffered.
            if self._scanned_for is delim or self._scanned_for == delim:
                index = self._buffer.find(delim, self._scanned, limit)
                if index >= 0:
                    await checkpoint()
                    if self._closed:
                        raise trio_core.ClosedResourceError("this BufferedRecvStream was closed")
                    return self._take(index + len(delim))
            return await self._receive_until(delim, limit)
        finally:
            self._busy = False

    def _message_limit(self, max_bytes: object, delimiter_length: int) -> int:
        if max_bytes is None:
            limit = self._max_buffer_size
        else:
            limit = _check_size(max_bytes, "max_bytes", minimum=1)
            if limit > self._max_buffer_size:
                raise ValueError(
                    f"max_bytes={limit} is more than this reader's max_buffer_size "
                    f"({self._max_buffer_size}), so it could never be reached; "
                    "create the BufferedRecvStream with a larger max_buffer_size"
                )
        if limit < delimiter_length:
            raise ValueError(
                f"max_bytes={limit} is shorter than the delimiter ({delimiter_length} bytes); "
                "no message could fit"
            )
        return limit

    async def _receive_until(self, delimiter: bytes, limit: int) -> bytes:
        buffer = self._buffer
        if self._scanned_for != delimiter:
            self._scanned_for = delimiter
            self._scanned = 0
        checkpointed = False
        while True:
            index = buffer.find(delimiter, self._scanned, limit)
            if index >= 0:
                if not checkpointed:
                    await self._checkpoint()
                return self._take(index + len(delimiter))
            # Nothing before here can start the delimiter (a later byte might complete it).
            self._scanned = max(0, min(len(buffer), limit) - len(delimiter) + 1)
            if len(buffer) >= limit:
                if not checkpointed:
                    await self._checkpoint()
                raise MessageTooLongError(
                    f"no {delimiter!r} in the first {limit} bytes received: the message is "
                    f"longer than the limit of {limit} bytes (max_bytes, or the reader's "
                    "max_buffer_size); the bytes stay buffered.  Raise the limit if such "
                    "messages are legitimate",
                    limit=limit,
                    buffered=len(buffer),
                )
            if self._eof or not await self._fill(0):
                if not checkpointed:
                    await self._checkpoint()
                if not buffer:
                    return b""
                raise self._incomplete(f"the delimiter {delimiter!r}")
            checkpointed = True

    async def receive_exactly(self, n: int) -> bytes:
        """Receive exactly ``n`` bytes.

        Returns them all or consumes nothing: on every error, the bytes
        received so far stay buffered.  A checkpoint, even when the buffer
        already holds them (and for ``n == 0``); cancelling it loses nothing.

        Args:
            n: how many bytes; at least 0, at most the reader's ``max_buffer_size``.

        Returns:
            ``n`` bytes; or ``b""`` if the stream ended with nothing buffered
            (cleanly, between messages).  ``receive_exactly(0)`` returns ``b""``
            without looking at the stream.

        Raises:
            TypeError: if ``n`` is not an int.
            ValueError: if ``n`` is negative.
            MessageTooLongError: if ``n`` is more than ``max_buffer_size``
                (before anything is received: a length read off the wire
                cannot make the reader allocate without bound).
            IncompleteMessageError: if the stream ended after some but not all
                of the bytes (which stay buffered, and are in the error's ``partial``).
            trio_core.BusyResourceError: if another task is receiving from this reader.
            trio_core.ClosedResourceError: if this reader was closed.
            BrokenStreamError: (and any other error of the transport's ``recv``)
                if the transport broke.
        """
        n = _check_size(n, "n", minimum=0)
        if n > self._max_buffer_size:
            raise MessageTooLongError(
                f"receive_exactly({n}) asks for more than this reader's max_buffer_size "
                f"({self._max_buffer_size}); create the BufferedRecvStream with a larger "
                "max_buffer_size if such messages are legitimate",
                limit=self._max_buffer_size,
                buffered=len(self._buffer),
            )
        self._enter("receive_exactly")
        try:
            checkpointed = False
            while len(self._buffer) < n:
                if self._eof or not await self._fill(n - len(self._buffer)):
                    if not checkpointed:
                        await self._checkpoint()
                    if not self._buffer:
                        return b""
                    raise self._incomplete(f"the {n} asked for")
                checkpointed = True
            if not checkpointed:
                await self._checkpoint()
            return self._take(n)
        finally:
            self._busy = False

    def lines(
        self,
        delimiter: bytes | bytearray | memoryview = b"\n",
        *,
        max_bytes: int | None = None,
        keep_delimiter: bool = False,
        allow_unterminated: bool = False,
    ) -> LineIterator:
        """Iterate over the messages ending in ``delimiter``: ``async for line in reader.lines():``.

        Each step is :meth:`receive_until` (so a checkpoint, with its limits
        and errors); the iteration ends when the stream ends at a message
        boundary.  Not a checkpoint itself (it returns the iterator at once).

        Args:
            delimiter: what ends a line (default ``b"\\n"``; ``b"\\r\\n"`` for
                network protocols).  The arguments are checked here, at once.
            max_bytes: the longest line, as for :meth:`receive_until`.
            keep_delimiter: if true, each line keeps its delimiter (as
                :meth:`receive_until` returns it); by default it is removed.
            allow_unterminated: if true, data after the last delimiter at the
                end of the stream is yielded as a last line (without a
                delimiter, which ``keep_delimiter=True`` lets you notice);
                by default it raises :exc:`IncompleteMessageError`.

        Returns:
            An async iterator of ``bytes``.

        Raises:
            TypeError: if ``delimiter`` is not bytes or ``max_bytes`` not an int.
            ValueError: if ``delimiter`` is empty or ``max_bytes`` out of range.
        """
        delim = _check_delimiter(delimiter)
        limit = self._message_limit(max_bytes, len(delim))
        return LineIterator(
            self,
            delim,
            limit,
            keep_delimiter=keep_delimiter,
            allow_unterminated=allow_unterminated,
        )

    def forceful_close(self) -> None:
        """Close the reader and its transport at once, dropping what is buffered.

        Not a checkpoint; idempotent.  A task blocked in the reader wakes with
        :exc:`trio_core.ClosedResourceError` (from the transport).
        """
        self._closed = True
        self._buffer.clear()
        self._transport.forceful_close()

    async def graceful_close(self) -> None:
        """Close the reader (dropping what is buffered) and its transport, gracefully.

        A checkpoint; idempotent.  If cancelled, the transport is still closed.
        """
        self._closed = True
        self._buffer.clear()
        await self._transport.graceful_close()


@final
class LineIterator:
    """What :meth:`BufferedRecvStream.lines` returns: an async iterator of lines.

    It has no public constructor: call :meth:`BufferedRecvStream.lines`.
    Each ``__anext__`` is one
    :meth:`BufferedRecvStream.receive_until` (a checkpoint).
    """

    __slots__ = ("_reader", "_delimiter", "_limit", "_keep", "_allow_unterminated", "_done")

    def __init__(
        self,
        reader: BufferedRecvStream,
        delimiter: bytes,
        limit: int,
        *,
        keep_delimiter: bool,
        allow_unterminated: bool,
    ) -> None:
        self._reader = reader
        self._delimiter = delimiter
        self._limit = limit
        self._keep = keep_delimiter
        self._allow_unterminated = allow_unterminated
        self._done = False

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        """The next line.  A checkpoint.

        Raises:
            StopAsyncIteration: at the end of the stream (ending ``async for``).

        Any other error is :meth:`BufferedRecvStream.receive_until`'s.
        """
        if self._done:
            await checkpoint()
            raise StopAsyncIteration
        try:
            line = await self._reader.receive_until(self._delimiter, max_bytes=self._limit)
        except IncompleteMessageError:
            if not self._allow_unterminated:
                raise
            # receive_until has checkpointed, and left the partial line buffered.
            self._done = True
            return self._reader._take_all()
        if not line:
            self._done = True
            raise StopAsyncIteration
        return line if self._keep else line[: -len(self._delimiter)]


#: The same class, under the name a modern Trio reader expects.
BufferedReceiveStream = BufferedRecvStream
