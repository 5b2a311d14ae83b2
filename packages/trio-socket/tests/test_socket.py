"""trio_socket against the seed's rules, on loopback only."""

from __future__ import annotations

import errno
import gc
import inspect
import io
import os
import pathlib
import re
import socket as stdlib_socket
import sys
import tempfile
import threading
import types
import warnings
from typing import Any

import pytest

import trio_core
import trio_socket as tsocket
import trio_socket._functions as tsocket_functions
import trio_socket._resolve as tsocket_resolve
from trio_core.testing import assert_checkpoints, assert_no_checkpoints, wait_all_tasks_blocked

HAS_IPV6 = stdlib_socket.has_ipv6
try:
    with stdlib_socket.socket(stdlib_socket.AF_INET6) as _probe:
        _probe.bind(("::1", 0))
except OSError:
    HAS_IPV6 = False
needs_ipv6 = pytest.mark.skipif(not HAS_IPV6, reason="no IPv6 loopback on this machine")
IP_FAMILIES = [tsocket.AF_INET, pytest.param(tsocket.AF_INET6, marks=needs_ipv6)]


# ---------------------------------------------------------------- exports


def test_exports_mirror_the_stdlib_module() -> None:
    from trio_socket._stdlib_names import EXCLUDED, REPLACED, WINDOWS_EXCLUDED

    assert not EXCLUDED & REPLACED
    left_out = EXCLUDED | (WINDOWS_EXCLUDED if sys.platform == "win32" else set())
    checked = 0
    for name in dir(stdlib_socket):
        value = getattr(stdlib_socket, name)
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        checked += 1
        if name in left_out:
            assert not hasattr(tsocket, name), name
            assert name not in tsocket.__all__, name
        elif name in REPLACED:
            ours = getattr(tsocket, name)
            assert ours is not value, name
            assert getattr(ours, "__module__", "").startswith("trio_socket"), name
            assert name in tsocket.__all__, name
        else:
            assert getattr(tsocket, name) is value, name
            assert name in tsocket.__all__, name
    assert checked > 300  # the rule saw the whole module
    # A documented name this platform's module lacks (fromshare off Windows,
    # say) is not invented either.
    for name in EXCLUDED | REPLACED:
        if not hasattr(stdlib_socket, name):
            assert not hasattr(tsocket, name), name
            assert name not in tsocket.__all__, name


def test_every_left_out_or_replaced_name_is_documented() -> None:
    from trio_socket import _stdlib_names

    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    documented = set(re.findall(r"``(\w+)[`(]", _stdlib_names.__doc__ or ""))
    in_readme = set(re.findall(r"`(\w+)[`(]", readme))
    for name in _stdlib_names.EXCLUDED | _stdlib_names.REPLACED | {"dup", "close"}:
        assert name in documented, f"{name} is not explained in _stdlib_names' docstring"
        assert name in in_readme, f"{name} is not explained in the README"


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


async def test_socket_on_a_fileno_detects_what_it_is_as_the_stdlib_does() -> None:
    # socket.socket(fileno=fd) detects family, type and proto; so does ours
    # (an AF_INET default would have been wrong for this Unix datagram socket).
    a, b = stdlib_socket.socketpair(stdlib_socket.AF_UNIX, stdlib_socket.SOCK_DGRAM)
    with a, b:
        with tsocket.socket(fileno=os.dup(a.fileno())) as sock:
            assert (sock.family, sock.type) == (tsocket.AF_UNIX, tsocket.SOCK_DGRAM)
            await sock.send(b"dgram")
            assert b.recv(10) == b"dgram"
        # Given explicitly, they are taken as given (the standard library's rule).
        with tsocket.socket(tsocket.AF_UNIX, tsocket.SOCK_DGRAM, 0, os.dup(b.fileno())) as s2:
            assert s2.family == tsocket.AF_UNIX
    # Without a fileno, the defaults are still AF_INET / SOCK_STREAM / 0.
    with tsocket.socket() as plain:
        assert (plain.family, plain.type) == (tsocket.AF_INET, tsocket.SOCK_STREAM)
        assert plain.proto in (0, tsocket.IPPROTO_TCP)


def test_from_stdlib_socket_takes_exactly_a_stdlib_socket() -> None:
    # As in Trio: a subclass is refused too (its overrides would be bypassed).
    class Custom(stdlib_socket.socket):
        pass

    with Custom() as custom:
        with pytest.raises(TypeError, match=r"exactly a socket\.socket.*Custom"):
            tsocket.from_stdlib_socket(custom)
        assert custom.getblocking() is True  # untouched: not made non-blocking
    for bad in [object(), None, 3, tsocket.socketpair]:
        with pytest.raises(TypeError, match=r"expected a standard library socket\.socket"):
            tsocket.from_stdlib_socket(bad)  # type: ignore[arg-type]
    a, b = tsocket.socketpair()
    with a, b, pytest.raises(TypeError, match=r"expected a standard library socket\.socket"):
        tsocket.from_stdlib_socket(a)  # type: ignore[arg-type]  # already a trio socket


def _notsent_lowat() -> int:
    return getattr(tsocket, "TCP_NOTSENT_LOWAT", 25)  # 25: the Linux number


@pytest.mark.parametrize("family", IP_FAMILIES)
@pytest.mark.parametrize("kind", [tsocket.SOCK_STREAM, tsocket.SOCK_DGRAM])
async def test_modern_defaults(family: int, kind: int) -> None:
    # Every default the README documents, read back with getsockopt, then
    # changed back with setsockopt (and set again).
    with tsocket.socket(family, kind) as sock:
        defaults: list[tuple[int, int, int, int]] = []  # (level, option, ours, changed back)
        if sys.platform != "win32":
            defaults.append((tsocket.SOL_SOCKET, tsocket.SO_REUSEADDR, 1, 0))
        if family == tsocket.AF_INET6:
            defaults.append((tsocket.IPPROTO_IPV6, tsocket.IPV6_V6ONLY, 0, 1))
        if kind == tsocket.SOCK_STREAM:
            defaults.append((tsocket.IPPROTO_TCP, tsocket.TCP_NODELAY, 1, 0))
            if sys.platform in ("linux", "darwin"):
                # 0 means "the system default" (the sysctl) on Linux.
                defaults.append((tsocket.IPPROTO_TCP, _notsent_lowat(), 16384, 0))
        for level, option, ours, back in defaults:
            assert sock.getsockopt(level, option) == ours, (level, option)
            sock.setsockopt(level, option, back)
            assert sock.getsockopt(level, option) == back, (level, option)
            sock.setsockopt(level, option, ours)
            assert sock.getsockopt(level, option) == ours, (level, option)


def test_listen_backlog_default() -> None:
    assert tsocket.SocketType.listen.__defaults__ == (min(tsocket.SOMAXCONN, 128),)


async def test_unsupported_methods_say_why() -> None:
    with tsocket.socket() as sock:
        with pytest.raises(AttributeError, match="cancel scopes"):
            sock.settimeout(1)
        with pytest.raises(AttributeError, match="several tasks"):
            sock.setblocking(True)
        with pytest.raises(AttributeError, match="stream"):
            sock.makefile()
        with pytest.raises(AttributeError, match=r"await sock\.connect\(address\)"):
            sock.connect_ex(("127.0.0.1", 9))
        with pytest.raises(AttributeError, match="connect_ex"):
            sock.connect_ex(("localhost", 9))  # no blocking DNS lookup either
        for name in ["setblocking", "settimeout", "makefile", "connect_ex"]:
            assert name not in dir(sock), name
        # dir() lists only what works.
        for name in dir(sock):
            getattr(sock, name)
        # Everything else is the stdlib socket's.
        assert sock.get_inheritable() is False


async def test_sockets_say_they_are_blocking() -> None:
    # The seed: trio sockets always act like blocking sockets (with no timeout);
    # the standard socket underneath stays non-blocking.
    raw = stdlib_socket.socket()
    with tsocket.from_stdlib_socket(raw) as sock:
        assert sock.getblocking() is True
        assert sock.gettimeout() is None
        assert sock.timeout is None
        assert raw.getblocking() is False and raw.gettimeout() == 0.0
    a, b = tsocket.socketpair()
    with a, b:
        await a.sendall(b"x")
        assert await b.recv(1) == b"x"
        assert (a.getblocking(), a.gettimeout(), b.timeout) == (True, None, None)


@pytest.mark.skipif(sys.platform != "linux", reason="sendmsg_afalg is Linux-only")
async def test_sendmsg_afalg_is_async_and_waits_for_room() -> None:
    # AF_ALG sockets may be unavailable (containers), so a fake stands in:
    # what matters is that the call is async, a checkpoint, passes its
    # arguments on, and waits where the non-blocking method would raise.
    calls: list[dict[str, Any]] = []

    class FakeAlgSocket(stdlib_socket.socket):
        def sendmsg_afalg(self, msg: Any = (), **kwargs: Any) -> int:
            calls.append(kwargs)
            return self.send(b"".join(msg))

    left, right = stdlib_socket.socketpair()
    fake = FakeAlgSocket(left.family, left.type, fileno=left.detach())
    # from_stdlib_socket takes exactly socket.socket: the fake goes in the private way.
    with tsocket.SocketType._wrap(fake) as sock, tsocket.from_stdlib_socket(right) as peer:
        with assert_checkpoints():
            assert await sock.sendmsg_afalg([b"ab", b"c"], op=1, iv=b"i" * 16, assoclen=0) == 3
        assert calls == [{"op": 1, "iv": b"i" * 16, "assoclen": 0, "flags": 0}]
        assert await peer.recv(10) == b"abc"
        filled = 0
        while True:
            try:
                filled += fake.send(b"x" * 65536)
            except BlockingIOError:
                break

        async def drain() -> None:
            await wait_all_tasks_blocked()
            got = 0
            while got < filled + 3:
                got += len(await peer.recv(1 << 20))

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(drain)
            assert await sock.sendmsg_afalg([b"end"], op=0) == 3
        assert calls[-1] == {"op": 0, "flags": 0}


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
            await sock.resolve_remote_address(("127.0.0.1", 80.0))
        with pytest.raises(ValueError, match="tuple"):
            await sock.resolve_remote_address("127.0.0.1")
        with assert_checkpoints():
            await sock.resolve_remote_address(("127.0.0.1", 1))


async def test_service_names_are_ports_as_in_the_standard_library() -> None:
    # The seed: resolve_*_address resolve as the standard library does, and
    # getaddrinfo takes a service name for the port.
    http = stdlib_socket.getservbyname("http", "tcp")
    assert http == 80
    with tsocket.socket() as sock:
        assert await sock.resolve_remote_address(("1.2.3.4", "http")) == ("1.2.3.4", 80)
        assert await sock.resolve_remote_address(("1.2.3.4", b"http")) == ("1.2.3.4", 80)
        assert await sock.resolve_local_address(("127.0.0.1", "http")) == ("127.0.0.1", 80)
        assert await sock.resolve_remote_address(("1.2.3.4", "8080")) == ("1.2.3.4", 8080)
        with assert_checkpoints():
            await sock.resolve_remote_address(("1.2.3.4", "http"))
        # Numbers out of range and ports of the wrong type: refused as before.
        for bad in ("70000", b"65536", 70000, -1):
            with pytest.raises(ValueError, match="port must be 0-65535"):
                await sock.resolve_remote_address(("1.2.3.4", bad))
        for wrong in (80.0, None, True, [80]):
            with pytest.raises(ValueError, match="port must be an int or a service name"):
                await sock.resolve_remote_address(("1.2.3.4", wrong))
        with pytest.raises(stdlib_socket.gaierror, match="'no-such-service' is not a service"):
            await sock.resolve_remote_address(("1.2.3.4", "no-such-service"))
    if HAS_IPV6:
        with tsocket.socket(tsocket.AF_INET6) as sock6:
            got = await sock6.resolve_remote_address(("1.2.3.4", "http"))
            assert got == ("::ffff:1.2.3.4", 80, 0, 0)
    infos = await tsocket.getaddrinfo("1.2.3.4", "http", tsocket.AF_INET, tsocket.SOCK_STREAM)
    assert infos[0][4] == ("1.2.3.4", 80)


@pytest.mark.parametrize("host", ["<broadcast>", b"<broadcast>"])
async def test_broadcast_resolves_as_the_stdlib_connect_does(host: Any) -> None:
    with tsocket.socket(tsocket.AF_INET, tsocket.SOCK_DGRAM) as sock:
        remote = await sock.resolve_remote_address((host, 9999))
        assert remote == ("255.255.255.255", 9999)
        assert await sock.resolve_local_address((host, 0)) == ("255.255.255.255", 0)
        with assert_checkpoints():
            await sock.resolve_remote_address((host, 9999))
        sock.setsockopt(tsocket.SOL_SOCKET, tsocket.SO_BROADCAST, 1)
        with stdlib_socket.socket(stdlib_socket.AF_INET, stdlib_socket.SOCK_DGRAM) as plain:
            plain.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_BROADCAST, 1)
            plain.connect((host, 9999))
            await sock.connect(remote)
            assert sock.getpeername() == plain.getpeername()


@pytest.mark.skipif(not stdlib_socket.has_ipv6, reason="no IPv6 sockets")
async def test_broadcast_on_an_ipv6_socket_is_a_clear_error() -> None:
    with tsocket.socket(tsocket.AF_INET6, tsocket.SOCK_DGRAM) as sock:
        for resolve in (sock.resolve_remote_address, sock.resolve_local_address):
            with pytest.raises(stdlib_socket.gaierror, match="IPv6 has no broadcast") as info:
                await resolve(("<broadcast>", 9999))
            assert info.value.errno == stdlib_socket.EAI_FAMILY
            assert "9999" in str(info.value)


@needs_ipv6
async def test_ipv6_socket_gets_v4_mapped_addresses() -> None:
    with tsocket.socket(tsocket.AF_INET6) as sock:
        resolved = await sock.resolve_remote_address(("127.0.0.1", 80))
        assert resolved[0] == "::ffff:127.0.0.1"
        assert (await sock.resolve_local_address((None, 80)))[0] == "::"
        assert (await sock.resolve_remote_address(("::1", 80, 0, 0)))[:2] == ("::1", 80)


@needs_ipv6
async def test_an_ipv6_only_socket_gets_no_v4_mapped_addresses() -> None:
    # As in Trio: IPV6_V6ONLY set means the socket cannot reach IPv4 peers, so
    # resolving an IPv4 address for it fails instead of giving a useless
    # ::ffff: address.
    with tsocket.socket(tsocket.AF_INET6) as sock:
        sock.setsockopt(tsocket.IPPROTO_IPV6, tsocket.IPV6_V6ONLY, 1)
        with pytest.raises(stdlib_socket.gaierror, match=r"resolving \('1\.2\.3\.4', 80\)"):
            await sock.resolve_remote_address(("1.2.3.4", 80))
        assert (await sock.resolve_remote_address(("::1", 80)))[:2] == ("::1", 80)
        sock.setsockopt(tsocket.IPPROTO_IPV6, tsocket.IPV6_V6ONLY, 0)
        assert (await sock.resolve_remote_address(("1.2.3.4", 80)))[0] == "::ffff:1.2.3.4"


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
        # The fake never yields; the lookups are checkpoints all the same.
        with assert_checkpoints():
            await tsocket.getaddrinfo("example.org", 80)
        with assert_checkpoints():
            await tsocket.getnameinfo(("127.0.0.1", 80), 0)
        asked = len(fake.asked)
        with trio_core.CancelScope() as scope:
            scope.cancel()
            with pytest.raises(trio_core.Cancelled):
                await tsocket.getaddrinfo("example.org", 80)
        assert len(fake.asked) == asked  # cancelled before the resolver was asked
    finally:
        assert tsocket.set_custom_hostname_resolver(None) is fake


class _NoThreads:
    """Stands in for the ``to_thread`` module: any use fails the test."""

    @staticmethod
    async def run_sync(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a worker thread was used: {args}")


class DirectoryResolver(tsocket.HostnameResolver):
    """A fake DNS: forward and reverse tables."""

    def __init__(self, forward: dict[bytes, str], reverse: dict[str, str]) -> None:
        self.forward, self.reverse = forward, reverse
        self.asked: list[tuple[str, Any]] = []

    async def getaddrinfo(
        self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> list[Any]:
        self.asked.append(("getaddrinfo", host))
        if host not in self.forward:
            raise stdlib_socket.gaierror(stdlib_socket.EAI_NONAME, "Name or service not known")
        return [(tsocket.AF_INET, tsocket.SOCK_STREAM, 6, "", (self.forward[host], 0))]

    async def getnameinfo(self, sockaddr: Any, flags: int) -> tuple[str, str]:
        self.asked.append(("getnameinfo", (sockaddr, flags)))
        if sockaddr[0] not in self.reverse:
            raise stdlib_socket.gaierror(stdlib_socket.EAI_NONAME, "Name or service not known")
        return self.reverse[sockaddr[0]], str(sockaddr[1])


async def test_getfqdn_goes_through_the_custom_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tsocket_resolve, "to_thread", _NoThreads)
    monkeypatch.setattr(stdlib_socket, "gethostname", lambda: "me")
    fake = DirectoryResolver(
        forward={b"box": "10.0.0.1", b"me": "10.0.0.2", b"unnamed": "10.0.0.3"},
        reverse={"10.0.0.1": "box.fake.example", "10.0.0.2": "me.fake.example"},
    )
    tsocket.set_custom_hostname_resolver(fake)
    try:
        with assert_checkpoints():
            assert await tsocket.getfqdn("box") == "box.fake.example"
        assert fake.asked == [
            ("getaddrinfo", b"box"),
            ("getnameinfo", (("10.0.0.1", 0), tsocket.NI_NAMEREQD)),
        ]
        assert await tsocket.getfqdn("  box\n") == "box.fake.example"
        for local in ["", "0.0.0.0", "::"]:
            assert await tsocket.getfqdn(local) == "me.fake.example"
        assert await tsocket.getfqdn() == "me.fake.example"
        # A numeric name skips the forward lookup.
        fake.asked.clear()
        assert await tsocket.getfqdn("10.0.0.1") == "box.fake.example"
        assert [kind for kind, _ in fake.asked] == ["getnameinfo"]
        # Either lookup failing gives the name back, as the standard library does.
        assert await tsocket.getfqdn("nowhere") == "nowhere"
        assert await tsocket.getfqdn("unnamed") == "unnamed"
    finally:
        tsocket.set_custom_hostname_resolver(None)


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
        with tsocket.socket():
            pass
        assert made == [
            (tsocket.AF_INET, tsocket.SOCK_DGRAM, 0),
            (tsocket.AF_INET, tsocket.SOCK_STREAM, 0),  # the defaults, spelled out
        ]
    finally:
        tsocket.set_custom_socket_factory(None)
    with pytest.raises(TypeError):
        tsocket.set_custom_socket_factory(object())  # type: ignore[arg-type]


async def test_getaddrinfo_numeric_without_a_thread_and_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tsocket_resolve, "to_thread", _NoThreads)
    with assert_checkpoints():
        result = await tsocket.getaddrinfo("127.0.0.1", 80, tsocket.AF_INET, tsocket.SOCK_STREAM)
    assert result[0][4] == ("127.0.0.1", 80)
    result = await tsocket.getaddrinfo("::1", 80, tsocket.AF_INET6, tsocket.SOCK_STREAM)
    assert result[0][4][:2] == ("::1", 80)
    result = await tsocket.getaddrinfo(None, 80, tsocket.AF_INET, tsocket.SOCK_STREAM)
    assert result[0][4] == ("127.0.0.1", 80)
    # A name does need the thread: the stand-in really is the one in use.
    with pytest.raises(AssertionError, match="worker thread"):
        await tsocket.getaddrinfo("localhost", 80)
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


class _NeverConnects(stdlib_socket.socket):
    """A socket whose connection attempt starts and never completes: connect()
    says EINPROGRESS, and the descriptor never becomes writable (it is one end
    of a socket pair whose send buffer is full and whose peer never reads)."""

    def connect(self, address: Any) -> None:
        raise BlockingIOError(errno.EINPROGRESS, "Operation now in progress")


async def test_cancelled_connect_closes_the_socket() -> None:
    left, right = stdlib_socket.socketpair()
    made: list[_NeverConnects] = []

    class Factory(tsocket.SocketFactory):
        def socket(self, family: int, type: int, proto: int) -> tsocket.SocketType:
            raw = _NeverConnects(left.family, left.type, fileno=left.detach())
            raw.setblocking(False)
            while True:
                try:
                    raw.send(b"x" * 65536)
                except BlockingIOError:
                    break
            made.append(raw)
            return tsocket.SocketType._wrap(raw)  # a subclass: not from_stdlib_socket

    tsocket.set_custom_socket_factory(Factory())
    try:
        with right, tsocket.socket(tsocket.AF_UNIX) as sock:
            with trio_core.move_on_after(0.05) as scope:
                await sock.connect("/the/attempt/hangs")
            assert scope.cancelled_caught
            assert sock.fileno() == -1
            assert made[0].fileno() == -1  # the standard socket underneath too
            with pytest.raises(OSError):
                await sock.sendall(b"x")
    finally:
        tsocket.set_custom_socket_factory(None)


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
        assert "send" in dir(a) and "recv" in dir(a)
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
            await sock.resolve_remote_address(("127.0.0.1", [80]))
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
        for bad in (80.0, True, None):
            with pytest.raises(TypeError, match=r"port must be an int, got"):
                sock.bind(("127.0.0.1", bad))
        # A service name is resolved like a host name, first.
        for name in ("http", b"http", "80"):
            with pytest.raises(TypeError, match=r"service name.*resolve_local_address"):
                sock.bind(("127.0.0.1", name))
            with pytest.raises(TypeError, match=r"service name.*resolve_remote_address"):
                await sock.connect(("127.0.0.1", name))
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


async def test_fromshare_returns_a_trio_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows only in the standard library: a stand-in checks the wrapping.
    shared = stdlib_socket.socket()
    monkeypatch.setattr(
        stdlib_socket, "fromshare", lambda info: shared if info == b"data" else None, raising=False
    )
    with tsocket_functions.fromshare(b"data") as sock:
        assert isinstance(sock, tsocket.SocketType)
        assert sock.fileno() == shared.fileno() and shared.getblocking() is False


@pytest.mark.skipif(not hasattr(stdlib_socket, "send_fds"), reason="no fd passing")
async def test_send_fds_and_recv_fds() -> None:
    a, b = tsocket.socketpair(tsocket.AF_UNIX)
    read_end, write_end = os.pipe()
    try:
        with a, b:
            # recv_fds waits for the message (and is a checkpoint).
            async def send_later() -> None:
                await wait_all_tasks_blocked()
                with assert_checkpoints():
                    assert await tsocket.send_fds(a, [b"fd", b"s"], [read_end, write_end]) == 3

            async with trio_core.open_nursery() as nursery:
                nursery.start_soon(send_later)
                # flags reach recvmsg: a peek leaves the message queued.
                data, fds, _, _ = await tsocket.recv_fds(b, 100, 2, tsocket.MSG_PEEK)
            assert data == b"fds" and len(fds) == 2
            for fd in fds:
                os.close(fd)
            data, fds, msg_flags, _ = await tsocket.recv_fds(b, 100, 2)
            assert data == b"fds" and len(fds) == 2 and not msg_flags & tsocket.MSG_CTRUNC
            got_read, got_write = fds
            try:
                assert {got_read, got_write}.isdisjoint({read_end, write_end})
                os.write(got_write, b"through the passed fd")
                assert os.read(read_end, 100) == b"through the passed fd"
            finally:
                os.close(got_read)
                os.close(got_write)
            # Room for fewer descriptors than sent: the rest are dropped, as in the stdlib.
            await tsocket.send_fds(a, [b"x"], [read_end, write_end])
            data, fds, msg_flags, _ = await tsocket.recv_fds(b, 100, 1)
            for fd in fds:
                os.close(fd)
            assert data == b"x" and len(fds) == 1 and msg_flags & tsocket.MSG_CTRUNC
    finally:
        os.close(read_end)
        os.close(write_end)


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


# ---------------------------------------------------------------- checkpoints on bad arguments


def _bad_calls(sock: tsocket.SocketType) -> dict[str, tuple[Any, type[BaseException]]]:
    """For every async routine of trio_socket: a call that fails at once on a bad
    argument (an awaitable not yet awaited), and the exception it must raise."""
    calls: dict[str, tuple[Any, type[BaseException]]] = {
        "SocketType.resolve_local_address": (sock.resolve_local_address("x"), ValueError),
        "SocketType.resolve_remote_address": (
            sock.resolve_remote_address(("1.2.3.4", 1.5)),
            ValueError,
        ),
        "SocketType.connect": (sock.connect(("localhost", 80)), ValueError),
        "SocketType.accept": (sock.accept(), OSError),  # not listening: EINVAL at once
        "SocketType.recv": (sock.recv("x"), TypeError),  # type: ignore[arg-type]
        "SocketType.recv_into": (sock.recv_into(b"read-only"), TypeError),
        "SocketType.recvfrom": (sock.recvfrom(None), TypeError),  # type: ignore[arg-type]
        "SocketType.recvfrom_into": (sock.recvfrom_into(None), TypeError),  # type: ignore[arg-type]
        "SocketType.recvmsg": (sock.recvmsg("x"), TypeError),  # type: ignore[arg-type]
        "SocketType.recvmsg_into": (sock.recvmsg_into(3), TypeError),  # type: ignore[arg-type]
        "SocketType.sendto": (sock.sendto(b"x", ("localhost", 80)), ValueError),
        "SocketType.sendmsg": (sock.sendmsg(3), TypeError),  # type: ignore[arg-type]
        "SocketType.sendall": (sock.sendall("text"), TypeError),  # type: ignore[arg-type]
        "SocketType.sendfile": (sock.sendfile(io.BytesIO(b"x"), offset=-1), ValueError),
        "getaddrinfo": (tsocket.getaddrinfo(1234, 80), TypeError),  # type: ignore[arg-type]
        "getaddrinfo(port)": (tsocket.getaddrinfo("127.0.0.1", 1.5), OSError),  # type: ignore[arg-type]
        "getnameinfo": (tsocket.getnameinfo("x", 0), TypeError),  # type: ignore[arg-type]
        "getfqdn": (tsocket.getfqdn(3), AttributeError),  # type: ignore[arg-type]
    }
    calls["SocketType.send"] = (sock.send("text"), TypeError)  # type: ignore[arg-type]
    closed = tsocket.socket()
    closed.close()
    calls["SocketType.wait_writable"] = (closed.wait_writable(), trio_core.ClosedResourceError)
    if sys.platform == "linux":
        calls["SocketType.sendmsg_afalg"] = (sock.sendmsg_afalg(3, op=0), TypeError)  # type: ignore[arg-type]
    if hasattr(tsocket, "send_fds"):
        calls["send_fds"] = (tsocket.send_fds(sock, [b"x"], ["fd"]), TypeError)  # type: ignore[list-item]
        calls["recv_fds"] = (tsocket.recv_fds(sock, 10, "x"), TypeError)  # type: ignore[arg-type]
    return calls


def _async_routines() -> set[str]:
    names = set()
    for name in tsocket.__all__:
        if inspect.iscoroutinefunction(getattr(tsocket, name)):
            names.add(name)
    for name, value in vars(tsocket.SocketType).items():
        if not name.startswith("_") and inspect.iscoroutinefunction(value):
            names.add(f"SocketType.{name}")
    return names


async def test_every_async_routine_is_a_checkpoint_even_on_a_bad_argument() -> None:
    # Issue 13: a call that fails at once on a bad argument still yields and
    # still notices cancellation, as Trio's do.
    with tsocket.socket() as sock:
        calls = _bad_calls(sock)
        try:
            covered = {name.split("(")[0] for name in calls}
            assert _async_routines() <= covered, _async_routines() - covered
            for name, (call, error) in calls.items():
                with assert_checkpoints(), pytest.raises(error):
                    await call
                assert sock.fileno() != -1, name
        finally:
            for call, _ in calls.values():
                call.close()  # each was awaited: close() is a no-op, but keeps it honest
        # ... and a cancelled call raises Cancelled, not the argument error.
        with trio_core.CancelScope() as scope:
            scope.cancel()
            for name, (call, _) in _bad_calls(sock).items():
                with pytest.raises(trio_core.Cancelled):
                    await call
                assert sock.fileno() != -1, name


# ---------------------------------------------------------------- modern Trio's names


async def test_send_returns_the_count_and_may_send_part() -> None:
    # Modern Trio's SocketType.send (AnyIO's trio backend loops on it).
    a, b = tsocket.socketpair()
    with a, b:
        with assert_checkpoints():
            assert await a.send(b"hello") == 5
        assert await b.recv(10) == b"hello"
        assert await a.send(memoryview(b"xyz")[1:], 0) == 2
        assert await b.recv(10) == b"yz"
        # With a full buffer, one send takes only what fits (and says so);
        # it waits only while nothing at all fits.
        a.setsockopt(tsocket.SOL_SOCKET, tsocket.SO_SNDBUF, 4096)
        payload = b"x" * (4 << 20)
        sent = await a.send(payload)
        assert 0 < sent < len(payload)
        filled = sent
        while True:  # fill the buffer up, so that the next send must wait
            try:
                filled += a._sock.send(b"y" * 65536)
            except BlockingIOError:
                break

        async def drain() -> None:
            await wait_all_tasks_blocked()  # the send below is waiting by now
            got = 0
            while got < filled + 3:
                got += len(await b.recv(1 << 20))

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(drain)
            assert await a.send(b"end") == 3  # waited for room, then sent it all
    with pytest.raises(OSError):
        await a.send(b"closed")


async def test_bind_works_plain_and_awaited() -> None:
    # The seed's `sock.bind(address)` and modern Trio's `await sock.bind(address)`.
    with tsocket.socket() as plain, tsocket.socket() as awaited:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = plain.bind(("127.0.0.1", 0))  # the bind happens here
            assert plain.getsockname()[1] != 0
            del result
            gc.collect()  # nothing to warn about: not a coroutine
        with assert_no_checkpoints():
            await awaited.bind(("127.0.0.1", 0))
        assert awaited.getsockname()[1] != 0
        # Awaiting the result again is harmless too.
        with tsocket.socket() as third:
            pending = third.bind(("127.0.0.1", 0))
            await pending
            await pending
            assert third.getsockname()[1] != 0
        # The seed's rule stays: a host name is refused, naming the resolver, at the call.
        with tsocket.socket() as named:
            with pytest.raises(ValueError, match=r"numeric address.*resolve_local_address"):
                await named.bind(("localhost", 0))
            with pytest.raises(ValueError, match="resolve_local_address"):
                named.bind(("localhost", 0))
            assert named.getsockname() == ("0.0.0.0", 0)  # not bound
            # An OS error also comes from the call itself.
            plain.listen()
            with pytest.raises(OSError) as info:
                named.bind(plain.getsockname())
            assert info.value.errno == errno.EADDRINUSE


async def test_modern_trio_socket_names() -> None:
    # What AnyIO's trio backend, hypercorn, httpx/httpcore and trio-websocket
    # call on trio.socket beyond the seed's names.
    a, b = tsocket.socketpair()
    with a, b:
        # is_readable: without waiting, whether recv would return at once.
        with assert_no_checkpoints():
            assert a.is_readable() is False
        await b.sendall(b"x")
        assert a.is_readable() is True
        assert await a.recv(1) == b"x"
        assert a.is_readable() is False
        b.shutdown(tsocket.SHUT_WR)
        assert a.is_readable() is True  # end of stream waiting: recv returns b""

        # did_shutdown_SHUT_WR follows shutdown().
        def shut_wr(sock: tsocket.SocketType) -> bool:
            return sock.did_shutdown_SHUT_WR

        assert shut_wr(b) is True
        assert shut_wr(a) is False
        a.shutdown(tsocket.SHUT_RD)
        assert shut_wr(a) is False
        a.shutdown(tsocket.SHUT_RDWR)
        assert shut_wr(a) is True
    with pytest.raises(OSError) as info:
        a.is_readable()
    assert info.value.errno == errno.EBADF
    # wait_writable: trio_core.lowlevel.wait_writable on the socket.
    c, d = tsocket.socketpair()
    with c, d:
        with assert_checkpoints():
            await c.wait_writable()
        c.setsockopt(tsocket.SOL_SOCKET, tsocket.SO_SNDBUF, 4096)
        while True:
            try:
                c._sock.send(b"x" * 65536)
            except BlockingIOError:
                break
        with trio_core.move_on_after(0.05) as scope:
            await c.wait_writable()  # full: waits
        assert scope.cancelled_caught
        async with trio_core.open_nursery() as nursery:

            async def drain() -> None:
                await wait_all_tasks_blocked()
                while d.is_readable():
                    await d.recv(1 << 20)

            nursery.start_soon(drain)
            await c.wait_writable()  # room again once the peer reads
        # The rest is the standard socket's, as before.
        assert c.family == tsocket.AF_UNIX and c.type == tsocket.SOCK_STREAM and c.proto == 0
        assert c.getsockopt(tsocket.SOL_SOCKET, tsocket.SO_TYPE) == tsocket.SOCK_STREAM
        assert c.get_inheritable() is False
    # from_stdlib_socket, socket(...), getaddrinfo, getnameinfo: as Trio's.
    with tsocket.socket(family=tsocket.AF_INET, type=tsocket.SOCK_DGRAM) as udp:
        await udp.bind(("127.0.0.1", 0))
        with tsocket.from_stdlib_socket(stdlib_socket.socket(type=stdlib_socket.SOCK_DGRAM)) as s:
            await s.sendto(b"dgram", udp.getsockname())
            data, address = await udp.recvfrom(65536)
            assert data == b"dgram" and address[1] == s.getsockname()[1]
            await udp.sendto(data, address)
            assert await s.recv(65536) == b"dgram"


async def test_unix_addresses_may_be_path_likes() -> None:
    # As in Trio (the standard library's methods take only str/bytes paths).
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "stream"
        with tsocket.socket(tsocket.AF_UNIX) as listener:
            await listener.bind(path)
            listener.listen()
            assert listener.getsockname() == str(path)
            with tsocket.socket(tsocket.AF_UNIX) as client:
                await client.connect(path)
                server, _ = await listener.accept()
                server.close()
        dgram_path = pathlib.Path(tmp) / "dgram"
        with tsocket.socket(tsocket.AF_UNIX, tsocket.SOCK_DGRAM) as receiver:
            receiver.bind(dgram_path)
            with tsocket.socket(tsocket.AF_UNIX, tsocket.SOCK_DGRAM) as sender:
                await sender.sendto(b"to a path", dgram_path)
                await sender.sendmsg([b"msg"], [], 0, dgram_path)
                assert await receiver.recv(100) == b"to a path"
                assert await receiver.recv(100) == b"msg"


async def test_a_subclass_may_be_a_fake_socket_as_in_trio() -> None:
    # Modern Trio lets a fake socket subclass SocketType (for a SocketFactory);
    # only SocketType() itself is refused.
    class FakeSocket(tsocket.SocketType):
        def __init__(self, family: int, type: int) -> None:
            super().__init__()
            self.fake_family, self.fake_type, self.sent = family, type, b""

        async def send(self, data: Any, flags: int = 0) -> int:
            self.sent += bytes(data)
            return len(data)

    class Factory(tsocket.SocketFactory):
        def socket(self, family: int, type: int, proto: int) -> tsocket.SocketType:
            return FakeSocket(family, type)

    tsocket.set_custom_socket_factory(Factory())
    try:
        fake = tsocket.socket(tsocket.AF_INET, tsocket.SOCK_DGRAM)
        assert isinstance(fake, FakeSocket) and isinstance(fake, tsocket.SocketType)
        assert await fake.send(b"to nowhere") == 10 and fake.sent == b"to nowhere"
        with pytest.raises(AttributeError, match="no standard socket underneath"):
            fake.getsockname()  # not defined by the fake
    finally:
        tsocket.set_custom_socket_factory(None)
    with pytest.raises(TypeError, match="no public constructor"):
        tsocket.SocketType()
