"""Unix-domain listeners and clients: stale files, live servers, modes, removal, abstract names."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import socket as stdlib_socket
import stat
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import trio_core
from trio_core.testing import wait_all_tasks_blocked
from trio_streams import (
    SocketStream,
    UnixSocketListener,
    open_unix_listeners,
    open_unix_stream,
    serve_listeners,
    serve_unix,
)

pytestmark = pytest.mark.skipif(not hasattr(stdlib_socket, "AF_UNIX"), reason="no AF_UNIX")
LINUX = sys.platform.startswith("linux")


@pytest.fixture
def sock_dir() -> Iterator[Path]:
    # Short on purpose: pytest's tmp_path can exceed a Unix socket address's 104-108 bytes.
    directory = Path(tempfile.mkdtemp(prefix="tsu", dir="/tmp"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def stale_socket_file(path: Path) -> None:
    """Leave a socket file at ``path`` that nobody listens on (a crashed server's)."""
    with stdlib_socket.socket(stdlib_socket.AF_UNIX) as sock:
        sock.bind(str(path))


async def echo_once(listener: UnixSocketListener, path: str | bytes | Path) -> bytes:
    async with trio_core.open_nursery() as nursery:

        async def server() -> None:
            # Skips connections that leave without a word: the probes with which
            # open_unix_listeners checks whether a server is live.
            while True:
                async with await listener.accept() as stream:
                    if data := await stream.recv(100):
                        await stream.sendall(data)
                        return

        nursery.start_soon(server)
        async with await open_unix_stream(path) as client:
            await client.sendall(b"ping")
            return await client.recv(100)
    raise AssertionError("unreachable")


async def test_listen_connect_and_remove_on_close(sock_dir: Path) -> None:
    path = sock_dir / "app.sock"
    listeners = await open_unix_listeners(path)
    assert len(listeners) == 1
    listener = listeners[0]
    assert isinstance(listener, UnixSocketListener)
    assert listener.path == str(path)
    assert repr(listener) == f"<UnixSocketListener {str(path)!r}>"
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    assert listener.socket.family == stdlib_socket.AF_UNIX
    assert await echo_once(listener, path) == b"ping"
    await listener.graceful_close()
    assert not path.exists()
    listener.forceful_close()  # idempotent
    with pytest.raises(trio_core.ClosedResourceError):
        await listener.accept()


@pytest.mark.parametrize("kind", ["str", "bytes", "pathlike"])
async def test_path_types(sock_dir: Path, kind: str) -> None:
    raw = sock_dir / "k.sock"
    choices: dict[str, str | bytes | Path] = {
        "str": str(raw),
        "bytes": os.fsencode(raw),
        "pathlike": raw,
    }
    path = choices[kind]
    (listener,) = await open_unix_listeners(path)
    async with listener:
        assert await echo_once(listener, path) == b"ping"
    assert not raw.exists()


async def test_relative_path(sock_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sock_dir)
    (listener,) = await open_unix_listeners("rel.sock")
    async with listener:
        assert (sock_dir / "rel.sock").exists()
        assert await echo_once(listener, "rel.sock") == b"ping"
    assert not (sock_dir / "rel.sock").exists()


async def test_stale_file_is_replaced(sock_dir: Path) -> None:
    path = sock_dir / "stale.sock"
    stale_socket_file(path)
    with pytest.raises(ConnectionRefusedError):
        await open_unix_stream(path)
    (listener,) = await open_unix_listeners(path)
    async with listener:
        assert await echo_once(listener, path) == b"ping"
    assert not path.exists()


async def test_live_server_is_never_replaced(sock_dir: Path) -> None:
    path = sock_dir / "live.sock"
    (first,) = await open_unix_listeners(path)
    async with first:
        inode = os.lstat(path).st_ino
        with pytest.raises(OSError, match="another server is listening on it") as info:
            await open_unix_listeners(path)
        assert info.value.errno == errno.EADDRINUSE
        assert os.lstat(path).st_ino == inode
        assert await echo_once(first, path) == b"ping"


async def test_live_server_with_a_full_queue_is_never_replaced(sock_dir: Path) -> None:
    path = sock_dir / "full.sock"
    # A live server that never accepts, with the smallest queue, filled up.
    with stdlib_socket.socket(stdlib_socket.AF_UNIX) as server:
        server.bind(str(path))
        server.listen(0)
        clients = []
        try:
            for _ in range(64):
                client = stdlib_socket.socket(stdlib_socket.AF_UNIX)
                clients.append(client)
                client.setblocking(False)
                try:
                    client.connect(str(path))
                except BlockingIOError:
                    break
            with pytest.raises(OSError, match="another server is listening") as info:
                await open_unix_listeners(path)
            assert info.value.errno == errno.EADDRINUSE
        finally:
            for client in clients:
                client.close()
    assert path.exists()


async def test_something_that_is_not_a_socket_is_left_alone(sock_dir: Path) -> None:
    path = sock_dir / "file.sock"
    path.write_text("precious")
    with pytest.raises(FileExistsError, match="exists and is not a socket; it was left alone"):
        await open_unix_listeners(path)
    assert path.read_text() == "precious"
    directory = sock_dir / "adir"
    directory.mkdir()
    with pytest.raises(FileExistsError, match="is a directory"):
        await open_unix_listeners(directory)
    assert directory.is_dir()


async def test_close_leaves_a_replacement_alone(sock_dir: Path) -> None:
    path = sock_dir / "swap.sock"
    (listener,) = await open_unix_listeners(path)
    # Someone removed our file and another server now owns the path.
    os.unlink(path)
    with stdlib_socket.socket(stdlib_socket.AF_UNIX) as other:
        other.bind(str(path))
        inode = os.lstat(path).st_ino
        listener.forceful_close()
        assert os.lstat(path).st_ino == inode
    # ... and a listener whose file already vanished closes quietly.
    (second,) = await open_unix_listeners(sock_dir / "gone.sock")
    os.unlink(sock_dir / "gone.sock")
    await second.graceful_close()


async def test_mode_is_set_before_listening(sock_dir: Path) -> None:
    path = sock_dir / "mode.sock"
    (listener,) = await open_unix_listeners(path, mode=0o600)
    async with listener:
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    (listener,) = await open_unix_listeners(path, mode=0o660, backlog=5)
    async with listener:
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o660


async def test_bad_arguments(sock_dir: Path) -> None:
    path = sock_dir / "bad.sock"
    with pytest.raises(TypeError, match=r"str, bytes or os\.PathLike"):
        await open_unix_listeners(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="path is empty"):
        await open_unix_listeners("")
    too_long = "/tmp/" + "x" * 200
    with pytest.raises(ValueError, match=r"is 205 bytes long.*at most 10[37] here"):
        await open_unix_listeners(too_long)
    with pytest.raises(ValueError, match="205 bytes long"):
        await open_unix_stream(too_long)
    with pytest.raises(ValueError, match="contains a NUL byte"):
        await open_unix_listeners(str(path) + "\0x")
    with pytest.raises(TypeError, match="mode must be an int"):
        await open_unix_listeners(path, mode="0o600")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode must be permission bits"):
        await open_unix_listeners(path, mode=0o10000)
    with pytest.raises(TypeError, match="backlog must be an int"):
        await open_unix_listeners(path, backlog=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backlog must not be negative"):
        await open_unix_listeners(path, backlog=-1)
    with pytest.raises(FileNotFoundError, match="can't listen on Unix socket"):
        await open_unix_listeners(sock_dir / "missing-dir" / "x.sock")
    with pytest.raises(TypeError):
        await open_unix_stream(None)  # type: ignore[arg-type]
    assert not path.exists()


async def test_open_unix_stream_errors(sock_dir: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file: is the server running"):
        await open_unix_stream(sock_dir / "nothing.sock")
    stale = sock_dir / "stale.sock"
    stale_socket_file(stale)
    with pytest.raises(ConnectionRefusedError, match="nobody listens on it"):
        await open_unix_stream(stale)
    regular = sock_dir / "regular"
    regular.write_text("")
    with pytest.raises(OSError, match="can't connect to Unix socket"):
        await open_unix_stream(regular)


@pytest.mark.skipif(not LINUX, reason="abstract names are Linux-only")
async def test_abstract_names() -> None:
    name = f"\0trio-streams-test-{uuid.uuid4().hex}"
    (listener,) = await open_unix_listeners(name)
    async with listener:
        assert listener.path == name
        assert await echo_once(listener, name) == b"ping"
        assert await echo_once(listener, os.fsencode(name)) == b"ping"
        with pytest.raises(OSError) as info:
            await open_unix_listeners(name)
        assert info.value.errno == errno.EADDRINUSE
        assert "abstract Unix socket" in str(info.value)
    with pytest.raises(ConnectionRefusedError, match="nobody listens on that abstract name"):
        await open_unix_stream(name)
    with pytest.raises(ValueError, match="no meaning for an abstract socket name"):
        await open_unix_listeners(name, mode=0o600)
    # "@name" is an ordinary (relative) file name, not an abstract one.
    with pytest.raises(FileNotFoundError):
        await open_unix_stream("@" + name[1:])


@pytest.mark.skipif(LINUX, reason="Linux has abstract names")
async def test_abstract_names_refused_elsewhere() -> None:  # pragma: no cover - not Linux
    with pytest.raises(ValueError, match="only Linux has"):
        await open_unix_listeners("\0name")


async def test_serve_unix_and_removal_when_cancelled(sock_dir: Path) -> None:
    path = sock_dir / "serve.sock"
    seen: list[bytes] = []

    async def handler(stream: SocketStream) -> None:
        async with stream:
            data = await stream.recv(100)
            seen.append(data)
            await stream.sendall(data.upper())

    async with trio_core.open_nursery() as nursery:
        listeners = await nursery.start(serve_unix, handler, path)
        assert [type(listener) for listener in listeners] == [UnixSocketListener]
        for word in (b"one", b"two"):
            async with await open_unix_stream(path) as client:
                await client.sendall(word)
                assert await client.recv(100) == word.upper()
        assert path.exists()
        nursery.cancel_scope.cancel()
    assert seen == [b"one", b"two"]
    assert not path.exists()


async def test_serve_listeners_takes_unix_listeners(sock_dir: Path) -> None:
    path = sock_dir / "sl.sock"
    listeners = await open_unix_listeners(path, mode=0o700)

    async def handler(stream: SocketStream) -> None:
        async with stream:
            await stream.sendall(b"hi")

    async with trio_core.open_nursery() as nursery:
        await nursery.start(serve_listeners, handler, listeners)
        async with await open_unix_stream(path) as client:
            assert await client.recv(10) == b"hi"
        nursery.cancel_scope.cancel()
    assert not path.exists()


async def test_accept_cancel_busy_and_close_wake(sock_dir: Path) -> None:
    path = sock_dir / "acc.sock"
    (listener,) = await open_unix_listeners(path)
    with trio_core.move_on_after(0.01) as scope:
        await listener.accept()
    assert scope.cancelled_caught
    async with trio_core.open_nursery() as nursery:

        async def waiter() -> None:
            with pytest.raises(trio_core.ClosedResourceError):
                await listener.accept()

        nursery.start_soon(waiter)
        await wait_all_tasks_blocked()
        with pytest.raises(trio_core.BusyResourceError):
            await listener.accept()
        listener.forceful_close()
    assert not path.exists()


async def test_concurrent_starts_on_a_stale_path_give_one_server(sock_dir: Path) -> None:
    path = sock_dir / "race.sock"
    stale_socket_file(path)
    results: list[object] = []

    async def start() -> None:
        try:
            results.extend(await open_unix_listeners(path))
        except OSError as exc:
            results.append(exc)

    async with trio_core.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(start)
    listeners = [r for r in results if isinstance(r, UnixSocketListener)]
    errors = [r for r in results if isinstance(r, OSError)]
    assert len(listeners) == 1
    assert all(e.errno == errno.EADDRINUSE for e in errors) and len(errors) == 4
    async with listeners[0]:
        assert await echo_once(listeners[0], path) == b"ping"


async def test_waits_for_the_directory_lock(sock_dir: Path) -> None:
    path = sock_dir / "locked.sock"
    stale_socket_file(path)
    holder = os.open(sock_dir, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # another process replacing a stale file, say
        got: list[UnixSocketListener] = []

        async def start() -> None:
            got.extend(await open_unix_listeners(path))

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(start)
            await wait_all_tasks_blocked()
            assert got == []
            with pytest.raises(ConnectionRefusedError):  # still the stale file
                await open_unix_stream(path)
            fcntl.flock(holder, fcntl.LOCK_UN)
    finally:
        os.close(holder)
    (listener,) = got
    async with listener:
        assert await echo_once(listener, path) == b"ping"


async def test_cancelled_while_waiting_for_the_lock(sock_dir: Path) -> None:
    path = sock_dir / "cancel.sock"
    holder = os.open(sock_dir, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with trio_core.move_on_after(0.01) as scope:
            await open_unix_listeners(path)
        assert scope.cancelled_caught
        assert not path.exists()
    finally:
        os.close(holder)
