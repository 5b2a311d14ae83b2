"""catch_signals: Unix signals delivered to a task, in coalesced batches.

Design
------
Python runs signal handlers in the main thread, between bytecodes.  The run
installs a wakeup fd (``signal.set_wakeup_fd``), so a signal also wakes the
run loop out of its I/O wait at once; the handler then runs promptly.

While at least one ``catch_signals`` block listens for a signal, one
module-level dispatcher is that signal's Python handler.  Each signal keeps
a stack of the blocks listening for it: the dispatcher gives the signal to
the most recently entered block that is still open (nested blocks shadow
outer ones; concurrent blocks in different tasks: the newest wins).  The
handler that was installed before the first block started listening is
saved and put back when the last block for that signal exits, whatever
order the blocks exit in.

A block's receiver keeps a ``set`` of the signals received since its last
batch (Unix signals coalesce), and wakes its task through
``TrioToken.run_sync_soon``, which is safe to call from a signal handler.
When a block exits with signals it has not handed out, each goes to the
next block listening for it, or, if none is left, is raised again with
``signal.raise_signal`` after the previous handler is back, so that
Python's regular handling sees it: a signal that arrives just before the
block exits is never lost.
"""

from __future__ import annotations

import signal
import threading
import types
from collections.abc import Iterable
from typing import Any, final

from trio_core.lowlevel import ParkingLot, TrioToken, checkpoint, current_trio_token

__all__ = ["catch_signals", "SignalReceiver"]

_UNCATCHABLE = {signal.SIGKILL, signal.SIGSTOP}

# signal number -> the receivers listening for it, innermost (newest) last.
_listeners: dict[int, list[SignalReceiver]] = {}
# signal number -> the handler that was installed before we took the signal over.
_saved_handlers: dict[int, Any] = {}


def _dispatch(signum: int, frame: types.FrameType | None) -> None:
    stack = _listeners.get(signum)
    if stack:
        stack[-1]._deliver(signum)


def _validate(signals: Iterable[int]) -> list[int]:
    if isinstance(signals, (int, str, bytes)):
        raise TypeError(
            "catch_signals() takes a collection of signal numbers, like {signal.SIGHUP}, "
            f"not {signals!r}"
        )
    valid = signal.valid_signals()
    checked: list[int] = []
    for signum in signals:
        if isinstance(signum, bool) or not isinstance(signum, int):
            raise TypeError(f"signal numbers must be ints (or signal.Signals), got {signum!r}")
        if signum not in valid:
            raise ValueError(f"{signum!r} is not a valid signal number on this platform")
        if signum in _UNCATCHABLE:
            raise ValueError(f"{signal.Signals(signum).name} cannot be caught, by any program")
        if signum not in checked:
            checked.append(int(signum))
    if not checked:
        raise ValueError("catch_signals() needs at least one signal to listen for")
    return checked


@final
class SignalReceiver:
    """The async iterator that ``catch_signals`` gives: each iteration yields a
    ``set`` of the signals received since the previous one."""

    __slots__ = ("_token", "_signals", "_pending", "_lot", "_closed")

    def __init__(self, token: TrioToken, signals: list[int]) -> None:
        self._token = token
        self._signals = signals
        self._pending: set[int] = set()
        self._lot = ParkingLot()
        self._closed = False

    def __repr__(self) -> str:
        names = ", ".join(signal.Signals(s).name for s in self._signals)
        return f"<SignalReceiver for {{{names}}}, {len(self._pending)} pending>"

    def _deliver(self, signum: int) -> None:
        # Runs in a signal handler: only touch a set and the token.
        self._pending.add(signum)
        try:
            self._token.run_sync_soon(self._wake, idempotent=True)
        except RuntimeError:
            # The run is over; the signal stays pending and is re-raised on exit.
            pass

    def _wake(self) -> None:
        self._lot.unpark_all()

    def __aiter__(self) -> SignalReceiver:
        return self

    async def __anext__(self) -> set[int]:
        """Wait until at least one signal arrived, then return all of them.  A checkpoint."""
        if self._closed:
            raise RuntimeError("this catch_signals() block has exited; its iterator is finished")
        if self._pending:
            await checkpoint()
        else:
            await self._lot.park()
        batch, self._pending = self._pending, set()
        return batch


@final
class catch_signals:
    """Catch Unix signals in a task: ``with catch_signals({SIGHUP}) as batches:``.

    Entering starts listening for ``signals`` and returns an async iterator;
    ``async for batch in batches`` blocks until at least one signal arrived,
    then yields the ``set`` of every signal received since the previous
    iteration (identical signals coalesce, as Unix does).  Exiting stops
    listening and restores the previous handlers; signals received but not
    yet handed out are re-delivered through Python's regular signal handling.

    While a block catches ``SIGINT``, Control-C no longer raises
    KeyboardInterrupt; afterwards it does again.  With nested or concurrent
    blocks listening for the same signal, the most recently entered open block
    receives it.

    Args:
        signals: the signals to listen for (``signal.SIG*`` numbers).

    Raises:
        RuntimeError: outside of Python's main thread (a Python limitation),
            or outside of ``trio_core.run()``.
        ValueError: for an invalid signal, or one that cannot be caught
            (SIGKILL, SIGSTOP); nothing has been changed then.
        TypeError: if ``signals`` is not a collection of ints.
    """

    __slots__ = ("_signals", "_receiver")

    def __init__(self, signals: Iterable[int]) -> None:
        self._signals = _validate(signals)
        self._receiver: SignalReceiver | None = None

    def __enter__(self) -> SignalReceiver:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError(
                "catch_signals() only works in Python's main thread (Python runs signal "
                "handlers there and nowhere else)"
            )
        if self._receiver is not None:
            raise RuntimeError("each catch_signals() object can be entered only once")
        try:
            token = current_trio_token()
        except RuntimeError:
            raise RuntimeError(
                "catch_signals() must be used inside trio_core.run() (there is no run here)"
            ) from None
        receiver = self._receiver = SignalReceiver(token, self._signals)
        for signum in self._signals:
            stack = _listeners.setdefault(signum, [])
            if not stack:
                _saved_handlers[signum] = signal.signal(signum, _dispatch)
            stack.append(receiver)
        return receiver

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        receiver = self._receiver
        assert receiver is not None
        receiver._closed = True
        to_raise: list[int] = []
        for signum in self._signals:
            stack = _listeners[signum]
            if stack == [receiver]:
                # Restore first: from here on the previous handler gets the signal,
                # and until here we do, so there is no moment when it goes nowhere.
                signal.signal(signum, _saved_handlers.pop(signum))
                del _listeners[signum]
            else:
                stack.remove(receiver)
        # Hand out what arrived and was not collected (including while we exited).
        pending, receiver._pending = receiver._pending, set()
        for signum in sorted(pending):
            remaining = _listeners.get(signum)
            if remaining:
                remaining[-1]._deliver(signum)
            else:
                to_raise.append(signum)
        receiver._lot.unpark_all()
        for signum in to_raise:
            signal.raise_signal(signum)
