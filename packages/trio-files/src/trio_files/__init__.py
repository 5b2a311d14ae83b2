"""trio-files: async disk I/O for trio_core, with blocking calls run in worker threads.

``async with await trio_files.open_file(path) as f:`` then ``await f.read()``
or ``async for line in f``; :func:`wrap_file` wraps a file you already have;
:class:`Path` is :mod:`pathlib` with the file-system methods async
(``await Path("data.txt").read_text()``).  The design (threads, cancellation,
and the read-ahead that makes line iteration fast) is at the top of
``_file_io.py``.
"""

from importlib.metadata import version as _version

from ._file_io import AsyncIOWrapper as AsyncIOWrapper
from ._file_io import open_file as open_file
from ._file_io import wrap_file as wrap_file
from ._path import Path as Path
from ._path import PosixPath as PosixPath

__version__: str = _version("trio-files")

__all__ = ["open_file", "wrap_file", "AsyncIOWrapper", "Path", "PosixPath"]
