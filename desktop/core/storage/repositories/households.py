"""Queries on hamlets, households and their members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from desktop.core.storage.models import Hamlet, Household, Person


def live_hamlets(session: Session) -> Sequence[Hamlet]:
    return session.scalars(select(Hamlet).where(Hamlet.deleted.is_(False))).all()


def hamlet_by_key(session: Session, name_key: str) -> Hamlet | None:
    return session.scalars(
        select(Hamlet).where(Hamlet.name_key == name_key, Hamlet.deleted.is_(False))
    ).first()


def get_hamlet(session: Session, hamlet_id: str) -> Hamlet | None:
    hamlet = session.get(Hamlet, hamlet_id)
    return None if hamlet is None or hamlet.deleted else hamlet


def get_household(session: Session, household_id: str) -> Household | None:
    household = session.get(Household, household_id)
    return None if household is None or household.deleted else household


def household_number_taken(
    session: Session, hamlet_id: str, number: str, except_id: str | None
) -> bool:
    query = select(Household.id).where(
        Household.hamlet_id == hamlet_id,
        Household.number == number,
        Household.deleted.is_(False),
    )
    if except_id:
        query = query.where(Household.id != except_id)
    return session.scalars(query).first() is not None


def live_members(session: Session, household_id: str) -> Sequence[Person]:
    return session.scalars(
        select(Person).where(Person.household_id == household_id, Person.deleted.is_(False))
    ).all()


@dataclass(frozen=True)
class HouseholdListRow:
    """The columns the household list shows (plain values: loading ORM objects is slower)."""

    id: str
    hamlet_name: str
    number: str
    head_name: str
    address: str
    poverty_code: str
    children: int


def search_households(
    session: Session, folded_query: str, hamlet_id: str | None, child_window: tuple[date, date]
) -> list[HouseholdListRow]:
    """Households matching a folded query, with their hamlet's name and number of children.

    ``child_window`` is (exclusive, inclusive) birth-date bounds of a child on the day.
    """
    after, until = child_window
    # A correlated count runs only for the households that match, through the household index.
    children = (
        select(func.count())
        .where(
            Person.household_id == Household.id,
            Person.deleted.is_(False),
            Person.birth_date > after,
            Person.birth_date <= until,
        )
        .correlate(Household)
        .scalar_subquery()
    )
    query = (
        select(
            Household.id,
            Hamlet.name,
            Household.number,
            Household.head_name,
            Household.address,
            Household.poverty_code,
            children,
        )
        .join(Hamlet, Hamlet.id == Household.hamlet_id)
        .where(Household.deleted.is_(False))
    )
    if hamlet_id:
        query = query.where(Household.hamlet_id == hamlet_id)
    if folded_query:
        pattern = f"%{folded_query}%"
        member_match = exists().where(
            Person.household_id == Household.id,
            Person.deleted.is_(False),
            or_(Person.name_key.like(pattern), Person.id_number.like(pattern)),
        )
        query = query.where(
            or_(
                Household.head_name_key.like(pattern),
                Household.number == folded_query,
                Hamlet.name_key.like(pattern),
                member_match,
            )
        )
    return [HouseholdListRow(*row) for row in session.execute(query).all()]


@dataclass(frozen=True)
class CountedPerson:
    """What a head count needs of a person (loading whole rows is ten times slower)."""

    id: str
    birth_date: date
    sex: int


def persons_born_within(session: Session, window: tuple[date, date]) -> list[CountedPerson]:
    """Persons of the book on the window's last day, born in the (exclusive, inclusive] window.

    Tombstoned and merged records are left out, and so are persons who had moved out or died
    on or before that day (their status date); one who moves out later still counts.
    """
    after, until = window
    rows = session.execute(
        select(Person.id, Person.birth_date, Person.sex)
        .outerjoin(Household, Household.id == Person.household_id)
        .where(
            Person.deleted.is_(False),
            Person.birth_date > after,
            Person.birth_date <= until,
            or_(Person.household_id.is_(None), Household.deleted.is_(False)),
            or_(
                Person.status == "active",
                and_(
                    Person.status.in_(("moved_out", "dead")),
                    Person.status_date.is_not(None),
                    Person.status_date > until,
                ),
            ),
        )
    ).all()
    return [CountedPerson(r[0], r[1], r[2]) for r in rows]


def household_list_rows(session: Session, ids: Sequence[str]) -> list[tuple[object, ...]]:
    """(id, hamlet name, number, head name, address, poverty code, poverty year, phone,
    collaborator) of households by id, any order."""
    out: list[tuple[object, ...]] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        query = (
            select(
                Household.id,
                Hamlet.name,
                Household.number,
                Household.head_name,
                Household.address,
                Household.poverty_code,
                Household.poverty_year,
                Household.phone,
                Household.collaborator_name,
            )
            .join(Hamlet, Hamlet.id == Household.hamlet_id)
            .where(Household.id.in_(chunk), Household.deleted.is_(False))
        )
        out.extend(tuple(r) for r in session.execute(query).all())
    return out
