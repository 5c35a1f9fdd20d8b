"""Power cut during the background daily backup: SIGKILL the process while it writes.

The book stays intact, the half-written file is never listed or taken for a backup, and the
next login's housekeeping writes today's backup again (and removes the leftover).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop import paths
from desktop.core.services.backup import (
    PARTIAL_SUFFIX,
    SUFFIX,
    daily_backup_due,
    list_backups,
    verify_backup,
)
from desktop.core.services.book import Book, open_book
from desktop.core.services.demo import populate_demo
from desktop.core.services.housekeeping import CHECK_STEPS, run_housekeeping
from desktop.core.storage.engine import verify_readable
from tests.conftest import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
# A kill scenario: its code is covered by faster tests; tracing it for coverage only slows it.
pytestmark = pytest.mark.no_cover

# Opens the book as the app does, runs the housekeeping and says how far the backup is; the
# parent kills it once the backup has started writing.
_CHILD = f"""
import os, sys
from desktop.core.services.book import open_book
from desktop.core.services.housekeeping import run_housekeeping

book = open_book("admin", {ADMIN_PASSWORD!r})
def progress(done, total):
    os.write(1, f"P {{done}} {{total}}\\n".encode())
run_housekeeping(book, progress)
os.write(1, b"FINISHED\\n")
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_sigkill_during_the_background_backup(book: Book) -> None:
    populate_demo(book, 2000, seed=11)
    book.close()
    env = dict(os.environ, SOTREEM_HOME=str(paths.data_dir()))
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, cwd=ROOT, env=env
    )
    assert child.stdout is not None
    killed = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = child.stdout.readline().decode()
        if not line or line.startswith("FINISHED"):
            break
        done = int(line.split()[1])
        partials = list(paths.backups_dir().glob(f".*{PARTIAL_SUFFIX}"))
        if done > CHECK_STEPS and partials:
            os.kill(child.pid, signal.SIGKILL)
            killed = True
            break
    child.wait(30)
    assert killed, "the backup finished before it could be interrupted"
    assert child.returncode == -signal.SIGKILL
    # A half-written file exists, under its temporary name only.
    assert list(paths.backups_dir().glob(f".*{SUFFIX}.*{PARTIAL_SUFFIX}"))
    assert not list(paths.backups_dir().glob(f"[!.]*{SUFFIX}"))
    assert list_backups() == []
    assert daily_backup_due()

    reopened = open_book("admin", ADMIN_PASSWORD)
    try:
        verify_readable(reopened.engine, reopened.path)  # the book is intact
        result = run_housekeeping(reopened)  # the next login tries again
        assert result.ok and result.backup is not None
        assert not list(paths.backups_dir().glob(f".*{PARTIAL_SUFFIX}"))
        listed = list_backups()
        assert [entry.path for entry in listed] == [result.backup.path]
        verified = verify_backup(
            result.backup.path,
            master_key=reopened.unwrapped_key(),
            current_book_id=reopened.key_file.book_id,
            current_commune_code=reopened.commune().code,
        )
        verified.discard()
        assert not daily_backup_due()
    finally:
        reopened.close()
