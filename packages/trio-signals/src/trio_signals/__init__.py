"""trio-signals: Unix signals delivered to a task.

The seed's ``with trio_signals.catch_signals({signal.SIGHUP}) as batches:``
then ``async for batch in batches:`` (coalesced ``set`` batches), and modern
Trio's ``with trio_signals.open_signal_receiver(signal.SIGHUP) as signals:``
then ``async for signum in signals:`` (one signal at a time), inside
``trio_core.run``.  See :class:`catch_signals` and
:class:`open_signal_receiver` for the rules, and the top of ``_signals.py``
for the design.
"""

from importlib.metadata import version as _version

from ._signals import SignalReceiver as SignalReceiver
from ._signals import catch_signals as catch_signals
from ._signals import open_signal_receiver as open_signal_receiver

__version__: str = _version("trio-signals")

__all__ = ["catch_signals", "SignalReceiver", "open_signal_receiver"]
