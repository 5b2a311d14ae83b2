"""Tests of the ecosystem runner itself (run.py and outcome_recorder.py).

Run by the `ecosystem` session before the suites:
``python -m pytest -p no:trio tests-ecosystem/selftest_run.py``.  They check
that the list is parsed strictly, that a surprise either way is caught, that
``--update`` keeps reasons and marks new entries TODO, and that the recorder
names each pytest outcome as the runner expects.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import run
from outcome_recorder import read_outcomes
from run import Entry, compare, read_list, write_list

pytest_plugins = ["pytester"]


def _outcomes(**kinds: str) -> dict[str, dict[str, str]]:
    return {nodeid: {"outcome": kind, "message": f"{kind}!"} for nodeid, kind in kinds.items()}


def test_compare_catches_surprises_either_way() -> None:
    listed = {
        "s::still_fails": Entry("s::still_fails", "known"),
        "s::now_passes": Entry("s::now_passes", "known"),
        "s::now_skips": Entry("s::now_skips", "known"),
        "s::gone": Entry("s::gone", "known"),
        "s::flaky": Entry("s::flaky", "FLAKY: sometimes"),
        "other::x": Entry("other::x", "another suite's entry"),
    }
    outcomes = _outcomes(
        still_fails="failed",
        now_passes="passed",
        now_skips="skipped",
        flaky="passed",
        new_failure="error",
        fine="passed",
        expected_by_suite="xfailed",
    )
    verdict = compare("s", outcomes, listed)
    assert verdict.expected_failures == 1
    assert verdict.unexpected_failures == [("s::new_failure", "error: error!")]
    assert verdict.unexpected_passes == [("s::now_passes", "passed"), ("s::now_skips", "skipped")]
    assert verdict.stale == ["s::gone"]


def test_list_round_trip_groups_by_reason(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    entries = {
        "a::t1": Entry("a::t1", "reason one"),
        "a::t2[x-y]": Entry("a::t2[x-y]", "reason two # with a hash"),
        "b::t3": Entry("b::t3", "reason one"),
    }
    write_list(path, entries)
    assert read_list(path) == entries
    text = path.read_text()
    assert text.index("# 2 x reason one") < text.index("# 1 x reason two")


@pytest.mark.parametrize(
    "line, problem",
    [
        ("a::t1", "needs a reason"),
        ("a::t1  # ", "needs a reason"),
        ("no-suite-here  # why", "<suite>::<node id>"),
    ],
)
def test_bad_lines_are_refused_naming_the_fix(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "list.txt"
    path.write_text(f"# comment\n{line}\n")
    with pytest.raises(SystemExit, match=r"list\.txt:2: .*" + problem.replace("::", ".*")):
        read_list(path)


def test_duplicates_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("a::t  # one\na::t  # two\n")
    with pytest.raises(SystemExit, match="listed twice"):
        read_list(path)


def test_update_keeps_reasons_adds_todo_and_fails_until_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.txt"
    write_list(
        path,
        {
            "ecosystem::old_fail": Entry("ecosystem::old_fail", "a known reason"),
            "ecosystem::fixed": Entry("ecosystem::fixed", "was broken"),
            "anyio::untouched": Entry("anyio::untouched", "another suite, not run"),
        },
    )
    results = _outcomes(old_fail="failed", fixed="passed", new_fail="failed")
    monkeypatch.setattr(run, "check_our_trio", lambda: "trio (test)")
    monkeypatch.setattr(run, "run_suite", lambda suite, suffix="": (results, "closing"))
    status = run.main(["--suite", "ecosystem", "--update", "--list", str(path)])
    after = read_list(path)
    assert after["ecosystem::old_fail"].reason == "a known reason"
    assert "ecosystem::fixed" not in after
    assert after["anyio::untouched"].reason == "another suite, not run"
    assert after["ecosystem::new_fail"].reason.startswith("TODO: reason (first error: failed!")
    assert status == 1, "a TODO reason must fail the run without --allow-todo"
    assert "still say TODO" in capsys.readouterr().out
    # With --allow-todo the updated list is accepted as is.
    assert run.main(["--suite", "ecosystem", "--allow-todo", "--list", str(path)]) == 0
    # ... and without --update, the same run against the old list fails both ways.
    write_list(path, {"ecosystem::fixed": Entry("ecosystem::fixed", "was broken")})
    assert run.main(["--suite", "ecosystem", "--list", str(path)]) == 1
    out = capsys.readouterr().out
    assert "UNEXPECTED PASS     ecosystem::fixed" in out
    assert "UNEXPECTED FAILURE  ecosystem::old_fail" in out


def test_recorder_names_every_outcome(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytester.makepyfile(
        test_kinds="""
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("setup broke")

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown broke")

        def test_pass(): pass
        def test_fail(): assert 1 == 2
        def test_setup_error(broken): pass
        def test_teardown_error(broken_teardown): pass
        def test_skip(): pytest.skip("not here")

        @pytest.mark.xfail(strict=True)
        def test_xfail(): assert False

        @pytest.mark.xfail(strict=True)
        def test_xpass_strict(): pass
        """
    )
    out = tmp_path / "outcomes.json"
    monkeypatch.setenv("ECOSYSTEM_OUTCOMES", str(out))
    monkeypatch.setenv("PYTHONPATH", str(run.HERE))
    # pytest-trio is installed in the session venv and cannot load on our trio yet.
    pytester.runpytest_subprocess(
        "-p", "outcome_recorder", "-p", "no:cacheprovider", "-p", "no:trio"
    )
    done, unfinished = read_outcomes(str(out))
    assert unfinished == []
    got = {k.split("::")[-1]: v for k, v in done.items()}
    assert {k: v["outcome"] for k, v in got.items()} == {
        "test_pass": "passed",
        "test_fail": "failed",
        "test_setup_error": "error",
        "test_teardown_error": "error",
        "test_skip": "skipped",
        "test_xfail": "xfailed",
        "test_xpass_strict": "failed",
    }
    assert "assert 1 == 2" in got["test_fail"]["message"]
    assert got["test_setup_error"]["message"].startswith("at setup: RuntimeError: setup broke")
    assert got["test_teardown_error"]["message"].startswith("at teardown:")


def test_a_hung_or_dying_test_is_recorded_and_the_rest_still_runs(tmp_path: Path) -> None:
    # No pytest-timeout here: the runner's own hang detection must step in.  The
    # ini file makes tmp_path its own rootdir (nox puts TMPDIR inside the repo).
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_fake.py").write_text(
        "import time\n"
        "def test_a(): pass\n"
        "def test_hang(): time.sleep(120)\n"
        "def test_c(): assert False\n"
        "def test_dies(): import os; os._exit(3)\n"
        "def test_e(): pass\n"
    )
    suite = run.Suite(
        "selftest-hang",
        tmp_path,
        ["-p", "outcome_recorder", "-p", "no:cacheprovider", "-p", "no:trio", "test_fake.py"],
        hang_timeout=3,
    )
    started = time.monotonic()
    outcomes, closing = run.run_suite(suite)
    assert time.monotonic() - started < 60
    assert {k: v["outcome"] for k, v in outcomes.items()} == {
        "test_fake.py::test_a": "passed",
        "test_fake.py::test_hang": "error",
        "test_fake.py::test_c": "failed",
        "test_fake.py::test_dies": "error",
        "test_fake.py::test_e": "passed",
    }
    assert outcomes["test_fake.py::test_hang"]["message"].startswith("hung: no progress for 3 s")
    assert outcomes["test_fake.py::test_dies"]["message"] == (
        "pytest died during this test (exit status 3)"
    )
    assert "2 hung or died, restarted" in closing
