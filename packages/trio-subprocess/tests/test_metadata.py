import importlib.metadata

import trio_subprocess


def test_version_matches_metadata() -> None:
    assert trio_subprocess.__version__ == importlib.metadata.version("trio-subprocess")
    assert trio_subprocess.__version__.startswith("0.1.")


def test_ships_py_typed() -> None:
    files = importlib.metadata.files("trio-subprocess") or []
    assert any(str(f).endswith("trio_subprocess/py.typed") for f in files)
