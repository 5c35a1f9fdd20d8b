"""The import wizard, driven as an officer would: file, mapping, preview, import, cancel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from sqlalchemy import func, select

from desktop.core.services.book import Book
from desktop.core.storage.models import Household, Person
from desktop.ui import ops
from desktop.ui.imports.wizard import DONE, FILE, MAPPING, PREVIEW, ImportWizard
from desktop.ui.security.export_dialog import ExportPasswordDialog
from tests.gui.conftest import find_top_level, wait_for_ops
from tests.unit.core.importer.conftest import row, write_xlsx


def _persons(book: Book) -> int:
    with book.read() as session:
        return int(session.scalar(select(func.count()).select_from(Person)) or 0)


@pytest.fixture
def wizard(book: Book, qtbot: Any) -> Iterator[ImportWizard]:
    made = ImportWizard(book)
    qtbot.addWidget(made)
    made.reference_date.setText("30/06/2026")
    made.show()
    yield made


def _good_and_bad(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "ds.xlsx",
        [row(), row(name="Nguyễn Văn Nam", id_number=""), row(name="Lê Thị Bé", born="31/02/2019")],
    )


def test_a_template_file_from_preview_to_import(
    wizard: ImportWizard, book: Book, qtbot: Any, tmp_path: Path
) -> None:
    assert wizard.current_step() == FILE
    assert not wizard.next_button.isEnabled()
    wizard.load_file(_good_and_bad(tmp_path))
    wait_for_ops(qtbot)
    assert wizard.overview is not None and not wizard.overview.needs_mapping
    assert "đúng mẫu nhập" in wizard.file_info.text()
    assert wizard.next_button.isEnabled()

    wizard.go_next()
    wait_for_ops(qtbot)
    assert wizard.current_step() == PREVIEW
    counts = wizard.preview_counts.values
    assert [counts[k].text() for k in ("created", "updated", "unchanged", "rejected")] == [
        "2", "0", "0", "1",
    ]  # fmt: skip
    assert wizard.problem_model.rowCount() == 1
    assert wizard.problem_model.row_at(0).row == 6
    assert wizard.line_model.rowCount() == 2
    assert wizard.tabs.tabText(0) == "Lỗi (1)"
    assert wizard.next_button.text() == "Nhập 2 dòng vào sổ"
    assert _persons(book) == 0

    with qtbot.waitSignal(wizard.imported, timeout=20_000):
        wizard.go_next()
    wait_for_ops(qtbot)
    assert wizard.current_step() == DONE
    assert _persons(book) == 2
    assert "Đã sao lưu sổ trước khi nhập" in wizard.done_text.text()
    assert wizard.done_rejected_button.isVisibleTo(wizard)
    assert wizard.close_button.text() == "Hoàn tất"


def test_cancel_during_import_leaves_the_book_unchanged(
    wizard: ImportWizard, book: Book, qtbot: Any, tmp_path: Path
) -> None:
    wizard.load_file(_good_and_bad(tmp_path))
    wait_for_ops(qtbot)
    wizard.go_next()
    wait_for_ops(qtbot)
    op = wizard.start_import()
    assert op is not None
    op.cancel()  # as the progress dialog's “Dừng” does
    wait_for_ops(qtbot)
    assert _persons(book) == 0
    with book.read() as session:
        assert session.scalar(select(func.count()).select_from(Household)) == 0
    assert wizard.current_step() == PREVIEW
    assert "Sổ không thay đổi gì" in wizard.error.text()
    assert wizard.next_button.isEnabled()  # the officer may try again


def test_another_layout_goes_through_the_mapping_step(
    wizard: ImportWizard, book: Book, qtbot: Any, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "khac.xlsx",
        [["Thôn Đông", "12", "Nguyễn Văn Hùng", "Nguyễn Thị Mai", "05/09/2019", "Nữ"]],
        headers=["Thôn", "Hộ số", "Người đứng tên", "Họ và tên trẻ em", "Sinh ngày", "Phái"],
    )
    wizard.load_file(path)
    wait_for_ops(qtbot)
    assert wizard.overview is not None and wizard.overview.needs_mapping
    wizard.go_next()
    assert wizard.current_step() == MAPPING
    # Recognised by their usual names; the others are mapped by hand.
    assert wizard.field_boxes["hamlet"].currentData() == 0
    assert wizard.field_boxes["full_name"].currentData() == 3
    assert wizard.field_boxes["birth_date"].currentData() == 4
    assert wizard.field_boxes["head_name"].currentData() == -1
    assert wizard.sample_model.column_title(2) == "C — Người đứng tên"
    wizard.set_field_column("head_name", 2)
    wizard.set_field_column("sex", 5)
    saved = tmp_path / "ghep.json"
    wizard.save_mapping(saved)
    assert "Người đứng tên" not in saved.read_text(encoding="utf-8")  # by letter: "C"

    wizard.go_next()
    wait_for_ops(qtbot)
    assert wizard.current_step() == PREVIEW
    assert wizard.preview is not None and wizard.preview.summary.created == 1
    wizard.go_back()
    assert wizard.current_step() == MAPPING

    wizard.set_field_column("head_name", None)
    wizard.load_mapping(saved)
    assert wizard.field_boxes["head_name"].currentData() == 2


def test_a_file_that_is_not_a_spreadsheet_says_why(
    wizard: ImportWizard, qtbot: Any, tmp_path: Path
) -> None:
    path = tmp_path / "thu.xlsx"
    path.write_text("Kính gửi UBND xã", encoding="utf-8")
    wizard.load_file(path)
    wait_for_ops(qtbot)
    assert wizard.current_step() == FILE
    assert "không phải tệp Excel" in wizard.error.text()
    assert not wizard.next_button.isEnabled()

    # A good file picked next: the old error goes away.
    wizard.load_file(_good_and_bad(tmp_path))
    wait_for_ops(qtbot)
    assert wizard.error.text() == ""
    assert "đúng mẫu nhập" in wizard.file_info.text()
    assert wizard.next_button.isEnabled()


def test_the_rejected_rows_are_saved_with_a_password(
    wizard: ImportWizard, qtbot: Any, tmp_path: Path
) -> None:
    wizard.load_file(_good_and_bad(tmp_path))
    wait_for_ops(qtbot)
    wizard.go_next()
    wait_for_ops(qtbot)
    target = tmp_path / "loi.xlsx"
    wizard.choose_rejected_path()
    dialogs = [d for d in find_top_level(QFileDialog)]
    assert dialogs, "a save dialog opens"
    dialogs[-1].fileSelected.emit(str(target))  # type: ignore[attr-defined]
    password = find_top_level(ExportPasswordDialog)[-1]
    assert isinstance(password, ExportPasswordDialog)
    password.password.setText("mat-khau-tep-9")
    password.password2.setText("mat-khau-tep-9")
    password.submit()
    wait_for_ops(qtbot)
    assert target.exists()
    with target.open("rb") as handle:
        assert handle.read(4) == b"\xd0\xcf\x11\xe0"  # an encrypted Office file
    for box in find_top_level(QMessageBox):
        box.close()


def test_a_long_list_of_errors_says_how_many_rows_are_shown(
    wizard: ImportWizard, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.core.importer import rows as rows_module

    monkeypatch.setattr(rows_module, "KEPT_REJECTED_ROWS", 2)
    bad = [row(name=f"Rác {i}", born="không rõ") for i in range(5)]
    wizard.load_file(write_xlsx(tmp_path / "dai.xlsx", [row(), *bad]))
    wait_for_ops(qtbot)
    wizard.go_next()
    wait_for_ops(qtbot)
    assert wizard.current_step() == PREVIEW
    assert wizard.preview_counts.values["rejected"].text() == "5"  # the exact count
    assert wizard.tabs.tabText(0) == "Lỗi (5 dòng lỗi, hiển thị 2 dòng đầu)"
    assert {wizard.problem_model.row_at(i).row for i in range(wizard.problem_model.rowCount())} == {
        5,
        6,
    }
    assert wizard.save_rejected_button.isVisible()


def test_closing_is_refused_while_importing(wizard: ImportWizard, qtbot: Any) -> None:
    wizard._set_busy(True)
    wizard.reject()
    assert wizard.isVisible()
    assert not wizard.close_button.isEnabled()
    wizard._set_busy(False)
    wizard.reject()
    assert not wizard.isVisible()
    assert ops.running_ops() == 0
    QApplication.processEvents()
