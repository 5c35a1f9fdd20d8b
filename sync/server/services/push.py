"""Apply a pushed batch: per-item versions checks, one transaction, idempotent by batch id."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sync import clock
from sync.protocol import (
    DOCUMENT_TABLE,
    ItemResult,
    ItemStatus,
    PushHeader,
    PushResponse,
    RecordItem,
    printable,
    validation_error_vi,
)
from sync.server.models import Batch, CommuneSequence, Record, UpstreamReport
from sync.server.models.base import utcnow
from sync.server.repositories import batches as batches_repo
from sync.server.repositories import devices as devices_repo
from sync.server.repositories import records as records_repo
from sync.server.repositories import reports as reports_repo
from sync.server.services import merges, reports
from sync.server.services.enrollment import DeviceIdentity
from sync.server.services.errors import ErrorKind, ServiceError

# Only unique-key races (two first pushes of a commune, one batch id sent twice at once)
# end in IntegrityError; a fresh attempt then sees the winner's rows.
MAX_ATTEMPTS = 3


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def items_hash(raw_items: list[Any]) -> str:
    """A fingerprint of the items as received, insensitive to key order and spacing."""
    # surrogatepass: an item holding a lone surrogate is rejected item by item, so the batch
    # still needs a fingerprint (valid text encodes exactly as plain UTF-8 would).
    return hashlib.sha256(_canonical(raw_items).encode("utf-8", "surrogatepass")).hexdigest()


def _echo(raw: Any, key: str, limit: int) -> str:
    # A rejected item is named back as sent (when it is text), clipped so that a huge
    # value is not echoed into the stored answer.
    value = raw.get(key) if isinstance(raw, dict) else None
    return printable(value, limit) if isinstance(value, str) else ""


def _rejected(raw: Any, reason: str) -> ItemResult:
    return ItemResult(
        table=_echo(raw, "table", 40),
        id=_echo(raw, "id", 36),
        status="rejected",
        reason=reason,
    )


class _BatchApplier:
    """Applies the items of one batch inside the caller's transaction."""

    def __init__(
        self,
        session: Session,
        device: DeviceIdentity,
        counter: CommuneSequence,
        now: datetime,
    ) -> None:
        self._session = session
        self._device = device
        self._counter = counter
        self._now = now
        self._known: dict[tuple[str, str], Record | None] = {}
        self._approved_reports: dict[str, UpstreamReport | None] = {}
        self._approved_periods: dict[str, UpstreamReport | None] = {}
        self._refused_reports: set[str] = set()
        self.applied: list[Record] = []

    def _next_seq(self) -> int:
        self._counter.last_seq += 1
        return self._counter.last_seq

    def prefetch(self, items: list[RecordItem]) -> None:
        """Load the stored rows of every item in one query per table (not one per item)."""
        by_table: dict[str, list[str]] = {}
        for item in items:
            by_table.setdefault(item.table, []).append(item.id)
        commune = self._device.commune_code
        for table, ids in by_table.items():
            found = records_repo.get_many(self._session, commune, table, ids)
            for record_id in ids:
                self._known[(table, record_id)] = found.get(record_id)

    def apply(self, raw: Any, item: RecordItem | None, problem: str | None) -> ItemResult:
        """Apply one item already validated (``item``) or report why it is not (``problem``)."""
        if item is None:
            return _rejected(raw, problem or "Bản ghi không hợp lệ.")
        key = (item.table, item.id)
        stored = self._known.get(key)
        if stored is None:
            locked = self._approved_refusal(item, None)
            if locked is not None:
                if item.table == reports.REPORT_TABLE:
                    self._refused_reports.add(item.id)
                return ItemResult(table=item.table, id=item.id, status="rejected", reason=locked)
        if stored is None:
            # New row, or one edited from a version the server never kept: the server
            # loses nothing it knew by storing it.
            record = self._new_record(item)
            records_repo.add(self._session, record)
            self._known[key] = record
            self.applied.append(record)
            return self._result(item, "applied", item.version)
        if (
            stored.version == item.version
            and stored.deleted == item.deleted
            and _canonical(stored.data) == _canonical(item.data)
        ):
            return self._result(item, "duplicate", stored.version)
        locked = self._approved_refusal(item, stored)
        if locked is not None:
            return ItemResult(table=item.table, id=item.id, status="rejected", reason=locked)
        if stored.version == item.base_version:
            self._update(stored, item)
            self.applied.append(stored)
            return self._result(item, "applied", item.version)
        return ItemResult(
            table=item.table,
            id=item.id,
            status="conflict",
            server_version=stored.version,
            server_data=dict(stored.data),
            server_deleted=stored.deleted,
            server_updated_by=stored.updated_by,
            server_upstream=stored.author_user_id is not None,
            reason=(
                f"Bản ghi đã được sửa ở nơi khác: máy chủ đang giữ phiên bản {stored.version}, "
                f"còn bản sửa này dựa trên phiên bản {item.base_version}. "
                "Hãy so sánh và chọn giá trị đúng cho từng trường."
            ),
        )

    def _approved(self, report_id: str) -> UpstreamReport | None:
        """The commune's report version ``report_id`` if upstream approved it (else None)."""
        if report_id not in self._approved_reports:
            # Row-locked: an approval being committed right now is waited for, not missed.
            report = reports_repo.get_report_for_update(self._session, report_id)
            approved = (
                report is not None
                and report.commune_code == self._device.commune_code
                and report.decision == "approved"
            )
            self._approved_reports[report_id] = report if approved else None
        return self._approved_reports[report_id]

    def _approved_of_period(self, period: object) -> UpstreamReport | None:
        """The commune's approved version of ``period`` (None if there is none)."""
        if not isinstance(period, str):
            return None
        if period not in self._approved_periods:
            versions = reports_repo.reports_of_commune(
                self._session, self._device.commune_code, period
            )
            found = [self._approved(v.id) for v in versions]
            self._approved_periods[period] = next((r for r in found if r is not None), None)
        return self._approved_periods[period]

    def _new_version_refusal(self, item: RecordItem) -> str | None:
        """Why a new version of a period's report is refused: one version is approved."""
        report = self._approved_of_period(item.data.get("period_code"))
        if report is None:
            return None
        decided = report.decided_at
        when = clock.format_date(clock.to_local(decided).date()) if decided else ""
        return (
            f"Báo cáo {reports.period_label(report.period_code).removeprefix('Báo cáo ')} "
            f"đã được cấp trên duyệt (phiên bản {report.report_version}"
            f"{', ngày ' + when if when else ''}): không nhận phiên bản mới "
            f"(bản ghi {item.table} {item.id}). Báo cáo đã duyệt không sửa được nữa."
        )

    def _approved_refusal(self, item: RecordItem, stored: Record | None) -> str | None:
        """Why ``item`` may not change a report upstream approved (None when it may)."""
        if item.table == reports.REPORT_TABLE:
            if stored is None:
                return self._new_version_refusal(item)
            report = self._approved(item.id)
        elif item.table in (reports.VALUE_TABLE, DOCUMENT_TABLE):
            if str(item.data.get("report_id") or "") in self._refused_reports:
                part = "Số liệu chốt" if item.table == reports.VALUE_TABLE else "Văn bản"
                return (
                    f"{part} (bản ghi {item.table} {item.id}) thuộc một phiên bản báo cáo "
                    "máy chủ đã từ chối trong lô này: báo cáo của kỳ đó đã được cấp trên duyệt."
                )
            ids = {str(item.data.get("report_id") or "")}
            if stored is not None:
                ids.add(str(stored.data.get("report_id") or ""))
            found = [r for r in (self._approved(i) for i in sorted(ids) if i) if r is not None]
            report = found[0] if found else None
            if (
                report is not None
                and item.table == DOCUMENT_TABLE
                and stored is None
                and not item.deleted
                and reports_repo.document_of_report(self._session, report.id) is None
            ):
                # The first PDF of a version approved before the app kept documents: drawn
                # from the same frozen snapshot, it adds the document and changes no number.
                return None
        else:
            return None
        if report is None:
            return None
        decided = report.decided_at
        when = clock.format_date(clock.to_local(decided).date()) if decided else ""
        what = {
            reports.REPORT_TABLE: "Báo cáo",
            DOCUMENT_TABLE: "Văn bản (PDF) của báo cáo",
        }.get(item.table, "Số liệu chốt của báo cáo")
        return (
            f"{what} {reports.period_label(report.period_code).removeprefix('Báo cáo ')} "
            f"phiên bản {report.report_version} (bản ghi {item.table} {item.id}) đã được cấp "
            f"trên duyệt{' ngày ' + when if when else ''}: báo cáo đã duyệt không sửa được nữa. "
            "Máy chủ giữ nguyên bản đã duyệt."
        )

    def _new_record(self, item: RecordItem) -> Record:
        return Record(
            commune_code=self._device.commune_code,
            table_name=item.table,
            record_id=item.id,
            version=item.version,
            deleted=item.deleted,
            data=dict(item.data),
            seq=self._next_seq(),
            updated_at=item.updated_at,
            updated_by=item.updated_by,
            received_at=self._now,
            device_id=self._device.id,
            author_user_id=None,
        )

    def _update(self, stored: Record, item: RecordItem) -> None:
        stored.version = item.version
        stored.deleted = item.deleted
        stored.data = dict(item.data)  # a new object, so the ORM sees the change
        stored.seq = self._next_seq()
        stored.updated_at = item.updated_at
        stored.updated_by = item.updated_by
        stored.received_at = self._now
        stored.device_id = self._device.id
        stored.author_user_id = None

    @staticmethod
    def _result(item: RecordItem, status: ItemStatus, server_version: int) -> ItemResult:
        return ItemResult(
            table=item.table, id=item.id, status=status, server_version=server_version
        )


def _validate(raw_items: list[Any]) -> list[tuple[Any, RecordItem | None, str | None]]:
    checked: list[tuple[Any, RecordItem | None, str | None]] = []
    for raw in raw_items:
        try:
            checked.append((raw, RecordItem.model_validate(raw), None))
        except ValidationError as exc:
            checked.append((raw, None, validation_error_vi(exc)))
    return checked


def _push_once(
    session: Session,
    device: DeviceIdentity,
    header: PushHeader,
    checked: list[tuple[Any, RecordItem | None, str | None]],
    *,
    fingerprint: str,
    now: datetime,
) -> str:
    # Lock first: every later read in this transaction then sees the commune's latest
    # committed state, and no other push of the commune can interleave with this one.
    counter = records_repo.lock_sequence(session, device.commune_code)
    # After the lock: a merge declared meanwhile is seen, and nothing lands under a dead code.
    merges.check_alive(session, device.commune_code)
    known = batches_repo.get(session, header.batch_id)
    if known is not None:
        if known.commune_code != device.commune_code:
            raise ServiceError(
                ErrorKind.CONFLICT,
                "batch_id_taken",
                "Mã lô dữ liệu (batch_id) này đã được một xã khác dùng. "
                "Phần mềm sẽ tạo mã lô mới; nếu lỗi lặp lại, hãy báo cho cấp trên.",
            )
        if known.request_hash != fingerprint:
            raise ServiceError(
                ErrorKind.CONFLICT,
                "batch_content_mismatch",
                "Lô dữ liệu này đã được gửi trước đây với nội dung khác. "
                "Phần mềm phải gửi lại đúng nội dung cũ hoặc dùng mã lô mới.",
            )
        return known.response
    applier = _BatchApplier(session, device, counter, now)
    applier.prefetch([item for _raw, item, _problem in checked if item is not None])
    results = [applier.apply(raw, item, problem) for raw, item, problem in checked]
    reports.ingest(session, applier.applied, now)
    answer = PushResponse.from_results(header.batch_id, results, now)
    text = answer.model_dump_json(exclude_none=True)
    batches_repo.add(
        session,
        Batch(
            batch_id=header.batch_id,
            commune_code=device.commune_code,
            device_id=device.id,
            request_hash=fingerprint,
            response=text,
            created_at=now,
        ),
    )
    return text


def stored_answer(sessions: sessionmaker[Session], device: DeviceIdentity, batch_id: str) -> str:
    """The answer already given to ``batch_id`` of the device's commune (NOT_FOUND if none).

    A device whose connection was cut after sending asks this first, so that it does not
    upload the same batch again over a slow link just to learn the answer.
    """
    with sessions() as session:
        known = batches_repo.get(session, batch_id)
        if known is None or known.commune_code != device.commune_code:
            raise ServiceError(
                ErrorKind.NOT_FOUND,
                "batch_unknown",
                "Máy chủ chưa nhận lô dữ liệu này; hãy gửi lại lô.",
            )
        return known.response


def push(
    sessions: sessionmaker[Session],
    device: DeviceIdentity,
    header: PushHeader,
    raw_items: list[Any],
    *,
    now: datetime | None = None,
) -> str:
    """Apply a batch for ``device``'s commune; return the answer as JSON text.

    The records, the counter and the stored answer are written in one transaction, so a
    crash leaves either all of them or none, and a retry of the same batch id is safe.
    """
    if header.commune_code != device.commune_code:
        raise ServiceError(
            ErrorKind.FORBIDDEN,
            "commune_mismatch",
            f"Máy này chỉ được gửi dữ liệu của xã {device.commune_code}, "
            f"không được gửi cho xã {header.commune_code}.",
        )
    if header.device_id != device.id:
        raise ServiceError(
            ErrorKind.FORBIDDEN,
            "device_mismatch",
            "Mã máy trong lô dữ liệu không khớp với máy đã đăng ký. Hãy đăng ký lại máy này.",
        )
    fingerprint = items_hash(raw_items)
    checked = _validate(raw_items)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        when = now or utcnow()
        try:
            with sessions.begin() as session:
                text = _push_once(
                    session, device, header, checked, fingerprint=fingerprint, now=when
                )
                row = devices_repo.get(session, device.id)
                if row is not None:
                    row.last_seen_at = when
            return text
        except IntegrityError:
            if attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
