"""The commune side of sync: outbox rows ↔ protocol messages, through ``sync.client``.

Rows move TO_POST/TO_UPDATE → UPLOADING → SYNCED (or ERROR with the server's reason). A batch
is written to the book (``sync_outbox_batches``) in the same transaction that marks its rows
UPLOADING, so a cut, a crash or a closed laptop never loses track of it: the next sync first
asks the server for that batch's stored answer and resends the very same batch only if the
server never got it. The server's answer is applied to a row only if it is still UPLOADING at
the version sent: a row edited while its upload was in flight stays queued.

Push before pull. Pull pages by the server's change number (seq), keeps each page in the
book (``sync_inbox``) with the cursor before writing anything, and never overwrites a row
with local changes: an overlapping edit becomes a ``sync_conflicts`` row that a person
resolves field by field. Nothing here depends on the computer's clock.
"""

from __future__ import annotations

import functools
import json
import os
import random
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Boolean, Date, DateTime, Integer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.core.domain.dates import format_vn_date, parse_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.domain.text import clean_text, fold
from desktop.core.domain.urls import check_server_url
from desktop.core.services.book import Book
from desktop.core.storage.base import SyncColumns, SyncState, utcnow
from desktop.core.storage.models import (
    SYNCED_MODELS,
    SyncConflict,
    SyncInboxItem,
    SyncOutboxBatch,
)
from desktop.core.storage.repositories import sync_rows as repo
from desktop.core.storage.tracking import SYNC_APPLY
from sync import clock, enrollment_file
from sync.client import SyncClient, SyncError
from sync.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_ITEMS_PER_BATCH,
    PROTOCOL_VERSION,
    ItemResult,
    PulledRecord,
    PullResponse,
    PushRequest,
    PushResponse,
    RecordItem,
    validation_error_vi,
)
from sync.retry import RetryPolicy, is_transient, with_retries

BATCH_SIZE = 200
MIN_BATCH_SIZE = 25
MAX_BATCH_SIZE = MAX_ITEMS_PER_BATCH
APPLY_CHUNK = 500
AUTO_SYNC_CHOICES = (0, 15, 30, 60, 120)
# Bookkeeping columns travel in the item's envelope, not in its data; derived ``*_key``
# columns are rebuilt on the other side.
_LOCAL_ONLY = {"id", "version", "synced_version", "updated_at", "updated_by", "sync_state",
               "sync_error", "deleted"}  # fmt: skip
_DELETED = "deleted"

ClientFactory = Callable[[str, "str | None", "str | None"], SyncClient]

TABLE_LABELS: dict[str, str] = {
    "hamlets": "Thôn, tổ dân phố",
    "households": "Hộ gia đình",
    "persons": "Nhân khẩu, trẻ em",
    "guardian_links": "Cha mẹ, người giám hộ",
    "change_events": "Biến động",
    "special_episodes": "Hoàn cảnh đặc biệt",
    "merge_records": "Gộp hồ sơ trùng",
}

FIELD_LABELS: dict[str, str] = {
    _DELETED: "Đã xóa",
    "name": "Tên",
    "collaborator_name": "Cộng tác viên",
    "hamlet_id": "Thôn",
    "number": "Số hộ",
    "head_name": "Chủ hộ",
    "address": "Địa chỉ",
    "poverty_code": "Diện hộ nghèo",
    "poverty_year": "Năm xét nghèo",
    "phone": "Điện thoại",
    "household_id": "Hộ gia đình",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "birth_date_estimated": "Ngày sinh ước tính",
    "sex": "Giới tính",
    "ethnicity_code": "Dân tộc",
    "id_number": "Số định danh",
    "relation_code": "Quan hệ với chủ hộ",
    "notes": "Ghi chú",
    "residence_code": "Tình trạng cư trú",
    "status": "Trạng thái",
    "status_date": "Ngày đổi trạng thái",
    "birth_registered": "Đã đăng ký khai sinh",
    "birth_registration_date": "Ngày đăng ký khai sinh",
    "birth_registration_place": "Nơi đăng ký khai sinh",
    "insurance_number": "Số thẻ BHYT",
    "insurance_valid_until": "BHYT có hạn đến",
    "insurance_card": "Có thẻ BHYT",
    "schooling_code": "Học vấn",
    "school_name": "Trường",
    "school_class": "Lớp",
    "disability_code": "Dạng khuyết tật",
    "disability_severity_code": "Mức độ khuyết tật",
    "id_check_override": "Lý do giữ số định danh",
    "merged_into_id": "Gộp vào hồ sơ",
    "child_id": "Trẻ em",
    "person_id": "Người",
    "role": "Vai trò",
    "parent_status": "Tình trạng cha mẹ",
    "valid_from": "Từ ngày",
    "valid_to": "Đến ngày",
    "event_code": "Loại biến động",
    "event_date": "Ngày biến động",
    "other_household_id": "Hộ liên quan",
    "place": "Nơi đi/đến",
    "cause": "Nguyên nhân",
    "details": "Chi tiết",
    "automatic": "Tự động",
    "group_no": "Nhóm hoàn cảnh",
    "subgroup_no": "Nhóm nhỏ",
    "start_date": "Từ ngày",
    "end_date": "Đến ngày",
    "evidence": "Căn cứ",
    "verified_by": "Người xác minh",
    "kept_id": "Hồ sơ giữ lại",
    "removed_id": "Hồ sơ bị gộp",
}


# -- results handed to the UI and the CLI -----------------------------------------------------


@dataclass(frozen=True)
class TableStatus:
    """One synced table in the sync screen."""

    table: str
    label: str
    waiting: int
    errors: int
    total: int


@dataclass(frozen=True)
class SyncStatus:
    """What the sync screen shows before anything is sent."""

    server_url: str | None
    enrolled: bool
    pending: int
    errors: int
    last_sync_at: datetime | None
    conflicts: int = 0
    in_flight: int = 0
    received_waiting: int = 0
    tables: tuple[TableStatus, ...] = ()
    auto_sync_minutes: int = 0
    has_ca_bundle: bool = False
    last_error: str | None = None


@dataclass(frozen=True)
class SyncProgress:
    """How far a sync has gone: items and bytes, for the progress line."""

    phase: str  # "push" | "pull" | "apply"
    items_done: int
    items_total: int
    bytes_sent: int
    bytes_received: int


@dataclass(frozen=True)
class SyncOutcome:
    """The result of one press of "Đồng bộ"."""

    offline: bool
    failed: bool
    sent: int
    applied: int
    duplicates: int
    conflicts: int
    rejected: int
    remaining: int
    message_vi: str
    received: int = 0
    pull_conflicts: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    requests: int = 0


@dataclass(frozen=True)
class ConflictSummary:
    """One row of the conflicts list."""

    id: int
    table: str
    table_label: str
    row_id: str
    title: str
    detected_at: datetime
    upstream: bool
    server_updated_by: str
    fields: int


@dataclass(frozen=True)
class FieldDiff:
    """One field of a conflict: this book's value and the server's, as text."""

    field: str
    label: str
    mine: str
    theirs: str
    differs: bool
    kind: str  # "text" | "int" | "bool" | "date" | "datetime"


@dataclass(frozen=True)
class ConflictDetail:
    """A conflict, field by field, for the resolution dialog."""

    summary: ConflictSummary
    fields: tuple[FieldDiff, ...]


@dataclass(frozen=True)
class FieldChoice:
    """The officer's choice for one differing field: ``mine``, ``theirs`` or ``edit``."""

    choice: str
    text: str = ""


@dataclass(frozen=True)
class SyncErrorRow:
    """A row the server refused (Lỗi đồng bộ): it waits until someone edits it."""

    table: str
    table_label: str
    row_id: str
    title: str
    reason: str
    updated_at: datetime


@dataclass
class Tally:
    """Counts of one sync (or one answer file), item by item."""

    sent: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    received: int = 0
    pull_conflicts: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, result: ItemResult) -> None:
        if result.status == "applied":
            self.applied += 1
        elif result.status == "duplicate":
            self.duplicates += 1
        elif result.status == "conflict":
            self.conflicts += 1
        else:
            self.rejected += 1


class _Stop(Exception):
    """Ends a sync early: offline (transient) or refused (definitive)."""

    def __init__(self, error: SyncError, *, offline: bool) -> None:
        super().__init__(error.message_vi)
        self.error = error
        self.offline = offline


# -- rows ↔ protocol --------------------------------------------------------------------------


def _as_utc(value: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; every stamp we write is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _wire_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _table_columns(model: type[SyncColumns]) -> list[Any]:
    return list(model.__table__.columns)  # type: ignore[attr-defined]


def synced_columns(model: type[SyncColumns]) -> list[Any]:
    """The columns of ``model`` that travel in an item's data."""
    return [
        c for c in _table_columns(model) if c.key not in _LOCAL_ONLY and not c.key.endswith("_key")
    ]


def row_data(row: SyncColumns) -> dict[str, Any]:
    """The data of one local row as the protocol carries it."""
    return {c.key: _wire_value(getattr(row, c.key)) for c in synced_columns(type(row))}


def record_item(table: str, row: SyncColumns, base_version: int | None = None) -> RecordItem:
    """The protocol form of one local row: every column but the local bookkeeping.

    ``base_version`` defaults to the version the server last accepted; a row whose earlier
    version is still in an unanswered batch builds on that version instead (the server
    applies a commune's batches in the order they are sent).
    """
    return RecordItem(
        table=table,
        id=row.id,
        version=row.version,
        base_version=row.synced_version if base_version is None else base_version,
        deleted=row.deleted,
        updated_at=_as_utc(row.updated_at),
        updated_by=row.updated_by,
        data=row_data(row),
    )


def _column_kind(column: Any) -> str:
    kind = column.type
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Integer):
        return "int"
    return "text"


def _from_wire(column: Any, value: Any) -> Any:
    """A protocol value as the column holds it; ValueError if it does not fit."""
    if value is None:
        if not column.nullable:
            raise ValueError(f"trường {column.key} không được để trống")
        return None
    kind = _column_kind(column)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"trường {column.key} phải là true/false")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"trường {column.key} phải là số nguyên")
        return value
    if not isinstance(value, str):
        raise ValueError(f"trường {column.key} phải là chuỗi")
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "datetime":
        return _as_utc(datetime.fromisoformat(value))
    length = getattr(column.type, "length", None)
    if length is not None and len(value) > length:
        raise ValueError(f"trường {column.key} dài quá {length} ký tự")
    return value


def _refresh_keys(row: SyncColumns) -> None:
    """Rebuild the derived search keys (``name_key`` …) from the fields they fold."""
    for column in _table_columns(type(row)):
        if not column.key.endswith("_key"):
            continue
        source = column.key[: -len("_key")]
        if not hasattr(row, source):
            source = "full_name"
        setattr(row, column.key, fold(getattr(row, source, "") or ""))


def _assign_data(row: SyncColumns, data: dict[str, Any]) -> None:
    """Write protocol data into a row (unknown keys, from a newer app, are ignored)."""
    for column in synced_columns(type(row)):
        if column.key in data:
            setattr(row, column.key, _from_wire(column, data[column.key]))
    _refresh_keys(row)


def field_label(key: str) -> str:
    """The Vietnamese name of a synced field (a column added later shows a readable form)."""
    label = FIELD_LABELS.get(key)
    if label is not None:
        return label
    # A column added by a later version without a label here: still readable, never hidden.
    return "Trường " + key.replace("_", " ")


def _display(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "bool" or isinstance(value, bool):
        return "Có" if value else "Không"
    if kind == "date" and isinstance(value, str):
        try:
            return format_vn_date(date.fromisoformat(value))
        except ValueError:
            return value
    if kind == "datetime" and isinstance(value, str):
        try:
            return clock.to_local(datetime.fromisoformat(value)).strftime("%d/%m/%Y %H:%M")
        except ValueError:
            return value
    return str(value)


def _title(table: str, values: dict[str, Any]) -> str:
    """A readable name for a row in lists (never its UUID alone when a name exists)."""
    if table == "persons" and values.get("full_name"):
        born = _display("date", values.get("birth_date"))
        return f"{values['full_name']}" + (f" ({born})" if born else "")
    if table == "households" and (values.get("number") or values.get("head_name")):
        return f"Hộ số {values.get('number', '')} – {values.get('head_name', '')}".strip()
    if table == "hamlets" and values.get("name"):
        return str(values["name"])
    return TABLE_LABELS.get(table, table)


def _parse_edit(column: Any, text: str, label: str) -> Any:
    """What the officer typed for one field, as the column holds it."""
    kind = _column_kind(column)
    clean = clean_text(text)
    if not clean:
        if column.nullable:
            return None
        if kind == "text":
            return ""
        raise ValidationError(FieldProblem(column.key, f"{label}: không được để trống."))
    if kind == "date":
        return parse_vn_date(clean, column.key, label)
    if kind == "bool":
        folded = fold(clean)
        if folded in {"co", "c", "true", "1", "x"}:
            return True
        if folded in {"khong", "k", "false", "0"}:
            return False
        raise ValidationError(FieldProblem(column.key, f"{label}: hãy nhập “Có” hoặc “Không”."))
    if kind == "int":
        try:
            return int(clean)
        except ValueError:
            raise ValidationError(
                FieldProblem(column.key, f"{label}: hãy nhập một số nguyên.")
            ) from None
    if kind == "datetime":
        raise ValidationError(FieldProblem(column.key, f"{label}: không sửa tay được trường này."))
    length = getattr(column.type, "length", None)
    if length is not None and len(clean) > length:
        raise ValidationError(
            FieldProblem(column.key, f"{label}: dài {len(clean)} ký tự, tối đa {length}.")
        )
    return clean


def _default_client(url: str, token: str | None, ca_bundle: str | None) -> SyncClient:
    return SyncClient(url, token, ca_bundle=ca_bundle)


# -- the service ------------------------------------------------------------------------------


class SyncService:
    """Enrols this book with the upstream server, pushes its changes and pulls upstream's."""

    def __init__(
        self,
        book: Book,
        client_factory: ClientFactory = _default_client,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        batch_size: int = BATCH_SIZE,
        pull_limit: int = DEFAULT_PULL_LIMIT,
    ) -> None:
        self._book = book
        self._client_factory = client_factory
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._batch_size = max(MIN_BATCH_SIZE, min(batch_size, MAX_BATCH_SIZE))
        self._pull_limit = pull_limit
        self._running = threading.Lock()

    # -- status and settings ----------------------------------------------------------------

    def pending_count(self) -> int:
        """Rows waiting to be sent (in flight included)."""
        with self._book.read() as session:
            return repo.count_in_states(session, repo.PENDING_STATES)

    def status(self) -> SyncStatus:
        """Server, enrolment, waiting rows per table, refusals, conflicts, last success."""
        with self._book.read() as session:
            settings = repo.settings(session)
            counts = repo.counts_by_table(session)
            tables = tuple(
                TableStatus(
                    table=table,
                    label=TABLE_LABELS.get(table, table),
                    waiting=sum(by_state.get(s, 0) for s in repo.PENDING_STATES),
                    errors=by_state.get(SyncState.ERROR.value, 0),
                    total=sum(by_state.values()),
                )
                for table, by_state in counts.items()
            )
            conflicted = len(repo.conflicted_row_ids(session))
            return SyncStatus(
                server_url=settings.upstream_url,
                enrolled=bool(settings.device_token),
                pending=sum(t.waiting for t in tables),
                errors=max(0, sum(t.errors for t in tables) - conflicted),
                last_sync_at=_as_utc(settings.last_sync_at) if settings.last_sync_at else None,
                conflicts=repo.count_open_conflicts(session),
                in_flight=sum(
                    by_state.get(SyncState.UPLOADING.value, 0) for by_state in counts.values()
                ),
                received_waiting=repo.inbox_count(session),
                tables=tables,
                auto_sync_minutes=settings.auto_sync_minutes,
                has_ca_bundle=bool(settings.ca_bundle_pem),
                last_error=settings.last_sync_error,
            )

    def set_auto_sync(self, minutes: int) -> None:
        """Sync by itself every ``minutes`` while a connection exists (0: only by hand)."""
        self._book.user.require(Action.SYNC)
        if minutes not in AUTO_SYNC_CHOICES:
            raise ValidationError(
                FieldProblem(
                    "auto_sync_minutes",
                    "Chu kỳ tự đồng bộ phải là một trong: "
                    + ", ".join(str(m) for m in AUTO_SYNC_CHOICES)
                    + " phút (0 là tắt).",
                )
            )
        with self._book.transaction() as session:
            repo.settings(session).auto_sync_minutes = minutes

    def set_ca_bundle(self, pem: str | None) -> None:
        """Trust only these CA certificates (PEM) for the upstream server; None: the system's."""
        self._book.user.require(Action.SYNC)
        text = (pem or "").strip()
        if text:
            _check_pem(text)
        with self._book.transaction() as session:
            repo.settings(session).ca_bundle_pem = text + "\n" if text else None

    def enroll(self, server_url: str, code: str) -> None:
        """Register this book with the server using a one-time code issued upstream."""
        self._book.user.require(Action.SYNC)
        url = check_server_url(server_url)
        if url is None:
            raise ValidationError(FieldProblem("upstream_url", "Chưa nhập địa chỉ máy chủ."))
        clean_code = (code or "").strip()
        if not clean_code:
            raise ValidationError(FieldProblem("code", "Chưa nhập mã đăng ký thiết bị."))
        commune = self._book.commune()
        with self._client(url, None) as client:
            answer = client.enroll(clean_code, commune.code, socket.gethostname()[:100] or "may-xa")
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            settings = repo.settings(session)
            settings.upstream_url = url
            settings.device_id = answer.device_id
            settings.device_token = answer.token
            # A new enrolment starts reading the server's changes from the beginning.
            settings.pull_cursor = 0

    def set_server_url(self, server_url: str) -> str:
        """Give a book enrolled from a file the server's address, for online sync later."""
        self._book.user.require(Action.SYNC)
        url = check_server_url(server_url)
        if url is None:
            raise ValidationError(FieldProblem("upstream_url", "Chưa nhập địa chỉ máy chủ."))
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            settings = repo.settings(session)
            if not settings.device_token:
                raise ValidationError(
                    FieldProblem(
                        "upstream_url",
                        "Máy này chưa đăng ký; hãy đăng ký bằng mã (có mạng) hoặc bằng tệp.",
                    )
                )
            settings.upstream_url = url
        return url

    def enroll_from_file(self, path: Path, code: str) -> str:
        """Register this book from an enrolment file made upstream (no connection needed).

        ``code`` is the file's one-time opening code, given separately by upstream. Returns
        the device name the file was made for. Nothing is written unless everything checks.
        """
        self._book.user.require(Action.SYNC)
        try:
            # Read at most one byte past the limit: a huge file is refused without loading it.
            with path.open("rb") as handle:
                data = handle.read(enrollment_file.MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ValidationError(
                FieldProblem("enroll_file", f"Không đọc được tệp {path}: {exc.strerror or exc}.")
            ) from exc
        try:
            header, secret = enrollment_file.open_file(data, code or "")
        except enrollment_file.EnrollmentFileError as exc:
            field = "enroll_code" if exc.code.startswith("enrollment_code") else "enroll_file"
            raise ValidationError(FieldProblem(field, exc.message_vi)) from exc
        commune = self._book.commune()
        if header.commune_code != commune.code:
            raise ValidationError(
                FieldProblem(
                    "enroll_file",
                    f"Tệp đăng ký này dành cho xã có mã {header.commune_code}, không phải xã "
                    f"{commune.code} của sổ này. Chưa có gì được ghi vào sổ.",
                )
            )
        url = check_server_url(secret.server_url) if secret.server_url else None
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            settings = repo.settings(session)
            if url is not None:
                settings.upstream_url = url
            settings.device_id = secret.device_id
            settings.device_token = secret.token
            settings.pull_cursor = 0
        return header.device_name

    def credentials(self, *, need_url: bool = True) -> tuple[str, str, str]:
        """(server URL, device token, device id); ValidationError if not enrolled.

        A book enrolled from a file may have no server address: transfer files need none
        (``need_url=False``); an online sync does.
        """
        with self._book.read() as session:
            settings = repo.settings(session)
            url, token, device_id = (
                settings.upstream_url,
                settings.device_token,
                settings.device_id,
            )
        if not token or not device_id:
            raise ValidationError(
                FieldProblem(
                    "upstream_url",
                    "Máy này chưa đăng ký với máy chủ cấp trên. Hãy nhập địa chỉ máy chủ và "
                    "mã đăng ký thiết bị, hoặc (xã không có mạng) nhập tệp đăng ký do cấp "
                    "trên gửi.",
                )
            )
        if need_url and not url:
            raise ValidationError(
                FieldProblem(
                    "upstream_url",
                    "Máy này đã đăng ký bằng tệp nhưng chưa có địa chỉ máy chủ, nên chỉ dùng "
                    "được tệp chuyển dữ liệu. Khi có mạng, hãy hỏi cấp trên địa chỉ máy chủ.",
                )
            )
        return url or "", token, device_id

    @contextmanager
    def _client(self, url: str, token: str | None) -> Iterator[SyncClient]:
        with self._book.read() as session:
            pem = repo.settings(session).ca_bundle_pem
        bundle: str | None = None
        if pem:
            # requests wants a file; the certificates are public, so a temporary file is fine.
            handle, bundle = tempfile.mkstemp(prefix="sotreem-ca-", suffix=".pem")
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(pem)
        try:
            with self._client_factory(url, token, bundle) as client:
                yield client
        finally:
            if bundle is not None:
                os.unlink(bundle)

    # -- one sync ---------------------------------------------------------------------------

    def push(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncOutcome:
        """Send every waiting row (resuming any batch in flight); never raises for offline."""
        return self._run(pull=False, progress=progress)

    def sync(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncOutcome:
        """Push everything waiting, then pull what changed upstream; never raises offline."""
        return self._run(pull=True, progress=progress)

    def _run(self, *, pull: bool, progress: Callable[[SyncProgress], None] | None) -> SyncOutcome:
        self._book.user.require(Action.SYNC)
        url, token, device_id = self.credentials()
        if not self._running.acquire(blocking=False):
            return self._outcome(
                Tally(),
                None,
                failed_message="Một lần đồng bộ khác đang chạy; hãy đợi nó xong.",
            )
        try:
            with self._client(url, token) as client:
                tally = Tally()
                try:
                    self._push_all(client, device_id, tally, progress)
                    if pull:
                        self._pull_all(client, tally, progress)
                    self.apply_inbox(tally)
                except _Stop as stop:
                    self._remember_failure(stop.error.message_vi)
                    if stop.offline:
                        return self._outcome(tally, client, offline=True)
                    return self._outcome(tally, client, failed_message=stop.error.message_vi)
                self._remember_success()
                return self._outcome(tally, client)
        finally:
            self._running.release()

    def _call(self, call: Callable[[], Any]) -> Any:
        try:
            return with_retries(call, self._retry, rng=self._rng, sleep=self._sleep)
        except SyncError as exc:
            raise _Stop(exc, offline=is_transient(exc)) from exc

    # -- push -------------------------------------------------------------------------------

    def _push_all(
        self,
        client: SyncClient,
        device_id: str,
        tally: Tally,
        progress: Callable[[SyncProgress], None] | None,
    ) -> None:
        commune_code = self._book.commune().code
        with self._book.read() as session:
            counts = repo.counts_by_table(session)
        if any(by_state.get(SyncState.UPLOADING.value) for by_state in counts.values()):
            self._release_orphans()
            with self._book.read() as session:
                counts = repo.counts_by_table(session)
        total = sum(n for c in counts.values() for s, n in c.items() if s in repo.PENDING_STATES)
        size = self._batch_size

        def report() -> None:
            if progress is not None:
                progress(
                    SyncProgress(
                        "push",
                        tally.sent,
                        max(total, tally.sent),
                        client.counters.bytes_sent,
                        client.counters.bytes_received,
                    )
                )

        report()
        with self._book.read() as session:
            waiting = [b.body for b in repo.open_batches(session)]
        for kept in waiting:
            self._send(
                client,
                PushRequest.model_validate_json(kept),
                kept.encode("utf-8"),
                tally,
                resumed=True,
            )
            report()
        # Rows edited while this sync runs go up in it too, but never endlessly: a person
        # typing during every upload must not keep the sync from finishing.
        budget = total + MAX_BATCH_SIZE
        for table, model in SYNCED_MODELS.items():
            if not any(counts[table].get(state) for state in repo.QUEUED_STATES):
                continue
            while tally.sent < budget:
                taken = self._take_batch(
                    table,
                    model,
                    commune_code=commune_code,
                    device_id=device_id,
                    size=size,
                    in_flight={},
                )
                if taken is None:
                    break
                if not taken:
                    continue  # every row taken was parked as ERROR
                request, body = taken
                self._send(client, request, body, tally, resumed=False)
                report()
                # A batch that went through on the first try: the link can take bigger ones.
                size = min(MAX_BATCH_SIZE, size * 2)

    def _send(
        self,
        client: SyncClient,
        request: PushRequest,
        body: bytes,
        tally: Tally,
        *,
        resumed: bool,
    ) -> None:
        """Deliver one kept batch and apply its answer; a retry first asks for the answer."""
        attempts = {"n": 0}

        def deliver() -> PushResponse:
            attempts["n"] += 1
            if resumed or attempts["n"] > 1:
                # The server may have stored this batch before the link dropped: asking
                # costs a few hundred bytes, resending the batch costs all of it.
                known = client.batch_answer(request)
                if known is not None:
                    return known
            return client.push_raw(request, body)

        try:
            answer = self._call(deliver)
        except _Stop as stop:
            if not stop.offline:
                # Refused as a whole (revoked device, protocol, malformed): it will never
                # be accepted as it is, so its rows go back to the queue untouched.
                self._drop_batch(request)
            raise
        self.apply_answer(request, answer, tally)

    def _take_batch(
        self,
        table: str,
        model: type[SyncColumns],
        *,
        commune_code: str,
        device_id: str,
        size: int,
        in_flight: dict[tuple[str, str], int],
    ) -> tuple[PushRequest, bytes] | tuple[()] | None:
        """Mark up to ``size`` queued rows UPLOADING and keep them as a batch, atomically.

        ``in_flight`` maps rows of unanswered batches to the version they carry; it is
        updated with this batch's rows.
        """
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            followers = [f for f in _FOLLOWERS.get(table, ()) if repo.has_queued(session, f[1])]
            # With rows that hang on these (a child's parents, its events), fewer of these.
            rows = repo.queued_rows(session, model, max(1, size // 3) if followers else size)
            if not rows:
                return None
            taken: list[tuple[str, SyncColumns]] = [(table, row) for row in rows]
            ids = [row.id for row in rows]
            for follower_table, follower, column in followers:
                room = MAX_BATCH_SIZE - len(taken)
                if room <= 0:
                    break
                attached = repo.queued_rows_referencing(session, follower, column, ids, room)
                taken += [(follower_table, row) for row in attached]
            items = []
            for row_table, row in taken:
                base = max(row.synced_version, in_flight.get((row_table, row.id), 0))
                try:
                    item = record_item(row_table, row, base)
                except PydanticValidationError as exc:
                    # A row the protocol cannot carry is parked with the reason, so one bad
                    # row never blocks the others; editing it queues it again.
                    row.sync_state = SyncState.ERROR.value
                    row.sync_error = f"Không gửi được: {validation_error_vi(exc)}"
                    continue
                row.sync_state = SyncState.UPLOADING.value
                items.append(item)
            if not items:
                return ()
            request = PushRequest(
                protocol_version=PROTOCOL_VERSION,
                batch_id=str(uuid.uuid4()),
                commune_code=commune_code,
                device_id=device_id,
                items=items,
            )
            body = request.model_dump_json(exclude_none=True)
            repo.add_batch(
                session,
                SyncOutboxBatch(
                    batch_id=request.batch_id, body=body, item_count=len(items), created_at=utcnow()
                ),
            )
            in_flight.update(((item.table, item.id), item.version) for item in items)
            return request, body.encode("utf-8")

    def take_all_batches(self) -> list[PushRequest]:
        """Put every queued row into kept batches (for a transfer file); the open batches."""
        commune_code = self._book.commune().code
        _url, _token, device_id = self.credentials(need_url=False)
        self._release_orphans()
        with self._book.read() as session:
            in_flight = _in_flight_versions(session)
        for table, model in SYNCED_MODELS.items():
            while (
                self._take_batch(
                    table,
                    model,
                    commune_code=commune_code,
                    device_id=device_id,
                    size=MAX_BATCH_SIZE,
                    in_flight=in_flight,
                )
                is not None
            ):
                pass
        with self._book.read() as session:
            return [PushRequest.model_validate_json(b.body) for b in repo.open_batches(session)]

    def _release_orphans(self) -> None:
        """Rows left UPLOADING with no kept batch (an older version's crash) are queued again."""
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            kept = _in_flight_versions(session)
            for table, model in SYNCED_MODELS.items():
                for row in repo.rows_in_state(session, model, SyncState.UPLOADING.value):
                    if (table, row.id) not in kept:
                        row.sync_state = _queued_state(row)

    def _drop_batch(self, request: PushRequest) -> None:
        """Forget a batch that will never be accepted; its rows go back to the queue."""
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            for item in request.items:
                row = repo.get_row(session, SYNCED_MODELS[item.table], item.id)
                if row is not None and row.sync_state == SyncState.UPLOADING.value:
                    row.sync_state = _queued_state(row)
            repo.remove_batch(session, request.batch_id)

    def drop_refused_batch(self, batch_id: str) -> None:
        """A kept batch refused as a whole (e.g. in a transfer answer): queue its rows again."""
        with self._book.read() as session:
            batch = repo.get_batch(session, batch_id)
            body = batch.body if batch is not None else None
        if body is not None:
            self._drop_batch(PushRequest.model_validate_json(body))

    def apply_answer(self, request: PushRequest, answer: PushResponse, tally: Tally) -> None:
        """Apply the server's per-item answers to the rows still as sent; forget the batch."""
        results = answer.results(request.items)
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            if repo.get_batch(session, request.batch_id) is None:
                return  # already applied (an answer file imported twice)
            for item, result in zip(request.items, results, strict=True):
                tally.sent += 1
                tally.add(result)
                row = repo.get_row(session, SYNCED_MODELS[item.table], item.id)
                if row is None:
                    continue
                still_as_sent = (
                    row.sync_state == SyncState.UPLOADING.value and row.version == item.version
                )
                if result.status in ("applied", "duplicate"):
                    # The server now holds item.version, even if the row changed meanwhile.
                    row.synced_version = max(row.synced_version, item.version)
                    if still_as_sent:
                        row.sync_state = SyncState.SYNCED.value
                        row.sync_error = None
                    elif row.sync_state == SyncState.TO_POST.value:
                        row.sync_state = SyncState.TO_UPDATE.value
                elif still_as_sent and result.status == "conflict":
                    self._record_conflict(
                        session,
                        item.table,
                        row,
                        server_values=dict(result.server_data or {}),
                        server_deleted=bool(result.server_deleted),
                        server_version=result.server_version or 0,
                        server_updated_by=result.server_updated_by or "",
                        upstream=bool(result.server_upstream),
                        reason=_reason(result),
                    )
                elif still_as_sent:
                    row.sync_state = SyncState.ERROR.value
                    row.sync_error = _reason(result)
                # Otherwise the row changed since: its newer version is queued, or travels
                # in a later batch whose own answer decides.
            repo.remove_batch(session, request.batch_id)

    # -- pull -------------------------------------------------------------------------------

    def _pull_all(
        self,
        client: SyncClient,
        tally: Tally,
        progress: Callable[[SyncProgress], None] | None,
    ) -> None:
        commune_code = self._book.commune().code
        with self._book.read() as session:
            cursor = repo.settings(session).pull_cursor
        while True:
            after = cursor
            page: PullResponse = self._call(
                functools.partial(client.pull, commune_code, after, self._pull_limit)
            )
            self.keep_page(page, cursor_floor=after)
            cursor = page.next_after
            tally.received += len(page.records)
            if progress is not None:
                progress(
                    SyncProgress(
                        "pull",
                        tally.received,
                        tally.received + (self._pull_limit if page.more else 0),
                        client.counters.bytes_sent,
                        client.counters.bytes_received,
                    )
                )
            if not page.more:
                return

    def keep_page(self, page: PullResponse, *, cursor_floor: int | None = None) -> None:
        """Keep a page of received rows and move the cursor past it, in one transaction."""
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            for record in page.records:
                if record.table not in SYNCED_MODELS:
                    continue  # a table of a newer app version: nothing here can hold it
                repo.put_inbox(
                    session,
                    SyncInboxItem(
                        seq=record.seq,
                        table_name=record.table,
                        row_id=record.id,
                        payload=record.model_dump_json(),
                        received_at=utcnow(),
                    ),
                )
            settings = repo.settings(session)
            if cursor_floor is None:
                # An answer file may be older than the last online pull: never go back.
                settings.pull_cursor = max(settings.pull_cursor, page.next_after)
            else:
                settings.pull_cursor = page.next_after

    def apply_inbox(self, tally: Tally | None = None) -> None:
        """Write the received rows into the book, parents first; never over local changes."""
        tally = tally or Tally()
        with self._book.read() as session:
            waiting = repo.inbox_tables(session)
        for table, model in SYNCED_MODELS.items():
            if table not in waiting:
                continue
            after = -1
            while True:
                with self._book.read() as session:
                    chunk = [
                        (i.seq, i.payload)
                        for i in repo.inbox_items_after(session, table, after, APPLY_CHUNK)
                    ]
                if not chunk:
                    break
                after = chunk[-1][0]
                self._apply_chunk(table, model, chunk, tally)

    def _apply_chunk(
        self,
        table: str,
        model: type[SyncColumns],
        chunk: list[tuple[int, str]],
        tally: Tally,
    ) -> None:
        records = [(seq, PulledRecord.model_validate_json(payload)) for seq, payload in chunk]
        try:
            with self._book.transaction() as session:
                session.info[SYNC_APPLY] = True
                rows = repo.get_rows(session, model, {r.id for _s, r in records})
                for _seq, record in records:
                    self._apply_record(
                        session, table=table, model=model, rows=rows, record=record, tally=tally
                    )
                session.flush()
                repo.remove_inbox(session, [seq for seq, _r in records])
            return
        except (IntegrityError, ValueError):
            pass
        # Something in the chunk does not fit (a parent not received yet, a value this
        # version cannot hold): write the rows one by one and keep the others for later.
        for seq, record in records:
            try:
                with self._book.transaction() as session:
                    session.info[SYNC_APPLY] = True
                    rows = repo.get_rows(session, model, {record.id})
                    self._apply_record(
                        session, table=table, model=model, rows=rows, record=record, tally=tally
                    )
                    session.flush()
                    repo.remove_inbox(session, [seq])
            except (IntegrityError, ValueError) as exc:
                with self._book.transaction() as session:
                    item = session.get(SyncInboxItem, seq)
                    if item is not None:
                        item.error = _inbox_error(exc)

    def _apply_record(
        self,
        session: Session,
        *,
        table: str,
        model: type[SyncColumns],
        rows: dict[str, SyncColumns],
        record: PulledRecord,
        tally: Tally,
    ) -> None:
        row = rows.get(record.id)
        if row is None:
            row = model()
            row.id = record.id
            _assign_data(row, record.data)
            self._adopt(row, record)
            session.add(row)
            rows[record.id] = row
            return
        if record.version <= row.synced_version:
            return  # this book already has that version, or a newer one
        if row.sync_state == SyncState.SYNCED.value:
            _assign_data(row, record.data)
            self._adopt(row, record)
            return
        # Local changes not yet on the server: never overwritten.
        if row.deleted == record.deleted and _same_data(row_data(row), record.data):
            self._adopt(row, record)  # both sides made the same change
            return
        known = repo.open_conflict(session, table, row.id)
        if known is not None and known.server_version == record.version:
            return  # the push just reported this very version as a conflict
        tally.pull_conflicts += 1
        self._record_conflict(
            session,
            table,
            row,
            server_values=dict(record.data),
            server_deleted=record.deleted,
            server_version=record.version,
            server_updated_by=record.updated_by,
            upstream=record.upstream,
            reason=(
                "Xung đột: bản ghi đã được "
                + ("cấp trên sửa" if record.upstream else "sửa trên máy khác của xã")
                + " trong khi máy này cũng sửa. Hãy chọn giá trị đúng cho từng trường."
            ),
        )

    @staticmethod
    def _adopt(row: SyncColumns, record: PulledRecord) -> None:
        row.version = record.version
        row.synced_version = record.version
        row.deleted = record.deleted
        row.updated_at = _as_utc(record.updated_at)
        row.updated_by = record.updated_by[:64]
        row.sync_state = SyncState.SYNCED.value
        row.sync_error = None

    def _record_conflict(
        self,
        session: Session,
        table: str,
        row: SyncColumns,
        *,
        server_values: dict[str, Any],
        server_deleted: bool,
        server_version: int,
        server_updated_by: str,
        upstream: bool,
        reason: str,
    ) -> None:
        """Park the row as ERROR and keep (or refresh) its one open conflict."""
        row.sync_state = SyncState.ERROR.value
        row.sync_error = reason
        conflict = repo.open_conflict(session, table, row.id)
        if conflict is None:
            conflict = SyncConflict(table_name=table, row_id=row.id, detected_at=utcnow())
            repo.add_conflict(session, conflict)
        conflict.local_values = json.dumps(row_data(row), ensure_ascii=False)
        conflict.local_deleted = row.deleted
        conflict.server_values = json.dumps(server_values, ensure_ascii=False)
        conflict.server_deleted = server_deleted
        conflict.server_version = server_version
        conflict.server_updated_by = server_updated_by[:200]
        conflict.upstream = upstream

    # -- conflicts and refusals -------------------------------------------------------------

    def conflicts(self) -> list[ConflictSummary]:
        """Every unresolved conflict, oldest first."""
        self._book.user.require(Action.SYNC)
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            found = list(repo.open_conflicts(session))
            for conflict in found:
                _refresh_mine(session, conflict)
            return [_summary(c) for c in found]

    def conflict(self, conflict_id: int) -> ConflictDetail:
        """One conflict, field by field."""
        self._book.user.require(Action.SYNC)
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            conflict = repo.get_conflict(session, conflict_id)
            if conflict is None or conflict.resolved_at is not None:
                raise ValidationError(
                    FieldProblem("conflict", "Xung đột này đã được giải quyết hoặc không còn.")
                )
            _refresh_mine(session, conflict)
            return ConflictDetail(_summary(conflict), tuple(_diffs(conflict)))

    def resolve_conflict(self, conflict_id: int, choices: dict[str, FieldChoice]) -> None:
        """Keep, for each differing field, mine, theirs or a typed value; queue the result."""
        self._book.user.require(Action.SYNC)
        self._book.user.require(Action.EDIT_BOOK)
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            conflict = repo.get_conflict(session, conflict_id)
            if conflict is None or conflict.resolved_at is not None:
                raise ValidationError(
                    FieldProblem("conflict", "Xung đột này đã được giải quyết hoặc không còn.")
                )
            model = SYNCED_MODELS[conflict.table_name]
            row = repo.get_row(session, model, conflict.row_id)
            if row is None:
                raise ValidationError(FieldProblem("conflict", "Không còn bản ghi này trong sổ."))
            _refresh_mine(session, conflict)
            mine: dict[str, Any] = json.loads(conflict.local_values)
            theirs: dict[str, Any] = json.loads(conflict.server_values)
            columns = {c.key: c for c in synced_columns(model)}
            final: dict[str, Any] = {}
            problems: list[FieldProblem] = []
            used: set[str] = set()
            for key, column in columns.items():
                label = field_label(key)
                if _same_value(mine.get(key), theirs.get(key)):
                    final[key] = theirs.get(key, mine.get(key))
                    continue
                choice = choices.get(key)
                if choice is None:
                    problems.append(FieldProblem(key, f"{label}: chưa chọn giá trị giữ lại."))
                    continue
                used.add(choice.choice)
                if choice.choice == "mine":
                    final[key] = mine.get(key)
                elif choice.choice == "theirs":
                    final[key] = theirs.get(key)
                else:
                    try:
                        final[key] = _wire_value(_parse_edit(column, choice.text, label))
                    except ValidationError as exc:
                        problems.extend(exc.problems)
            deleted = conflict.server_deleted
            if conflict.local_deleted != conflict.server_deleted:
                choice = choices.get(_DELETED)
                if choice is None or choice.choice not in ("mine", "theirs"):
                    problems.append(
                        FieldProblem(_DELETED, "Đã xóa: hãy chọn giữ bản của máy này hay máy chủ.")
                    )
                else:
                    used.add(choice.choice)
                    deleted = conflict.local_deleted if choice.choice == "mine" else deleted
            if problems:
                raise ValidationError(problems)
            _assign_data(row, final)
            row.deleted = deleted
            if deleted == conflict.server_deleted and _same_data(final, theirs):
                # The server's version won everywhere: nothing to send back.
                row.version = conflict.server_version
                row.synced_version = conflict.server_version
                row.sync_state = SyncState.SYNCED.value
            else:
                row.synced_version = conflict.server_version
                row.version = max(row.version, conflict.server_version) + 1
                row.sync_state = SyncState.TO_UPDATE.value
                row.updated_at = utcnow()
                row.updated_by = self._book.user.username
            row.sync_error = None
            conflict.resolved_at = utcnow()
            conflict.resolution = (
                "mixed" if len(used) > 1 or "edit" in used else (used.pop() if used else "theirs")
            )
            conflict.resolved_by = self._book.user.username

    def sync_errors(self) -> list[SyncErrorRow]:
        """Rows the server refused (not conflicts): "Lỗi đồng bộ"."""
        self._book.user.require(Action.SYNC)
        with self._book.read() as session:
            conflicted = repo.conflicted_row_ids(session)
            found: list[SyncErrorRow] = []
            for table, model in SYNCED_MODELS.items():
                for row in repo.rows_in_state(session, model, SyncState.ERROR.value, limit=1000):
                    if (table, row.id) in conflicted:
                        continue
                    found.append(
                        SyncErrorRow(
                            table=table,
                            table_label=TABLE_LABELS.get(table, table),
                            row_id=row.id,
                            title=_title(table, row_data(row)),
                            reason=row.sync_error or "Máy chủ từ chối bản ghi này.",
                            updated_at=_as_utc(row.updated_at),
                        )
                    )
            return found

    def retry_refused(self, table: str, row_id: str) -> None:
        """Send a refused row again as it is (e.g. once upstream fixed its own problem)."""
        self._book.user.require(Action.SYNC)
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            if (table, row_id) in repo.conflicted_row_ids(session):
                raise ValidationError(
                    FieldProblem("row", "Bản ghi này đang xung đột: hãy giải quyết xung đột trước.")
                )
            row = repo.get_row(session, SYNCED_MODELS[table], row_id)
            if row is not None and row.sync_state == SyncState.ERROR.value:
                row.sync_state = _queued_state(row)
                row.sync_error = None

    # -- outcome ----------------------------------------------------------------------------

    def _remember_success(self) -> None:
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            settings = repo.settings(session)
            settings.last_sync_at = utcnow()
            settings.last_sync_error = None

    def _remember_failure(self, message: str) -> None:
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            repo.settings(session).last_sync_error = message[:2000]

    def _outcome(
        self,
        tally: Tally,
        client: SyncClient | None,
        *,
        offline: bool = False,
        failed_message: str | None = None,
    ) -> SyncOutcome:
        remaining = self.pending_count()
        conflicts = tally.conflicts + tally.pull_conflicts
        if offline:
            message = (
                "Chưa kết nối được máy chủ. Dữ liệu vẫn được giữ để gửi lần sau "
                f"({remaining} bản ghi đang chờ)."
            )
        elif failed_message:
            message = f"Đồng bộ chưa xong: {failed_message} ({remaining} bản ghi đang chờ)."
        else:
            message = (
                f"Đã gửi {tally.sent} bản ghi: {tally.applied} được nhận, "
                f"{tally.duplicates} đã có sẵn, {tally.conflicts} xung đột, "
                f"{tally.rejected} bị từ chối. Đã nhận {tally.received} thay đổi từ máy chủ"
                + (f", {tally.pull_conflicts} xung đột" if tally.pull_conflicts else "")
                + "."
            )
            if conflicts or tally.rejected:
                message += " Xem danh sách xung đột và lỗi đồng bộ để xử lý."
        counters = client.counters if client is not None else None
        return SyncOutcome(
            offline=offline,
            failed=failed_message is not None,
            sent=tally.sent,
            applied=tally.applied,
            duplicates=tally.duplicates,
            conflicts=conflicts,
            rejected=tally.rejected,
            remaining=remaining,
            message_vi=message,
            received=tally.received,
            pull_conflicts=tally.pull_conflicts,
            bytes_sent=counters.bytes_sent if counters else 0,
            bytes_received=counters.bytes_received if counters else 0,
            requests=counters.requests if counters else 0,
        )


# -- helpers ----------------------------------------------------------------------------------


def _followers() -> dict[str, tuple[tuple[str, type[SyncColumns], str], ...]]:
    """For each synced table, the leaf tables whose rows hang on its rows (by their first FK).

    A batch of persons carries the queued guardian links, events and episodes of those
    persons: each child's id is then repeated next to where it first appears, which the
    compressor turns into a few bytes. Derived from the models, so a new table joins in.
    """
    tables = {model.__table__.name: name for name, model in SYNCED_MODELS.items()}  # type: ignore[attr-defined]
    referenced: set[str] = set()
    first_fk: dict[str, tuple[str, str]] = {}
    for name, model in SYNCED_MODELS.items():
        for column in model.__table__.columns:  # type: ignore[attr-defined]
            for key in column.foreign_keys:
                target = tables.get(key.column.table.name)
                if target is None:
                    continue
                referenced.add(target)
                first_fk.setdefault(name, (target, column.key))
    followers: dict[str, list[tuple[str, type[SyncColumns], str]]] = {}
    for name, (target, column) in first_fk.items():
        if name not in referenced:
            followers.setdefault(target, []).append((name, SYNCED_MODELS[name], column))
    return {name: tuple(found) for name, found in followers.items()}


_FOLLOWERS = _followers()


def _in_flight_versions(session: Session) -> dict[tuple[str, str], int]:
    """(table, row id) → version, for every row in a batch whose answer is not applied."""
    found: dict[tuple[str, str], int] = {}
    for batch in repo.open_batches(session):
        for item in json.loads(batch.body)["items"]:
            key = (item["table"], item["id"])
            found[key] = max(found.get(key, 0), int(item["version"]))
    return found


def _queued_state(row: SyncColumns) -> str:
    return SyncState.TO_UPDATE.value if row.synced_version else SyncState.TO_POST.value


def _same_value(a: Any, b: Any) -> bool:
    return bool(type(a) is type(b) and a == b) or (
        isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool)
        and not isinstance(b, bool) and a == b
    )  # fmt: skip


def _same_data(mine: dict[str, Any], theirs: dict[str, Any]) -> bool:
    keys = set(mine) | set(theirs)
    return all(_same_value(mine.get(k), theirs.get(k)) for k in keys)


def _inbox_error(exc: Exception) -> str:
    if isinstance(exc, IntegrityError):
        return "Chưa ghi được: bản ghi liên quan (thôn, hộ, người) chưa về tới máy này."
    return f"Chưa ghi được: dữ liệu không hợp lệ ({exc})."[:1000]


def _refresh_mine(session: Session, conflict: SyncConflict) -> None:
    """Take this book's side of a conflict from the row as it is now.

    The officer may have edited the row since the conflict was found; "mine" must be that
    latest typing, never the older copy kept when the conflict was detected.
    """
    row = repo.get_row(session, SYNCED_MODELS[conflict.table_name], conflict.row_id)
    if row is None:
        return
    values = json.dumps(row_data(row), ensure_ascii=False)
    if values != conflict.local_values or row.deleted != conflict.local_deleted:
        conflict.local_values = values
        conflict.local_deleted = row.deleted


def _summary(conflict: SyncConflict) -> ConflictSummary:
    mine = json.loads(conflict.local_values)
    theirs = json.loads(conflict.server_values)
    differing = sum(
        1 for k in set(mine) | set(theirs) if not _same_value(mine.get(k), theirs.get(k))
    ) + (1 if conflict.local_deleted != conflict.server_deleted else 0)
    return ConflictSummary(
        id=conflict.id,
        table=conflict.table_name,
        table_label=TABLE_LABELS.get(conflict.table_name, conflict.table_name),
        row_id=conflict.row_id,
        title=_title(conflict.table_name, mine or theirs),
        detected_at=_as_utc(conflict.detected_at),
        upstream=conflict.upstream,
        server_updated_by=conflict.server_updated_by,
        fields=differing,
    )


def _diffs(conflict: SyncConflict) -> Iterator[FieldDiff]:
    model = SYNCED_MODELS[conflict.table_name]
    mine = json.loads(conflict.local_values)
    theirs = json.loads(conflict.server_values)
    if conflict.local_deleted != conflict.server_deleted:
        yield FieldDiff(
            field=_DELETED,
            label=FIELD_LABELS[_DELETED],
            mine=_display("bool", conflict.local_deleted),
            theirs=_display("bool", conflict.server_deleted),
            differs=True,
            kind="bool",
        )
    for column in synced_columns(model):
        key = column.key
        kind = _column_kind(column)
        yield FieldDiff(
            field=key,
            label=field_label(key),
            mine=_display(kind, mine.get(key)),
            theirs=_display(kind, theirs.get(key)),
            differs=not _same_value(mine.get(key), theirs.get(key)),
            kind=kind,
        )


def _reason(result: ItemResult) -> str:
    if result.status == "conflict":
        return (
            f"Xung đột: máy chủ đang giữ phiên bản {result.server_version} khác với bản ở xã. "
            + (result.reason or "")
        ).strip()
    return result.reason or "Máy chủ từ chối bản ghi này."


def _check_pem(text: str) -> None:
    import ssl

    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ValidationError(
            FieldProblem(
                "ca_bundle",
                "Tệp chứng chỉ phải ở dạng PEM (có dòng -----BEGIN CERTIFICATE-----). "
                "Hãy xin cấp trên đúng tệp chứng chỉ CA.",
            )
        )
    try:
        ssl.create_default_context(cadata=text)
    except (ssl.SSLError, ValueError) as exc:
        raise ValidationError(
            FieldProblem("ca_bundle", f"Tệp chứng chỉ không đọc được ({exc}). Hãy xin lại tệp.")
        ) from exc


__all__ = [
    "AUTO_SYNC_CHOICES",
    "FIELD_LABELS",
    "TABLE_LABELS",
    "ConflictDetail",
    "ConflictSummary",
    "FieldChoice",
    "FieldDiff",
    "SyncErrorRow",
    "SyncOutcome",
    "SyncProgress",
    "SyncService",
    "SyncStatus",
    "TableStatus",
    "Tally",
    "record_item",
]
