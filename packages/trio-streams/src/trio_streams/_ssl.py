"""SSLStream: TLS over any Stream (ssl.MemoryBIO + ssl.SSLObject), and SSLListener."""

from __future__ import annotations

import enum
import ssl
from collections.abc import Callable
from typing import Any, Final, Generic, Literal, NoReturn, TypeVar, TypeVarTuple, final, overload

import trio_core
from trio_core.lowlevel import (
    ParkingLot,
    cancel_shielded_checkpoint,
    checkpoint,
    checkpoint_if_cancelled,
)

from ._arguments import byte_view, check_max_bytes
from ._exceptions import BrokenStreamError, NeedHandshakeError
from .abc import Listener, Stream

__all__ = ["SSLStream", "SSLListener"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
TransportT_co = TypeVar("TransportT_co", bound=Stream, covariant=True)

# How much to ask the transport for per read (TLS records are at most ~16 KiB,
# but a bulk transfer delivers many at once), and the largest plaintext slice
# encrypted per step (bounds the outgoing buffer for huge sendall calls).
_TRANSPORT_RECV_SIZE: Final = 256 * 1024
_MAX_WRITE: Final = 256 * 1024


class _State(enum.Enum):
    OK = "open"
    BROKEN = "broken"
    CLOSED = "closed"


_OK: Final = _State.OK
_BROKEN: Final = _State.BROKEN
_CLOSED: Final = _State.CLOSED


@final
class SSLStream(Stream, Generic[TransportT_co]):
    """A TLS session over any two-way :class:`~trio_streams.abc.Stream`.

    Encryption runs in memory (:class:`ssl.MemoryBIO` and
    :class:`ssl.SSLObject`), so the transport may be a
    :class:`~trio_streams.SocketStream`, a memory stream, or even another
    SSLStream.  The handshake happens on the first ``sendall`` or ``recv`` (or
    an explicit :meth:`do_handshake`).  Hostname verification is whatever
    ``ssl_context`` says; :func:`ssl.create_default_context` verifies the
    certificate and the hostname, and then ``server_hostname`` is required on
    the client side.

    Closing: :meth:`graceful_close` sends a TLS ``close_notify`` alert (unless
    ``https_compatible``) without waiting for the peer's, then closes the
    transport gracefully.  A received ``close_notify`` makes :meth:`recv`
    return ``b""``; a transport that ends without one is a truncation attack
    as far as TLS can tell, so ``recv`` raises :exc:`BrokenStreamError`
    (unless ``https_compatible``).  This holds for TLS 1.2 and TLS 1.3 alike.
    TLS cannot close one direction only, so this is not a
    :class:`~trio_streams.abc.HalfCloseableStream`: :meth:`send_eof` raises
    :exc:`NotImplementedError`.

    Errors: TLS failures (a bad certificate, a wrong hostname, a protocol
    error) and transport failures raise :exc:`BrokenStreamError`, with the
    :exc:`ssl.SSLError` (or the transport's error) as ``__cause__``; after that
    every operation raises :exc:`BrokenStreamError`.  A ``sendall`` that fails
    or is cancelled part-way (part of a TLS record may have gone out) breaks
    the sending direction only: later ``sendall`` calls raise
    :exc:`BrokenStreamError`, but ``recv`` still returns what the peer sends
    (the last words of a peer that left, say).  A cancelled ``recv`` or
    handshake that was only waiting for the peer breaks nothing.

    As in modern Trio, the class is generic in the type of its transport
    (``SSLStream[SocketStream]``), and offers the session information of
    :class:`ssl.SSLObject` (:meth:`getpeercert`, :meth:`selected_alpn_protocol`,
    :meth:`cipher`, :meth:`shared_ciphers`, :meth:`compression`,
    :meth:`version`, :meth:`get_channel_binding`, :meth:`pending`,
    :attr:`session`, :attr:`session_reused`).  :meth:`forceful_close` needs a
    transport that can close synchronously (one written for modern Trio, with
    only ``aclose``, cannot: use :func:`~trio_streams.aclose_forcefully`).

    Args:
        transport_stream: the stream to run TLS over; the SSLStream owns it
            (closing one closes the other) until :meth:`unwrap`.
        ssl_context: the :class:`ssl.SSLContext` to use.
        server_side: ``True`` for the server end of the session.
        server_hostname: the name the server's certificate must match (also
            sent as SNI); client side only.
        https_compatible: ``True`` to neither send nor require ``close_notify``
            (what HTTPS peers expect; the HTTP layer detects truncation itself).

    Raises:
        TypeError: if ``transport_stream`` is not a Stream or ``ssl_context``
            is not an SSLContext.
        ValueError: if the context checks hostnames but no ``server_hostname``
            was given on the client side, or one was given on the server side.
    """

    __slots__ = (
        "transport_stream",
        "_context",
        "_server_side",
        "_https_compatible",
        "_incoming",
        "_outgoing",
        "_obj",
        "_state",
        "_send_failure",
        "_unwrapped",
        "_handshook",
        "_handshaking",
        "_handshake_lot",
        "_send_busy",
        "_recv_busy",
        "_outbound_held",
        "_outbound_lot",
        "_reading",
        "_read_lot",
    )

    transport_stream: TransportT_co

    def __init__(
        self,
        transport_stream: TransportT_co,
        ssl_context: ssl.SSLContext,
        *,
        server_side: bool = False,
        server_hostname: str | None = None,
        https_compatible: bool = False,
    ) -> None:
        if not isinstance(transport_stream, Stream):
            raise TypeError(
                f"transport_stream must be a two-way trio_streams.abc.Stream, "
                f"got {transport_stream!r}"
            )
        if not isinstance(ssl_context, ssl.SSLContext):
            raise TypeError(
                f"ssl_context must be an ssl.SSLContext (see ssl.create_default_context()), "
                f"got {ssl_context!r}"
            )
        if server_side and server_hostname is not None:
            raise ValueError(
                "server_hostname is for the client side only; drop it for server_side=True"
            )
        if not server_side and server_hostname is None and ssl_context.check_hostname:
            raise ValueError(
                "this SSLContext verifies hostnames (check_hostname=True), so the client side "
                "needs server_hostname='the.name.to.verify'; to skip the check on purpose, set "
                "ssl_context.check_hostname = False"
            )
        self.transport_stream = transport_stream
        self._context = ssl_context
        self._server_side = bool(server_side)
        self._https_compatible = bool(https_compatible)
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._obj = ssl_context.wrap_bio(
            self._incoming,
            self._outgoing,
            server_side=server_side,
            server_hostname=server_hostname,
        )
        self._state = _OK
        # Set when sending failed part-way (the transport refused data, or a
        # send was cancelled mid-record): sending is over, but what the peer
        # sends can still be received.  (reason, cause)
        self._send_failure: tuple[str, BaseException | None] | None = None
        self._unwrapped = False
        self._handshook = False
        self._handshaking = False
        self._handshake_lot = ParkingLot()
        self._send_busy = False
        self._recv_busy = False
        # The "outbound lock": whoever holds it moves the outgoing buffer to the
        # transport.  Waiters park in FIFO order and get it handed over.
        self._outbound_held = False
        self._outbound_lot = ParkingLot()
        # One task reads the transport at a time; others wait for that read.
        self._reading = False
        self._read_lot = ParkingLot()

    def __repr__(self) -> str:
        side = "server" if self._server_side else "client"
        return f"<SSLStream {side} {self._state.value} over {self.transport_stream!r}>"

    # ------------------------------------------------------------ properties

    @property
    def context(self) -> ssl.SSLContext:
        """The :class:`ssl.SSLContext` this stream was made with."""
        return self._context

    @property
    def server_side(self) -> bool:
        """Whether this is the server end of the session."""
        return self._server_side

    @property
    def server_hostname(self) -> str | None:
        """The hostname the client verifies (``None`` on the server side)."""
        return self._obj.server_hostname

    @property
    def https_compatible(self) -> bool:
        """Whether ``close_notify`` is skipped on close and not required at EOF."""
        return self._https_compatible

    # ------------------------------------------------------------ errors and state

    def _error(self) -> Exception:
        if self._state is _CLOSED:
            error: Exception = trio_core.ClosedResourceError("this SSLStream was closed")
        else:
            error = BrokenStreamError("this SSLStream is broken (an earlier operation failed)")
        error.__suppress_context__ = True
        return error

    def _break(self) -> None:
        if self._state is _OK:
            self._state = _BROKEN

    def _transport_closed(self, exc: BaseException) -> Exception:
        if self._state is _CLOSED:
            return self._error()
        self._break()
        error = BrokenStreamError("the transport stream was closed underneath this SSLStream")
        error.__cause__ = exc
        return error

    def _transport_broken(self, exc: BaseException) -> Exception:
        if self._state is _CLOSED:
            return self._error()
        self._break()
        error = BrokenStreamError(f"the transport stream failed: {exc}")
        error.__cause__ = exc
        return error

    def _fail_sending(self, reason: str, cause: BaseException | None) -> None:
        if self._send_failure is None:
            self._send_failure = (reason, cause)

    def _send_failed(self) -> Exception:
        if self._state is not _OK or self._send_failure is None:
            return self._error()
        reason, cause = self._send_failure
        error = BrokenStreamError(reason)
        error.__cause__ = cause
        return error

    def _wake_all(self) -> None:
        self._handshake_lot.unpark_all()
        self._outbound_lot.unpark_all()
        self._read_lot.unpark_all()

    # ------------------------------------------------------------ the engine

    async def _flush(self, lenient: bool) -> None:
        """Move the outgoing buffer to the transport, holding the outbound lock.

        ``lenient`` (receiving operations): if the transport refuses the data
        because the peer is gone, drop it and carry on, so that what the peer
        sent before leaving can still be read (a TLS 1.3 server, say, sends
        session tickets after the handshake, perhaps to a client that already
        sent its data and closed).  Sending operations then raise.
        """
        if self._outbound_held:
            await self._outbound_lot.park()
            # Handed the lock, or woken by a close.
            if self._state is not _OK:
                raise self._error()
        else:
            self._outbound_held = True
        try:
            data = self._outgoing.read()
            if not data:
                return
            if self._send_failure is not None:
                if not lenient:
                    raise self._send_failed()
                return
            try:
                await self.transport_stream.sendall(data)
            except trio_core.ClosedResourceError as exc:
                raise self._transport_closed(exc)
            except trio_core.BrokenResourceError as exc:
                self._fail_sending(f"the peer stopped receiving (the transport failed: {exc})", exc)
                if not lenient:
                    raise self._send_failed()
            except BaseException as exc:
                # Cancelled (or anything else) part-way through a record: the
                # peer may have part of it, so nothing more can be sent.
                self._fail_sending(
                    "an earlier send was interrupted part-way through a TLS record",
                    exc if isinstance(exc, Exception) else None,
                )
                raise
        finally:
            if self._outbound_lot:
                self._outbound_lot.unpark()
            else:
                self._outbound_held = False

    async def _read_more(self) -> None:
        """Feed the incoming buffer from the transport (or wait for whoever does)."""
        if self._reading:
            # Another task is reading; once it got data, retry.
            await self._read_lot.park()
            if self._state is not _OK:
                raise self._error()
            return
        self._reading = True
        try:
            data = await self.transport_stream.recv(_TRANSPORT_RECV_SIZE)
        except trio_core.ClosedResourceError as exc:
            raise self._transport_closed(exc)
        except trio_core.BrokenResourceError as exc:
            raise self._transport_broken(exc)
        finally:
            # Wake the waiters even if this read failed or was cancelled (a
            # cancelled transport recv consumed nothing: the session is intact,
            # and one of them takes over the reading).
            self._reading = False
            self._read_lot.unpark_all()
        if data:
            self._incoming.write(data)
        else:
            self._incoming.write_eof()

    async def _retry(self, lenient: bool, fn: Callable[[*Ts], T], *args: *Ts) -> T:
        """Run one SSLObject operation to completion, moving data in between.

        A checkpoint: it yields at least once, and checks for cancellation first.
        ``lenient``: see :meth:`_flush`.
        """
        await checkpoint_if_cancelled()
        yielded = False
        while True:
            if self._state is not _OK:
                raise self._error()
            want_read = False
            try:
                result = fn(*args)
            except ssl.SSLWantReadError:
                want_read = True
            except ssl.SSLError as exc:
                self._break()
                if self._outgoing.pending:
                    # Tell the peer what went wrong (a TLS alert), if we can.
                    try:
                        await self._flush(True)
                    except Exception:
                        pass
                raise BrokenStreamError(f"TLS error: {exc}") from exc
            if self._outgoing.pending:
                yielded = True
                await self._flush(lenient)
            if not want_read:
                if not yielded:
                    await cancel_shielded_checkpoint()
                return result
            yielded = True
            await self._read_more()

    async def _handshake(self) -> None:
        while not self._handshook:
            if self._handshaking:
                await self._handshake_lot.park()
                if self._state is not _OK:
                    raise self._error()
                continue
            self._handshaking = True
            try:
                await self._retry(True, self._obj.do_handshake)
                self._handshook = True
            finally:
                self._handshaking = False
                self._handshake_lot.unpark_all()

    def _read_step(self, max_bytes: int) -> bytes:
        try:
            return self._obj.read(max_bytes)
        except ssl.SSLZeroReturnError:
            # The peer's close_notify: a clean end of the stream.
            return b""
        except ssl.SSLEOFError:
            if self._https_compatible:
                # Accepted as the end of the stream; drop the alert OpenSSL
                # may have queued about it (there is nobody to send it to).
                self._outgoing.read()
                return b""
            raise

    # ------------------------------------------------------------ the Stream API

    async def do_handshake(self) -> None:
        """Perform the TLS handshake, if it has not happened yet.

        ``sendall`` and ``recv`` do this implicitly; call it to check the peer
        (its certificate, the negotiated protocol) before sending anything.
        Several tasks may call it at once: they all wait for the one handshake.
        Cancelling it while it waits for the peer leaves the stream usable;
        cancelling it while it sends breaks the stream.  A checkpoint.

        Raises:
            BrokenStreamError: if the handshake failed (bad certificate, wrong
                hostname, no shared protocol...: see ``__cause__``) or the
                transport failed.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
        """
        if self._state is not _OK:
            raise self._error()
        if self._handshook:
            await checkpoint()
            return
        await self._handshake()

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        """Encrypt ``data`` and send it all over the transport.  A checkpoint.

        Performs the handshake first if needed.  If it fails or is cancelled
        once encrypting began, the stream is broken.

        Args:
            data: any bytes-like object (bytes, bytearray, memoryview, array...);
                a non-contiguous one (a strided memoryview, say) is copied first.

        Raises:
            TypeError: if ``data`` is not a bytes-like object (checked before
                anything happens: the stream stays usable).
            trio_core.BusyResourceError: if another task is in ``sendall`` or
                ``wait_maybe_writable`` of this stream.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
            BrokenStreamError: if the TLS session or the transport failed.
        """
        # Before any state changes: SSLObject.write needs a contiguous buffer,
        # and a BufferError once encrypting began would break the stream.
        view = byte_view(data, "SSLStream.sendall")
        if self._send_busy:
            raise trio_core.BusyResourceError(
                "another task is already in sendall/wait_maybe_writable of this SSLStream; "
                "use one sending task per stream"
            )
        if self._state is not _OK:
            raise self._error()
        self._send_busy = True
        try:
            if not self._handshook:
                await self._handshake()
            if self._send_failure is not None:
                raise self._send_failed()
            if not view.nbytes:
                await checkpoint()
                return
            try:
                if view.nbytes <= _MAX_WRITE:
                    await self._retry(False, self._obj.write, view)
                else:
                    for start in range(0, view.nbytes, _MAX_WRITE):
                        await self._retry(False, self._obj.write, view[start : start + _MAX_WRITE])
            except BaseException as exc:
                # Our data is (partly) encrypted, perhaps partly sent: the
                # sending direction cannot go on.
                if self._state is _OK:
                    self._fail_sending(
                        "an earlier sendall on this SSLStream failed or was cancelled "
                        "part-way through",
                        exc if isinstance(exc, Exception) else None,
                    )
                raise
        finally:
            self._send_busy = False

    async def wait_maybe_writable(self) -> None:
        """Wait until the transport might accept data without blocking.  A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is in ``sendall`` or
                ``wait_maybe_writable`` of this stream.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
            BrokenStreamError: if the stream is broken.
        """
        if self._send_busy:
            raise trio_core.BusyResourceError(
                "another task is already in sendall/wait_maybe_writable of this SSLStream; "
                "use one sending task per stream"
            )
        if self._state is not _OK:
            raise self._error()
        if self._send_failure is not None:
            raise self._send_failed()
        self._send_busy = True
        try:
            # Under the outbound lock, so as not to collide with a flush.
            if self._outbound_held:
                await self._outbound_lot.park()
                if self._state is not _OK:
                    raise self._error()
            else:
                self._outbound_held = True
            try:
                await self.transport_stream.wait_maybe_writable()
            except trio_core.ClosedResourceError as exc:
                raise self._transport_closed(exc)
            except trio_core.BrokenResourceError as exc:
                raise self._transport_broken(exc)
            finally:
                if self._outbound_lot:
                    self._outbound_lot.unpark()
                else:
                    self._outbound_held = False
        finally:
            self._send_busy = False

    async def send_eof(self) -> NoReturn:
        """Not supported: TLS cannot end one direction of a session.

        A checkpoint before it raises :exc:`NotImplementedError`; the busy,
        closed and broken errors are raised at once, without one.

        Raises:
            trio_core.BusyResourceError: if another task is sending.
            trio_core.ClosedResourceError: if the stream was closed.
            BrokenStreamError: if the stream is broken.
            NotImplementedError: always otherwise; use :meth:`graceful_close`
                (which ends both directions) instead.
        """
        if self._send_busy:
            raise trio_core.BusyResourceError(
                "another task is already in sendall/wait_maybe_writable of this SSLStream"
            )
        if self._state is not _OK:
            raise self._error()
        await checkpoint()
        raise NotImplementedError(
            "an SSLStream cannot send EOF in one direction only (TLS has no half-close); "
            "use graceful_close() to end the session"
        )

    async def recv(self, max_bytes: int) -> bytes:
        """Receive and decrypt up to ``max_bytes`` bytes.  A checkpoint.

        Performs the handshake first if needed.

        Returns:
            The data, or ``b""`` once the peer sent ``close_notify`` (or, if
            ``https_compatible``, once the transport ended).

        Raises:
            TypeError: if ``max_bytes`` is not an int (nothing is consumed).
            ValueError: if ``max_bytes`` is less than 1 (nothing is consumed).
            trio_core.BusyResourceError: if another task is in ``recv``.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
            BrokenStreamError: if the TLS session or the transport failed, or
                the transport ended without ``close_notify``.
        """
        max_bytes = check_max_bytes(max_bytes)
        if self._recv_busy:
            raise trio_core.BusyResourceError(
                "another task is already in recv of this SSLStream; use one receiving task"
            )
        if self._state is not _OK:
            raise self._error()
        self._recv_busy = True
        try:
            if not self._handshook:
                await self._handshake()
            return await self._retry(True, self._read_step, max_bytes)
        finally:
            self._recv_busy = False

    async def unwrap(self) -> tuple[TransportT_co, bytes]:
        """End the TLS session and hand back the transport, still open.

        Sends ``close_notify`` and waits for the peer's.  The SSLStream is then
        closed (without closing the transport).  A checkpoint.

        Returns:
            ``(transport_stream, trailing_data)``: whatever the peer sent after
            its ``close_notify`` that was already read from the transport.

        Raises:
            trio_core.BusyResourceError: if another task is sending or receiving.
            trio_core.ClosedResourceError: if the stream was (or gets) closed.
            BrokenStreamError: if the session or the transport failed, or the
                transport ended before the peer's ``close_notify``.
        """
        if self._send_busy or self._recv_busy:
            raise trio_core.BusyResourceError(
                "can't unwrap an SSLStream while another task is sending or receiving on it"
            )
        if self._state is not _OK:
            raise self._error()
        self._send_busy = self._recv_busy = True
        try:
            if not self._handshook:
                await self._handshake()
            await self._retry(False, self._obj.unwrap)
        finally:
            self._send_busy = self._recv_busy = False
        self._state = _CLOSED
        self._unwrapped = True
        self._wake_all()
        return self.transport_stream, self._incoming.read()

    def forceful_close(self) -> None:
        """Close the stream and its transport at once, without ``close_notify``.

        Tasks blocked in the stream wake with
        :exc:`~trio_core.ClosedResourceError`.  Idempotent.  Not a checkpoint.
        """
        if self._state is not _CLOSED:
            self._state = _CLOSED
            self._wake_all()
        if not self._unwrapped:
            self.transport_stream.forceful_close()

    async def graceful_close(self) -> None:
        """Send ``close_notify`` (unless ``https_compatible``), then close the
        transport gracefully.

        Does not wait for the peer's ``close_notify`` (TLS allows this, and it
        avoids two peers waiting for each other).  The alert is skipped when it
        cannot be sent cleanly: before or during the handshake, on a broken
        stream, or while another task is in the middle of sending.  A peer that
        already left is not an error.  Tasks blocked in the stream wake with
        :exc:`~trio_core.ClosedResourceError`.  If cancelled, the transport is
        still closed.  Idempotent.  A checkpoint.
        """
        if self._state is _CLOSED:
            if not self._unwrapped:
                await self.transport_stream.graceful_close()
            else:
                await checkpoint()
            return
        polite = (
            self._state is _OK
            and self._handshook
            and not self._https_compatible
            and not self._outbound_held
            and self._send_failure is None
        )
        self._state = _CLOSED
        self._wake_all()
        transport = self.transport_stream
        try:
            if polite:
                try:
                    self._obj.unwrap()
                except ssl.SSLError:
                    # SSLWantReadError: our alert is out, the peer's is not in
                    # (we do not wait for it); anything else: nothing to send.
                    pass
                alert = self._outgoing.read()
                if alert:
                    self._outbound_held = True
                    try:
                        await transport.sendall(alert)
                    except (trio_core.BrokenResourceError, trio_core.ClosedResourceError):
                        pass
                    finally:
                        self._outbound_held = False
        finally:
            await transport.graceful_close()

    # ------------------------------------------------------------ session information

    def _require_handshake(self, what: str) -> None:
        if not self._handshook:
            raise NeedHandshakeError(
                f"{what} is only known once the TLS handshake is done: "
                "await stream.do_handshake() first"
            )

    @overload
    def getpeercert(self, binary_form: Literal[False] = False) -> dict[str, Any] | None: ...

    @overload
    def getpeercert(self, binary_form: Literal[True]) -> bytes | None: ...

    def getpeercert(self, binary_form: bool = False) -> dict[str, Any] | bytes | None:
        """The peer's certificate, as :meth:`ssl.SSLSocket.getpeercert` returns it.

        Args:
            binary_form: ``True`` for the DER bytes instead of a dict.

        Returns:
            The certificate (a dict of its fields; empty if it was not
            validated), or ``None`` if the peer sent none.

        Not a checkpoint.

        Raises:
            NeedHandshakeError: before the handshake completed.
        """
        self._require_handshake("the peer certificate")
        if binary_form:
            return self._obj.getpeercert(True)
        return self._obj.getpeercert(False)

    def selected_alpn_protocol(self) -> str | None:
        """The protocol the handshake agreed on with ALPN, or ``None``.

        Not a checkpoint.

        Raises:
            NeedHandshakeError: before the handshake completed.
        """
        self._require_handshake("the ALPN protocol")
        return self._obj.selected_alpn_protocol()

    def cipher(self) -> tuple[str, str, int] | None:
        """``(cipher name, protocol version, secret bits)`` of the session.

        Not a checkpoint.

        Raises:
            NeedHandshakeError: before the handshake completed.
        """
        self._require_handshake("the cipher")
        return self._obj.cipher()

    def shared_ciphers(self) -> list[tuple[str, str, int]] | None:
        """The ciphers the client offered that this side also supports (server
        side; ``None`` on the client side), as :meth:`ssl.SSLObject.shared_ciphers`.

        Not a checkpoint.

        Raises:
            NeedHandshakeError: before the handshake completed.
        """
        self._require_handshake("the shared ciphers")
        return self._obj.shared_ciphers()

    def compression(self) -> str | None:
        """The compression algorithm in use, or ``None`` (as TLS 1.3 always has).

        Not a checkpoint.

        Raises:
            NeedHandshakeError: before the handshake completed.
        """
        self._require_handshake("the compression algorithm")
        return self._obj.compression()

    def get_channel_binding(self, cb_type: str = "tls-unique") -> bytes | None:
        """Channel binding data of the session (RFC 5929), as
        :meth:`ssl.SSLObject.get_channel_binding`.

        Not a checkpoint.

        Args:
            cb_type: the binding type (only ``"tls-unique"`` exists).

        Returns:
            The data, or ``None`` if not available (TLS 1.3 has no ``tls-unique``).

        Raises:
            NeedHandshakeError: before the handshake completed.
            ValueError: for an unknown ``cb_type``.
        """
        self._require_handshake("the channel binding")
        return self._obj.get_channel_binding(cb_type)

    def pending(self) -> int:
        """How many decrypted bytes are buffered, ready for ``recv`` without reading
        the transport.  Not a checkpoint.

        Returns:
            The number of bytes.
        """
        return self._obj.pending()

    @property
    def session(self) -> ssl.SSLSession | None:
        """The TLS session (for resumption on a later connection), as
        :attr:`ssl.SSLObject.session`."""
        return self._obj.session

    @property
    def session_reused(self) -> bool:
        """Whether the handshake resumed an earlier session."""
        return self._obj.session_reused

    @property
    def _ssl_object(self) -> ssl.SSLObject:
        # Not public API: modern Trio's SSLStream has this private attribute,
        # and httpcore's Trio backend reads it (get_extra_info("ssl_object")).
        return self._obj

    def version(self) -> str | None:
        """The TLS version of the session, such as ``"TLSv1.3"``.

        Not a checkpoint.

        Raises:
            NeedHandshakeError: before the handshake completed.
        """
        self._require_handshake("the TLS version")
        return self._obj.version()


@final
class SSLListener(Listener[SSLStream[Any]], Generic[TransportT_co]):
    """Wraps every stream another listener accepts in a server-side :class:`SSLStream`.

    The handshake is not done in :meth:`accept` (a slow client would hold up
    the accept loop): it happens on the stream's first ``sendall`` or ``recv``.

    Generic in the type of the transport streams, as in modern Trio
    (``SSLListener[SocketStream]``).

    Args:
        transport_listener: the listener to accept from (a
            :class:`~trio_streams.SocketListener`, say); owned by this one.
        ssl_context: the server's :class:`ssl.SSLContext`.
        https_compatible: passed to every :class:`SSLStream`.

    Raises:
        TypeError: if the arguments are of the wrong types.
    """

    __slots__ = ("transport_listener", "_context", "_https_compatible")

    transport_listener: Listener[TransportT_co]

    def __init__(
        self,
        transport_listener: Listener[TransportT_co],
        ssl_context: ssl.SSLContext,
        *,
        https_compatible: bool = False,
    ) -> None:
        if not isinstance(transport_listener, Listener):
            raise TypeError(
                f"transport_listener must be a trio_streams.abc.Listener, "
                f"got {transport_listener!r}"
            )
        if not isinstance(ssl_context, ssl.SSLContext):
            raise TypeError(f"ssl_context must be an ssl.SSLContext, got {ssl_context!r}")
        self.transport_listener = transport_listener
        self._context = ssl_context
        self._https_compatible = bool(https_compatible)

    def __repr__(self) -> str:
        return f"<SSLListener over {self.transport_listener!r}>"

    async def accept(self) -> SSLStream[TransportT_co]:
        """Accept a connection and wrap it in a server-side :class:`SSLStream`.  A checkpoint.

        Raises:
            trio_core.ClosedResourceError: if the listener was (or gets) closed.
            OSError: as the transport listener raises it.
        """
        transport = await self.transport_listener.accept()
        return SSLStream(
            transport, self._context, server_side=True, https_compatible=self._https_compatible
        )

    def forceful_close(self) -> None:
        """Close the transport listener.  Idempotent.  Not a checkpoint."""
        self.transport_listener.forceful_close()

    async def graceful_close(self) -> None:
        """Close the transport listener.  Idempotent.  A checkpoint."""
        await self.transport_listener.graceful_close()
