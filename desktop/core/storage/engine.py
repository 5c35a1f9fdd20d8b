"""The SQLCipher engine: an encrypted file, WAL, synchronous=FULL, foreign keys on."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool


class BookFileError(Exception):
    """The database file cannot be opened with this key: damaged, foreign, or not a book."""

    def __init__(self, message_vi: str) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi


BOOK_BUSY_VI = "Sổ đang được một chương trình khác ghi, hãy thử lại sau."


class BookBusyError(Exception):
    """Another process holds the book's write lock past the busy timeout."""

    def __init__(self, message_vi: str = BOOK_BUSY_VI) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi


def is_locked(exc: BaseException) -> bool:
    """True if ``exc`` is SQLite's "database is locked/busy" (the busy timeout ran out)."""
    text_ = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text_ or "busy" in text_)


def take_write_lock(connection: Connection) -> None:
    """Hold the book's write lock on ``connection`` before reading what a write depends on.

    pysqlite only begins a (deferred) transaction before the first INSERT/UPDATE/DELETE, so a
    SELECT before it — the audit chain head — ran outside any lock, and two processes could
    read the same head and collide on the next sequence number. ``BEGIN IMMEDIATE`` takes the
    write lock first (waiting up to the busy timeout); if a write statement already ran, the
    transaction holds it already. Past the timeout: ``BookBusyError``, a Vietnamese message.
    """
    dbapi = connection.connection.dbapi_connection
    if dbapi is None or getattr(dbapi, "in_transaction", True):
        return
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError as exc:
        if is_locked(exc):
            raise BookBusyError() from exc
        raise


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


class CommitCounter:
    """How many transactions were committed on an engine in this process: the cheap "has
    the book changed since?" check behind the caches of computed figures.

    Every write of the app goes through the engine (ORM sessions and ``engine.begin``), and
    SQLAlchemy's ``commit`` event fires for each. A rollback or a read changes nothing.
    """

    def __init__(self, engine: Engine) -> None:
        self._value = 0
        self._lock = threading.Lock()
        event.listen(engine, "commit", self._bump)

    def _bump(self, _conn: Connection) -> None:
        with self._lock:
            self._value += 1

    @property
    def value(self) -> int:
        """The number of commits so far (only ever grows)."""
        return self._value


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
