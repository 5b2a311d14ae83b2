import importlib.metadata
import os
import select
import subprocess
import sys
import time

import pytest

import trio
import trio.socket
import trio_socket


def test_meta_package_pins_every_component() -> None:
    assert set(trio.component_versions) == {
        "trio-core",
        "trio-socket",
        "trio-streams",
        "trio-signals",
    }
    for dist, version in trio.component_versions.items():
        assert version == importlib.metadata.version(dist)
    requires = importlib.metadata.requires("trio") or []
    for dist in trio.component_versions:
        assert f"{dist}<0.2,>=0.1" in requires or f"{dist}>=0.1,<0.2" in requires


def test_the_version_pip_sees_states_the_trio_api_level() -> None:
    """Issue 15, "The version pip sees": libraries written for Trio declare
    ``trio>=0.22`` (trio-websocket), ``>=0.32`` (anyio[trio]), ``>=0.11``
    (pytest-trio); our meta-package must satisfy them, and be recognisably ours."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    version = Version(trio.__version__)
    assert trio.__version__ == importlib.metadata.version("trio")
    for declared in (">=0.11", ">=0.22", ">=0.32", ">=0.35,<0.36", "~=0.35.0"):
        assert version in SpecifierSet(declared), declared
    # Not Trio 0.35.0 itself, nor anything newer than the level it provides.
    assert version not in SpecifierSet("==0.35.0")
    assert version < Version("0.35.1")
    # Four numbers: Trio's three (the API level), then this project's counter.
    assert len(version.release) == 4 and version.release[:3] == (0, 35, 0)
    assert not version.is_prerelease and not version.local
    # The components keep their own versions (and their own tight ranges).
    for component in trio.component_versions.values():
        assert Version(component) in SpecifierSet(">=0.1,<0.2")


def test_socket_is_a_module_reexport() -> None:
    assert trio.socket.__name__ == "trio.socket"
    assert set(getattr(trio_socket, "__all__", [])) <= set(dir(trio.socket))


def test_python_dash_m_trio_is_the_async_repl() -> None:
    script = "x = await trio.to_thread.run_sync(lambda: 6 * 7)\nprint('answer', x)\n"
    proc = subprocess.run(
        [sys.executable, "-m", "trio"],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "answer 42" in proc.stdout
    assert '"trio" is already imported' in proc.stdout + proc.stderr


@pytest.mark.skipif(not sys.platform.startswith(("linux", "darwin")), reason="needs a Unix pty")
def test_python_dash_m_trio_in_a_terminal() -> None:
    """``python -m trio`` on a pseudo-terminal, as a user at a keyboard runs it."""
    launcher = (  # take the pty as the controlling terminal, then become the REPL
        "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
        "os.execv(sys.executable, [sys.executable, '-m', 'trio'])"
    )
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "dumb", "INPUTRC": os.devnull, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-c", launcher],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        env=env,
    ) as proc:
        os.close(slave)
        transcript = ""
        typed = False
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    try:
                        data = os.read(master, 4096).decode(errors="replace")
                    except OSError:  # EIO: the REPL exited and closed the terminal
                        data = ""
                    if not data:
                        break
                    transcript += data.replace("\r\n", "\n")
                if not typed and ">>> " in transcript:
                    os.write(
                        master,
                        b"x = await trio.to_thread.run_sync(lambda: 6 * 7)\r"
                        b"async with trio.open_nursery() as n:\r"
                        b"    n.start_soon(trio.sleep, 0)\r"
                        b"\r"
                        b"print('answer', x, type(trio.current_time()).__name__)\r"
                        b"exit()\r",
                    )
                    typed = True
            returncode = proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(master)
    assert "async REPL" in transcript, transcript
    assert "answer 42 float" in transcript, transcript
    assert "Traceback" not in transcript, transcript
    assert returncode == 0, transcript
