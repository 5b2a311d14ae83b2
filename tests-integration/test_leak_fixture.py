"""The repository's shared leak fixture (conftest.py at the root) really fails leaky tests.

Each case is a small pytest session, in a temporary directory, under a copy
of that conftest.py.
"""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT_CONFTEST = Path(__file__).resolve().parent.parent / "conftest.py"


def test_leaks_fail_their_test_and_clean_tests_pass(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ROOT_CONFTEST.read_text())
    pytester.makeini("[pytest]\ntrio_mode = true\n")
    pytester.makepyfile(
        """
import os, socket
import trio

LEAKED = []

def test_leaks_a_socket():
    LEAKED.append(socket.socket())  # kept alive: a descriptor left open

def test_leaks_a_pipe():
    r, w = os.pipe()
    LEAKED.append((r, w))

async def helper():
    pass

def test_never_awaits_a_coroutine():
    helper()

async def test_never_awaits_in_an_async_test():
    trio.sleep(0)

async def test_clean():
    with socket.socket() as sock:
        await trio.sleep(0)
    r, w = os.pipe()
    os.close(r)
    os.close(w)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=5, errors=4)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaks_a_socket*"])
    result.stdout.fnmatch_lines(["*leaked file descriptors: fd * -> socket:*"])
    result.stdout.fnmatch_lines(["*leaked file descriptors: fd * -> pipe:*, fd * -> pipe:*"])
    result.stdout.fnmatch_lines(["*coroutine 'helper' was never awaited*"])
    result.stdout.fnmatch_lines(["*coroutine 'sleep' was never awaited*"])
    result.stdout.fnmatch_lines(["PASSED *test_clean*"])


def test_allow_leaks_marker_opts_out(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ROOT_CONFTEST.read_text())
    pytester.makepyfile(
        """
import os, pytest

@pytest.mark.allow_leaks
def test_forks_and_keeps_a_pipe():
    os.pipe()
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
