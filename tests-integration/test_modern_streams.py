"""Code written for modern Trio's streams, run unmodified through ``import trio``
(issue 15, "Both spellings on every stream").

Each test is the kind of code a library written for Trio 0.35 contains:
third-party subclasses of ``trio.abc`` classes that define only the modern
names (trio-websocket's ``AsyncResource`` with only ``aclose``, a wrapping
``Stream``, a ``Listener``), servers using ``send_all`` / ``receive_some``,
``trio.aclose_forcefully``, ``trio.StapledStream(send, receive)``, and the
modern ``trio.testing`` names.
"""

from __future__ import annotations

import ssl
from functools import partial

import pytest
import trustme

import trio
import trio.testing

SERVER_NAME = "trio-test.example"


@pytest.fixture(scope="module")
def contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(SERVER_NAME).configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return client_ctx, server_ctx


class WebSocketLike(trio.abc.AsyncResource):
    """Like trio-websocket's connection: an AsyncResource that defines only aclose."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.closed = False

    async def send_message(self, text: str) -> None:
        await self.stream.send_all(text.encode())

    async def get_message(self) -> str:
        return (await self.stream.receive_some()).decode()

    async def aclose(self) -> None:
        self.closed = True
        await self.stream.aclose()


class LoggingStream(trio.abc.Stream):
    """A wrapping stream written for modern Trio (send_all, receive_some, aclose,
    wait_send_all_might_not_block), as proxies and test doubles are."""

    def __init__(self, inner: trio.abc.Stream) -> None:
        self.inner = inner
        self.log: list[str] = []

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        self.log.append(f"send_all {len(data)}")
        await self.inner.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self.inner.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        data = await self.inner.receive_some(max_bytes)
        self.log.append(f"receive_some {len(data)}")
        return data

    async def aclose(self) -> None:
        self.log.append("aclose")
        await self.inner.aclose()


def test_the_abcs_accept_classes_written_for_modern_trio() -> None:
    assert trio.abc.ReceiveStream is trio.abc.RecvStream
    assert trio.testing.MemoryReceiveStream is trio.testing.MemoryRecvStream
    # Defining only the modern names is enough to instantiate.
    left, right = trio.testing.memory_stream_pair()
    WebSocketLike(left)
    LoggingStream(right)
    with pytest.raises(TypeError, match=r"neither recv\(\) nor receive_some\(\)"):

        class Forgot(trio.abc.Stream):
            async def send_all(self, data: bytes | bytearray | memoryview) -> None:
                pass

            async def aclose(self) -> None:
                pass


async def test_websocket_like_resource_over_tcp() -> None:
    async def handler(stream: trio.SocketStream) -> None:
        async with WebSocketLike(stream) as connection:
            text = await connection.get_message()
            await connection.send_message(text.upper())

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, handler, 0, host="127.0.0.1"))
        client_stream = await trio.testing.open_stream_to_socket_listener(listeners[0])
        connection = WebSocketLike(client_stream)
        async with connection:
            await connection.send_message("hello")
            assert await connection.get_message() == "HELLO"
        assert connection.closed
        # aclose closed the stream under it, as it does in Trio.
        with pytest.raises(trio.ClosedResourceError):
            await client_stream.send_all(b"x")
        nursery.cancel_scope.cancel()


async def test_a_modern_wrapper_as_the_transport_of_tls(
    contexts: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    client_ctx, server_ctx = contexts
    left, right = trio.testing.memory_stream_pair()
    client_transport, server_transport = LoggingStream(left), LoggingStream(right)
    client = trio.SSLStream(client_transport, client_ctx, server_hostname=SERVER_NAME)
    server = trio.SSLStream(server_transport, server_ctx, server_side=True)

    async def serve() -> None:
        data = await server.receive_some()
        await server.send_all(data[::-1])
        await server.aclose()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve)
        await client.send_all(b"encrypted")
        assert await client.receive_some() == b"detpyrcne"
        assert await client.receive_some() == b""
        await client.aclose()
    # The TLS stream drove the wrapper through its modern names.
    assert any(entry.startswith("send_all") for entry in client_transport.log)
    assert any(entry.startswith("receive_some") for entry in client_transport.log)
    assert client_transport.log[-1] == "aclose" and server_transport.log[-1] == "aclose"


async def test_a_modern_listener_served_by_serve_listeners() -> None:
    class QueueListener(trio.abc.Listener[trio.abc.Stream]):
        def __init__(self) -> None:
            self.send_channel, self.receive_channel = trio.open_memory_channel[trio.abc.Stream](1)
            self.closed = False

        async def accept(self) -> trio.abc.Stream:
            return await self.receive_channel.receive()

        async def aclose(self) -> None:
            self.closed = True
            self.receive_channel.close()
            await trio.lowlevel.checkpoint()

    listener = QueueListener()
    served: list[bytes] = []

    async def handler(stream: trio.abc.Stream) -> None:
        served.append(bytes(await stream.receive_some()))

    async with trio.open_nursery() as nursery:
        await nursery.start(trio.serve_listeners, handler, [listener])
        mine, theirs = trio.testing.memory_stream_pair()
        await listener.send_channel.send(LoggingStream(theirs))
        await mine.send_all(b"through a modern listener")
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    assert served == [b"through a modern listener"]
    assert listener.closed


async def test_aclose_forcefully_and_stapled_stream_modern_signature() -> None:
    send, receive = trio.testing.memory_stream_one_way_pair()
    stapled = trio.StapledStream(send_stream=send, receive_stream=receive)
    assert stapled.receive_stream is receive
    await trio.aclose_forcefully(stapled)
    with pytest.raises(trio.ClosedResourceError):
        await stapled.send_all(b"x")
    wrapped = LoggingStream(trio.testing.memory_stream_pair()[0])
    await trio.aclose_forcefully(wrapped)
    assert wrapped.log == ["aclose"]


async def test_modern_trio_testing_checkers_on_a_modern_stream() -> None:
    async def maker() -> tuple[trio.abc.Stream, trio.abc.Stream]:
        left, right = trio.testing.memory_stream_pair()
        return LoggingStream(left), LoggingStream(right)

    async def clogged() -> tuple[trio.abc.Stream, trio.abc.Stream]:
        left, right = trio.testing.lockstep_stream_pair()
        return LoggingStream(left), LoggingStream(right)

    await trio.testing.check_two_way_stream(maker, clogged)


async def test_broken_resource_error_is_what_a_vanished_peer_gives() -> None:
    send, receive = trio.testing.memory_stream_one_way_pair()
    await receive.aclose()
    with pytest.raises(trio.BrokenResourceError):
        await send.send_all(b"nobody listens")


class ModernSend(trio.abc.SendStream):
    def __init__(self, inner: trio.abc.SendStream) -> None:
        self.inner = inner

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self.inner.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self.inner.wait_send_all_might_not_block()

    async def aclose(self) -> None:
        await self.inner.aclose()


class ModernReceive(trio.abc.ReceiveStream):
    def __init__(self, inner: trio.abc.ReceiveStream) -> None:
        self.inner = inner

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        return await self.inner.receive_some(max_bytes)

    async def aclose(self) -> None:
        await self.inner.aclose()


class ModernHalfCloseable(LoggingStream, trio.abc.HalfCloseableStream):
    async def send_eof(self) -> None:
        assert isinstance(self.inner, trio.abc.HalfCloseableStream)
        await self.inner.send_eof()


async def test_modern_subclasses_of_each_abc_pass_the_checkers() -> None:
    async def one_way() -> tuple[trio.abc.SendStream, trio.abc.ReceiveStream]:
        send, receive = trio.testing.memory_stream_one_way_pair()
        return ModernSend(send), ModernReceive(receive)

    async def one_way_clogged() -> tuple[trio.abc.SendStream, trio.abc.ReceiveStream]:
        send, receive = trio.testing.lockstep_stream_one_way_pair()
        return ModernSend(send), ModernReceive(receive)

    await trio.testing.check_one_way_stream(one_way, one_way_clogged)

    async def half_closeable() -> tuple[trio.abc.HalfCloseableStream, trio.abc.HalfCloseableStream]:
        left, right = trio.testing.memory_stream_pair()
        return ModernHalfCloseable(left), ModernHalfCloseable(right)

    await trio.testing.check_half_closeable_stream(half_closeable, None)
