"""Prove that the import-linter contracts in pyproject.toml bite.

Run by ``nox -s layers`` after ``lint-imports`` has passed on the real code.
For each kind of forbidden import (a private module of another
distribution, a trio-core module other than ``trio_core`` and
``trio_core.lowlevel``, an arrow the graph does not have, an I/O manager
reaching up into the run loop), it copies the five source trees to a
temporary directory, adds that one import, and checks that ``lint-imports``
now fails and names the broken contract.
Exits non-zero if any of them is let through.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "trio": ROOT / "src" / "trio",
    "trio_core": ROOT / "packages" / "trio-core" / "src" / "trio_core",
    "trio_socket": ROOT / "packages" / "trio-socket" / "src" / "trio_socket",
    "trio_streams": ROOT / "packages" / "trio-streams" / "src" / "trio_streams",
    "trio_signals": ROOT / "packages" / "trio-signals" / "src" / "trio_signals",
}
#: (module that gets the import, the import, the contract that must break)
BREAKAGES = [
    ("trio_signals", "from trio_core import _run", "a private _module"),
    ("trio_streams", "from trio_socket import _socket", "a private _module"),
    ("trio_socket", "import trio_core.testing", "only its top level and trio_core.lowlevel"),
    ("trio_signals", "import trio_streams", "no arrow between trio_signals and trio_streams"),
    ("trio_core", "import trio_socket", "meta -> streams -> socket -> core"),
    ("trio_core._io_common", "from trio_core._tasks import Task", "below the run loop"),
    ("trio_core._ki", "from trio_core import _run", "below the run loop"),
]


def main() -> int:
    failures = []
    for target, statement, contract in BREAKAGES:
        with tempfile.TemporaryDirectory() as tmp:
            for name, source in SOURCES.items():
                shutil.copytree(source, Path(tmp) / name)
            # A package gets the import in its __init__.py, a dotted module in its own file.
            package, _, module = target.partition(".")
            init = Path(tmp) / package / (f"{module}.py" if module else "__init__.py")
            init.write_text(init.read_text() + f"\n{statement}  # layers self-test\n")
            env = {**os.environ, "PYTHONPATH": tmp}
            result = subprocess.run(
                ["lint-imports", "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        broken = (
            result.returncode != 0 and f"{contract}" in result.stdout and "BROKEN" in result.stdout
        )
        print(f"{'ok  ' if broken else 'MISS'} {target}: {statement!r} -> {contract!r} broken")
        if not broken:
            failures.append(f"{target}: {statement}\n{result.stdout}\n{result.stderr}")
    if failures:
        print("the contracts let these through:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
