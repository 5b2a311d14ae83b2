"""A UDP echo server and two clients: serve_udp, open_udp_socket.

UDP sends datagrams: each one arrives whole or not at all, in any order, with
no connection and no end of stream.  ``trio.serve_udp`` runs a handler for
each datagram (at most ``max_handlers`` at once); ``trio.open_udp_socket``
opens an endpoint, connected to one peer or free to send anywhere.

    python examples/udp_echo.py

It starts the server on a free loopback port, talks to it from a connected
and from an unconnected client, and stops.
"""

import functools

import trio

HOST = "127.0.0.1"


async def echo(udp_socket: trio.UDPSocket, data: bytes, address: tuple[object, ...]) -> None:
    await udp_socket.send(data.upper(), address)


async def main() -> None:
    async with trio.open_nursery() as nursery:
        server = await nursery.start(functools.partial(trio.serve_udp, echo, (HOST, 0)))
        server_address = server.local_address
        print(f"server listening on {HOST}:{server_address[1]}")

        # A connected client: send() needs no address; only the server's replies arrive.
        async with await trio.open_udp_socket(remote_address=server_address) as client:
            for word in (b"hello", b"datagrams"):
                await client.send(word)
                data, _ = await client.receive()
                print(f"connected client got {data.decode()!r}")

        # An unconnected client: every send names its destination, and every
        # datagram received says where it came from.
        async with await trio.open_udp_socket((HOST, 0)) as client:
            await client.send(b"anyone there?", server_address)
            with trio.fail_after(5):  # UDP may lose datagrams; never wait forever
                data, sender = await client.receive()
            print(f"unconnected client got {data.decode()!r} from port {sender[1]}")
            print(f"the reply came from the server: {sender[1] == server_address[1]}")

        nursery.cancel_scope.cancel()


if __name__ == "__main__":
    trio.run(main)
