"""Bad input to the streams (issue 8, "Bad input"), through ``import trio``.

The same properties run over a ``SocketStream`` pair on loopback TCP, a
memory stream pair (``trio.testing.memory_stream_pair``) and an
``SSLStream`` pair over memory streams: every kind of bytes-like reaches the
peer intact, what is not bytes is a ``TypeError`` that leaves the stream
working, ``recv`` refuses bad ``max_bytes`` (``ValueError`` below 1, as the
README says, ``TypeError`` for what is not an int) without consuming
anything, and closed streams raise ``ClosedResourceError``.

The library bugs found this way (``SSLStream.sendall`` breaking on
non-contiguous views, ``MemorySendStream.sendall`` coercing what is not bytes
with ``bytes()``, ``recv`` failing on a non-int ``max_bytes`` without naming
it) are fixed in trio-streams; their tests are plain tests now.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st

import trio
import trio.socket as tsocket
from trio.abc import Stream
from trio.testing import memory_stream_pair

from _bytes_like import (
    CONTIGUOUS_KINDS,
    NON_CONTIGUOUS_KINDS,
    as_bytes_like,
    loopback_tcp_pair,
    not_bytes_likes,
    recv_exactly,
)

FAST = settings(max_examples=30, deadline=None)

_CA = trustme.CA()
_CERT = _CA.issue_cert("example.org")
_SERVER_CTX = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
_CERT.configure_cert(_SERVER_CTX)
_CLIENT_CTX = ssl.create_default_context()
_CA.configure_trust(_CLIENT_CTX)

STREAM_KINDS = ["socket", "memory", "ssl"]


@asynccontextmanager
async def stream_pair(kind: str) -> AsyncIterator[tuple[Stream, Stream]]:
    """A connected (left, right) pair of ``kind``, closed on the way out."""
    left: Stream
    right: Stream
    if kind == "socket":
        client_sock, server_sock = await loopback_tcp_pair()
        left, right = trio.SocketStream(client_sock), trio.SocketStream(server_sock)
    elif kind == "memory":
        left, right = memory_stream_pair()
    else:
        a, b = memory_stream_pair()
        client = trio.SSLStream(a, _CLIENT_CTX, server_hostname="example.org")
        server = trio.SSLStream(b, _SERVER_CTX, server_side=True)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.do_handshake)
            await client.do_handshake()
        left, right = client, server
    try:
        yield left, right
    finally:
        left.forceful_close()
        right.forceful_close()


# ---------------------------------------------------------------- sendall: bytes-likes


@settings(max_examples=40, deadline=None)
@given(
    payload=st.binary(min_size=1, max_size=4000),
    kind=st.sampled_from(CONTIGUOUS_KINDS),
    stream_kind=st.sampled_from(STREAM_KINDS),
)
async def test_sendall_takes_every_contiguous_bytes_like(
    payload: bytes, kind: str, stream_kind: str
) -> None:
    data, expected = as_bytes_like(kind, payload)
    async with stream_pair(stream_kind) as (left, right):
        await left.sendall(data)  # type: ignore[arg-type]
        await left.sendall(b"|end")
        assert await recv_exactly(right, len(expected) + 4) == expected + b"|end"


@FAST
@given(
    payload=st.binary(min_size=2, max_size=4000),
    kind=st.sampled_from(NON_CONTIGUOUS_KINDS),
    stream_kind=st.sampled_from(["socket", "memory"]),
)
async def test_sendall_takes_non_contiguous_views(
    payload: bytes, kind: str, stream_kind: str
) -> None:
    data, expected = as_bytes_like(kind, payload)
    async with stream_pair(stream_kind) as (left, right):
        await left.sendall(data)  # type: ignore[arg-type]
        await left.sendall(b"|end")
        assert await recv_exactly(right, len(expected) + 4) == expected + b"|end"


@pytest.mark.parametrize("kind", NON_CONTIGUOUS_KINDS)
async def test_ssl_sendall_takes_non_contiguous_views(kind: str) -> None:
    data, expected = as_bytes_like(kind, bytes(range(256)) * 4)
    async with stream_pair("ssl") as (left, right):
        await left.sendall(data)  # type: ignore[arg-type]
        await left.sendall(b"|end")
        assert await recv_exactly(right, len(expected) + 4) == expected + b"|end"


@FAST
@given(bad=not_bytes_likes, stream_kind=st.sampled_from(STREAM_KINDS))
async def test_sendall_refuses_what_is_not_bytes_and_the_stream_goes_on(
    bad: object, stream_kind: str
) -> None:
    async with stream_pair(stream_kind) as (left, right):
        with pytest.raises(TypeError, match="bytes-like"):
            await left.sendall(bad)  # type: ignore[arg-type]
        await left.sendall(b"still works")
        assert await recv_exactly(right, 11) == b"still works"


@pytest.mark.parametrize("bad", [5, [1, 2], "x", None], ids=["int", "list", "str", "None"])
async def test_memory_stream_sendall_refuses_what_is_not_bytes(bad: object) -> None:
    async with stream_pair("memory") as (left, right):
        with pytest.raises(TypeError, match="bytes-like"):
            await left.sendall(bad)  # type: ignore[arg-type]
        await left.sendall(b"ok")
        assert await recv_exactly(right, 2) == b"ok"


# ---------------------------------------------------------------- recv: max_bytes


@FAST
@given(max_bytes=st.integers(max_value=0), stream_kind=st.sampled_from(STREAM_KINDS))
async def test_recv_refuses_max_bytes_below_one_and_consumes_nothing(
    max_bytes: int, stream_kind: str
) -> None:
    async with stream_pair(stream_kind) as (left, right):
        await left.sendall(b"hello")
        with pytest.raises(ValueError, match="max_bytes must be at least 1"):
            await right.recv(max_bytes)
        assert await recv_exactly(right, 5) == b"hello"


async def test_memory_recv_refuses_none() -> None:
    async with stream_pair("memory") as (_, right):
        with pytest.raises(TypeError, match="max_bytes"):
            await right.recv(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("stream_kind", STREAM_KINDS)
@pytest.mark.parametrize("max_bytes", ["10", 1.5, float("nan")], ids=["str", "float", "nan"])
async def test_recv_refuses_max_bytes_that_is_not_an_int(
    max_bytes: object, stream_kind: str
) -> None:
    async with stream_pair(stream_kind) as (left, right):
        await left.sendall(b"hello")
        with pytest.raises(TypeError, match="max_bytes"):
            await right.recv(max_bytes)  # type: ignore[arg-type]
        assert await recv_exactly(right, 5) == b"hello"


# ---------------------------------------------------------------- closed streams


@FAST
@given(
    stream_kind=st.sampled_from(STREAM_KINDS),
    graceful=st.booleans(),
    operation=st.sampled_from(["sendall", "recv", "wait_maybe_writable", "send_eof"]),
)
async def test_closed_streams_raise_closedresourceerror(
    stream_kind: str, graceful: bool, operation: str
) -> None:
    async with stream_pair(stream_kind) as (left, _):
        if graceful:
            await left.graceful_close()
            await left.graceful_close()  # closing twice is fine
        else:
            left.forceful_close()
            left.forceful_close()
        with pytest.raises(trio.ClosedResourceError, match="closed"):
            if operation == "sendall":
                await left.sendall(b"x")
            elif operation == "recv":
                await left.recv(1)
            elif operation == "wait_maybe_writable":
                await left.wait_maybe_writable()
            else:
                await left.send_eof()


@pytest.mark.parametrize("stream_kind", STREAM_KINDS)
async def test_closing_wakes_a_blocked_recv_with_closedresourceerror(stream_kind: str) -> None:
    async with stream_pair(stream_kind) as (_, right):

        async def blocked() -> None:
            with pytest.raises(trio.ClosedResourceError):
                await right.recv(10)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(blocked)
            await trio.testing.wait_all_tasks_blocked()
            right.forceful_close()


@pytest.mark.parametrize("stream_kind", ["socket", "memory"])
async def test_sendall_after_send_eof_is_closedresourceerror_and_recv_goes_on(
    stream_kind: str,
) -> None:
    async with stream_pair(stream_kind) as (left, right):
        await left.send_eof()
        with pytest.raises(trio.ClosedResourceError):
            await left.sendall(b"x")
        await right.sendall(b"reply")
        assert await recv_exactly(left, 5) == b"reply"
        assert await right.recv(1) == b""


async def test_ssl_send_eof_is_notimplementederror_naming_graceful_close() -> None:
    async with stream_pair("ssl") as (left, right):
        with pytest.raises(NotImplementedError, match="graceful_close"):
            await left.send_eof()
        await left.sendall(b"ok")  # the stream is untouched
        assert await recv_exactly(right, 2) == b"ok"


# ---------------------------------------------------------------- constructors

junk = st.one_of(st.integers(), st.text(max_size=3), st.none(), st.builds(object))


@FAST
@given(sock=junk)
async def test_socket_stream_and_listener_refuse_what_is_not_a_trio_socket(sock: object) -> None:
    with pytest.raises(TypeError, match=r"SocketStream needs a trio_socket\.SocketType"):
        trio.SocketStream(sock)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"SocketListener needs a trio_socket\.SocketType"):
        trio.SocketListener(sock)  # type: ignore[arg-type]


async def test_socket_stream_refuses_a_standard_library_socket_naming_the_fix() -> None:
    import socket as stdlib_socket

    with stdlib_socket.socket() as sock, pytest.raises(TypeError, match="from_stdlib_socket"):
        trio.SocketStream(sock)  # type: ignore[arg-type]


async def test_socket_stream_refuses_datagram_sockets_and_listener_needs_listen() -> None:
    with (
        tsocket.socket(type=tsocket.SOCK_DGRAM) as udp,
        pytest.raises(ValueError, match="SOCK_STREAM"),
    ):
        trio.SocketStream(udp)
    with tsocket.socket() as tcp, pytest.raises(ValueError, match="listen"):
        trio.SocketListener(tcp)


@FAST
@given(transport=junk, context=junk)
async def test_ssl_stream_refuses_bad_transports_and_contexts(
    transport: object, context: object
) -> None:
    left, right = memory_stream_pair()
    with pytest.raises(TypeError, match="transport_stream must be"):
        trio.SSLStream(transport, _CLIENT_CTX, server_hostname="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"ssl_context must be an ssl\.SSLContext"):
        trio.SSLStream(left, context, server_hostname="x")  # type: ignore[arg-type]
    left.forceful_close()
    right.forceful_close()


async def test_ssl_stream_client_needs_server_hostname_on_a_verifying_context() -> None:
    left, right = memory_stream_pair()
    with pytest.raises(ValueError, match="server_hostname"):
        trio.SSLStream(left, ssl.create_default_context())
    with pytest.raises(ValueError, match="client side only"):
        trio.SSLStream(left, _SERVER_CTX, server_side=True, server_hostname="example.org")
    left.forceful_close()
    right.forceful_close()
