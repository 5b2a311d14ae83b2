"""trio_socket against the seed's rules, on loopback only."""

from __future__ import annotations

import errno
import io
import os
import socket as stdlib_socket
import tempfile
import threading
from typing import Any

import pytest

import trio_core
import trio_socket as tsocket
from trio_core.testing import assert_checkpoints, wait_all_tasks_blocked

HAS_IPV6 = stdlib_socket.has_ipv6
try:
    with stdlib_socket.socket(stdlib_socket.AF_INET6) as _probe:
        _probe.bind(("::1", 0))
except OSError:
    HAS_IPV6 = False
needs_ipv6 = pytest.mark.skipif(not HAS_IPV6, reason="no IPv6 loopback on this machine")


# ---------------------------------------------------------------- exports


def test_exports_mirror_the_stdlib_module() -> None:
    excluded = {
        "gethostbyname",
        "gethostbyname_ex",
        "gethostbyaddr",
        "getdefaulttimeout",
        "setdefaulttimeout",
    }
    for name in dir(stdlib_socket):
        value = getattr(stdlib_socket, name)
        if name.startswith("_") or isinstance(value, type(os)):
            continue
        if name in excluded:
            assert not hasattr(tsocket, name), name
        elif name.isupper() and isinstance(value, int):
            assert getattr(tsocket, name) is value, name
    for name in [
        "inet_aton",
        "inet_pton",
        "inet_ntop",
        "htons",
        "ntohl",
        "getservbyname",
        "gethostname",
        "if_nameindex",
        "error",
        "gaierror",
        "herror",
        "AddressFamily",
        "SocketKind",
        "has_ipv6",
        "CMSG_LEN",
    ]:
        assert getattr(tsocket, name) is getattr(stdlib_socket, name), name
    for name in ["socket", "socketpair", "fromfd", "getaddrinfo", "getnameinfo", "getfqdn"]:
        assert getattr(tsocket, name) is not getattr(stdlib_socket, name), name
    assert "gethostbyname" not in tsocket.__all__
    assert "AF_INET" in tsocket.__all__


# ---------------------------------------------------------------- constructors


async def test_constructors_return_trio_sockets() -> None:
    a, b = tsocket.socketpair()
    with a, b:
        assert isinstance(a, tsocket.SocketType)
        with tsocket.fromfd(a.fileno(), a.family, a.type) as c:
            assert isinstance(c, tsocket.SocketType)
            assert c.fileno() != a.fileno()
        with a.dup() as d:
            assert isinstance(d, tsocket.SocketType)
    raw = stdlib_socket.socket()
    with tsocket.from_stdlib_socket(raw) as wrapped:
        assert wrapped.fileno() == raw.fileno()
        assert raw.getblocking() is False
    with pytest.raises(TypeError):
        tsocket.from_stdlib_socket(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="no public constructor"):
        tsocket.SocketType()


async def test_modern_defaults() -> None:
    with tsocket.socket() as tcp:
        assert tcp.getsockopt(tsocket.SOL_SOCKET, tsocket.SO_REUSEADDR)
        assert tcp.getsockopt(tsocket.IPPROTO_TCP, tsocket.TCP_NODELAY)
        lowat = getattr(tsocket, "TCP_NOTSENT_LOWAT", 25)
        assert tcp.getsockopt(tsocket.IPPROTO_TCP, lowat) == 16384
        tcp.setsockopt(tsocket.SOL_SOCKET, tsocket.SO_REUSEADDR, False)
        assert not tcp.getsockopt(tsocket.SOL_SOCKET, tsocket.SO_REUSEADDR)
    with tsocket.socket(type=tsocket.SOCK_DGRAM) as udp:
        assert udp.getsockopt(tsocket.SOL_SOCKET, tsocket.SO_REUSEADDR)
    if HAS_IPV6:
        with tsocket.socket(tsocket.AF_INET6) as v6:
            assert not v6.getsockopt(tsocket.IPPROTO_IPV6, tsocket.IPV6_V6ONLY)


async def test_unsupported_methods_say_why() -> None:
    with tsocket.socket() as sock:
        with pytest.raises(AttributeError, match="cancel scopes"):
            sock.settimeout(1)
        with pytest.raises(AttributeError, match="several tasks"):
            sock.setblocking(True)
        with pytest.raises(AttributeError, match="stream"):
            sock.makefile()
        with pytest.raises(AttributeError, match="sendall"):
            sock.send(b"x")
        assert "send" not in dir(sock)
        # Everything else is the stdlib socket's.
        assert sock.gettimeout() == 0.0
        assert sock.get_inheritable() is False


# ---------------------------------------------------------------- addresses


@pytest.mark.parametrize("method", ["bind", "connect", "sendto", "sendmsg"])
async def test_hostnames_are_refused(method: str) -> None:
    kind = tsocket.SOCK_DGRAM if method in ("sendto", "sendmsg") else tsocket.SOCK_STREAM
    with tsocket.socket(type=kind) as sock:
        address = ("localhost", 12345)
        with pytest.raises(ValueError, match=r"resolve_(local|remote)_address") as info:
            if method == "bind":
                sock.bind(address)
            elif method == "connect":
                await sock.connect(address)
            elif method == "sendto":
                await sock.sendto(b"x", address)
            else:
                await sock.sendmsg([b"x"], [], 0, address)
        assert "localhost" in str(info.value)


async def test_resolve_local_and_remote() -> None:
    with tsocket.socket() as sock:
        assert await sock.resolve_local_address((None, 80)) == ("0.0.0.0", 80)
        assert await sock.resolve_local_address(("", 80)) == ("0.0.0.0", 80)
        assert await sock.resolve_remote_address((None, 80)) == ("127.0.0.1", 80)
        assert await sock.resolve_remote_address(("127.0.0.1", 80)) == ("127.0.0.1", 80)
        with pytest.raises(ValueError, match="port"):
            await sock.resolve_remote_address(("127.0.0.1", "http"))
        with pytest.raises(ValueError, match="tuple"):
            await sock.resolve_remote_address("127.0.0.1")
        with assert_checkpoints():
            await sock.resolve_remote_address(("127.0.0.1", 1))


@needs_ipv6
async def test_ipv6_socket_gets_v4_mapped_addresses() -> None:
    with tsocket.socket(tsocket.AF_INET6) as sock:
        resolved = await sock.resolve_remote_address(("127.0.0.1", 80))
        assert resolved[0] == "::ffff:127.0.0.1"
        assert (await sock.resolve_local_address((None, 80)))[0] == "::"
        assert (await sock.resolve_remote_address(("::1", 80, 0, 0)))[:2] == ("::1", 80)


class FakeResolver(tsocket.HostnameResolver):
    def __init__(self) -> None:
        self.asked: list[Any] = []

    async def getaddrinfo(
        self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> list[Any]:
        self.asked.append(host)
        if host == b"nowhere.example":
            raise stdlib_socket.gaierror(stdlib_socket.EAI_NONAME, "Name or service not known")
        return [(tsocket.AF_INET, tsocket.SOCK_STREAM, 6, "", ("127.0.0.42", port))]

    async def getnameinfo(self, sockaddr: Any, flags: int) -> tuple[str, str]:
        return ("fake.example", str(sockaddr[1]))


async def test_custom_resolver_and_idna() -> None:
    fake = FakeResolver()
    assert tsocket.set_custom_hostname_resolver(fake) is None
    try:
        with tsocket.socket() as sock:
            assert await sock.resolve_remote_address(("example.org", 5)) == ("127.0.0.42", 5)
            await tsocket.getaddrinfo("bücher.example", 80)
            assert fake.asked[-1] == b"xn--bcher-kva.example"
            with pytest.raises(stdlib_socket.gaierror, match=r"nowhere\.example"):
                await sock.resolve_remote_address(("nowhere.example", 5))
            # Numeric hosts never reach the resolver.
            count = len(fake.asked)
            await tsocket.getaddrinfo("127.0.0.1", 80)
            assert len(fake.asked) == count
        assert await tsocket.getnameinfo(("127.0.0.1", 80), 0) == ("fake.example", "80")
    finally:
        assert tsocket.set_custom_hostname_resolver(None) is fake


async def test_custom_socket_factory() -> None:
    made: list[tuple[int, int, int]] = []

    class Factory(tsocket.SocketFactory):
        def socket(self, family: int, type: int, proto: int) -> tsocket.SocketType:
            made.append((family, type, proto))
            return tsocket.from_stdlib_socket(stdlib_socket.socket(family, type, proto))

    tsocket.set_custom_socket_factory(Factory())
    try:
        with tsocket.socket(tsocket.AF_INET, tsocket.SOCK_DGRAM):
            pass
        assert made == [(tsocket.AF_INET, tsocket.SOCK_DGRAM, 0)]
    finally:
        tsocket.set_custom_socket_factory(None)
    with pytest.raises(TypeError):
        tsocket.set_custom_socket_factory(object())  # type: ignore[arg-type]


async def test_getaddrinfo_numeric_without_a_thread_and_errors() -> None:
    with assert_checkpoints():
        result = await tsocket.getaddrinfo("127.0.0.1", 80, tsocket.AF_INET, tsocket.SOCK_STREAM)
    assert result[0][4] == ("127.0.0.1", 80)
    with pytest.raises(ValueError, match="internationalized"):
        await tsocket.getaddrinfo("a..b\u0301\u0301.example", 80)


def test_so_reuseaddr_is_not_offered_on_windows() -> None:
    from trio_socket._stdlib_names import reexported_names

    assert "SO_REUSEADDR" in reexported_names(stdlib_socket, platform="linux")
    assert "SO_REUSEADDR" not in reexported_names(stdlib_socket, platform="win32")


async def test_cancelled_lookup_returns_at_once_and_abandons_the_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    finished = threading.Event()

    real_getaddrinfo = stdlib_socket.getaddrinfo

    def stuck_getaddrinfo(*args: Any) -> Any:
        if args[-1] & stdlib_socket.AI_NUMERICHOST:
            return real_getaddrinfo(*args)  # the quick numeric probe: not stuck
        release.wait(10)
        finished.set()
        return []

    monkeypatch.setattr(stdlib_socket, "getaddrinfo", stuck_getaddrinfo)
    try:
        with trio_core.move_on_after(0.05) as scope:
            await tsocket.getaddrinfo("lookup.example", 80)
        assert scope.cancelled_caught
        assert not finished.is_set(), "the lookup returned only after the thread finished"
    finally:
        release.set()
    # The abandoned thread finishes on its own; its result is dropped.
    await trio_core.to_thread.run_sync(finished.wait, 10)
    assert finished.is_set()


# ---------------------------------------------------------------- TCP, UDP, Unix


async def _tcp_pair(family: int = tsocket.AF_INET) -> tuple[tsocket.SocketType, ...]:
    host = "127.0.0.1" if family == tsocket.AF_INET else "::1"
    listener = tsocket.socket(family)
    listener.bind((host, 0))
    listener.listen(1)
    client = tsocket.socket(family)
    await client.connect(listener.getsockname())
    server, _ = await listener.accept()
    return listener, client, server


@pytest.mark.parametrize(
    "family", [tsocket.AF_INET, pytest.param(tsocket.AF_INET6, marks=needs_ipv6)]
)
async def test_tcp_round_trip(family: int) -> None:
    listener, client, server = await _tcp_pair(family)
    with listener, client, server:
        await client.sendall(b"hello")
        assert await server.recv(10) == b"hello"
        buf = bytearray(10)
        await server.sendall(memoryview(b"world"))
        assert await client.recv_into(buf) == 5 and buf[:5] == b"world"
        client.shutdown(tsocket.SHUT_WR)
        assert await server.recv(10) == b""


@needs_ipv6
async def test_dual_stack_ipv6_listener_accepts_ipv4() -> None:
    with tsocket.socket(tsocket.AF_INET6) as listener:
        listener.bind(("::", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with tsocket.socket() as client:
            await client.connect(("127.0.0.1", port))
            server, address = await listener.accept()
            with server:
                assert address[0] == "::ffff:127.0.0.1"


async def test_udp_and_recvmsg() -> None:
    with tsocket.socket(type=tsocket.SOCK_DGRAM) as a, tsocket.socket(type=tsocket.SOCK_DGRAM) as b:
        a.bind(("127.0.0.1", 0))
        b.bind(("127.0.0.1", 0))
        await a.sendto(b"ping", b.getsockname())
        data, address = await b.recvfrom(100)
        assert data == b"ping" and address == a.getsockname()
        await b.sendto(b"pong", 0, a.getsockname())
        buf = bytearray(10)
        nbytes, _ = await a.recvfrom_into(buf)
        assert buf[:nbytes] == b"pong"
        await a.sendmsg([b"m", b"sg"], [], 0, b.getsockname())
        msg, _, _, _ = await b.recvmsg(100)
        assert msg == b"msg"
        await a.sendmsg([b"into"], [], 0, b.getsockname())
        buf2 = bytearray(10)
        n, _, _, _ = await b.recvmsg_into([buf2])
        assert buf2[:n] == b"into"


async def test_unix_sockets() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sock")
        with tsocket.socket(tsocket.AF_UNIX) as listener:
            listener.bind(path)
            listener.listen(1)
            with tsocket.socket(tsocket.AF_UNIX) as client:
                await client.connect(path)
                server, _ = await listener.accept()
                with server:
                    await client.sendall(b"unix")
                    assert await server.recv(10) == b"unix"


async def test_recv_is_a_checkpoint_even_when_data_is_ready() -> None:
    a, b = tsocket.socketpair()
    with a, b:
        await a.sendall(b"x")
        with assert_checkpoints():
            assert await b.recv(1) == b"x"
        with trio_core.CancelScope() as scope:
            scope.cancel()
            with pytest.raises(trio_core.Cancelled) as info:
                await a.sendall(b"y")
            assert getattr(info.value, "partial_result").bytes_sent == 0  # noqa: B009
            raise info.value
        assert scope.cancelled_caught
        # The cancelled sendall sent nothing: the next byte the peer sees is "z".
        await a.sendall(b"z")
        assert await b.recv(1) == b"z"


async def test_two_readers_get_busyresourceerror_and_close_wakes() -> None:
    a, b = tsocket.socketpair()
    with a, b:

        async def reader() -> None:
            with pytest.raises(trio_core.ClosedResourceError):
                await a.recv(1)

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(reader)
            await wait_all_tasks_blocked()
            with pytest.raises(trio_core.BusyResourceError):
                await a.recv(1)
            a.close()


# ---------------------------------------------------------------- connect cancellation


async def test_cancelled_connect_closes_the_socket() -> None:
    # A listener that never accepts, with its backlog full: new connects hang.
    listener = tsocket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    try:
        address = listener.getsockname()
        sock = None
        for _ in range(64):
            candidate = stdlib_socket.socket()
            candidate.setblocking(False)
            fillers.append(candidate)
            try:
                candidate.connect(address)
            except BlockingIOError:
                sock = tsocket.socket()
                break
        assert sock is not None, "could not fill the backlog"
        with sock:
            with trio_core.move_on_after(0.05) as scope:
                await sock.connect(address)
            if scope.cancelled_caught:
                assert sock.fileno() == -1
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_connect_cancelled_before_starting_keeps_the_socket() -> None:
    with tsocket.socket() as sock:
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await sock.connect(("127.0.0.1", 9))
        assert scope.cancelled_caught
        assert sock.fileno() != -1


async def test_connect_refused_names_the_address() -> None:
    with tsocket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = probe.getsockname()  # bound, not listening: refused
    with tsocket.socket() as sock:
        with pytest.raises(OSError) as info:
            await sock.connect(address)
        assert info.value.errno == errno.ECONNREFUSED
        assert str(address[1]) in str(info.value)


# ---------------------------------------------------------------- sendall partial results


async def test_sendall_cancelled_midway_reports_exact_bytes_sent() -> None:
    listener, client, server = await _tcp_pair()
    with listener, client, server:
        client.setsockopt(tsocket.SOL_SOCKET, tsocket.SO_SNDBUF, 4096)
        server.setsockopt(tsocket.SOL_SOCKET, tsocket.SO_RCVBUF, 4096)
        payload = os.urandom(8 * 1024 * 1024)
        with trio_core.move_on_after(0.2) as scope:
            try:
                await client.sendall(payload)
            except trio_core.Cancelled as exc:
                sent = exc.partial_result.bytes_sent  # type: ignore[attr-defined]
                raise
        assert scope.cancelled_caught
        assert 0 < sent < len(payload)
        client.shutdown(tsocket.SHUT_WR)
        received = bytearray()
        while chunk := await server.recv(65536):
            received += chunk
        assert bytes(received) == payload[:sent]


async def test_sendall_error_reports_partial_result() -> None:
    a, b = tsocket.socketpair()
    with a:
        b.close()
        with pytest.raises(OSError) as info:
            await a.sendall(b"x" * 100)
        assert getattr(info.value, "partial_result").bytes_sent == 0  # noqa: B009  # type: ignore[attr-defined]


async def test_sendall_takes_every_bytes_like() -> None:
    a, b = tsocket.socketpair()
    with a, b:
        import array

        data = b"0123456789"
        items: list[bytes | bytearray | memoryview | array.array[int]] = [
            data,
            bytearray(data),
            memoryview(data),
            memoryview(data)[::2],
            array.array("i", [1, 2]),
        ]
        for item in items:
            await a.sendall(item)
            expected = bytes(memoryview(item).tobytes()) if not isinstance(item, bytes) else item
            got = b""
            while len(got) < len(expected):
                got += await b.recv(100)
            assert got == expected
        with pytest.raises(TypeError):
            await a.sendall("text")  # type: ignore[arg-type]


async def test_sendfile_sends_a_range_and_moves_the_position() -> None:
    a, b = tsocket.socketpair()
    with a, b, tempfile.TemporaryFile() as file:
        content = os.urandom(200_000)
        file.write(content)
        file.flush()

        async def reader(out: bytearray) -> None:
            while len(out) < 100_000:
                out += await b.recv(65536)

        out = bytearray()
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(reader, out)
            assert await a.sendfile(file, offset=50_000, count=100_000) == 100_000
        assert bytes(out) == content[50_000:150_000]
        assert file.tell() == 150_000
        with pytest.raises(ValueError):
            await a.sendfile(file, offset=-1)


async def test_accept_returns_trio_socket_and_is_cancellable() -> None:
    with tsocket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with trio_core.move_on_after(0.01) as scope:
            await listener.accept()
        assert scope.cancelled_caught


# ---------------------------------------------------------------- the rest of the surface


async def test_hooks_and_hosts_of_the_wrong_type_are_typeerrors() -> None:
    with pytest.raises(TypeError, match="HostnameResolver"):
        tsocket.set_custom_hostname_resolver("8.8.8.8")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="SocketFactory"):
        tsocket.set_custom_socket_factory(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="host must be"):
        await tsocket.getaddrinfo(1234, 80)  # type: ignore[arg-type]


async def test_system_lookups_run_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # "localhost" comes from the hosts file: no network needed.
    infos = await tsocket.getaddrinfo("localhost", 80, tsocket.AF_INET, tsocket.SOCK_STREAM)
    assert ("127.0.0.1", 80) in [info[4] for info in infos]
    host, port = await tsocket.getnameinfo(
        ("127.0.0.1", 80), tsocket.NI_NUMERICHOST | tsocket.NI_NUMERICSERV
    )
    assert (host, port) == ("127.0.0.1", "80")
    monkeypatch.setattr(stdlib_socket, "getfqdn", lambda name="": f"fqdn-of-{name}")
    assert await tsocket.getfqdn("box") == "fqdn-of-box"


def test_sockets_work_outside_a_run() -> None:
    # Made and closed with no run active: nothing to wake, nothing to fail.
    sock = tsocket.socket()
    assert sock.proto in (0, stdlib_socket.IPPROTO_TCP)
    sock.close()
    sock.close()  # idempotent


async def test_plain_socket_methods_delegate() -> None:
    a, b = tsocket.socketpair()
    with a, b:
        assert a.getsockopt(tsocket.SOL_SOCKET, tsocket.SO_TYPE) == tsocket.SOCK_STREAM
        raw = a.getsockopt(tsocket.SOL_SOCKET, tsocket.SO_TYPE, 4)
        assert isinstance(raw, bytes) and len(raw) == 4
        a.setsockopt(tsocket.SOL_SOCKET, tsocket.SO_KEEPALIVE, 1)
        assert a.getsockopt(tsocket.SOL_SOCKET, tsocket.SO_KEEPALIVE) == 1
        assert a.getpeername() == b.getsockname()
        assert "trio_socket.SocketType" in repr(a)
        assert a.family == tsocket.AF_UNIX and a.type == tsocket.SOCK_STREAM
        assert "send" not in dir(a) and "recv" in dir(a)
        with pytest.raises(AttributeError, match="sendall"):
            a.send(b"x")
        with pytest.raises(AttributeError):
            a.no_such_attribute  # noqa: B018
        c = b.dup()
        with c:
            await a.sendall(b"via dup")
            assert await c.recv(100) == b"via dup"
    d, e = tsocket.socketpair()
    with e:
        fd = d.detach()
        try:
            assert d.fileno() == -1
            f = tsocket.fromfd(fd, tsocket.AF_UNIX, tsocket.SOCK_STREAM)
            with f:
                await f.sendall(b"via fromfd")
                assert await e.recv(100) == b"via fromfd"
        finally:
            os.close(fd)


async def test_address_shapes_and_special_hosts() -> None:
    with tsocket.socket(tsocket.AF_INET, tsocket.SOCK_DGRAM) as sock:
        with pytest.raises(TypeError, match=r"\(host, port\) tuple"):
            sock.bind("127.0.0.1:0")
        with pytest.raises(ValueError, match=r"\(host, port\) tuple"):
            await sock.resolve_remote_address("127.0.0.1")
        with pytest.raises(ValueError, match="port must be an int"):
            await sock.resolve_remote_address(("127.0.0.1", "80"))
        with pytest.raises(stdlib_socket.gaierror, match="resolving"):
            await sock.resolve_remote_address(("no such host.invalid", 80))
        sock.bind(("", 0))  # the wildcard needs no resolving
        assert await sock.resolve_local_address(("", 80)) == ("0.0.0.0", 80)
        assert await sock.resolve_remote_address((None, 80)) == ("127.0.0.1", 80)
    with tsocket.socket(tsocket.AF_UNIX) as unix:
        # Unix paths are never resolved; still a checkpoint.
        with assert_checkpoints():
            assert await unix.resolve_remote_address("/some/path") == "/some/path"


async def test_ports_are_checked_before_they_reach_getaddrinfo() -> None:
    with tsocket.socket() as sock:
        # getaddrinfo would wrap 70000 to 4464 and blame the host for -1.
        for port in (70000, -1):
            with pytest.raises(ValueError, match=f"port must be 0-65535, got {port}"):
                await sock.resolve_remote_address(("127.0.0.1", port))
            with pytest.raises(ValueError, match="port must be 0-65535"):
                sock.bind(("127.0.0.1", port))
            with pytest.raises(ValueError, match="port must be 0-65535"):
                await sock.connect(("127.0.0.1", port))
        for bad in ("http", 80.0, True):
            with pytest.raises(TypeError, match=r"port must be an int.*getservbyname"):
                sock.bind(("127.0.0.1", bad))
        sock.bind(("127.0.0.1", 0))  # still usable


async def test_sendall_of_nothing_still_reports_a_closed_socket() -> None:
    sock = tsocket.socket()
    sock.close()
    with pytest.raises(OSError) as info:
        await sock.sendall(b"")
    assert info.value.errno == errno.EBADF
    a, b = tsocket.socketpair()
    with a, b:
        with assert_checkpoints():
            await a.sendall(b"")  # a connected socket: nothing to do, still a checkpoint


async def test_recv_with_a_hugely_negative_size_is_a_value_error() -> None:
    a, b = tsocket.socketpair()
    with a, b:
        await a.sendall(b"x")
        with pytest.raises(ValueError, match="negative buffersize"):
            await b.recv(-(2**70))
        with pytest.raises(OverflowError):
            await b.recv(2**70)  # as the standard library says
        assert await b.recv(1) == b"x"


async def test_sendmsg_and_recvmsg_into() -> None:
    a, b = tsocket.socketpair(tsocket.AF_UNIX, tsocket.SOCK_DGRAM)
    with a, b:
        assert await a.sendmsg([b"one ", b"message"]) == 11
        first, second = bytearray(4), bytearray(20)
        nbytes, _, _, _ = await b.recvmsg_into([first, second])
        assert nbytes == 11 and bytes(first) + bytes(second[:7]) == b"one message"


async def test_sendfile_falls_back_without_a_file_descriptor() -> None:
    a, b = tsocket.socketpair()
    with a, b:
        content = os.urandom(150_000)
        source = io.BytesIO(content)

        async def reader(out: bytearray) -> None:
            while len(out) < 100_000:
                out += await b.recv(65536)

        out = bytearray()
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(reader, out)
            assert await a.sendfile(source, offset=10, count=100_000) == 100_000
        assert bytes(out) == content[10:100_010]
        assert source.tell() == 100_010


@pytest.mark.parametrize("kind", ["fd", "no-fd"])
async def test_sendfile_cancelled_midway_reports_partial_result(kind: str) -> None:
    a, b = tsocket.socketpair()
    with a, b, tempfile.TemporaryFile() as file:
        content = os.urandom(4 * 1024 * 1024)  # far more than the socket buffers hold
        file.write(content)
        file.flush()
        source: Any = file if kind == "fd" else io.BytesIO(content)
        with trio_core.CancelScope() as scope:

            async def cancel_when_stuck() -> None:
                await wait_all_tasks_blocked()
                scope.cancel()

            async with trio_core.open_nursery() as nursery:
                nursery.start_soon(cancel_when_stuck)
                try:
                    await a.sendfile(source)
                except trio_core.Cancelled as exc:
                    sent = getattr(exc, "partial_result").bytes_sent  # noqa: B009
                    raise
        assert scope.cancelled_caught
        assert 0 < sent < len(content)
        assert source.tell() == sent
        a.shutdown(tsocket.SHUT_WR)
        received = bytearray()
        while chunk := await b.recv(1 << 20):
            received += chunk
        assert bytes(received) == content[:sent]
