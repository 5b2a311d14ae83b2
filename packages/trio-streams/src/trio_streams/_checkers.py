"""Conformance checkers: run the rules of :mod:`trio_streams.abc` against any stream."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import trio_core

from ._stapled import StapledStream, aclose_forcefully
from .abc import HalfCloseableStream, RecvStream, SendStream, Stream, _is_placeholder

__all__ = ["check_one_way_stream", "check_two_way_stream", "check_half_closeable_stream"]

# The hook rule: from trio-core, import only `trio_core` and `trio_core.lowlevel`.
assert_checkpoints = trio_core.testing.assert_checkpoints
wait_all_tasks_blocked = trio_core.testing.wait_all_tasks_blocked

SendT = TypeVar("SendT", bound=SendStream)
RecvT = TypeVar("RecvT", bound=RecvStream)

OneWayStreamMaker = Callable[[], Awaitable[tuple[SendStream, RecvStream]]]
TwoWayStreamMaker = Callable[[], Awaitable[tuple[Stream, Stream]]]
HalfCloseableStreamMaker = Callable[[], Awaitable[tuple[HalfCloseableStream, HalfCloseableStream]]]

# A cancelled sendall's payload and the marker sent after it; the checker
# counts the payload bytes that arrive just before the marker.
_PAYLOAD_BYTE = 0xA5
_MARKER = b"\x5a\x5b\x5c"
# How many sends a sender may need before it notices that its peer is gone
# (a TCP peer answers the first send with a reset, the next one then fails).
_SENDS_UNTIL_BROKEN = 1000


# Streams fail with the core's exception; this library's streams raise its
# subclass BrokenStreamError, streams written for modern Trio the class itself.
_Broken = trio_core.BrokenResourceError


def _has_own(stream: object, name: str) -> bool:
    """Whether ``stream``'s class implements ``name`` (under either of its names),
    rather than taking the ABC's default (``send_eof``, ``wait_maybe_writable``)."""
    return not _is_placeholder(getattr(type(stream), name, None))


def _written_for_modern_trio(stream: SendStream) -> bool:
    """Whether ``stream``'s sending is implemented under modern Trio's name, whose
    rules do not include "a cancelled send_all breaks the stream"."""
    while isinstance(stream, StapledStream):
        stream = stream.send_stream
    return getattr(getattr(type(stream), "sendall", None), "__name__", "") == "send_all"


async def _close_forcefully(resource: SendStream | RecvStream) -> None:
    """The seed's ``forceful_close()`` where the class has one; else (a class
    written for modern Trio, with only ``aclose``) ``aclose_forcefully``."""
    try:
        resource.forceful_close()
    except NotImplementedError:
        await aclose_forcefully(resource)


class _CheckFailed(AssertionError):
    """A rule was broken (the message names the checker and the step)."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(inner) for inner in exc.exceptions)
    if isinstance(exc, _CheckFailed):
        return str(exc)
    return repr(exc)


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


class _Checker:
    """Names the check in every failure message."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.step = ""

    def fail(self, message: str) -> _CheckFailed:
        return _CheckFailed(f"{self.name}: {self.step}: {message}")

    async def run(self, step: Callable[..., Awaitable[None]], *args: Any) -> None:
        """Run one group of checks; turn whatever goes wrong into one AssertionError."""
        try:
            await step(self, *args)
        except _CheckFailed:
            raise
        except Exception as exc:
            failed = [e for e in _leaves(exc) if isinstance(e, _CheckFailed)]
            if failed:
                raise failed[0] from exc
            raise self.fail(f"unexpected {_describe(exc)}") from exc

    @contextmanager
    def raises(self, *expected: type[BaseException]) -> Iterator[None]:
        names = " or ".join(e.__name__ for e in expected)
        try:
            yield
        except expected:
            return
        except _CheckFailed:
            raise
        except Exception as exc:
            raise self.fail(f"expected {names}, got {exc!r}") from exc
        raise self.fail(f"expected {names}, but nothing was raised")


@asynccontextmanager
async def _made(
    maker: Callable[[], Awaitable[tuple[SendT, RecvT]]],
) -> AsyncIterator[tuple[SendT, RecvT]]:
    s, r = await maker()
    try:
        yield s, r
    finally:
        try:
            await _close_forcefully(s)
        finally:
            await _close_forcefully(r)


async def _recv_exactly(check: _Checker, r: RecvStream, count: int) -> bytes:
    got = bytearray()
    while len(got) < count:
        chunk = await r.recv(count - len(got))
        if not chunk:
            raise check.fail(f"recv returned b'' (end of stream) after {len(got)} of {count} bytes")
        if len(chunk) > count - len(got):
            raise check.fail(f"recv({count - len(got)}) returned {len(chunk)} bytes")
        got += chunk
    return bytes(got)


async def _recv_to_eof(check: _Checker, r: RecvStream, into: bytearray) -> None:
    while True:
        chunk = await r.recv(65536)
        if not chunk:
            return
        if len(chunk) > 65536:
            raise check.fail(f"recv(65536) returned {len(chunk)} bytes")
        into += chunk


async def _exchange(check: _Checker, s: SendStream, r: RecvStream, data: bytes) -> None:
    """Send ``data`` from ``s`` and receive it on ``r`` concurrently (this also
    completes any handshake the streams need)."""
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(s.sendall, data)
        got = await _recv_exactly(check, r, len(data))
    if got != data:
        raise check.fail(f"sent {data!r}, received {got!r}")


async def _expect_eventually_broken(check: _Checker, s: SendStream) -> None:
    for _ in range(_SENDS_UNTIL_BROKEN):
        try:
            await s.sendall(b"x" * 1024)
        except _Broken:
            return
        except Exception as exc:
            raise check.fail(f"expected BrokenResourceError, got {exc!r}") from exc
    raise check.fail(
        f"sendall kept succeeding ({_SENDS_UNTIL_BROKEN} times) after the peer was closed; "
        "expected BrokenResourceError"
    )


async def _expect_closed_send(check: _Checker, s: SendStream) -> None:
    with check.raises(trio_core.ClosedResourceError):
        await s.sendall(b"x")
    with check.raises(trio_core.ClosedResourceError):
        await s.sendall(b"")
    # (A class that leaves these to the ABC's defaults cannot tell.)
    if _has_own(s, "wait_maybe_writable"):
        with check.raises(trio_core.ClosedResourceError):
            await s.wait_maybe_writable()
    if _has_own(s, "send_eof"):
        with check.raises(trio_core.ClosedResourceError):
            await s.send_eof()


# ---------------------------------------------------------------- one-way checks


async def _one_way_basics(check: _Checker, maker: OneWayStreamMaker) -> None:
    check.step = "types and small transfers"
    async with _made(maker) as (s, r):
        if not isinstance(s, SendStream) or not isinstance(r, RecvStream):
            raise check.fail(f"the maker returned {s!r}, {r!r}: not a SendStream and a RecvStream")

        async def sender() -> None:
            await s.sendall(b"x")
            await s.sendall(bytearray(b"yz"))
            await s.sendall(memoryview(b"0123456789")[2:5])
            await s.sendall(b"")

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(sender)
            got = await _recv_exactly(check, r, 6)
        if got != b"xyz234":
            raise check.fail(f"sent b'xyz234' (bytes, bytearray, memoryview), received {got!r}")

        check.step = "recv(max_bytes) returns at most max_bytes"
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(s.sendall, b"abc")
            first = await r.recv(1)
            if len(first) != 1:
                raise check.fail(f"recv(1) returned {first!r}")
            rest = await _recv_exactly(check, r, 2)
        if first + rest != b"abc":
            raise check.fail(f"sent b'abc', received {first + rest!r}")

        check.step = "recv(max_bytes) with max_bytes < 1, or not an int"
        # With data waiting, so that an implementation that accepts 0 returns
        # instead of blocking.
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(s.sendall, b"z")
            await wait_all_tasks_blocked()
            for bad in (0, -1):
                with check.raises(ValueError):
                    data = await r.recv(bad)
                    raise check.fail(f"recv({bad}) returned {data!r}")
            for not_an_int in (1.5, "1"):
                with check.raises(TypeError):
                    data = await r.recv(not_an_int)  # type: ignore[arg-type]
                    raise check.fail(f"recv({not_an_int!r}) returned {data!r}")
            got = await _recv_exactly(check, r, 1)
        if got != b"z":
            raise check.fail(f"sent b'z', received {got!r}")

        check.step = "receive_some() and receive_some(None) (modern Trio's spelling)"
        for arguments in ((), (None,)):
            async with trio_core.open_nursery() as nursery:
                nursery.start_soon(s.send_all, b"m")
                with assert_checkpoints():
                    some = await r.receive_some(*arguments)
            if some != b"m":
                raise check.fail(f"sent b'm', receive_some{arguments!r} returned {some!r}")

        check.step = "wait_maybe_writable returns while the receiver waits"
        async with trio_core.open_nursery() as nursery:

            async def receiver() -> None:
                got = await _recv_exactly(check, r, 1)
                if got != b"!":
                    raise check.fail(f"sent b'!', received {got!r}")

            nursery.start_soon(receiver)
            await s.wait_maybe_writable()
            await s.sendall(b"!")

        check.step = "sendall, recv, wait_maybe_writable are checkpoints"

        async def checked_sender() -> None:
            with assert_checkpoints():
                await s.sendall(b"ab")
            with assert_checkpoints():
                await s.wait_maybe_writable()
            await s.sendall(b"c")

        got = b""
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(checked_sender)
            while len(got) < 3:
                # Each call, also one served from data the stream already has.
                with assert_checkpoints():
                    chunk = await r.recv(1)
                if not chunk:
                    raise check.fail(f"recv returned b'' after {got!r}")
                got += chunk
        if got != b"abc":
            raise check.fail(f"sent b'abc', received {got!r}")


async def _one_way_random_transfer(check: _Checker, maker: OneWayStreamMaker, seed: int) -> None:
    check.step = f"random chunk sizes (seed {seed})"
    rng = random.Random(seed)
    payload = rng.randbytes(rng.randrange(50_000, 300_000))
    received = bytearray()
    async with _made(maker) as (s, r):

        async def sender() -> None:
            view = memoryview(payload)
            while view:
                size = rng.choice([0, 1, rng.randrange(1, 100), rng.randrange(1, 20_000)])
                await s.sendall(view[:size])
                view = view[size:]
            await s.graceful_close()

        async def receiver() -> None:
            while True:
                max_bytes = rng.choice([1, rng.randrange(1, 100), rng.randrange(1, 30_000)])
                chunk = await r.recv(max_bytes)
                if not chunk:
                    break
                if len(chunk) > max_bytes:
                    raise check.fail(f"recv({max_bytes}) returned {len(chunk)} bytes")
                received.extend(chunk)

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(sender)
            nursery.start_soon(receiver)
        if bytes(received) != payload:
            same = next(
                (i for i, (a, b) in enumerate(zip(received, payload, strict=False)) if a != b),
                min(len(received), len(payload)),
            )
            raise check.fail(
                f"sent {len(payload)} bytes, received {len(received)}; "
                f"they differ from offset {same}"
            )
        check.step = "recv keeps returning b'' after the end of the stream"
        for _ in range(2):
            again = await r.recv(10)
            if again != b"":
                raise check.fail(f"recv after the end of the stream returned {again!r}")


async def _one_way_close(check: _Checker, maker: OneWayStreamMaker) -> None:
    check.step = "graceful_close of the sender ends the stream"
    async with _made(maker) as (s, r):
        await _exchange(check, s, r, b"hello")
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(s.sendall, b"bye")
            got = await _recv_exactly(check, r, 3)
        if got != b"bye":
            raise check.fail(f"sent b'bye', received {got!r}")
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(s.graceful_close)
            tail = await r.recv(10)
        if tail != b"":
            raise check.fail(f"recv after the sender closed returned {tail!r}, expected b''")

        check.step = "a closed send stream raises ClosedResourceError"
        await _expect_closed_send(check, s)
        check.step = "closing twice is fine"
        await s.graceful_close()
        await _close_forcefully(s)

        check.step = "a closed receive stream raises ClosedResourceError"
        await _close_forcefully(r)
        with check.raises(trio_core.ClosedResourceError):
            await r.recv(10)
        with check.raises(trio_core.ClosedResourceError):
            await r.receive_some()
        await _close_forcefully(r)
        await r.graceful_close()

    check.step = "graceful_close in a cancelled scope still closes"
    async with _made(maker) as (s, r):
        await _exchange(check, s, r, b"x")
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await s.graceful_close()
        await _expect_closed_send(check, s)
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await r.graceful_close()
        with check.raises(trio_core.ClosedResourceError):
            await r.recv(10)

    check.step = "a closed receiver makes the sender's sendall raise BrokenResourceError"
    async with _made(maker) as (s, r):
        await _exchange(check, s, r, b"x")
        await _close_forcefully(r)
        await _expect_eventually_broken(check, s)


async def _one_way_blocked_recv(check: _Checker, maker: OneWayStreamMaker) -> None:
    check.step = "two tasks in recv at once"
    async with _made(maker) as (s, r):
        got: list[bytes] = []

        async def receiver() -> None:
            got.append(await r.recv(10))

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(receiver)
            await wait_all_tasks_blocked()
            with check.raises(trio_core.BusyResourceError):
                await r.recv(10)
            await s.sendall(b"x")
        if got != [b"x"]:
            raise check.fail(f"the blocked recv returned {got!r}, expected [b'x']")

        check.step = "a cancelled recv leaves the stream usable"
        scope = trio_core.CancelScope()

        async def cancelled_receiver() -> None:
            with scope:
                data = await r.recv(10)
                raise check.fail(f"recv returned {data!r} although nothing was sent")

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(cancelled_receiver)
            await wait_all_tasks_blocked()
            scope.cancel()
        await _exchange(check, s, r, b"after")

    for how in ("forceful_close", "graceful_close"):
        check.step = f"{how} wakes a task blocked in recv with ClosedResourceError"
        async with _made(maker) as (s, r):
            woken = trio_core.Event()

            async def blocked_receiver(r: RecvStream, woken: trio_core.Event) -> None:
                try:
                    with check.raises(trio_core.ClosedResourceError):
                        data = await r.recv(10)
                        raise check.fail(f"recv returned {data!r} although nothing was sent")
                finally:
                    woken.set()

            async with trio_core.open_nursery() as nursery:
                nursery.start_soon(blocked_receiver, r, woken)
                await wait_all_tasks_blocked()
                if how == "forceful_close":
                    await _close_forcefully(r)
                else:
                    await r.graceful_close()
                await _expect_woken(check, nursery, woken, "recv")


async def _expect_woken(
    check: _Checker, nursery: trio_core.Nursery, woken: trio_core.Event, what: str
) -> None:
    await wait_all_tasks_blocked()
    if not woken.is_set():
        nursery.cancel_scope.cancel()
        raise check.fail(f"closing the stream left the task in {what} blocked")


async def _start_blocked_sendall(
    check: _Checker,
    nursery: trio_core.Nursery,
    s: SendStream,
    payload: bytes,
    expected: tuple[type[BaseException], ...] = (),
) -> tuple[trio_core.CancelScope, trio_core.Event]:
    """Start a ``sendall(payload)`` that blocks (the stream is clogged); return
    the scope that cancels it and the event set when it is over."""
    scope = trio_core.CancelScope()
    finished = trio_core.Event()

    async def send() -> None:
        try:
            with scope:
                if expected:
                    with check.raises(*expected):
                        await s.sendall(payload)
                else:
                    await s.sendall(payload)
        finally:
            finished.set()

    nursery.start_soon(send)
    await wait_all_tasks_blocked()
    if finished.is_set():
        raise check.fail(
            "sendall on the clogged stream did not block: clogged_stream_maker must return "
            "streams whose sendall waits for the receiver"
        )
    return scope, finished


async def _one_way_blocked_send(check: _Checker, maker: OneWayStreamMaker) -> None:
    payload = bytes([_PAYLOAD_BYTE]) * 65536
    check.step = "a second sendall/wait_maybe_writable/send_eof while sendall blocks"
    async with _made(maker) as (s, _r), trio_core.open_nursery() as nursery:
        await _start_blocked_sendall(check, nursery, s, payload)
        with check.raises(trio_core.BusyResourceError):
            await s.sendall(b"y")
        if _has_own(s, "wait_maybe_writable"):
            with check.raises(trio_core.BusyResourceError):
                await s.wait_maybe_writable()
        if _has_own(s, "send_eof"):
            with check.raises(trio_core.BusyResourceError):
                await s.send_eof()
        nursery.cancel_scope.cancel()

    for how in ("forceful_close", "graceful_close"):
        check.step = f"{how} wakes a task blocked in sendall with ClosedResourceError"
        async with _made(maker) as (s, _r), trio_core.open_nursery() as nursery:
            _, finished = await _start_blocked_sendall(
                check, nursery, s, payload, (trio_core.ClosedResourceError,)
            )
            if how == "forceful_close":
                await _close_forcefully(s)
            else:
                await s.graceful_close()
            await _expect_woken(check, nursery, finished, "sendall")

    check.step = "a cancelled sendall leaves the stream broken, not truncated"
    async with _made(maker) as (s, r):
        if _written_for_modern_trio(s):
            return  # a rule of the seed's dialect; modern Trio does not promise it
        async with trio_core.open_nursery() as nursery:
            scope, _ = await _start_blocked_sendall(check, nursery, s, payload)
            scope.cancel()
        received = bytearray()
        broken = False
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(_recv_to_eof, check, r, received)
            try:
                await s.sendall(_MARKER)
            except _Broken:
                broken = True
                nursery.cancel_scope.cancel()
            else:
                await s.graceful_close()
        if broken:
            with check.raises(_Broken, trio_core.ClosedResourceError):
                await s.sendall(_MARKER)
            return
        data = bytes(received)
        if not data.endswith(_MARKER):
            raise check.fail("the data sent after a cancelled sendall did not arrive last")
        before = data[: -len(_MARKER)]
        count = len(before) - len(before.rstrip(bytes([_PAYLOAD_BYTE])))
        if count not in (0, len(payload)):
            raise check.fail(
                f"a cancelled sendall of {len(payload)} bytes delivered {count} of them, and the "
                "stream went on working: the peer saw a truncated message (the stream must "
                "raise BrokenResourceError after a cancelled sendall instead)"
            )


async def _run_one_way(
    check: _Checker,
    maker: OneWayStreamMaker,
    clogged_maker: OneWayStreamMaker | None,
    seed: int,
) -> None:
    await check.run(_one_way_basics, maker)
    await check.run(_one_way_random_transfer, maker, seed)
    await check.run(_one_way_close, maker)
    await check.run(_one_way_blocked_recv, maker)
    if clogged_maker is not None:
        await check.run(_one_way_blocked_send, clogged_maker)


async def check_one_way_stream(
    stream_maker: OneWayStreamMaker,
    clogged_stream_maker: OneWayStreamMaker | None = None,
) -> None:
    """Check that a one-way stream implementation follows the rules of :mod:`trio_streams.abc`.

    Each check makes fresh streams with ``stream_maker`` and closes them after.
    Run it inside a trio_core run (any async test)::

        async def test_my_stream():
            await check_one_way_stream(make_my_pair, make_my_clogged_pair)

    Checked: data arrives intact and in order whatever the chunk sizes
    (random ones, seeded), ``recv`` honours ``max_bytes`` and rejects values
    below 1, ``b""`` marks the end of the stream and repeats, closing makes
    every operation raise :exc:`~trio_core.ClosedResourceError` and is
    idempotent (also in a cancelled scope), a closed receiver makes the
    sender's ``sendall`` raise :exc:`~trio_core.BrokenResourceError`, two tasks in ``recv``
    give :exc:`~trio_core.BusyResourceError`, closing wakes a blocked
    ``recv``, a cancelled ``recv`` leaves the stream usable, and the
    operations are checkpoints.  With ``clogged_stream_maker`` also: two
    senders give :exc:`~trio_core.BusyResourceError`, closing wakes a blocked
    ``sendall``, and a cancelled ``sendall`` either sent nothing or leaves the
    stream broken (the peer never sees a truncated message followed by more
    data).

    A checkpoint (it runs the streams, with many checkpoints).

    Args:
        stream_maker: an async function returning a connected
            ``(send_stream, recv_stream)`` pair.
        clogged_stream_maker: optional; like ``stream_maker``, but a
            ``sendall`` of 64 KiB must block until the receiver calls
            ``recv`` (:func:`lockstep_stream_one_way_pair` is such a pair; for
            sockets, fill the kernel buffers first).  Data queued by the
            maker may be received first; it must not end in ``0xA5`` bytes.

    Raises:
        AssertionError: naming the rule that was broken.
    """
    await _run_one_way(_Checker("check_one_way_stream"), stream_maker, clogged_stream_maker, seed=1)


# ---------------------------------------------------------------- two-way checks


def _flip(maker: TwoWayStreamMaker) -> TwoWayStreamMaker:
    async def flipped() -> tuple[Stream, Stream]:
        a, b = await maker()
        return b, a

    return flipped


async def _bidirectional_transfer(check: _Checker, maker: TwoWayStreamMaker) -> None:
    check.step = "both directions at once, random chunk sizes"
    rng = random.Random(2)
    payloads = [rng.randbytes(200_000), rng.randbytes(150_000)]
    async with _made(maker) as (a, b):
        if not isinstance(a, Stream) or not isinstance(b, Stream):
            raise check.fail(f"the maker returned {a!r}, {b!r}: not two Streams")
        results: dict[int, bytes] = {}

        async def sender(stream: Stream, payload: bytes) -> None:
            view = memoryview(payload)
            while view:
                size = rng.randrange(1, 30_000)
                await stream.sendall(view[:size])
                view = view[size:]

        async def receiver(stream: Stream, index: int, size: int) -> None:
            results[index] = await _recv_exactly(check, stream, size)

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(sender, a, payloads[0])
            nursery.start_soon(sender, b, payloads[1])
            nursery.start_soon(receiver, b, 0, len(payloads[0]))
            nursery.start_soon(receiver, a, 1, len(payloads[1]))
        if results[0] != payloads[0] or results[1] != payloads[1]:
            raise check.fail("data sent both ways at once arrived corrupted")

    check.step = "sendall works while another task is blocked in recv of the same stream"
    async with _made(maker) as (a, b):
        got: list[bytes] = []

        async def a_receiver() -> None:
            got.append(await _recv_exactly(check, a, 4))

        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(a_receiver)
            await wait_all_tasks_blocked()
            await _exchange(check, a, b, b"ping")
            await b.sendall(b"pong")
        if got != [b"pong"]:
            raise check.fail(f"received {got!r}, expected [b'pong']")


async def _two_way_close(check: _Checker, maker: TwoWayStreamMaker) -> None:
    check.step = "after one side closes, the other gets b'' and then BrokenResourceError"
    async with _made(maker) as (a, b):
        await _exchange(check, a, b, b"x")
        await _exchange(check, b, a, b"y")
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(a.graceful_close)
            tail = await b.recv(10)
        if tail != b"":
            raise check.fail(f"recv after the peer closed returned {tail!r}, expected b''")
        await _expect_eventually_broken(check, b)

    check.step = "both sides closing gracefully at the same time"
    async with _made(maker) as (a, b):
        await _exchange(check, a, b, b"x")
        await _exchange(check, b, a, b"y")
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(a.graceful_close)
            nursery.start_soon(b.graceful_close)
        for stream in (a, b):
            await _expect_closed_send(check, stream)


async def check_two_way_stream(
    stream_maker: TwoWayStreamMaker,
    clogged_stream_maker: TwoWayStreamMaker | None = None,
) -> None:
    """Check that a two-way stream implementation follows the rules of :mod:`trio_streams.abc`.

    Runs :func:`check_one_way_stream` in both directions, then checks that
    both directions work at once (random chunk sizes), that a task blocked in
    ``recv`` does not stop another from sending on the same stream, that
    after one side closes the other receives ``b""`` and then
    :exc:`~trio_core.BrokenResourceError` from ``sendall``, and that both sides may close
    gracefully at the same time without waiting for each other.

    A checkpoint (it runs the streams, with many checkpoints).

    Args:
        stream_maker: an async function returning two connected streams.
        clogged_stream_maker: optional; two connected streams whose ``sendall``
            blocks, in both directions, until the peer receives (see
            :func:`check_one_way_stream`).

    Raises:
        AssertionError: naming the rule that was broken.
    """
    check = _Checker("check_two_way_stream")
    await _run_one_way(check, stream_maker, clogged_stream_maker, seed=3)
    flipped_clogged = None if clogged_stream_maker is None else _flip(clogged_stream_maker)
    await _run_one_way(check, _flip(stream_maker), flipped_clogged, seed=4)
    await check.run(_bidirectional_transfer, stream_maker)
    await check.run(_two_way_close, stream_maker)


async def check_half_closeable_stream(
    stream_maker: HalfCloseableStreamMaker,
    clogged_stream_maker: HalfCloseableStreamMaker | None = None,
) -> None:
    """Check a :class:`~trio_streams.abc.HalfCloseableStream` implementation.

    Runs :func:`check_two_way_stream`, then checks the half-close: after
    ``send_eof`` the peer receives everything sent before and then ``b""``,
    while the other direction keeps working; ``sendall`` after ``send_eof``
    raises :exc:`~trio_core.ClosedResourceError`; ``send_eof`` twice is fine;
    and (with ``clogged_stream_maker``) ``send_eof`` while another task is
    blocked in ``sendall`` raises :exc:`~trio_core.BusyResourceError`.

    A checkpoint (it runs the streams, with many checkpoints).

    Args:
        stream_maker: an async function returning two connected half-closeable streams.
        clogged_stream_maker: optional; see :func:`check_two_way_stream`.

    Raises:
        AssertionError: naming the rule that was broken.
    """
    await check_two_way_stream(stream_maker, clogged_stream_maker)
    check = _Checker("check_half_closeable_stream")
    await check.run(_half_close, stream_maker)
    if clogged_stream_maker is not None:
        await check.run(_half_close_busy, clogged_stream_maker)


async def _half_close(check: _Checker, maker: HalfCloseableStreamMaker) -> None:
    check.step = "send_eof half-closes"
    async with _made(maker) as (a, b):
        if not isinstance(a, HalfCloseableStream) or not isinstance(b, HalfCloseableStream):
            raise check.fail(f"the maker returned {a!r}, {b!r}: not HalfCloseableStreams")
        await _exchange(check, a, b, b"x")
        await _exchange(check, b, a, b"y")
        async with trio_core.open_nursery() as nursery:

            async def a_side() -> None:
                await a.sendall(b"last words")
                with assert_checkpoints():
                    await a.send_eof()

            nursery.start_soon(a_side)
            got = await _recv_exactly(check, b, 10)
            tail = await b.recv(10)
        if got != b"last words" or tail != b"":
            raise check.fail(f"sent b'last words' then EOF, received {got!r} then {tail!r}")
        again = await b.recv(10)
        if again != b"":
            raise check.fail(f"recv after EOF returned {again!r}, expected b''")
        with check.raises(trio_core.ClosedResourceError):
            await a.sendall(b"more")
        await a.send_eof()
        check.step = "the other direction works after send_eof"
        await _exchange(check, b, a, b"the other way still works")
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(b.send_eof)
            tail = await a.recv(10)
        if tail != b"":
            raise check.fail(f"recv after the peer's send_eof returned {tail!r}, expected b''")


async def _half_close_busy(check: _Checker, maker: HalfCloseableStreamMaker) -> None:
    check.step = "send_eof while sendall blocks"
    async with _made(maker) as (a, _b), trio_core.open_nursery() as nursery:
        await _start_blocked_sendall(check, nursery, a, bytes([_PAYLOAD_BYTE]) * 65536)
        with check.raises(trio_core.BusyResourceError):
            await a.send_eof()
        nursery.cancel_scope.cancel()
