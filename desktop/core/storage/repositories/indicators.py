"""Queries behind the indicators: the facts of one period in four narrow reads."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    inspect,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from desktop.core.domain.dates import child_birth_window
from desktop.core.domain.indicator_data import (
    AbuseVictim,
    BookData,
    ChildFacts,
    Death,
    Episode,
    InjuryFact,
    Period,
    Span,
    SupportFact,
    VisitorInjury,
)
from desktop.core.storage.models import (
    CaseChild,
    ChangeEvent,
    Hamlet,
    Household,
    Injury,
    LabourRecord,
    MarriageRecord,
    Person,
    ProtectionCase,
    RiskEpisode,
    SpecialEpisode,
    Support,
)
from sync import clock

__all__ = [
    "PROTECTION_TABLES",
    "load_book_data",
    "persons_changed_since",
    "persons_gone",
    "visitor_rows",
]

_CHUNK = 5000  # ids per IN (…): well under SQLite's 32,766 bound parameters


_OPEN, _CLOSE = ("BD01", "BD02"), ("BD03", "BD04")
# Tables of the child-protection branch the protection measures will read (see the report).
PROTECTION_TABLES = (
    "supports",
    "protection_cases",
    "case_children",
    "injuries",
    "risk_episodes",
    "labour_records",
    "marriage_records",
)


def _window(period: Period) -> tuple[date, date]:
    lower, _ = child_birth_window(period.reference)
    lower = min(lower, period.start - timedelta(days=1))
    return lower, max(period.reference, period.end)


def _scanned(column: Any) -> ColumnElement[Any]:
    """``+table.column``: the same value, but SQLite uses no index for a term written so.

    The persons of the child window are most of the table; reading them through an index
    (the list index on ``deleted``, or the birth-date index) fetches each row by its rowid,
    a random page each — three times slower on SQLCipher than one scan in file order, which
    decrypts every page once (measured at 50,000 children: 390 ms against 130 ms).
    """
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)


def load_book_data(
    session: Session, period: Period, households: frozenset[str] | None = None
) -> BookData:
    """Persons born in the child window of the reference date (or in the period), with their
    residence on that date, their special-circumstance episodes and the deaths of the period.

    ``households`` restricts the book to one former commune before the merge (the households
    its book brought in, ``services/former_communes.py``), the one place every indicator and
    drill-down of such a report is scoped: a person is in it when he has entries or exits
    (BD01–BD04) recorded in those households, and then those alone decide whether he lived
    there on the reference date (and which of his deaths are the commune's); a person with none
    there is in it when his household, or that of a record merged into his as a duplicate, is
    one of them, resident as usual.

    Each table is read alone, in one narrow query, and joined here in Python: the households
    (id → hamlet) first, then the persons of the window, then the entry/exit events and the
    episodes kept for those persons. (SQLite's nested-loop join to the households, and the
    events' and episodes' joins back to the persons, cost more than the reads themselves.)
    """
    # Through the session's connection: plain rows, without the ORM's per-row loading
    # (identity checks and processing cost a third of reading 50,000 persons).
    conn = session.connection()
    after, until = _window(period)
    t = period.reference
    alive = and_(
        Person.deleted.is_(False),
        Person.merged_into_id.is_(None),
        Person.status != "merged",
        or_(Person.household_id.is_(None), Household.deleted.is_(False)),
    )
    hamlet_of: dict[str, str] = {
        hid: hamlet
        for hid, hamlet in conn.execute(
            select(Household.id, Household.hamlet_id).where(Household.deleted.is_(False))
        )
    }
    rows = [
        r
        for r in conn.execute(
            select(
                Person.id,
                Person.birth_date,
                Person.sex,
                Person.ethnicity_code,
                Person.household_id,
                Person.status,
                Person.status_date,
                Person.birth_registered,
                Person.birth_registration_date,
                Person.insurance_number,
                Person.insurance_valid_until,
                Person.insurance_card,
                Person.schooling_code,
                Person.disability_code,
            ).where(
                _scanned(Person.deleted).is_(False),
                Person.merged_into_id.is_(None),
                Person.status != "merged",
                _scanned(Person.birth_date) > after,
                _scanned(Person.birth_date) <= until,
            ),
        )
        # a person of a removed household is not in the book
        if r[4] is None or r[4] in hamlet_of
    ]
    known = {r[0] for r in rows}
    lived_in = _households_on(session, t, known)
    events: dict[str, list[tuple[date, str]]] = defaultdict(list)
    # The entries and exits recorded in the scope's households, and the household of the last
    # of them (for the person's hamlet there).
    there: dict[str, list[tuple[date, str, str]]] = defaultdict(list)
    # (The household is read only for a former commune: the new commune's report reads as
    # before.)
    where = ChangeEvent.household_id if households is not None else literal_column("NULL")
    for pid, code, day, hid in conn.execute(
        select(ChangeEvent.person_id, ChangeEvent.event_code, ChangeEvent.event_date, where).where(
            ChangeEvent.deleted.is_(False),
            ChangeEvent.event_code.in_(_OPEN + _CLOSE),
            # a move to another household of the commune (chuyển đến, from a household it
            # names) is no entry into the commune: the child lived here before it too
            or_(ChangeEvent.event_code != "BD02", ChangeEvent.other_household_id.is_(None)),
        ),
    ):
        if pid in known:
            events[pid].append((day, code))
            if households is not None and hid in households:
                there[pid].append((day, code, hid))
    folded = _folded_households(session) if households is not None else {}
    persons = []
    deaths = []
    for r in rows:
        history = sorted(events.get(r[0], ()))
        household_id = r[4]
        hamlet_id = hamlet_of.get(household_id) if household_id is not None else None
        if r[0] in lived_in:  # moved to another household of the commune after t
            hamlet_id = lived_in[r[0]]
        if households is not None:
            scoped = sorted(there.get(r[0], ()))
            if scoped:
                history = [(day, code) for day, code, _hid in scoped]
                before = [hid for day, _code, hid in scoped if day <= t]
                household_id = before[-1] if before else scoped[0][2]
            elif household_id not in households:
                inside = sorted(folded.get(r[0], set()) & households)
                if not inside:
                    continue
                household_id = inside[0]
            hamlet_id = hamlet_of.get(household_id) if household_id is not None else None
        resident = _resident_on(history, r[5], r[6], t)
        insured = r[10] >= t if r[10] is not None else bool(r[9]) or bool(r[11])
        persons.append(
            ChildFacts(
                id=r[0],
                birth_date=r[1],
                sex=r[2],
                ethnicity_code=r[3],
                hamlet_id=hamlet_id,
                resident=resident,
                birth_registered=r[7],
                birth_registration_date=r[8],
                insured=insured,
                schooling_code=r[12],
                disability_code=r[13],
            )
        )
        for day, code in history:
            if code == "BD04":
                deaths.append(Death(r[0], day, r[1]))
    episodes = [
        Episode(pid, g, s, start, end)
        for pid, g, s, start, end in conn.execute(
            select(
                SpecialEpisode.person_id,
                SpecialEpisode.group_no,
                SpecialEpisode.subgroup_no,
                SpecialEpisode.start_date,
                SpecialEpisode.end_date,
            ).where(SpecialEpisode.deleted.is_(False)),
        )
        if pid in known
    ]
    tables = set(inspect(session.get_bind()).get_table_names())
    data = BookData(
        period=period,
        persons=persons,
        episodes=episodes,
        deaths=deaths,
        protection=all(name in tables for name in PROTECTION_TABLES),
    )
    if data.protection:
        _load_protection(session, period, alive, data, households)
    return data


# Moves between households of the commune: each records the household left.
_HOUSEHOLD_MOVES = ("BD02", "BD07", "BD08")  # chuyển đến (trong xã), tách hộ, nhập hộ


def _households_on(session: Session, t: date, known: set[str]) -> dict[str, str | None]:
    """Person id → the hamlet of the household he lived in on ``t``, for those of ``known``
    who moved to another household of the commune after ``t`` (the household left by the
    first such move was his on ``t``; a household emptied by a merge is still read). A report
    counts a child in the hamlet he lived in on its reference date, not the one of today."""
    first: dict[str, tuple[date, str]] = {}
    for pid, day, left in session.connection().execute(
        select(ChangeEvent.person_id, ChangeEvent.event_date, ChangeEvent.other_household_id).where(
            ChangeEvent.deleted.is_(False),
            ChangeEvent.event_code.in_(_HOUSEHOLD_MOVES),
            ChangeEvent.other_household_id.is_not(None),
            ChangeEvent.person_id.is_not(None),
            ChangeEvent.event_date > t,
        ),
    ):
        if pid in known and (pid not in first or day < first[pid][0]):
            first[pid] = (day, str(left))
    if not first:
        return {}
    left_ids = sorted({left for _day, left in first.values()})
    hamlets: dict[str, str] = {}
    for start in range(0, len(left_ids), _CHUNK):
        for hid, hamlet in session.connection().execute(
            select(Household.id, Household.hamlet_id).where(
                Household.id.in_(left_ids[start : start + _CHUNK])
            )
        ):
            hamlets[hid] = hamlet
    return {pid: hamlets.get(left) for pid, (_day, left) in first.items()}


def _folded_households(session: Session) -> dict[str, set[str]]:
    """Person id → the households of the records merged into his as duplicates (following a
    record merged into one that was itself merged later)."""
    into: dict[str, tuple[str, str | None]] = {
        str(pid): (str(target), hid)
        for pid, target, hid in session.connection().execute(
            select(Person.id, Person.merged_into_id, Person.household_id).where(
                Person.merged_into_id.is_not(None)
            )
        )
    }
    out: dict[str, set[str]] = defaultdict(set)
    for pid, (first, hid) in into.items():
        seen, live = {pid}, first
        while live in into and live not in seen:  # the live record at the end of the chain
            seen.add(live)
            live = into[live][0]
        if hid is not None:
            out[live].add(hid)
    return out


def _load_protection(
    session: Session,
    period: Period,
    alive: ColumnElement[bool],
    data: BookData,
    households: frozenset[str] | None = None,
) -> None:
    """Supports, abuse victims, injuries, risk episodes, labour and marriages touching the
    period: one narrow query each on the table alone (its own indexes, no join to the persons),
    kept for the persons loaded (live, in the child window). Marriages are of any age (a party
    may be 16–19), so they are joined to the live persons."""
    conn = session.connection()
    start, end, t = period.start, period.end, period.reference
    known = {p.id for p in data.persons}
    data.supports = [
        SupportFact(*r)
        for r in conn.execute(
            select(
                Support.person_id, Support.support_code, Support.given_on, Support.end_date
            ).where(
                Support.deleted.is_(False),
                Support.given_on <= end,
                or_(Support.given_on >= start, Support.end_date >= start),
            ),
        )
        if r[0] in known
    ]
    received = or_(
        ProtectionCase.incident_date.between(start, end),
        and_(
            ProtectionCase.incident_date.is_(None),
            or_(
                ProtectionCase.received_on.is_(None),
                ProtectionCase.received_on.between(start, end),
            ),
        ),
    )
    abuse = []
    for case_id, pid, incident, received_on, received_at, forms in conn.execute(
        select(
            ProtectionCase.id,
            CaseChild.person_id,
            ProtectionCase.incident_date,
            ProtectionCase.received_on,
            ProtectionCase.received_at,
            ProtectionCase.forms,
        )
        .join(CaseChild, CaseChild.case_id == ProtectionCase.id)
        .where(
            CaseChild.deleted.is_(False),
            CaseChild.person_id.is_not(None),
            ProtectionCase.deleted.is_(False),
            ProtectionCase.state != "draft",
            ProtectionCase.title_kind == "abused",
            received,
        ),
    ):
        if pid not in known:
            continue
        day = incident or received_on
        if day is None and received_at is not None:
            day = clock.to_local(received_at).date()
        if day is not None and period.contains(day):
            codes = tuple(c for c in forms.split(",") if c)
            abuse.append(AbuseVictim(case_id, pid, day, codes))
    data.abuse = abuse
    data.injuries = [
        InjuryFact(r[0], r[1], r[2], r[3])
        for r in conn.execute(
            select(
                Injury.person_id, Injury.occurred_on, Injury.cause_code, Injury.outcome_code
            ).where(Injury.deleted.is_(False), Injury.occurred_on.between(start, end)),
        )
        if r[0] is not None and r[0] in known
    ]
    # Visiting children (no person record): the whole commune's ground, not a former
    # commune's households (where they were hurt is a hamlet, not a household).
    data.visitor_injuries = (
        []
        if households is not None
        else [
            VisitorInjury(*r)
            for r in conn.execute(
                select(
                    Injury.id,
                    Injury.occurred_on,
                    Injury.cause_code,
                    Injury.outcome_code,
                    Injury.visitor_age,
                    Injury.visitor_sex,
                    Injury.hamlet_id,
                ).where(
                    Injury.deleted.is_(False),
                    Injury.person_id.is_(None),
                    Injury.occurred_on.between(start, end),
                ),
            )
        ]
    )
    data.risks = [
        Span(*r)
        for r in conn.execute(
            select(RiskEpisode.person_id, RiskEpisode.start_date, RiskEpisode.end_date).where(
                RiskEpisode.deleted.is_(False),
                RiskEpisode.start_date <= end,
                or_(RiskEpisode.end_date.is_(None), RiskEpisode.end_date >= start),
            ),
        )
        if r[0] in known
    ]
    data.labour = [
        Span(*r)
        for r in conn.execute(
            select(LabourRecord.person_id, LabourRecord.start_date, LabourRecord.end_date).where(
                LabourRecord.deleted.is_(False),
                LabourRecord.start_date <= t,
                or_(LabourRecord.end_date.is_(None), LabourRecord.end_date >= t),
            ),
        )
        if r[0] in known
    ]
    # The marriages of the period first, then which of their persons are live: joined the
    # other way round, SQLite walked every person to find none in an empty table (0.9 s).
    married = conn.execute(
        select(MarriageRecord.person_id, MarriageRecord.marriage_date).where(
            MarriageRecord.deleted.is_(False),
            MarriageRecord.marriage_date.between(start, end),
        ),
    ).all()
    live: set[str] = set()
    wanted = sorted({pid for pid, _ in married})
    for at in range(0, len(wanted), 500):
        live.update(
            pid
            for pid, hid in conn.execute(
                select(Person.id, Person.household_id)
                .outerjoin(Household, Household.id == Person.household_id)
                .where(alive, Person.id.in_(wanted[at : at + 500])),
            )
            # one former commune's report: the married of its households, or counted in it
            if households is None or hid in households or pid in known
        )
    data.marriages = [Span(pid, day, day) for pid, day in married if pid in live]


def _resident_on(
    history: list[tuple[date, str]], status: str, status_date: date | None, t: date
) -> bool:
    """Living in the commune on ``t``: the last entry/exit event on or before ``t`` decides."""
    if history:
        before = [code for day, code in history if day <= t]
        if before:
            return before[-1] in _OPEN
        # Only later events: resident unless the first of them brings the person in.
        return history[0][1] not in _OPEN
    if status in ("moved_out", "dead"):
        return status_date is None or status_date > t
    return True


def persons_changed_since(session: Session, since: object, period: Period) -> set[str]:
    """Ids of persons in the period's window whose record, events or episodes changed after
    ``since`` (an aware datetime): the children a finalised report may now count differently."""
    after, until = _window(period)
    window = and_(Person.birth_date > after, Person.birth_date <= until)
    changed = set(session.scalars(select(Person.id).where(window, Person.updated_at > since)).all())
    for model in (ChangeEvent, SpecialEpisode):
        changed.update(
            pid
            for pid in session.scalars(
                select(model.person_id)
                .join(Person, Person.id == model.person_id)
                .where(window, model.updated_at > since)
            ).all()
            if pid
        )
    return changed


def persons_gone(session: Session, ids: list[str]) -> int:
    """How many of ``ids`` are persons no longer in the book: removed, or merged into another
    record since (a finalised report's frozen list still names them as counted then)."""
    gone = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        gone += len(
            session.execute(
                select(Person.id).where(
                    Person.id.in_(chunk),
                    or_(
                        Person.deleted.is_(True),
                        Person.merged_into_id.is_not(None),
                        Person.status == "merged",
                    ),
                )
            ).all()
        )
    return gone


def visitor_rows(
    session: Session, injury_ids: list[str]
) -> list[tuple[str, str, int | None, int, str]]:
    """The visiting children behind a number (by their injuries' ids): injury id, name, age,
    sex and the name of the hamlet where it happened ("" when none)."""
    out: list[tuple[str, str, int | None, int, str]] = []
    for start in range(0, len(injury_ids), _CHUNK):
        chunk = injury_ids[start : start + _CHUNK]
        out.extend(
            (r[0], r[1], r[2], r[3], r[4] or "")
            for r in session.execute(
                select(
                    Injury.id,
                    Injury.visitor_name,
                    Injury.visitor_age,
                    Injury.visitor_sex,
                    Hamlet.name,
                )
                .outerjoin(Hamlet, Hamlet.id == Injury.hamlet_id)
                .where(Injury.id.in_(chunk))
            )
        )
    return out
