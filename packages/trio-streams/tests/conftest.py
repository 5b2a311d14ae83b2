"""Fixtures of the trio-streams tests: a trustme CA and TLS contexts."""

from __future__ import annotations

import ssl

import pytest
import trustme

#: The name in the test server's certificate.
SERVER_NAME = "trio-test.example"


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert(SERVER_NAME, "localhost", "127.0.0.1", "::1")


@pytest.fixture
def server_ctx(server_cert: trustme.LeafCert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(ctx)
    return ctx


@pytest.fixture
def client_ctx(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx
