"""An echo server on streams: the high-level networking API.

Compare with echo_socket_server.py: ``serve_tcp`` does the socket work
(bind on the host's addresses, listen, accept, one task per connection) and
hands each connection to the handler as a *stream*, with ``sendall``,
``recv`` and ``graceful_close``.  The same handler would work unchanged over
TLS or over an in-memory stream in a test.

    python examples/echo_stream_server.py --port 12345
    python examples/echo_stream_client.py --port 12345 hello world

By default it serves forever (Control-C stops it); ``--max-connections N``
stops after N connections were served, ``--duration S`` after S seconds.
"""

import argparse
import functools
import math

import trio

HOST = "127.0.0.1"  # loopback only; None would mean every address of the host


async def echo(stream: trio.abc.Stream) -> None:
    async with stream:  # graceful_close when the client is done
        total = 0
        async for chunk in stream:  # recv() until the client's end of stream
            await stream.sendall(chunk)
            total += len(chunk)
    print(f"echoed {total} bytes, connection closed", flush=True)


async def serve(port: int, max_connections: float) -> None:
    served = 0
    enough = trio.Event()

    async def handler(stream: trio.abc.Stream) -> None:
        nonlocal served
        try:
            await echo(stream)
        except trio.BrokenStreamError as exc:
            # A client that vanishes must not take the server down with it.
            print(f"a client vanished: {exc!r}", flush=True)
        finally:
            served += 1
            if served >= max_connections:
                enough.set()

    async with trio.open_nursery() as nursery:
        # start() returns once the server is listening: with port 0 we learn
        # the port the OS picked from the listeners it returns.
        listeners = await nursery.start(functools.partial(trio.serve_tcp, handler, port, host=HOST))
        bound_port = listeners[0].socket.getsockname()[1]
        print(f"listening on {HOST}:{bound_port}", flush=True)
        await enough.wait()
        nursery.cancel_scope.cancel()  # stop serve_tcp (and any connection left)


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
