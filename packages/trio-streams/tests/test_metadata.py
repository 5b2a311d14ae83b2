import importlib.metadata

import trio_streams


def test_version_matches_metadata() -> None:
    assert trio_streams.__version__ == importlib.metadata.version("trio-streams")
    assert trio_streams.__version__.startswith("0.1.")


def test_ships_py_typed() -> None:
    files = importlib.metadata.files("trio-streams") or []
    assert any(str(f).endswith("trio_streams/py.typed") for f in files)
