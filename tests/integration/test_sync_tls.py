"""TLS: the book syncs with the real server behind uvicorn's TLS on 127.0.0.1, verifying it.

The certificates are made here with ``cryptography``: an upstream CA of its own (not a public
one) and the server's certificate for 127.0.0.1. The book refuses the server until it is told
to trust that CA (a setting kept in the book), and refuses a server whose certificate another
CA signed, whatever it trusts.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from desktop.core.services.book import Book
from desktop.core.sync_service import SyncService
from sync.client import CertificateRejected
from sync.retry import RetryPolicy
from sync.server.app import create_app
from sync.server.services import enrollment
from sync.server.settings import ServerSettings
from tests.unit.core.sync.conftest import free_port
from tests.unit.core.sync.helpers import add_household

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)


@dataclass
class Authority:
    """A CA: its certificate (PEM) and key."""

    pem: str
    key: ec.EllipticCurvePrivateKey
    name: x509.Name


def _authority(common_name: str) -> Authority:
    now = datetime.now(UTC)  # noqa: TID251 - TLS checks certificates against the real wall clock
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), key, name)


def _server_cert(ca: Authority, folder: Path) -> tuple[Path, Path]:
    now = datetime.now(UTC)  # noqa: TID251 - TLS checks certificates against the real wall clock
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca.key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.crt", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class TlsServer:
    """The real server app on https://127.0.0.1:PORT."""

    url: str
    app: object
    ca: Authority


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TlsServer]:
    """The server behind uvicorn's TLS, with a certificate from a CA of its own."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    ca = _authority("CA riêng của Sở LĐ-TB&XH (thử nghiệm)")
    cert_file, key_file = _server_cert(ca, tmp_path)
    app = create_app(ServerSettings(db_url=f"sqlite:///{tmp_path / 's.db'}", home=tmp_path))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_certfile=str(cert_file),
            ssl_keyfile=str(key_file),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "TLS server did not start"
        time.sleep(0.01)
    try:
        yield TlsServer(f"https://127.0.0.1:{port}", app, ca)
    finally:
        server.should_exit = True
        thread.join(10)


def _code(server: TlsServer) -> str:
    return enrollment.issue_code(server.app.state.sessions, "12345")  # type: ignore[attr-defined]


def test_the_book_verifies_the_server_and_trusts_only_the_configured_ca(
    book: Book, hamlet_id: str, tls_server: TlsServer
) -> None:
    add_household(book, hamlet_id, "1")
    service = SyncService(book, retry=FAST)
    # The system's CAs do not know the upstream's own CA: nothing is sent.
    with pytest.raises(CertificateRejected) as refused:
        service.enroll(tls_server.url, _code(tls_server))
    assert "chứng chỉ" in refused.value.message_vi
    # Another CA's certificate is not enough either.
    service.set_ca_bundle(_authority("CA khác").pem)
    with pytest.raises(CertificateRejected):
        service.enroll(tls_server.url, _code(tls_server))
    # With the upstream's CA kept in the book's settings, enrolment and sync work.
    service.set_ca_bundle(tls_server.ca.pem)
    assert service.status().has_ca_bundle
    service.enroll(tls_server.url, _code(tls_server))
    outcome = service.sync()
    assert (outcome.applied, outcome.remaining) == (3, 0)
    # And a later certificate problem is a clear failure, not "offline", with nothing lost.
    service.set_ca_bundle(_authority("CA khác nữa").pem)
    add_household(book, hamlet_id, "2")
    failed = service.sync()
    assert failed.failed and not failed.offline
    assert "chứng chỉ" in failed.message_vi
    assert failed.remaining == 2
