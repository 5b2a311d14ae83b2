"""A daemon that reloads its configuration on SIGHUP and exits on SIGTERM.

The seed's "reload configuration" sketch, made runnable.  Try it:

    python examples/sighup_reload.py &
    kill -HUP %1      # prints "reloaded configuration (generation 1)"
    kill -TERM %1     # prints "SIGTERM: shutting down" and exits 0
"""

import signal

import trio


def load_configuration(generation: int) -> dict[str, int]:
    # A real daemon would re-read its files here.
    return {"generation": generation}


async def main() -> None:
    config = load_configuration(0)
    with trio.catch_signals({signal.SIGHUP, signal.SIGTERM}) as batched_signal_aiter:
        print("ready: send SIGHUP to reload, SIGTERM to stop", flush=True)
        async for batch in batched_signal_aiter:
            # The batch is a set: several SIGHUPs that arrived together count once.
            if signal.SIGHUP in batch:
                config = load_configuration(config["generation"] + 1)
                print(f"reloaded configuration (generation {config['generation']})", flush=True)
            if signal.SIGTERM in batch:
                print("SIGTERM: shutting down", flush=True)
                return


if __name__ == "__main__":
    trio.run(main)
