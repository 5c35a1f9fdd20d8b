"""The book file is a real SQLCipher file: unreadable without the key, safe settings on."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop import paths
from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.storage.engine import BookFileError, make_engine, verify_readable
from desktop.core.storage.keyfile import KeyFile


def _fill(book: Book, hamlet_id: str) -> None:
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="7",
            head_name="Phạm Quang Huy",
            children=[ChildForm("Phạm Thị Xuân Mai", date(2018, 3, 12), 2)],
        )
    )


def test_raw_file_contains_none_of_the_names(book: Book, hamlet_id: str) -> None:
    _fill(book, hamlet_id)
    book.close()
    raw = b"".join(
        p.read_bytes() for p in paths.data_dir().iterdir() if p.name.startswith("so-tre-em.db")
    )
    for name in ["Phạm Quang Huy", "Phạm Thị Xuân Mai", "Thôn Đông", "Hoàng Kim", "Xuân Mai"]:
        for encoding in ("utf-8", "utf-16-le"):
            assert name.encode(encoding) not in raw
    assert b"SQLite format 3" not in raw[:16]


def test_plain_sqlite_cannot_read_it(book: Book) -> None:
    book.close()
    conn = sqlite3.connect(paths.book_file())
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    conn.close()


def test_wrong_key_is_refused_clearly(book: Book) -> None:
    book.close()
    engine = make_engine(paths.book_file(), b"\x01" * 32)
    with pytest.raises(BookFileError, match="Không mở được"):
        verify_readable(engine, paths.book_file())
    engine.dispose()


def test_connection_settings(book: Book) -> None:
    with book.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert "community" in str(conn.execute(text("PRAGMA cipher_version")).scalar())


def test_key_file_holds_no_secret_in_clear(book: Book) -> None:
    content = paths.key_file().read_text(encoding="utf-8")
    assert "matkhau-manh-2026" not in content
    key_file = KeyFile.load(paths.key_file())
    master = key_file.unlock("admin", "matkhau-manh-2026")
    assert master.hex() not in content


def test_truncated_file_is_refused(book: Book, tmp_path: Path) -> None:
    from desktop.core.services.book import open_book

    book.close()
    data = paths.book_file().read_bytes()
    paths.book_file().write_bytes(data[: len(data) // 3])
    with pytest.raises(BookFileError):
        open_book("admin", "matkhau-manh-2026")
