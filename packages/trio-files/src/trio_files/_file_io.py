"""open_file and wrap_file: file objects whose blocking methods run in a worker thread.

Design
------
*Threads.*  Disk I/O cannot be waited for with epoll or kqueue (a regular
file is always "ready"), so every blocking call on a file is run by
``trio_core.to_thread.run_sync`` with the default thread limiter, exactly as
Trio does.  That makes each call a checkpoint with Trio's cancellation
rules: a call cancelled before its thread starts raises ``Cancelled`` and has
touched nothing; a call whose thread has started runs to the end and returns
its result (the cancellation is delivered at the next checkpoint), because a
thread cannot be interrupted half-way through a ``write``.

*Read-ahead.*  A thread round trip costs tens of microseconds, while
``readline`` on a buffered file costs well under one, so ``async for line in
f`` spends almost all its time hopping.  For the standard library's own file
types (``BufferedReader``, ``BufferedRandom``, ``BytesIO``, and
``TextIOWrapper`` / ``StringIO`` opened read-only), when the file is
seekable, ``readline``, ``__anext__`` and small ``read(n)`` fetch a large
block per hop (``_BLOCK`` bytes, or lines up to ``_BLOCK`` characters) into
the wrapper and serve the following calls from it, each still a checkpoint.

What makes this exact is the invariant that the wrapped file's own position
is the logical position plus what the wrapper holds, and that every other
operation (``tell``, ``seek``, ``write``, ``truncate``, ``read()`` of
everything, ``peek``, ``detach``...) first *settles*, in its own thread hop:
a binary file seeks back over the bytes held (``seek(-n, SEEK_CUR)``); a text
file, whose positions are opaque cookies, seeks back to the cookie taken
before the block was fetched and re-reads the characters consumed since.
So after any call, the file is in the state the same calls made
synchronously would have left it in.  ``tell()`` on a binary file is
``wrapped.tell()`` minus what is held, without settling.  Lines are only
served from the wrapper when they are complete: a last line without its end
(a file that is still being written) is read again from the file.  Text files
opened for writing too (``"r+"``, ``"w+"``) do not read ahead, because where
CPython's text layer puts a write that follows a read depends on its own
buffering.

While a block is held, the *wrapped* object's position is ahead of the
logical one: code that uses ``wrapper.wrapped`` (or its ``fileno()``)
directly should ``await wrapper.tell()`` (binary) or ``await
wrapper.seek(...)`` first, which settles.  A wrapper that reads ahead also
runs one operation at a time (a ``trio_core.Lock``): the wrapped objects lock
themselves anyway (or, as ``TextIOWrapper``, are not safe to share between
threads at all).  Objects of any other type get Trio's behaviour exactly: one
thread hop per call, no lock.
"""

from __future__ import annotations

import inspect
import io
import os
from collections.abc import Callable, Iterable
from functools import partial
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Generic, Literal, Protocol, Self, TypeVar, overload

import trio_core
from trio_core.lowlevel import checkpoint, checkpoint_if_cancelled

if TYPE_CHECKING:
    from _typeshed import (
        FileDescriptorOrPath,
        OpenBinaryMode,
        OpenBinaryModeReading,
        OpenBinaryModeUpdating,
        OpenBinaryModeWriting,
        OpenTextMode,
        WriteableBuffer,
    )

__all__ = ["open_file", "wrap_file", "AsyncIOWrapper"]

# trio_core's thread API, through its public namespace (see the hook-interface
# contract in the root pyproject.toml).
_to_thread = trio_core.to_thread

#: Bytes (binary) or characters (text) fetched per thread hop when reading ahead.
_BLOCK = 128 * 1024
#: ``read(n)`` with ``n`` up to this goes through the read-ahead; larger reads go directly.
_SMALL_READ = 16 * 1024

#: Attributes that are not blocking: passed through (as every unknown attribute is).
_SYNC_ATTRS = frozenset(
    {
        "closed",
        "encoding",
        "errors",
        "fileno",
        "isatty",
        "newlines",
        "readable",
        "seekable",
        "writable",
        "buffer",
        "raw",
        "line_buffering",
        "closefd",
        "name",
        "mode",
        "getvalue",
        "getbuffer",
    }
)
#: Blocking methods: async on the wrapper, run in a worker thread.
_ASYNC_METHODS = frozenset(
    {
        "flush",
        "read",
        "read1",
        "readall",
        "readinto",
        "readinto1",
        "readline",
        "readlines",
        "seek",
        "tell",
        "truncate",
        "write",
        "writelines",
        "peek",
    }
)


# ---------------------------------------------------------------- read-ahead


class _BinaryAhead:
    """Read-ahead state of a binary file: ``buf[pos:]`` is held, not yet handed out.

    ``settle``, ``*_job`` and ``check`` run in the worker thread (under the
    wrapper's lock); ``line_ready``, ``take_*`` also run in the run's thread,
    between awaits.
    """

    __slots__ = ("file", "buf", "pos", "checked", "usable")

    def __init__(self, file: Any) -> None:
        self.file = file
        self.buf = b""
        self.pos = 0
        self.checked = False
        self.usable = True

    def held(self) -> int:
        return len(self.buf) - self.pos

    def snapshot(self) -> tuple[object, int, int]:
        """Changes whenever anything is taken or fetched (identity of the buffer, offsets)."""
        return (self.buf, self.pos, 0)

    def clear(self) -> None:
        self.buf = b""
        self.pos = 0

    def check(self) -> bool:
        """Whether this file may read ahead (asked once, in the thread)."""
        if not self.checked:
            self.checked = True
            self.usable = bool(self.file.readable() and self.file.seekable())
        return self.usable

    def settle(self) -> None:
        held = self.held()
        self.clear()
        if held:
            self.file.seek(-held, os.SEEK_CUR)

    def line_ready(self, size: int) -> bool:
        if 0 <= size <= self.held():
            return True
        return self.buf.find(b"\n", self.pos) >= 0

    def ticket(self) -> tuple[bytes, int, int] | None:
        """Where the next whole line is, if it is held (a claim checked by ``cash``)."""
        buf, pos = self.buf, self.pos
        end = buf.find(b"\n", pos)
        return None if end < 0 else (buf, pos, end + 1)

    def cash(self, ticket: tuple[bytes, int, int]) -> bytes | None:
        """The line ``ticket`` claimed, or None if anything was taken or fetched since."""
        buf, pos, end = ticket
        if self.buf is not buf or self.pos != pos or self.file.closed:
            return None
        self.pos = end
        return buf[pos:end]

    def take_line(self, size: int) -> bytes:
        buf, pos = self.buf, self.pos
        end = buf.find(b"\n", pos)
        end = len(buf) if end < 0 else end + 1
        if size >= 0:
            end = min(end, pos + size)
        self.pos = end
        return buf[pos:end]

    def take(self, n: int) -> bytes:
        pos = self.pos
        end = min(pos + n, len(self.buf))
        self.pos = end
        return self.buf[pos:end]

    def _fetch(self, need: int, line: bool) -> None:
        """Read blocks until ``need`` bytes (or a line end) are held, or to the end of file."""
        chunks = [self.buf[self.pos :]] if self.held() else []
        held = self.held()
        while True:
            more = self.file.read(max(_BLOCK, need - held))
            if not more:
                break
            chunks.append(more)
            held += len(more)
            if (b"\n" in more) if line else held >= need:
                break
        self.buf = b"".join(chunks)
        self.pos = 0

    def readline_job(self, size: int) -> bytes:
        if self.file.closed:
            self.clear()
            return self.file.readline(size)  # type: ignore[no-any-return]
        if not self.line_ready(size):
            if not self.check():
                return self.file.readline(size)  # type: ignore[no-any-return]
            self._fetch(size, line=True)
        return self.take_line(size)

    def read_job(self, n: int) -> bytes:
        if self.file.closed:
            self.clear()
            return self.file.read(n)  # type: ignore[no-any-return]
        if self.held() < n:
            if not self.check():
                return self.file.read(n)  # type: ignore[no-any-return]
            self._fetch(n, line=False)
        return self.take(n)

    def tell_job(self) -> int:
        return self.file.tell() - self.held()  # type: ignore[no-any-return]


class _TextAhead:
    """Read-ahead state of a read-only text file.

    ``lines[index][offset:]`` and the lines after it are held.  ``cookie`` is
    ``file.tell()`` from just before ``lines`` were read, and ``consumed`` the
    number of characters handed out since: settling is ``seek(cookie)`` then
    ``read(consumed)``.  ``held_chars`` counts what is held.  ``last_whole``
    says whether the last line held ends with its line end (if not, it was
    the end of the file when it was read, and is not served as a whole line).
    """

    __slots__ = (
        "file",
        "lines",
        "index",
        "offset",
        "cookie",
        "consumed",
        "held_chars",
        "last_whole",
        "checked",
        "usable",
    )

    def __init__(self, file: Any) -> None:
        self.file = file
        self.checked = False
        self.usable = True
        self.cookie = 0
        self.clear()

    def clear(self) -> None:
        self.lines: list[str] = []
        self.index = 0
        self.offset = 0
        self.consumed = 0
        self.held_chars = 0
        self.last_whole = True

    def held(self) -> int:
        return self.held_chars

    def snapshot(self) -> tuple[object, int, int]:
        """Changes whenever anything is taken or fetched (identity of the list, offsets)."""
        return (self.lines, self.index, self.offset)

    def check(self) -> bool:
        if not self.checked:
            self.checked = True
            f = self.file
            self.usable = bool(f.readable() and f.seekable() and not f.writable())
        return self.usable

    def settle(self) -> None:
        if self.held_chars:
            cookie, consumed = self.cookie, self.consumed
            self.clear()
            self.file.seek(cookie)
            if consumed:
                self.file.read(consumed)
        else:
            self.clear()

    def line_ready(self, size: int) -> bool:
        if not self.held_chars:
            return False
        if 0 <= size <= len(self.lines[self.index]) - self.offset:
            return True
        return self.index < len(self.lines) - 1 or self.last_whole

    def ticket(self) -> tuple[list[str], int, int] | None:
        """Where the next whole line is, if it is held (a claim checked by ``cash``)."""
        lines, index = self.lines, self.index
        last = len(lines) - 1
        if index < last or (index == last and self.last_whole):
            return (lines, index, self.offset)
        return None

    def cash(self, ticket: tuple[list[str], int, int]) -> str | None:
        """The line ``ticket`` claimed, or None if anything was taken or fetched since."""
        lines, index, offset = ticket
        if self.lines is not lines or self.index != index or self.offset != offset:
            return None
        if self.file.closed:
            return None
        line = lines[index]
        if offset:
            line = line[offset:]
            self.offset = 0
        self.index = index + 1
        self.consumed += len(line)
        self.held_chars -= len(line)
        return line

    def take_line(self, size: int) -> str:
        line = self.lines[self.index]
        rest = line[self.offset :] if self.offset else line
        if 0 <= size < len(rest):
            rest = rest[:size]
            self.offset += size
        else:
            self.index += 1
            self.offset = 0
        self.consumed += len(rest)
        self.held_chars -= len(rest)
        return rest

    def take(self, n: int) -> str:
        parts: list[str] = []
        lines = self.lines
        while n > 0 and self.index < len(lines):
            line = lines[self.index]
            rest = len(line) - self.offset
            if rest <= n:
                parts.append(line[self.offset :] if self.offset else line)
                self.index += 1
                self.offset = 0
                n -= rest
            else:
                parts.append(line[self.offset : self.offset + n])
                self.offset += n
                n = 0
        text = "".join(parts)
        self.consumed += len(text)
        self.held_chars -= len(text)
        return text

    def _fetch(self) -> bool:
        """Read whole lines, up to about ``_BLOCK`` characters; False if read-ahead is off."""
        if not self.check():
            return False
        f = self.file
        try:
            cookie = f.tell()
        except OSError:
            # Not seekable after all, or tell() disabled by a `for line in wrapped`.
            self.usable = False
            return False
        lines: list[str] = []
        total = 0
        whole = True
        readline = f.readline
        try:
            while total < _BLOCK:
                line = readline()
                if not line:
                    break
                lines.append(line)
                total += len(line)
                if line[-1] not in "\r\n":
                    whole = False
                    break
        except Exception:
            # A bad line (say a decoding error): hand out the good ones before
            # it, and leave the file just after them, so that the error is
            # raised (again) when the caller reaches it.
            f.seek(cookie)
            if not lines:
                raise
            f.read(total)
            whole = True
        self.clear()
        self.lines = lines
        self.cookie = cookie
        self.held_chars = total
        self.last_whole = whole
        return True

    def readline_job(self, size: int) -> str:
        if self.file.closed:
            self.clear()
            return self.file.readline(size)  # type: ignore[no-any-return]
        if not self.line_ready(size):
            self.settle()
            if not self._fetch():
                return self.file.readline(size)  # type: ignore[no-any-return]
            if not self.held_chars:
                return ""
        return self.take_line(size)

    def read_job(self, n: int) -> str:
        if self.file.closed:
            self.clear()
            return self.file.read(n)  # type: ignore[no-any-return]
        if self.held_chars >= n:
            return self.take(n)
        # Hand out what is held, read the rest directly (the file is then at the
        # logical position), and fetch the next block for the calls that follow.
        text = self.take(self.held_chars)
        self.clear()
        if text:
            more: str = self.file.read(n - len(text))
            text += more
            try:
                self._fetch()  # for the calls that follow
            except Exception:
                # Their problem, raised when they get there: this read has its text.
                self.clear()
            return text
        if not self._fetch():
            return self.file.read(n)  # type: ignore[no-any-return]
        return self.take(n)

    def tell_job(self) -> int:
        self.settle()
        return self.file.tell()  # type: ignore[no-any-return]


_Ahead = _BinaryAhead | _TextAhead


def _same(a: tuple[object, int, int], b: tuple[object, int, int]) -> bool:
    return a[0] is b[0] and a[1] == b[1] and a[2] == b[2]


def _make_ahead(file: object) -> _Ahead | None:
    kind = type(file)
    if kind in (io.BufferedReader, io.BufferedRandom, io.BytesIO):
        return _BinaryAhead(file)
    if kind in (io.TextIOWrapper, io.StringIO):
        return _TextAhead(file)
    return None


# ---------------------------------------------------------------- typing protocols

_R = TypeVar("_R", covariant=True)
_W = TypeVar("_W", contravariant=True)
_T = TypeVar("_T")
FileT = TypeVar("FileT")
FileT_co = TypeVar("FileT_co", covariant=True)


class _CanRead(Protocol[_R]):
    def read(self, size: int = ..., /) -> _R: ...


class _CanRead1(Protocol[_R]):
    def read1(self, size: int = ..., /) -> _R: ...


class _CanReadAll(Protocol[_R]):
    def readall(self) -> _R: ...


class _CanReadLine(Protocol[_R]):
    def readline(self, size: int = ..., /) -> _R: ...


class _CanReadLines(Protocol[_T]):
    def readlines(self, hint: int = ..., /) -> list[_T]: ...


class _CanPeek(Protocol[_R]):
    def peek(self, size: int = ..., /) -> _R: ...


class _CanReadInto(Protocol):
    def readinto(self, buffer: WriteableBuffer, /) -> int | None: ...


class _CanReadInto1(Protocol):
    def readinto1(self, buffer: WriteableBuffer, /) -> int: ...


class _CanSeek(Protocol):
    def seek(self, offset: int, whence: int = ..., /) -> int: ...


class _CanTell(Protocol):
    def tell(self) -> int: ...


class _CanTruncate(Protocol):
    def truncate(self, size: int | None = ..., /) -> int: ...


class _CanFlush(Protocol):
    def flush(self) -> None: ...


class _CanWrite(Protocol[_W]):
    def write(self, data: _W, /) -> int: ...


class _CanWriteLines(Protocol[_W]):
    def writelines(self, lines: Iterable[_W], /) -> None: ...


class _CanDetach(Protocol[_R]):
    def detach(self) -> _R: ...


class _HasClosed(Protocol):
    @property
    def closed(self) -> bool: ...


class _HasName(Protocol[_R]):
    @property
    def name(self) -> _R: ...


class _HasMode(Protocol):
    @property
    def mode(self) -> str: ...


class _HasEncoding(Protocol):
    @property
    def encoding(self) -> str: ...


class _HasErrors(Protocol):
    @property
    def errors(self) -> str | None: ...


class _HasNewlines(Protocol[_R]):
    @property
    def newlines(self) -> _R: ...


class _HasBuffer(Protocol[_R]):
    @property
    def buffer(self) -> _R: ...


class _HasRaw(Protocol[_R]):
    @property
    def raw(self) -> _R: ...


class _HasFileno(Protocol):
    def fileno(self) -> int: ...


class _HasIsatty(Protocol):
    def isatty(self) -> bool: ...


class _HasReadable(Protocol):
    def readable(self) -> bool: ...


class _HasSeekable(Protocol):
    def seekable(self) -> bool: ...


class _HasWritable(Protocol):
    def writable(self) -> bool: ...


class _HasGetvalue(Protocol[_R]):
    def getvalue(self) -> _R: ...


# ---------------------------------------------------------------- the wrapper


class _Blocking:
    """A blocking method of the wrapped file, as an async method of the wrapper.

    Looked up on the wrapped object at each access, so ``hasattr(wrapper,
    "peek")`` is ``hasattr(wrapper.wrapped, "peek")``.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        # What calling it on the class accepts (inspect.signature finds this).
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter("wrapper", inspect.Parameter.POSITIONAL_ONLY),
                inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL),
            ]
        )
        self.__doc__ = (
            f"``await wrapper.{name}(...)``: the wrapped file's ``{name}``, in a worker "
            "thread, with the same arguments and result.  A checkpoint (see "
            ":class:`AsyncIOWrapper` for cancellation).\n\n"
            f"Raises:\n    AttributeError: on access, if the wrapped file has no ``{name}``.\n"
            f"    Whatever the wrapped file's ``{name}`` raises, unchanged."
        )

    def __get__(self, obj: AsyncIOWrapper[Any] | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        getattr(obj._wrapped, self.name)  # AttributeError if the file has no such method
        if self.name == "read":
            return obj._read
        if self.name == "readline":
            return obj._readline
        if self.name == "tell" and obj._ahead is not None:
            return obj._tell
        return partial(obj._call, self.name)

    async def __call__(self, wrapper: AsyncIOWrapper[Any], *args: Any) -> Any:
        # ``AsyncIOWrapper.read(wrapper, 10)``, as with a plain method.
        return await self.__get__(wrapper)(*args)


class AsyncIOWrapper(Generic[FileT_co]):
    """An async file object: a file whose blocking methods run in a worker thread.

    Made by :func:`open_file` and :func:`wrap_file` (and ``await path.open()``);
    no public constructor.  The blocking methods of the wrapped object
    (``read``, ``read1``, ``readall``, ``readinto``, ``readinto1``,
    ``readline``, ``readlines``, ``peek``, ``write``, ``writelines``, ``seek``,
    ``tell``, ``truncate``, ``flush``, whichever it has) are async here and run
    in a worker thread with the default thread limiter; every other attribute
    (``closed``, ``name``, ``mode``, ``encoding``, ``fileno()``...) is the wrapped
    object's own.  ``async with`` closes the file on the way out, and ``async
    for line in f`` reads it line by line.

    Each async method is a checkpoint.  Cancelled before its thread starts, it
    raises :exc:`~trio_core.Cancelled` and does nothing; once its thread has
    started, it completes and returns (the cancellation is raised at the next
    checkpoint), as Trio's file objects do.  Errors are the standard library's,
    unchanged (``ValueError`` on a closed file, ``io.UnsupportedOperation``...).

    For the standard library's own buffered and text files, reading line by
    line or in small pieces fetches a large block per thread hop while keeping
    ``tell()``, ``seek()`` and interleaved reads and writes exact; see the
    package's README.
    """

    __slots__ = ("_wrapped", "_ahead", "_lock")

    def __init__(self, file: FileT_co) -> None:
        self._wrapped = file
        self._ahead = _make_ahead(file)
        self._lock = trio_core.Lock() if self._ahead is not None else None

    def __repr__(self) -> str:
        return f"<trio_files.AsyncIOWrapper wrapping {self._wrapped!r}>"

    @property
    def wrapped(self) -> FileT_co:
        """The wrapped file object (see the README on its position while reading ahead)."""
        return self._wrapped

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_wrapped", "_ahead", "_lock"):
            raise AttributeError(name)
        return getattr(self._wrapped, name)

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        names.update(name for name in dir(self._wrapped) if not name.startswith("_"))
        return sorted(names)

    # -- running things in the thread

    async def _locked(self, fn: Callable[..., Any], *args: Any) -> Any:
        lock = self._lock
        assert lock is not None
        try:
            lock.acquire_nowait()
        except trio_core.WouldBlock:
            await lock.acquire()
        try:
            return await _to_thread.run_sync(fn, *args)
        finally:
            lock.release()

    def _settled(self, name: str, args: tuple[Any, ...]) -> Any:
        # In the worker thread, under the lock.
        assert self._ahead is not None
        self._ahead.settle()
        return getattr(self._wrapped, name)(*args)

    async def _call(self, name: str, *args: Any) -> Any:
        if self._ahead is None:
            return await _to_thread.run_sync(getattr(self._wrapped, name), *args)
        return await self._locked(self._settled, name, args)

    async def _readline(self, size: int | None = -1, /) -> Any:
        ahead = self._ahead
        if ahead is None:
            return await _to_thread.run_sync(self._wrapped.readline, size)  # type: ignore[attr-defined]
        lock = self._lock
        assert lock is not None
        if size is None:
            size = -1
        elif type(size) is not int:
            # Let the file itself refuse (or accept) an odd argument.
            return await self._locked(self._settled, "readline", (size,))
        if size < 0:
            if not lock.locked():
                ticket = ahead.ticket()
                if ticket is not None:
                    await checkpoint()
                    # Another task may have run meanwhile: cash() checks.
                    if not lock.locked():
                        line = ahead.cash(ticket)  # type: ignore[arg-type]
                        if line is not None:
                            return line
        elif ahead.line_ready(size) and not lock.locked():
            snap = ahead.snapshot()
            await checkpoint()
            if _same(ahead.snapshot(), snap) and not lock.locked() and not self._wrapped.closed:  # type: ignore[attr-defined]
                return ahead.take_line(size)
        return await self._locked(ahead.readline_job, size)

    async def _read(self, size: int | None = -1, /) -> Any:
        ahead = self._ahead
        if ahead is None:
            return await _to_thread.run_sync(self._wrapped.read, size)  # type: ignore[attr-defined]
        lock = self._lock
        assert lock is not None
        if type(size) is not int or not 0 <= size <= _SMALL_READ:
            return await self._locked(self._settled, "read", (size,))
        if ahead.held() >= size and not lock.locked():
            snap = ahead.snapshot()
            await checkpoint()
            if _same(ahead.snapshot(), snap) and not lock.locked() and not self._wrapped.closed:  # type: ignore[attr-defined]
                return ahead.take(size)
        return await self._locked(ahead.read_job, size)

    async def _tell(self) -> int:
        assert self._ahead is not None
        return await self._locked(self._ahead.tell_job)  # type: ignore[no-any-return]

    # -- the typed surface (the runtime methods are the _Blocking descriptors below)

    if TYPE_CHECKING:

        async def read(self: AsyncIOWrapper[_CanRead[_R]], size: int | None = -1, /) -> _R: ...
        async def read1(self: AsyncIOWrapper[_CanRead1[_R]], size: int = -1, /) -> _R: ...
        async def readall(self: AsyncIOWrapper[_CanReadAll[_R]]) -> _R: ...
        async def readline(self: AsyncIOWrapper[_CanReadLine[_R]], size: int = -1, /) -> _R: ...
        async def readlines(
            self: AsyncIOWrapper[_CanReadLines[_T]], hint: int = -1, /
        ) -> list[_T]: ...
        async def peek(self: AsyncIOWrapper[_CanPeek[_R]], size: int = 0, /) -> _R: ...
        async def readinto(
            self: AsyncIOWrapper[_CanReadInto], buffer: WriteableBuffer, /
        ) -> int | None: ...
        async def readinto1(
            self: AsyncIOWrapper[_CanReadInto1], buffer: WriteableBuffer, /
        ) -> int: ...
        async def seek(self: AsyncIOWrapper[_CanSeek], offset: int, whence: int = 0, /) -> int: ...
        async def tell(self: AsyncIOWrapper[_CanTell]) -> int: ...
        async def truncate(
            self: AsyncIOWrapper[_CanTruncate], size: int | None = None, /
        ) -> int: ...
        async def flush(self: AsyncIOWrapper[_CanFlush]) -> None: ...
        async def write(self: AsyncIOWrapper[_CanWrite[_W]], data: _W, /) -> int: ...
        async def writelines(
            self: AsyncIOWrapper[_CanWriteLines[_W]], lines: Iterable[_W], /
        ) -> None: ...
        async def __anext__(self: AsyncIOWrapper[_CanReadLine[_R]]) -> _R: ...
        def __aiter__(self) -> Self: ...
        @property
        def closed(self: AsyncIOWrapper[_HasClosed]) -> bool: ...
        @property
        def name(self: AsyncIOWrapper[_HasName[_R]]) -> _R: ...
        @property
        def mode(self: AsyncIOWrapper[_HasMode]) -> str: ...
        @property
        def encoding(self: AsyncIOWrapper[_HasEncoding]) -> str: ...
        @property
        def errors(self: AsyncIOWrapper[_HasErrors]) -> str | None: ...
        @property
        def newlines(self: AsyncIOWrapper[_HasNewlines[_R]]) -> _R: ...
        @property
        def buffer(self: AsyncIOWrapper[_HasBuffer[_R]]) -> _R: ...
        @property
        def raw(self: AsyncIOWrapper[_HasRaw[_R]]) -> _R: ...
        def fileno(self: AsyncIOWrapper[_HasFileno]) -> int: ...
        def isatty(self: AsyncIOWrapper[_HasIsatty]) -> bool: ...
        def readable(self: AsyncIOWrapper[_HasReadable]) -> bool: ...
        def seekable(self: AsyncIOWrapper[_HasSeekable]) -> bool: ...
        def writable(self: AsyncIOWrapper[_HasWritable]) -> bool: ...
        def getvalue(self: AsyncIOWrapper[_HasGetvalue[_R]]) -> _R: ...

    else:
        for _name in sorted(_ASYNC_METHODS):
            locals()[_name] = _Blocking(_name)
        del _name

        def __aiter__(self) -> Self:
            """``async for line in f``: this object.  Not a checkpoint."""
            return self

        async def __anext__(self) -> Any:
            """The next line (``readline()``), or StopAsyncIteration at the end.  A checkpoint."""
            ahead = self._ahead
            if ahead is not None:
                # The common case of _readline(), inlined: a held whole line.
                lock = self._lock
                if not lock.locked():  # type: ignore[union-attr]
                    ticket = ahead.ticket()
                    if ticket is not None:
                        await checkpoint()
                        if not lock.locked():  # type: ignore[union-attr]
                            held = ahead.cash(ticket)  # type: ignore[arg-type]
                            if held is not None:
                                return held
                line = await self._readline()
            else:
                line = await self.readline()
            if not line:
                raise StopAsyncIteration
            return line

    # -- closing

    async def aclose(self) -> None:
        """Close the file (``close()`` in a worker thread), even if cancelled.

        Idempotent, as closing a closed file is.  The close is shielded from
        cancellation, so that the file (and its descriptor) is never left
        open; a cancellation is then raised.  A checkpoint.

        Raises:
            Whatever the wrapped file's ``close()`` raises (an ``OSError`` from
            its final flush, say); the file is closed all the same.
        """
        with trio_core.CancelScope(shield=True):
            if self._ahead is None:
                await _to_thread.run_sync(self._wrapped.close)  # type: ignore[attr-defined]
            else:
                ahead = self._ahead

                def close() -> None:
                    ahead.clear()
                    self._wrapped.close()  # type: ignore[attr-defined]

                await self._locked(close)
        await checkpoint_if_cancelled()

    async def graceful_close(self) -> None:
        """The seed's name for :meth:`aclose`: the same operation.  A checkpoint.

        Raises:
            Whatever :meth:`aclose` raises.
        """
        await self.aclose()

    async def __aenter__(self) -> Self:
        """Return this object, for ``async with``.  Not a checkpoint."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the file with :meth:`aclose`.  A checkpoint; does not suppress exceptions."""
        await self.aclose()

    async def detach(self: AsyncIOWrapper[_CanDetach[_R]]) -> AsyncIOWrapper[_R]:
        """Detach the underlying buffer or raw file, and return it wrapped.

        ``detach()`` of the wrapped object in a worker thread (after giving back
        any read-ahead, so the buffer is positioned where this file was); this
        wrapper is unusable afterwards, as the wrapped object is.  A checkpoint.

        Returns:
            An :class:`AsyncIOWrapper` of what ``detach()`` returned.

        Raises:
            AttributeError: if the wrapped object has no ``detach`` (raw files).
            Whatever the wrapped ``detach()`` raises (``ValueError`` if closed).
        """
        getattr(self._wrapped, "detach")  # noqa: B009 - AttributeError before any thread
        inner: _R = await self._call("detach")
        return AsyncIOWrapper(inner)


def wrap_file(file: FileT) -> AsyncIOWrapper[FileT]:
    """Wrap an already open file-like object in an :class:`AsyncIOWrapper`.

    The object needs a ``close`` method and a ``read`` or a ``write`` method;
    its blocking methods become async (see :class:`AsyncIOWrapper`).  Not a
    checkpoint: nothing is read or written.

    Args:
        file: a file object (from ``open()``, ``io.BytesIO``, ``tempfile``...)
            or any object shaped like one.

    Returns:
        An :class:`AsyncIOWrapper` around ``file``.

    Raises:
        TypeError: if ``file`` has no ``close`` method, or neither ``read`` nor
            ``write``.
    """

    def has(attr: str) -> bool:
        return callable(getattr(file, attr, None))

    if not (has("close") and (has("read") or has("write"))):
        raise TypeError(
            f"wrap_file() needs a file object (with close() and read() or write()), "
            f"got {file!r}; to open a path, use `await open_file(path)`"
        )
    return AsyncIOWrapper(file)


_Opener = Callable[[str, int], int]


@overload
async def open_file(
    file: FileDescriptorOrPath,
    mode: OpenTextMode = "r",
    buffering: int = -1,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    closefd: bool = True,
    opener: _Opener | None = None,
) -> AsyncIOWrapper[io.TextIOWrapper]: ...
@overload
async def open_file(
    file: FileDescriptorOrPath,
    mode: OpenBinaryMode,
    buffering: Literal[0],
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    closefd: bool = True,
    opener: _Opener | None = None,
) -> AsyncIOWrapper[io.FileIO]: ...
@overload
async def open_file(
    file: FileDescriptorOrPath,
    mode: OpenBinaryModeUpdating,
    buffering: Literal[-1, 1] = -1,
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    closefd: bool = True,
    opener: _Opener | None = None,
) -> AsyncIOWrapper[io.BufferedRandom]: ...
@overload
async def open_file(
    file: FileDescriptorOrPath,
    mode: OpenBinaryModeWriting,
    buffering: Literal[-1, 1] = -1,
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    closefd: bool = True,
    opener: _Opener | None = None,
) -> AsyncIOWrapper[io.BufferedWriter]: ...
@overload
async def open_file(
    file: FileDescriptorOrPath,
    mode: OpenBinaryModeReading,
    buffering: Literal[-1, 1] = -1,
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    closefd: bool = True,
    opener: _Opener | None = None,
) -> AsyncIOWrapper[io.BufferedReader]: ...
@overload
async def open_file(
    file: FileDescriptorOrPath,
    mode: OpenBinaryMode,
    buffering: int = -1,
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    closefd: bool = True,
    opener: _Opener | None = None,
) -> AsyncIOWrapper[IO[bytes]]: ...
@overload
async def open_file(
    file: FileDescriptorOrPath,
    mode: str,
    buffering: int = -1,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    closefd: bool = True,
    opener: _Opener | None = None,
) -> AsyncIOWrapper[IO[Any]]: ...


async def open_file(
    file: FileDescriptorOrPath,
    mode: str = "r",
    buffering: int = -1,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    closefd: bool = True,
    opener: _Opener | None = None,
) -> AsyncIOWrapper[Any]:
    """Open a file, as the built-in :func:`open` does, in a worker thread.

    ``async with await open_file(path) as f:`` then ``await f.read()``,
    ``async for line in f``...  A checkpoint: cancelled before the thread
    starts, nothing is opened; once it has started, the file is opened and
    returned (close it: ``async with`` does).

    Args:
        file: a path (``str``, ``bytes``, an ``os.PathLike`` such as
            :class:`~trio_files.Path`) or a file descriptor.
        mode: as for :func:`open` (``"r"``, ``"rb"``, ``"w"``, ``"a+"``...).
        buffering: as for :func:`open` (0: unbuffered, binary only).
        encoding: as for :func:`open` (text mode only).
        errors: as for :func:`open` (text mode only).
        newline: as for :func:`open` (text mode only).
        closefd: as for :func:`open` (False keeps a given descriptor open).
        opener: as for :func:`open`.

    Returns:
        An :class:`AsyncIOWrapper` of the file object :func:`open` returned.

    Raises:
        FileNotFoundError, PermissionError, IsADirectoryError, ValueError,
        TypeError...: exactly what :func:`open` raises for the same arguments.
    """
    opened = await _to_thread.run_sync(
        partial(open, file, mode, buffering, encoding, errors, newline, closefd, opener)
    )
    return AsyncIOWrapper(opened)
