"""Timeouts and cancel scopes: no ``timeout=`` arguments anywhere.

A *cancel scope* is a ``with`` block that can be cancelled, by hand or at a
deadline.  Every blocking call inside it (at any depth) raises ``Cancelled``
when that happens, and the scope catches it at its own edge.  So a timeout
is a property of a block of code, not an argument you thread through every
function.

Run it:  python examples/timeouts_and_cancel_scopes.py
"""

import trio


async def fetch_slowly() -> str:
    # Stands for any slow operation: a download, a query, a handshake...
    await trio.sleep(10)
    return "data"


async def main() -> None:
    # 1. move_on_after: give up quietly when time is up.
    with trio.move_on_after(0.1) as scope:
        await fetch_slowly()
    print(f"1. move_on_after: cancelled_caught={scope.cancelled_caught}")

    # 2. fail_after: give up loudly (TooSlowError) when time is up.
    try:
        with trio.fail_after(0.1):
            await fetch_slowly()
    except trio.TooSlowError:
        print("2. fail_after: raised TooSlowError")

    # 3. Nested scopes: the innermost deadline in effect wins; any code can
    #    ask what it is.
    with trio.move_on_after(5):
        with trio.move_on_after(0.2):
            remaining = trio.current_effective_deadline() - trio.current_time()
            print(f"3. the effective deadline is {remaining:.1f}s away (the inner one)")

    # 4. Cancel by hand, from another task.
    async with trio.open_nursery() as nursery:
        scope = trio.CancelScope()

        async def cancel_soon() -> None:
            await trio.sleep(0.1)
            scope.cancel()

        nursery.start_soon(cancel_soon)
        with scope:
            await trio.sleep_forever()
    print(f"4. cancelled by another task: cancelled_caught={scope.cancelled_caught}")

    # 5. A shield protects clean-up code from an outer cancellation.
    with trio.move_on_after(0.1):
        try:
            await trio.sleep_forever()
        finally:
            with trio.CancelScope(shield=True):
                await trio.sleep(0.05)  # e.g. tell the peer goodbye
                print("5. the shielded clean-up ran to completion")

    # 6. Deadlines are absolute times on trio's clock; move them while waiting.
    with trio.move_on_at(trio.current_time() + 10) as scope:
        scope.deadline = trio.current_time() + 0.05  # sooner after all
        await trio.sleep_forever()
    print("6. the deadline was moved and it fired")


if __name__ == "__main__":
    trio.run(main)
