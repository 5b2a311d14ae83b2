"""trio: structured concurrency and async I/O for Python.

This meta-package only re-exports.  The layout:

* ``trio_core`` is the core: the run loop, tasks, nurseries, cancel scopes,
  sync primitives, memory channels, threads, testing tools;
* ``trio_socket`` (``trio.socket``), ``trio_streams`` (stream ABCs in
  ``trio.abc``, also at the top level as the seed names them, TLS,
  listeners, memory streams) and ``trio_signals``
  (``trio.catch_signals``) build on the core's public API and on its hook
  interface, ``trio.lowlevel``.

Every name here is the very object its distribution defines, so
``trio.socket.SocketType is trio_socket.SocketType``.
"""

from importlib.metadata import version as _version

import trio_core as _trio_core
import trio_signals as _trio_signals
import trio_socket as _trio_socket
import trio_streams as _trio_streams
from trio_core import *  # noqa: F403
from trio_signals import *  # noqa: F403
from trio_streams import *  # noqa: F403

# The seed names the stream ABCs at the top level (``trio.AsyncResource``,
# ``trio.SendStream``, ...); modern Trio keeps them in ``trio.abc``.  Both work
# and are the same objects.
from trio_streams.abc import (
    AsyncResource,
    HalfCloseableStream,
    Listener,
    ReceiveStream,
    RecvStream,
    SendStream,
    Stream,
)

from . import abc as abc
from . import from_thread as from_thread
from . import lowlevel as lowlevel
from . import socket as socket
from . import testing as testing
from . import to_thread as to_thread

#: The version of the ``trio`` distribution, as pip sees it: the Trio API
#: level it provides, then this project's release counter at that level
#: (``"0.35.0.1"``: modern Trio 0.35.0's API, beside the seed's; Trio itself
#: never has a fourth number).  Libraries written for Trio that compare
#: ``trio.__version__`` see the level they can rely on; the versions of the
#: distributions that do the work are in :data:`component_versions`.
__version__: str = _version("trio")

#: The version of each distribution that ``import trio`` is made of.
component_versions: dict[str, str] = {
    "trio-core": _trio_core.__version__,
    "trio-socket": _trio_socket.__version__,
    "trio-streams": _trio_streams.__version__,
    "trio-signals": _trio_signals.__version__,
}

__all__ = [
    *_trio_core.__all__,
    *_trio_streams.__all__,
    *_trio_signals.__all__,
    "AsyncResource",
    "SendStream",
    "RecvStream",
    "ReceiveStream",
    "Stream",
    "HalfCloseableStream",
    "Listener",
    "abc",
    "from_thread",
    "lowlevel",
    "socket",
    "testing",
    "to_thread",
    "component_versions",
]
