"""Write an import plan into the book, inside the caller's transaction.

The caller (``services/imports.py``) opens ONE transaction, builds the plan in it and calls
``apply_plan``; if anything raises — including the Cancelled raised by the progress callback
when the officer presses “Dừng” — the transaction rolls back and the book is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from desktop.core.domain.collation_text import name_sort_text
from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.text import clean_text, fold
from desktop.core.importer.plan import UNCHANGED, UPDATE, HouseholdPlan, ImportPlan, RowPlan
from desktop.core.importer.rows import PersonData
from desktop.core.storage.base import new_id
from desktop.core.storage.models import GuardianLink, Hamlet, Household, Person, SpecialEpisode
from desktop.core.storage.repositories import imports as repo

FLUSH_EVERY = 1_000  # rows; keeps the session's memory bounded on large files
DEFAULT_POVERTY = "HN03"
DEFAULT_ETHNICITY = "01"
EPISODE_EVIDENCE = "Nhập từ danh sách Excel ngày {d}."

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ApplyCounts:
    """What was written."""

    hamlets_created: int
    households_created: int
    households_updated: int
    persons_created: int
    persons_updated: int
    guardians_written: int
    episodes_created: int
    # (person id, date of birth) of every row written as a child on the list's date, so the
    # caller can record the 16th birthdays that came between that date and today.
    children: tuple[tuple[str, date], ...] = ()


class RecordIds(Protocol):
    """The ids of the records an import creates."""

    def household(self, plan: HouseholdPlan) -> str: ...
    def person(self, row: RowPlan) -> str: ...
    def guardian(self, person_id: str, role: str) -> str: ...
    def episode(self, person_id: str, group: int) -> str: ...


class NewIds:
    """A new random id for every record (an import)."""

    def household(self, plan: HouseholdPlan) -> str:
        return new_id()

    def person(self, row: RowPlan) -> str:
        return new_id()

    def guardian(self, person_id: str, role: str) -> str:
        return new_id()

    def episode(self, person_id: str, group: int) -> str:
        return new_id()


def _set(obj: object, name: str, value: object) -> None:
    # Only real changes are assigned, so an untouched row keeps its version and sync state.
    if getattr(obj, name) != value:
        setattr(obj, name, value)


def apply_plan(
    session: Session,
    plan: ImportPlan,
    progress: Progress | None = None,
    ids: RecordIds | None = None,
) -> ApplyCounts:
    """Create and update hamlets, households, persons, parents/carers and episodes.

    ``ids`` gives the ids of the records created (default: new random ones); bringing in a
    former commune's list (``services/merge_list.py``) gives ids derived from the list, so
    that the same list brought in twice creates nothing the second time.
    """
    ids = ids or NewIds()
    total = len(plan.rows)
    if progress is not None:
        progress(0, total)
    hamlet_ids: dict[str, str] = {}
    for name in plan.new_hamlets:
        clean = clean_text(name)
        hamlet = Hamlet(id=new_id(), name=clean, name_key=fold(clean), collaborator_name="")
        session.add(hamlet)
        hamlet_ids[f"new:{fold(name)}"] = hamlet.id

    household_ids: dict[tuple[str, str], str] = {}
    to_update = [h for h in plan.households if h.action == UPDATE]
    loaded = repo.load_households(session, [h.existing_id for h in to_update if h.existing_id])
    households_created = 0
    for household_plan in plan.households:
        if household_plan.existing_id is not None:
            household_ids[household_plan.key] = household_plan.existing_id
            found = loaded.get(household_plan.existing_id)
            if found is not None:
                for column, value in household_plan.updates.items():
                    _set(found, column, value)
                    if column == "head_name":
                        _set(found, "head_name_key", fold(str(value)))
            continue
        data = household_plan.data
        hamlet_id = hamlet_ids.get(household_plan.hamlet_ref, household_plan.hamlet_ref)
        household = Household(
            id=ids.household(household_plan),
            hamlet_id=hamlet_id,
            number=data.number,
            head_name=data.head_name,
            head_name_key=fold(data.head_name),
            address=data.address or "",
            poverty_code=data.poverty_code or DEFAULT_POVERTY,
            phone=data.phone or "",
        )
        session.add(household)
        household_ids[household_plan.key] = household.id
        households_created += 1

    changed = [r for r in plan.rows if r.action == UPDATE and r.person_id]
    persons = repo.load_persons(session, [r.person_id for r in changed if r.person_id])
    link_ids = [g.link_id for r in changed for g in r.guardians if g.link_id]
    links = repo.load_guardians(session, link_ids)
    created = updated = guardians = episodes = 0
    children: list[tuple[str, date]] = []
    # Links and episodes point at persons through plain foreign keys (no ORM relationship
    # orders the inserts), so they are added after their persons have been flushed.
    pending: list[GuardianLink | SpecialEpisode] = []
    evidence = EPISODE_EVIDENCE.format(d=format_vn_date(plan.reference_date))
    for index, row in enumerate(plan.rows, start=1):
        if row.action == UNCHANGED:
            pass
        elif row.person_id is None:
            person_id = _create_person(
                session, row.parsed.person, household_ids[row.household.key], ids.person(row)
            )
            row_guardians, row_episodes = _extras(
                pending,
                row,
                person_id=person_id,
                links=links,
                reference_date=plan.reference_date,
                evidence=evidence,
                ids=ids,
            )
            guardians += row_guardians
            episodes += row_episodes
            created += 1
            if row.parsed.is_child:
                children.append((person_id, row.parsed.person.birth_date))
        else:
            person = persons.get(row.person_id)
            if person is not None:
                for column, value in row.updates.items():
                    _set(person, column, value)
                    if column == "full_name":
                        _set(person, "name_key", fold(str(value)))
                        _set(person, "name_sort_key", name_sort_text(str(value)))
                if row.updates:
                    updated += 1
            row_guardians, row_episodes = _extras(
                pending,
                row,
                person_id=row.person_id,
                links=links,
                reference_date=plan.reference_date,
                evidence=evidence,
                ids=ids,
            )
            guardians += row_guardians
            episodes += row_episodes
            if row.parsed.is_child:
                children.append((row.person_id, row.parsed.person.birth_date))
        if index % FLUSH_EVERY == 0:
            _flush(session, pending)
        if progress is not None:
            progress(index, total)
    _flush(session, pending)
    return ApplyCounts(
        hamlets_created=len(hamlet_ids),
        households_created=households_created,
        households_updated=len(to_update),
        persons_created=created,
        persons_updated=updated,
        guardians_written=guardians,
        episodes_created=episodes,
        children=tuple(children),
    )


def _create_person(session: Session, data: PersonData, household_id: str, person_id: str) -> str:
    person = Person(
        id=person_id,
        household_id=household_id,
        full_name=data.full_name,
        name_key=fold(data.full_name),
        name_sort_key=name_sort_text(data.full_name),
        birth_date=data.birth_date,
        birth_date_estimated=data.birth_date_estimated,
        sex=data.sex,
        ethnicity_code=data.ethnicity_code or DEFAULT_ETHNICITY,
        id_number=data.id_number,
        relation_code=data.relation_code,
        notes=data.notes or "",
        birth_registered=data.birth_registered,
        insurance_card=data.insurance_card,
        schooling_code=data.schooling_code,
    )
    session.add(person)
    return person.id


def _flush(session: Session, pending: list[GuardianLink | SpecialEpisode]) -> None:
    session.flush()
    if pending:
        session.add_all(pending)
        pending.clear()
        session.flush()


def _extras(
    pending: list[GuardianLink | SpecialEpisode],
    row: RowPlan,
    *,
    person_id: str,
    links: dict[str, GuardianLink],
    reference_date: date,
    evidence: str,
    ids: RecordIds,
) -> tuple[int, int]:
    written = 0
    for op in row.guardians:
        link = links.get(op.link_id) if op.link_id else None
        if link is not None:
            _set(link, "full_name", op.name)
        else:
            pending.append(
                GuardianLink(
                    id=ids.guardian(person_id, op.role),
                    child_id=person_id,
                    role=op.role,
                    full_name=op.name,
                )
            )
        written += 1
    for group in row.new_groups:
        pending.append(
            SpecialEpisode(
                id=ids.episode(person_id, group),
                person_id=person_id,
                group_no=group,
                start_date=reference_date,
                evidence=evidence,
            )
        )
    return written, len(row.new_groups)
