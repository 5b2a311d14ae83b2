"""I/O readiness waiting: the same tests against every I/O manager available here.

The ``io_manager`` fixture forces the manager through ``TRIO_CORE_IO_MANAGER``
(read when ``run()`` starts), so each test runs once with epoll and once with
the portable poll fallback.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
from collections.abc import Iterator

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.testing import wait_all_tasks_blocked

MANAGERS = [name for name in ("epoll", "kqueue", "poll") if hasattr(select, name)]


@pytest.fixture(params=MANAGERS)
def io_manager(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name: str = request.param
    monkeypatch.setenv("TRIO_CORE_IO_MANAGER", name)
    return name


@contextlib.contextmanager
def socketpair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    try:
        a.setblocking(False)
        b.setblocking(False)
        yield a, b
    finally:
        a.close()
        b.close()


def fill(sock: socket.socket) -> int:
    """Write into ``sock`` until its buffer is full; return how much was written."""
    assert not sock.getblocking()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    total = 0
    chunk = b"x" * 65536
    while True:
        try:
            total += sock.send(chunk)
        except BlockingIOError:
            return total


def drain(sock: socket.socket) -> int:
    total = 0
    while True:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return total
        if not data:
            return total
        total += len(data)


# ---------------------------------------------------------------- the manager in use


async def test_the_forced_manager_is_in_use(io_manager: str) -> None:
    assert lowlevel.current_statistics().io_statistics.backend == io_manager


def test_an_invalid_manager_name_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> None:
        pass  # pragma: no cover

    monkeypatch.setenv("TRIO_CORE_IO_MANAGER", "select-please")
    with pytest.raises(RuntimeError) as info:
        trio_core.run(main)
    message = str(info.value)
    assert "select-please" in message
    assert "TRIO_CORE_IO_MANAGER" in message
    assert "poll" in message  # names the valid choices
    # Nothing was left half-set-up: the next run works.
    monkeypatch.delenv("TRIO_CORE_IO_MANAGER")

    async def ok() -> int:
        await trio_core.sleep(0)
        return 1

    assert trio_core.run(ok) == 1


@pytest.mark.skipif(hasattr(select, "kqueue"), reason="kqueue exists here")
def test_an_unavailable_manager_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> None:
        pass  # pragma: no cover

    monkeypatch.setenv("TRIO_CORE_IO_MANAGER", "kqueue")
    with pytest.raises(RuntimeError, match="not available"):
        trio_core.run(main)


def test_the_manager_name_is_case_and_space_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> str:
        return lowlevel.current_statistics().io_statistics.backend

    monkeypatch.setenv("TRIO_CORE_IO_MANAGER", " POLL ")
    assert trio_core.run(main) == "poll"
    monkeypatch.setenv("TRIO_CORE_IO_MANAGER", "")
    assert trio_core.run(main) in ("epoll", "kqueue", "poll")


# ---------------------------------------------------------------- readiness


async def test_wait_readable_blocks_until_data_arrives(io_manager: str) -> None:
    log: list[str] = []
    with socketpair() as (a, b):

        async def reader() -> None:
            await lowlevel.wait_readable(a)
            log.append(a.recv(10).decode())

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(reader)
            await wait_all_tasks_blocked()
            assert log == []
            b.send(b"hello")
        assert log == ["hello"]


async def test_wait_readable_accepts_an_int_fd(io_manager: str) -> None:
    with socketpair() as (a, b):
        b.send(b"x")
        await lowlevel.wait_readable(a.fileno())
        assert a.recv(1) == b"x"


async def test_wait_writable_returns_for_a_writable_socket(io_manager: str) -> None:
    with socketpair() as (a, _b):
        await lowlevel.wait_writable(a)
        await lowlevel.wait_writable(a.fileno())


async def test_wait_writable_blocks_until_the_peer_drains(io_manager: str) -> None:
    log: list[str] = []
    with socketpair() as (a, b):
        fill(a)

        async def writer() -> None:
            await lowlevel.wait_writable(a)
            log.append("writable")

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(writer)
            await wait_all_tasks_blocked()
            assert log == []
            drain(b)
        assert log == ["writable"]


async def test_wait_readable_on_an_already_readable_socket_still_yields(io_manager: str) -> None:
    with socketpair() as (a, b):
        b.send(b"x")
        with trio_core.testing.assert_checkpoints():
            await lowlevel.wait_readable(a)


async def test_eof_from_the_peer_makes_the_socket_readable(io_manager: str) -> None:
    a, b = socket.socketpair()
    with a:
        a.setblocking(False)

        async def close_peer() -> None:
            await wait_all_tasks_blocked()
            b.close()

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(close_peer)
            await lowlevel.wait_readable(a)
        assert a.recv(1) == b""


async def test_a_reader_and_a_writer_on_one_socket_are_independent(io_manager: str) -> None:
    log: list[str] = []
    with socketpair() as (a, b):

        async def reader() -> None:
            await lowlevel.wait_readable(a)
            log.append("readable")

        async def writer() -> None:
            await lowlevel.wait_writable(a)
            log.append("writable")

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(reader)
            nursery.start_soon(writer)
            await wait_all_tasks_blocked()
            assert log == ["writable"]  # the reader still waits
            b.send(b"x")
        assert log == ["writable", "readable"]


async def test_a_reader_and_a_blocked_writer_on_one_socket(io_manager: str) -> None:
    log: list[str] = []
    with socketpair() as (a, b):
        fill(a)

        async def reader() -> None:
            await lowlevel.wait_readable(a)
            log.append("readable")

        async def writer() -> None:
            await lowlevel.wait_writable(a)
            log.append("writable")

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(reader)
            nursery.start_soon(writer)
            await wait_all_tasks_blocked()
            assert log == []
            b.send(b"x")
            await wait_all_tasks_blocked()
            assert log == ["readable"]
            drain(b)
        assert log == ["readable", "writable"]


async def test_waiting_again_after_a_wakeup_works(io_manager: str) -> None:
    with socketpair() as (a, b):
        for i in range(5):

            async def send_later(data: bytes) -> None:
                await wait_all_tasks_blocked()
                b.send(data)

            async with trio_core.open_nursery() as nursery:
                nursery.start_soon(send_later, bytes([i]))
                await lowlevel.wait_readable(a)
            assert a.recv(1) == bytes([i])


async def test_many_sockets_at_once(io_manager: str) -> None:
    pairs = [socket.socketpair() for _ in range(40)]
    woke: list[int] = []
    try:

        async def reader(i: int, sock: socket.socket) -> None:
            await lowlevel.wait_readable(sock)
            assert sock.recv(10) == str(i).encode()
            woke.append(i)

        async with trio_core.open_nursery() as nursery:
            for i, (a, _) in enumerate(pairs):
                nursery.start_soon(reader, i, a)
            await wait_all_tasks_blocked()
            stats = lowlevel.current_statistics().io_statistics
            assert stats.tasks_waiting_read >= len(pairs)
            for i, (_, b) in reversed(list(enumerate(pairs))):
                b.send(str(i).encode())
        assert sorted(woke) == list(range(len(pairs)))
    finally:
        for a, b in pairs:
            a.close()
            b.close()


async def test_io_statistics_count_waiters(io_manager: str) -> None:
    with socketpair() as (a, _b):
        base = lowlevel.current_statistics().io_statistics
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(lowlevel.wait_readable, a)
            await wait_all_tasks_blocked()
            stats = lowlevel.current_statistics().io_statistics
            assert stats.tasks_waiting_read == base.tasks_waiting_read + 1
            assert stats.tasks_waiting_write == base.tasks_waiting_write
            nursery.cancel_scope.cancel()
        stats = lowlevel.current_statistics().io_statistics
        assert stats.tasks_waiting_read == base.tasks_waiting_read


# ---------------------------------------------------------------- busy, closing, bad input


async def test_two_readers_on_one_socket_is_a_busyresourceerror(io_manager: str) -> None:
    with socketpair() as (a, b):
        woke: list[str] = []

        async def first() -> None:
            await lowlevel.wait_readable(a)
            woke.append("first")

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(first)
            await wait_all_tasks_blocked()
            with pytest.raises(trio_core.BusyResourceError, match="read"):
                await lowlevel.wait_readable(a)
            with pytest.raises(trio_core.BusyResourceError):
                await lowlevel.wait_readable(a.fileno())
            # The first waiter is unharmed.
            b.send(b"x")
        assert woke == ["first"]


async def test_two_writers_on_one_socket_is_a_busyresourceerror(io_manager: str) -> None:
    with socketpair() as (a, b):
        fill(a)
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(lowlevel.wait_writable, a)
            await wait_all_tasks_blocked()
            with pytest.raises(trio_core.BusyResourceError, match="write"):
                await lowlevel.wait_writable(a)
            drain(b)


async def test_notify_closing_wakes_waiters_with_closedresourceerror(io_manager: str) -> None:
    a, b = socket.socketpair()
    try:
        a.setblocking(False)
        fill(a)
        errors: list[BaseException] = []

        async def wait(fn: object) -> None:
            try:
                await fn(a)  # type: ignore[operator]
            except trio_core.ClosedResourceError as exc:
                errors.append(exc)

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(wait, lowlevel.wait_readable)
            nursery.start_soon(wait, lowlevel.wait_writable)
            await wait_all_tasks_blocked()
            lowlevel.notify_closing(a)
            a.close()
        assert len(errors) == 2
        stats = lowlevel.current_statistics().io_statistics
        assert (stats.tasks_waiting_read, stats.tasks_waiting_write) == (1, 0)  # wakeup fd only
    finally:
        a.close()
        b.close()


async def test_notify_closing_without_waiters_is_harmless(io_manager: str) -> None:
    with socketpair() as (a, b):
        lowlevel.notify_closing(a)
        lowlevel.notify_closing(a.fileno())
        b.send(b"x")
        await lowlevel.wait_readable(a)  # the fd can still be waited on afterwards


async def test_a_reused_fd_number_works_after_notify_closing(io_manager: str) -> None:
    a, b = socket.socketpair()
    errors: list[BaseException] = []

    async def waiter() -> None:
        try:
            await lowlevel.wait_readable(a)
        except trio_core.ClosedResourceError as exc:
            errors.append(exc)

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waiter)
        await wait_all_tasks_blocked()
        lowlevel.notify_closing(a)
        a.close()
        b.close()
    assert len(errors) == 1

    # The new socket very likely reuses the old number; either way it must work.
    with socketpair() as (c, d):
        d.send(b"y")
        with trio_core.fail_after(10):
            await lowlevel.wait_readable(c)
        assert c.recv(1) == b"y"


async def test_a_reused_fd_number_works_after_a_cancelled_wait(io_manager: str) -> None:
    # A cancelled waiter leaves the fd registered; the socket is then closed
    # WITHOUT notify_closing and a new one may get the same number.
    for _ in range(3):
        a, b = socket.socketpair()
        with trio_core.move_on_after(0) as scope:
            await lowlevel.wait_readable(a)
        assert scope.cancelled_caught
        a.close()
        b.close()
        with socketpair() as (c, d):
            async with trio_core.open_nursery() as nursery:

                async def send() -> None:
                    await wait_all_tasks_blocked()
                    d.send(b"z")

                nursery.start_soon(send)
                with trio_core.fail_after(10):
                    await lowlevel.wait_readable(c)
            assert c.recv(1) == b"z"


async def test_waiting_on_a_closed_socket_object_is_closedresourceerror(io_manager: str) -> None:
    a, b = socket.socketpair()
    a.close()
    b.close()
    with pytest.raises(trio_core.ClosedResourceError):
        await lowlevel.wait_readable(a)
    with pytest.raises(trio_core.ClosedResourceError):
        await lowlevel.wait_writable(a)


async def test_waiting_on_bad_fds_is_a_clear_error(io_manager: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        await lowlevel.wait_readable(-1)
    with pytest.raises(TypeError, match="fileno"):
        await lowlevel.wait_readable("not a socket")
    with pytest.raises(TypeError, match="fileno"):
        lowlevel.notify_closing(object())


async def test_waiting_on_a_pipe(io_manager: str) -> None:
    r, w = os.pipe()
    try:
        log: list[bytes] = []

        async def reader() -> None:
            await lowlevel.wait_readable(r)
            log.append(os.read(r, 1))

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(reader)
            await wait_all_tasks_blocked()
            assert log == []
            os.write(w, b"x")
        assert log == [b"x"]
        await lowlevel.wait_writable(w)
    finally:
        os.close(r)
        os.close(w)


async def test_waiting_on_a_regular_file_fails_cleanly_or_returns(
    io_manager: str, tmp_path: pytest.TempPathFactory
) -> None:
    # epoll refuses regular files (EPERM); poll reports them always ready.
    # Either way the run survives and nothing stays registered as waiting.
    path = os.path.join(str(tmp_path), "file")
    with open(path, "wb") as f:
        f.write(b"data")
    with open(path, "rb") as f:
        for _ in range(2):  # twice: no BusyResourceError left behind by the first
            with contextlib.suppress(OSError):
                await lowlevel.wait_readable(f)
    stats = lowlevel.current_statistics().io_statistics
    assert stats.tasks_waiting_read == 1  # only the run's own wakeup fd


# ---------------------------------------------------------------- cancellation


async def test_cancelling_a_reader_frees_the_fd_for_another_reader(io_manager: str) -> None:
    with socketpair() as (a, b):
        async with trio_core.open_nursery() as nursery:
            with trio_core.CancelScope() as scope:

                async def cancel_soon() -> None:
                    await wait_all_tasks_blocked()
                    scope.cancel()

                nursery.start_soon(cancel_soon)
                await lowlevel.wait_readable(a)
            assert scope.cancelled_caught

        # No BusyResourceError now, and the new waiter does wake.
        async with trio_core.open_nursery() as nursery:

            async def send() -> None:
                await wait_all_tasks_blocked()
                b.send(b"x")

            nursery.start_soon(send)
            await lowlevel.wait_readable(a)
        assert a.recv(1) == b"x"


async def test_waiting_in_a_cancelled_scope_raises_cancelled_even_if_ready(
    io_manager: str,
) -> None:
    with socketpair() as (a, b):
        b.send(b"x")
        for fn in (lowlevel.wait_readable, lowlevel.wait_writable):
            with trio_core.CancelScope() as scope:
                scope.cancel()
                await fn(a)
            assert scope.cancelled_caught
        # And nothing is left behind: both directions can be waited on again.
        await lowlevel.wait_readable(a)
        await lowlevel.wait_writable(a)


async def test_cancelled_reader_does_not_steal_a_later_wakeup(io_manager: str) -> None:
    with socketpair() as (a, b):
        with trio_core.move_on_after(0):
            await lowlevel.wait_readable(a)
        # Data arrives while nobody waits: the stale registration must not break
        # the next waiter, which must see the readiness at once.
        b.send(b"x")
        await lowlevel.checkpoint()
        await lowlevel.checkpoint()
        with trio_core.fail_after(10):
            await lowlevel.wait_readable(a)
        assert a.recv(1) == b"x"


async def test_a_timeout_on_an_io_wait(io_manager: str, autojump_clock: object) -> None:
    with socketpair() as (a, _b):
        with trio_core.move_on_after(30) as scope:
            await lowlevel.wait_readable(a)
        assert scope.cancelled_caught
        assert trio_core.current_time() >= 30


# ---------------------------------------------------------------- registrations kept between waits
#
# The managers keep an fd registered after it woke its waiter (the next wait
# is then free).  What must hold all the same: readiness nobody waits for
# does not make the loop spin, a reused fd number is always watched, and a
# registration that outlived its fd number (a dup keeps the file open) is
# got rid of.


class _CountIOWaits(trio_core.abc.Instrument):
    def __init__(self) -> None:
        self.count = 0

    def before_io_wait(self, timeout: float) -> None:
        self.count += 1


async def _io_waits_during(seconds: float) -> int:
    """How many times the loop asks for I/O events while this task sleeps."""
    counter = _CountIOWaits()
    lowlevel.add_instrument(counter)
    try:
        await trio_core.sleep(seconds)
    finally:
        lowlevel.remove_instrument(counter)
    return counter.count


async def test_readiness_nobody_waits_for_does_not_spin_the_loop(io_manager: str) -> None:
    with socketpair() as (a, b):
        b.send(b"x")
        await lowlevel.wait_readable(a)
        # Still readable, and nobody waits: at most one more report, then quiet.
        assert await _io_waits_during(0.05) < 10
        await lowlevel.wait_readable(a)  # and a new wait still sees it
        assert a.recv(1) == b"x"


async def test_a_hung_up_socket_nobody_waits_on_does_not_spin_the_loop(io_manager: str) -> None:
    with socketpair() as (a, b):
        b.send(b"x")
        await lowlevel.wait_readable(a)
        b.close()
        assert await _io_waits_during(0.05) < 10


async def test_a_writable_socket_nobody_waits_on_does_not_spin_the_loop(io_manager: str) -> None:
    with socketpair() as (a, _b):
        await lowlevel.wait_writable(a)
        assert await _io_waits_during(0.05) < 10


async def test_waiting_twice_on_one_socket_object_blocks_until_new_data(io_manager: str) -> None:
    with socketpair() as (a, b):
        b.send(b"1")
        await lowlevel.wait_readable(a)
        assert a.recv(1) == b"1"
        got: list[bytes] = []

        async def reader() -> None:
            await lowlevel.wait_readable(a)
            got.append(a.recv(1))

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(reader)
            await wait_all_tasks_blocked()
            assert got == []  # the registration kept from the first wait wakes nobody early
            b.send(b"2")
        assert got == [b"2"]


async def test_a_reused_fd_number_works_after_a_completed_wait(io_manager: str) -> None:
    # The socket is closed WITHOUT notify_closing after a wait that completed
    # (its registration was kept), and a new socket may get the same number.
    for _ in range(3):
        a, b = socket.socketpair()
        b.send(b"x")
        await lowlevel.wait_readable(a)
        a.close()
        b.close()
        with socketpair() as (c, d):
            async with trio_core.open_nursery() as nursery:

                async def send() -> None:
                    await wait_all_tasks_blocked()
                    d.send(b"z")

                nursery.start_soon(send)
                with trio_core.fail_after(10):
                    await lowlevel.wait_readable(c)
            assert c.recv(1) == b"z"


async def test_an_int_fd_and_its_socket_object_mix(io_manager: str) -> None:
    with socketpair() as (a, b):
        b.send(b"1")
        await lowlevel.wait_readable(a)
        assert a.recv(1) == b"1"
        b.send(b"2")
        await lowlevel.wait_readable(a.fileno())
        assert a.recv(1) == b"2"
        b.send(b"3")
        await lowlevel.wait_readable(a)
        assert a.recv(1) == b"3"


async def test_a_registration_that_outlived_its_fd_number_is_got_rid_of(io_manager: str) -> None:
    # A dup keeps the file open after the original fd is closed without
    # notify_closing; the file stays readable, and its number is reused.
    a, b = socket.socketpair()
    a.setblocking(False)
    twin = a.dup()
    try:
        b.send(b"x")
        await lowlevel.wait_readable(a)  # registered, for `a`
        a.close()  # no notify_closing: the epoll registration stays with the file
        with socketpair() as (c, d):
            # The loop does not spin on the readable, unreachable registration.
            assert await _io_waits_during(0.05) < 10
            # ... and the reused number (if it is) is watched for the new file.
            async with trio_core.open_nursery() as nursery:

                async def send() -> None:
                    await wait_all_tasks_blocked()
                    d.send(b"z")

                nursery.start_soon(send)
                with trio_core.fail_after(10):
                    await lowlevel.wait_readable(c)
            assert c.recv(1) == b"z"
    finally:
        a.close()
        twin.close()
        b.close()


async def test_io_is_noticed_within_a_few_turns_while_tasks_keep_running(
    io_manager: str,
) -> None:
    # While tasks are runnable, a look for I/O that found nothing is skipped
    # for a few turns; I/O that becomes ready meanwhile is seen soon after.
    from trio_core._io_common import SKIPPED_IDLE_POLLS

    with socketpair() as (a, b):
        turns_after_send: list[int] = []
        sent = trio_core.Event()

        async def reader() -> None:
            await lowlevel.wait_readable(a)
            turns_after_send.append(spins[0])

        spins = [0]

        async def spinner() -> None:
            while not turns_after_send:
                if sent.is_set():
                    spins[0] += 1
                await lowlevel.checkpoint()

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(reader)
            await wait_all_tasks_blocked()
            nursery.start_soon(spinner)
            for _ in range(20):  # a busy phase whose looks for I/O find nothing
                await lowlevel.checkpoint()
            b.send(b"x")
            sent.set()
        assert turns_after_send and turns_after_send[0] <= SKIPPED_IDLE_POLLS + 2
