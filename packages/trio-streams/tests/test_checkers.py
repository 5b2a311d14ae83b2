"""The conformance checkers catch broken streams: each rule, broken on purpose."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

import trio_core
from trio_streams import BrokenStreamError
from trio_streams.abc import HalfCloseableStream, RecvStream, SendStream, Stream
from trio_streams.testing import (
    check_half_closeable_stream,
    check_one_way_stream,
    check_two_way_stream,
    lockstep_stream_one_way_pair,
    memory_stream_one_way_pair,
    memory_stream_pair,
)


class Gate:
    """Makes a send stream "clogged": a sender waits here until the receiver calls recv."""

    def __init__(self) -> None:
        self.lot = trio_core.lowlevel.ParkingLot()

    async def wait(self) -> None:
        await self.lot.park()

    def open(self) -> None:
        self.lot.unpark_all()


class MutantSend(SendStream):
    """A send stream with one rule broken (``flaw``)."""

    def __init__(self, inner: SendStream, flaw: str, gate: Gate | None = None) -> None:
        self.inner = inner
        self.flaw = flaw
        self.gate = gate
        self.closed = False
        self.busy = False

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        if self.gate is not None and self.busy:
            raise trio_core.BusyResourceError
        if self.flaw == "send after close" and self.closed:
            await trio_core.lowlevel.checkpoint()
            return
        if self.flaw == "never broken":
            try:
                await self.inner.sendall(data)
            except BrokenStreamError:
                pass
            return
        if self.flaw == "corrupt" and len(data) > 5000:
            data = bytes(data)[:-1] + b"?"
        if self.gate is not None and len(data) > 1000:
            # Half goes out at once, the rest once the receiver reads: a
            # cancellation in between leaves the peer with half a message, and
            # the stream goes on as if nothing happened.
            self.busy = True
            try:
                view = memoryview(data)
                await self.inner.sendall(view[: len(view) // 2])
                await self.gate.wait()
                await self.inner.sendall(view[len(view) // 2 :])
            finally:
                self.busy = False
            return
        await self.inner.sendall(data)

    async def wait_maybe_writable(self) -> None:
        if self.busy:
            raise trio_core.BusyResourceError
        await self.inner.wait_maybe_writable()

    async def send_eof(self) -> None:
        if self.busy:
            raise trio_core.BusyResourceError
        await self.inner.send_eof()

    def forceful_close(self) -> None:
        self.closed = True
        self.inner.forceful_close()
        if self.gate is not None:
            self.gate.open()


class MutantRecv(RecvStream):
    def __init__(self, inner: RecvStream, flaw: str, gate: Gate | None = None) -> None:
        self.inner = inner
        self.flaw = flaw
        self.gate = gate
        self.in_recv = False
        self.eof_seen = False
        self.buffer = bytearray()
        self.closed = False

    async def recv(self, max_bytes: int) -> bytes:
        if self.gate is not None:
            self.gate.open()
        if self.flaw == "no ValueError" and max_bytes < 1:
            max_bytes = 1
        if self.flaw == "not busy" and self.in_recv:
            return b"?"
        if self.flaw == "too much":
            max_bytes += 1
        if self.flaw == "eof once" and self.eof_seen:
            raise trio_core.ClosedResourceError("EOF already reported")
        if self.closed:
            raise trio_core.ClosedResourceError
        if self.flaw == "no checkpoint":
            if max_bytes < 1:
                raise ValueError
            # Reads ahead, and serves what it has without a checkpoint.
            if not self.buffer:
                self.buffer += await self.inner.recv(65536)
                if not self.buffer:
                    return b""
            chunk = bytes(self.buffer[:max_bytes])
            del self.buffer[:max_bytes]
            return chunk
        self.in_recv = True
        try:
            data = await self.inner.recv(max_bytes)
        except trio_core.ClosedResourceError:
            if self.flaw == "close does not wake":
                await trio_core.sleep_forever()
            raise
        finally:
            self.in_recv = False
        if not data:
            self.eof_seen = True
        return data

    def forceful_close(self) -> None:
        self.closed = True
        self.inner.forceful_close()


Maker = Callable[[], Awaitable[tuple[SendStream, RecvStream]]]


def mutant_makers(flaw: str) -> tuple[Maker, Maker]:
    async def maker() -> tuple[SendStream, RecvStream]:
        send, recv = memory_stream_one_way_pair()
        return MutantSend(send, flaw), MutantRecv(recv, flaw)

    async def clogged() -> tuple[SendStream, RecvStream]:
        if flaw == "truncate when cancelled":
            gate = Gate()
            send, recv = memory_stream_one_way_pair()
            return MutantSend(send, flaw, gate), MutantRecv(recv, flaw, gate)
        lock_send, lock_recv = lockstep_stream_one_way_pair()
        return MutantSend(lock_send, flaw), MutantRecv(lock_recv, flaw)

    return maker, clogged


async def test_a_correct_stream_passes() -> None:
    await check_one_way_stream(*mutant_makers("none"))


@pytest.mark.parametrize(
    ("flaw", "message"),
    [
        ("no ValueError", "max_bytes < 1"),
        ("too much", "returned 2 bytes|at most max_bytes"),
        ("not busy", "two tasks in recv at once"),
        ("send after close", "closed send stream raises ClosedResourceError"),
        ("never broken", "BrokenResourceError"),
        ("corrupt", "random chunk sizes"),
        ("eof once", "keeps returning b''"),
        ("no checkpoint", "checkpoint"),
        ("close does not wake", "wakes a task blocked in recv"),
        ("truncate when cancelled", "truncated"),
    ],
)
async def test_a_broken_rule_is_reported(flaw: str, message: str) -> None:
    with trio_core.fail_after(30):  # a guard: a checker must not hang on a bad stream
        with pytest.raises(AssertionError) as info:
            await check_one_way_stream(*mutant_makers(flaw))
    text = str(info.value)
    assert text.startswith("check_one_way_stream: ")
    assert any(part in text for part in message.split("|")), text


async def test_clogged_maker_that_does_not_block_is_reported() -> None:
    maker, _ = mutant_makers("none")
    with pytest.raises(AssertionError, match="did not block"):
        await check_one_way_stream(maker, maker)


async def test_two_way_checker_wants_streams() -> None:
    async def one_way_maker() -> tuple[Stream, Stream]:
        send, recv = memory_stream_one_way_pair()
        return send, recv  # type: ignore[return-value]

    with pytest.raises(AssertionError, match="not a SendStream and a RecvStream"):
        await check_two_way_stream(one_way_maker)


class NotReallyHalfCloseable(HalfCloseableStream):
    """Claims to half-close, but send_eof closes everything."""

    def __init__(self, inner: Stream) -> None:
        self.inner = inner
        self.closed = False

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        await self.inner.sendall(data)

    async def wait_maybe_writable(self) -> None:
        await self.inner.wait_maybe_writable()

    async def send_eof(self) -> None:
        if self.closed:
            raise trio_core.ClosedResourceError
        await self.inner.graceful_close()

    async def recv(self, max_bytes: int) -> bytes:
        return await self.inner.recv(max_bytes)

    def forceful_close(self) -> None:
        self.closed = True
        self.inner.forceful_close()


async def test_half_close_that_closes_everything_is_reported() -> None:
    async def maker() -> tuple[HalfCloseableStream, HalfCloseableStream]:
        a, b = memory_stream_pair()
        return NotReallyHalfCloseable(a), NotReallyHalfCloseable(b)

    with pytest.raises(AssertionError, match="check_half_closeable_stream: the other direction"):
        await check_half_closeable_stream(maker)
