"""Login: wrong password, lockout countdown, forgotten password, damaged files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop import paths
from desktop.core.services.book import BookSetup, create_book
from desktop.ui.login import ForgotPasswordDialog, LoginWindow, OpenedBook
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER
from tests.gui.conftest import wait_for_message, wait_for_ops


@pytest.fixture
def recovery_code(book_setup: BookSetup) -> str:
    """A closed book on disk; its recovery code."""
    book, code = create_book(book_setup)
    book.close()
    return code


@pytest.fixture
def login(qtbot: Any, recovery_code: str) -> Iterator[LoginWindow]:
    window = LoginWindow()
    qtbot.addWidget(window)
    window.show()
    opened: list[OpenedBook] = []
    window.logged_in.connect(opened.append)
    yield window
    wait_for_ops(qtbot)
    for item in opened:
        item.book.close()


def attempt(qtbot: Any, window: LoginWindow, username: str, password: str) -> None:
    window.username.setText(username)
    window.password.setText(password)
    window.login_button.click()
    qtbot.waitUntil(lambda: not window._busy, timeout=10_000)


def test_right_password_opens_the_book(login: LoginWindow, qtbot: Any) -> None:
    assert login.windowTitle() == "Sổ Trẻ Em — Đăng nhập"
    login.username.setText(ADMIN_USER)
    login.password.setText(ADMIN_PASSWORD)
    with qtbot.waitSignal(login.logged_in, timeout=10_000) as signal:
        qtbot.keyClick(login.password, "\r")
    opened = signal.args[0]
    assert opened.book.user.username == ADMIN_USER
    assert opened.commune.display_name == "Xã Hoàng Kim"
    assert login.password.text() == ""
    opened.book.close()


def test_wrong_password_then_lockout_with_countdown(login: LoginWindow, qtbot: Any) -> None:
    attempt(qtbot, login, ADMIN_USER, "sai-mat-khau-1")
    assert login.message.text() == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert login.message.isVisible()
    assert login.login_button.isEnabled()
    assert login.username.text() == ADMIN_USER  # nothing typed is thrown away

    for _ in range(3):
        attempt(qtbot, login, ADMIN_USER, "sai-mat-khau-2")
    assert "tạm khóa 30 giây" in login.message.text()
    assert not login.login_button.isEnabled()
    assert login.login_button.text() == "Đăng nhập (chờ 30 giây)"
    assert login.countdown.isVisible()
    first = login.countdown.text()
    assert first == "Đăng nhập tạm khóa. Có thể thử lại sau 30 giây."
    qtbot.waitUntil(lambda: login.countdown.text() != first, timeout=3000)
    assert "29 giây" in login.countdown.text() or "28 giây" in login.countdown.text()
    login.attempt()  # ignored while locked
    assert not login._busy


def test_empty_fields_are_explained(login: LoginWindow) -> None:
    login.attempt()
    assert login.message.text() == "Hãy nhập tên đăng nhập và mật khẩu."


def test_damaged_data_file_shows_the_reason(login: LoginWindow, qtbot: Any) -> None:
    paths.book_file().write_bytes(b"khong phai co so du lieu" * 100)
    attempt(qtbot, login, ADMIN_USER, ADMIN_PASSWORD)
    box = wait_for_message(qtbot)
    assert "Không mở được tệp dữ liệu" in box.text()
    assert box.windowTitle() == "Không mở được sổ"
    assert "Không mở được tệp dữ liệu" in login.message.text()
    box.close()


def test_damaged_key_file_shows_the_reason(login: LoginWindow, qtbot: Any) -> None:
    paths.key_file().write_text("{hỏng", encoding="utf-8")
    attempt(qtbot, login, ADMIN_USER, ADMIN_PASSWORD)
    box = wait_for_message(qtbot)
    assert "bị hỏng" in box.text()
    box.close()


def test_forgotten_password_is_reset_with_the_recovery_code(
    login: LoginWindow, qtbot: Any, recovery_code: str
) -> None:
    login.username.setText(ADMIN_USER)
    dialog = login.open_forgot_password()
    assert isinstance(dialog, ForgotPasswordDialog)
    assert dialog.username.text() == ADMIN_USER

    dialog.recovery_code.setText("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    dialog.new_password.setText("mat-khau-moi-2027")
    dialog.new_password2.setText("mat-khau-moi-2027")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog._busy, timeout=10_000)
    assert "Mã khôi phục không đúng" in dialog.errors["recovery_code"].text()
    assert dialog.recovery_code.text() == "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"

    dialog.recovery_code.setText(recovery_code.lower())
    dialog.new_password.setText("ngan1")
    dialog.new_password2.setText("ngan1")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog._busy, timeout=10_000)
    # Said once: in the live strength line, not again under the field (marked wrong).
    assert "ít nhất 10 ký tự" in dialog.strength.label.text()
    assert "ít nhất 10 ký tự" not in dialog.errors["new_password"].text()
    assert "ít nhất 10 ký tự" in dialog.new_password.toolTip()

    dialog.new_password.setText("mat-khau-moi-2027")
    dialog.new_password2.setText("mat-khau-moi-2027")
    with qtbot.waitSignal(dialog.password_reset, timeout=10_000):
        dialog.ok_button.click()
    box = wait_for_message(qtbot)
    assert box.icon() == QMessageBox.Icon.Information
    assert "Đã đặt mật khẩu mới" in box.text()
    box.close()

    with qtbot.waitSignal(login.logged_in, timeout=10_000) as signal:
        login.password.setText("mat-khau-moi-2027")
        login.login_button.click()
    signal.args[0].book.close()


def test_the_login_window_reads_the_migration_scripts_before_the_password_is_typed(
    qtbot: Any, recovery_code: str
) -> None:
    from desktop.core.storage import migrate

    migrate.head_revision.cache_clear()
    window = LoginWindow()
    qtbot.addWidget(window)
    window.show()
    # Prepared while the window waits: "Đăng nhập" then only checks the key, file and schema.
    qtbot.waitUntil(lambda: migrate.head_revision.cache_info().currsize == 1, timeout=5_000)
    assert window.login_button.isEnabled() and not window.username.text()
