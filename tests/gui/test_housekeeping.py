"""After login: the whole-file check and the daily backup run in the background."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox
from sqlalchemy.exc import DatabaseError

from desktop import paths
from desktop.core.services.backup import daily_backup_due, list_backups
from desktop.core.services.book import Book, open_book
from desktop.core.services.demo import populate_demo
from desktop.ui.main_window import MainWindow
from desktop.ui.security.backup_view import BackupView
from tests.conftest import ADMIN_PASSWORD
from tests.gui.conftest import visible_message_boxes, wait_for_ops


def test_the_window_appears_before_the_daily_backup_which_follows(
    book: Book, hamlet_id: str, qtbot: Any
) -> None:
    assert daily_backup_due() and list_backups() == []
    window = MainWindow(book, book.commune())
    qtbot.addWidget(window)
    window.show()
    keeper = window.housekeeping
    assert keeper is not None and keeper.result is None  # not waited for
    assert keeper.bar.isVisibleTo(window) and keeper.label.text()
    wait_for_ops(qtbot)
    assert keeper.result is not None and keeper.result.ok
    assert keeper.result.backup is not None and not daily_backup_due()
    assert not keeper.bar.isVisibleTo(window)
    assert not visible_message_boxes()
    window.idle.stop()
    window.close()


def _damage_a_page_login_does_not_read(db: Path) -> Book:
    """Damage one page in the middle of the file such that logging in still works."""
    original = db.read_bytes()
    pages = len(original) // PAGE
    for number in range(pages // 3, pages - 2):
        data = bytearray(original)
        data[number * PAGE + 100 : number * PAGE + 400] = bytes(300)
        db.write_bytes(bytes(data))
        try:
            return open_book("admin", ADMIN_PASSWORD)
        except DatabaseError:
            continue
    raise AssertionError("no page could be damaged without breaking the login")


PAGE = 4096


def test_a_damaged_book_found_in_the_background_says_so_and_offers_restore(
    book: Book, qtbot: Any
) -> None:
    populate_demo(book, 300, seed=9)
    book.close()
    db = paths.book_file()
    damaged = _damage_a_page_login_does_not_read(db)
    window = MainWindow(damaged, damaged.commune())
    qtbot.addWidget(window)
    window.show()
    keeper = window.housekeeping
    assert keeper is not None
    wait_for_ops(qtbot)

    def titled() -> list[QMessageBox]:
        return [b for b in visible_message_boxes() if b.windowTitle() == "Sổ bị hỏng"]

    qtbot.waitUntil(lambda: bool(titled()), timeout=10_000)
    text = titled()[0].text()
    assert "khôi phục từ bản sao lưu" in text and db.name in text
    assert keeper.result is not None and keeper.result.damaged and keeper.result.backup is None
    assert list_backups() == []  # a damaged book is not copied over a good backup
    assert isinstance(window.stack.currentWidget(), BackupView)  # where "Khôi phục" is
    for box in visible_message_boxes():
        box.close()
    window.idle.stop()
    window.close()
