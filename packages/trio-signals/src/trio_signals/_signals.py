"""catch_signals and open_signal_receiver: Unix signals delivered to a task.

``catch_signals({...})`` is the seed's API: its iterator yields coalesced
``set`` batches.  ``open_signal_receiver(*signals)`` is modern Trio's: its
iterator yields one signal number at a time.  Both are the same machinery
below; only the receiver's iterator differs.

Design
------
Python runs signal handlers in the main thread, between bytecodes, and only
handlers installed from Python.  ``trio_core.run`` points the signal wakeup fd
at its own wake-up socket, so a signal also wakes the run loop out of its I/O
wait at once and the Python-level handler runs promptly: nothing polls.

*One dispatcher, one stack per signal.*  While at least one ``catch_signals``
block listens for a signal, a single module-level function, ``_dispatch``, is
that signal's Python handler.  Each signal keeps a stack of the receivers
listening for it, and the dispatcher gives the signal to the top one: the most
recently entered block that is still open.  Nested blocks therefore shadow
outer ones, and of two concurrent blocks (in different tasks) the newer one
receives.  The handler that was installed before the first block took the
signal over is saved and put back when the last block for that signal exits,
in whatever order the blocks exit: a stack entry is removed wherever it is,
not only from the top.  Installing one dispatcher per signal, rather than one
handler per block chained to the previous one, is what makes out-of-order
exits safe: with chaining, a block exiting early would restore a handler that
still points at a block that has gone, or would lose the later block's
handler.

*Receiving.*  A receiver keeps the signals received and not yet handed out
in an insertion-ordered ``dict`` used as a set (Unix coalesces identical
signals, and so do we: a signal already pending is not added twice, and
keeps its place); ``catch_signals`` hands them all out as one ``set``,
``open_signal_receiver`` one at a time, oldest first, so that two signals
that keep arriving take turns rather than one starving the other.  It and wakes its task
with ``TrioToken.run_sync_soon(..., idempotent=True)``: the token is captured
on entry, its method is documented as safe in a signal handler, and the
idempotent form means a burst of signals queues one wake-up, not thousands.
The waiting task parks in a ``ParkingLot``.  The handler touches nothing but
the set and the token, so it is correct whichever bytecode it interrupts.

*No lost signal.*  Entering pushes the receiver before installing the
dispatcher, and exiting restores the previous handler before popping it, so a
signal that trips during either step always finds a receiver (or the restored
handler).  ``signal.signal`` itself runs any pending Python handlers before it
swaps, so a signal tripped while our dispatcher was installed is dispatched
by it.  When a block exits with signals it has not handed out, each one goes
to the next receiver listening for it or, if there is none, is raised again
with ``signal.raise_signal`` once the previous handler is back: Python's
regular handling runs it (a Python handler is called, ``SIG_DFL`` does what
it does by default, ``SIGINT`` becomes KeyboardInterrupt again).  A remaining
window is inside CPython: a signal that trips in the few C instructions
between ``signal.signal``'s check for pending signals and its ``sigaction``
call is reported by CPython as "ignored due to race condition" if the handler
being restored is ``SIG_DFL``/``SIG_IGN``; no Python code can close it.

*Control-C.*  The bookkeeping on entry and exit is marked with
``enable_ki_protection``, so a KeyboardInterrupt cannot land half-way through
it and leave a stack and the installed handler disagreeing.  A block that
catches SIGINT simply owns the signal: the run's KeyboardInterrupt handler is
the "previous handler" it saves and restores.

*Errors first.*  Every signal is validated, and the current handlers are
checked to be restorable, before any handler is changed.
"""

from __future__ import annotations

import signal
import threading
import types
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, TypeAlias, final

from trio_core import BusyResourceError
from trio_core.lowlevel import (
    ParkingLot,
    TrioToken,
    checkpoint,
    current_trio_token,
    enable_ki_protection,
)

__all__ = ["catch_signals", "SignalReceiver", "open_signal_receiver"]

# What signal.getsignal() returns (None: installed outside Python; we refuse those).
_Handler: TypeAlias = Callable[[int, types.FrameType | None], Any] | int | signal.Handlers | None

_UNCATCHABLE = frozenset({signal.SIGKILL, signal.SIGSTOP})

# signal number -> the receivers listening for it, newest last (the one that receives).
_listeners: dict[int, list[_Receiver]] = {}
# signal number -> the handler that was installed before we took the signal over.
_saved_handlers: dict[int, _Handler] = {}


@enable_ki_protection
def _dispatch(signum: int, frame: types.FrameType | None) -> None:
    # The Python-level handler of every signal some block listens for.  It is
    # installed only while the signal's stack is non-empty (see the design).
    stack = _listeners.get(signum)
    if stack:
        stack[-1]._deliver(signum)


def _as_signal(signum: int) -> int:
    # signal.Signals members print by name; real-time signals have no member.
    try:
        return signal.Signals(signum)
    except ValueError:
        return int(signum)


def _name(signum: int) -> str:
    return signum.name if isinstance(signum, signal.Signals) else f"signal {signum}"


def _validate(signals: Iterable[int]) -> list[int]:
    not_a_collection = TypeError(
        "catch_signals() takes a collection of signal numbers, like {signal.SIGHUP}, "
        f"not {signals!r}"
    )
    if isinstance(signals, (int, str, bytes)):
        raise not_a_collection
    try:
        signals = list(signals)
    except TypeError:
        raise not_a_collection from None
    checked = _check_numbers(signals)
    if not checked:
        raise ValueError("catch_signals() needs at least one signal to listen for")
    return checked


def _validate_args(signals: tuple[object, ...]) -> list[int]:
    # open_signal_receiver(*signals): the numbers are the arguments themselves.
    for signum in signals:
        if isinstance(signum, (set, frozenset, list, tuple, dict)):
            raise TypeError(
                "open_signal_receiver() takes the signals as separate arguments, like "
                "open_signal_receiver(signal.SIGHUP, signal.SIGTERM), not a collection "
                f"{signum!r}; unpack it: open_signal_receiver(*signals)"
            )
    checked = _check_numbers(signals)
    if not checked:
        raise TypeError(
            "open_signal_receiver() needs at least one signal, and no signals were provided"
        )
    return checked


def _check_numbers(signals: Iterable[object]) -> list[int]:
    valid = signal.valid_signals()
    checked: list[int] = []
    for signum in signals:
        if isinstance(signum, bool) or not isinstance(signum, int):
            raise TypeError(f"signal numbers must be ints such as signal.SIGHUP, got {signum!r}")
        if signum not in valid:
            raise ValueError(
                f"{signum!r} is not a valid signal number on this platform; "
                "use a signal.SIG* constant"
            )
        if signum in _UNCATCHABLE:
            raise ValueError(
                f"{signal.Signals(signum).name} cannot be caught, by any program; "
                "listen for a catchable signal such as SIGTERM instead"
            )
        as_signal = _as_signal(signum)
        if as_signal not in checked:
            checked.append(as_signal)  # duplicates: listened for once
    return checked


def _swap_handler(signum: int, handler: _Handler, deferred: list[BaseException]) -> _Handler:
    """signal.signal(), made to succeed even if another signal's handler raises.

    signal.signal() first runs any pending Python handlers; if one of them
    raises, the swap has not happened.  The exception is kept in ``deferred``
    (for the caller to raise once its bookkeeping is consistent) and the swap
    is tried again; each failed try consumed one pending signal.
    """
    for _ in range(64):
        try:
            return signal.signal(signum, handler)
        except BaseException as exc:
            deferred.append(exc)
    raise deferred.pop()


def _raise_first(errors: list[BaseException]) -> None:
    # Raise the first exception; name the others in notes rather than drop them.
    if errors:
        first, *others = errors
        errors.clear()
        for other in others:
            first.add_note(f"on leaving the block, a signal handler also raised {other!r}")
        raise first


class _Receiver:
    """What a block's iterator is made of: the signals received and not yet
    handed out, and the lot its task waits in (see the design above)."""

    __slots__ = ("_token", "_signals", "_pending", "_lot", "_closed", "_block_name")

    def __init__(self, token: TrioToken, signals: list[int], block_name: str) -> None:
        self._token = token
        self._signals = signals
        # Used as an ordered set: oldest first, a pending signal is not added twice.
        self._pending: dict[int, None] = {}
        self._lot = ParkingLot()
        self._closed = False
        self._block_name = block_name

    def _deliver(self, signum: int) -> None:
        # May run inside a signal handler, interrupting any bytecode of the
        # main thread: touch only the dict and the token.
        self._pending[_as_signal(signum)] = None
        try:
            self._token.run_sync_soon(self._lot.unpark_all, idempotent=True)
        except RuntimeError:  # pragma: no cover - a block outliving its run
            # The run has finished: nobody can be waiting; the signal stays
            # pending and is re-raised when the block exits.
            pass

    def _redelivery_order(self, pending: dict[int, None]) -> list[int]:
        return list(pending)

    async def _wait_for_pending(self) -> None:
        # A checkpoint; returns once something is pending.
        if self._pending:
            await checkpoint()
        while not self._pending:
            if self._closed:
                raise RuntimeError(
                    f"this {self._block_name} block has exited; iterate inside the with block"
                )
            await self._lot.park()


@final
class SignalReceiver(_Receiver):
    """The async iterator that :class:`catch_signals` returns on entry.

    Each iteration waits until at least one signal has arrived, then yields
    the ``set`` of every signal received since the previous iteration.  Only
    usable while its ``with`` block is open.

    It has no public constructor: :class:`catch_signals` makes one on entry,
    from the run's ``token`` (to wake the waiting task from a signal handler),
    the validated ``signals`` to watch and the ``block_name`` its messages use.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        names = ", ".join(_name(s) for s in self._signals)
        state = "exited" if self._closed else f"{len(self._pending)} pending"
        return f"<SignalReceiver for {{{names}}}, {state}>"

    def _redelivery_order(self, pending: dict[int, None]) -> list[int]:
        return sorted(pending)  # a set: in number order

    def __aiter__(self) -> SignalReceiver:
        """Return the receiver itself (it is its own iterator)."""
        return self

    async def __anext__(self) -> set[int]:
        """Wait until at least one signal arrived, then return all of them.

        Always a checkpoint.  Cancelling the wait loses nothing: the signals
        stay pending for the next iteration.

        Returns:
            The set of signals (``signal.Signals`` members) received since the
            previous iteration; never empty.

        Raises:
            RuntimeError: if the ``with`` block has exited (before the call or
                while waiting).
        """
        await self._wait_for_pending()
        batch, self._pending = self._pending, {}
        return set(batch)


@final
class _OneAtATime(_Receiver):
    """The async iterator that :class:`open_signal_receiver` returns on entry.

    Each iteration waits until a signal has arrived, then yields it: the
    oldest pending one.  Only usable while its ``with`` block is open, and by
    one task at a time.  No public constructor: the block makes it from the
    run's ``token``, the ``signals`` to watch and the ``block_name``.
    """

    __slots__ = ("_busy",)

    def __init__(self, token: TrioToken, signals: list[int], block_name: str) -> None:
        super().__init__(token, signals, block_name)
        self._busy = False

    def __repr__(self) -> str:
        names = ", ".join(_name(s) for s in self._signals)
        state = "exited" if self._closed else f"{len(self._pending)} pending"
        return f"<open_signal_receiver iterator for {names}, {state}>"

    def __aiter__(self) -> _OneAtATime:
        """Return the iterator itself."""
        return self

    async def __anext__(self) -> int:
        """Wait until a signal arrived, then return the oldest pending one.

        Always a checkpoint.  Cancelling the wait loses nothing: the signals
        stay pending for the next iteration.

        Returns:
            A signal number (a ``signal.Signals`` member where one exists).

        Raises:
            RuntimeError: if the ``with`` block has exited (before the call or
                while waiting).
            trio_core.BusyResourceError: if another task is already waiting
                on this iterator.
        """
        if self._busy:
            raise BusyResourceError(
                "another task is already waiting for a signal from this "
                "open_signal_receiver(); only one task at a time can iterate on it"
            )
        self._busy = True
        try:
            await self._wait_for_pending()
        finally:
            self._busy = False
        pending = self._pending
        signum = next(iter(pending))
        del pending[signum]
        return signum


class _Block:
    """Entering and leaving a signal-catching block: what :class:`catch_signals`
    and :class:`open_signal_receiver` share (see the design above)."""

    __slots__ = ("_signals", "_receiver")
    _NAME = ""

    def __init__(self, signals: list[int]) -> None:
        self._signals = signals
        self._receiver: _Receiver | None = None

    def _make_receiver(self, token: TrioToken) -> _Receiver:
        raise NotImplementedError

    def _enter(self) -> _Receiver:
        name = self._NAME
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError(
                f"{name} only works in Python's main thread (Python runs signal "
                "handlers there and nowhere else)"
            )
        if self._receiver is not None:
            raise RuntimeError(f"this {name} object was already entered; call it again")
        try:
            token = current_trio_token()
        except RuntimeError:
            raise RuntimeError(
                f"{name} must be used inside trio_core.run() (there is no run here)"
            ) from None
        for signum in self._signals:
            if signum not in _listeners and signal.getsignal(signum) is None:
                raise RuntimeError(
                    f"the handler of {_name(signum)} was installed outside Python, so "
                    f"{name} could not restore it afterwards"
                )
        receiver = self._make_receiver(token)
        _start(receiver)
        self._receiver = receiver
        return receiver

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        """Stop listening, restore handlers, re-deliver signals not handed out.

        Raises:
            Whatever a previous handler raises when a pending signal is
            re-delivered to it (for example KeyboardInterrupt for SIGINT).
        """
        receiver = self._receiver
        if receiver is None or receiver._closed:
            raise RuntimeError(f"this {self._NAME} block is not open")
        to_raise, errors = _stop(receiver)
        # Regular handling, outside the protected bookkeeping: Python runs the
        # restored handler as raise_signal returns.  Raise every one even if a
        # handler raises, then report the first exception.
        for signum in to_raise:
            try:
                signal.raise_signal(signum)
            except BaseException as exc:
                errors.append(exc)
        _raise_first(errors)


@final
class catch_signals(_Block):  # lowercase: used like a function, `with catch_signals(...)`
    """Catch Unix signals in a task: ``with catch_signals({SIGHUP}) as batches:``.

    Entering starts listening for ``signals`` and returns a
    :class:`SignalReceiver`; ``async for batch in batches`` blocks until at
    least one signal arrived, then yields the ``set`` of every signal received
    since the previous iteration (identical signals coalesce, as in Unix).
    Exiting stops listening and restores the previous handlers exactly;
    signals received but not yet handed out are re-delivered through Python's
    regular signal handling (the previous handler runs), so none is lost.

    While a block catches ``SIGINT``, Control-C no longer raises
    KeyboardInterrupt; afterwards it does again.

    Nested and concurrent blocks: when several open blocks listen for the same
    signal, the most recently entered one receives it (inner blocks shadow
    outer ones).  When it exits, signals it had not handed out go to the next
    most recent block for that signal, and the handler that was there before
    the first of them is restored when the last one exits, whatever order
    they exit in.  This holds across :class:`open_signal_receiver` blocks too.

    Entering and exiting are not checkpoints.

    Args:
        signals: a collection of signals to listen for (``signal.SIG*``
            numbers), for instance ``{signal.SIGHUP, signal.SIGTERM}``.

    Raises:
        TypeError: if ``signals`` is not a collection of ints.
        ValueError: for an invalid signal number, one that cannot be caught
            (SIGKILL, SIGSTOP), or an empty collection; raised by the call,
            before any handler is changed.
        RuntimeError: on entry, outside Python's main thread (a Python
            limitation), outside ``trio_core.run()``, if the object is entered
            twice, or if a signal's current handler was installed outside
            Python (``signal.getsignal`` returns None), since it could not be
            restored; nothing has been changed then.
    """

    __slots__ = ()
    _NAME = "catch_signals()"

    def __init__(self, signals: Iterable[int]) -> None:
        super().__init__(_validate(signals))

    def __repr__(self) -> str:
        return f"catch_signals({{{', '.join(_name(s) for s in self._signals)}}})"

    def _make_receiver(self, token: TrioToken) -> _Receiver:
        return SignalReceiver(token, self._signals, self._NAME)

    def __enter__(self) -> SignalReceiver:
        """Start listening; return the receiver to iterate with ``async for``."""
        receiver = self._enter()
        assert isinstance(receiver, SignalReceiver)
        return receiver


@final
class open_signal_receiver(_Block):  # lowercase: modern Trio's context manager
    """Modern Trio's signal API: ``with open_signal_receiver(SIGHUP, SIGTERM) as signals:``.

    The same machinery as :class:`catch_signals`, with Trio's interface: the
    signals are separate arguments, and ``async for signum in signals``
    yields one signal number at a time, the oldest pending first.  A signal
    that arrives while the same signal is still pending is coalesced with it
    (as Unix does); two kinds of signal that keep arriving take turns.  On
    exit the previous handlers are restored exactly, and signals still
    pending are re-delivered through Python's regular signal handling (in the
    order they arrived), or handed to the next open block listening for them.

    Only one task at a time may wait on the iterator.  Entering and exiting
    are not checkpoints; each iteration is one.

    Args:
        *signals: the signals to listen for (``signal.SIG*`` numbers), for
            instance ``open_signal_receiver(signal.SIGHUP)``.  Duplicates are
            listened for once.

    Raises:
        TypeError: if no signals were provided, if one is not an int, or if a
            collection was passed instead of separate arguments.
        ValueError: for an invalid signal number, or one that cannot be caught
            (SIGKILL, SIGSTOP); raised by the call, before any handler is
            changed.
        RuntimeError: on entry, outside Python's main thread (a Python
            limitation), outside ``trio_core.run()``, if the object is entered
            twice, or if a signal's current handler was installed outside
            Python; nothing has been changed then.  Iterating after the block
            exited is a RuntimeError too.
        trio_core.BusyResourceError: from the iterator, if a second task
            waits on it while one already does.
    """

    __slots__ = ()
    _NAME = "open_signal_receiver()"

    def __init__(self, *signals: int) -> None:
        super().__init__(_validate_args(signals))

    def __repr__(self) -> str:
        return f"open_signal_receiver({', '.join(_name(s) for s in self._signals)})"

    def _make_receiver(self, token: TrioToken) -> _Receiver:
        return _OneAtATime(token, self._signals, self._NAME)

    def __enter__(self) -> AsyncIterator[int]:
        """Start listening; return the async iterator of signal numbers."""
        receiver = self._enter()
        assert isinstance(receiver, _OneAtATime)
        return receiver


@enable_ki_protection
def _start(receiver: _Receiver) -> None:
    installed: list[int] = []
    deferred: list[BaseException] = []
    try:
        for signum in receiver._signals:
            stack = _listeners.setdefault(signum, [])
            # Push before installing: the dispatcher never finds an empty stack.
            stack.append(receiver)
            if len(stack) == 1:
                try:
                    _saved_handlers[signum] = _swap_handler(signum, _dispatch, deferred)
                except BaseException:
                    del _listeners[signum]
                    raise
            installed.append(signum)
        if deferred:
            # Another signal's handler raised while we swapped: enter nothing
            # (the caller's with-body would not run, nor would __exit__).
            raise deferred.pop(0)
    except BaseException:
        receiver._closed = True
        for signum in reversed(installed):
            _unlisten(signum, receiver, deferred)
        raise


def _unlisten(signum: int, receiver: _Receiver, deferred: list[BaseException]) -> None:
    stack = _listeners[signum]
    if len(stack) == 1:
        # Restore before popping: until the swap we receive the signal, after
        # it the previous handler does; there is no moment when it goes nowhere.
        _swap_handler(signum, _saved_handlers[signum], deferred)
        del _saved_handlers[signum]
        del _listeners[signum]
    else:
        stack.remove(receiver)


@enable_ki_protection
def _stop(receiver: _Receiver) -> tuple[list[int], list[BaseException]]:
    receiver._closed = True
    errors: list[BaseException] = []
    for signum in receiver._signals:
        _unlisten(signum, receiver, errors)
    # Nothing can reach the receiver any more: hand out what it still holds.
    pending, receiver._pending = receiver._pending, {}
    to_raise: list[int] = []
    for signum in receiver._redelivery_order(pending):
        remaining = _listeners.get(signum)
        if remaining:
            remaining[-1]._deliver(signum)
        else:
            to_raise.append(signum)
    # Wake any task still waiting on this receiver: it raises RuntimeError.
    receiver._lot.unpark_all()
    return to_raise, errors
