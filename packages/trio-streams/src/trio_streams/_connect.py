"""Connecting: open_tcp_stream (Happy Eyeballs, RFC 8305) and open_unix_socket."""

from __future__ import annotations

import math
import os
import socket as _stdlib_socket
from typing import Any, Final

import trio_core
import trio_socket

from ._socket_stream import SocketStream

__all__ = ["open_tcp_stream", "open_unix_socket"]

#: The default delay between connection attempts (RFC 8305 recommends 250 ms).
DEFAULT_DELAY: Final = 0.250

_Target = tuple[int, int, int, str, Any]


def interleave_families(targets: list[_Target]) -> list[_Target]:
    """Order addresses as RFC 8305 section 4 says: the first address family
    the resolver returned first, then alternating between the families, each
    family keeping the resolver's order.  Duplicates are dropped."""
    by_family: dict[int, list[_Target]] = {}
    seen: set[tuple[int, Any]] = set()
    for target in targets:
        key = (target[0], target[4])
        if key in seen:
            continue
        seen.add(key)
        by_family.setdefault(target[0], []).append(target)
    queues = list(by_family.values())
    ordered: list[_Target] = []
    while queues:
        for queue in queues:
            ordered.append(queue.pop(0))
        queues = [queue for queue in queues if queue]
    return ordered


def _format_address(sockaddr: Any) -> str:
    if isinstance(sockaddr, tuple) and len(sockaddr) >= 2:
        host, port = sockaddr[0], sockaddr[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return repr(sockaddr)


def _kernel_errno(exc: OSError) -> bool:
    return isinstance(exc.errno, int) and exc.errno > 0 and not isinstance(exc, _Unbindable)


class _Unbindable(OSError):
    """An attempt that could not bind to ``local_address`` (its message says why)."""


def _all_failed(host: str | bytes, port: int, failures: list[tuple[Any, OSError]]) -> OSError:
    details = "; ".join(
        f"{_format_address(addr)}: {os.strerror(exc.errno or 0) if _kernel_errno(exc) else exc}"
        for addr, exc in failures
    )
    message = f"all {len(failures)} connection attempt(s) to {host!r} port {port} failed: {details}"
    errnos = {exc.errno for _, exc in failures}
    # One errno for every attempt (all refused, say): keep it, so that
    # `except ConnectionRefusedError` still works.
    error = OSError(errnos.pop(), message) if len(errnos) == 1 else OSError(message)
    error.__cause__ = ExceptionGroup(
        f"connection attempts to {host!r} port {port}", [exc for _, exc in failures]
    )
    return error


async def open_tcp_stream(
    host: str | bytes,
    port: int,
    *,
    happy_eyeballs_delay: float | None = DEFAULT_DELAY,
    local_address: str | None = None,
) -> SocketStream:
    """Connect to a TCP server, racing its addresses as RFC 8305 (Happy Eyeballs) says.

    The name is resolved (:func:`trio_socket.getaddrinfo`, so a custom
    resolver applies), the addresses are interleaved by family (IPv6 and IPv4
    alternate, the first family the resolver returned first), and connection
    attempts start one after the other: the next one starts when the
    previous one failed or after ``happy_eyeballs_delay`` seconds, whichever
    comes first, while earlier attempts keep going.  The first connection to
    succeed wins; every other attempt is cancelled and its socket closed.
    A checkpoint.

    Args:
        host: the hostname or numeric address to connect to.
        port: the port number.
        happy_eyeballs_delay: seconds between the starts of attempts (``None``:
            try one address at a time, waiting for each to fail).
        local_address: the local IP address (or a name of this host) to
            connect from, as in modern Trio; ``None`` lets the system pick.
            Each attempt's socket is bound to it (port 0, and on Linux
            ``IP_BIND_ADDRESS_NO_PORT`` so that the port is picked at connect
            time); an address of the other family than the target's fails
            that attempt, so ``"0.0.0.0"`` or ``"::"`` restricts the
            connection to IPv4 or IPv6.

    Returns:
        A :class:`SocketStream` for the connection.

    Raises:
        TypeError: if ``host`` is not a str or bytes, ``port`` not an int, or
            ``local_address`` neither a str nor ``None``.
        ValueError: if ``port`` is out of range or the delay is negative.
        OSError: if the name cannot be resolved (:exc:`socket.gaierror`), or
            every attempt failed: then the message lists each address with
            its error, ``__cause__`` is an :exc:`ExceptionGroup` of the errors,
            and ``errno`` is set if all attempts failed the same way (so
            :exc:`ConnectionRefusedError` is raised when all were refused).
    """
    if not isinstance(host, (str, bytes)):
        raise TypeError(f"host must be a str or bytes (a name or numeric address), got {host!r}")
    if not isinstance(port, int) or isinstance(port, bool):
        raise TypeError(f"port must be an int, got {port!r}")
    if not 0 < port <= 65535:
        raise ValueError(f"port must be between 1 and 65535, got {port!r}")
    if local_address is not None and not isinstance(local_address, str):
        raise TypeError(
            f"local_address must be a str (an IP address of this host) or None, "
            f"got {local_address!r}"
        )
    if happy_eyeballs_delay is None:
        delay = math.inf
    else:
        delay = float(happy_eyeballs_delay)
        if not delay >= 0:
            raise ValueError(
                f"happy_eyeballs_delay must be >= 0 seconds (or None), got {happy_eyeballs_delay!r}"
            )
    infos = await trio_socket.getaddrinfo(host, port, type=_stdlib_socket.SOCK_STREAM)
    targets = interleave_families([(int(f), int(t), p, c, a) for f, t, p, c, a in infos])
    if not targets:
        raise OSError(f"no addresses to connect to: getaddrinfo({host!r}, {port}) returned none")

    winner: trio_socket.SocketType | None = None
    failures: list[tuple[Any, OSError]] = []
    pending: set[trio_socket.SocketType] = set()

    async def attempt(target: _Target, failed: trio_core.Event, nursery: trio_core.Nursery) -> None:
        nonlocal winner
        family, type_, proto, _, sockaddr = target
        try:
            sock = trio_socket.socket(family, type_, proto)
        except OSError as exc:
            failures.append((sockaddr, exc))
            failed.set()
            return
        pending.add(sock)
        try:
            if local_address is not None:
                await _bind_local(sock, local_address, sockaddr)
            await sock.connect(sockaddr)
        except OSError as exc:
            failures.append((sockaddr, exc))
            pending.discard(sock)
            sock.close()
            failed.set()
            return
        if winner is None:
            winner = sock
            pending.discard(sock)
            nursery.cancel_scope.cancel()

    try:
        async with trio_core.open_nursery() as nursery:
            for index, target in enumerate(targets):
                failed = trio_core.Event()
                nursery.start_soon(attempt, target, failed, nursery)
                if index + 1 < len(targets):
                    with trio_core.move_on_after(delay):
                        await failed.wait()
    except BaseException as exc:
        if winner is not None:
            winner.close()
        if isinstance(exc, BaseExceptionGroup):
            # Cancelled from outside, the attempts' nursery reports one Cancelled
            # per task; the caller made one call, so it gets one Cancelled.
            cancelled, rest = exc.split(trio_core.Cancelled)
            if cancelled is not None and rest is None:
                raise _first_leaf(cancelled) from None
        raise
    finally:
        for sock in pending:
            sock.close()
    if winner is None:
        raise _all_failed(host, port, failures)
    try:
        return SocketStream(winner)
    except BaseException:
        winner.close()
        raise


async def _bind_local(sock: trio_socket.SocketType, local_address: str, target: Any) -> None:
    """Bind an attempt's socket to ``local_address`` (any port), or raise OSError
    saying that the two do not go together."""
    no_port = getattr(_stdlib_socket, "IP_BIND_ADDRESS_NO_PORT", None)
    if no_port is not None:
        try:
            sock.setsockopt(_stdlib_socket.IPPROTO_IP, no_port, 1)
        except OSError:
            pass  # an old kernel: the port is picked at bind time instead
    try:
        # The seed's rule: bind() takes numeric addresses, resolved first.
        local = await sock.resolve_local_address((local_address, 0))
        sock.bind(local)
    except OSError as exc:
        raise _Unbindable(
            exc.errno,
            f"can't connect from local_address={local_address!r} to {_format_address(target)}: "
            f"{exc.strerror or exc}",
        ) from exc


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


async def open_unix_socket(
    filename: str | bytes | os.PathLike[str] | os.PathLike[bytes] | None = None,
    *,
    path: str | bytes | os.PathLike[str] | os.PathLike[bytes] | None = None,
) -> SocketStream:
    """Connect to the Unix domain socket at ``filename``.  A checkpoint.

    Args:
        filename: the filesystem path of the socket (modern Trio's name).
        path: the same, under this library's earlier keyword (give one of the two).

    Returns:
        A :class:`SocketStream` for the connection.

    Raises:
        TypeError: if the path is given under both names, or under neither.
        RuntimeError: if this platform has no Unix domain sockets.
        OSError: if the connection fails (no such socket, refused...).
    """
    if filename is not None and path is not None:
        raise TypeError("filename and path are two names of one argument; give only one")
    target = filename if filename is not None else path
    if target is None:
        raise TypeError("open_unix_socket needs the filename of the socket to connect to")
    family = getattr(_stdlib_socket, "AF_UNIX", None)
    if family is None:  # pragma: no cover - every supported platform has it
        raise RuntimeError("this platform has no Unix domain sockets (AF_UNIX)")
    address = os.fspath(target)
    sock = trio_socket.socket(family, _stdlib_socket.SOCK_STREAM)
    try:
        await sock.connect(address)
        return SocketStream(sock)
    except BaseException:
        sock.close()
        raise
