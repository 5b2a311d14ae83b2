"""Checks of the arguments the streams share: ``max_bytes`` and the data to send."""

from __future__ import annotations

import operator
import reprlib
from typing import Literal, SupportsIndex, overload

__all__ = ["check_max_bytes", "byte_view"]


def _describe(value: object) -> str:
    return f"{reprlib.repr(value)} (of type {type(value).__name__})"


@overload
def check_max_bytes(max_bytes: object, *, allow_none: Literal[False] = False) -> int: ...


@overload
def check_max_bytes(max_bytes: object, *, allow_none: bool) -> int | None: ...


def check_max_bytes(max_bytes: object, *, allow_none: bool = False) -> int | None:
    """Check a ``max_bytes`` argument before anything happens, and return it as an int.

    Accepts ints (and objects with ``__index__``) of at least 1, and ``None``
    if ``allow_none`` (where the API documents ``None`` as "everything").

    Raises:
        TypeError: if ``max_bytes`` is not an int (a str, a float, ``None``, a
            bool...).
        ValueError: if it is less than 1.
    """
    if type(max_bytes) is int and max_bytes >= 1:
        return max_bytes  # the common case, without the slower protocol check below
    if max_bytes is None and allow_none:
        return None
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, SupportsIndex):
        expected = "an int of at least 1"
        if allow_none:
            expected += ", or None for everything"
        raise TypeError(
            f"max_bytes must be {expected}, got {_describe(max_bytes)}; "
            "pass the most bytes to return as an int, e.g. 65536"
        )
    value = operator.index(max_bytes)
    if value < 1:
        raise ValueError(f"max_bytes must be at least 1, got {value!r}")
    return value


def byte_view(data: bytes | bytearray | memoryview, what: str) -> memoryview:
    """``data`` (any bytes-like object) as a flat, C-contiguous view of bytes.

    Non-contiguous buffers (a strided or reversed memoryview) are copied, so
    that the result can go to APIs that need a contiguous buffer
    (:meth:`ssl.SSLObject.write`, ``bytearray +=``); multi-dimensional ones
    and those of other item formats (``array('i')``) are viewed as their bytes.
    ``what`` names the caller in the error message.

    Raises:
        TypeError: if ``data`` is not a bytes-like object (a str, an int, a
            list...).
    """
    try:
        view = memoryview(data)
    except TypeError:
        passed: object = data  # the annotation is what callers should pass, not what they did
        hint = "; encode text first, e.g. text.encode()" if isinstance(passed, str) else ""
        raise TypeError(
            f"{what} needs a bytes-like object (bytes, bytearray, memoryview...), "
            f"got {_describe(passed)}{hint}"
        ) from None
    if not view.c_contiguous:
        return memoryview(view.tobytes())
    if view.ndim != 1 or view.format != "B":
        return view.cast("B")
    return view
