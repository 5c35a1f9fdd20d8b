"""The SQLCipher engine: an encrypted file, WAL, synchronous=FULL, foreign keys on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool


class BookFileError(Exception):
    """The database file cannot be opened with this key: damaged, foreign, or not a book."""

    def __init__(self, message_vi: str) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi


def make_engine(path: Path, key: bytes) -> Engine:
    """An engine on the encrypted file at ``path``, keyed with the raw 32-byte ``key``."""
    # SQLCipher's raw-key syntax is  PRAGMA key = "x'<64 hex>'"; the pysqlcipher dialect
    # quotes the URL password as an identifier, which produces exactly that statement.
    url = URL.create("sqlite+pysqlcipher", password=f"x'{key.hex()}'", database=str(path))
    # QueuePool, not the SingletonThreadPool the pysqlcipher dialect picks by default: that pool
    # keeps one connection per thread and, past five threads (Qt's worker threads expire and
    # are replaced), closes the connections of other threads — even one in use, which crashed
    # the process (a segfault seen when a worker and the GUI thread read at the same moment).
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=6,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    return engine


def verify_key(engine: Engine, path: Path) -> None:
    """Fail with a clear message if the key does not open the file (reads its first pages).

    This is what opening the book waits for; the whole-file check (``verify_readable``) runs
    in the background after the main window appears.
    """
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
    except DatabaseError as exc:
        raise BookFileError(_unreadable(path)) from exc


def _unreadable(path: Path) -> str:
    return (
        f"Không mở được tệp dữ liệu {path.name}: tệp bị hỏng, không phải của sổ này, "
        "hoặc không phải tệp dữ liệu Sổ Trẻ Em. Hãy khôi phục từ bản sao lưu."
    )


def verify_readable(engine: Engine, path: Path) -> None:
    """Fail with a clear message if the key does not open the file or the file is damaged."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
            result = conn.execute(text("PRAGMA quick_check")).scalar_one()
    except DatabaseError as exc:
        raise BookFileError(_unreadable(path)) from exc
    if result != "ok":
        raise BookFileError(
            f"Tệp dữ liệu {path.name} bị lỗi khi kiểm tra ({result}). "
            "Hãy khôi phục từ bản sao lưu gần nhất."
        )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (results are copied to dataclasses)."""
    return sessionmaker(engine, expire_on_commit=False)


def checkpoint(engine: Engine) -> None:
    """Fold the WAL into the main file, so a file copy is a complete copy."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
