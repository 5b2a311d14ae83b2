"""trio.open_file, trio.wrap_file and trio.Path through `import trio`, beside the rest."""

from __future__ import annotations

import io
from pathlib import Path as SyncPath

import pytest

import trio


def test_the_trio_names_are_trio_files_objects() -> None:
    import trio_files

    for name in ["open_file", "wrap_file", "Path", "PosixPath", "AsyncIOWrapper"]:
        assert getattr(trio, name) is getattr(trio_files, name)
        assert name in trio.__all__
    assert trio.component_versions["trio-files"] == trio_files.__version__


async def test_a_file_pipeline_through_trio(tmp_path: SyncPath) -> None:
    """Write lines with trio.Path, stream them through a memory channel, count them."""
    source = trio.Path(tmp_path) / "in.txt"
    await source.write_text("".join(f"{i}\n" for i in range(10_000)))
    send, receive = trio.open_memory_channel[str](16)
    total = 0

    async def producer() -> None:
        async with send, await trio.open_file(source) as f:
            async for line in f:
                await send.send(line)

    async def consumer() -> None:
        nonlocal total
        async with receive:
            async for line in receive:
                total += int(line)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(producer)
        nursery.start_soon(consumer)
    assert total == sum(range(10_000))

    out = source.with_name("out.bin")
    assert type(out) is trio.PosixPath
    async with await out.open("wb") as f:
        await f.write(b"done")
    assert await out.read_bytes() == b"done"
    assert sorted(p.name for p in await trio.Path(tmp_path).iterdir()) == ["in.txt", "out.bin"]


async def test_timeouts_and_errors_through_trio(tmp_path: SyncPath) -> None:
    with pytest.raises(FileNotFoundError):
        await trio.open_file(tmp_path / "missing")
    with trio.move_on_after(0) as scope:
        await (trio.Path(tmp_path) / "never").mkdir()
    assert scope.cancelled_caught and not (tmp_path / "never").exists()
    wrapped = trio.wrap_file(io.StringIO("a\nb\n"))
    assert [line async for line in wrapped] == ["a\n", "b\n"]
    await wrapped.aclose()


async def test_aclose_forcefully_closes_a_file(tmp_path: SyncPath) -> None:
    f = await trio.open_file(tmp_path / "w.txt", "w")
    await f.write("kept")
    await trio.aclose_forcefully(f)
    assert f.closed
    assert (tmp_path / "w.txt").read_text() == "kept"
