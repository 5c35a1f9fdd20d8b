"""Possible duplicates while typing, the whole-book list, and merging with a log."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import Book
from desktop.core.services.children import ChildQuery, ChildService, GuardianForm
from desktop.core.services.duplicates import KEPT, REMOVED, DuplicateService
from desktop.core.services.events import EventForm, EventService
from desktop.core.storage.models import (
    ChangeEvent,
    ConsentRecord,
    GuardianLink,
    Injury,
    LabourRecord,
    MarriageRecord,
    MergeRecord,
    Person,
    Support,
)
from tests.unit.core.book.support import TODAY, child, ids_of, save_household

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())


@pytest.fixture
def twins(book: Book, hamlet_id: str, second_hamlet: str) -> dict[str, str]:
    """The same boy typed twice, in two households, and his sister."""
    first = save_household(
        book,
        hamlet_id,
        "1",
        "Hoàng Văn Nam",
        child("Hoàng Văn Minh", date(2018, 4, 4), 1, id_number="038218004444"),
        child("Hoàng Thị Lan", date(2020, 2, 2), 2),
    )
    second = save_household(
        book,
        second_hamlet,
        "5",
        "Hoàng Thị Nga",
        child("Hoang Van Minh", date(2018, 4, 4), 1, school_name="Trường Tiểu học Hoàng Kim",
              schooling_code="HT04", birth_registered=True),
    )  # fmt: skip
    ids = ids_of(book, first)
    ids["copy"] = ids_of(book, second)["Hoang Van Minh"]
    ids["first"], ids["second"] = first, second
    return ids


def test_candidates_while_typing(book: Book, twins: dict[str, str]) -> None:
    service = DuplicateService(book)
    by_id = service.candidates("", None, "038218004444", None)
    assert [(c.full_name, c.reasons) for c in by_id] == [("Hoàng Văn Minh", ("id_number",))]
    by_name = service.candidates("hoàng văn minh", date(2018, 4, 4), None, None)
    assert {c.full_name for c in by_name} == {"Hoàng Văn Minh", "Hoang Van Minh"}
    assert all(c.reason_text == "trùng họ tên và ngày sinh" for c in by_name)
    in_household = service.candidates("Hoàng Thị Lan", date(2021, 1, 1), None, twins["first"])
    assert [c.reasons for c in in_household] == [("household_name",)]
    assert "hộ số 1 (Hoàng Văn Nam)" in in_household[0].household_label
    mine = service.candidates(
        "Hoàng Thị Lan", None, None, twins["first"], exclude_ids=(twins["Hoàng Thị Lan"],)
    )
    assert mine == []


def test_the_book_wide_list_of_pairs(book: Book, twins: dict[str, str]) -> None:
    pairs = DuplicateService(book).pairs()
    assert [(p.reason, {p.first_id, p.second_id}) for p in pairs] == [
        ("trùng họ tên và ngày sinh", {twins["Hoàng Văn Minh"], twins["copy"]})
    ]


def test_merge_keeps_the_chosen_values_and_logs_them(book: Book, twins: dict[str, str]) -> None:
    kept, removed = twins["Hoàng Văn Minh"], twins["copy"]
    record = ChildService(book).get_child(removed)
    record.guardians = [GuardianForm("mother", "Hoàng Thị Nga", parent_status="alive")]
    ChildService(book).save_child(record, twins["second"], TODAY)
    EventService(book).record(EventForm("BD02", date(2025, 5, 5), removed, place="Nghệ An"), TODAY)
    service = DuplicateService(book)
    preview = service.preview(kept, removed)
    fields = {f.name: f for f in preview.fields}
    assert fields["school_name"].default == REMOVED  # empty in the kept record
    assert fields["full_name"].default == KEPT and fields["full_name"].differs
    assert fields["household_id"].removed_text.startswith("hộ số 5")
    assert preview.moved_counts == {"events": 1, "guardians": 1, "episodes": 0}

    merge_id = service.merge(kept, removed, {"household_id": REMOVED}, reason="Nhập trùng")
    with book.read() as session:
        person = session.get(Person, kept)
        gone = session.get(Person, removed)
        assert person is not None and gone is not None
        assert person.full_name == "Hoàng Văn Minh"  # kept's value
        assert person.school_name == "Trường Tiểu học Hoàng Kim"  # filled from the other
        assert person.household_id == twins["second"]  # chosen
        assert (gone.deleted, gone.status, gone.merged_into_id) == (True, "merged", kept)
        assert "Đã gộp vào hồ sơ “Hoàng Văn Minh”: Nhập trùng" in gone.notes
        event = session.scalars(select(ChangeEvent)).one()
        assert event.person_id == kept
        link = session.scalars(select(GuardianLink)).one()
        assert link.child_id == kept
        log = session.get(MergeRecord, merge_id)
        assert log is not None and (log.kept_id, log.removed_id) == (kept, removed)
        details = json.loads(log.details)
        assert details["fields"]["full_name"] == {
            "kept": "Hoàng Văn Minh", "removed": "Hoang Van Minh", "chosen": KEPT,
        }  # fmt: skip
        assert details["fields"]["household_id"]["chosen"] == REMOVED
        assert details["reason"] == "Nhập trùng"
        assert details["moved"]["change_events.person_id"] == 1
    listed = ChildService(book).search(ChildQuery(text="minh"), TODAY)
    assert listed == [kept]
    profile = ChildService(book).profile(kept, TODAY)
    assert [(m.kept_name, m.removed_name) for m in profile.merges] == [
        ("Hoàng Văn Minh", "Hoang Van Minh")
    ]
    assert ChildService(book).profile(removed, TODAY).merged_into_id == kept
    with pytest.raises(ValidationError, match="không còn trong sổ"):
        service.merge(kept, removed, {})


def test_merge_refuses_nonsense(book: Book, twins: dict[str, str]) -> None:
    service = DuplicateService(book)
    with pytest.raises(ValidationError, match="hai hồ sơ khác nhau"):
        service.merge(twins["copy"], twins["copy"], {})
    with pytest.raises(ValidationError, match="không hợp lệ"):
        service.merge(twins["Hoàng Văn Minh"], twins["copy"], {"full_name": "both"})
    with pytest.raises(ValidationError, match="không hợp lệ"):
        service.merge(twins["Hoàng Văn Minh"], twins["copy"], {"version": KEPT})


def test_merge_moves_the_child_protection_records_too(book: Book, twins: dict[str, str]) -> None:
    """Supports, labour, marriage, consents and injuries follow the child to the kept record."""
    copy = twins["copy"]
    with book.transaction() as session:
        session.add_all(
            [
                Support(person_id=copy, support_code="TG01", given_on=TODAY),
                LabourRecord(person_id=copy, start_date=TODAY),
                MarriageRecord(person_id=copy, marriage_date=TODAY),
                ConsentRecord(person_id=copy, purpose="support", given_on=TODAY),
                Injury(person_id=copy, occurred_on=TODAY, cause_code="TN01", outcome_code="KQ01"),
            ]
        )
    kept = twins["Hoàng Văn Minh"]
    log_id = DuplicateService(book).merge(kept, copy, {})
    with book.read() as session:
        for model in (Support, LabourRecord, MarriageRecord, ConsentRecord, Injury):
            owners = set(session.scalars(select(model.person_id)))
            assert owners == {kept}, model.__tablename__
        record = session.get(MergeRecord, log_id)
        assert record is not None
        moved = json.loads(record.details)["moved"]
    assert moved["supports.person_id"] == 1
    assert moved["injuries.person_id"] == 1
