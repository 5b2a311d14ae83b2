"""open_tcp_stream: Happy Eyeballs (RFC 8305) against a fake network and virtual time,
plus real loopback connections."""

from __future__ import annotations

import errno
import math
import socket as stdlib_socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

import trio_core
import trio_socket
from trio_core.testing import MockClock
from trio_streams import SocketStream, open_tcp_listeners, open_tcp_stream, open_unix_socket

AF_INET = stdlib_socket.AF_INET
AF_INET6 = stdlib_socket.AF_INET6
SOCK_STREAM = stdlib_socket.SOCK_STREAM


@dataclass
class Attempt:
    address: str
    started: float
    ended: float | None = None
    outcome: str = "pending"


@dataclass
class FakeNet(trio_socket.HostnameResolver, trio_socket.SocketFactory):
    """A fake resolver and socket factory: ``routes`` says, per IP address,
    after how many seconds a connection succeeds ("ok"), fails ("refused",
    "unreachable") or never completes ("hang")."""

    addresses: list[str]
    routes: Mapping[str, tuple[float, str]]
    attempts: list[Attempt] = field(default_factory=list)
    sockets: list[FakeSocket] = field(default_factory=list)
    broken_families: set[int] = field(default_factory=set)
    resolved: list[tuple[Any, ...]] = field(default_factory=list)

    async def getaddrinfo(
        self,
        host: bytes | None,
        port: bytes | str | int | None,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[tuple[Any, Any, int, str, Any]]:
        self.resolved.append((host, port, family, type))
        await trio_core.lowlevel.checkpoint()
        infos: list[tuple[Any, Any, int, str, Any]] = []
        for address in self.addresses:
            if ":" in address:
                infos.append((AF_INET6, SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                infos.append((AF_INET, SOCK_STREAM, 6, "", (address, port)))
        return infos

    async def getnameinfo(self, sockaddr: tuple[Any, ...], flags: int) -> tuple[str, str]:
        raise NotImplementedError

    def socket(self, family: int, type: int, proto: int) -> trio_socket.SocketType:
        if family in self.broken_families:
            raise OSError(errno.EAFNOSUPPORT, "address family not supported")
        sock = FakeSocket(self, family, type, proto)
        self.sockets.append(sock)
        return sock

    def order(self) -> list[str]:
        return [attempt.address for attempt in self.attempts]


class FakeSocket(trio_socket.SocketType):
    def __init__(self, net: FakeNet, family: int, type: int, proto: int) -> None:
        self.net = net
        self._family, self._type, self._proto = family, type, proto
        self.closed = False
        self.connected_to: str | None = None

    @property
    def family(self) -> int:
        return self._family

    @property
    def type(self) -> int:
        return self._type

    @property
    def proto(self) -> int:
        return self._proto

    def setsockopt(self, *args: Any) -> None:
        pass

    def fileno(self) -> int:
        return -1

    def close(self) -> None:
        self.closed = True

    async def connect(self, address: Any) -> None:
        host = address[0]
        attempt = Attempt(host, trio_core.current_time())
        self.net.attempts.append(attempt)
        delay, outcome = self.net.routes[host]
        try:
            await trio_core.sleep(math.inf if outcome == "hang" else delay)
        except BaseException:
            attempt.outcome = "cancelled"
            attempt.ended = trio_core.current_time()
            raise
        attempt.ended = trio_core.current_time()
        attempt.outcome = outcome
        if outcome == "refused":
            raise OSError(errno.ECONNREFUSED, f"error connecting to {address!r}: refused")
        if outcome == "unreachable":
            raise OSError(errno.ENETUNREACH, f"error connecting to {address!r}: unreachable")
        self.connected_to = host


async def connect_via(net: FakeNet, **kwargs: Any) -> SocketStream:
    trio_socket.set_custom_hostname_resolver(net)
    trio_socket.set_custom_socket_factory(net)
    try:
        return await open_tcp_stream("example.org", 443, **kwargs)
    finally:
        trio_socket.set_custom_hostname_resolver(None)
        trio_socket.set_custom_socket_factory(None)


def winner_of(stream: SocketStream) -> str | None:
    sock = stream.socket
    assert isinstance(sock, FakeSocket)
    return sock.connected_to


def assert_only_winner_open(net: FakeNet, stream: SocketStream) -> None:
    for sock in net.sockets:
        assert sock.closed is (sock is not stream.socket)
    stream.forceful_close()
    assert all(sock.closed for sock in net.sockets)


async def test_first_address_connects(autojump_clock: MockClock) -> None:
    net = FakeNet(["2001:db8::1", "192.0.2.1"], {"2001:db8::1": (0.1, "ok")})
    stream = await connect_via(net)
    assert winner_of(stream) == "2001:db8::1"
    assert net.order() == ["2001:db8::1"]
    assert net.resolved == [(b"example.org", 443, 0, SOCK_STREAM)]
    assert_only_winner_open(net, stream)


async def test_families_are_interleaved(autojump_clock: MockClock) -> None:
    addresses = ["2001:db8::1", "2001:db8::2", "2001:db8::3", "192.0.2.1", "192.0.2.2"]
    net = FakeNet(addresses, {a: (0, "hang") for a in addresses} | {"192.0.2.2": (0.1, "ok")})
    stream = await connect_via(net)
    # One attempt every 250 ms; the fourth connects 100 ms after it started,
    # before the fifth ([2001:db8::3]) was due.
    assert net.order() == ["2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2"]
    assert [a.started for a in net.attempts] == pytest.approx([0, 0.25, 0.5, 0.75])
    assert winner_of(stream) == "192.0.2.2"
    assert trio_core.current_time() == pytest.approx(0.85)
    # Every other attempt was cancelled at that moment and its socket closed.
    others = [a for a in net.attempts if a.address != "192.0.2.2"]
    assert {a.outcome for a in others} == {"cancelled"}
    assert [a.ended for a in others] == pytest.approx([0.85] * 3)
    assert_only_winner_open(net, stream)


async def test_ipv4_first_when_the_resolver_says_so(autojump_clock: MockClock) -> None:
    addresses = ["192.0.2.1", "192.0.2.2", "2001:db8::1"]
    net = FakeNet(addresses, {a: (10, "hang") for a in addresses} | {"2001:db8::1": (0, "ok")})
    stream = await connect_via(net)
    assert net.order() == ["192.0.2.1", "2001:db8::1"]
    assert winner_of(stream) == "2001:db8::1"
    assert_only_winner_open(net, stream)


async def test_a_failure_starts_the_next_attempt_at_once(autojump_clock: MockClock) -> None:
    addresses = ["2001:db8::1", "192.0.2.1", "2001:db8::2"]
    net = FakeNet(
        addresses,
        {
            "2001:db8::1": (0.1, "refused"),
            "192.0.2.1": (0.05, "unreachable"),
            "2001:db8::2": (1, "ok"),
        },
    )
    stream = await connect_via(net)
    assert [a.started for a in net.attempts] == pytest.approx([0, 0.1, 0.15])
    assert winner_of(stream) == "2001:db8::2"
    assert trio_core.current_time() == pytest.approx(1.15)
    assert_only_winner_open(net, stream)


async def test_a_slow_attempt_can_still_win(autojump_clock: MockClock) -> None:
    # The first attempt is slower than the delay, but faster than the second.
    addresses = ["2001:db8::1", "192.0.2.1"]
    net = FakeNet(addresses, {"2001:db8::1": (0.3, "ok"), "192.0.2.1": (0.5, "ok")})
    stream = await connect_via(net)
    assert winner_of(stream) == "2001:db8::1"
    assert trio_core.current_time() == pytest.approx(0.3)
    assert net.attempts[1].outcome == "cancelled"
    assert_only_winner_open(net, stream)


@pytest.mark.parametrize(
    ("delay", "starts"), [(0.1, [0, 0.1, 0.2]), (None, [0, 5, 10]), (0, [0, 0, 0])]
)
async def test_custom_delays(
    autojump_clock: MockClock, delay: float | None, starts: list[float]
) -> None:
    addresses = ["2001:db8::1", "192.0.2.1", "2001:db8::2"]
    routes = {"2001:db8::1": (5, "refused"), "192.0.2.1": (5, "refused"), "2001:db8::2": (1, "ok")}
    net = FakeNet(addresses, routes)
    stream = await connect_via(net, happy_eyeballs_delay=delay)
    assert [a.started for a in net.attempts] == pytest.approx(starts)
    assert winner_of(stream) == "2001:db8::2"
    assert_only_winner_open(net, stream)


async def test_every_attempt_fails(autojump_clock: MockClock) -> None:
    addresses = ["2001:db8::1", "192.0.2.1", "2001:db8::2"]
    net = FakeNet(addresses, {a: (0.5, "refused") for a in addresses})
    with pytest.raises(ConnectionRefusedError) as info:
        await connect_via(net)
    message = str(info.value)
    assert "all 3 connection attempt(s) to 'example.org' port 443 failed" in message
    for address in ("[2001:db8::1]:443", "192.0.2.1:443", "[2001:db8::2]:443"):
        assert address in message
    cause = info.value.__cause__
    assert isinstance(cause, ExceptionGroup)
    assert len(cause.exceptions) == 3
    assert all(sock.closed for sock in net.sockets)


async def test_mixed_failures_keep_every_error(autojump_clock: MockClock) -> None:
    net = FakeNet(
        ["2001:db8::1", "192.0.2.1"],
        {"2001:db8::1": (0.1, "unreachable"), "192.0.2.1": (0.1, "refused")},
    )
    net.broken_families = set()
    with pytest.raises(OSError) as info:
        await connect_via(net)
    assert type(info.value) is OSError and info.value.errno is None
    assert "Network is unreachable" in str(info.value)
    assert "Connection refused" in str(info.value)


async def test_socket_creation_failure_counts_as_a_failed_attempt(
    autojump_clock: MockClock,
) -> None:
    net = FakeNet(["2001:db8::1", "192.0.2.1"], {"192.0.2.1": (0.1, "ok")})
    net.broken_families = {AF_INET6}
    stream = await connect_via(net)
    assert winner_of(stream) == "192.0.2.1"
    assert net.attempts[0].started == 0  # no delay after a failure
    assert_only_winner_open(net, stream)


async def test_cancelling_closes_every_socket(autojump_clock: MockClock) -> None:
    addresses = ["2001:db8::1", "192.0.2.1"]
    net = FakeNet(addresses, {a: (0, "hang") for a in addresses})
    with trio_core.move_on_after(1) as scope:
        await connect_via(net)
    assert scope.cancelled_caught
    assert len(net.sockets) == 2
    assert all(sock.closed for sock in net.sockets)


async def test_cancelled_open_raises_one_bare_cancelled(autojump_clock: MockClock) -> None:
    # Several attempts are in flight when the cancel lands; the caller still
    # sees a plain Cancelled (catchable with `except Cancelled`), not a group.
    addresses = ["2001:db8::1", "192.0.2.1", "2001:db8::2"]
    net = FakeNet(addresses, {a: (0, "hang") for a in addresses})
    with trio_core.move_on_after(1) as scope:
        try:
            await connect_via(net)
        except trio_core.Cancelled as exc:
            caught: BaseException = exc
            raise
    assert scope.cancelled_caught
    assert type(caught) is trio_core.Cancelled
    assert len(net.sockets) == 3
    assert all(sock.closed for sock in net.sockets)


async def test_argument_errors() -> None:
    with pytest.raises(TypeError, match="host"):
        await open_tcp_stream(None, 80)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="port"):
        await open_tcp_stream("localhost", "80")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="port"):
        await open_tcp_stream("localhost", 0)
    with pytest.raises(ValueError, match="happy_eyeballs_delay"):
        await open_tcp_stream("localhost", 80, happy_eyeballs_delay=-1)


async def test_real_loopback_connections() -> None:
    listeners = await open_tcp_listeners(0, host="localhost")
    port = listeners[0].socket.getsockname()[1]
    try:
        for host in ("localhost", "127.0.0.1", b"127.0.0.1"):
            client = await open_tcp_stream(host, port)
            server = await listeners[0].accept()
            async with client, server:
                assert client.socket.getpeername()[1] == port
                await client.sendall(b"ping")
                assert await server.recv(10) == b"ping"
    finally:
        for listener in listeners:
            listener.forceful_close()
    with pytest.raises(ConnectionRefusedError, match=r"127\.0\.0\.1"):
        await open_tcp_stream("127.0.0.1", port)


async def test_open_unix_socket(tmp_path: Any) -> None:
    path = tmp_path / "sock"
    listen_sock = trio_socket.socket(stdlib_socket.AF_UNIX)
    try:
        listen_sock.bind(str(path))
        listen_sock.listen()
        client = await open_unix_socket(path)
        server_sock, _ = await listen_sock.accept()
        async with client, SocketStream(server_sock) as server:
            await client.sendall(b"over unix")
            assert await server.recv(100) == b"over unix"
            await client.send_eof()
            assert await server.recv(100) == b""
    finally:
        listen_sock.close()
    with pytest.raises(FileNotFoundError):
        await open_unix_socket(tmp_path / "nothing-here")


async def test_duplicate_addresses_are_tried_once(autojump_clock: MockClock) -> None:
    addresses = ["192.0.2.1", "192.0.2.1", "2001:db8::1", "192.0.2.1"]
    net = FakeNet(addresses, {"192.0.2.1": (1, "refused"), "2001:db8::1": (1, "refused")})
    with pytest.raises(ConnectionRefusedError, match="all 2 connection attempt"):
        await connect_via(net)
    assert net.order() == ["192.0.2.1", "2001:db8::1"]


async def test_a_resolver_without_answers() -> None:
    net = FakeNet([], {})
    with pytest.raises(OSError, match="returned none"):
        await connect_via(net)
