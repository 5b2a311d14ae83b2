"""A line-based protocol server and client: BufferedRecvStream in use.

The server speaks a tiny key-value protocol, one command per line:
``SET key value``, ``GET key``, ``QUIT``.  Each connection's stream is wrapped
in a ``trio.BufferedRecvStream``, which splits what arrives into lines however
the bytes were chunked on the way, and refuses a line longer than the limit
(``trio.MessageTooLongError``) instead of buffering without bound.

    python examples/line_protocol.py

It starts the server on a free loopback port, runs one client against it (the
last command it sends is far too long), and stops.
"""

import functools

import trio

HOST = "127.0.0.1"
MAX_LINE = 1024


async def handle(stream: trio.abc.Stream) -> None:
    store: dict[bytes, bytes] = {}
    reader = trio.BufferedRecvStream(stream, max_buffer_size=MAX_LINE)
    async with reader:  # closes the stream too
        try:
            async for line in reader.lines(b"\r\n"):
                command, _, rest = line.partition(b" ")
                if command == b"SET":
                    key, _, value = rest.partition(b" ")
                    store[key] = value
                    await stream.sendall(b"OK\r\n")
                elif command == b"GET":
                    await stream.sendall(b"VALUE " + store.get(rest, b"") + b"\r\n")
                elif command == b"QUIT":
                    await stream.sendall(b"BYE\r\n")
                    return
                else:
                    await stream.sendall(b"ERR unknown command\r\n")
        except trio.MessageTooLongError as exc:
            await stream.sendall(f"ERR line longer than {exc.limit} bytes\r\n".encode())
        except trio.IncompleteMessageError as exc:
            print(f"server: the client left in the middle of a line: {exc.partial!r}")


async def client(port: int) -> None:
    stream = await trio.open_tcp_stream(HOST, port)
    replies = trio.BufferedRecvStream(stream)
    async with replies:
        # Send the commands in odd pieces: the server sees whole lines anyway.
        await stream.sendall(b"SET colour bl")
        await stream.sendall(b"ue\r\nGET col")
        await stream.sendall(b"our\r\nFROB\r\n")
        for _ in range(3):
            print("client got:", (await replies.receive_until(b"\r\n")).decode().rstrip())
        await stream.sendall(b"SET big " + b"x" * 5000 + b"\r\n")
        print("client got:", (await replies.receive_until(b"\r\n")).decode().rstrip())
        print("client: server closed the connection:", await replies.receive_until(b"\r\n") == b"")


async def main() -> None:
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, handle, 0, host=HOST))
        port = listeners[0].socket.getsockname()[1]
        print(f"server listening on {HOST}:{port}")
        await client(port)
        nursery.cancel_scope.cancel()


if __name__ == "__main__":
    trio.run(main)
