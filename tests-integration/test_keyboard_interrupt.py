"""Control-C delivered at random points into a busy program always ends it with
KeyboardInterrupt, promptly, without a never-awaited coroutine or a loop-internal
traceback (the hardening issue's "Control-C" item)."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROGRAM = Path(__file__).parent / "programs" / "busy_loop.py"
ROUNDS = int(os.environ.get("TRIO_STRESS_KI_ROUNDS", "50"))


def _interrupt_once(delay: float) -> tuple[int, str, float]:
    proc = subprocess.Popen(
        [sys.executable, str(PROGRAM)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "READY", line
        time.sleep(delay)  # the random point at which Control-C lands, not a wait for a result
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        return proc.returncode, err, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("seed", range(ROUNDS))
def test_control_c_at_a_random_point_exits_with_keyboardinterrupt(seed: int) -> None:
    delay = random.Random(seed).uniform(0, 0.2)
    returncode, err, elapsed = _interrupt_once(delay)
    # An uncaught KeyboardInterrupt makes CPython end itself with SIGINT.
    assert returncode == -signal.SIGINT, (returncode, err)
    assert "KeyboardInterrupt" in err
    assert "never awaited" not in err
    assert "TrioInternalError" not in err
    assert elapsed < 1.0, f"took {elapsed:.2f}s to exit after SIGINT"
