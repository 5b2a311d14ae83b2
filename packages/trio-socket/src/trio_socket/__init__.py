"""trio_socket: the standard ``socket`` module for trio (``trio.socket``).

It mirrors the standard library module: its constants and simple utilities
are re-exported unchanged, the functions that return sockets return trio
sockets, and the name-resolution functions are async.  Sockets differ as the
seed specifies: async I/O methods, numeric addresses only (resolve names
with ``resolve_local_address`` / ``resolve_remote_address``), modern default
options, and ``sendall`` reporting ``partial_result`` on failure.

Left out on purpose: ``gethostbyname``, ``gethostbyname_ex``,
``gethostbyaddr``, ``getdefaulttimeout``, ``setdefaulttimeout``.
"""

from importlib.metadata import version as _version

from ._socket import HostnameResolver as HostnameResolver
from ._socket import PartialResult as PartialResult
from ._socket import SocketFactory as SocketFactory
from ._socket import SocketType as SocketType
from ._socket import from_stdlib_socket as from_stdlib_socket
from ._socket import fromfd as fromfd
from ._socket import getaddrinfo as getaddrinfo
from ._socket import getfqdn as getfqdn
from ._socket import getnameinfo as getnameinfo
from ._socket import set_custom_hostname_resolver as set_custom_hostname_resolver
from ._socket import set_custom_socket_factory as set_custom_socket_factory
from ._socket import socket as socket
from ._socket import socketpair as socketpair
from ._stdlib_names import *  # noqa: F403
from ._stdlib_names import reexported_names as _reexported_names

__version__: str = _version("trio-socket")

__all__ = [
    "SocketType",
    "PartialResult",
    "HostnameResolver",
    "SocketFactory",
    "socket",
    "socketpair",
    "fromfd",
    "from_stdlib_socket",
    "getaddrinfo",
    "getnameinfo",
    "getfqdn",
    "set_custom_hostname_resolver",
    "set_custom_socket_factory",
    *_reexported_names(),
]
