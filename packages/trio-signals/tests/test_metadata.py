import importlib.metadata

import trio_signals


def test_version_matches_metadata() -> None:
    assert trio_signals.__version__ == importlib.metadata.version("trio-signals")
    assert trio_signals.__version__.startswith("0.1.")


def test_ships_py_typed() -> None:
    files = importlib.metadata.files("trio-signals") or []
    assert any(str(f).endswith("trio_signals/py.typed") for f in files)
