"""Fixtures of the hardening tests: a trustme CA and TLS contexts; sizes are
in stress_support.py (``TRIO_STRESS=1`` for the large ones)."""

from __future__ import annotations

import ssl

import pytest
import trustme
from stress_support import STRESS


def pytest_report_header() -> str:
    return f"trio stress sizes: {'LARGE (TRIO_STRESS=1)' if STRESS else 'reduced'}"


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("localhost", "127.0.0.1", "::1")


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
