"""What the server holds for one commune: counts per table, devices, last push."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from sync.protocol import SYNC_TABLES
from sync.server.repositories import batches as batches_repo
from sync.server.repositories import devices as devices_repo
from sync.server.repositories import records as records_repo


@dataclass(frozen=True, slots=True)
class TableCount:
    """Rows of one table held for a commune."""

    live: int
    deleted: int


@dataclass(frozen=True, slots=True)
class CommuneSummary:
    """A commune's data on the server, in numbers."""

    commune_code: str
    tables: dict[str, TableCount]
    devices: int
    active_devices: int
    last_push_at: datetime | None


def commune_summary(sessions: sessionmaker[Session], commune_code: str) -> CommuneSummary:
    """Count the commune's records per table (live and tombstoned) and its devices."""
    with sessions() as session:
        counts = records_repo.counts_by_table(session, commune_code)
        devices = devices_repo.list_for_commune(session, commune_code)
        last_push = batches_repo.last_push_at(session, commune_code)
    # Every synced table is listed, even at zero, so a report's shape does not change.
    names = list(SYNC_TABLES) + sorted(set(counts) - set(SYNC_TABLES))
    tables = {name: TableCount(*counts.get(name, (0, 0))) for name in names}
    return CommuneSummary(
        commune_code=commune_code,
        tables=tables,
        devices=len(devices),
        active_devices=sum(1 for d in devices if d.revoked_at is None),
        last_push_at=last_push,
    )


def record_data(
    sessions: sessionmaker[Session], commune_code: str, table: str, record_id: str
) -> dict[str, Any] | None:
    """The stored fields of one record (None if the server does not hold it)."""
    with sessions() as session:
        record = records_repo.get(session, commune_code, table, record_id)
        return dict(record.data) if record is not None else None


def commune_records(sessions: sessionmaker[Session], commune_code: str) -> list[dict[str, Any]]:
    """Every record of a commune as plain data (export and comparison)."""
    with sessions() as session:
        return [
            {
                "table": r.table_name,
                "id": r.record_id,
                "version": r.version,
                "deleted": r.deleted,
                "data": dict(r.data),
                "seq": r.seq,
                "upstream": r.author_user_id is not None,
            }
            for r in records_repo.all_for_commune(session, commune_code)
        ]
