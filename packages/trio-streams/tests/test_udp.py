"""UDPSocket, open_udp_socket and serve_udp, over loopback only (IPv4 and IPv6)."""

from __future__ import annotations

import errno
import functools
import socket as stdlib_socket

import pytest

import trio_core
from trio_core.testing import assert_checkpoints, wait_all_tasks_blocked
from trio_streams import MAX_DATAGRAM_SIZE, UDPSocket, open_udp_socket, serve_udp


def has_ipv6() -> bool:
    try:
        with stdlib_socket.socket(stdlib_socket.AF_INET6, stdlib_socket.SOCK_DGRAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


LOOPBACKS = [
    pytest.param("127.0.0.1", stdlib_socket.AF_INET, id="ipv4"),
    pytest.param(
        "::1",
        stdlib_socket.AF_INET6,
        id="ipv6",
        marks=pytest.mark.skipif(not has_ipv6(), reason="no IPv6 loopback"),
    ),
]


@pytest.mark.parametrize(("host", "family"), LOOPBACKS)
async def test_unconnected_round_trip(host: str, family: int) -> None:
    async with (
        await open_udp_socket((host, 0)) as server,
        await open_udp_socket((host, 0)) as client,
    ):
        assert server.family == client.family == family
        assert server.remote_address is None
        port = server.local_address[1]
        assert port != 0
        with assert_checkpoints():
            await client.send(b"hello", (host, port))
        data, address = await server.receive()
        assert data == b"hello"
        assert address[:2] == client.local_address[:2]
        await server.send(b"world", address)
        assert (await client.receive())[0] == b"world"
        # Empty datagrams exist, and are not an end of anything.
        await client.send(b"", (host, port))
        assert (await server.receive())[0] == b""
        assert "UDPSocket on" in repr(server)


@pytest.mark.parametrize(("host", "family"), LOOPBACKS)
async def test_connected(host: str, family: int) -> None:
    async with await open_udp_socket((host, 0)) as server:
        port = server.local_address[1]
        async with await open_udp_socket(remote_address=(host, port)) as client:
            assert client.family == family
            assert client.remote_address is not None
            assert client.remote_address[:2] == (host, port)
            assert "connected to" in repr(client)
            await client.send(memoryview(b"ping"))
            data, address = await server.receive()
            assert data == b"ping"
            await server.send(b"pong", address)
            data, peer = await client.receive()
            assert (data, peer[:2]) == (b"pong", (host, port))
            # A connected socket hears only its peer.
            async with await open_udp_socket((host, 0)) as stranger:
                await stranger.send(b"noise", client.local_address)
                await server.send(b"real", address)
                assert (await client.receive())[0] == b"real"
            with pytest.raises(ValueError, match="is connected to"):
                await client.send(b"x", (host, port))


async def test_connected_to_a_closed_port_reports_refusal() -> None:
    with stdlib_socket.socket(stdlib_socket.AF_INET, stdlib_socket.SOCK_DGRAM) as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    # Nobody listens on that port now: the kernel answers "port unreachable".
    async with await open_udp_socket(remote_address=("127.0.0.1", port)) as client:
        await client.send(b"anyone?")
        with pytest.raises(ConnectionRefusedError):
            with trio_core.fail_after(5):
                await client.receive()
        # ... and the socket is still usable.
        await client.send(b"again")


async def test_host_names_are_resolved() -> None:
    async with await open_udp_socket(("127.0.0.1", 0)) as server:
        port = server.local_address[1]
        async with await open_udp_socket(family=stdlib_socket.AF_INET) as client:
            await client.send(b"by name", ("localhost", port))
            assert (await server.receive())[0] == b"by name"
        async with await open_udp_socket(
            ("localhost", 0), ("localhost", port), family=stdlib_socket.AF_INET
        ) as client:
            await client.send(b"connected by name")
            assert (await server.receive())[0] == b"connected by name"


async def test_family_follows_the_addresses() -> None:
    async with await open_udp_socket() as sock:
        assert sock.family == stdlib_socket.AF_INET
        assert sock.local_address[1] != 0  # bound to a free port, ready to receive
    async with await open_udp_socket(("127.0.0.1", 0)) as server:
        async with await open_udp_socket(
            remote_address=("127.0.0.1", server.local_address[1])
        ) as client:
            assert client.family == stdlib_socket.AF_INET


async def test_the_largest_datagram_arrives_whole_and_too_large_is_refused() -> None:
    async with (
        await open_udp_socket(("127.0.0.1", 0)) as server,
        await open_udp_socket(("127.0.0.1", 0)) as client,
    ):
        for option in (stdlib_socket.SO_RCVBUF, stdlib_socket.SO_SNDBUF):
            server.socket.setsockopt(stdlib_socket.SOL_SOCKET, option, 1 << 20)
            client.socket.setsockopt(stdlib_socket.SOL_SOCKET, option, 1 << 20)
        big = bytes(range(256)) * 255 + b"x" * 227  # 65,507 bytes: IPv4's largest
        assert len(big) == 65507 < MAX_DATAGRAM_SIZE
        await client.send(big, server.local_address)
        assert (await server.receive())[0] == big
        with pytest.raises(OSError, match="a datagram of 65508 bytes is too large") as info:
            await client.send(big + b"!", server.local_address)
        assert info.value.errno == errno.EMSGSIZE


async def test_async_for_and_close_ends_it() -> None:
    async with await open_udp_socket(("127.0.0.1", 0)) as client:
        server = await open_udp_socket(("127.0.0.1", 0))
        got: list[bytes] = []

        async def collect() -> None:
            with pytest.raises(trio_core.ClosedResourceError):
                async for data, _address in server:
                    got.append(data)
                    if len(got) == 3:
                        server.forceful_close()

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(collect)
            for word in (b"a", b"b", b"c"):
                await client.send(word, server.local_address)
        assert got == [b"a", b"b", b"c"]
        assert "closed" in repr(server)


async def test_closed_socket() -> None:
    sock = await open_udp_socket(("127.0.0.1", 0))
    address = sock.local_address
    async with trio_core.open_nursery() as nursery:

        async def blocked() -> None:
            with pytest.raises(trio_core.ClosedResourceError):
                await sock.receive()

        nursery.start_soon(blocked)
        await wait_all_tasks_blocked()
        sock.forceful_close()
    sock.forceful_close()
    await sock.graceful_close()
    with pytest.raises(trio_core.ClosedResourceError):
        await sock.send(b"x", address)
    with pytest.raises(trio_core.ClosedResourceError):
        await sock.receive()
    with pytest.raises(trio_core.ClosedResourceError):
        _ = sock.local_address


async def test_one_receiver_many_senders() -> None:
    async with (
        await open_udp_socket(("127.0.0.1", 0)) as server,
        await open_udp_socket(("127.0.0.1", 0)) as client,
    ):
        async with trio_core.open_nursery() as nursery:

            async def receiver() -> None:
                await server.receive()

            nursery.start_soon(receiver)
            await wait_all_tasks_blocked()
            with pytest.raises(trio_core.BusyResourceError, match="one task"):
                await server.receive()
            # Sends from several tasks at once are fine.
            for _ in range(3):
                nursery.start_soon(client.send, b"x", server.local_address)
        for _ in range(2):
            assert (await server.receive())[0] == b"x"


async def test_cancelled_receive_loses_nothing() -> None:
    async with (
        await open_udp_socket(("127.0.0.1", 0)) as server,
        await open_udp_socket(("127.0.0.1", 0)) as client,
    ):
        with trio_core.move_on_after(0.01) as scope:
            await server.receive()
        assert scope.cancelled_caught
        await client.send(b"after", server.local_address)
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await server.receive()  # cancelled before it takes the datagram
        assert (await server.receive())[0] == b"after"


async def test_bad_input() -> None:
    with pytest.raises(TypeError, match=r"must be a \(host, port\) tuple"):
        await open_udp_socket("127.0.0.1:53")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="port must be an int"):
        await open_udp_socket(("127.0.0.1", "53"))
    with pytest.raises(TypeError, match="host must be a str"):
        await open_udp_socket((b"127.0.0.1", 0))
    with pytest.raises(ValueError, match="from 1 to 65535, got 0"):
        await open_udp_socket(remote_address=("127.0.0.1", 0))
    with pytest.raises(ValueError, match="from 0 to 65535, got 70000"):
        await open_udp_socket(("127.0.0.1", 70000))
    with pytest.raises(ValueError, match=r"AF_INET or socket\.AF_INET6"):
        await open_udp_socket(family=stdlib_socket.AF_UNIX)
    with pytest.raises(stdlib_socket.gaierror, match="resolving"):  # no DNS involved
        await open_udp_socket(remote_address=("::1", 53), family=stdlib_socket.AF_INET)
    async with await open_udp_socket(("127.0.0.1", 0)) as taken:
        with pytest.raises(OSError) as info:
            await open_udp_socket(taken.local_address)
        assert info.value.errno == errno.EADDRINUSE
    async with await open_udp_socket(("127.0.0.1", 0)) as sock:
        with pytest.raises(ValueError, match="is not connected: pass the destination"):
            await sock.send(b"x")
        with pytest.raises(TypeError, match="encode text first"):
            await sock.send("text", sock.local_address)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="from 1 to 65535"):
            await sock.send(b"x", ("127.0.0.1", 0))
        with pytest.raises(TypeError, match="tuple"):
            await sock.send(b"x", "127.0.0.1")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="destination host is empty"):
            await sock.send(b"x", ("", 53))
    with pytest.raises(ValueError, match="destination host is empty"):
        await open_udp_socket(remote_address=(None, 53))
    for bad, error in ((0, ValueError), (1.5, TypeError)):
        with pytest.raises(error, match="max_handlers"):
            await serve_udp(
                lambda *_: trio_core.sleep(0),
                ("127.0.0.1", 0),
                max_handlers=bad,  # type: ignore[arg-type]
            )


async def test_serve_udp_replies_and_stops_cleanly() -> None:
    seen: list[bytes] = []

    async def handler(sock: UDPSocket, data: bytes, address: tuple[object, ...]) -> None:
        seen.append(data)
        await sock.send(data.upper(), address)

    async with trio_core.open_nursery() as nursery:
        server = await nursery.start(serve_udp, handler, ("127.0.0.1", 0))
        assert isinstance(server, UDPSocket)
        async with await open_udp_socket(remote_address=server.local_address) as client:
            for word in (b"one", b"two", b"three"):
                await client.send(word)
                assert (await client.receive())[0] == word.upper()
        nursery.cancel_scope.cancel()
    assert seen == [b"one", b"two", b"three"]
    with pytest.raises(trio_core.ClosedResourceError):
        await server.receive()


async def test_serve_udp_limits_concurrent_handlers() -> None:
    running = 0
    most = 0
    release = trio_core.Event()
    done = 0

    async def handler(sock: UDPSocket, data: bytes, address: tuple[object, ...]) -> None:
        nonlocal running, most, done
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1
        done += 1

    async with trio_core.open_nursery() as nursery:
        server = await nursery.start(
            functools.partial(serve_udp, handler, ("127.0.0.1", 0), max_handlers=2)
        )
        async with await open_udp_socket(remote_address=server.local_address) as client:
            for _ in range(5):
                await client.send(b"job")
            await wait_all_tasks_blocked()
            assert most == running == 2  # three datagrams wait in the kernel
            release.set()
            while done < 5:
                await wait_all_tasks_blocked()
        assert most == 2
        nursery.cancel_scope.cancel()


async def test_serve_udp_handler_error_stops_the_server() -> None:
    async def handler(sock: UDPSocket, data: bytes, address: tuple[object, ...]) -> None:
        raise RuntimeError(f"bad datagram {data!r}")

    with pytest.RaisesGroup(
        pytest.RaisesExc(RuntimeError, match="bad datagram b.boom."), flatten_subgroups=True
    ):
        async with trio_core.open_nursery() as nursery:
            server = await nursery.start(serve_udp, handler, ("127.0.0.1", 0))
            async with await open_udp_socket(remote_address=server.local_address) as client:
                await client.send(b"boom")
                await trio_core.sleep_forever()


async def test_family_from_host_names() -> None:
    loopbacks = {"127.0.0.1", "::1"}
    async with await open_udp_socket(("localhost", 0)) as local:
        assert local.local_address[0] in loopbacks
    async with await open_udp_socket(remote_address=("localhost", 9)) as client:
        assert client.remote_address is not None
        assert client.remote_address[0] in loopbacks
        expected = stdlib_socket.AF_INET if ":" not in client.remote_address[0] else None
        assert client.family == (expected or stdlib_socket.AF_INET6)
