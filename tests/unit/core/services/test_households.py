from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import Book
from desktop.core.services.households import (
    ChildForm,
    HouseholdForm,
    HouseholdService,
    NeedsConfirmation,
)
from desktop.core.storage.base import SyncState
from desktop.core.storage.models import Household, Person

TODAY = date(2026, 11, 22)

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())


def _form(hamlet_id: str, **overrides: object) -> HouseholdForm:
    form = HouseholdForm(
        hamlet_id=hamlet_id,
        number="12",
        head_name="  Nguyễn   Văn Bình ",
        address="Số 12, Thôn Đông",
        poverty_code="HN02",
        poverty_year=2025,
        children=[
            ChildForm("Nguyễn Văn An", date(2019, 9, 5), 1, id_number="038219012345"),
            ChildForm("Nguyễn Thị Đức Hạnh", date(2012, 3, 12), 2, ethnicity_code="06"),
        ],
    )
    for key, value in overrides.items():
        setattr(form, key, value)
    return form


def test_save_and_read_back(book: Book, hamlet_id: str) -> None:
    service = HouseholdService(book)
    household_id = service.save_household(_form(hamlet_id), today=TODAY)
    form = service.get_household(household_id)
    assert form.head_name == "Nguyễn Văn Bình"
    assert [c.full_name for c in form.children] == ["Nguyễn Thị Đức Hạnh", "Nguyễn Văn An"]
    rows = service.list_households(on=TODAY)
    assert len(rows) == 1
    assert rows[0].children == 2
    assert rows[0].poverty == "Hộ cận nghèo"


@pytest.mark.parametrize(
    "query", ["nguyen van an", "NGUYỄN VĂN AN", "duc", "hanh", "binh", "dong", "038219"]
)
def test_accent_insensitive_search(book: Book, hamlet_id: str, query: str) -> None:
    service = HouseholdService(book)
    service.save_household(_form(hamlet_id), today=TODAY)
    service.save_household(
        _form(hamlet_id, number="13", head_name="Lê Thị Mai", children=[]), today=TODAY
    )
    found = service.list_households(query, on=TODAY)
    assert [r.head_name for r in found] == ["Nguyễn Văn Bình"] or query in {"dong"}
    assert service.list_households("khong-co-ai", on=TODAY) == []


def test_every_problem_names_the_row_and_nothing_is_written(book: Book, hamlet_id: str) -> None:
    service = HouseholdService(book)
    form = _form(
        hamlet_id,
        head_name="",
        children=[
            ChildForm("Trần An", date(2030, 1, 1), 1),
            ChildForm("", date(2019, 1, 1), 2),
            ChildForm("Trần Bình", date(1890, 1, 1), 1),
            ChildForm("Trần Cúc", date(2019, 1, 1), 2, id_number="12345"),
        ],
    )
    with pytest.raises(ValidationError) as info:
        service.save_household(form, today=TODAY)
    messages = info.value.message_vi
    assert "Họ tên chủ hộ" in messages
    assert "Trẻ thứ 1 (Trần An): ngày sinh 01/01/2030 ở sau ngày hôm nay" in messages
    assert "Trẻ thứ 2: chưa nhập họ tên" in messages
    assert "Người thứ 3 (Trần Bình): ngày sinh 01/01/1890 quá xa" in messages
    assert "Trẻ thứ 4 (Trần Cúc)" in messages and "12 chữ số" in messages
    assert {p.row for p in info.value.problems if p.row} == {1, 2, 3, 4}
    assert form.children[0].full_name == "Trần An"  # the typed form is untouched
    with book.read() as session:
        assert session.scalars(select(Household)).all() == []


def test_duplicate_household_number_in_hamlet(book: Book, hamlet_id: str) -> None:
    service = HouseholdService(book)
    service.save_household(_form(hamlet_id), today=TODAY)
    with pytest.raises(ValidationError, match="Số hộ 12 đã có"):
        service.save_household(_form(hamlet_id, children=[]), today=TODAY)


def test_duplicate_hamlet_refused_ignoring_accents(book: Book, hamlet_id: str) -> None:
    with pytest.raises(ValidationError, match="đã có"):
        HouseholdService(book).add_hamlet("thon dong")


def test_edit_bumps_version_and_marks_for_sync(book: Book, hamlet_id: str) -> None:
    service = HouseholdService(book)
    household_id = service.save_household(_form(hamlet_id), today=TODAY)
    with book.transaction() as session:
        row = session.get(Household, household_id)
        assert row is not None
        assert (row.version, row.sync_state, row.updated_by) == (1, "TO_POST", "admin")
        # Pretend the server accepted version 1.
        from desktop.core.storage.tracking import SYNC_APPLY

        session.info[SYNC_APPLY] = True
        row.sync_state, row.synced_version = SyncState.SYNCED.value, 1
    form = service.get_household(household_id)
    service.save_household(form, today=TODAY)  # no change: nothing bumps
    with book.read() as session:
        assert session.get(Household, household_id).version == 1  # type: ignore[union-attr]
    form.address = "Số 14, Thôn Đông"
    service.save_household(form, today=TODAY)
    with book.read() as session:
        row = session.get(Household, household_id)
        assert row is not None
        assert (row.version, row.sync_state) == (2, SyncState.TO_UPDATE.value)


def test_removing_a_child_tombstones_it(book: Book, hamlet_id: str) -> None:
    service = HouseholdService(book)
    household_id = service.save_household(_form(hamlet_id), today=TODAY)
    form = service.get_household(household_id)
    form.children[0].remove = True
    form.children[0].notes = "Nhập trùng"
    service.save_household(form, today=TODAY)
    assert len(service.get_household(household_id).children) == 1
    with book.read() as session:
        people = session.scalars(select(Person)).all()
        assert len(people) == 2
        assert [p.notes for p in people if p.deleted] == ["Nhập trùng"]


def test_adult_members_are_persons_but_not_children(book: Book, hamlet_id: str) -> None:
    service = HouseholdService(book)
    form = _form(
        hamlet_id,
        head_name="",
        children=[
            ChildForm("Nguyễn Văn Bình", date(1980, 2, 2), 1, relation_code="QH01"),
            ChildForm("Lê Thị Thu", date(1983, 3, 3), 2, relation_code="QH02"),
            ChildForm("Nguyễn Văn An", date(2019, 9, 5), 1),
        ],
    )
    household_id = service.save_household(form, today=TODAY)
    saved = service.get_household(household_id)
    assert saved.head_name == "Nguyễn Văn Bình"  # taken from the member who is the head
    assert [c.full_name for c in saved.children] == [
        "Nguyễn Văn Bình", "Lê Thị Thu", "Nguyễn Văn An",
    ]  # fmt: skip
    (row,) = service.list_households(on=TODAY)
    assert row.children == 1


def test_an_adult_in_a_child_relation_needs_a_yes(book: Book, hamlet_id: str) -> None:
    service = HouseholdService(book)
    form = _form(hamlet_id, children=[ChildForm("Trần Bình", date(2005, 1, 1), 1)])
    with pytest.raises(NeedsConfirmation) as info:
        service.save_household(form, today=TODAY)
    assert "Người thứ 1 (Trần Bình)" in info.value.message_vi
    assert "không tính là trẻ em" in info.value.message_vi
    with book.read() as session:
        assert session.scalars(select(Household)).all() == []
    service.save_household(form, today=TODAY, accept_warnings=True)


def test_one_head_one_id_per_household(book: Book, hamlet_id: str) -> None:
    service = HouseholdService(book)
    form = _form(
        hamlet_id,
        children=[
            ChildForm("Nguyễn Văn Bình", date(1980, 2, 2), 1, relation_code="QH01"),
            ChildForm("Nguyễn Văn Cả", date(1960, 2, 2), 1, relation_code="QH01"),
            ChildForm("Nguyễn Văn An", date(2019, 9, 5), 1, id_number="038219012345"),
            ChildForm("Nguyễn Văn Em", date(2019, 9, 5), 1, id_number="038219012345"),
        ],
    )
    with pytest.raises(ValidationError) as info:
        service.save_household(form, today=TODAY, accept_warnings=True)
    messages = info.value.message_vi
    assert "Một hộ chỉ có một chủ hộ: các dòng 1, 2" in messages
    assert "trùng với dòng 3" in messages
    form.children[1].relation_code = "QH09"
    form.children[0].full_name = "Nguyễn Văn Bính"
    form.children[3].id_number = ""
    with pytest.raises(ValidationError, match="ô Chủ hộ ghi “Nguyễn Văn Bình”"):
        service.save_household(form, today=TODAY, accept_warnings=True)


def test_search_and_rows_by_id(book: Book, hamlet_id: str) -> None:
    from desktop.core.services.households import HouseholdQuery

    service = HouseholdService(book)
    first = service.save_household(_form(hamlet_id), today=TODAY)
    second = service.save_household(
        _form(
            hamlet_id,
            number="3",
            head_name="Lê Thị Mai",
            poverty_code="HN03",
            children=[],
            poverty_year=None,
        ),
        today=TODAY,
    )
    assert service.search(HouseholdQuery(), TODAY) == [second, first]  # number 3 before 12
    assert service.search(HouseholdQuery(text="12"), TODAY) == [first]  # the household number
    assert service.search(HouseholdQuery(poverty_code="HN02"), TODAY) == [first]
    assert service.search(HouseholdQuery(age_group="11-15"), TODAY) == [first]
    assert service.search(HouseholdQuery(sex=2, ethnicity_code="06"), TODAY) == [first]
    rows = service.household_rows([first, "missing", second], TODAY)
    assert [(r.number, r.children, r.poverty_year) for r in rows] == [
        ("12", 2, 2025),
        ("3", 0, None),
    ]
