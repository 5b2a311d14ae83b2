"""httpx's ``AsyncClient`` on this project's trio, against a local h11 server.

Run twice: inside ``trio.run`` (httpx finds trio through sniffio) and under
``anyio.run(..., backend="trio")``.  Each test is bounded by
``trio.fail_after`` and by the session's per-test timeout.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest
from _loopback import BIG, h11_server

import trio

RUNNERS: dict[str, Callable[[Callable[[], Awaitable[None]]], None]] = {
    "trio.run": lambda fn: trio.run(fn),
    "anyio.run-trio": lambda fn: anyio.run(fn, backend="trio"),
}


@pytest.fixture(params=sorted(RUNNERS))
def run(request: pytest.FixtureRequest) -> Callable[[Callable[[], Awaitable[None]]], None]:
    return RUNNERS[request.param]


def test_get_and_post(run: Callable[[Callable[[], Awaitable[None]]], None]) -> None:
    seen: dict[str, object] = {}
    with h11_server() as port:
        base = f"http://127.0.0.1:{port}"

        async def main() -> None:
            with trio.fail_after(20):
                async with httpx.AsyncClient(base_url=base) as client:
                    hello = await client.get("/hello")
                    seen["hello"] = (hello.status_code, hello.text)
                    echo = await client.post("/echo", content=b"ping " * 1000)
                    seen["echo"] = echo.content
                    missing = await client.get("/nowhere")
                    seen["missing"] = missing.status_code

        run(main)
    assert seen == {"hello": (200, "hello from h11"), "echo": b"ping " * 1000, "missing": 404}


def test_concurrent_requests_and_big_body(
    run: Callable[[Callable[[], Awaitable[None]]], None],
) -> None:
    bodies: list[bytes] = []
    with h11_server() as port:

        async def main() -> None:
            with trio.fail_after(30):
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

                    async def fetch() -> None:
                        response = await client.get("/big")
                        bodies.append(response.content)

                    async with trio.open_nursery() as nursery:
                        for _ in range(5):
                            nursery.start_soon(fetch)

        run(main)
    assert len(bodies) == 5
    assert all(body == BIG for body in bodies)


def test_connection_refused_is_httpx_error(
    run: Callable[[Callable[[], Awaitable[None]]], None],
) -> None:
    # A port that was just free: nothing listens there.
    with h11_server() as port:
        pass

    async def main() -> None:
        with trio.fail_after(20):
            async with httpx.AsyncClient() as client:
                with pytest.raises(httpx.ConnectError):
                    await client.get(f"http://127.0.0.1:{port}/hello")

    run(main)
