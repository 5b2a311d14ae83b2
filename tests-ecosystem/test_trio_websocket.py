"""trio-websocket on this project's trio: an echo server and client on loopback.

The server is ``trio_websocket.serve_websocket`` on 127.0.0.1, port 0; the
client is ``open_websocket``.  Messages: text, bytes, and one of 1 MiB (the
library's default ``max_message_size`` is 1 MiB, so the test raises it).
Each test runs in ``trio.run`` under ``trio.fail_after``.
"""

from __future__ import annotations

import pytest
import trio_websocket

import trio

MIB = 1024 * 1024
BIG = bytes(range(256)) * (MIB // 256)


async def _echo(request: trio_websocket.WebSocketRequest) -> None:
    ws = await request.accept()
    while True:
        try:
            message = await ws.get_message()
        except trio_websocket.ConnectionClosed:
            return
        await ws.send_message(message)


async def _with_echo_server(client: object) -> None:
    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            lambda task_status=trio.TASK_STATUS_IGNORED: trio_websocket.serve_websocket(
                _echo, "127.0.0.1", 0, None, max_message_size=2 * MIB, task_status=task_status
            )
        )
        port = server.port
        async with trio_websocket.open_websocket(
            "127.0.0.1", port, "/echo", use_ssl=False, max_message_size=2 * MIB
        ) as ws:
            await client(ws)  # type: ignore[operator]
        nursery.cancel_scope.cancel()


@pytest.mark.parametrize(
    "messages",
    [
        ["hello", "\u00fcn\u00efc\u00f8d\u00e9 \u2713"],
        [b"\x00\x01bytes\xff"],
        [BIG],
        ["text", b"bytes", BIG],
    ],
    ids=["text", "bytes", "1MiB", "mixed"],
)
def test_echo(messages: list[str | bytes]) -> None:
    got: list[str | bytes] = []

    async def client(ws: trio_websocket.WebSocketConnection) -> None:
        for message in messages:
            await ws.send_message(message)
            got.append(await ws.get_message())

    async def main() -> None:
        with trio.fail_after(30):
            await _with_echo_server(client)

    trio.run(main)
    assert got == messages
