"""Outcomes: the result of a call, kept so that it can be handed on later.

trio-core carries these few lines instead of depending on a third-party
package: an :class:`Outcome` is either a :class:`Value` or an
:class:`Error`, and ``unwrap()`` returns the value or raises the error.  The
run loop uses them to resume tasks (``reschedule(task, Value(42))``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, NoReturn, ParamSpec, TypeVar, final

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
P = ParamSpec("P")

__all__ = ["Outcome", "Value", "Error", "capture", "acapture"]


class Outcome(Generic[T_co]):
    """Base class of :class:`Value` and :class:`Error`; do not subclass it yourself."""

    __slots__ = ()

    def unwrap(self) -> T_co:
        """Return the value, or raise the exception this outcome holds.

        Not a checkpoint.  Implemented by :class:`Value` and :class:`Error`.

        Raises:
            BaseException: the exception an :class:`Error` holds.
        """
        raise NotImplementedError

    def send(self, gen: Generator[Any, Any, Any]) -> Any:
        """Send the value into ``gen``, or throw the exception into it.

        Not a checkpoint.

        Args:
            gen: a generator (or coroutine) suspended at a ``yield``.

        Returns:
            What ``gen`` yields next.

        Raises:
            NotImplementedError: on the base class itself.
            BaseException: what ``gen`` raises (StopIteration when it returns).
        """
        raise NotImplementedError


@final
class Value(Outcome[T_co]):
    """An outcome that holds a returned value.

    Args:
        value: the value; kept as the ``value`` attribute.
    """

    __slots__ = ("value",)

    def __init__(self, value: T_co) -> None:
        self.value: T_co = value

    def __repr__(self) -> str:
        return f"Value({self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Value) and bool(other.value == self.value)

    __hash__ = None  # type: ignore[assignment]

    def unwrap(self) -> T_co:
        """Return the held value.  Not a checkpoint."""
        return self.value

    def send(self, gen: Generator[Any, Any, Any]) -> Any:
        """Send the held value into ``gen`` and return what it yields next.  Not a checkpoint.

        Args:
            gen: a generator (or coroutine) suspended at a ``yield``.

        Raises:
            BaseException: what ``gen`` raises (StopIteration when it returns).
        """
        return gen.send(self.value)


@final
class Error(Outcome[NoReturn]):
    """An outcome that holds a raised exception.

    Args:
        error: the exception instance; kept as the ``error`` attribute.

    Raises:
        TypeError: if ``error`` is not an exception instance.
    """

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        if not isinstance(error, BaseException):
            raise TypeError(f"Error() needs an exception instance, got {error!r}")
        self.error: BaseException = error

    def __repr__(self) -> str:
        return f"Error({self.error!r})"

    def unwrap(self) -> NoReturn:
        """Raise the held exception (the outcome keeps no reference to it afterwards).

        An exception that already has a ``__context__`` (it was raised while
        another was being handled) keeps it, rather than taking the one the
        caller happens to be handling.  Not a checkpoint.

        Raises:
            BaseException: the held exception, always.
        """
        error = self.error
        context = error.__context__
        try:
            raise error
        finally:
            if context is not None:
                error.__context__ = context
            del error, context

    def send(self, gen: Generator[Any, Any, Any]) -> Any:
        """Throw the held exception into ``gen`` and return what it yields next.

        Not a checkpoint.

        Args:
            gen: a generator (or coroutine) suspended at a ``yield``.

        Raises:
            BaseException: what ``gen`` raises (the held exception, if it does
                not catch it).
        """
        return gen.throw(self.error)


def capture(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Value[T] | Error:
    """Call ``fn(*args, **kwargs)`` and return its result as an :class:`Outcome`.

    A :class:`Value` if it returned, an :class:`Error` if it raised (any
    exception, even KeyboardInterrupt: this never raises).  Not a checkpoint.

    Args:
        fn: the function to call.
        args: positional arguments for it.
        kwargs: keyword arguments for it.
    """
    try:
        return Value(fn(*args, **kwargs))
    except BaseException as exc:
        return Error(exc.with_traceback(exc.__traceback__.tb_next if exc.__traceback__ else None))


async def acapture(
    fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
) -> Value[T] | Error:
    """Await ``fn(*args, **kwargs)`` and return its result as an :class:`Outcome`.

    Like :func:`capture`, for async functions.  A checkpoint exactly when
    ``fn`` is: it adds none of its own (and a :exc:`Cancelled` raised by
    ``fn`` is captured too).

    Args:
        fn: the async function to call.
        args: positional arguments for it.
        kwargs: keyword arguments for it.
    """
    try:
        return Value(await fn(*args, **kwargs))
    except BaseException as exc:
        return Error(exc.with_traceback(exc.__traceback__.tb_next if exc.__traceback__ else None))
