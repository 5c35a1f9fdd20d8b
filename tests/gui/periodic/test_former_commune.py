"""The periodic report screen's "Xã cũ: …" choice (issue 17): only in a book that received the
books of former communes; their reports are computed and printed, never finalised or sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop.core.services.book import Book
from desktop.ui.changes import Change, announce
from desktop.ui.periodic.model import VALUE
from desktop.ui.periodic.view import PeriodicReportView
from tests.gui.conftest import wait_for_message, wait_for_ops
from tests.unit.core.services.former_hand_books import merge_two_former_books

pytestmark = pytest.mark.today("2026-08-15")


def _view(book: Book, qtbot: Any) -> PeriodicReportView:
    made = PeriodicReportView(book)
    qtbot.addWidget(made)
    made.resize(1180, 700)
    made.show()
    wait_for_ops(qtbot)
    return made


def _compute(view: PeriodicReportView, qtbot: Any) -> None:
    with qtbot.waitSignal(view.computed, timeout=15_000):
        view.compute_button.click()


def test_the_choice_appears_only_once_former_communes_came_in(
    book: Book, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    view = _view(book, qtbot)
    assert not view.former.isVisible() and not view.former_label.isVisible()
    assert view.former_commune is None
    assert not view.former_hint.isVisible()
    # The merge wizard announces a change of the register: the open screen reads the list again.
    merge_two_former_books(book, monkeypatch, tmp_path / "xa-cu")
    announce(Change.BOOK)
    wait_for_ops(qtbot)
    assert view.former.isVisible() and view.former.count() == 4
    assert view.former_commune is None  # this commune's own report stays chosen


def test_a_former_communes_report_is_computed_but_not_finalised(
    book: Book, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    merge_two_former_books(book, monkeypatch, tmp_path / "xa-cu")
    view = _view(book, qtbot)
    assert view.former.isVisible() and view.former_label.text() == "Xã cũ:"
    choices = [view.former.itemText(i) for i in range(view.former.count())]
    assert choices == [
        "Không (báo cáo của xã hiện nay)",
        "Xã Minh Hưng (cũ), mã 11111, gộp sổ ngày 15/08/2026",
        "Xã Tân Lập (cũ), mã 22222, gộp sổ ngày 15/08/2026",
        "Xã Hoàng Kim (trước khi gộp), mã 12345: các hộ không gộp từ sổ xã cũ",
    ]
    view.kind.setCurrentIndex(view.kind.findData("Y"))
    view.year.setValue(2024)
    view.former.setCurrentIndex(view.former.findData("11111"))
    wait_for_ops(qtbot)
    assert view.former_commune is not None and view.former_commune.code == "11111"
    assert view.former_hint.isVisible()
    assert "không chốt, không lưu và không gửi lên cấp trên" in view.former_hint.text()
    _compute(view, qtbot)
    row = view.model.row_of("TK0101")
    assert view.model.index(row, VALUE).data() == "3"  # a1, a2 and the twin
    assert view.state_label.text() == "Trạng thái: Báo cáo của xã cũ (không chốt)"
    for button in (
        view.finalise_button,
        view.review_button,
        view.reopen_button,
        view.narrative_button,
        view.figures_button,
    ):
        assert not button.isEnabled()
        assert "Báo cáo này không chốt, không lưu và không gửi" in button.toolTip()
    assert view.pdf_button.isEnabled() and view.xlsx_button.isEnabled()
    # Back to this commune's own report: the steps are open again, all six children counted.
    view.former.setCurrentIndex(0)
    wait_for_ops(qtbot)
    assert not view.former_hint.isVisible()
    _compute(view, qtbot)
    assert view.model.index(view.model.row_of("TK0101"), VALUE).data() == "6"
    assert view.finalise_button.isEnabled() and view.finalise_button.toolTip() == ""
    # A period after the merge, for a former commune: refused with the reason.
    view.former.setCurrentIndex(view.former.findData("22222"))
    view.year.setValue(2026)
    wait_for_ops(qtbot)
    view.compute_button.click()
    box = wait_for_message(qtbot)
    assert "báo cáo của xã mới" in box.text()
    box.accept()
