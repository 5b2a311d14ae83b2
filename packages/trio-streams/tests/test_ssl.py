"""SSLStream over memory streams: conformance, TLS 1.2 and 1.3, SNI, ALPN, certificate checks."""

from __future__ import annotations

import array
import itertools
import ssl
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import pytest
import trustme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trio_core
from trio_core.testing import wait_all_tasks_blocked
from trio_streams import BrokenStreamError, NeedHandshakeError, SSLListener, SSLStream
from trio_streams.abc import Listener, Stream
from trio_streams.testing import (
    check_two_way_stream,
    lockstep_stream_pair,
    memory_stream_pair,
)

#: The name in the test server's certificate (see conftest.py).
SERVER_NAME = "trio-test.example"

TLS_VERSIONS = [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3]
VERSION_IDS = ["TLSv1.2", "TLSv1.3"]


def pin(ctx: ssl.SSLContext, version: ssl.TLSVersion) -> ssl.SSLContext:
    ctx.minimum_version = ctx.maximum_version = version
    return ctx


def ssl_pair(
    client_ctx: ssl.SSLContext,
    server_ctx: ssl.SSLContext,
    transport_pair: Callable[[], tuple[Stream, Stream]] = memory_stream_pair,
    *,
    server_hostname: str = SERVER_NAME,
    client_https_compatible: bool = False,
    server_https_compatible: bool = False,
) -> tuple[SSLStream, SSLStream]:
    a, b = transport_pair()
    client = SSLStream(
        a, client_ctx, server_hostname=server_hostname, https_compatible=client_https_compatible
    )
    server = SSLStream(b, server_ctx, server_side=True, https_compatible=server_https_compatible)
    return client, server


async def handshake_both(client: SSLStream, server: SSLStream) -> None:
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(client.do_handshake)
        nursery.start_soon(server.do_handshake)


async def exchange(a: Stream, b: Stream, data: bytes) -> None:
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(a.sendall, data)
        got = b""
        while len(got) < len(data):
            chunk = await b.recv(len(data) - len(got))
            assert chunk
            got += chunk
    assert got == data


def makers(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> tuple[
    Callable[[], Awaitable[tuple[SSLStream, SSLStream]]],
    Callable[[], Awaitable[tuple[SSLStream, SSLStream]]],
]:
    async def maker() -> tuple[SSLStream, SSLStream]:
        return ssl_pair(client_ctx, server_ctx)

    async def clogged() -> tuple[SSLStream, SSLStream]:
        # Over lockstep transports, nothing moves unless the peer reads; do the
        # handshake (and read TLS 1.3's session tickets) before handing them out.
        client, server = ssl_pair(client_ctx, server_ctx, lockstep_stream_pair)
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(server.sendall, b"x")
            nursery.start_soon(client.sendall, b"y")
            assert await client.recv(1) == b"x"
            assert await server.recv(1) == b"y"
        return client, server

    return maker, clogged


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
async def test_ssl_over_memory_streams_conforms(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    maker, clogged = makers(pin(client_ctx, version), server_ctx)
    await check_two_way_stream(maker, clogged)


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
async def test_handshake_and_session_information(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    client, server = ssl_pair(pin(client_ctx, version), server_ctx)
    async with client, server:
        for stream in (client, server):
            for method in (stream.getpeercert, stream.cipher, stream.version):
                with pytest.raises(NeedHandshakeError, match="do_handshake"):
                    method()
            with pytest.raises(NeedHandshakeError):
                stream.selected_alpn_protocol()
        await handshake_both(client, server)
        expected = "TLSv1.3" if version is ssl.TLSVersion.TLSv1_3 else "TLSv1.2"
        assert client.version() == server.version() == expected
        cipher = client.cipher()
        assert cipher is not None
        assert cipher[1] in (expected, "TLSv1/SSLv3")
        cert = client.getpeercert()
        assert cert is not None
        assert ("DNS", SERVER_NAME) in cert["subjectAltName"]
        assert isinstance(client.getpeercert(binary_form=True), bytes)
        assert server.getpeercert() is None  # the client sent no certificate
        assert client.selected_alpn_protocol() is None
        assert client.server_hostname == SERVER_NAME
        assert server.server_hostname is None
        assert server.server_side and not client.server_side
        assert client.context is client_ctx
        assert not client.https_compatible
        # A second handshake is a no-op (and a checkpoint).
        await client.do_handshake()
        await exchange(client, server, b"hello")
        await exchange(server, client, b"world")


async def test_concurrent_do_handshake_calls_share_one_handshake(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    client, server = ssl_pair(client_ctx, server_ctx)
    async with client, server, trio_core.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(client.do_handshake)
        nursery.start_soon(server.do_handshake)
        nursery.start_soon(server.do_handshake)
    assert client.version() is not None


async def test_cancelled_handshake_while_waiting_leaves_stream_usable(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    client, server = ssl_pair(client_ctx, server_ctx)
    async with client, server:
        # The client sends its hello and waits for the server, which is not there yet.
        with trio_core.move_on_after(1) as scope:
            async with trio_core.open_nursery() as nursery:
                nursery.start_soon(client.do_handshake)
                await wait_all_tasks_blocked()
                nursery.cancel_scope.cancel()
        assert not scope.cancelled_caught
        await handshake_both(client, server)
        await exchange(client, server, b"still fine")


async def test_sni_reaches_the_server(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    seen: list[str | None] = []

    def sni_callback(obj: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        seen.append(name)

    server_ctx.sni_callback = sni_callback
    client, server = ssl_pair(client_ctx, server_ctx)
    async with client, server:
        await handshake_both(client, server)
    assert seen == [SERVER_NAME]


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
async def test_alpn(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    pin(client_ctx, version).set_alpn_protocols(["h2", "http/1.1"])
    server_ctx.set_alpn_protocols(["http/1.1", "spdy/3"])
    client, server = ssl_pair(client_ctx, server_ctx)
    async with client, server:
        await handshake_both(client, server)
        assert client.selected_alpn_protocol() == "http/1.1"
        assert server.selected_alpn_protocol() == "http/1.1"


async def _failed_handshake(client: SSLStream, server: SSLStream) -> BaseException:
    """Run both handshakes; return the client's error.  The server fails too,
    told why by the client's alert."""
    errors: dict[str, BaseException] = {}

    async def run(name: str, stream: SSLStream) -> None:
        try:
            await stream.do_handshake()
        except BrokenStreamError as exc:
            errors[name] = exc
            stream.forceful_close()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(run, "client", client)
        nursery.start_soon(run, "server", server)
    assert set(errors) == {"client", "server"}
    server_cause = errors["server"].__cause__
    assert isinstance(server_cause, ssl.SSLError)
    assert "ALERT" in server_cause.reason.upper(), server_cause
    # Once broken, always broken.
    with pytest.raises((BrokenStreamError, trio_core.ClosedResourceError)):
        await server.sendall(b"x")
    return errors["client"]


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
async def test_wrong_hostname_is_rejected(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    client, server = ssl_pair(pin(client_ctx, version), server_ctx, server_hostname="evil.example")
    async with client, server:
        error = await _failed_handshake(client, server)
    assert isinstance(error.__cause__, ssl.SSLCertVerificationError)
    assert "evil.example" in str(error.__cause__)


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
async def test_untrusted_ca_is_rejected(
    server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    other_ca = trustme.CA()
    client_ctx = ssl.create_default_context()
    other_ca.configure_trust(client_ctx)
    client, server = ssl_pair(pin(client_ctx, version), server_ctx)
    async with client, server:
        error = await _failed_handshake(client, server)
    assert isinstance(error.__cause__, ssl.SSLCertVerificationError)
    assert "certificate verify failed" in str(error.__cause__)


async def test_hostname_verification_is_on_by_default(server_ctx: ssl.SSLContext) -> None:
    client_ctx = ssl.create_default_context()
    a, b = memory_stream_pair()
    with pytest.raises(ValueError, match="server_hostname"):
        SSLStream(a, client_ctx)
    with pytest.raises(ValueError, match="client side only"):
        SSLStream(b, server_ctx, server_side=True, server_hostname="x")
    with pytest.raises(TypeError, match="Stream"):
        SSLStream(b"not a stream", client_ctx)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="SSLContext"):
        SSLStream(a, "not a context")  # type: ignore[arg-type]
    a.forceful_close()
    b.forceful_close()


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
async def test_close_notify_ends_the_stream(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    client, server = ssl_pair(pin(client_ctx, version), server_ctx)
    async with server:
        await exchange(client, server, b"hi")
        await client.graceful_close()
        assert await server.recv(10) == b""
        assert await server.recv(10) == b""


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
@pytest.mark.parametrize("server_https_compatible", [False, True])
async def test_eof_without_close_notify(
    client_ctx: ssl.SSLContext,
    server_ctx: ssl.SSLContext,
    version: ssl.TLSVersion,
    server_https_compatible: bool,
) -> None:
    client, server = ssl_pair(
        pin(client_ctx, version), server_ctx, server_https_compatible=server_https_compatible
    )
    async with server:
        await exchange(client, server, b"hi")
        # Closing the transport under the client: no close_notify goes out.
        await client.transport_stream.graceful_close()
        if server_https_compatible:
            assert await server.recv(10) == b""
        else:
            with pytest.raises(BrokenStreamError, match="TLS error") as info:
                await server.recv(10)
            assert isinstance(info.value.__cause__, ssl.SSLEOFError)
        client.forceful_close()


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
async def test_https_compatible_close_skips_close_notify(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    client, server = ssl_pair(pin(client_ctx, version), server_ctx, client_https_compatible=True)
    async with server:
        await exchange(client, server, b"hi")
        await client.graceful_close()
        # A strict server sees a truncated session.
        with pytest.raises(BrokenStreamError):
            await server.recv(10)


async def test_send_eof_is_not_supported(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    client, server = ssl_pair(client_ctx, server_ctx)
    async with client, server:
        with pytest.raises(NotImplementedError, match="graceful_close"):
            await client.send_eof()
        # Stapled, it means: close the SSLStream used for sending.
        stapled = Stream.staple(client, server)
        await exchange(client, server, b"x")
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(stapled.send_eof)
            assert await server.recv(1) == b""
        with pytest.raises(trio_core.ClosedResourceError):
            await client.sendall(b"x")


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
async def test_unwrap_hands_back_the_transport(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    client, server = ssl_pair(pin(client_ctx, version), server_ctx)
    await exchange(client, server, b"secret")
    results: dict[str, tuple[Stream, bytes]] = {}

    async def server_side() -> None:
        transport, trailing = await server.unwrap()
        assert trailing == b""
        results["server"] = (transport, trailing)
        await transport.sendall(b"plain text")

    async def client_side() -> None:
        results["client"] = await client.unwrap()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(server_side)
        nursery.start_soon(client_side)
    client_transport, trailing = results["client"]
    server_transport, _ = results["server"]
    assert client_transport is client.transport_stream
    got = trailing
    while len(got) < len(b"plain text"):
        got += await client_transport.recv(100)
    assert got == b"plain text"
    # The SSLStreams are closed, but closing them leaves the transports alone.
    with pytest.raises(trio_core.ClosedResourceError):
        await client.recv(10)
    await client.graceful_close()
    server.forceful_close()
    await exchange(server_transport, client_transport, b"transport still open")
    await client_transport.graceful_close()
    await server_transport.graceful_close()


async def test_large_sendall_and_small_recv(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    client, server = ssl_pair(client_ctx, server_ctx)
    payload = bytes(range(256)) * 4096 * 3  # 3 MiB, several encryption slices
    async with client, server, trio_core.open_nursery() as nursery:
        nursery.start_soon(client.sendall, bytearray(payload))
        got = bytearray()
        while len(got) < len(payload):
            got += await server.recv(70_000)
        assert got == payload


async def test_sendall_takes_non_contiguous_and_other_bytes_likes(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    """SSLObject.write needs a contiguous buffer: sendall copies what is not
    (it used to raise BufferError there, breaking the stream)."""
    client, server = ssl_pair(client_ctx, server_ctx)
    big = bytes(range(256)) * 2400  # a strided view of it is > one encryption slice
    ints = array.array("i", range(100))
    cases: list[tuple[object, bytes]] = [
        (memoryview(big)[::2], big[::2]),
        (memoryview(big[:1000])[::-1], big[:1000][::-1]),
        (memoryview(big[:1000]).cast("H")[::3], memoryview(big[:1000]).cast("H")[::3].tobytes()),
        (memoryview(big[:64]).cast("B", (8, 8)), big[:64]),
        (ints, ints.tobytes()),
    ]
    async with client, server:
        for data, expected in cases:
            await exchange_as(client, server, data, expected)
        await exchange(client, server, b"and the stream goes on")


async def exchange_as(a: Stream, b: Stream, data: object, expected: bytes) -> None:
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(a.sendall, data)
        got = bytearray()
        while len(got) < len(expected):
            got += await b.recv(len(expected) - len(got))
    assert got == expected


async def test_bad_arguments_are_refused_before_anything_happens(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    client, server = ssl_pair(client_ctx, server_ctx)
    async with client, server:
        # Refused at once: no handshake is attempted (the server is not even
        # running, so one would wait forever).
        with trio_core.fail_after(5):
            for bad in ["text", 5, [1, 2], None]:
                with pytest.raises(TypeError, match=r"SSLStream\.sendall needs a bytes-like"):
                    await client.sendall(bad)  # type: ignore[arg-type]
            for bad_size in ["10", 1.5, float("nan"), None, True]:
                with pytest.raises(TypeError, match="max_bytes must be an int of at least 1"):
                    await client.recv(bad_size)  # type: ignore[arg-type]
            with pytest.raises(ValueError, match="max_bytes must be at least 1"):
                await client.recv(0)
        await exchange(client, server, b"hello")
        await exchange(server, client, b"back")
        # After the handshake too, and nothing is consumed.
        await client.sendall(b"kept")
        with pytest.raises(TypeError, match="max_bytes"):
            await server.recv(2.0)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="bytes-like"):
            await client.sendall("more")  # type: ignore[arg-type]
        await client.sendall(b"!")
        got = b""
        while len(got) < 5:
            got += await server.recv(5 - len(got))
        assert got == b"kept!"


async def test_ssl_over_ssl(client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext) -> None:
    """SSLStream runs over any Stream, including another SSLStream."""
    outer_client, outer_server = ssl_pair(client_ctx, server_ctx)

    async def maker() -> tuple[SSLStream, SSLStream]:
        return ssl_pair(client_ctx, server_ctx, lambda: (outer_client, outer_server))

    inner_client, inner_server = await maker()
    async with inner_client, inner_server:
        await exchange(inner_client, inner_server, b"nested" * 10_000)
        await exchange(inner_server, inner_client, b"and back")
        assert inner_client.transport_stream is outer_client


class _QueueListener(Listener[Stream]):
    """A listener handing out streams pushed into a memory channel."""

    def __init__(self) -> None:
        self.send, self.receive = trio_core.open_memory_channel[Stream](10)
        self.closed = False

    async def accept(self) -> Stream:
        return await self.receive.receive()

    def forceful_close(self) -> None:
        self.closed = True
        self.send.close()
        self.receive.close()


async def test_ssl_listener(client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext) -> None:
    transport_listener = _QueueListener()
    listener = SSLListener(transport_listener, server_ctx)
    assert "SSLListener" in repr(listener)
    a, b = memory_stream_pair()
    await transport_listener.send.send(b)
    server = await listener.accept()
    assert isinstance(server, SSLStream) and server.server_side
    assert server.transport_stream is b
    client = SSLStream(a, client_ctx, server_hostname=SERVER_NAME)
    async with client, server:
        await exchange(client, server, b"over the listener")
    await listener.graceful_close()
    assert transport_listener.closed
    listener.forceful_close()
    with pytest.raises(TypeError):
        SSLListener(object(), server_ctx)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SSLListener(transport_listener, None)  # type: ignore[arg-type]


class _ChoppyStream(Stream):
    """Delivers data in the chunk sizes it is given (cycled), in both directions."""

    def __init__(self, inner: Stream, send_sizes: list[int], recv_sizes: list[int]) -> None:
        self.inner = inner
        self.send_sizes = itertools.cycle(send_sizes)
        self.recv_sizes = itertools.cycle(recv_sizes)

    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        while view:
            size = next(self.send_sizes)
            await self.inner.sendall(view[:size])
            view = view[size:]

    async def wait_maybe_writable(self) -> None:
        await self.inner.wait_maybe_writable()

    async def send_eof(self) -> None:
        await self.inner.send_eof()

    async def recv(self, max_bytes: int) -> bytes:
        return await self.inner.recv(min(max_bytes, next(self.recv_sizes)))

    def forceful_close(self) -> None:
        self.inner.forceful_close()


chunk_sizes = st.lists(st.integers(1, 3000), min_size=1, max_size=20)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    version=st.sampled_from(TLS_VERSIONS),
    transport_sizes=st.tuples(chunk_sizes, chunk_sizes, chunk_sizes, chunk_sizes),
    app_writes=chunk_sizes,
    app_reads=chunk_sizes,
    payload=st.binary(min_size=1, max_size=20_000),
)
def test_random_chunking_delivers_data_intact(
    client_ctx: ssl.SSLContext,
    server_ctx: ssl.SSLContext,
    version: ssl.TLSVersion,
    transport_sizes: tuple[list[int], list[int], list[int], list[int]],
    app_writes: list[int],
    app_reads: list[int],
    payload: bytes,
) -> None:
    pin(client_ctx, version)

    def choppy_pair() -> tuple[Stream, Stream]:
        a, b = memory_stream_pair()
        return (
            _ChoppyStream(a, transport_sizes[0], transport_sizes[1]),
            _ChoppyStream(b, transport_sizes[2], transport_sizes[3]),
        )

    async def main() -> None:
        client, server = ssl_pair(client_ctx, server_ctx, choppy_pair)

        async def send(stream: SSLStream, data: bytes) -> None:
            view = memoryview(data)
            for size in itertools.cycle(app_writes):
                if not view:
                    break
                await stream.sendall(view[:size])
                view = view[size:]
            await stream.graceful_close()

        async def receive(stream: SSLStream, into: bytearray) -> None:
            for size in itertools.cycle(app_reads):
                chunk = await stream.recv(size)
                if not chunk:
                    return
                assert len(chunk) <= size
                into += chunk

        one, two = bytearray(), bytearray()
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(send, client, payload)
            nursery.start_soon(receive, server, one)
        assert one == payload
        client2, server2 = ssl_pair(client_ctx, server_ctx, choppy_pair)
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(send, server2, payload[::-1])
            nursery.start_soon(receive, client2, two)
        assert two == payload[::-1]
        server.forceful_close()
        client2.forceful_close()

    trio_core.run(main)


# ---------------------------------------------------------------- the transport turn-taking
# TLS itself rarely makes two tasks want the transport at once (renegotiation,
# key updates), and Python cannot trigger those on demand: these tests drive
# SSLStream's internal turn-taking directly.


@contextmanager
def forcefully_closing(*streams: SSLStream) -> Iterator[None]:
    try:
        yield
    finally:
        for stream in streams:
            stream.forceful_close()


async def handshaken_over_lockstep(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> tuple[SSLStream, SSLStream]:
    client, server = ssl_pair(client_ctx, server_ctx, lockstep_stream_pair)
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(server.sendall, b"x")
        nursery.start_soon(client.sendall, b"y")
        assert await client.recv(1) == b"x"
        assert await server.recv(1) == b"y"
    return client, server


async def test_flushes_take_turns_in_order(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    client, server = await handshaken_over_lockstep(client_ctx, server_ctx)
    # Closed forcefully: over lockstep transports a close_notify would wait
    # for a reader that never comes.
    with forcefully_closing(client, server):
        async with trio_core.open_nursery() as nursery:
            for word in (b"one ", b"two ", b"three"):
                client._obj.write(word)
                nursery.start_soon(client._flush, False)
                await wait_all_tasks_blocked()
            # The first flush holds the transport (lockstep: until the server
            # reads); the others queue behind it.
            assert client._outbound_held
            assert len(client._outbound_lot) == 2
            got = b""
            while len(got) < len(b"one two three"):
                got += await server.recv(100)
        assert got == b"one two three"
        assert not client._outbound_held


async def test_closing_wakes_a_queued_flush(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    client, server = await handshaken_over_lockstep(client_ctx, server_ctx)
    with forcefully_closing(server):

        async def flush(word: bytes) -> None:
            client._obj.write(word)
            with pytest.raises(trio_core.ClosedResourceError):
                await client._flush(False)

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(flush, b"first")
            await wait_all_tasks_blocked()
            nursery.start_soon(flush, b"second")
            await wait_all_tasks_blocked()
            assert len(client._outbound_lot) == 1
            client.forceful_close()


async def test_readers_take_turns(client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext) -> None:
    client, server = await handshaken_over_lockstep(client_ctx, server_ctx)
    # Closed forcefully: over lockstep transports a close_notify would wait
    # for a reader that never comes.
    with forcefully_closing(client, server):
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(client._read_more)
            nursery.start_soon(client._read_more)
            await wait_all_tasks_blocked()
            assert client._reading and len(client._read_lot) == 1
            await server.sendall(b"data")
        # Both returned once one read arrived; the data waits, decrypted on demand.
        assert await client.recv(10) == b"data"
        # A cancelled reader hands the reading over to the waiting one.
        async with trio_core.open_nursery() as nursery:
            scope = trio_core.CancelScope()

            async def cancelled_reader() -> None:
                with scope:
                    await client._read_more()

            nursery.start_soon(cancelled_reader)
            await wait_all_tasks_blocked()
            nursery.start_soon(client.recv, 10)
            await wait_all_tasks_blocked()
            scope.cancel()
            await wait_all_tasks_blocked()
            assert client._reading  # the recv task reads now
            await server.sendall(b"more")
        # And closing wakes a waiting reader.

        async def waiting_reader() -> None:
            with pytest.raises(trio_core.ClosedResourceError):
                await client._read_more()

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(waiting_reader)
            nursery.start_soon(waiting_reader)
            await wait_all_tasks_blocked()
            client.forceful_close()


async def test_wait_maybe_writable_waits_for_a_flush(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    client, server = await handshaken_over_lockstep(client_ctx, server_ctx)
    # Closed forcefully: over lockstep transports a close_notify would wait
    # for a reader that never comes.
    with forcefully_closing(client, server):
        done = trio_core.Event()

        async def waiter() -> None:
            await client.wait_maybe_writable()
            done.set()

        async with trio_core.open_nursery() as nursery:
            client._obj.write(b"pending")
            nursery.start_soon(client._flush, False)
            await wait_all_tasks_blocked()
            nursery.start_soon(waiter)
            await wait_all_tasks_blocked()
            assert not done.is_set() and len(client._outbound_lot) == 1
            # The server reads: the flush finishes, then wait_maybe_writable
            # waits for a reader on the lockstep transport (this recv).
            assert await server.recv(100) == b"pending"
            async with trio_core.open_nursery() as inner:
                inner.start_soon(server.recv, 100)
                await done.wait()
                inner.cancel_scope.cancel()


async def test_sending_after_the_peer_left_but_receiving_what_it_sent(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    client, server = ssl_pair(client_ctx, server_ctx)
    async with server:
        await exchange(client, server, b"hello")
        await client.sendall(b"last words")
        await client.graceful_close()
        # The client is gone: sending fails, but its last words are there.
        with pytest.raises(BrokenStreamError):
            for _ in range(10):
                await server.sendall(b"anyone?")
        with pytest.raises(BrokenStreamError, match="stopped receiving"):
            await server.wait_maybe_writable()
        got = b""
        while chunk := await server.recv(100):
            got += chunk
        assert got == b"last words"
        assert "SSLStream server" in repr(server)
