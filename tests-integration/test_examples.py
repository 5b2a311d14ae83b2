"""Every program in examples/ runs, as a subprocess, through ``import trio``.

Each example gets a test that checks what it prints; servers are run for a
bounded number of connections (or a bounded time), with a client against
them.  Every run has a timeout.  The last test fails if an example is added
without a test here, so that no example can rot unnoticed.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"
TIMEOUT = 60

# Examples tested elsewhere in this directory (file name -> the test module).
TESTED_ELSEWHERE = {"sighup_reload.py": "test_sighup_example.py"}
TESTED_HERE: set[str] = set()
F = TypeVar("F", bound=Callable[..., Any])


def covers(name: str) -> Callable[[F], F]:
    """Record that the decorated test covers examples/<name>."""
    TESTED_HERE.add(name)
    return lambda fn: fn


def run_example(name: str, *args: str) -> str:
    """Run an example to completion; return its stdout (it must exit 0, stderr empty)."""
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=EXAMPLES.parent,
    )
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    assert proc.stderr == "", proc.stderr
    return proc.stdout


@contextmanager
def running_server(name: str, *args: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """Start a server example on a free port; yield it and its port."""
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / name), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=EXAMPLES.parent,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"listening on \S+:(\d+)", line)
        assert match, f"{name} printed {line!r} instead of its address"
        yield proc, int(match.group(1))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.communicate()


def finish(proc: subprocess.Popen[str]) -> str:
    """Wait for a server that was told to stop by itself; return the rest of its stdout."""
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, f"exited {proc.returncode}:\n{out}\n{err}"
    assert err == "", err
    return out


@covers("tasks_and_nurseries.py")
def test_tasks_and_nurseries() -> None:
    out = run_example("tasks_and_nurseries.py")
    assert "finished in order ['fast', 'medium', 'slow']" in out
    assert "the server says: ready on port 8080" in out
    assert "caught: ValueError('something went wrong')" in out


@covers("timeouts_and_cancel_scopes.py")
def test_timeouts_and_cancel_scopes() -> None:
    out = run_example("timeouts_and_cancel_scopes.py")
    assert out.splitlines() == [
        "1. move_on_after: cancelled_caught=True",
        "2. fail_after: raised TooSlowError",
        "3. the effective deadline is 0.2s away (the inner one)",
        "4. cancelled by another task: cancelled_caught=True",
        "5. the shielded clean-up ran to completion",
        "6. the deadline was moved and it fired",
    ]


@covers("blocking_work_in_threads.py")
def test_blocking_work_in_threads() -> None:
    out = run_example("blocking_work_in_threads.py")
    assert "progress: step 3/3" in out
    assert "job done" in out
    assert re.search(r"4 jobs of 0\.1s took 0\.[2-9]s", out), out
    beats = re.search(r"the heartbeat task ran (\d+) times", out)
    assert beats and int(beats.group(1)) > 5, out


@covers("lowlevel_hooks.py")
def test_lowlevel_hooks() -> None:
    out = run_example("lowlevel_hooks.py")
    assert "1. read b'hello from the pipe' after the gate opened" in out
    assert "2. a read with nothing to read was cancelled: True" in out
    assert "3. the blocked reader was woken: ClosedResourceError" in out


@covers("test_pytest_plugin.py")
def test_pytest_plugin_example() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "examples/test_pytest_plugin.py",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=EXAMPLES.parent,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 passed" in proc.stdout


@covers("echo_socket_server.py")
@covers("echo_socket_client.py")
def test_socket_echo_server_and_client() -> None:
    with running_server("echo_socket_server.py", "--max-connections", "2") as (server, port):
        out = run_example("echo_socket_client.py", "--port", str(port), "hello", "world")
        assert f"localhost:{port} resolves to 127.0.0.1:{port}" in out
        assert "sent 'hello', got back 'hello'" in out
        assert "sent 'world', got back 'world'" in out
        out = run_example("echo_socket_client.py", "--host", "127.0.0.1", "--port", str(port))
        assert "sent 'hello', got back 'hello'" in out
        rest = finish(server)
    assert rest.count("echoed 10 bytes, connection closed") == 2
    assert rest.rstrip().endswith("server stopped")


def test_socket_echo_server_stops_after_its_duration() -> None:
    with running_server("echo_socket_server.py", "--duration", "0.2") as (server, _):
        assert finish(server).strip() == "server stopped"


@covers("echo_stream_server.py")
@covers("echo_stream_client.py")
def test_stream_echo_server_and_client() -> None:
    with running_server("echo_stream_server.py", "--max-connections", "2") as (server, port):
        out = run_example("echo_stream_client.py", "--port", str(port), "hello", "world")
        assert "sent 'hello', got back 'hello'" in out
        assert "sent 'world', got back 'world'" in out
        out = run_example("echo_stream_client.py", "--host", "localhost", "--port", str(port))
        assert "sent 'hello', got back 'hello'" in out
        rest = finish(server)
    assert rest.count("echoed 10 bytes, connection closed") == 2
    assert rest.rstrip().endswith("server stopped")


def test_stream_echo_server_stops_after_its_duration() -> None:
    with running_server("echo_stream_server.py", "--duration", "0.2") as (server, _):
        assert finish(server).strip() == "server stopped"


@covers("tls_server.py")
@covers("tls_client.py")
def test_tls_server_and_client(tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca_file = tmp_path / "ca.pem"
    with running_server("tls_server.py", "--ca-file", str(ca_file), "--max-connections", "2") as (
        server,
        port,
    ):
        out = run_example("tls_client.py", "--port", str(port), "--ca-file", str(ca_file))
        assert re.search(r"connected with TLSv1\.[23] to a certificate for 127\.0\.0\.1", out)
        assert "sent 'TLS', got back 'TLS'" in out
        # A client that trusts another CA refuses the server's certificate.
        other_ca = tmp_path / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(other_ca))
        client = [sys.executable, str(EXAMPLES / "tls_client.py"), "--port", str(port)]
        refused = subprocess.run(
            [*client, "--ca-file", str(other_ca)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert refused.returncode != 0
        assert "CERTIFICATE_VERIFY_FAILED" in refused.stderr
        rest = finish(server)
    assert "TLS handshake done: TLSv1." in rest
    assert "connection failed" in rest
    assert rest.rstrip().endswith("server stopped")


@covers("line_protocol.py")
def test_line_protocol() -> None:
    out = run_example("line_protocol.py")
    assert re.search(r"server listening on 127\.0\.0\.1:\d+", out), out
    assert out.splitlines()[1:] == [
        "client got: OK",
        "client got: VALUE blue",
        "client got: ERR unknown command",
        "client got: ERR line longer than 1024 bytes",
        "client: server closed the connection: True",
    ]


@covers("unix_socket_server.py")
def test_unix_socket_server() -> None:
    out = run_example("unix_socket_server.py")
    assert out.splitlines() == [
        "1. a stale socket file is at demo.sock",
        "   ... and serve_unix replaced it: listening",
        "2. permissions: srw-------",
        "   a client got: pong: ping",
        "3. a second server was refused: EADDRINUSE",
        "4. after the server stopped, the file exists: False",
    ]


@covers("udp_echo.py")
def test_udp_echo() -> None:
    out = run_example("udp_echo.py")
    lines = out.splitlines()
    assert re.fullmatch(r"server listening on 127\.0\.0\.1:\d+", lines[0]), out
    assert lines[1:3] == ["connected client got 'HELLO'", "connected client got 'DATAGRAMS'"]
    assert re.fullmatch(r"unconnected client got 'ANYONE THERE\?' from port \d+", lines[3])
    assert lines[4:] == ["the reply came from the server: True"]


@covers("demo.py")
def test_demo() -> None:
    # What `nox -s demo` (the README's first command) runs, with its defaults.
    pytest.importorskip("trustme")
    out = run_example("demo.py")
    assert "TLS chat server listening on 127.0.0.1:" in out
    assert "SIGTERM caught by catch_signals: shutting the server down" in out
    assert re.search(r"connections +30 \(TLS: TLSv1\.[23]", out), out
    assert re.search(r"messages +600 sent, 18000 delivered", out), out
    assert "summary:" in out


def test_every_example_is_tested() -> None:
    examples = {path.name for path in EXAMPLES.glob("*.py")}
    for name, module in TESTED_ELSEWHERE.items():
        assert (Path(__file__).parent / module).exists(), f"{name}: {module} is gone"
    untested = examples - TESTED_HERE - set(TESTED_ELSEWHERE)
    assert not untested, f"examples without a test in tests-integration/: {sorted(untested)}"
    vanished = (TESTED_HERE | set(TESTED_ELSEWHERE)) - examples
    assert not vanished, f"tests for examples that no longer exist: {sorted(vanished)}"
