"""A case from intake to its timeline: the draft kept, the clocks shown with the time left,
the steps, the prints; what a collaborator sees; the home screen's clock lines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import time_machine
from PySide6.QtCore import Qt

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    CaseChildForm,
    CaseForm,
    CaseService,
    InformantForm,
    StepKind,
)
from desktop.ui.home.view import HomeView
from desktop.ui.main_window import MainWindow
from desktop.ui.protection.cases import CaseDialog, CasesView, StepDialog, parse_time
from sync import clock
from tests.gui.conftest import find_top_level, wait_for_ops
from tests.gui.protection.conftest import NOW, as_role
from tests.gui.test_translations import check


def _tick(dialog: CaseDialog, code: str) -> None:
    for i in range(dialog.forms.count()):
        item = dialog.forms.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == code:
            item.setCheckState(Qt.CheckState.Checked)


def test_times_are_read_as_an_officer_types_them() -> None:
    assert parse_time("17:30") == parse_time("17h30") == parse_time(" 17.30 ")
    assert parse_time("24:00") is None and parse_time("5 giờ") is None


def test_intake_keeps_a_draft_then_opens_the_case_with_its_clocks(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    view = CasesView(book)
    qtbot.addWidget(view)
    view.resize(1300, 620)
    view.show()
    wait_for_ops(qtbot)
    dialog = view.open_new()
    assert isinstance(dialog, CaseDialog)
    assert dialog.received_on.text() == "18/09/2026" and dialog.received_time.text() == "17:30"
    assert dialog.tabs.isTabVisible(dialog.informant_tab)  # officers and administrators only
    check(dialog)
    dialog.channel_code.set_current_data("NT01")
    dialog.hotline_ref.setText("111-2026-0918-07")
    dialog.child_in_danger.setChecked(True)
    dialog.informant_name.setText("Lê Thị Hoa")
    # Opened without a child: the draft is kept and its clocks already run.
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        dialog.submit()
    assert dialog.case_id is not None
    assert dialog.field_errors["children"].text()
    assert dialog.summary.text().startswith("Đã lưu bản nháp")
    emergency = dialog.clocks.labels["emergency"].text()
    assert emergency.startswith("Trong hạn — Còn 12 giờ") or "Còn 12 giờ" in emergency
    assert "Còn" in dialog.clocks.labels["written_report"].text()
    assert "ngày làm việc" in dialog.clocks.labels["plan"].text()
    assert dialog.informant_name.text() == "Lê Thị Hoa"  # nothing typed lost

    editor = dialog.children_editor
    editor.picker.set_child(children["Nguyễn Thị Ánh"], "Nguyễn Thị Ánh — 09/07/2018")
    assert len(editor.items) == 1 and editor.list.count() == 1
    editor.outside_name.setText("Bé Na")
    editor.outside_age.setValue(9)
    editor.add_outside.click()
    assert editor.list.item(1).text() == "Bé Na — khoảng 9 tuổi (ngoài sổ)"
    _tick(dialog, "XH01.1")
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        dialog.submit()
    detail = dialog.detail
    assert detail is not None and detail.state == "open"
    assert dialog.windowTitle().endswith("Đang xử lý")
    assert detail.informant is not None and detail.informant.full_name == "Lê Thị Hoa"
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    row = view.model.row_at(0)
    assert view.model.data(view.model.index(0, 5)) == "Còn 12 giờ"
    assert row.children_text

    step = dialog.open_step()
    assert isinstance(step, StepDialog)
    check(step)
    step.kind.set_current_data(StepKind.EMERGENCY)
    step.at_time.setText("17:30")
    step.description.setPlainText("Tạm thời đưa trẻ về ở với bà ngoại")
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        step.save()
    assert dialog.clocks.labels["emergency"].text().startswith("Đã làm đúng hạn")
    assert dialog.steps.rowCount() == 1
    dialog.reject()


def test_referral_needs_consent_or_a_reason(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    service = CaseService(book)
    saved = service.submit(
        CaseForm(
            received_on=NOW.date(),
            received_time=NOW.time(),
            channel_code="NT02",
            children=(CaseChildForm(person_id=children["Nguyễn Văn An"]),),
            forms=("XH01.1",),
        )
    )
    dialog = CaseDialog(book, saved.id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        dialog.show()
    step = dialog.open_step()
    assert step is not None
    step.kind.set_current_data(StepKind.REFERRAL)
    step.referral_to.set_current_data("police")
    step.at_time.setText("17:30")
    step.save()
    qtbot.waitUntil(step.summary.isVisible, timeout=10_000)
    assert step.field_errors["representative_name"].text()  # An is 11: both must agree
    assert step.field_errors["child_consented"].text()
    step.representative_name.setText("Nguyễn Văn Bình")
    step.representative_consented.setChecked(True)
    step.child_consented.setChecked(True)
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        step.save()
    assert dialog.steps.rowCount() == 1
    assert "Chuyển: Công an" in dialog.steps.data(dialog.steps.index(0, 3))
    wait_for_ops(qtbot)
    dialog.reject()


def test_prints_go_to_pdf(children: dict[str, str], book: Book, qtbot: Any, tmp_path: Path) -> None:
    service = CaseService(book)
    saved = service.submit(
        CaseForm(
            received_on=NOW.date(),
            received_time=NOW.time(),
            channel_code="NT03",
            children=(CaseChildForm(person_id=children["Trần Văn Cường"]),),
            forms=("XH05",),
            informant=InformantForm(full_name="Người báo tin bí mật"),
        )
    )
    intake = service.print_intake(saved.id, tmp_path / "mau-01.pdf")
    summary = service.print_summary(saved.id, tmp_path / "tom-tat.pdf")
    assert intake.read_bytes().startswith(b"%PDF") and summary.read_bytes().startswith(b"%PDF")
    view = CasesView(book)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    view.table.setCurrentIndex(view.model.index(0, 0))
    view.print_selected(intake=True)
    from PySide6.QtWidgets import QFileDialog

    dialogs = find_top_level(QFileDialog)
    assert dialogs and dialogs[0].windowTitle() == "Lưu báo cáo tiếp nhận (Mẫu 01) (PDF)"
    dialogs[0].reject()


def test_collaborator_sees_the_clocks_not_the_details(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    saved = CaseService(book).submit(
        CaseForm(
            received_on=NOW.date(),
            received_time=NOW.time(),
            channel_code="NT02",
            children=(CaseChildForm(person_id=children["Nguyễn Văn An"]),),
            forms=("XH03.4",),
            perpetrator_relation="hàng xóm",
            informant=InformantForm(full_name="Lê Thị Hoa"),
        )
    )
    as_role(book, Role.COLLABORATOR)
    view = CasesView(book)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    assert view.model.data(view.model.index(0, 3)) == "(ẩn)"
    assert not view.new_button.isEnabled()
    dialog = view.open_case(saved.id)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10_000)
    assert not dialog.tabs.isTabVisible(dialog.informant_tab)
    assert dialog.informant_name.text() == "" and dialog.perpetrator_relation.text() == ""
    assert dialog.submit_button.isHidden() and not dialog.add_step_button.isEnabled()
    assert "sửa thông tin nhạy cảm" in dialog.banner.text() or dialog.banner.isVisible()
    assert all(
        dialog.forms.item(i).data(Qt.ItemDataRole.UserRole) != "XH03.4"
        for i in range(dialog.forms.count())
    )
    assert "Còn" in dialog.clocks.labels["written_report"].text()
    dialog.reject()
    wait_for_ops(qtbot)


def test_home_shows_overdue_clocks_and_opens_the_case(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    CaseService(book).submit(
        CaseForm(
            received_on=NOW.date(),
            received_time=NOW.time(),
            channel_code="NT02",
            children=(CaseChildForm(person_id=children["Nguyễn Văn An"]),),
            forms=("XH01.1",),
            child_in_danger=True,
        )
    )
    later = datetime(2026, 9, 19, 8, 0, tzinfo=clock.VIETNAM)  # 14 h 30 later
    with time_machine.travel(later, tick=False):
        window = MainWindow(book, book.commune())
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.home.loaded, timeout=20_000):
            window.show()
        summary = window.home.summary
        assert summary is not None
        overdue = [
            line for s in summary.sections for line in s.lines if line.key.startswith("clock:")
        ]
        texts = [line.text for line in overdue]
        assert texts == [
            "Vụ việc số VV2026-001: Can thiệp khẩn cấp (trong 12 giờ) — Quá hạn 2 giờ 30 phút"
        ]  # the written report has 9 h 30 left: not yet "due soon" (6 h)
        emergency = next(line for line in overdue if "khẩn cấp" in line.text)
        assert emergency.level == "overdue"
        check(window.home)
        window.home.buttons[emergency.key].click()
        qtbot.waitUntil(lambda: bool(find_top_level(CaseDialog)), timeout=10_000)
        assert isinstance(window.stack.currentWidget(), type(window.areas[3][1]))
        wait_for_ops(qtbot)
        for dialog in find_top_level(CaseDialog):
            dialog.close()
        window.idle.stop()


def test_home_unsupported_line_opens_the_filtered_list(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    from desktop.core.services.protection import SpecialEpisodeForm, SpecialService

    SpecialService(book).save(
        SpecialEpisodeForm(children["Trần Văn Cường"], 3, NOW.date().replace(month=1))
    )
    home = HomeView(book, None)
    qtbot.addWidget(home)
    with qtbot.waitSignal(home.loaded, timeout=20_000):
        home.show()
    assert home.summary is not None
    line = home.summary.line("unsupported")
    assert line is not None and line.text.startswith("1 trẻ có hoàn cảnh đặc biệt chưa")
    assert line.target is not None and dict(line.target.options) == {"supported": "no"}
    coverage = home.summary.line("coverage")
    assert coverage is not None and coverage.text.startswith("0 / 1 được trợ giúp (0 %)")
    wait_for_ops(qtbot)
