"""Property tests of cancel scopes and deadlines against a small model (Hypothesis).

Each example builds a stack of nested cancel scopes with random deadlines and
shields, sleeps forever in the innermost one under a MockClock that autojumps,
and checks against a model *when* the sleep ends and *which* scope catches the
Cancelled.
"""

from __future__ import annotations

import math
import select
from dataclasses import dataclass

from hypothesis import assume, given, settings
from hypothesis import strategies as st

import trio_core
from trio_core import lowlevel
from trio_core.testing import MockClock


@dataclass(frozen=True)
class ScopeSpec:
    deadline: float  # absolute; math.inf for none
    shield: bool
    moved_to: float | None  # a new deadline set right after entering, if any
    relative: bool  # give the deadline as relative_deadline (time starts at 0)
    in_child_task: bool  # open a nursery here and continue inside a child task


deadlines = st.one_of(st.just(math.inf), st.integers(1, 20).map(float))
scope_specs = st.builds(
    ScopeSpec,
    deadline=deadlines,
    shield=st.booleans(),
    moved_to=st.one_of(st.none(), deadlines),
    relative=st.booleans(),
    in_child_task=st.booleans(),
)


def effective_deadline(spec: ScopeSpec) -> float:
    return spec.deadline if spec.moved_to is None else spec.moved_to


def model(specs: list[ScopeSpec]) -> tuple[float, int]:
    """(the time the innermost sleep ends, index of the scope that catches)."""
    # The innermost sleep sees the scopes from the innermost out to the first shield.
    visible: list[int] = []
    for i in reversed(range(len(specs))):
        visible.append(i)
        if specs[i].shield:
            break
    wake = min(effective_deadline(specs[i]) for i in visible)
    cancelled = [effective_deadline(spec) <= wake for spec in specs]
    # Effective cancellation, outermost first.
    effective: list[bool] = []
    for i, spec in enumerate(specs):
        parent = effective[i - 1] if i > 0 else False
        effective.append(cancelled[i] or (parent and not spec.shield))
    for i in reversed(range(len(specs))):
        parent_visible = i > 0 and effective[i - 1] and not specs[i].shield
        if effective[i] and not parent_visible:
            return wake, i
    raise AssertionError("unreachable: the innermost scope is effectively cancelled")


@settings(max_examples=150, deadline=None)
@given(st.lists(scope_specs, min_size=1, max_size=6))
def test_nested_scopes_against_the_model(specs: list[ScopeSpec]) -> None:
    # Only examples where the innermost sleep ends at all.
    visible_deadlines = []
    for spec in reversed(specs):
        visible_deadlines.append(effective_deadline(spec))
        if spec.shield:
            break
    assume(min(visible_deadlines) != math.inf)
    expected_time, expected_catcher = model(specs)
    scopes: list[trio_core.CancelScope] = []
    woke_at: list[float] = []

    async def nest(level: int) -> None:
        if level == len(specs):
            await trio_core.sleep_forever()
        spec = specs[level]
        if spec.relative and spec.deadline != math.inf:
            scope = trio_core.CancelScope(
                relative_deadline=spec.deadline - trio_core.current_time(), shield=spec.shield
            )
        else:
            scope = trio_core.CancelScope(deadline=spec.deadline, shield=spec.shield)
        scopes.append(scope)
        with scope:
            if spec.moved_to is not None:
                scope.deadline = spec.moved_to
            if spec.in_child_task:
                async with trio_core.open_nursery() as nursery:
                    nursery.start_soon(nest, level + 1)
            else:
                await nest(level + 1)
        if level == expected_catcher:
            woke_at.append(trio_core.current_time())

    async def main() -> None:
        await nest(0)
        # Nothing is left behind in the deadline heap: time does not jump further.
        await lowlevel.checkpoint()

    trio_core.run(main, clock=MockClock(autojump_threshold=0))
    caught = [i for i, scope in enumerate(scopes) if scope.cancelled_caught]
    assert caught == [expected_catcher], (specs, caught)
    assert woke_at == [expected_time]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=30))
def test_sleepers_wake_at_their_deadline_in_order(durations: list[int]) -> None:
    woke: list[tuple[float, int]] = []

    async def sleeper(seconds: int) -> None:
        await trio_core.sleep(seconds)
        woke.append((trio_core.current_time(), seconds))

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            for seconds in durations:
                nursery.start_soon(sleeper, seconds)

    trio_core.run(main, clock=MockClock(autojump_threshold=0))
    assert sorted(seconds for _, seconds in woke) == sorted(durations)
    for time, seconds in woke:
        assert time == seconds
    assert [t for t, _ in woke] == sorted(t for t, _ in woke)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 30), st.booleans()), min_size=1, max_size=25),
)
def test_many_tasks_with_timeouts_some_cancelled_early(plan: list[tuple[int, bool]]) -> None:
    """Each task waits under move_on_after(t); some are cancelled by hand at t/2."""
    results: dict[int, tuple[float, bool]] = {}

    async def waiter(i: int, timeout: int, scope: trio_core.CancelScope) -> None:
        with scope:
            await trio_core.sleep_forever()
        results[i] = (trio_core.current_time(), scope.cancelled_caught)

    async def canceller(at: float, scope: trio_core.CancelScope) -> None:
        await trio_core.sleep(at)
        scope.cancel()

    async def main() -> None:
        async with trio_core.open_nursery() as nursery:
            for i, (timeout, early) in enumerate(plan):
                scope = trio_core.move_on_after(timeout)
                nursery.start_soon(waiter, i, timeout, scope)
                if early:
                    nursery.start_soon(canceller, timeout / 2, scope)

    trio_core.run(main, clock=MockClock(autojump_threshold=0))
    for i, (timeout, early) in enumerate(plan):
        expected = timeout / 2 if early else timeout
        assert results[i] == (expected, True)


# ---------------------------------------------------------------- I/O readiness rounds


@settings(max_examples=40, deadline=None)
@given(
    manager=st.sampled_from([m for m in ("epoll", "kqueue", "poll") if hasattr(select, m)]),
    rounds=st.lists(
        st.lists(st.sampled_from(["send", "cancel", "idle", "close"]), min_size=4, max_size=4),
        min_size=1,
        max_size=6,
    ),
)
def test_io_rounds_wake_exactly_the_ready_waiters(manager: str, rounds: list[list[str]]) -> None:
    """Four socketpairs; each round, every socket gets a reader, then each is either
    sent a byte, cancelled, left idle, or notify_closing'd and replaced.  Exactly
    the readers of the sockets that got a byte must wake with it."""
    import os
    import socket

    old = os.environ.get("TRIO_CORE_IO_MANAGER")
    os.environ["TRIO_CORE_IO_MANAGER"] = manager
    pairs = [socket.socketpair() for _ in range(4)]
    try:

        async def main() -> None:
            assert lowlevel.current_statistics().io_statistics.backend == manager
            for actions in rounds:
                outcome: dict[int, str] = {}

                async def reader(
                    i: int, scope: trio_core.CancelScope, outcome: dict[int, str]
                ) -> None:
                    a = pairs[i][0]
                    with scope:
                        try:
                            await lowlevel.wait_readable(a)
                        except trio_core.ClosedResourceError:
                            outcome[i] = "closed"
                            return
                        outcome[i] = "data" if a.recv(1) == b"x" else "eof?"
                        return
                    outcome[i] = "cancelled"

                async with trio_core.open_nursery() as nursery:
                    scopes = [trio_core.CancelScope() for _ in pairs]
                    for i in range(len(pairs)):
                        nursery.start_soon(reader, i, scopes[i], outcome)
                    await trio_core.testing.wait_all_tasks_blocked()
                    for i, action in enumerate(actions):
                        if action == "send":
                            pairs[i][1].send(b"x")
                        elif action == "cancel":
                            scopes[i].cancel()
                        elif action == "close":
                            lowlevel.notify_closing(pairs[i][0])
                            pairs[i][0].close()
                            pairs[i][1].close()
                            pairs[i] = socket.socketpair()
                    await trio_core.testing.wait_all_tasks_blocked()
                    # Whatever is still waiting is idle: cancel it to end the round.
                    for i, action in enumerate(actions):
                        if action == "idle":
                            assert i not in outcome, (i, outcome)
                            scopes[i].cancel()
                expected = {
                    i: {"send": "data", "cancel": "cancelled", "idle": "cancelled"}.get(
                        action, "closed"
                    )
                    for i, action in enumerate(actions)
                }
                assert outcome == expected, (actions, outcome)

        trio_core.run(main)
    finally:
        for a, b in pairs:
            a.close()
            b.close()
        if old is None:
            del os.environ["TRIO_CORE_IO_MANAGER"]
        else:
            os.environ["TRIO_CORE_IO_MANAGER"] = old
