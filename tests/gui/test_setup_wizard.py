"""The setup wizard creates a real encrypted book and shows its recovery code once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication, QPdfWriter
from PySide6.QtWidgets import QWizard

from desktop.core.services.book import book_exists
from desktop.core.services.demo import populate_demo
from desktop.core.services.households import HouseholdService
from desktop.ui.setup_wizard import CreatedBook, SetupWizard
from tests.conftest import ADMIN_PASSWORD
from tests.gui.conftest import wait_for_ops

RECOVERY_CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){5}$")


@pytest.fixture
def wizard(qtbot: Any) -> Iterator[SetupWizard]:
    made = SetupWizard()
    qtbot.addWidget(made)
    made.show()
    yield made
    wait_for_ops(qtbot)
    if made.created is not None:
        made.created.book.close()


def fill_commune(wizard: SetupWizard, code: str = "12345") -> None:
    page = wizard.commune_page
    page.commune_name.setText("Hoàng Kim")
    page.commune_code.setText(code)
    page.province_name.setText("Thanh Hóa")


def fill_admin(wizard: SetupWizard, password: str = ADMIN_PASSWORD) -> None:
    page = wizard.admin_page
    page.admin_full_name.setText("Nguyễn Thị Lan")
    page.admin_username.setText("lan.nguyen")
    page.admin_password.setText(password)
    page.admin_password2.setText(password)


def test_wizard_creates_the_book_and_shows_the_recovery_code(
    wizard: SetupWizard, qtbot: Any, tmp_path: Path
) -> None:
    fill_commune(wizard)
    wizard.next()
    assert wizard.currentPage() is wizard.admin_page
    assert wizard.button(QWizard.WizardButton.CommitButton).text() == "Tạo sổ"
    fill_admin(wizard)
    wizard.next()  # "Tạo sổ": creation runs in the background
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=20_000)
    assert book_exists()
    code = wizard.recovery_page.code.text()
    assert RECOVERY_CODE.match(code), code
    assert wizard.created is not None and wizard.created.recovery_code == code
    assert wizard.created.commune.display_name == "Xã Hoàng Kim"

    page = wizard.recovery_page
    page.copy_button.click()
    assert QGuiApplication.clipboard().text() == code
    assert page.copied.text() == "Đã sao chép."
    pdf = tmp_path / "ma-khoi-phuc.pdf"
    printer = QPdfWriter(str(pdf))
    page.paint_code(printer)
    assert pdf.read_bytes().startswith(b"%PDF")
    QGuiApplication.clipboard().clear()

    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.text() == "Bắt đầu dùng sổ"
    assert not finish.isEnabled()  # only after "Tôi đã ghi lại mã khôi phục"
    wizard.reject()  # cannot leave without confirming the code
    assert wizard.isVisible()
    wizard.recovery_page.confirm.setChecked(True)
    assert finish.isEnabled()
    with qtbot.waitSignal(wizard.book_created) as emitted:
        finish.click()
    created = emitted.args[0]
    assert isinstance(created, CreatedBook)
    assert created.book.user.username == "lan.nguyen"


def test_commune_problems_are_shown_under_their_fields_and_nothing_is_cleared(
    wizard: SetupWizard,
) -> None:
    page = wizard.commune_page
    page.commune_code.setText("1234")
    page.province_name.setText("Thanh Hóa")
    page.upstream_url.setText("ftp://sai")
    wizard.next()
    assert wizard.currentPage() is page
    assert "5 chữ số" in page.errors["commune_code"].text()
    assert page.errors["commune_name"].text() == "Tên xã/phường: chưa nhập."
    assert "không hợp lệ" in page.errors["upstream_url"].text()
    assert page.errors["province_name"].text() == ""
    assert page.commune_code.text() == "1234"
    assert page.upstream_url.text() == "ftp://sai"
    assert page.commune_code.property("invalid") is True


def test_commune_code_accepts_only_digits(wizard: SetupWizard, qtbot: Any) -> None:
    field = wizard.commune_page.commune_code
    field.setFocus()
    qtbot.keyClicks(field, "12a34567")
    assert field.text() == "12345"


def test_weak_password_and_mismatch_are_explained(wizard: SetupWizard) -> None:
    fill_commune(wizard)
    wizard.next()
    page = wizard.admin_page
    page.admin_full_name.setText("Nguyễn Thị Lan")
    page.admin_username.setText("lan.nguyen")
    page.admin_password.setText("abc")
    assert "ít nhất 10 ký tự" in page.strength.label.text()
    assert page.strength.bar.value() < 4
    page.admin_password2.setText("abd")
    wizard.next()
    assert wizard.currentPage() is page
    assert "ít nhất 10 ký tự" in page.errors["admin_password"].text()
    assert "không giống nhau" in page.errors["admin_password2"].text()
    assert not book_exists()
    page.admin_password.setText(ADMIN_PASSWORD)
    assert page.strength.label.text() == "Mật khẩu đủ mạnh."
    assert page.strength.bar.value() == 4


def test_demo_fills_the_book_with_progress(qtbot: Any) -> None:
    calls: list[tuple[int, int]] = []

    def demo(book: Any, children: int, seed: int, progress: Any) -> int:
        calls.append((children, seed))
        return populate_demo(book, children=children, seed=seed, progress=progress)

    wizard = SetupWizard(populate=demo)
    qtbot.addWidget(wizard)
    wizard.show()
    try:
        wizard.commune_page.demo.setChecked(True)
        assert wizard.commune_page.commune_code.text() == "99901"
        wizard.next()
        fill_admin(wizard)
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=30_000)
        assert calls == [(800, 2026)]
        assert wizard.recovery_page.demo_note.text() == (
            "Đã tạo 800 trẻ em mẫu (không có thật) để tập sử dụng."
        )
        assert wizard.created is not None
        rows = HouseholdService(wizard.created.book).list_households()
        assert sum(r.children for r in rows) == 800
    finally:
        wait_for_ops(qtbot)
        if wizard.created is not None:
            wizard.created.book.close()


def test_unticking_demo_gives_back_what_was_typed(wizard: SetupWizard) -> None:
    page = wizard.commune_page
    page.commune_name.setText("Quảng Phú")
    page.demo.setChecked(True)
    assert page.commune_name.text() != "Quảng Phú"
    page.demo.setChecked(False)
    assert page.commune_name.text() == "Quảng Phú"
