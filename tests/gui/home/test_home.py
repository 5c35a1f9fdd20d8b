"""The home screen: first after login; each line says what needs doing and opens its list."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.services.merge_book import MergeBookService
from desktop.core.sync_service import SyncService
from desktop.ui.children.view import ChildrenView
from desktop.ui.home.navigate import PeopleDialog
from desktop.ui.home.view import HomeView
from desktop.ui.main_window import MainWindow
from desktop.ui.security.backup_view import BackupView
from sync import clock
from sync.server.services import merges, users
from tests.gui.conftest import find_top_level, wait_for_ops
from tests.gui.test_translations import check
from tests.unit.core.services.former_books import make_former_backup
from tests.unit.core.sync.conftest import serve

# A fixed day, travelled to: the 16th birthdays below fall in its month whatever day it is.
DAY = datetime(2026, 6, 10, 9, tzinfo=clock.VIETNAM)


@pytest.fixture
def on_day() -> Iterator[None]:
    with time_machine.travel(DAY, tick=False):
        yield


@pytest.fixture
def family(on_day: None, book: Book, hamlet_id: str) -> str:
    return HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Bình",
            children=[
                # 16 on 25/06/2026 (later this month) and on 02/06/2026 (earlier this month)
                ChildForm("Nguyễn Văn An", date(2010, 6, 25), 1, birth_registered=True),
                ChildForm("Nguyễn Thị Ánh", date(2010, 6, 2), 2, birth_registered=True),
                # 16 next month: not on the line
                ChildForm("Nguyễn Văn Cường", date(2010, 7, 1), 1, birth_registered=True),
                ChildForm("Nguyễn Thị Dung", date(2022, 3, 1), 2, birth_registered=False),
            ],
        ),
        accept_warnings=True,
    )


@pytest.fixture
def window(family: str, book: Book, qtbot: Any) -> Iterator[MainWindow]:
    made = MainWindow(book, book.commune())
    qtbot.addWidget(made)
    with qtbot.waitSignal(made.home.loaded, timeout=20_000):
        made.show()
    wait_for_ops(qtbot)
    yield made
    made.idle.stop()


def test_home_is_the_first_screen_and_says_what_is_due(window: MainWindow) -> None:
    assert window.navigation.item(0).text() == "Trang chủ"
    assert window.stack.currentWidget() is window.home
    home = window.home
    assert home.day_label.text() == "Hôm nay 10/06/2026"
    summary = home.summary
    assert summary is not None
    turning = summary.line("turning16")
    assert turning is not None and turning.text == "2 trẻ đủ 16 tuổi trong tháng 06/2026"
    assert turning.target is not None and len(turning.target.ids) == 2
    unregistered = summary.line("missing:birth_overdue")
    assert unregistered is not None and unregistered.text.startswith("1 trẻ: quá 60 ngày")
    ids = summary.line("missing:id_missing")
    assert ids is not None and ids.text == "3 trẻ: chưa có số định danh"  # under 16 today
    backup = summary.line("backup")
    # The daily backup ran in the background after the window opened; the line followed it.
    assert backup is not None and backup.text.startswith("Sao lưu gần nhất: 10/06/2026 ")
    sync_line = summary.line("sync")
    assert sync_line is not None and "chưa đăng ký đồng bộ" in sync_line.text
    titles = [s.title for s in summary.sections]
    assert "Báo cáo đến hạn" in titles
    # On 10/06/2026 the 6-month report (due 10/05) is late: the indicators service says so.
    late = summary.line("report:2026-H1")
    assert late is not None and late.level == "overdue"
    assert late.text == "Báo cáo 6 tháng đầu năm 2026: Quá hạn 31 ngày — hạn 10/05/2026"
    check(home)


def test_each_line_opens_its_list(window: MainWindow, qtbot: Any) -> None:
    home = window.home
    home.buttons["turning16"].click()
    qtbot.waitUntil(lambda: bool(find_top_level(PeopleDialog)), timeout=10_000)
    dialog = find_top_level(PeopleDialog)[0]
    assert isinstance(dialog, PeopleDialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=10_000)
    names = {dialog.model.row_at(i).full_name for i in range(2)}
    assert names == {"Nguyễn Văn An", "Nguyễn Thị Ánh"}
    check(dialog)
    dialog.close()

    home.buttons["missing:birth_overdue"].click()
    children = window.stack.currentWidget()
    assert isinstance(children, ChildrenView)
    assert children.filters.flag.current_data() == "birth_overdue"
    qtbot.waitUntil(lambda: children.model.rowCount() == 1, timeout=10_000)

    window.show_area(home)
    home.buttons["backup"].click()
    assert isinstance(window.stack.currentWidget(), BackupView)
    window.show_area(home)
    home.buttons["sync"].click()
    assert window.stack.currentWidget() is window.sync


def test_viewer_home_leaves_out_what_the_role_may_not_see(
    family: str, book: Book, qtbot: Any, on_day: None
) -> None:
    book.user = dataclasses.replace(book.user, role=Role.VIEWER)
    view = HomeView(book, None)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.show()
    summary = view.summary
    assert summary is not None
    assert summary.line("missing:id_missing") is None  # ID numbers are hidden from viewers
    assert summary.line("backup") is None and summary.line("sync") is None
    assert summary.line("turning16") is not None
    wait_for_ops(qtbot)


def test_home_fits_1366x768_without_clipping(window: MainWindow) -> None:
    window.resize(1350, 688)
    home = window.home
    for button in home.buttons.values():
        label = button.label
        assert label.width() >= min(label.sizeHint().width(), label.width()), label.text()
        assert label.height() >= label.heightForWidth(label.width()) - 1, label.text()


@pytest.mark.today("2026-08-15")
def test_a_merge_upstream_has_not_declared_is_on_the_home_screen_until_it_is(
    book: Book, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = serve(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "server-home")
    try:

        def upstream(former_book: Book) -> None:
            former_sync = SyncService(former_book)
            former_sync.enroll(server.url, server.code("11111"))
            assert former_sync.sync().remaining == 0

        former = make_former_backup(
            monkeypatch, tmp_path / "xa-cu", code="11111", name="Minh Hưng", seed=7,
            children=50, before_backup=upstream,
        )  # fmt: skip
        merger = MergeBookService(book)
        with merger.open(former.path, secret=former.recovery_code) as opened:
            merger.apply(opened, None, [])
        service = SyncService(book)
        service.enroll(server.url, server.code("12345"))
        assert not service.sync().failed

        view = HomeView(book, service)
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.loaded, timeout=20_000):
            view.show()
        assert view.summary is not None
        line = view.summary.line("merge_upstream:11111")
        assert line is not None and line.level == "todo"
        assert line.text.startswith(
            "Cấp trên chưa ghi nhận việc gộp xã Minh Hưng cũ (mã 11111) vào xã này: "
        )
        assert line.target is not None and line.target.area == "sync"
        check(view)

        admin = users.create_user(
            server.sessions, "quantri.tinh", "Quản trị tỉnh", "mat-khau-tinh-1", "*",
            role="administrator",
        )  # fmt: skip
        merges.declare(
            server.sessions, admin, into_code="12345", former_codes=["11111"],
            merged_on=clock.today() - timedelta(days=1),
        )  # fmt: skip
        assert not service.sync().failed
        with qtbot.waitSignal(view.loaded, timeout=20_000):
            view.reload()
        assert view.summary is not None
        assert view.summary.line("merge_upstream:11111") is None
        wait_for_ops(qtbot)
    finally:
        server.stop()
