"""Import a commune's transfer file upstream, and seal the answer file it takes back."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from sync import transfer
from sync.protocol import (
    MAX_ITEMS_PER_BATCH,
    MAX_PULL_LIMIT,
    PushHeader,
    PushResponse,
    validation_error_vi,
)
from sync.server.models.base import utcnow
from sync.server.repositories import devices as devices_repo
from sync.server.services import pull, push, reports
from sync.server.services.enrollment import DeviceIdentity
from sync.server.services.errors import ErrorKind, ServiceError

# An answer file carries at most this many upstream changes; the rest come with the next one.
MAX_ANSWER_RECORDS = 50_000


class _RawPush(PushHeader):
    """A push of a transfer file; items are checked one by one by the push service."""

    items: list[object]


def _device_and_secret(
    sessions: sessionmaker[Session], header: transfer.TransferHeader
) -> tuple[DeviceIdentity, bytes]:
    with sessions() as session:
        device = devices_repo.get(session, header.device_id)
        if device is None or device.commune_code != header.commune_code:
            raise ServiceError(
                ErrorKind.FORBIDDEN,
                "transfer_unknown_device",
                f"Tệp đến từ một máy không đăng ký với máy chủ này cho xã {header.commune_code}. "
                "Không có dữ liệu nào được ghi.",
            )
        if device.revoked_at is not None:
            raise ServiceError(
                ErrorKind.FORBIDDEN,
                "transfer_device_revoked",
                "Máy tạo ra tệp này đã bị thu hồi quyền đồng bộ. Không có dữ liệu nào được ghi.",
            )
        identity = DeviceIdentity(id=device.id, commune_code=device.commune_code, name=device.name)
        return identity, transfer.secret_from_token_hash(device.token_hash)


def import_request(
    sessions: sessionmaker[Session], data: bytes, *, now: datetime | None = None
) -> tuple[bytes, transfer.TransferAnswer]:
    """Apply a request file's batches (idempotently) and return the sealed answer file."""
    try:
        header = transfer.read_header(data)
        device, secret = _device_and_secret(sessions, header)
        header, content = transfer.open_file(data, secret, kind="request")
        request = transfer.parse_request(content)
    except transfer.TransferError as exc:
        raise ServiceError(ErrorKind.INVALID, exc.code, exc.message_vi) from exc
    answers: list[PushResponse] = []
    refused: list[transfer.RefusedBatch] = []
    for raw in request.pushes:
        batch_id = str(raw.get("batch_id", ""))[:36]
        try:
            parsed = _RawPush.model_validate(raw)
            if not 1 <= len(parsed.items) <= MAX_ITEMS_PER_BATCH:
                raise ServiceError(
                    ErrorKind.INVALID,
                    "invalid_request",
                    f"Lô phải có từ 1 đến {MAX_ITEMS_PER_BATCH} bản ghi.",
                )
            text = push.push(sessions, device, parsed, list(parsed.items), now=now)
        except ValidationError as exc:
            refused.append(
                transfer.RefusedBatch(batch_id=batch_id, detail=validation_error_vi(exc))
            )
            continue
        except ServiceError as exc:
            refused.append(transfer.RefusedBatch(batch_id=batch_id, detail=exc.detail))
            continue
        answers.append(PushResponse.model_validate(json.loads(text)))
    pages = pull.changes(sessions, device, after=request.pull_after, limit=MAX_PULL_LIMIT, now=now)
    records = list(pages.records)
    while pages.more and len(records) < MAX_ANSWER_RECORDS:
        pages = pull.changes(sessions, device, after=pages.next_after, limit=MAX_PULL_LIMIT)
        records += pages.records
    changes = pages.model_copy(update={"records": records})
    found = reports.decisions_for_commune(sessions, device.commune_code, after=0, limit=500)
    answer = transfer.TransferAnswer(
        answers=answers,
        refused=refused,
        pull=changes,
        decisions=reports.decisions_message(found, 0),
    )
    sealed = transfer.seal(
        "answer",
        commune_code=device.commune_code,
        device_id=device.id,
        batch_ids=[a.batch_id for a in answers],
        payload=answer,
        secret=secret,
        created_at=now or utcnow(),
    )
    return sealed, answer
