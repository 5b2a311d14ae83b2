"""trio_socket: the standard ``socket`` module for trio (``trio.socket``).

It mirrors the standard library module: its constants and simple utilities
are re-exported unchanged, the functions that return sockets return trio
sockets, and the name-resolution functions are async.  Sockets differ as the
seed specifies: async I/O methods, numeric addresses only (resolve names
with ``resolve_local_address`` / ``resolve_remote_address``), modern default
options, and ``sendall`` reporting ``partial_result`` on failure.  Beside
them, the names modern Trio's sockets have and libraries written for it
call: ``send`` (returns the count; prefer ``sendall``), an awaitable
``bind``, ``is_readable``, ``wait_writable`` and ``did_shutdown_SHUT_WR``.

Left out on purpose: ``gethostbyname``, ``gethostbyname_ex``,
``gethostbyaddr``, ``getdefaulttimeout``, ``setdefaulttimeout``,
``create_connection``, ``create_server``, ``SocketIO``, ``CAPI`` and the
``IntEnum`` / ``IntFlag`` the standard module imports; ``send_fds`` and
``recv_fds`` are async and take a trio socket.  ``_stdlib_names`` says why
for each name.

Layout: ``_socket`` is the :class:`SocketType` class (its ``sendall`` and
``sendfile``, with :class:`PartialResult`, in ``_sending``), ``_resolve`` the
address resolution and normalisation, ``_functions`` the functions that
make sockets, ``_hooks`` the custom resolver / socket factory hooks, and
``_stdlib_names`` the standard names re-exported unchanged.
"""

import sys as _sys
from importlib.metadata import version as _version

from ._functions import from_stdlib_socket as from_stdlib_socket
from ._functions import fromfd as fromfd
from ._functions import socket as socket
from ._functions import socketpair as socketpair
from ._hooks import HostnameResolver as HostnameResolver
from ._hooks import SocketFactory as SocketFactory
from ._hooks import set_custom_hostname_resolver as set_custom_hostname_resolver
from ._hooks import set_custom_socket_factory as set_custom_socket_factory
from ._resolve import getaddrinfo as getaddrinfo
from ._resolve import getfqdn as getfqdn
from ._resolve import getnameinfo as getnameinfo
from ._sending import PartialResult as PartialResult
from ._socket import SocketType as SocketType
from ._stdlib_names import *  # noqa: F403
from ._stdlib_names import reexported_names as _reexported_names

# Where the standard library has them (type checkers understand these tests).
if _sys.platform == "win32":  # pragma: no cover
    from ._functions import fromshare as fromshare

    _PLATFORM_NAMES = ["fromshare"]
else:
    from ._functions import recv_fds as recv_fds
    from ._functions import send_fds as send_fds

    _PLATFORM_NAMES = ["send_fds", "recv_fds"]

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
    *_PLATFORM_NAMES,
    "set_custom_hostname_resolver",
    "set_custom_socket_factory",
    *_reexported_names(),
]
