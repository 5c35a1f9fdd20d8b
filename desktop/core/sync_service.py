"""The commune side of sync: outbox rows ↔ protocol messages, through ``sync.client``.

Rows move TO_POST/TO_UPDATE → UPLOADING → SYNCED (or ERROR with the server's reason). The
server's answer is applied to a row only if it is still UPLOADING at the version sent: a row
edited while its upload was in flight stays queued. Being offline is not an error: the rows
go back to the queue untouched.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.urls import check_server_url
from desktop.core.services.book import Book
from desktop.core.storage.base import SyncColumns, SyncState, utcnow
from desktop.core.storage.models import SYNCED_MODELS
from desktop.core.storage.repositories import sync_rows as repo
from desktop.core.storage.tracking import SYNC_APPLY
from sync.client import ServerUnreachable, SyncClient, SyncError
from sync.protocol import (
    PROTOCOL_VERSION,
    ItemResult,
    PushRequest,
    RecordItem,
    validation_error_vi,
)

BATCH_SIZE = 200
# Derived columns are rebuilt on the other side; they never travel.
_LOCAL_ONLY = {"id", "version", "synced_version", "updated_at", "updated_by", "sync_state",
               "sync_error", "deleted"}  # fmt: skip

ClientFactory = Callable[[str, "str | None"], SyncClient]


@dataclass(frozen=True)
class SyncStatus:
    """What the sync screen shows before anything is sent."""

    server_url: str | None
    enrolled: bool
    pending: int
    errors: int
    last_sync_at: datetime | None


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


def _default_client(url: str, token: str | None) -> SyncClient:
    return SyncClient(url, token)


def _as_utc(value: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; every stamp we write is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _wire_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def record_item(table: str, row: SyncColumns) -> RecordItem:
    """The protocol form of one local row: every column but the local bookkeeping."""
    columns = type(row).__table__.columns  # type: ignore[attr-defined]
    data = {
        col.key: _wire_value(getattr(row, col.key))
        for col in columns
        if col.key not in _LOCAL_ONLY and not col.key.endswith("_key")
    }
    return RecordItem(
        table=table,
        id=row.id,
        version=row.version,
        base_version=row.synced_version,
        deleted=row.deleted,
        updated_at=_as_utc(row.updated_at),
        updated_by=row.updated_by,
        data=data,
    )


class SyncService:
    """Enrols this book with the upstream server and pushes its changes in batches."""

    def __init__(self, book: Book, client_factory: ClientFactory = _default_client) -> None:
        self._book = book
        self._client_factory = client_factory

    def pending_count(self) -> int:
        """Rows waiting to be sent."""
        with self._book.read() as session:
            return repo.count_in_states(session, repo.PENDING_STATES)

    def status(self) -> SyncStatus:
        """Server address, enrolment, waiting rows, refused rows, last success."""
        with self._book.read() as session:
            settings = repo.settings(session)
            return SyncStatus(
                server_url=settings.upstream_url,
                enrolled=bool(settings.device_token),
                pending=repo.count_in_states(session, repo.PENDING_STATES),
                errors=repo.count_in_states(session, [SyncState.ERROR.value]),
                last_sync_at=_as_utc(settings.last_sync_at) if settings.last_sync_at else None,
            )

    def enroll(self, server_url: str, code: str) -> None:
        """Register this book with the server using a one-time code issued upstream."""
        url = check_server_url(server_url)
        if url is None:
            raise ValidationError(FieldProblem("upstream_url", "Chưa nhập địa chỉ máy chủ."))
        clean_code = (code or "").strip()
        if not clean_code:
            raise ValidationError(FieldProblem("code", "Chưa nhập mã đăng ký thiết bị."))
        commune = self._book.commune()
        with self._client_factory(url, None) as client:
            answer = client.enroll(clean_code, commune.code, socket.gethostname()[:100] or "may-xa")
        with self._book.transaction() as session:
            settings = repo.settings(session)
            settings.upstream_url = url
            settings.device_id = answer.device_id
            settings.device_token = answer.token

    def push(self, progress: Callable[[int, int], None] | None = None) -> SyncOutcome:
        """Send every waiting row in batches of ``BATCH_SIZE``; never raises for offline."""
        with self._book.read() as session:
            settings = repo.settings(session)
            url, token, device_id = (
                settings.upstream_url,
                settings.device_token,
                settings.device_id,
            )
            total = repo.count_in_states(session, repo.PENDING_STATES)
        if not url or not token or not device_id:
            raise ValidationError(
                FieldProblem(
                    "upstream_url",
                    "Máy này chưa đăng ký với máy chủ cấp trên. "
                    "Hãy nhập địa chỉ máy chủ và mã đăng ký thiết bị.",
                )
            )
        with self._client_factory(url, token) as client:
            return self._push_all(client, device_id, total, progress)

    def _push_all(
        self,
        client: SyncClient,
        device_id: str,
        total: int,
        progress: Callable[[int, int], None] | None,
    ) -> SyncOutcome:
        commune_code = self._book.commune().code
        counts = {"applied": 0, "duplicate": 0, "conflict": 0, "rejected": 0}
        sent = 0
        for table, model in SYNCED_MODELS.items():
            while True:
                batch, taken = self._take_batch(table, model)
                if not taken:
                    break
                if not batch:
                    continue  # every row of this batch was parked as ERROR
                request = PushRequest(
                    protocol_version=PROTOCOL_VERSION,
                    batch_id=str(uuid.uuid4()),
                    commune_code=commune_code,
                    device_id=device_id,
                    items=batch,
                )
                try:
                    response = client.push(request)
                except ServerUnreachable:
                    self._release(model, batch)
                    return self._outcome(counts, sent, offline=True)
                except SyncError as exc:
                    self._release(model, batch)
                    return self._outcome(counts, sent, failed_message=exc.message_vi)
                self._apply(model, batch, response.results)
                sent += len(batch)
                for result in response.results:
                    counts[result.status] += 1
                if progress is not None:
                    progress(sent, max(total, sent))
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            repo.settings(session).last_sync_at = utcnow()
        return self._outcome(counts, sent)

    # -- steps ----------------------------------------------------------------------------

    def _take_batch(self, table: str, model: type[SyncColumns]) -> tuple[list[RecordItem], int]:
        """Mark up to BATCH_SIZE waiting rows UPLOADING; their protocol items, rows taken."""
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            rows = repo.pending_rows(session, model, BATCH_SIZE)
            items = []
            for row in rows:
                try:
                    item = record_item(table, row)
                except PydanticValidationError as exc:
                    # A row the protocol cannot carry is parked with the reason, so one bad
                    # row never blocks the others; editing it queues it again.
                    row.sync_state = SyncState.ERROR.value
                    row.sync_error = f"Không gửi được: {validation_error_vi(exc)}"
                    continue
                row.sync_state = SyncState.UPLOADING.value
                items.append(item)
            return items, len(rows)

    def _release(self, model: type[SyncColumns], batch: list[RecordItem]) -> None:
        """Put rows whose upload did not happen back in the queue as they were."""
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            for item in batch:
                row = repo.get_row(session, model, item.id)
                if row is not None and row.sync_state == SyncState.UPLOADING.value:
                    row.sync_state = (
                        SyncState.TO_UPDATE.value if row.synced_version else SyncState.TO_POST.value
                    )

    def _apply(
        self, model: type[SyncColumns], batch: list[RecordItem], results: list[ItemResult]
    ) -> None:
        """Apply the server's per-item answers to the rows that are still as sent."""
        sent = {item.id: item for item in batch}
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            for result in results:
                item = sent.get(result.id)
                row = repo.get_row(session, model, result.id)
                if item is None or row is None:
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
                elif still_as_sent:
                    row.sync_state = SyncState.ERROR.value
                    row.sync_error = _reason(result)

    def _outcome(
        self,
        counts: dict[str, int],
        sent: int,
        *,
        offline: bool = False,
        failed_message: str | None = None,
    ) -> SyncOutcome:
        remaining = self.pending_count()
        if offline:
            message = (
                "Chưa kết nối được máy chủ. Dữ liệu vẫn được giữ để gửi lần sau "
                f"({remaining} bản ghi đang chờ)."
            )
        elif failed_message:
            message = f"Đồng bộ chưa xong: {failed_message} ({remaining} bản ghi đang chờ)."
        else:
            message = (
                f"Đã gửi {sent} bản ghi: {counts['applied']} được nhận, "
                f"{counts['duplicate']} đã có sẵn, {counts['conflict']} xung đột, "
                f"{counts['rejected']} bị từ chối."
            )
            if counts["conflict"] or counts["rejected"]:
                message += " Xem danh sách lỗi đồng bộ để xử lý."
        return SyncOutcome(
            offline=offline,
            failed=failed_message is not None,
            sent=sent,
            applied=counts["applied"],
            duplicates=counts["duplicate"],
            conflicts=counts["conflict"],
            rejected=counts["rejected"],
            remaining=remaining,
            message_vi=message,
        )


def _reason(result: ItemResult) -> str:
    if result.status == "conflict":
        return (
            f"Xung đột: máy chủ đang giữ phiên bản {result.server_version} khác với bản ở xã. "
            + (result.reason or "")
        ).strip()
    return result.reason or "Máy chủ từ chối bản ghi này."
