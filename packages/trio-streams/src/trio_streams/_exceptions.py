"""The exceptions of trio-streams (the rest come from trio_core)."""

from __future__ import annotations

from typing import final

import trio_core

__all__ = ["BrokenStreamError", "NeedHandshakeError"]


class BrokenStreamError(trio_core.BrokenResourceError):
    """Raised when a stream cannot be used any more because of something outside
    the calling task: the peer vanished or reset the connection, the TLS layer
    hit a protocol error, or an earlier :meth:`~trio_streams.abc.SendStream.sendall`
    was cancelled half-way so that the byte stream would otherwise be silently
    truncated.

    It subclasses :exc:`trio_core.BrokenResourceError`, so code written against
    the core's exception keeps working.  ``__cause__`` usually holds the
    underlying :exc:`OSError` or :exc:`ssl.SSLError`.
    """


@final
class NeedHandshakeError(RuntimeError):
    """Raised when TLS session information (peer certificate, cipher, protocol
    version, negotiated ALPN protocol) is asked of an
    :class:`~trio_streams.SSLStream` whose handshake has not completed yet.

    Fix: ``await stream.do_handshake()`` first (any ``sendall`` or ``recv``
    also performs the handshake).
    """
