"""Hardening, "Processes": many short children in a row and at once, big pipes.

Large sizes with TRIO_STRESS=1 (`nox -s stress`); reduced sizes otherwise.
After each test no child of ours is left (running or a zombie) and no file
descriptor is left open.
"""

from __future__ import annotations

import os
import sys

import pytest
from stress_support import open_fds, size

import trio

IN_A_ROW = size("processes_in_a_row", 1000, 100)
AT_ONCE = size("processes_at_once", 100, 20)
CAPTURE_MIB = size("capture_mib", 100, 10)

needs_proc = pytest.mark.skipif(not os.path.isdir("/proc"), reason="lists children via /proc")


def _children() -> list[tuple[int, str]]:
    me, found = os.getpid(), []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                found.append((int(name), fields[0].decode()))
    return found


@needs_proc
async def test_many_short_processes_in_a_row_leave_nothing_behind() -> None:
    fds = open_fds()
    for _ in range(IN_A_ROW):
        result = await trio.run_process(["true"])
        assert result.returncode == 0
    assert _children() == []
    assert open_fds() == fds


@needs_proc
async def test_many_processes_at_once_with_pipes_leave_nothing_behind() -> None:
    fds = open_fds()
    outputs: dict[int, bytes] = {}

    async def one(i: int) -> None:
        result = await trio.run_process(
            ["sh", "-c", f"cat; echo {i}"], stdin=b"in-%d\n" % i, capture_stdout=True
        )
        outputs[i] = result.stdout

    async with trio.open_nursery() as nursery:
        for i in range(AT_ONCE):
            nursery.start_soon(one, i)
    assert outputs == {i: b"in-%d\n%d\n" % (i, i) for i in range(AT_ONCE)}
    assert _children() == []
    assert open_fds() == fds


@needs_proc
async def test_many_processes_at_once_cancelled_are_all_reaped() -> None:
    with trio.move_on_after(1):
        async with trio.open_nursery() as nursery:
            for _ in range(AT_ONCE):
                nursery.start_soon(trio.run_process, ["sleep", "100"])
    assert _children() == []


async def test_big_capture_of_both_outputs_and_big_input() -> None:
    size_bytes = CAPTURE_MIB * 1024 * 1024
    script = (
        "import os, sys\n"
        "data = sys.stdin.buffer.read()\n"
        "os.write(2, data)\n"
        "sys.stdout.buffer.write(data)\n"
    )
    data = os.urandom(size_bytes)
    result = await trio.run_process(
        [sys.executable, "-c", script], stdin=data, capture_stdout=True, capture_stderr=True
    )
    assert result.stdout == data
    assert result.stderr == data
