"""The pytest plugin, driven through pytester."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def _run(pytester: pytest.Pytester, source: str, *, trio_mode: bool = True) -> pytest.RunResult:
    pytester.makeini(f"[pytest]\ntrio_mode = {'true' if trio_mode else 'false'}\n")
    pytester.makepyfile(source)
    return pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")


def test_async_tests_and_fixtures_share_one_run(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        """
import pytest, trio_core
from trio_core import lowlevel

LOG = []

@pytest.fixture
async def token():
    return lowlevel.current_trio_token()

@pytest.fixture
async def resource(token):
    LOG.append("setup")
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(trio_core.sleep_forever)
        yield (token, nursery)
        nursery.cancel_scope.cancel()
    LOG.append("teardown")

async def test_one(resource, token):
    assert resource[0] is token is lowlevel.current_trio_token()
    await trio_core.sleep(0)

def test_teardown_ran():
    assert LOG == ["setup", "teardown"]

async def test_clock(autojump_clock):
    await trio_core.sleep(1000)
    assert trio_core.current_time() >= 1000
""",
    )
    result.assert_outcomes(passed=3)


def test_fixture_errors_are_named(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        """
import pytest

@pytest.fixture
async def broken():
    raise ValueError("fixture blew up")

async def test_uses_broken(broken):
    pass
""",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_uses_broken*"])
    result.stdout.fnmatch_lines(["*ValueError: fixture blew up*"])
    result.stdout.fnmatch_lines(["*async fixture 'broken'*"])


def test_off_unless_enabled_but_marker_works(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        """
import pytest, trio_core

@pytest.mark.trio
async def test_marked():
    await trio_core.sleep(0)
""",
        trio_mode=False,
    )
    result.assert_outcomes(passed=1)


def test_failing_test_still_tears_down(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        """
import pytest

LOG = []

@pytest.fixture
async def fx():
    yield 1
    LOG.append("torn down")

async def test_fails(fx):
    raise AssertionError("boom")

def test_after():
    assert LOG == ["torn down"]
""",
    )
    result.assert_outcomes(passed=1, failed=1)
