"""Every screen of importing and printing speaks Vietnamese and fits a 1366×768 screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from desktop.core.services.book import Book
from desktop.ui.imports.view import DataExchangeView
from desktop.ui.imports.wizard import ImportWizard
from desktop.ui.printing.dialogs import BlankFormDialog, ChildProfileDialog, HamletBookDialog
from tests.gui.conftest import wait_for_ops
from tests.gui.test_translations import check
from tests.unit.core.importer.conftest import write_xlsx

SCREEN = (1366, 768)


def _fits(widget: QWidget) -> None:
    size = widget.size()
    assert size.width() <= SCREEN[0] and size.height() <= SCREEN[1] - 40, size


def test_every_page_of_the_wizard(book: Book, qtbot: Any, tmp_path: Path) -> None:
    wizard = ImportWizard(book)
    qtbot.addWidget(wizard)
    wizard.show()
    check(wizard)
    _fits(wizard)
    path = write_xlsx(
        tmp_path / "khac.xlsx",
        [["Thôn Đông", "12", "Nguyễn Văn Hùng", "Nguyễn Thị Mai", "05/09/2019", "Nữ"],
         ["Thôn Đông", "12", "Nguyễn Văn Hùng", "Lê Bé", "31/02/2019", "Nữ"]],
        headers=["Thôn", "Hộ số", "Chủ hộ", "Họ và tên trẻ em", "Sinh ngày", "Nam/Nữ"],
    )  # fmt: skip
    wizard.reference_date.setText("30/06/2026")
    wizard.load_file(path)
    wait_for_ops(qtbot)
    check(wizard)
    wizard.go_next()
    check(wizard)
    wizard.go_next()
    wait_for_ops(qtbot)
    check(wizard)
    wizard.tabs.setCurrentIndex(1)
    check(wizard)
    wizard.go_next()
    wait_for_ops(qtbot)
    check(wizard)
    _fits(wizard)


def test_the_area_and_the_print_dialogs(book: Book, qtbot: Any) -> None:
    view = DataExchangeView(book)
    qtbot.addWidget(view)
    view.resize(1180, 700)
    view.show()
    check(view)
    for dialog in (HamletBookDialog(book), BlankFormDialog(book), ChildProfileDialog(book)):
        qtbot.addWidget(dialog)
        dialog.show()
        wait_for_ops(qtbot)
        check(dialog)
        _fits(dialog)
