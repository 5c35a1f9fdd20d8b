"""The “Gộp sổ của xã cũ” wizard: disabled with why for non-administrators; open, map, merge."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book, open_book
from desktop.core.services.demo import populate_demo
from desktop.core.services.merge_book import CrossDuplicate, HamletChoice
from desktop.core.services.users import NewUser, UserService
from desktop.ui.security.backup_view import BackupView
from desktop.ui.security.merge_book_models import DuplicatePairsModel, HamletMapModel
from tests.gui.conftest import wait_for_message, wait_for_ops
from tests.gui.test_translations import check
from tests.unit.core.services.former_books import (
    FormerBackup,
    add_shared_children,
    make_former_backup,
    table_counts,
)

pytestmark = pytest.mark.today("2026-10-20")


def test_models_pass_the_model_tester(qtmodeltester: Any) -> None:
    hamlets = HamletMapModel()
    hamlets.set_choices(
        [
            HamletChoice("a", "Thôn Đông", 12, "Thôn Đông", "x"),
            HamletChoice("b", "Thôn Đoài", 3, "Thôn Đoài"),
        ]
    )
    qtmodeltester.check(hamlets)
    assert hamlets.setData(hamlets.index(1, HamletMapModel.TARGET), "Thôn Mới")
    assert hamlets.targets() == {"a": "Thôn Đông", "b": "Thôn Mới"}
    assert hamlets.data(hamlets.index(1, 3)) == "(bấm “Xem lại”)"
    assert not hamlets.flags(hamlets.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    pairs = DuplicatePairsModel()
    pairs.set_pairs(
        [
            CrossDuplicate(
                "e1", "Lê Văn An", date(2015, 1, 2), "hộ số 1 (Lê Văn B), Thôn 1",
                "i1", "Lê Văn An", date(2015, 1, 2), "hộ số 4 (Lê Văn B), Thôn 2, xã X cũ",
                ("id_number",),
            )
        ]
    )  # fmt: skip
    qtmodeltester.check(pairs)
    assert pairs.confirmed() == []  # never ticked for the officer
    assert pairs.setData(pairs.index(0, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert pairs.confirmed() == [("e1", "i1")]
    assert pairs.data(pairs.index(0, 3)) == "trùng số định danh"


def test_an_officer_sees_the_entry_disabled_with_why(book: Book, qtbot: Any) -> None:
    UserService(book).add_user(NewUser("canbo2", "Cán bộ", Role.OFFICER, "mk-can-bo-2026"))
    officer = open_book("canbo2", "mk-can-bo-2026")
    try:
        view = BackupView(officer)
        qtbot.addWidget(view)
        assert not view.merge_button.isEnabled()
        assert "Chỉ quản trị viên" in view.merge_button.toolTip()
        view.close()
        wait_for_ops(qtbot)
    finally:
        officer.close()


@pytest.fixture
def former(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FormerBackup:
    return make_former_backup(
        monkeypatch, tmp_path / "xa-cu", code="11111", name="Minh Hưng", seed=7
    )


def test_open_map_and_merge(book: Book, former: FormerBackup, qtbot: Any) -> None:
    populate_demo(book, 50, seed=8)
    add_shared_children(book, former.shared)
    before = table_counts(book)
    view = BackupView(book)
    qtbot.addWidget(view)
    view.show()
    wait_for_ops(qtbot)
    assert view.merge_button.isEnabled()
    wizard = view.open_merge()
    check(wizard)
    page = wizard.open_page
    assert not page.isComplete()
    page.path.setText(str(former.path))
    page.code.setText("SAI-MA-KHOI-PHUC")
    page.open_button.click()
    wait_for_ops(qtbot)
    assert "Mã khôi phục không mở được" in page.error.text()
    assert not page.isComplete()
    page.code.setText(former.recovery_code)
    page.open_button.click()
    wait_for_ops(qtbot)
    assert page.isComplete(), page.error.text()
    wizard.next()
    mapping = wizard.map_page
    assert wizard.currentPage() is mapping
    check(wizard)
    assert "Sổ của xã Minh Hưng cũ (mã 11111)" in mapping.summary.toPlainText()
    assert mapping.hamlets.rowCount() == 3
    assert mapping.pairs.rowCount() == len(former.shared)
    assert f"Có thể trùng ở hai sổ: {len(former.shared)} cặp" in mapping.summary.toPlainText()
    # A hamlet mapped to nothing: told under the table, and no way forward.
    mapping.hamlets.setData(mapping.hamlets.index(1, HamletMapModel.TARGET), " ")
    mapping.review_button.click()
    wait_for_ops(qtbot)
    assert "được ghép với một thôn để trống" in mapping.error.text()
    assert not mapping.isComplete()
    mapping.hamlets.setData(mapping.hamlets.index(1, HamletMapModel.TARGET), "Thôn 2")
    # The officer renames the first hamlet: the preview must be seen again before merging.
    mapping.hamlets.setData(mapping.hamlets.index(0, HamletMapModel.TARGET), "Thôn Minh Hưng")
    assert not mapping.isComplete()
    mapping.review_button.click()
    wait_for_ops(qtbot)
    assert mapping.isComplete(), mapping.error.text()
    assert "thêm thôn “Thôn Minh Hưng”" in mapping.summary.toPlainText()
    mapping.pairs.setData(
        mapping.pairs.index(0, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole
    )
    wizard.next()
    assert wizard.currentPage() is wizard.confirm_page
    assert "gộp 1 cặp hồ sơ trùng" in wizard.confirm_page.text.text()
    check(wizard)
    # “Dừng” at once: the transaction rolls back, the wizard stays open to try again.
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.op is not None
    wizard.op.cancel()
    box = wait_for_message(qtbot)
    assert "Đã dừng: sổ giữ nguyên như trước khi gộp." in box.text()
    box.accept()
    stopped = table_counts(book)
    assert {k: v for k, v in stopped.items() if k != "audit_entries"} == {
        k: v for k, v in before.items() if k != "audit_entries"
    }
    assert wizard.isVisible() and wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    with qtbot.waitSignal(wizard.merged, timeout=30_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    box = wait_for_message(qtbot)
    assert "Đã gộp sổ của xã Minh Hưng cũ" in box.text()
    box.accept()
    after = table_counts(book)
    assert after["persons"] == before["persons"] + former.counts["persons"]
    assert after["hamlets"] == before["hamlets"] + 1
    # The former book's own merge log comes too, and the pair merged here is added.
    assert after["merge_records"] == before["merge_records"] + former.counts["merge_records"] + 1
    view.close()
