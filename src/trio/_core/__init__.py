"""Not part of the API: a stand-in for Trio's private ``trio._core`` package.

pytest-trio, when imported beside Hypothesis, registers ``trio._core._run._r``
with Hypothesis and sets ``trio._core._run._ALLOW_DETERMINISTIC_SCHEDULING``.
These stand-ins let it be imported here (so that a test suite with
pytest-trio installed still starts), after which trio-core's own pytest
plugin takes its place; see ``trio_core._pytest_plugin``.  Nothing in this
project reads them.
"""

from . import _run as _run
