"""Every check of the monorepo, driven by nox.

`nox` with no arguments runs every session but `bench` (and `stress`).
`nox -l` lists them.  Siblings are always installed from this repo's paths
(or, in `build`, from its own wheelhouse), never by bare name from the
public index: unrelated projects own the names `trio` and `trio-core` there.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES = [
    "trio-core",
    "trio-socket",
    "trio-streams",
    "trio-signals",
    "trio-files",
    "trio-subprocess",
]
IMPORT_NAMES = {
    "trio": "trio",
    "trio-core": "trio_core",
    "trio-socket": "trio_socket",
    "trio-streams": "trio_streams",
    "trio-signals": "trio_signals",
    "trio-files": "trio_files",
    "trio-subprocess": "trio_subprocess",
}
TEST_DEPS = ["pytest>=8", "hypothesis>=6", "trustme>=1.1", "coverage[toml]>=7"]
INTEGRATION_PYTHONS = ["3.11", "3.12", "3.13"]

nox.options.sessions = [
    *(f"tests({pkg})" for pkg in PACKAGES),
    "tests_poll",
    "devmode",
    "deadlock",
    *(f"integration({py})" for py in INTEGRATION_PYTHONS),
    "typecheck",
    "lint",
    "layers",
    "build",
    "demo",
    "docs",
    "coverage",
    # "ecosystem" belongs here (issue 15); it is left out until its
    # expected-failures list is regenerated against guest mode
    # (`nox -s ecosystem -- --update`): today's list predates it.
]
nox.options.reuse_existing_virtualenvs = False


def _package_dir(name: str) -> Path:
    return ROOT if name == "trio" else ROOT / "packages" / name


def _sibling_closure(name: str) -> list[str]:
    """The package and every sibling it declares, transitively (dependencies first)."""
    order: list[str] = []

    def visit(pkg: str) -> None:
        if pkg in order:
            return
        meta = tomllib.loads((_package_dir(pkg) / "pyproject.toml").read_text())
        for req in meta["project"].get("dependencies", []):
            dep = req.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
            if dep in IMPORT_NAMES:
                visit(dep)
        order.append(pkg)

    visit(name)
    return order


def _install_local(session: nox.Session, *names: str) -> None:
    """Install the given distributions (and their sibling closure) from this repo's paths."""
    wanted: list[str] = []
    for name in names:
        for pkg in _sibling_closure(name):
            if pkg not in wanted:
                wanted.append(pkg)
    session.install(*(str(_package_dir(pkg)) for pkg in wanted))


@nox.session
@nox.parametrize("package", PACKAGES, ids=PACKAGES)
def tests(session: nox.Session, package: str) -> None:
    """One distribution's own tests, with ONLY it and the siblings it declares installed."""
    session.install(*TEST_DEPS)
    _install_local(session, package)
    installed = session.run("python", "-m", "pip", "list", "--format=freeze", silent=True)
    assert isinstance(installed, str)
    for other in set(IMPORT_NAMES) - set(_sibling_closure(package)):
        if any(line.lower().startswith(f"{other}==") for line in installed.splitlines()):
            session.error(f"{other} is installed, but {package} does not declare it")
    session.run(
        "python",
        "-m",
        "coverage",
        "run",
        f"--data-file={ROOT}/.coverage.{package}",
        f"--source={IMPORT_NAMES[package]}",
        "-m",
        "pytest",
        f"packages/{package}/tests",
        *session.posargs,
    )


@nox.session
def tests_poll(session: nox.Session) -> None:
    """Every package's tests again, forced onto the portable poll() I/O manager."""
    session.install(*TEST_DEPS)
    _install_local(session, "trio-streams", "trio-signals", "trio-files", "trio-subprocess")
    # One pytest per package: the packages' test directories share module
    # names (test_metadata.py, ...), which one rootdir-relative run cannot import.
    for package in PACKAGES:
        session.run(
            "pytest",
            f"packages/{package}/tests",
            *session.posargs,
            env={"TRIO_CORE_IO_MANAGER": "poll"},
        )


@nox.session
def devmode(session: nox.Session) -> None:
    """Every package's tests under `python -X dev -W error` (asyncio-style debug checks)."""
    session.install(*TEST_DEPS)
    _install_local(session, "trio-streams", "trio-signals", "trio-files", "trio-subprocess")
    for package in PACKAGES:
        session.run(
            "python",
            "-X",
            "dev",
            "-W",
            "error",
            "-m",
            "pytest",
            f"packages/{package}/tests",
            *session.posargs,
        )


@nox.session
def deadlock(session: nox.Session) -> None:
    """Every package's tests and tests-integration with deadlock detection on (no false alarm).

    The trio-core pytest plugin's ``--trio-detect-deadlocks`` runs every trio
    test under ``run(..., detect_deadlocks=True)``: a test that passes
    without it must pass with it.
    """
    session.install(*TEST_DEPS)
    _install_local(session, *PACKAGES, "trio")
    for package in PACKAGES:
        session.run(
            "pytest", f"packages/{package}/tests", "--trio-detect-deadlocks", *session.posargs
        )
    session.run("pytest", "tests-integration", "--trio-detect-deadlocks", *session.posargs)


def _find_python(version: str) -> str | None:
    """A real interpreter for `version`: pyenv's install first (its shims fail unless selected)."""
    candidates: list[str] = []
    try:
        root = subprocess.run(
            ["pyenv", "root"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        root = os.path.expanduser("~/.pyenv")
    candidates += sorted(
        glob.glob(f"{root}/versions/{version}.*/bin/python{version}"), reverse=True
    )
    if found := shutil.which(f"python{version}"):
        candidates.append(found)
    for candidate in candidates:
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


@nox.session(python=False)
@nox.parametrize("py", INTEGRATION_PYTHONS, ids=INTEGRATION_PYTHONS)
def integration(session: nox.Session, py: str) -> None:
    """`import trio` with all seven distributions, on Python 3.11, 3.12 and 3.13."""
    interpreter = _find_python(py)
    if interpreter is None:
        session.skip(f"Python {py} is not installed on this machine (looked in pyenv and PATH)")
    venv = ROOT / ".nox" / f"integration-{py}-venv"
    if venv.exists():
        shutil.rmtree(venv)
    session.run(interpreter, "-m", "venv", str(venv), external=True)
    python = str(venv / "bin" / "python")
    session.run(python, "-m", "pip", "install", "-q", "--upgrade", "pip", external=True)
    session.run(python, "-m", "pip", "install", "-q", *TEST_DEPS, external=True)
    session.run(
        python,
        "-m",
        "pip",
        "install",
        "-q",
        *(str(_package_dir(p)) for p in [*PACKAGES, "trio"]),
        external=True,
    )
    # The baseline Python also runs the hardening tests at their reduced sizes
    # (the large ones are the `stress` session).
    stress = ["tests-stress"] if py == INTEGRATION_PYTHONS[0] else []
    session.run(
        python, "-m", "pytest", "tests-integration", *stress, *session.posargs, external=True
    )


@nox.session
def typecheck(session: nox.Session) -> None:
    """`mypy --strict` over every distribution's src/ and tools/."""
    session.install("mypy>=1.10", "pytest>=8", "trustme>=1.1", "hypothesis>=6")
    _install_local(session, *PACKAGES, "trio")
    session.run(
        "mypy",
        "--strict",
        "src/trio",
        *(f"packages/{p}/src/{IMPORT_NAMES[p]}" for p in PACKAGES),
        "tools",
    )
    # trio-files promises that a forgotten `await` is a type error: mypy proves it.
    session.run("python", "-m", "pytest", "-q", "packages/trio-files/tests/test_typing.py")


@nox.session
def lint(session: nox.Session) -> None:
    """`ruff check` and `ruff format --check` over the whole repo."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def layers(session: nox.Session) -> None:
    """The import-layer contracts of ARCHITECTURE.md (import-linter), and proof that they bite."""
    session.install("import-linter>=2.1")
    _install_local(session, *PACKAGES, "trio")
    session.run("lint-imports")
    # ... and prove each contract bites: break it on a copy and expect a failure.
    session.run("python", "tools/layers_selftest.py")


@nox.session
def build(session: nox.Session) -> None:
    """Build a wheel and an sdist of all seven distributions; install each wheel alone."""
    session.install("build>=1.2")
    wheelhouse = ROOT / "dist" / "wheelhouse"
    if wheelhouse.exists():
        shutil.rmtree(wheelhouse)
    wheelhouse.mkdir(parents=True)
    names = [*PACKAGES, "trio"]
    for name in names:
        session.run("python", "-m", "build", "--outdir", str(wheelhouse), str(_package_dir(name)))
    artifacts = sorted(p.name for p in wheelhouse.iterdir())
    session.log(f"{len(artifacts)} artifacts: {', '.join(artifacts)}")
    if len(artifacts) != 2 * len(names):
        session.error(f"expected {2 * len(names)} artifacts, got {len(artifacts)}")
    # Third-party runtime dependencies go into the wheelhouse too, so that the
    # installs below need no index at all.
    session.run(
        "python",
        "-m",
        "pip",
        "download",
        "-q",
        "--dest",
        str(wheelhouse),
        "--only-binary=:all:",
        "idna>=3.4",
        "outcome>=1.3",
        "sniffio>=1.3",
    )
    for name in names:
        venv = ROOT / ".nox" / f"build-check-{name}"
        if venv.exists():
            shutil.rmtree(venv)
        session.run(sys.executable, "-m", "venv", str(venv), external=True)
        python = str(venv / "bin" / "python")
        session.run(
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "--find-links",
            str(wheelhouse),
            name,
            external=True,
        )
        module = IMPORT_NAMES[name]
        session.run(
            python,
            "-c",
            f"import {module}, importlib.metadata as m; "
            f"print('{name}', m.version('{name}'), 'imports as', {module}.__name__)",
            external=True,
        )
    _check_pip_keeps_our_trio(session, wheelhouse)


#: Libraries written for Trio, with the range of `trio` they declare (issue 15,
#: "The version pip sees"): with our wheels installed, pip must plan no `trio`
#: (nor any of our components' names) from the public index for them.
PIP_PROBES = ["trio-websocket", "anyio[trio]"]


def _check_pip_keeps_our_trio(session: nox.Session, wheelhouse: Path) -> None:
    """`pip install --dry-run` of PIP_PROBES in a fresh venv holding our wheels."""
    venv = ROOT / ".nox" / "build-check-pip-keeps-trio"
    if venv.exists():
        shutil.rmtree(venv)
    session.run(sys.executable, "-m", "venv", str(venv), external=True)
    python = str(venv / "bin" / "python")
    session.run(
        python,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-index",
        "--find-links",
        str(wheelhouse),
        "trio",
        external=True,
    )
    report = venv / "dry-run-report.json"
    session.run(
        python,
        "-m",
        "pip",
        "install",
        "-q",
        "--dry-run",
        "--report",
        str(report),
        "--find-links",
        str(wheelhouse),
        *PIP_PROBES,
        external=True,
    )
    planned = {
        re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower(): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    ours = {name: version for name, version in planned.items() if name in IMPORT_NAMES}
    if ours:
        session.error(
            f"pip would replace this project's distributions from the index to install "
            f"{PIP_PROBES}: {ours}; the `trio` meta-package's version must satisfy their range"
        )
    if "trio-websocket" not in planned:
        session.error(f"the dry run planned no trio-websocket at all: {planned}")
    session.log(
        f"pip keeps our trio for {', '.join(PIP_PROBES)}: it plans only "
        + ", ".join(f"{name} {version}" for name, version in sorted(planned.items()))
    )


@nox.session
def demo(session: nox.Session) -> None:
    """The README's first command: the TLS echo/chat demo on loopback."""
    session.install("trustme>=1.1")
    _install_local(session, *PACKAGES, "trio")
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """The Sphinx site under docs/ (tutorial, reference from the docstrings), warnings as errors."""
    session.install("sphinx>=7")
    _install_local(session, *PACKAGES, "trio")
    out = ROOT / "docs" / "_build" / "html"
    if out.exists():
        shutil.rmtree(out)
    session.run("sphinx-build", "-W", "--keep-going", "-E", "-b", "html", "docs", str(out))
    session.log(f"open {out / 'index.html'}")


@nox.session
def coverage(session: nox.Session) -> None:
    """Line coverage per distribution, from the `tests(...)` sessions; fails below 90%."""
    session.install("coverage[toml]>=7")
    advisory = bool(os.environ.get("TRIO_COVERAGE_ADVISORY"))
    for package in PACKAGES:
        # Each package is judged by its own tests only (its own session's data).
        files = glob.glob(str(ROOT / f".coverage.{package}*"))
        if not files:
            session.error(f"no coverage data for {package}: run `nox -s 'tests({package})'` first")
        combined = str(ROOT / f".coverage-report-{package}")
        session.run("coverage", "combine", "--keep", f"--data-file={combined}", *files)
        session.run(
            "coverage",
            "report",
            f"--data-file={combined}",
            f"--include=*/{IMPORT_NAMES[package]}/*",
            "--fail-under=90",
            success_codes=[0, 2] if advisory else [0],
        )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks side by side against Trio 0.35 and asyncio (and uvloop), reported as ratios."""
    # aiofiles: the asyncio peer of trio-files (benchmarks/files.py).
    session.install("uvloop>=0.19", "psutil>=5", "trustme>=1.1", "aiofiles>=23")
    _install_local(session, *PACKAGES, "trio")
    # Trio 0.35 owns the import name `trio` too, so it lives in a venv of its own.
    peer = ROOT / ".nox" / "bench-peer-trio"
    peer_deps = ["trio==0.35.0", "psutil>=5", "trustme>=1.1"]
    stamp = peer / "bench-deps.txt"
    if not stamp.exists() or stamp.read_text() != "\n".join(peer_deps):
        if not (peer / "bin" / "python").exists():
            session.run(sys.executable, "-m", "venv", str(peer), external=True)
        session.run(
            str(peer / "bin" / "python"), "-m", "pip", "install", "-q", *peer_deps, external=True
        )
        stamp.write_text("\n".join(peer_deps))
    session.run(
        "python",
        "benchmarks/run.py",
        "--peer-python",
        str(peer / "bin" / "python"),
        *session.posargs,
    )


@nox.session
def stress(session: nox.Session) -> None:
    """The hardening tests (tests-stress/) at their large sizes: 1,000 TLS
    connections, 100,000 sleeping tasks, 1,000-signal bursts, ...  Not in the
    default run, which covers their reduced sizes (in `integration(3.11)`)."""
    session.install(*TEST_DEPS)
    session.install(*(str(_package_dir(p)) for p in [*PACKAGES, "trio"]))
    session.run(
        "python",
        "-m",
        "pytest",
        "tests-stress",
        "--durations=0",
        *session.posargs,
        env={"TRIO_STRESS": "1"},
    )


ECOSYSTEM = ROOT / "tests-ecosystem"
#: The peer the ecosystem results are compared with (the issue's baseline).
ECOSYSTEM_PEER_TRIO = "trio==0.35.0"


def _our_pins() -> str:
    """A pip constraints file's text pinning our distributions to the versions in this repo."""
    lines = []
    for name in [*PACKAGES, "trio"]:
        meta = tomllib.loads((_package_dir(name) / "pyproject.toml").read_text())
        lines.append(f"{name}=={meta['project']['version']}")
    return "\n".join(lines) + "\n"


@nox.session
def ecosystem(session: nox.Session) -> None:
    """Third-party libraries (AnyIO's test suite, httpx, trio-websocket, hypercorn,
    pytest-trio) on this project's trio, pinned, against tests-ecosystem/expected-failures.txt.

    `nox -s ecosystem -- --update` rewrites the list from the current results;
    `-- --suite anyio` runs one suite; see tests-ecosystem/README.md.
    """
    _install_local(session, *PACKAGES, "trio")
    # Our versions as constraints: a pinned library that starts to require
    # `trio` makes the install fail here instead of replacing this project
    # with the index's Trio.
    constraints = Path(session.create_tmp()) / "our-versions.txt"
    constraints.write_text(_our_pins())
    session.install("-r", str(ECOSYSTEM / "requirements.txt"), "-c", str(constraints))
    # These declare `trio>=...`: the constraints keep ours (run.py checks it).
    session.install("-r", str(ECOSYSTEM / "requirements-trio.txt"), "-c", str(constraints))
    session.run("python", "-m", "pip", "check")
    # The runner's own tests first: a broken comparison would pass everything.
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:trio",
        "tests-ecosystem/selftest_run.py",
        env={"PYTHONPATH": str(ECOSYSTEM)},
    )
    # The baseline: the same suites on the index's Trio, in a venv of its own
    # (cached across runs; rebuilt when a pin changes).
    peer = ROOT / ".nox" / "ecosystem-peer-trio"
    requirements = [ECOSYSTEM / "requirements.txt", ECOSYSTEM / "requirements-trio.txt"]
    peer_deps = [ECOSYSTEM_PEER_TRIO, *(f"--requirement={r}" for r in requirements)]
    stamp = peer / "ecosystem-deps.txt"
    wanted = "\n".join([ECOSYSTEM_PEER_TRIO, *(r.read_text() for r in requirements)])
    if not stamp.exists() or stamp.read_text() != wanted:
        if peer.exists():
            shutil.rmtree(peer)
        session.run(sys.executable, "-m", "venv", str(peer), external=True)
        session.run(
            str(peer / "bin" / "python"), "-m", "pip", "install", "-q", *peer_deps, external=True
        )
        stamp.write_text(wanted)
    baseline = ECOSYSTEM / ".results" / "baseline-trio-0.35.json"
    baseline.parent.mkdir(exist_ok=True)
    session.run(
        str(peer / "bin" / "python"),
        "tests-ecosystem/run.py",
        "--baseline",
        "--save-outcomes",
        str(baseline),
        external=True,
    )
    # ... then ours, compared with the list (this step's exit status is the session's).
    session.run(
        "python", "tests-ecosystem/run.py", "--compare-with", str(baseline), *session.posargs
    )
