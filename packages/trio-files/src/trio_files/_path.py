"""Path: pathlib's API, with the methods that touch the file system made async.

``Path`` subclasses :class:`pathlib.PurePath`, so every pure operation
(``/``, ``name``, ``parent``, ``with_suffix``, ``relative_to``,
``match``...) is pathlib's own and returns a ``Path`` of this module.  The
methods that reach the file system are written out one by one below (so that
mypy sees each as a coroutine function, and a forgotten ``await`` is a type
error); each converts the path to a :class:`pathlib.Path` and calls the
method of the same name in a worker thread, with the default thread limiter.
Results that are paths come back as this module's ``Path``.  The directory
listings (``iterdir``, ``glob``, ``rglob``, ``walk``) are read whole in the
thread, and an iterator over the list is returned.

Keyword arguments that only newer Pythons accept (``exists(follow_symlinks=
False)`` needs 3.12, say) are passed on only when given a non-default value,
so an older Python raises its own ``TypeError`` for them.
"""

from __future__ import annotations

import os
import pathlib
import sys
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, TYPE_CHECKING, Any, Literal, Self, TypeVar, overload

import trio_core

from ._file_io import AsyncIOWrapper, wrap_file

if TYPE_CHECKING:
    import io

    from _typeshed import (
        OpenBinaryMode,
        OpenBinaryModeReading,
        OpenBinaryModeUpdating,
        OpenBinaryModeWriting,
        OpenTextMode,
        ReadableBuffer,
        StrPath,
    )

__all__ = ["Path", "PosixPath"]

_to_thread = trio_core.to_thread
_T = TypeVar("_T")

_CHECKPOINT = (
    "A checkpoint: runs in a worker thread; cancelled before the thread starts, "
    "it does nothing, and once started it completes."
)


async def _run(fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    if kwargs:
        return await _to_thread.run_sync(partial(fn, *args, **kwargs))
    return await _to_thread.run_sync(fn, *args)


def _extra(**kwargs: Any) -> dict[str, Any]:
    """The keyword arguments given a non-default value (the default is the last item)."""
    return {name: value for name, (value, default) in kwargs.items() if value != default}


class Path(pathlib.PurePath):
    """A :class:`pathlib.Path` whose file-system methods are async.

    ``Path(*segments)`` builds one as :class:`pathlib.Path` does (on POSIX it
    is a :class:`PosixPath`).  Pure operations are pathlib's and return this
    class; ``stat``, ``exists``, ``read_text``, ``mkdir``, ``iterdir``,
    ``open``... are coroutine functions that run pathlib's method of the same
    name in a worker thread (each a checkpoint; cancelled before its thread
    starts it does nothing, and once started it completes).  Errors are the
    standard library's, unchanged: ``await Path("missing").read_text()``
    raises :exc:`FileNotFoundError`.  ``os.fspath(path)`` and
    ``pathlib.Path(path)`` convert it.
    """

    __slots__ = ()

    def __new__(cls, *args: StrPath) -> Self:
        if cls is Path:
            cls = PosixPath  # type: ignore[assignment]
        return super().__new__(cls, *args)

    def __repr__(self) -> str:
        return f"trio_files.{type(self).__name__}({self.as_posix()!r})"

    def _sync(self) -> pathlib.Path:
        return pathlib.Path(self)

    def _wrap(self, path: pathlib.PurePath | str) -> Self:
        return type(self)(path)

    # -- the current directory and the home directory

    @classmethod
    async def cwd(cls) -> Self:
        """The current working directory, as an absolute path.  A checkpoint.

        Raises:
            FileNotFoundError: if the working directory was removed.
        """
        return cls(await _run(os.getcwd))

    @classmethod
    async def home(cls) -> Self:
        """The user's home directory (``~``).  A checkpoint.

        Raises:
            RuntimeError: if it cannot be determined.
        """
        return cls(await _run(pathlib.Path.home))

    async def absolute(self) -> Self:
        """This path made absolute (against the current directory), not normalised.

        A checkpoint (it may read the current directory).
        """
        return self._wrap(await _run(self._sync().absolute))

    async def resolve(self, strict: bool = False) -> Self:
        """This path made absolute, with symlinks and ``..`` resolved.

        Args:
            strict: raise if the path does not exist (otherwise resolve as far
                as possible).

        Raises:
            FileNotFoundError: with ``strict=True``, if the path does not exist.
            RuntimeError: on a symlink loop.

        A checkpoint.
        """
        return self._wrap(await _run(self._sync().resolve, strict))

    async def expanduser(self) -> Self:
        """This path with a leading ``~`` or ``~user`` expanded.  A checkpoint.

        Raises:
            RuntimeError: if the home directory cannot be determined.
        """
        return self._wrap(await _run(self._sync().expanduser))

    # -- information

    async def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        """``os.stat()`` of this path.  A checkpoint.

        Args:
            follow_symlinks: False to stat a symlink itself (as :meth:`lstat`).

        Raises:
            FileNotFoundError: if the path does not exist (and other OSErrors).
        """
        return await _run(self._sync().stat, follow_symlinks=follow_symlinks)

    async def lstat(self) -> os.stat_result:
        """``os.lstat()`` of this path (a symlink's own status).  A checkpoint.

        Raises:
            FileNotFoundError: if the path does not exist (and other OSErrors).
        """
        return await _run(self._sync().lstat)

    async def exists(self, *, follow_symlinks: bool = True) -> bool:
        """Whether the path exists.  A checkpoint.

        Args:
            follow_symlinks: False to count a dangling symlink as existing
                (Python 3.12+).
        """
        extra = _extra(follow_symlinks=(follow_symlinks, True))
        return await _run(self._sync().exists, **extra)

    async def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        """Whether the path is a directory (or a symlink to one).  A checkpoint.

        Args:
            follow_symlinks: False to not count a symlink to one (Python 3.13+).
        """
        extra = _extra(follow_symlinks=(follow_symlinks, True))
        return await _run(self._sync().is_dir, **extra)

    async def is_file(self, *, follow_symlinks: bool = True) -> bool:
        """Whether the path is a regular file (or a symlink to one).  A checkpoint.

        Args:
            follow_symlinks: False to not count a symlink to one (Python 3.13+).
        """
        extra = _extra(follow_symlinks=(follow_symlinks, True))
        return await _run(self._sync().is_file, **extra)

    async def is_symlink(self) -> bool:
        """Whether the path is a symbolic link.  A checkpoint."""
        return await _run(self._sync().is_symlink)

    async def is_mount(self) -> bool:
        """Whether the path is a mount point.  A checkpoint."""
        return await _run(self._sync().is_mount)

    async def is_block_device(self) -> bool:
        """Whether the path is a block device.  A checkpoint."""
        return await _run(self._sync().is_block_device)

    async def is_char_device(self) -> bool:
        """Whether the path is a character device.  A checkpoint."""
        return await _run(self._sync().is_char_device)

    async def is_fifo(self) -> bool:
        """Whether the path is a FIFO (named pipe).  A checkpoint."""
        return await _run(self._sync().is_fifo)

    async def is_socket(self) -> bool:
        """Whether the path is a Unix socket.  A checkpoint."""
        return await _run(self._sync().is_socket)

    if sys.version_info >= (3, 12):

        async def is_junction(self) -> bool:
            """Whether the path is a Windows junction (never, on POSIX).  A checkpoint."""
            return await _run(self._sync().is_junction)

    async def samefile(self, other_path: StrPath) -> bool:
        """Whether this path and ``other_path`` are the same file.  A checkpoint.

        Args:
            other_path: another path (a str or path object).

        Raises:
            FileNotFoundError: if either does not exist.
        """
        return await _run(self._sync().samefile, pathlib.Path(other_path))

    async def owner(self, *, follow_symlinks: bool = True) -> str:
        """The name of the file's owner.  A checkpoint.

        Args:
            follow_symlinks: False for a symlink's own owner (Python 3.13+).

        Raises:
            FileNotFoundError: if the path does not exist.
            KeyError: if the owner's uid has no name.
        """
        extra = _extra(follow_symlinks=(follow_symlinks, True))
        return await _run(self._sync().owner, **extra)

    async def group(self, *, follow_symlinks: bool = True) -> str:
        """The name of the file's group.  A checkpoint.

        Args:
            follow_symlinks: False for a symlink's own group (Python 3.13+).

        Raises:
            FileNotFoundError: if the path does not exist.
            KeyError: if the group's gid has no name.
        """
        extra = _extra(follow_symlinks=(follow_symlinks, True))
        return await _run(self._sync().group, **extra)

    async def readlink(self) -> Self:
        """The path a symbolic link points to.  A checkpoint.

        Raises:
            OSError: if the path is not a symlink (``EINVAL``) or does not exist.
        """
        return self._wrap(await _run(self._sync().readlink))

    # -- directories

    async def iterdir(self) -> Iterator[Self]:
        """The entries of this directory (not ``.`` and ``..``), in arbitrary order.

        The listing is read whole in the worker thread:
        ``for child in await path.iterdir():``.  A checkpoint.

        Raises:
            NotADirectoryError, FileNotFoundError: as :meth:`pathlib.Path.iterdir`.
        """
        children = await _run(lambda: list(self._sync().iterdir()))
        return iter([self._wrap(child) for child in children])

    async def glob(
        self, pattern: str, *, case_sensitive: bool | None = None, recurse_symlinks: bool = False
    ) -> Iterator[Self]:
        """The paths under this one that match ``pattern`` (``"*.txt"``, ``"**/*.py"``).

        Read whole in the worker thread.  A checkpoint.

        Args:
            pattern: a relative glob pattern.
            case_sensitive: override the platform's case sensitivity (Python 3.12+).
            recurse_symlinks: follow symlinks to directories in ``**`` (Python 3.13+).

        Raises:
            ValueError: for an empty or absolute pattern.
        """
        extra = _extra(
            case_sensitive=(case_sensitive, None), recurse_symlinks=(recurse_symlinks, False)
        )
        found = await _run(lambda: list(self._sync().glob(pattern, **extra)))
        return iter([self._wrap(p) for p in found])

    async def rglob(
        self, pattern: str, *, case_sensitive: bool | None = None, recurse_symlinks: bool = False
    ) -> Iterator[Self]:
        """:meth:`glob` with ``"**/"`` in front of ``pattern``: matches at any depth.

        Read whole in the worker thread.  A checkpoint.

        Args:
            pattern: a relative glob pattern.
            case_sensitive: override the platform's case sensitivity (Python 3.12+).
            recurse_symlinks: follow symlinks to directories (Python 3.13+).

        Raises:
            ValueError: for an empty or absolute pattern.
        """
        extra = _extra(
            case_sensitive=(case_sensitive, None), recurse_symlinks=(recurse_symlinks, False)
        )
        found = await _run(lambda: list(self._sync().rglob(pattern, **extra)))
        return iter([self._wrap(p) for p in found])

    if sys.version_info >= (3, 12):

        async def walk(
            self,
            top_down: bool = True,
            on_error: Callable[[OSError], object] | None = None,
            follow_symlinks: bool = False,
        ) -> Iterator[tuple[Self, list[str], list[str]]]:
            """The directory tree under this path, as ``(dirpath, dirnames, filenames)``.

            Read whole in the worker thread (so ``top_down`` cannot prune by
            editing ``dirnames``).  A checkpoint.

            Args:
                top_down: list a directory before its subdirectories.
                on_error: called with each ``OSError`` (default: ignored).
                follow_symlinks: descend into symlinked directories.
            """
            tree = await _run(lambda: list(self._sync().walk(top_down, on_error, follow_symlinks)))
            return iter([(self._wrap(d), dirs, files) for d, dirs, files in tree])

    async def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        """Create this directory.  A checkpoint.

        Args:
            mode: permission bits (masked by the umask).
            parents: create missing parents too.
            exist_ok: do not fail if it already exists as a directory.

        Raises:
            FileExistsError: if it exists (and not ``exist_ok``).
            FileNotFoundError: if a parent is missing (and not ``parents``).
        """
        await _run(self._sync().mkdir, mode, parents, exist_ok)

    async def rmdir(self) -> None:
        """Remove this (empty) directory.  A checkpoint.

        Raises:
            OSError: if it is not empty; FileNotFoundError if it does not exist.
        """
        await _run(self._sync().rmdir)

    # -- files

    async def touch(self, mode: int = 0o666, exist_ok: bool = True) -> None:
        """Create the file if it does not exist, else update its modification time.

        A checkpoint.

        Args:
            mode: permission bits for a new file (masked by the umask).
            exist_ok: False to fail if the file exists.

        Raises:
            FileExistsError: if it exists and not ``exist_ok``.
        """
        await _run(self._sync().touch, mode, exist_ok)

    async def unlink(self, missing_ok: bool = False) -> None:
        """Remove this file or symbolic link.  A checkpoint.

        Args:
            missing_ok: do not fail if it does not exist.

        Raises:
            FileNotFoundError: if it does not exist (and not ``missing_ok``).
            IsADirectoryError: for a directory (use :meth:`rmdir`).
        """
        await _run(self._sync().unlink, missing_ok)

    async def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        """Change the permission bits.  A checkpoint.

        Args:
            mode: the new permission bits (``0o644``...).
            follow_symlinks: False to change a symlink itself (where supported).

        Raises:
            FileNotFoundError: if the path does not exist (and other OSErrors).
        """
        await _run(self._sync().chmod, mode, follow_symlinks=follow_symlinks)

    async def lchmod(self, mode: int) -> None:
        """Change a symlink's own permission bits (where the OS supports it).

        A checkpoint.

        Args:
            mode: the new permission bits.

        Raises:
            NotImplementedError: where the OS cannot (Linux), as pathlib raises.
        """
        await _run(self._sync().lchmod, mode)

    async def rename(self, target: StrPath) -> Self:
        """Rename this file or directory to ``target``; return the new path.

        A checkpoint.

        Args:
            target: the new path (relative to the current directory, not to
                this path's directory, as with pathlib).

        Raises:
            FileNotFoundError: if this path does not exist (and other OSErrors).
        """
        return self._wrap(await _run(self._sync().rename, target))

    async def replace(self, target: StrPath) -> Self:
        """Rename this to ``target``, replacing it if it exists; return the new path.

        A checkpoint.

        Args:
            target: the new path.

        Raises:
            FileNotFoundError: if this path does not exist (and other OSErrors).
        """
        return self._wrap(await _run(self._sync().replace, target))

    async def symlink_to(self, target: StrPath, target_is_directory: bool = False) -> None:
        """Make this path a symbolic link to ``target``.  A checkpoint.

        Args:
            target: what the link points to (need not exist).
            target_is_directory: only meaningful on Windows.

        Raises:
            FileExistsError: if this path exists.
        """
        await _run(self._sync().symlink_to, target, target_is_directory)

    async def hardlink_to(self, target: StrPath) -> None:
        """Make this path a hard link to the file ``target``.  A checkpoint.

        Args:
            target: an existing file.

        Raises:
            FileExistsError: if this path exists; FileNotFoundError if ``target``
                does not.
        """
        await _run(self._sync().hardlink_to, target)

    async def read_bytes(self) -> bytes:
        """The file's contents, as bytes.  A checkpoint.

        Raises:
            FileNotFoundError, IsADirectoryError, PermissionError: as :func:`open`.
        """
        return await _run(self._sync().read_bytes)

    async def read_text(
        self, encoding: str | None = None, errors: str | None = None, newline: str | None = None
    ) -> str:
        """The file's contents, decoded.  A checkpoint.

        Args:
            encoding: as for :func:`open` (default: the locale's).
            errors: as for :func:`open`.
            newline: as for :func:`open` (Python 3.13+).

        Raises:
            FileNotFoundError, IsADirectoryError, PermissionError: as :func:`open`.
            UnicodeDecodeError: if the contents do not decode.
        """
        extra = _extra(newline=(newline, None))
        return await _run(self._sync().read_text, encoding, errors, **extra)

    async def write_bytes(self, data: ReadableBuffer) -> int:
        """Replace the file's contents with ``data``; return the count written.

        A checkpoint.

        Args:
            data: a bytes-like object.

        Raises:
            TypeError: if ``data`` is not bytes-like (a str, say).
            FileNotFoundError: if the directory does not exist.
        """
        return await _run(self._sync().write_bytes, data)

    async def write_text(
        self,
        data: str,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> int:
        """Replace the file's contents with the text ``data``; return its length.

        A checkpoint.

        Args:
            data: a str.
            encoding: as for :func:`open`.
            errors: as for :func:`open`.
            newline: as for :func:`open`.

        Raises:
            TypeError: if ``data`` is not a str.
            FileNotFoundError: if the directory does not exist.
        """
        extra = _extra(newline=(newline, None))
        return await _run(self._sync().write_text, data, encoding, errors, **extra)

    @overload
    async def open(
        self,
        mode: OpenTextMode = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> AsyncIOWrapper[io.TextIOWrapper]: ...
    @overload
    async def open(
        self,
        mode: OpenBinaryMode,
        buffering: Literal[0],
        encoding: None = None,
        errors: None = None,
        newline: None = None,
    ) -> AsyncIOWrapper[io.FileIO]: ...
    @overload
    async def open(
        self,
        mode: OpenBinaryModeUpdating,
        buffering: Literal[-1, 1] = -1,
        encoding: None = None,
        errors: None = None,
        newline: None = None,
    ) -> AsyncIOWrapper[io.BufferedRandom]: ...
    @overload
    async def open(
        self,
        mode: OpenBinaryModeWriting,
        buffering: Literal[-1, 1] = -1,
        encoding: None = None,
        errors: None = None,
        newline: None = None,
    ) -> AsyncIOWrapper[io.BufferedWriter]: ...
    @overload
    async def open(
        self,
        mode: OpenBinaryModeReading,
        buffering: Literal[-1, 1] = -1,
        encoding: None = None,
        errors: None = None,
        newline: None = None,
    ) -> AsyncIOWrapper[io.BufferedReader]: ...
    @overload
    async def open(
        self,
        mode: OpenBinaryMode,
        buffering: int = -1,
        encoding: None = None,
        errors: None = None,
        newline: None = None,
    ) -> AsyncIOWrapper[IO[bytes]]: ...
    @overload
    async def open(
        self,
        mode: str,
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> AsyncIOWrapper[IO[Any]]: ...

    async def open(
        self,
        mode: str = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> AsyncIOWrapper[Any]:
        """Open the file, as :func:`~trio_files.open_file` does.  A checkpoint.

        Args:
            mode: as for :func:`open`.
            buffering: as for :func:`open`.
            encoding: as for :func:`open`.
            errors: as for :func:`open`.
            newline: as for :func:`open`.

        Returns:
            An :class:`~trio_files.AsyncIOWrapper`; ``async with await
            path.open() as f:``.

        Raises:
            FileNotFoundError, PermissionError, ValueError...: as :func:`open`.
        """
        opened = await _run(self._sync().open, mode, buffering, encoding, errors, newline)
        return wrap_file(opened)


class PosixPath(Path, pathlib.PurePosixPath):
    """A :class:`Path` with POSIX path semantics: what ``Path(...)`` makes on POSIX.

    Constructed as :class:`Path` is; see there.
    """

    __slots__ = ()
