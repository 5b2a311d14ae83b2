"""An echo client on ``trio.socket`` (see echo_socket_server.py).

It shows the client half of the seed's rule: ``connect`` takes only a
numeric address, so a host *name* is resolved first with
``resolve_remote_address``.  (Passing ``("localhost", port)`` straight to
``connect`` raises a ValueError that tells you to do exactly that.)

    python examples/echo_socket_client.py --port 12345 hello world
"""

import argparse

import trio


async def receive_exactly(sock: trio.socket.SocketType, count: int) -> bytes:
    # recv returns whatever has arrived (at most `count` bytes here): loop.
    data = b""
    while len(data) < count:
        chunk = await sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection early")
        data += chunk
    return data


async def main(host: str, port: int, messages: list[str]) -> None:
    sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM)
    with sock:
        address = await sock.resolve_remote_address((host, port))
        print(f"{host}:{port} resolves to {address[0]}:{address[1]}")
        with trio.fail_after(10):  # never hang forever on a dead server
            await sock.connect(address)
            for message in messages:
                payload = message.encode()
                await sock.sendall(payload)
                reply = await receive_exactly(sock, len(payload))
                print(f"sent {message!r}, got back {reply.decode()!r}")
            # Tell the server we are done sending; it then closes its side.
            sock.shutdown(trio.socket.SHUT_WR)
            assert await sock.recv(1) == b""


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=12345)
    parser.add_argument("messages", nargs="*", default=["hello", "world"])
    args = parser.parse_args()
    trio.run(main, args.host, args.port, args.messages)
