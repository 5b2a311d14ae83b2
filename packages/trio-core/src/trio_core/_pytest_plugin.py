"""The pytest plugin of trio-core (registered through the ``pytest11`` entry point).

It does nothing unless asked: set ``trio_mode = true`` in the pytest
configuration to run every ``async def`` test under :func:`trio_core.run`, or
mark single tests (or classes, or modules) with ``@pytest.mark.trio``.

Async fixtures (``async def`` fixtures and async generator fixtures) that a
trio test uses (directly, through other fixtures, through ``autouse`` or
``@pytest.mark.usefixtures``) are set up inside the *same* run as the test,
one after the other in dependency order, and torn down in reverse order after
it, even when the test fails.  They run in the test's own task, nested like
``async with`` blocks, so a fixture may open a nursery or a cancel scope and
``yield`` inside it: background tasks it starts run beside the test, and if
one of them crashes, the test is cancelled and the crash is reported.  (A
test that was cut short by a fixture's cancel scope without any error is
reported as a failure too, rather than as a silent pass.)  Async fixtures
must be function-scoped, since every test has a run of its own, and a sync
fixture cannot use an async one.

An error raised while setting up or tearing down an async fixture is raised
as it is (never wrapped in an exception group by the plugin), with a note
naming the fixture, and reported as pytest reports a sync fixture's error:
``ERROR at setup of ...`` (or ``at teardown``), not as a test failure.  (A
teardown error after the test itself failed is shown with that failure.)

The ``autojump_clock`` and ``mock_clock`` fixtures give a
:class:`~trio_core.testing.MockClock`; when a test uses one (even
indirectly), the run uses it as its clock.  The ``nursery`` fixture is a
nursery around the test, cancelled when the test ends.  Async tests
decorated with Hypothesis' ``@given`` run one run per example (they cannot
use async fixtures).

pytest-trio: tests written for it run unchanged (``trio_mode``,
``trio_run = trio``, ``@pytest.mark.trio``, async and async generator
fixtures, ``pytest_trio.trio_fixture``, ``nursery``, ``mock_clock``,
``autojump_clock``).  When pytest-trio is installed too, this plugin is
the one that handles them: it blocks pytest-trio from loading (or, if
pytest-trio was loaded first, unregisters it), and says so in the session
header.  pytest-trio drives Trio's private modules, so it cannot run on
this project's ``trio``.  To use pytest-trio anyway, disable this plugin
with ``-p no:trio_core`` (in ``addopts``, say); ``-p no:trio`` disables
pytest-trio without relying on this plugin loading first.

Deadlock detection: with ``trio_detect_deadlocks = true`` in the
configuration, or ``--trio-detect-deadlocks`` on the command line, each test
runs under ``run(..., detect_deadlocks=True)``: a test whose tasks are all
blocked for good fails with :exc:`~trio_core.DeadlockError` (and the task
tree) instead of hanging.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine
from typing import Any

import pytest

from ._exceptions import Cancelled
from ._mock_clock import MockClock
from ._run import run
from ._tasks import Nursery, open_nursery
from .abc import Clock

__all__ = [
    "pytest_addoption",
    "pytest_configure",
    "pytest_plugin_registered",
    "pytest_report_header",
    "pytest_runtest_makereport",
    "autojump_clock",
    "mock_clock",
    "nursery",
]

# pytest-trio registers under its entry point's name, or its module's (``-p``).
_PYTEST_TRIO_NAMES = ("trio", "pytest_trio.plugin")
_PYTEST_TRIO_MODULE = "pytest_trio.plugin"
#: Set once pytest-trio was kept out of (or taken out of) this session.
_pytest_trio_displaced: list[str] = []


def pytest_plugin_registered(plugin: object, manager: pytest.PytestPluginManager) -> None:
    """Keep pytest-trio out, so that one plugin alone handles trio tests.

    Called (historically) for every plugin registered before this one and
    each one after: pytest-trio is unregistered if it is already there, and
    blocked from loading otherwise (pytest checks the block before it
    imports an entry point).
    """
    if plugin is _this_module():
        for name in _PYTEST_TRIO_NAMES:
            if manager.get_plugin(name) is None and not manager.is_blocked(name):
                manager.set_blocked(name)
        return
    if getattr(plugin, "__name__", None) == _PYTEST_TRIO_MODULE:
        manager.unregister(plugin)
        _pytest_trio_displaced.append("unregistered")


def _this_module() -> object:
    import sys

    return sys.modules[__name__]


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say in the session header that pytest-trio was set aside, when it is installed."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        version("pytest-trio")
    except PackageNotFoundError:
        return None
    return (
        "trio: the trio-core plugin runs trio_mode and @pytest.mark.trio tests; the "
        "installed pytest-trio is disabled (-p no:trio_core to use pytest-trio instead)"
    )


#: Attribute set on an exception that an async fixture raised: "setup" or "teardown".
_FIXTURE_PHASE = "_trio_core_fixture_phase"


def _mark_fixture_error(exc: BaseException, phase: str) -> None:
    if getattr(exc, _FIXTURE_PHASE, None) is None:
        setattr(exc, _FIXTURE_PHASE, phase)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``trio_mode``, ``trio_run`` (pytest-trio's names) and
    ``trio_detect_deadlocks`` ini options and the ``--trio-detect-deadlocks``
    command-line flag."""
    parser.addini(
        "trio_mode",
        "run every async test function under trio_core.run (the trio-core plugin)",
        type="bool",
        default=False,
    )
    parser.addini(
        "trio_run",
        "the runner of trio tests; only 'trio' (pytest-trio's default) is supported",
        default="trio",
    )
    parser.addini(
        "trio_detect_deadlocks",
        "run trio tests with trio_core.run(..., detect_deadlocks=True)",
        type="bool",
        default=False,
    )
    parser.addoption(
        "--trio-detect-deadlocks",
        action="store_true",
        default=False,
        help="run trio tests with deadlock detection on (fail a deadlocked test with "
        "trio_core.DeadlockError instead of hanging); same as the trio_detect_deadlocks ini option",
    )


def _detect_deadlocks(config: pytest.Config) -> bool:
    return bool(config.getoption("trio_detect_deadlocks") or config.getini("trio_detect_deadlocks"))


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``trio`` marker; refuse a ``trio_run`` other than ``trio``."""
    config.addinivalue_line(
        "markers", "trio: run this async test under trio_core.run (the trio-core pytest plugin)"
    )
    runner = config.getini("trio_run")
    if runner != "trio":
        raise pytest.UsageError(
            f"trio_run = {runner!r}: the trio-core pytest plugin runs tests only with "
            "trio.run ('trio'); for another runner (qtrio, say) use pytest-trio, with "
            "-p no:trio_core"
        )


@pytest.fixture
async def nursery() -> AsyncIterator[Nursery]:
    """A nursery around the test (pytest-trio's fixture): tasks started in it run
    beside the test, and are cancelled when the test ends.  If one crashes, the
    test is cancelled and the crash reported."""
    async with open_nursery() as test_nursery:
        yield test_nursery
        test_nursery.cancel_scope.cancel()


@pytest.fixture
def mock_clock() -> MockClock:
    """A :class:`~trio_core.testing.MockClock` whose time moves only when told to
    (``mock_clock.jump(seconds)``); the test's run uses it."""
    return MockClock()


@pytest.fixture
def autojump_clock() -> MockClock:
    """A :class:`~trio_core.testing.MockClock` that jumps to the next deadline as soon
    as every task is blocked: sleeps and timeouts of any length finish at once."""
    return MockClock(autojump_threshold=0)


# ---------------------------------------------------------------- which tests are ours


def _is_async_function(fn: object) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn)


def _runs_in_the_run(fn: object) -> bool:
    """An async fixture, or a sync one marked by ``pytest_trio.trio_fixture``."""
    return _is_async_function(fn) or bool(getattr(fn, "_force_trio_fixture", False))


def _async_hypothesis_inner_test(fn: object) -> Callable[..., Any] | None:
    """The async function inside a Hypothesis ``@given`` test, if it is one."""
    if not getattr(fn, "is_hypothesis_test", False):
        return None
    inner = getattr(getattr(fn, "hypothesis", None), "inner_test", None)
    if _is_async_function(inner) or getattr(inner, "_trio_core_async_inner", None) is not None:
        return inner
    return None


def _trio_enabled_for(node: pytest.Item | pytest.Collector) -> bool:
    """Whether the plugin is switched on for this test or collector (ini option or marker)."""
    if node.get_closest_marker("trio") is not None:
        return True
    return bool(node.config.getini("trio_mode"))


def _is_trio_test(item: object) -> bool:
    if not isinstance(item, pytest.Function):
        return False
    if not (_is_async_function(item.obj) or _async_hypothesis_inner_test(item.obj) is not None):
        return False
    return _trio_enabled_for(item)


# ---------------------------------------------------------------- async fixtures


class _AsyncFixture:
    """Stands in for an async fixture's value until the test's run sets it up."""

    __slots__ = ("name", "func", "kwargs")

    def __init__(self, name: str, func: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        self.name = name
        self.func = func
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return f"<async fixture {self.name!r}, set up inside the test's run>"


def _resolve_fixture_function(fixturedef: Any, request: pytest.FixtureRequest) -> Any:
    """The callable to call, bound to the test's instance for a fixture in a test class."""
    func = fixturedef.func
    instance = getattr(request, "instance", None)
    if instance is None:
        return func
    bound_to = getattr(func, "__self__", None)
    if bound_to is not None and not isinstance(instance, bound_to.__class__):
        # A fixture of some other class (a plugin object, say): leave it alone.
        return func
    unbound = getattr(func, "__func__", func)
    if unbound is not func:
        return unbound.__get__(instance)
    return func


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> object | None:
    """Stand in for the async fixtures of trio tests; set them up later, inside the run."""
    node = request.node
    is_trio = _is_trio_test(node)
    if not _runs_in_the_run(fixturedef.func):
        if is_trio:
            # A sync fixture would get the stand-in, not the value: refuse clearly.
            for argname in fixturedef.argnames:
                if isinstance(request.getfixturevalue(argname), _AsyncFixture):
                    pytest.fail(
                        f"the sync fixture {fixturedef.argname!r} uses the async fixture "
                        f"{argname!r}, whose value only exists inside the test's run: make "
                        f"{fixturedef.argname!r} an async fixture too",
                        pytrace=False,
                    )
        return None
    if fixturedef.scope != "function" and (is_trio or _trio_enabled_for(node)):
        pytest.fail(
            f"the async fixture {fixturedef.argname!r} has scope {fixturedef.scope!r}; async "
            "fixtures must be function-scoped, because each test has a run of its own",
            pytrace=False,
        )
    if not is_trio:
        if isinstance(node, pytest.Item) and _trio_enabled_for(node):
            pytest.fail(
                f"the async fixture {fixturedef.argname!r} is used by {node.nodeid}, which is "
                "not an async test: async fixtures are set up inside the run of an async test "
                "(make the test `async def`)",
                pytrace=False,
            )
        # Not ours (trio mode is off): let another plugin, or pytest itself, deal with it.
        return None
    if _async_hypothesis_inner_test(node.obj) is not None:
        pytest.fail(
            f"the Hypothesis test {node.nodeid} uses the async fixture {fixturedef.argname!r}: "
            "each Hypothesis example runs in a run of its own, so it cannot share async "
            "fixtures; set the resource up inside the test",
            pytrace=False,
        )
    kwargs = {name: request.getfixturevalue(name) for name in fixturedef.argnames}
    value = _AsyncFixture(
        fixturedef.argname, _resolve_fixture_function(fixturedef, request), kwargs
    )
    fixturedef.cached_result = (value, fixturedef.cache_key(request), None)
    return value


def _only_cancelled(exc: BaseException) -> bool:
    """Whether ``exc`` is a Cancelled, or a group of nothing but Cancelled."""
    if isinstance(exc, Cancelled):
        return True
    if isinstance(exc, BaseExceptionGroup):
        rest = exc.split(Cancelled)[1]
        return rest is None
    return False


class _FixtureStack:
    """Sets up async fixtures in the test's task and tears them down in reverse."""

    def __init__(self) -> None:
        self.values: dict[int, Any] = {}
        self.generators: list[tuple[str, AsyncGenerator[Any, None]]] = []

    async def resolve(self, value: Any) -> Any:
        """The value of a fixture, setting it (and what it uses) up if needed."""
        __tracebackhide__ = True
        if not isinstance(value, _AsyncFixture):
            return value
        key = id(value)
        if key in self.values:
            return self.values[key]
        kwargs = {name: await self.resolve(arg) for name, arg in value.kwargs.items()}
        try:
            if inspect.isasyncgenfunction(value.func):
                generator = value.func(**kwargs)
                try:
                    result = await generator.__anext__()
                except StopAsyncIteration:
                    raise RuntimeError(
                        f"the async fixture {value.name!r} finished without yielding a value"
                    ) from None
                self.generators.append((value.name, generator))
            elif inspect.iscoroutinefunction(value.func):
                result = await value.func(**kwargs)
            else:  # a sync pytest_trio.trio_fixture: called inside the run
                result = value.func(**kwargs)
        except BaseException as exc:
            if getattr(exc, _FIXTURE_PHASE, None) is None:  # not one from a fixture it uses
                exc.add_note(f"(raised while setting up the async fixture {value.name!r})")
                _mark_fixture_error(exc, "setup")
            raise
        self.values[key] = result
        return result

    async def teardown(self, test_exc: BaseException | None) -> None:
        """Tear every fixture down, innermost first.

        A cancellation that ended the test is thrown into the fixtures (the
        cancel scope it belongs to is one of theirs); any other outcome of the
        test is not shown to them.  Raises the teardown errors, if any.
        """
        __tracebackhide__ = True
        errors: list[BaseException] = []
        in_flight = test_exc if test_exc is not None and _only_cancelled(test_exc) else None
        absorbed_by: str | None = None
        while self.generators:
            name, generator = self.generators.pop()
            try:
                if in_flight is not None:
                    await generator.athrow(in_flight)
                else:
                    await generator.__anext__()
            except StopAsyncIteration:
                if in_flight is not None:
                    absorbed_by, in_flight = name, None
                continue
            except BaseException as exc:
                if in_flight is not None and (exc is in_flight or _only_cancelled(exc)):
                    in_flight = exc
                    continue
                in_flight = None
                exc.add_note(f"(raised while tearing down the async fixture {name!r})")
                errors.append(exc)
                continue
            try:
                await generator.aclose()
            except BaseException as exc:  # pragma: no cover - a very confused fixture
                errors.append(exc)
            errors.append(RuntimeError(f"the async fixture {name!r} yielded more than once"))
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise BaseExceptionGroup("errors while tearing down async fixtures", errors)
        if absorbed_by is not None:
            raise RuntimeError(
                f"the test was cancelled by a cancel scope of the async fixture {absorbed_by!r} "
                "and did not run to completion"
            )


async def _run_test(
    test: Callable[..., Coroutine[Any, Any, Any]],
    nodeid: str,
    fixtures: dict[str, Any],
    argnames: tuple[str, ...],
) -> None:
    __tracebackhide__ = True
    stack = _FixtureStack()
    try:
        # Every fixture of the test, in pytest's (dependency) order: also those
        # asked for by autouse, usefixtures, or only by other fixtures.
        for value in fixtures.values():
            await stack.resolve(value)
        kwargs = {name: await stack.resolve(fixtures[name]) for name in argnames}
        result = await test(**kwargs)
    except BaseException as exc:
        await stack.teardown(exc)
        raise
    try:
        await stack.teardown(None)
    except BaseException as exc:
        _mark_fixture_error(exc, "teardown")
        raise
    if result is not None:
        warnings.warn(
            pytest.PytestReturnNotNoneWarning(
                f"Test functions should return None, but {nodeid} returned {type(result)!r}."
            ),
            stacklevel=1,
        )


def _the_clock(item: pytest.Function) -> Clock | None:
    clocks = {id(v): v for v in item.funcargs.values() if isinstance(v, Clock)}
    if len(clocks) > 1:
        pytest.fail(
            f"{item.nodeid} uses {len(clocks)} different clocks (say, both mock_clock and "
            "autojump_clock); a run has only one",
            pytrace=False,
        )
    return next(iter(clocks.values()), None)


def _wrap_hypothesis_inner_test(item: pytest.Function, inner: Callable[..., Any]) -> None:
    # The same function may have been wrapped for an earlier item (parametrize):
    # wrap the original again, with this item's clock.
    inner = getattr(inner, "_trio_core_async_inner", inner)
    clock = _the_clock(item)

    @functools.wraps(inner)
    def run_one_example(*args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        run(
            functools.partial(inner, *args, **kwargs),
            clock=clock,
            detect_deadlocks=_detect_deadlocks(item.config),
        )

    run_one_example._trio_core_async_inner = inner  # type: ignore[attr-defined]
    item.obj.hypothesis.inner_test = run_one_example


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Report an async fixture's error as a setup (or teardown) error, as for sync fixtures.

    Async fixtures run inside the test's call (they share its run), so pytest
    would otherwise count their errors as the test's own failure.
    """
    outcome = yield
    if call.when != "call" or call.excinfo is None:
        return
    phase = getattr(call.excinfo.value, _FIXTURE_PHASE, None)
    report = outcome.get_result()
    if phase is not None and report.failed:
        report.when = phase


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run an async test (and its async fixtures) under :func:`trio_core.run`."""
    __tracebackhide__ = True
    if not _is_trio_test(pyfuncitem):
        return None
    inner = _async_hypothesis_inner_test(pyfuncitem.obj)
    if inner is not None:
        # Hypothesis calls the inner test once per example: each gets its own run.
        _wrap_hypothesis_inner_test(pyfuncitem, inner)
        return None
    if inspect.isasyncgenfunction(pyfuncitem.obj):
        pytest.fail(
            f"{pyfuncitem.nodeid} is an async generator (it has a `yield`), not a test function",
            pytrace=False,
        )
    for marker in pyfuncitem.iter_markers("trio"):
        runner = marker.kwargs.get("run", run)
        if runner is not run:
            pytest.fail(
                f"{pyfuncitem.nodeid} asks for @pytest.mark.trio(run={runner!r}); the "
                "trio-core plugin runs tests only with trio.run (use pytest-trio for "
                "another runner, with -p no:trio_core)",
                pytrace=False,
            )
    clock = _the_clock(pyfuncitem)
    run(
        functools.partial(
            _run_test,
            pyfuncitem.obj,
            pyfuncitem.nodeid,
            dict(pyfuncitem.funcargs),
            tuple(pyfuncitem._fixtureinfo.argnames),
        ),
        clock=clock,
        detect_deadlocks=_detect_deadlocks(pyfuncitem.config),
    )
    return True
