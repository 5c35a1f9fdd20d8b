"""Injuries and drownings, child labour and marriage, risks, the holiday calendar and risk
categories — forms and lists; the area at 1366×768; the home line opening the special list."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.protection import SpecialEpisodeForm, SpecialService
from desktop.ui.main_window import MainWindow
from desktop.ui.protection.area import ProtectionView
from desktop.ui.protection.records import (
    InjuriesView,
    InjuryDialog,
    LabourDialog,
    LabourMarriageView,
    MarriageDialog,
)
from desktop.ui.protection.settings import SettingsView
from desktop.ui.protection.special import RiskView
from tests.gui.conftest import wait_for_ops
from tests.gui.protection.conftest import as_role
from tests.gui.test_translations import check


def test_injury_of_a_child_and_of_a_visiting_child(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    view = InjuriesView(book)
    qtbot.addWidget(view)
    view.resize(1300, 600)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    dialog = view.open_form(None)
    assert isinstance(dialog, InjuryDialog)
    check(dialog)
    dialog.save()
    assert dialog.field_errors["person_id"].text() == "Hãy chọn trẻ em (gõ tên để tìm)."
    dialog.child.set_child(children["Nguyễn Thị Ánh"], "Nguyễn Thị Ánh")
    dialog.cause_code.set_current_data("TN05")
    dialog.outcome_code.set_current_data("KQ03")
    dialog.treatment_code.set_current_data("XT03")
    dialog.place_code.set_current_data("water")
    dialog.occurred_time.setText("16h15")
    dialog.occurred_on.setText("01/10/2026")  # in the future: refused at the field
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.field_errors["occurred_on"].text()), timeout=10_000)
    assert dialog.isVisible() and dialog.cause_code.current_data() == "TN05"
    dialog.occurred_on.setText("12/09/2026")
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        dialog.save()

    visitor = view.open_form(None)
    visitor.visitor.setChecked(True)
    assert not visitor.child.isVisibleTo(visitor) and visitor.visitor_name.isVisibleTo(visitor)
    visitor.save()
    assert visitor.field_errors["visitor_name"].text() == "Hãy nhập họ tên của trẻ."
    visitor.visitor_name.setText("Lò Văn Tú")
    visitor.visitor_age.setValue(8)
    visitor.cause_code.set_current_data("TN03")
    visitor.outcome_code.set_current_data("KQ03")
    visitor.occurred_on.setText("14/09/2026")
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        visitor.save()
    wait_for_ops(qtbot)
    assert view.model.rowCount() == 2
    assert view.counts.text() == "2 trường hợp; đuối nước: 1; tử vong: 0"
    names = {view.model.data(view.model.index(i, 1)) for i in range(2)}
    assert names == {"Nguyễn Thị Ánh", "Lò Văn Tú (ngoài sổ)"}
    view.drowning_only.setChecked(True)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    check(view)


def test_labour_and_marriage_records(children: dict[str, str], book: Book, qtbot: Any) -> None:
    view = LabourMarriageView(book)
    qtbot.addWidget(view)
    view.resize(1300, 600)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    view.labour_button.click()
    labour = view.dialog
    assert isinstance(labour, LabourDialog)
    check(labour)
    labour.child.set_child(children["Trần Văn Cường"], "Trần Văn Cường")
    labour.start_date.setText("01/06/2026")
    labour.work_text.setText("Phụ hồ")
    labour.hazardous.setChecked(True)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        labour.save()
    assert view.labour.rowCount() == 1
    assert view.labour.data(view.labour.index(0, 6)) == "Có"

    view.marriage_button.click()
    marriage = view.dialog
    assert isinstance(marriage, MarriageDialog)
    marriage.child.set_child(children["Trần Văn Cường"], "Trần Văn Cường")
    marriage.marriage_date.setText("01/08/2026")
    marriage.partner_name.setText("Hờ Thị Mỷ")
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        marriage.save()
    assert view.marriage.rowCount() == 1
    wait_for_ops(qtbot)


def test_risk_episode_from_the_list(children: dict[str, str], book: Book, qtbot: Any) -> None:
    view = RiskView(book)
    qtbot.addWidget(view)
    view.resize(1300, 600)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    wait_for_ops(qtbot)
    dialog = view.open_new()
    check(dialog)
    dialog.child.set_child(children["Nguyễn Văn An"], "Nguyễn Văn An")
    dialog.category_code.setCurrentIndex(1)
    dialog.start_date.setText("01/02/2026")
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        dialog.save()
    assert view.model.rowCount() == 1
    wait_for_ops(qtbot)


def test_holidays_and_categories_are_the_administrators(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    view = SettingsView(book)
    qtbot.addWidget(view)
    view.resize(1300, 600)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    shipped = view.holidays.rowCount()
    assert shipped > 5  # Tết, 30/4, 1/5, 2/9 … of 2026
    view.day.setText("05/01/2026")
    view.day_name.setText("Nghỉ bù")
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.add_holiday()
    assert view.holidays.rowCount() == shipped + 1
    count = view.categories.rowCount()
    view.category_name.setText("Trẻ sống cùng người nghiện ma túy")
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.new_category()
    assert view.categories.rowCount() == count + 1
    check(view)
    as_role(book, Role.OFFICER)
    officer = SettingsView(book)
    qtbot.addWidget(officer)
    assert not officer.add_day.isEnabled() and not officer.add_category.isEnabled()
    assert officer.add_day.toolTip() == "Tài khoản của bạn không có quyền thay đổi cài đặt."
    wait_for_ops(qtbot)


def test_home_line_opens_the_unsupported_children(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    SpecialService(book).save(
        SpecialEpisodeForm(children["Nguyễn Văn An"], 1, date(2025, 1, 1)), confirm=True
    )
    window = MainWindow(book, book.commune())
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.home.loaded, timeout=20_000):
        window.show()
    window.home.buttons["unsupported"].click()
    area = window.stack.currentWidget()
    assert isinstance(area, ProtectionView)
    special = area.special
    assert area.tabs.currentWidget().isAncestorOf(special)
    assert special.supported.current_data() is False
    qtbot.waitUntil(lambda: special.model.rowCount() == 1, timeout=10_000)
    wait_for_ops(qtbot)
    window.idle.stop()


def test_protection_area_fits_1366x768(children: dict[str, str], book: Book, qtbot: Any) -> None:
    area = ProtectionView(book)
    qtbot.addWidget(area)
    area.resize(1366 - 16 - 180, 768 - 80 - 30)  # the window less navigation and status bar
    area.show()

    def clipped(page: Any) -> list[str]:
        return [
            widget.text()
            for widget in page.findChildren(QPushButton) + page.findChildren(QLabel)
            if widget.isVisible()
            and not (isinstance(widget, QLabel) and widget.wordWrap())
            and widget.width() < widget.minimumSizeHint().width()
        ]

    for index in range(area.tabs.count()):
        area.tabs.setCurrentIndex(index)
        wait_for_ops(qtbot)
        page = area.tabs.currentWidget()
        # A text set by a background result is laid out on a later turn of the event loop:
        # wait for the layout (on a busy machine it comes late), then judge what it gave.
        with contextlib.suppress(Exception):
            qtbot.waitUntil(lambda page=page: not clipped(page), timeout=5000)
        assert not clipped(page), (area.tabs.tabText(index), clipped(page))
    special = area.special
    header = special.table.horizontalHeader()
    metrics = header.fontMetrics()
    for column in range(special.model.columnCount() - 1):
        text = str(special.model.headerData(column, header.orientation()))
        assert header.sectionSize(column) >= metrics.horizontalAdvance(text), text
    wait_for_ops(qtbot)
