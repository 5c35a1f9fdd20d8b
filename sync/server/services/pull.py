"""Pages of a commune's changes, in the order of the server's change numbers (seq)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from sync.protocol import (
    DOCUMENT_TABLE,
    MAX_DOCUMENTS_PER_PAGE,
    MAX_PULL_LIMIT,
    PulledRecord,
    PullResponse,
)
from sync.server.models import Record
from sync.server.models.base import utcnow
from sync.server.repositories import merges as merges_repo
from sync.server.repositories import records as records_repo
from sync.server.services import merges
from sync.server.services.enrollment import DeviceIdentity
from sync.server.services.errors import ErrorKind, ServiceError


def pulled(record: Record) -> PulledRecord:
    """The protocol form of a stored row."""
    return PulledRecord(
        seq=record.seq,
        table=record.table_name,
        id=record.record_id,
        version=record.version,
        deleted=record.deleted,
        updated_at=record.updated_at,
        updated_by=record.updated_by,
        data=dict(record.data),
        upstream=record.author_user_id is not None,
    )


def _few_documents(rows: list[Record]) -> list[Record]:
    """``rows`` cut after the MAX_DOCUMENTS_PER_PAGE-th report PDF, so that a page of a
    commune with many report versions stays a few MB (the rest comes on the next pages)."""
    seen = 0
    for index, row in enumerate(rows):
        if row.table_name == DOCUMENT_TABLE and not row.deleted:
            seen += 1
            if seen == MAX_DOCUMENTS_PER_PAGE:
                return rows[: index + 1]
    return rows


def changes(
    sessions: sessionmaker[Session],
    device: DeviceIdentity,
    *,
    after: int,
    limit: int,
    now: datetime | None = None,
) -> PullResponse:
    """The device's commune's rows changed after ``after``, except those it wrote itself.

    The page ends at the commune's last committed change number, read first: pushes commit
    their rows and the counter together, so nothing at or below it can still appear later,
    and a cursor stored at ``next_after`` never skips a change.
    """
    if after < 0:
        raise ServiceError(ErrorKind.INVALID, "invalid_cursor", "Vị trí đọc (after) phải ≥ 0.")
    if not 1 <= limit <= MAX_PULL_LIMIT:
        raise ServiceError(
            ErrorKind.INVALID,
            "invalid_limit",
            f"Số bản ghi mỗi trang (limit) phải từ 1 đến {MAX_PULL_LIMIT}.",
        )
    with sessions() as session:
        merges.check_alive(session, device.commune_code)
        upto = records_repo.last_seq(session, device.commune_code)
        rows = records_repo.changes_after(
            session,
            device.commune_code,
            after=after,
            upto=upto,
            exclude_device=device.id,
            limit=limit,
        )
        kept = _few_documents(rows)
        records = [pulled(row) for row in kept]
        merged_from = merges_repo.formers_of(session, device.commune_code)
    more = len(kept) < len(rows) or (len(rows) == limit and rows[-1].seq < upto)
    next_after = kept[-1].seq if more else upto
    return PullResponse(
        records=records,
        next_after=next_after,
        more=more,
        server_time=now or utcnow(),
        merged_from=merged_from,
    )
