"""The pytest plugin of trio-core (registered through the ``pytest11`` entry point).

It does nothing unless asked: set ``trio_mode = true`` in the pytest
configuration to run every ``async def`` test under :func:`trio_core.run`, or
mark single tests with ``@pytest.mark.trio``.

Async fixtures (``async def`` fixtures and async generator fixtures) of such
a test are set up inside the *same* run as the test, one after the other in
dependency order, and torn down in reverse order after it, even when the test
fails.  They run in the test's own task, nested like ``async with`` blocks,
so a fixture may open a nursery and ``yield`` inside it: background tasks it
starts run beside the test, and an error in one of them cancels the test.
Async fixtures must be function-scoped (a run lasts one test).

The ``autojump_clock`` and ``mock_clock`` fixtures give a
:class:`~trio_core.testing.MockClock`; when a test asks for one, the run
uses it as its clock.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any

import pytest

from ._mock_clock import MockClock
from ._run import run
from .abc import Clock

__all__ = ["pytest_addoption", "pytest_configure", "autojump_clock", "mock_clock"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "trio_mode",
        "run every async test function under trio_core.run (the trio-core plugin)",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "trio: run this async test under trio_core.run (the trio-core pytest plugin)"
    )


def _is_async_function(fn: object) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn)


def _is_trio_test(item: pytest.Item) -> bool:
    if not isinstance(item, pytest.Function) or not _is_async_function(item.obj):
        return False
    if item.get_closest_marker("trio") is not None:
        return True
    return bool(item.config.getini("trio_mode"))


@pytest.fixture
def mock_clock() -> MockClock:
    """A :class:`~trio_core.testing.MockClock` whose time moves only when told to."""
    return MockClock()


@pytest.fixture
def autojump_clock() -> MockClock:
    """A :class:`~trio_core.testing.MockClock` that jumps to the next deadline as soon
    as every task is blocked: sleeps and timeouts of any length finish at once."""
    return MockClock(autojump_threshold=0)


class _AsyncFixture:
    """Stands in for an async fixture's value until the test's run sets it up."""

    def __init__(self, name: str, func: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        self.name = name
        self.func = func
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return f"<async fixture {self.name!r}, set up inside the test's run>"


def _resolve_fixture_function(fixturedef: Any, request: pytest.FixtureRequest) -> Any:
    func = fixturedef.func
    instance = getattr(request, "instance", None)
    if instance is not None and inspect.isfunction(func):
        # A fixture defined in a test class: bind it like pytest does.
        bound = getattr(instance, func.__name__, None)
        if bound is not None and getattr(bound, "__func__", None) is func:
            return bound
    return func


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> object | None:
    if not _is_async_function(fixturedef.func):
        return None
    node = request.node
    if not (isinstance(node, pytest.Item) and _is_trio_test(node)):
        if isinstance(node, pytest.Item):
            raise pytest.UsageError(
                f"the async fixture {fixturedef.argname!r} is used by {node.nodeid}, which is "
                "not a trio test: make the test `async def` and enable trio_mode (or mark it "
                "with @pytest.mark.trio)"
            )
        return None
    if fixturedef.scope != "function":
        raise pytest.UsageError(
            f"the async fixture {fixturedef.argname!r} has scope {fixturedef.scope!r}; async "
            "fixtures must be function-scoped, because each test has a run of its own"
        )
    kwargs = {name: request.getfixturevalue(name) for name in fixturedef.argnames}
    value = _AsyncFixture(
        fixturedef.argname, _resolve_fixture_function(fixturedef, request), kwargs
    )
    fixturedef.cached_result = (value, fixturedef.cache_key(request), None)
    return value


class _FixtureStack:
    """Sets up async fixtures in the test's task and tears them down in reverse."""

    def __init__(self) -> None:
        self.values: dict[int, Any] = {}
        self.generators: list[tuple[str, AsyncGenerator[Any, None]]] = []

    async def resolve(self, value: Any) -> Any:
        if not isinstance(value, _AsyncFixture):
            return value
        key = id(value)
        if key in self.values:
            return self.values[key]
        kwargs = {name: await self.resolve(arg) for name, arg in value.kwargs.items()}
        try:
            if inspect.isasyncgenfunction(value.func):
                generator = value.func(**kwargs)
                result = await generator.__anext__()
                self.generators.append((value.name, generator))
            else:
                result = await value.func(**kwargs)
        except BaseException as exc:
            exc.add_note(f"(raised while setting up the async fixture {value.name!r})")
            raise
        self.values[key] = result
        return result

    async def teardown(self) -> None:
        errors: list[BaseException] = []
        while self.generators:
            name, generator = self.generators.pop()
            try:
                await generator.__anext__()
            except StopAsyncIteration:
                continue
            except BaseException as exc:
                exc.add_note(f"(raised while tearing down the async fixture {name!r})")
                errors.append(exc)
                continue
            await generator.aclose()
            errors.append(RuntimeError(f"the async fixture {name!r} yielded more than once"))
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise BaseExceptionGroup("errors while tearing down async fixtures", errors)


async def _run_test(
    test: Callable[..., Coroutine[Any, Any, Any]], funcargs: dict[str, Any]
) -> None:
    stack = _FixtureStack()
    try:
        resolved = {name: await stack.resolve(value) for name, value in funcargs.items()}
        await test(**resolved)
    finally:
        await stack.teardown()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not _is_trio_test(pyfuncitem):
        return None
    if inspect.isasyncgenfunction(pyfuncitem.obj):
        raise pytest.UsageError(f"{pyfuncitem.nodeid} is an async generator, not a test function")
    argnames = pyfuncitem._fixtureinfo.argnames
    funcargs = {name: pyfuncitem.funcargs[name] for name in argnames}
    clocks = [value for value in funcargs.values() if isinstance(value, Clock)]
    if len(clocks) > 1:
        raise pytest.UsageError(
            f"{pyfuncitem.nodeid} asks for {len(clocks)} clocks; a run has only one"
        )
    run(
        functools.partial(_run_test, pyfuncitem.obj, funcargs),
        clock=clocks[0] if clocks else None,
    )
    return True
