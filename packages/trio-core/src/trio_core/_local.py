"""RunVar: a variable with one value per call to :func:`trio_core.run`."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast, final

from ._run_context import _runner

T = TypeVar("T")

__all__ = ["RunVar", "RunVarToken"]


class _NoValue:
    def __repr__(self) -> str:
        return "<no value>"


_NO_VALUE = _NoValue()


@final
class RunVarToken(Generic[T]):
    """Returned by :meth:`RunVar.set`; pass it to :meth:`RunVar.reset` to undo the set.

    No public constructor.  ``previous_value`` is the value the variable had
    before the set (or a "no value" marker).
    """

    __slots__ = ("_var", "previous_value", "_redeemed")

    def __init__(self, var: RunVar[T], previous_value: Any) -> None:
        self._var = var
        #: The value the variable had before the set (or a "no value" marker).
        self.previous_value = previous_value
        self._redeemed = False


@final
class RunVar(Generic[T]):
    """Like a :class:`contextvars.ContextVar`, but one value for the whole run.

    Useful for per-run caches and defaults that libraries keep (the default
    thread limiter is one).  Outside of a run, every method raises
    RuntimeError.

    Args:
        name: a name, for reprs.
        default: the value :meth:`get` returns when none was set in this run.
    """

    __slots__ = ("_name", "_default")

    def __init__(self, name: str, default: T | _NoValue = _NO_VALUE) -> None:
        self._name = name
        self._default = default

    def __repr__(self) -> str:
        return f"<RunVar {self._name!r}>"

    def get(self, default: T | _NoValue = _NO_VALUE) -> T:
        """The value in the current run (else ``default``, else the RunVar's default).

        Not a checkpoint.

        Args:
            default: returned if the variable has no value in this run (it
                takes precedence over the RunVar's own default).

        Raises:
            LookupError: if there is no value and no default.
            RuntimeError: outside of a run.
        """
        values = _runner().run_vars
        try:
            return cast(T, values[self])
        except KeyError:
            if default is not _NO_VALUE:
                return cast(T, default)
            if self._default is not _NO_VALUE:
                return cast(T, self._default)
            raise LookupError(f"{self!r} has no value in this run, and no default") from None

    def set(self, value: T) -> RunVarToken[T]:
        """Set the value for the current run; returns a token for :meth:`reset`.

        Not a checkpoint.

        Args:
            value: the new value.

        Returns:
            A :class:`RunVarToken`.

        Raises:
            RuntimeError: outside of a run.
        """
        values = _runner().run_vars
        token = RunVarToken(self, values.get(self, _NO_VALUE))
        values[self] = value
        return token

    def reset(self, token: RunVarToken[T]) -> None:
        """Restore the value the variable had before the :meth:`set` that made ``token``.

        Not a checkpoint.

        Args:
            token: what :meth:`set` returned; each token can be used once.

        Raises:
            ValueError: if ``token`` is from another RunVar, or was used already.
            RuntimeError: outside of a run.
        """
        if not isinstance(token, RunVarToken) or token._var is not self:
            raise ValueError(f"{token!r} was not made by {self!r}")
        if token._redeemed:
            raise ValueError("this RunVarToken has already been used to reset")
        token._redeemed = True
        values = _runner().run_vars
        if token.previous_value is _NO_VALUE:
            values.pop(self, None)
        else:
            values[self] = token.previous_value
