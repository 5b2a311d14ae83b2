import importlib.metadata
import subprocess
import sys

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
