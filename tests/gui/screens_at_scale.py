"""Every main screen and dialog on a 1366×768 screen, at the scaling this process was started
with: run by tests/gui/test_layout.py at 100 % and at 125 % (QT_SCALE_FACTOR=1.25, a logical
screen of 1093×614), never collected on its own (its name does not start with ``test_``).

Each screen is opened on a demo book (a commune of 200 children with protection records), the
way an officer reaches it, and ``tests/gui/layout.screen_problems`` must find nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QScrollArea,
    QTabWidget,
    QWidget,
    QWizard,
)

from desktop.core.services.book import Book
from desktop.core.services.demo import populate_demo
from desktop.ui.main_window import MainWindow
from tests.gui.conftest import wait_for_ops
from tests.gui.layout import layout_problems, screen_problems

DEMO_CHILDREN = 200


@pytest.fixture
def demo(book: Book) -> Book:
    populate_demo(book, DEMO_CHILDREN)
    return book


@pytest.fixture
def window(demo: Book, qtbot: Any) -> Iterator[MainWindow]:
    made = MainWindow(demo, demo.commune(), housekeeping=False)
    qtbot.addWidget(made)
    made.show()
    wait_for_ops(qtbot)
    yield made
    made.idle.stop()


def _settle(qtbot: Any) -> None:
    wait_for_ops(qtbot)
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(20)


def _tabs_of(widget: QWidget) -> list[QTabWidget]:
    return [tabs for tabs in widget.findChildren(QTabWidget) if tabs.isVisible()]


def test_the_screen_is_the_one_asked_for() -> None:
    screen = QApplication.primaryScreen()
    assert screen.size().width() * screen.devicePixelRatio() == pytest.approx(1366, abs=1)
    assert screen.size().height() * screen.devicePixelRatio() == pytest.approx(768, abs=1)


def test_every_area_of_the_main_window(window: MainWindow, qtbot: Any) -> None:
    found: list[str] = []
    found += [f"(cửa sổ) {p}" for p in screen_problems(window)]
    for row, (title, _widget) in enumerate(window.areas):
        window.navigation.setCurrentRow(row)
        _settle(qtbot)
        area = " ".join(title.split())
        found += [f"{area}: {p}" for p in layout_problems(window)]
        # The area scrolls down when it must, never sideways: its width fits the window.
        page = window.stack.widget(window.stack.currentIndex())
        assert isinstance(page, QScrollArea)
        need, have = page.widget().minimumSizeHint().width(), page.viewport().width()
        if need > have:
            found.append(
                f"{area}: rộng tối thiểu {need} px, cửa sổ cho {have} px (phải cuộn ngang)"
            )
        for tabs in _tabs_of(window.stack.currentWidget()):
            for index in range(tabs.count()):
                tabs.setCurrentIndex(index)
                _settle(qtbot)
                tab = " ".join(tabs.tabText(index).split())
                found += [f"{area} › {tab}: {p}" for p in layout_problems(window)]
            tabs.setCurrentIndex(0)
    assert not found, "\n".join(dict.fromkeys(found))


def _area(window: MainWindow, kind: type[QWidget]) -> Any:
    for row, (_title, widget) in enumerate(window.areas):
        if isinstance(widget, kind):
            window.navigation.setCurrentRow(row)
            return widget
    raise AssertionError(f"no area {kind.__name__}")


def _ready(window: MainWindow, kind: type[QWidget], qtbot: Any) -> Any:
    """The area shown and its background loading done, as the officer sees it."""
    widget = _area(window, kind)
    _settle(qtbot)
    return widget


def _select_first(table: Any, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: table.model().rowCount() > 0, timeout=20_000)
    table.selectRow(0)


def _openers(window: MainWindow, qtbot: Any) -> list[tuple[str, Callable[[], Any]]]:
    """How an officer reaches each dialog: the area, a selected row, the button's method."""
    from desktop.ui.children.view import ChildrenView
    from desktop.ui.households.dialog import RemoveChildDialog
    from desktop.ui.imports.view import DataExchangeView
    from desktop.ui.login import ForgotPasswordDialog
    from desktop.ui.periodic.dialogs import ReopenDialog
    from desktop.ui.printing.dialogs import BlankFormDialog, HamletBookDialog
    from desktop.ui.printing.dialogs import ChildProfileDialog as PrintProfileDialog
    from desktop.ui.protection.area import ProtectionView
    from desktop.ui.security.backup_view import BackupView
    from desktop.ui.security.export_dialog import ExportPasswordDialog
    from desktop.ui.security.password_dialog import ChangePasswordDialog
    from desktop.ui.security.users_view import RecoveryCodeDialog, UsersView

    book = window.book

    def children() -> Any:
        view = _area(window, ChildrenView)
        _settle(qtbot)
        _select_first(view.table, qtbot)
        return view

    def household_selected() -> Any:
        view = window.households
        window.show_area(view)
        _settle(qtbot)
        _select_first(view.table, qtbot)
        return view

    def protection() -> Any:
        area = _area(window, ProtectionView)
        _settle(qtbot)
        return area

    def special_selected() -> Any:
        special = protection().special
        _settle(qtbot)
        _select_first(special.table, qtbot)
        return special

    def periodic() -> Any:
        view = window.periodic
        window.show_area(view)
        _settle(qtbot)
        if view.report is None:  # the officer presses "Tính" first
            with qtbot.waitSignal(view.computed, timeout=30_000):
                view.compute_button.click()
            _settle(qtbot)
        return view

    def profile() -> Any:
        dialog = children().open_selected()
        _settle(qtbot)
        return dialog

    # The lambdas wait: each reaches its area only when its turn comes.
    return [
        ("Thêm hộ gia đình", window.households.open_new),
        ("Thêm thôn", window.households.open_add_hamlet),
        ("Hồ sơ trẻ em", profile),
        ("Sửa thông tin trẻ em", lambda: profile().open_edit()),
        ("Ghi biến động", lambda: children().open_event()),
        ("Hồ sơ có thể trùng", lambda: children().open_duplicates()),
        ("Lịch sử hộ", lambda: _household_history(household_selected(), qtbot)),
        ("Hồ sơ bảo vệ trẻ em", lambda: special_selected().open_record()),
        ("Ghi hỗ trợ", lambda: special_selected().open_support()),
        ("Hỗ trợ cho nhiều trẻ", lambda: protection().special.open_bulk()),  # noqa: PLW0108
        ("Thêm trẻ có nguy cơ", lambda: protection().risks.open_new()),  # noqa: PLW0108
        ("Tiếp nhận vụ việc", lambda: protection().cases.open_new()),  # noqa: PLW0108
        ("Nhập từ Excel", lambda: _ready(window, DataExchangeView, qtbot).open_import()),
        ("In sổ theo thôn", lambda: HamletBookDialog(book, window)),
        ("In phiếu trống", lambda: BlankFormDialog(book, window)),
        ("In hồ sơ trẻ em", lambda: PrintProfileDialog(book, window)),
        ("Số liệu các ngành", lambda: periodic().open_figures()),
        ("Nội dung văn bản", lambda: periodic().open_narrative()),
        ("Biểu đồ", lambda: periodic().open_charts()),
        ("Chỉ tiêu và lịch báo cáo", lambda: periodic().open_settings()),
        ("Khôi phục", lambda: _ready(window, BackupView, qtbot).open_restore()),
        ("Gộp sổ của xã cũ", lambda: _ready(window, BackupView, qtbot).open_merge()),
        (
            "Gộp danh sách Excel của xã cũ",
            lambda: _ready(window, BackupView, qtbot).open_merge_list(),
        ),
        ("Cài đặt", lambda: _ready(window, UsersView, qtbot).open_settings()),
        ("Đổi mật khẩu", lambda: ChangePasswordDialog(book, window)),
        ("Ghi tai nạn", lambda: protection().injuries.open_form(None)),
        ("Ghi trẻ em lao động", lambda: _click(protection().labour.labour_button)),
        ("Ghi tảo hôn", lambda: _click(protection().labour.marriage_button)),
        ("Xem vụ việc", lambda: _case(protection(), qtbot)),
        ("Ghi bước xử lý vụ việc", lambda: _case(protection(), qtbot).open_step()),
        ("Ghi sự đồng ý", lambda: _consent(protection(), qtbot)),
        ("Thêm người dùng", lambda: _ready(window, UsersView, qtbot).open_user_dialog(None)),
        ("Khóa màn hình", lambda: _locked(window)),
        ("Mở lại báo cáo đã chốt", lambda: ReopenDialog("Báo cáo 6 tháng đầu năm 2026", window)),
        ("Bỏ trẻ khỏi hộ", lambda: RemoveChildDialog("Nguyễn Văn An", window)),
        ("Mật khẩu cho tệp", lambda: ExportPasswordDialog(window, sensitive=True)),
        ("Mã khôi phục mới", lambda: RecoveryCodeDialog("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", window)),
        ("Quên mật khẩu", lambda: ForgotPasswordDialog(window, username="admin")),
        ("Kết quả nhập số liệu", lambda: _figure_result(window)),
        ("Cảnh báo khi lưu", lambda: _warnings(window)),
        ("Ghi hoàn cảnh đặc biệt", lambda: protection().special.open_episode(None)),
        ("Tạo sổ mới: thông tin xã", lambda: _setup_wizard(0)),
        ("Tạo sổ mới: quản trị viên", lambda: _setup_wizard(1)),
        ("Đăng nhập", _login),
    ]


def _click(button: Any) -> None:
    assert button.isEnabled(), button.text()
    button.click()


def _case(area: Any, qtbot: Any) -> Any:
    cases = area.cases
    area.show_tab(cases)  # a tab loads its list when it is shown
    _settle(qtbot)
    _select_first(cases.table, qtbot)
    dialog = cases.open_selected()
    _settle(qtbot)
    return dialog


def _consent(area: Any, qtbot: Any) -> Any:
    dialog = _case(area, qtbot)
    assert dialog.consents is not None, "the demo case has no consent panel"
    return dialog.consents.open_record()


def _setup_wizard(page: int) -> Any:
    from desktop.ui.setup_wizard import SetupWizard

    wizard = SetupWizard()
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.show()
    if page:
        wizard.commune_page.commune_name.setText("Hoàng Kim")
        wizard.commune_page.commune_code.setText("12345")
        wizard.commune_page.province_name.setText("Thanh Hóa")
        wizard.next()
    return wizard


def _login() -> Any:
    from desktop.ui.login import LoginWindow

    login = LoginWindow()
    login.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    login.show()
    return login


def _locked(window: MainWindow) -> Any:
    window.lock_action.trigger()
    return window.lock_dialog


def _figure_result(window: MainWindow) -> Any:
    from desktop.ui.periodic.figures import FigureResultDialog

    return FigureResultDialog(
        "Nhập phiếu thu thập số liệu",
        "Đã nhập 12 chỉ tiêu của Trạm y tế xã.",
        ["Dòng 7, cột “Tử số”: tử số lớn hơn mẫu số (120 > 100)."],
        ["CT05a: thay đổi lớn so với kỳ trước (62 % → 95 %)."],
        window,
    )


def _warnings(window: MainWindow) -> Any:
    from desktop.core.domain.errors import FieldProblem
    from desktop.ui.children.confirm import ConfirmWarningsDialog

    return ConfirmWarningsDialog(
        [
            FieldProblem("id_number", "Số định danh này đã có ở một trẻ khác trong sổ."),
            FieldProblem("birth_date", "Trẻ sinh sau ngày đăng ký khai sinh."),
        ],
        window,
    )


def _household_history(view: Any, qtbot: Any) -> Any:
    view.open_selected()
    _settle(qtbot)
    form = next(
        w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not view.window()
    )
    return form.open_history()


def test_every_dialog(window: MainWindow, qtbot: Any) -> None:
    found: list[str] = []
    for name, opener in _openers(window, qtbot):
        window.show_area(window.home)
        _settle(qtbot)
        before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
        opened = opener()
        _settle(qtbot)
        if opened is not None and not opened.isVisible():
            opened.show()
            _settle(qtbot)
        # What opened: the returned dialog, or what a background load opened after it.
        shown = [
            w
            for w in QApplication.topLevelWidgets()
            if w.isVisible()
            and id(w) not in before
            and (isinstance(w, (QDialog, QWizard)) or w is opened)
        ]
        assert shown, f"{name}: không mở được"
        for dialog in shown:
            found += [f"{name}: {p}" for p in screen_problems(dialog)]
        for top in QApplication.topLevelWidgets():
            if top.isVisible() and top is not window:
                top.close()
        _settle(qtbot)
    assert not found, "\n".join(dict.fromkeys(found))
