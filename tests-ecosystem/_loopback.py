"""A tiny HTTP/1.1 server on loopback, for the ecosystem tests.

It runs in a thread of its own (plain blocking sockets and h11, no event
loop), so that what is tested is only the client side running on this
project's trio.  It serves ``GET /hello`` (a fixed body), ``POST /echo``
(the request body back) and ``GET /big`` (1 MiB), and stops when its
context manager exits.  Every socket it opens is closed before ``__exit__``
returns; the thread is joined.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import h11

BIG = bytes(range(256)) * 4096  # 1 MiB, not all one byte


def _respond(request: h11.Request, body: bytes) -> tuple[int, bytes]:
    if request.method == b"GET" and request.target == b"/hello":
        return 200, b"hello from h11"
    if request.method == b"POST" and request.target == b"/echo":
        return 200, body
    if request.method == b"GET" and request.target == b"/big":
        return 200, BIG
    return 404, b"not found"


def _serve_connection(conn: socket.socket) -> None:
    h = h11.Connection(h11.SERVER)
    with conn:
        conn.settimeout(10)
        while True:
            request: h11.Request | None = None
            body = b""
            while True:
                event = h.next_event()
                if event is h11.NEED_DATA:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        return
                    h.receive_data(data)
                    continue
                if isinstance(event, h11.Request):
                    request = event
                elif isinstance(event, h11.Data):
                    body += bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    break
                elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                    return
            assert request is not None
            status, payload = _respond(request, body)
            headers = [("content-length", str(len(payload))), ("content-type", "text/plain")]
            conn.sendall(h.send(h11.Response(status_code=status, headers=headers)) or b"")
            conn.sendall(h.send(h11.Data(data=payload)) or b"")
            conn.sendall(h.send(h11.EndOfMessage()) or b"")
            if h.our_state is h11.MUST_CLOSE:
                return
            try:
                h.start_next_cycle()
            except h11.ProtocolError:
                return


@contextmanager
def h11_server() -> Iterator[int]:
    """Serve on 127.0.0.1 in a thread; yield the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.05)
    stop = threading.Event()
    workers: list[threading.Thread] = []

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=_serve_connection, args=(conn,), daemon=True)
            workers.append(worker)
            worker.start()

    acceptor = threading.Thread(target=accept_loop, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for worker in workers:
            worker.join(15)
