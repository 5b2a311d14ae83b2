"""An echo client on streams (see echo_stream_server.py).

``open_tcp_stream(host, port)`` resolves the name and connects (racing the
addresses it finds, IPv6 and IPv4, per "Happy Eyeballs"), and returns a
stream.  No address juggling: compare with echo_socket_client.py.

    python examples/echo_stream_client.py --port 12345 hello world
"""

import argparse

import trio


async def receive_exactly(stream: trio.abc.RecvStream, count: int) -> bytes:
    # recv returns whatever has arrived (up to max_bytes): loop until done.
    data = b""
    while len(data) < count:
        chunk = await stream.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection early")
        data += chunk
    return data


async def main(host: str, port: int, messages: list[str]) -> None:
    with trio.fail_after(10):  # never hang forever on a dead server
        stream = await trio.open_tcp_stream(host, port)
        async with stream:
            for message in messages:
                await stream.sendall(message.encode())
                reply = await receive_exactly(stream, len(message.encode()))
                print(f"sent {message!r}, got back {reply.decode()!r}")
            # A TCP stream can half-close: "no more data from me".  The server
            # sees the end of its `async for` and closes its side.
            await stream.send_eof()
            assert await stream.recv(1) == b""


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12345)
    parser.add_argument("messages", nargs="*", default=["hello", "world"])
    args = parser.parse_args()
    trio.run(main, args.host, args.port, args.messages)
