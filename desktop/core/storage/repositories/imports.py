"""Queries of the Excel import and the ID-verification list: the book as plain rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.core.storage.models import (
    GuardianLink,
    Hamlet,
    Household,
    Person,
    SpecialEpisode,
)

_CHUNK = 500  # SQLite's limit on bound parameters is far above; keeps statements small


@dataclass(frozen=True)
class HamletRow:
    """A live hamlet."""

    id: str
    name: str
    name_key: str


@dataclass(frozen=True)
class HouseholdRow:
    """A live household, with the fields an import may compare."""

    id: str
    hamlet_id: str
    number: str
    head_name: str
    address: str
    poverty_code: str
    phone: str


@dataclass(frozen=True)
class PersonRow:
    """A live person, with the fields an import may compare."""

    id: str
    household_id: str | None
    full_name: str
    name_key: str
    birth_date: date
    birth_date_estimated: bool
    sex: int
    ethnicity_code: str
    id_number: str | None
    birth_registered: bool | None
    insurance_card: bool | None
    schooling_code: str | None
    notes: str
    relation_code: str | None
    status: str


@dataclass(frozen=True)
class GuardianRow:
    """A live guardian link (a parent or carer by name or linked person)."""

    id: str
    child_id: str
    role: str
    full_name: str


@dataclass(frozen=True)
class EpisodeRow:
    """A live special-circumstance episode."""

    id: str
    person_id: str
    group_no: int
    start_date: date
    end_date: date | None


_Row = TypeVar("_Row", Household, Person, GuardianLink)


def hamlets(session: Session) -> list[HamletRow]:
    rows = session.execute(
        select(Hamlet.id, Hamlet.name, Hamlet.name_key).where(Hamlet.deleted.is_(False))
    ).all()
    return [HamletRow(*row) for row in rows]


def households(session: Session) -> list[HouseholdRow]:
    rows = session.execute(
        select(
            Household.id,
            Household.hamlet_id,
            Household.number,
            Household.head_name,
            Household.address,
            Household.poverty_code,
            Household.phone,
        ).where(Household.deleted.is_(False))
    ).all()
    return [HouseholdRow(*row) for row in rows]


def persons(session: Session) -> list[PersonRow]:
    rows = session.execute(
        select(
            Person.id,
            Person.household_id,
            Person.full_name,
            Person.name_key,
            Person.birth_date,
            Person.birth_date_estimated,
            Person.sex,
            Person.ethnicity_code,
            Person.id_number,
            Person.birth_registered,
            Person.insurance_card,
            Person.schooling_code,
            Person.notes,
            Person.relation_code,
            Person.status,
        ).where(Person.deleted.is_(False))
    ).all()
    return [PersonRow(**row._asdict()) for row in rows]


def guardians(session: Session) -> list[GuardianRow]:
    rows = session.execute(
        select(
            GuardianLink.id, GuardianLink.child_id, GuardianLink.role, GuardianLink.full_name
        ).where(GuardianLink.deleted.is_(False))
    ).all()
    return [GuardianRow(*row) for row in rows]


def episodes(session: Session) -> list[EpisodeRow]:
    rows = session.execute(
        select(
            SpecialEpisode.id,
            SpecialEpisode.person_id,
            SpecialEpisode.group_no,
            SpecialEpisode.start_date,
            SpecialEpisode.end_date,
        ).where(SpecialEpisode.deleted.is_(False))
    ).all()
    return [EpisodeRow(*row) for row in rows]


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _load_by_ids(session: Session, model: type[_Row], ids: Sequence[str]) -> dict[str, _Row]:
    found: dict[str, _Row] = {}
    for chunk in _chunks(ids):
        for row in session.scalars(select(model).where(model.id.in_(chunk))):
            found[row.id] = row
    return found


def load_households(session: Session, ids: Sequence[str]) -> dict[str, Household]:
    return _load_by_ids(session, Household, ids)


def load_persons(session: Session, ids: Sequence[str]) -> dict[str, Person]:
    return _load_by_ids(session, Person, ids)


def load_guardians(session: Session, ids: Sequence[str]) -> dict[str, GuardianLink]:
    return _load_by_ids(session, GuardianLink, ids)
