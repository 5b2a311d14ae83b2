import importlib.metadata

import trio_files


def test_version_matches_metadata() -> None:
    assert trio_files.__version__ == importlib.metadata.version("trio-files")
    assert trio_files.__version__.startswith("0.1.")


def test_ships_py_typed() -> None:
    files = importlib.metadata.files("trio-files") or []
    assert any(str(f).endswith("trio_files/py.typed") for f in files)
