"""A small line reader over any RecvStream, for Process.lines().

Private on purpose: trio-streams is gaining a general buffered reader
(``BufferedRecvStream``, with ``receive_until`` and line iteration); once it
is there, :meth:`Process.lines` can be built on it and this module goes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from trio_streams.abc import RecvStream

__all__ = ["iterate_lines"]

_CHUNK = 65536


async def iterate_lines(
    stream: RecvStream, *, keepends: bool, max_line_length: int
) -> AsyncIterator[bytes]:
    """Yield the lines of ``stream`` until its end (see ``Process.lines``)."""
    if isinstance(max_line_length, bool) or not isinstance(max_line_length, int):
        raise TypeError(f"max_line_length must be an int, got {max_line_length!r}")
    if max_line_length < 1:
        raise ValueError(f"max_line_length must be at least 1, got {max_line_length}")
    buffer = bytearray()
    start = 0  # where the search for b"\n" resumes in buffer
    while True:
        end = buffer.find(b"\n", start)
        if end < 0:
            if len(buffer) > max_line_length:
                raise ValueError(
                    f"a line is longer than max_line_length={max_line_length} bytes; "
                    "pass a larger max_line_length, or read the stream in chunks"
                )
            start = len(buffer)
            chunk = await stream.recv(_CHUNK)
            if not chunk:
                if buffer:
                    yield bytes(buffer)
                return
            buffer += chunk
            continue
        if end > max_line_length:
            raise ValueError(
                f"a line is longer than max_line_length={max_line_length} bytes; "
                "pass a larger max_line_length, or read the stream in chunks"
            )
        line = bytes(buffer[: end + 1])
        del buffer[: end + 1]
        start = 0
        if not keepends:
            line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        yield line
