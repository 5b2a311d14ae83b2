"""Modern Trio's trio.testing names and signatures, beside the seed's; the checkers
on streams written for modern Trio."""

from __future__ import annotations

import pytest

import trio_core
from trio_streams import BrokenStreamError, StapledStream
from trio_streams.abc import HalfCloseableStream, ReceiveStream, RecvStream, SendStream, Stream
from trio_streams.testing import (
    MemoryReceiveStream,
    MemoryRecvStream,
    MemorySendStream,
    check_half_closeable_stream,
    check_one_way_stream,
    check_two_way_stream,
    lockstep_stream_one_way_pair,
    lockstep_stream_pair,
    memory_stream_one_way_pair,
    memory_stream_pair,
    memory_stream_pump,
)


def test_memory_receive_stream_is_memory_recv_stream() -> None:
    assert MemoryReceiveStream is MemoryRecvStream


async def test_modern_hook_names_are_the_same_attributes() -> None:
    calls: list[str] = []

    async def hook() -> None:
        calls.append("receive_some_hook")

    recv = MemoryReceiveStream(receive_some_hook=hook)
    assert recv.recv_hook is hook and recv.receive_some_hook is hook
    recv.put_data(b"x")
    assert await recv.receive_some() == b"x"
    assert calls == ["receive_some_hook"]
    recv.receive_some_hook = None
    assert recv.recv_hook is None
    with pytest.raises(TypeError, match="only one"):
        MemoryReceiveStream(hook, receive_some_hook=hook)

    async def send_hook() -> None:
        calls.append("send_all_hook")

    async def wait_hook() -> None:
        calls.append("wait_hook")

    send = MemorySendStream(send_all_hook=send_hook, wait_send_all_might_not_block_hook=wait_hook)
    assert send.sendall_hook is send_hook and send.send_all_hook is send_hook
    assert send.wait_maybe_writable_hook is wait_hook
    assert send.wait_send_all_might_not_block_hook is wait_hook
    await send.send_all(b"abc")
    await send.wait_send_all_might_not_block()
    assert calls[1:] == ["send_all_hook", "wait_hook"]
    assert send.get_data_nowait() == b"abc"
    send.send_all_hook = None
    send.wait_send_all_might_not_block_hook = None
    assert send.sendall_hook is None and send.wait_maybe_writable_hook is None
    with pytest.raises(TypeError, match="only one"):
        MemorySendStream(send_hook, send_all_hook=send_hook)


async def test_memory_stream_pump_takes_modern_keyword() -> None:
    send = MemorySendStream()
    recv = MemoryReceiveStream()
    await send.send_all(b"pumped")
    assert memory_stream_pump(send, memory_receive_stream=recv, max_bytes=3)
    assert memory_stream_pump(send, recv)
    assert not memory_stream_pump(send, recv)
    assert await recv.receive_some() == b"pumped"
    with pytest.raises(TypeError, match="only one"):
        memory_stream_pump(send, recv, memory_receive_stream=recv)
    with pytest.raises(TypeError, match="receive stream"):
        memory_stream_pump(send)
    recv.forceful_close()
    await send.send_all(b"lost")
    with pytest.raises(trio_core.BrokenResourceError):
        memory_stream_pump(send, recv)


async def test_stapled_stream_modern_signature() -> None:
    send, recv = memory_stream_one_way_pair()
    stapled = StapledStream(send_stream=send, receive_stream=recv)
    assert stapled.receive_stream is recv is stapled.recv_stream
    assert stapled.send_stream is send
    other_send, other_recv = memory_stream_one_way_pair()
    stapled.receive_stream = other_recv
    assert stapled.recv_stream is other_recv
    with pytest.raises(TypeError, match="only one"):
        StapledStream(send, recv, receive_stream=recv)
    with pytest.raises(TypeError, match="RecvStream"):
        StapledStream(send)
    # Generic in its two stream types, as in modern Trio.
    alias = StapledStream[MemorySendStream, MemoryReceiveStream]
    assert alias.__origin__ is StapledStream  # type: ignore[attr-defined]
    for stream in (send, recv, other_send, other_recv):
        stream.forceful_close()


# ---------------------------------------------------------------- checkers on modern streams


class ModernSend(SendStream):
    """A send stream written for modern Trio, failing with the core's own
    BrokenResourceError (not this library's subclass)."""

    def __init__(self, inner: SendStream, never_broken: bool = False) -> None:
        self.inner = inner
        self.never_broken = never_broken

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        try:
            await self.inner.send_all(data)
        except BrokenStreamError as exc:
            if self.never_broken:
                return
            raise trio_core.BrokenResourceError(str(exc)) from None

    async def wait_send_all_might_not_block(self) -> None:
        await self.inner.wait_send_all_might_not_block()

    async def aclose(self) -> None:
        await self.inner.aclose()


class ModernReceive(ReceiveStream):
    def __init__(self, inner: RecvStream) -> None:
        self.inner = inner

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        return bytearray(await self.inner.receive_some(max_bytes))

    async def aclose(self) -> None:
        await self.inner.aclose()


class ModernHalfCloseable(HalfCloseableStream):
    def __init__(self, inner: HalfCloseableStream) -> None:
        self.inner = inner

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        try:
            await self.inner.send_all(data)
        except BrokenStreamError as exc:
            raise trio_core.BrokenResourceError(str(exc)) from None

    async def wait_send_all_might_not_block(self) -> None:
        await self.inner.wait_send_all_might_not_block()

    async def send_eof(self) -> None:
        await self.inner.send_eof()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        return await self.inner.receive_some(max_bytes)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def modern_one_way() -> tuple[SendStream, RecvStream]:
    send, recv = memory_stream_one_way_pair()
    return ModernSend(send), ModernReceive(recv)


async def modern_one_way_clogged() -> tuple[SendStream, RecvStream]:
    send, recv = lockstep_stream_one_way_pair()
    return ModernSend(send), ModernReceive(recv)


async def test_checkers_accept_streams_written_for_modern_trio() -> None:
    await check_one_way_stream(modern_one_way, modern_one_way_clogged)

    async def two_way() -> tuple[Stream, Stream]:
        left, right = memory_stream_pair()
        return ModernHalfCloseable(left), ModernHalfCloseable(right)

    async def two_way_clogged() -> tuple[Stream, Stream]:
        left, right = lockstep_stream_pair()
        return ModernHalfCloseable(left), ModernHalfCloseable(right)

    await check_two_way_stream(two_way, two_way_clogged)

    async def half_closeable() -> tuple[HalfCloseableStream, HalfCloseableStream]:
        left, right = memory_stream_pair()
        return ModernHalfCloseable(left), ModernHalfCloseable(right)

    await check_half_closeable_stream(half_closeable, None)


async def test_checkers_still_catch_a_broken_modern_stream() -> None:
    async def never_broken() -> tuple[SendStream, RecvStream]:
        send, recv = memory_stream_one_way_pair()
        return ModernSend(send, never_broken=True), ModernReceive(recv)

    with trio_core.fail_after(30), pytest.raises(AssertionError, match="BrokenResourceError"):
        await check_one_way_stream(never_broken, None)
