"""What runs after login, never before the main window: the whole-file check, the daily backup.

Opening the book only checks that the key opens the file and that the schema is current
(services/book.py). The rest of what a first login of the day used to wait for runs here —
in the GUI on the database thread of the operations runner (desktop/ui/ops.py), with its
progress in the status bar; on the command line before the command, synchronously.

The check runs first: a damaged book is not copied into today's backup (which would then
push a good older backup out of the rotation). A daily backup that failed, or was abandoned
when the app closed, leaves no file with a backup's name (it is written under a temporary
name and renamed only when complete), so the next login finds none for today and tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from desktop.core.services.backup import BackupError, BackupInfo, daily_backup_if_due
from desktop.core.services.book import Book
from desktop.core.storage.engine import BookFileError, verify_readable

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# Progress steps: the check counts as CHECK_STEPS, the backup as BACKUP_STEPS.
CHECK_STEPS = 30
BACKUP_STEPS = 70
TOTAL_STEPS = CHECK_STEPS + BACKUP_STEPS


@dataclass(frozen=True)
class HousekeepingResult:
    """What the background housekeeping found and did."""

    damaged: str = ""  # the Vietnamese message when the whole-file check failed
    backup: BackupInfo | None = None  # today's daily backup, if it was written now
    backup_error: str = ""  # why today's daily backup could not be written

    @property
    def ok(self) -> bool:
        """True when nothing needs the officer's attention."""
        return not self.damaged and not self.backup_error


def check_book(book: Book) -> str:
    """The whole-file check (PRAGMA quick_check); "" if fine, else the message to show."""
    try:
        verify_readable(book.engine, book.path)
    except BookFileError as exc:
        log.error("Book integrity check failed")
        return exc.message_vi
    return ""


def run_housekeeping(
    book: Book, progress: Progress | None = None, now: datetime | None = None
) -> HousekeepingResult:
    """Check the whole file, then write today's backup unless one exists."""
    report = progress or (lambda _done, _total: None)
    report(0, TOTAL_STEPS)
    damaged = check_book(book)
    report(CHECK_STEPS, TOTAL_STEPS)
    if damaged:
        return HousekeepingResult(damaged=damaged)

    def backup_progress(done: int, total: int) -> None:
        report(CHECK_STEPS + BACKUP_STEPS * done // max(total, 1), TOTAL_STEPS)

    try:
        info = daily_backup_if_due(book, now, progress=backup_progress)
    except BackupError as exc:
        log.warning("Daily backup failed")
        return HousekeepingResult(backup_error=exc.message_vi)
    report(TOTAL_STEPS, TOTAL_STEPS)
    return HousekeepingResult(backup=info)
