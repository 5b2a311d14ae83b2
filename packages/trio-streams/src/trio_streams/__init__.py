"""trio-streams: the seed's stream ABCs made useful.

The ABCs live in :mod:`trio_streams.abc` (exposed as ``trio.abc``), the
memory streams and conformance checkers in :mod:`trio_streams.testing`
(exposed as ``trio.testing``), :class:`FdStream` for pipes and terminals in
:mod:`trio_streams.lowlevel` (exposed as ``trio.lowlevel``, as in modern
Trio, and importable from here too); everything else is here (exposed as
``trio``).
"""

from importlib.metadata import version as _version

from . import abc as abc
from . import lowlevel as lowlevel
from . import testing as testing
from ._connect import open_tcp_stream as open_tcp_stream
from ._connect import open_unix_socket as open_unix_socket
from ._exceptions import BrokenStreamError as BrokenStreamError
from ._exceptions import NeedHandshakeError as NeedHandshakeError

# Not in __all__: `import trio` shows it as trio.lowlevel.FdStream.
from ._fdstream import FdStream as FdStream
from ._serve import open_tcp_listeners as open_tcp_listeners
from ._serve import serve_listeners as serve_listeners
from ._serve import serve_tcp as serve_tcp
from ._socket_stream import SocketListener as SocketListener
from ._socket_stream import SocketStream as SocketStream
from ._ssl import SSLListener as SSLListener
from ._ssl import SSLStream as SSLStream
from ._ssl_helpers import open_ssl_over_tcp_stream as open_ssl_over_tcp_stream
from ._ssl_helpers import serve_ssl_over_tcp as serve_ssl_over_tcp
from ._stapled import StapledStream as StapledStream

__version__: str = _version("trio-streams")

__all__ = [
    # exceptions
    "BrokenStreamError",
    "NeedHandshakeError",
    # generic streams
    "StapledStream",
    # sockets
    "SocketStream",
    "SocketListener",
    "open_tcp_stream",
    "open_unix_socket",
    "open_tcp_listeners",
    "serve_tcp",
    "serve_listeners",
    # TLS
    "SSLStream",
    "SSLListener",
    "open_ssl_over_tcp_stream",
    "serve_ssl_over_tcp",
]
