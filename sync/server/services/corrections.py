"""Upstream corrections: an upstream officer changes a commune's record on the server.

A correction is a new version of the record, numbered in the commune's change order like a
device's push; devices receive it by pulling. A device that edited the same record meanwhile
gets a conflict to resolve field by field, so neither side's work is silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sync.protocol import MAX_STRING_LENGTH, SYNC_TABLES, JsonScalar
from sync.server.models.base import utcnow
from sync.server.repositories import records as records_repo
from sync.server.services.errors import ErrorKind, ServiceError
from sync.server.services.users import UserInfo

MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Correction:
    """What a correction stored."""

    commune_code: str
    table: str
    record_id: str
    version: int
    seq: int
    data: dict[str, Any]
    deleted: bool


def _check_value(field: str, old: Any, new: Any) -> None:
    if isinstance(new, str) and len(new) > MAX_STRING_LENGTH:
        raise ServiceError(
            ErrorKind.INVALID,
            "value_too_long",
            f"Giá trị trường '{field}' dài quá {MAX_STRING_LENGTH} ký tự.",
        )
    if isinstance(new, str) and "\x00" in new:
        raise ServiceError(
            ErrorKind.INVALID, "value_nul", f"Giá trị trường '{field}' chứa ký tự NUL."
        )
    if old is not None and new is not None and type(old) is not type(new):
        raise ServiceError(
            ErrorKind.INVALID,
            "value_type",
            f"Trường '{field}' đang là {type(old).__name__}, không nhận giá trị kiểu "
            f"{type(new).__name__}.",
        )


def correct(
    sessions: sessionmaker[Session],
    user: UserInfo,
    *,
    commune_code: str,
    table: str,
    record_id: str,
    changes: dict[str, JsonScalar],
    delete: bool | None = None,
    now: datetime | None = None,
) -> Correction:
    """Write a new version of a record the server holds, as ``user``."""
    if not user.may_act_for(commune_code):
        raise ServiceError(
            ErrorKind.FORBIDDEN,
            "user_not_allowed",
            f"Tài khoản {user.username} không được sửa dữ liệu của xã {commune_code}.",
        )
    if table not in SYNC_TABLES:
        raise ServiceError(
            ErrorKind.INVALID,
            "unknown_table",
            f"Bảng '{table}' không có; các bảng: {', '.join(SYNC_TABLES)}.",
        )
    if not changes and delete is None:
        raise ServiceError(ErrorKind.INVALID, "nothing_to_change", "Chưa có gì để sửa.")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        when = now or utcnow()
        try:
            with sessions.begin() as session:
                counter = records_repo.lock_sequence(session, commune_code)
                record = records_repo.get(session, commune_code, table, record_id)
                if record is None:
                    raise ServiceError(
                        ErrorKind.NOT_FOUND,
                        "record_not_found",
                        f"Máy chủ không có bản ghi {record_id} trong bảng {table} của xã "
                        f"{commune_code}.",
                    )
                unknown = sorted(set(changes) - set(record.data))
                if unknown:
                    raise ServiceError(
                        ErrorKind.INVALID,
                        "unknown_field",
                        f"Bản ghi không có trường: {', '.join(unknown)}. Các trường: "
                        f"{', '.join(sorted(record.data))}.",
                    )
                for field, value in changes.items():
                    _check_value(field, record.data.get(field), value)
                counter.last_seq += 1
                record.data = {**record.data, **changes}
                if delete is not None:
                    record.deleted = delete
                record.version += 1
                record.seq = counter.last_seq
                record.updated_at = when
                record.updated_by = f"cấp trên: {user.username}"[:200]
                record.received_at = when
                record.device_id = None
                record.author_user_id = user.id
                return Correction(
                    commune_code=commune_code,
                    table=table,
                    record_id=record_id,
                    version=record.version,
                    seq=record.seq,
                    data=dict(record.data),
                    deleted=record.deleted,
                )
        except IntegrityError:
            if attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
