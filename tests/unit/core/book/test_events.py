"""Change events: status follows them, nothing after a death, automatic 16th birthdays (R02)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import Book
from desktop.core.services.children import ChildQuery, ChildService, GuardianForm
from desktop.core.services.events import EventForm, EventService, apply_automatic_events
from desktop.core.services.households import HouseholdService
from desktop.core.services.reports import ReportService
from desktop.core.storage.models import ChangeEvent, GuardianLink, Person, SpecialEpisode
from desktop.core.storage.repositories import events as events_repo
from tests.unit.core.book.support import TODAY, child, ids_of, save_household

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())


@pytest.fixture
def family(book: Book, hamlet_id: str) -> dict[str, str]:
    household = save_household(
        book,
        hamlet_id,
        "7",
        "Phạm Văn Long",
        child("Phạm Văn Long", date(1984, 3, 3), 1, relation_code="QH01"),
        child("Phạm Thị Hồng", date(2016, 5, 5), 2),
        child("Phạm Văn Sơn", date(2020, 8, 8), 1),
    )
    ids = ids_of(book, household)
    ids["household"] = household
    return ids


def status(book: Book, person_id: str) -> tuple[str, date | None]:
    with book.read() as session:
        person = session.get(Person, person_id)
        assert person is not None
        return person.status, person.status_date


def test_moving_out_closes_the_record_and_moving_back_reopens_it(
    book: Book, family: dict[str, str]
) -> None:
    events = EventService(book)
    son = family["Phạm Văn Sơn"]
    out = events.record(EventForm("BD03", date(2026, 6, 1), son, place="TP Hồ Chí Minh"), TODAY)
    assert status(book, son) == ("moved_out", date(2026, 6, 1))
    population = ReportService(book).population(TODAY)
    assert population.total == 1  # Hồng only: Sơn left, the head is an adult
    # Before the move he still counts: the report is a stock on its reference date.
    assert ReportService(book).population(date(2026, 5, 31)).total == 2
    events.record(EventForm("BD02", date(2026, 9, 1), son, place="TP Hồ Chí Minh"), TODAY)
    assert status(book, son) == ("active", None)
    history = events.person_history(son)
    assert [(e.name, e.place) for e in history] == [
        ("Chuyển đi", "TP Hồ Chí Minh"), ("Chuyển đến", "TP Hồ Chí Minh"),
    ]  # fmt: skip
    assert out in [e.id for e in history]


def test_each_event_asks_for_what_it_needs(book: Book, family: dict[str, str]) -> None:
    events = EventService(book)
    son = family["Phạm Văn Sơn"]
    cases = [
        (EventForm("BD03", date(2026, 6, 1), son), "chuyển đến đâu"),
        (EventForm("BD04", date(2026, 6, 1), son), "nguyên nhân"),
        (EventForm("BD05", date(2026, 6, 1), son), "tự ghi"),
        (EventForm("BD03", TODAY + timedelta(days=1), son, place="x"), "sau ngày hôm nay"),
        (EventForm("BD03", date(2019, 1, 1), son, place="x"), "trước ngày sinh"),
        (EventForm("BD01", date(2020, 8, 9), son), "phải là ngày sinh"),
        (EventForm("", None, None), "chưa chọn"),
    ]
    for form, message in cases:
        with pytest.raises(ValidationError, match=message):
            events.record(form, TODAY)
    with book.read() as session:
        assert session.scalars(select(ChangeEvent)).all() == []


def test_death_is_final_and_updates_parents_and_episodes(
    book: Book, family: dict[str, str]
) -> None:
    daughter, father = family["Phạm Thị Hồng"], family["Phạm Văn Long"]
    record = ChildService(book).get_child(daughter)
    record.guardians = [GuardianForm("father", person_id=father, parent_status="alive")]
    ChildService(book).save_child(record, family["household"], TODAY)
    with book.transaction() as session:
        session.add(SpecialEpisode(person_id=father, group_no=13, start_date=date(2025, 1, 1)))
    events = EventService(book)
    events.record(EventForm("BD04", date(2026, 7, 1), father, cause="Tai nạn lao động"), TODAY)
    assert status(book, father) == ("dead", date(2026, 7, 1))
    with book.read() as session:
        link = session.scalars(select(GuardianLink)).one()
        assert (link.full_name, link.parent_status) == ("Phạm Văn Long", "deceased")
        episode = session.scalars(select(SpecialEpisode)).one()
        assert episode.end_date == date(2026, 7, 1)
    with pytest.raises(ValidationError, match="đã mất ngày 01/07/2026"):
        events.record(EventForm("BD03", date(2026, 8, 1), father, place="x"), TODAY)
    # A death recorded in error is cancelled (kept, with the reason), and the record reopens.
    (death,) = events.person_history(father)
    events.cancel(death.id, "Ghi nhầm người")
    assert status(book, father) == ("active", None)
    with book.read() as session:
        kept = session.get(ChangeEvent, death.id)
        assert kept is not None and kept.deleted and "Đã hủy: Ghi nhầm người" in kept.details
    with pytest.raises(ValidationError, match="lý do"):
        events.cancel(death.id, " ")


def test_adoption_sets_the_relation_and_the_adoptive_parents(
    book: Book, family: dict[str, str]
) -> None:
    son = family["Phạm Văn Sơn"]
    EventService(book).record(
        EventForm("BD06", date(2026, 2, 2), son, place="Trung tâm bảo trợ xã hội tỉnh",
                  adoptive_parents=["Phạm Văn Long", "Ngô Thị Lan"]),
        TODAY,
    )  # fmt: skip
    record = ChildService(book).get_child(son)
    assert record.relation_code == "QH04"
    assert sorted(g.full_name for g in record.guardians or []) == ["Ngô Thị Lan", "Phạm Văn Long"]


def test_split_and_merge_households(book: Book, family: dict[str, str], hamlet_id: str) -> None:
    events = EventService(book)
    new_id = events.split_household(
        family["household"],
        [family["Phạm Văn Sơn"]],
        number="7B",
        head_name="Phạm Văn Thắng",
        day=date(2026, 9, 9),
        today=TODAY,
    )
    households = HouseholdService(book)
    assert [c.full_name for c in households.get_household(new_id).children] == ["Phạm Văn Sơn"]
    history = events.household_history(new_id)
    assert [(e.name, e.person_name) for e in history] == [("Tách hộ", "Phạm Văn Sơn")]
    assert "Hộ số 7 " in history[0].other_household_label
    moved = events.merge_households(new_id, family["household"], date(2026, 10, 10), today=TODAY)
    assert moved == 1
    form = households.get_household(family["household"])
    assert "Phạm Văn Sơn" in [c.full_name for c in form.children]
    assert [r.number for r in households.list_households(on=TODAY)] == ["7"]
    names = [e.name for e in events.household_history(family["household"])]
    assert names.count("Nhập hộ") == 2  # the person, and the household that joined
    with pytest.raises(ValidationError, match="Số hộ 7 đã có"):
        events.split_household(
            family["household"], [family["Phạm Văn Sơn"]], number="7", head_name="X",
            day=TODAY, today=TODAY,
        )  # fmt: skip


def test_sixteenth_birthdays_are_recorded_once_and_close_episodes(
    book: Book, hamlet_id: str
) -> None:
    household = save_household(
        book,
        hamlet_id,
        "9",
        "Đinh Văn Hòa",
        child("Đinh Thị Yến", date(2010, 12, 1), 2),  # turns 16 on 01/12/2026
        child("Đinh Văn Tú", date(2012, 1, 1), 1),
    )
    yen = ids_of(book, household)["Đinh Thị Yến"]
    with book.transaction() as session:
        session.add(SpecialEpisode(person_id=yen, group_no=8, start_date=date(2025, 3, 1)))
    assert apply_automatic_events(book, date(2026, 11, 30)).created == 0
    result = apply_automatic_events(book, date(2026, 12, 5))
    assert (result.created, result.closed_episodes, result.person_ids) == (1, 1, [yen])
    assert "Đã ghi 1 trẻ đủ 16 tuổi" in result.message_vi
    again = apply_automatic_events(book, date(2026, 12, 5))
    assert again.created == 0  # idempotent
    with book.read() as session:
        (event,) = session.scalars(select(ChangeEvent)).all()
        assert (event.event_code, event.event_date, event.automatic) == (
            "BD05", date(2026, 12, 1), True,
        )  # fmt: skip
        episode = session.scalars(select(SpecialEpisode)).one()
        assert episode.end_date == date(2026, 11, 30)  # the day before (R02)
        person = session.get(Person, yen)
        assert person is not None and not person.deleted and person.status == "active"
    service = ChildService(book)
    on = date(2026, 12, 5)
    listed = [r.full_name for r in service.rows(service.search(ChildQuery(), on), on)]
    assert listed == ["Đinh Văn Tú"]
    turned = service.search(ChildQuery(population="turned16"), on)
    assert turned == [yen]
    record = service.get_child(yen)
    assert "Đã đủ 16 tuổi ngày 01/12/2026" in record.read_only_reason
    with pytest.raises(ValidationError, match="không hủy được"):
        EventService(book).cancel(event.id, "thử")


def test_automatic_events_start_from_the_book_creation(book: Book, hamlet_id: str) -> None:
    # An adult typed in as a member turned 16 long before the book existed: no event.
    save_household(
        book, hamlet_id, "3", "Vũ Văn Ba", child("Vũ Văn Ba", date(1990, 1, 1), 1,
                                                 relation_code="QH01"),
    )  # fmt: skip
    with book.read() as session:
        through, created = events_repo.auto_events_through(session)
    assert through is None
    result = apply_automatic_events(book, created + timedelta(days=3))
    assert result.created == 0 and result.through == created + timedelta(days=3)
