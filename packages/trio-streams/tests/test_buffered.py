"""BufferedRecvStream: lines, delimited messages, exact sizes, limits, EOF, cancellation.

Over memory streams, loopback TCP, TLS over loopback TCP, and an OS pipe.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trio_core
from trio_core.lowlevel import notify_closing, wait_readable
from trio_core.testing import assert_checkpoints, wait_all_tasks_blocked
from trio_streams import (
    BufferedReceiveStream,
    BufferedRecvStream,
    IncompleteMessageError,
    MessageTooLongError,
    SSLStream,
    open_tcp_listeners,
)
from trio_streams.abc import RecvStream, SendStream
from trio_streams.testing import (
    MemoryRecvStream,
    MemorySendStream,
    check_one_way_stream,
    lockstep_stream_one_way_pair,
    memory_stream_one_way_pair,
    open_stream_to_socket_listener,
)

SERVER_NAME = "trio-test.example"


def reader_over(*chunks: bytes, eof: bool = True, **kwargs: int) -> BufferedRecvStream:
    """A reader over a memory stream that delivers ``chunks`` one recv at a time."""
    stream = ChunkedRecvStream(list(chunks), eof=eof)
    return BufferedRecvStream(stream, **kwargs)


class ChunkedRecvStream(RecvStream):
    """Delivers the given chunks, one per recv (split further if max_bytes is
    smaller), recording every max_bytes asked for; then b"" if eof, else blocks."""

    def __init__(self, chunks: list[bytes], *, eof: bool = True) -> None:
        self.chunks = chunks
        self.eof = eof
        self.asked: list[int] = []
        self.closed = False
        self._more = trio_core.Event()

    def push(self, data: bytes) -> None:
        self.chunks.append(data)
        self._more.set()
        self._more = trio_core.Event()

    async def recv(self, max_bytes: int) -> bytes:
        self.asked.append(max_bytes)
        await trio_core.lowlevel.checkpoint()
        while not self.chunks and not self.eof:
            if self.closed:
                raise trio_core.ClosedResourceError("closed")
            await self._more.wait()
        if self.closed:
            raise trio_core.ClosedResourceError("closed")
        if not self.chunks:
            return b""
        chunk = self.chunks[0]
        if len(chunk) > max_bytes:
            self.chunks[0] = chunk[max_bytes:]
            return chunk[:max_bytes]
        del self.chunks[0]
        return chunk

    def forceful_close(self) -> None:
        self.closed = True
        self._more.set()


# --- the basics ------------------------------------------------------------------


async def test_receive_until_includes_delimiter_and_ends_with_empty() -> None:
    reader = reader_over(b"one\ntw", b"o\nthree", b"\n")
    assert await reader.receive_until(b"\n") == b"one\n"
    assert await reader.receive_until(b"\n") == b"two\n"
    assert await reader.receive_until(b"\n") == b"three\n"
    assert await reader.receive_until(b"\n") == b""
    assert await reader.receive_until(b"\n") == b""
    assert await reader.recv(10) == b""


async def test_multibyte_delimiter_split_across_every_chunk_boundary() -> None:
    data = b"HELO a\r\nMAIL b\r\n\r\nQUIT\r\n"
    for size in range(1, len(data) + 1):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        reader = reader_over(*chunks)
        got = []
        while message := await reader.receive_until(b"\r\n"):
            got.append(message)
        assert got == [b"HELO a\r\n", b"MAIL b\r\n", b"\r\n", b"QUIT\r\n"], size


async def test_delimiter_kinds_and_bytearray_memoryview() -> None:
    reader = reader_over(b"a--b--c--")
    assert await reader.receive_until(bytearray(b"--")) == b"a--"
    assert await reader.receive_until(memoryview(b"--")) == b"b--"
    # A different delimiter on the same buffer: scanning starts afresh.
    assert await reader.receive_until(b"-") == b"c-"


async def test_receive_exactly() -> None:
    reader = reader_over(b"\x00\x05hel", b"lo\x00\x00", b"\x00")
    header = await reader.receive_exactly(2)
    assert header == b"\x00\x05"
    assert await reader.receive_exactly(int.from_bytes(header)) == b"hello"
    assert await reader.receive_exactly(2) == b"\x00\x00"
    assert await reader.receive_exactly(0) == b""
    with pytest.raises(IncompleteMessageError) as info:
        await reader.receive_exactly(2)
    assert info.value.partial == b"\x00"
    assert "1 bytes arrived but not the 2 asked for" in str(info.value)
    assert await reader.recv(5) == b"\x00"
    assert await reader.receive_exactly(3) == b""


async def test_recv_returns_buffered_bytes_first_then_reads_transport() -> None:
    transport = ChunkedRecvStream([b"line\nrest", b"later"])
    reader = BufferedRecvStream(transport)
    assert await reader.receive_until(b"\n") == b"line\n"
    assert reader.buffered_size == 4
    asked = len(transport.asked)
    assert await reader.recv(2) == b"re"
    assert await reader.recv(100) == b"st"
    assert len(transport.asked) == asked  # all of that came from the buffer
    assert await reader.recv(3) == b"lat"  # straight from the transport, unbuffered
    assert transport.asked[-1] == 3
    assert reader.buffered_size == 0
    chunks = [chunk async for chunk in reader]
    assert chunks == [b"er"]


async def test_modern_alias_and_properties_and_repr() -> None:
    assert BufferedReceiveStream is BufferedRecvStream
    transport = ChunkedRecvStream([])
    reader = BufferedRecvStream(transport, max_buffer_size=10)
    assert reader.transport_stream is transport
    assert reader.max_buffer_size == 10
    assert "0 bytes buffered of at most 10" in repr(reader)


async def test_conforms_as_a_one_way_stream() -> None:
    async def maker() -> tuple[MemorySendStream, BufferedRecvStream]:
        send, recv = memory_stream_one_way_pair()
        return send, BufferedRecvStream(recv)

    async def clogged() -> tuple[SendStream, BufferedRecvStream]:
        send, recv = lockstep_stream_one_way_pair()
        return send, BufferedRecvStream(recv)

    await check_one_way_stream(maker, clogged)


# --- lines() -------------------------------------------------------------------


async def test_lines_strip_keep_and_unterminated() -> None:
    lines = [line async for line in reader_over(b"a\nbb\n\nccc\n").lines()]
    assert lines == [b"a", b"bb", b"", b"ccc"]

    kept = [line async for line in reader_over(b"x\r\ny\r\n").lines(b"\r\n", keep_delimiter=True)]
    assert kept == [b"x\r\n", b"y\r\n"]

    reader = reader_over(b"a\nlast")
    with pytest.raises(IncompleteMessageError) as info:
        async for _ in reader.lines():
            pass
    assert info.value.partial == b"last"
    assert await reader.recv(10) == b"last"

    tail = reader_over(b"a\nlast")
    assert [line async for line in tail.lines(allow_unterminated=True)] == [b"a", b"last"]
    assert tail.buffered_size == 0
    tail2 = reader_over(b"a\nlast")
    got = [line async for line in tail2.lines(keep_delimiter=True, allow_unterminated=True)]
    assert got == [b"a\n", b"last"]
    assert [line async for line in reader_over().lines(allow_unterminated=True)] == []


async def test_lines_iterator_after_end_keeps_stopping() -> None:
    iterator = reader_over(b"x\n").lines()
    assert await iterator.__anext__() == b"x"
    for _ in range(2):
        with pytest.raises(StopAsyncIteration):
            with assert_checkpoints():
                await iterator.__anext__()
    tail = reader_over(b"x").lines(allow_unterminated=True)
    assert await tail.__anext__() == b"x"
    with pytest.raises(StopAsyncIteration), assert_checkpoints():
        await tail.__anext__()


async def test_lines_max_bytes() -> None:
    reader = reader_over(b"short\nmuch too long\n")
    iterator = reader.lines(max_bytes=8)
    assert await iterator.__anext__() == b"short"
    with pytest.raises(MessageTooLongError):
        await iterator.__anext__()
    assert await reader.receive_until(b"\n") == b"much too long\n"


# --- the limit -----------------------------------------------------------------


async def test_limit_error_names_limit_and_loses_nothing() -> None:
    transport = ChunkedRecvStream([b"0123456789" * 3 + b"\nnext\n"])
    reader = BufferedRecvStream(transport, max_buffer_size=16)
    with pytest.raises(MessageTooLongError, match="limit of 16 bytes") as info:
        await reader.receive_until(b"\n")
    assert info.value.limit == 16
    assert info.value.buffered == 16
    assert max(transport.asked) <= 16  # never asked for more than fits
    assert reader.buffered_size == 16
    # Nothing lost: the bytes come out of recv, in order, then the rest.
    assert await reader.recv(100) == b"0123456789012345"
    assert await reader.receive_until(b"\n") == b"67890123456789\n"
    assert await reader.receive_until(b"\n") == b"next\n"


async def test_buffer_never_grows_past_limit_with_a_hostile_peer() -> None:
    send, recv = memory_stream_one_way_pair()
    reader = BufferedRecvStream(recv, max_buffer_size=1000)
    await send.sendall(b"x" * 100_000)
    with pytest.raises(MessageTooLongError):
        await reader.receive_until(b"\n")
    assert reader.buffered_size == 1000
    with pytest.raises(MessageTooLongError):
        await reader.receive_exactly(1001)


async def test_max_bytes_smaller_than_buffer() -> None:
    reader = reader_over(b"abc\ndefghij\nk\n", max_buffer_size=100)
    assert await reader.receive_until(b"\n", max_bytes=4) == b"abc\n"
    with pytest.raises(MessageTooLongError) as info:
        await reader.receive_until(b"\n", max_bytes=4)
    assert info.value.limit == 4
    # Found but too long is refused too, and consumes nothing.
    assert await reader.receive_until(b"\n", max_bytes=8) == b"defghij\n"
    assert await reader.receive_until(b"\n", max_bytes=2) == b"k\n"


async def test_message_exactly_at_the_limit() -> None:
    reader = reader_over(b"abc\n", b"de", b"f\n", max_buffer_size=4)
    assert await reader.receive_until(b"\n") == b"abc\n"
    assert await reader.receive_until(b"\n") == b"def\n"
    big = reader_over(b"abcd", b"ef", max_buffer_size=4)
    assert await big.receive_exactly(4) == b"abcd"
    assert await big.receive_exactly(2) == b"ef"


# --- end of stream ---------------------------------------------------------------


async def test_eof_mid_message_is_an_error_that_keeps_the_data() -> None:
    reader = reader_over(b"complete\npart", b"ial")
    assert await reader.receive_until(b"\n") == b"complete\n"
    with pytest.raises(IncompleteMessageError) as info:
        await reader.receive_until(b"\n")
    assert isinstance(info.value, EOFError)
    assert info.value.partial == b"partial"
    assert "7 bytes arrived but not the delimiter b'\\n'" in str(info.value)
    # Asking again gives the same answer, without touching the transport.
    with pytest.raises(IncompleteMessageError), assert_checkpoints():
        await reader.receive_until(b"\n")
    assert await reader.receive_exactly(7) == b"partial"
    assert await reader.receive_until(b"\n") == b""


# --- bad input -----------------------------------------------------------------


async def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"wraps a trio_streams\.abc\.RecvStream"):
        BufferedRecvStream(b"not a stream")  # type: ignore[arg-type]
    transport = ChunkedRecvStream([])
    with pytest.raises(ValueError, match="max_buffer_size must be at least 1"):
        BufferedRecvStream(transport, max_buffer_size=0)
    with pytest.raises(TypeError, match="read_size must be an int"):
        BufferedRecvStream(transport, read_size=1.5)  # type: ignore[arg-type]
    reader = BufferedRecvStream(ChunkedRecvStream([b"abc\n"]), max_buffer_size=8)
    with pytest.raises(TypeError, match=r"encode text first"):
        await reader.receive_until("\n")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="delimiter must be bytes"):
        await reader.receive_until(10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must not be empty"):
        await reader.receive_until(b"")
    with pytest.raises(ValueError, match="larger max_buffer_size"):
        await reader.receive_until(b"\n", max_bytes=9)
    with pytest.raises(ValueError, match="shorter than the delimiter"):
        await reader.receive_until(b"\r\n", max_bytes=1)
    with pytest.raises(TypeError, match="max_bytes must be an int"):
        await reader.receive_until(b"\n", max_bytes="4")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="max_bytes must be an int"):
        await reader.receive_until(b"\n", max_bytes=True)
    with pytest.raises(ValueError, match="n must be at least 0"):
        await reader.receive_exactly(-1)
    with pytest.raises(TypeError, match="n must be an int"):
        await reader.receive_exactly(2.0)  # type: ignore[arg-type]
    with pytest.raises(MessageTooLongError, match="larger max_buffer_size"):
        await reader.receive_exactly(9)
    with pytest.raises(ValueError):
        await reader.recv(0)
    with pytest.raises(TypeError):
        await reader.recv(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must not be empty"):
        reader.lines(b"")
    # None of that consumed anything or left the reader busy.
    assert await reader.receive_until(b"\n") == b"abc\n"


# --- checkpoints, busy, closed ----------------------------------------------------


async def test_every_operation_is_a_checkpoint_even_from_the_buffer() -> None:
    reader = reader_over(b"a\nb\nccccdd" + b"e" * 10 + b"\n")
    with assert_checkpoints():
        assert await reader.receive_until(b"\n") == b"a\n"
    with assert_checkpoints():  # now served from the buffer
        assert await reader.receive_until(b"\n") == b"b\n"
    with assert_checkpoints():
        assert await reader.receive_exactly(4) == b"cccc"
    with assert_checkpoints():
        assert await reader.receive_exactly(0) == b""
    with assert_checkpoints():
        assert await reader.recv(2) == b"dd"
    with assert_checkpoints():
        assert await reader.lines().__anext__() == b"e" * 10
    with assert_checkpoints():
        assert await reader.recv(2) == b""


async def test_cancelled_receive_until_loses_nothing() -> None:
    transport = ChunkedRecvStream([b"hel"], eof=False)
    reader = BufferedRecvStream(transport)
    with trio_core.move_on_after(10) as scope:

        async def cancel_when_blocked() -> None:
            await wait_all_tasks_blocked()
            scope.cancel()

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(cancel_when_blocked)
            await reader.receive_until(b"\n")
    assert scope.cancelled_caught
    assert reader.buffered_size == 3
    transport.push(b"lo\nworld\n")
    assert await reader.receive_until(b"\n") == b"hello\n"
    assert await reader.receive_until(b"\n") == b"world\n"


async def test_cancelled_before_start_consumes_nothing() -> None:
    reader = reader_over(b"ready\n12345")
    assert reader.buffered_size == 0
    assert await reader.recv(1) == b"r"
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await reader.receive_until(b"\n")
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await reader.receive_exactly(3)
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await reader.recv(3)
    assert await reader.receive_until(b"\n") == b"eady\n"
    assert await reader.receive_exactly(5) == b"12345"


async def test_cancelled_receive_exactly_loses_nothing() -> None:
    transport = ChunkedRecvStream([b"ab"], eof=False)
    reader = BufferedRecvStream(transport)
    with trio_core.move_on_after(10) as scope:
        async with trio_core.open_nursery() as nursery:

            async def cancel_when_blocked() -> None:
                await wait_all_tasks_blocked()
                scope.cancel()

            nursery.start_soon(cancel_when_blocked)
            await reader.receive_exactly(4)
    assert scope.cancelled_caught
    transport.push(b"cdef")
    assert await reader.receive_exactly(4) == b"abcd"
    assert await reader.recv(9) == b"ef"


async def test_second_receiver_is_busy() -> None:
    transport = ChunkedRecvStream([], eof=False)
    reader = BufferedRecvStream(transport)
    async with trio_core.open_nursery() as nursery:

        async def first() -> None:
            assert await reader.receive_until(b"\n") == b"done\n"

        nursery.start_soon(first)
        await wait_all_tasks_blocked()
        for attempt in (
            reader.receive_until(b"\n"),
            reader.receive_exactly(1),
            reader.recv(1),
        ):
            with pytest.raises(trio_core.BusyResourceError, match="one task at a time"):
                await attempt
        with pytest.raises(trio_core.BusyResourceError):
            await reader.lines().__anext__()
        transport.push(b"done\n")


async def test_closed_reader() -> None:
    transport = ChunkedRecvStream([b"data\nmore"], eof=False)
    reader = BufferedRecvStream(transport)
    assert await reader.receive_until(b"\n") == b"data\n"
    async with trio_core.open_nursery() as nursery:

        async def blocked() -> None:
            with pytest.raises(trio_core.ClosedResourceError):
                await reader.receive_until(b"\n")

        nursery.start_soon(blocked)
        await wait_all_tasks_blocked()
        reader.forceful_close()
    assert transport.closed
    reader.forceful_close()
    await reader.graceful_close()
    for attempt in (reader.receive_until(b"\n"), reader.receive_exactly(1), reader.recv(1)):
        with pytest.raises(trio_core.ClosedResourceError):
            await attempt


async def test_close_during_the_checkpoint_of_a_buffered_answer() -> None:
    reader = reader_over(b"a\nb\n")
    assert await reader.receive_until(b"\n") == b"a\n"
    async with trio_core.open_nursery() as nursery:

        async def reader_task() -> None:
            with pytest.raises(trio_core.ClosedResourceError):
                await reader.receive_until(b"\n")

        nursery.start_soon(reader_task)
        # The reader task is parked in its checkpoint; close before it runs again.
        reader.forceful_close()


async def test_graceful_close_via_async_with() -> None:
    send, recv = memory_stream_one_way_pair()
    async with BufferedRecvStream(recv) as reader:
        await send.sendall(b"x\n")
        assert await reader.receive_until(b"\n") == b"x\n"
    with pytest.raises(trio_core.ClosedResourceError):
        await recv.recv(1)


# --- any chunking gives the same messages ---------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    messages=st.lists(st.binary(max_size=20).map(lambda b: b.replace(b"\n", b"")), max_size=10),
    cuts=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=10),
)
def test_any_chunking_gives_the_same_lines(messages: list[bytes], cuts: list[int]) -> None:
    data = b"".join(m + b"\n" for m in messages)
    chunks = []
    position = 0
    index = 0
    while position < len(data):
        size = cuts[index % len(cuts)]
        chunks.append(data[position : position + size])
        position += size
        index += 1

    async def main() -> list[bytes]:
        reader = reader_over(*chunks, max_buffer_size=21)
        return [line async for line in reader.lines()]

    assert trio_core.run(main) == messages


# --- real transports: TCP, TLS, a pipe ---------------------------------------------------


@asynccontextmanager
async def tcp_pair() -> AsyncIterator[tuple[RecvStream, RecvStream]]:
    listeners = await open_tcp_listeners(0, host="127.0.0.1")
    try:
        client = await open_stream_to_socket_listener(listeners[0])
        server = await listeners[0].accept()
    finally:
        for listener in listeners:
            listener.forceful_close()
    async with client, server:
        yield client, server


async def test_over_tcp_loopback() -> None:
    async with tcp_pair() as (client, server):
        reader = BufferedRecvStream(server, max_buffer_size=1 << 20)
        payload = b"".join(b"line %d\n" % i for i in range(20_000))

        async def send() -> None:
            await client.sendall(payload)  # type: ignore[attr-defined]
            await client.send_eof()  # type: ignore[attr-defined]

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(send)
            count = 0
            async for line in reader.lines():
                assert line == b"line %d" % count
                count += 1
        assert count == 20_000


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
async def test_over_tls_over_tcp_loopback(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    client_ctx.minimum_version = client_ctx.maximum_version = version
    async with tcp_pair() as (client_tcp, server_tcp):
        client = SSLStream(client_tcp, client_ctx, server_hostname=SERVER_NAME)  # type: ignore[arg-type]
        server = SSLStream(server_tcp, server_ctx, server_side=True)  # type: ignore[arg-type]
        reader = BufferedRecvStream(server)

        async def talk() -> None:
            await client.sendall(b"\x00\x03abcHELLO\r\nhalf")
            await client.sendall(b"way\r\n")
            await client.graceful_close()

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(talk)
            size = int.from_bytes(await reader.receive_exactly(2))
            assert await reader.receive_exactly(size) == b"abc"
            assert await reader.receive_until(b"\r\n") == b"HELLO\r\n"
            assert await reader.receive_until(b"\r\n") == b"halfway\r\n"
            assert await reader.receive_until(b"\r\n") == b""
        await reader.graceful_close()


class PipeRecvStream(RecvStream):
    """The read end of an OS pipe, as a minimal receive stream (for this test)."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd

    async def recv(self, max_bytes: int) -> bytes:
        await trio_core.lowlevel.checkpoint()
        while True:
            if self.fd < 0:
                raise trio_core.ClosedResourceError("closed")
            try:
                return os.read(self.fd, max_bytes)
            except BlockingIOError:
                await wait_readable(self.fd)

    def forceful_close(self) -> None:
        if self.fd >= 0:
            notify_closing(self.fd)
            os.close(self.fd)
            self.fd = -1


async def test_over_a_pipe() -> None:
    read_fd, write_fd = os.pipe()
    async with BufferedRecvStream(PipeRecvStream(read_fd), max_buffer_size=64) as reader:
        try:
            os.write(write_fd, b"first\nsec")

            async def writer() -> None:
                await wait_all_tasks_blocked()
                os.write(write_fd, b"ond\n" + b"z" * 100)
                os.close(write_fd)

            async with trio_core.open_nursery() as nursery:
                nursery.start_soon(writer)
                assert await reader.receive_until(b"\n") == b"first\n"
                assert await reader.receive_until(b"\n") == b"second\n"
            with pytest.raises(MessageTooLongError, match="limit of 64 bytes"):
                await reader.receive_until(b"\n")
            rest = [chunk async for chunk in reader]
            assert b"".join(rest) == b"z" * 100
        finally:
            try:
                os.close(write_fd)
            except OSError:
                pass


async def test_over_memory_recv_stream_put_data() -> None:
    stream = MemoryRecvStream()
    reader = BufferedRecvStream(stream)
    stream.put_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody")
    stream.put_eof()
    head = await reader.receive_until(b"\r\n\r\n")
    assert head == b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    assert await reader.receive_exactly(4) == b"body"
    assert await reader.receive_exactly(4) == b""
