"""``python -m trio``: the async REPL, with ``trio`` imported.

Top-level ``await`` works (``await trio.sleep(1)``); each statement runs in
the main task of one run that lasts the whole session, and Control-C cancels
the running statement, not the REPL.  See ``trio_core.__main__.main``.
"""

from trio_core.__main__ import main

if __name__ == "__main__":
    main("trio")
