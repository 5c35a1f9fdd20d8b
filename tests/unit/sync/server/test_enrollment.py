"""Enrollment codes (single use, expiry, commune), tokens (hashed, revocable), auth errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sync import clock
from sync.server.models import Device, EnrollmentCode
from sync.server.security import CODE_ALPHABET, sha256_hex
from sync.server.services import enrollment
from sync.server.services.errors import ServiceError
from sync.server.settings import ServerSettings
from tests.unit.sync.server.support import EnrolledDevice, batch, item, push

CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")


def _enroll(http: TestClient, code: str, commune: str = "12345") -> tuple[int, dict[str, str]]:
    response = http.post(
        "/api/v1/enroll", json={"code": code, "commune_code": commune, "device_name": "Máy 1"}
    )
    return response.status_code, response.json()


def test_code_has_a_readable_shape(sessions: sessionmaker[Session]) -> None:
    codes = {enrollment.issue_code(sessions, "12345") for _ in range(20)}
    assert len(codes) == 20
    assert all(CODE_RE.fullmatch(code) for code in codes)


def test_enroll_gives_a_token_bound_to_the_commune(
    http: TestClient, sessions: sessionmaker[Session]
) -> None:
    code = enrollment.issue_code(sessions, "12345")
    status, body = _enroll(http, code)
    assert status == 200
    assert body["commune_code"] == "12345"
    assert len(body["token"]) >= 40
    with sessions() as session:
        device = session.get(Device, body["device_id"])
        assert device is not None
        assert device.commune_code == "12345"
        assert device.name == "Máy 1"
        assert device.token_hash == sha256_hex(body["token"])
        used = session.execute(select(EnrollmentCode)).scalar_one()
        assert used.used_at is not None
        assert used.device_id == body["device_id"]


def test_secrets_are_not_stored_in_clear(
    http: TestClient, sessions: sessionmaker[Session], settings: ServerSettings, tmp_path: Path
) -> None:
    if not settings.db_url.startswith("sqlite"):
        pytest.skip("reads the SQLite file's bytes")
    code = enrollment.issue_code(sessions, "12345")
    _status, body = _enroll(http, code)
    files = b"".join(p.read_bytes() for p in tmp_path.glob("server.db*"))
    assert body["token"].encode() not in files
    assert code.encode() not in files
    assert code.replace("-", "").encode() not in files


def test_code_is_single_use(http: TestClient, sessions: sessionmaker[Session]) -> None:
    code = enrollment.issue_code(sessions, "12345")
    assert _enroll(http, code)[0] == 200
    status, body = _enroll(http, code)
    assert status == 403
    assert body["code"] == "enrollment_code_used"
    assert "đã được dùng" in body["detail"]


def test_code_is_typed_forgivingly(http: TestClient, sessions: sessionmaker[Session]) -> None:
    code = enrollment.issue_code(sessions, "12345")
    assert _enroll(http, " " + code.replace("-", " ").lower() + " ")[0] == 200


def test_expired_code_is_refused(http: TestClient, sessions: sessionmaker[Session]) -> None:
    long_ago = clock.now() - timedelta(hours=73)
    code = enrollment.issue_code(sessions, "12345", now=long_ago)
    status, body = _enroll(http, code)
    assert (status, body["code"]) == (403, "enrollment_code_expired")
    assert "hết hạn" in body["detail"]


def test_code_is_valid_until_it_expires(sessions: sessionmaker[Session]) -> None:
    issued = datetime(2025, 1, 1, tzinfo=UTC)
    code = enrollment.issue_code(sessions, "12345", valid_hours=2, now=issued)
    from sync.protocol import EnrollRequest

    request = EnrollRequest(code=code, commune_code="12345", device_name="A")
    with pytest.raises(ServiceError) as refused:
        enrollment.enroll(sessions, request, now=issued + timedelta(hours=2))
    assert refused.value.code == "enrollment_code_expired"
    answer = enrollment.enroll(sessions, request, now=issued + timedelta(hours=1, minutes=59))
    assert answer.commune_code == "12345"


def test_code_of_another_commune_is_refused(
    http: TestClient, sessions: sessionmaker[Session]
) -> None:
    code = enrollment.issue_code(sessions, "12345")
    status, body = _enroll(http, code, commune="54321")
    assert (status, body["code"]) == (403, "enrollment_code_commune")
    # A refused attempt does not spend the code.
    assert _enroll(http, code)[0] == 200


def test_unknown_code_is_refused(http: TestClient) -> None:
    status, body = _enroll(http, "AAAA-BBBB-CCCC")
    assert (status, body["code"]) == (403, "enrollment_code_invalid")


def test_malformed_enroll_request_names_the_field(http: TestClient) -> None:
    status, body = _enroll(http, "AAAA-BBBB-CCCC", commune="1234")
    assert status == 400
    assert "commune_code" in body["detail"]
    assert "5 chữ số" in body["detail"]


@pytest.mark.parametrize("hours", [0, -1, 24 * 31])
def test_validity_is_bounded(sessions: sessionmaker[Session], hours: float) -> None:
    with pytest.raises(ServiceError):
        enrollment.issue_code(sessions, "12345", valid_hours=hours)


def test_missing_token_is_401(http: TestClient, device: EnrolledDevice) -> None:
    response = http.post("/api/v1/communes/12345/push", json=batch(device, item()))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "token_missing"


def test_unknown_token_is_401(http: TestClient, device: EnrolledDevice) -> None:
    impostor = EnrolledDevice(device.device_id, "khong-phai-ma-that", "12345")
    response = push(http, impostor, batch(device, item()))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_other_communes_token_is_403(
    http: TestClient, enroll: Callable[[str], EnrolledDevice]
) -> None:
    ours, theirs = enroll("12345"), enroll("54321")
    response = push(http, theirs, batch(ours, item()), commune="12345")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "commune_mismatch"
    assert "54321" in body["detail"]


def test_revoked_device_is_401(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    assert push(http, device, batch(device, item())).status_code == 200
    enrollment.revoke_device(sessions, device.device_id)
    response = push(http, device, batch(device, item()))
    assert response.status_code == 401
    assert response.json()["code"] == "device_revoked"


def test_revoking_an_unknown_device_fails(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ServiceError) as refused:
        enrollment.revoke_device(sessions, "khong-co")
    assert refused.value.code == "device_not_found"


def test_an_enrollment_file_registers_a_device_whose_token_works(
    sessions: sessionmaker[Session],
) -> None:
    from sync import enrollment_file

    sealed, code, device_id = enrollment.register_offline(
        sessions, "12345", "  Máy UBND xã  ", server_url="https://dongbo.tinh.gov.vn"
    )
    header, secret = enrollment_file.open_file(sealed, code)
    assert (header.commune_code, header.device_name, secret.device_id) == (
        "12345", "Máy UBND xã", device_id,
    )  # fmt: skip
    assert secret.server_url == "https://dongbo.tinh.gov.vn"
    identity = enrollment.authenticate(sessions, secret.token)
    assert (identity.id, identity.commune_code) == (device_id, "12345")
    with sessions() as session:
        stored = session.get(Device, device_id)
        assert stored is not None and stored.token_hash == sha256_hex(secret.token)
        assert secret.token not in {stored.token_hash, stored.name}
    # Revoked like any other device.
    enrollment.revoke_device(sessions, device_id)
    with pytest.raises(ServiceError):
        enrollment.authenticate(sessions, secret.token)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tên\x00máy"])
def test_an_enrollment_file_needs_a_device_name(sessions: sessionmaker[Session], name: str) -> None:
    with pytest.raises(ServiceError, match="Tên máy"):
        enrollment.register_offline(sessions, "12345", name)
    with sessions() as session:
        assert session.scalars(select(Device)).all() == []


# -- a lost enrolment answer is retried safely (the same book, the same nonce) -------------

NONCE = "n" * 43
OTHER_NONCE = "o" * 43


def _enroll_with(
    http: TestClient, code: str, nonce: str | None, commune: str = "12345"
) -> tuple[int, dict[str, str]]:
    body = {"code": code, "commune_code": commune, "device_name": "Máy 1"}
    if nonce is not None:
        body["nonce"] = nonce
    response = http.post("/api/v1/enroll", json=body)
    return response.status_code, response.json()


def test_a_retry_with_the_same_nonce_gets_the_same_device_and_a_new_token(
    http: TestClient, sessions: sessionmaker[Session]
) -> None:
    code = enrollment.issue_code(sessions, "12345")
    status, lost = _enroll_with(http, code, NONCE)
    assert status == 200
    # The answer was lost; the book sends the same code and nonce again (typed differently).
    status, again = _enroll_with(http, code.replace("-", " ").lower(), NONCE)
    assert status == 200
    assert again["device_id"] == lost["device_id"]
    assert again["token"] != lost["token"]
    with sessions() as session:
        devices = session.execute(select(Device)).scalars().all()
        assert [d.id for d in devices] == [lost["device_id"]]
        assert devices[0].token_hash == sha256_hex(again["token"])
        assert devices[0].enrollment_nonce_hash == sha256_hex(NONCE)
        assert NONCE not in {d.enrollment_nonce_hash for d in devices}
    # The token of the lost answer no longer works; the new one does.
    old = EnrolledDevice(lost["device_id"], lost["token"], "12345")
    new = EnrolledDevice(again["device_id"], again["token"], "12345")
    assert push(http, old, batch(old, item())).status_code == 401
    assert push(http, new, batch(new, item())).status_code == 200


@pytest.mark.parametrize("nonce", [OTHER_NONCE, None])
def test_a_used_code_with_another_nonce_or_none_is_still_refused(
    http: TestClient, sessions: sessionmaker[Session], nonce: str | None
) -> None:
    code = enrollment.issue_code(sessions, "12345")
    assert _enroll_with(http, code, NONCE)[0] == 200
    status, body = _enroll_with(http, code, nonce)
    assert (status, body["code"]) == (403, "enrollment_code_used")
    with sessions() as session:
        assert len(session.execute(select(Device)).scalars().all()) == 1


def test_a_code_used_without_a_nonce_cannot_be_claimed_by_one(
    http: TestClient, sessions: sessionmaker[Session]
) -> None:
    # An older client sent no nonce: nobody can later take its device by adding one.
    code = enrollment.issue_code(sessions, "12345")
    assert _enroll_with(http, code, None)[0] == 200
    status, body = _enroll_with(http, code, NONCE)
    assert (status, body["code"]) == (403, "enrollment_code_used")


def test_a_retry_after_the_code_expired_is_refused(sessions: sessionmaker[Session]) -> None:
    from sync.protocol import EnrollRequest

    issued = clock.now() - timedelta(hours=1)
    code = enrollment.issue_code(sessions, "12345", valid_hours=2, now=issued)
    request = EnrollRequest(code=code, commune_code="12345", device_name="A", nonce=NONCE)
    first = enrollment.enroll(sessions, request, now=issued + timedelta(minutes=5))
    again = enrollment.enroll(sessions, request, now=issued + timedelta(hours=1, minutes=59))
    assert again.device_id == first.device_id
    with pytest.raises(ServiceError) as refused:
        enrollment.enroll(sessions, request, now=issued + timedelta(hours=2))
    assert refused.value.code == "enrollment_code_expired"


def test_a_retry_of_a_revoked_device_or_another_commune_is_refused(
    http: TestClient, sessions: sessionmaker[Session]
) -> None:
    code = enrollment.issue_code(sessions, "12345")
    status, body = _enroll_with(http, code, NONCE)
    assert status == 200
    assert _enroll_with(http, code, NONCE, commune="54321")[1]["code"] == "enrollment_code_commune"
    enrollment.revoke_device(sessions, body["device_id"])
    status, refused = _enroll_with(http, code, NONCE)
    assert (status, refused["code"]) == (403, "enrollment_code_used")


@pytest.mark.parametrize("nonce", ["short", "x" * 65, "é" * 43, "a b" * 15])
def test_a_malformed_nonce_is_refused_naming_the_field(
    http: TestClient, sessions: sessionmaker[Session], nonce: str
) -> None:
    code = enrollment.issue_code(sessions, "12345")
    status, body = _enroll_with(http, code, nonce)
    assert status == 400
    assert "nonce" in body["detail"]
    # Nothing was spent.
    assert _enroll_with(http, code, NONCE)[0] == 200
