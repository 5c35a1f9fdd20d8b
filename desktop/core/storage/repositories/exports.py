"""Queries of the printed book pages and the ID-verification list (Đề án 06)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desktop.core.storage.models import (
    ChangeEvent,
    GuardianLink,
    Hamlet,
    Household,
    Person,
    SpecialEpisode,
)

_CHUNK = 500


def get_hamlet(session: Session, hamlet_id: str) -> Hamlet | None:
    found = session.get(Hamlet, hamlet_id)
    return None if found is None or found.deleted else found


def households_of_hamlet(session: Session, hamlet_id: str) -> Sequence[Household]:
    return session.scalars(
        select(Household).where(Household.hamlet_id == hamlet_id, Household.deleted.is_(False))
    ).all()


def members_of(session: Session, household_ids: Sequence[str]) -> list[Person]:
    """Live (not tombstoned) persons of these households, whatever their status."""
    found: list[Person] = []
    for start in range(0, len(household_ids), _CHUNK):
        chunk = list(household_ids[start : start + _CHUNK])
        found.extend(
            session.scalars(
                select(Person).where(Person.household_id.in_(chunk), Person.deleted.is_(False))
            ).all()
        )
    return found


def open_groups(session: Session, person_ids: Sequence[str], on: date) -> dict[str, list[int]]:
    """person id → the special-circumstance groups open on ``on``."""
    groups: dict[str, list[int]] = {}
    for start in range(0, len(person_ids), _CHUNK):
        chunk = list(person_ids[start : start + _CHUNK])
        rows = session.execute(
            select(SpecialEpisode.person_id, SpecialEpisode.group_no).where(
                SpecialEpisode.person_id.in_(chunk),
                SpecialEpisode.deleted.is_(False),
                SpecialEpisode.start_date <= on,
                or_(SpecialEpisode.end_date.is_(None), SpecialEpisode.end_date >= on),
            )
        ).all()
        for person_id, group in rows:
            groups.setdefault(person_id, []).append(int(group))
    return groups


def events_of(
    session: Session, household_ids: Sequence[str], person_ids: Sequence[str]
) -> list[ChangeEvent]:
    """Live change events of these households or persons, oldest first."""
    found: dict[str, ChangeEvent] = {}
    for ids, column in (
        (household_ids, ChangeEvent.household_id),
        (person_ids, ChangeEvent.person_id),
    ):
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            for event in session.scalars(
                select(ChangeEvent).where(column.in_(chunk), ChangeEvent.deleted.is_(False))
            ):
                found[event.id] = event
    return sorted(found.values(), key=lambda e: (e.event_date, e.updated_at))


def parent_names(session: Session, child_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """child id → role → name of the live father, mother and carer links (first of each)."""
    names: dict[str, dict[str, str]] = {}
    for start in range(0, len(child_ids), _CHUNK):
        chunk = list(child_ids[start : start + _CHUNK])
        rows = session.execute(
            select(
                GuardianLink.child_id, GuardianLink.role, GuardianLink.full_name, Person.full_name
            )
            .outerjoin(Person, Person.id == GuardianLink.person_id)
            .where(GuardianLink.child_id.in_(chunk), GuardianLink.deleted.is_(False))
        ).all()
        for child_id, role, name, linked_name in rows:
            names.setdefault(child_id, {}).setdefault(role, linked_name or name or "")
    return names


def children_born_within(session: Session, window: tuple[date, date]) -> list[Person]:
    """Live, active persons born in the (exclusive, inclusive] window, in a live household."""
    after, until = window
    return list(
        session.scalars(
            select(Person)
            .outerjoin(Household, Household.id == Person.household_id)
            .where(
                Person.deleted.is_(False),
                Person.status == "active",
                Person.birth_date > after,
                Person.birth_date <= until,
                or_(Person.household_id.is_(None), Household.deleted.is_(False)),
            )
        ).all()
    )


def households_by_ids(session: Session, ids: Sequence[str]) -> dict[str, tuple[Household, str]]:
    """household id → (household, hamlet name)."""
    found: dict[str, tuple[Household, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        rows = session.execute(
            select(Household, Hamlet.name)
            .join(Hamlet, Hamlet.id == Household.hamlet_id)
            .where(Household.id.in_(chunk))
        ).all()
        for household, hamlet_name in rows:
            found[household.id] = (household, hamlet_name)
    return found


def persons_by_ids(session: Session, ids: Sequence[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        for person in session.scalars(select(Person).where(Person.id.in_(chunk))):
            found[person.id] = person
    return found


def person_with_id_number(session: Session, id_number: str) -> Person | None:
    """A live person holding ``id_number``."""
    return session.scalars(
        select(Person).where(Person.id_number == id_number, Person.deleted.is_(False))
    ).first()


def insurance_card(session: Session, person_id: str) -> bool | None:
    """The declared "has a health insurance card" of a person."""
    return session.scalar(select(Person.insurance_card).where(Person.id == person_id))


def find_people(
    session: Session, folded: str, limit: int
) -> list[tuple[str, str, date, str, str, str | None]]:
    """Live persons whose folded name or ID number contains ``folded``:
    (id, name, birth date, household number, hamlet name, hamlet id)."""
    pattern = f"%{folded}%"
    rows = session.execute(
        select(
            Person.id,
            Person.full_name,
            Person.birth_date,
            Household.number,
            Hamlet.name,
            Hamlet.id,
        )
        .outerjoin(Household, Household.id == Person.household_id)
        .outerjoin(Hamlet, Hamlet.id == Household.hamlet_id)
        .where(
            Person.deleted.is_(False),
            or_(Person.name_key.like(pattern), Person.id_number.like(pattern)),
        )
        .order_by(Person.name_key)
        .limit(limit)
    ).all()
    return [(r[0], r[1], r[2], r[3] or "", r[4] or "", r[5]) for r in rows]
