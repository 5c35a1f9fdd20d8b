"""Every window and dialog speaks Vietnamese: no Qt English default, no untranslated text.

Opens each screen the way a person reaches it and inspects every visible button, label,
group title, placeholder, table header and window title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressDialog,
    QTableView,
    QTreeView,
    QWidget,
)

from desktop.core.services.book import Book, BookSetup, create_book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.ui.households.dialog import AddHamletDialog, RemoveChildDialog
from desktop.ui.login import LoginWindow
from desktop.ui.main_window import MainWindow
from desktop.ui.ops import run_op
from desktop.ui.setup_wizard import SetupWizard
from tests.conftest import ADMIN_PASSWORD
from tests.gui.conftest import find_top_level, type_text, wait_for_message, wait_for_ops

# Qt's English defaults that must never reach the screen (compared without "&").
QT_ENGLISH = {
    "OK", "Cancel", "Next >", "Next", "< Back", "Back", "Finish", "Yes", "No", "Close",
    "Save", "Save All", "Open", "Discard", "Apply", "Reset", "Help", "Retry", "Ignore",
    "Abort", "Commit", "Done", "Continue", "Go Back", "Restore Defaults", "Yes to All",
    "No to All", "Show Details...", "Hide Details...", "Look in:", "File name:",
    "Files of type:", "Directory:", "Undo", "Redo", "Cut", "Copy", "Paste", "Delete",
    "Select All", "Name", "Size", "Type", "Date Modified", "Detail View", "List View",
    "Parent Directory", "Create New Folder", "Forward", "Choose",
}  # fmt: skip
# Texts that are right without Vietnamese letters.
ALLOWED_ASCII = {"TT", "dd/mm/yyyy", "Kinh", "Nam", "PDF", "Excel", "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX"}
_VIETNAMESE = re.compile(r"[À-ỹĐđƠơƯư]")
_WORD = re.compile(r"[A-Za-z]{3,}")
_MACHINE = re.compile(r"^(https?://\S+|[\w./\\:-]+\.(pdf|xlsx)|[0-9A-Z-]+|[\d\s.,:/()%—-]*)$")


def problems_in(text: str, where: str) -> list[str]:
    """Why ``text`` is not acceptable Vietnamese (empty if it is)."""
    clean = text.replace("&", "").strip()
    if not clean:
        return []
    if clean in QT_ENGLISH or clean.rstrip(".…:") in QT_ENGLISH:
        return [f"{where}: Qt English default {clean!r}"]
    if _VIETNAMESE.search(clean) or clean in ALLOWED_ASCII or _MACHINE.match(clean):
        return []
    if _WORD.search(clean):
        return [f"{where}: no Vietnamese in {clean!r}"]
    return []


def visible_texts(window: QWidget) -> list[tuple[str, str]]:
    """(where, text) for everything a person can read in ``window``."""
    found = [("window title", window.windowTitle())]
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) and widget is not window:
            continue
        name = type(widget).__name__
        if isinstance(widget, QAbstractButton):
            found.append((f"{name} button", widget.text()))
            found.append((f"{name} tooltip", widget.toolTip()))
        elif isinstance(widget, QLabel):
            found.append((f"{name} label", widget.text()))
        elif isinstance(widget, QGroupBox):
            found.append((f"{name} group", widget.title()))
        elif isinstance(widget, QLineEdit):
            found.append((f"{name} placeholder", widget.placeholderText()))
        elif isinstance(widget, QTableView | QTreeView):
            model = widget.model()
            for column in range(model.columnCount(QModelIndex())):
                header = model.headerData(column, Qt.Orientation.Horizontal)
                found.append((f"{name} header", str(header or "")))
        elif isinstance(widget, QListWidget):
            found.extend((f"{name} item", widget.item(i).text()) for i in range(widget.count()))
    return found


def check(window: QWidget) -> None:
    """Fail with every non-Vietnamese text found in ``window``."""
    assert window.isVisible(), window
    QApplication.processEvents()
    problems = [p for where, text in visible_texts(window) for p in problems_in(text, where)]
    assert not problems, "\n".join(problems)


def test_the_checker_catches_english() -> None:
    assert problems_in("&Next >", "x")
    assert problems_in("Cancel", "x")
    assert problems_in("Loading data...", "x")
    assert not problems_in("Hủy", "x")
    assert not problems_in("https://treem.thanhhoa.gov.vn", "x")
    assert not problems_in("7K2M-9QXA-ABCD-EFGH-JKMN-PQRS", "x")


@pytest.fixture
def book_with_data(book: Book, hamlet_id: str) -> Book:
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Hộ",
            children=[ChildForm("Nguyễn Văn An", date(2020, 5, 1), 1)],
        )
    )
    return book


@pytest.fixture
def window(book_with_data: Book, qtbot: Any) -> Iterator[MainWindow]:
    made = MainWindow(book_with_data, book_with_data.commune())
    qtbot.addWidget(made)
    made.show()
    wait_for_ops(qtbot)
    yield made
    made.idle.stop()


def test_setup_wizard_every_page(qtbot: Any) -> None:
    wizard = SetupWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    try:
        check(wizard)
        wizard.next()  # empty: every problem shown in Vietnamese
        check(wizard)
        page = wizard.commune_page
        page.commune_name.setText("Hoàng Kim")
        page.commune_code.setText("12345")
        page.province_name.setText("Thanh Hóa")
        wizard.next()
        check(wizard)
        admin = wizard.admin_page
        admin.admin_full_name.setText("Nguyễn Thị Lan")
        admin.admin_username.setText("lan")
        admin.admin_password.setText(ADMIN_PASSWORD)
        admin.admin_password2.setText(ADMIN_PASSWORD)
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=20_000)
        check(wizard)
    finally:
        wait_for_ops(qtbot)
        if wizard.created is not None:
            wizard.created.book.close()


def test_login_and_forgotten_password(book_setup: BookSetup, qtbot: Any) -> None:
    created, _code = create_book(book_setup)
    created.close()
    login = LoginWindow()
    qtbot.addWidget(login)
    login.show()
    check(login)
    login.username.setText("admin")
    login.password.setText("sai-mat-khau")
    login.attempt()
    qtbot.waitUntil(lambda: bool(login.message.text()), timeout=10_000)
    check(login)
    dialog = login.open_forgot_password()
    check(dialog)
    dialog.ok_button.click()
    check(dialog)


def test_main_window_every_area(window: MainWindow, qtbot: Any) -> None:
    for row in range(window.navigation.count()):
        window.navigation.setCurrentRow(row)
        wait_for_ops(qtbot)
        check(window)
    window.show_area(window.reports)
    with qtbot.waitSignal(window.reports.computed, timeout=10_000):
        window.reports.compute()
    check(window)


def test_household_dialogs(window: MainWindow, qtbot: Any) -> None:
    view = window.households
    dialog = view.open_new()
    assert dialog is not None
    check(dialog)
    dialog.rows[0].birth_date.setText("99/99/2020")
    dialog.save_button.click()
    qtbot.waitUntil(dialog.summary.isVisible, timeout=10_000)
    check(dialog)
    type_text(dialog.rows[0].full_name, "Nguyễn Văn Bé")
    dialog.rows[0].remove_button.click()
    check(wait_for_message(qtbot))
    wait_for_message(qtbot).close()
    dialog.reject()
    box = wait_for_message(qtbot)
    check(box)
    box.close()
    remove = RemoveChildDialog("Nguyễn Văn An", window)
    qtbot.addWidget(remove)
    remove.show()
    check(remove)
    hamlet = view.open_add_hamlet()
    check(hamlet)
    assert isinstance(hamlet, AddHamletDialog)
    hamlet.reject()
    dialog.close()


def test_report_drilldown_file_dialog_and_messages(window: MainWindow, qtbot: Any) -> None:
    reports = window.reports
    window.show_area(window.reports)
    with qtbot.waitSignal(reports.computed, timeout=10_000):
        reports.compute()
    drill = reports.open_drilldown(reports.model.index(4, 4))
    assert drill is not None
    qtbot.waitUntil(lambda: drill.model.rowCount() == 1, timeout=10_000)
    check(drill)
    drill.close()
    files = reports.choose_export_path("pdf")
    assert isinstance(files, QFileDialog)
    qtbot.waitUntil(files.isVisible)
    check(files)
    files.reject()


def test_lock_progress_and_message_boxes(book: Book, qtbot: Any) -> None:
    window = MainWindow(book, book.commune(), idle_lock_ms=100)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.is_locked, timeout=5000)
    assert window.lock_dialog is not None
    check(window.lock_dialog)
    window.lock_dialog.unlocked.emit()
    window.idle.stop()

    import threading

    release = threading.Event()
    run_op(window, lambda: release.wait(5), label="Đang làm…")
    qtbot.waitUntil(lambda: bool(find_top_level(QProgressDialog)), timeout=3000)
    check(find_top_level(QProgressDialog)[0])
    release.set()
    wait_for_ops(qtbot)

    box = QMessageBox(QMessageBox.Icon.Warning, "Sổ Trẻ Em", "Thử", QMessageBox.StandardButton.Ok)
    qtbot.addWidget(box)
    box.setStandardButtons(
        QMessageBox.StandardButton.Ok
        | QMessageBox.StandardButton.Cancel
        | QMessageBox.StandardButton.Yes
        | QMessageBox.StandardButton.No
    )
    box.setDetailedText("chi tiết")
    box.show()
    check(box)
