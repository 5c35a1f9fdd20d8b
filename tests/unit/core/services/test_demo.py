"""Filling a real (SQLCipher) book with a synthetic commune."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desktop.core.domain.text import fold
from desktop.core.services import demo
from desktop.core.services.demo import populate_book, populate_demo
from desktop.core.services.households import HouseholdService
from desktop.core.services.reports import ReportService
from desktop.core.storage.base import SyncState
from desktop.core.storage.models import Hamlet, Household, Person
from desktop.core.synthetic import generate_commune
from sync import clock


def counts(book) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with book.read() as session:
        hamlets, households, persons = (
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Hamlet, Household, Person)
        )
    return hamlets, households, persons


def test_populate_inserts_the_whole_commune(book) -> None:  # type: ignore[no-untyped-def]
    today = clock.today()
    commune = generate_commune(300, seed=11, today=today)
    assert populate_book(book, commune) == 300

    rows = HouseholdService(book).list_households(on=today)
    assert len(rows) == len(commune.households)
    assert sum(row.children for row in rows) == 300
    assert {row.hamlet_name for row in rows} == {h.name for h in commune.hamlets}
    assert ReportService(book).population(today).total == 300


def test_bulk_rows_carry_the_sync_columns_and_search_keys(book) -> None:  # type: ignore[no-untyped-def]
    commune = generate_commune(120, seed=3, today=clock.today())
    populate_book(book, commune)
    with book.read() as session:
        for model in (Hamlet, Household, Person):
            for row in session.scalars(select(model)):
                assert row.version == 1
                assert row.synced_version == 0
                assert row.sync_state == SyncState.TO_POST.value
                assert row.updated_by == book.user.username
                assert row.updated_at is not None
                assert row.deleted is False
        for person in session.scalars(select(Person)):
            assert person.name_key == fold(person.full_name)
        for household in session.scalars(select(Household)):
            assert household.head_name_key == fold(household.head_name)


def test_a_demo_household_opens_in_the_household_form(book) -> None:  # type: ignore[no-untyped-def]
    commune = generate_commune(60, seed=5, today=clock.today())
    populate_book(book, commune)
    expected = commune.households[0]
    form = HouseholdService(book).get_household(expected.id)
    assert form.head_name == expected.head_name
    assert sorted(c.full_name for c in form.children) == sorted(
        p.full_name for p in expected.members
    )
    # Searching ignores accents, as for data typed by hand.
    first = expected.members[0].full_name
    found = HouseholdService(book).list_households(fold(first), on=commune.today)
    assert expected.id in {row.id for row in found}


def test_progress_is_reported_per_chunk(book, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(demo, "CHUNK_SIZE", 50)
    calls: list[tuple[int, int]] = []
    populate_book(
        book, generate_commune(300, today=clock.today()), lambda d, t: calls.append((d, t))
    )
    assert len(calls) >= 5
    assert calls[-1] == (300, 300)
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert all(t == 300 for _, t in calls)


def test_a_second_populate_is_refused(book) -> None:  # type: ignore[no-untyped-def]
    populate_book(book, generate_commune(50, seed=1, today=clock.today()))
    before = counts(book)
    with pytest.raises(ValueError, match="đã có dữ liệu"):
        populate_book(book, generate_commune(50, seed=2, today=clock.today()))
    with pytest.raises(ValueError, match="đã có dữ liệu"):
        populate_demo(book, 50)
    assert counts(book) == before


def test_a_book_with_a_hamlet_typed_by_hand_is_refused(book, hamlet_id: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="sổ trống"):
        populate_demo(book, 50)
    assert counts(book) == (1, 0, 0)


def test_a_failing_progress_callback_leaves_the_book_empty(book) -> None:  # type: ignore[no-untyped-def]
    def cancel(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        populate_book(book, generate_commune(50, today=clock.today()), cancel)
    assert counts(book) == (0, 0, 0)


def test_populate_demo_generates_as_of_today(book) -> None:  # type: ignore[no-untyped-def]
    assert populate_demo(book, 80, seed=9, profile="mountain") == 80
    assert ReportService(book).population(clock.today()).total == 80
