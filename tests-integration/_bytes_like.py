"""Helpers shared by the bad-input tests of trio.socket and the streams.

Not a test module (its name does not start with ``test_``): pytest puts this
folder on ``sys.path`` when it imports the tests beside it, so they import
it by name.  Both families feed ``sendall`` the same bytes-likes and read
the result back the same way, so the kinds, their decoding and the
loopback pair live here once.
"""

from __future__ import annotations

import array
from typing import Protocol

from hypothesis import strategies as st

import trio.socket as tsocket

#: Every bytes-like kind ``as_bytes_like`` can build.
BYTES_KINDS = [
    "bytes",
    "bytearray",
    "memoryview",
    "memoryview slice",
    "strided memoryview",
    "reversed memoryview",
    "2-d memoryview",
    "strided view of 2-byte items",
    "array('B')",
    "array('i')",
]

#: The kinds whose buffer is not C-contiguous (a copy is needed to send them).
NON_CONTIGUOUS_KINDS = ["strided memoryview", "reversed memoryview", "strided view of 2-byte items"]

#: The kinds whose buffer is C-contiguous.
CONTIGUOUS_KINDS = [kind for kind in BYTES_KINDS if kind not in NON_CONTIGUOUS_KINDS]

#: Values that are not bytes-like at all: ``sendall`` must refuse them.
not_bytes_likes = st.one_of(
    st.text(min_size=1, max_size=5),
    st.integers(0, 10),
    st.none(),
    st.lists(st.integers(0, 255), min_size=1, max_size=3),
    st.builds(object),
)


def as_bytes_like(kind: str, payload: bytes) -> tuple[object, bytes]:
    """``payload`` as a bytes-like of ``kind``, and the bytes it stands for.

    Some kinds cannot hold every length (a 2-d view of rows of 4, an array
    of 4-byte ints), so the second item is what a peer must receive.
    """
    if kind == "bytes":
        return payload, payload
    if kind == "bytearray":
        return bytearray(payload), payload
    if kind == "memoryview":
        return memoryview(payload), payload
    if kind == "memoryview slice":
        view = memoryview(payload)[1:]
        return view, view.tobytes()
    if kind == "strided memoryview":
        view = memoryview(payload)[::2]
        return view, view.tobytes()
    if kind == "reversed memoryview":  # negative stride
        view = memoryview(payload)[::-1]
        return view, view.tobytes()
    if kind == "2-d memoryview":
        even = payload[: len(payload) // 4 * 4]
        view = memoryview(even).cast("B", (len(even) // 4, 4)) if even else memoryview(b"")
        return view, view.tobytes()
    if kind == "strided view of 2-byte items":  # format "H"
        view = memoryview(payload[: len(payload) // 2 * 2]).cast("H")[::2]
        return view, view.tobytes()
    if kind == "array('B')":
        arr = array.array("B", payload)
        return arr, arr.tobytes()
    if kind == "array('i')":
        arr = array.array("i")
        arr.frombytes(payload[: len(payload) // arr.itemsize * arr.itemsize])
        return arr, arr.tobytes()
    raise AssertionError(f"unknown bytes-like kind {kind!r}")


class _Receiver(Protocol):
    async def recv(self, max_bytes: int, /) -> bytes: ...


async def recv_exactly(receiver: _Receiver, n: int) -> bytes:
    """Read exactly ``n`` bytes from a trio socket or stream; fail at end of stream."""
    data = bytearray()
    while len(data) < n:
        chunk = await receiver.recv(n - len(data))
        assert chunk, f"end of stream after {len(data)} of {n} bytes"
        data += chunk
    return bytes(data)


async def loopback_tcp_pair() -> tuple[tsocket.SocketType, tsocket.SocketType]:
    """A connected (client, server) pair of trio TCP sockets on 127.0.0.1.

    The caller closes both.  The listener is closed before this returns.
    """
    with tsocket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        client = tsocket.socket()
        try:
            await client.connect(listener.getsockname())
            server, _ = await listener.accept()
        except BaseException:
            client.close()
            raise
    return client, server
