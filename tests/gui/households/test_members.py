"""The household form's members: full record, duplicates while typing, warnings, history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt

from desktop.core.services.book import Book
from desktop.core.services.children import ChildService
from desktop.core.services.events import EventService
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.ui.households.dialog import HouseholdDialog
from desktop.ui.households.view import HouseholdsView
from sync import clock
from tests.gui.conftest import type_text, wait_for_ops
from tests.gui.test_translations import check

TODAY = clock.today()


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
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def open_new(view: HouseholdsView, qtbot: Any) -> HouseholdDialog:
    dialog = view.open_new()
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_the_full_record_of_a_row_is_saved_with_the_household(
    view: HouseholdsView, book: Book, qtbot: Any
) -> None:
    dialog = open_new(view, qtbot)
    dialog.number.setText("4")
    dialog.head_name.setText("Lò Văn Pọm")
    row = dialog.rows[0]
    type_text(row.full_name, "Lò Thị Xuân")
    row.birth_date.setText("03032021")
    row.sex.set_current_data(2)
    row.ethnicity_code.set_current_data("03")
    row.details_button.click()
    qtbot.waitUntil(lambda: dialog.child_dialog is not None, timeout=5000)
    details = dialog.child_dialog
    assert details is not None
    assert details.full_name.text() == "Lò Thị Xuân"
    check(details)
    details.schooling_code.set_current_data("HT03")
    details.school_name.setText("Trường Mầm non Bản Lướt")
    details.insurance_number.setText("TE1141412345678")
    details.free_card_button.click()
    details.guardians.rows[1].full_name.setText("Lường Thị Ơn")
    with qtbot.waitSignal(details.form_ready, timeout=10_000):
        details.save_button.click()
    assert row.full_name.text() == "Lò Thị Xuân"
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        dialog.save_button.click()
    form = HouseholdService(book).get_household(saved.args[0])
    record = ChildService(book).get_child(form.children[0].id or "")
    assert (record.schooling_code, record.school_name) == ("HT03", "Trường Mầm non Bản Lướt")
    assert record.insurance_valid_until == date(2027, 3, 2)
    assert [g.full_name for g in record.guardians or []] == ["Lường Thị Ơn"]


def test_possible_duplicates_are_shown_while_typing(
    view: HouseholdsView, book: Book, hamlet_id: str, qtbot: Any
) -> None:
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Hà Văn Sơn",
            children=[ChildForm("Hà Thị Mai", date(2019, 5, 5), 2, id_number="038319000001")],
        )
    )
    dialog = open_new(view, qtbot)
    row = dialog.rows[0]
    type_text(row.full_name, "Ha Thi Mai")
    row.birth_date.setText("05/05/2019")
    with qtbot.waitSignal(dialog.duplicates_checked, timeout=10_000):
        row.birth_date.editingFinished.emit()
    assert "Có thể trùng: Hà Thị Mai, sinh 05/05/2019, hộ số 1 (Hà Văn Sơn)" in row.hint.text()
    assert "trùng họ tên và ngày sinh" in row.hint.text()
    row.full_name.setText("Hà Thị Lan")
    row.id_number.setText("038319000001")
    with qtbot.waitSignal(dialog.duplicates_checked, timeout=10_000):
        row.id_number.editingFinished.emit()
    assert "trùng số định danh" in row.hint.text()


def test_warnings_are_confirmed_and_an_id_reason_is_kept(
    view: HouseholdsView, book: Book, qtbot: Any
) -> None:
    dialog = open_new(view, qtbot)
    dialog.number.setText("5")
    dialog.head_name.setText("Đinh Văn Tâm")
    row = dialog.rows[0]
    row.full_name.setText("Đinh Văn Tâm")
    row.birth_date.setText("01/01/1985")
    row.sex.set_current_data(1)
    row.relation_code.set_current_data("QH01")
    child = dialog.add_child()
    child.full_name.setText("Đinh Thị Thơ")
    child.birth_date.setText("02/02/2018")
    child.sex.set_current_data(2)
    child.id_number.setText("038317000123")  # year 17, born 2018
    dialog.save_button.click()
    qtbot.waitUntil(lambda: getattr(dialog, "confirm_dialog", None) is not None, timeout=10_000)
    confirm = dialog.confirm_dialog
    qtbot.waitUntil(confirm.isVisible, timeout=5000)
    assert "Trẻ thứ 2 (Đinh Thị Thơ): số định danh 038317000123" in confirm.text.toPlainText()
    check(confirm)
    confirm.reason.setText("Công an xã xác nhận số đúng")
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        confirm.save_button.click()
    form = HouseholdService(book).get_household(saved.args[0])
    assert [c.full_name for c in form.children] == ["Đinh Văn Tâm", "Đinh Thị Thơ"]
    assert form.children[1].id_check_override == "Công an xã xác nhận số đúng"
    assert form.children[0].relation_code == "QH01"


def test_history_rows_are_shown_not_edited(
    view: HouseholdsView, book: Book, hamlet_id: str, qtbot: Any
) -> None:
    from desktop.core.services.events import EventForm

    household = HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="6",
            head_name="Vi Văn Hùng",
            children=[ChildForm("Vi Thị Hoa", date(2015, 1, 1), 2),
                      ChildForm("Vi Văn Nam", date(2017, 1, 1), 1)],
        )
    )  # fmt: skip
    members = HouseholdService(book).get_household(household).children
    EventService(book).record(EventForm("BD03", TODAY, members[0].id, place="Hà Nội"))
    view.open_household(household)
    qtbot.waitUntil(lambda: view.dialog is not None and view.dialog.isVisible(), timeout=10_000)
    dialog = view.dialog
    assert dialog is not None
    moved = next(r for r in dialog.rows if r.full_name.text() == "Vi Thị Hoa")
    assert moved.history and moved.full_name.isReadOnly() and moved.remove_button.isHidden()
    assert "Đã chuyển đi" in moved.hint.text()
    kept = next(r for r in dialog.rows if r is not moved)
    kept.notes.setText("con út")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save_button.click()

    view.open_household(household)
    qtbot.waitUntil(lambda: view.dialog is not None and view.dialog.isVisible(), timeout=10_000)
    history = view.dialog.open_history()  # type: ignore[union-attr]
    assert history is not None
    qtbot.waitUntil(lambda: history.model.rowCount() == 1, timeout=10_000)
    assert history.model.text_at(0, 1) == "Chuyển đi"
    check(history)
    split = history.open_split()
    assert split is not None
    split.members.item(0).setCheckState(Qt.CheckState.Checked)
    split.number.setText("6B")
    split.head_name.setText("Vi Văn Nam")
    with qtbot.waitSignal(history.loaded, timeout=10_000):
        split.ok_button.click()
    assert "Tách hộ" in [history.model.text_at(r, 1) for r in range(history.model.rowCount())]
    history.reject()
    view.dialog.reject()  # type: ignore[union-attr]


def test_sixteenth_birthdays_are_recorded_when_the_book_opens(
    book: Book, hamlet_id: str, qtbot: Any
) -> None:
    try:
        born = date(TODAY.year - 16, TODAY.month, TODAY.day)  # turns 16 today
    except ValueError:
        pytest.skip("29/02 sixteen years ago does not exist")
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="7",
            head_name="Mai Văn Tuấn",
            children=[ChildForm("Mai Thị Hằng", born, 2)],
        ),
        accept_warnings=True,
    )
    made = HouseholdsView(book)
    qtbot.addWidget(made)
    made.show()
    with qtbot.waitSignal(made.auto_events_done, timeout=10_000) as done:
        made.reload()
    wait_for_ops(qtbot)
    assert done.args[0].created == 1
    qtbot.waitUntil(lambda: "Đã ghi 1 trẻ đủ 16 tuổi" in made.status.text(), timeout=10_000)
    with qtbot.waitSignal(made.auto_events_done, timeout=500, raising=False) as again:
        made.run_automatic_events()  # once a day
    assert not again.signal_triggered
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
