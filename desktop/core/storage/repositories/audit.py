"""Queries on the audit trail: the chain's last link, appending, browsing and walking it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, insert, select
from sqlalchemy.orm import Session

from desktop.core.storage.models import AuditEntry


@dataclass(frozen=True)
class Link:
    """The last line of the chain: its number and hash."""

    seq: int
    entry_hash: str


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit browser; None or "" means "any"."""

    username: str | None = None
    action: str | None = None
    table_name: str | None = None
    since: datetime | None = None  # naive UTC, inclusive
    until: datetime | None = None  # naive UTC, exclusive
    record_id: str | None = None


def last_link(connection: Connection) -> Link | None:
    row = connection.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return Link(int(row[0]), str(row[1])) if row is not None else None


def insert_links(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    connection.execute(insert(AuditEntry), list(rows))


def _filtered(query: Select[Any], filters: AuditQuery) -> Select[Any]:
    if filters.username:
        query = query.where(AuditEntry.username == filters.username)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.table_name:
        query = query.where(AuditEntry.table_name == filters.table_name)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    if filters.record_id:
        query = query.where(AuditEntry.record_id == filters.record_id)
    return query


def count(session: Session, filters: AuditQuery) -> int:
    return int(session.scalar(_filtered(select(func.count(AuditEntry.seq)), filters)) or 0)


def page(session: Session, filters: AuditQuery, offset: int, limit: int) -> Sequence[AuditEntry]:
    """Newest first."""
    query = _filtered(select(AuditEntry), filters).order_by(AuditEntry.seq.desc())
    return session.scalars(query.offset(offset).limit(limit)).all()


def batch_lines(session: Session, filters: AuditQuery) -> Sequence[AuditEntry]:
    """Batch lines (bulk loads, audit line version 2) matching ``filters`` except the record."""
    plain = AuditQuery(filters.username, filters.action, filters.table_name, filters.since,
                       filters.until, None)  # fmt: skip
    query = _filtered(select(AuditEntry), plain).where(AuditEntry.after.like('{"v":%'))
    return session.scalars(query.order_by(AuditEntry.seq.desc())).all()


def distinct_values(session: Session, column: str) -> list[str]:
    col = getattr(AuditEntry, column)
    return [str(v) for v in session.scalars(select(col).distinct().order_by(col)) if v]


def walk(session: Session, batch: int = 2000) -> Iterator[AuditEntry]:
    """Every line in chain order, read in batches (the trail can be long)."""
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()


def head(session: Session) -> Link | None:
    return last_link(session.connection())
