"""The SIGHUP reload example, run as a real subprocess."""

import signal
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "examples" / "sighup_reload.py"


def test_sighup_reloads_and_sigterm_stops() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLE)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("ready")
        proc.send_signal(signal.SIGHUP)
        assert proc.stdout.readline().strip() == "reloaded configuration (generation 1)"
        proc.send_signal(signal.SIGHUP)
        assert proc.stdout.readline().strip() == "reloaded configuration (generation 2)"
        proc.send_signal(signal.SIGTERM)
        assert proc.stdout.readline().strip() == "SIGTERM: shutting down"
        assert proc.wait(timeout=10) == 0
        assert proc.stderr is not None
        assert proc.stderr.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
