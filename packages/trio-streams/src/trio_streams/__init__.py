"""trio-streams: the seed's stream ABCs made useful.

The ABCs live in :mod:`trio_streams.abc` (exposed as ``trio.abc``), the
memory streams and conformance checkers in :mod:`trio_streams.testing`
(exposed as ``trio.testing``); everything else is here (exposed as ``trio``).
"""

from importlib.metadata import version as _version

from . import abc as abc
from . import testing as testing
from ._buffered import DEFAULT_MAX_BUFFER_SIZE as DEFAULT_MAX_BUFFER_SIZE
from ._buffered import BufferedReceiveStream as BufferedReceiveStream
from ._buffered import BufferedRecvStream as BufferedRecvStream
from ._buffered import IncompleteMessageError as IncompleteMessageError
from ._buffered import LineIterator as LineIterator
from ._buffered import MessageTooLongError as MessageTooLongError
from ._connect import open_tcp_stream as open_tcp_stream
from ._connect import open_unix_socket as open_unix_socket
from ._exceptions import BrokenStreamError as BrokenStreamError
from ._exceptions import NeedHandshakeError as NeedHandshakeError
from ._serve import open_tcp_listeners as open_tcp_listeners
from ._serve import serve_listeners as serve_listeners
from ._serve import serve_tcp as serve_tcp
from ._socket_stream import SocketListener as SocketListener
from ._socket_stream import SocketStream as SocketStream
from ._ssl import SSLListener as SSLListener
from ._ssl import SSLStream as SSLStream
from ._ssl_helpers import open_ssl_over_tcp_listeners as open_ssl_over_tcp_listeners
from ._ssl_helpers import open_ssl_over_tcp_stream as open_ssl_over_tcp_stream
from ._ssl_helpers import serve_ssl_over_tcp as serve_ssl_over_tcp
from ._stapled import StapledStream as StapledStream
from ._stapled import aclose_forcefully as aclose_forcefully
from ._udp import MAX_DATAGRAM_SIZE as MAX_DATAGRAM_SIZE
from ._udp import UDPSocket as UDPSocket
from ._udp import open_udp_socket as open_udp_socket
from ._udp import serve_udp as serve_udp
from ._unix import UnixSocketListener as UnixSocketListener
from ._unix import open_unix_listeners as open_unix_listeners
from ._unix import open_unix_stream as open_unix_stream
from ._unix import serve_unix as serve_unix

__version__: str = _version("trio-streams")

__all__ = [
    # exceptions
    "BrokenStreamError",
    "NeedHandshakeError",
    # generic streams
    "StapledStream",
    "aclose_forcefully",
    # buffered reading: lines, delimited messages, exact sizes
    "BufferedRecvStream",
    "BufferedReceiveStream",
    "LineIterator",
    "MessageTooLongError",
    "IncompleteMessageError",
    "DEFAULT_MAX_BUFFER_SIZE",
    # sockets
    "SocketStream",
    "SocketListener",
    "open_tcp_stream",
    "open_unix_socket",
    "open_tcp_listeners",
    "serve_tcp",
    "serve_listeners",
    # Unix-domain servers and clients
    "UnixSocketListener",
    "open_unix_listeners",
    "serve_unix",
    "open_unix_stream",
    # UDP
    "UDPSocket",
    "open_udp_socket",
    "serve_udp",
    "MAX_DATAGRAM_SIZE",
    # TLS
    "SSLStream",
    "SSLListener",
    "open_ssl_over_tcp_stream",
    "open_ssl_over_tcp_listeners",
    "serve_ssl_over_tcp",
]
