"""Two processes write audited changes to one book at the same moment (issue 20).

An import started while a sync ran died with ``UNIQUE constraint failed: audit_entries.seq``:
both read the audit head before either held the write lock. Now the writer takes the lock
(``BEGIN IMMEDIATE``) before reading the head, so the second one waits its turn.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from desktop import paths
from desktop.core.services.audit import verify_chain
from desktop.core.services.book import Book, BookBusyError
from desktop.core.storage.engine import make_engine, take_write_lock
from desktop.core.storage.models import AuditEntry, Household
from desktop.core.storage.repositories import audit as audit_repo

pytestmark = pytest.mark.no_cover

WRITER = Path(__file__).with_name("audit_race_writer.py")
ROUNDS = 40


def test_two_processes_append_audit_lines_without_colliding(
    book: Book, hamlet_id: str, tmp_path: Path
) -> None:
    key = book.unwrapped_key()
    user_id = book.user.id
    book.close()
    engine = make_engine(paths.book_file(), key)
    with Session(engine) as session:
        lines_before = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    start = tmp_path / "start"
    env = {**os.environ, "SOTREEM_TEST_RAW_KEY": key.hex()}
    root = str(Path(__file__).resolve().parents[2])
    writers = [
        subprocess.Popen(
            [sys.executable, str(WRITER), name, hamlet_id, user_id, str(ROUNDS), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=root,
            text=True,
        )
        for name in ("A", "B")
    ]
    try:
        for writer in writers:
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "READY"
        start.touch()
        results = [writer.communicate(timeout=240) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    for writer, (out, err) in zip(writers, results, strict=True):
        assert "Traceback" not in err, err
        assert writer.returncode == 0, err
        assert out.strip() == f"OK {ROUNDS}", out
    try:
        with Session(engine) as session:
            seqs = [e.seq for e in audit_repo.walk(session)]
            report = verify_chain(audit_repo.walk(session))
            households = session.execute(select(func.count()).select_from(Household)).scalar_one()
        assert report.ok, report.message_vi
        assert seqs == list(range(1, len(seqs) + 1))
        # Every login line and at least one line per saved household made it, from both.
        assert len(seqs) >= lines_before + 2 * ROUNDS
        assert households == ROUNDS
    finally:
        engine.dispose()


def test_a_writer_past_the_busy_timeout_gets_a_vietnamese_message(book: Book) -> None:
    key = book.unwrapped_key()
    book.close()
    holder = make_engine(paths.book_file(), key)
    waiter = make_engine(paths.book_file(), key)
    try:
        with holder.connect() as held, waiter.connect() as conn:
            take_write_lock(held)
            conn.exec_driver_sql("PRAGMA busy_timeout = 50")
            with pytest.raises(BookBusyError) as caught:
                take_write_lock(conn)
            assert caught.value.message_vi.startswith(
                "Sổ đang được một chương trình khác ghi, hãy thử lại sau"
            )
            held.rollback()
            # Once the other writer is done, the lock is free again.
            take_write_lock(conn)
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
            conn.rollback()
    finally:
        holder.dispose()
        waiter.dispose()
