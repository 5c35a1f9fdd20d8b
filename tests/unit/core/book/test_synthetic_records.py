"""The synthetic commune's child records (step 5) and the demo book that holds them."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache

import pytest
from sqlalchemy import func, select

from desktop.core.domain import child_rules as rules
from desktop.core.domain.child_rules import ChildFacts, Flag
from desktop.core.domain.dates import age_on, is_child_on
from desktop.core.services.book import Book
from desktop.core.services.children import ChildQuery, ChildService
from desktop.core.services.demo import populate_book
from desktop.core.storage.models import ChangeEvent, GuardianLink, Person, SpecialEpisode
from desktop.core.synthetic import SyntheticCommune, generate_commune
from sync import clock

TODAY = date(2026, 3, 15)

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())


@cache
def commune(children: int = 5_000, profile: str = "lowland") -> SyntheticCommune:
    return generate_commune(children, seed=2026, today=TODAY, profile=profile)


def facts(person: object) -> ChildFacts:
    return ChildFacts(
        birth_date=person.birth_date,  # type: ignore[attr-defined]
        sex=person.sex,  # type: ignore[attr-defined]
        id_number=person.id_number,  # type: ignore[attr-defined]
        birth_registered=person.birth_registered,  # type: ignore[attr-defined]
        insurance_number=person.insurance_number,  # type: ignore[attr-defined]
        insurance_valid_until=person.insurance_valid_until,  # type: ignore[attr-defined]
        schooling_code=person.schooling_code,  # type: ignore[attr-defined]
        disability_code=person.disability_code,  # type: ignore[attr-defined]
    )


def test_every_child_has_a_plausible_record() -> None:
    persons = list(commune().persons())
    flags = Counter(f for p in persons for f in rules.flags_for(facts(p), TODAY))
    under6 = [p for p in persons if age_on(p.birth_date, TODAY) < 6]
    assert 0.02 < flags[Flag.UNDER6_NO_INSURANCE] / len(under6) < 0.12
    assert 0 < flags[Flag.BIRTH_OVERDUE] < flags[Flag.BIRTH_UNREGISTERED] < 0.03 * len(persons)
    assert 0.003 < flags[Flag.DROPPED_OUT] / len(persons) < 0.03
    assert 0.005 < flags[Flag.DISABILITY] / len(persons) < 0.02
    for person in persons:
        if person.id_number:
            assert person.birth_registered  # an ID comes with the birth registration
        if person.full_name in ("Trai", "Gái"):
            assert person.birth_registered is False
        if person.birth_registration_date:
            assert person.birth_date <= person.birth_registration_date <= TODAY
        assert len(person.guardians) >= 1
        assert {g.role for g in person.guardians} <= set(rules.GUARDIAN_ROLES)
        problems = rules.check_details(
            facts(person),
            birth_registration_date=person.birth_registration_date,
            disability_severity_code=person.disability_severity_code,
            on=TODAY,
            label="x",
        )
        assert problems == [], problems


def test_schooling_follows_age() -> None:
    for person in commune().persons():
        age = age_on(person.birth_date, TODAY)
        if person.schooling_code == "HT04":
            assert 6 <= age <= 10
        if person.schooling_code == "HT08":
            assert age >= 11


def test_a_few_orphans_episodes_events_and_histories() -> None:
    households = commune(20_000, "mountain").households
    persons = [p for h in households for p in h.members]
    orphans = [
        p for p in persons
        if [g.parent_status for g in p.guardians if g.role in ("father", "mother")]
        == ["deceased", "deceased"]
    ]  # fmt: skip
    assert orphans and all(1 in {e.group_no for e in p.episodes} for p in orphans)
    groups = Counter(e.group_no for p in persons for e in p.episodes)
    assert groups[4] > 0 and groups[8] > 0
    codes = Counter(e.event_code for p in persons for e in p.events)
    assert codes["BD01"] > 0 and codes["BD02"] > 0
    history = [p for h in households for p in h.history]
    statuses = Counter(p.status for p in history)
    assert statuses["moved_out"] > 0 and statuses["dead"] > 0 and statuses["active"] > 0
    for person in history:
        assert not (person.status == "active" and is_child_on(person.birth_date, TODAY))
    assert commune(20_000, "mountain").children == 20_000  # history is not counted


def test_the_demo_book_holds_the_records(book: Book) -> None:
    generated = generate_commune(300, seed=3, today=clock.today())
    assert populate_book(book, generated) == 300
    with book.read() as session:
        guardians = session.scalar(select(func.count()).select_from(GuardianLink))
        events = session.scalar(select(func.count()).select_from(ChangeEvent))
        episodes = session.scalar(select(func.count()).select_from(SpecialEpisode))
        keys = session.scalars(select(Person.name_sort_key)).all()
    assert guardians == sum(len(p.guardians) for p in generated.persons())
    assert events == sum(len(p.events) for h in generated.households
                         for p in (*h.members, *h.history))  # fmt: skip
    # populate_book also adds the synthetic protection records (synthetic/protection.py),
    # which give more children a special-circumstance episode: at least the commune's own.
    assert episodes >= sum(len(p.episodes) for p in generated.persons())
    assert all(keys)
    assert len(ChildService(book).search(ChildQuery())) == 300
