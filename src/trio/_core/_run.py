"""Not part of the API: the two names pytest-trio touches in Trio's private run module.

``_r`` is a :class:`random.Random` (Hypothesis keeps seeding it; the run loop
here does not use it) and ``_ALLOW_DETERMINISTIC_SCHEDULING`` a flag nothing
reads.  See :mod:`trio._core`.
"""

import random

_r = random.Random()
_ALLOW_DETERMINISTIC_SCHEDULING = False
