"""The facts of one reporting period that the indicator measures count (plain data).

Loaded by ``storage/repositories/indicators.py``; counted by ``desktop/core/indicators``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from desktop.core.domain.dates import age_on

__all__ = [
    "AbuseVictim",
    "BookData",
    "ChildFacts",
    "Death",
    "Episode",
    "InjuryFact",
    "Period",
    "Span",
    "SupportFact",
]


@dataclass(frozen=True)
class Period:
    """A reporting period and its reference date (ngày chốt số liệu)."""

    code: str  # 2026-H1 | 2026-9M | 2026
    start: date
    end: date
    reference: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("Kỳ báo cáo: ngày bắt đầu ở sau ngày kết thúc.")

    def overlaps(self, start: date, end: date | None) -> bool:
        """True if [start, end] (end None = still open) shares a day with the period."""
        return start <= self.end and (end is None or end >= self.start)

    def contains(self, day: date) -> bool:
        """True if ``day`` is in the period."""
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class ChildFacts:
    """What the engine needs of one person born within the child window of the period."""

    id: str
    birth_date: date
    sex: int
    ethnicity_code: str
    hamlet_id: str | None
    resident: bool  # living in the commune on the reference date
    birth_registered: bool | None
    birth_registration_date: date | None
    insured: bool  # a card valid on the reference date (or a card with no date recorded)
    schooling_code: str | None
    disability_code: str | None


@dataclass(frozen=True, slots=True)
class Episode:
    """A special-circumstance episode."""

    person_id: str
    group_no: int
    subgroup_no: int | None
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Death:
    """A death recorded as a change event."""

    person_id: str
    day: date
    birth_date: date


@dataclass(frozen=True, slots=True)
class SupportFact:
    """A support given to a person (``end`` None: a one-off, or still running)."""

    person_id: str
    code: str  # support_types.csv
    given_on: date
    end: date | None


@dataclass(frozen=True, slots=True)
class AbuseVictim:
    """A child of the book in a protection case (not a draft) about abuse."""

    case_id: str
    person_id: str
    day: date  # the incident date, else the day the case was received
    forms: tuple[str, ...]  # abuse_forms.csv codes


@dataclass(frozen=True, slots=True)
class InjuryFact:
    """An injury of a person of the book."""

    person_id: str
    day: date
    cause: str  # injury_causes.csv
    outcome: str  # injury_outcomes.csv (KQ01: death)


# The id of a visiting child's injury among the ids behind a number (no person record).
VISITOR_PREFIX = "khach:"


@dataclass(frozen=True, slots=True)
class VisitorInjury:
    """An injury in the commune of a child who is not in the book (a visitor): typed with a
    name, an age and a sex only. Counted by the counts of injuries on the commune's ground
    (TK0304–TK0306), never by a rate over the commune's children."""

    injury_id: str
    day: date
    cause: str
    outcome: str
    age: int | None  # years on the day, as typed (None: not known)
    sex: int  # 1 nam, 2 nữ, 3 không rõ
    hamlet_id: str | None

    @property
    def id(self) -> str:
        """Its id among the ids behind a number."""
        return VISITOR_PREFIX + self.injury_id


@dataclass(frozen=True, slots=True)
class Span:
    """A dated stretch of a person's life: a risk episode, child labour; or (start == end) a
    child marriage."""

    person_id: str
    start: date
    end: date | None


@dataclass
class BookData:
    """The facts of one period, loaded once and shared by every measure."""

    period: Period
    persons: list[ChildFacts]  # born in the child window of t, or in P
    episodes: list[Episode]
    deaths: list[Death] = field(default_factory=list)
    protection: bool = False  # the protection tables exist in this book
    supports: list[SupportFact] = field(default_factory=list)
    abuse: list[AbuseVictim] = field(default_factory=list)
    injuries: list[InjuryFact] = field(default_factory=list)
    visitor_injuries: list[VisitorInjury] = field(default_factory=list)
    risks: list[Span] = field(default_factory=list)
    labour: list[Span] = field(default_factory=list)
    marriages: list[Span] = field(default_factory=list)
    _children: list[ChildFacts] | None = None
    _ages: dict[str, int] | None = None
    _births: dict[str, date] | None = None
    _aged: dict[tuple[int, int], list[ChildFacts]] = field(default_factory=dict)
    _aged_ids: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)

    @property
    def children(self) -> list[ChildFacts]:
        """C(t): persons under 16 on t, living in the commune on t."""
        if self._children is None:
            t = self.period.reference
            ages: dict[str, int] = {}
            kids = []
            for p in self.persons:
                if not p.resident or p.birth_date > t:
                    continue
                a = age_on(p.birth_date, t)
                if a < 16:
                    ages[p.id] = a
                    kids.append(p)
            self._children, self._ages = kids, ages
        return self._children

    def aged(self, low: int, high: int) -> list[ChildFacts]:
        """The children of C(t) aged ``low``–``high`` completed years on t, in C(t)'s order
        (kept: most indicators ask for the same few ranges)."""
        found = self._aged.get((low, high))
        if found is None:
            kids = self.children  # computes the ages too
            ages = self._ages
            assert ages is not None
            found = [c for c in kids if low <= ages[c.id] <= high]
            self._aged[(low, high)] = found
        return found

    def aged_ids(self, low: int, high: int) -> frozenset[str]:
        """The ids of ``aged(low, high)``, built once: a dozen indicators count over the same
        age range, and one set object for all lets their counts be shared."""
        found = self._aged_ids.get((low, high))
        if found is None:
            found = frozenset(c.id for c in self.aged(low, high))
            self._aged_ids[(low, high)] = found
        return found

    def age(self, child_id: str) -> int:
        """Completed years on t of a child of C(t)."""
        if self._ages is None:
            _ = self.children
        assert self._ages is not None
        return self._ages[child_id]

    def birth_of(self, person_id: str) -> date | None:
        """The birth date of a loaded person (None: not born in the window)."""
        if self._births is None:
            self._births = {p.id: p.birth_date for p in self.persons}
        return self._births.get(person_id)

    def child_on(self, person_id: str, day: date) -> bool:
        """A loaded person under 16 on ``day`` (ages judged on the date the fact was true)."""
        birth = self.birth_of(person_id)
        return birth is not None and birth <= day and age_on(birth, day) < 16
