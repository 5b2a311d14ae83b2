"""trio-signals: ``catch_signals``, Unix signals delivered to a task in coalesced batches.

``with trio_signals.catch_signals({signal.SIGHUP}) as batches:`` then
``async for batch in batches:`` (inside ``trio_core.run``).  See
:func:`catch_signals` for the rules, and the top of ``_signals.py`` for the
design.
"""

from importlib.metadata import version as _version

from ._signals import SignalReceiver as SignalReceiver
from ._signals import catch_signals as catch_signals

__version__: str = _version("trio-signals")

__all__ = ["catch_signals", "SignalReceiver"]
