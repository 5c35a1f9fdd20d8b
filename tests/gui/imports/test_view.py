"""The “Nhập, xuất, in” area, the print dialogs, and the “Xuất Excel” button for lists."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import msoffcrypto
import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QStringListModel
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.imports import ImportService
from desktop.ui import changes
from desktop.ui.imports.view import DataExchangeView
from desktop.ui.imports.wizard import ImportWizard
from desktop.ui.printing.dialogs import BlankFormDialog, ChildProfileDialog, HamletBookDialog
from desktop.ui.printing.export_list import ExportExcelButton, table_from_model
from desktop.ui.security.export_dialog import ExportPasswordDialog
from sync import clock
from tests.gui.conftest import find_top_level, wait_for_ops
from tests.unit.core.exports.conftest import pdf_text
from tests.unit.core.importer.conftest import row, write_xlsx


@pytest.fixture
def filled(book: Book, tmp_path: Path) -> Book:
    path = write_xlsx(
        tmp_path / "ds.xlsx",
        [row(), row(name="Nguyễn Văn Nam", born="21/11/2012", sex="Nam", id_number="")],
    )
    service = ImportService(book)
    service.run(service.preview(path, today=date(2026, 6, 30)))
    return book


def _save_as(path: Path, *, password: str | None = None) -> None:
    """Answer the open save dialog, then the password dialog if one comes."""
    find_top_level(QFileDialog)[-1].fileSelected.emit(str(path))  # type: ignore[attr-defined]
    dialogs = find_top_level(ExportPasswordDialog)
    if dialogs:
        dialog = dialogs[-1]
        assert isinstance(dialog, ExportPasswordDialog)
        if password is None:
            dialog.no_password.setChecked(True)
        else:
            dialog.password.setText(password)
            dialog.password2.setText(password)
        dialog.submit()


def _close_boxes() -> None:
    for box in find_top_level(QMessageBox):
        box.close()


def test_the_area_shows_what_the_role_may_do(book: Book, qtbot: Any) -> None:
    view = DataExchangeView(book)
    qtbot.addWidget(view)
    assert view.import_button.isVisibleTo(view)
    assert view.book_button.isVisibleTo(view)
    book.user = CurrentUser("v", "viewer", "Người xem", Role.VIEWER)
    viewer = DataExchangeView(book)
    qtbot.addWidget(viewer)
    assert not viewer.import_button.isVisibleTo(viewer)
    assert not viewer.book_button.isVisibleTo(viewer)
    assert not viewer.police_export_button.isVisibleTo(viewer)
    assert viewer.form_button.isVisibleTo(viewer)  # a blank form holds no personal data


def test_the_area_opens_the_wizard_and_reports_changes(
    filled: Book, qtbot: Any, tmp_path: Path
) -> None:
    view = DataExchangeView(filled)
    qtbot.addWidget(view)
    wizard = view.open_import()
    assert isinstance(wizard, ImportWizard)
    wizard.reference_date.setText("30/06/2026")
    wizard.load_file(write_xlsx(tmp_path / "b.xlsx", [row(name="Trần Văn Mới", id_number="")]))
    wait_for_ops(qtbot)
    wizard.go_next()
    wait_for_ops(qtbot)
    with qtbot.waitSignal(changes.hub().changed, timeout=20_000):
        wizard.go_next()
    wait_for_ops(qtbot)
    wizard.reject()


def test_printing_a_hamlets_book(filled: Book, qtbot: Any, tmp_path: Path) -> None:
    dialog = HamletBookDialog(filled)
    qtbot.addWidget(dialog)
    wait_for_ops(qtbot)
    assert dialog.hamlet.count() == 1
    dialog.choose_path()
    target = tmp_path / "so.pdf"
    _save_as(target)
    wait_for_ops(qtbot)
    assert dialog.written is not None and dialog.written.rows == 3  # the head, then two children
    assert "Nguyễn Văn Nam" in pdf_text(target)
    _close_boxes()


def test_printing_a_blank_form(filled: Book, qtbot: Any, tmp_path: Path) -> None:
    dialog = BlankFormDialog(filled)
    qtbot.addWidget(dialog)
    wait_for_ops(qtbot)
    dialog.rows.setValue(8)
    target = tmp_path / "phieu.pdf"
    dialog.write(target)
    wait_for_ops(qtbot)
    assert "PHIẾU THU THẬP" in pdf_text(target)
    _close_boxes()


def test_finding_and_printing_a_childs_profile(filled: Book, qtbot: Any, tmp_path: Path) -> None:
    dialog = ChildProfileDialog(filled)
    qtbot.addWidget(dialog)
    dialog.print_selected()
    assert "Hãy tìm và chọn" in dialog.error.text()
    dialog.search.setText("nguyen van nam")
    dialog.search_now()
    wait_for_ops(qtbot)
    assert isinstance(dialog.results, QStringListModel)
    assert dialog.results.stringList()[0].startswith("Nguyễn Văn Nam — sinh 21/11/2012")
    dialog.print_selected()
    target = tmp_path / "ho-so.pdf"
    _save_as(target, password="mat-khau-ho-so")
    wait_for_ops(qtbot)
    assert target.exists()
    with target.open("rb") as handle:
        assert b"/Encrypt" in handle.read()
    _close_boxes()


def test_the_police_list_round_trip_from_the_area(filled: Book, qtbot: Any, tmp_path: Path) -> None:
    view = DataExchangeView(filled)
    qtbot.addWidget(view)
    target = tmp_path / "cong-an.xlsx"
    view.export_police_list(target)
    wait_for_ops(qtbot)
    assert "Đã lập danh sách 1 trẻ" in view.police_report.toPlainText()
    _close_boxes()
    workbook = load_workbook(target)
    sheet = workbook["Danh sách xác minh"]
    headers = [c.value for c in sheet[6]]
    sheet.cell(
        row=7, column=headers.index("Số định danh (Công an xã ghi)") + 1, value="038212001122"
    )
    workbook.save(target)
    with qtbot.waitSignal(changes.hub().changed, timeout=20_000):
        view.import_police_list(target)
    wait_for_ops(qtbot)
    assert "038212001122" in view.police_report.toPlainText()
    _close_boxes()


def test_the_export_excel_button_writes_what_a_model_shows(
    book: Book, qtbot: Any, tmp_path: Path
) -> None:
    names = QStringListModel(["Nguyễn Thị Mai", "Lê Văn Bé"])
    assert list(table_from_model(names, "DS").rows) == [("Nguyễn Thị Mai",), ("Lê Văn Bé",)]
    model = QStandardItemModel(0, 2)
    model.setHorizontalHeaderLabels(["Họ tên", "Số định danh"])
    model.appendRow([QStandardItem("Nguyễn Thị Mai"), QStandardItem("038319004567")])
    table = table_from_model(model, "DANH SÁCH THỬ")
    assert [c.header for c in table.columns] == ["Họ tên", "Số định danh"]
    button = ExportExcelButton(book, model, title="DANH SÁCH THỬ", file_name="thu.xlsx")
    qtbot.addWidget(button)
    assert button.text() == "Xuất Excel…"
    button.click()
    target = tmp_path / "thu.xlsx"
    _save_as(target, password="mat-khau-danh-sach")
    wait_for_ops(qtbot)
    with target.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        office.load_key(password="mat-khau-danh-sach")
        plain = io.BytesIO()
        office.decrypt(plain)
    sheet = load_workbook(plain).active
    assert sheet is not None
    # The national header (rows 1-2), the title, the date it was made, a blank row, the columns.
    assert sheet["B1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert sheet["A3"].value == "DANH SÁCH THỬ"
    assert sheet["A4"].value == f"Lập ngày {clock.format_date(clock.today())}"
    assert [c.value for c in sheet[6]] == ["Họ tên", "Số định danh"]
    assert [c.value for c in sheet[7]] == ["Nguyễn Thị Mai", "038319004567"]
    _close_boxes()
