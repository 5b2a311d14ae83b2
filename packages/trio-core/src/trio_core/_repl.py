"""The async REPL: ``python -m trio_core`` (and ``python -m trio``).

Design
------
One :func:`trio_core.run` lives for the whole session, in the main thread,
so that everything that needs the main thread (signal handling,
``catch_signals``, Control-C delivery) behaves as it does in a program.

* The *console thread* (a daemon thread) runs a
  :class:`code.InteractiveConsole`: it reads lines (with ``readline`` editing
  and history when the terminal has it), compiles them with
  ``ast.PyCF_ALLOW_TOP_LEVEL_AWAIT`` and, for each complete statement, hands
  the code object to the run through ``TrioToken.run_sync_soon`` and waits
  for the statement to finish.
* The *main task* of the run executes each statement itself: the code object
  becomes a function over the console's namespace; if it contains ``await``
  calling it gives a coroutine, which the main task awaits.  Output and
  tracebacks are printed before the console thread is released, so the next
  prompt always comes after them.

Control-C uses the core's own KeyboardInterrupt delivery, which always
targets the main task:

* during a statement, the statement's code runs unprotected, so Control-C
  raises KeyboardInterrupt inside it: at once in busy code, or at the
  blocking call it is waiting in (``await sleep_forever()``); the REPL prints
  the traceback and goes on.  A statement that cannot be interrupted (a
  thread it waits for) gets the KeyboardInterrupt when it ends;
* at the prompt, the main task is waiting for the next statement, and the
  KeyboardInterrupt lands there: the REPL prints ``KeyboardInterrupt`` and a
  fresh primary prompt, and a half-typed block is abandoned.  Python cannot
  interrupt ``readline`` in a thread other than the main one, so the text of
  the current line stays in the line editor (Control-U clears it).

The REPL's own machinery is protected from Control-C (it is delivered at the
next checkpoint instead), so the hand-over between the two threads can never
be broken halfway.
"""

from __future__ import annotations

import ast
import builtins
import code
import importlib
import inspect
import math
import os
import queue
import sys
import threading
import traceback
import types
from typing import Any, Final, final

from ._api import current_trio_token
from ._channel import MemoryReceiveChannel, MemorySendChannel, open_memory_channel
from ._entry_queue import TrioToken
from ._exceptions import BrokenResourceError, ClosedResourceError, RunFinishedError
from ._ki import disable_ki_protection, enable_ki_protection
from ._run import run
from ._traps import checkpoint

__all__ = ["main", "TrioInteractiveConsole"]

_PS1: Final = ">>> "
_PS2: Final = "... "


@final
class _Statement:
    """One compiled statement on its way from the console thread to the main task."""

    __slots__ = ("code", "done")

    def __init__(self, code: types.CodeType) -> None:
        self.code = code
        # The main task puts True here when the REPL must end (SystemExit), else False.
        self.done: queue.SimpleQueue[bool] = queue.SimpleQueue()


@final
class _EndOfInput:
    """Sent by the console thread when its input loop ends (Control-D)."""

    __slots__ = ()


_END_OF_INPUT: Final = _EndOfInput()


@final
class TrioInteractiveConsole(code.InteractiveConsole):
    """An :class:`code.InteractiveConsole` whose statements run inside a trio_core run.

    It runs in a thread of its own; see :func:`main`.  Top-level ``await``,
    ``async with`` and ``async for`` work.
    """

    def __init__(
        self,
        namespace: dict[str, Any],
        token: TrioToken,
        statements: MemorySendChannel[_Statement | _EndOfInput],
    ) -> None:
        super().__init__(namespace)
        self.compile.compiler.flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        self._token = token
        self._statements = statements
        # Set by the main task when Control-C hit the prompt: the console
        # starts the next line on an empty buffer.
        self._abandon_buffer = threading.Event()
        self.current_prompt = _PS1

    def raw_input(self, prompt: str = "") -> str:
        """Read one line (with the line editor, if any); called in the console thread."""
        self.current_prompt = prompt
        line = super().raw_input(prompt)
        if self._abandon_buffer.is_set():
            self._abandon_buffer.clear()
            self.resetbuffer()
        return line

    def runcode(self, code: types.CodeType) -> None:
        """Run one compiled statement in the main task and wait until it is done."""
        statement = _Statement(code)
        if not self.hand_over(statement):
            raise SystemExit
        if statement.done.get():
            # The statement raised SystemExit: the run is ending.
            raise SystemExit

    def hand_over(self, item: _Statement | _EndOfInput) -> bool:
        """Send ``item`` to the main task; False if the REPL is already ending."""
        try:
            self._token.run_sync_soon(_send_if_open, self._statements, item)
        except RunFinishedError:
            return False
        return True

    def abandon_buffer(self) -> None:
        """Forget the block being typed (Control-C at the prompt); any thread."""
        self._abandon_buffer.set()


def _send_if_open(
    channel: MemorySendChannel[_Statement | _EndOfInput], item: _Statement | _EndOfInput
) -> None:
    # Runs in the loop (a run_sync_soon callback must not raise).  The channel
    # is closed once the main task has stopped taking statements.
    try:
        channel.send_nowait(item)
    except (ClosedResourceError, BrokenResourceError):
        pass


def _console_thread(console: TrioInteractiveConsole, banner: str) -> None:
    try:
        console.interact(banner=banner, exitmsg="")
    except SystemExit:
        # A statement raised SystemExit: the main task is ending the run.
        return
    console.hand_over(_END_OF_INPUT)


@disable_ki_protection
async def _run_user_code(function: types.FunctionType, is_async: bool) -> None:
    # Unprotected: Control-C raises KeyboardInterrupt inside the user's code.
    result = function()
    if is_async:
        await result
    # A Control-C the statement could not take (it waited for a thread, say)
    # is delivered here, so that it is reported for this statement.
    await checkpoint()


_MACHINERY_CODES: set[types.CodeType] = set()


def _show_exception(exc: BaseException) -> None:
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code in _MACHINERY_CODES:
        tb = tb.tb_next
    sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, tb
    if sys.version_info >= (3, 12):
        sys.last_exc = exc
    exc.__traceback__ = tb
    sys.stdout.flush()
    if sys.excepthook is sys.__excepthook__:
        sys.stderr.write("".join(traceback.format_exception(exc)))
    else:
        sys.excepthook(type(exc), exc, tb)
    sys.stderr.flush()


@enable_ki_protection
async def _execute(namespace: dict[str, Any], statement: _Statement) -> None:
    function = types.FunctionType(statement.code, namespace)
    is_async = bool(statement.code.co_flags & inspect.CO_COROUTINE)
    try:
        await _run_user_code(function, is_async)
    except SystemExit:
        raise
    except BaseException as exc:
        _show_exception(exc)
    finally:
        sys.stdout.flush()


_MACHINERY_CODES.update({_execute.__code__, _run_user_code.__code__})


def _redisplay_prompt(console: TrioInteractiveConsole) -> None:
    # Control-C at the prompt: the line editor keeps its line (it cannot be
    # interrupted from this thread), so show a fresh primary prompt followed
    # by that text, which is what the editor will return.
    line = ""
    readline = sys.modules.get("readline")
    if readline is not None and os.isatty(0):
        line = readline.get_line_buffer()
    console.abandon_buffer()
    sys.stdout.write("\nKeyboardInterrupt\n" + _PS1 + line)
    sys.stdout.flush()


@enable_ki_protection
async def _repl_main(namespace: dict[str, Any], banner: str) -> None:
    send: MemorySendChannel[_Statement | _EndOfInput]
    receive: MemoryReceiveChannel[_Statement | _EndOfInput]
    send, receive = open_memory_channel(math.inf)
    console = TrioInteractiveConsole(namespace, current_trio_token(), send)
    thread = threading.Thread(
        target=_console_thread,
        args=(console, banner),
        name="trio_core REPL console",
        daemon=True,
    )
    thread.start()
    with send, receive:
        while True:
            try:
                request = await receive.receive()
            except KeyboardInterrupt:
                _redisplay_prompt(console)
                continue
            if isinstance(request, _EndOfInput):
                break
            try:
                await _execute(namespace, request)
            except SystemExit:
                request.done.put(True)
                raise
            request.done.put(False)
    thread.join()


def _setup_line_editor(namespace: dict[str, Any]) -> None:
    try:
        import readline
        import rlcompleter
    except ImportError:
        return
    readline.set_completer(rlcompleter.Completer(namespace).complete)
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")


def main(module_name: str = "trio_core") -> None:
    """Run the async REPL in this process, until Control-D or ``exit()``.

    ``python -m trio_core`` calls this; ``python -m trio`` calls it with
    ``module_name="trio"``.  The module ``module_name`` is imported into the
    console's namespace.  Top-level ``await`` works: each statement runs in
    the main task of one :func:`trio_core.run` that lasts the whole session.
    Control-C cancels the statement that is running, not the REPL.

    Args:
        module_name: the module to import into the namespace and name in the
            banner.

    Raises:
        SystemExit: if a statement raised it (``exit()``).
        RuntimeError: if called from inside a run.
    """
    module = importlib.import_module(module_name)
    version = getattr(module, "__version__", "")
    namespace: dict[str, Any] = {
        "__name__": "__console__",
        "__doc__": None,
        "__builtins__": builtins,
        module_name: module,
    }
    banner = (
        f"{module_name} {version} async REPL, Python {sys.version.split()[0]} on {sys.platform}\n"
        f'Use "await" directly instead of "{module_name}.run()".\n'
        f'"{module_name}" is already imported.  Control-D (or exit()) leaves.'
    )
    if sys.stdin.isatty():
        _setup_line_editor(namespace)
    run(_repl_main, namespace, banner)
