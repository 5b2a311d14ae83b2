"""trio-subprocess through `import trio`: the names, and a child run beside other work."""

from __future__ import annotations

import subprocess

import trio
import trio_streams
import trio_subprocess


def test_names_are_where_modern_trio_has_them() -> None:
    assert trio.run_process is trio_subprocess.run_process
    assert trio.Process is trio_subprocess.Process
    assert trio.lowlevel.open_process is trio_subprocess.lowlevel.open_process
    assert trio.lowlevel.FdStream is trio_streams.FdStream
    assert not hasattr(trio, "FdStream"), "FdStream is lowlevel, as in modern Trio"


async def test_run_process_beside_other_work_and_streams_interoperate() -> None:
    async with trio.open_nursery() as nursery:
        process = await nursery.start(
            lambda task_status: trio.run_process(
                ["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, task_status=task_status
            )
        )
        assert isinstance(process, trio.Process)
        assert isinstance(process.stdio, trio.abc.Stream)
        # The pipes are plain trio streams: the generic helpers work on them.
        send, recv = trio.testing.memory_stream_one_way_pair()
        assert process.stdin is not None
        await process.stdin.sendall(b"through cat\n")
        await process.stdin.graceful_close()
        async for line in process.lines():
            await send.sendall(line)
        await send.graceful_close()
        assert await recv.recv(100) == b"through cat"
        await process.stdio.graceful_close()
    assert process.returncode == 0

    result = await trio.run_process(["sh", "-c", "echo $0"], capture_stdout=True)
    assert result.stdout == b"sh\n"
