"""Address resolution and normalisation: ``getaddrinfo`` and friends, and the
address rules of the socket methods.

The module-level lookups (:func:`getaddrinfo`, :func:`getnameinfo`,
:func:`getfqdn`) answer numeric hosts at once and run the blocking system
resolver in a worker thread, or ask the custom hostname resolver.  The
helpers below them hold the seed's rules for addresses given to a socket:
``check_numeric`` refuses what ``bind`` / ``connect`` / ``sendto`` /
``sendmsg`` must not resolve themselves, and ``resolve_address`` is what the
sockets' ``resolve_local_address`` / ``resolve_remote_address`` do.
"""

from __future__ import annotations

import os
import socket as _stdlib_socket
from collections.abc import Coroutine
from typing import Any, TypeVar

import idna as _idna

import trio_core
from trio_core.lowlevel import cancel_shielded_checkpoint, checkpoint, checkpoint_if_cancelled

from ._hooks import _resolver

# The hook rule: from trio-core, import only `trio_core` and `trio_core.lowlevel`.
to_thread = trio_core.to_thread

T = TypeVar("T")
Address = Any  # tuple for AF_INET/AF_INET6, str/bytes for AF_UNIX, ...

__all__ = ["getaddrinfo", "getnameinfo", "getfqdn"]

_IP_FAMILIES = (_stdlib_socket.AF_INET, _stdlib_socket.AF_INET6)
_AF_UNIX = getattr(_stdlib_socket, "AF_UNIX", None)
_NUMERIC_ONLY = _stdlib_socket.AI_NUMERICHOST | _stdlib_socket.AI_NUMERICSERV


def _encode_host(host: bytes | str | None) -> bytes | None:
    if host is None or isinstance(host, bytes):
        return host
    if not isinstance(host, str):
        raise TypeError(f"host must be a str, bytes or None, got {host!r}")
    try:
        return host.encode("ascii")
    except UnicodeEncodeError:
        # Internationalized names: IDNA 2008 with the UTS 46 mapping, as browsers do.
        try:
            return _idna.encode(host, uts46=True)
        except _idna.IDNAError as exc:
            raise ValueError(f"{host!r} is not a valid internationalized hostname: {exc}") from None


async def _ask_resolver(call: Coroutine[Any, Any, T]) -> T:
    """Await a custom resolver's method as a full checkpoint, even if it never
    yields, and whether it returns or raises."""
    try:
        await checkpoint_if_cancelled()
    except BaseException:
        call.close()  # never started: no "never awaited" warning
        raise
    try:
        result = await call
    except BaseException:
        await cancel_shielded_checkpoint()
        raise
    await cancel_shielded_checkpoint()
    return result


async def getaddrinfo(
    host: bytes | str | None,
    port: bytes | str | int | None,
    family: int = 0,
    type: int = 0,
    proto: int = 0,
    flags: int = 0,
) -> list[tuple[Any, Any, int, str, Any]]:
    """Look up a host and port, like :func:`socket.getaddrinfo`.  A checkpoint.

    Numeric addresses are answered at once; names are looked up in a worker
    thread (a cancelled lookup returns at once and the thread is abandoned),
    or by the resolver given to :func:`set_custom_hostname_resolver`.
    Non-ASCII hostnames are IDNA-encoded (IDNA 2008, UTS 46 mapping).

    Args:
        host: the hostname or numeric address (str or bytes), or None.
        port: the port number or service name, or None.
        family: restrict results to this address family (0 for any).
        type: restrict results to this socket type (0 for any).
        proto: restrict results to this protocol (0 for any).
        flags: ``AI_*`` flags, as for :func:`socket.getaddrinfo`.

    Returns:
        A list of ``(family, type, proto, canonname, sockaddr)`` tuples.

    Raises:
        socket.gaierror: if the name cannot be resolved.
        ValueError: for an invalid internationalized hostname.
    """
    try:
        host_bytes = _encode_host(host)
        numeric = _stdlib_socket.getaddrinfo(
            host_bytes, port, family, type, proto, flags | _NUMERIC_ONLY
        )
    except _stdlib_socket.gaierror:
        pass  # not numeric: a name to look up
    except BaseException:
        await checkpoint()  # a bad argument: still a checkpoint
        raise
    else:
        await checkpoint()
        return numeric
    resolver = _resolver.get()
    if resolver is not None:
        return await _ask_resolver(
            resolver.getaddrinfo(host_bytes, port, family, type, proto, flags)
        )
    return await to_thread.run_sync(
        _stdlib_socket.getaddrinfo,
        host_bytes,
        port,
        family,
        type,
        proto,
        flags,
        abandon_on_cancel=True,
    )


async def getnameinfo(sockaddr: tuple[Any, ...], flags: int) -> tuple[str, str]:
    """Look up the name of an address, like :func:`socket.getnameinfo`.  A checkpoint.

    Runs in a worker thread (abandoned if cancelled), or through the custom
    hostname resolver.

    Args:
        sockaddr: the socket address to look up, e.g. ``(host, port)``.
        flags: ``NI_*`` flags, as for :func:`socket.getnameinfo`.

    Returns:
        ``(host, port)`` as strings.

    Raises:
        socket.gaierror: if the address cannot be looked up.
    """
    resolver = _resolver.get()
    if resolver is not None:
        return await _ask_resolver(resolver.getnameinfo(sockaddr, flags))
    return await to_thread.run_sync(
        _stdlib_socket.getnameinfo, sockaddr, flags, abandon_on_cancel=True
    )


async def getfqdn(name: str = "") -> str:
    """The fully qualified domain name of ``name``, like :func:`socket.getfqdn`.
    A checkpoint.

    Without a custom hostname resolver this is the standard library's
    ``getfqdn`` in a worker thread (abandoned if cancelled).  With one (see
    :func:`set_custom_hostname_resolver`), the same steps go through the
    resolver: an empty name (or ``0.0.0.0`` / ``::``) means
    :func:`socket.gethostname`; the name is looked up with
    :func:`getaddrinfo`, its first address reverse-resolved with
    :func:`getnameinfo` (``NI_NAMEREQD``), and that name returned; if either
    lookup fails, ``name`` comes back unchanged.  The one difference: a
    resolver has no host aliases to offer, so where the system's
    ``gethostbyaddr`` would pick a dotted alias over an undotted primary
    name, the primary name is returned.

    Args:
        name: the name (or address) to look up; empty means this host.
    """
    resolver = _resolver.get()
    if resolver is None:
        return await to_thread.run_sync(_stdlib_socket.getfqdn, name, abandon_on_cancel=True)
    await checkpoint()  # even if the resolver answers without yielding
    name = name.strip()
    if not name or name in ("0.0.0.0", "::"):
        name = _stdlib_socket.gethostname()
    try:
        infos = await getaddrinfo(name, None)
        if not infos:
            return name
        hostname, _ = await getnameinfo(infos[0][4], _stdlib_socket.NI_NAMEREQD)
    except OSError:  # gaierror, herror: as the standard library, keep the name
        return name
    return hostname


# ---------------------------------------------------------------- a socket's addresses


def _check_numeric_port(address: tuple[Any, ...], method: str, resolver: str) -> None:
    """Refuse a port that is not an int from 0 to 65535, naming it (for the
    methods that take numeric addresses only).

    Without this, the port reaches ``getaddrinfo``, which wraps large ports
    modulo 65536, takes service names, or blames the host for a bad port.
    """
    port = address[1]
    if isinstance(port, (str, bytes)):
        raise TypeError(
            f"port must be an int, got {port!r} in {address!r} ({method}()); a service "
            f"name is resolved like a host name: `{method}(await sock.{resolver}({address!r}))`"
        )
    if not isinstance(port, int) or isinstance(port, bool):
        raise TypeError(f"port must be an int, got {port!r} in {address!r} ({method}())")
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0-65535, got {port} in {address!r} ({method}())")


def _check_port_to_resolve(address: tuple[Any, ...]) -> None:
    """Refuse a port that resolving cannot turn into 0-65535, naming it.

    An int from 0 to 65535 or a service name (``"http"``, as str or bytes)
    goes on to ``getaddrinfo``, as the standard library's resolution takes
    them; a string of digits is a number and must be in range too (or
    ``getaddrinfo`` would wrap it modulo 65536).
    """
    port = address[1]
    if isinstance(port, (str, bytes)):
        digits = port.decode("ascii", "replace") if isinstance(port, bytes) else port
        if not (digits.isascii() and digits.isdigit()):
            return  # a service name: getaddrinfo looks it up
        number = int(digits)
    elif isinstance(port, int) and not isinstance(port, bool):
        number = port
    else:
        raise ValueError(
            f"port must be an int or a service name such as 'http', got {port!r} "
            f"in {address!r} (resolving an address)"
        )
    if not 0 <= number <= 65535:
        raise ValueError(
            f"port must be 0-65535, got {port!r} in {address!r} (resolving an address)"
        )


def check_numeric(family: int, address: Address, method: str, resolver: str) -> Address:
    """Refuse an address that ``method`` would have to resolve (the seed's rule).

    Returns the address to use: itself, or for ``AF_UNIX`` a path-like made a
    str/bytes path (as Trio accepts ``pathlib.Path`` there).  ``resolver``
    names the socket method that resolves it, for the message.  Addresses of
    other families pass unchecked.
    """
    if family not in _IP_FAMILIES:
        if family == _AF_UNIX and isinstance(address, os.PathLike):
            return os.fspath(address)
        return address
    if not isinstance(address, tuple) or len(address) < 2:
        raise TypeError(f"{method}() on an IP socket needs a (host, port) tuple, got {address!r}")
    _check_numeric_port(address, method, resolver)
    host = address[0]
    if host in ("", "<broadcast>") or (host is None and method == "bind"):
        return address
    try:
        _stdlib_socket.getaddrinfo(host, address[1], family, 0, 0, _stdlib_socket.AI_NUMERICHOST)
    except (_stdlib_socket.gaierror, UnicodeError, TypeError):
        raise ValueError(
            f"{method}() needs a numeric address, but {host!r} in {address!r} is not one; "
            f"resolve it first: `{method}(await sock.{resolver}({address!r}))`"
        ) from None
    return address


async def resolve_address(
    family: int, type: int, proto: int, address: Address, local: bool, v6only: bool = False
) -> Address:
    """What a socket's ``resolve_local_address`` (``local``) or
    ``resolve_remote_address`` does, for a socket of ``family``/``type``/``proto``
    (``v6only``: an IPv6 socket with ``IPV6_V6ONLY`` set, which cannot reach
    IPv4 peers, so gets no IPv4-mapped addresses)."""
    if family not in _IP_FAMILIES:
        await checkpoint()
        return address
    try:
        host, port, flags = _to_resolve(family, address, local, v6only)
    except BaseException:
        await checkpoint()  # refused at once: still a checkpoint
        raise
    try:
        results = await getaddrinfo(host, port, family, type, proto, flags)
    except _stdlib_socket.gaierror as exc:
        why = exc.strerror
        if exc.errno == _stdlib_socket.EAI_SERVICE:
            why = f"{why}: the port {port!r} is not a service name known for this socket type"
        raise _stdlib_socket.gaierror(exc.errno, f"{why} (resolving {address!r})") from None
    resolved = results[0][4]
    if family == _stdlib_socket.AF_INET6 and len(address) == 4:
        # Keep the caller's flowinfo and scope id.
        resolved = (resolved[0], resolved[1], address[2], address[3])
    return resolved


def _to_resolve(family: int, address: Address, local: bool, v6only: bool) -> tuple[Any, Any, int]:
    """Check an IP address to resolve: ``(host, port, flags)`` for getaddrinfo."""
    if not isinstance(address, tuple) or len(address) < 2:
        raise ValueError(f"an address for an IP socket is a (host, port) tuple, got {address!r}")
    _check_port_to_resolve(address)
    host, port = address[0], address[1]
    if host in ("<broadcast>", b"<broadcast>"):
        # As the standard library's bind/connect/sendto do (not getaddrinfo).
        if family != _stdlib_socket.AF_INET:
            raise _stdlib_socket.gaierror(
                _stdlib_socket.EAI_FAMILY,
                f"'<broadcast>' is an IPv4 address and IPv6 has no broadcast; "
                f"use an AF_INET socket, or a multicast address such as ff02::1 "
                f"(resolving {address!r})",
            )
        host = "255.255.255.255"
    flags = 0
    if local:
        flags |= _stdlib_socket.AI_PASSIVE
        if host == "":
            host = None
    if family == _stdlib_socket.AF_INET6 and not v6only:
        flags |= _stdlib_socket.AI_V4MAPPED
    return host, port, flags
