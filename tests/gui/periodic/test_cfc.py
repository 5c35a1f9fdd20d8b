"""The child-friendly commune screen: points and evidence typed, the verdict as the service
gives it, refused entries kept on their rows, viewers read-only, 1366×768."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.cfc import (
    BookFigure,
    CfcLine,
    CfcResult,
    CfcScoreEntry,
    CfcService,
    criteria,
    evaluate,
)
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.ui.periodic.cfc import (
    BOOK,
    EVIDENCE,
    NAME,
    POINTS,
    PROBLEM,
    CfcTableModel,
    CfcView,
    figure_text,
)
from tests.gui.conftest import answer, type_text, wait_for_message, wait_for_ops

pytestmark = pytest.mark.today("2026-11-20")

# 13 criteria scored 910 in all (criterion 6: 90 of 125, criterion 7: 50 of 50).
POINTS_910 = {n: {6: 90, 7: 50}.get(n, 70) for n in range(1, 14)}


@pytest.fixture
def children(book: Book, hamlet_id: str) -> None:
    """Two children: An registered at birth within 60 days, Bình (4) not registered."""
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Hộ",
            children=[
                ChildForm(
                    "Nguyễn Văn An",
                    date(2026, 2, 1),
                    1,
                    birth_registered=True,
                    birth_registration_date=date(2026, 2, 20),
                ),
                ChildForm("Nguyễn Thị Bình", date(2022, 3, 1), 2, birth_registered=False),
            ],
        ),
        today=date(2026, 3, 2),
        accept_warnings=True,
    )


def shown(book: Book, qtbot: Any) -> CfcView:
    view = CfcView(book)
    qtbot.addWidget(view)
    view.resize(1170, 658)
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.show()
    return view


@pytest.fixture
def view(book: Book, children: None, qtbot: Any) -> Iterator[CfcView]:
    yield shown(book, qtbot)


def cell(view: CfcView, no: int, column: int) -> Any:
    return view.model.index(view.model.row_of(no), column)


def type_in_cell(view: CfcView, qtbot: Any, no: int, column: int, text: str) -> None:
    """Type ``text`` into the cell the way an officer does: select it, type, press Enter."""
    index = cell(view, no, column)
    view.table.setCurrentIndex(index)
    view.table.edit(index)
    editor = view.table.indexWidget(index)
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    type_text(editor, text)
    assert editor.text() == text
    QTest.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next turn
    qtbot.waitUntil(lambda: view.model.data(index) == text, timeout=5000)


def score(view: CfcView, points: dict[int, Any], evidence: str = "Biên bản số {n}") -> None:
    for no, value in points.items():
        view.model.setData(cell(view, no, POINTS), str(value))
        view.model.setData(cell(view, no, EVIDENCE), evidence.format(n=no))


def save(view: CfcView, qtbot: Any) -> None:
    assert view.save_button.isEnabled(), view.save_button.toolTip()
    view.save_button.click()
    wait_for_ops(qtbot)


def test_type_points_and_evidence_then_save(book: Book, view: CfcView, qtbot: Any) -> None:
    assert view.year.value() == 2026 and view.chosen_type == "CON_LAI"
    assert view.model.rowCount() == 13
    # The book's figure and what it counts beside criterion 2; nothing beside criterion 1.
    registered = view.model.data(cell(view, 2, BOOK))
    assert "%" in registered and "Khai sinh đúng hạn" in registered
    assert view.model.data(cell(view, 1, BOOK)) == ""
    assert "Tổng điểm: 0" in view.total_label.text()
    assert "chưa chấm tiêu chí 1, 2" in view.verdict_label.text()
    assert not view.save_button.isEnabled()

    type_in_cell(view, qtbot, 1, POINTS, "72,5")
    type_in_cell(view, qtbot, 1, EVIDENCE, "Biên bản kiểm tra ngày 15/10/2026")
    assert "Tổng điểm: 72,5" in view.total_label.text()
    assert "chưa lưu" in view.state_label.text()
    score(view, {n: p for n, p in POINTS_910.items() if n != 1})
    view.model.setData(cell(view, 13, POINTS), "72,5")  # 910 + 2,5 + 2,5
    assert "Tổng điểm: 915 — mức cần đạt: 850 điểm" in view.total_label.text()
    assert view.zero_label.text() == "Không tiêu chí nào 0 điểm"
    assert "Đạt tiêu chuẩn" in view.verdict_label.text()  # live, before saving

    view.commune_type.setCurrentIndex(view.commune_type.findData("PHUONG_TP_TW"))
    assert "mức cần đạt: 900 điểm" in view.total_label.text()
    save(view, qtbot)
    assert view.state_label.text() == "Đã lưu." and not view.save_button.isEnabled()

    saved = CfcService(book).assessment(2026)
    assert saved.commune_type == "PHUONG_TP_TW" and saved.total == 915 and saved.recognised
    first = saved.lines[0]
    assert (first.points, first.evidence) == (72.5, "Biên bản kiểm tra ngày 15/10/2026")
    assert saved.lines[12].points == 72.5 and saved.lines[12].evidence == "Biên bản số 13"
    assert view.verdict_label.text() == f"Kết luận: {saved.verdict_vi}"
    assert view.model.data(cell(view, 1, POINTS)) == "72,5"


def test_a_zero_criterion_fails_the_verdict_naming_it(
    book: Book, view: CfcView, qtbot: Any
) -> None:
    score(view, {**POINTS_910, 13: 0, 12: 140})  # 910 in all, one criterion at zero
    assert view.zero_label.text() == "Tiêu chí 0 điểm: 13"
    assert "tiêu chí 13 bị 0 điểm" in view.verdict_label.text()
    assert view.verdict_label.text().startswith("Kết luận: Chưa đạt")
    save(view, qtbot)
    saved = CfcService(book).assessment(2026)
    assert saved.total == 910 and not saved.recognised
    assert "tiêu chí 13 bị 0 điểm" in saved.verdict_vi
    assert view.verdict_label.text() == f"Kết luận: {saved.verdict_vi}"


def test_a_refused_entry_keeps_what_was_typed(book: Book, view: CfcView, qtbot: Any) -> None:
    assert view.table.isColumnHidden(PROBLEM)
    score(view, {6: 130}, evidence="Biên bản họp ngày 01/11/2026")
    # Points above the maximum are said as they are typed, by the service's own check.
    assert not view.table.isColumnHidden(PROBLEM)
    assert view.model.problem(5) == "Tiêu chí 6: tối đa 125 điểm, đã nhập 130."
    assert "hãy sửa các tiêu chí" in view.verdict_label.text()
    view.model.setData(cell(view, 1, POINTS), "70")  # no evidence: refused on saving
    assert view.model.problem(0) == ""
    save(view, qtbot)
    assert "Chưa lưu: 2 tiêu chí cần sửa" in view.error.text()
    assert not view.table.isColumnHidden(PROBLEM)
    assert "tối đa 125 điểm, đã nhập 130" in view.model.data(cell(view, 6, PROBLEM))
    assert "căn cứ" in view.model.data(cell(view, 1, PROBLEM))
    assert view.model.data(cell(view, 6, POINTS)) == "130"
    assert view.model.data(cell(view, 6, EVIDENCE)) == "Biên bản họp ngày 01/11/2026"
    assert view.model.data(cell(view, 1, POINTS)) == "70"
    assert CfcService(book).assessment(2026).lines[5].points is None  # nothing written

    # Typing on the row clears its complaint; words where a number belongs are said at once.
    type_in_cell(view, qtbot, 1, EVIDENCE, "Nghị quyết HĐND số 12")
    assert view.model.problem(0) == "" and view.model.problem(5)
    type_in_cell(view, qtbot, 6, POINTS, "chín mươi")
    assert "phải là một số" in view.model.problem(5)
    view.save_button.click()  # refused on the screen, before the service
    assert "Chưa lưu: 1 tiêu chí cần sửa" in view.error.text()
    type_in_cell(view, qtbot, 6, POINTS, "90")
    save(view, qtbot)
    saved = CfcService(book).assessment(2026)
    assert (saved.lines[0].points, saved.lines[0].evidence) == (70, "Nghị quyết HĐND số 12")
    assert saved.lines[5].points == 90
    assert view.table.isColumnHidden(PROBLEM) and not view.error.isVisible()


def test_saving_keeps_what_is_in_an_open_cell(book: Book, view: CfcView, qtbot: Any) -> None:
    index = cell(view, 1, POINTS)
    view.table.setCurrentIndex(index)
    view.table.edit(index)
    editor = view.table.indexWidget(index)
    assert isinstance(editor, QLineEdit)
    type_text(editor, "70")
    view.save()  # Ctrl+S before Enter: the cell's text is taken, then refused for its evidence
    wait_for_ops(qtbot)
    assert view.model.data(index) == "70"
    assert "hãy ghi căn cứ" in view.model.problem(0)


def test_changing_year_with_unsaved_points_asks(book: Book, view: CfcView, qtbot: Any) -> None:
    score(view, {1: 70})
    view.year.setValue(2025)
    box = wait_for_message(qtbot)
    assert "năm 2026 chưa được lưu" in box.text()
    answer(box, "Ở lại năm 2026")
    assert view.year.value() == 2026 and view.model.data(cell(view, 1, POINTS)) == "70"
    view.year.setValue(2025)
    box = wait_for_message(qtbot)
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        answer(box, "Bỏ và chuyển năm")
    assert view.model.data(cell(view, 1, POINTS)) == "" and not view.dirty


def test_viewer_sees_it_read_only(book: Book, children: None, qtbot: Any) -> None:
    CfcService(book).save(2026, "CON_LAI", [CfcScoreEntry(1, 70, "Biên bản số 1")])
    book.user = dataclasses.replace(book.user, role=Role.VIEWER)
    view = shown(book, qtbot)
    assert view.model.data(cell(view, 1, POINTS)) == "70"
    assert view.banner.isVisible() and "sửa sổ" in view.banner.text()
    assert not view.model.flags(cell(view, 1, POINTS)) & Qt.ItemFlag.ItemIsEditable
    assert not view.model.setData(cell(view, 1, POINTS), "80")
    for widget in (view.save_button, view.commune_type):
        assert not widget.isEnabled()
        assert widget.toolTip() == "Tài khoản của bạn không có quyền sửa sổ."
    where = view.table.visualRect(cell(view, 1, EVIDENCE)).center()
    QTest.mouseDClick(
        view.table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where
    )
    assert view.table.indexWidget(cell(view, 1, EVIDENCE)) is None  # no editor opens
    view.save()  # Ctrl+S too
    wait_for_ops(qtbot)
    assert CfcService(book).assessment(2026).lines[0].points == 70
    assert view.year.isEnabled()  # other years can still be looked at


def test_cfc_area_fits_1366x768(book: Book, children: None, qtbot: Any) -> None:
    CfcService(book).save(2026, "CON_LAI", [CfcScoreEntry(6, 90, "Biên bản")])
    book.user = dataclasses.replace(book.user, role=Role.VIEWER)  # the banner takes room too
    view = shown(book, qtbot)

    def clipped() -> list[str]:
        return [
            widget.text()
            for widget in view.findChildren(QPushButton) + view.findChildren(QLabel)
            if widget.isVisible()
            and not (isinstance(widget, QLabel) and widget.wordWrap())
            and widget.width() < widget.minimumSizeHint().width()
        ]

    with contextlib.suppress(Exception):
        qtbot.waitUntil(lambda: not clipped(), timeout=5000)
    assert not clipped()
    header = view.table.horizontalHeader()
    metrics = header.fontMetrics()
    for column in range(view.model.columnCount()):
        if not view.table.isColumnHidden(column):
            text = str(view.model.headerData(column, Qt.Orientation.Horizontal))
            assert header.sectionSize(column) >= metrics.horizontalAdvance(text), text
    assert header.sectionSize(NAME) >= 250  # the criterion's name stays readable
    assert view.table.verticalScrollBar().maximum() == 0  # all 13 criteria at once


def base_result() -> CfcResult:
    """An assessment as the service gives it, without a book: a rate beside criterion 2."""
    source = "Khai sinh đúng hạn (60 ngày): Tỷ lệ …"
    figure = BookFigure(50.0, source, "computed", "percent", "%", 1, 2)
    lines = tuple(CfcLine(c, figure if c.no == 2 else None, None, "") for c in criteria())
    return evaluate(CfcResult(2026, "CON_LAI", "", lines, 0, 0, False, ()), "CON_LAI", [])


def test_model_without_a_view(qtmodeltester: Any) -> None:
    model = CfcTableModel()
    model.editable = True
    assert model.loading and not model.flags(model.index(0, POINTS)) & Qt.ItemFlag.ItemIsEditable
    assert model.data(model.index(1, BOOK)) == "Đang tính…"  # criterion 2: the book measures it
    model.set_result(base_result(), keep_typed=False)
    assert model.data(model.index(1, BOOK)) == "50 % (1/2) — Khai sinh đúng hạn (60 ngày): Tỷ lệ …"
    assert figure_text(base_result().lines[1]) == model.data(model.index(1, BOOK))
    assert model.data(model.index(5, 2)) == "125" and model.data(model.index(0, 2)) == "—"
    assert model.setData(model.index(0, POINTS), "70")
    assert model.setData(model.index(0, EVIDENCE), "Biên bản")
    assert not model.setData(model.index(0, NAME), "đổi tên")
    entries, unreadable = model.typed()
    assert entries[0] == CfcScoreEntry(1, 70.0, "Biên bản") and unreadable == {}
    assert model.changed(entries) == [entries[0]]
    model.setData(model.index(1, POINTS), "abc")
    assert "phải là một số" in model.problem(1)
    assert model.typed()[1] == {2: model.problem(1)}
    model.set_result(base_result(), keep_typed=True)
    assert model.data(model.index(0, POINTS)) == "70"
    qtmodeltester.check(model)
    model.set_result(base_result(), keep_typed=False)
    assert model.data(model.index(0, POINTS)) == "" and not model.has_problems()
