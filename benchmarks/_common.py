"""Shared plumbing for the workload scripts (not a workload itself).

Every workload script is run as ``python benchmarks/<script>.py --impl IMPL
[--quick] [--workload NAME]`` and prints one JSON object per line::

    {"workload": ..., "impl": ..., "metric": ..., "value": ..., "unit": ...,
     "better": "higher" | "lower", ...extra details...}

A workload that cannot run for an implementation (an API that does not exist
yet, a library that is not installed) prints ``{"workload": ..., "impl": ...,
"skip": "<why>"}`` instead and the script still exits 0, so that the runner
can tell "not available" apart from "crashed".

This module imports only the standard library at the top: it runs under the
session's interpreter (ours, asyncio, uvloop) and under the peer venv's
interpreter (real Trio 0.35) alike.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from types import ModuleType
from typing import Any

TRIO_LIKE = ("ours", "trio")
ASYNCIO_LIKE = ("asyncio", "uvloop")
ALL_IMPLS = (*TRIO_LIKE, *ASYNCIO_LIKE)


class Skip(Exception):
    """Raised by a workload that cannot run for this implementation (message says why)."""


def emit(
    workload: str, impl: str, metric: str, value: float, unit: str, better: str, **extra: Any
) -> None:
    """Print one result line."""
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', not {better!r}")
    record = {
        "workload": workload,
        "impl": impl,
        "metric": metric,
        "value": value,
        "unit": unit,
        "better": better,
        **extra,
    }
    print(json.dumps(record), flush=True)


def emit_rate(
    workload: str, impl: str, metric: str, count: int, elapsed: float, unit: str, **extra: Any
) -> None:
    """Print a "``count`` things in ``elapsed`` seconds" result (higher is better)."""
    emit(workload, impl, metric, count / elapsed, unit, "higher", **extra, elapsed_s=elapsed)


def emit_throughput(
    workload: str, impl: str, expected: int, received: int, elapsed: float, **extra: Any
) -> None:
    """Print a MiB/s result, after checking that every byte sent was received.

    Raises:
        RuntimeError: if ``received`` is not ``expected`` (a benchmark that
            lost bytes must not report a speed).
    """
    if received != expected:
        raise RuntimeError(f"received {received} bytes of {expected}")
    mib = expected / (1024 * 1024)
    emit(
        workload,
        impl,
        "throughput",
        mib / elapsed,
        "MiB/s",
        "higher",
        mib=mib,
        **extra,
        elapsed_s=elapsed,
    )


def emit_skip(workload: str, impl: str, reason: str) -> None:
    """Print a line saying that this workload does not apply / cannot run for ``impl``."""
    print(json.dumps({"workload": workload, "impl": impl, "skip": reason}), flush=True)


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise Skip(f"cannot import {name}: {exc}") from exc


def require(module: Any, *names: str) -> None:
    """Raise Skip unless ``module`` has every attribute in ``names`` (API not written yet)."""
    label = getattr(module, "__name__", repr(module))
    missing = [n for n in names if not hasattr(module, n)]
    if missing:
        raise Skip(f"{label} has no {', '.join(missing)} (not implemented yet?)")


@dataclass
class TrioLike:
    """The parts of a Trio-style library the workloads use, for ``ours`` or real ``trio``.

    ``core`` holds run/open_nursery/sleep/Event/...; ``lowlevel``, ``testing`` and
    ``to_thread`` are the submodules of the same names.  The socket and stream
    layers are loaded on demand (``socket_module()``, ``streams_module()``),
    since they may not exist yet for ``ours``.
    """

    impl: str
    core: ModuleType
    lowlevel: ModuleType
    testing: ModuleType
    to_thread: ModuleType

    def socket_module(self) -> ModuleType:
        """``trio_socket`` for ours, ``trio.socket`` for Trio 0.35."""
        if self.impl == "ours":
            mod = _import("trio_socket")
            require(mod, "socket", "socketpair", "from_stdlib_socket", "SocketType")
            return mod
        return _import("trio.socket")

    def streams_module(self) -> ModuleType:
        """``trio_streams`` for ours, ``trio`` (which exports the stream layer) for Trio."""
        if self.impl == "ours":
            mod = _import("trio_streams")
            require(mod, "open_tcp_stream", "serve_tcp", "SocketStream")
            return mod
        return self.core


def load_trio_like(impl: str) -> TrioLike:
    """Import the implementation's core modules (raises Skip if they are missing)."""
    if impl == "ours":
        base = "trio_core"
    elif impl == "trio":
        base = "trio"
    else:
        raise ValueError(f"not a Trio-like implementation: {impl!r}")
    core = _import(base)
    if impl == "trio":
        version = getattr(core, "__version__", "?")
        if not version.startswith("0.35"):
            raise Skip(f"`import trio` gave version {version} from {core.__file__}, not Trio 0.35")
    return TrioLike(
        impl=impl,
        core=core,
        lowlevel=_import(f"{base}.lowlevel"),
        testing=_import(f"{base}.testing"),
        to_thread=_import(f"{base}.to_thread"),
    )


def run_asyncio(impl: str, main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run ``main()`` on the stock asyncio loop, or on uvloop's."""
    if impl == "asyncio":
        return asyncio.run(main())
    if impl == "uvloop":
        try:
            import uvloop
        except ImportError as exc:
            raise Skip(f"cannot import uvloop: {exc}") from exc
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(main())
    raise ValueError(f"not an asyncio implementation: {impl!r}")


def rss_bytes() -> int:
    """This process's resident set size, in bytes (psutil if present, else /proc)."""
    try:
        import psutil  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return int(psutil.Process().memory_info().rss)


now = time.perf_counter


@dataclass(frozen=True)
class Workload:
    """One workload of a script.

    ``trio_like(api, quick)`` and ``asyncio_like(impl, quick)`` each print their
    results with :func:`emit`; either may be None when the workload does not
    apply to that family (the script then prints a skip line).
    """

    name: str
    description: str
    trio_like: Callable[[TrioLike, bool], None] | None
    asyncio_like: Callable[[str, bool], None] | None


def main(workloads: list[Workload], argv: list[str] | None = None) -> int:
    """Command-line entry point shared by every workload script."""
    parser = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__)
    parser.add_argument("--impl", choices=ALL_IMPLS, help="which implementation to measure")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument(
        "--workload",
        action="append",
        choices=[w.name for w in workloads],
        help="run only this workload (repeatable); default: all of this script's",
    )
    parser.add_argument(
        "--list", action="store_true", help="print this script's workloads as JSON and exit"
    )
    args = parser.parse_args(argv)
    if args.list:
        for w in workloads:
            impls = [
                *(TRIO_LIKE if w.trio_like else ()),
                *(ASYNCIO_LIKE if w.asyncio_like else ()),
            ]
            print(json.dumps({"workload": w.name, "impls": impls, "description": w.description}))
        return 0
    if args.impl is None:
        parser.error("--impl is required (unless --list)")
    selected = [w for w in workloads if not args.workload or w.name in args.workload]
    status = 0
    api: TrioLike | None = None
    for w in selected:
        try:
            if args.impl in TRIO_LIKE:
                if w.trio_like is None:
                    raise Skip("does not apply to Trio-like libraries")
                if api is None:
                    api = load_trio_like(args.impl)
                w.trio_like(api, args.quick)
            else:
                if w.asyncio_like is None:
                    raise Skip("does not apply to asyncio")
                w.asyncio_like(args.impl, args.quick)
        except Skip as exc:
            emit_skip(w.name, args.impl, str(exc))
        except BaseException:  # report it, then go on with the next workload
            traceback.print_exc()
            status = 1
    return status


async def gather_trio_like(api: TrioLike, *fns: Callable[[], Awaitable[Any]]) -> None:
    """Run the async functions concurrently in one nursery and wait for all of them."""
    async with api.core.open_nursery() as nursery:
        for fn in fns:
            nursery.start_soon(fn)
