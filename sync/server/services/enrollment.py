"""Enrollment codes, device enrollment, token checks and device administration."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from sync import enrollment_file
from sync.protocol import (
    MAX_DEVICE_NAME_LENGTH,
    EnrollRequest,
    EnrollResponse,
    normalize_enrollment_code,
)
from sync.server.models import Device, EnrollmentCode
from sync.server.models.base import utcnow
from sync.server.repositories import devices as devices_repo
from sync.server.security import (
    new_enrollment_code,
    new_token,
    sha256_hex,
)
from sync.server.services import merges
from sync.server.services.errors import ErrorKind, ServiceError

MAX_VALID_HOURS = 24 * 30


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """The device a request was authenticated as."""

    id: str
    commune_code: str
    name: str


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A device as an administrator sees it."""

    id: str
    commune_code: str
    name: str
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None


def _info(device: Device) -> DeviceInfo:
    return DeviceInfo(
        id=device.id,
        commune_code=device.commune_code,
        name=device.name,
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
        revoked_at=device.revoked_at,
    )


def issue_code(
    sessions: sessionmaker[Session],
    commune_code: str,
    *,
    valid_hours: float = 72,
    now: datetime | None = None,
) -> str:
    """Create a one-time enrollment code for ``commune_code``; only its hash is stored."""
    if not 0 < valid_hours <= MAX_VALID_HOURS:
        raise ServiceError(
            ErrorKind.INVALID,
            "invalid_validity",
            f"Thời hạn mã phải lớn hơn 0 và không quá {MAX_VALID_HOURS} giờ.",
        )
    now = now or utcnow()
    code = new_enrollment_code()
    with sessions.begin() as session:
        merges.check_alive(session, commune_code)  # no new device for a dead code
        devices_repo.add_code(
            session,
            EnrollmentCode(
                code_hash=sha256_hex(normalize_enrollment_code(code)),
                commune_code=commune_code,
                created_at=now,
                expires_at=now + timedelta(hours=valid_hours),
            ),
        )
    return code


def _retried_device(
    session: Session, code: EnrollmentCode, request: EnrollRequest
) -> Device | None:
    """The device this used code made, if ``request`` is the same book retrying it."""
    if request.nonce is None or code.device_id is None:
        return None
    device = devices_repo.get(session, code.device_id)
    if (
        device is None
        or device.revoked_at is not None
        or device.enrollment_nonce_hash is None
        or device.enrollment_nonce_hash != sha256_hex(request.nonce)
    ):
        return None
    return device


def enroll(
    sessions: sessionmaker[Session], request: EnrollRequest, *, now: datetime | None = None
) -> EnrollResponse:
    """Spend a one-time code and register a new device with a fresh token.

    Safe to retry: when the answer was lost, the same book sends the same code with the same
    nonce, and (while the code is still within its lifetime) gets the device the first
    request made, with a fresh token; the token of the lost answer stops working. A used
    code with any other nonce, or none, is refused as before.
    """
    now = now or utcnow()
    code_hash = sha256_hex(normalize_enrollment_code(request.code))
    token = new_token()
    device_id = str(uuid.uuid4())
    with sessions.begin() as session:
        code = devices_repo.get_code_for_update(session, code_hash)
        if code is None:
            raise ServiceError(
                ErrorKind.FORBIDDEN,
                "enrollment_code_invalid",
                "Mã đăng ký không đúng. Hãy kiểm tra lại mã do cấp trên cấp.",
            )
        if code.commune_code != request.commune_code:
            raise ServiceError(
                ErrorKind.FORBIDDEN,
                "enrollment_code_commune",
                f"Mã đăng ký không dành cho xã {request.commune_code}. "
                "Hãy kiểm tra lại mã xã hoặc xin mã đúng xã.",
            )
        merges.check_alive(session, code.commune_code)  # a code issued before the merge
        retried = _retried_device(session, code, request) if code.used_at is not None else None
        if code.used_at is not None and retried is None:
            raise ServiceError(
                ErrorKind.FORBIDDEN,
                "enrollment_code_used",
                "Mã đăng ký này đã được dùng. Hãy xin cấp trên một mã mới.",
            )
        if code.expires_at <= now:
            raise ServiceError(
                ErrorKind.FORBIDDEN,
                "enrollment_code_expired",
                "Mã đăng ký đã hết hạn. Hãy xin cấp trên một mã mới.",
            )
        if retried is not None:
            # The same book again: same device, new token (the lost one is never valid).
            retried.token_hash = sha256_hex(token)
            return EnrollResponse(
                device_id=retried.id, token=token, commune_code=request.commune_code
            )
        devices_repo.add(
            session,
            Device(
                id=device_id,
                commune_code=code.commune_code,
                name=request.device_name,
                token_hash=sha256_hex(token),
                created_at=now,
                enrollment_nonce_hash=(
                    sha256_hex(request.nonce) if request.nonce is not None else None
                ),
            ),
        )
        # The device row must exist before the code can point to it (foreign key).
        session.flush()
        code.used_at = now
        code.device_id = device_id
    return EnrollResponse(device_id=device_id, token=token, commune_code=request.commune_code)


def register_offline(
    sessions: sessionmaker[Session],
    commune_code: str,
    device_name: str,
    *,
    server_url: str | None = None,
    now: datetime | None = None,
) -> tuple[bytes, str, str]:
    """Register a device for a commune with no connection, as an administrator's act.

    Returns the enrolment file's bytes, its one-time opening code (shown once, never stored)
    and the new device's id. The server keeps only the token's hash, as for online enrolment.
    """
    name = device_name.strip()
    if not name or len(name) > MAX_DEVICE_NAME_LENGTH or "\x00" in name:
        raise ServiceError(
            ErrorKind.INVALID,
            "invalid_device_name",
            f"Tên máy phải có từ 1 đến {MAX_DEVICE_NAME_LENGTH} ký tự.",
        )
    now = now or utcnow()
    token = new_token()
    device_id = str(uuid.uuid4())
    secret = enrollment_file.EnrollmentSecret(
        device_id=device_id, token=token, server_url=server_url or None
    )
    code = enrollment_file.new_code()
    sealed = enrollment_file.seal(
        commune_code=commune_code, device_name=name, secret=secret, code=code, created_at=now
    )
    with sessions.begin() as session:
        merges.check_alive(session, commune_code)
        devices_repo.add(
            session,
            Device(
                id=device_id,
                commune_code=commune_code,
                name=name,
                token_hash=sha256_hex(token),
                created_at=now,
            ),
        )
    return sealed, code, device_id


def authenticate(sessions: sessionmaker[Session], token: str) -> DeviceIdentity:
    """The live device holding ``token``, or an UNAUTHENTICATED error."""
    with sessions() as session:
        device = devices_repo.get_by_token_hash(session, sha256_hex(token))
        if device is None:
            raise ServiceError(
                ErrorKind.UNAUTHENTICATED,
                "token_invalid",
                "Máy này chưa đăng ký với máy chủ hoặc mã xác thực không đúng. "
                "Hãy đăng ký lại bằng mã do cấp trên cấp.",
            )
        if device.revoked_at is not None:
            raise ServiceError(
                ErrorKind.UNAUTHENTICATED,
                "device_revoked",
                "Máy này đã bị thu hồi quyền đồng bộ. Hãy liên hệ cấp trên để đăng ký lại.",
            )
        return DeviceIdentity(id=device.id, commune_code=device.commune_code, name=device.name)


def list_devices(sessions: sessionmaker[Session], commune_code: str) -> list[DeviceInfo]:
    """Every device ever enrolled for the commune, revoked ones included."""
    with sessions() as session:
        return [_info(d) for d in devices_repo.list_for_commune(session, commune_code)]


def revoke_device(
    sessions: sessionmaker[Session], device_id: str, *, now: datetime | None = None
) -> DeviceInfo:
    """Stop a device's token from working (its data stays); idempotent."""
    now = now or utcnow()
    with sessions.begin() as session:
        device = devices_repo.get(session, device_id)
        if device is None:
            raise ServiceError(
                ErrorKind.NOT_FOUND, "device_not_found", f"Không có máy nào mang mã {device_id}."
            )
        if device.revoked_at is None:
            device.revoked_at = now
        return _info(device)
