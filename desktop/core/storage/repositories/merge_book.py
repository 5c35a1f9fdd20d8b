"""Queries of bringing a former commune's book into this one (services/merge_book.py).

The same functions read the former book (its temporary copy, opened on an engine of its own)
and this book: both are at the same schema revision when they are called.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from desktop.core.domain.text import fold
from desktop.core.storage.base import Base
from desktop.core.storage.models import (
    AuditEntry,
    ChangeEvent,
    FormerAuditEntry,
    GuardianLink,
    Hamlet,
    Household,
    Injury,
    Person,
    RiskCategory,
)

CHUNK = 1_000


def table(name: str) -> Table:
    """The table of the book called ``name``."""
    return Base.metadata.tables[name]


def key_column(name: str) -> str:
    """The name of the (first) primary-key column of table ``name``."""
    return next(iter(table(name).primary_key.columns)).key


def count(session: Session, name: str) -> int:
    """How many rows table ``name`` holds, tombstones included."""
    return int(session.scalar(select(func.count()).select_from(table(name))) or 0)


def keys(session: Session, name: str) -> set[str]:
    """Every primary key of table ``name``."""
    column = table(name).c[key_column(name)]
    return {str(value) for value in session.scalars(select(column))}


def rows(session: Session, name: str, chunk: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    """Every row of table ``name`` as plain column values, ``chunk`` rows at a time, by key."""
    source = table(name)
    column = source.c[key_column(name)]
    last: Any = None
    while True:
        query = select(source).order_by(column).limit(chunk)
        if last is not None:
            query = query.where(column > last)
        found = [dict(row._mapping) for row in session.execute(query)]
        if not found:
            return
        yield found
        last = found[-1][column.key]


@dataclass(frozen=True)
class HamletRow:
    """A hamlet as the mapping shows it: its name and how many households it holds."""

    id: str
    name: str
    name_key: str
    deleted: bool
    households: int


def hamlets_in_use(session: Session) -> list[HamletRow]:
    """Live hamlets, and tombstoned ones still named by a household or an injury."""
    per_hamlet = dict(
        session.execute(
            select(Household.hamlet_id, func.count(Household.id))
            .where(Household.deleted.is_(False))
            .group_by(Household.hamlet_id)
        ).all()
    )
    referenced = set(session.scalars(select(Household.hamlet_id).distinct()))
    referenced |= {h for h in session.scalars(select(Injury.hamlet_id).distinct()) if h}
    found = []
    for hamlet in session.scalars(select(Hamlet).order_by(Hamlet.name)):
        if hamlet.deleted and hamlet.id not in referenced:
            continue
        found.append(
            HamletRow(
                hamlet.id,
                hamlet.name,
                hamlet.name_key,
                hamlet.deleted,
                int(per_hamlet.get(hamlet.id, 0)),
            )
        )
    return found


def household_numbers(session: Session) -> dict[str, set[str]]:
    """The live households' numbers, by hamlet id."""
    numbers: dict[str, set[str]] = {}
    query = select(Household.hamlet_id, Household.number).where(Household.deleted.is_(False))
    for hamlet_id, number in session.execute(query):
        numbers.setdefault(str(hamlet_id), set()).add(str(number))
    return numbers


def live_households(session: Session) -> list[tuple[str, str, str]]:
    """(id, hamlet id, number) of every live household."""
    query = select(Household.id, Household.hamlet_id, Household.number).where(
        Household.deleted.is_(False)
    )
    return [(str(a), str(b), str(c)) for a, b, c in session.execute(query)]


@dataclass(frozen=True)
class PersonKeys:
    """What the cross-book duplicate check compares of one live person."""

    id: str
    full_name: str
    name_key: str
    birth_date: date
    id_number: str | None
    household_id: str | None
    parent_keys: frozenset[str]  # folded names of the parents, guardians and carers


def live_person_keys(session: Session) -> list[PersonKeys]:
    """Every live person with the folded names of their parents and guardians."""
    linked = select(Person.id, Person.name_key).subquery()
    parents: dict[str, set[str]] = {}
    query = (
        select(GuardianLink.child_id, GuardianLink.full_name, linked.c.name_key)
        .outerjoin(linked, linked.c.id == GuardianLink.person_id)
        .where(GuardianLink.deleted.is_(False))
    )
    for child_id, name, linked_key in session.execute(query):
        key = linked_key or fold(name)
        if key:
            parents.setdefault(str(child_id), set()).add(str(key))
    people = session.execute(
        select(
            Person.id,
            Person.full_name,
            Person.name_key,
            Person.birth_date,
            Person.id_number,
            Person.household_id,
        ).where(Person.deleted.is_(False))
    )
    return [
        PersonKeys(
            str(pid),
            str(name),
            str(key),
            born,
            number or None,
            household,
            frozenset(parents.get(str(pid), ())),
        )
        for pid, name, key, born, number, household in people
    ]


def household_labels(session: Session) -> dict[str, str]:
    """ "hộ số 12 (Nguyễn Văn A), Thôn Đông" of every household, by id."""
    query = select(Household.id, Household.number, Household.head_name, Hamlet.name).join(
        Hamlet, Hamlet.id == Household.hamlet_id
    )
    return {
        str(hid): f"hộ số {number} ({head}), {hamlet}"
        for hid, number, head, hamlet in session.execute(query)
    }


def risk_codes(session: Session) -> set[str]:
    """The codes of the risk categories the administrator added or changed."""
    return {str(code) for code in session.scalars(select(RiskCategory.code))}


# -- the former books' audit trails, kept verbatim ----------------------------------------------


def archived_heads(session: Session) -> dict[str, int]:
    """The last line kept of each former book's trail: book id → seq."""
    query = select(FormerAuditEntry.book_id, func.max(FormerAuditEntry.seq)).group_by(
        FormerAuditEntry.book_id
    )
    return {str(book): int(seq) for book, seq in session.execute(query)}


# The columns of an audit line, as kept of a former book (its hash covers all but prev_hash).
TRAIL_COLUMNS = (
    "seq", "at", "username", "action", "table_name", "record_id", "before", "after",
    "prev_hash", "entry_hash",
)  # fmt: skip


def trail_lines(
    session: Session, after_seq: int, chunk: int = CHUNK
) -> Iterator[list[dict[str, Any]]]:
    """The lines of the book's own trail after ``after_seq``, in order, as column values."""
    columns = [AuditEntry.__table__.c[name] for name in TRAIL_COLUMNS]
    last = after_seq
    while True:
        query = select(*columns).where(AuditEntry.seq > last).order_by(AuditEntry.seq)
        found = [dict(row._mapping) for row in session.execute(query.limit(chunk))]
        if not found:
            return
        yield found
        last = found[-1]["seq"]


def former_trails(session: Session) -> list[tuple[str, str]]:
    """(book id, commune code) of every former book whose trail this book keeps."""
    query = select(FormerAuditEntry.book_id, FormerAuditEntry.commune_code).distinct()
    return sorted((str(book), str(code)) for book, code in session.execute(query))


def former_trail_lines(
    session: Session, book_id: str, after_seq: int = 0, chunk: int = CHUNK
) -> Iterator[list[FormerAuditEntry]]:
    """The kept lines of one former book's trail after ``after_seq``, in chain order."""
    last = after_seq
    while True:
        rows = list(
            session.scalars(
                select(FormerAuditEntry)
                .where(FormerAuditEntry.book_id == book_id, FormerAuditEntry.seq > last)
                .order_by(FormerAuditEntry.seq)
                .limit(chunk)
            )
        )
        if not rows:
            return
        yield rows
        last = rows[-1].seq


def former_lines_of(session: Session, record_id: str) -> list[FormerAuditEntry]:
    """The kept former lines naming ``record_id`` itself, and the batch lines (bulk loads)."""
    own = session.scalars(select(FormerAuditEntry).where(FormerAuditEntry.record_id == record_id))
    batches = session.scalars(
        select(FormerAuditEntry).where(
            FormerAuditEntry.after.like('{"v":%'), FormerAuditEntry.record_id != record_id
        )
    )
    return [*own, *batches]


def merge_lines(session: Session) -> list[tuple[str, str]]:
    """(former book id, ``after`` text) of every ``merge_book`` line, here and kept."""
    own = session.execute(
        select(AuditEntry.record_id, AuditEntry.after).where(AuditEntry.action == "merge_book")
    )
    kept = session.execute(
        select(FormerAuditEntry.record_id, FormerAuditEntry.after).where(
            FormerAuditEntry.action == "merge_book"
        )
    )
    return [(str(book), str(after)) for book, after in [*own, *kept]]


def former_line(session: Session, book_id: str, seq: int) -> FormerAuditEntry | None:
    """The kept line ``seq`` of a former book's trail."""
    return session.scalars(
        select(FormerAuditEntry).where(
            FormerAuditEntry.book_id == book_id, FormerAuditEntry.seq == seq
        )
    ).first()


def brought_in(session: Session) -> dict[str, str]:
    """Commune code → name ("xã Minh Hưng") of each former commune whose book this one
    brought in (its own ``merge_book`` lines, not those of the books it kept)."""
    found: dict[str, str] = {}
    query = (
        select(AuditEntry.after).where(AuditEntry.action == "merge_book").order_by(AuditEntry.seq)
    )
    for after in session.scalars(query):
        try:
            values = json.loads(after)
            found[str(values["from_commune_code"])] = str(values["from_commune"])
        except (ValueError, KeyError, TypeError):
            continue  # a line this version cannot read names no commune it can check
    return found


@dataclass(frozen=True)
class FormerMark:
    """One household's line "thuộc xã … cũ" (a BD09 event written when its book came in)."""

    household_id: str
    commune_code: str  # the event's ``cause`` (older lines: read from ``details``)
    place: str  # "xã Minh Hưng cũ"
    merged_on: date
    merged_by: str  # username


# Books merged before the code was kept in ``cause`` say it in the text: "(mã 12345)".
_CODE_IN_TEXT = re.compile(r"\(mã (\d{5})\)")


def former_marks(session: Session, event_code: str) -> list[FormerMark]:
    """Every live household's line saying which former commune it came from, oldest first.

    The lines are automatic ``event_code`` events of a household (no person) whose ``place``
    ends in " cũ"; the former commune's code is their ``cause``.
    """
    out: list[FormerMark] = []
    for household_id, cause, place, details, day, by in session.execute(
        select(
            ChangeEvent.household_id,
            ChangeEvent.cause,
            ChangeEvent.place,
            ChangeEvent.details,
            ChangeEvent.event_date,
            ChangeEvent.updated_by,
        )
        .join(Household, Household.id == ChangeEvent.household_id)
        .where(
            ChangeEvent.deleted.is_(False),
            ChangeEvent.event_code == event_code,
            ChangeEvent.automatic.is_(True),
            ChangeEvent.person_id.is_(None),
            ChangeEvent.place.like("% cũ"),
            Household.deleted.is_(False),
        )
        .order_by(ChangeEvent.event_date, ChangeEvent.id)
    ):
        code = cause if cause.isdigit() else ""
        if not code:
            found = _CODE_IN_TEXT.search(details)
            code = found.group(1) if found else ""
        if code:
            out.append(FormerMark(str(household_id), code, place, day, by))
    return out
