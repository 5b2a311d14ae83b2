"""trio-signals: catch_signals of the trio project."""

from importlib.metadata import version as _version

__version__: str = _version("trio-signals")
