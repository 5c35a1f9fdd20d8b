"""The "Số liệu các ngành" dialog: typing the other units' figures, the checks, saving,
the collection sheets out and back in, and who may change what.

Period 2026-H1 on the default calendar (01/01/2026–30/04/2026), today 30/06/2026.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.services.indicators import FigureEntry, IndicatorService
from desktop.ui.periodic.figures import FigureResultDialog, FiguresDialog, units_with_figures
from desktop.ui.periodic.figures_model import (
    CHECK,
    DENOMINATOR,
    ENTERED,
    NUMERATOR,
    PROBLEM_BRUSH,
    VALUE,
    WARNING_BRUSH,
    FigureTableModel,
    number_text,
    parse_number,
)
from desktop.ui.periodic.model import VALUE as REPORT_VALUE
from desktop.ui.periodic.view import PeriodicReportView
from tests.gui.conftest import answer, type_text, wait_for_message, wait_for_ops
from tests.gui.test_translations import check

pytestmark = pytest.mark.today("2026-06-30")
PERIOD = "2026-H1"
EDIT = Qt.ItemDataRole.EditRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


@pytest.fixture
def children(book: Book, hamlet_id: str) -> None:
    """An (6), Bình (11) and Chi (14) on 30/04/2026: two children aged 7 or more."""
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Hộ",
            children=[
                ChildForm("Nguyễn Văn An", date(2020, 3, 1), 1),
                ChildForm("Nguyễn Văn Bình", date(2015, 2, 1), 1),
                ChildForm("Nguyễn Thị Chi", date(2012, 1, 1), 2),
            ],
        ),
        today=date(2026, 1, 2),
        accept_warnings=True,
    )


def open_dialog(book: Book, qtbot: Any, unit: str = "HEALTH") -> FiguresDialog:
    dialog = FiguresDialog(book, PERIOD)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_for_ops(qtbot)
    if dialog.unit != unit:
        dialog.select_unit(unit)
        wait_for_ops(qtbot)
    assert dialog.unit == unit
    return dialog


def type_cell(dialog: FiguresDialog, code: str, column: int, text: str) -> None:
    """Type into a cell as the officer does: a key on the cell opens its editor, Enter ends."""
    table = dialog.table
    table.setCurrentIndex(dialog.model.index(dialog.model.row_of(code), column))
    type_text(table, text[0])
    editors = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1, "typing on an editable cell opens its editor"
    type_text(editors[0], text[1:])
    QTest.keyClick(editors[0], Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits and closes the editor queued
    assert table.state() != QAbstractItemView.State.EditingState


def cell(dialog: FiguresDialog, code: str, column: int, role: int = 0) -> Any:
    return dialog.model.index(dialog.model.row_of(code), column).data(role)


def stored(book: Book, unit: str, code: str) -> Any:
    form = IndicatorService(book).unit_form(PERIOD, unit)
    return next(r for r in form if r.code == code).figure


def result_dialog(dialog: FiguresDialog, qtbot: Any) -> FigureResultDialog:
    qtbot.waitUntil(lambda: dialog.result_dialog is not None, timeout=10_000)
    shown = dialog.result_dialog
    assert shown is not None and shown.isVisible()
    return shown


def test_number_parsing_follows_vietnamese_habits() -> None:
    assert parse_number("98,5") == 98.5
    assert parse_number("98.5") == 98.5
    assert parse_number(" 1.250 ") == 1250
    assert parse_number("1.234,5") == 1234.5
    assert parse_number("95%") == 95
    assert parse_number("") is None
    assert parse_number("Có", yes_no=True) == 1 and parse_number("không", yes_no=True) == 0
    for wrong in ("9x", "1e5", "nan", "1,2,3", "Có"):
        with pytest.raises(ValueError):
            parse_number(wrong)
    assert [number_text(v) for v in (None, 12.0, 97.5)] == ["", "12", "97,5"]


def test_model_passes_qtmodeltester(book: Book, qtmodeltester: Any) -> None:
    model = FigureTableModel()
    model.editable = True
    model.set_form(IndicatorService(book).unit_form(PERIOD, "HEALTH"))
    qtmodeltester.check(model)


def test_type_a_figure_and_save_it(book: Book, children: None, qtbot: Any) -> None:
    view = PeriodicReportView(book)
    qtbot.addWidget(view)
    view.resize(1180, 700)
    view.show()
    wait_for_ops(qtbot)
    view.kind.setCurrentIndex(view.kind.findData("H1"))
    wait_for_ops(qtbot)
    with qtbot.waitSignal(view.computed, timeout=15_000):
        view.compute_button.click()
    assert view.figures_button.isEnabled()
    view.figures_button.click()
    dialog = view.figures_dialog
    assert dialog is not None
    wait_for_ops(qtbot)
    assert dialog.windowTitle() == "Số liệu các ngành — 6 tháng đầu năm 2026"
    assert [dialog.unit_box.itemData(i) for i in range(dialog.unit_box.count())] == [
        u.code for u in units_with_figures()
    ]
    dialog.select_unit("HEALTH")
    wait_for_ops(qtbot)
    assert not dialog.save_button.isEnabled()  # nothing typed yet

    type_cell(dialog, "CT05a", NUMERATOR, "95")
    type_cell(dialog, "CT05a", DENOMINATOR, "100")
    wait_for_ops(qtbot)
    assert cell(dialog, "CT05a", NUMERATOR, EDIT) == "95"
    assert cell(dialog, "CT05a", VALUE) == "95 %"  # the value the figure gives, shown grey
    assert cell(dialog, "CT05a", CHECK) == "Chưa lưu"
    assert "1 dòng chưa lưu" in dialog.summary_label.text()
    assert dialog.save_button.isEnabled()

    with qtbot.waitSignal(view.computed, timeout=15_000):  # the report screen computes again
        dialog.save_button.click()
    shown = result_dialog(dialog, qtbot)
    assert shown.summary.text() == ("Đã lưu 1 số liệu của Trạm y tế cho kỳ 6 tháng đầu năm 2026.")
    shown.close_button.click()
    figure = stored(book, "HEALTH", "CT05a")
    assert (figure.numerator, figure.denominator, figure.value) == (95, 100, None)
    assert figure.entered_by == "admin"
    assert IndicatorService(book).compute(PERIOD).result("CT05a").value == 95.0
    assert view.model.index(view.model.row_of("CT05a"), REPORT_VALUE).data() == "95 %"
    assert cell(dialog, "CT05a", ENTERED).startswith("admin, 30/06/2026 ")
    assert cell(dialog, "CT05a", CHECK) == "" and not dialog.model.dirty_lines()
    assert not dialog.save_button.isEnabled()
    dialog.close()


def test_a_refused_figure_names_the_indicator_and_keeps_the_typing(
    book: Book, children: None, qtbot: Any
) -> None:
    dialog = open_dialog(book, qtbot)
    type_cell(dialog, "CT04a", NUMERATOR, "12")
    type_cell(dialog, "CT04a", DENOMINATOR, "10")
    type_cell(dialog, "CT05a", NUMERATOR, "95")
    wait_for_ops(qtbot)
    message = "Chỉ tiêu 4 (a) (CT04a): tử số 12 lớn hơn mẫu số 10."
    # Checked as typed: in red on the row (the row names the indicator), whole in the
    # tooltip and under the table for the row the cursor is on.
    assert cell(dialog, "CT04a", CHECK).startswith("Tử số 12 lớn hơn mẫu số 10. ")
    assert "ngoài khoảng hợp lý 0–100 (%)" in cell(dialog, "CT04a", CHECK)  # 120 %
    assert cell(dialog, "CT04a", CHECK, FOREGROUND) == PROBLEM_BRUSH
    assert message in cell(dialog, "CT04a", CHECK, TOOLTIP)
    assert not dialog.row_problems.isVisible()  # the cursor is on CT05a
    dialog.table.setCurrentIndex(dialog.model.index(dialog.model.row_of("CT04a"), NUMERATOR))
    assert dialog.row_problems.isVisible() and message in dialog.row_problems.text()
    assert "1 dòng có lỗi" in dialog.summary_label.text()

    dialog.save_button.click()
    wait_for_ops(qtbot)
    assert dialog.error.isVisible()
    assert dialog.error.text().startswith("Chưa lưu số nào: 1 dòng có lỗi")
    assert message in cell(dialog, "CT04a", CHECK, TOOLTIP)
    assert cell(dialog, "CT04a", NUMERATOR, EDIT) == "12"
    assert cell(dialog, "CT05a", NUMERATOR, EDIT) == "95"  # the good row waits too
    assert stored(book, "HEALTH", "CT04a") is None and stored(book, "HEALTH", "CT05a") is None

    # Not a number: said on the row before anything goes to the book.
    type_cell(dialog, "CT04a", NUMERATOR, "9x")
    wait_for_ops(qtbot)
    assert cell(dialog, "CT04a", CHECK) == "Cột «Tử số»: «9x» không phải là số."
    assert dialog.row_problems.text() == (
        "Chỉ tiêu 4 (a) (CT04a), cột «Tử số»: «9x» không phải là số."
    )
    dialog.save_button.click()
    wait_for_ops(qtbot)
    assert "không phải là số" in dialog.error.text()
    assert cell(dialog, "CT04a", NUMERATOR, EDIT) == "9x"

    type_cell(dialog, "CT04a", NUMERATOR, "3")
    wait_for_ops(qtbot)
    assert cell(dialog, "CT04a", CHECK) == "Chưa lưu" and not dialog.error.isVisible()
    dialog.save_button.click()
    result_dialog(dialog, qtbot).close()
    assert stored(book, "HEALTH", "CT04a").numerator == 3
    assert stored(book, "HEALTH", "CT05a").numerator == 95


def test_a_large_change_is_a_warning_in_amber_and_is_saved(
    book: Book, children: None, qtbot: Any
) -> None:
    IndicatorService(book).save_figures("2025-H1", "HEALTH", [FigureEntry("CT05a", 90, 100)])
    dialog = open_dialog(book, qtbot)
    assert cell(dialog, "CT05a", 3) == "90 %"  # last period
    type_cell(dialog, "CT05a", NUMERATOR, "30")
    type_cell(dialog, "CT05a", DENOMINATOR, "100")
    wait_for_ops(qtbot)
    assert "khác nhiều so với kỳ trước (90)" in cell(dialog, "CT05a", CHECK)
    assert cell(dialog, "CT05a", CHECK, FOREGROUND) == WARNING_BRUSH
    assert (
        dialog.row_warnings.isVisible() and "(CT05a): 30 khác nhiều" in dialog.row_warnings.text()
    )
    dialog.save_button.click()
    shown = result_dialog(dialog, qtbot)
    assert "Có 1 cảnh báo" in shown.summary.text()
    assert shown.lines()[1].startswith("Cảnh báo: Chỉ tiêu 5 (a) (CT05a): 30 khác nhiều")
    assert "khác nhiều" in cell(dialog, "CT05a", CHECK)  # still shown on the row
    shown.close()
    assert stored(book, "HEALTH", "CT05a").numerator == 30


def test_the_book_gives_the_denominator_of_a_mixed_indicator(
    book: Book, children: None, qtbot: Any
) -> None:
    dialog = open_dialog(book, qtbot, "OFFICER")
    form = next(r for r in IndicatorService(book).unit_form(PERIOD, "OFFICER") if r.code == "CT22")
    assert form.computed_denominator == 2  # Bình and Chi are 7 or more
    index = dialog.model.index(dialog.model.row_of("CT22"), DENOMINATOR)
    assert index.data() == "2"
    assert not dialog.model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert "lấy từ sổ" in index.data(Qt.ItemDataRole.ToolTipRole)
    type_cell(dialog, "CT22", NUMERATOR, "3")
    wait_for_ops(qtbot)
    assert cell(dialog, "CT22", CHECK).startswith("Tử số 3 lớn hơn mẫu số 2.")
    type_cell(dialog, "CT22", NUMERATOR, "1")
    wait_for_ops(qtbot)
    assert cell(dialog, "CT22", VALUE) == "50 %"
    dialog.save_button.click()
    result_dialog(dialog, qtbot).close()
    assert IndicatorService(book).compute(PERIOD).result("CT22").value == 50.0


def test_switching_unit_or_closing_with_typing_asks_first(
    book: Book, children: None, qtbot: Any
) -> None:
    dialog = open_dialog(book, qtbot)
    type_cell(dialog, "CT05a", NUMERATOR, "95")
    wait_for_ops(qtbot)
    dialog.select_unit("SCHOOLS")
    box = wait_for_message(qtbot)
    assert "chưa được lưu" in box.text() and "Trạm y tế" in box.text()
    assert dialog.unit_box.currentData() == "HEALTH"
    answer(box, "Ở lại để lưu")
    assert dialog.unit == "HEALTH" and cell(dialog, "CT05a", NUMERATOR, EDIT) == "95"

    dialog.reject()
    box = wait_for_message(qtbot)
    answer(box, "Ở lại để lưu")
    assert dialog.isVisible()

    dialog.select_unit("SCHOOLS")
    answer(wait_for_message(qtbot), "Bỏ các số và chuyển")
    wait_for_ops(qtbot)
    assert dialog.unit == "SCHOOLS" and dialog.unit_box.currentData() == "SCHOOLS"
    assert dialog.model.row_of("CT17a") >= 0 and not dialog.model.dirty_lines()
    assert stored(book, "HEALTH", "CT05a") is None
    dialog.reject()  # nothing typed: closes at once
    assert not dialog.isVisible()


def test_export_a_sheet_then_import_it_back_filled(
    book: Book, children: None, qtbot: Any, tmp_path: Path
) -> None:
    dialog = open_dialog(book, qtbot)
    chooser = dialog.choose_sheet_path()
    assert chooser is not None and chooser.windowTitle() == "Lưu phiếu thu thập số liệu"
    assert chooser.selectedFiles()[0].endswith("phieu-thu-thap-health-2026-H1.xlsx")
    chooser.close()
    with qtbot.waitSignal(dialog.sheet_written, timeout=15_000) as signal:
        dialog.export_sheet(tmp_path / "tram-y-te")
    sheet = Path(signal.args[0])
    assert sheet.name == "tram-y-te.xlsx"
    box = wait_for_message(qtbot)
    assert "phiếu thu thập số liệu của Trạm y tế (9 chỉ tiêu)" in box.text()
    answer(box, "Để sau")

    # Typed here and not saved: an import must not lose it.
    type_cell(dialog, "CT06", VALUE, "0")
    wait_for_ops(qtbot)

    def fill(values: dict[str, tuple[object, object, object]]) -> dict[str, int]:
        wb = load_workbook(sheet)
        ws = wb.active
        assert ws is not None
        rows = {str(ws.cell(r, 1).value): r for r in range(8, ws.max_row + 1)}
        for code, (num, den, value) in values.items():
            for col, v in zip((6, 7, 8), (num, den, value), strict=True):
                ws.cell(rows[code], col).value = v
        wb.save(sheet)
        return rows

    rows = fill({"CT05a": (97, 100, None), "CT04a": (None, None, "9x")})
    dialog.import_sheet(sheet)
    shown = result_dialog(dialog, qtbot)
    assert shown.summary.text().startswith("Chưa ghi số liệu nào từ phiếu tram-y-te.xlsx")
    assert f"Lỗi: Dòng {rows['CT04a']}, cột «Giá trị»: «9x» không phải là số." in shown.lines()
    shown.close()
    dialog.result_dialog = None
    assert stored(book, "HEALTH", "CT05a") is None

    fill({"CT04a": (None, None, "3,5")})
    dialog.import_sheet(sheet)
    shown = result_dialog(dialog, qtbot)
    assert shown.summary.text() == "Đã ghi 2 số liệu từ phiếu tram-y-te.xlsx."
    shown.close()
    assert stored(book, "HEALTH", "CT05a").numerator == 97
    assert stored(book, "HEALTH", "CT04a").value == 3.5
    assert cell(dialog, "CT05a", NUMERATOR, EDIT) == "97"  # the table shows the book now
    assert cell(dialog, "CT04a", VALUE, EDIT) == "3,5"
    assert cell(dialog, "CT05a", ENTERED).startswith("admin, ")
    assert cell(dialog, "CT06", VALUE, EDIT) == "0"  # the typing is still there
    assert [line.code for line in dialog.model.dirty_lines()] == ["CT06"]
    assert IndicatorService(book).compute(PERIOD).result("CT05a").value == 97.0


def test_a_viewer_reads_the_figures_only(book: Book, children: None, qtbot: Any) -> None:
    IndicatorService(book).save_figures(PERIOD, "HEALTH", [FigureEntry("CT05a", 95, 100)])
    book.user = dataclasses.replace(book.user, role=Role.VIEWER)
    dialog = open_dialog(book, qtbot)
    assert cell(dialog, "CT05a", NUMERATOR) == "95"
    for button in (dialog.save_button, dialog.import_button):
        assert not button.isEnabled()
        assert button.toolTip().startswith("Tài khoản chỉ xem")
    assert dialog.read_only_label.isVisible()
    assert dialog.export_button.isEnabled()  # a sheet to send is no change to the book
    index = dialog.model.index(dialog.model.row_of("CT05a"), NUMERATOR)
    assert not dialog.model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not dialog.model.setData(index, "1")
    assert dialog.choose_sheet_to_import() is None
    check(dialog)


def test_a_finalised_period_is_read_only_with_the_reason(
    book: Book, children: None, qtbot: Any
) -> None:
    service = IndicatorService(book)
    service.save_figures(PERIOD, "HEALTH", [FigureEntry("CT05a", 95, 100)])
    service.finalise(PERIOD)
    dialog = open_dialog(book, qtbot)
    reason = dialog.read_only_label.text()
    assert dialog.read_only_label.isVisible()
    assert "Báo cáo 6 tháng đầu năm 2026 đã chốt số liệu" in reason
    assert "quản trị viên mở lại" in reason
    for button in (dialog.save_button, dialog.import_button):
        assert not button.isEnabled() and button.toolTip() == reason
    assert cell(dialog, "CT05a", NUMERATOR) == "95"
    index = dialog.model.index(dialog.model.row_of("CT04a"), NUMERATOR)
    assert not dialog.model.flags(index) & Qt.ItemFlag.ItemIsEditable


def test_finalised_while_typing_refuses_and_keeps_the_typing(
    book: Book, children: None, qtbot: Any
) -> None:
    dialog = open_dialog(book, qtbot)
    type_cell(dialog, "CT05a", NUMERATOR, "95")
    wait_for_ops(qtbot)
    IndicatorService(book).finalise(PERIOD)  # on another computer's turn, say
    dialog.save_button.click()
    wait_for_ops(qtbot)
    assert "đã chốt số liệu" in dialog.error.text()
    assert dialog.read_only_label.isVisible() and not dialog.save_button.isEnabled()
    assert cell(dialog, "CT05a", NUMERATOR, EDIT) == "95"


def test_fits_a_1366_by_768_screen_in_vietnamese(book: Book, children: None, qtbot: Any) -> None:
    dialog = open_dialog(book, qtbot)
    hint, size = dialog.minimumSizeHint(), dialog.size()
    assert hint.width() <= 1366 - 16 and hint.height() <= 768 - 80
    assert size.width() <= 1366 - 16 and size.height() <= 768 - 80
    check(dialog)
