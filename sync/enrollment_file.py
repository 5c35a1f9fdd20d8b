"""The enrolment file: how a commune with no connection at all gets its device token.

Upstream registers the commune's computer with ``sotreem-server enrollment-file``, which writes
this file and prints a one-time opening code once. The file travels like a transfer file (USB
stick, Zalo); the code travels separately (read over the phone), so the file alone opens
nothing. Inside, sealed with AES-256-GCM under a key derived from the code (scrypt), are the
device id and token the book then uses for transfer files (and for online sync, once a server
address is known). The header (commune, device name, date) is in clear but authenticated.

Layout: ``MAGIC`` line, one line of header JSON, then the ciphertext (with its GCM tag).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from datetime import datetime
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from sync.protocol import (
    MAX_DEVICE_NAME_LENGTH,
    CommuneCode,
    UtcDatetime,
    UuidStr,
)

MAGIC: Final = b"SOTREEM-ENROLL-1\n"
FORMAT_VERSION: Final = 1
MAX_FILE_BYTES: Final = 64 * 1024
# No I, L, O, 0 or 1: the code is read over the phone and typed.
CODE_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH: Final = 20  # 31**20 ≈ 2**99: a stolen file cannot be opened by guessing
CODE_GROUP: Final = 4
_SALT_BYTES: Final = 16
_NONCE_BYTES: Final = 12
# scrypt at 32 MiB: about a tenth of a second on an old PC, per guess for an attacker.
_SCRYPT_N: Final = 2**15
_SCRYPT_R: Final = 8


class EnrollmentFileError(Exception):
    """An enrolment file that cannot be used; ``message_vi`` says why and what to do."""

    def __init__(self, message_vi: str, code: str) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi
        self.code = code


class EnrollmentHeader(BaseModel):
    """What the file says about itself, in clear (authenticated)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: StrictInt
    commune_code: CommuneCode
    device_name: StrictStr = Field(min_length=1, max_length=MAX_DEVICE_NAME_LENGTH)
    created_at: UtcDatetime
    salt: StrictStr
    nonce: StrictStr


class EnrollmentSecret(BaseModel):
    """The sealed part: the device's identity and token, and the server address if known."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    device_id: UuidStr
    token: StrictStr = Field(min_length=16, max_length=200)
    server_url: StrictStr | None = Field(default=None, max_length=500)


def new_code() -> str:
    """A fresh opening code, grouped for reading aloud: ``K7QM-2XBD-…`` (20 characters)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def normalize_code(code: str) -> str:
    """The code as used for the key: upper case, without the spaces and dashes people add."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def _key(code: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=1)
    return kdf.derive(normalize_code(code).encode("ascii", "replace"))


def _not_an_enrollment_file() -> EnrollmentFileError:
    return EnrollmentFileError(
        "Đây không phải tệp đăng ký máy của Sổ Trẻ Em, hoặc tệp đã bị hỏng (chép thiếu, bị "
        "sửa). Hãy xin cấp trên gửi lại tệp.",
        "enrollment_file_damaged",
    )


def seal(
    *,
    commune_code: str,
    device_name: str,
    secret: EnrollmentSecret,
    code: str,
    created_at: datetime,
) -> bytes:
    """The file's bytes: ``secret`` sealed for whoever holds ``code``."""
    salt = os.urandom(_SALT_BYTES)
    nonce = os.urandom(_NONCE_BYTES)
    header = EnrollmentHeader(
        format_version=FORMAT_VERSION,
        commune_code=commune_code,
        device_name=device_name,
        created_at=created_at,
        salt=base64.b64encode(salt).decode("ascii"),
        nonce=base64.b64encode(nonce).decode("ascii"),
    )
    header_line = header.model_dump_json().encode("utf-8") + b"\n"
    ciphertext = AESGCM(_key(code, salt)).encrypt(
        nonce, secret.model_dump_json().encode("utf-8"), MAGIC + header_line
    )
    return MAGIC + header_line + ciphertext


def read_header(data: bytes) -> EnrollmentHeader:
    """The clear header of a file (not yet authenticated: ``open_file`` checks it)."""
    if len(data) > MAX_FILE_BYTES or not data.startswith(MAGIC):
        raise _not_an_enrollment_file()
    line, sep, _rest = data[len(MAGIC) :].partition(b"\n")
    if not sep:
        raise _not_an_enrollment_file()
    try:
        header = EnrollmentHeader.model_validate_json(line)
    except ValidationError as exc:
        raise _not_an_enrollment_file() from exc
    if header.format_version != FORMAT_VERSION:
        raise EnrollmentFileError(
            "Tệp đăng ký này do phiên bản máy chủ mới hơn tạo ra. Hãy cập nhật Sổ Trẻ Em.",
            "enrollment_file_version",
        )
    return header


def open_file(data: bytes, code: str) -> tuple[EnrollmentHeader, EnrollmentSecret]:
    """Header and secret of a file; EnrollmentFileError if damaged or the code is wrong."""
    header = read_header(data)
    line_end = data.index(b"\n", len(MAGIC)) + 1
    try:
        salt = base64.b64decode(header.salt, validate=True)
        nonce = base64.b64decode(header.nonce, validate=True)
    except ValueError as exc:
        raise _not_an_enrollment_file() from exc
    if len(salt) != _SALT_BYTES or len(nonce) != _NONCE_BYTES:
        raise _not_an_enrollment_file()
    if len(normalize_code(code)) != CODE_LENGTH:
        raise EnrollmentFileError(
            f"Mã mở tệp phải có {CODE_LENGTH} ký tự (chữ và số, có thể kèm dấu gạch), "
            "ví dụ K7QM-2XBD-9PRT-4WHA-MN3C.",
            "enrollment_code_format",
        )
    try:
        plain = AESGCM(_key(code, salt)).decrypt(nonce, data[line_end:], data[:line_end])
    except InvalidTag as exc:
        raise EnrollmentFileError(
            "Mã mở tệp không đúng, hoặc tệp đã bị sửa. Hãy đọc lại mã với cấp trên "
            "(mã đi cùng đúng tệp này). Chưa có gì được ghi vào sổ.",
            "enrollment_code_wrong",
        ) from exc
    try:
        secret = EnrollmentSecret.model_validate(json.loads(plain))
    except (ValueError, ValidationError) as exc:
        raise _not_an_enrollment_file() from exc
    return header, secret
