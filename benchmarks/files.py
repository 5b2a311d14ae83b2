"""Disk I/O workloads (issue 17): trio-files against Trio 0.35 and aiofiles.

    python benchmarks/files.py --impl {ours,trio,asyncio,uvloop} [--quick] [--workload NAME]

Implementations: ``ours`` is ``trio_files`` under ``trio_core.run``; ``trio`` is
Trio 0.35's ``trio.open_file`` / ``trio.Path``; ``asyncio`` is aiofiles on the
stock asyncio loop (the ``asyncio`` column of the table is aiofiles).  uvloop
is skipped: aiofiles runs every call in the loop's default executor, so it
would only repeat the asyncio row.  Each result also carries, as
``sync_reference`` in its details, the same work done by plain synchronous
Python in the same process (the physical limit: no thread hop at all).

Workloads (full size; --quick divides the sizes by 8 and the file count by 10):

file_lines   ``async for line in f`` over a 100 MB UTF-8 text file of lines of
             10-90 characters (made once, then reused from the temp directory,
             so it is in the page cache).  Metric: MiB/s (higher is better); the
             line count is checked.
small_files  10,000 files of 1 KiB: each written, read back and deleted, one
             after the other.  Ours and Trio: ``Path.write_bytes``,
             ``read_bytes``, ``unlink``; aiofiles: ``aiofiles.open`` +
             ``write`` / ``read``, ``aiofiles.os.remove`` (it has no Path).
             Metric: files/s (higher is better); every read is checked.
big_read     a 1 GiB file read sequentially in 1 MiB pieces with
             ``await f.read(1 << 20)`` (binary).  Metric: MiB/s (higher is
             better); the byte count is checked.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import Skip, TrioLike, Workload, _import, emit, main, now, run_asyncio

MIB = 1024 * 1024
DATA_DIR = Path(tempfile.gettempdir()) / "trio-bench-files"


def _sizes(quick: bool) -> tuple[int, int, int]:
    """(text file bytes, small file count, big file bytes)."""
    if quick:
        return 100 * MIB // 8, 1_000, 1024 * MIB // 8
    return 100 * MIB, 10_000, 1024 * MIB


def _text_file(size: int) -> tuple[Path, int]:
    """A text file of about ``size`` bytes (made once); its path and line count."""
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"lines-{size}.txt"
    count_path = path.with_suffix(".count")
    if not (path.exists() and count_path.exists()):
        lines = 0
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            written = 0
            i = 0
            while written < size:
                line = f"{i:08d} " + "abcdefghij" * (1 + i % 8) + "\n"
                f.write(line)
                written += len(line)
                i += 1
            lines = i
        os.replace(tmp, path)
        count_path.write_text(str(lines))
    return path, int(count_path.read_text())


def _big_file(size: int) -> Path:
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"big-{size}.bin"
    if not path.exists() or path.stat().st_size != size:
        tmp = path.with_suffix(".tmp")
        block = bytes(range(256)) * (MIB // 256)
        with open(tmp, "wb") as f:
            for _ in range(size // MIB):
                f.write(block)
        os.replace(tmp, path)
    return path


def _files_module(api: TrioLike) -> Any:
    if api.impl == "ours":
        return _import("trio_files")
    return api.core  # Trio 0.35: trio.open_file, trio.Path


def _emit(
    workload: str, impl: str, metric: str, value: float, unit: str, sync: float, **extra: Any
) -> None:
    emit(
        workload,
        impl,
        metric,
        value,
        unit,
        "higher",
        sync_reference=sync,
        fraction_of_sync=value / sync if sync else None,
        **extra,
    )


# ---------------------------------------------------------------- file_lines


def _lines_sync(path: Path) -> tuple[float, int]:
    t0 = now()
    n = 0
    with open(path, encoding="utf-8") as f:
        for _ in f:
            n += 1
    return now() - t0, n


def file_lines_trio(api: TrioLike, quick: bool) -> None:
    size, _, _ = _sizes(quick)
    path, expected = _text_file(size)
    files = _files_module(api)

    async def amain() -> tuple[float, int]:
        t0 = now()
        n = 0
        async with await files.open_file(path, encoding="utf-8") as f:
            async for _ in f:
                n += 1
        return now() - t0, n

    elapsed, n = api.core.run(amain)
    _finish_lines(api.impl, path, expected, elapsed, n)


def file_lines_asyncio(impl: str, quick: bool) -> None:
    aiofiles = _aiofiles(impl)
    size, _, _ = _sizes(quick)
    path, expected = _text_file(size)

    async def amain() -> tuple[float, int]:
        t0 = now()
        n = 0
        async with aiofiles.open(path, encoding="utf-8") as f:
            async for _ in f:
                n += 1
        return now() - t0, n

    elapsed, n = run_asyncio(impl, amain)
    _finish_lines(impl, path, expected, elapsed, n)


def _finish_lines(impl: str, path: Path, expected: int, elapsed: float, n: int) -> None:
    if n != expected:
        raise RuntimeError(f"read {n} lines of {expected}")
    sync_elapsed, _ = _lines_sync(path)
    mib = path.stat().st_size / MIB
    _emit(
        "file_lines",
        impl,
        "throughput",
        mib / elapsed,
        "MiB/s",
        mib / sync_elapsed,
        lines=n,
        mib=mib,
        elapsed_s=elapsed,
    )


# ---------------------------------------------------------------- small_files

PAYLOAD = bytes(range(256)) * 4  # 1 KiB


def _small_sync(root: Path, count: int) -> float:
    t0 = now()
    for i in range(count):
        p = root / f"s{i}"
        p.write_bytes(PAYLOAD)
        if p.read_bytes() != PAYLOAD:
            raise RuntimeError("read back something else")
        p.unlink()
    return now() - t0


def small_files_trio(api: TrioLike, quick: bool) -> None:
    _, count, _ = _sizes(quick)
    files = _files_module(api)
    root = Path(tempfile.mkdtemp(prefix="trio-bench-small-"))
    try:

        async def amain() -> float:
            base = files.Path(root)
            t0 = now()
            for i in range(count):
                p = base / f"f{i}"
                await p.write_bytes(PAYLOAD)
                if await p.read_bytes() != PAYLOAD:
                    raise RuntimeError("read back something else")
                await p.unlink()
            return now() - t0

        elapsed = api.core.run(amain)
        _finish_small(api.impl, root, count, elapsed)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def small_files_asyncio(impl: str, quick: bool) -> None:
    aiofiles = _aiofiles(impl)
    _, count, _ = _sizes(quick)
    root = Path(tempfile.mkdtemp(prefix="trio-bench-small-"))
    try:

        async def amain() -> float:
            t0 = now()
            for i in range(count):
                p = root / f"f{i}"
                async with aiofiles.open(p, "wb") as f:
                    await f.write(PAYLOAD)
                async with aiofiles.open(p, "rb") as f:
                    if await f.read() != PAYLOAD:
                        raise RuntimeError("read back something else")
                await aiofiles.os.remove(p)
            return now() - t0

        elapsed = run_asyncio(impl, amain)
        _finish_small(impl, root, count, elapsed)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _finish_small(impl: str, root: Path, count: int, elapsed: float) -> None:
    if any(root.iterdir()):
        raise RuntimeError("files were left behind")
    sync_elapsed = _small_sync(root, count)
    _emit(
        "small_files",
        impl,
        "files/s",
        count / elapsed,
        "files/s",
        count / sync_elapsed,
        files=count,
        elapsed_s=elapsed,
    )


# ---------------------------------------------------------------- big_read


def _big_sync(path: Path) -> tuple[float, int]:
    t0 = now()
    total = 0
    with open(path, "rb") as f:
        while chunk := f.read(MIB):
            total += len(chunk)
    return now() - t0, total


def big_read_trio(api: TrioLike, quick: bool) -> None:
    _, _, size = _sizes(quick)
    path = _big_file(size)
    files = _files_module(api)

    async def amain() -> tuple[float, int]:
        t0 = now()
        total = 0
        async with await files.open_file(path, "rb") as f:
            while chunk := await f.read(MIB):
                total += len(chunk)
        return now() - t0, total

    elapsed, total = api.core.run(amain)
    _finish_big(api.impl, path, size, elapsed, total)


def big_read_asyncio(impl: str, quick: bool) -> None:
    aiofiles = _aiofiles(impl)
    _, _, size = _sizes(quick)
    path = _big_file(size)

    async def amain() -> tuple[float, int]:
        t0 = now()
        total = 0
        async with aiofiles.open(path, "rb") as f:
            while chunk := await f.read(MIB):
                total += len(chunk)
        return now() - t0, total

    elapsed, total = run_asyncio(impl, amain)
    _finish_big(impl, path, size, elapsed, total)


def _finish_big(impl: str, path: Path, size: int, elapsed: float, total: int) -> None:
    if total != size:
        raise RuntimeError(f"read {total} bytes of {size}")
    sync_elapsed, _ = _big_sync(path)
    mib = size / MIB
    _emit(
        "big_read",
        impl,
        "throughput",
        mib / elapsed,
        "MiB/s",
        mib / sync_elapsed,
        mib=mib,
        elapsed_s=elapsed,
    )


# ---------------------------------------------------------------- plumbing


def _aiofiles(impl: str) -> Any:
    if impl == "uvloop":
        raise Skip("aiofiles uses the loop's default executor: the asyncio row already shows it")
    aiofiles = _import("aiofiles")
    _import("aiofiles.os")
    return aiofiles


WORKLOADS = [
    Workload(
        "file_lines",
        "async for line in f over a 100 MB text file",
        file_lines_trio,
        file_lines_asyncio,
    ),
    Workload(
        "small_files",
        "10,000 1 KiB files written, read back and deleted",
        small_files_trio,
        small_files_asyncio,
    ),
    Workload("big_read", "1 GiB read in 1 MiB pieces", big_read_trio, big_read_asyncio),
]

if __name__ == "__main__":
    sys.exit(main(WORKLOADS))
