"""The main window: fits 1366×768, navigation, status bar, idle lock, closing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from desktop.core.services.book import Book
from desktop.ui.households.dialog import HouseholdDialog
from desktop.ui.main_window import LockDialog, MainWindow
from desktop.ui.screen import fit_size
from sync import clock
from tests.conftest import ADMIN_PASSWORD
from tests.gui.conftest import find_top_level, is_closed, wait_for_ops


@pytest.fixture
def window(book: Book, hamlet_id: str, qtbot: Any) -> Iterator[MainWindow]:
    made = MainWindow(book, book.commune())
    qtbot.addWidget(made)
    made.show()
    wait_for_ops(qtbot)
    yield made
    made.idle.stop()


def test_window_fits_a_1366x768_screen(window: MainWindow) -> None:
    assert window.windowTitle() == "Sổ Trẻ Em — Xã Hoàng Kim"
    size = window.size()
    assert size.width() <= 1366 - 16 and size.height() <= 768 - 80
    # Small enough for 1366×768 at 125 % (1093×614 logical): the areas scroll, never squeeze.
    assert window.minimumSize() == QSize(960, 520)
    assert size.width() >= 960 and size.height() >= 520
    assert fit_size(1280, 720).height() <= 688  # taskbar and title bar left visible


def test_navigation_shows_only_working_areas(window: MainWindow) -> None:
    titles = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert titles == [
        "Trang chủ", "Hộ gia đình", "Trẻ em", "Bảo vệ trẻ em", "Báo cáo", "Báo cáo định kỳ",
        "Xã phù hợp\nvới trẻ em", "Đồng bộ", "Nhập, xuất, in", "Sao lưu", "Người dùng", "Nhật ký",
    ]  # fmt: skip
    # Every title fits the 180-px navigation (less the items' padding and mark): none is cut.
    metrics = window.navigation.fontMetrics()
    for title in titles:
        widest = max(metrics.horizontalAdvance(line) for line in title.split("\n"))
        assert widest <= window.navigation.width() - 32, title
    assert window.stack.currentWidget() is window.home
    window.navigation.setCurrentRow(4)
    assert window.stack.currentWidget() is window.reports
    window.navigation.setCurrentRow(5)
    assert window.stack.currentWidget() is window.periodic
    window.navigation.setCurrentRow(6)
    assert window.stack.currentWidget() is window.cfc
    window.navigation.setCurrentRow(7)
    assert window.stack.currentWidget() is window.sync


def test_status_bar_names_user_commune_and_waiting_changes(window: MainWindow, qtbot: Any) -> None:
    assert window.user_label.text() == "Người dùng: Nguyễn Văn Quản (Quản trị viên)"
    assert window.commune_label.text() == "Đơn vị: Xã Hoàng Kim, Thanh Hóa"
    qtbot.waitUntil(lambda: window.pending_label.text().startswith("Chờ đồng bộ: "))
    assert window.pending_label.text() != "Chờ đồng bộ: 0"  # the hamlet is waiting


def test_idle_lock_hides_data_and_asks_for_the_password(
    book: Book, hamlet_id: str, qtbot: Any
) -> None:
    now = [1000.0]  # moved by hand: the lock comes after the form opened, however busy the PC
    window = MainWindow(book, book.commune(), idle_lock_ms=250)
    window.idle.now = lambda: now[0]
    window.idle.activity()
    qtbot.addWidget(window)
    window.show()
    wait_for_ops(qtbot)
    form = window.households.open_new()
    assert isinstance(form, HouseholdDialog)
    assert not window.is_locked
    now[0] += 1
    qtbot.waitUntil(lambda: window.is_locked, timeout=5000)
    lock = window.lock_dialog
    assert isinstance(lock, LockDialog)
    assert lock.isVisible()
    assert window.stack.currentWidget() is window.locked_cover
    assert not window.navigation.isEnabled()
    assert not form.isVisible()  # an open form with children's data is hidden too
    assert "15 phút" in lock.message.text() and "Nguyễn Văn Quản" in lock.message.text()

    lock.reject()  # Escape does nothing
    assert lock.isVisible()
    lock.password.setText("sai-mat-khau")
    lock.unlock_button.click()
    qtbot.waitUntil(lambda: lock.error.text() == "Mật khẩu không đúng.", timeout=10_000)
    assert window.is_locked

    lock.password.setText(ADMIN_PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=10_000):
        lock.unlock_button.click()
    assert not window.is_locked
    assert window.stack.currentWidget() is window.home
    assert form.isVisible()
    window.idle.stop()
    form.reject()


def test_activity_keeps_the_window_unlocked(book: Book, qtbot: Any) -> None:
    # Time is moved by hand, not waited for: a busy machine cannot make this test lock early.
    now = [1000.0]
    window = MainWindow(book, book.commune(), idle_lock_ms=400)
    window.idle.now = lambda: now[0]
    qtbot.addWidget(window)
    window.show()
    window.idle.activity()
    for _ in range(6):
        now[0] += 0.3
        qtbot.keyClick(window.households.search, "a")
        window.idle.check()
    assert not window.is_locked
    now[0] += 0.5  # no input for longer than the timeout
    window.idle.check()
    qtbot.waitUntil(lambda: window.is_locked, timeout=5000)
    window.idle.stop()


def test_quit_from_the_lock_closes_the_book(
    book: Book, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_close = book.close
    monkeypatch.setattr(book, "close", lambda: (calls.append("close"), real_close()))
    window = MainWindow(book, book.commune(), idle_lock_ms=100)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.is_locked, timeout=5000)
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    assert window.lock_dialog is not None
    window.lock_dialog.quit_button.click()
    # Quitting waits for background work that is still running (the lists the window loads
    # when it opens may not be done on a busy machine): wait for the close, don't assume it.
    qtbot.waitUntil(lambda: closed == [True], timeout=10_000)
    assert calls == ["close"]
    assert is_closed(window)
    assert not find_top_level(LockDialog)
    assert QApplication.instance() is not None


def test_closing_waits_for_running_work_without_freezing(book: Book, qtbot: Any) -> None:
    import threading

    from desktop.ui.ops import run_op

    window = MainWindow(book, book.commune())
    qtbot.addWidget(window)
    window.show()
    wait_for_ops(qtbot)
    release = threading.Event()
    run_op(window, lambda: release.wait(5))
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    window.close()
    assert window.isVisible() and closed == []  # returns at once: the GUI keeps running
    assert "Đang chờ" in window.statusBar().currentMessage()
    release.set()
    qtbot.waitUntil(lambda: closed == [True], timeout=5000)
    assert is_closed(window)


def test_viewer_sees_no_editing_no_sync_and_no_personal_fields(
    book: Book, hamlet_id: str, qtbot: Any
) -> None:
    import dataclasses
    from datetime import date

    from desktop.core.domain.roles import Role
    from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService

    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Hộ",
            phone="0912345678",
            children=[ChildForm("Nguyễn Văn An", date(2020, 1, 1), 1, id_number="038220000001")],
        )
    )
    book.user = dataclasses.replace(book.user, role=Role.VIEWER)
    window = MainWindow(book, book.commune())
    qtbot.addWidget(window)
    window.show()
    wait_for_ops(qtbot)
    titles = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert titles == [
        "Trang chủ", "Hộ gia đình", "Trẻ em", "Báo cáo", "Báo cáo định kỳ",
        "Xã phù hợp\nvới trẻ em",
    ]  # fmt: skip
    assert window.pending_label.isHidden()
    view = window.households
    assert view.add_button.isHidden() and view.add_hamlet_button.isHidden()
    assert view.edit_button.text() == "Xem hộ"
    assert view.open_new() is None
    view.table.setCurrentIndex(view.proxy.index(0, 0))
    view.open_selected()
    qtbot.waitUntil(lambda: view.dialog is not None and view.dialog.isVisible(), timeout=10_000)
    dialog = view.dialog
    assert dialog is not None
    assert dialog.windowTitle() == "Xem hộ gia đình"
    assert dialog.save_button.isHidden() and dialog.add_child_button.isHidden()
    assert dialog.head_name.isReadOnly()
    assert dialog.phone.isHidden() and dialog.rows[0].id_number.isHidden()
    assert dialog.rows[0].remove_button.isHidden()
    dialog.reject()
    qtbot.waitUntil(lambda: is_closed(dialog))
    window.idle.stop()


def test_an_edit_in_one_screen_refreshes_the_others(window: MainWindow, qtbot: Any) -> None:
    from desktop.core.services.children import ChildForm
    from desktop.core.services.households import HouseholdForm, HouseholdService
    from desktop.ui.children.view import ChildrenView

    children = next(area for _title, area in window.areas if isinstance(area, ChildrenView))
    qtbot.waitUntil(lambda: window.pending_label.text().startswith("Chờ đồng bộ: "))
    before = window.pending_label.text()
    hamlet = HouseholdService(window.book).hamlets()[0].id
    household = HouseholdService(window.book).save_household(
        HouseholdForm(hamlet_id=hamlet, number="8", head_name="Lê Văn Tám",
                      children=[ChildForm("Lê Thị Chín", clock.today().replace(day=1), 2)]),
        accept_warnings=True,
    )  # fmt: skip
    person = HouseholdService(window.book).get_household(household).children[0].id
    assert person is not None
    profile = children.open_profile(person)
    profile.changed.emit()  # what the profile says after it saved an edit
    # The count waiting for sync and the household list follow, without any hand wiring.
    qtbot.waitUntil(lambda: window.pending_label.text() != before, timeout=10_000)
    qtbot.waitUntil(lambda: window.households.model.rowCount() == 1, timeout=10_000)
    profile.reject()


def test_the_officer_locks_the_screen_from_the_menu(window: MainWindow, qtbot: Any) -> None:
    window.lock_action.trigger()  # Ctrl+L
    assert window.is_locked
    assert not window.menuBar().isEnabled() and not window.navigation.isEnabled()
    lock = window.lock_dialog
    assert isinstance(lock, LockDialog)
    lock.password.setText(ADMIN_PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=10_000):
        lock.unlock_button.click()
    assert not window.is_locked and window.menuBar().isEnabled()
