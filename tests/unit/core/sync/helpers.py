"""Builders for the sync tests: a second book of the same commune, rows, states."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from desktop.core.services.book import Book, BookSetup, create_book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.storage.models import SYNCED_MODELS
from desktop.core.sync_service import SyncService, row_data

PASSWORD = "matkhau-manh-2026"


@contextmanager
def data_home(path: Path) -> Iterator[None]:
    """Point SOTREEM_HOME at ``path`` while a book is created there."""
    before = os.environ.get("SOTREEM_HOME")
    path.mkdir(parents=True, exist_ok=True)
    os.environ["SOTREEM_HOME"] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOTREEM_HOME", None)
        else:
            os.environ["SOTREEM_HOME"] = before


def new_book(folder: Path, commune: str = "12345", user: str = "admin") -> Book:
    """Another commune computer's book (its own data folder)."""
    with data_home(folder):
        book, _recovery = create_book(
            BookSetup(
                commune_code=commune,
                commune_name="Hoàng Kim",
                province_name="Thanh Hóa",
                admin_username=user,
                admin_full_name="Cán bộ xã",
                admin_password=PASSWORD,
            )
        )
    return book


def add_household(book: Book, hamlet_id: str, number: str, children: int = 1) -> str:
    """A household with ``children`` children, saved through the real service."""
    return HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number=number,
            head_name=f"Trần Văn Chủ {number}",
            children=[
                ChildForm(f"Trần Thị Bé {number}-{i}", date(2015 + i, 1, 2), 2)
                for i in range(children)
            ],
        ),
        today=date(2026, 11, 22),
    )


def states(book: Book) -> dict[str, int]:
    """How many rows of the book are in each sync state."""
    counts: dict[str, int] = {}
    with book.read() as session:
        for model in SYNCED_MODELS.values():
            for row in session.scalars(select(model)):
                counts[row.sync_state] = counts.get(row.sync_state, 0) + 1
    return counts


def book_rows(book: Book) -> dict[tuple[str, str], dict[str, Any]]:
    """Every synced row of the book: version, tombstone, data, state."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    with book.read() as session:
        for table, model in SYNCED_MODELS.items():
            for row in session.scalars(select(model)):
                found[(table, row.id)] = {
                    "version": row.version,
                    "synced_version": row.synced_version,
                    "deleted": row.deleted,
                    "data": row_data(row),
                    "state": row.sync_state,
                }
    return found


def assert_same_as_server(book: Book, server_records: dict[tuple[str, str], Any]) -> None:
    """Every row of the book is on the server with the same version, tombstone and data."""
    rows = book_rows(book)
    assert set(rows) == set(server_records)
    for key, row in rows.items():
        held = server_records[key]
        assert row["state"] == "SYNCED", (key, row)
        assert (row["version"], row["deleted"]) == (held["version"], held["deleted"]), key
        assert row["data"] == held["data"], key


def service(book: Book, **options: Any) -> SyncService:
    """A SyncService with the given options."""
    return SyncService(book, **options)
