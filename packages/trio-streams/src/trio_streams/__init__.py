"""trio-streams: the seed's stream ABCs made useful.

The ABCs live in :mod:`trio_streams.abc` (exposed as ``trio.abc``), the
memory streams and conformance checkers in :mod:`trio_streams.testing`
(exposed as ``trio.testing``); everything else is here (exposed as ``trio``).
"""

from importlib.metadata import version as _version

from . import abc as abc
from . import testing as testing
from ._exceptions import BrokenStreamError as BrokenStreamError
from ._exceptions import NeedHandshakeError as NeedHandshakeError
from ._ssl import SSLListener as SSLListener
from ._ssl import SSLStream as SSLStream
from ._stapled import StapledStream as StapledStream

__version__: str = _version("trio-streams")

__all__ = [
    "BrokenStreamError",
    "NeedHandshakeError",
    "StapledStream",
    "SSLStream",
    "SSLListener",
]
