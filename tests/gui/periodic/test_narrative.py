"""The report's text: the five narrative sections and the document fields of a periodic report.

Period 2026-H1 on the default calendar, numbers as of 30/04/2026; a small book of three
children (An 6, Bình 11, Chi 14).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.services.indicators import (
    NARRATIVE_MAX_CHARS,
    NARRATIVE_SECTIONS,
    IndicatorService,
    starting_text,
)
from desktop.ui.periodic.narrative import NarrativeDialog
from desktop.ui.periodic.view import PeriodicReportView
from tests.gui.conftest import answer, is_closed, type_text, wait_for_message, wait_for_ops
from tests.gui.test_translations import check

pytestmark = pytest.mark.today("2026-06-30")
CODE = "2026-H1"


@pytest.fixture
def children(book: Book, hamlet_id: str) -> None:
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


def make_view(book: Book, qtbot: Any) -> PeriodicReportView:
    view = PeriodicReportView(book)
    qtbot.addWidget(view)
    view.resize(1180, 700)
    view.show()
    wait_for_ops(qtbot)
    view.kind.setCurrentIndex(view.kind.findData("H1"))
    view.year.setValue(2026)
    wait_for_ops(qtbot)
    return view


def compute(view: PeriodicReportView, qtbot: Any) -> None:
    with qtbot.waitSignal(view.computed, timeout=15_000):
        view.compute_button.click()


@pytest.fixture
def view(book: Book, children: None, qtbot: Any) -> Iterator[PeriodicReportView]:
    yield make_view(book, qtbot)


def open_dialog(view: PeriodicReportView, qtbot: Any) -> NarrativeDialog:
    """Compute, then open "Nội dung văn bản…" and wait for its text."""
    if view.report is None:
        compute(view, qtbot)
    assert view.narrative_button.isEnabled()
    view.narrative_button.click()
    dialog = view.narrative_dialog
    assert isinstance(dialog, NarrativeDialog) and dialog.isVisible()
    wait_for_ops(qtbot)
    assert dialog.draft is not None
    return dialog


def save(dialog: NarrativeDialog, qtbot: Any) -> None:
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save_button.click()


def test_the_button_waits_for_the_numbers_and_the_text_starts_from_them(
    view: PeriodicReportView, qtbot: Any
) -> None:
    assert not view.narrative_button.isEnabled()
    assert view.narrative_button.toolTip() == "Hãy bấm “Tính” trước."
    dialog = open_dialog(view, qtbot)
    assert view.narrative_button.toolTip() == ""
    assert dialog.windowTitle() == "Nội dung văn bản báo cáo — 6 tháng đầu năm 2026"
    assert view.report is not None
    start = starting_text(view.report)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "I. Kết quả thực hiện",
        "II. Tồn tại, hạn chế",
        "III. Nguyên nhân",
        "IV. Nhiệm vụ trọng tâm thời gian tới",
        "V. Đề xuất, kiến nghị",
    ]
    for key in NARRATIVE_SECTIONS:
        page = dialog.sections[key]
        assert page.text() == start[key]
        assert page.status.text().startswith("Lời soạn sẵn từ số liệu")
        assert not page.restore_button.isEnabled()  # nothing to restore
    results = dialog.sections["results"].text()
    assert results.startswith("Tính đến ngày 30/04/2026,")
    assert "Dân số trẻ em (dưới 16 tuổi): 3." in results  # three children
    assert not dialog.banner.isVisible() and dialog.save_button.isVisible()
    assert dialog.signer_lines.placeholderText() == "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"
    assert not dialog.has_unsaved_changes()
    check(dialog)
    dialog.close_button.click()  # nothing typed: closes without asking
    assert is_closed(dialog)


def test_an_edited_section_is_saved_and_the_untouched_ones_follow_the_numbers(
    book: Book, hamlet_id: str, view: PeriodicReportView, qtbot: Any
) -> None:
    dialog = open_dialog(view, qtbot)
    causes = dialog.sections["causes"]
    dialog.tabs.setCurrentWidget(causes)
    causes.editor.selectAll()
    type_text(causes.editor, "- Do thiếu kinh phí cho công tác trẻ em.")
    assert causes.status.text() == "Cán bộ đã sửa: in đúng lời văn này."
    assert causes.restore_button.isEnabled()
    assert dialog.has_unsaved_changes()
    save(dialog, qtbot)
    assert dialog.status.text().startswith("Đã lưu.")
    assert not dialog.has_unsaved_changes()
    service = IndicatorService(book)
    texts = service.narrative(CODE)
    assert texts["causes"] == "- Do thiếu kinh phí cho công tác trẻ em."
    assert view.report is not None
    assert texts["results"] == starting_text(view.report)["results"]
    # Untouched: saved empty, so a child added later shows up in the printed text.
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="2",
            head_name="Trần Văn Hai",
            children=[ChildForm("Trần Thị Em", date(2019, 1, 1), 2)],
        ),
        today=date(2026, 1, 3),
        accept_warnings=True,
    )
    assert "Dân số trẻ em (dưới 16 tuổi): 4." in service.narrative(CODE)["results"]
    assert service.narrative(CODE)["causes"] == "- Do thiếu kinh phí cho công tác trẻ em."
    dialog.close_button.click()
    assert is_closed(dialog)


def test_restoring_the_starting_text_asks_once_something_was_written(
    book: Book, view: PeriodicReportView, qtbot: Any
) -> None:
    IndicatorService(book).save_narrative(CODE, {"proposals": "- Đề nghị huyện hỗ trợ."})
    dialog = open_dialog(view, qtbot)
    page = dialog.sections["proposals"]
    assert page.text() == "- Đề nghị huyện hỗ trợ."  # the saved text, not the starting one
    assert page.status.text() == "Cán bộ đã sửa: in đúng lời văn này."
    dialog.tabs.setCurrentWidget(page)
    page.restore_button.click()
    box = wait_for_message(qtbot)
    assert "V. ĐỀ XUẤT, KIẾN NGHỊ" in box.text() and "Ctrl+Z" in box.text()
    answer(box, "Giữ nội dung")
    assert page.text() == "- Đề nghị huyện hỗ trợ."
    page.restore_button.click()
    answer(wait_for_message(qtbot), "Điền lại")
    assert page.text() == page.start
    assert page.status.text().startswith("Lời soạn sẵn từ số liệu")
    page.editor.undo()  # what was written is one Ctrl+Z away
    assert page.text() == "- Đề nghị huyện hỗ trợ."
    page.editor.redo()
    # An emptied section is refilled without asking (nothing would be lost).
    causes = dialog.sections["causes"]
    causes.editor.clear()
    causes.restore_button.click()
    assert causes.text() == causes.start
    save(dialog, qtbot)
    assert view.report is not None
    assert IndicatorService(book).narrative(CODE) == starting_text(view.report)
    dialog.close_button.click()


def test_the_document_number_and_signer_are_saved_in_the_header_and_the_pdf(
    book: Book, view: PeriodicReportView, qtbot: Any, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    dialog = open_dialog(view, qtbot)
    type_text(dialog.doc_number, "12/BC-UBND")
    type_text(dialog.signer_name, "Phạm Thị Hoa")
    dialog.signer_lines.setFocus()
    type_text(dialog.signer_lines, "KT. CHỦ TỊCH")
    QTest.keyClick(dialog.signer_lines, Qt.Key.Key_Return)
    type_text(dialog.signer_lines, "PHÓ CHỦ TỊCH")
    tasks = dialog.sections["tasks"]
    tasks.editor.selectAll()
    type_text(tasks.editor, "- Rà soát trẻ chưa có thẻ bảo hiểm y tế.")
    save(dialog, qtbot)
    service = IndicatorService(book)
    assert service.document_fields(CODE) == {
        "doc_number": "12/BC-UBND",
        "signer_name": "Phạm Thị Hoa",
        "signer_lines": "KT. CHỦ TỊCH|PHÓ CHỦ TỊCH",
    }
    header = service.header(CODE)
    assert header.number == "12/BC-UBND" and header.number_line() == "Số: 12/BC-UBND"
    assert header.signer_name == "Phạm Thị Hoa"
    assert header.signer_lines == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    dialog.close_button.click()
    # The PDF written afterwards prints what was saved.
    pdf = tmp_path / "bao-cao.pdf"
    service.write(CODE, pdf, "pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    for expected in (
        "Số: 12/BC-UBND",
        "Phạm Thị Hoa",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "IV. NHIỆM VỤ TRỌNG TÂM THỜI GIAN TỚI",
        "- Rà soát trẻ chưa có thẻ bảo hiểm y tế.",
        "Tính đến ngày 30/04/2026",  # the untouched results section, from the numbers
    ):
        assert expected in text, expected
    # The next period's dialog suggests the same signer.
    view.kind.setCurrentIndex(view.kind.findData("9M"))
    wait_for_ops(qtbot)
    nine = open_dialog(view, qtbot)
    assert nine.signer_name.text() == "Phạm Thị Hoa"
    assert nine.signer_lines.toPlainText() == "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
    assert nine.signer_hint.isVisible() and "báo cáo gần nhất" in nine.signer_hint.text()
    assert nine.doc_number.text() == ""  # a number belongs to one document
    assert not nine.has_unsaved_changes()
    nine.close_button.click()


def test_a_refused_save_keeps_everything_typed_and_says_where(
    book: Book, view: PeriodicReportView, qtbot: Any
) -> None:
    dialog = open_dialog(view, qtbot)
    long_text = "- " + "Trẻ em được chăm sóc. " * 200
    assert len(long_text.strip()) > NARRATIVE_MAX_CHARS
    results = dialog.sections["results"]
    results.editor.setPlainText(long_text)  # pasted
    assert "tối đa 4.000" in results.error.text()  # said while writing
    type_text(dialog.doc_number, "1" * 41)
    dialog.tabs.setCurrentIndex(4)
    dialog.save_button.click()
    wait_for_ops(qtbot)
    assert results.error.text().startswith("Mục «I. KẾT QUẢ THỰC HIỆN» dài 4.4")
    assert dialog.tabs.currentWidget() is results  # the first problem's tab is shown
    assert dialog.field_errors["doc_number"].text() == (
        "Số, ký hiệu văn bản dài 41 ký tự, tối đa 40 ký tự."
    )
    assert dialog.status.text().startswith("Chưa lưu được; mọi thứ đã viết vẫn còn.")
    assert results.text() == long_text and dialog.doc_number.text() == "1" * 41
    assert IndicatorService(book).document_fields(CODE)["doc_number"] == ""
    # An emptied section is refused before anything is sent.
    results.editor.setPlainText("- Kết quả ngắn gọn.")
    assert results.error.text() == ""
    dialog.doc_number.selectAll()
    type_text(dialog.doc_number, "12/BC-UBND")
    assert dialog.field_errors["doc_number"].text() == ""  # cleared when typed again
    dialog.sections["shortcomings"].editor.clear()
    dialog.save_button.click()
    assert dialog.tabs.currentIndex() == 1
    assert "đang để trống" in dialog.sections["shortcomings"].error.text()
    wait_for_ops(qtbot)
    assert IndicatorService(book).narrative(CODE)["results"] != "- Kết quả ngắn gọn."
    # Finalised meanwhile (another window): refused, said on top, the text stays.
    dialog.sections["shortcomings"].replace_text("- Không có.")
    IndicatorService(book).finalise(CODE)
    dialog.save_button.click()
    wait_for_ops(qtbot)
    assert "đã chốt số liệu" in dialog.error.text() and dialog.error.isVisible()
    assert results.text() == "- Kết quả ngắn gọn."
    # Closing over the unsaved text asks; "Tiếp tục sửa" keeps the dialog.
    dialog.close_button.click()
    box = wait_for_message(qtbot)
    assert "chưa được lưu" in box.text()
    answer(box, "Tiếp tục sửa")
    assert dialog.isVisible()
    dialog.close()  # the window's X asks too
    answer(wait_for_message(qtbot), "Bỏ thay đổi")
    assert is_closed(dialog)


def test_a_viewer_reads_the_text_without_changing_it(
    book: Book, children: None, qtbot: Any
) -> None:
    IndicatorService(book).save_narrative(CODE, {"causes": "- Do thiếu kinh phí."})
    book.user = dataclasses.replace(book.user, role=Role.VIEWER)
    view = make_view(book, qtbot)
    dialog = open_dialog(view, qtbot)
    assert dialog.banner.isVisible()
    assert dialog.banner.text().startswith("Tài khoản chỉ xem")
    assert dialog.sections["causes"].text() == "- Do thiếu kinh phí."
    _read_only(dialog)
    check(dialog)
    dialog.close_button.click()
    assert is_closed(dialog)


def test_a_finalised_report_is_read_only(book: Book, view: PeriodicReportView, qtbot: Any) -> None:
    service = IndicatorService(book)
    service.save_narrative(CODE, {"tasks": "- Tiếp tục rà soát sổ."}, signer_name="Lê Văn Ký")
    service.finalise(CODE)
    dialog = open_dialog(view, qtbot)
    assert dialog.banner.isVisible()
    assert "đã chốt số liệu" in dialog.banner.text() and "mở lại" in dialog.banner.text()
    assert dialog.sections["tasks"].text() == "- Tiếp tục rà soát sổ."
    assert dialog.signer_name.text() == "Lê Văn Ký"
    _read_only(dialog)
    dialog.close_button.click()
    assert is_closed(dialog)


def _read_only(dialog: NarrativeDialog) -> None:
    assert not dialog.editable and not dialog.save_button.isVisible()
    assert dialog.doc_number.isReadOnly() and dialog.signer_name.isReadOnly()
    assert dialog.signer_lines.isReadOnly()
    for page in dialog.sections.values():
        assert page.editor.isReadOnly() and not page.restore_button.isVisible()
    type_text(dialog.sections["results"].editor, "thêm")
    assert not dialog.has_unsaved_changes()
    dialog.save()  # Ctrl+S does nothing either


def test_the_dialog_fits_a_1366_by_768_screen(view: PeriodicReportView, qtbot: Any) -> None:
    dialog = open_dialog(view, qtbot)
    hint, size = dialog.minimumSizeHint(), dialog.size()
    assert hint.width() <= 1366 - 16 and hint.height() <= 768 - 80, hint
    assert size.width() <= 1366 - 16 and size.height() <= 768 - 80, size
    view_hint = view.minimumSizeHint()  # the screen keeps fitting with its new row
    assert view_hint.width() <= 1366 - 180 and view_hint.height() <= 768 - 120
    dialog.close_button.click()
