"""Start-up: setup wizard on the first run, login afterwards, then the main window."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from desktop.core.services.book import BookSetup, create_book
from desktop.ui.app import APP_NAME, AppController, make_application
from desktop.ui.login import LoginWindow
from desktop.ui.main_window import MainWindow
from desktop.ui.setup_wizard import SetupWizard
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER
from tests.gui.conftest import is_closed, wait_for_ops


def test_application_is_named_and_readable() -> None:
    app = make_application([])
    assert QCoreApplication.applicationName() == APP_NAME == "Sổ Trẻ Em"
    assert 9.5 <= QApplication.font().pointSizeF() <= 11
    assert '[invalid="true"]' in app.styleSheet()  # red borders on wrong fields
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Hủy"


def test_first_run_shows_the_setup_wizard(qtbot: Any) -> None:
    controller = AppController()
    window = controller.start()
    qtbot.addWidget(window)
    assert isinstance(window, SetupWizard)
    window.close()


def test_existing_book_asks_for_login_then_opens_the_main_window(
    book_setup: BookSetup, qtbot: Any
) -> None:
    created, _code = create_book(book_setup)
    created.close()
    controller = AppController()
    login = controller.start()
    qtbot.addWidget(login)
    assert isinstance(login, LoginWindow)
    login.username.setText(ADMIN_USER)
    login.password.setText(ADMIN_PASSWORD)
    login.attempt()
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=10_000)
    main = controller.main_window
    assert isinstance(main, MainWindow)
    qtbot.addWidget(main)
    assert main.isVisible()
    assert is_closed(login)
    wait_for_ops(qtbot)
    main.close()  # closes the book


def test_log_out_closes_the_book_and_asks_for_the_login_again(
    book_setup: BookSetup, qtbot: Any
) -> None:
    created, _code = create_book(book_setup)
    created.close()
    controller = AppController()
    login = controller.start()
    qtbot.addWidget(login)
    assert isinstance(login, LoginWindow)
    login.username.setText(ADMIN_USER)
    login.password.setText(ADMIN_PASSWORD)
    login.attempt()
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=10_000)
    main = controller.main_window
    assert isinstance(main, MainWindow)
    book = main.book
    menu_titles = [a.text() for a in main.menuBar().actions()]
    assert menu_titles == ["&Sổ"]
    assert [a.text() for a in main.menuBar().actions()[0].menu().actions() if a.text()] == [
        "&Khóa màn hình",
        "Đăng &xuất",
        "&Thoát chương trình",
    ]
    wait_for_ops(qtbot)
    main.logout_action.trigger()
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginWindow), timeout=10_000)
    again = controller.window
    assert isinstance(again, LoginWindow) and again is not login
    qtbot.addWidget(again)
    assert again.isVisible()
    assert controller.main_window is None
    assert book.closed
    again.close()
