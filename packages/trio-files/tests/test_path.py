"""trio_files.Path: every method on real files in tmp_path, against pathlib's results."""

from __future__ import annotations

import inspect
import os
import pathlib
import sys
from pathlib import Path as SyncPath
from typing import Any

import pytest

import trio_core
from trio_files import AsyncIOWrapper, Path, PosixPath

# Methods of pathlib.Path that are not wrapped, and why.
NOT_WRAPPED = {
    "link_to": "deprecated in 3.10 and removed in 3.12 (use hardlink_to)",
    "from_uri": "3.13's constructor from a file: URI does no I/O; Path(uri_path) builds one",
    "with_segments": "pure (inherited from PurePath)",
}


def test_construction_and_pure_operations_return_trio_paths(tmp_path: SyncPath) -> None:
    p = Path(tmp_path, "dir", "file.tar.gz")
    assert type(p) is PosixPath and isinstance(p, Path) and isinstance(p, pathlib.PurePath)
    assert repr(Path("a/b")) == "trio_files.PosixPath('a/b')"
    assert os.fspath(p) == str(tmp_path / "dir" / "file.tar.gz")
    assert pathlib.Path(p) == tmp_path / "dir" / "file.tar.gz"
    assert p == pathlib.PurePosixPath(p)
    derived = [
        p.parent,
        p / "x",
        "x" / Path("y"),
        p.with_name("other"),
        p.with_suffix(".zip"),
        p.with_stem("stem"),
        p.relative_to(tmp_path),
        p.joinpath("a", "b"),
        *p.parents,
    ]
    for other in derived:
        assert type(other) is PosixPath, other
    assert p.name == "file.tar.gz" and p.suffixes == [".tar", ".gz"] and p.stem == "file.tar"
    assert p.match("*.gz") and p.is_absolute()
    assert PosixPath("a") == Path("a")
    assert hash(Path("a")) == hash(PosixPath("a"))


def test_every_keyword_of_pathlibs_methods_is_accepted() -> None:
    """Every parameter of pathlib.Path's blocking methods exists on ours, by name."""
    gaps = []
    for name in sorted(set(dir(pathlib.Path)) - set(dir(pathlib.PurePath)) - set(NOT_WRAPPED)):
        if name.startswith("_"):
            continue
        theirs = inspect.signature(getattr(pathlib.Path, name)).parameters
        ours = inspect.signature(getattr(Path, name)).parameters
        missing = [p for p in theirs if p not in ours and p not in ("self", "cls")]
        if missing:
            gaps.append(f"{name}: {missing}")
    assert not gaps, gaps


def test_every_blocking_pathlib_method_is_an_async_method() -> None:
    blocking = {
        name
        for name in set(dir(pathlib.Path)) - set(dir(pathlib.PurePath))
        if not name.startswith("_")
    }
    missing = []
    for name in sorted(blocking - set(NOT_WRAPPED)):
        method = inspect.getattr_static(Path, name, None)
        if isinstance(method, classmethod):
            method = method.__func__
        if not inspect.iscoroutinefunction(method):
            missing.append(name)
    assert not missing, f"pathlib.Path methods without an async counterpart: {missing}"


async def test_information_methods(tmp_path: SyncPath) -> None:
    f = tmp_path / "f.txt"
    f.write_text("hello")
    link = tmp_path / "link"
    link.symlink_to(f)
    p, d, lk = Path(f), Path(tmp_path), Path(link)
    assert (await p.stat()).st_size == 5
    assert (await lk.lstat()).st_ino == link.lstat().st_ino
    assert (await lk.stat(follow_symlinks=False)).st_ino == link.lstat().st_ino
    assert await p.exists() and not await Path(tmp_path / "nope").exists()
    assert await p.is_file() and not await p.is_dir()
    assert await d.is_dir() and not await d.is_file()
    assert await lk.is_symlink() and not await p.is_symlink()
    assert not await p.is_mount() and await Path("/").is_mount()
    assert not await p.is_block_device() and not await p.is_char_device()
    assert await Path("/dev/null").is_char_device()
    assert not await p.is_fifo() and not await p.is_socket()
    assert await p.samefile(lk) and await p.samefile(str(f))
    assert await p.owner() == f.owner() and await p.group() == f.group()
    target = await lk.readlink()
    assert type(target) is PosixPath and target == f
    if sys.version_info >= (3, 12):
        assert not await p.is_junction()
        dangling = tmp_path / "dangling"
        dangling.symlink_to(tmp_path / "absent")
        assert not await Path(dangling).exists()
        assert await Path(dangling).exists(follow_symlinks=False)
    else:
        with pytest.raises(TypeError):
            await p.exists(follow_symlinks=False)
    if sys.version_info >= (3, 13):
        assert not await lk.is_file(follow_symlinks=False)
        assert await lk.owner(follow_symlinks=False) == link.owner(follow_symlinks=False)
    else:
        with pytest.raises(TypeError):
            await lk.is_file(follow_symlinks=False)


async def test_where_am_i(tmp_path: SyncPath, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert await Path.cwd() == tmp_path and type(await Path.cwd()) is PosixPath
    assert await PosixPath.home() == tmp_path
    assert await Path("x").absolute() == tmp_path / "x"
    assert await Path("a/../b").resolve() == (tmp_path / "b").resolve()
    assert await Path("~/q").expanduser() == tmp_path / "q"
    for got in (
        await Path("x").absolute(),
        await Path("~").expanduser(),
        await Path(".").resolve(),
    ):
        assert type(got) is PosixPath
    with pytest.raises(FileNotFoundError):
        await Path("missing").resolve(strict=True)


async def test_directories(tmp_path: SyncPath) -> None:
    root = Path(tmp_path)
    await (root / "a" / "b").mkdir(parents=True)
    with pytest.raises(FileExistsError):
        await (root / "a").mkdir()
    await (root / "a").mkdir(exist_ok=True)
    await (root / "a" / "one.py").touch()
    await (root / "a" / "b" / "two.py").touch()
    await (root / "a" / "three.txt").write_text("3")
    children = await (root / "a").iterdir()
    assert iter(children) is children
    names = sorted(p.name for p in children)
    assert names == ["b", "one.py", "three.txt"]
    assert sorted(p.name for p in await root.glob("a/*.py")) == ["one.py"]
    found = sorted(p.relative_to(root) for p in await root.rglob("*.py"))
    assert found == [Path("a/b/two.py"), Path("a/one.py")]
    for p in [*await root.glob("**/*"), *await root.rglob("*")]:
        assert type(p) is PosixPath
    if sys.version_info >= (3, 12):
        walked = list(await root.walk())
        assert walked[0][0] == root and type(walked[0][0]) is PosixPath
        assert {d.name for d, _, _ in walked} == {tmp_path.name, "a", "b"}
        assert sorted(p.name for p in await root.glob("A/*.PY", case_sensitive=False)) == ["one.py"]
    with pytest.raises(OSError):
        await (root / "a").rmdir()  # not empty
    await (root / "a" / "b" / "two.py").unlink()
    await (root / "a" / "b").rmdir()
    assert not (tmp_path / "a" / "b").exists()
    with pytest.raises(NotADirectoryError):
        await (root / "a" / "one.py").iterdir()
    with pytest.raises(ValueError):
        await root.glob("")


async def test_files(tmp_path: SyncPath) -> None:
    p = Path(tmp_path) / "data.bin"
    assert await p.write_bytes(b"\x00\x01") == 2
    assert await p.read_bytes() == b"\x00\x01"
    assert await p.write_text("é\n", encoding="latin-1") == 2
    assert (tmp_path / "data.bin").read_bytes() == b"\xe9\n"
    assert await p.read_text(encoding="latin-1") == "é\n"
    assert await p.read_text(encoding="ascii", errors="replace") == "\ufffd\n"
    await p.write_text("a\n", newline="\r\n")
    assert (tmp_path / "data.bin").read_bytes() == b"a\r\n"
    with pytest.raises(TypeError):
        await p.write_bytes("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await p.write_text(b"bytes")  # type: ignore[arg-type]

    await p.touch()
    with pytest.raises(FileExistsError):
        await p.touch(exist_ok=False)
    await p.chmod(0o600)
    assert (tmp_path / "data.bin").stat().st_mode & 0o777 == 0o600
    sync_lchmod = pathlib.Path(p).lchmod
    try:
        sync_lchmod(0o600)
    except BaseException as exc:
        with pytest.raises(type(exc)):
            await p.lchmod(0o600)
    else:
        await p.lchmod(0o600)

    moved = await p.rename(tmp_path / "moved.bin")
    assert type(moved) is PosixPath and await moved.exists() and not await p.exists()
    other = Path(tmp_path) / "other.bin"
    await other.write_bytes(b"o")
    replaced = await moved.replace(other)
    assert replaced == other and await other.read_bytes() == b"a\r\n"

    link = Path(tmp_path) / "sym"
    await link.symlink_to(other)
    assert await link.read_bytes() == b"a\r\n"
    hard = Path(tmp_path) / "hard"
    await hard.hardlink_to(other)
    assert (await hard.stat()).st_nlink == 2
    await hard.unlink()
    await hard.unlink(missing_ok=True)
    with pytest.raises(FileNotFoundError):
        await hard.unlink()

    async with await other.open("rb") as f:
        assert isinstance(f, AsyncIOWrapper)
        assert await f.read() == b"a\r\n"
    async with await other.open("w", newline="") as f:
        await f.write("x\r\n")
    async with await other.open(encoding="ascii", errors="strict", buffering=1) as f:
        assert [line async for line in f] == ["x\n"]


async def test_errors_are_pathlibs(tmp_path: SyncPath) -> None:
    missing = tmp_path / "missing"
    cases: list[tuple[str, tuple[Any, ...]]] = [
        ("stat", ()),
        ("read_text", ()),
        ("read_bytes", ()),
        ("unlink", ()),
        ("rmdir", ()),
        ("readlink", ()),
        ("owner", ()),
        ("rename", (tmp_path / "x",)),
        ("open", ()),
        ("samefile", (tmp_path,)),
    ]
    for name, args in cases:
        try:
            getattr(pathlib.Path(missing), name)(*args)
        except OSError as exc:
            expected = exc
        else:
            raise AssertionError(f"pathlib's {name} did not raise")
        with pytest.raises(type(expected)) as got:
            await getattr(Path(missing), name)(*args)
        assert str(got.value) == str(expected), name
    with pytest.raises(FileNotFoundError):
        await Path(tmp_path / "no" / "parent").mkdir()


async def test_cancelled_calls_do_nothing(tmp_path: SyncPath) -> None:
    target = Path(tmp_path) / "new"
    for call in (
        target.mkdir,
        target.touch,
        lambda: target.write_text("x"),
        lambda: target.open("w"),
    ):
        with trio_core.CancelScope() as scope:
            scope.cancel()
            await call()
        assert scope.cancelled_caught
        assert not os.path.exists(target)


async def test_a_started_call_completes_despite_cancellation(tmp_path: SyncPath) -> None:
    # Cancel while the thread runs: the directory is made and the call returns.
    target = Path(tmp_path) / "made"
    with trio_core.CancelScope() as scope:
        async with trio_core.open_nursery() as nursery:

            async def cancel_soon() -> None:
                # Every task blocked: the main task waits on mkdir's thread,
                # so the cancel lands while the thread works (or after it).
                await trio_core.testing.wait_all_tasks_blocked()
                scope.cancel()

            nursery.start_soon(cancel_soon)
            await target.mkdir()
            made = os.path.isdir(target)
    assert made
    # The cancel came while (or after) mkdir's thread ran, never before it
    # started; whether a Cancelled is then caught depends on which finishes
    # first, the thread or cancel_soon's wait, so only the cancel is asserted.
    assert scope.cancel_called
