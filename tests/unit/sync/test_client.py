"""SyncClient against a real local HTTP(S) server that answers what each test scripts."""

from __future__ import annotations

import gzip
import json
import lzma
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sync.client import (
    AuthRefused,
    CertificateRejected,
    InvalidServerAddress,
    ProtocolMismatch,
    RequestRejected,
    ServerFailure,
    ServerUnreachable,
    SyncClient,
    SyncError,
)
from sync.protocol import PushRequest, RecordItem


@dataclass
class Script:
    """What the stub answers next, and what it received."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0
    received: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    # Answers (status, body) to give first, one per request, before ``status``/``body``.
    queued: list[tuple[int, bytes]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    script: Script

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.script.received.append((self.command, self.path, dict(self.headers), raw))
        time.sleep(self.script.delay)
        status, body = (
            self.script.queued.pop(0)
            if self.script.queued
            else (self.script.status, self.script.body)
        )
        try:
            self.send_response(status)
            for name, value in self.script.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test): that is the point

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


@dataclass
class Stub:
    """A running stub server."""

    url: str
    script: Script


def _serve(context: ssl.SSLContext | None = None) -> Iterator[Stub]:
    script = Script()
    handler = type("Handler", (_Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    scheme = "http"
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    # A short poll interval keeps shutdown (once per test) quick.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield Stub(f"{scheme}://127.0.0.1:{server.server_address[1]}", script)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def stub() -> Iterator[Stub]:
    """A plain-HTTP stub on 127.0.0.1."""
    yield from _serve()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(items: int = 2) -> PushRequest:
    return PushRequest(
        batch_id=str(uuid.uuid4()),
        commune_code="12345",
        device_id=str(uuid.uuid4()),
        items=[
            RecordItem(
                table="persons",
                id=str(uuid.uuid4()),
                version=1,
                base_version=0,
                updated_at=datetime(2025, 1, 1, tzinfo=UTC),
                updated_by="u",
                data={"full_name": "Trần Thị Bé"},
            )
            for _ in range(items)
        ],
    )


def _answer_for(request: PushRequest, **changes: Any) -> bytes:
    body: dict[str, Any] = {
        "batch_id": request.batch_id,
        "statuses": "a" * len(request.items),
        "server_time": "2025-01-01T00:00:00Z",
    }
    body.update(changes)
    return json.dumps(body).encode()


def _error(detail: str, code: str) -> bytes:
    return json.dumps({"detail": detail, "code": code}).encode()


@pytest.mark.parametrize(
    "url",
    [
        "",
        "dongbo.tinh.gov.vn",
        "ftp://dongbo.tinh.gov.vn",
        "http://",
        "https:///api",
        "http://user:pass@dongbo.tinh.gov.vn",
        "http://dongbo.tinh.gov.vn:99999",
        "http://dongbo.tinh.gov.vn/?x=1",
        "javascript:alert(1)",
    ],
)
def test_bad_server_address_is_refused(url: str) -> None:
    with pytest.raises(InvalidServerAddress) as refused:
        SyncClient(url)
    assert "không hợp lệ" in refused.value.message_vi
    assert isinstance(refused.value, SyncError)


def test_good_addresses_are_normalised() -> None:
    assert SyncClient(" https://a.gov.vn/sotreem/ ").base_url == "https://a.gov.vn/sotreem"
    assert SyncClient("HTTP://127.0.0.1:8765").base_url == "HTTP://127.0.0.1:8765"


def test_push_sends_xz_json_with_bearer_token(stub: Stub) -> None:
    request = _request()
    stub.script.body = _answer_for(request)
    with SyncClient(stub.url, "bi-mat") as client:
        answer = client.push(request)
        assert client.counters.requests == 1 and client.counters.bytes_sent > 300
    assert [r.status for r in answer.results(request.items)] == ["applied", "applied"]
    [(method, path, headers, raw)] = stub.script.received
    assert (method, path) == ("POST", "/api/v1/communes/12345/push")
    assert headers["Authorization"] == "Bearer bi-mat"
    assert headers["Content-Encoding"] == "xz"
    assert headers["Content-Type"] == "application/json"
    assert PushRequest.model_validate_json(lzma.decompress(raw)) == request


def test_a_server_without_xz_gets_gzip(stub: Stub) -> None:
    request = _request()
    refused = _error("Máy chủ không nhận dữ liệu nén kiểu 'xz'.", "unsupported_encoding")
    stub.script.queued = [(415, refused)]
    stub.script.body = _answer_for(request)
    with SyncClient(stub.url, "t") as client:
        client.push(request)
        client.push(request)
    encodings = [headers["Content-Encoding"] for _m, _p, headers, _r in stub.script.received]
    assert encodings == ["xz", "gzip", "gzip"]
    assert PushRequest.model_validate_json(gzip.decompress(stub.script.received[1][3])) == request


def test_push_without_token_sends_nothing(stub: Stub) -> None:
    with pytest.raises(AuthRefused) as refused:
        SyncClient(stub.url).push(_request())
    assert refused.value.code == "token_missing"
    assert stub.script.received == []


def test_base_path_of_a_reverse_proxy_is_kept(stub: Stub) -> None:
    stub.script.body = json.dumps(
        {"protocol_version": 1, "server_time": "2025-01-01T00:00:00Z", "name": "Tỉnh"}
    ).encode()
    assert SyncClient(stub.url + "/sotreem/").info().name == "Tỉnh"
    assert stub.script.received[0][1] == "/sotreem/api/v1/info"


def test_info_from_another_protocol_version_is_a_mismatch(stub: Stub) -> None:
    stub.script.body = json.dumps(
        {"protocol_version": 2, "server_time": "2025-01-01T00:00:00Z", "name": "x"}
    ).encode()
    with pytest.raises(ProtocolMismatch) as mismatch:
        SyncClient(stub.url).info()
    assert "cập nhật phần mềm" in mismatch.value.message_vi


def test_enroll(stub: Stub) -> None:
    stub.script.body = json.dumps(
        {"device_id": str(uuid.uuid4()), "token": "t", "commune_code": "12345"}
    ).encode()
    answer = SyncClient(stub.url).enroll("ABCD-EFGH-JKMN", "12345", "Máy 1")
    assert answer.token == "t"
    [(_method, path, headers, raw)] = stub.script.received
    assert path == "/api/v1/enroll"
    assert "Authorization" not in headers
    assert json.loads(lzma.decompress(raw))["code"] == "ABCD-EFGH-JKMN"


def test_enroll_with_bad_input_sends_nothing(stub: Stub) -> None:
    with pytest.raises(RequestRejected) as refused:
        SyncClient(stub.url).enroll("ABCD", "123", "Máy 1")
    assert "commune_code" in refused.value.message_vi
    assert stub.script.received == []


def test_connection_refused_is_unreachable() -> None:
    with pytest.raises(ServerUnreachable) as offline:
        SyncClient(f"http://127.0.0.1:{_free_port()}", "t").push(_request())
    assert "thử lại sau" in offline.value.message_vi


def test_timeout_is_unreachable(stub: Stub) -> None:
    stub.script.delay = 1.0
    with pytest.raises(ServerUnreachable):
        SyncClient(stub.url, "t", timeout=(2, 0.2)).push(_request())


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (401, _error("Máy này đã bị thu hồi", "device_revoked"), AuthRefused, "device_revoked"),
        (403, _error("Chỉ xã 54321", "commune_mismatch"), AuthRefused, "commune_mismatch"),
        (403, b"<html>Forbidden</html>", AuthRefused, "http_403"),
        (409, _error("Mã lô đã dùng", "batch_id_taken"), RequestRejected, "batch_id_taken"),
        (413, b"<html>Too large</html>", RequestRejected, "http_413"),
    ],
)
def test_refusals_carry_the_servers_reason(
    stub: Stub, status: int, body: bytes, error: type[SyncError], code: str
) -> None:
    stub.script.status, stub.script.body = status, body
    with pytest.raises(error) as refused:
        SyncClient(stub.url, "t").push(_request())
    assert refused.value.code == code  # type: ignore[attr-defined]
    assert refused.value.status_code == status  # type: ignore[attr-defined]
    if body.startswith(b"{"):
        assert refused.value.message_vi == json.loads(body)["detail"]


def test_protocol_mismatch_answer(stub: Stub) -> None:
    stub.script.status = 400
    stub.script.body = _error("Phiên bản giao thức 1 không được hỗ trợ", "protocol_mismatch")
    with pytest.raises(ProtocolMismatch):
        SyncClient(stub.url, "t").push(_request())


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, _error("Máy chủ gặp lỗi nội bộ", "internal_error")),
        (502, b"<html>Bad gateway</html>"),
        (200, b"not json"),
        (200, b'{"batch_id": 1}'),
        (302, b""),
    ],
)
def test_server_failures(stub: Stub, status: int, body: bytes) -> None:
    stub.script.status, stub.script.body = status, body
    if status == 302:
        stub.script.headers = {"Location": "https://elsewhere.example/"}
    with pytest.raises(ServerFailure):
        SyncClient(stub.url, "t").push(_request())
    assert len(stub.script.received) == 1  # one request, no hidden retries or redirects


@pytest.mark.parametrize(
    "changes",
    [
        {"batch_id": str(uuid.uuid4())},
        {"statuses": ""},
        {"statuses": "aaa"},
    ],
)
def test_answer_for_another_batch_is_a_failure(stub: Stub, changes: dict[str, Any]) -> None:
    request = _request()
    stub.script.body = _answer_for(request, **changes)
    with pytest.raises(ServerFailure):
        SyncClient(stub.url, "t").push(request)


def test_problem_details_must_name_the_item_they_answer(stub: Stub) -> None:
    request = _request()
    first, second = request.items
    # The detail of item 0 names item 1: applying it would mark the wrong row.
    problem = {"index": 0, "table": second.table, "id": second.id, "status": "rejected"}
    stub.script.body = _answer_for(request, statuses="ra", problems=[problem])
    with pytest.raises(ServerFailure):
        SyncClient(stub.url, "t").push(request)
    problem["id"] = first.id
    stub.script.body = _answer_for(request, statuses="ra", problems=[problem])
    answer = SyncClient(stub.url, "t").push(request)
    assert [r.status for r in answer.results(request.items)] == ["rejected", "applied"]


# --- TLS: a throw-away CA and a server certificate for 127.0.0.1 ---------------------------


@dataclass
class _Pki:
    ca_file: Path
    context: ssl.SSLContext


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> _Pki:
    """A CA and a certificate it signed for 127.0.0.1, as a server-side SSL context."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("pki")
    now = datetime.now(UTC)  # noqa: TID251 - TLS checks certificates against the real wall clock
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA tỉnh")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file = folder / "server.pem"
    cert_file.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file)
    return _Pki(ca_file, context)


@pytest.fixture
def tls_stub(pki: _Pki) -> Iterator[Stub]:
    """An HTTPS stub whose certificate only the test CA vouches for."""
    yield from _serve(pki.context)


def _info_body() -> bytes:
    return json.dumps(
        {"protocol_version": 1, "server_time": "2025-01-01T00:00:00Z", "name": "TLS"}
    ).encode()


def test_unknown_certificate_is_rejected(tls_stub: Stub) -> None:
    tls_stub.script.body = _info_body()
    with pytest.raises(CertificateRejected) as rejected:
        SyncClient(tls_stub.url, timeout=(5, 5)).info()
    assert "chứng chỉ" in rejected.value.message_vi
    assert tls_stub.script.received == []


def test_certificate_from_the_given_ca_bundle_is_trusted(tls_stub: Stub, pki: _Pki) -> None:
    tls_stub.script.body = _info_body()
    client = SyncClient(tls_stub.url, timeout=(5, 5), ca_bundle=str(pki.ca_file))
    assert client.info().name == "TLS"


def _decision(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": 7,
        "report_id": str(uuid.uuid4()),
        "period_code": "2026-H1",
        "report_version": 1,
        "decision": "returned",
        "comment": "CT14 chưa khớp sổ",
        "decided_by": "Cán bộ tỉnh (duyet.tinh)",
        "decided_at": "2026-07-20T09:00:00+07:00",
    }
    body.update(changes)
    return body


def _decisions(*decisions: dict[str, Any], next_after: int | None = None) -> bytes:
    last = decisions[-1]["id"] if decisions else 0
    # ASCII JSON: a lone surrogate travels as the escape "\\ud800", as a hostile server sends it.
    return json.dumps(
        {"decisions": list(decisions), "next_after": last if next_after is None else next_after}
    ).encode()


def test_report_decisions_are_asked_after_the_cursor(stub: Stub) -> None:
    stub.script.body = _decisions(_decision(id=7), _decision(id=9, decision="approved"))
    with SyncClient(stub.url, "tok") as client:
        page = client.report_decisions("12345", 6, 50)
    method, path, headers, _body = stub.script.received[0]
    assert (method, path) == ("GET", "/api/v1/communes/12345/report-decisions?after=6&limit=50")
    assert headers["Authorization"] == "Bearer tok"
    assert [d.id for d in page.decisions] == [7, 9] and page.next_after == 9
    assert page.decisions[0].comment == "CT14 chưa khớp sổ"
    assert page.decisions[0].decided_at == datetime(2026, 7, 20, 2, tzinfo=UTC)


def test_report_decisions_without_token_sends_nothing(stub: Stub) -> None:
    with SyncClient(stub.url) as client, pytest.raises(AuthRefused):
        client.report_decisions("12345", 0)
    assert stub.script.received == []


@pytest.mark.parametrize(
    ("decision", "field"),
    [
        ({"decided_at": "2026-07-20T09:00:00"}, "decided_at"),
        ({"decided_at": "9999-12-31T23:59:00+07:00"}, "decided_at"),
        ({"comment": "\ud800"}, "comment"),
        ({"comment": "x" * 4001}, "comment"),
        ({"decided_by": "\x00"}, "decided_by"),
        ({"decision": "deleted"}, "decision"),
        ({"period_code": "2026-Q1"}, "period_code"),
        ({"report_id": "not-a-uuid"}, "report_id"),
        ({"report_version": 0}, "report_version"),
        ({"id": 2**31}, "id"),
    ],
)
def test_hostile_report_decisions_are_refused_naming_the_field(
    stub: Stub, decision: dict[str, Any], field: str
) -> None:
    stub.script.body = _decisions(_decision(**decision), next_after=7)
    with SyncClient(stub.url, "tok") as client, pytest.raises(ServerFailure) as caught:
        client.report_decisions("12345", 0)
    assert f"decisions[0].{field}" in caught.value.message_vi
    assert "không có dữ liệu nào được ghi" in caught.value.message_vi


@pytest.mark.parametrize(
    "body",
    [
        _decisions(_decision(id=5)),  # not after the cursor (6)
        _decisions(_decision(id=9), _decision(id=8)),  # out of order
        _decisions(_decision(id=9), _decision(id=9)),  # twice
        _decisions(_decision(id=9), next_after=8),  # cursor behind the page
    ],
)
def test_report_decisions_out_of_order_are_a_failure(stub: Stub, body: bytes) -> None:
    stub.script.body = body
    with SyncClient(stub.url, "tok") as client, pytest.raises(ServerFailure) as caught:
        client.report_decisions("12345", 6)
    assert "không đúng thứ tự" in caught.value.message_vi
