"""The memory streams: conformance, hooks, pumping, lockstep behaviour."""

from __future__ import annotations

import array

import pytest

import trio_core
from trio_core.testing import wait_all_tasks_blocked
from trio_streams import BrokenStreamError, StapledStream
from trio_streams.abc import RecvStream, SendStream
from trio_streams.testing import (
    MemoryRecvStream,
    MemorySendStream,
    check_half_closeable_stream,
    check_one_way_stream,
    lockstep_stream_one_way_pair,
    lockstep_stream_pair,
    memory_stream_one_way_pair,
    memory_stream_pair,
    memory_stream_pump,
)


async def test_memory_one_way_conforms() -> None:
    async def maker() -> tuple[MemorySendStream, MemoryRecvStream]:
        return memory_stream_one_way_pair()

    async def clogged() -> tuple[SendStream, RecvStream]:
        return lockstep_stream_one_way_pair()

    await check_one_way_stream(maker, clogged)


async def test_memory_pair_conforms() -> None:
    async def maker() -> tuple[StapledStream, StapledStream]:
        return memory_stream_pair()

    async def clogged() -> tuple[StapledStream, StapledStream]:
        return lockstep_stream_pair()

    await check_half_closeable_stream(maker, clogged)


async def test_lockstep_conforms() -> None:
    async def maker() -> tuple[StapledStream, StapledStream]:
        return lockstep_stream_pair()

    await check_half_closeable_stream(maker, maker)


async def test_memory_send_stream_hooks_and_get_data() -> None:
    calls: list[str] = []

    async def sendall_hook() -> None:
        calls.append("sendall")

    async def writable_hook() -> None:
        calls.append("writable")

    stream = MemorySendStream(sendall_hook, writable_hook, lambda: calls.append("close"))
    assert "MemorySendStream" in repr(stream)
    with pytest.raises(trio_core.WouldBlock):
        stream.get_data_nowait()
    await stream.sendall(b"abc")
    await stream.sendall(memoryview(b"def"))
    await stream.wait_maybe_writable()
    assert calls == ["sendall", "sendall", "writable"]
    assert stream.get_data_nowait(2) == b"ab"
    assert await stream.get_data() == b"cdef"
    with pytest.raises(ValueError):
        stream.get_data_nowait(0)
    with pytest.raises(ValueError):
        await stream.get_data(-1)

    async def getter() -> None:
        assert await stream.get_data() == b"late"

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(getter)
        await wait_all_tasks_blocked()
        with pytest.raises(trio_core.BusyResourceError):
            await stream.get_data()
        with pytest.raises(trio_core.BusyResourceError):
            stream.get_data_nowait()
        await stream.sendall(b"late")
    await stream.send_eof()
    assert calls[-1] == "sendall"
    assert stream.get_data_nowait() == b""
    stream.forceful_close()
    stream.forceful_close()
    assert calls.count("close") == 1
    assert await stream.get_data() == b""


async def test_memory_recv_stream_put_data_and_hooks() -> None:
    calls: list[str] = []

    async def recv_hook() -> None:
        calls.append("recv")

    stream = MemoryRecvStream(recv_hook, lambda: calls.append("close"))
    stream.put_data(b"hello")
    assert await stream.recv(3) == b"hel"
    assert await stream.recv(3) == b"lo"
    stream.put_eof()
    stream.put_eof()
    with pytest.raises(trio_core.ClosedResourceError, match="put_eof"):
        stream.put_data(b"more")
    assert await stream.recv(3) == b""
    assert calls == ["recv"] * 3
    stream.forceful_close()
    assert stream.closed and calls[-1] == "close"
    with pytest.raises(trio_core.ClosedResourceError):
        stream.put_data(b"x")
    with pytest.raises(trio_core.ClosedResourceError):
        stream.put_eof()
    with pytest.raises(TypeError):
        await stream.recv(None)  # type: ignore[arg-type]


async def test_memory_stream_pump_by_hand() -> None:
    send = MemorySendStream()
    recv = MemoryRecvStream()
    assert not memory_stream_pump(send, recv)
    await send.sendall(b"0123456789")
    assert memory_stream_pump(send, recv, max_bytes=4)
    assert await recv.recv(100) == b"0123"
    assert memory_stream_pump(send, recv)
    assert await recv.recv(100) == b"456789"
    await send.send_eof()
    assert memory_stream_pump(send, recv)
    assert await recv.recv(100) == b""
    recv2 = MemoryRecvStream()
    recv2.forceful_close()
    send2 = MemorySendStream()
    await send2.sendall(b"x")
    with pytest.raises(BrokenStreamError):
        memory_stream_pump(send2, recv2)


async def test_memory_stream_with_a_slow_network() -> None:
    """Replacing the hooks: data moves one byte per pump, driven by the receiver."""
    send = MemorySendStream()
    recv = MemoryRecvStream()

    async def pump_one_byte() -> None:
        memory_stream_pump(send, recv, max_bytes=1)

    recv.recv_hook = pump_one_byte
    await send.sendall(b"abc")
    assert [await recv.recv(10) for _ in range(3)] == [b"a", b"b", b"c"]


async def test_lockstep_sendall_waits_for_the_receiver() -> None:
    send, recv = lockstep_stream_one_way_pair()
    done = trio_core.Event()

    async def sender() -> None:
        await send.sendall(b"abcdef")
        done.set()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sender)
        await wait_all_tasks_blocked()
        assert not done.is_set()
        assert await recv.recv(4) == b"abcd"
        await wait_all_tasks_blocked()
        assert not done.is_set()
        assert await recv.recv(4) == b"ef"
    assert done.is_set()
    send.forceful_close()
    assert await recv.recv(1) == b""
    recv.forceful_close()


def _bytes_likes(payload: bytes) -> list[tuple[object, bytes]]:
    """Bytes-likes of every shape, and the bytes each stands for."""
    ints = array.array("i", [1, -2, 3])
    return [
        (bytearray(payload), payload),
        (memoryview(payload)[1:], payload[1:]),
        (memoryview(payload)[::2], payload[::2]),  # non-contiguous
        (memoryview(payload)[::-1], payload[::-1]),  # negative stride
        (memoryview(payload[:8]).cast("B", (2, 4)), payload[:8]),  # 2-d
        (ints, ints.tobytes()),  # items of 4 bytes
    ]


NOT_BYTES_LIKES = [5, [1, 2], "x", None, object()]


async def test_memory_sendall_takes_every_bytes_like_and_nothing_else() -> None:
    payload = bytes(range(40))
    for make in (memory_stream_one_way_pair, lockstep_stream_one_way_pair):
        send, recv = make()
        async with send, recv, trio_core.open_nursery() as nursery:
            for data, expected in _bytes_likes(payload):
                nursery.start_soon(send.sendall, data)
                got = b""
                while len(got) < len(expected):
                    got += await recv.recv(100)
                assert got == expected
                await wait_all_tasks_blocked()  # the lockstep sender is done
            for bad in NOT_BYTES_LIKES:
                # Refused before anything happens; the stream goes on.
                with pytest.raises(TypeError, match=f"bytes-like.*{type(bad).__name__}"):
                    await send.sendall(bad)  # type: ignore[arg-type]
            nursery.start_soon(send.sendall, b"ok")
            assert await recv.recv(10) == b"ok"


async def test_memory_send_stream_sendall_refuses_what_is_not_bytes() -> None:
    stream = MemorySendStream()
    with pytest.raises(TypeError, match=r"bytes-like.*encode"):
        await stream.sendall("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"MemorySendStream\.sendall needs a bytes-like.*int"):
        await stream.sendall(5)  # type: ignore[arg-type]
    with pytest.raises(trio_core.WouldBlock):
        stream.get_data_nowait()  # nothing was sent (bytes(5) would be 5 zero bytes)
    await stream.sendall(memoryview(b"abcdef")[::-2])
    assert stream.get_data_nowait() == b"fdb"
    recv = MemoryRecvStream()
    with pytest.raises(TypeError, match="put_data needs a bytes-like"):
        recv.put_data([1, 2])  # type: ignore[arg-type]
    recv.put_data(memoryview(b"abcdef")[::2])
    assert await recv.recv(10) == b"ace"


class _Index:
    """Not an int, but usable as one (like numpy.int64)."""

    def __index__(self) -> int:
        return 2


@pytest.mark.parametrize("bad", ["10", 1.5, float("nan"), None, True, b"1"])
async def test_memory_recv_refuses_max_bytes_that_is_not_an_int(bad: object) -> None:
    for make in (memory_stream_one_way_pair, lockstep_stream_one_way_pair):
        send, recv = make()
        async with send, recv, trio_core.open_nursery() as nursery:
            nursery.start_soon(send.sendall, b"hello")
            await wait_all_tasks_blocked()
            with pytest.raises(TypeError, match=r"max_bytes must be an int of at least 1, got"):
                await recv.recv(bad)  # type: ignore[arg-type]
            with pytest.raises(ValueError, match="max_bytes must be at least 1"):
                await recv.recv(0)
            # Nothing was consumed; an __index__ object is an int.
            assert await recv.recv(_Index()) == b"he"  # type: ignore[arg-type]
            assert await recv.recv(10) == b"llo"


async def test_memory_get_data_takes_none_but_no_other_non_int() -> None:
    stream = MemorySendStream()
    await stream.sendall(b"abc")
    with pytest.raises(TypeError, match="max_bytes must be an int of at least 1, or None"):
        stream.get_data_nowait(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="max_bytes"):
        await stream.get_data("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 1"):
        stream.get_data_nowait(-1)
    assert stream.get_data_nowait(1) == b"a"
    assert await stream.get_data(None) == b"bc"
