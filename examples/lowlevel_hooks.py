"""Building your own I/O object on ``trio.lowlevel``, the hook interface.

This is how trio-socket, trio-streams and trio-signals are written, and how
a third-party package adds its own async objects.  Two small ones here:

* ``PipeReader``: reads a non-blocking file descriptor.  It follows the
  rules every trio I/O operation follows: it is always a *checkpoint*
  (cancellation is checked, and other tasks get to run, even when data was
  ready at once); it waits with ``wait_readable`` only when the read would
  block; and closing it wakes a task blocked in it, with
  ``ClosedResourceError`` (``notify_closing``).
* ``Gate``: a task synchronisation object (open once, everyone waiting
  passes) built on ``ParkingLot``, the core's queue of sleeping tasks.

Run it:  python examples/lowlevel_hooks.py
"""

import os

import trio


class PipeReader:
    """Async reads from the read end of an OS pipe."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self._fd: int | None = fd

    async def read(self, max_bytes: int = 65536) -> bytes:
        # Checkpoint rule, part 1: raise Cancelled at once if we are cancelled.
        await trio.lowlevel.checkpoint_if_cancelled()
        while True:
            if self._fd is None:
                raise trio.ClosedResourceError("this PipeReader was closed")
            try:
                data = os.read(self._fd, max_bytes)
            except BlockingIOError:
                # Nothing yet: sleep until the fd is readable.  This is a
                # checkpoint itself, and raises ClosedResourceError if
                # another task closes us meanwhile.
                await trio.lowlevel.wait_readable(self._fd)
            else:
                # Checkpoint rule, part 2: we did not block, so let the other
                # tasks run once (shielded: the read has happened, and
                # cancelling now would lose its data).
                await trio.lowlevel.cancel_shielded_checkpoint()
                return data

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            # Wake any task blocked in wait_readable(fd) before the fd goes away.
            trio.lowlevel.notify_closing(fd)
            os.close(fd)


class Gate:
    """Closed until ``open()``; then every waiter (and later caller) passes."""

    def __init__(self) -> None:
        self._open = False
        self._lot = trio.lowlevel.ParkingLot()

    def open(self) -> None:
        self._open = True
        self._lot.unpark_all()  # reschedule every parked task

    async def wait(self) -> None:
        if self._open:
            await trio.lowlevel.checkpoint()  # still a checkpoint
        else:
            await self._lot.park()  # sleeps until unparked (or cancelled)


async def main() -> None:
    read_fd, write_fd = os.pipe()
    reader = PipeReader(read_fd)
    try:
        gate = Gate()
        async with trio.open_nursery() as nursery:

            async def consumer() -> None:
                await gate.wait()
                print(f"1. read {await reader.read()!r} after the gate opened")

            nursery.start_soon(consumer)
            await trio.testing.wait_all_tasks_blocked()  # the consumer is parked
            os.write(write_fd, b"hello from the pipe")
            gate.open()

        # 2. Cancellation works while blocked in wait_readable...
        with trio.move_on_after(0.05) as scope:
            await reader.read()
        print(f"2. a read with nothing to read was cancelled: {scope.cancelled_caught}")

        # 3. ...and closing wakes a blocked reader with ClosedResourceError.
        async with trio.open_nursery() as nursery:

            async def blocked_reader() -> None:
                try:
                    await reader.read()
                except trio.ClosedResourceError as exc:
                    print(f"3. the blocked reader was woken: {exc!r}")

            nursery.start_soon(blocked_reader)
            await trio.testing.wait_all_tasks_blocked()
            reader.close()
    finally:
        reader.close()
        os.close(write_fd)


if __name__ == "__main__":
    trio.run(main)
