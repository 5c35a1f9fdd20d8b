"""The report's charts on screen: "Biểu đồ…" on the periodic report, the dialog's two SVG charts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase

from desktop.core.reports.charts import SCREEN_FONT_FAMILY
from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.ui.periodic.charts import ChartsDialog
from desktop.ui.periodic.view import PeriodicReportView
from tests.gui.conftest import wait_for_ops
from tests.gui.periodic.test_periodic import choose_h1, compute
from tests.gui.test_translations import check

pytestmark = pytest.mark.today("2026-06-30")


@pytest.fixture
def view(book: Book, hamlet_id: str, qtbot: Any) -> Iterator[PeriodicReportView]:
    """The periodic report on 2026-H1 of a book with three children (one under 5)."""
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Hộ",
            children=[
                ChildForm("Nguyễn Văn An", date(2022, 3, 1), 1, birth_registered=True),
                ChildForm("Nguyễn Văn Bình", date(2015, 2, 1), 1),
                ChildForm("Nguyễn Thị Chi", date(2012, 1, 1), 2),
            ],
        ),
        today=date(2026, 1, 2),
        accept_warnings=True,
    )
    made = PeriodicReportView(book)
    qtbot.addWidget(made)
    made.resize(1180, 700)
    made.show()
    wait_for_ops(qtbot)
    choose_h1(made, qtbot)
    yield made


def open_charts(view: PeriodicReportView, qtbot: Any) -> ChartsDialog:
    view.charts_button.click()
    dialog = view.charts_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.content is not None, timeout=15_000)
    wait_for_ops(qtbot)
    return dialog


def test_the_button_waits_for_the_report(view: PeriodicReportView, qtbot: Any) -> None:
    assert not view.charts_button.isEnabled()
    assert "Tính" in view.charts_button.toolTip()
    assert view.open_charts() is None
    compute(view, qtbot)
    assert view.charts_button.isEnabled() and view.charts_button.toolTip() == ""
    view.year.setValue(2025)  # another period: its numbers are not computed yet
    wait_for_ops(qtbot)
    assert not view.charts_button.isEnabled()


def test_the_dialog_shows_both_charts(view: PeriodicReportView, qtbot: Any) -> None:
    compute(view, qtbot)
    dialog = open_charts(view, qtbot)
    assert dialog.windowTitle() == "Biểu đồ — 6 tháng đầu năm 2026"
    assert dialog.isVisible()
    for chart in (dialog.targets_view, dialog.special_view):
        assert chart.isVisible()
        assert chart.renderer().isValid()
        assert chart.renderer().aspectRatioMode() == Qt.AspectRatioMode.KeepAspectRatio
        size = chart.renderer().defaultSize()
        assert size.width() > 2 * size.height()  # the PDF's wide drawing, not stretched
    # The text is drawn in the PDF's font, known to Qt whatever the PC has installed.
    assert SCREEN_FONT_FAMILY in QFontDatabase.families()
    assert dialog.indicator.isEnabled()
    assert dialog.indicator.currentText() == "Các chỉ tiêu chính (như trong tệp PDF)"
    assert dialog.chosen_code is None
    check(dialog)  # every visible text is Vietnamese


def test_choosing_an_indicator_redraws_its_chart(view: PeriodicReportView, qtbot: Any) -> None:
    compute(view, qtbot)
    dialog = open_charts(view, qtbot)
    before = dialog.targets_view.grab().toImage()
    special = dialog.special_view.grab().toImage()
    index = dialog.indicator.findData("TK0101")
    assert index > 0 and dialog.indicator.itemText(index).startswith("TK0101 – Dân số trẻ em")
    dialog.indicator.setCurrentIndex(index)
    assert dialog.chosen_code == "TK0101"
    assert dialog.targets_view.renderer().isValid()
    assert dialog.targets_view.renderer().aspectRatioMode() == Qt.AspectRatioMode.KeepAspectRatio
    assert dialog.targets_view.grab().toImage() != before
    assert dialog.special_view.grab().toImage() == special  # the other chart is unchanged
    dialog.choose_indicator(None)
    assert dialog.chosen_code is None
    assert dialog.targets_view.grab().toImage() == before


def test_the_dialog_fits_1366_by_768(view: PeriodicReportView, qtbot: Any) -> None:
    compute(view, qtbot)
    dialog = open_charts(view, qtbot)
    size = dialog.frameGeometry().size()
    assert size.width() <= 1366 and size.height() <= 768 - 40, size
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1366 - 16 and hint.height() <= 768 - 80, hint
    dialog.close()
    wait_for_ops(qtbot)
