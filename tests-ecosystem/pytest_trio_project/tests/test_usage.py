"""pytest-trio's documented usage, on this project's trio."""

from __future__ import annotations

import pytest

import trio
import trio.testing


async def test_plain_async_test_runs_in_trio() -> None:
    # trio mode: an async test needs no marker.
    await trio.sleep(0)
    assert trio.lowlevel.current_task() is not None


@pytest.mark.trio
async def test_marked_test_runs_in_trio() -> None:
    await trio.lowlevel.checkpoint()


async def test_async_fixture(
    channel: tuple[trio.MemorySendChannel[int], trio.MemoryReceiveChannel[int]],
) -> None:
    send, receive = channel
    await send.send(42)
    assert await receive.receive() == 42


async def test_fixtures_share_the_test_run(setter: trio.Event, shared_event: trio.Event) -> None:
    assert setter is shared_event
    with trio.fail_after(1):
        await shared_event.wait()


async def test_autojump_clock(autojump_clock: trio.testing.MockClock) -> None:
    start = trio.current_time()
    await trio.sleep(3600)
    assert trio.current_time() - start == pytest.approx(3600)


async def test_background_task_in_nursery_fixture(
    counter_service: list[int], autojump_clock: trio.testing.MockClock
) -> None:
    await trio.sleep(4.5)
    assert counter_service == [0, 1, 2, 3, 4]


async def test_nursery_fixture_is_cancelled_after_test(nursery: trio.Nursery) -> None:
    # pytest-trio cancels its nursery when the test finishes: this must not hang.
    nursery.start_soon(trio.sleep_forever)


async def test_fail_after_raises_too_slow(autojump_clock: trio.testing.MockClock) -> None:
    with pytest.raises(trio.TooSlowError):
        with trio.fail_after(10):
            await trio.sleep_forever()


@pytest.mark.xfail(strict=True)
async def test_a_failing_async_test_is_reported_as_failing() -> None:
    await trio.sleep(0)
    1 / 0  # noqa: B018


def test_sync_tests_still_work() -> None:
    assert trio.run(trio.sleep, 0) is None
