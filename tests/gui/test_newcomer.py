"""A newcomer's first day, end to end, as issue 19 asks it to be done without a manual.

Through the screens and buttons only (no service called behind the app's back): the first start
shows the setup wizard; the commune and its administrator are typed; the recovery code is
confirmed; a hamlet is added; a household with two children is typed; the population report is
printed to PDF with a signer's name; the book is backed up; this computer is enrolled with the
real upstream server on 127.0.0.1 and synced; the screen is locked and unlocked; the officer
logs out and the login window comes back. Each step checks what the officer would see.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from desktop.ui.app import AppController
from desktop.ui.households.dialog import AddHamletDialog, HouseholdDialog
from desktop.ui.login import LoginWindow
from desktop.ui.main_window import LockDialog, MainWindow
from desktop.ui.security.backup_view import BackupView
from desktop.ui.setup_wizard import SetupWizard
from tests.conftest import ADMIN_PASSWORD
from tests.gui.conftest import answer, type_text, wait_for_message, wait_for_ops
from tests.gui.test_setup_wizard import fill_admin, fill_commune
from tests.unit.core.sync.conftest import LiveServer, serve


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    made = serve(f"sqlite:///{tmp_path / 'cap-tren.db'}", tmp_path / "server-home")
    try:
        yield made
    finally:
        made.stop()


def _area(main: MainWindow, kind: type) -> Any:
    for _title, widget in main.areas:
        if isinstance(widget, kind):
            main.show_area(widget)
            return widget
    raise AssertionError(kind.__name__)


def test_a_newcomers_first_day(server: LiveServer, qtbot: Any, tmp_path: Path) -> None:
    # -- first start: the setup wizard ----------------------------------------------------
    controller = AppController()
    wizard = controller.start()
    qtbot.addWidget(wizard)
    assert isinstance(wizard, SetupWizard)
    fill_commune(wizard)
    wizard.next()
    fill_admin(wizard)
    wizard.next()  # "Tạo sổ"
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=30_000)
    wizard.recovery_page.confirm.setChecked(True)  # "Tôi đã ghi lại mã khôi phục"
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.text() == "Bắt đầu dùng sổ" and finish.isEnabled()
    finish.click()
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=20_000)
    main = controller.main_window
    assert isinstance(main, MainWindow)
    qtbot.addWidget(main)
    wait_for_ops(qtbot)
    assert main.windowTitle() == "Sổ Trẻ Em — Xã Hoàng Kim"

    # -- a hamlet, then a household with two children ----------------------------------------
    households = main.households
    main.show_area(households)
    hamlet = households.open_add_hamlet()
    assert isinstance(hamlet, AddHamletDialog)
    type_text(hamlet.name, "Thôn Đông")
    with qtbot.waitSignal(hamlet.added, timeout=10_000):
        hamlet.ok_button.click()
    wait_for_ops(qtbot)
    dialog = households.open_new()
    assert isinstance(dialog, HouseholdDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.hamlet_id.currentText() == "Thôn Đông"
    qtbot.keyClicks(dialog.number, "1")
    type_text(dialog.head_name, "Nguyễn Văn Bình")
    first = dialog.rows[0]
    type_text(first.full_name, "Nguyễn Thị Hoa")
    qtbot.keyClicks(first.birth_date, "05092019")
    first.birth_date.check()
    qtbot.keyClicks(first.sex, "nu")
    qtbot.keyClick(first.notes, Qt.Key.Key_Return)  # Enter on the last field: a second child
    second = dialog.rows[1]
    type_text(second.full_name, "Nguyễn Văn Nam")
    qtbot.keyClicks(second.birth_date, "12/03/2017")
    qtbot.keyClicks(second.sex, "na")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: households.model.rowCount() == 1, timeout=10_000)
    assert households.model.row_at(0).children == 2
    wait_for_ops(qtbot)

    # -- the population report, printed with the signer's name -------------------------------
    from pypdf import PdfReader

    reports = main.reports
    main.show_area(reports)
    wait_for_ops(qtbot)
    reports.signer_edit.setText("Phạm Thị Hoa")
    target = tmp_path / "Báo cáo dân số.pdf"
    with qtbot.waitSignal(reports.exported, timeout=30_000):
        reports.export_to(target, "pdf", None)
    answer(wait_for_message(qtbot), "Để sau")  # "Mở tệp?" — not now
    text = "".join(page.extract_text() for page in PdfReader(target).pages)
    assert "Phạm Thị Hoa" in text and "Hoàng Kim" in text

    # -- a backup ----------------------------------------------------------------------------
    backup = _area(main, BackupView)
    wait_for_ops(qtbot)
    with qtbot.waitSignal(backup.backed_up, timeout=30_000) as made:
        backup.backup_to(None)
    assert Path(made.args[0].path).is_file()
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: backup.model.rowCount() >= 1, timeout=10_000)  # listed at once

    # -- enrolment and the first sync with the upstream server -------------------------------
    sync = main.sync
    main.show_area(sync)
    wait_for_ops(qtbot)
    sync.server_url.setText(server.url)
    sync.enrol_code.setText(server.code("12345"))
    sync.enrol_button.click()
    qtbot.waitUntil(lambda: sync.status is not None and sync.status.enrolled, timeout=30_000)
    with qtbot.waitSignal(sync.synced, timeout=60_000) as synced:
        sync.sync_button.click()
    assert not synced.args[0].offline
    records = server.records("12345")
    persons = [r for (table, _id), r in records.items() if table == "persons"]
    names = {r["data"].get("full_name") for r in persons}
    assert {"Nguyễn Thị Hoa", "Nguyễn Văn Nam"} <= names
    wait_for_ops(qtbot)

    # -- lock, unlock, log out ---------------------------------------------------------------
    main.lock_action.trigger()
    assert main.is_locked
    lock = main.lock_dialog
    assert isinstance(lock, LockDialog)
    lock.password.setText(ADMIN_PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=10_000):
        lock.unlock_button.click()
    assert not main.is_locked
    wait_for_ops(qtbot)
    main.log_out()
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginWindow), timeout=20_000)
    assert controller.window.isVisible()
