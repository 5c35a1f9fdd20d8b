"""The officer guide's screenshots (docs/huong-dan/img), taken from the demo book at 1366×768.

    QT_QPA_PLATFORM=offscreen SOTREEM_SCREENSHOTS=docs/huong-dan/img \\
        .venv/bin/python -m pytest -o addopts= tests/gui/screenshots_of_the_guide.py

(``tests/gui/test_guide_screenshots.py`` does the same into a temporary folder in every test
run, on a 1366×768 offscreen screen, and checks that each picture the guide shows is made
here or listed in ``MADE_BY_HAND`` with the reason.) Never collected on its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from desktop.core.services.backup import BackupService
from desktop.ui.children.view import ChildrenView
from desktop.ui.imports.view import DataExchangeView
from desktop.ui.main_window import MainWindow
from desktop.ui.protection.area import ProtectionView
from desktop.ui.security.areas import AuditView
from desktop.ui.security.backup_view import BackupView
from desktop.ui.security.users_view import UsersView
from tests.gui import screens_at_scale
from tests.gui.screens_at_scale import _area, _openers, _settle

# The same demo book and main window as the layout check.
demo = screens_at_scale.demo
window = screens_at_scale.window

# Pictures of the guide not made here, and why (kept as they were drawn).
MADE_BY_HAND = {
    "bao-cao-dan-so.png": "a page of the PDF report, not a screen",
    "in-so-trang.png": "a page of the printed hamlet book (PDF), not a screen",
    "cai-dat.png": "the Windows setup program (Inno Setup), not the app",
    "dong-bo-xung-dot.png": "needs a second computer's conflicting edit on a server",
    "dong-bo-loi.png": "needs a server that refused records",
    "gop-ho-so.png": "needs two records of one child",
    "nhap-excel-ghep-cot.png": "a later page of the import wizard, with a file",
    "nhap-excel-xem-truoc.png": "a later page of the import wizard, with a file",
    "nhap-excel-xong.png": "the last page of the import wizard, after an import",
    "tre-em-canh-bao.png": "a filtered list chosen for the text beside it",
    "mat-khau-tep.png": "a question asked in the middle of an export",
}


def _out() -> Path:
    folder = Path(os.environ.get("SOTREEM_SCREENSHOTS", "")).resolve()
    if not os.environ.get("SOTREEM_SCREENSHOTS"):
        pytest.skip("SOTREEM_SCREENSHOTS is not set")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _save(widget: QWidget, name: str, qtbot: Any) -> None:
    _settle(qtbot)
    picture = widget.grab()
    assert not picture.isNull() and picture.width() > 200, name
    assert picture.save(str(_out() / name), "PNG"), name


def _areas(window: MainWindow, qtbot: Any) -> list[tuple[str, Callable[[], QWidget]]]:
    def area(kind: type[QWidget], tab: int | None = None) -> Callable[[], QWidget]:
        def show() -> QWidget:
            widget = _area(window, kind)
            _settle(qtbot)
            if tab is not None:
                widget.tabs.setCurrentIndex(tab)
            return window

        return show

    def home() -> QWidget:
        window.show_area(window.home)
        return window

    def households() -> QWidget:
        window.show_area(window.households)
        return window

    def reports() -> QWidget:
        window.show_area(window.reports)
        return window

    def periodic() -> QWidget:
        view = window.periodic
        window.show_area(view)
        _settle(qtbot)
        if view.report is None:
            with qtbot.waitSignal(view.computed, timeout=30_000):
                view.compute_button.click()
        return window

    def cfc() -> QWidget:
        window.show_area(window.cfc)
        return window

    def sync(tab: int = 0) -> Callable[[], QWidget]:
        def show() -> QWidget:
            window.show_area(window.sync)
            _settle(qtbot)
            window.sync.tabs.setCurrentIndex(tab)
            return window

        return show

    return [
        ("trang-chu.png", home),
        ("ho-gia-dinh.png", households),
        ("tre-em.png", area(ChildrenView)),
        ("hoan-canh-dac-biet.png", area(ProtectionView, 0)),
        ("vu-viec.png", area(ProtectionView, 2)),
        ("tai-nan.png", area(ProtectionView, 3)),
        ("bao-cao.png", reports),
        ("bao-cao-dinh-ky.png", periodic),
        ("xa-phu-hop-tre-em.png", cfc),
        ("dong-bo.png", sync()),
        ("dong-bo-tep.png", sync(3)),
        ("nhap-xuat-in.png", area(DataExchangeView)),
        ("sao-luu.png", area(BackupView)),
        ("nguoi-dung.png", area(UsersView)),
        ("nhat-ky.png", area(AuditView)),
    ]


# The guide's name for each dialog of screens_at_scale._openers.
DIALOGS = {
    "Thêm hộ gia đình": "nhap-ho.png",
    "Hồ sơ trẻ em": "ho-so-tre.png",
    "Sửa thông tin trẻ em": "ho-so-day-du.png",
    "Ghi biến động": "bien-dong.png",
    "Hồ sơ bảo vệ trẻ em": "ho-so-bao-ve.png",
    "Tiếp nhận vụ việc": "tiep-nhan-vu-viec.png",
    "Nhập từ Excel": "nhap-excel-chon-tep.png",
    "In sổ theo thôn": "in-so-thon.png",
    "Số liệu các ngành": "so-lieu-cac-nganh.png",
    "Nội dung văn bản": "noi-dung-van-ban.png",
    "Biểu đồ": "bieu-do.png",
    "Chỉ tiêu và lịch báo cáo": "chi-tieu-va-lich.png",
    "Khôi phục": "khoi-phuc.png",
    "Gộp sổ của xã cũ": "gop-so-xa-cu.png",
    "Gộp danh sách Excel của xã cũ": "gop-danh-sach-xa-cu.png",
    "Đổi mật khẩu": "doi-mat-khau.png",
}


def test_the_main_screens(window: MainWindow, qtbot: Any) -> None:
    for name, show in _areas(window, qtbot):
        _save(show(), name, qtbot)


def test_the_dialogs(window: MainWindow, qtbot: Any) -> None:
    openers = dict(_openers(window, qtbot))
    BackupService(window.book).backup_now()  # so that "Khôi phục" lists one
    for title, name in DIALOGS.items():
        window.show_area(window.home)
        _settle(qtbot)
        before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
        opened = openers[title]()
        _settle(qtbot)
        if opened is not None and not opened.isVisible():
            opened.show()
        _settle(qtbot)
        shown = [w for w in QApplication.topLevelWidgets() if w.isVisible() and id(w) not in before]
        assert shown, title
        # The last window opened is the one the picture is of (the profile opens the form).
        _save(shown[-1] if opened is None else opened, name, qtbot)
        for top in QApplication.topLevelWidgets():
            if top.isVisible() and top is not window:
                top.close()
        _settle(qtbot)


def test_the_login_window(demo: Any, qtbot: Any) -> None:
    from desktop.ui.login import LoginWindow

    login = LoginWindow()
    qtbot.addWidget(login)
    login.show()
    _save(login, "dang-nhap.png", qtbot)
