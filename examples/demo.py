"""The demo: a TLS chat server and a few dozen clients, on loopback.

``nox -s demo`` (the README's first command) runs this program.  What it does,
and which part of the library each step shows:

1. makes a throw-away certificate authority and a server certificate with
   trustme (nothing touches the network beyond 127.0.0.1);
2. starts a TLS chat server with ``trio.serve_ssl_over_tcp``: one task per
   connection, and per connection an outbox (a memory channel) drained by a
   writer task, so that broadcasting never blocks on a slow reader;
3. connects a few dozen clients with ``trio.open_ssl_over_tcp_stream``; once
   all have joined, each sends its messages, and every client receives every
   message (checked: none lost, none out of order), while a progress line
   shows how far along they are;
4. sends itself SIGTERM, which ``trio.catch_signals`` turns into a clean
   shutdown: the server's nursery is cancelled, every task unwinds, every
   connection is closed;
5. prints a summary and exits 0.

    python examples/demo.py [--clients 30] [--messages 20]
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import random
import signal
import ssl
import sys
import time
from dataclasses import dataclass

import trustme

import trio

HOST = "127.0.0.1"


@dataclass
class Stats:
    clients: int
    messages_per_client: int
    connections: int = 0
    joined: int = 0
    messages_sent: int = 0
    messages_delivered: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    tls: str = ""

    @property
    def deliveries_expected(self) -> int:
        # Every client receives every client's messages, its own included.
        return self.clients * self.clients * self.messages_per_client


class LineReader:
    """Split what a stream receives into lines (the chat protocol is line-based)."""

    def __init__(self, stream: trio.abc.RecvStream) -> None:
        self._stream = stream
        self._buffer = bytearray()

    async def readline(self) -> bytes | None:
        """The next line, with its newline; None at the end of the stream."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                return line
            chunk = await self._stream.recv(65536)
            if not chunk:
                if self._buffer:
                    raise ValueError("the stream ended in the middle of a line")
                return None
            self._buffer += chunk


# ---------------------------------------------------------------- the server


class ChatRoom:
    """Everyone connected; each line a member sends goes to every member."""

    def __init__(self) -> None:
        self.outboxes: dict[str, trio.MemorySendChannel[bytes]] = {}

    async def handle_connection(self, stream: trio.SSLStream) -> None:
        # serve_ssl_over_tcp runs this in a new task for every connection.
        async with stream:  # closes the connection (TLS close_notify) at the end
            reader = LineReader(stream)
            hello = await reader.readline()
            if hello is None or not hello.startswith(b"HELLO "):
                return
            name = hello[len(b"HELLO ") :].strip().decode()
            outbox, to_send = trio.open_memory_channel[bytes](math.inf)
            async with trio.open_nursery() as nursery:
                # One writer per connection: no two tasks ever call sendall
                # on this stream at once.
                nursery.start_soon(self._writer, stream, to_send)
                with outbox:  # closing it ends the writer, once it has sent everything
                    self.outboxes[name] = outbox
                    outbox.send_nowait(f"WELCOME {name}\n".encode())
                    try:
                        while (line := await reader.readline()) is not None:
                            for member in self.outboxes.values():
                                member.send_nowait(f"{name}: ".encode() + line)
                    finally:
                        del self.outboxes[name]

    @staticmethod
    async def _writer(stream: trio.SSLStream, to_send: trio.MemoryReceiveChannel[bytes]) -> None:
        async for line in to_send:
            await stream.sendall(line)


# ---------------------------------------------------------------- the clients


async def chat_client(
    number: int,
    port: int,
    context: ssl.SSLContext,
    stats: Stats,
    everyone_joined: trio.Event,
) -> None:
    name = f"client-{number:02d}"
    stream = await trio.open_ssl_over_tcp_stream(HOST, port, ssl_context=context)
    async with stream:
        stats.connections += 1
        reader = LineReader(stream)

        async def send_line(text: str) -> None:
            data = text.encode()
            await stream.sendall(data)
            stats.bytes_sent += len(data)

        await send_line(f"HELLO {name}\n")
        welcome = await reader.readline()
        assert welcome == f"WELCOME {name}\n".encode(), welcome
        if not stats.tls:
            cipher = stream.cipher()
            stats.tls = f"{stream.version()}, {cipher[0] if cipher else '?'}"
        stats.joined += 1
        if stats.joined == stats.clients:
            everyone_joined.set()
        await everyone_joined.wait()  # so that every member sees every message

        async def talk() -> None:
            for index in range(stats.messages_per_client):
                await send_line(f"message {index} from {name}\n")
                stats.messages_sent += 1
                await trio.sleep(random.uniform(0, 0.08))  # people type at their own pace

        async def listen() -> None:
            # Every message of every member, each sender's in order.
            next_index = {f"client-{n:02d}": 0 for n in range(stats.clients)}
            for _ in range(stats.clients * stats.messages_per_client):
                line = await reader.readline()
                assert line is not None, "the server hung up early"
                stats.bytes_received += len(line)
                sender, _, text = line.decode().rstrip("\n").partition(": ")
                expected = f"message {next_index[sender]} from {sender}"
                assert text == expected, f"{name} got {text!r}, expected {expected!r}"
                next_index[sender] += 1
                stats.messages_delivered += 1

        async with trio.open_nursery() as nursery:
            nursery.start_soon(talk)
            nursery.start_soon(listen)


async def show_progress(stats: Stats, done: trio.Event) -> None:
    interactive = sys.stdout.isatty()
    last_quarter = -1
    while True:
        fraction = stats.messages_delivered / stats.deliveries_expected
        line = (
            f"connections {stats.connections:3d}/{stats.clients}  "
            f"sent {stats.messages_sent:5d}  "
            f"delivered {stats.messages_delivered:6d}/{stats.deliveries_expected}"
        )
        if interactive:
            bar = "#" * int(fraction * 30)
            percent = int(fraction * 100)  # rounded down: 100% only when done
            print(f"\r  [{bar:<30}] {percent:3d}%  {line}", end="", flush=True)
        elif int(fraction * 4) > last_quarter:  # a log: one line per quarter
            last_quarter = int(fraction * 4)
            print(f"  {int(fraction * 100):3d}%  {line}", flush=True)
        if done.is_set():
            if interactive:
                print()
            return
        await trio.sleep(0.1)


async def run_clients(port: int, context: ssl.SSLContext, stats: Stats) -> None:
    everyone_joined = trio.Event()
    all_done = trio.Event()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(show_progress, stats, all_done)
        async with trio.open_nursery() as clients:
            for number in range(stats.clients):
                clients.start_soon(chat_client, number, port, context, stats, everyone_joined)
        all_done.set()


# ---------------------------------------------------------------- main


async def main(clients: int, messages: int, timeout: float) -> Stats:
    stats = Stats(clients=clients, messages_per_client=messages)

    # 1. Certificates, made in memory for this run.
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)

    room = ChatRoom()
    with trio.fail_after(timeout):  # a demo must never hang
        with trio.catch_signals({signal.SIGTERM}) as batched_signal_aiter:
            async with trio.open_nursery() as nursery:
                # 2. The server; start() returns once it is listening.
                serve = functools.partial(
                    trio.serve_ssl_over_tcp, room.handle_connection, 0, server_context, host=HOST
                )
                listeners = await nursery.start(serve)
                port = listeners[0].transport_listener.socket.getsockname()[1]
                print(f"TLS chat server listening on {HOST}:{port}")
                print(f"{clients} clients join, then each sends {messages} messages to the room")

                # 3. The clients; then 4. SIGTERM to ourselves.
                async def clients_then_sigterm() -> None:
                    await run_clients(port, client_context, stats)
                    print("all clients done; sending SIGTERM to this process")
                    os.kill(os.getpid(), signal.SIGTERM)

                nursery.start_soon(clients_then_sigterm)

                async for batch in batched_signal_aiter:
                    if signal.SIGTERM in batch:
                        print("SIGTERM caught by catch_signals: shutting the server down")
                        nursery.cancel_scope.cancel()
                        break
    return stats


def summary(stats: Stats, seconds: float) -> str:
    total_bytes = stats.bytes_sent + stats.bytes_received
    return "\n".join(
        [
            "summary:",
            f"  connections  {stats.connections} (TLS: {stats.tls})",
            f"  messages     {stats.messages_sent} sent, {stats.messages_delivered} delivered",
            f"  bytes        {total_bytes} ({stats.bytes_sent} sent, "
            f"{stats.bytes_received} received, by the clients)",
            f"  time         {seconds:.2f}s "
            f"({stats.messages_delivered / seconds:.0f} deliveries/s)",
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A TLS chat server and its clients, on loopback.")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--messages", type=int, default=20, help="messages per client")
    parser.add_argument("--timeout", type=float, default=60, help="give up after this long")
    args = parser.parse_args()
    if args.clients < 1 or args.messages < 0:
        parser.error("--clients must be at least 1 and --messages at least 0")
    start = time.perf_counter()
    result = trio.run(main, args.clients, args.messages, args.timeout)
    print(summary(result, time.perf_counter() - start))
