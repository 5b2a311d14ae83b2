"""Bad input to trio.catch_signals (issue 8, "Bad input"), through ``import trio``.

Whatever is passed -- something that is not a collection, a collection holding
wrong types, signal numbers that do not exist or cannot be caught -- the call
fails at once with the documented exception (TypeError or ValueError) whose
message names the problem, and no signal handler has changed: a good
``catch_signals`` afterwards still works and restores everything on exit.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trio

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix signals")

FAST = settings(max_examples=40, deadline=None)
USR1 = signal.SIGUSR1
VALID = sorted(signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP})
#: Handlers of the signals these tests could touch, to compare before and after.
WATCHED = [USR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGTERM, signal.SIGINT]

not_collections: st.SearchStrategy[object] = st.one_of(
    st.integers(),
    st.text(max_size=8),
    st.binary(max_size=4),
    st.none(),
    st.floats(),
    st.builds(object),
)
wrong_members: st.SearchStrategy[object] = st.one_of(
    st.booleans(),
    st.floats(),
    st.text(max_size=8),
    st.none(),
    st.tuples(st.integers()),
)
invalid_numbers: st.SearchStrategy[int] = st.integers().filter(
    lambda n: n not in signal.valid_signals()
)


def handlers() -> list[Any]:
    return [signal.getsignal(s) for s in WATCHED]


async def still_works() -> None:
    """A correct block after a refused one receives a signal and restores handlers."""
    before = handlers()
    with trio.catch_signals({USR1}) as batches:
        signal.raise_signal(USR1)
        async for batch in batches:
            assert batch == {USR1}
            break
    assert handlers() == before


@FAST
@given(signals=not_collections)
async def test_what_is_not_a_collection_is_refused(signals: object) -> None:
    before = handlers()
    with pytest.raises(TypeError, match="collection of signal numbers"):
        trio.catch_signals(signals)  # type: ignore[arg-type]
    assert handlers() == before
    await still_works()


@FAST
@given(
    good=st.lists(st.sampled_from(VALID), max_size=3),
    bad=wrong_members,
    kind=st.sampled_from([list, tuple, set, frozenset]),
)
async def test_members_that_are_not_ints_are_refused(
    good: list[int], bad: object, kind: type[Any]
) -> None:
    before = handlers()
    try:
        signals = kind([*good, bad])
    except TypeError:  # unhashable member for a set
        signals = [*good, bad]
    with pytest.raises(TypeError, match="signal numbers must be ints"):
        trio.catch_signals(signals)
    assert handlers() == before
    await still_works()


@FAST
@given(good=st.lists(st.sampled_from(VALID), max_size=3), bad=invalid_numbers)
async def test_numbers_that_are_not_signals_are_refused(good: list[int], bad: int) -> None:
    before = handlers()
    with pytest.raises(ValueError, match="not a valid signal number"):
        trio.catch_signals([*good, bad])
    assert handlers() == before
    await still_works()


@pytest.mark.parametrize("uncatchable", [signal.SIGKILL, signal.SIGSTOP])
@pytest.mark.parametrize("as_int", [True, False])
async def test_uncatchable_signals_are_refused_by_name(uncatchable: int, as_int: bool) -> None:
    before = handlers()
    number = int(uncatchable) if as_int else uncatchable
    with pytest.raises(ValueError, match=f"{signal.Signals(uncatchable).name} cannot be caught"):
        trio.catch_signals({USR1, number})
    assert handlers() == before
    await still_works()


@pytest.mark.parametrize("empty", [set(), [], (), frozenset(), iter(())])
async def test_nothing_to_listen_for_is_refused(empty: Any) -> None:
    with pytest.raises(ValueError, match="at least one signal"):
        trio.catch_signals(empty)
    await still_works()


async def test_a_block_cannot_be_entered_twice_or_read_after_exit() -> None:
    block = trio.catch_signals({USR1})
    with block as batches, pytest.raises(RuntimeError):
        block.__enter__()
    with pytest.raises(RuntimeError):
        await batches.__anext__()
    await still_works()
