"""mypy --strict on code using trio_files: a forgotten ``await`` is a type error.

Skipped where mypy is not installed (the ``typecheck`` nox session installs
it and runs this file).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

CLEAN = """
import io
import trio_files
from trio_files import AsyncIOWrapper, Path, open_file, wrap_file

async def main(p: Path) -> None:
    text: AsyncIOWrapper[io.TextIOWrapper] = await open_file(p)
    line: str = await text.readline()
    lines: list[str] = await text.readlines()
    async for each in text:
        each.upper()
    await text.write("x")
    await text.seek(0)
    position: int = await text.tell()
    name: str = text.encoding
    await text.aclose()
    binary = await open_file(p, "rb")
    chunk: bytes = await binary.read(10)
    peeked: bytes = await binary.peek()
    raw = await binary.detach()
    async with await p.open("wb") as out:
        await out.write(b"data")
    wrapped = wrap_file(io.BytesIO())
    data: bytes = await wrapped.read()
    parent: Path = p.parent / "x"
    exists: bool = await p.exists()
    content: str = await p.read_text()
    for child in await p.iterdir():
        child.with_suffix(".txt")
"""

MISTAKES = {
    "line = f.readline()\n    line.upper()": '"Coroutine[Any, Any, str]" has no attribute "upper"',
    "f.write('x')": "unused-coroutine",
    "p.exists()": "unused-coroutine",
    "s: str = await (await open_file(p, 'rb')).read()": "bytes",
    "b: bytes = await f.read()": "str",
    "q: Path = p.stat()": "Coroutine",
    "n = p.read_text() + 'x'": "Coroutine",
    "[c async for c in await p.iterdir()]": "__aiter__",
}


def _mypy(tmp_path: Path, source: str) -> tuple[str, int]:
    api = pytest.importorskip("mypy.api")
    module = tmp_path / "sample.py"
    module.write_text(source)
    stdout, stderr, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir=/dev/null", str(module)]
    )
    return stdout + stderr, status


def test_correct_code_type_checks(tmp_path: Path) -> None:
    out, status = _mypy(tmp_path, CLEAN)
    assert status == 0, out


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_a_forgotten_await_is_an_error(tmp_path: Path, mistake: str) -> None:
    source = textwrap.dedent(
        """
        from trio_files import Path, open_file

        async def main(p: Path) -> None:
            f = await open_file(p)
            {mistake}
        """
    ).replace("{mistake}", mistake)
    out, status = _mypy(tmp_path, source)
    assert status == 1, out
    assert MISTAKES[mistake] in out, out
