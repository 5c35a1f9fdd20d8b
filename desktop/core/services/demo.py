"""Fill an empty book with a synthetic commune, for demonstrations, training and benchmarks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from desktop.core.domain.collation_text import name_sort_text
from desktop.core.domain.dates import is_child_on
from desktop.core.domain.text import clean_text, fold
from desktop.core.services.book import Book
from desktop.core.storage.base import SyncState, utcnow
from desktop.core.storage.models import (
    CaseChild,
    CaseInformant,
    CaseStep,
    ChangeEvent,
    GuardianLink,
    Hamlet,
    Household,
    Injury,
    LabourRecord,
    Person,
    ProtectionCase,
    RiskEpisode,
    SpecialEpisode,
    Support,
)
from desktop.core.synthetic import (
    SyntheticCommune,
    SyntheticHousehold,
    SyntheticPerson,
    generate_commune,
)
from desktop.core.synthetic.protection import SyntheticProtection, generate_protection
from sync import clock

CHUNK_SIZE = 2_000
"""Persons per bulk insert; households go in with the persons of their chunk."""

Progress = Callable[[int, int], None]


def populate_book(
    book: Book,
    commune: SyntheticCommune,
    progress: Progress | None = None,
    *,
    with_protection: bool = True,
) -> int:
    """Insert ``commune`` into the empty ``book`` in one transaction; the children inserted."""
    # ``progress(done, total)`` counts children after each chunk; if it raises, the whole
    # transaction rolls back. A book holding any hamlet, household or person is refused
    # (ValueError), so demo data never mixes with real data, nor clashes with hamlet names.
    # Bulk Core inserts bypass the ORM flush hook (storage/tracking.py), so the columns it
    # would set are written here, exactly as it sets them for a new row.
    stamp: dict[str, Any] = {
        "version": 1,
        "synced_version": 0,
        "sync_state": SyncState.TO_POST.value,
        "sync_error": None,
        "updated_at": utcnow(),
        "updated_by": book.user.username,
        "deleted": False,
    }
    total = commune.children
    inserted = 0
    with book.transaction() as session:
        _refuse_unless_empty(session)
        hamlet_rows = [
            {
                **stamp,
                "id": h.id,
                "name": clean_text(h.name),
                "name_key": fold(h.name),
                "collaborator_name": clean_text(h.collaborator_name),
            }
            for h in commune.hamlets
        ]
        if hamlet_rows:
            session.execute(insert(Hamlet), hamlet_rows)
        collaborators = {h.id: clean_text(h.collaborator_name) for h in commune.hamlets}
        households: list[dict[str, Any]] = []
        persons: list[dict[str, Any]] = []
        records = _Records()
        for household in commune.households:
            row = _household_row(household, stamp)
            # The hamlet's collaborator is responsible for each of its households.
            row["collaborator_name"] = collaborators.get(household.hamlet_id, "")
            households.append(row)
            for person in (*household.members, *household.history):
                persons.append(_person_row(person, household.id, stamp))
                records.add(person, household.id, stamp)
                if person.status == "active" and is_child_on(person.birth_date, commune.today):
                    inserted += 1
            if len(persons) >= CHUNK_SIZE:
                _write_chunk(session, households, persons, records)
                if progress is not None:
                    progress(inserted, total)
        if households:
            _write_chunk(session, households, persons, records)
            if progress is not None:
                progress(inserted, total)
        if with_protection:
            _write_protection(session, generate_protection(commune, commune.seed), stamp)
    return inserted


def _write_protection(
    session: Session, records: SyntheticProtection, stamp: dict[str, Any]
) -> None:
    """Special circumstances, risks, cases, supports, injuries, labour: after their persons."""
    for model, rows in (
        (SpecialEpisode, records.special_episodes),
        (RiskEpisode, records.risk_episodes),
        (ProtectionCase, records.protection_cases),
        (CaseChild, records.case_children),
        (CaseStep, records.case_steps),
        (Support, records.supports),
        (Injury, records.injuries),
        (LabourRecord, records.labour_records),
    ):
        for start in range(0, len(rows), CHUNK_SIZE):
            session.execute(
                insert(model), [{**stamp, **row} for row in rows[start : start + CHUNK_SIZE]]
            )
    if records.case_informants:
        session.execute(insert(CaseInformant), records.case_informants)


class _Records:
    """Guardian links, HCĐB episodes and change events waiting for their persons' chunk."""

    def __init__(self) -> None:
        self.guardians: list[dict[str, Any]] = []
        self.episodes: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def add(self, person: SyntheticPerson, household_id: str, stamp: dict[str, Any]) -> None:
        for g in person.guardians:
            self.guardians.append(
                {**stamp, "id": g.id, "child_id": person.id, "person_id": None,
                 "full_name": clean_text(g.full_name), "role": g.role,
                 "parent_status": g.parent_status, "phone": "", "valid_from": None,
                 "valid_to": None}
            )  # fmt: skip
        for e in person.episodes:
            self.episodes.append(
                {**stamp, "id": e.id, "person_id": person.id, "group_no": e.group_no,
                 "subgroup_no": None, "start_date": e.start_date, "end_date": None,
                 "evidence": e.evidence, "verified_by": ""}
            )  # fmt: skip
        for ev in person.events:
            self.events.append(
                {**stamp, "id": ev.id, "event_code": ev.event_code, "event_date": ev.event_date,
                 "person_id": person.id, "household_id": household_id,
                 "other_household_id": None, "place": ev.place, "cause": ev.cause,
                 "details": ev.details, "automatic": ev.automatic}
            )  # fmt: skip

    def write(self, session: Session) -> None:
        for model, rows in (
            (GuardianLink, self.guardians),
            (SpecialEpisode, self.episodes),
            (ChangeEvent, self.events),
        ):
            if rows:
                session.execute(insert(model), rows)
            rows.clear()


def populate_demo(
    book: Book,
    children: int,
    seed: int = 2026,
    progress: Progress | None = None,
    *,
    profile: str = "lowland",
) -> int:
    """Generate a synthetic commune of ``children`` children as of today and insert it."""
    with book.read() as session:
        # Checked before generating too, so a refusal comes at once even for 50,000 children.
        _refuse_unless_empty(session)
    commune = generate_commune(children, seed=seed, today=clock.today(), profile=profile)
    return populate_book(book, commune, progress)


def _refuse_unless_empty(session: Session) -> None:
    for model, what in ((Household, "hộ gia đình"), (Person, "trẻ em"), (Hamlet, "thôn")):
        if session.scalars(select(model.id).limit(1)).first() is not None:
            raise ValueError(
                f"Sổ này đã có dữ liệu ({what}). Dữ liệu mẫu chỉ được nạp vào một sổ trống, "
                "để không bao giờ lẫn với dữ liệu thật."
            )


def _write_chunk(
    session: Session,
    households: list[dict[str, Any]],
    persons: list[dict[str, Any]],
    records: _Records,
) -> None:
    # Households first: the persons of the chunk refer to them, and their records refer to
    # the persons (foreign keys are on).
    if households:
        session.execute(insert(Household), households)
    if persons:
        session.execute(insert(Person), persons)
    records.write(session)
    households.clear()
    persons.clear()


def _household_row(household: SyntheticHousehold, stamp: dict[str, Any]) -> dict[str, Any]:
    return {
        **stamp,
        "id": household.id,
        "hamlet_id": household.hamlet_id,
        "number": household.number,
        "head_name": clean_text(household.head_name),
        "head_name_key": fold(household.head_name),
        "address": clean_text(household.address),
        "poverty_code": household.poverty_code,
        "poverty_year": household.poverty_year,
        "phone": household.phone,
    }


def _person_row(
    person: SyntheticPerson, household_id: str, stamp: dict[str, Any]
) -> dict[str, Any]:
    name = clean_text(person.full_name)
    return {
        **stamp,
        "id": person.id,
        "household_id": household_id,
        "full_name": name,
        "name_key": fold(name),
        "name_sort_key": name_sort_text(name),
        "birth_date": person.birth_date,
        "birth_date_estimated": person.birth_date_estimated,
        "sex": person.sex,
        "ethnicity_code": person.ethnicity_code,
        "id_number": person.id_number,
        "relation_code": person.relation_code,
        "notes": person.notes,
        "residence_code": person.residence_code,
        "status": person.status,
        "status_date": person.status_date,
        "birth_registered": person.birth_registered,
        "birth_registration_date": person.birth_registration_date,
        "birth_registration_place": person.birth_registration_place,
        "insurance_number": person.insurance_number,
        "insurance_valid_until": person.insurance_valid_until,
        "schooling_code": person.schooling_code,
        "school_name": person.school_name,
        "school_class": person.school_class,
        "disability_code": person.disability_code,
        "disability_severity_code": person.disability_severity_code,
    }
