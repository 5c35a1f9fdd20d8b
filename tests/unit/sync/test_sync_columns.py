"""The protocol's list of known columns is exactly what the book's synced tables carry."""

from __future__ import annotations

from desktop.core.storage.models import SYNCED_MODELS
from desktop.core.sync_service.wire import synced_columns
from sync.columns import SYNC_COLUMNS
from sync.protocol import SYNC_TABLES


def test_the_known_tables_are_the_books_synced_tables() -> None:
    assert list(SYNC_COLUMNS) == list(SYNC_TABLES)
    assert set(SYNC_TABLES) == set(SYNCED_MODELS)


def test_the_known_columns_are_the_books_synced_columns() -> None:
    differences = {
        table: (
            sorted(set(SYNC_COLUMNS[table]) - {c.key for c in synced_columns(model)}),
            sorted({c.key for c in synced_columns(model)} - set(SYNC_COLUMNS[table])),
        )
        for table, model in SYNCED_MODELS.items()
    }
    # (only in sync/columns.py, only in the book's model): both empty for every table.
    assert {t: d for t, d in differences.items() if d != ([], [])} == {}
