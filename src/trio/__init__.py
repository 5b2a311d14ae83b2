"""trio: structured concurrency and async I/O for Python.

This meta-package only re-exports.  The layout:

* ``trio_core`` (the run loop, tasks, nurseries, cancel scopes, sync
  primitives, threads, testing tools) is the core;
* ``trio_socket`` (``trio.socket``), ``trio_streams`` (``trio.abc`` streams,
  TLS, listeners) and ``trio_signals`` (``trio.catch_signals``) build on the
  core's public API and its hook interface, ``trio.lowlevel``.

Every name here is the very object its distribution defines, so
``trio.socket.SocketType is trio_socket.SocketType``.
"""

from importlib.metadata import version as _version

import trio_core as _trio_core
import trio_signals as _trio_signals
import trio_socket as _trio_socket
import trio_streams as _trio_streams

from . import socket as socket

__version__: str = _version("trio")

#: The version of each distribution that ``import trio`` is made of.
component_versions: dict[str, str] = {
    "trio-core": _trio_core.__version__,
    "trio-socket": _trio_socket.__version__,
    "trio-streams": _trio_streams.__version__,
    "trio-signals": _trio_signals.__version__,
}
