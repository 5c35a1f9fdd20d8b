"""The “Gộp danh sách Excel của xã cũ” wizard: disabled with why for others; read, map, merge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from sqlalchemy import func, select

from desktop.core.domain.roles import Role
from desktop.core.importer.rejected import ERROR_HEADER
from desktop.core.services.book import Book, open_book
from desktop.core.services.users import NewUser, UserService
from desktop.core.storage.models import ChangeEvent, Hamlet, Household, Person
from desktop.ui.security.backup_view import BackupView
from desktop.ui.security.merge_book_models import HamletMapModel
from tests.gui.conftest import wait_for_message, wait_for_ops
from tests.gui.test_translations import check
from tests.unit.core.importer.conftest import TODAY
from tests.unit.core.services.former_lists import fill_new_book, former_list

pytestmark = pytest.mark.today(TODAY.isoformat())


def _counts(book: Book) -> dict[str, int]:
    with book.read() as session:
        return {
            m.__tablename__: int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Hamlet, Household, Person, ChangeEvent)
        }


def test_an_officer_sees_the_list_entry_disabled_with_why(book: Book, qtbot: Any) -> None:
    UserService(book).add_user(NewUser("canbo3", "Cán bộ", Role.OFFICER, "mk-can-bo-2026"))
    officer = open_book("canbo3", "mk-can-bo-2026")
    try:
        view = BackupView(officer)
        qtbot.addWidget(view)
        assert not view.merge_list_button.isEnabled()
        assert "Chỉ quản trị viên" in view.merge_list_button.toolTip()
        view.close()
        wait_for_ops(qtbot)
    finally:
        officer.close()


def test_read_map_and_merge_a_list(book: Book, tmp_path: Path, qtbot: Any) -> None:
    fill_new_book(book, tmp_path)
    before = _counts(book)
    view = BackupView(book)
    qtbot.addWidget(view)
    view.show()
    wait_for_ops(qtbot)
    assert view.merge_list_button.isEnabled()
    wizard = view.open_merge_list()
    check(wizard)
    page = wizard.list_page
    assert not page.isComplete()
    page.path.setText(str(former_list(tmp_path)))
    # This commune's own code: told in Vietnamese, no way forward.
    page.code.setText("12345")
    page.name.setText("xã Minh Hưng")
    page.read_button.click()
    wait_for_ops(qtbot)
    assert "12345 là mã của chính Xã Hoàng Kim đang dùng" in page.error.text()
    assert not page.isComplete()
    page.code.setText("11111")
    page.read_button.click()
    wait_for_ops(qtbot)
    assert page.isComplete(), page.error.text()
    assert "4 hộ, 5 nhân khẩu sẽ chuyển sang" in page.result.text()
    assert "1 dòng có lỗi" in page.result.text()
    assert page.save_rejected_button.isVisibleTo(page)
    rejected = tmp_path / "loi.xlsx"
    page.save_rejected(rejected)
    wait_for_ops(qtbot)
    wait_for_message(qtbot).accept()  # offered to open the file
    sheet = load_workbook(rejected).active
    assert sheet is not None
    assert ERROR_HEADER in [c.value for c in next(sheet.iter_rows())]
    check(wizard)

    wizard.next()
    mapping = wizard.map_page
    assert wizard.currentPage() is mapping
    check(wizard)
    summary = mapping.summary.toPlainText()
    assert "Danh sách của xã Minh Hưng cũ (mã 11111)" in summary
    assert "Dòng 9, cột “Ngày sinh”" in summary
    assert "Có thể đã có trong sổ: 2 cặp, cần xác nhận." in summary
    assert mapping.hamlets.rowCount() == 3
    assert mapping.pairs.rowCount() == 2
    # Xóm Chợ (row 2 of the table, by name) joins Thôn Tây: seen again before merging.
    row = next(
        r
        for r in range(mapping.hamlets.rowCount())
        if mapping.hamlets.index(r, 0).data() == "Xóm Chợ"
    )
    mapping.hamlets.setData(mapping.hamlets.index(row, HamletMapModel.TARGET), "Thôn Tây")
    assert not mapping.isComplete()
    mapping.review_button.click()
    wait_for_ops(qtbot)
    assert mapping.isComplete(), mapping.error.text()
    assert "Xóm Chợ (2 hộ) → gộp vào thôn “Thôn Tây” đã có" in mapping.summary.toPlainText()
    mai = next(
        r for r in range(mapping.pairs.rowCount()) if "Mai" in str(mapping.pairs.index(r, 1).data())
    )
    mapping.pairs.setData(
        mapping.pairs.index(mai, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole
    )
    wizard.next()
    assert wizard.currentPage() is wizard.confirm_page
    text = wizard.confirm_page.text.text()
    assert "ghi 4 hộ, 5 nhân khẩu của xã Minh Hưng cũ" in text
    assert "gộp 1 cặp hồ sơ trùng" in text
    check(wizard)
    # “Dừng” at once: the transaction rolls back, the wizard stays open to try again.
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.op is not None
    wizard.op.cancel()
    box = wait_for_message(qtbot)
    assert "Đã dừng: sổ giữ nguyên như trước khi gộp." in box.text()
    box.accept()
    assert _counts(book) == before
    with qtbot.waitSignal(wizard.merged, timeout=30_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    box = wait_for_message(qtbot)
    assert "Đã gộp danh sách của xã Minh Hưng cũ: 4 hộ, 5 nhân khẩu, 1 thôn mới" in box.text()
    box.accept()
    after = _counts(book)
    assert after["households"] == before["households"] + 4
    assert after["persons"] == before["persons"] + 5
    assert after["hamlets"] == before["hamlets"] + 1  # Xóm Bến; the others joined
    assert after["change_events"] == before["change_events"] + 4
    view.close()
    wait_for_ops(qtbot)
