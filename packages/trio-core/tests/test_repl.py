"""The async REPL (``python -m trio_core``), driven through a pseudo-terminal.

The REPL runs as a child process whose controlling terminal is the slave
side of a pty, so Control-C and Control-D typed on the master side reach it
exactly as they would from a keyboard (the terminal's line discipline turns
``\\x03`` into SIGINT for the foreground process group).  Every wait for
output is bounded.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

TIMEOUT = 15.0
PROMPT = ">>> "

# Make the child's session leader take the pty as its controlling terminal,
# then become the REPL.
_LAUNCHER = (
    "import fcntl, os, sys, termios; "
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith(("linux", "darwin")), reason="needs a Unix pty"
)


class Terminal:
    """The master side of a pty with a REPL behind it."""

    def __init__(self, master: int, proc: subprocess.Popen[bytes]) -> None:
        self.master = master
        self.proc = proc
        self.transcript = ""
        self._unread = ""

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def expect(self, pattern: str) -> str:
        """Read until ``pattern`` (a regex) matches; return what came before it and it."""
        deadline = time.monotonic() + TIMEOUT
        regex = re.compile(pattern)
        while True:
            match = regex.search(self._unread)
            if match:
                consumed = self._unread[: match.end()]
                self._unread = self._unread[match.end() :]
                return consumed
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no {pattern!r} within {TIMEOUT}s; transcript so far:\n{self.transcript}"
                )
            ready, _, _ = select.select([self.master], [], [], remaining)
            if not ready:
                continue
            try:
                data = os.read(self.master, 4096).decode(errors="replace")
            except OSError:  # EIO: the child closed the terminal (it exited)
                data = ""
            if not data:
                raise AssertionError(
                    f"the REPL exited while waiting for {pattern!r}; transcript:\n{self.transcript}"
                )
            data = data.replace("\r\n", "\n")
            self.transcript += data
            self._unread += data

    def prompt(self) -> str:
        return self.expect(re.escape(PROMPT))

    def run(self, line: str) -> str:
        """Type one line at the prompt; return the output up to the next prompt."""
        self.type(line + "\r")
        output = self.prompt()[: -len(PROMPT)]
        # Drop the echo of the line itself.
        return output.split("\n", 1)[1] if "\n" in output else output

    def wait_exit(self) -> int:
        deadline = time.monotonic() + TIMEOUT
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"the REPL did not exit; transcript:\n{self.transcript}")
            # Keep draining the terminal so that the child never blocks writing.
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    self.transcript += os.read(self.master, 4096).decode(errors="replace")
                except OSError:
                    pass
        return self.proc.returncode


@pytest.fixture
def repl() -> Iterator[Terminal]:
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "dumb", "INPUTRC": os.devnull, "PYTHONUNBUFFERED": "1"}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, "-m", "trio_core"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            env=env,
        )
    except BaseException:
        os.close(master)
        os.close(slave)
        raise
    os.close(slave)
    terminal = Terminal(master, proc)
    try:
        terminal.expect("async REPL")
        terminal.prompt()
        yield terminal
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=TIMEOUT)
        os.close(master)


def test_top_level_await_and_plain_statements(repl: Terminal) -> None:
    assert repl.run("await trio_core.sleep(0)").strip() == ""
    assert repl.run("await trio_core.sleep(0); 6 * 7").strip() == "42"
    # Statements run inside the run, so run-only sync functions work too.
    assert repl.run("type(trio_core.current_time()).__name__").strip() == "'float'"
    out = repl.run("await trio_core.to_thread.run_sync(lambda: 'from a ' + 'thread')")
    assert out.strip() == "'from a thread'"
    # The namespace persists between statements, and one run lasts the session.
    repl.run("token = trio_core.lowlevel.current_trio_token()")
    assert repl.run("trio_core.lowlevel.current_trio_token() is token").strip() == "True"


def test_async_blocks_and_errors(repl: Terminal) -> None:
    repl.type("async with trio_core.open_nursery() as nursery:\r")
    repl.expect(r"\.\.\. ")
    repl.type("    nursery.start_soon(trio_core.sleep, 0.01)\r")
    repl.expect(r"\.\.\. ")
    repl.type("    print('inside', 'the', 'nursery')\r")
    repl.expect(r"\.\.\. ")
    out = repl.run("")
    assert "inside the nursery" in out
    out = repl.run("await trio_core.sleep('soon')")
    assert "Traceback" in out
    assert "TypeError" in out
    # The REPL's own frames are not in the traceback.
    assert "_repl.py" not in out
    assert repl.run("1 + 1").strip() == "2"


def test_control_c_cancels_the_statement_not_the_repl(repl: Terminal) -> None:
    # A system task reports once the statement is blocked in sleep_forever().
    # (System tasks are protected from Control-C, so it cannot land in there.)
    for line in [
        "async def announce():",
        "    await trio_core.testing.wait_all_tasks_blocked()",
        "    print('blo' + 'cked')",
        "",
    ]:
        repl.type(line + "\r")
        repl.expect(r"(\.\.\.|>>>) ")
    repl.type(
        "trio_core.lowlevel.spawn_system_task(announce); "
        "await trio_core.sleep_forever(); print('not' + 'reached')\r"
    )
    repl.expect("blocked\n")
    repl.type("\x03")
    out = repl.prompt()
    assert "KeyboardInterrupt" in out
    assert "sleep_forever" in out
    assert "notreached" not in out
    # Busy code without any checkpoint is interrupted too.
    repl.type("while print('spi' + 'nning') or True:\r")
    repl.expect(r"\.\.\. ")
    repl.type("    while True: pass\r")
    repl.expect(r"\.\.\. ")
    repl.type("\r")
    repl.expect("spinning\n")
    repl.type("\x03")
    assert "KeyboardInterrupt" in repl.prompt()
    assert repl.run("await trio_core.sleep(0); 'still here'").strip() == "'still here'"


def test_control_c_at_the_prompt_and_control_d(repl: Terminal) -> None:
    repl.type("\x03")
    out = repl.prompt()
    assert "KeyboardInterrupt" in out
    # A half-typed block is abandoned.
    repl.type("for i in range(3):\r")
    repl.expect(r"\.\.\. ")
    repl.type("\x03")
    assert "KeyboardInterrupt" in repl.prompt()
    assert repl.run("await trio_core.sleep(0); 'fresh'").strip() == "'fresh'"
    repl.type("\x04")
    assert repl.wait_exit() == 0
    assert "Traceback" not in repl.transcript


def test_exit_with_a_status(repl: Terminal) -> None:
    repl.type("raise SystemExit(3)\r")
    assert repl.wait_exit() == 3, repl.transcript


# ---------------------------------------------------------------- in-process
# The same REPL with its input scripted, in this process (no terminal): the
# plumbing between the console thread and the run, without Control-C.


def _scripted_repl(
    monkeypatch: pytest.MonkeyPatch, lines: list[str], module_name: str = "trio_core"
) -> list[str]:
    import code

    from trio_core import _repl

    prompts: list[str] = []
    pending = list(lines)

    def raw_input(self: code.InteractiveConsole, prompt: str = "") -> str:
        prompts.append(prompt)
        if not pending:
            raise EOFError
        return pending.pop(0)

    monkeypatch.setattr(code.InteractiveConsole, "raw_input", raw_input)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    _repl.main(module_name)
    return prompts


def test_scripted_session(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = _scripted_repl(
        monkeypatch,
        [
            "await trio_core.sleep(0)",
            "async with trio_core.open_nursery() as nursery:",
            "    nursery.start_soon(trio_core.sleep, 0)",
            "    print('in', 'nursery')",
            "",
            "x = await trio_core.to_thread.run_sync(sum, [1, 2, 3])",
            "x * 7",
            "undefined_name",
            "def broken(:",
        ],
    )
    out, err = capsys.readouterr()
    assert prompts == [
        ">>> ",
        ">>> ",
        "... ",
        "... ",
        "... ",
        ">>> ",
        ">>> ",
        ">>> ",
        ">>> ",
        ">>> ",
    ]
    assert "in nursery\n" in out
    assert "42\n" in out
    assert "trio_core 0.1" in err and "async REPL" in err
    assert "NameError: name 'undefined_name' is not defined" in err
    assert "SyntaxError" in err
    assert "_repl.py" not in err
    assert sys.last_value is not None


def test_scripted_exit(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        _scripted_repl(monkeypatch, ["print('bye')", "raise SystemExit(5)", "print('never')"])
    assert info.value.code == 5
    out, _ = capsys.readouterr()
    assert "bye" in out
    assert "never" not in out


def test_other_module_and_custom_excepthook(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, v, tb: seen.append(v))
    _scripted_repl(monkeypatch, ["json.dumps([1])", "1 / 0"], module_name="json")
    out, err = capsys.readouterr()
    assert "'[1]'" in out
    assert "json" in err.splitlines()[0]
    assert [type(e) for e in seen] == [ZeroDivisionError]


def test_tasks_prints_the_task_tree(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _scripted_repl(
        monkeypatch,
        [
            "async def background():",
            "    await trio_core.sleep_forever()",
            "",
            "_ = trio_core.lowlevel.spawn_system_task(background, name='bg')",
            "tasks()",
            "tasks(stacks='no')",
        ],
    )
    out, err = capsys.readouterr()
    assert "tasks() prints the tree" in err
    assert out.startswith("task tree of the run")
    assert "task 'bg' [system]: waiting at <console>" in out
    assert "in sleep_forever()" in out
    assert "running (building this tree)" in out
    assert "TypeError: stacks must be a bool" in err
