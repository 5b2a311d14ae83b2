"""A TLS echo server, with a certificate made by trustme at start-up.

trustme creates a throw-away certificate authority (CA) and a certificate
for 127.0.0.1 signed by it; the server writes the CA's certificate to a file
so that a client can trust it (see tls_client.py).  ``serve_ssl_over_tcp``
accepts TCP connections and wraps each in an ``SSLStream``; the handler only
ever sees a stream.

    python examples/tls_server.py --port 12345 --ca-file /tmp/demo-ca.pem
    python examples/tls_client.py --port 12345 --ca-file /tmp/demo-ca.pem hello

Needs trustme (``pip install trustme``).  ``--max-connections N`` stops
after N connections, ``--duration S`` after S seconds.
"""

import argparse
import functools
import math
import ssl
import tempfile
from pathlib import Path

import trustme

import trio

HOST = "127.0.0.1"


async def echo(stream: trio.SSLStream) -> None:
    async with stream:  # graceful_close: TLS close_notify, then close the socket
        # The handshake happens on first use; do it now to report on it.
        await stream.do_handshake()
        print(f"TLS handshake done: {stream.version()}, {stream.cipher()}", flush=True)
        async for chunk in stream:
            await stream.sendall(chunk)
    print("connection closed", flush=True)


async def serve(port: int, ca_file: Path, max_connections: float) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(context)  # the server's certificate and key
    ca.cert_pem.write_to_path(str(ca_file))  # what clients must trust

    served = 0
    enough = trio.Event()

    async def handler(stream: trio.SSLStream) -> None:
        nonlocal served
        try:
            await echo(stream)
        except trio.BrokenStreamError as exc:
            # e.g. a client that does not trust our CA aborts the handshake
            print(f"connection failed: {exc!r}", flush=True)
        finally:
            served += 1
            if served >= max_connections:
                enough.set()

    async with trio.open_nursery() as nursery:
        serve_tls = functools.partial(trio.serve_ssl_over_tcp, handler, port, context, host=HOST)
        listeners = await nursery.start(serve_tls)
        bound_port = listeners[0].transport_listener.socket.getsockname()[1]
        print(f"listening on {HOST}:{bound_port} (clients: trust {ca_file})", flush=True)
        await enough.wait()
        nursery.cancel_scope.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=12345, help="0 picks a free port")
    parser.add_argument("--ca-file", type=Path, default=None, help="where to write the CA")
    parser.add_argument("--max-connections", type=int, default=None)
    parser.add_argument("--duration", type=float, default=None, help="seconds to run")
    args = parser.parse_args()
    ca_file = args.ca_file or Path(tempfile.gettempdir()) / "trio-example-ca.pem"
    limit = math.inf if args.max_connections is None else args.max_connections

    async def run() -> None:
        with trio.move_on_after(math.inf if args.duration is None else args.duration):
            await serve(args.port, ca_file, limit)
        print("server stopped", flush=True)

    trio.run(run)


if __name__ == "__main__":
    main()
