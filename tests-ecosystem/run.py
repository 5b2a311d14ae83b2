"""Run the ecosystem suites against this project's trio and compare with the list.

Usage (inside the venv the `ecosystem` nox session builds)::

    python tests-ecosystem/run.py                    # run, compare, summarize
    python tests-ecosystem/run.py --suite anyio      # only one suite
    python tests-ecosystem/run.py --update           # rewrite the list from this run
    python tests-ecosystem/run.py --allow-todo       # accept "TODO" reasons
    python tests-ecosystem/run.py --baseline         # only count outcomes (Trio 0.35 venv)

The suites:

``anyio``
    AnyIO's own test suite, from its sdist (pinned in requirements.txt,
    fetched with ``pip download --no-binary :all:`` into
    ``tests-ecosystem/.downloads/``), with only the tests parametrized on
    its trio backend selected (``anyio_trio_only.py``) and its
    ``network`` tests left out.
``ecosystem``
    Our own end-to-end tests beside this file (``test_*.py``): httpx,
    trio-websocket and hypercorn on loopback.
``pytest-trio``
    A small project written for pytest-trio (``pytest_trio_project/``),
    run the way its user would, with pytest-trio installed beside this
    project.

Every test's outcome is compared with ``expected-failures.txt``: a listed
test must fail (or error), an unlisted one must not.  Any other result,
either way, fails the run: an expected failure that now passes is reported
so that its line can be removed.  A reason starting with ``FLAKY`` accepts
either outcome.  A reason starting with ``TODO`` (what ``--update`` writes
for a new entry) fails the run unless ``--allow-todo`` is given: a developer
fills in the reason before the list lands.

Exit status: 0 when every result is as listed, 1 otherwise, 2 for a usage
or environment error (for example: ``trio`` is not this project's).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from outcome_recorder import read_outcomes

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOWNLOADS = HERE / ".downloads"
RESULTS = HERE / ".results"
LIST_FILE = HERE / "expected-failures.txt"
FAILING = {"failed", "error"}
#: Per-test bound (pytest-timeout) for our own suites; AnyIO's config sets its own (20 s).
TEST_TIMEOUT = 60
#: Bound on one whole suite: past it, the suite's processes are killed and the run fails.
SUITE_TIMEOUT = 480


@dataclass
class Entry:
    """One line of the expected-failures list."""

    test_id: str
    reason: str

    @property
    def flaky(self) -> bool:
        return self.reason.upper().startswith("FLAKY")

    @property
    def todo(self) -> bool:
        return self.reason.upper().startswith("TODO")


# ---------------------------------------------------------------- the list


def read_list(path: Path) -> dict[str, Entry]:
    """Parse the list: ``<suite>::<node id>  # <reason>``, one a line; ``#`` lines are comments."""
    entries: dict[str, Entry] = {}
    if not path.exists():
        return entries
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        test_id, sep, reason = line.partition("  # ")
        test_id, reason = test_id.strip(), reason.strip()
        if not sep or not reason:
            raise SystemExit(
                f"{path}:{number}: every entry needs a reason after two spaces and '# ' "
                f"(write '  # TODO: reason' if you do not know it yet): {raw!r}"
            )
        if "::" not in test_id:
            raise SystemExit(f"{path}:{number}: a test id is '<suite>::<node id>': {raw!r}")
        if test_id in entries:
            raise SystemExit(f"{path}:{number}: {test_id} is listed twice")
        entries[test_id] = Entry(test_id, reason)
    return entries


LIST_HEADER = """\
# Expected failures of the `ecosystem` nox session (tests-ecosystem/run.py).
#
# One test a line: `<suite>::<pytest node id>  # <reason>`.  A listed test
# must fail; an unlisted one must pass (or skip).  Either surprise fails the
# session, so when your change makes a listed test pass, delete its line
# (or run `nox -s ecosystem -- --update` and review the diff).  Reasons:
# "FLAKY: ..." accepts either outcome; "TODO: ..." (what --update writes
# for a new entry) fails the session until a developer writes the reason.
# Entries are grouped by reason, so that each group can be handed out.
"""


def write_list(path: Path, entries: dict[str, Entry]) -> None:
    """Write the list grouped by reason (largest group first), ids sorted within a group."""
    groups: dict[str, list[str]] = {}
    for entry in entries.values():
        groups.setdefault(entry.reason, []).append(entry.test_id)
    lines = [LIST_HEADER]
    for reason, ids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"\n# {len(ids)} x {reason}")
        lines.extend(f"{test_id}  # {reason}" for test_id in sorted(ids))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- the environment


def check_our_trio() -> str:
    """Fail (exit 2) unless ``import trio`` gives this project's meta-package, installed
    from this repository's path; return a line saying where it is."""
    # Imported here, not at the top: --baseline runs where trio_core is absent.
    import trio
    import trio_core

    problems = []
    dist = importlib.metadata.distribution("trio")
    origin = dist.read_text("direct_url.json")
    url = json.loads(origin).get("url", "") if origin else ""
    if url.rstrip("/") != ROOT.as_uri().rstrip("/"):
        problems.append(
            f"the installed `trio` distribution came from {url or 'a package index'!r}, "
            f"not from this repository ({ROOT.as_uri()})"
        )
    if getattr(trio, "run", None) is not trio_core.run:
        problems.append("trio.run is not trio_core.run (this is not our meta-package)")
    located = Path(str(dist.locate_file("trio/__init__.py"))).resolve()
    if trio.__file__ is None or Path(trio.__file__).resolve() != located:
        problems.append(f"trio.__file__ is {trio.__file__}, not the distribution's {located}")
    if problems:
        print("ecosystem: `trio` is not this project's:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print(
            "  Install requirements*.txt with our versions as constraints (see noxfile.py).",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return f"trio {dist.version} from {url}: {trio.__file__}"


def pinned_version(name: str) -> str:
    """The version pinned for `name` in requirements.txt."""
    for line in (HERE / "requirements.txt").read_text().splitlines():
        req = line.split("#")[0].strip()
        if req.lower().startswith(f"{name.lower()}=="):
            return req.split("==", 1)[1]
    raise SystemExit(f"requirements.txt pins no version of {name}")


def anyio_source() -> Path:
    """AnyIO's unpacked sdist (its tests live there), downloaded once into .downloads/."""
    version = pinned_version("anyio")
    target = DOWNLOADS / f"anyio-{version}"
    if (target / "tests" / "conftest.py").exists():
        return target
    DOWNLOADS.mkdir(exist_ok=True)
    archive = DOWNLOADS / f"anyio-{version}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--dest",
                str(DOWNLOADS),
                f"anyio=={version}",
            ],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(DOWNLOADS, filter="data")
    if not (target / "tests" / "conftest.py").exists():
        raise SystemExit(f"{archive} holds no tests/conftest.py: is it AnyIO's sdist?")
    return target


# ---------------------------------------------------------------- the suites


@dataclass
class Suite:
    name: str
    cwd: Path
    args: list[str]
    #: Seconds without a finished test before the runner calls the running one hung.
    hang_timeout: float = 90


def suites(baseline: bool = False) -> dict[str, Suite]:
    """The suites by name.  On the baseline (Trio 0.35, no trio-core) pytest-trio stays on."""
    no_pytest_trio = [] if baseline else ["-p", "no:trio"]
    common = ["-p", "outcome_recorder", "-p", "no:cacheprovider", "-q", "-rN", "--tb=short"]
    common += ["--continue-on-collection-errors"]
    ours = sorted(str(p.relative_to(ROOT)) for p in HERE.glob("test_*.py"))
    return {
        "anyio": Suite(
            "anyio",
            Path(),  # filled in by anyio_source(), only when the suite runs
            [*common, "-p", "anyio_trio_only", "-m", "not network", "tests"],
            hang_timeout=30,  # AnyIO's own per-test timeout is 20 s
        ),
        "ecosystem": Suite(
            "ecosystem",
            ROOT,
            # pytest-trio is installed in this venv; these tests are plain sync
            # tests that call trio.run / anyio.run themselves.
            [*common, *no_pytest_trio, f"--timeout={TEST_TIMEOUT}", *ours],
        ),
        "pytest-trio": Suite(
            "pytest-trio",
            HERE / "pytest_trio_project",
            [*common, f"--timeout={TEST_TIMEOUT}", "tests"],
        ),
    }


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the suite's whole process group (it may have left children) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run_suite(suite: Suite, log_suffix: str = "") -> tuple[dict[str, dict[str, str]], str]:
    """Run one suite's pytest; return its outcomes by node id and a closing line.

    A test that makes no progress for the suite's ``hang_timeout`` (one that
    pytest-timeout could not interrupt) is recorded as an error, pytest is
    killed, and the run goes on in a new pytest without the tests already
    done; so does a test during which pytest itself died.  The whole suite is
    bounded by ``SUITE_TIMEOUT``.
    """
    if suite.name == "anyio":
        suite.cwd = anyio_source()
    RESULTS.mkdir(exist_ok=True)
    log = RESULTS / f"{suite.name}{log_suffix}.log"
    work = Path(tempfile.mkdtemp(prefix=f"ecosystem-{suite.name}-"))
    outcomes_file, exclude_file = work / "outcomes.jsonl", work / "exclude.txt"
    outcomes_file.touch()
    env = dict(os.environ)
    env["ECOSYSTEM_OUTCOMES"] = str(outcomes_file)
    env["ECOSYSTEM_EXCLUDE"] = str(exclude_file)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", *suite.args]
    started = time.monotonic()
    hung: dict[str, dict[str, str]] = {}
    returncode: int | None = None
    with log.open("w", encoding="utf-8") as out:
        while returncode is None:
            done, _ = read_outcomes(str(outcomes_file))
            exclude_file.write_text("".join(f"{nodeid}\n" for nodeid in [*done, *hung]))
            out.write(f"$ cd {suite.cwd} && {' '.join(command)}\n")
            out.flush()
            proc = subprocess.Popen(
                command, cwd=suite.cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            size, progress = -1, time.monotonic()
            try:
                while True:
                    try:
                        returncode = proc.wait(timeout=1)
                        break
                    except subprocess.TimeoutExpired:
                        pass
                    now = time.monotonic()
                    if now - started > SUITE_TIMEOUT:
                        raise SystemExit(
                            f"ecosystem: suite {suite.name} did not finish within "
                            f"{SUITE_TIMEOUT} s and was killed; its output is in {log}"
                        )
                    if outcomes_file.stat().st_size != size:
                        size, progress = outcomes_file.stat().st_size, now
                    elif now - progress > suite.hang_timeout:
                        _, unfinished = read_outcomes(str(outcomes_file))
                        unfinished = [nodeid for nodeid in unfinished if nodeid not in hung]
                        message = (
                            f"hung: no progress for {suite.hang_timeout} s (beyond the "
                            "per-test timeout); pytest was killed and restarted without it"
                        )
                        if not unfinished:
                            unfinished = ["<session>"]
                            message = f"hung outside any test for {suite.hang_timeout} s"
                        for nodeid in unfinished:
                            hung[nodeid] = {"outcome": "error", "message": message}
                        out.write(f"\n[run.py] {message}: {', '.join(unfinished)}\n")
                        _kill_group(proc)
                        if unfinished == ["<session>"]:
                            returncode = -1
                        break
            finally:
                # Whatever the suite left behind in its process group goes too.
                _kill_group(proc)
            if returncode is not None and returncode >= 0:
                # pytest itself died during a test (an INTERNALERROR, os._exit, a
                # crash): that test is the result, and the rest still runs.
                _, unfinished = read_outcomes(str(outcomes_file))
                unfinished = [nodeid for nodeid in unfinished if nodeid not in hung]
                if unfinished:
                    message = f"pytest died during this test (exit status {returncode})"
                    for nodeid in unfinished:
                        hung[nodeid] = {"outcome": "error", "message": message}
                    out.write(f"\n[run.py] {message}: {', '.join(unfinished)}; restarting\n")
                    returncode = None
    elapsed = time.monotonic() - started
    outcomes, _ = read_outcomes(str(outcomes_file))
    outcomes.update(hung)
    shutil.rmtree(work)
    tail = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    closing = tail[-1].strip("= ") if tail else "(no output)"
    if not outcomes:
        # pytest stopped before any test (a plugin that fails to import, a usage
        # error): that is one result of its own, to be listed like any other.
        errors = [line for line in tail if line.startswith(("E ", "ERROR", "ImportError"))]
        message = (errors[-1] if errors else closing)[:300]
        outcomes = {"<session>": {"outcome": "error", "message": f"pytest exited "
                                  f"{returncode} before any test: {message}"}}  # fmt: skip
    elif returncode not in (0, 1, 2, -1):
        raise SystemExit(
            f"ecosystem: suite {suite.name}'s pytest exited {returncode} after "
            f"{len(outcomes)} outcomes ({closing}); its output is in {log}"
        )
    restarts = f"; {len(hung)} hung or died, restarted" if hung else ""
    return outcomes, f"{closing} [{elapsed:.0f} s{restarts}; log: {log.relative_to(ROOT)}]"


# ---------------------------------------------------------------- comparing


@dataclass
class Verdict:
    expected_failures: int = 0
    unexpected_failures: list[tuple[str, str]] | None = None
    unexpected_passes: list[tuple[str, str]] | None = None
    stale: list[str] | None = None

    def __post_init__(self) -> None:
        self.unexpected_failures = []
        self.unexpected_passes = []
        self.stale = []


def compare(suite: str, outcomes: dict[str, dict[str, str]], listed: dict[str, Entry]) -> Verdict:
    verdict = Verdict()
    assert verdict.unexpected_failures is not None
    assert verdict.unexpected_passes is not None
    assert verdict.stale is not None
    prefix = f"{suite}::"
    for nodeid, result in sorted(outcomes.items()):
        test_id = prefix + nodeid
        entry = listed.get(test_id)
        failing = result["outcome"] in FAILING
        if entry is not None and entry.flaky:
            continue
        if entry is not None and failing:
            verdict.expected_failures += 1
        elif entry is not None:
            verdict.unexpected_passes.append((test_id, result["outcome"]))
        elif failing:
            verdict.unexpected_failures.append(
                (test_id, f"{result['outcome']}: {result['message']}")
            )
    for test_id in sorted(listed):
        if test_id.startswith(prefix) and test_id[len(prefix) :] not in outcomes:
            verdict.stale.append(test_id)
    return verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", action="append", choices=sorted(suites()), help="repeatable")
    parser.add_argument("--update", action="store_true", help="rewrite the list from this run")
    parser.add_argument("--allow-todo", action="store_true", help="accept TODO reasons")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="count outcomes only (no comparison, no check that trio is ours): for Trio 0.35",
    )
    parser.add_argument("--save-outcomes", type=Path, help="write every outcome to this JSON file")
    parser.add_argument(
        "--compare-with",
        type=Path,
        help="outcomes JSON of a baseline run: count the tests that pass there and fail here",
    )
    parser.add_argument("--list", type=Path, default=LIST_FILE, help="the expected-failures list")
    args = parser.parse_args(argv)
    chosen = args.suite or list(suites())

    if args.baseline:
        import trio

        print(f"ecosystem (baseline): trio {trio.__version__}: {trio.__file__}")
    else:
        print(f"ecosystem: {check_our_trio()}")
    listed = read_list(args.list)
    everything: dict[str, dict[str, str]] = {}
    failed = False
    verdicts: dict[str, Verdict] = {}
    counts: dict[str, Counter[str]] = {}
    closings: dict[str, str] = {}
    for name in chosen:
        print(f"ecosystem: running suite {name} ...", flush=True)
        outcomes, closings[name] = run_suite(
            suites(args.baseline)[name], "-baseline" if args.baseline else ""
        )
        counts[name] = Counter(result["outcome"] for result in outcomes.values())
        everything.update({f"{name}::{k}": v for k, v in outcomes.items()})
        if not args.baseline:
            verdicts[name] = compare(name, outcomes, listed)

    if args.save_outcomes:
        args.save_outcomes.write_text(json.dumps(everything, indent=0, sort_keys=True))

    print("\n==================== ecosystem summary ====================")
    for name in chosen:
        c = counts[name]
        print(
            f"{name:12} {sum(c.values()):5} tests: {c['passed']} passed, {c['failed']} failed, "
            f"{c['error']} errors, {c['skipped']} skipped, {c['xfailed']} xfailed"
        )
        print(f"{'':12} pytest: {closings[name]}")
        if name in verdicts:
            v = verdicts[name]
            assert v.unexpected_failures is not None and v.unexpected_passes is not None
            assert v.stale is not None
            print(
                f"{'':12} {v.expected_failures} expected failures as listed, "
                f"{len(v.unexpected_failures)} unexpected failures, "
                f"{len(v.unexpected_passes)} unexpected passes, {len(v.stale)} stale entries"
            )
    if not args.baseline:
        by_reason = Counter(
            listed[k].reason
            for k, v in everything.items()
            if k in listed and v["outcome"] in FAILING
        )
        if by_reason:
            print("\nstill failing, by listed reason:")
            for reason, n in by_reason.most_common():
                print(f"  {n:5}  {reason}")
    if args.compare_with:
        base = json.loads(args.compare_with.read_text())
        worse = sorted(
            k
            for k, v in everything.items()
            if v["outcome"] in FAILING and base.get(k, {}).get("outcome") == "passed"
        )
        print(f"\n{len(worse)} tests pass on the baseline ({args.compare_with}) and fail here")
    if args.baseline:
        return 0

    if args.update:
        kept = {k: e for k, e in listed.items() if k.split("::", 1)[0] not in chosen or e.flaky}
        for test_id, result in everything.items():
            if result["outcome"] in FAILING and test_id not in kept:
                old = listed.get(test_id)
                kept[test_id] = old or Entry(
                    test_id, f"TODO: reason (first error: {result['message'][:160]})"
                )
        write_list(args.list, kept)
        removed = sorted(set(listed) - set(kept))
        added = sorted(set(kept) - set(listed))
        print(f"\nupdated {args.list}: {len(added)} entries added, {len(removed)} removed")
        listed = kept
        verdicts = {name: compare(name, {k.split("::", 1)[1]: v for k, v in everything.items()
                                         if k.startswith(f"{name}::")}, listed)
                    for name in chosen}  # fmt: skip

    for v in verdicts.values():
        assert v.unexpected_failures is not None and v.unexpected_passes is not None
        assert v.stale is not None
        for test_id, what in v.unexpected_failures:
            failed = True
            print(f"UNEXPECTED FAILURE  {test_id}\n    {what}")
        for test_id, outcome in v.unexpected_passes:
            failed = True
            print(
                f"UNEXPECTED PASS     {test_id} ({outcome}): it is listed as an expected "
                f"failure; remove its line from {args.list.name}"
            )
        for test_id in v.stale:
            failed = True
            print(
                f"STALE ENTRY         {test_id}: listed, but the suite has no such test "
                f"any more; remove its line from {args.list.name}"
            )
    todo = [e.test_id for e in listed.values() if e.todo and e.test_id.split("::", 1)[0] in chosen]
    if todo:
        print(f"\n{len(todo)} entries still say TODO instead of a reason (e.g. {todo[0]})")
        if not args.allow_todo:
            failed = True
            print(f"write their reasons in {args.list} (or pass --allow-todo while you work)")
    print("\necosystem: " + ("FAILED (see above)" if failed else "every result as listed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
