"""Queries on change events (biến động), the 16th-birthday exits and HCĐB episodes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desktop.core.storage.models import (
    ChangeEvent,
    CommuneSettings,
    Household,
    Person,
    RiskEpisode,
    SpecialEpisode,
)


def events_of_person(session: Session, person_id: str) -> Sequence[ChangeEvent]:
    """The live events of a person, in date order (then as recorded)."""
    return session.scalars(
        select(ChangeEvent)
        .where(ChangeEvent.person_id == person_id, ChangeEvent.deleted.is_(False))
        .order_by(ChangeEvent.event_date, ChangeEvent.updated_at)
    ).all()


def events_of_household(session: Session, household_id: str) -> Sequence[ChangeEvent]:
    """Events of the household and of its members (as main or as the other household)."""
    members = select(Person.id).where(Person.household_id == household_id)
    return session.scalars(
        select(ChangeEvent)
        .where(
            ChangeEvent.deleted.is_(False),
            or_(
                ChangeEvent.household_id == household_id,
                ChangeEvent.other_household_id == household_id,
                ChangeEvent.person_id.in_(members),
            ),
        )
        .order_by(ChangeEvent.event_date, ChangeEvent.updated_at)
    ).all()


def get_event(session: Session, event_id: str) -> ChangeEvent | None:
    """A live event."""
    found = session.get(ChangeEvent, event_id)
    return None if found is None or found.deleted else found


def has_event(session: Session, person_id: str, event_code: str) -> bool:
    """True if the person has a live event of this type."""
    return (
        session.scalars(
            select(ChangeEvent.id).where(
                ChangeEvent.person_id == person_id,
                ChangeEvent.event_code == event_code,
                ChangeEvent.deleted.is_(False),
            )
        ).first()
        is not None
    )


def born_between(session: Session, after: date, until: date) -> Sequence[Person]:
    """Live persons (tombstones excluded) born in (``after``, ``until``]."""
    return session.scalars(
        select(Person).where(
            Person.deleted.is_(False), Person.birth_date > after, Person.birth_date <= until
        )
    ).all()


def open_episodes(session: Session, person_id: str) -> list[SpecialEpisode | RiskEpisode]:
    """The HCĐB and at-risk episodes of a person with no end date."""
    found: list[SpecialEpisode | RiskEpisode] = list(
        session.scalars(
            select(SpecialEpisode).where(
                SpecialEpisode.person_id == person_id,
                SpecialEpisode.deleted.is_(False),
                SpecialEpisode.end_date.is_(None),
            )
        )
    )
    found.extend(
        session.scalars(
            select(RiskEpisode).where(
                RiskEpisode.person_id == person_id,
                RiskEpisode.deleted.is_(False),
                RiskEpisode.end_date.is_(None),
            )
        )
    )
    return found


def episodes_after(session: Session, person_id: str, day: date) -> Sequence[SpecialEpisode]:
    """Live episodes of a person that start after ``day``."""
    return session.scalars(
        select(SpecialEpisode).where(
            SpecialEpisode.person_id == person_id,
            SpecialEpisode.deleted.is_(False),
            SpecialEpisode.start_date > day,
        )
    ).all()


def auto_events_through(session: Session) -> tuple[date | None, date]:
    """(day automatic events were made up to, day the book was created)."""
    settings = session.scalars(select(CommuneSettings)).one()
    return settings.auto_events_through, settings.created_at.date()


def set_auto_events_through(session: Session, day: date) -> None:
    """Remember the day automatic events were made up to."""
    settings = session.scalars(select(CommuneSettings)).one()
    settings.auto_events_through = day


def live_household(session: Session, household_id: str) -> Household | None:
    """A household that is not tombstoned."""
    found = session.get(Household, household_id)
    return None if found is None or found.deleted else found
