"""hypercorn's trio worker (``hypercorn.trio.serve``) serving a small ASGI app.

The server binds 127.0.0.1:0 inside ``trio.run``; the client is a plain
blocking ``http.client`` connection in a worker thread
(``trio.to_thread.run_sync``), so that the test depends on this project only
through the server.  hypercorn's ``shutdown_trigger`` (an Event) stops it;
the whole test is under ``trio.fail_after``.
"""

from __future__ import annotations

import http.client
from typing import Any, cast

import pytest
from hypercorn.config import Config
from hypercorn.trio import serve

import trio


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Echo POST bodies; answer GET with the path; handle lifespan."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    payload = body if scope["method"] == "POST" else f"you asked for {scope['path']}".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"x-server", b"hypercorn-trio")],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _requests(port: int) -> list[tuple[int, str | None, bytes]]:
    results = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for method, path, body in [
            ("GET", "/hello", None),
            ("POST", "/echo", b"x" * 100_000),
            ("GET", "/again", None),
        ]:
            conn.request(method, path, body=body)
            response = conn.getresponse()
            results.append((response.status, response.getheader("x-server"), response.read()))
    finally:
        conn.close()
    return results


@pytest.mark.parametrize("use_lifespan", [True, False], ids=["lifespan", "no-lifespan"])
def test_serve_asgi_app(use_lifespan: bool) -> None:
    config = Config()
    config.bind = ["127.0.0.1:0"]
    config.accesslog = None
    config.errorlog = None
    config.graceful_timeout = 2
    results: list[tuple[int, str | None, bytes]] = []

    async def main() -> None:
        stop = trio.Event()
        with trio.fail_after(30):
            async with trio.open_nursery() as nursery:
                binds = await nursery.start(
                    lambda task_status=trio.TASK_STATUS_IGNORED: serve(
                        cast(Any, app if use_lifespan else _no_lifespan),
                        config,
                        shutdown_trigger=stop.wait,
                        task_status=task_status,
                    )
                )
                port = int(binds[0].rsplit(":", 1)[1])
                results.extend(await trio.to_thread.run_sync(_requests, port))
                stop.set()

    trio.run(main)
    assert results == [
        (200, "hypercorn-trio", b"you asked for /hello"),
        (200, "hypercorn-trio", b"x" * 100_000),
        (200, "hypercorn-trio", b"you asked for /again"),
    ]


async def _no_lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        raise RuntimeError("this app does not do lifespan")  # hypercorn carries on
    await app(scope, receive, send)
