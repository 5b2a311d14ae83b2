"""A pytest plugin that writes every test's outcome to a file, as it happens.

The runner (``tests-ecosystem/run.py``) loads it into each suite's pytest
with ``-p outcome_recorder`` and names the file in the environment variable
``ECOSYSTEM_OUTCOMES``.  The file gets one JSON object a line, written and
flushed at once, so that a run killed in the middle (a test that hangs
beyond what pytest-timeout can interrupt) keeps what it had found:
``{"event": "start", "nodeid": ...}`` when a test begins, and
``{"event": "done", "nodeid": ..., "outcome": ..., "message": ...}`` when it
is over, where the outcome is one of ``passed``, ``failed`` (the test body
failed), ``error`` (a fixture's setup or teardown failed, or collection),
``skipped`` or ``xfailed`` (the suite's own ``xfail`` marker held), and the
message is the first line of the failure (empty for a pass).

If ``ECOSYSTEM_EXCLUDE`` names a file of node ids (one a line), those
tests are deselected: the runner restarts a killed run without the tests it
already has.

Only the standard library and pytest are imported: the plugin runs inside
third-party suites (AnyIO's) as well as ours.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

_ENV = "ECOSYSTEM_OUTCOMES"
_EXCLUDE_ENV = "ECOSYSTEM_EXCLUDE"

# Later phases override earlier ones only in this order of severity.
_RANK = {"passed": 0, "skipped": 1, "xfailed": 1, "failed": 2, "error": 3}


def _first_line(report: pytest.TestReport | pytest.CollectReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        text = str(crash.message)
    elif isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
        text = str(report.longrepr[2])
    else:
        text = str(report.longrepr or "")
    return text.strip().splitlines()[0][:300] if text.strip() else ""


class _Recorder:
    def __init__(self, path: str, exclude: set[str]) -> None:
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run
        self.exclude = exclude
        self.outcomes: dict[str, dict[str, str]] = {}

    def _write(self, record: dict[str, str]) -> None:
        self.file.write(json.dumps(record, sort_keys=True) + "\n")
        self.file.flush()

    def _set(self, nodeid: str, outcome: str, message: str) -> None:
        old = self.outcomes.get(nodeid)
        if old is None or _RANK[outcome] > _RANK[old["outcome"]]:
            self.outcomes[nodeid] = {"outcome": outcome, "message": message}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if not self.exclude:
            return
        dropped = [item for item in items if item.nodeid in self.exclude]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if item.nodeid not in self.exclude]

    @pytest.hookimpl
    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self._write({"event": "start", "nodeid": nodeid})

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            if hasattr(report, "wasxfail"):
                # A strict xfail that passed is reported by pytest as failed.
                outcome = "xfailed" if report.skipped else "failed"
            elif report.passed:
                outcome = "passed"
            elif report.skipped:
                outcome = "skipped"
            else:
                outcome = "failed"
            self._set(report.nodeid, outcome, _first_line(report) if outcome != "passed" else "")
        elif report.failed:
            self._set(report.nodeid, "error", f"at {report.when}: {_first_line(report)}")
        elif report.skipped:
            self._set(report.nodeid, "skipped", _first_line(report))

    @pytest.hookimpl
    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        result = self.outcomes.get(nodeid, {"outcome": "error", "message": "no report"})
        self._write({"event": "done", "nodeid": nodeid, **result})

    @pytest.hookimpl
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            message = f"at collection: {_first_line(report)}"
            self._write(
                {
                    "event": "done",
                    "nodeid": report.nodeid or "<collection>",
                    "outcome": "error",
                    "message": message,
                }
            )

    @pytest.hookimpl
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.file.close()


def read_outcomes(path: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    """What a recorder wrote: the finished tests' outcomes, and the tests started but
    not finished (in order), from a file that may end in a half-written line."""
    done: dict[str, dict[str, str]] = {}
    started: list[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # the last line of a killed run
            nodeid = record.pop("nodeid")
            if record.pop("event") == "start":
                started.append(nodeid)
            else:
                done[nodeid] = record
    return done, [nodeid for nodeid in started if nodeid not in done]


def pytest_configure(config: pytest.Config) -> None:
    """Register the recorder when ``ECOSYSTEM_OUTCOMES`` names a file."""
    path = os.environ.get(_ENV)
    if path:
        exclude: set[str] = set()
        if excluded := os.environ.get(_EXCLUDE_ENV):
            with open(excluded, encoding="utf-8") as f:
                exclude = {line.strip() for line in f if line.strip()}
        config.pluginmanager.register(_Recorder(path, exclude), "ecosystem-outcome-recorder")
