"""Unix-domain stream servers and clients: open_unix_listeners, serve_unix, open_unix_stream.

Design
------
A Unix-domain listener is a file in the filesystem, and the file outlives the
process: a server that crashed leaves a *stale* socket file behind, on which
the next ``bind`` fails with ``EADDRINUSE``.  The usual fix (remove the path,
then bind) is dangerous, because it also removes the file of a server that is
running.  The rules here:

* **Replace a stale file, never a live one.**  On ``EADDRINUSE`` we look at
  what is at the path.  Not a socket (a regular file, a directory): refused,
  untouched.  A socket: we *probe* it with a non-blocking ``connect``.
  Refused means nobody listens: the file is stale, and is removed before we
  bind again.  Accepted (or "try again", a live server whose queue is full)
  means a server is running: refused with ``EADDRINUSE``.
* **Two servers starting at once do not remove each other's file.**  Probe,
  removal and bind run while holding an exclusive ``flock`` on the directory
  that holds the socket, so that two processes using this library never both
  decide that the same file is stale.  (A process that replaces socket files
  without this lock is not held back by it; nothing can do that.)
* **Permissions are set before anyone can connect.**  With ``mode``, the file
  is ``chmod``-ed after ``bind`` and before ``listen``; until ``listen`` every
  ``connect`` is refused, so no client ever connects under the umask's mode.
* **The file is removed on close, if it is still ours.**  The listener records
  the device and inode of the file it created, and removes the path on close
  only if it still names that inode (another server may have replaced it by
  then).  It removes the file *before* closing the socket: while our socket is
  listening, the probe above protects the path from a careful replacer.
* **Abstract names (Linux only) start with a NUL.**  ``"\\0name"`` (or
  ``b"\\0name"``), as the kernel and Python's :mod:`socket` spell them, is a
  name in the abstract namespace: no file, nothing stale, nothing to remove,
  no permissions (``mode`` is refused).  Tools such as ``ss`` show such names
  with a leading ``@``; here ``"@name"`` is an ordinary relative file name,
  since reading it otherwise would make a real file named ``@x`` unreachable.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket as _stdlib_socket
import stat
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, NoReturn, final

import trio_core
import trio_socket

from ._serve import serve_listeners
from ._socket_stream import SocketListener, SocketStream
from .abc import Listener

__all__ = ["UnixSocketListener", "open_unix_listeners", "serve_unix", "open_unix_stream"]

#: The longest path (in bytes, once encoded) a Unix socket address holds here:
#: ``sun_path`` is 108 bytes on Linux and 104 on macOS and the BSDs, and a
#: filesystem path needs one more for its terminating NUL.
MAX_PATH_BYTES: Final[int] = (108 if sys.platform.startswith("linux") else 104) - 1
# listen() backlog when none is given: the kernel caps it at its own maximum.
_DEFAULT_BACKLOG: Final = 0xFFFF
# How long to wait between attempts to take the directory lock, in seconds.
_LOCK_RETRY: Final = 0.001

UnixPath = str | bytes | os.PathLike[str] | os.PathLike[bytes]


def _af_unix() -> int:
    family = getattr(_stdlib_socket, "AF_UNIX", None)
    if family is None:  # pragma: no cover - every supported platform has it
        raise RuntimeError("this platform has no Unix domain sockets (AF_UNIX)")
    return int(family)


def _check_path(path: object, what: str) -> tuple[str | bytes, bool]:
    """The socket address for ``path`` and whether it is an abstract name.

    Raises:
        TypeError: if ``path`` is not a str, bytes or path-like object.
        ValueError: if it is empty, too long, holds a NUL (other than an
            abstract name's first byte), or is abstract off Linux.
    """
    try:
        address = os.fspath(path)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"{what} needs the socket's path as a str, bytes or os.PathLike, "
            f"got {path!r} (of type {type(path).__name__})"
        ) from None
    encoded = os.fsencode(address)
    if not encoded:
        raise ValueError(f"{what}: the socket path is empty; pass a file name such as 'app.sock'")
    abstract = encoded[:1] == b"\0"
    if abstract and not sys.platform.startswith("linux"):
        raise ValueError(
            f"{what}: {address!r} is an abstract socket name (it starts with a NUL byte), "
            "which only Linux has; use a filesystem path here"
        )
    limit = MAX_PATH_BYTES + 1 if abstract else MAX_PATH_BYTES
    if len(encoded) > limit:
        raise ValueError(
            f"{what}: the socket path {address!r} is {len(encoded)} bytes long, and a Unix "
            f"socket address holds at most {limit} here; use a shorter path (a relative "
            "path, or a directory nearer the root such as /run or /tmp)"
        )
    if b"\0" in encoded[1:]:
        raise ValueError(
            f"{what}: the socket path {address!r} contains a NUL byte"
            + ("" if abstract else " (only an abstract name may start with one)")
        )
    return address, abstract


def _check_mode(mode: object) -> int | None:
    if mode is None:
        return None
    if isinstance(mode, bool) or not isinstance(mode, int):
        raise TypeError(
            f"mode must be an int of permission bits such as 0o660, or None, got {mode!r}"
        )
    if not 0 <= mode <= 0o7777:
        raise ValueError(f"mode must be permission bits between 0 and 0o7777, got {oct(mode)}")
    return mode


def _check_backlog(backlog: object) -> int:
    if backlog is None:
        return _DEFAULT_BACKLOG
    if isinstance(backlog, bool) or not isinstance(backlog, int):
        raise TypeError(f"backlog must be an int or None, got {backlog!r}")
    if backlog < 0:
        raise ValueError(f"backlog must not be negative, got {backlog!r}")
    return min(backlog, _DEFAULT_BACKLOG)


def _identity(path: str | bytes) -> tuple[int, int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISSOCK(st.st_mode):
        return None
    return (st.st_dev, st.st_ino)


def _is_live(path: str | bytes) -> bool:
    """Whether a server listens on the socket file at ``path`` (never blocks)."""
    probe = _stdlib_socket.socket(_af_unix(), _stdlib_socket.SOCK_STREAM)
    try:
        probe.setblocking(False)
        probe.connect(path)
    except (ConnectionRefusedError, FileNotFoundError):
        return False
    except BlockingIOError:
        return True  # a live server whose accept queue is full
    finally:
        probe.close()
    return True


class _DirectoryLock:
    """An exclusive ``flock`` on the directory of a socket path, taken without
    blocking the run (retried with short sleeps).  If the directory cannot be
    opened for reading, there is no lock (and no protection against another
    server starting at the same moment)."""

    def __init__(self, path: str | bytes) -> None:
        directory = os.path.dirname(os.fsencode(path)) or b"."
        try:
            self._fd: int | None = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self._fd = None

    async def acquire(self) -> None:
        if self._fd is None:
            return
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                await trio_core.sleep(_LOCK_RETRY)
            except OSError:
                return  # a filesystem without flock: go on unprotected

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # also drops the lock
            self._fd = None


def _bind_replacing_stale(sock: trio_socket.SocketType, address: str | bytes) -> None:
    try:
        sock.bind(address)
        return
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise OSError(
                exc.errno, f"can't listen on Unix socket {address!r}: {exc.strerror}"
            ) from None
    try:
        st = os.lstat(address)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISSOCK(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a socket"
        raise FileExistsError(
            errno.EEXIST,
            f"can't listen on Unix socket {address!r}: the path exists and is {kind}; "
            "it was left alone: remove it yourself or pick another path",
        )
    if st is not None:
        if _is_live(address):
            raise OSError(
                errno.EADDRINUSE,
                f"can't listen on Unix socket {address!r}: another server is listening on it "
                "(the file was left alone); stop that server or pick another path",
            )
        # Stale: left by a server that is gone.  Remove it, if it is still that file.
        if _identity(address) == (st.st_dev, st.st_ino):
            os.unlink(address)
    try:
        sock.bind(address)
    except OSError as exc:
        raise OSError(
            exc.errno, f"can't listen on Unix socket {address!r}: {exc.strerror}"
        ) from None


@final
class UnixSocketListener(Listener[SocketStream]):
    """A listener on a Unix-domain socket that removes its socket file when closed.

    :meth:`accept` returns a :class:`~trio_streams.SocketStream`.  Closing
    removes the file at :attr:`path` only if it is still the one this listener
    created (same device and inode): a file another server put there since is
    left alone.  An abstract name (Linux) has no file.  One task at a time may
    be in :meth:`accept`.

    It has no public constructor: :func:`open_unix_listeners` makes it.
    """

    __slots__ = ("_listener", "_path", "_identity")

    def __init__(
        self, listener: SocketListener, path: str | bytes, identity: tuple[int, int] | None
    ) -> None:
        self._listener = listener
        self._path = path
        self._identity = identity

    def __repr__(self) -> str:
        return f"<UnixSocketListener {self._path!r}>"

    @property
    def socket(self) -> trio_socket.SocketType:
        """The listening trio socket."""
        return self._listener.socket

    @property
    def path(self) -> str | bytes:
        """The socket's address: its filesystem path, or an abstract name starting with NUL."""
        return self._path

    async def accept(self) -> SocketStream:
        """Wait for a connection and return it as a :class:`~trio_streams.SocketStream`.

        A checkpoint.

        Returns:
            The new stream; the caller owns it.

        Raises:
            trio_core.BusyResourceError: if another task is in ``accept``.
            trio_core.ClosedResourceError: if the listener was (or gets) closed.
            OSError: if accepting failed for a reason that concerns the whole
                process (out of file descriptors or memory); the listener stays usable.
        """
        return await self._listener.accept()

    def forceful_close(self) -> None:
        """Remove the socket file (if it is still ours), then close the socket.

        Tasks in :meth:`accept` wake with :exc:`~trio_core.ClosedResourceError`.
        Idempotent.  Not a checkpoint.  A file that cannot be removed
        (its directory became read-only, say) is left behind silently: the
        next server on the path replaces it as stale.
        """
        identity, self._identity = self._identity, None
        if identity is not None and _identity(self._path) == identity:
            try:
                os.unlink(self._path)
            except OSError:
                pass
        self._listener.forceful_close()


async def open_unix_listeners(
    path: UnixPath, *, mode: int | None = None, backlog: int | None = None
) -> list[UnixSocketListener]:
    """Listen for connections on the Unix-domain socket at ``path``.

    Returns a list of one listener (as :func:`~trio_streams.open_tcp_listeners`
    returns a list), ready for :func:`~trio_streams.serve_listeners`.  A
    socket file left by a server that is gone (nobody accepts a probing
    ``connect``) is replaced; a live server's file, or anything that is not a
    socket, is left alone and refused.  Closing the listener removes the file,
    if it is still this listener's.  A checkpoint.

    Args:
        path: the socket's filesystem path (str, bytes or path-like), or on
            Linux an abstract name starting with a NUL byte (``"\\0myapp"``).
        mode: the file's permission bits (``0o660``: owner and group only),
            set before the first connection can be accepted; default: what
            the umask gives.  Not for abstract names.
        backlog: the ``listen()`` queue length (default: the kernel maximum).

    Returns:
        ``[UnixSocketListener]``.

    Raises:
        TypeError: if ``path`` is not a path, or ``mode`` or ``backlog`` not an int.
        ValueError: if ``path`` is empty, too long for a Unix socket address
            (the message gives the limit), holds a NUL, is abstract off Linux,
            or is abstract with a ``mode``; if ``mode`` or ``backlog`` is out of range.
        FileExistsError: if something that is not a socket exists at ``path``.
        OSError: ``EADDRINUSE`` if a server is listening on ``path``; any
            other error of ``bind`` (a missing directory, no permission),
            naming the path.
        RuntimeError: if the platform has no Unix-domain sockets.
    """
    address, abstract = _check_path(path, "open_unix_listeners")
    mode = _check_mode(mode)
    backlog = _check_backlog(backlog)
    if abstract and mode is not None:
        raise ValueError(
            "mode has no meaning for an abstract socket name (there is no file to chmod); "
            "leave it out, or use a filesystem path"
        )
    sock = trio_socket.socket(_af_unix(), _stdlib_socket.SOCK_STREAM)
    try:
        identity = None
        if abstract:
            await trio_core.lowlevel.checkpoint()
            try:
                sock.bind(address)
            except OSError as exc:
                raise OSError(
                    exc.errno, f"can't listen on abstract Unix socket {address!r}: {exc.strerror}"
                ) from None
        else:
            lock = _DirectoryLock(address)
            try:
                await lock.acquire()
                await trio_core.lowlevel.checkpoint()
                _bind_replacing_stale(sock, address)
                identity = _identity(address)
                try:
                    if mode is not None:
                        os.chmod(address, mode)
                except BaseException:
                    if identity is not None and _identity(address) == identity:
                        os.unlink(address)
                    raise
            finally:
                lock.release()
        try:
            sock.listen(backlog)
        except BaseException:
            if identity is not None and _identity(address) == identity:
                os.unlink(address)
            raise
    except BaseException:
        sock.close()
        raise
    return [UnixSocketListener(SocketListener(sock), address, identity)]


async def serve_unix(
    handler: Callable[[SocketStream], Awaitable[object]],
    path: UnixPath,
    *,
    mode: int | None = None,
    backlog: int | None = None,
    handler_nursery: trio_core.Nursery | None = None,
    task_status: trio_core.TaskStatus[Sequence[Listener[Any]]] = trio_core.TASK_STATUS_IGNORED,
) -> NoReturn:
    """Serve on a Unix-domain socket: :func:`open_unix_listeners` then
    :func:`~trio_streams.serve_listeners`.

    ``handler`` gets a :class:`~trio_streams.SocketStream` per connection.
    With :meth:`Nursery.start <trio_core.Nursery.start>`, returns the list of
    one :class:`UnixSocketListener` once listening.  When it stops (cancelled,
    or a handler failed), the socket file is removed (if still its own).

    A checkpoint: it runs until cancelled (or until something fails), and
    never returns normally.

    Args:
        handler: an async function taking a :class:`~trio_streams.SocketStream`.
        path: the socket's path, or an abstract name (see :func:`open_unix_listeners`).
        mode: the file's permission bits (see :func:`open_unix_listeners`).
        backlog: the ``listen()`` queue length (default: the kernel maximum).
        handler_nursery: where to run the handlers (default: inside this call).
        task_status: for :meth:`Nursery.start <trio_core.Nursery.start>`.

    Raises:
        TypeError: as :func:`open_unix_listeners` raises it.
        ValueError: as :func:`open_unix_listeners` raises it.
        OSError: as :func:`open_unix_listeners` raises it.
        ExceptionGroup: as :func:`~trio_streams.serve_listeners` raises it.
    """
    listeners = await open_unix_listeners(path, mode=mode, backlog=backlog)
    await serve_listeners(
        handler, listeners, handler_nursery=handler_nursery, task_status=task_status
    )


async def open_unix_stream(path: UnixPath) -> SocketStream:
    """Connect to the Unix-domain socket at ``path``.

    A checkpoint.

    Args:
        path: the socket's filesystem path, or on Linux an abstract name
            starting with a NUL byte.

    Returns:
        A :class:`~trio_streams.SocketStream` for the connection.

    Raises:
        TypeError: if ``path`` is not a str, bytes or path-like object.
        ValueError: if ``path`` is empty, too long, holds a NUL, or is abstract off Linux.
        FileNotFoundError: if nothing is at ``path``.
        ConnectionRefusedError: if nobody listens there (a stale socket file,
            or a file that is not a socket: the message says which).
        OSError: any other error of ``connect`` (no permission...), naming the path.
        RuntimeError: if the platform has no Unix-domain sockets.
    """
    address, abstract = _check_path(path, "open_unix_stream")
    sock = trio_socket.socket(_af_unix(), _stdlib_socket.SOCK_STREAM)
    try:
        try:
            await sock.connect(address)
        except OSError as exc:
            raise _connect_error(exc, address, abstract) from None
        return SocketStream(sock)
    except BaseException:
        sock.close()
        raise


def _connect_error(exc: OSError, address: str | bytes, abstract: bool) -> OSError:
    where = f"abstract Unix socket {address!r}" if abstract else f"Unix socket {address!r}"
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ECONNREFUSED:
        if abstract:
            reason = "nobody listens on that abstract name"
        else:
            try:
                is_socket = stat.S_ISSOCK(os.stat(address).st_mode)
            except OSError:
                is_socket = True
            reason = (
                "nobody listens on it (a socket file left by a server that is gone?)"
                if is_socket
                else "the path exists but is not a socket"
            )
    elif exc.errno == errno.ENOENT:
        reason = "no such file: is the server running, and is the path right?"
    # OSError(errno, ...) is the errno's own subclass (FileNotFoundError...).
    return OSError(exc.errno, f"can't connect to {where}: {reason}")
