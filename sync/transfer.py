"""The transfer file: pending changes (or the server's answer) sealed for a USB stick or Zalo.

A commune with no connection at all exports its pending batches to a file; upstream imports it
with the same idempotency rules as an online push and writes an answer file with the results
and the commune's upstream changes. Both files are encrypted and authenticated with keys
derived from the device's secret, which only this device and the server know: the server keeps
SHA-256 of the device token, and that digest is the secret (HKDF-SHA256 → AES-256-GCM key and
HMAC-SHA256 key, with a fresh salt per file).

Layout: ``MAGIC`` line, one line of header JSON (in clear, authenticated), then the
ciphertext of the gzip'd JSON payload, then a 32-byte HMAC over everything before it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import io
import json
import os
from datetime import datetime
from typing import Any, Final, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from sync.protocol import (
    CommuneCode,
    PullResponse,
    PushResponse,
    ReportDecisionsResponse,
    UtcDatetime,
    UuidStr,
    located_error,
    validation_error_vi,
)

MAGIC: Final = b"SOTREEM-TRANSFER-1\n"
FORMAT_VERSION: Final = 1
MAX_FILE_BYTES: Final = 64 * 1024 * 1024
MAX_PAYLOAD_BYTES: Final = 256 * 1024 * 1024
_MAC_BYTES: Final = 32
_SALT_BYTES: Final = 16
_NONCE_BYTES: Final = 12

Kind = Literal["request", "answer"]


class TransferError(Exception):
    """A transfer file that cannot be used; ``message_vi`` says why and what to do."""

    def __init__(self, message_vi: str, code: str) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi
        self.code = code


class TransferHeader(BaseModel):
    """What a file says about itself, in clear: who made it, for whom, which batches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: StrictInt
    kind: Kind
    commune_code: CommuneCode
    device_id: UuidStr
    created_at: UtcDatetime
    batch_ids: list[UuidStr] = Field(max_length=10_000)
    salt: str
    nonce: str


class TransferRequest(BaseModel):
    """The sealed content of a request file: push batches and where the pull stands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Each push is a PushRequest as JSON; the server checks them one by one like online ones.
    pushes: list[dict[str, Any]]
    pull_after: StrictInt = Field(ge=0)


class RefusedBatch(BaseModel):
    """A batch of a request file the server refused as a whole (not applied)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    batch_id: str
    detail: str


class TransferAnswer(BaseModel):
    """The sealed content of an answer file: the results of each batch and upstream changes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    answers: list[PushResponse]
    refused: list[RefusedBatch] = Field(default_factory=list)
    pull: PullResponse
    # Upstream's decisions on the commune's reports (all of them, oldest first; the app keeps
    # those it does not hold). Absent from an older server's answer.
    decisions: ReportDecisionsResponse | None = None


def secret_from_token(token: str) -> bytes:
    """The device secret both sides know: SHA-256 of the device token (the server keeps it)."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def secret_from_token_hash(token_hash_hex: str) -> bytes:
    """The same secret from the hex digest the server stores."""
    return bytes.fromhex(token_hash_hex)


def _keys(secret: bytes, salt: bytes) -> tuple[bytes, bytes]:
    material = HKDF(
        algorithm=hashes.SHA256(), length=64, salt=salt, info=b"sotreem-transfer-v1"
    ).derive(secret)
    return material[:32], material[32:]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, size: int) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        data = b""
    if len(data) != size:
        raise _damaged()
    return data


def _damaged() -> TransferError:
    return TransferError(
        "Tệp chuyển dữ liệu bị hỏng hoặc không đầy đủ (có thể do chép chưa xong). "
        "Hãy chép lại tệp gốc rồi thử lại.",
        "transfer_damaged",
    )


def seal(
    kind: Kind,
    *,
    commune_code: str,
    device_id: str,
    batch_ids: list[str],
    payload: BaseModel,
    secret: bytes,
    created_at: datetime,
) -> bytes:
    """Encrypt and sign ``payload`` into the bytes of a transfer file."""
    salt, nonce = os.urandom(_SALT_BYTES), os.urandom(_NONCE_BYTES)
    header = TransferHeader(
        format_version=FORMAT_VERSION,
        kind=kind,
        commune_code=commune_code,
        device_id=device_id,
        created_at=created_at,
        batch_ids=batch_ids,
        salt=_b64(salt),
        nonce=_b64(nonce),
    )
    header_line = header.model_dump_json().encode("utf-8") + b"\n"
    enc_key, mac_key = _keys(secret, salt)
    plain = gzip.compress(payload.model_dump_json().encode("utf-8"), compresslevel=9)
    ciphertext = AESGCM(enc_key).encrypt(nonce, plain, MAGIC + header_line)
    body = MAGIC + header_line + ciphertext
    return body + hmac.new(mac_key, body, hashlib.sha256).digest()


def read_header(data: bytes) -> TransferHeader:
    """The clear header of a transfer file (not yet authenticated: check with ``open_file``)."""
    if len(data) > MAX_FILE_BYTES:
        raise TransferError(
            f"Tệp quá lớn (giới hạn {MAX_FILE_BYTES // (1024 * 1024)} MB), không phải tệp "
            "chuyển dữ liệu của Sổ Trẻ Em.",
            "transfer_too_large",
        )
    if not data.startswith(MAGIC):
        raise TransferError(
            "Đây không phải tệp chuyển dữ liệu của Sổ Trẻ Em. Hãy chọn đúng tệp "
            "(tệp do chương trình xuất ra hoặc tệp trả lời của cấp trên).",
            "transfer_not_ours",
        )
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        raise _damaged()
    try:
        header = TransferHeader.model_validate_json(data[len(MAGIC) : end])
    except ValidationError:
        raise _damaged() from None
    if header.format_version != FORMAT_VERSION:
        raise TransferError(
            f"Tệp được tạo bởi phiên bản định dạng {header.format_version}; phần mềm này dùng "
            f"phiên bản {FORMAT_VERSION}. Hãy cập nhật phần mềm.",
            "transfer_version",
        )
    return header


def open_file(data: bytes, secret: bytes, *, kind: Kind) -> tuple[TransferHeader, bytes]:
    """Check the signature, decrypt; the header and the payload's JSON bytes."""
    header = read_header(data)
    if header.kind != kind:
        wanted = "tệp gửi lên (xuất từ xã)" if kind == "request" else "tệp trả lời của cấp trên"
        raise TransferError(
            f"Tệp này không phải {wanted}. Hãy chọn đúng tệp.", "transfer_wrong_kind"
        )
    if len(data) < len(MAGIC) + _MAC_BYTES + 2:
        raise _damaged()
    body, mac = data[:-_MAC_BYTES], data[-_MAC_BYTES:]
    header_end = data.find(b"\n", len(MAGIC)) + 1
    enc_key, mac_key = _keys(secret, _unb64(header.salt, _SALT_BYTES))
    if not hmac.compare_digest(hmac.new(mac_key, body, hashlib.sha256).digest(), mac):
        raise TransferError(
            "Chữ ký của tệp không đúng: tệp đã bị sửa đổi, bị hỏng, hoặc không phải do máy đã "
            "đăng ký này (hay máy chủ của nó) tạo ra. Không có dữ liệu nào được ghi.",
            "transfer_signature",
        )
    try:
        plain = AESGCM(enc_key).decrypt(
            _unb64(header.nonce, _NONCE_BYTES), body[header_end:], data[:header_end]
        )
    except InvalidTag:
        raise _damaged() from None
    try:
        decoder = gzip.GzipFile(fileobj=io.BytesIO(plain))
        content = decoder.read(MAX_PAYLOAD_BYTES + 1)
    except (OSError, EOFError):
        raise _damaged() from None
    if len(content) > MAX_PAYLOAD_BYTES:
        raise _damaged()
    return header, content


def parse_request(content: bytes) -> TransferRequest:
    """The request payload (push batches, pull cursor)."""
    try:
        return TransferRequest.model_validate_json(content)
    except ValidationError:
        raise _damaged() from None


def parse_answer(content: bytes) -> TransferAnswer:
    """The answer payload (results, refusals, upstream changes)."""
    try:
        return TransferAnswer.model_validate_json(content)
    except ValidationError as exc:
        # A sealed file with a value this app refuses (a time without offset, year 9999, a
        # lone surrogate …): say which field, write nothing.
        raise TransferError(
            "Tệp trả lời có giá trị không hợp lệ, không có dữ liệu nào được ghi: "
            f"{validation_error_vi(located_error(TransferAnswer, content, exc), limit=3)}.",
            "transfer_invalid",
        ) from None


def canonical_json(value: Any) -> str:
    """Compact JSON, the way batches are kept and compared."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
