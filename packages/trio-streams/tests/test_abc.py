"""The ABCs: defaults, async with / async for, staple, HalfCloseableStream."""

from __future__ import annotations

import pytest

import trio_core
from trio_core.testing import assert_checkpoints
from trio_streams import StapledStream
from trio_streams.abc import (
    AsyncResource,
    HalfCloseableStream,
    Listener,
    RecvStream,
    SendStream,
    Stream,
)
from trio_streams.testing import (
    MemoryRecvStream,
    MemorySendStream,
    lockstep_stream_pair,
    memory_stream_one_way_pair,
    memory_stream_pair,
)


class Resource(AsyncResource):
    def __init__(self) -> None:
        self.closes = 0

    def forceful_close(self) -> None:
        self.closes += 1


def test_abstract_methods() -> None:
    # Both names of each pair are abstract slots: a class fills one, gets both.
    assert AsyncResource.__abstractmethods__ == {"forceful_close"}
    assert SendStream.__abstractmethods__ == {"forceful_close", "sendall", "send_all"}
    assert RecvStream.__abstractmethods__ == {"forceful_close", "recv", "receive_some"}
    assert Stream.__abstractmethods__ == SendStream.__abstractmethods__ | {"recv", "receive_some"}
    assert HalfCloseableStream.__abstractmethods__ == Stream.__abstractmethods__ | {"send_eof"}
    assert Listener.__abstractmethods__ == {"forceful_close", "accept"}
    with pytest.raises(TypeError):
        Stream()  # type: ignore[abstract]
    assert issubclass(HalfCloseableStream, Stream)
    assert issubclass(Stream, SendStream) and issubclass(Stream, RecvStream)


async def test_default_graceful_close_is_forceful_close_then_checkpoint() -> None:
    resource = Resource()
    with assert_checkpoints():
        await resource.graceful_close()
    assert resource.closes == 1
    # Cancelled: still closed, then Cancelled at the checkpoint.
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await resource.graceful_close()
    assert scope.cancelled_caught
    assert resource.closes == 2


async def test_async_with_closes_gracefully() -> None:
    resource = Resource()
    async with resource as entered:
        assert entered is resource
        assert resource.closes == 0
    assert resource.closes == 1
    with pytest.raises(KeyError):
        async with resource:
            raise KeyError
    assert resource.closes == 2


async def test_async_for_reads_to_the_end() -> None:
    send, recv = memory_stream_one_way_pair()
    for chunk in (b"one", b"two", b"three"):
        await send.sendall(chunk)
        recv.put_data(b"")  # an empty put adds nothing
    await send.graceful_close()
    chunks = [chunk async for chunk in recv]
    assert b"".join(chunks) == b"onetwothree"
    assert [chunk async for chunk in recv] == []


def test_staple() -> None:
    send, recv = memory_stream_one_way_pair()
    stapled = Stream.staple(send, recv)
    assert isinstance(stapled, StapledStream)
    assert isinstance(stapled, HalfCloseableStream)
    assert stapled.send_stream is send and stapled.recv_stream is recv
    assert "StapledStream" in repr(stapled)
    with pytest.raises(TypeError, match="send_stream"):
        Stream.staple(recv, recv)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="recv_stream"):
        Stream.staple(send, send)  # type: ignore[arg-type]


async def test_stapled_stream_delegates() -> None:
    left, right = memory_stream_pair()
    await left.wait_maybe_writable()
    await left.sendall(b"x")
    assert await right.recv(10) == b"x"
    await left.send_eof()
    assert await right.recv(10) == b""
    await right.sendall(b"y")
    assert await left.recv(10) == b"y"
    left.forceful_close()
    assert isinstance(left.send_stream, MemorySendStream)
    assert isinstance(left.recv_stream, MemoryRecvStream)
    with pytest.raises(trio_core.ClosedResourceError):
        await left.recv(1)
    with pytest.raises(trio_core.ClosedResourceError):
        await left.sendall(b"x")
    await right.graceful_close()
    with pytest.raises(trio_core.ClosedResourceError):
        await right.recv(1)


async def test_stapled_graceful_close_closes_both_even_if_cancelled() -> None:
    left, right = lockstep_stream_pair()
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await left.graceful_close()
    with pytest.raises(trio_core.ClosedResourceError):
        await left.sendall(b"x")
    with pytest.raises(trio_core.ClosedResourceError):
        await left.recv(1)
    right.forceful_close()


async def test_stapled_send_eof_on_a_two_way_stream_that_cannot_half_close() -> None:
    class NoHalfClose(Stream):
        def __init__(self) -> None:
            self.closed = False

        async def sendall(self, data: bytes | bytearray | memoryview) -> None:
            raise AssertionError

        async def wait_maybe_writable(self) -> None:
            raise AssertionError

        async def send_eof(self) -> None:
            raise NotImplementedError

        async def recv(self, max_bytes: int) -> bytes:
            raise AssertionError

        def forceful_close(self) -> None:
            self.closed = True

    inner = NoHalfClose()
    _, recv = memory_stream_one_way_pair()
    stapled = Stream.staple(inner, recv)
    await stapled.send_eof()
    assert inner.closed
    recv.forceful_close()
