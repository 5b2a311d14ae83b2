"""trio_subprocess.lowlevel: starting a child without the structure of ``run_process``.

Exposed as part of ``trio.lowlevel``:

* :func:`open_process`: start a child and return its
  :class:`~trio_subprocess.Process`; the caller must wait for it.
"""

from ._process import open_process as open_process

__all__ = ["open_process"]
