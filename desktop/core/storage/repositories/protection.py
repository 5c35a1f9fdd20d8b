"""Queries of child protection: episodes open on a day, supports in a period, cases, injuries."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from desktop.core.storage.models import (
    CaseChild,
    CaseInformant,
    CaseStep,
    ConsentRecord,
    Hamlet,
    HolidayChange,
    Household,
    Injury,
    LabourRecord,
    MarriageRecord,
    Person,
    ProtectionCase,
    RiskCategory,
    RiskEpisode,
    SpecialEpisode,
    Support,
)

T = TypeVar("T")
_CHUNK = 900  # SQLite's bound-parameter limit is 999 on old builds


@dataclass(frozen=True)
class PersonFacts:
    """A person with their household's number, poverty status and hamlet."""

    id: str
    full_name: str
    birth_date: date
    sex: int
    status: str
    status_date: date | None
    deleted: bool
    household_id: str | None
    household_number: str
    poverty_code: str | None
    hamlet_id: str | None
    hamlet_name: str
    schooling_code: str | None
    disability_code: str | None
    name_sort_key: str


_FACT_COLUMNS = (
    Person.id,
    Person.full_name,
    Person.birth_date,
    Person.sex,
    Person.status,
    Person.status_date,
    Person.deleted,
    Person.household_id,
    Household.number,
    Household.poverty_code,
    Household.hamlet_id,
    Hamlet.name,
    Person.schooling_code,
    Person.disability_code,
    Person.name_sort_key,
)


def _facts_query() -> Any:
    return (
        select(*_FACT_COLUMNS)
        .select_from(Person)
        .outerjoin(Household, Household.id == Person.household_id)
        .outerjoin(Hamlet, Hamlet.id == Household.hamlet_id)
    )


def _fact(row: Any) -> PersonFacts:
    return PersonFacts(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        bool(row[6]),
        row[7],
        row[8] or "",
        row[9],
        row[10],
        row[11] or "",
        row[12],
        row[13],
        row[14] or "",
    )


def chunks(values: Sequence[T], size: int = _CHUNK) -> Iterable[Sequence[T]]:
    """``values`` in slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def person_facts(session: Session, person_ids: Collection[str]) -> dict[str, PersonFacts]:
    """The facts of these persons (missing ids are left out).

    Persons, their households and the hamlets are read separately and joined here: SQLite
    joins the households to a long ``IN`` list one probe at a time, twenty times slower.
    """
    ids = list(dict.fromkeys(person_ids))
    rows: list[Any] = []
    for part in chunks(ids):
        rows.extend(session.execute(select(*_PERSON_COLUMNS).where(Person.id.in_(part))))
    return _with_households(session, rows)


_PERSON_COLUMNS = (
    Person.id, Person.full_name, Person.birth_date, Person.sex, Person.status,
    Person.status_date, Person.deleted, Person.household_id, Person.schooling_code,
    Person.disability_code, Person.name_sort_key,
)  # fmt: skip


def _with_households(session: Session, rows: Sequence[Any]) -> dict[str, PersonFacts]:
    household_ids = list({r[7] for r in rows if r[7]})
    households: dict[str, tuple[str, str | None, str]] = {}
    for part in chunks(household_ids):
        query = select(Household.id, Household.number, Household.poverty_code, Household.hamlet_id)
        for h in session.execute(query.where(Household.id.in_(part))):
            households[h[0]] = (h[1], h[2], h[3])
    hamlets: dict[str, str] = {}
    if rows:
        hamlets = {h[0]: h[1] for h in session.execute(select(Hamlet.id, Hamlet.name))}
    found: dict[str, PersonFacts] = {}
    for r in rows:
        number, poverty, hamlet_id = households.get(r[7] or "", ("", None, None))
        found[r[0]] = PersonFacts(
            r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], number or "", poverty,
            hamlet_id, hamlets.get(hamlet_id or "", "") if hamlet_id else "", r[8], r[9],
            r[10] or "",
        )  # fmt: skip
    return found


def persons_matching(
    session: Session,
    *,
    born_after: date,
    born_until: date,
    hamlet_ids: Collection[str] = (),
    poverty_codes: Collection[str] = (),
    person_ids: Collection[str] | None = None,
) -> list[PersonFacts]:
    """Live, active persons born in (``born_after``, ``born_until``], with the filters, by name."""
    # Only the birth-date range goes to SQL, so SQLite reads it from ix_persons_birth_date
    # instead of walking every active person (the other filters are checked here).
    query = select(*_PERSON_COLUMNS).where(
        Person.birth_date > born_after, Person.birth_date <= born_until
    )
    facts = _with_households(session, list(session.execute(query)))
    hamlets = set(hamlet_ids)
    poverty = set(poverty_codes)
    rows = [
        fact
        for fact in facts.values()
        if not fact.deleted
        and fact.status == "active"
        and (not hamlets or fact.hamlet_id in hamlets)
        and (not poverty or fact.poverty_code in poverty)
    ]
    if person_ids is not None:
        wanted = set(person_ids)
        rows = [row for row in rows if row.id in wanted]
    rows.sort(key=lambda r: (r.name_sort_key, r.id))
    return rows


def _open_on(model: Any, on: date) -> ColumnElement[bool]:
    return and_(
        model.deleted.is_(False),
        model.start_date <= on,
        or_(model.end_date.is_(None), model.end_date >= on),
    )


def special_open_on(session: Session, on: date) -> list[tuple[str, int, int | None]]:
    """(person id, group, sub-group) of every live HCĐB episode open on ``on``.

    The person may be tombstoned: callers look the persons up (``person_facts``) anyway and
    drop those; joining here would make SQLite walk the whole persons index.
    """
    rows = session.execute(
        select(SpecialEpisode.person_id, SpecialEpisode.group_no, SpecialEpisode.subgroup_no).where(
            _open_on(SpecialEpisode, on)
        )
    )
    return [(r[0], int(r[1]), r[2]) for r in rows]


def special_open_live(session: Session, on: date) -> list[tuple[str, int]]:
    """(person id, group) of the HCĐB episodes open on ``on`` of persons not tombstoned.

    ``IS NOT 1`` rather than ``= 0``: with the equality SQLite would walk every person of the
    ix_persons_list index instead of looking up the few persons of the episodes.
    """
    rows = session.execute(
        select(SpecialEpisode.person_id, SpecialEpisode.group_no)
        .join(Person, Person.id == SpecialEpisode.person_id)
        .where(_open_on(SpecialEpisode, on), Person.deleted.is_not(True))
    )
    return [(r[0], int(r[1])) for r in rows]


def risk_open_on(session: Session, on: date) -> list[tuple[str, str]]:
    """(person id, category) of every live at-risk episode open on ``on`` (as above)."""
    rows = session.execute(
        select(RiskEpisode.person_id, RiskEpisode.category_code).where(_open_on(RiskEpisode, on))
    )
    return [(r[0], r[1]) for r in rows]


def episodes_of(session: Session, model: Any, person_id: str) -> Sequence[Any]:
    """The live episodes of a person, newest first."""
    return session.scalars(
        select(model)
        .where(model.person_id == person_id, model.deleted.is_(False))
        .order_by(model.start_date.desc())
    ).all()


def live(session: Session, model: type[T], row_id: str | None) -> T | None:
    """A row that is not tombstoned."""
    if not row_id:
        return None
    found = session.get(model, row_id)
    if found is None or getattr(found, "deleted", False):
        return None
    return found


def _support_in(start: date, end: date) -> ColumnElement[bool]:
    return and_(
        Support.deleted.is_(False),
        Support.given_on <= end,
        func.coalesce(Support.end_date, Support.given_on) >= start,
    )


def support_summary(
    session: Session, start: date, end: date, person_ids: Collection[str] | None = None
) -> dict[str, tuple[int, date]]:
    """person id → (supports in [start, end], latest date), for the persons given (or all)."""
    query = (
        select(Support.person_id, func.count(), func.max(Support.given_on))
        .where(_support_in(start, end))
        .group_by(Support.person_id)
    )
    found: dict[str, tuple[int, date]] = {}
    if person_ids is None:
        for row in session.execute(query):
            found[row[0]] = (int(row[1]), row[2])
        return found
    ids = list(person_ids)
    for part in chunks(ids):
        for row in session.execute(query.where(Support.person_id.in_(part))):
            found[row[0]] = (int(row[1]), row[2])
    return found


def supports(
    session: Session,
    *,
    person_id: str | None = None,
    support_code: str | None = None,
    campaign_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Sequence[Support]:
    """Live supports with the filters, newest first."""
    query = select(Support).where(Support.deleted.is_(False))
    if person_id:
        query = query.where(Support.person_id == person_id)
    if support_code:
        query = query.where(
            or_(
                Support.support_code == support_code, Support.support_code.like(support_code + ".%")
            )
        )
    if campaign_id:
        query = query.where(Support.campaign_id == campaign_id)
    if date_from:
        query = query.where(func.coalesce(Support.end_date, Support.given_on) >= date_from)
    if date_to:
        query = query.where(Support.given_on <= date_to)
    return session.scalars(query.order_by(Support.given_on.desc(), Support.id)).all()


def risk_categories(session: Session) -> Sequence[RiskCategory]:
    """The administrator's category rows (live)."""
    return session.scalars(select(RiskCategory).where(RiskCategory.deleted.is_(False))).all()


def risk_category_row(session: Session, code: str) -> RiskCategory | None:
    """The row of a category code, tombstoned or not."""
    return session.scalars(select(RiskCategory).where(RiskCategory.code == code)).first()


# -- cases ---------------------------------------------------------------------------------


def cases(session: Session, states: Collection[str] = ()) -> Sequence[ProtectionCase]:
    """Live cases, newest first."""
    query = select(ProtectionCase).where(ProtectionCase.deleted.is_(False))
    if states:
        query = query.where(ProtectionCase.state.in_(list(states)))
    return session.scalars(
        query.order_by(ProtectionCase.received_at.desc(), ProtectionCase.case_no.desc())
    ).all()


def case_children(session: Session, case_ids: Collection[str]) -> dict[str, list[CaseChild]]:
    """case id → its live children, in the order typed."""
    found: dict[str, list[CaseChild]] = {}
    ids = list(case_ids)
    for part in chunks(ids):
        rows = session.scalars(
            select(CaseChild).where(CaseChild.case_id.in_(part), CaseChild.deleted.is_(False))
        ).all()
        for row in rows:
            found.setdefault(row.case_id, []).append(row)
    for rows in found.values():
        rows.sort(key=lambda r: r.id)
    return found


def case_steps(session: Session, case_ids: Collection[str]) -> dict[str, list[CaseStep]]:
    """case id → its live steps, in time order."""
    found: dict[str, list[CaseStep]] = {}
    ids = list(case_ids)
    for part in chunks(ids):
        rows = session.scalars(
            select(CaseStep)
            .where(CaseStep.case_id.in_(part), CaseStep.deleted.is_(False))
            .order_by(CaseStep.at, CaseStep.id)
        ).all()
        for row in rows:
            found.setdefault(row.case_id, []).append(row)
    return found


def case_numbers_of_year(session: Session, prefix: str) -> Sequence[str]:
    """Case numbers starting with ``prefix`` (tombstones included: numbers are not reused)."""
    return session.scalars(
        select(ProtectionCase.case_no).where(ProtectionCase.case_no.like(prefix + "%"))
    ).all()


def informant(session: Session, case_id: str) -> CaseInformant | None:
    """The informant of a case (local-only table)."""
    return session.get(CaseInformant, case_id)


def consents(
    session: Session, *, case_id: str | None = None, person_id: str | None = None
) -> Sequence[ConsentRecord]:
    """Live consent records of a case or a child, newest first."""
    query = select(ConsentRecord).where(ConsentRecord.deleted.is_(False))
    if case_id:
        query = query.where(ConsentRecord.case_id == case_id)
    if person_id:
        query = query.where(ConsentRecord.person_id == person_id)
    return session.scalars(query.order_by(ConsentRecord.given_on.desc())).all()


def export_consents(session: Session, case_ids: set[str]) -> Sequence[ConsentRecord]:
    """Live consent records of purpose "export" of the cases ``case_ids``."""
    if not case_ids:
        return ()
    query = select(ConsentRecord).where(
        ConsentRecord.deleted.is_(False),
        ConsentRecord.purpose == "export",
        ConsentRecord.case_id.in_(sorted(case_ids)),
    )
    return session.scalars(query).all()


# -- injuries, labour, marriage ----------------------------------------------------------


def injuries(
    session: Session,
    *,
    year: int | None = None,
    person_id: str | None = None,
    hamlet_id: str | None = None,
) -> Sequence[Injury]:
    """Live injuries, newest first."""
    query = select(Injury).where(Injury.deleted.is_(False))
    if year:
        query = query.where(
            Injury.occurred_on >= date(year, 1, 1), Injury.occurred_on <= date(year, 12, 31)
        )
    if person_id:
        query = query.where(Injury.person_id == person_id)
    if hamlet_id:
        query = query.where(Injury.hamlet_id == hamlet_id)
    return session.scalars(query.order_by(Injury.occurred_on.desc(), Injury.id)).all()


def labour_records(session: Session, year: int | None = None) -> Sequence[LabourRecord]:
    """Live labour records (running in ``year``), newest first."""
    query = select(LabourRecord).where(LabourRecord.deleted.is_(False))
    if year:
        query = query.where(
            LabourRecord.start_date <= date(year, 12, 31),
            or_(LabourRecord.end_date.is_(None), LabourRecord.end_date >= date(year, 1, 1)),
        )
    return session.scalars(query.order_by(LabourRecord.start_date.desc())).all()


def marriage_records(session: Session, year: int | None = None) -> Sequence[MarriageRecord]:
    """Live marriage records (of ``year``), newest first."""
    query = select(MarriageRecord).where(MarriageRecord.deleted.is_(False))
    if year:
        query = query.where(
            MarriageRecord.marriage_date >= date(year, 1, 1),
            MarriageRecord.marriage_date <= date(year, 12, 31),
        )
    return session.scalars(query.order_by(MarriageRecord.marriage_date.desc())).all()


def holiday_changes(session: Session) -> Sequence[HolidayChange]:
    """Every change the administrator made to the shipped holidays."""
    return session.scalars(select(HolidayChange).order_by(HolidayChange.day)).all()


def persons_born_between(session: Session, after: date, until: date) -> list[PersonFacts]:
    """Live, active persons born in (``after``, ``until``], by name."""
    return persons_matching(session, born_after=after, born_until=until)
