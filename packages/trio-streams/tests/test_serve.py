"""serve_listeners, serve_tcp and serve_ssl_over_tcp, against our clients, the standard
library's blocking ssl client, and openssl s_client."""

from __future__ import annotations

import errno
import functools
import logging
import shutil
import socket as stdlib_socket
import ssl
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest
import trustme

import trio_core
from trio_core.testing import MockClock, wait_all_tasks_blocked
from trio_streams import (
    BrokenStreamError,
    SocketListener,
    SocketStream,
    SSLListener,
    SSLStream,
    open_ssl_over_tcp_stream,
    open_tcp_stream,
    serve_listeners,
    serve_ssl_over_tcp,
    serve_tcp,
)
from trio_streams.abc import Listener, Stream
from trio_streams.testing import memory_stream_pair

SERVER_NAME = "trio-test.example"
TLS_VERSIONS = [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3]
VERSION_IDS = ["TLSv1.2", "TLSv1.3"]


async def echo(stream: Stream) -> None:
    async with stream:
        async for chunk in stream:
            await stream.sendall(chunk)


class FakeListener(Listener[Stream]):
    """accept() raises the queued errors (or returns the queued streams) in order."""

    def __init__(self, items: list[OSError | Stream]) -> None:
        self.items = items
        self.accepted_at: list[float] = []
        self.closed = False
        self.exhausted = trio_core.Event()

    async def accept(self) -> Stream:
        if not self.items:
            self.exhausted.set()
            await trio_core.sleep_forever()
        self.accepted_at.append(trio_core.current_time())
        await trio_core.lowlevel.checkpoint()
        item = self.items.pop(0)
        if isinstance(item, OSError):
            raise item
        return item

    def forceful_close(self) -> None:
        self.closed = True


async def test_serve_listeners_retries_resource_errors(
    autojump_clock: MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    client, server = memory_stream_pair()
    errors = [OSError(code, errno.errorcode[code]) for code in (errno.EMFILE, errno.ENOBUFS)]
    listener = FakeListener([*errors, server])
    handled: list[Stream] = []

    async def handler(stream: Stream) -> None:
        handled.append(stream)
        await stream.sendall(b"hi")

    caplog.set_level(logging.ERROR, logger="trio_streams.serve_listeners")
    async with trio_core.open_nursery() as nursery:
        started = await nursery.start(serve_listeners, handler, [listener])
        assert started == [listener]
        await listener.exhausted.wait()
        assert await client.recv(10) == b"hi"
        # The handler returned: its stream was closed.
        assert await client.recv(10) == b""
        nursery.cancel_scope.cancel()
    assert handled == [server]
    assert listener.accepted_at == pytest.approx([0, 0.1, 0.2])
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "Too many open files" in messages[0] or "EMFILE" in messages[0]
    assert "pausing 100 ms" in messages[0]
    assert all(record.exc_info for record in caplog.records)
    # serve_listeners closes its listeners when it exits.
    assert listener.closed
    client.forceful_close()


async def test_serve_listeners_other_errors_propagate() -> None:
    listener = FakeListener([OSError(errno.EINVAL, "Invalid argument")])
    with pytest.raises(ExceptionGroup) as info:
        await serve_listeners(echo, [listener])
    assert info.group_contains(OSError, match="Invalid argument")
    assert listener.closed
    with pytest.raises(ValueError, match="at least one listener"):
        await serve_listeners(echo, [])


async def test_serve_listeners_in_a_handler_nursery() -> None:
    client, server = memory_stream_pair()
    listener = FakeListener([server])
    finished = trio_core.Event()

    async def handler(stream: Stream) -> None:
        await stream.sendall(b"from the handler nursery")
        finished.set()

    async with trio_core.open_nursery() as handlers:
        async with trio_core.open_nursery() as nursery:
            await nursery.start(
                functools.partial(serve_listeners, handler, [listener], handler_nursery=handlers)
            )
            await finished.wait()
            nursery.cancel_scope.cancel()
    assert await client.recv(100) == b"from the handler nursery"
    client.forceful_close()


async def test_serve_tcp_echo_many_clients() -> None:
    async with trio_core.open_nursery() as nursery:
        listeners: Sequence[SocketListener] = await nursery.start(
            functools.partial(serve_tcp, echo, 0, host="127.0.0.1")
        )
        assert len(listeners) == 1
        port = listeners[0].socket.getsockname()[1]

        async def client(number: int) -> None:
            stream = await open_tcp_stream("127.0.0.1", port)
            async with stream:
                for round_trip in range(20):
                    message = f"client {number} message {round_trip}".encode()
                    await stream.sendall(message)
                    got = b""
                    while len(got) < len(message):
                        got += await stream.recv(100)
                    assert got == message
                await stream.send_eof()
                assert await stream.recv(100) == b""

        async with trio_core.open_nursery() as clients:
            for number in range(30):
                clients.start_soon(client, number)
        nursery.cancel_scope.cancel()
    with pytest.raises(OSError, match="refused"):
        await open_tcp_stream("127.0.0.1", port)


async def test_serve_tcp_closes_what_the_handler_leaves_open() -> None:
    async def rude_handler(stream: Stream) -> None:
        # Returns without reading the request nor closing the stream.
        await stream.sendall(b"bye" * 10_000)

    async with trio_core.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(serve_tcp, rude_handler, 0))
        port = listeners[0].socket.getsockname()[1]
        stream = await open_tcp_stream("localhost", port)
        async with stream:
            await stream.sendall(b"request that nobody reads" * 1000)
            got = b""
            while chunk := await stream.recv(65536):
                got += chunk
            # No reset: the whole reply arrived, then a clean end of stream.
            assert got == b"bye" * 10_000
        nursery.cancel_scope.cancel()


async def start_tls_echo(nursery: trio_core.Nursery, ctx: ssl.SSLContext, **kwargs: Any) -> int:
    listeners = await nursery.start(
        functools.partial(serve_ssl_over_tcp, echo, 0, ctx, host="127.0.0.1", **kwargs)
    )
    (listener,) = listeners
    assert isinstance(listener, SSLListener)
    assert isinstance(listener.transport_listener, SocketListener)
    port: int = listener.transport_listener.socket.getsockname()[1]
    return port


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
async def test_tls_echo_with_our_client(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    client_ctx.minimum_version = client_ctx.maximum_version = version
    async with trio_core.open_nursery() as nursery:
        port = await start_tls_echo(nursery, server_ctx)
        stream = await open_ssl_over_tcp_stream("127.0.0.1", port, ssl_context=client_ctx)
        async with stream:
            assert isinstance(stream, SSLStream)
            assert isinstance(stream.transport_stream, SocketStream)
            await stream.sendall(b"hello" * 1000)
            got = b""
            while len(got) < 5000:
                got += await stream.recv(65536)
            assert got == b"hello" * 1000
            assert stream.version() == ("TLSv1.3" if version.name.endswith("3") else "TLSv1.2")
        nursery.cancel_scope.cancel()


async def test_tls_client_verifies_the_hostname(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    async with trio_core.open_nursery() as nursery:
        port = await start_tls_echo(nursery, server_ctx)
        # The certificate is for trio-test.example, localhost and the loopback
        # addresses: any other name is refused by the default context's check.
        for host, ok in (("localhost", True), ("127.0.0.1", True)):
            stream = await open_ssl_over_tcp_stream(host, port, ssl_context=client_ctx)
            async with stream:
                await stream.do_handshake()
                assert ok
        bad_ctx = ssl.create_default_context()
        trustme.CA().configure_trust(bad_ctx)
        stream = await open_ssl_over_tcp_stream("127.0.0.1", port, ssl_context=bad_ctx)
        async with stream:
            with pytest.raises(BrokenStreamError) as info:
                await stream.do_handshake()
            assert isinstance(info.value.__cause__, ssl.SSLCertVerificationError)
        nursery.cancel_scope.cancel()


async def test_open_ssl_over_tcp_stream_uses_the_system_trust_by_default(
    server_ctx: ssl.SSLContext,
) -> None:
    async with trio_core.open_nursery() as nursery:
        port = await start_tls_echo(nursery, server_ctx)
        # ssl.create_default_context(): our private test CA is not trusted.
        stream = await open_ssl_over_tcp_stream("localhost", port)
        async with stream:
            assert stream.context.check_hostname
            assert stream.server_hostname == "localhost"
            with pytest.raises(BrokenStreamError):
                await stream.do_handshake()
        nursery.cancel_scope.cancel()


def stdlib_client(port: int, ctx: ssl.SSLContext, payload: bytes) -> tuple[bytes, str | None]:
    """A blocking standard-library TLS client: send, read the echo, shut down TLS."""
    with stdlib_socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname=SERVER_NAME) as tls:
            tls.sendall(payload)
            got = b""
            while len(got) < len(payload):
                chunk = tls.recv(65536)
                assert chunk, "the server closed early"
                got += chunk
            version = tls.version()
            # Our close_notify; the server answers with its own and closes.
            tls.unwrap()
            return got, version


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=VERSION_IDS)
async def test_tls_echo_with_the_stdlib_blocking_client(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, version: ssl.TLSVersion
) -> None:
    client_ctx.minimum_version = client_ctx.maximum_version = version
    payload = bytes(range(256)) * 400
    async with trio_core.open_nursery() as nursery:
        port = await start_tls_echo(nursery, server_ctx)
        got, negotiated = await trio_core.to_thread.run_sync(
            stdlib_client, port, client_ctx, payload
        )
        nursery.cancel_scope.cancel()
    assert got == payload
    assert negotiated == ("TLSv1.3" if version is ssl.TLSVersion.TLSv1_3 else "TLSv1.2")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl binary")
@pytest.mark.parametrize("flag", ["-tls1_2", "-tls1_3"])
async def test_tls_server_with_openssl_s_client(
    server_ctx: ssl.SSLContext, ca: trustme.CA, tmp_path: Any, flag: str
) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    async def greeter(stream: SSLStream) -> None:
        async with stream:
            line = b""
            while not line.endswith(b"\n"):
                chunk = await stream.recv(100)
                assert chunk
                line += chunk
            await stream.sendall(b"hello, " + line)
        # Leaving the block sends close_notify; s_client then exits.

    async with trio_core.open_nursery() as nursery:
        listeners = await nursery.start(
            functools.partial(serve_ssl_over_tcp, greeter, 0, server_ctx, host="127.0.0.1")
        )
        port = listeners[0].transport_listener.socket.getsockname()[1]
        command = [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", SERVER_NAME,
            "-CAfile", str(ca_file), "-verify_return_error", "-verify_hostname", SERVER_NAME,
            "-quiet", flag,
        ]  # fmt: skip

        def s_client() -> subprocess.CompletedProcess[bytes]:
            return subprocess.run(command, input=b"s_client\n", capture_output=True, timeout=60)

        result = await trio_core.to_thread.run_sync(s_client)
        nursery.cancel_scope.cancel()
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"hello, s_client\n" in result.stdout


async def test_serve_ssl_over_tcp_argument_errors() -> None:
    with pytest.raises(TypeError, match="SSLContext"):
        await serve_ssl_over_tcp(echo, 0, None)  # type: ignore[arg-type]


async def test_graceful_close_of_a_blocked_reader_over_tcp(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> None:
    async with trio_core.open_nursery() as nursery:
        port = await start_tls_echo(nursery, server_ctx)
        stream = await open_ssl_over_tcp_stream("127.0.0.1", port, ssl_context=client_ctx)
        await stream.do_handshake()

        async def reader() -> None:
            with pytest.raises(trio_core.ClosedResourceError):
                await stream.recv(10)

        async with trio_core.open_nursery() as inner:
            inner.start_soon(reader)
            await wait_all_tasks_blocked()
            await stream.graceful_close()
        nursery.cancel_scope.cancel()
