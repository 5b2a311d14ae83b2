"""Bad input to what issue 19 adds beyond Trio, through ``import trio``.

BufferedRecvStream over a loopback TCP stream and a memory stream: a
delimiter that is not bytes is a ``TypeError`` that consumes nothing and
leaves the reader working; bad sizes are refused before anything is read;
lines come out whole however the bytes were chunked.  The Unix-domain and
UDP helpers refuse malformed paths and addresses with errors that name them.
"""

from __future__ import annotations

import socket as stdlib_socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trio
from trio.abc import Stream
from trio.testing import memory_stream_pair

from _bytes_like import loopback_tcp_pair, not_bytes_likes

FAST = settings(max_examples=25, deadline=None)
KINDS = ["socket", "memory"]


@asynccontextmanager
async def pair(kind: str) -> AsyncIterator[tuple[Stream, Stream]]:
    left: Stream
    right: Stream
    if kind == "socket":
        client, server = await loopback_tcp_pair()
        left, right = trio.SocketStream(client), trio.SocketStream(server)
    else:
        left, right = memory_stream_pair()
    try:
        yield left, right
    finally:
        left.forceful_close()
        right.forceful_close()


@pytest.mark.parametrize("kind", KINDS)
@FAST
@given(bad=not_bytes_likes)
def test_a_delimiter_that_is_not_bytes_consumes_nothing(kind: str, bad: object) -> None:
    async def main() -> None:
        async with pair(kind) as (left, right):
            reader = trio.BufferedRecvStream(right)
            await left.sendall(b"one\ntwo\n")
            assert await reader.receive_until(b"\n") == b"one\n"
            with pytest.raises(TypeError, match="delimiter must be bytes"):
                await reader.receive_until(bad)  # type: ignore[arg-type]
            assert await reader.receive_until(b"\n") == b"two\n"

    trio.run(main)


@pytest.mark.parametrize("kind", KINDS)
@FAST
@given(
    lines=st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=8),
    pieces=st.lists(st.integers(1, 17), min_size=1, max_size=5),
)
def test_lines_come_out_whole_however_they_are_sent(
    kind: str, lines: list[bytes], pieces: list[int]
) -> None:
    # Lines hold no "\n" (so no "\r\n"); one ending in "\r" is still cut right.
    data = b"".join(line + b"\r\n" for line in lines)

    async def main() -> None:
        async with pair(kind) as (left, right):
            reader = trio.BufferedRecvStream(right, max_buffer_size=64)

            async def send() -> None:
                position, index = 0, 0
                while position < len(data):
                    size = pieces[index % len(pieces)]
                    await left.sendall(data[position : position + size])
                    position, index = position + size, index + 1
                await left.send_eof()

            async with trio.open_nursery() as nursery:
                nursery.start_soon(send)
                got = [line async for line in reader.lines(b"\r\n")]
            assert got == lines

    trio.run(main)


@pytest.mark.parametrize("kind", KINDS)
async def test_bad_sizes_are_refused_before_reading(kind: str) -> None:
    async with pair(kind) as (left, right):
        reader = trio.BufferedRecvStream(right, max_buffer_size=10)
        await left.sendall(b"0123456789abc")
        with pytest.raises(ValueError, match="n must be at least 0"):
            await reader.receive_exactly(-1)
        with pytest.raises(TypeError, match="n must be an int"):
            await reader.receive_exactly("3")  # type: ignore[arg-type]
        with pytest.raises(trio.MessageTooLongError, match="larger max_buffer_size"):
            await reader.receive_exactly(11)
        with pytest.raises(ValueError, match="could never be reached"):
            await reader.receive_until(b"\n", max_bytes=11)
        assert reader.buffered_size == 0  # nothing was read for any of those
        with pytest.raises(trio.MessageTooLongError, match="limit of 10 bytes"):
            await reader.receive_until(b"\n")
        assert await reader.receive_exactly(10) == b"0123456789"


async def test_unix_paths_are_checked(tmp_path_factory: pytest.TempPathFactory) -> None:
    if not hasattr(stdlib_socket, "AF_UNIX"):
        pytest.skip("no AF_UNIX")
    with pytest.raises(ValueError, match="bytes long"):
        await trio.open_unix_listeners("/tmp/" + "d" * 300)
    with pytest.raises(ValueError, match="path is empty"):
        await trio.open_unix_stream(b"")
    with pytest.raises(TypeError, match="str, bytes or os"):
        await trio.serve_unix(lambda stream: trio.sleep(0), 3.5)  # type: ignore[arg-type]


async def test_udp_addresses_are_checked() -> None:
    with pytest.raises(TypeError, match=r"\(host, port\) tuple"):
        await trio.open_udp_socket(["127.0.0.1", 0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="from 1 to 65535"):
        await trio.open_udp_socket(remote_address=("127.0.0.1", 65536))
    async with await trio.open_udp_socket(("127.0.0.1", 0)) as sock:
        with pytest.raises(TypeError, match="bytes-like"):
            await sock.send(42, sock.local_address)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="port must be an int"):
            await sock.send(b"x", ("127.0.0.1", "9"))
