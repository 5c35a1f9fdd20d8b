"""The indicator engine: named *measures* over the book, each a one-pass count with drill-down.

A measure turns the book's data for one period (``BookData``, loaded in a few queries by
``storage/repositories/indicators.py``) and an indicator's ``params`` into the ids behind its
numerator and denominator, plus the keys each id has on the extra dimensions (special-
circumstance group, abuse form …). Indicator definitions (``resources/indicators``) pick a
measure by name, so an indicator the engine can compute is added by editing data.

Counting rules (issue 14, DOMAIN.md §4.3):

- *t* is the reference date, *P* = [start, end] the period.
- A child is a person under 16 on *t* (age in completed years on *t*) who was living in the
  commune on *t*: in the book, entered (born or moved in) on or before *t*, and not moved out
  or dead on or before *t*.
- Episodes (special circumstances …), supports, cases and injuries count when they fall in or
  overlap *P*; stocks (HCĐB now, registration, insurance, schooling) are judged on *t*.
- A child in several groups counts once in the total and once in each group.
- A zero denominator gives no value (None, shown "—").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from desktop.core.domain.indicator_data import BookData, ChildFacts, Death, Episode, Period
from desktop.core.domain.population import AGE_GROUPS

__all__ = [
    "CHILD_DIMENSIONS",
    "MEASURES",
    "NO_PROTECTION",
    "BookData",
    "ChildFacts",
    "Death",
    "Episode",
    "MeasureResult",
    "Period",
    "months_on",
]

NO_PROTECTION = "chưa có dữ liệu bảo vệ trẻ em"
# Dimensions every counted child has; the others belong to the event behind the numerator.
CHILD_DIMENSIONS = ("sex", "age_group", "ethnicity", "hamlet")
SEX_KEYS = {1: "1", 2: "2"}
REGISTRATION_DAYS = 60  # Luật Hộ tịch 2014, Điều 15


@dataclass(frozen=True)
class MeasureResult:
    """Ids behind a measure's numerator and denominator (None = no denominator)."""

    numerator: frozenset[str]
    denominator: frozenset[str] | None = None
    # dimension → id → its keys on that dimension (events' attributes, e.g. HCĐB groups)
    extra_keys: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    # Of those dimensions, the ones whose cells divide by their own part of the denominator
    # (a group's supported children over that group's children); their extra keys then cover
    # the denominator's ids too. The other cells divide by the whole denominator.
    split_denominator: frozenset[str] = frozenset()
    missing_reason: str | None = None
    kind: str = "child"  # what the ids are: child | case | event


Measure = Callable[[BookData, Mapping[str, Any]], MeasureResult]


def months_on(birth: date, on: date) -> int:
    """Age in completed months on ``on``."""
    months = (on.year - birth.year) * 12 + on.month - birth.month
    if on.day < birth.day:
        months -= 1
    return months


def _in_age(data: BookData, params: Mapping[str, Any]) -> list[ChildFacts]:
    """Children of C(t) in the params' age range (years, or months with months_*)."""
    low = params.get("age_min", 0)
    high = params.get("age_max", 15)
    out = data.aged(low, high)
    if "months_min" in params or "months_max" in params:
        t = data.period.reference
        m_low, m_high = params.get("months_min", 0), params.get("months_max", 10_000)
        out = [c for c in out if m_low <= months_on(c.birth_date, t) <= m_high]
    return out


def _ids(rows: list[ChildFacts]) -> frozenset[str]:
    return frozenset(c.id for c in rows)


def _in_age_ids(
    data: BookData, params: Mapping[str, Any], rows: list[ChildFacts]
) -> frozenset[str]:
    """The ids of ``rows`` = ``_in_age(data, params)``: the book's shared set when the range is
    in whole years."""
    if "months_min" in params or "months_max" in params:
        return _ids(rows)
    return data.aged_ids(params.get("age_min", 0), params.get("age_max", 15))


def children(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Children of C(t) in an age range (the numerator; a count)."""
    rows = _in_age(data, params)
    ids = _in_age_ids(data, params, rows)
    return MeasureResult(numerator=ids, denominator=ids)


def birth_registered(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Of the children in the age range, those registered at birth by t."""
    t = data.period.reference
    rows = _in_age(data, params)
    num = [
        c
        for c in rows
        if c.birth_registered
        and (c.birth_registration_date is None or c.birth_registration_date <= t)
    ]
    return MeasureResult(numerator=_ids(num), denominator=_in_age_ids(data, params, rows))


def birth_registered_on_time(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Of the children born more than 60 days before t, those registered within 60 days."""
    t = data.period.reference
    limit = timedelta(days=REGISTRATION_DAYS)
    rows = [c for c in _in_age(data, params) if t - c.birth_date > limit]
    num = [
        c
        for c in rows
        if c.birth_registered
        and c.birth_registration_date is not None
        and c.birth_registration_date - c.birth_date <= limit
    ]
    return MeasureResult(numerator=_ids(num), denominator=_ids(rows))


def health_insurance(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Of the children in the age range, those with a health-insurance card valid on t."""
    rows = _in_age(data, params)
    insured = _ids([c for c in rows if c.insured])
    return MeasureResult(numerator=insured, denominator=_in_age_ids(data, params, rows))


def schooling(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Of the children in the age range, those whose schooling level is one of ``levels``."""
    rows = _in_age(data, params)
    levels = set(params.get("levels", ()))
    num = [c for c in rows if c.schooling_code in levels]
    return MeasureResult(numerator=_ids(num), denominator=_in_age_ids(data, params, rows))


def disabled_children(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Children in the age range with a disability recorded (a denominator)."""
    rows = [c for c in _in_age(data, params) if c.disability_code]
    ids = _ids(rows)
    return MeasureResult(numerator=ids, denominator=ids)


def special_circumstances(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Children of C(t) with an HCĐB episode open on t (``when`` reference) or overlapping P.

    ``groups`` restricts to some groups (e.g. [6, 7] for the CFC criterion 4).
    """
    period = data.period
    t = period.reference
    on_period = params.get("when", "reference") == "period"
    wanted = set(params.get("groups", ()))
    kids = {c.id for c in _in_age(data, params)}
    groups: dict[str, set[str]] = {}
    for e in data.episodes:
        if e.person_id not in kids or (wanted and e.group_no not in wanted):
            continue
        live = (
            period.overlaps(e.start, e.end)
            if on_period
            else e.start <= t and (e.end is None or e.end >= t)
        )
        if live:
            groups.setdefault(e.person_id, set()).add(str(e.group_no))
    keys = {pid: tuple(sorted(g, key=int)) for pid, g in groups.items()}
    return MeasureResult(
        numerator=frozenset(groups),
        denominator=frozenset(kids),
        extra_keys={"special_group": keys},
    )


def mortality(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Book estimate: deaths in P at an age ≤ ``max_age_days`` ÷ live births in P (× 1,000)."""
    period = data.period
    limit = params["max_age_days"]
    deaths = frozenset(
        d.person_id
        for d in data.deaths
        if period.contains(d.day) and (d.day - d.birth_date).days <= limit
    )
    births = frozenset(p.id for p in data.persons if period.contains(p.birth_date))
    return MeasureResult(numerator=deaths, denominator=births)


def births(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Persons of the book born in P."""
    ids = frozenset(p.id for p in data.persons if data.period.contains(p.birth_date))
    return MeasureResult(numerator=ids, denominator=ids)


def sex_ratio_at_birth(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Boys born in P (numerator) and girls born in P (denominator), × 100."""
    born = [p for p in data.persons if data.period.contains(p.birth_date)]
    return MeasureResult(
        numerator=frozenset(p.id for p in born if p.sex == 1),
        denominator=frozenset(p.id for p in born if p.sex == 2),
    )


def _top(code: str) -> str:
    """The top-level code of a tree code list (TN04.1 → TN04, XH03.4 → XH03)."""
    return code.split(".", 1)[0]


def _no_protection(data: BookData) -> MeasureResult | None:
    if data.protection:
        return None
    return MeasureResult(numerator=frozenset(), missing_reason=NO_PROTECTION)


def special_supported(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Of the children with an HCĐB episode open on t, those with a support given or running
    in P (given on or before the end of P, and given or ended on or after its start)."""
    if (missing := _no_protection(data)) is not None:
        return missing
    special = special_circumstances(data, {**params, "when": "reference"})
    hcdb = special.numerator
    period = data.period
    types: dict[str, set[str]] = {}
    for s in data.supports:
        if s.person_id in hcdb and period.overlaps(s.given_on, s.end or s.given_on):
            types.setdefault(s.person_id, set()).add(_top(s.code))
    groups = special.extra_keys["special_group"]
    return MeasureResult(
        numerator=frozenset(types),
        denominator=hcdb,
        extra_keys={
            "special_group": {pid: groups[pid] for pid in hcdb},
            "support_type": {pid: tuple(sorted(k)) for pid, k in types.items()},
        },
        split_denominator=frozenset({"special_group"}),
    )


def children_at_risk(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Children (under 16 when the episode overlaps P) with a risk episode overlapping P."""
    if (missing := _no_protection(data)) is not None:
        return missing
    period = data.period
    ids = frozenset(
        e.person_id
        for e in data.risks
        if period.overlaps(e.start, e.end)
        and data.child_on(e.person_id, max(e.start, period.start))
    )
    return MeasureResult(numerator=ids, denominator=_ids(data.children))


def abused_children(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Children of the book (under 16 on the incident date) in an abuse case that is not a
    draft, dated (incident, else received) in P; each child once, and once in each form."""
    if (missing := _no_protection(data)) is not None:
        return missing
    forms: dict[str, set[str]] = {}
    for v in data.abuse:
        if data.period.contains(v.day) and data.child_on(v.person_id, v.day):
            forms.setdefault(v.person_id, set()).update(_top(f) for f in v.forms)
    return MeasureResult(
        numerator=frozenset(forms),
        denominator=_ids(data.children),
        extra_keys={"abuse_form": {pid: tuple(sorted(f)) for pid, f in forms.items()}},
    )


DEATH_OUTCOME = "KQ01"  # injury_outcomes.csv


def injured_children(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Children (under 16 on the day) injured in P, by top-level cause; ``deaths_only``: those
    whose injury ended in death; ``causes``: only these top-level causes (drowning: TN05);
    ``visitors``: also the children from elsewhere hurt in the commune (each injury one child,
    under 16 as typed, or of an age not known) — for the counts, never for a rate over the
    commune's own children."""
    if (missing := _no_protection(data)) is not None:
        return missing
    deaths_only = bool(params.get("deaths_only", False))
    wanted = set(params.get("causes", ()))

    def kept(day: date, cause: str, outcome: str) -> bool:
        if not data.period.contains(day):
            return False
        return not (deaths_only and outcome != DEATH_OUTCOME) and not (
            wanted and cause not in wanted
        )

    causes: dict[str, set[str]] = {}
    for i in data.injuries:
        cause = _top(i.cause)
        if kept(i.day, cause, i.outcome) and data.child_on(i.person_id, i.day):
            causes.setdefault(i.person_id, set()).add(cause)
    if params.get("visitors", False):
        for v in data.visitor_injuries:
            cause = _top(v.cause)
            if kept(v.day, cause, v.outcome) and (v.age is None or v.age < 16):
                causes[v.id] = {cause}
    return MeasureResult(
        numerator=frozenset(causes),
        denominator=_ids(data.children),
        extra_keys={"injury_cause": {pid: tuple(sorted(c)) for pid, c in causes.items()}},
    )


def child_labour(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Children of C(t) in the age range with a labour record open on t."""
    if (missing := _no_protection(data)) is not None:
        return missing
    t = data.period.reference
    kids = _in_age_ids(data, params, _in_age(data, params))
    ids = frozenset(
        r.person_id
        for r in data.labour
        if r.person_id in kids and r.start <= t and (r.end is None or r.end >= t)
    )
    return MeasureResult(numerator=ids, denominator=kids)


def child_marriages(data: BookData, params: Mapping[str, Any]) -> MeasureResult:
    """Persons with a child-marriage record dated in P (``children``: only those under 16 on
    the marriage date)."""
    if (missing := _no_protection(data)) is not None:
        return missing
    only_children = bool(params.get("children", False))
    ids = frozenset(
        m.person_id
        for m in data.marriages
        if data.period.contains(m.start)
        and (not only_children or data.child_on(m.person_id, m.start))
    )
    return MeasureResult(numerator=ids, denominator=ids)


MEASURES: dict[str, Measure] = {
    "children": children,
    "birth_registered": birth_registered,
    "birth_registered_on_time": birth_registered_on_time,
    "health_insurance": health_insurance,
    "schooling": schooling,
    "disabled_children": disabled_children,
    "special_circumstances": special_circumstances,
    "mortality": mortality,
    "births": births,
    "sex_ratio_at_birth": sex_ratio_at_birth,
    "special_supported": special_supported,
    "children_at_risk": children_at_risk,
    "abused_children": abused_children,
    "injured_children": injured_children,
    "child_labour": child_labour,
    "child_marriages": child_marriages,
}
"""Every measure by the name indicator definitions use."""


def age_group_key(age: int) -> str:
    """The population report's age group (0–2, 3–5, 6–10, 11–15) of an age."""
    for label, low, high in AGE_GROUPS:
        if low <= age <= high:
            return label
    return ""
