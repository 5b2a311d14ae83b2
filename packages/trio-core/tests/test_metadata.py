import importlib.metadata

import trio_core


def test_version_matches_metadata() -> None:
    assert trio_core.__version__ == importlib.metadata.version("trio-core")
    assert trio_core.__version__.startswith("0.1.")


def test_ships_py_typed() -> None:
    files = importlib.metadata.files("trio-core") or []
    assert any(str(f).endswith("trio_core/py.typed") for f in files)
