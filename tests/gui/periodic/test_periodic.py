"""The periodic report screen: compute, the indicator table, drill-down, finalise, export.

Period 2026-H1 on the default calendar: 01/01/2026–30/04/2026, numbers as of 30/04/2026.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.services.indicators import IndicatorService
from desktop.ui.children.profile import ChildProfileDialog
from desktop.ui.periodic.dialogs import IndicatorDrilldownDialog, ReopenDialog
from desktop.ui.periodic.model import (
    DENOMINATOR,
    NUMERATOR,
    PREVIOUS,
    STATUS,
    TARGET,
    VALUE,
    value_text,
)
from desktop.ui.periodic.view import PeriodicReportView
from tests.gui.conftest import answer, type_text, wait_for_message, wait_for_ops

pytestmark = pytest.mark.today("2026-06-30")


@pytest.fixture
def children(book: Book, hamlet_id: str) -> None:
    """On 30/04/2026: An (boy, 6), Bình (boy, 11), Chi (girl, 14) are children; Dũng turns
    16 on that very day (not a child)."""
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Hộ",
            children=[
                ChildForm("Nguyễn Văn An", date(2020, 3, 1), 1),
                ChildForm("Nguyễn Văn Bình", date(2015, 2, 1), 1),
                ChildForm("Nguyễn Thị Chi", date(2012, 1, 1), 2),
                ChildForm("Nguyễn Văn Dũng", date(2010, 4, 30), 1),
            ],
        ),
        today=date(2026, 1, 2),
        accept_warnings=True,
    )


@pytest.fixture
def view(book: Book, children: None, qtbot: Any) -> Iterator[PeriodicReportView]:
    made = PeriodicReportView(book)
    qtbot.addWidget(made)
    made.resize(1180, 700)
    made.show()
    wait_for_ops(qtbot)
    yield made


def choose_h1(view: PeriodicReportView, qtbot: Any) -> None:
    view.kind.setCurrentIndex(view.kind.findData("H1"))
    view.year.setValue(2026)
    wait_for_ops(qtbot)


def compute(view: PeriodicReportView, qtbot: Any) -> None:
    with qtbot.waitSignal(view.computed, timeout=15_000):
        view.compute_button.click()


def population_row(view: PeriodicReportView) -> int:
    row = view.model.row_of("TK0101")
    assert row >= 0
    return row


def test_period_picker_fills_the_reference_date(view: PeriodicReportView, qtbot: Any) -> None:
    view.kind.setCurrentIndex(view.kind.findData("9M"))  # 30/06: the 9-month report is next
    wait_for_ops(qtbot)
    assert view.code == "2026-9M"
    assert view.reference_date.text() == "31/08/2026"
    choose_h1(view, qtbot)
    assert view.code == "2026-H1"
    assert view.reference_date.text() == "30/04/2026"
    assert "hạn gửi 10/05/2026" in view.period_hint.text()
    assert "Bản nháp" in view.state_label.text()


def test_compute_shows_the_population_and_its_definition(
    view: PeriodicReportView, qtbot: Any
) -> None:
    choose_h1(view, qtbot)
    compute(view, qtbot)
    model = view.model
    row = population_row(view)
    assert model.index(row, VALUE).data() == "3"  # Dũng is 16 on the reference date
    assert model.index(row, STATUS).data() == "Tính từ sổ"
    assert "Bấm đúp" in model.index(row, VALUE).data(0x0003)  # ToolTipRole
    view.table.selectRow(row)
    assert "TK0101" in view.definition.text()
    cells = {(c.dimension, c.label): c.numerator for c in view.cells._rows}
    assert cells[("sex", "Nam")] == 2 and cells[("sex", "Nữ")] == 1
    # A rate: birth registration of under-5s has no child under 5 here → "—", not 0 %.
    ct14 = model.row_at(model.row_of("CT14"))
    assert ct14.denominator == 0 and model.index(model.row_of("CT14"), VALUE).data() == "—"
    # A typed indicator nobody entered yet.
    typed = model.row_of("CT05a")
    assert model.index(typed, STATUS).data() == "Chưa có số liệu"
    assert model.index(typed, TARGET).data().startswith("Xã: ")  # seed 003's target
    assert "2030" in model.index(typed, TARGET).data(0x0003)  # every target in the tooltip
    assert model.index(typed, PREVIOUS).data() == ""


def test_value_text_carries_the_unit() -> None:
    assert value_text(82.5, "percent", "%") == "82,5 %"
    assert value_text(None, "percent", "%") == "—"
    assert value_text(1234, "count", "trẻ") == "1.234"


def test_drill_down_lists_the_children_and_opens_a_record(
    view: PeriodicReportView, qtbot: Any
) -> None:
    choose_h1(view, qtbot)
    compute(view, qtbot)
    row = population_row(view)
    assert view.open_drilldown(view.model.index(row, VALUE))
    wait_for_ops(qtbot)
    dialog = view.drilldown
    assert isinstance(dialog, IndicatorDrilldownDialog)
    assert not dialog.note.isVisibleTo(dialog)  # a draft lists the book now
    names = sorted(dialog.model.row_at(r).full_name for r in range(dialog.model.rowCount()))
    assert names == ["Nguyễn Thị Chi", "Nguyễn Văn An", "Nguyễn Văn Bình"]
    profile = dialog.open_profile(dialog.proxy.index(0, 0))
    assert isinstance(profile, ChildProfileDialog)
    wait_for_ops(qtbot)
    profile.close()
    dialog.close()
    # One cell of the disaggregation: the girls.
    view.table.selectRow(row)
    girls = next(i for i, c in enumerate(view.cells._rows) if c.label == "Nữ")
    assert view.open_cell_drilldown(view.cells.index(girls, 2))
    wait_for_ops(qtbot)
    dialog = view.drilldown
    assert dialog is not None
    assert [dialog.model.row_at(r).full_name for r in range(dialog.model.rowCount())] == [
        "Nguyễn Thị Chi"
    ]
    dialog.close()
    # A typed figure has no children behind it.
    assert not view.open_drilldown(view.model.index(view.model.row_of("CT05a"), NUMERATOR))
    # The denominator of a rate opens too (none here: no child under 5).
    assert not view.open_drilldown(view.model.index(view.model.row_of("TK0101"), DENOMINATOR))


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COLLABORATOR])
def test_viewer_and_collaborator_may_not_finalise(
    book: Book, children: None, qtbot: Any, role: Role
) -> None:
    book.user = dataclasses.replace(book.user, role=role)
    view = PeriodicReportView(book)
    qtbot.addWidget(view)
    view.show()
    wait_for_ops(qtbot)
    if role == Role.VIEWER:  # collaborators may not compute reports at all
        compute(view, qtbot)
    assert not view.finalise_button.isEnabled()
    assert "Chỉ cán bộ phụ trách trẻ em hoặc quản trị viên" in view.finalise_button.toolTip()
    assert not view.reopen_button.isEnabled()
    assert "quản trị viên" in view.reopen_button.toolTip()
    if role == Role.VIEWER:
        assert not view.review_button.isEnabled() and view.review_button.toolTip()


def test_review_finalise_then_reopen(book: Book, view: PeriodicReportView, qtbot: Any) -> None:
    choose_h1(view, qtbot)
    assert not view.finalise_button.isEnabled()
    assert "Tính" in view.finalise_button.toolTip()
    compute(view, qtbot)
    assert view.review_button.isEnabled() and view.finalise_button.isEnabled()
    assert not view.reopen_button.isEnabled()
    with qtbot.waitSignal(view.computed, timeout=15_000):
        view.review_button.click()
    assert "Đã rà soát" in view.state_label.text()
    view.finalise_button.click()
    box = wait_for_message(qtbot)
    assert "30/04/2026" in box.text()
    with qtbot.waitSignal(view.computed, timeout=15_000):
        answer(box, "Chốt số liệu")
    assert "Đã chốt số liệu" in view.state_label.text()
    assert "số liệu đã chốt" in view.state_label.text()
    assert view.report is not None and view.report.from_snapshot
    assert view.model.index(population_row(view), VALUE).data() == "3"
    assert not view.finalise_button.isEnabled()
    assert view.finalise_button.toolTip() == "Báo cáo đã chốt số liệu."
    assert view.reopen_button.isEnabled()
    assert IndicatorService(book).state("2026-H1").state == "finalised"

    # A child added after finalising is flagged, the frozen numbers stay.
    service = HouseholdService(book)
    form = service.get_household(service.list_households()[0].id)
    service.save_household(
        dataclasses.replace(
            form, children=[*form.children, ChildForm("Nguyễn Thị Em", date(2026, 1, 5), 2)]
        ),
        today=date(2026, 6, 30),
        accept_warnings=True,
    )
    compute(view, qtbot)
    assert view.flag_label.isVisible() and "1 trẻ" in view.flag_label.text()
    assert view.model.index(population_row(view), VALUE).data() == "3"
    # … and its list is the children it counted, saying so (Em came after).
    assert view.open_drilldown(view.model.index(population_row(view), VALUE))
    wait_for_ops(qtbot)
    drilled = view.drilldown
    assert isinstance(drilled, IndicatorDrilldownDialog)
    assert drilled.model.rowCount() == 3
    assert drilled.note.isVisibleTo(drilled) and "khi chốt số liệu" in drilled.note.text()
    drilled.close()

    dialog = view.ask_reopen()
    assert isinstance(dialog, ReopenDialog)
    dialog.ok_button.click()  # no reason: refused
    assert dialog.isVisible() and "lý do" in dialog.error.text()
    type_text(dialog.reason, "Trạm y tế gửi lại số tiêm chủng")
    with qtbot.waitSignal(view.computed, timeout=15_000):
        dialog.ok_button.click()
    assert "Bản nháp (phiên bản 2)" in view.state_label.text()
    assert view.model.index(population_row(view), VALUE).data() == "4"
    assert IndicatorService(book).state("2026-H1").earlier_versions == (1,)


def test_pdf_and_excel_export_write_files(
    view: PeriodicReportView, qtbot: Any, tmp_path: Path
) -> None:
    choose_h1(view, qtbot)
    dialog = view.choose_export_path("pdf")
    assert dialog is not None and dialog.windowTitle() == "Lưu báo cáo PDF"
    assert dialog.selectedFiles()[0].endswith("bao-cao-tre-em-2026-H1.pdf")
    dialog.close()
    target = tmp_path / "bao-cao"
    with qtbot.waitSignal(view.exported, timeout=20_000) as signal:
        view.export_to(target, "pdf")
    written = Path(signal.args[0])
    assert written.name == "bao-cao.pdf" and written.read_bytes().startswith(b"%PDF")
    box = wait_for_message(qtbot)
    answer(box, "Để sau")
    with qtbot.waitSignal(view.exported, timeout=20_000):
        view.export_to(tmp_path / "bao-cao.xlsx", "xlsx")
    assert (tmp_path / "bao-cao.xlsx").read_bytes().startswith(b"PK")
    answer(wait_for_message(qtbot), "Để sau")
    assert view.model.index(population_row(view), VALUE).data() == "3"


def test_fits_a_1366_by_768_screen(view: PeriodicReportView) -> None:
    hint = view.minimumSizeHint()
    assert hint.width() <= 1366 - 180 and hint.height() <= 768 - 120
    assert QApplication.instance() is not None


@pytest.mark.today("2026-05-01")
def test_home_lists_the_report_due_and_opens_it(book: Book, children: None, qtbot: Any) -> None:
    from desktop.ui.main_window import MainWindow

    window = MainWindow(book, book.commune(), housekeeping=False)
    qtbot.addWidget(window)
    window.show()
    wait_for_ops(qtbot)
    summary = window.home.summary
    assert summary is not None
    line = summary.line("report:2026-H1")
    assert line is not None and line.text.startswith("Báo cáo 6 tháng đầu năm 2026: ")
    assert line.text.endswith(" — hạn 10/05/2026")
    assert summary.line("report:2026-9M") is None  # due 15/09: not yet
    window.home.buttons["report:2026-H1"].click()
    wait_for_ops(qtbot)
    assert window.stack.currentWidget() is window.periodic
    assert window.periodic.code == "2026-H1"
    assert window.periodic.reference_date.text() == "30/04/2026"
    window.close()


def _keep_decision(book: Book, number: int, decision: str, comment: str = "") -> None:
    """Upstream's decision on the current version, kept as a sync receives it."""
    from desktop.core.sync_service import SyncService
    from sync import clock
    from sync.protocol import ReportDecision, ReportDecisionsResponse

    state = IndicatorService(book).state("2026-H1")
    assert state.report_id is not None
    received = ReportDecision(
        id=number,
        report_id=state.report_id,
        period_code="2026-H1",
        report_version=state.version,
        decision=decision,  # type: ignore[arg-type]
        comment=comment,
        decided_by="Cán bộ tỉnh (duyet.tinh)",
        decided_at=clock.now(),
    )
    page = ReportDecisionsResponse(decisions=[received], next_after=number)
    assert SyncService(book).keep_decisions(page) == 1


def test_upstream_decisions_are_shown_and_an_approved_report_is_locked(
    book: Book, view: PeriodicReportView, qtbot: Any
) -> None:
    service = IndicatorService(book)
    service.finalise("2026-H1")
    _keep_decision(book, 1, "returned", "CT14 chưa khớp sổ, đề nghị rà lại")
    choose_h1(view, qtbot)
    assert view.decision_label.isVisible()
    text = view.decision_label.text()
    assert text.startswith(
        "Cấp trên: bị trả lại phiên bản 1 — Cán bộ tỉnh (duyet.tinh), 30/06/2026"
    )
    assert "Nhận xét: CT14 chưa khớp sổ, đề nghị rà lại" in text
    assert "sửa theo nhận xét" in text
    assert view.history_label.isVisible()
    assert "Phiên bản 1: cấp trên trả lại (Cán bộ tỉnh (duyet.tinh)): CT14" in (
        view.history_label.text()
    )
    assert view.reopen_button.isEnabled()  # a returned report can be corrected

    service.reopen("2026-H1", "Cấp trên trả lại: rà lại CT14")
    service.finalise("2026-H1")
    _keep_decision(book, 2, "approved")
    view.period_changed()
    wait_for_ops(qtbot)
    assert view.decision_label.text().startswith("Cấp trên: đã được duyệt phiên bản 2")
    assert "không mở lại hay sửa được nữa" in view.decision_label.text()
    assert not view.reopen_button.isEnabled()
    assert "đã được cấp trên duyệt ngày 30/06/2026" in view.reopen_button.toolTip()
    history = view.history_label.text().splitlines()
    assert history[0] == "Lịch sử gửi và duyệt:" and len(history) == 6
    assert history[-1].endswith("Phiên bản 2: cấp trên duyệt (Cán bộ tỉnh (duyet.tinh))")
    from tests.gui.test_translations import check

    check(view)


def test_home_says_a_report_was_returned_and_opens_it(
    book: Book, children: None, qtbot: Any
) -> None:
    from desktop.ui.main_window import MainWindow

    IndicatorService(book).finalise("2026-H1")
    _keep_decision(book, 1, "returned", "CT14 chưa khớp sổ")
    window = MainWindow(book, book.commune(), housekeeping=False)
    qtbot.addWidget(window)
    window.show()
    wait_for_ops(qtbot)
    summary = window.home.summary
    assert summary is not None
    line = summary.line("decision:2026-H1")
    assert line is not None and line.level == "overdue"
    assert line.text == (
        "Báo cáo 6 tháng đầu năm 2026 (phiên bản 1) bị trả lại ngày 30/06/2026: CT14 chưa khớp sổ"
    )
    window.home.buttons["decision:2026-H1"].click()
    wait_for_ops(qtbot)
    assert window.stack.currentWidget() is window.periodic
    assert window.periodic.code == "2026-H1"
    qtbot.waitUntil(window.periodic.decision_label.isVisible, timeout=10_000)
    window.close()
