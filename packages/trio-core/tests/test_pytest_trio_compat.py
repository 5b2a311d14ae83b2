"""Tests written for pytest-trio run unchanged under the trio-core plugin, and when
pytest-trio is installed too, exactly one plugin (this one) handles trio tests.

The cases that need pytest-trio itself are skipped where it is not installed
(install it without its dependencies, which would replace this project's
``trio``: ``pip install --no-deps pytest-trio``).
"""

from __future__ import annotations

import importlib.util

import pytest

pytest_plugins = ["pytester"]

# pytest-trio imports ``trio``: the meta-package must be installed too.
needs_pytest_trio = pytest.mark.skipif(
    importlib.util.find_spec("pytest_trio") is None or importlib.util.find_spec("trio") is None,
    reason="pytest-trio (pip install --no-deps pytest-trio) and the trio meta-package are needed",
)


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")


def _session(pytester: pytest.Pytester, source: str, ini: str = "", *args: str) -> pytest.RunResult:
    pytester.makeini("[pytest]\nfilterwarnings = error\n" + ini)
    pytester.makepyfile(source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", *args)


# A test module written for pytest-trio: its conventions, nothing else (trio-core
# under the name ``trio``, so that it runs with only trio-core installed).
PYTEST_TRIO_STYLE = """
import pytest
import trio_core as trio
from trio_core.testing import MockClock

@pytest.fixture
async def resource():
    await trio.sleep(0)
    yield "ready"
    await trio.sleep(0)

@pytest.fixture
async def value(resource):
    return resource + "!"

@pytest.mark.trio
async def test_async_fixtures_have_their_values(value, resource):
    assert (value, resource) == ("ready!", "ready")

@pytest.mark.trio
async def test_nursery_fixture(nursery, autojump_clock):
    done = trio.Event()

    async def background():
        await trio.sleep(100)
        done.set()

    nursery.start_soon(background)
    nursery.start_soon(trio.sleep_forever)  # cancelled when the test ends
    await done.wait()
    assert isinstance(autojump_clock, MockClock)

@pytest.mark.trio
async def test_mock_clock(mock_clock):
    mock_clock.jump(5)
    assert trio.current_time() >= 5

@pytest.mark.trio
async def test_only_one_plugin_handles_trio_tests(request):
    manager = request.config.pluginmanager
    names = [manager.get_name(plugin) for plugin in manager.get_plugins()]
    assert "trio_core" in names
    assert not [name for name in names if name in ("trio", "pytest_trio.plugin")]
"""


def test_pytest_trio_style_tests_run_unchanged(pytester: pytest.Pytester) -> None:
    result = _session(pytester, PYTEST_TRIO_STYLE)
    result.assert_outcomes(passed=4)


def test_pytest_trio_style_trio_mode_and_trio_run(pytester: pytest.Pytester) -> None:
    source = PYTEST_TRIO_STYLE.replace("@pytest.mark.trio\n", "")
    result = _session(pytester, source, "trio_mode = true\ntrio_run = trio\n")
    result.assert_outcomes(passed=4)


def test_a_crash_in_the_nursery_fixture_fails_the_test(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core as trio

async def crash():
    await trio.sleep(0)
    raise ValueError("background task crashed")

@pytest.mark.trio
async def test_it(nursery):
    nursery.start_soon(crash)
    await trio.sleep_forever()
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ValueError*background task crashed*"])


def test_another_runner_is_refused_clearly(pytester: pytest.Pytester) -> None:
    result = _session(pytester, "async def test_it():\n    pass\n", "trio_run = qtrio\n")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*trio_run = 'qtrio'*-p no:trio_core*"])
    result = _session(
        pytester,
        """
import pytest

@pytest.mark.trio(run=print)
async def test_it():
    pass
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*run=<built-in function print>*-p no:trio_core*"])


@needs_pytest_trio
def test_with_pytest_trio_installed_this_plugin_wins_and_says_so(
    pytester: pytest.Pytester,
) -> None:
    result = _session(pytester, PYTEST_TRIO_STYLE)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["trio: the trio-core plugin runs *pytest-trio is disabled*"])


@needs_pytest_trio
def test_trio_fixture_of_pytest_trio_runs_inside_the_run(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio
from pytest_trio import trio_fixture

@trio_fixture
def token():
    return trio.lowlevel.current_trio_token()  # only works inside a run

@pytest.mark.trio
async def test_it(token):
    assert token is trio.lowlevel.current_trio_token()
""",
    )
    result.assert_outcomes(passed=1)


@needs_pytest_trio
def test_disabling_this_plugin_leaves_the_tests_to_pytest_trio(
    pytester: pytest.Pytester,
) -> None:
    result = _session(
        pytester,
        """
import pytest, trio

@pytest.mark.trio
async def test_handled_by_pytest_trio(request):
    manager = request.config.pluginmanager
    assert manager.get_plugin("trio_core") is None
    assert manager.get_plugin("trio") is not None
    await trio.sleep(0)
""",
        "",
        "-p",
        "no:trio_core",
    )
    result.assert_outcomes(passed=1)
