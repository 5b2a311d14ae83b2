"""A pytest plugin that writes every test's outcome to a JSON file.

The runner (``tests-ecosystem/run.py``) loads it into each suite's pytest
with ``-p outcome_recorder`` and names the file in the environment variable
``ECOSYSTEM_OUTCOMES``.  The file maps each test's node id to an object
``{"outcome": ..., "message": ...}``, where the outcome is one of
``passed``, ``failed`` (the test body failed), ``error`` (a fixture's setup
or teardown failed), ``skipped`` or ``xfailed`` (the suite's own
``xfail`` marker held), and the message is the first line of the failure
(empty for a pass), for the runner to show and to classify.

Only the standard library and pytest are imported: the plugin runs inside
third-party suites (AnyIO's) as well as ours.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

_ENV = "ECOSYSTEM_OUTCOMES"

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
    def __init__(self, path: str) -> None:
        self.path = path
        self.outcomes: dict[str, dict[str, str]] = {}

    def _set(self, nodeid: str, outcome: str, message: str) -> None:
        old = self.outcomes.get(nodeid)
        if old is None or _RANK[outcome] > _RANK[old["outcome"]]:
            self.outcomes[nodeid] = {"outcome": outcome, "message": message}

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
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            message = f"at collection: {_first_line(report)}"
            self._set(report.nodeid or "<collection>", "error", message)

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: Any) -> None:
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(self.outcomes, f, indent=0, sort_keys=True)


def pytest_configure(config: pytest.Config) -> None:
    """Register the recorder when ``ECOSYSTEM_OUTCOMES`` names a file."""
    path = os.environ.get(_ENV)
    if path:
        config.pluginmanager.register(_Recorder(path), "ecosystem-outcome-recorder")
