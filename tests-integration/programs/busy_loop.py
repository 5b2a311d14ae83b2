"""A busy program for the Control-C test: tasks echoing bytes over socketpairs,
sleeping, spawning and cancelling, until interrupted.  Prints READY once running."""

import socket
import sys

import trio_core
from trio_core.lowlevel import wait_readable, wait_writable


async def echo_server(sock: socket.socket) -> None:
    while True:
        await wait_readable(sock)
        data = sock.recv(65536)
        if not data:
            return
        view = memoryview(data)
        while view:
            await wait_writable(sock)
            view = view[sock.send(view) :]


async def client(sock: socket.socket, rounds: int) -> None:
    payload = b"x" * 4096
    for _ in range(rounds):
        await wait_writable(sock)
        sock.send(payload)
        got = 0
        while got < len(payload):
            await wait_readable(sock)
            got += len(sock.recv(65536))


async def churn() -> None:
    while True:
        async with trio_core.open_nursery() as nursery:
            for i in range(20):
                nursery.start_soon(trio_core.sleep, i / 10000)
        with trio_core.move_on_after(0.0005):
            await trio_core.sleep_forever()


async def main() -> None:
    pairs = [socket.socketpair() for _ in range(8)]
    try:
        for a, b in pairs:
            a.setblocking(False)
            b.setblocking(False)
        async with trio_core.open_nursery() as nursery:
            for a, b in pairs:
                nursery.start_soon(echo_server, a)
                nursery.start_soon(client, b, 10**9)
            nursery.start_soon(churn)
            await trio_core.sleep(0.05)
            print("READY", flush=True)
    finally:
        for a, b in pairs:
            a.close()
            b.close()


if __name__ == "__main__":
    trio_core.run(main)
    sys.exit("the busy loop returned instead of being interrupted")
