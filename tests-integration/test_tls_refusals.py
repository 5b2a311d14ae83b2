"""TLS refusals over real loopback TCP (issue 8), through ``import trio``.

Verification is on by default, TLS 1.2 is the minimum, and a wrong hostname,
an expired certificate and an untrusted CA are all refused with an error
that names the cause.  Each case runs the user's path: a
``trio.serve_ssl_over_tcp`` server on 127.0.0.1 and clients from
``trio.open_ssl_over_tcp_stream``.  After each refusal a correctly
configured client still round-trips data through the same server.

(``packages/trio-streams/tests/test_ssl.py`` covers the same checks over
memory streams; this file covers the one-call helpers and a live server.)
"""

from __future__ import annotations

import datetime
import ssl
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import pytest
import trustme

import trio

OPS = ["do_handshake", "sendall", "recv"]


async def _handler(stream: trio.SSLStream) -> None:
    """Echo one message; a refused handshake is the client's business."""
    async with stream:
        try:
            data = await stream.recv(1024)
            if data:
                await stream.sendall(data)
        except trio.BrokenResourceError:
            pass


@asynccontextmanager
async def tls_server(server_ctx: ssl.SSLContext) -> AsyncIterator[int]:
    """A ``serve_ssl_over_tcp`` echo server on 127.0.0.1; yields its port."""
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(
            partial(trio.serve_ssl_over_tcp, _handler, 0, server_ctx, host="127.0.0.1")
        )
        listener = listeners[0]
        assert isinstance(listener, trio.SSLListener)
        assert isinstance(listener.transport_listener, trio.SocketListener)
        yield listener.transport_listener.socket.getsockname()[1]
        nursery.cancel_scope.cancel()


async def round_trip(host: str, port: int, ctx: ssl.SSLContext | None) -> None:
    stream = await trio.open_ssl_over_tcp_stream(host, port, ssl_context=ctx)
    async with stream:
        await stream.sendall(b"ping")
        got = b""
        while len(got) < 4:
            chunk = await stream.recv(4 - len(got))
            assert chunk, "the server closed before echoing"
            got += chunk
    assert got == b"ping"


async def refused(
    host: str, port: int, ctx: ssl.SSLContext | None, op: str = "do_handshake"
) -> trio.BrokenResourceError:
    """Connect, trigger the handshake with ``op``; return the error it raised."""
    stream = await trio.open_ssl_over_tcp_stream(host, port, ssl_context=ctx)
    async with stream:
        with pytest.raises(trio.BrokenResourceError) as info:
            if op == "do_handshake":
                await stream.do_handshake()
            elif op == "sendall":
                await stream.sendall(b"ping")
            else:
                await stream.recv(1)
    return info.value


def server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ctx


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


# ---------------------------------------------------------------- certificate refusals

#: case -> (verify_code, words that must appear in the message)
CASES: dict[str, tuple[int, tuple[str, ...]]] = {
    "default context, private CA": (20, ("unable to get local issuer certificate",)),
    "wrong hostname": (62, ("Hostname mismatch", "'localhost'")),
    "wrong IP address": (64, ("IP address mismatch", "'127.0.0.1'")),
    "expired certificate": (10, ("certificate has expired",)),
    "untrusted CA": (20, ("unable to get local issuer certificate",)),
}


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("case", list(CASES))
async def test_bad_certificates_are_refused_naming_the_cause(case: str, op: str) -> None:
    ca = trustme.CA()
    now = datetime.datetime.now(datetime.UTC)
    identities = ["127.0.0.1", "localhost"]
    if case == "wrong hostname":
        identities = ["127.0.0.1"]
    elif case == "wrong IP address":
        identities = ["localhost"]
    if case == "expired certificate":
        day = datetime.timedelta(days=1)
        cert = ca.issue_cert(*identities, not_before=now - 30 * day, not_after=now - day)
    else:
        cert = ca.issue_cert(*identities)

    good_host = identities[0]
    bad_host = {"wrong hostname": "localhost", "wrong IP address": "127.0.0.1"}.get(case, good_host)
    bad_ctx: ssl.SSLContext | None = trusting(ca)
    if case == "default context, private CA":
        bad_ctx = None
    elif case == "untrusted CA":
        bad_ctx = trusting(trustme.CA())
    code, words = CASES[case]

    async with tls_server(server_context(cert)) as port:
        error = await refused(bad_host, port, bad_ctx, op)
        cause = error.__cause__
        assert isinstance(cause, ssl.SSLCertVerificationError), repr(cause)
        assert cause.verify_code == code, cause.verify_message
        for word in words:
            assert word in cause.verify_message, cause.verify_message
            # The library's own message names the cause too.
            assert word in str(error), str(error)
        # The server keeps serving: a well-configured client gets through
        # (for the expired certificate, one that opts out of verification).
        good_ctx = trusting(ca)
        if case == "expired certificate":
            good_ctx.check_hostname = False
            good_ctx.verify_mode = ssl.CERT_NONE
        await round_trip(good_host, port, good_ctx)


async def test_verification_is_on_by_default() -> None:
    ca = trustme.CA()
    async with tls_server(server_context(ca.issue_cert("127.0.0.1"))) as port:
        stream = await trio.open_ssl_over_tcp_stream("127.0.0.1", port)
        async with stream:
            ctx = stream.context
            assert ctx.verify_mode is ssl.CERT_REQUIRED
            assert ctx.check_hostname is True
            assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2
            assert stream.server_hostname == "127.0.0.1"
        await round_trip("127.0.0.1", port, trusting(ca))


# ---------------------------------------------------------------- TLS 1.2 minimum


def _tls11_context(purpose: ssl.Purpose) -> ssl.SSLContext:
    ctx = ssl.create_default_context(purpose)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        # Setting TLSv1 / TLSv1_1 is deprecated: that is the point here.
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    return ctx


def _tls11_works(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext) -> bool:
    """Whether this OpenSSL completes a TLS 1.1 handshake at all (over memory BIOs)."""
    bios = [ssl.MemoryBIO() for _ in range(4)]
    server = server_ctx.wrap_bio(bios[0], bios[1], server_side=True)
    client = client_ctx.wrap_bio(bios[2], bios[3], server_hostname="127.0.0.1")
    done = {"client": False, "server": False}
    try:
        for _ in range(10):
            for name, obj in (("client", client), ("server", server)):
                if not done[name]:
                    try:
                        obj.do_handshake()
                        done[name] = True
                    except ssl.SSLWantReadError:
                        pass
            bios[0].write(bios[3].read())
            bios[2].write(bios[1].read())
            if all(done.values()):
                return client.version() == "TLSv1.1"
    except ssl.SSLError:
        return False
    return False


@pytest.mark.parametrize("op", OPS)
async def test_default_context_refuses_a_tls11_only_server(op: str) -> None:
    ca = trustme.CA()
    server_ctx = _tls11_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    old_client_ctx = _tls11_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(old_client_ctx)
    if not _tls11_works(server_ctx, old_client_ctx):
        pytest.skip(f"this OpenSSL ({ssl.OPENSSL_VERSION}) cannot do TLS 1.1 at all")

    async with tls_server(server_ctx) as port:
        # The library's default context (and a default one trusting the CA) refuse.
        for ctx in (None, trusting(ca)):
            error = await refused("127.0.0.1", port, ctx, op)
            cause = error.__cause__
            assert isinstance(cause, ssl.SSLError), repr(cause)
            assert not isinstance(cause, ssl.SSLCertVerificationError), repr(cause)
            text = str(cause).lower()
            assert "version" in text or "protocol" in text, text
            assert "version" in str(error).lower() or "protocol" in str(error).lower()
        # The server is still there for a client that opts in to TLS 1.1.
        await round_trip("127.0.0.1", port, old_client_ctx)
