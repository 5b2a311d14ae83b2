"""A daemon that reloads its configuration on SIGHUP and stops on SIGTERM.

The seed's "reload configuration" sketch for ``trio.catch_signals``, made
runnable.  Try it from a shell:

    python examples/sighup_reload.py &
    kill -HUP %1      # prints "reloaded configuration (generation 1)"
    kill -HUP %1      # prints "reloaded configuration (generation 2)"
    kill -TERM %1     # prints "SIGTERM: shutting down" and exits with status 0

tests-integration/test_sighup_example.py runs it exactly like that.
"""

from __future__ import annotations

import signal

import trio


def load_configuration(generation: int) -> dict[str, int]:
    """Stand-in for re-reading configuration files: returns a new config."""
    return {"generation": generation}


async def main() -> None:
    config = load_configuration(0)
    # Entering the block installs the handlers; leaving it puts back exactly
    # the handlers that were there before (here the defaults).
    with trio.catch_signals({signal.SIGHUP, signal.SIGTERM}) as batched_signal_aiter:
        # Only now are the signals caught: a supervisor (or the test) waits
        # for this line before sending any, so none can hit the default action.
        print("ready: send SIGHUP to reload, SIGTERM to stop", flush=True)
        # Each iteration waits (without polling) until at least one signal has
        # arrived, then yields the set of all signals received since the last
        # one: three SIGHUPs in quick succession make a single reload.
        async for batch in batched_signal_aiter:
            if signal.SIGHUP in batch:
                config = load_configuration(config["generation"] + 1)
                print(f"reloaded configuration (generation {config['generation']})", flush=True)
            if signal.SIGTERM in batch:
                print("SIGTERM: shutting down", flush=True)
                # Leaving the block here: a signal that arrived after this
                # batch would be re-delivered to the default handler, not lost.
                return


if __name__ == "__main__":
    trio.run(main)
