"""The seed's all-or-report sends: ``SocketType.sendall`` and ``sendfile``.

Either everything is sent, or the exception (an error, or Cancelled) carries
a ``partial_result`` whose ``bytes_sent`` says exactly how much the OS took.
The two functions are :class:`~trio_socket.SocketType` methods (the class
assigns them), kept here with the :class:`PartialResult` they report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, final

from trio_core.lowlevel import cancel_shielded_checkpoint, checkpoint_if_cancelled, wait_writable

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from ._socket import SocketType

__all__ = ["PartialResult"]


@final
@dataclass(frozen=True, slots=True)
class PartialResult:
    """Attached as ``.partial_result`` to an exception from ``sendall`` or ``sendfile``.

    Args:
        bytes_sent: how many bytes the operating system accepted before the
            error or cancellation.

    Plain data; making one does no I/O.  Not a checkpoint.
    """

    #: How many bytes the operating system accepted before the error or cancellation.
    bytes_sent: int


def _attach_partial_result(exc: BaseException, bytes_sent: int) -> None:
    try:
        exc.partial_result = PartialResult(bytes_sent)  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - an exception type with __slots__
        pass


def _byte_view(data: Any) -> memoryview:
    view = memoryview(data)
    if view.format == "B" and view.ndim == 1 and view.c_contiguous:
        return view
    if view.c_contiguous:
        return view.cast("B")
    # A non-contiguous view (a slice with a step, say): send a contiguous copy.
    return memoryview(view.tobytes())


async def sendall(self: SocketType, data: ReadableBuffer, flags: int = 0) -> None:
    """Send all of ``data``, waiting while the OS buffer is full.  A checkpoint.

    Args:
        data: the bytes-like object to send.
        flags: ``MSG_*`` flags, as for :meth:`socket.socket.send` (default 0).

    Raises:
        OSError: if the connection fails.
        Cancelled: if cancelled.

    Either way, the exception has a ``partial_result`` attribute whose
    ``bytes_sent`` says exactly how many bytes the OS accepted.
    """
    sent = 0
    try:
        await checkpoint_if_cancelled()
        try:
            view = _byte_view(data)
        except BaseException:
            await cancel_shielded_checkpoint()  # a checkpoint even when it fails at once
            raise
        total = len(view)
        sock = self._sock
        waited = False
        while True:
            # At least one send, even of nothing, so that sendall(b"") on a
            # closed or unconnected socket fails as the standard library's does.
            try:
                sent += sock.send(view[sent:] if sent else view, flags)
            except BlockingIOError:
                waited = True
                await wait_writable(sock)
                continue
            except BaseException:
                if not waited:
                    await cancel_shielded_checkpoint()  # failed at once: still a checkpoint
                raise
            if sent >= total:
                break
        if not waited:
            await cancel_shielded_checkpoint()
    except BaseException as exc:
        _attach_partial_result(exc, sent)
        raise


async def sendfile(
    self: SocketType, file: BinaryIO, offset: int = 0, count: int | None = None
) -> int:
    """Send ``count`` bytes (default: to the end) of ``file`` from ``offset``.

    Uses ``os.sendfile`` (zero-copy) where available.  Like the standard
    library's, it leaves the file position just after the last byte sent
    and returns the number of bytes sent.  A checkpoint.

    Args:
        file: a file opened in binary mode.
        offset: where in ``file`` to start (default 0).
        count: how many bytes to send (default None: to the end).

    Raises:
        ValueError: if ``offset`` is negative or ``count`` is not positive.
        OSError: on failure; as with :meth:`SocketType.sendall`, the exception's
            ``partial_result.bytes_sent`` says how much was sent.
    """
    await checkpoint_if_cancelled()
    try:
        if offset < 0:
            raise ValueError(f"offset must be >= 0, got {offset}")
        if count is not None and count <= 0:
            raise ValueError(f"count must be a positive int or None, got {count}")
    except BaseException:
        await cancel_shielded_checkpoint()  # a checkpoint even when it fails at once
        raise
    sent = 0
    try:
        try:
            in_fd = file.fileno()
        except (AttributeError, OSError):
            in_fd = -1
        if hasattr(os, "sendfile") and in_fd >= 0:
            size = os.fstat(in_fd).st_size
            remaining = (size - offset) if count is None else min(count, size - offset)
            sock = self._sock
            while remaining > 0:
                try:
                    n = os.sendfile(sock.fileno(), in_fd, offset + sent, min(remaining, 2**30))
                except BlockingIOError:
                    await wait_writable(sock)
                    continue
                if n == 0:
                    break  # the file shrank
                sent += n
                remaining -= n
        else:
            file.seek(offset)
            while count is None or sent < count:
                chunk = file.read(65536 if count is None else min(65536, count - sent))
                if not chunk:
                    break
                try:
                    await self.sendall(chunk)
                except BaseException as exc:
                    sent += getattr(exc, "partial_result", PartialResult(0)).bytes_sent
                    raise
                sent += len(chunk)
        await cancel_shielded_checkpoint()
    except BaseException as exc:
        _attach_partial_result(exc, sent)
        if isinstance(exc, Exception):
            # Perhaps failed before any wait (a bad file, say): still a
            # checkpoint.  After a wait, one more yield does no harm.
            await cancel_shielded_checkpoint()
        raise
    finally:
        if sent or hasattr(file, "seek"):
            try:
                file.seek(offset + sent)
            except (OSError, ValueError):
                pass
    return sent
