"""The schema is owned by Alembic: the migrations build exactly the models' schema."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from desktop.core.storage import migrate
from desktop.core.storage.base import Base


def test_migrations_match_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_audit_trail_refuses_update_and_delete(tmp_path: Path) -> None:
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_entries (at, username, action, table_name, record_id, before,"
                " after, prev_hash, entry_hash) VALUES ('2026-11-22', 'admin', 'view', 'persons',"
                " 'x', '', '', '0', '1')"
            )
        )
    for statement in ("UPDATE audit_entries SET username = 'khac'", "DELETE FROM audit_entries"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


def test_synced_tables_agree_with_the_protocol() -> None:
    from desktop.core.storage.models import SYNCED_MODELS
    from sync.protocol import SYNC_TABLES

    assert tuple(SYNCED_MODELS) == SYNC_TABLES
