"""Low-level pieces of backups: a consistent encrypted copy of the open database, and a check.

The copy uses SQLite's online backup API on the live connection, so it is one consistent
snapshot even while the app keeps writing; the copy is keyed with the same raw key, so it is
encrypted exactly like the book.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from desktop.core.storage import migrate
from desktop.core.storage.engine import BookFileError, make_engine
from desktop.core.storage.models import CommuneSettings
from desktop.core.storage.repositories import audit as audit_repo


def _key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def snapshot(engine: Engine, destination: Path, key: bytes) -> None:
    """Copy the database behind ``engine`` to ``destination`` (a new file), encrypted."""
    target: Any = sqlcipher3.connect(str(destination))
    try:
        target.execute(_key_pragma(key))
        raw = engine.raw_connection()
        try:
            raw.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            raw.close()
        # The copy keeps WAL mode from the page header; fold it so the file stands alone.
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        target.close()


@dataclass(frozen=True)
class DatabaseFacts:
    """What a backup's database says about itself once opened with the key."""

    integrity: str
    book_id: str
    commune_code: str
    commune_name: str
    unit_kind: str
    revision: str | None
    audit_seq: int
    audit_hash: str


def inspect_database(path: Path, key: bytes) -> DatabaseFacts:
    """Open ``path`` with ``key`` and check it fully; BookFileError if it cannot be read."""
    engine = make_engine(path, key)
    try:
        with engine.connect() as conn:
            try:
                conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
                rows = [str(r[0]) for r in conn.execute(text("PRAGMA integrity_check"))]
            except DatabaseError as exc:
                raise BookFileError(
                    "Không mở được dữ liệu trong bản sao lưu: tệp bị hỏng hoặc khóa không khớp."
                ) from exc
        integrity = "ok" if rows == ["ok"] else "; ".join(rows[:5])
        revision = migrate.current_revision(engine)
        with Session(engine) as session:
            # Only columns every revision has: a backup of an older app (its schema lacks
            # columns added since) must still be read, then upgraded once restored or merged.
            settings = session.execute(
                select(
                    CommuneSettings.book_id,
                    CommuneSettings.commune_code,
                    CommuneSettings.commune_name,
                    CommuneSettings.unit_kind,
                )
            ).one_or_none()
            link = audit_repo.head(session) if integrity == "ok" else None
        if settings is None:
            raise BookFileError("Bản sao lưu không chứa thông tin xã: không phải sổ Sổ Trẻ Em.")
        return DatabaseFacts(
            integrity=integrity,
            book_id=settings.book_id,
            commune_code=settings.commune_code,
            commune_name=settings.commune_name,
            unit_kind=settings.unit_kind,
            revision=revision,
            audit_seq=link.seq if link else 0,
            audit_hash=link.entry_hash if link else "",
        )
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the open database."""
    return migrate.current_revision(engine)


def audit_head(engine: Engine) -> tuple[int, str]:
    """The last audit line's number and hash (0, "" for none or before the audit table)."""
    try:
        with Session(engine) as session:
            link = audit_repo.head(session)
    except DatabaseError:
        return 0, ""
    return (link.seq, link.entry_hash) if link else (0, "")
