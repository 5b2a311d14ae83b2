"""trio_streams.lowlevel: streams for building on, exposed as part of ``trio.lowlevel``.

* :class:`FdStream`: the stream API over a pipe, FIFO or terminal file
  descriptor (what trio-subprocess gives as a child's stdin, stdout and
  stderr).
"""

from ._fdstream import FdStream as FdStream

__all__ = ["FdStream"]
