"""Queries on persons as children: the list index, rows by id, the child record, duplicates."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Mapper, Session

from desktop.core.domain.collation_text import name_sort_text, sort_text_is_for
from desktop.core.domain.text import fold
from desktop.core.storage.models import (
    AuditEntry,
    CaseChild,
    ChangeEvent,
    ConsentRecord,
    GuardianLink,
    Hamlet,
    Household,
    Injury,
    LabourRecord,
    MarriageRecord,
    MergeRecord,
    Person,
    RiskEpisode,
    SpecialEpisode,
    Support,
)

# Audit actions that change a row (views, logins and exports do not).
_CHANGE_ACTIONS = ("create", "update", "delete", "sync_create", "sync_update", "sync_delete")
WATCHED_TABLES = ("persons", "households", "hamlets", "change_events")


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _derived_name_keys(_mapper: Mapper[Person], _connection: Any, target: Person) -> None:
    """Keep the folded and the sort key of a name right, whoever changed the name."""
    name = target.full_name or ""
    key = fold(name)
    if target.name_key != key:
        target.name_key = key
    if not sort_text_is_for(target.name_sort_key, name):
        target.name_sort_key = name_sort_text(name)


def _cursor(session: Session) -> Any:
    # The list index reads every person once per session: the driver's own cursor avoids
    # SQLAlchemy's per-row processing, which costs more than the query on 50,000 rows.
    return session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]


# The columns of the list index, as SQL expressions (never NULL, so the columns stay aligned).
# The base columns are all in the covering index ix_persons_list, which SQLite reads in name
# order: the list arrives sorted, without touching the wide table rows.
PERSON_BASE_COLUMNS: dict[str, str] = {
    "id": "id",
    "sort": "name_sort_key",
    "name": "' ' || name_key",
    "birth": "birth_date",
    "household": "coalesce(household_id, '')",
    "status": "status",
}
PERSON_DETAIL_COLUMNS: dict[str, str] = {
    "id": "id",
    "id_number": "coalesce(id_number, '')",
    "sex": "sex",
    "ethnicity": "ethnicity_code",
    "registered": "coalesce(birth_registered, '')",
    "insured": "(insurance_number != '')",
    "insured_until": "coalesce(insurance_valid_until, '')",
    "school": "coalesce(schooling_code, '')",
    "disabled": "(disability_code IS NOT NULL)",
    "override": "(id_check_override != '')",
}
HOUSEHOLD_COLUMNS: dict[str, str] = {
    "id": "id",
    "hamlet": "hamlet_id",
    "number": "number",
    "head": "' ' || head_name_key",
    "poverty": "poverty_code",
}
_GROUP = "\x1e"  # char(30), the record separator, never in cleaned text


def _columns_at_once(
    session: Session, table: str, columns: dict[str, str]
) -> dict[str, list[str]] | None:
    # One row of one long text per column, split in C: on 50,000 persons this is several
    # times faster than building 50,000 tuples. Every aggregate of one query walks the rows
    # in the same order, so the columns stay aligned.
    cursor = _cursor(session)
    select_list = ", ".join(
        f"group_concat(CAST(({sql}) AS TEXT), char(30))" for sql in columns.values()
    )
    cursor.execute(f"SELECT count(*), {select_list} FROM {table} WHERE deleted = 0")
    count, *texts = cursor.fetchone()
    if not count:
        return {name: [] for name in columns}
    split = {name: (text or "").split(_GROUP) for name, text in zip(columns, texts, strict=True)}
    if any(len(values) != count for values in split.values()):
        return None  # a separator inside a value (text written around the checks)
    return split


def _columns_by_rows(
    session: Session, table: str, columns: dict[str, str], ids: Collection[str] | None
) -> dict[str, list[str]]:
    cursor = _cursor(session)
    select_list = ", ".join(columns.values())
    order = " ORDER BY name_sort_key" if table == "persons" else ""
    query = f"SELECT {select_list} FROM {table} WHERE deleted = 0"
    rows: list[tuple[Any, ...]] = []
    if ids is None:
        cursor.execute(query + order)
        rows = list(cursor.fetchall())
    else:
        wanted = list(ids)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            cursor.execute(f"{query} AND id IN ({', '.join('?' * len(chunk))}){order}", chunk)
            rows.extend(cursor.fetchall())
    # As text, exactly as group_concat gives it (1 and 0 for booleans, '' for nothing).
    return {
        name: ["" if row[i] is None else str(int(row[i]) if isinstance(row[i], bool) else row[i])
               for row in rows]
        for i, name in enumerate(columns)
    }  # fmt: skip


def person_columns(
    session: Session, columns: dict[str, str], ids: Collection[str] | None = None
) -> dict[str, list[str]]:
    """Live persons as columns of text (``columns``: name → SQL); all of them, or ``ids``."""
    if ids is None:
        found = _columns_at_once(session, "persons", columns)
        if found is not None:
            return found
    return _columns_by_rows(session, "persons", columns, ids)


def household_columns(session: Session, ids: Collection[str] | None = None) -> dict[str, list[str]]:
    """Live households as columns of text (HOUSEHOLD_COLUMNS); all of them, or ``ids``."""
    if ids is None:
        found = _columns_at_once(session, "households", HOUSEHOLD_COLUMNS)
        if found is not None:
            return found
    return _columns_by_rows(session, "households", HOUSEHOLD_COLUMNS, ids)


def full_names(session: Session, ids: Collection[str]) -> dict[str, str]:
    """Full names of persons by id."""
    return names_of(session, ids)


def index_hamlets(session: Session) -> list[tuple[str, str, str]]:
    """Live hamlets: (id, name, name_key)."""
    rows = session.execute(
        select(Hamlet.id, Hamlet.name, Hamlet.name_key).where(Hamlet.deleted.is_(False))
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def persons_with_event(session: Session, event_code: str) -> set[str]:
    """Ids of persons with a live event of ``event_code`` (e.g. BD05, turned 16)."""
    rows = session.scalars(
        select(ChangeEvent.person_id).where(
            ChangeEvent.event_code == event_code,
            ChangeEvent.deleted.is_(False),
            ChangeEvent.person_id.is_not(None),
        )
    ).all()
    return {pid for pid in rows if pid}


def last_change_seq(session: Session) -> int:
    """The number of the newest audit line: it grows whenever anything in the book changes."""
    return int(session.scalar(select(func.max(AuditEntry.seq))) or 0)


def changed_since(session: Session, seq: int) -> list[tuple[str, str]]:
    """(table, record id) of the rows of the watched tables changed after audit line ``seq``."""
    rows = session.execute(
        select(AuditEntry.table_name, AuditEntry.record_id)
        .where(
            AuditEntry.seq > seq,
            AuditEntry.action.in_(_CHANGE_ACTIONS),
            AuditEntry.table_name.in_(WATCHED_TABLES),
        )
        .distinct()
    ).all()
    return [(r[0], r[1]) for r in rows]


def member_ids(session: Session, household_ids: Collection[str]) -> list[str]:
    """Ids of the live persons of these households."""
    if not household_ids:
        return []
    return list(
        session.scalars(
            select(Person.id).where(
                Person.household_id.in_(list(household_ids)), Person.deleted.is_(False)
            )
        ).all()
    )


_ROWS_CHUNK = 5000


def list_rows(session: Session, ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """Display columns of persons by id (any order): id, full_name, birth_date, sex,
    ethnicity_code, id_number, status, household_id, household number, head name, hamlet
    name, relation_code, birth_registered, insurance_number, insurance_valid_until,
    schooling_code, disability_code, id_check_override, status_date."""
    out: list[tuple[Any, ...]] = []
    # Plain rows through the connection (the ORM's row loading doubled the time of a list of
    # 47,000 children); chunks well under SQLite's 32,766 bound parameters.
    connection = session.connection()
    for start in range(0, len(ids), _ROWS_CHUNK):
        chunk = list(ids[start : start + _ROWS_CHUNK])
        query = (
            select(
                Person.id,
                Person.full_name,
                Person.birth_date,
                Person.sex,
                Person.ethnicity_code,
                Person.id_number,
                Person.status,
                Person.household_id,
                Household.number,
                Household.head_name,
                Hamlet.name,
                Person.relation_code,
                Person.birth_registered,
                Person.insurance_number,
                Person.insurance_valid_until,
                Person.schooling_code,
                Person.disability_code,
                Person.id_check_override,
                Person.status_date,
            )
            .outerjoin(Household, Household.id == Person.household_id)
            .outerjoin(Hamlet, Hamlet.id == Household.hamlet_id)
            .where(Person.id.in_(chunk))
        )
        out.extend(tuple(r) for r in connection.execute(query))
    return out


def get_person(session: Session, person_id: str) -> Person | None:
    """A person, tombstoned or not (a merged record is still shown as history)."""
    return session.get(Person, person_id)


def live_person(session: Session, person_id: str) -> Person | None:
    """A person who is not tombstoned."""
    person = session.get(Person, person_id)
    return None if person is None or person.deleted else person


def guardians_of(session: Session, child_id: str) -> Sequence[GuardianLink]:
    """The live guardian links of a child, fathers and mothers first."""
    return session.scalars(
        select(GuardianLink)
        .where(GuardianLink.child_id == child_id, GuardianLink.deleted.is_(False))
        .order_by(GuardianLink.role, GuardianLink.full_name)
    ).all()


def links_to_person(session: Session, person_id: str) -> Sequence[GuardianLink]:
    """Live links in which ``person_id`` is the parent or guardian."""
    return session.scalars(
        select(GuardianLink).where(
            GuardianLink.person_id == person_id, GuardianLink.deleted.is_(False)
        )
    ).all()


def episodes_of(session: Session, person_id: str) -> Sequence[SpecialEpisode]:
    """The live HCĐB episodes of a person, oldest first."""
    return session.scalars(
        select(SpecialEpisode)
        .where(SpecialEpisode.person_id == person_id, SpecialEpisode.deleted.is_(False))
        .order_by(SpecialEpisode.start_date, SpecialEpisode.group_no)
    ).all()


def merges_of(session: Session, person_id: str) -> Sequence[MergeRecord]:
    """Merge records in which the person was kept or removed, newest first."""
    return session.scalars(
        select(MergeRecord)
        .where(
            or_(MergeRecord.kept_id == person_id, MergeRecord.removed_id == person_id),
            MergeRecord.deleted.is_(False),
        )
        .order_by(MergeRecord.updated_at.desc())
    ).all()


def names_of(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """Full names of persons by id (tombstoned ones too)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Person.id, Person.full_name).where(Person.id.in_(wanted)))
    return {r[0]: r[1] for r in rows}


# -- duplicates ------------------------------------------------------------------------------


def active_with_id_number(
    session: Session, id_number: str, except_ids: Collection[str] = ()
) -> Sequence[Person]:
    """Live, active persons carrying ``id_number`` (R08)."""
    query = select(Person).where(
        Person.id_number == id_number,
        Person.deleted.is_(False),
        Person.status == "active",
    )
    if except_ids:
        query = query.where(Person.id.not_in(list(except_ids)))
    return session.scalars(query).all()


def same_name_and_birth(
    session: Session, name_key: str, birth: date, except_ids: Collection[str] = ()
) -> Sequence[Person]:
    """Live persons with this folded name born on this day, anywhere in the commune."""
    query = select(Person).where(
        Person.name_key == name_key, Person.birth_date == birth, Person.deleted.is_(False)
    )
    if except_ids:
        query = query.where(Person.id.not_in(list(except_ids)))
    return session.scalars(query).all()


def same_name_in_household(
    session: Session, name_key: str, household_id: str, except_ids: Collection[str] = ()
) -> Sequence[Person]:
    """Live persons with this folded name in the household."""
    query = select(Person).where(
        Person.name_key == name_key,
        Person.household_id == household_id,
        Person.deleted.is_(False),
    )
    if except_ids:
        query = query.where(Person.id.not_in(list(except_ids)))
    return session.scalars(query).all()


def households_by_ids(session: Session, ids: Collection[str]) -> dict[str, tuple[str, str, str]]:
    """household id → (number, head name, hamlet name)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Household.id, Household.number, Household.head_name, Hamlet.name)
        .join(Hamlet, Hamlet.id == Household.hamlet_id)
        .where(Household.id.in_(list(ids)))
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def repoint_person_refs(session: Session, removed_id: str, kept_id: str) -> dict[str, int]:
    """Move every record of ``removed_id`` to ``kept_id``: events, guardian links, episodes,
    and the child-protection records (risks, cases, consents, supports, injuries, labour,
    marriage), so a merge never leaves any of them behind on the tombstoned record."""
    moved: dict[str, int] = {}
    for model, column in (
        (ChangeEvent, ChangeEvent.person_id),
        (GuardianLink, GuardianLink.child_id),
        (GuardianLink, GuardianLink.person_id),
        (SpecialEpisode, SpecialEpisode.person_id),
        (RiskEpisode, RiskEpisode.person_id),
        (CaseChild, CaseChild.person_id),
        (ConsentRecord, ConsentRecord.person_id),
        (Support, Support.person_id),
        (Injury, Injury.person_id),
        (LabourRecord, LabourRecord.person_id),
        (MarriageRecord, MarriageRecord.person_id),
        (MarriageRecord, MarriageRecord.partner_person_id),
    ):
        rows = session.scalars(select(model).where(column == removed_id)).all()
        for row in rows:
            setattr(row, column.key, kept_id)
        moved[f"{model.__tablename__}.{column.key}"] = len(rows)
    return moved
