"""A TLS echo client (see tls_server.py).

The client trusts only the CA the server wrote out, and checks that the
server's certificate is for the host it connected to: exactly what
``ssl.create_default_context()`` does for any HTTPS client.

    python examples/tls_client.py --port 12345 --ca-file /tmp/demo-ca.pem hello
"""

import argparse
import ssl
from pathlib import Path

import trio


async def main(host: str, port: int, ca_file: Path, messages: list[str]) -> None:
    context = ssl.create_default_context(cafile=str(ca_file))
    with trio.fail_after(10):
        # TCP connect, then the TLS handshake (verifying the certificate).
        stream = await trio.open_ssl_over_tcp_stream(host, port, ssl_context=context)
        async with stream:
            await stream.do_handshake()
            # The handshake checked that the certificate names the host we asked for.
            names = [value for _, value in stream.getpeercert()["subjectAltName"]]
            print(f"connected with {stream.version()} to a certificate for {', '.join(names)}")
            for message in messages:
                payload = message.encode()
                await stream.sendall(payload)
                reply = b""
                while len(reply) < len(payload):
                    chunk = await stream.recv(len(payload) - len(reply))
                    if not chunk:
                        raise ConnectionError("the server closed the connection early")
                    reply += chunk
                print(f"sent {message!r}, got back {reply.decode()!r}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12345)
    parser.add_argument("--ca-file", type=Path, required=True)
    parser.add_argument("messages", nargs="*", default=["hello", "over", "TLS"])
    args = parser.parse_args()
    trio.run(main, args.host, args.port, args.ca_file, args.messages)
