"""The SIGHUP reload example (examples/sighup_reload.py), run as a real subprocess.

The example prints a readiness line once its handlers are installed, so the
test never sleeps: it waits for each expected line (with a timeout), and
only then sends the next signal.  Every wait is bounded.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

EXAMPLE = Path(__file__).parent.parent / "examples" / "sighup_reload.py"
TIMEOUT = 20.0


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)  # end of output


def _next_line(lines: queue.Queue[str | None]) -> str | None:
    try:
        return lines.get(timeout=TIMEOUT)
    except queue.Empty:
        raise AssertionError(f"the example printed nothing for {TIMEOUT} s") from None


def test_sighup_reloads_twice_and_sigterm_stops() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-u", str(EXAMPLE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    pump = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    pump.start()
    try:
        assert _next_line(lines) == "ready: send SIGHUP to reload, SIGTERM to stop"
        proc.send_signal(signal.SIGHUP)
        assert _next_line(lines) == "reloaded configuration (generation 1)"
        proc.send_signal(signal.SIGHUP)
        assert _next_line(lines) == "reloaded configuration (generation 2)"
        proc.send_signal(signal.SIGTERM)
        assert _next_line(lines) == "SIGTERM: shutting down"
        assert _next_line(lines) is None
        assert proc.wait(timeout=TIMEOUT) == 0
        assert proc.stderr.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)
        pump.join(timeout=TIMEOUT)
        proc.stdout.close()
        proc.stderr.close()


def test_sighup_burst_coalesces_and_nothing_is_lost() -> None:
    # Several SIGHUPs sent back to back: the example reloads at least once and
    # at most once per signal (identical signals coalesce), then stops cleanly.
    proc = subprocess.Popen(
        [sys.executable, "-u", str(EXAMPLE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    pump = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    pump.start()
    try:
        assert _next_line(lines) == "ready: send SIGHUP to reload, SIGTERM to stop"
        for _ in range(5):
            proc.send_signal(signal.SIGHUP)
        assert _next_line(lines) == "reloaded configuration (generation 1)"
        proc.send_signal(signal.SIGTERM)
        rest: list[str] = []
        while (line := _next_line(lines)) is not None:
            rest.append(line)
        assert rest[-1] == "SIGTERM: shutting down"
        reloads = rest[:-1]
        assert len(reloads) <= 4
        assert reloads == [
            f"reloaded configuration (generation {n})" for n in range(2, 2 + len(reloads))
        ]
        assert proc.wait(timeout=TIMEOUT) == 0
        assert proc.stderr.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)
        pump.join(timeout=TIMEOUT)
        proc.stdout.close()
        proc.stderr.close()
