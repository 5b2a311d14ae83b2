"""Event, Lock, StrictFIFOLock, Semaphore, CapacityLimiter, Condition.

The cancellation tests cancel blocked waiters at every position of the queue
(and in every combination, for small queues), and just after a hand-off:
a cancelled waiter must never end up holding anything, the others must get
it in FIFO order, and nothing may be left borrowed at the end.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import FrozenInstanceError
from typing import Any

import pytest

import trio_core
from trio_core import lowlevel
from trio_core.testing import assert_checkpoints, assert_no_checkpoints, wait_all_tasks_blocked


@pytest.fixture(autouse=True)
async def _bounded() -> AsyncIterator[None]:
    """A bug that leaves a task waiting forever fails the test instead of hanging it."""
    with trio_core.fail_after(30):
        yield


# ---------------------------------------------------------------- Event


async def test_event_set_wakes_every_waiter() -> None:
    event = trio_core.Event()
    assert not event.is_set()
    woken: list[int] = []

    async def waiter(i: int) -> None:
        await event.wait()
        woken.append(i)

    async with trio_core.open_nursery() as nursery:
        for i in range(4):
            nursery.start_soon(waiter, i)
        await wait_all_tasks_blocked()
        assert woken == []
        assert event.statistics().tasks_waiting == 4
        with assert_no_checkpoints():
            event.set()
        assert event.is_set()
        assert event.statistics().tasks_waiting == 0
    assert sorted(woken) == [0, 1, 2, 3]
    event.set()  # setting again is harmless
    assert event.is_set()


async def test_event_wait_is_a_checkpoint_even_when_set() -> None:
    event = trio_core.Event()
    event.set()
    with assert_checkpoints():
        await event.wait()
    with trio_core.CancelScope() as scope:
        scope.cancel()
        with pytest.raises(trio_core.Cancelled):
            await event.wait()


async def test_event_cancelled_waiter_leaves_the_queue() -> None:
    event = trio_core.Event()
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(event.wait)
        nursery.start_soon(event.wait)
        await wait_all_tasks_blocked()
        assert event.statistics().tasks_waiting == 2
        nursery.cancel_scope.cancel()
    assert event.statistics().tasks_waiting == 0
    assert not event.is_set()
    assert "unset" in repr(event)
    event.set()
    assert "set" in repr(event)


async def test_statistics_are_frozen() -> None:
    stats = trio_core.Event().statistics()
    with pytest.raises(FrozenInstanceError):
        stats.tasks_waiting = 3  # type: ignore[misc]


# ---------------------------------------------------------------- a harness for the acquirables


class _Acquirable:
    """One primitive behind a uniform face, for the tests shared by all of them."""

    def __init__(
        self,
        name: str,
        make: Callable[[], Any],
        is_free: Callable[[Any], bool],
    ) -> None:
        self.name = name
        self.make = make
        self.is_free = is_free

    def __repr__(self) -> str:
        return self.name


ACQUIRABLES = [
    _Acquirable("Lock", trio_core.Lock, lambda p: not p.locked()),
    _Acquirable("StrictFIFOLock", trio_core.StrictFIFOLock, lambda p: not p.locked()),
    _Acquirable("Semaphore", lambda: trio_core.Semaphore(1), lambda p: p.value == 1),
    _Acquirable(
        "Semaphore(max_value)",
        lambda: trio_core.Semaphore(1, max_value=1),
        lambda p: p.value == 1,
    ),
    _Acquirable(
        "CapacityLimiter", lambda: trio_core.CapacityLimiter(1), lambda p: p.borrowed_tokens == 0
    ),
]


@pytest.fixture(params=ACQUIRABLES, ids=repr)
def acquirable(request: pytest.FixtureRequest) -> _Acquirable:
    param: _Acquirable = request.param
    return param


async def test_acquire_and_release_basics(acquirable: _Acquirable) -> None:
    primitive = acquirable.make()
    assert acquirable.is_free(primitive)
    with assert_checkpoints():
        await primitive.acquire()
    assert not acquirable.is_free(primitive)

    async def other_task() -> None:
        with pytest.raises(trio_core.WouldBlock):
            primitive.acquire_nowait()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(other_task)
    with assert_no_checkpoints():
        primitive.release()
    assert acquirable.is_free(primitive)
    with assert_no_checkpoints():
        primitive.acquire_nowait()
    primitive.release()
    with assert_checkpoints():
        async with primitive:
            assert not acquirable.is_free(primitive)
    assert acquirable.is_free(primitive)
    assert "waiting" in repr(primitive) or "borrowed" in repr(primitive)


async def test_acquire_in_a_cancelled_scope_raises_and_takes_nothing(
    acquirable: _Acquirable,
) -> None:
    primitive = acquirable.make()
    with trio_core.CancelScope() as scope:
        scope.cancel()
        with pytest.raises(trio_core.Cancelled):
            await primitive.acquire()
    assert acquirable.is_free(primitive)


async def test_release_hands_off_in_fifo_order_without_barging(acquirable: _Acquirable) -> None:
    primitive = acquirable.make()
    order: list[int] = []

    async def worker(i: int) -> None:
        async with primitive:
            order.append(i)
            await lowlevel.checkpoint()

    await primitive.acquire()
    async with trio_core.open_nursery() as nursery:
        for i in range(8):
            nursery.start_soon(worker, i)
            # Queue them one by one, so that the queue order is known.
            await wait_all_tasks_blocked()
        assert primitive.statistics().tasks_waiting == 8
        primitive.release()
        # Handed straight to worker 0: the releasing task cannot take it back.
        assert not acquirable.is_free(primitive)
        with pytest.raises(trio_core.WouldBlock):
            primitive.acquire_nowait()
    assert order == list(range(8))
    assert acquirable.is_free(primitive)
    assert primitive.statistics().tasks_waiting == 0


async def test_a_newcomer_queues_behind_waiters(acquirable: _Acquirable) -> None:
    primitive = acquirable.make()
    order: list[str] = []

    async def worker(name: str) -> None:
        async with primitive:
            order.append(name)

    await primitive.acquire()
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(worker, "first")
        await wait_all_tasks_blocked()
        primitive.release()
        # "first" now owns it but has not run yet; a newcomer must wait.
        nursery.start_soon(worker, "second")
    assert order == ["first", "second"]


async def _cancel_some_waiters(acquirable: _Acquirable, n: int, cancelled: tuple[int, ...]) -> None:
    primitive = acquirable.make()
    scopes: list[trio_core.CancelScope] = []
    got: list[int] = []
    raised: list[int] = []

    async def waiter(i: int) -> None:
        with trio_core.CancelScope() as scope:
            scopes.append(scope)
            try:
                await primitive.acquire()
            except trio_core.Cancelled:
                raised.append(i)
                raise
            try:
                got.append(i)
                await lowlevel.checkpoint()
            finally:
                primitive.release()

    await primitive.acquire()
    async with trio_core.open_nursery() as nursery:
        for i in range(n):
            nursery.start_soon(waiter, i)
            await wait_all_tasks_blocked()
        for i in cancelled:
            scopes[i].cancel()
        await wait_all_tasks_blocked()
        assert primitive.statistics().tasks_waiting == n - len(cancelled)
        primitive.release()
    assert got == [i for i in range(n) if i not in cancelled], cancelled
    assert sorted(raised) == list(cancelled)
    assert acquirable.is_free(primitive), cancelled
    assert primitive.statistics().tasks_waiting == 0


@pytest.mark.parametrize("n", [1, 2, 3, 4])
async def test_cancelling_any_set_of_blocked_waiters(acquirable: _Acquirable, n: int) -> None:
    # Every subset of n queued waiters is cancelled while blocked; the rest get
    # the primitive in their queue order, and nothing is left taken.
    for k in range(n + 1):
        for cancelled in itertools.combinations(range(n), k):
            await _cancel_some_waiters(acquirable, n, cancelled)


async def test_cancelled_right_after_the_hand_off_still_gets_it(acquirable: _Acquirable) -> None:
    # The waiter was woken as the new owner; a cancellation that arrives before
    # it runs must not make it lose (or leak) what was handed to it.
    primitive = acquirable.make()
    events: list[str] = []
    scope_box: list[trio_core.CancelScope] = []

    async def waiter() -> None:
        with trio_core.CancelScope() as scope:
            scope_box.append(scope)
            await primitive.acquire()
            events.append("acquired")
            try:
                await lowlevel.checkpoint()  # the cancellation lands here
            finally:
                primitive.release()
                events.append("released")
        events.append(f"cancelled_caught={scope.cancelled_caught}")

    await primitive.acquire()
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waiter)
        await wait_all_tasks_blocked()
        primitive.release()
        scope_box[0].cancel()
    assert events == ["acquired", "released", "cancelled_caught=True"]
    assert acquirable.is_free(primitive)


# ---------------------------------------------------------------- Lock specifics


@pytest.mark.parametrize("lock_type", [trio_core.Lock, trio_core.StrictFIFOLock])
async def test_lock_errors_and_statistics(lock_type: type[trio_core.Lock]) -> None:
    lock = lock_type()
    stats = lock.statistics()
    assert (stats.locked, stats.owner, stats.tasks_waiting) == (False, None, 0)
    with pytest.raises(RuntimeError, match="you don't own"):
        lock.release()
    await lock.acquire()
    me = lowlevel.current_task()
    stats = lock.statistics()
    assert (stats.locked, stats.owner, stats.tasks_waiting) == (True, me, 0)
    assert lock.locked()
    with pytest.raises(RuntimeError, match="already held Lock"):
        await lock.acquire()
    with pytest.raises(RuntimeError, match="already held Lock"):
        lock.acquire_nowait()

    async def stranger() -> None:
        with pytest.raises(RuntimeError, match="you don't own"):
            lock.release()

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(stranger)
    assert lock.locked()
    lock.release()
    assert not lock.locked()


# ---------------------------------------------------------------- Semaphore specifics


async def test_semaphore_counting() -> None:
    sem = trio_core.Semaphore(3)
    assert (sem.value, sem.max_value) == (3, None)
    for expected in (2, 1, 0):
        await sem.acquire()
        assert sem.value == expected
    with pytest.raises(trio_core.WouldBlock):
        sem.acquire_nowait()
    for _ in range(10):
        sem.release()  # no max_value: no limit
    assert sem.value == 10
    stats = sem.statistics()
    assert (stats.value, stats.max_value, stats.tasks_waiting) == (10, None, 0)


async def test_semaphore_release_to_a_waiter_keeps_the_value_at_zero() -> None:
    sem = trio_core.Semaphore(0, max_value=1)
    got: list[str] = []

    async def waiter() -> None:
        await sem.acquire()
        got.append("x")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waiter)
        await wait_all_tasks_blocked()
        sem.release()
        assert sem.value == 0
    assert got == ["x"]
    sem.release()
    assert sem.value == 1
    with pytest.raises(ValueError, match="max_value"):
        sem.release()
    assert sem.value == 1


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        ((-1,), {}, ValueError),
        ((1.5,), {}, TypeError),
        (("1",), {}, TypeError),
        ((True,), {}, TypeError),
        ((3,), {"max_value": 2}, ValueError),
        ((1,), {"max_value": 2.0}, TypeError),
    ],
)
async def test_semaphore_bad_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        trio_core.Semaphore(*args, **kwargs)


# ---------------------------------------------------------------- CapacityLimiter specifics


async def test_capacity_limiter_tokens_and_borrowers() -> None:
    limiter = trio_core.CapacityLimiter(2)
    assert (limiter.total, limiter.borrowed_tokens, limiter.available_tokens) == (2, 0, 2)
    me = lowlevel.current_task()
    await limiter.acquire()
    with pytest.raises(RuntimeError, match="already holding"):
        await limiter.acquire()
    with pytest.raises(RuntimeError, match="already holding"):
        limiter.acquire_nowait()
    limiter.acquire_on_behalf_of_nowait("job")
    stats = limiter.statistics()
    assert stats.borrowed_tokens == 2 and stats.total_tokens == 2
    assert set(stats.borrowers) == {me, "job"}
    with pytest.raises(trio_core.WouldBlock):
        limiter.acquire_on_behalf_of_nowait("other")
    with pytest.raises(RuntimeError, match="isn't holding"):
        limiter.release_on_behalf_of("other")
    limiter.release_on_behalf_of("job")
    limiter.release()
    with pytest.raises(RuntimeError, match="isn't holding"):
        limiter.release()
    assert limiter.borrowed_tokens == 0


async def test_capacity_limiter_total_changes() -> None:
    limiter = trio_core.CapacityLimiter(1)
    order: list[str] = []

    async def borrow(name: str) -> None:
        await limiter.acquire_on_behalf_of(name)
        order.append(name)

    await limiter.acquire_on_behalf_of("holder")
    async with trio_core.open_nursery() as nursery:
        for name in "abc":
            nursery.start_soon(borrow, name)
            await wait_all_tasks_blocked()
        limiter.total = 3  # two more tokens: the first two waiters, in order
        await wait_all_tasks_blocked()
        assert order == ["a", "b"]
        # Lowering below what is borrowed takes nothing back, but blocks "c" longer.
        limiter.total = 1
        limiter.release_on_behalf_of("holder")
        limiter.release_on_behalf_of("a")
        await wait_all_tasks_blocked()
        assert order == ["a", "b"]
        limiter.release_on_behalf_of("b")
    assert order == ["a", "b", "c"]
    limiter.release_on_behalf_of("c")
    limiter.total = math.inf
    assert limiter.available_tokens == math.inf
    for i in range(100):
        limiter.acquire_on_behalf_of_nowait(i)
    assert limiter.statistics().total_tokens == math.inf


async def test_capacity_limiter_total_tokens_is_the_same_as_total() -> None:
    limiter = trio_core.CapacityLimiter(4)
    assert limiter.total_tokens == 4
    limiter.total_tokens = math.inf
    assert limiter.total == math.inf
    with pytest.raises(TypeError):
        limiter.total_tokens = 1.5


@pytest.mark.parametrize("bad", [2.5, "3", None, True, -1, math.nan])
async def test_capacity_limiter_bad_totals(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        trio_core.CapacityLimiter(bad)
    limiter = trio_core.CapacityLimiter(1)
    with pytest.raises((TypeError, ValueError)):
        limiter.total = bad
    assert limiter.total == 1


async def test_lock_messages_are_trios_word_for_word() -> None:
    # AnyIO's trio backend compares the re-acquire message exactly to translate it.
    for lock in (trio_core.Lock(), trio_core.StrictFIFOLock()):
        with pytest.raises(RuntimeError) as info:
            lock.release()
        assert info.value.args == ("can't release a Lock you don't own",)
        async with lock:
            with pytest.raises(RuntimeError) as info:
                lock.acquire_nowait()
            assert info.value.args == ("attempt to re-acquire an already held Lock",)
            with pytest.raises(RuntimeError) as info:
                await lock.acquire()
            assert info.value.args == ("attempt to re-acquire an already held Lock",)


async def test_capacity_limiter_messages_begin_with_trios_wording() -> None:
    limiter = trio_core.CapacityLimiter(1)
    with pytest.raises(RuntimeError, match=r"^this borrower isn't holding any of this "):
        limiter.release()
    async with limiter:
        with pytest.raises(RuntimeError, match=r"^this borrower is already holding one of this "):
            await limiter.acquire()
    with pytest.raises(TypeError, match=r"^total_tokens must be an int or math\.inf"):
        trio_core.CapacityLimiter(1.5)
    with pytest.raises(ValueError, match=r"^total_tokens must be >= 0"):
        trio_core.CapacityLimiter(-1)


async def test_capacity_limiter_of_zero_admits_nobody_until_raised() -> None:
    limiter = trio_core.CapacityLimiter(0)
    assert (limiter.total_tokens, limiter.available_tokens) == (0, 0)
    with pytest.raises(trio_core.WouldBlock):
        limiter.acquire_nowait()
    got: list[str] = []

    async def borrow(name: str) -> None:
        await limiter.acquire_on_behalf_of(name)
        got.append(name)

    async with trio_core.open_nursery() as nursery:
        for name in "ab":
            nursery.start_soon(borrow, name)
        await wait_all_tasks_blocked()
        assert got == [] and limiter.statistics().tasks_waiting == 2
        limiter.total_tokens = 1
        await wait_all_tasks_blocked()
        assert got == ["a"]
        limiter.total_tokens = 0  # back to paused: releasing wakes nobody
        limiter.release_on_behalf_of("a")
        await wait_all_tasks_blocked()
        assert got == ["a"] and limiter.available_tokens == 0
        limiter.total_tokens = 2
    assert got == ["a", "b"]


async def test_capacity_limiter_cancelled_waiter_on_behalf_of_takes_no_token() -> None:
    limiter = trio_core.CapacityLimiter(1)
    await limiter.acquire_on_behalf_of("a")
    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(limiter.acquire_on_behalf_of, "b")
        await wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    limiter.release_on_behalf_of("a")
    assert limiter.borrowed_tokens == 0
    assert limiter.statistics().borrowers == []
    # "b" never got a token, so it can take one now (and not "already holds").
    limiter.acquire_on_behalf_of_nowait("b")


# ---------------------------------------------------------------- Condition


async def test_condition_notify_wakes_in_fifo_order() -> None:
    cond = trio_core.Condition()
    woken: list[int] = []

    async def waiter(i: int) -> None:
        async with cond:
            await cond.wait()
            assert cond.locked()
            woken.append(i)

    async with trio_core.open_nursery() as nursery:
        for i in range(5):
            nursery.start_soon(waiter, i)
            await wait_all_tasks_blocked()
        assert cond.statistics().tasks_waiting == 5
        async with cond:
            cond.notify()
            cond.notify(2)
            stats = cond.statistics()
            # Moved to the lock's queue: they wait for us to release it.
            assert stats.tasks_waiting == 2
            assert stats.lock_statistics.tasks_waiting == 3
        await wait_all_tasks_blocked()
        assert woken == [0, 1, 2]
        async with cond:
            cond.notify_all()
    assert woken == [0, 1, 2, 3, 4]


async def test_condition_needs_the_lock() -> None:
    cond = trio_core.Condition()
    with pytest.raises(RuntimeError, match="hold"):
        await cond.wait()
    with pytest.raises(RuntimeError, match="hold"):
        cond.notify()
    with pytest.raises(RuntimeError, match="hold"):
        cond.notify_all()
    with pytest.raises(RuntimeError):
        cond.release()
    cond.acquire_nowait()
    assert cond.locked()
    cond.release()
    with pytest.raises(TypeError):
        trio_core.Condition(trio_core.Semaphore(1))  # type: ignore[arg-type]


async def test_condition_with_a_given_lock() -> None:
    lock = trio_core.StrictFIFOLock()
    cond = trio_core.Condition(lock)
    async with cond:
        assert lock.locked()
        assert lock.statistics().owner is lowlevel.current_task()
    assert not lock.locked()


@pytest.mark.parametrize("when", ["before notify", "after notify"])
async def test_condition_wait_cancelled_takes_the_lock_back(when: str) -> None:
    cond = trio_core.Condition()
    log: list[str] = []
    scope_box: list[trio_core.CancelScope] = []

    async def waiter() -> None:
        with trio_core.CancelScope() as scope:
            scope_box.append(scope)
            async with cond:
                try:
                    await cond.wait()
                except trio_core.Cancelled:
                    # The lock is ours again before the cancellation reaches us.
                    owner = cond.statistics().lock_statistics.owner
                    log.append(f"cancelled, locked by me: {owner is lowlevel.current_task()}")
                    raise
        log.append("out")

    async with trio_core.open_nursery() as nursery:
        nursery.start_soon(waiter)
        await wait_all_tasks_blocked()
        async with cond:
            if when == "after notify":
                cond.notify()
            scope_box[0].cancel()
            await wait_all_tasks_blocked()
            # It cannot have the lock yet: we hold it.
            assert log == []
    assert log == ["cancelled, locked by me: True", "out"]
    assert not cond.locked()
    assert cond.statistics().tasks_waiting == 0


# ---------------------------------------------------------------- many tasks, random cancellation


@pytest.mark.parametrize("make", [trio_core.Lock, lambda: trio_core.Semaphore(2)])
async def test_mutual_exclusion_under_random_cancellation(
    make: Callable[[], Any], autojump_clock: trio_core.testing.MockClock
) -> None:
    import random

    rng = random.Random(1234)
    primitive = make()
    capacity = 1 if isinstance(primitive, trio_core.Lock) else 2
    inside = 0
    completed = 0

    async def worker() -> None:
        nonlocal inside, completed
        for _ in range(20):
            with trio_core.move_on_after(rng.random() * 0.01):
                async with primitive:
                    inside += 1
                    assert inside <= capacity
                    try:
                        await trio_core.sleep(rng.random() * 0.005)
                    finally:
                        inside -= 1
                completed += 1

    async with trio_core.open_nursery() as nursery:
        for _ in range(10):
            nursery.start_soon(worker)
    assert inside == 0
    assert 0 < completed < 200
    assert primitive.statistics().tasks_waiting == 0
    await trio_core.sleep(0)
    if isinstance(primitive, trio_core.Lock):
        assert not primitive.locked()
    else:
        assert primitive.value == 2


async def test_every_async_method_is_a_coroutine_function() -> None:
    import inspect

    methods: list[Callable[..., Awaitable[Any]]] = [
        trio_core.Event.wait,
        trio_core.Lock.acquire,
        trio_core.StrictFIFOLock.acquire,
        trio_core.Semaphore.acquire,
        trio_core.CapacityLimiter.acquire,
        trio_core.CapacityLimiter.acquire_on_behalf_of,
        trio_core.Condition.acquire,
        trio_core.Condition.wait,
    ]
    for method in methods:
        assert inspect.iscoroutinefunction(method), method
