from __future__ import annotations

from trio_streams.testing import (
    check_half_closeable_stream,
    check_one_way_stream,
    lockstep_stream_one_way_pair,
    lockstep_stream_pair,
    memory_stream_one_way_pair,
    memory_stream_pair,
)


async def test_memory_one_way_conforms() -> None:
    async def maker():  # type: ignore[no-untyped-def]
        return memory_stream_one_way_pair()

    async def clogged():  # type: ignore[no-untyped-def]
        return lockstep_stream_one_way_pair()

    await check_one_way_stream(maker, clogged)


async def test_memory_pair_conforms() -> None:
    async def maker():  # type: ignore[no-untyped-def]
        return memory_stream_pair()

    async def clogged():  # type: ignore[no-untyped-def]
        return lockstep_stream_pair()

    await check_half_closeable_stream(maker, clogged)


async def test_lockstep_conforms() -> None:
    async def maker():  # type: ignore[no-untyped-def]
        return lockstep_stream_pair()

    await check_half_closeable_stream(maker, maker)
