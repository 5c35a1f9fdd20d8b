"""The administrator edits the targets and the reporting calendar ("Chỉ tiêu và lịch báo cáo")
from the periodic report screen, which shows the change at once.

Period 2026-H1 on the default calendar: 01/01/2026–30/04/2026, due 10/05/2026. A 2026 report
compares with the 2030 targets (the nearest later milestone).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.services.indicators import IndicatorService
from desktop.ui.periodic.model import TARGET
from desktop.ui.periodic.settings import STATE, TargetsCalendarDialog, TargetsTab
from desktop.ui.periodic.view import PeriodicReportView
from desktop.ui.widgets import INVALID
from tests.gui.conftest import answer, type_text, wait_for_message, wait_for_ops
from tests.gui.test_translations import check

pytestmark = pytest.mark.today("2026-06-30")


@pytest.fixture
def view(book: Book, hamlet_id: str, qtbot: Any) -> Iterator[PeriodicReportView]:
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Hộ",
            children=[ChildForm("Nguyễn Văn An", date(2020, 3, 1), 1)],
        ),
        today=date(2026, 1, 2),
        accept_warnings=True,
    )
    made = PeriodicReportView(book)
    qtbot.addWidget(made)
    made.resize(1180, 700)
    made.show()
    wait_for_ops(qtbot)
    made.kind.setCurrentIndex(made.kind.findData("H1"))
    made.year.setValue(2026)
    wait_for_ops(qtbot)
    yield made


def open_dialog(view: PeriodicReportView, qtbot: Any) -> TargetsCalendarDialog:
    assert view.settings_button.isEnabled()
    view.settings_button.click()
    dialog = view.settings_dialog
    assert isinstance(dialog, TargetsCalendarDialog) and dialog.isVisible()
    wait_for_ops(qtbot)
    return dialog


def compute(view: PeriodicReportView, qtbot: Any) -> None:
    with qtbot.waitSignal(view.computed, timeout=15_000):
        view.compute_button.click()


def edit_cell(tab: TargetsTab, qtbot: Any, index: QModelIndex, text: str) -> None:
    """Type ``text`` in a target cell the way a person does: open the editor, type, Enter."""
    tab.table.setCurrentIndex(index)
    tab.table.edit(index)
    editors = [e for e in tab.table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    editor.del_()
    type_text(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The view deletes its editor once the value is committed (deleteLater): gone counts as
    # closed, whichever turn of the event loop it happens on.
    qtbot.waitUntil(lambda: not shiboken6.isValid(editor) or not editor.isVisible(), timeout=2000)


def target_in_report(view: PeriodicReportView, code: str) -> str:
    return str(view.model.index(view.model.row_of(code), TARGET).data())


def test_a_commune_target_is_saved_shown_in_the_report_and_reset(
    book: Book, view: PeriodicReportView, qtbot: Any
) -> None:
    compute(view, qtbot)
    assert target_in_report(view, "CT05a") == "Xã: 100%"  # seed 003, 2030
    dialog = open_dialog(view, qtbot)
    tab = dialog.targets
    # The search ignores accents: "tiem chung" finds the two vaccination indicators.
    type_text(tab.search, "tiem chung")
    assert tab.proxy.rowCount() == 2
    cell = tab.index_of("CT05a", "commune", 2030)
    assert cell.data() == "100%"
    assert "Mặc định: 100%" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert tab.index_of("CT05a", "national", 2030).data() == "98%"  # shown beside
    assert tab.index_of("CT05a", "provincial", 2030).data() == ""
    edit_cell(tab, qtbot, cell, "từ 99,5% trở lên")
    assert tab.model.pending == {("CT05a", "commune", 2030): "từ 99,5% trở lên"}
    assert tab.proxy.index(cell.row(), STATE).data() == "Chưa lưu"

    with qtbot.waitSignal(view.computed, timeout=15_000):  # the report recomputes by itself
        tab.save_button.click()
    assert tab.status.text() == "Đã lưu 1 mục tiêu."
    assert not tab.model.pending
    commune = {
        t.year: t.text for t in IndicatorService(book).targets()["CT05a"] if t.level == "commune"
    }
    assert commune == {2025: "98%", 2030: "từ 99,5% trở lên"}
    assert target_in_report(view, "CT05a") == "Xã: từ 99,5% trở lên"
    cell = tab.index_of("CT05a", "commune", 2030)
    assert cell.data(Qt.ItemDataRole.FontRole).bold()
    assert tab.proxy.index(cell.row(), STATE).data() == "Đã sửa"

    # "Về mặc định" for the row, confirmed: the default is back, in the report too.
    tab.table.setCurrentIndex(cell)
    tab.reset_button.click()
    box = wait_for_message(qtbot)
    assert "Chỉ tiêu 5 (a) (CT05a)" in box.text()
    with qtbot.waitSignal(view.computed, timeout=15_000):
        answer(box, "Về mặc định")
    assert tab.index_of("CT05a", "commune", 2030).data() == "100%"
    assert target_in_report(view, "CT05a") == "Xã: 100%"
    assert not IndicatorService(book).target_settings()[("CT05a", "commune", 2030)].overridden
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_a_bad_target_is_refused_with_the_message_and_kept(
    book: Book, view: PeriodicReportView, qtbot: Any
) -> None:
    dialog = open_dialog(view, qtbot)
    tab = dialog.targets
    before = IndicatorService(book).targets()
    cell = tab.index_of("CT14", "commune", 2030)
    edit_cell(tab, qtbot, cell, "càng cao càng tốt")
    tab.save_button.click()
    wait_for_ops(qtbot)
    expected = "Không đọc được mục tiêu «càng cao càng tốt»"
    cell = tab.index_of("CT14", "commune", 2030)
    assert cell.data() == "càng cao càng tốt"  # the text typed stays in its cell
    assert expected in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert tab.proxy.index(cell.row(), STATE).data().startswith("Chưa lưu được: " + expected)
    assert tab.error.isVisible() and "Chỉ tiêu 14 (CT14), Xã 2030: " + expected in (
        tab.error.text()
    )
    assert "1 mục tiêu chưa lưu được" in tab.status.text()
    assert IndicatorService(book).targets() == before

    # Hidden by the search and shown again: still there.
    type_text(tab.search, "khai sinh")
    assert tab.index_of("CT05a", "commune", 2030).isValid() is False
    tab.search.clear()
    assert tab.index_of("CT14", "commune", 2030).data() == "càng cao càng tốt"

    # Closing asks first; staying keeps the text.
    dialog.close_button.click()
    box = wait_for_message(qtbot)
    assert "Có 1 mục tiêu chưa lưu" in box.text()
    answer(box, "Ở lại")
    assert dialog.isVisible() and tab.model.pending

    edit_cell(tab, qtbot, tab.index_of("CT14", "commune", 2030), "99%")
    assert not tab.model.errors
    tab.save_button.click()
    wait_for_ops(qtbot)
    assert not tab.error.isVisible() and tab.status.text() == "Đã lưu 1 mục tiêu."
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_moving_the_six_month_due_date(book: Book, view: PeriodicReportView, qtbot: Any) -> None:
    assert "hạn gửi 10/05/2026" in view.period_hint.text()
    dialog = open_dialog(view, qtbot)
    dialog.tabs.setCurrentWidget(dialog.calendar)
    calendar = dialog.calendar
    assert calendar.year.value() == 2026
    h1 = calendar.rows["H1"]
    assert [h1.fields[f].text() for f in h1.fields] == [
        "01/01/2026",
        "30/04/2026",
        "30/04/2026",
        "10/05/2026",
    ]
    assert "hạn gửi 10/05" in h1.default_hint.text()

    # An end before the start: the service's message beside the field, nothing saved.
    end = h1.fields["period_end"]
    end.clear()
    type_text(end, "31/12/2025")
    calendar.save_button.click()
    wait_for_ops(qtbot)
    assert h1.error.isVisible()
    assert "Ngày kết thúc kỳ (31/12/2025) ở trước ngày bắt đầu (01/01/2026)." in h1.error.text()
    assert end.property(INVALID) and end.text() == "31/12/2025"
    assert IndicatorService(book).calendar("2026-H1").end == date(2026, 4, 30)
    # A date that is no date: refused before asking the service.
    end.clear()
    type_text(end, "31/04/2026")
    calendar.save_button.click()
    assert h1.error.isVisible() and end.property(INVALID)
    assert "đỏ" in calendar.status.text()

    end.clear()
    type_text(end, "30/04/2026")
    due = h1.fields["due_date"]
    due.clear()
    type_text(due, "20/05/2026")
    calendar.save_button.click()
    qtbot.waitUntil(lambda: "hạn gửi 20/05/2026" in view.period_hint.text(), timeout=10_000)
    assert IndicatorService(book).calendar("2026-H1").due == date(2026, 5, 20)
    assert calendar.status.text() == "Đã lưu lịch báo cáo 6 tháng năm 2026."
    assert not h1.error.isVisible() and not end.property(INVALID)
    assert IndicatorService(book).calendar("2027-H1").due == date(2027, 5, 10)

    # Another year with unsaved dates: asked first.
    due.clear()
    type_text(due, "25/05/2026")
    calendar.year.setValue(2027)
    box = wait_for_message(qtbot)
    answer(box, "Ở lại")
    assert calendar.year.value() == 2026 and due.text() == "25/05/2026"
    calendar.year.setValue(2027)
    answer(wait_for_message(qtbot), "Bỏ thay đổi")
    wait_for_ops(qtbot)
    assert calendar.year.value() == 2027 and due.text() == "10/05/2027"
    dialog.close_button.click()
    assert not dialog.isVisible()


@pytest.mark.parametrize("role", [Role.OFFICER, Role.VIEWER])
def test_only_the_administrator_may_open_it(
    book: Book, hamlet_id: str, qtbot: Any, role: Role
) -> None:
    book.user = dataclasses.replace(book.user, role=role)
    view = PeriodicReportView(book)
    qtbot.addWidget(view)
    view.show()
    wait_for_ops(qtbot)
    assert not view.settings_button.isEnabled()
    assert view.settings_button.toolTip().startswith("Chỉ quản trị viên")


def test_the_dialog_fits_1366_by_768_and_speaks_vietnamese(
    view: PeriodicReportView, qtbot: Any
) -> None:
    dialog = open_dialog(view, qtbot)
    for tab in (dialog.targets, dialog.calendar):
        dialog.tabs.setCurrentWidget(tab)
        QApplication.processEvents()
        hint = dialog.minimumSizeHint()
        assert hint.width() <= 1366 - 16 and hint.height() <= 768 - 80
        assert dialog.width() <= 1366 - 16 and dialog.height() <= 768 - 80
        check(dialog)
    assert dialog.windowTitle() == "Chỉ tiêu và lịch báo cáo"
    assert dialog.tabs.tabText(0) == "Chỉ tiêu" and dialog.tabs.tabText(1) == "Lịch báo cáo"
    dialog.close_button.click()
