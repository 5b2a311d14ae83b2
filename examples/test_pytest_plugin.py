"""Testing async code with the pytest plugin that comes with trio-core.

The plugin is installed with trio-core (no extra package).  Turn it on for a
whole project with ``trio_mode = true`` in the pytest configuration, e.g. in
pyproject.toml::

    [tool.pytest.ini_options]
    trio_mode = true

or, as this file does, mark tests with ``@pytest.mark.trio``.  Then every
``async def`` test runs inside its own ``trio.run``.  Run it:

    python -m pytest examples/test_pytest_plugin.py -v

What it shows: plain async tests, virtual time (the ``autojump_clock`` and
``mock_clock`` fixtures, so a test of a one-hour timeout takes no time),
``wait_all_tasks_blocked`` instead of sleeping and hoping, and an async
fixture that runs a background task beside the test.
"""

from collections.abc import AsyncIterator

import pytest

import trio
import trio.testing

pytestmark = pytest.mark.trio  # every test in this file runs under trio.run


async def test_plain_async_test() -> None:
    event = trio.Event()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(event.wait)
        event.set()
    assert event.is_set()


async def test_an_hour_takes_no_time(autojump_clock: trio.testing.MockClock) -> None:
    # With autojump_clock the run's clock is virtual: when every task is
    # blocked, it jumps straight to the next deadline.
    start = trio.current_time()
    await trio.sleep(3600)
    assert trio.current_time() - start == 3600


async def test_timeouts_fire(autojump_clock: trio.testing.MockClock) -> None:
    with pytest.raises(trio.TooSlowError):
        with trio.fail_after(30):
            await trio.sleep_forever()


async def test_moving_time_by_hand(mock_clock: trio.testing.MockClock) -> None:
    # mock_clock moves only when told to: the test controls exactly when a
    # deadline passes.
    woke_up = trio.Event()

    async def sleeper() -> None:
        await trio.sleep(10)
        woke_up.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        # Wait until the sleeper is really asleep (no sleeping and hoping).
        await trio.testing.wait_all_tasks_blocked()
        mock_clock.jump(9)
        await trio.testing.wait_all_tasks_blocked()
        assert not woke_up.is_set()
        mock_clock.jump(1)
        await woke_up.wait()


@pytest.fixture
async def counter_service() -> AsyncIterator[trio.MemorySendChannel[int]]:
    # An async fixture runs in the test's own run: it may open a nursery and
    # keep a background task going while the test runs.
    send, receive = trio.open_memory_channel[int](0)
    totals: list[int] = []

    async def service() -> None:
        async for value in receive:
            totals.append(value)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(service)
        async with send:
            yield send
        # The channel is closed: the service finishes its loop and exits.
    assert totals == [1, 2, 3]


async def test_with_an_async_fixture(counter_service: trio.MemorySendChannel[int]) -> None:
    for value in (1, 2, 3):
        await counter_service.send(value)
