"""trio_streams.abc: the abstract stream API, in the seed's names and in modern Trio's.

Exposed as ``trio.abc``.  The classes:

* :class:`AsyncResource`: something that must be closed
  (:meth:`~AsyncResource.forceful_close`, :meth:`~AsyncResource.graceful_close`
  alias :meth:`~AsyncResource.aclose`, ``async with``).
* :class:`SendStream`: :meth:`~SendStream.sendall` alias
  :meth:`~SendStream.send_all`, :meth:`~SendStream.wait_maybe_writable` alias
  :meth:`~SendStream.wait_send_all_might_not_block`, :meth:`~SendStream.send_eof`.
* :class:`RecvStream` (also named :data:`ReceiveStream`, modern Trio's name):
  :meth:`~RecvStream.recv` and :meth:`~RecvStream.receive_some`, and
  ``async for chunk in stream``.
* :class:`Stream`: both directions; :meth:`Stream.staple` joins a send stream
  and a receive stream into one.
* :class:`HalfCloseableStream`: a :class:`Stream` whose ``send_eof`` closes the
  sending direction only (see below).
* :class:`Listener`: :meth:`~Listener.accept` returns a new stream.

Two spellings, one operation
----------------------------
The seed names each operation one way, modern Trio another.  Both names work
on every stream, and they are the same operation: a class implements one of
each pair (either one) and the ABC provides the other, as
:class:`io.RawIOBase` provides ``read`` for a class that writes ``readinto``.
So a class written for the seed and one written for modern Trio both work
here, whichever spelling the code that uses them was written in.

.. list-table::
   :header-rows: 1
   :widths: 22 26 30 22

   * - ABC
     - the seed's name
     - modern Trio's name
     - a subclass defines
   * - :class:`AsyncResource`
     - ``forceful_close()`` (a method; never blocks)
     - ``await trio.aclose_forcefully(resource)`` (a function)
     - ``forceful_close``, or an async close (next row), or both
   * - :class:`AsyncResource`
     - ``await graceful_close()``
     - ``await aclose()``
     - either, or neither (then: ``forceful_close()`` and a checkpoint)
   * - :class:`SendStream`
     - ``await sendall(data)``
     - ``await send_all(data)``
     - either (one is required)
   * - :class:`SendStream`
     - ``await wait_maybe_writable()``
     - ``await wait_send_all_might_not_block()``
     - either, or neither (then: a checkpoint, which "might" allows)
   * - :class:`SendStream`
     - ``await send_eof()``
     - (only on :class:`HalfCloseableStream`)
     - it, or not (then: see :meth:`SendStream.send_eof`)
   * - :class:`RecvStream` (modern: ``ReceiveStream``)
     - ``await recv(max_bytes)``, ``max_bytes`` required
     - ``await receive_some(max_bytes=None)``
     - either (one is required)
   * - :class:`HalfCloseableStream`
     - ``await send_eof()``
     - ``await send_eof()``
     - it (required)
   * - :class:`Listener`
     - ``await accept()``
     - ``await accept()``
     - it (required)

:class:`Stream` is a :class:`SendStream` and a :class:`RecvStream`; every
class also gets ``async with`` (which closes gracefully), and every
:class:`RecvStream` ``async for chunk in stream``.

Details of the free ones:

* ``receive_some(max_bytes=None)`` of a class that defines ``recv`` calls
  ``recv(65536)`` for ``None`` (``DEFAULT_RECV_CHUNK``, "some reasonable
  amount"); ``recv(max_bytes)`` of a class that defines ``receive_some``
  checks that ``max_bytes`` is an int of at least 1 (the seed requires it),
  then calls ``receive_some(max_bytes)`` and returns ``bytes``.
* ``graceful_close`` of a class that defines only ``forceful_close`` is the
  seed's default: ``forceful_close()`` then a checkpoint.
* ``forceful_close()`` of a class that defines only ``aclose`` (a class
  written for modern Trio) cannot exist: an ``async def aclose`` cannot be
  run without blocking.  It raises :exc:`NotImplementedError` naming the
  fix, ``await trio.aclose_forcefully(resource)``, which works on every
  resource (:func:`trio_streams.aclose_forcefully`).
* The name a class defines wins over a name a base class defines: a
  subclass of :class:`~trio_streams.SocketStream` that overrides
  ``send_all`` gets its override called through ``sendall`` too.

When a class is created, it is checked: a class that defines some of these
operations but neither name of a group (say ``aclose`` and ``send_all``, but
neither ``recv`` nor ``receive_some``) is refused with a :exc:`TypeError`
naming the missing methods, rather than failing later.  An abstract
intermediate class is fine: one that defines none of the operations, one that
declares abstract methods of its own, or one declared with
``class Base(Stream, abstract=True)``; it stays abstract (it cannot be
instantiated) until a subclass fills the gaps.

Where ``send_eof`` lives
------------------------
As in the seed, ``send_eof`` is declared on :class:`SendStream`: "no more data
will be sent; the peer's ``recv`` returns ``b""`` once it has everything sent
before".  For a one-way send stream this is always possible (the stream simply
ends).  For a two-way :class:`Stream` it is a *half-close*: the receiving
direction keeps working.  Not every protocol can do that (TLS cannot close one
direction of a session without ending the session), so the guarantee is
carried by a marker class: a stream that is an instance of
:class:`HalfCloseableStream` promises a true half-close; any other
:class:`Stream`'s ``send_eof`` may raise :exc:`NotImplementedError` (whose
message names the alternative, ``graceful_close``).  Check with
``isinstance(stream, HalfCloseableStream)``.  (Modern Trio declares
``send_eof`` on :class:`HalfCloseableStream` only; a one-way send stream
written for it has none, and gets the default here.)

The rules every implementation follows
--------------------------------------
(and that :mod:`trio_streams.testing`'s conformance checkers verify):

* two tasks in ``sendall`` (or ``wait_maybe_writable`` or ``send_eof``) at
  once, or two tasks in ``recv`` at once, on one stream: the second raises
  :exc:`trio_core.BusyResourceError`;
* using a stream after closing it raises :exc:`trio_core.ClosedResourceError`;
  closing it while another task is blocked in it wakes that task with
  :exc:`~trio_core.ClosedResourceError`; closing twice is fine;
* a peer that vanished (reset, protocol error) gives
  :exc:`trio_core.BrokenResourceError` (this library's streams raise its
  subclass :exc:`~trio_streams.BrokenStreamError`);
* a ``sendall`` that is cancelled part-way leaves the stream broken (later
  ``sendall`` calls raise :exc:`~trio_streams.BrokenStreamError`) rather than
  letting the peer see a silently truncated message followed by more data
  (a rule of this library; modern Trio does not promise it);
* ``recv`` returns ``b""`` only at the end of the stream, and then keeps
  returning ``b""``; ``recv(max_bytes)`` with ``max_bytes < 1`` raises
  :exc:`ValueError` (and with a ``max_bytes`` that is not an int,
  :exc:`TypeError`);
* ``sendall``, ``recv``, ``send_eof``, ``wait_maybe_writable``, ``accept`` and
  ``graceful_close`` are checkpoints (and so are their other names).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from types import FunctionType, TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, Self, TypeVar

from trio_core.lowlevel import checkpoint

from ._arguments import check_max_bytes

if TYPE_CHECKING:
    from ._stapled import StapledStream

__all__ = [
    "AsyncResource",
    "SendStream",
    "RecvStream",
    "ReceiveStream",
    "Stream",
    "HalfCloseableStream",
    "Listener",
]

#: How many bytes ``async for chunk in stream`` and ``receive_some()`` (with no
#: ``max_bytes``) ask :meth:`RecvStream.recv` for.
DEFAULT_RECV_CHUNK: int = 65536

_F = TypeVar("_F", bound=Callable[..., Any])

# Markers on the functions this module puts into classes.  A function with
# _PLACEHOLDER is not an implementation (an ABC's abstract slot, an ABC's
# default, or a forceful_close that cannot exist); one with _BRIDGE_OF is the
# other name of the implementation it holds.
_PLACEHOLDER: Final = "_trio_streams_placeholder"
_BRIDGE_OF: Final = "_trio_streams_bridge_of"

# Every operation name the ABCs know, for the "implements some of the API"
# test of the class-creation check.
_OPERATIONS: Final = frozenset(
    {
        "forceful_close",
        "graceful_close",
        "aclose",
        "sendall",
        "send_all",
        "wait_maybe_writable",
        "wait_send_all_might_not_block",
        "send_eof",
        "recv",
        "receive_some",
        "accept",
    }
)
# The names of the ABCs themselves (their creation is not checked).
_ABC_NAMES: Final = frozenset(
    {"AsyncResource", "SendStream", "RecvStream", "Stream", "HalfCloseableStream", "Listener"}
)


def _abstract_slot(fn: _F) -> _F:
    """Mark ``fn`` as a slot to fill: abstract for :class:`abc.ABCMeta` (a class
    that leaves it unfilled cannot be instantiated), but not for type checkers,
    which cannot know that filling either name of a pair fills both."""
    setattr(fn, "__isabstractmethod__", True)  # noqa: B010 - a function has no such attribute
    setattr(fn, _PLACEHOLDER, True)
    return fn


def _default(fn: _F) -> _F:
    """Mark ``fn`` as an ABC's default: used when a class defines neither name."""
    setattr(fn, _PLACEHOLDER, True)
    return fn


def _is_placeholder(value: object) -> bool:
    """Whether ``value`` (from a class's ``__dict__``) is not an implementation:
    an ABC's slot or default, an abstract method, or a bridge installed here."""
    return (
        bool(getattr(value, _PLACEHOLDER, False))
        or bool(getattr(value, "__isabstractmethod__", False))
        or getattr(value, _BRIDGE_OF, None) is not None
    )


def _nearest(cls: type, name: str) -> tuple[int, object] | None:
    """``(depth in the MRO, descriptor)`` of the nearest real implementation of ``name``."""
    for depth, klass in enumerate(cls.__mro__):
        value = klass.__dict__.get(name)
        if value is not None and not _is_placeholder(value):
            return depth, value
    return None


def _recv_from_receive_some(target: object) -> Callable[..., Any]:
    if isinstance(target, FunctionType):
        function = target

        async def recv(self: RecvStream, max_bytes: int) -> bytes:
            data = await function(self, check_max_bytes(max_bytes))
            return data if type(data) is bytes else bytes(data)

    else:
        descriptor: Any = target

        async def recv(self: RecvStream, max_bytes: int) -> bytes:
            receive_some = descriptor.__get__(self, type(self))
            data = await receive_some(check_max_bytes(max_bytes))
            return data if type(data) is bytes else bytes(data)

    recv.__doc__ = """Receive at least one and at most ``max_bytes`` bytes (``b""`` at the
        end of the stream): this class's ``receive_some``, under the seed's name.

        ``max_bytes`` is required, as the seed says, and checked first; the
        result is ``bytes``.  A checkpoint.

        Raises:
            TypeError: if ``max_bytes`` is not an int (nothing is consumed).
            ValueError: if ``max_bytes`` is less than 1 (nothing is consumed).
            trio_core.BusyResourceError, trio_core.ClosedResourceError,
                trio_core.BrokenResourceError: as ``receive_some`` raises them.
        """
    return recv


def _receive_some_from_recv(target: object) -> Callable[..., Any]:
    if isinstance(target, FunctionType):
        function = target

        async def receive_some(self: RecvStream, max_bytes: int | None = None) -> bytes:
            return await function(  # type: ignore[no-any-return]
                self, DEFAULT_RECV_CHUNK if max_bytes is None else max_bytes
            )

    else:
        descriptor: Any = target

        async def receive_some(self: RecvStream, max_bytes: int | None = None) -> bytes:
            recv = descriptor.__get__(self, type(self))
            return await recv(  # type: ignore[no-any-return]
                DEFAULT_RECV_CHUNK if max_bytes is None else max_bytes
            )

    receive_some.__doc__ = """Receive some data: this class's ``recv``, under modern Trio's name.

        ``max_bytes=None`` (the default) asks for 65536 bytes
        (``DEFAULT_RECV_CHUNK``, "some reasonable amount").  A checkpoint.

        Raises:
            TypeError, ValueError, trio_core.BusyResourceError,
                trio_core.ClosedResourceError, trio_core.BrokenResourceError:
                as ``recv`` raises them.
        """
    return receive_some


def _forceful_close_unavailable(self: AsyncResource) -> None:
    """Not available: this class closes only with an async ``aclose`` (or
    ``graceful_close``), which cannot run without blocking.  Not a checkpoint.

    Raises:
        NotImplementedError: always; use ``await trio.aclose_forcefully(resource)``.
    """
    name = type(self).__qualname__
    raise NotImplementedError(
        f"{name} defines only an async close (aclose / graceful_close), which cannot run "
        f"without blocking, so it has no forceful_close(); use "
        f"`await trio.aclose_forcefully(resource)` instead (or define {name}.forceful_close)"
    )


setattr(_forceful_close_unavailable, _PLACEHOLDER, True)


def _fill_in(cls: type, missing: str, present: str, descriptor: object) -> None:
    """Make ``cls.<missing>`` the implementation ``descriptor`` of ``present``."""
    if missing in ("recv", "receive_some"):
        current = cls.__dict__.get(missing)
        if current is not None and getattr(current, _BRIDGE_OF, None) is descriptor:
            return
        make = _recv_from_receive_some if missing == "recv" else _receive_some_from_recv
        bridge: Any = make(descriptor)
        setattr(bridge, _BRIDGE_OF, descriptor)
        bridge.__name__ = missing
        bridge.__qualname__ = f"{cls.__qualname__}.{missing}"
        bridge.__module__ = cls.__module__
        setattr(cls, missing, bridge)
    else:
        # The same signature: the very same function, under the other name (no
        # extra call on the way).  It counts as an implementation at this level.
        setattr(cls, missing, descriptor)


def _describe_group(group: tuple[str, ...]) -> str:
    names = [f"{name}()" for name in group]
    if len(names) == 1:
        return f"no {names[0]}"
    return "neither " + " nor ".join(names)


def _missing_error(cls: type, missing: list[tuple[str, ...]]) -> TypeError:
    groups = ", and ".join(_describe_group(group) for group in missing)
    bases = ", ".join(base.__name__ for base in cls.__bases__)
    return TypeError(
        f"{cls.__qualname__} implements {groups}: define one name of each group "
        f"(the seed's or modern Trio's; the ABC provides the other).  If "
        f"{cls.__qualname__} is an abstract base for other classes, declare it so: "
        f"class {cls.__name__}({bases}, abstract=True)"
    )


def _complete(cls: type, abstract: bool) -> None:
    """Fill in the other name of each pair ``cls`` implements, and refuse a class
    that leaves a pair unimplemented (unless it is an abstract intermediate)."""
    pairs = [("graceful_close", "aclose")]
    requirements: list[tuple[str, ...]] = [("forceful_close", "graceful_close", "aclose")]
    if issubclass(cls, SendStream):
        pairs += [("sendall", "send_all"), ("wait_maybe_writable", "wait_send_all_might_not_block")]
        requirements.append(("sendall", "send_all"))
    if issubclass(cls, RecvStream):
        pairs.append(("recv", "receive_some"))
        requirements.append(("recv", "receive_some"))
    if issubclass(cls, HalfCloseableStream):
        requirements.append(("send_eof",))
    if issubclass(cls, Listener):
        requirements.append(("accept",))

    for first, second in pairs:
        found_first, found_second = _nearest(cls, first), _nearest(cls, second)
        if found_first is None and found_second is None:
            continue
        if found_second is None or (found_first is not None and found_first[0] < found_second[0]):
            assert found_first is not None
            _fill_in(cls, second, first, found_first[1])
        elif found_first is None or found_second[0] < found_first[0]:
            _fill_in(cls, first, second, found_second[1])

    # A class that closes only asynchronously has no forceful_close (but is complete).
    if _nearest(cls, "forceful_close") is None and (
        _nearest(cls, "graceful_close") is not None or _nearest(cls, "aclose") is not None
    ):
        cls.forceful_close = _forceful_close_unavailable  # type: ignore[attr-defined]

    missing = [
        group for group in requirements if all(_nearest(cls, name) is None for name in group)
    ]
    if not missing or abstract:
        return
    own = vars(cls)
    implements_some = any(name in own and not _is_placeholder(own[name]) for name in _OPERATIONS)
    declares_abstract = any(
        getattr(value, "__isabstractmethod__", False) and not getattr(value, _PLACEHOLDER, False)
        for value in own.values()
    )
    if implements_some and not declares_abstract:
        raise _missing_error(cls, missing)
    # Otherwise an abstract intermediate class: it stays abstract (the slots it
    # inherits are abstract), and a subclass fills the gaps.


class AsyncResource(ABC):  # noqa: B024 - its abstract slots are set by _abstract_slot
    """Something that holds a resource (a socket, a TLS session...) and must be closed.

    ``async with resource:`` closes it gracefully on the way out.  A subclass
    defines :meth:`forceful_close` (the seed), or :meth:`aclose` /
    :meth:`graceful_close` (modern Trio / the seed), or both kinds; see the
    table in :mod:`trio_streams.abc`.  Class keyword ``abstract=True`` marks an
    abstract intermediate class (see the module's docs).
    """

    __slots__ = ()

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__ == __name__ and cls.__name__ in _ABC_NAMES:
            return
        _complete(cls, abstract)

    @_abstract_slot
    def forceful_close(self) -> None:
        """Close this resource at once.

        Never blocks and is not a checkpoint, but (depending on the resource)
        the shutdown may be rude: a TLS stream skips its ``close_notify``, for
        instance.  Idempotent: closing a closed resource does nothing.  Tasks
        blocked in the resource wake with :exc:`trio_core.ClosedResourceError`.

        A class written for modern Trio (with only ``aclose``) has none: its
        ``forceful_close()`` raises :exc:`NotImplementedError`; use
        :func:`trio_streams.aclose_forcefully`, which works on every resource.

        Raises:
            NotImplementedError: for a class that defines only an async close.
        """
        _forceful_close_unavailable(self)

    @_default
    async def graceful_close(self) -> None:
        """Close this resource, gracefully.  Modern Trio's name: :meth:`aclose`.

        May block to shut down politely (a TLS stream sends its
        ``close_notify``, for instance).  If cancelled, the resource is still
        closed (forcefully) before :exc:`~trio_core.Cancelled` propagates.
        Idempotent.  A checkpoint.

        The default implementation, as the seed specifies, is
        :meth:`forceful_close` followed by a checkpoint; subclasses with a
        polite shutdown override it (or :meth:`aclose`).

        Raises:
            trio_core.Cancelled: if cancelled (the resource is closed anyway).
        """
        self.forceful_close()
        await checkpoint()

    @_default
    async def aclose(self) -> None:
        """Close this resource, gracefully: modern Trio's name for :meth:`graceful_close`.

        The same operation (a subclass that defines either name gets it under
        both).  A checkpoint.

        Raises:
            trio_core.Cancelled: if cancelled (the resource is closed anyway).
        """
        self.forceful_close()
        await checkpoint()

    async def __aenter__(self) -> Self:
        """Return this resource, for ``async with``.  Not a checkpoint (it does not yield)."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close this resource with :meth:`graceful_close` on leaving ``async with``.

        A checkpoint.  The exception (if any) leaving the block, given as
        ``exc_type``, ``exc_value`` and ``traceback``, is not suppressed.
        """
        await self.graceful_close()


class SendStream(AsyncResource):
    """The sending half of a byte stream.

    A subclass defines :meth:`sendall` or :meth:`send_all`, and may define
    :meth:`wait_maybe_writable` (or :meth:`wait_send_all_might_not_block`) and
    :meth:`send_eof`.
    """

    __slots__ = ()

    @_abstract_slot
    async def sendall(self, data: bytes | bytearray | memoryview) -> None:
        """Send all of ``data``, blocking until the stream has accepted every byte.

        Modern Trio's name: :meth:`send_all`.  Accepted means handed on (to the
        kernel, the transport, a buffer), not necessarily received by the peer.
        A checkpoint, even for ``b""``.

        Args:
            data: the bytes to send (any bytes-like object; it is not modified).

        Raises:
            TypeError: if ``data`` is not a bytes-like object (nothing is sent).
            trio_core.BusyResourceError: if another task is already in
                ``sendall``, ``wait_maybe_writable`` or ``send_eof`` of this stream.
            trio_core.ClosedResourceError: if this stream was closed (or
                ``send_eof`` was called), before or during the call.
            trio_core.BrokenResourceError: if the peer vanished, or an earlier
                ``sendall`` was cancelled part-way through (this library's
                streams raise its subclass :exc:`~trio_streams.BrokenStreamError`).
        """
        raise NotImplementedError("sendall")

    @_abstract_slot
    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        """Send all of ``data``: modern Trio's name for :meth:`sendall`.

        The same operation (a subclass that defines either name gets it under
        both).  A checkpoint.

        Args:
            data: the bytes to send (any bytes-like object).

        Raises:
            TypeError, trio_core.BusyResourceError, trio_core.ClosedResourceError,
                trio_core.BrokenResourceError: as :meth:`sendall` says.
        """
        raise NotImplementedError("send_all")

    @_default
    async def wait_maybe_writable(self) -> None:
        """Block until a ``sendall`` might make progress without blocking.

        Modern Trio's name: :meth:`wait_send_all_might_not_block`.  "Might": it
        may also return early.  Useful to delay deciding *what* to send until
        the stream can take it.  A checkpoint.

        The default (for a class that defines neither name) is a checkpoint
        that returns at once, which "might" allows.

        Raises:
            trio_core.BusyResourceError: if another task is in ``sendall``,
                ``wait_maybe_writable`` or ``send_eof`` of this stream.
            trio_core.ClosedResourceError: if this stream was closed.
            trio_core.BrokenResourceError: if the stream is broken.
        """
        await checkpoint()

    @_default
    async def wait_send_all_might_not_block(self) -> None:
        """Block until a ``send_all`` might not block: modern Trio's name for
        :meth:`wait_maybe_writable`.

        The same operation (a subclass that defines either name gets it under
        both).  A checkpoint.

        Raises:
            trio_core.BusyResourceError, trio_core.ClosedResourceError,
                trio_core.BrokenResourceError: as :meth:`wait_maybe_writable` says.
        """
        await checkpoint()

    async def send_eof(self) -> None:
        """Tell the peer that no more data will come.

        Everything sent before still arrives; then the peer's ``recv`` returns
        ``b""``.  Later ``sendall`` calls raise
        :exc:`~trio_core.ClosedResourceError`.  Calling it again does nothing.
        On a two-way :class:`Stream` this is a half-close (receiving still
        works) if and only if the stream is a :class:`HalfCloseableStream`;
        other two-way streams may raise :exc:`NotImplementedError`.
        A checkpoint.

        The default, for a class that does not define it (one written for
        modern Trio, whose one-way send streams have no ``send_eof``): a
        one-way stream ends by closing gracefully; a two-way stream that is
        not a :class:`HalfCloseableStream` raises :exc:`NotImplementedError`
        (after a checkpoint).

        Raises:
            trio_core.BusyResourceError: if another task is in ``sendall``,
                ``wait_maybe_writable`` or ``send_eof`` of this stream.
            trio_core.ClosedResourceError: if this stream was closed.
            trio_core.BrokenResourceError: if the stream is broken.
            NotImplementedError: if this two-way stream cannot half-close.
        """
        if isinstance(self, Stream):
            await checkpoint()
            raise NotImplementedError(
                f"{type(self).__qualname__} is a two-way stream that cannot half-close (it is "
                "not a HalfCloseableStream); use graceful_close() (or aclose()) to end it"
            )
        await self.graceful_close()


setattr(SendStream.send_eof, _PLACEHOLDER, True)  # a default, not an implementation


class RecvStream(AsyncResource):
    """The receiving half of a byte stream.  Modern Trio calls it ``ReceiveStream``
    (:data:`ReceiveStream` is this class).

    A subclass defines :meth:`recv` or :meth:`receive_some`.
    ``async for chunk in stream:`` receives chunks until the end of the stream.
    """

    __slots__ = ()

    @_abstract_slot
    async def recv(self, max_bytes: int) -> bytes:
        """Receive some data: at least one byte and at most ``max_bytes``.

        Modern Trio's name: :meth:`receive_some`.  Blocks until data is
        available.  A checkpoint.

        Args:
            max_bytes: the most bytes to return; must be at least 1.

        Returns:
            The data, or ``b""`` at the end of the stream (and on every call
            after that).  Never ``b""`` otherwise.

        Raises:
            TypeError: if ``max_bytes`` is not an int (nothing is consumed).
            ValueError: if ``max_bytes`` is less than 1 (nothing is consumed).
            trio_core.BusyResourceError: if another task is in ``recv`` of this stream.
            trio_core.ClosedResourceError: if this stream was closed, before or
                during the call.
            trio_core.BrokenResourceError: if the peer vanished or the stream is
                corrupt (this library's streams raise its subclass
                :exc:`~trio_streams.BrokenStreamError`).
        """
        raise NotImplementedError("recv")

    @_abstract_slot
    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        """Receive some data: modern Trio's name for :meth:`recv`, with ``max_bytes``
        optional.

        The same operation (a subclass that defines either name gets it under
        both).  ``max_bytes=None`` means "some reasonable amount" (65536 bytes
        for a class that defines ``recv``).  A checkpoint.

        Args:
            max_bytes: the most bytes to return (at least 1), or ``None``.

        Returns:
            The data, or ``b""`` at the end of the stream.

        Raises:
            TypeError, ValueError, trio_core.BusyResourceError,
                trio_core.ClosedResourceError, trio_core.BrokenResourceError:
                as :meth:`recv` says.
        """
        raise NotImplementedError("receive_some")

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        """The next chunk, from ``recv(DEFAULT_RECV_CHUNK)``.  A checkpoint.

        Raises:
            StopAsyncIteration: at the end of the stream (ending ``async for``).

        Any other error is :meth:`recv`'s.
        """
        data = await self.recv(DEFAULT_RECV_CHUNK)
        if not data:
            raise StopAsyncIteration
        return data


#: Modern Trio's name for :class:`RecvStream`: the very same class.
ReceiveStream = RecvStream


class Stream(SendStream, RecvStream):
    """A two-way byte stream: a :class:`SendStream` and a :class:`RecvStream` in one."""

    __slots__ = ()

    @staticmethod
    def staple(
        send_stream: SendStream, recv_stream: RecvStream
    ) -> StapledStream[SendStream, RecvStream]:
        """Join two one-way streams into one two-way stream.

        The result sends on ``send_stream`` and receives on ``recv_stream``;
        closing it closes both.  It is a :class:`HalfCloseableStream`: its
        ``send_eof`` ends ``send_stream`` only.

        Not a checkpoint.

        Args:
            send_stream: where ``sendall`` and ``send_eof`` go.
            recv_stream: where ``recv`` comes from.

        Returns:
            A :class:`~trio_streams.StapledStream`.

        Raises:
            TypeError: if the arguments are not a :class:`SendStream` and a
                :class:`RecvStream`.
        """
        from ._stapled import StapledStream

        return StapledStream(send_stream, recv_stream)


class HalfCloseableStream(Stream):
    """A :class:`Stream` whose :meth:`~SendStream.send_eof` closes only the sending
    direction: after it, :meth:`~RecvStream.recv` keeps receiving what the peer sends.

    It is the promise, checked with ``isinstance``; a subclass must define
    ``send_eof`` (as in modern Trio, where ``send_eof`` is declared here).
    """

    __slots__ = ()

    @abstractmethod
    async def send_eof(self) -> None:
        """Close the sending direction only: the peer receives ``b""`` after the
        data sent so far, and receiving keeps working.  Idempotent.  A checkpoint.

        Raises:
            trio_core.BusyResourceError: if another task is in ``sendall``,
                ``wait_maybe_writable`` or ``send_eof`` of this stream.
            trio_core.ClosedResourceError: if this stream was closed.
            trio_core.BrokenResourceError: if the stream is broken.
        """


ResourceT_co = TypeVar("ResourceT_co", bound=AsyncResource, covariant=True)


class Listener(AsyncResource, Generic[ResourceT_co]):
    """Something that accepts incoming connections, each as a new stream (or any
    :class:`AsyncResource`, as in modern Trio).

    One task at a time waits in :meth:`accept` (a second one gets
    :exc:`~trio_core.BusyResourceError`; run one accept loop per listener, as
    :func:`~trio_streams.serve_listeners` does).  Closing the listener wakes
    the waiting task with :exc:`~trio_core.ClosedResourceError`; streams
    already accepted stay open.  A subclass defines :meth:`accept` and a close
    (``forceful_close``, or ``aclose`` / ``graceful_close``).
    """

    __slots__ = ()

    @abstractmethod
    async def accept(self) -> ResourceT_co:
        """Wait for the next incoming connection and return it as a stream.

        A checkpoint.

        Returns:
            The new stream; the caller owns it and must close it.

        Raises:
            trio_core.BusyResourceError: if another task is in ``accept``.
            trio_core.ClosedResourceError: if the listener was closed, before or
                during the call.
            OSError: for errors of the operating system (out of file
                descriptors, say); the listener stays usable.
        """
