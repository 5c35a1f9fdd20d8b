"""Queries on synced records and on the per-commune change counter."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.server.models import CommuneSequence, Record


def get(session: Session, commune_code: str, table_name: str, record_id: str) -> Record | None:
    """The stored row, if the server holds it."""
    return session.get(Record, (commune_code, table_name, record_id))


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
