"""Queries on synced records and on the per-commune change counter."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sync.server.models import CommuneSequence, Record

# SQLite allows 32,766 bound parameters; a batch holds at most 500 ids per table.
_IN_CHUNK = 900


def get(session: Session, commune_code: str, table_name: str, record_id: str) -> Record | None:
    """The stored row, if the server holds it."""
    return session.get(Record, (commune_code, table_name, record_id))


def get_many(
    session: Session, commune_code: str, table_name: str, record_ids: Sequence[str]
) -> dict[str, Record]:
    """The stored rows among ``record_ids`` of one table, by id (one query per 900 ids)."""
    found: dict[str, Record] = {}
    unique = list(dict.fromkeys(record_ids))
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        rows = session.scalars(
            select(Record).where(
                Record.commune_code == commune_code,
                Record.table_name == table_name,
                Record.record_id.in_(chunk),
            )
        )
        found.update((row.record_id, row) for row in rows)
    return found


def last_seq(session: Session, commune_code: str) -> int:
    """The commune's last change number (0 before its first change); no lock."""
    value = session.scalar(
        select(CommuneSequence.last_seq).where(CommuneSequence.commune_code == commune_code)
    )
    return int(value or 0)


def changes_after(
    session: Session,
    commune_code: str,
    *,
    after: int,
    upto: int,
    exclude_device: str | None,
    limit: int,
) -> list[Record]:
    """The commune's rows changed after ``after`` (up to ``upto``), in seq order.

    Rows whose current version was written by ``exclude_device`` are left out: that device
    holds them already.
    """
    query = select(Record).where(
        Record.commune_code == commune_code, Record.seq > after, Record.seq <= upto
    )
    if exclude_device is not None:
        query = query.where(or_(Record.device_id.is_(None), Record.device_id != exclude_device))
    return list(session.scalars(query.order_by(Record.seq).limit(limit)))


def all_for_commune(session: Session, commune_code: str) -> list[Record]:
    """Every row the server holds for a commune (administration and tests)."""
    return list(
        session.scalars(
            select(Record)
            .where(Record.commune_code == commune_code)
            .order_by(Record.table_name, Record.record_id)
        )
    )


def add(session: Session, record: Record) -> None:
    """Store a row the server did not hold."""
    session.add(record)


def lock_sequence(session: Session, commune_code: str) -> CommuneSequence:
    """The commune's change counter, locked until the transaction ends (created if new)."""
    row = session.execute(
        select(CommuneSequence)
        .where(CommuneSequence.commune_code == commune_code)
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        # Two first pushes racing here collide on the primary key; the push service
        # retries the whole transaction, and the second one then finds this row.
        row = CommuneSequence(commune_code=commune_code, last_seq=0)
        session.add(row)
        session.flush()
    return row


def counts_by_table(session: Session, commune_code: str) -> dict[str, tuple[int, int]]:
    """Per table: (live rows, tombstoned rows) held for the commune."""
    rows = session.execute(
        select(Record.table_name, Record.deleted, func.count())
        .where(Record.commune_code == commune_code)
        .group_by(Record.table_name, Record.deleted)
    ).all()
    counts: dict[str, tuple[int, int]] = {}
    for table_name, deleted, count in rows:
        live, dead = counts.get(table_name, (0, 0))
        counts[table_name] = (live, dead + count) if deleted else (live + count, dead)
    return counts
