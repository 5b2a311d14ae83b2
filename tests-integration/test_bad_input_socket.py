"""Bad input to trio.socket (issue 8, "Bad input"), through ``import trio``.

Hostnames where numeric addresses are required, wrong address shapes, bad
ports, closed sockets, and every kind of bytes-like (and non-bytes-like) to
``sendall``.  Each must fail with the documented exception, whose message
names the problem, and leave the socket usable where it is not closed.

The library bugs these tests found were fixed; a new one found here is
kept as an ``xfail(strict=True)`` test, with the bug in its reason, until
it is fixed.
"""

from __future__ import annotations

import errno
import socket as stdlib_socket
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trio
import trio.socket as tsocket

from _bytes_like import (
    BYTES_KINDS,
    as_bytes_like,
    loopback_tcp_pair,
    not_bytes_likes,
    recv_exactly,
)

FAST = settings(max_examples=30, deadline=None)

#: Names that are plainly hostnames, never numeric addresses.
hostnames = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,12}(\.[a-z]{2,6}){0,2}", fullmatch=True),
    st.sampled_from(["localhost", "example.com", "ip6-localhost", "xn--bcher-kva.example"]),
)
ports = st.integers(0, 65535)


# ---------------------------------------------------------------- hostnames where numbers belong


@FAST
@given(host=hostnames, port=ports, method=st.sampled_from(["bind", "connect", "sendto"]))
async def test_hostnames_are_refused_where_a_numeric_address_is_required(
    host: str, port: int, method: str
) -> None:
    kind = stdlib_socket.SOCK_DGRAM if method == "sendto" else stdlib_socket.SOCK_STREAM
    with tsocket.socket(type=kind) as sock:
        with pytest.raises(ValueError) as info:
            if method == "bind":
                sock.bind((host, port))
            elif method == "connect":
                await sock.connect((host, port))
            else:
                await sock.sendto(b"x", (host, port))
        text = str(info.value)
        assert repr(host) in text and "numeric address" in text, text
        resolver = "resolve_local_address" if method == "bind" else "resolve_remote_address"
        assert resolver in text, text
        # Nothing happened to the socket: it is open and takes a numeric address.
        assert sock.fileno() != -1
        if method == "sendto":
            with tsocket.socket(type=stdlib_socket.SOCK_DGRAM) as peer:
                peer.bind(("127.0.0.1", 0))
                await sock.sendto(b"x", peer.getsockname())
                assert await peer.recv(10) == b"x"
        else:
            sock.bind(("127.0.0.1", 0))


wrong_shapes = st.one_of(
    st.text(max_size=10),
    st.integers(),
    st.none(),
    st.lists(st.one_of(st.text(max_size=5), st.integers()), max_size=3),
    st.tuples(st.sampled_from(["127.0.0.1", "::1", "localhost"])),
    st.just(()),
)


@FAST
@given(address=wrong_shapes, method=st.sampled_from(["bind", "connect"]))
async def test_wrong_address_shapes_are_a_typeerror_naming_the_shape(
    address: object, method: str
) -> None:
    with tsocket.socket() as sock:
        with pytest.raises(TypeError, match=r"\(host, port\) tuple"):
            if method == "bind":
                sock.bind(address)
            else:
                await sock.connect(address)
        sock.bind(("127.0.0.1", 0))  # still usable


@FAST
@given(address=wrong_shapes, local=st.booleans())
async def test_resolve_refuses_wrong_address_shapes(address: object, local: bool) -> None:
    with tsocket.socket() as sock:
        resolve = sock.resolve_local_address if local else sock.resolve_remote_address
        with pytest.raises(ValueError, match=r"\(host, port\) tuple"):
            await resolve(address)


@FAST
@given(
    port=st.one_of(
        st.floats(allow_nan=True),
        st.none(),
        st.booleans(),
        st.lists(st.integers(), max_size=1),
    ),
    local=st.booleans(),
)
async def test_resolve_refuses_ports_that_are_not_ints(port: object, local: bool) -> None:
    with tsocket.socket() as sock:
        resolve = sock.resolve_local_address if local else sock.resolve_remote_address
        with pytest.raises(ValueError, match="port must be an int"):
            await resolve(("localhost", port))
        # The socket still resolves a good address.
        assert (await resolve(("127.0.0.1", 80)))[1] == 80


@FAST
@given(
    name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=12, max_size=20),
    local=st.booleans(),
)
async def test_resolve_names_an_unknown_service(name: str, local: bool) -> None:
    # A str port is a service name, as for the standard library's getaddrinfo
    # (issue 13); one no services database knows is a gaierror naming it.
    with tsocket.socket() as sock:
        resolve = sock.resolve_local_address if local else sock.resolve_remote_address
        with pytest.raises(stdlib_socket.gaierror, match="not a service name") as info:
            await resolve(("127.0.0.1", name))
        assert repr(name) in str(info.value)
        assert await resolve(("127.0.0.1", "http")) == ("127.0.0.1", 80)


@FAST
@given(host=st.one_of(st.integers(), st.lists(st.integers(), max_size=1), st.floats()))
async def test_getaddrinfo_refuses_hosts_of_the_wrong_type(host: object) -> None:
    with pytest.raises(TypeError, match="host must be a str, bytes or None"):
        await tsocket.getaddrinfo(host, 80)  # type: ignore[arg-type]


# ---------------------------------------------------------------- bad ports


@FAST
@given(port=st.integers(65536, 2**31 - 1), method=st.sampled_from(["bind", "connect"]))
async def test_ports_above_65535_are_refused_naming_the_port(port: int, method: str) -> None:
    with tsocket.socket() as sock:
        # The standard library's OverflowError ("port must be 0-65535"), as documented
        # for every method trio.socket leaves alone.
        with pytest.raises((OverflowError, ValueError), match="port"):
            if method == "bind":
                sock.bind(("127.0.0.1", port))
            else:
                await sock.connect(("127.0.0.1", port))
        assert sock.fileno() != -1
        sock.bind(("127.0.0.1", 0))


@pytest.mark.parametrize("port", [-1, 2**31, 2**64, "notaport", "80", "http", 80.0, True])
@pytest.mark.parametrize("method", ["bind", "connect"])
async def test_bad_ports_are_a_clear_error_naming_the_port(port: object, method: str) -> None:
    with tsocket.socket() as sock:
        with pytest.raises((TypeError, ValueError)) as info:
            if method == "bind":
                sock.bind(("127.0.0.1", port))
            else:
                await sock.connect(("127.0.0.1", port))
        text = str(info.value)
        assert "port" in text and "is not one" not in text, text


@pytest.mark.parametrize("port", [70000, 65536, -1])
@pytest.mark.parametrize("local", [True, False])
async def test_resolve_refuses_ports_outside_0_to_65535(port: int, local: bool) -> None:
    with tsocket.socket() as sock:
        resolve = sock.resolve_local_address if local else sock.resolve_remote_address
        with pytest.raises(ValueError, match="port"):
            await resolve(("127.0.0.1", port))


# ---------------------------------------------------------------- closed sockets


@pytest.mark.parametrize(
    "operation",
    ["sendall", "recv", "accept", "connect", "bind", "listen", "sendto", "recv_into"],
)
async def test_closed_sockets_raise_ebadf_like_the_standard_library(operation: str) -> None:
    sock = tsocket.socket()
    sock.close()
    sock.close()  # idempotent
    calls: dict[str, Callable[[], object]] = {
        "sendall": lambda: sock.sendall(b"x"),
        "recv": lambda: sock.recv(1),
        "accept": lambda: sock.accept(),
        "connect": lambda: sock.connect(("127.0.0.1", 1)),
        "bind": lambda: sock.bind(("127.0.0.1", 0)),
        "listen": lambda: sock.listen(),
        "sendto": lambda: sock.sendto(b"x", ("127.0.0.1", 1)),
        "recv_into": lambda: sock.recv_into(bytearray(1)),
    }
    with pytest.raises(OSError) as info:
        result = calls[operation]()
        if hasattr(result, "__await__"):
            await result
    assert info.value.errno == errno.EBADF


async def test_sendall_of_nothing_on_a_closed_socket_is_ebadf() -> None:
    sock = tsocket.socket()
    sock.close()
    with pytest.raises(OSError) as info:
        await sock.sendall(b"")
    assert info.value.errno == errno.EBADF


async def test_a_socket_closed_while_a_task_waits_wakes_it() -> None:
    client, server = await loopback_tcp_pair()
    with client, server:

        async def wait_and_see() -> None:
            with pytest.raises((trio.ClosedResourceError, OSError)):
                await server.recv(1)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(wait_and_see)
            await trio.testing.wait_all_tasks_blocked()
            server.close()


# ---------------------------------------------------------------- bytes-likes of every kind


@settings(max_examples=40, deadline=None)
@given(payload=st.binary(min_size=0, max_size=4000), kind=st.sampled_from(BYTES_KINDS))
async def test_sendall_takes_every_kind_of_bytes_like(payload: bytes, kind: str) -> None:
    data, expected = as_bytes_like(kind, payload)
    client, server = await loopback_tcp_pair()
    with client, server:
        await client.sendall(data)  # type: ignore[arg-type]
        await client.sendall(b"|end")
        assert await recv_exactly(server, len(expected) + 4) == expected + b"|end"


@FAST
@given(bad=not_bytes_likes)
async def test_sendall_refuses_what_is_not_bytes_and_the_socket_goes_on(bad: object) -> None:
    client, server = await loopback_tcp_pair()
    with client, server:
        with pytest.raises(TypeError, match="bytes-like") as info:
            await client.sendall(bad)  # type: ignore[arg-type]
        assert info.value.partial_result.bytes_sent == 0  # type: ignore[attr-defined]
        await client.sendall(b"still works")
        assert await recv_exactly(server, 11) == b"still works"


@FAST
@given(bufsize=st.one_of(st.integers(max_value=-1), st.text(max_size=3), st.floats(), st.none()))
async def test_recv_refuses_bad_sizes_and_consumes_nothing(bufsize: object) -> None:
    client, server = await loopback_tcp_pair()
    with client, server:
        await client.sendall(b"hello")
        is_int = isinstance(bufsize, int)
        with pytest.raises(ValueError if is_int else TypeError) as info:
            await server.recv(bufsize)  # type: ignore[arg-type]
        if is_int:
            assert "negative" in str(info.value)
        assert await recv_exactly(server, 5) == b"hello"
