"""Typing households from paper: the list, the search and the household form."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.ui.households.dialog import AddHamletDialog, HouseholdDialog, RemoveChildDialog
from desktop.ui.households.view import HouseholdsView
from sync import clock
from tests.gui.conftest import (
    answer,
    find_top_level,
    is_closed,
    type_text,
    wait_for_message,
    wait_for_ops,
)


@pytest.fixture
def view(book: Book, hamlet_id: str, qtbot: Any) -> Iterator[HouseholdsView]:
    made = HouseholdsView(book)
    qtbot.addWidget(made)
    made.resize(1200, 650)
    made.show()
    with qtbot.waitSignal(made.rows_loaded, timeout=10_000):
        made.reload()
    wait_for_ops(qtbot)
    yield made


def open_new(view: HouseholdsView, qtbot: Any) -> HouseholdDialog:
    dialog = view.open_new()
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def activate(window: QWidget, qtbot: Any) -> None:
    """Make ``window`` the active window (shortcuts and focus need it)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


def save_and_wait(dialog: HouseholdDialog, qtbot: Any) -> None:
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog._busy, timeout=10_000)
    wait_for_ops(qtbot)


def add_household(book: Book, hamlet_id: str, number: str, head: str, *kids: str) -> str:
    children = [ChildForm(full_name=k, birth_date=date(2018, 1, 2), sex=1) for k in kids]
    form = HouseholdForm(hamlet_id=hamlet_id, number=number, head_name=head, children=children)
    return HouseholdService(book).save_household(form)


def test_typing_a_household_with_two_children_saves_and_lists_it(
    view: HouseholdsView, qtbot: Any
) -> None:
    dialog = open_new(view, qtbot)
    assert dialog.windowTitle() == "Thêm hộ gia đình"
    assert dialog.hamlet_id.currentText() == "Thôn Đông"
    qtbot.keyClicks(dialog.number, "12")
    type_text(dialog.head_name, "Nguyễn Văn Bình")
    type_text(dialog.address, "Xóm 3")
    first = dialog.rows[0]
    type_text(first.full_name, "Nguyễn Thị Hoa")
    qtbot.keyClicks(first.birth_date, "05092019")
    first.birth_date.check()
    assert first.birth_date.text() == "05/09/2019"
    qtbot.keyClicks(first.sex, "nu")  # accent-insensitive type-ahead finds "Nữ"
    assert first.sex.currentText() == "Nữ"
    qtbot.keyClick(first.notes, Qt.Key.Key_Return)  # Enter on the last field adds a child
    assert len(dialog.rows) == 2
    second = dialog.rows[1]
    type_text(second.full_name, "Nguyễn Văn Nam")
    qtbot.keyClicks(second.birth_date, "12/03/2017")
    qtbot.keyClicks(second.sex, "na")
    assert second.sex.currentText() == "Nam"
    qtbot.keyClicks(second.ethnicity_code, "tay")
    assert second.ethnicity_code.currentText() == "Tày"

    activate(dialog, qtbot)
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    household_id = saved.args[0]
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    wait_for_ops(qtbot)
    listed = view.model.row_at(0)
    assert (listed.head_name, listed.number, listed.children) == ("Nguyễn Văn Bình", "12", 2)
    assert view.selected_id() == household_id
    assert is_closed(dialog)

    form = HouseholdService(view._book).get_household(household_id)
    assert [(c.full_name, c.birth_date, c.sex, c.ethnicity_code) for c in form.children] == [
        ("Nguyễn Văn Nam", date(2017, 3, 12), 1, "02"),
        ("Nguyễn Thị Hoa", date(2019, 9, 5), 2, "01"),
    ]


def test_search_is_accent_insensitive(
    view: HouseholdsView, book: Book, hamlet_id: str, qtbot: Any
) -> None:
    add_household(book, hamlet_id, "1", "Nguyễn Văn An", "Nguyễn Thị Mai")
    add_household(book, hamlet_id, "2", "Trần Đức Bảo", "Trần Văn Cường")
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.refresh()
    assert view.model.rowCount() == 2

    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        qtbot.keyClicks(view.search, "nguyen van an")  # debounced: one search at the end
    assert [view.model.row_at(r).head_name for r in range(view.model.rowCount())] == [
        "Nguyễn Văn An"
    ]
    assert view.status.text() == "1 hộ, 1 trẻ em"
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.search.setText("cuong")  # a child's name finds the household too
    assert view.model.row_at(0).head_name == "Trần Đức Bảo"
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.search.setText("không có ai")
    assert view.model.rowCount() == 0
    assert "Không tìm thấy" in view.status.text()


def test_future_date_and_empty_name_keep_every_typed_value(
    view: HouseholdsView, qtbot: Any
) -> None:
    dialog = open_new(view, qtbot)
    dialog.number.setText("5")
    dialog.head_name.setText("Lê Văn Tư")
    first = dialog.rows[0]
    first.full_name.setText("Lê Thị Một")
    first.birth_date.setText("01012019")
    first.sex.set_current_data(2)
    second = dialog.add_child()
    second.birth_date.setText(f"01/01/{clock.today().year + 1}")
    second.sex.set_current_data(1)
    second.id_number.setText("123")
    second.notes.setText("con thứ hai")

    save_and_wait(dialog, qtbot)
    assert dialog.isVisible()  # nothing saved, nothing closed
    assert view.model.rowCount() == 0
    errors = second.errors.text()
    assert "Trẻ thứ 2: chưa nhập họ tên." in errors
    assert "ở sau ngày hôm nay" in errors
    assert "12 chữ số" in errors
    assert second.full_name.property("invalid") is True
    assert second.birth_date.property("invalid") is True
    assert first.errors.text() == ""
    assert dialog.summary.isVisible()
    assert "Trẻ thứ 2" in dialog.summary.text()
    # Every typed value is still there.
    assert (dialog.number.text(), dialog.head_name.text()) == ("5", "Lê Văn Tư")
    assert first.full_name.text() == "Lê Thị Một"
    assert first.birth_date.text() == "01/01/2019"
    assert second.birth_date.text() == f"01/01/{clock.today().year + 1}"
    assert (second.id_number.text(), second.notes.text()) == ("123", "con thứ hai")
    assert second.sex.current_data() == 1

    # Correcting clears the marks and saves.
    second.full_name.setText("Lê Văn Hai")
    second.birth_date.setText("02/02/2020")
    second.id_number.setText("")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save_button.click()


def test_unreadable_date_is_named_not_reported_as_missing(view: HouseholdsView, qtbot: Any) -> None:
    dialog = open_new(view, qtbot)
    dialog.number.setText("6")
    dialog.head_name.setText("Võ Văn Sáu")
    child = dialog.rows[0]
    child.full_name.setText("Võ Thị Bảy")
    child.birth_date.setText("31/02/2019")
    child.sex.set_current_data(2)
    save_and_wait(dialog, qtbot)
    assert "ngày 31/02/2019 không tồn tại" in child.errors.text()
    assert "chưa nhập ngày sinh" not in child.errors.text()
    assert child.birth_date.text() == "31/02/2019"


def test_household_field_problems_are_shown_at_the_field(view: HouseholdsView, qtbot: Any) -> None:
    dialog = open_new(view, qtbot)
    save_and_wait(dialog, qtbot)
    assert dialog.field_errors["number"].text() == "Số hộ: chưa nhập."
    assert dialog.field_errors["head_name"].text() == "Họ tên chủ hộ: chưa nhập."
    assert dialog.number.property("invalid") is True


def test_editing_removes_a_child_with_a_reason(
    view: HouseholdsView, book: Book, hamlet_id: str, qtbot: Any
) -> None:
    household_id = add_household(book, hamlet_id, "3", "Phạm Văn Ba", "Phạm An", "Phạm Bình")
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.refresh()
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(0, 0))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # Enter opens the household
    qtbot.waitUntil(lambda: view.dialog is not None and view.dialog.isVisible(), timeout=10_000)
    dialog = view.dialog
    assert dialog is not None
    assert dialog.windowTitle() == "Sửa hộ gia đình"
    assert [r.full_name.text() for r in dialog.rows] == ["Phạm An", "Phạm Bình"]

    dialog.rows[1].remove_button.click()
    qtbot.waitUntil(lambda: bool(find_top_level(RemoveChildDialog)), timeout=5000)
    ask = find_top_level(RemoveChildDialog)[0]
    assert isinstance(ask, RemoveChildDialog)
    ask.ok_button.click()  # a reason is required
    assert ask.isVisible() and ask.error.text() == "Hãy ghi lý do xóa."
    ask.reason.setText("Nhập trùng")
    ask.ok_button.click()
    assert dialog.rows[1].removed
    assert "Nhập trùng" in dialog.rows[1].errors.text()

    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save_button.click()
    form = HouseholdService(book).get_household(household_id)
    assert [c.full_name for c in form.children] == ["Phạm An"]


def test_closing_with_unsaved_typing_asks_first(view: HouseholdsView, qtbot: Any) -> None:
    dialog = open_new(view, qtbot)
    type_text(dialog.head_name, "Đỗ Văn Chín")
    dialog.reject()
    box = wait_for_message(qtbot)
    assert "chưa được lưu" in box.text()
    answer(box, "Tiếp tục nhập")
    assert dialog.isVisible() and dialog.head_name.text() == "Đỗ Văn Chín"
    dialog.reject()
    answer(wait_for_message(qtbot), "Bỏ thay đổi")
    qtbot.waitUntil(lambda: is_closed(dialog))


def test_enter_moves_to_the_next_field(view: HouseholdsView, qtbot: Any) -> None:
    dialog = open_new(view, qtbot)
    activate(dialog, qtbot)
    dialog.number.setFocus()
    qtbot.waitUntil(dialog.number.hasFocus)
    qtbot.keyClick(dialog.number, Qt.Key.Key_Return)
    assert dialog.head_name.hasFocus()
    assert dialog.isVisible()  # Enter never saves by surprise

    first = dialog.rows[0]
    first.full_name.setFocus()
    for expected in (first.birth_date, first.sex, first.relation_code, first.ethnicity_code,
                     first.id_number, first.birth_registered, first.notes):  # fmt: skip
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        assert QApplication.focusWidget() is expected
    second = dialog.add_child()
    first.notes.setFocus()
    qtbot.keyClick(first.notes, Qt.Key.Key_Return)  # not the last row: go to the next child
    assert second.full_name.hasFocus()
    assert len(dialog.rows) == 2


def test_adding_hamlets(view: HouseholdsView, qtbot: Any) -> None:
    dialog = view.open_add_hamlet()
    assert isinstance(dialog, AddHamletDialog)
    dialog.name.setText("thon dong")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog._busy, timeout=10_000)
    assert "đã có trong sổ" in dialog.error.text()
    assert dialog.name.text() == "thon dong"
    dialog.name.setText("Tổ 5")
    with qtbot.waitSignal(dialog.added, timeout=10_000):
        dialog.ok_button.click()
    qtbot.waitUntil(lambda: view.hamlet_filter.findText("Tổ 5") >= 0, timeout=10_000)


def test_adding_a_household_without_hamlets_offers_to_add_one(book: Book, qtbot: Any) -> None:
    view = HouseholdsView(book)
    qtbot.addWidget(view)
    view.show()
    view.reload()
    wait_for_ops(qtbot)
    assert "Chưa có hộ nào" in view.status.text()
    assert view.open_new() is None
    box = wait_for_message(qtbot)
    answer(box, "Thêm thôn")
    qtbot.waitUntil(lambda: bool(find_top_level(AddHamletDialog)), timeout=5000)
    # The answered box is deleted later; let that happen while ``view`` is still referenced
    # here (its answer callback holds the view: freed during teardown it takes the view's
    # last reference while the box, its child, is being destroyed).
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
