"""trio-subprocess: child processes for trio (``run_process``, ``Process``).

``await trio_subprocess.run_process(["ls", "-l"], capture_stdout=True)``
runs a child to completion; ``await nursery.start(run_process, ...)`` runs
it beside other work and returns its :class:`Process`.  The low-level
:func:`~trio_subprocess.lowlevel.open_process` is in
:mod:`trio_subprocess.lowlevel` (exposed as ``trio.lowlevel``).  See the top
of ``_process.py`` for how children are waited for (pidfd, kqueue, or a
thread; never ``SIGCHLD`` or ``waitpid(-1)``).
"""

from importlib.metadata import version as _version

from . import lowlevel as lowlevel
from ._process import Process as Process
from ._run_process import run_process as run_process

__version__: str = _version("trio-subprocess")

__all__ = ["run_process", "Process"]
