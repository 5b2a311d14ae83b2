"""An echo server (serve_tcp) running with a low RLIMIT_NOFILE.

Usage: python emfile_server.py LIMIT
Prints the port, then serves until killed.  accept() errors are logged to
stderr by trio_streams (logger trio_streams.serve_listeners).
"""

import logging
import resource
import sys
from functools import partial

import trio


async def echo(stream: trio.SocketStream) -> None:
    async with stream:
        async for chunk in stream:
            await stream.sendall(chunk)


async def main() -> None:
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, host="127.0.0.1"), echo, 0)
        print(listeners[0].socket.getsockname()[1], flush=True)


if __name__ == "__main__":
    limit = int(sys.argv[1])
    logging.basicConfig(stream=sys.stderr, level=logging.ERROR, format="%(name)s: %(message)s")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    trio.run(main)
