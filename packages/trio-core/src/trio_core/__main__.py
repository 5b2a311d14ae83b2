"""``python -m trio_core``: the async REPL (see :func:`main`).

``python -m trio`` runs the same REPL with ``trio`` imported instead:
``from trio_core.__main__ import main; main("trio")``.
"""

from ._repl import main as main

__all__ = ["main"]

if __name__ == "__main__":
    main()
