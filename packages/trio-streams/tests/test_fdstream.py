"""FdStream over pipes: conformance, blocking mode, the errors of bad descriptors."""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import tempfile

import pytest

import trio_core
from trio_core.testing import assert_checkpoints, wait_all_tasks_blocked
from trio_streams import BrokenStreamError, FdStream, lowlevel
from trio_streams.testing import check_one_way_stream

F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", None)


def _pipe() -> tuple[FdStream, FdStream]:
    r, w = os.pipe()
    return FdStream(w), FdStream(r)


def _fill(fd: int) -> int:
    """Write until the (non-blocking) pipe is full; return how much went in."""
    if F_SETPIPE_SZ is not None:
        fcntl.fcntl(fd, F_SETPIPE_SZ, 4096)
    total = 0
    while True:
        try:
            total += os.write(fd, b"x" * 65536)
        except BlockingIOError:
            return total


async def test_fdstream_pipe_conforms() -> None:
    async def maker() -> tuple[FdStream, FdStream]:
        return _pipe()

    async def clogged() -> tuple[FdStream, FdStream]:
        send, recv = _pipe()
        _fill(send.fileno())
        return send, recv

    await check_one_way_stream(maker, clogged)


def test_exported_from_lowlevel_too() -> None:
    assert lowlevel.FdStream is FdStream
    assert "FdStream" in lowlevel.__all__


async def test_blocking_mode_is_restored_on_close() -> None:
    r, w = os.pipe()
    assert os.get_blocking(r)
    keep = os.dup(r)  # the same open file description, which O_NONBLOCK belongs to
    try:
        stream = FdStream(r)
        assert not os.get_blocking(keep)
        await stream.graceful_close()
        assert os.get_blocking(keep)
        with pytest.raises(OSError) as info:
            os.fstat(r)
        assert info.value.errno == errno.EBADF
    finally:
        os.close(keep)
        os.close(w)


async def test_a_nonblocking_fd_stays_nonblocking() -> None:
    r, w = os.pipe()
    os.set_blocking(r, False)
    keep = os.dup(r)
    try:
        FdStream(r).forceful_close()
        assert not os.get_blocking(keep)
    finally:
        os.close(keep)
        os.close(w)


async def test_recv_after_the_writer_closes_is_eof_and_repeats() -> None:
    send, recv = _pipe()
    async with recv:
        await send.sendall(b"hello")
        await send.send_eof()  # a pipe: closing is the end of the stream
        with pytest.raises(trio_core.ClosedResourceError):
            send.fileno()
        assert await recv.recv(100) == b"hello"
        assert await recv.recv(100) == b""
        assert await recv.recv(100) == b""


async def test_sendall_to_a_pipe_without_reader_is_broken() -> None:
    send, recv = _pipe()
    await recv.graceful_close()
    async with send:
        with pytest.raises(BrokenStreamError) as info:
            await send.sendall(b"x")
        assert isinstance(info.value.__cause__, BrokenPipeError)


async def test_sendall_larger_than_the_pipe_with_a_concurrent_reader() -> None:
    send, recv = _pipe()
    data = os.urandom(3 * 1024 * 1024 + 7)
    received = bytearray()

    async def reader() -> None:
        async for chunk in recv:
            received.extend(chunk)

    async with send, recv, trio_core.open_nursery() as nursery:
        nursery.start_soon(reader)
        await send.sendall(data)
        await send.send_eof()
    assert received == data


async def test_recv_and_sendall_are_checkpoints_even_when_ready() -> None:
    send, recv = _pipe()
    async with send, recv:
        with assert_checkpoints():
            await send.sendall(b"")
        with assert_checkpoints():
            await send.sendall(b"abc")
        with assert_checkpoints():
            assert await recv.recv(10) == b"abc"
        with assert_checkpoints():
            await send.wait_maybe_writable()


async def test_closing_wakes_a_blocked_recv() -> None:
    send, recv = _pipe()
    errors: list[BaseException] = []

    async def reader() -> None:
        try:
            await recv.recv(10)
        except trio_core.ClosedResourceError as exc:
            errors.append(exc)

    async with send, trio_core.open_nursery() as nursery:
        nursery.start_soon(reader)
        await wait_all_tasks_blocked()
        recv.forceful_close()
        recv.forceful_close()  # idempotent
    assert len(errors) == 1


async def test_a_truncated_sendall_breaks_the_stream() -> None:
    send, recv = _pipe()
    async with send, recv:
        # The first write goes in (the pipe is empty), then sendall blocks.
        with trio_core.move_on_after(0.05):
            await send.sendall(b"y" * 10_000_000)
        assert len(os.read(recv.fileno(), 100)) > 0
        with pytest.raises(BrokenStreamError, match="part-way"):
            await send.sendall(b"z")


def test_bad_descriptors_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="file descriptor as an int"):
        FdStream("3")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        FdStream(True)
    with pytest.raises(ValueError, match="open file descriptor"):
        FdStream(-1)
    with tempfile.TemporaryFile() as f, pytest.raises(ValueError, match=r"regular file.*thread"):
        FdStream(f.fileno())
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    with pytest.raises(OSError) as info:
        FdStream(r)
    assert info.value.errno == errno.EBADF


@pytest.mark.allow_leaks
def test_an_unclosed_fdstream_warns_and_closes_its_fd() -> None:
    r, w = os.pipe()
    try:
        stream = FdStream(r)
        with pytest.warns(ResourceWarning, match="unclosed FdStream"):
            del stream
            gc.collect()
        with pytest.raises(OSError):
            os.fstat(r)
    finally:
        os.close(w)


async def test_send_eof_on_a_terminal_is_not_implemented() -> None:
    master, slave = os.openpty()
    try:
        stream = FdStream(os.dup(slave))
        async with stream:
            with pytest.raises(NotImplementedError, match="graceful_close"):
                await stream.send_eof()
            await stream.sendall(b"ping\n")
            assert b"ping" in os.read(master, 100)
    finally:
        os.close(master)
        os.close(slave)
