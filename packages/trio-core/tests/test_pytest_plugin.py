"""The trio-core pytest plugin, driven through pytester (each case is a small pytest session)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # The short summary lines are cut at the terminal width; keep them whole.
    monkeypatch.setenv("COLUMNS", "400")


def _session(
    pytester: pytest.Pytester,
    source: str,
    *,
    trio_mode: bool | None = True,
    args: tuple[str, ...] = (),
) -> pytest.RunResult:
    ini = "[pytest]\nfilterwarnings = error\n"
    if trio_mode is not None:
        ini += f"trio_mode = {'true' if trio_mode else 'false'}\n"
    pytester.makeini(ini)
    pytester.makepyfile(source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", *args)


# ---------------------------------------------------------------- on / off


def test_trio_mode_runs_async_tests_under_trio_core(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core
from trio_core import lowlevel

async def test_plain():
    assert lowlevel.current_root_task() is not None
    await trio_core.sleep(0)

@pytest.mark.parametrize("n", [1, 2, 3])
async def test_parametrized(n):
    await trio_core.lowlevel.checkpoint()
    assert n in (1, 2, 3)

class TestInAClass:
    async def test_method(self):
        async with trio_core.open_nursery() as nursery:
            nursery.start_soon(trio_core.sleep, 0)

def test_sync_tests_still_work():
    assert True

async def test_a_failure_is_a_failure():
    await trio_core.sleep(0)
    assert 1 == 2, "this one fails"
""",
    )
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines(["*this one fails*"])


def test_off_by_default(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import trio_core

async def test_not_run_by_trio():
    await trio_core.sleep(0)
""",
        trio_mode=None,
    )
    # Not ours to run: pytest itself says async tests need a plugin.
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*async def functions are not natively supported*"])


def test_trio_mode_false_is_off_too(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import trio_core

async def test_not_run_by_trio():
    await trio_core.sleep(0)
""",
        trio_mode=False,
    )
    result.assert_outcomes(failed=1)


def test_the_marker_enables_it_for_functions_classes_and_modules(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_marked_module="""
import pytest, trio_core
pytestmark = pytest.mark.trio

async def test_module_marked():
    await trio_core.sleep(0)
"""
    )
    result = _session(
        pytester,
        """
import pytest, trio_core

@pytest.mark.trio
async def test_marked():
    await trio_core.sleep(0)

@pytest.mark.trio
class TestMarked:
    async def test_method(self):
        await trio_core.sleep(0)

async def test_unmarked():
    await trio_core.sleep(0)
""",
        trio_mode=False,
    )
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["FAILED *test_unmarked*"])


def test_async_generator_test_is_refused(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
async def test_generator():
    yield 1
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*async generator*not a test function*"])


def test_returning_a_value_warns_like_pytest_does(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
async def test_returns():
    return 42
""",
    )
    # filterwarnings = error turns pytest's warning into a failure.
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*should return None*"])


def test_skip_and_xfail_work_inside_the_run(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core

async def test_skips():
    await trio_core.sleep(0)
    pytest.skip("skipped inside the run")

@pytest.fixture
async def skipping():
    await trio_core.sleep(0)
    pytest.skip("skipped by an async fixture")

async def test_skipped_by_fixture(skipping):
    pass  # pragma: no cover

@pytest.mark.xfail(reason="known", strict=True)
async def test_expected_failure():
    await trio_core.sleep(0)
    assert False

async def test_xfail_call():
    pytest.xfail("imperative xfail")
""",
    )
    result.assert_outcomes(skipped=2, xfailed=2)


# ---------------------------------------------------------------- async fixtures


def test_async_fixtures_share_the_run_and_nest_in_dependency_order(
    pytester: pytest.Pytester,
) -> None:
    result = _session(
        pytester,
        """
import contextvars
import pytest, trio_core
from trio_core import lowlevel

LOG = []
VAR = contextvars.ContextVar("VAR", default="unset")

@pytest.fixture
def sync_value():
    LOG.append("sync up")
    yield 10
    LOG.append("sync down")

@pytest.fixture
async def token():
    LOG.append("token")
    return lowlevel.current_trio_token()

@pytest.fixture
async def outer(token, sync_value):
    LOG.append("outer up")
    VAR.set("from a fixture")
    yield ("outer", token, sync_value)
    LOG.append("outer down")

@pytest.fixture
async def inner(outer, request):
    LOG.append("inner up")
    assert request.fixturename == "inner"
    yield ("inner", outer)
    # Still inside the same run, and able to await.
    await trio_core.sleep(0)
    LOG.append("inner down")

async def test_uses_them(inner, token):
    assert inner[1][1] is token is lowlevel.current_trio_token()
    assert inner[1][2] == 10
    assert VAR.get() == "from a fixture"
    LOG.append("test")

def test_order():
    assert LOG == [
        "sync up", "token", "outer up", "inner up", "test",
        "inner down", "outer down", "sync down",
    ]
""",
    )
    result.assert_outcomes(passed=2)


def test_autouse_usefixtures_and_indirect_async_fixtures_are_set_up(
    pytester: pytest.Pytester,
) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core

LOG = []

@pytest.fixture(autouse=True)
async def automatic():
    LOG.append("autouse up")
    yield
    LOG.append("autouse down")

@pytest.fixture
async def side_effect():
    LOG.append("usefixtures")

@pytest.mark.usefixtures("side_effect")
async def test_one():
    assert LOG == ["autouse up", "usefixtures"]

def test_after():
    # The sync test gets the autouse fixture too? No: async fixtures need an async test.
    pass
""",
    )
    # The sync test asks for the async autouse fixture: that is an error, clearly named.
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*async fixture 'automatic' is used by*test_after*not an async*"])


def test_parametrized_and_class_fixtures(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core

@pytest.fixture(params=["a", "b"])
async def letter(request):
    await trio_core.sleep(0)
    return request.param

async def test_letters(letter):
    assert letter in ("a", "b")

class TestWithFixtureMethod:
    @pytest.fixture
    async def doubled(self):
        self.seen = True
        await trio_core.sleep(0)
        return 2 * self.base

    base = 21

    async def test_it(self, doubled):
        assert doubled == 42
        assert self.seen
""",
    )
    result.assert_outcomes(passed=3)


def test_fixtures_are_torn_down_when_the_test_fails(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core

LOG = []

@pytest.fixture
async def first():
    yield
    LOG.append("first down")

@pytest.fixture
async def second(first):
    yield
    LOG.append("second down")

async def test_fails(second):
    raise AssertionError("the test failed")

async def test_fails_in_a_nursery(second):
    async def child():
        raise KeyError("child failed")
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(child)

def test_check():
    assert LOG == ["second down", "first down"] * 2
""",
    )
    result.assert_outcomes(passed=1, failed=2)
    # The test's own error is reported as it is (not wrapped by the plugin).
    result.stdout.fnmatch_lines(["FAILED *test_fails - AssertionError: the test failed"])


def test_setup_error_is_reported_as_the_fixtures_error(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core

LOG = []

@pytest.fixture
async def fine():
    yield
    LOG.append("fine torn down")

@pytest.fixture
async def broken(fine):
    await trio_core.sleep(0)
    raise ValueError("fixture blew up")

@pytest.fixture
async def never(broken):
    LOG.append("never")  # pragma: no cover

async def test_uses_broken(never):
    LOG.append("test ran")  # pragma: no cover

def test_check():
    assert LOG == ["fine torn down"]
""",
    )
    # Reported like a sync fixture's error: an error at setup, not a test failure.
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_uses_broken*"])
    result.stdout.fnmatch_lines(["ERROR *test_uses_broken - ValueError: fixture blew up"])
    result.stdout.fnmatch_lines(["*raised while setting up the async fixture 'broken'*"])
    # Named once, by the fixture that raised, not by every fixture above it.
    assert "setting up the async fixture 'never'" not in result.stdout.str()
    assert "ExceptionGroup" not in result.stdout.str()


def test_teardown_errors_are_named(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core

LOG = []

@pytest.fixture
async def outer():
    yield
    LOG.append("outer down")

@pytest.fixture
async def bad_teardown(outer):
    yield
    raise OSError("teardown blew up")

@pytest.fixture
async def twice():
    yield 1
    yield 2

@pytest.fixture
async def no_yield():
    if False:
        yield

async def test_teardown(bad_teardown):
    pass

async def test_twice(twice):
    pass

async def test_no_yield(no_yield):
    pass

def test_outer_still_torn_down():
    assert LOG == ["outer down"]
""",
    )
    result.assert_outcomes(passed=1, errors=3)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_teardown*"])
    result.stdout.fnmatch_lines(["ERROR *test_teardown - OSError: teardown blew up"])
    result.stdout.fnmatch_lines(["*raised while tearing down the async fixture 'bad_teardown'*"])
    result.stdout.fnmatch_lines(
        ["ERROR *test_twice - RuntimeError: *'twice' yielded more than once"]
    )
    result.stdout.fnmatch_lines(["*ERROR at setup of test_no_yield*"])
    result.stdout.fnmatch_lines(["ERROR *test_no_yield - RuntimeError: *without yielding*"])


def test_a_crash_in_a_fixtures_nursery_cancels_the_test(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core

LOG = []

@pytest.fixture
async def background():
    async def crash():
        await trio_core.sleep(1)
        raise ZeroDivisionError("background task crashed")
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(crash)
        yield nursery
        LOG.append("after yield")
        nursery.cancel_scope.cancel()

async def test_blocks_forever(background, autojump_clock):
    try:
        await trio_core.sleep_forever()
    finally:
        LOG.append("test cancelled")

@pytest.fixture
async def deadline():
    with trio_core.move_on_after(5):
        yield

async def test_cut_short(deadline, autojump_clock):
    await trio_core.sleep(10)

async def test_completes_normally(background):
    await trio_core.sleep(0)

def test_check():
    # The crash ended test_blocks_forever's fixture at its yield (no "after yield").
    assert LOG == ["test cancelled", "after yield"]
""",
    )
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["*ZeroDivisionError: background task crashed*"])
    result.stdout.fnmatch_lines(
        ["FAILED *test_cut_short - RuntimeError: *cancel scope of the async fixture 'deadline'*"]
    )


def test_misused_async_fixtures_get_clear_errors(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core

@pytest.fixture(scope="module")
async def module_scoped():
    return 1

async def test_module_scoped(module_scoped):
    pass

@pytest.fixture
async def value():
    return 1

@pytest.fixture
def sync_user(value):
    return value + 1  # pragma: no cover

async def test_sync_user(sync_user):
    pass

def test_sync_test(value):
    pass
""",
    )
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*'module_scoped' has scope 'module'*function-scoped*"])
    result.stdout.fnmatch_lines(["*sync fixture 'sync_user' uses the async fixture 'value'*"])
    result.stdout.fnmatch_lines(["*async fixture 'value' is used by*test_sync_test*"])


def test_async_fixtures_of_other_plugins_are_left_alone_when_off(
    pytester: pytest.Pytester,
) -> None:
    result = _session(
        pytester,
        """
import pytest

@pytest.fixture
async def value():
    return 1  # pragma: no cover

def test_sync_test(value):
    pass
""",
        trio_mode=False,
    )
    # Not a trio test: pytest's own verdict, not ours.
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*requested an async fixture*"])


# ---------------------------------------------------------------- clocks


def test_clock_fixtures_become_the_runs_clock(pytester: pytest.Pytester) -> None:
    result = _session(
        pytester,
        """
import pytest, trio_core
from trio_core.testing import MockClock, wait_all_tasks_blocked

async def test_autojump(autojump_clock):
    assert trio_core.lowlevel.current_clock() is autojump_clock
    await trio_core.sleep(86400)
    assert trio_core.current_time() == 86400

async def test_mock_clock(mock_clock):
    assert trio_core.lowlevel.current_clock() is mock_clock
    woke = []
    async def sleeper():
        await trio_core.sleep(10)
        woke.append(trio_core.current_time())
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        await wait_all_tasks_blocked()
        mock_clock.jump(9)
        await wait_all_tasks_blocked()
        assert woke == []
        mock_clock.jump(1)
    assert woke == [10]

@pytest.fixture
async def uses_the_clock(autojump_clock):
    assert trio_core.lowlevel.current_clock() is autojump_clock
    await trio_core.sleep(100)
    return trio_core.current_time()

async def test_indirect(uses_the_clock):
    assert uses_the_clock == 100

async def test_two_clocks(autojump_clock, mock_clock):
    pass  # pragma: no cover

async def test_system_clock_by_default():
    assert not isinstance(trio_core.lowlevel.current_clock(), MockClock)
""",
    )
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*test_two_clocks uses 2 different clocks*"])


# ---------------------------------------------------------------- Hypothesis


def test_hypothesis_async_tests_get_a_run_per_example(pytester: pytest.Pytester) -> None:
    pytest.importorskip("hypothesis")
    result = _session(
        pytester,
        """
import pytest, trio_core
from hypothesis import HealthCheck, given, settings, strategies as st

TOKENS = set()

@settings(max_examples=5, database=None)
@given(st.integers())
async def test_examples(n):
    TOKENS.add(trio_core.lowlevel.current_trio_token())
    await trio_core.sleep(0)
    assert isinstance(n, int)

@settings(
    max_examples=3, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(min_value=0, max_value=10))
async def test_with_clock(autojump_clock, n):
    await trio_core.sleep(1000)

@settings(max_examples=3, database=None)
@given(st.integers())
async def test_failing(n):
    await trio_core.sleep(0)
    assert n != n

def test_runs():
    assert len(TOKENS) >= 2
""",
    )
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["FAILED *test_failing*"])
