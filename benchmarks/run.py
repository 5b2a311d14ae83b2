"""Run every benchmark workload for every implementation and print the ratios.

    python benchmarks/run.py [--peer-python PATH] [--quick] [--only NAME ...]
                             [--repeat N] [--impls ours,trio,asyncio,uvloop]

Normally started by ``nox -s bench`` (``nox -s bench -- --quick --only core``),
which installs our five distributions, uvloop, psutil and trustme into the
session venv, and real Trio 0.35 into a venv of its own (its import name
``trio`` clashes with our meta-package) whose interpreter it passes as
``--peer-python``.

Implementations: ``ours`` (trio_core / trio_socket / trio_streams), ``asyncio``
and ``uvloop`` run under this interpreter; ``trio`` (Trio 0.35) under
``--peer-python``.  Every (workload, implementation, repetition) runs in a fresh
subprocess, repetitions interleaved across implementations.  The number kept is
the BEST of the repetitions (highest throughput, lowest lateness or memory):
other processes on a shared machine only ever make a number worse, so the best
run is the least disturbed one.  All samples go to the JSON file too.

Ratios are normalised so that > 1 means "ours is better": for a
higher-is-better metric ours/other, for a lower-is-better one other/ours.

Results are also written to benchmarks/results/latest.json (ignored by git).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPTS = ["core", "channels", "sockets", "streams", "lines"]
# Written by someone else; run if present, with its own CLI (--impl {ours,trio,asyncio}).
EXTERNAL_SCRIPTS = {"signal_latency": ("ours", "trio", "asyncio")}
IMPLS = ("ours", "trio", "asyncio", "uvloop")
PEERS = ("asyncio", "trio", "uvloop")


@dataclass
class Job:
    """One workload of one script (``workload`` None: the script's whole output)."""

    script: str
    workload: str | None
    impls: tuple[str, ...]
    takes_quick: bool = True


@dataclass
class Series:
    """Every sample of one metric of one workload, per implementation."""

    workload: str
    metric: str
    unit: str
    better: str
    floor: float | None = None
    samples: dict[str, list[float]] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)

    def best(self, impl: str) -> float | None:
        values = self.samples.get(impl)
        if not values:
            return None
        return max(values) if self.better == "higher" else min(values)

    def ratio(self, other: str) -> float | None:
        """ours vs other, > 1 meaning ours is better (None if either is missing)."""
        mine, theirs = self.best("ours"), self.best(other)
        if mine is None or theirs is None:
            return None
        if self.better == "lower" and self.floor is not None:
            mine, theirs = max(mine, self.floor), max(theirs, self.floor)
        if self.better == "higher":
            return mine / theirs if theirs > 0 else None
        return theirs / mine if mine > 0 else None


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmarks side by side: ours, Trio 0.35, asyncio, uvloop.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    parser.add_argument("--peer-python", help="interpreter of a venv with Trio 0.35 installed")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this workload or script (core, channels, sockets, streams, lines, "
        "signal_latency, or a workload name such as pingpong); repeatable, or comma-separated",
    )
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (best kept); 3")
    parser.add_argument(
        "--impls", default=",".join(IMPLS), help=f"comma-separated subset of {','.join(IMPLS)}"
    )
    parser.add_argument(
        "--timeout", type=float, default=180.0, help="seconds allowed per subprocess; 180"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=HERE / "results" / "latest.json",
        help="where to write the JSON results (default benchmarks/results/latest.json)",
    )
    args = parser.parse_args(argv)
    args.only = {name for item in args.only for name in item.split(",") if name}
    args.impls = tuple(i for i in args.impls.split(",") if i)
    unknown = set(args.impls) - set(IMPLS)
    if unknown:
        parser.error(f"unknown implementation(s) {sorted(unknown)}; choose from {IMPLS}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def _list_jobs(notes: list[str]) -> list[Job]:
    jobs: list[Job] = []
    for script in SCRIPTS:
        out = subprocess.run(
            [sys.executable, str(HERE / f"{script}.py"), "--list"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if out.returncode != 0:
            notes.append(f"{script}.py --list failed: {_last_line(out.stderr)}")
            continue
        for line in out.stdout.splitlines():
            entry = json.loads(line)
            jobs.append(Job(script, entry["workload"], tuple(entry["impls"])))
    for script, impls in EXTERNAL_SCRIPTS.items():
        path = HERE / f"{script}.py"
        if not path.exists():
            notes.append(f"{script}: benchmarks/{script}.py does not exist (yet); not run")
            continue
        helptext = subprocess.run(
            [sys.executable, str(path), "--help"], capture_output=True, text=True, cwd=ROOT
        ).stdout
        jobs.append(Job(script, None, impls, takes_quick="--quick" in helptext))
    return jobs


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no output)"


def _python_for(impl: str, peer: str | None) -> str | None:
    return peer if impl == "trio" else sys.executable


def _run_one(
    job: Job, impl: str, python: str, args: argparse.Namespace
) -> tuple[list[dict[str, Any]], str | None]:
    """Run one subprocess; return its JSON records and an error note (None if it went fine)."""
    cmd = [python, str(HERE / f"{job.script}.py"), "--impl", impl]
    if job.workload is not None:
        cmd += ["--workload", job.workload]
    if args.quick and job.takes_quick:
        cmd.append("--quick")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the peer venv must see only its own Trio
    env["PYTHONHASHSEED"] = "0"
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=args.timeout
        )
    except subprocess.TimeoutExpired:
        return [], f"timed out after {args.timeout:.0f} s"
    records = []
    for line in out.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    if out.returncode != 0:
        return records, f"exit status {out.returncode}: {_last_line(out.stderr)}"
    return records, None


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _table(series: list[Series], impls: tuple[str, ...], status: dict[tuple[str, str], str]) -> str:
    peers = [p for p in PEERS if p in impls and p != "uvloop"]
    header = [
        "workload",
        "metric [unit]",
        "better",
        *impls,
        *(f"ours/{p}" for p in peers),
    ]
    rows = [header]
    for s in series:
        cells = [s.workload, f"{s.metric} [{s.unit}]", s.better]
        for impl in impls:
            best = s.best(impl)
            cells.append(_fmt(best) if best is not None else status.get((s.workload, impl), "-"))
        cells += [_fmt_ratio(s.ratio(p)) for p in peers]
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, r in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(w) if i < 3 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{rev}{'+dirty' if dirty else ''}" if rev else "unknown"


def main(argv: list[str] | None = None) -> int:
    """Run the selected workloads; print the table; write the JSON file."""
    args = _parse_args(argv)
    notes: list[str] = []
    impls: tuple[str, ...] = args.impls
    if "trio" in impls and not args.peer_python:
        notes.append("trio: no --peer-python given, so Trio 0.35 was not run")
        impls = tuple(i for i in impls if i != "trio")
    jobs = _list_jobs(notes)
    if args.only:
        known = {j.script for j in jobs} | {j.workload for j in jobs if j.workload}
        unknown = args.only - known
        if unknown:
            print(
                f"--only: unknown name(s) {sorted(unknown)}; known: {sorted(known)}",
                file=sys.stderr,
            )
            return 2
        jobs = [j for j in jobs if j.script in args.only or j.workload in args.only]

    series: dict[tuple[str, str], Series] = {}
    status: dict[tuple[str, str], str] = {}  # (workload, impl) -> "skip" / "timeout" / "FAIL"
    failures: set[tuple[str, str]] = set()
    for job in jobs:
        label = job.workload or job.script
        print(f"== {label}", file=sys.stderr, flush=True)
        for rep in range(args.repeat):
            for impl in impls:
                if impl not in job.impls:
                    continue
                if status.get((label, impl)) in ("skip", "timeout"):
                    continue
                python = _python_for(impl, args.peer_python)
                assert python is not None
                records, error = _run_one(job, impl, python, args)
                for rec in records:
                    name = str(rec.get("workload", label))
                    if "skip" in rec:
                        if (name, impl) not in status:
                            notes.append(f"{name} [{impl}] skipped: {rec['skip']}")
                        status[(name, impl)] = "skip"
                        continue
                    try:
                        key = (name, str(rec["metric"]))
                        s = series.setdefault(
                            key,
                            Series(
                                name,
                                str(rec["metric"]),
                                str(rec["unit"]),
                                str(rec["better"]),
                                rec.get("floor_for_ratio"),
                            ),
                        )
                        s.samples.setdefault(impl, []).append(float(rec["value"]))
                        extra = {
                            k: v
                            for k, v in rec.items()
                            if k not in ("workload", "impl", "metric", "value", "unit", "better")
                        }
                        s.details.setdefault(impl, {}).update(extra)
                    except (KeyError, TypeError, ValueError) as exc:
                        notes.append(f"{label} [{impl}]: malformed record {rec!r} ({exc})")
                if error is not None:
                    notes.append(f"{label} [{impl}] rep {rep + 1} FAILED: {error}")
                    failures.add((label, impl))
                    if error.startswith("timed out"):
                        status[(label, impl)] = "timeout"  # not worth waiting for again
                shown = ", ".join(
                    f"{r['metric']}={_fmt(r['value'])}" for r in records if "value" in r
                ) or ("skip" if any("skip" in r for r in records) else error or "no output")
                print(f"   {impl:8} rep {rep + 1}: {shown}", file=sys.stderr, flush=True)

    # A failed run shows as FAIL only if no repetition of it produced a number
    # (the failures are listed in the notes either way, and make the exit status 1).
    for label, impl in failures:
        if not any(s.samples.get(impl) for s in series.values() if s.workload == label):
            status[(label, impl)] = "FAIL"
    ordered = list(series.values())
    mode = "quick" if args.quick else "full"
    print()
    print(
        f"Benchmarks ({mode} sizes), best of {args.repeat}; "
        "ours/X > 1 means ours is better (higher-is-better: ours/X, lower-is-better: X/ours)"
    )
    print()
    print(_table(ordered, impls, status))
    if notes:
        print()
        print("Notes:")
        for note in notes:
            print(f"  - {note}")

    payload = {
        "meta": {
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "revision": _git_revision(),
            "python": platform.python_version(),
            "peer_python": args.peer_python,
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "sizes": mode,
            "repeat": args.repeat,
            "aggregate": "best (max for higher-is-better, min for lower-is-better)",
            "ratio": "> 1 means ours is better",
        },
        "results": [
            {
                "workload": s.workload,
                "metric": s.metric,
                "unit": s.unit,
                "better": s.better,
                "best": {impl: s.best(impl) for impl in s.samples},
                "samples": s.samples,
                "details": s.details,
                "ratios": {f"ours/{p}": s.ratio(p) for p in PEERS},
            }
            for s in ordered
        ],
        "skipped_or_failed": {f"{w} [{i}]": v for (w, i), v in status.items()},
        "notes": notes,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2) + "\n")
    print()
    print(f"Written: {args.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
