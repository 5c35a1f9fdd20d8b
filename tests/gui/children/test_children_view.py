"""The children list, the child's profile and record, events, merging — as an officer uses them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt

from desktop.core.services.book import Book
from desktop.core.services.children import ChildService
from desktop.core.services.events import EventService
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.ui.children.dialog import ChildDialog
from desktop.ui.children.merge import DuplicatesDialog, MergeDialog
from desktop.ui.children.profile import ChildProfileDialog
from desktop.ui.children.view import ChildrenView
from desktop.ui.screen import DESIGN_SCREEN
from sync import clock
from tests.gui.conftest import answer, type_text, wait_for_message, wait_for_ops
from tests.gui.test_translations import check

TODAY = clock.today()


def years_ago(years: int, days: int = 0) -> date:
    return date(TODAY.year - years, 6 if TODAY.month != 6 else 7, 15) - timedelta(days=days)


@pytest.fixture
def family(book: Book, hamlet_id: str) -> dict[str, str]:
    service = HouseholdService(book)
    first = service.save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Bình",
            children=[
                ChildForm("Nguyễn Văn An", years_ago(7), 1, birth_registered=True,
                          insurance_number="HS4383812345678",
                          insurance_valid_until=TODAY + timedelta(days=100)),
                ChildForm("Nguyễn Thị Ánh", years_ago(2), 2, birth_registered=False),
            ],
        ),
        accept_warnings=True,
    )  # fmt: skip
    second = service.save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="2",
            head_name="Trần Đức Hải",
            children=[ChildForm("Trần Văn Cường", years_ago(13), 1, schooling_code="HT08")],
        ),
    )
    ids = {c.full_name: c.id or "" for c in service.get_household(first).children}
    ids.update({c.full_name: c.id or "" for c in service.get_household(second).children})
    ids["first"], ids["second"] = first, second
    return ids


@pytest.fixture
def view(book: Book, family: dict[str, str], qtbot: Any) -> Iterator[ChildrenView]:
    made = ChildrenView(book)
    qtbot.addWidget(made)
    made.resize(1180, 640)
    with qtbot.waitSignal(made.rows_loaded, timeout=10_000):
        made.show()
    wait_for_ops(qtbot)
    yield made
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def names(view: ChildrenView) -> list[str]:
    return [view.model.row_at(r).full_name for r in range(view.model.rowCount())]


def test_the_list_searches_as_one_types(view: ChildrenView, qtbot: Any) -> None:
    assert names(view) == ["Nguyễn Văn An", "Nguyễn Thị Ánh", "Trần Văn Cường"]
    assert view.status.text() == "3 trẻ em"
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        type_text(view.filters.search, "cuong")
    assert names(view) == ["Trần Văn Cường"]
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.filters.search.setText("hai")  # the head's name finds his children
    assert names(view) == ["Trần Văn Cường"]
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.filters.search.setText("không có ai")
    assert view.model.rowCount() == 0 and "Không tìm thấy" in view.status.text()
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.filters.reset()
    assert view.model.rowCount() == 3
    check(view)


def test_filters_and_order(view: ChildrenView, qtbot: Any) -> None:
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.filters.flag.set_current_data("birth_overdue")
    assert names(view) == ["Nguyễn Thị Ánh"]
    assert "Quá 60 ngày chưa đăng ký khai sinh" in view.model.row_at(0).flag_text
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.filters.flag.set_current_data("dropped_out")
    assert names(view) == ["Trần Văn Cường"]
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.filters.reset()
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.filters.sex.set_current_data(2)
    assert names(view) == ["Nguyễn Thị Ánh"]
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.filters.reset()
    from desktop.ui.children.model import AGE

    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.table.horizontalHeader().sectionClicked.emit(AGE)  # youngest first
    assert names(view)[0] == "Nguyễn Thị Ánh"
    with qtbot.waitSignal(view.rows_loaded, timeout=10_000):
        view.table.horizontalHeader().sectionClicked.emit(AGE)
    assert names(view)[0] == "Trần Văn Cường"


def test_profile_shows_everything_and_records_a_move(
    view: ChildrenView, family: dict[str, str], qtbot: Any
) -> None:
    view.table.setFocus()
    view.select_child(family["Nguyễn Văn An"])
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.profile is not None, timeout=5000)
    profile = view.profile
    assert isinstance(profile, ChildProfileDialog)
    qtbot.waitUntil(lambda: profile.profile is not None, timeout=10_000)
    assert profile.name.text() == "Nguyễn Văn An"
    assert "Hộ số 1 (chủ hộ Nguyễn Văn Bình)" in profile.summary.text()
    check(profile)
    event = profile.open_event()
    assert event is not None
    event.event_code.set_current_data("BD03")
    event.event_date.setText(TODAY.strftime("%d%m%Y"))
    event.place.setText("Bình Dương")
    with qtbot.waitSignal(profile.loaded, timeout=10_000):
        event.save_button.click()
    assert profile.events.rowCount() == 1
    assert profile.events.text_at(0, 1) == "Chuyển đi"
    assert "Đã chuyển đi" in profile.banner.text()
    qtbot.waitUntil(lambda: "Nguyễn Văn An" not in names(view), timeout=10_000)
    # The move out can be cancelled, with a reason; the child comes back to the list.
    profile.tabs.setCurrentIndex(2)
    profile.events_table.setCurrentIndex(profile.events.index(0, 0))
    cancel = profile.open_cancel_event()
    assert cancel is not None
    cancel.ok_button.click()
    qtbot.waitUntil(lambda: bool(cancel.error.text()), timeout=5000)
    cancel.reason.setText("Ghi nhầm trẻ")
    with qtbot.waitSignal(profile.loaded, timeout=10_000):
        cancel.ok_button.click()
    assert profile.events.rowCount() == 0
    qtbot.waitUntil(lambda: "Nguyễn Văn An" in names(view), timeout=10_000)
    profile.reject()


def test_the_full_record_saves_and_names_wrong_fields(
    book: Book, family: dict[str, str], qtbot: Any
) -> None:
    record = ChildService(book).get_child(family["Nguyễn Thị Ánh"])
    dialog = ChildDialog(book, record, household_id=family["first"])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.width() <= DESIGN_SCREEN.width() and dialog.height() <= DESIGN_SCREEN.height()
    dialog.insurance_number.setText("12345")
    dialog.birth_registered.set_current_data(True)
    dialog.birth_registration_date.setText(years_ago(2, -10).strftime("%d/%m/%Y"))
    dialog.save_button.click()
    qtbot.waitUntil(dialog.checks.isVisible, timeout=10_000)
    assert "số thẻ BHYT “12345” không đúng dạng" in dialog.field_errors["insurance_number"].text()
    assert dialog.tabs.currentIndex() == 1  # the tab of the wrong field is shown
    assert dialog.insurance_number.text() == "12345"  # nothing typed is lost
    check(dialog)
    dialog.insurance_number.setText("")
    dialog.free_card_button.click()
    assert dialog.insurance_valid_until.value() is not None
    dialog.insurance_number.setText("TE1 38 38 12345678")
    dialog.tabs.setCurrentIndex(3)
    dialog.guardians.rows[0].full_name.setText("Nguyễn Văn Bình")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save_button.click()
    saved = ChildService(book).get_child(family["Nguyễn Thị Ánh"])
    assert saved.birth_registered is True
    assert saved.insurance_number == "TE13838123456" + "78"
    assert [g.full_name for g in saved.guardians or []] == ["Nguyễn Văn Bình"]


def test_an_id_that_disagrees_is_kept_with_a_reason(
    book: Book, family: dict[str, str], qtbot: Any
) -> None:
    record = ChildService(book).get_child(family["Trần Văn Cường"])
    dialog = ChildDialog(book, record, household_id=family["second"])
    qtbot.addWidget(dialog)
    dialog.show()
    wrong_year = (years_ago(13).year + 1) % 100
    dialog.id_number.setText(f"0382{wrong_year:02d}123456")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: getattr(dialog, "confirm_dialog", None) is not None, timeout=10_000)
    confirm = dialog.confirm_dialog
    qtbot.waitUntil(confirm.isVisible, timeout=5000)
    assert "không khớp với năm sinh" in confirm.text.toPlainText()
    check(confirm)
    confirm.reason.setText("Đã đối chiếu giấy khai sinh")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        confirm.save_button.click()
    saved = ChildService(book).get_child(family["Trần Văn Cường"])
    assert saved.id_check_override == "Đã đối chiếu giấy khai sinh"


def test_duplicates_are_found_and_merged(book: Book, family: dict[str, str], qtbot: Any) -> None:
    born = years_ago(7)
    copy = HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=HouseholdService(book).hamlets()[0].id,
            number="9",
            head_name="Lê Thị Hoa",
            children=[ChildForm("Nguyen Van An", born, 1, school_name="Trường Tiểu học Đông")],
        ),
        accept_warnings=True,
    )
    copy_id = HouseholdService(book).get_household(copy).children[0].id or ""
    duplicates = DuplicatesDialog(book)
    qtbot.addWidget(duplicates)
    with qtbot.waitSignal(duplicates.loaded, timeout=10_000):
        duplicates.show()
    assert duplicates.model.rowCount() == 1
    assert "trùng họ tên và ngày sinh" in duplicates.model.text_at(0, 3)
    check(duplicates)

    record = ChildService(book).get_child(family["Nguyễn Văn An"])
    merge = MergeDialog(book, record, household_id=family["first"])
    qtbot.addWidget(merge)
    merge.show()
    qtbot.waitUntil(lambda: merge.candidates.rowCount() == 1, timeout=10_000)
    assert merge.candidates.key_at(0) == copy_id
    check(merge)  # (before the comparison: its radio buttons show names typed without accents)
    with qtbot.waitSignal(merge.preview_loaded, timeout=10_000):
        merge.compare_button.click()
    assert merge.choices()["school_name"] == "removed"  # empty in the kept record
    merge.reason.setText("Nhập trùng")
    with qtbot.waitSignal(merge.merged, timeout=10_000):
        merge.merge_now()
    profile = ChildService(book).profile(family["Nguyễn Văn An"])
    assert profile.record.school_name == "Trường Tiểu học Đông"
    assert [m.removed_name for m in profile.merges] == ["Nguyen Van An"]


def test_asking_again_for_unsaved_typing(book: Book, family: dict[str, str], qtbot: Any) -> None:
    dialog = ChildDialog(book, None, household_id=family["first"])
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.full_name, "Nguyễn Văn Út")
    dialog.reject()
    answer(wait_for_message(qtbot), "Tiếp tục nhập")
    assert dialog.isVisible() and dialog.full_name.text() == "Nguyễn Văn Út"


def test_history_records_open_read_only(book: Book, family: dict[str, str], qtbot: Any) -> None:
    from desktop.core.services.events import EventForm

    EventService(book).record(EventForm("BD04", TODAY, family["Trần Văn Cường"], cause="Đuối nước"))
    record = ChildService(book).get_child(family["Trần Văn Cường"])
    dialog = ChildDialog(book, record, household_id=family["second"])
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.editable and dialog.save_button.isHidden()
    assert "Đã mất ngày" in dialog.banner.text()
    assert dialog.full_name.isReadOnly()
