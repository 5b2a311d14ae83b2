"""Both spellings on every stream: the seed's names and modern Trio's, one operation."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import pytest

import trio_core
from trio_core.testing import assert_checkpoints
from trio_streams import StapledStream, aclose_forcefully
from trio_streams.abc import (
    AsyncResource,
    HalfCloseableStream,
    Listener,
    ReceiveStream,
    RecvStream,
    SendStream,
    Stream,
)
from trio_streams.testing import memory_stream_one_way_pair, memory_stream_pair


class ModernStream(Stream):
    """Written for modern Trio: only aclose, send_all and receive_some."""

    def __init__(self) -> None:
        self.sent = bytearray()
        self.incoming = bytearray()
        self.closed = 0
        self.asked: list[int | None] = []

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await trio_core.lowlevel.checkpoint()
        if self.closed:
            raise trio_core.ClosedResourceError("closed")
        self.sent += data

    async def receive_some(self, max_bytes: int | None = None) -> bytearray:
        await trio_core.lowlevel.checkpoint()
        self.asked.append(max_bytes)
        size = len(self.incoming) if max_bytes is None else max_bytes
        chunk = self.incoming[:size]
        del self.incoming[:size]
        return chunk  # a bytearray, as modern Trio allows

    async def aclose(self) -> None:
        self.closed += 1
        await trio_core.lowlevel.checkpoint()


class SeedStream(HalfCloseableStream):
    """Written for the seed: forceful_close, sendall, wait_maybe_writable, send_eof, recv."""

    def __init__(self) -> None:
        self.log: list[Any] = []

    def forceful_close(self) -> None:
        self.log.append("forceful_close")

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        await trio_core.lowlevel.checkpoint()
        self.log.append(("sendall", bytes(data)))

    async def wait_maybe_writable(self) -> None:
        await trio_core.lowlevel.checkpoint()
        self.log.append("wait_maybe_writable")

    async def send_eof(self) -> None:
        await trio_core.lowlevel.checkpoint()
        self.log.append("send_eof")

    async def recv(self, max_bytes: int) -> bytes:
        await trio_core.lowlevel.checkpoint()
        self.log.append(("recv", max_bytes))
        return b"x" * min(max_bytes, 3)


def test_receive_stream_is_recv_stream() -> None:
    assert ReceiveStream is RecvStream


async def test_a_class_written_for_modern_trio_gets_the_seeds_names() -> None:
    stream = ModernStream()
    with assert_checkpoints():
        await stream.sendall(b"ab")
    await stream.send_all(memoryview(b"cd"))
    assert stream.sent == b"abcd"

    stream.incoming += b"hello world"
    with assert_checkpoints():
        got = await stream.recv(5)
    assert got == b"hello" and type(got) is bytes  # the seed's recv returns bytes
    assert await stream.receive_some() == b" world"
    assert stream.asked == [5, None]
    # recv checks max_bytes itself, as the seed requires, before receive_some runs.
    for bad, error in [(None, TypeError), (1.5, TypeError), ("3", TypeError), (0, ValueError)]:
        with pytest.raises(error, match="max_bytes"):
            await stream.recv(bad)  # type: ignore[arg-type]
    assert stream.asked == [5, None]

    # wait_maybe_writable: neither name defined, so a checkpoint that returns.
    with assert_checkpoints():
        await stream.wait_maybe_writable()
    with assert_checkpoints():
        await stream.wait_send_all_might_not_block()

    # A two-way stream that is not half-closeable: send_eof says so.
    with assert_checkpoints(), pytest.raises(NotImplementedError, match="graceful_close"):
        await stream.send_eof()

    # graceful_close is aclose; async with uses it.
    with assert_checkpoints():
        await stream.graceful_close()
    assert stream.closed == 1
    async with stream:
        pass
    assert stream.closed == 2
    # It has no synchronous close, and says what to use instead.
    with pytest.raises(NotImplementedError, match="aclose_forcefully"):
        stream.forceful_close()
    await aclose_forcefully(stream)
    assert stream.closed == 3


async def test_a_class_written_for_the_seed_gets_modern_trios_names() -> None:
    stream = SeedStream()
    await stream.send_all(b"hi")
    await stream.wait_send_all_might_not_block()
    assert await stream.receive_some() == b"xxx"
    assert await stream.receive_some(2) == b"xx"
    assert await stream.receive_some(None) == b"xxx"
    assert stream.log == [
        ("sendall", b"hi"),
        "wait_maybe_writable",
        ("recv", 65536),  # "some reasonable amount"
        ("recv", 2),
        ("recv", 65536),
    ]
    stream.log.clear()
    # aclose is graceful_close, whose default is the seed's: forceful_close + checkpoint.
    with assert_checkpoints():
        await stream.aclose()
    assert stream.log == ["forceful_close"]
    with trio_core.CancelScope() as scope:
        scope.cancel()
        await stream.aclose()
    assert scope.cancelled_caught and stream.log == ["forceful_close"] * 2
    await aclose_forcefully(stream)
    assert stream.log == ["forceful_close"] * 3


async def test_async_for_works_for_both_kinds() -> None:
    modern = ModernStream()
    modern.incoming += b"abc"
    assert [chunk async for chunk in modern] == [b"abc"]
    seed = SeedStream()
    async for chunk in seed:
        assert chunk == b"xxx"
        break


async def test_a_modern_one_way_send_stream_ends_with_send_eof() -> None:
    closed: list[str] = []

    class Sender(SendStream):
        async def send_all(self, data: bytes | bytearray | memoryview) -> None:
            await trio_core.lowlevel.checkpoint()

        async def aclose(self) -> None:
            closed.append("aclose")
            await trio_core.lowlevel.checkpoint()

    with assert_checkpoints():
        await Sender().send_eof()
    assert closed == ["aclose"]


class Counting(Stream):
    """A non-final base in the seed's dialect, for the override tests."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def forceful_close(self) -> None:
        self.calls.append("Counting.forceful_close")

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        self.calls.append("Counting.sendall")
        await trio_core.lowlevel.checkpoint()

    async def recv(self, max_bytes: int) -> bytes:
        self.calls.append(f"Counting.recv({max_bytes})")
        await trio_core.lowlevel.checkpoint()
        return b"r"


async def test_the_name_a_subclass_overrides_wins_under_both_names() -> None:
    class ModernOverride(Counting):
        async def send_all(self, data: bytes | bytearray | memoryview) -> None:
            self.calls.append("ModernOverride.send_all")
            await super().send_all(data)

        async def receive_some(self, max_bytes: int | None = None) -> bytes:
            self.calls.append(f"ModernOverride.receive_some({max_bytes})")
            return await super().receive_some(max_bytes)

    stream = ModernOverride()
    await stream.sendall(b"x")
    await stream.send_all(b"x")
    assert stream.calls == ["ModernOverride.send_all", "Counting.sendall"] * 2
    stream.calls.clear()
    assert await stream.recv(7) == b"r"
    assert await stream.receive_some() == b"r"
    assert stream.calls == [
        "ModernOverride.receive_some(7)",
        "Counting.recv(7)",
        "ModernOverride.receive_some(None)",
        "Counting.recv(65536)",
    ]

    class SeedOverrideOfModern(ModernOverride):
        async def sendall(self, data: bytes | bytearray | memoryview) -> None:
            self.calls.append("SeedOverrideOfModern.sendall")
            await super().sendall(data)

    again = SeedOverrideOfModern()
    await again.send_all(b"x")
    assert again.calls == [
        "SeedOverrideOfModern.sendall",
        "ModernOverride.send_all",
        "Counting.sendall",
    ]


async def test_a_class_defining_both_names_keeps_both() -> None:
    class Both(Counting):
        async def sendall(self, data: bytes | bytearray | memoryview) -> None:
            self.calls.append("sendall")

        async def send_all(self, data: bytes | bytearray | memoryview) -> None:
            self.calls.append("send_all")

    both = Both()
    await both.sendall(b"")
    await both.send_all(b"")
    assert both.calls == ["sendall", "send_all"]


@pytest.mark.parametrize(
    ("base", "body", "names"),
    [
        (AsyncResource, {}, []),
        (SendStream, {"aclose": "close"}, ["sendall()", "send_all()"]),
        (RecvStream, {"forceful_close": "sync"}, ["recv()", "receive_some()"]),
        (Stream, {"send_all": "send", "aclose": "close"}, ["recv()", "receive_some()"]),
        (
            Stream,
            {"send_all": "send", "receive_some": "recv"},
            ["forceful_close()", "graceful_close()", "aclose()"],
        ),
        (
            HalfCloseableStream,
            {"send_all": "send", "receive_some": "recv", "aclose": "close"},
            ["send_eof()"],
        ),
        (Listener, {"aclose": "close"}, ["accept()"]),
    ],
)
def test_a_class_implementing_neither_name_is_refused_at_creation(
    base: type, body: dict[str, Any], names: list[str]
) -> None:
    async def coroutine(self: object, *args: object) -> None:
        pass

    def function(self: object) -> None:
        pass

    namespace = {
        name: function if kind == "sync" else coroutine
        for name, kind in body.items()
        if isinstance(kind, str)
    }
    if not names:
        # Only a helper: an abstract intermediate, accepted.
        cls = type(base)("Helper", (base,), {"helper": function})
        with pytest.raises(TypeError):
            cls()
        return
    with pytest.raises(TypeError) as info:
        type(base)("Incomplete", (base,), namespace)
    message = str(info.value)
    for name in names:
        assert name in message
    assert "Incomplete" in message and "abstract=True" in message


async def test_abstract_intermediate_classes_still_work() -> None:
    class NothingYet(Stream):
        def describe(self) -> str:
            return "a helper"

    class DeclaresAbstract(Stream):
        async def aclose(self) -> None:
            await trio_core.lowlevel.checkpoint()

        @abstractmethod
        def protocol_name(self) -> str: ...

    class SaysSo(Stream, abstract=True):
        async def aclose(self) -> None:
            await trio_core.lowlevel.checkpoint()

    for intermediate in (NothingYet, DeclaresAbstract, SaysSo):
        with pytest.raises(TypeError, match="abstract"):
            intermediate()

    class Done(SaysSo):
        async def send_all(self, data: bytes | bytearray | memoryview) -> None:
            await trio_core.lowlevel.checkpoint()

        async def recv(self, max_bytes: int) -> bytes:
            await trio_core.lowlevel.checkpoint()
            return b"done"

    done = Done()
    await done.sendall(b"x")
    assert await done.receive_some() == b"done"
    await done.aclose()

    # A subclass may fill the gaps with the other dialect's names.
    class DoneToo(NothingYet):
        def forceful_close(self) -> None:
            pass

        async def sendall(self, data: bytes | bytearray | memoryview) -> None:
            await trio_core.lowlevel.checkpoint()

        async def receive_some(self, max_bytes: int | None = None) -> bytes:
            await trio_core.lowlevel.checkpoint()
            return b"too"

    assert await DoneToo().recv(3) == b"too"
    assert DoneToo().describe() == "a helper"


async def test_a_listener_written_for_modern_trio() -> None:
    class ModernListener(Listener[ModernStream]):
        def __init__(self) -> None:
            self.closed = False

        async def accept(self) -> ModernStream:
            await trio_core.lowlevel.checkpoint()
            return ModernStream()

        async def aclose(self) -> None:
            self.closed = True
            await trio_core.lowlevel.checkpoint()

    listener = ModernListener()
    async with listener:
        stream = await listener.accept()
        assert isinstance(stream, ModernStream)
    assert listener.closed
    await listener.graceful_close()


async def test_aclose_forcefully() -> None:
    class Duck:
        def __init__(self) -> None:
            self.cancelled = False

        async def aclose(self) -> None:
            try:
                await trio_core.sleep_forever()
            except trio_core.Cancelled:
                self.cancelled = True
                raise

    duck = Duck()
    with assert_checkpoints():
        await aclose_forcefully(duck)
    assert duck.cancelled

    send, recv = memory_stream_one_way_pair()
    with assert_checkpoints():
        await aclose_forcefully(recv)
    assert recv.closed
    with pytest.raises(trio_core.ClosedResourceError):
        await recv.receive_some()
    await aclose_forcefully(send)
    with pytest.raises(trio_core.ClosedResourceError):
        await send.send_all(b"x")

    with pytest.raises(TypeError, match="aclose"):
        await aclose_forcefully(object())


async def test_our_streams_speak_both_dialects() -> None:
    left, right = memory_stream_pair()
    assert isinstance(left, StapledStream)
    await left.send_all(b"ping")
    assert await right.receive_some() == b"ping"
    await right.sendall(b"pong")
    assert await left.recv(10) == b"pong"
    await left.wait_send_all_might_not_block()
    await left.send_eof()
    assert await right.receive_some(5) == b""
    await left.aclose()
    await right.aclose()
    with pytest.raises(trio_core.ClosedResourceError):
        await right.send_all(b"x")
