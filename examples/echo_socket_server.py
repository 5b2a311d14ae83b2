"""An echo server on ``trio.socket``: the low-level, socket-module style.

``trio.socket`` is the standard ``socket`` module made async.  Two rules
from the seed show up here: addresses must be *pre-resolved* (numeric)
before ``bind``/``connect``, so we call ``resolve_local_address`` first; and
there is no ``send``: ``sendall`` sends every byte or raises.

Run it, then talk to it with echo_socket_client.py:

    python examples/echo_socket_server.py --port 12345
    python examples/echo_socket_client.py --port 12345 hello world

By default it serves forever (Control-C stops it); ``--max-connections N``
stops after N connections were served, ``--duration S`` after S seconds.
"""

import argparse
import math

import trio


async def echo(conn: trio.socket.SocketType, peer: object) -> None:
    # One task per connection; `with` closes the socket when we are done.
    with conn:
        total = 0
        while True:
            data = await conn.recv(65536)
            if not data:  # b"" means the client closed its side
                break
            await conn.sendall(data)
            total += len(data)
    print(f"{peer}: echoed {total} bytes, connection closed", flush=True)


async def serve(port: int, max_connections: float) -> None:
    listener = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM)
    with listener:
        # Pre-resolve the address (a name like "localhost" would be looked
        # up here, in a worker thread), then bind: bind itself never blocks.
        address = await listener.resolve_local_address(("127.0.0.1", port))
        listener.bind(address)
        listener.listen()
        host, bound_port = listener.getsockname()
        # Port 0 asks the OS for a free port: print the real one.
        print(f"listening on {host}:{bound_port}", flush=True)

        async with trio.open_nursery() as nursery:
            served = 0
            while served < max_connections:
                conn, peer = await listener.accept()
                nursery.start_soon(echo, conn, peer)
                served += 1
            # Leaving the nursery waits for the connections still open.


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=12345, help="0 picks a free port")
    parser.add_argument("--max-connections", type=int, default=None)
    parser.add_argument("--duration", type=float, default=None, help="seconds to run")
    args = parser.parse_args()
    limit = math.inf if args.max_connections is None else args.max_connections

    async def run() -> None:
        with trio.move_on_after(math.inf if args.duration is None else args.duration):
            await serve(args.port, limit)
        print("server stopped", flush=True)

    trio.run(run)


if __name__ == "__main__":
    main()
