"""A Unix-domain socket server: serve_unix, open_unix_stream, stale files.

Local services (a daemon's control socket, say) listen on a file instead of a
port: only processes that may open the file can connect, and nothing is
exposed on the network.  This program shows what ``trio.serve_unix`` does
about the file:

1. a crashed server's socket file is found (nobody answers on it) and replaced;
2. the file gets the permissions asked for (``mode=0o600``: owner only);
3. a second server on the same path is refused: a live server's file is never
   replaced;
4. the file is removed when the server stops.

    python examples/unix_socket_server.py [--path /tmp/demo.sock]

Without ``--path``, it uses a fresh temporary directory.
"""

import argparse
import errno
import functools
import os
import socket
import stat
import tempfile

import trio


async def handler(stream: trio.SocketStream) -> None:
    async with stream:
        request = await stream.recv(1024)
        if request:  # an empty connection is someone checking whether we are alive
            await stream.sendall(b"pong: " + request)


def leave_a_stale_file(path: str) -> None:
    """What a server that crashed leaves behind: a socket file nobody listens on."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(path)


async def main(path: str) -> None:
    leave_a_stale_file(path)
    print(f"1. a stale socket file is at {os.path.basename(path)}")
    async with trio.open_nursery() as nursery:
        await nursery.start(functools.partial(trio.serve_unix, handler, path, mode=0o600))
        print("   ... and serve_unix replaced it: listening")
        print(f"2. permissions: {stat.filemode(os.stat(path).st_mode)}")

        async with await trio.open_unix_stream(path) as client:
            await client.sendall(b"ping")
            print(f"   a client got: {(await client.recv(1024)).decode()}")

        try:
            await trio.open_unix_listeners(path)
        except OSError as exc:
            # The message names the path and says a server is listening on it.
            print(f"3. a second server was refused: {errno.errorcode[exc.errno]}")

        nursery.cancel_scope.cancel()
    print(f"4. after the server stopped, the file exists: {os.path.exists(path)}")


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=None, help="the socket's path")
    args = parser.parse_args()
    if args.path is not None:
        trio.run(main, args.path)
        return
    with tempfile.TemporaryDirectory(prefix="unix-demo", dir="/tmp") as directory:
        trio.run(main, os.path.join(directory, "demo.sock"))


if __name__ == "__main__":
    run()
