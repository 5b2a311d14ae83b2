import importlib.metadata

import trio_socket


def test_version_matches_metadata() -> None:
    assert trio_socket.__version__ == importlib.metadata.version("trio-socket")
    assert trio_socket.__version__.startswith("0.1.")


def test_ships_py_typed() -> None:
    files = importlib.metadata.files("trio-socket") or []
    assert any(str(f).endswith("trio_socket/py.typed") for f in files)
