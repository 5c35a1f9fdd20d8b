"""Children in special circumstances (HCĐB, Luật Trẻ em 2016, Điều 10): episodes, the list
with its filters and the live coverage "x / y được trợ giúp (z %)" against the 90 % target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.core.services.book import Book
from desktop.core.services.protection.common import SUPPORT_TARGET_PERCENT, Period


@dataclass(frozen=True)
class SubgroupChoice:
    """A sub-group of NĐ 56/2017 (Điều 3–16)."""

    no: int
    name: str


@dataclass(frozen=True)
class GroupChoice:
    """One of the 14 groups, with its law point letter and known sub-groups."""

    no: int
    law_point: str
    name: str
    subgroups: tuple[SubgroupChoice, ...]
    sensitive: bool  # group 5 (HIV): hidden from roles without VIEW_SENSITIVE

    @property
    def label(self) -> str:
        """E.g. "Nhóm 1 (điểm a): Trẻ em mồ côi cả cha và mẹ"."""
        return f"Nhóm {self.no} (điểm {self.law_point}): {self.name}"


@dataclass(frozen=True)
class SpecialEpisodeForm:
    """A membership as typed: ``id`` None for a new one."""

    person_id: str
    group_no: int
    start_date: date | None
    subgroup_no: int | None = None
    end_date: date | None = None
    end_reason: str = ""  # a key of domain.protection.END_REASONS when end_date is set
    evidence: str = ""
    verified_by: str = ""
    verified_on: date | None = None
    note: str = ""
    id: str | None = None


@dataclass(frozen=True)
class SpecialEpisodeView:
    """A membership as shown; sensitive parts blank when ``hidden``."""

    id: str
    person_id: str
    group_no: int
    group_name: str
    subgroup_no: int | None
    subgroup_name: str
    start_date: date
    end_date: date | None
    end_reason: str
    end_reason_label: str
    evidence: str
    verified_by: str
    verified_on: date | None
    note: str
    hidden: bool = False


@dataclass(frozen=True)
class SpecialFilter:
    """Filters of the special-circumstance list; ``on`` None = today."""

    group_no: int | None = None
    hamlet_id: str | None = None
    supported: bool | None = None  # True: supported this period; False: not; None: all
    text: str = ""  # part of the name, accents ignored
    on: date | None = None
    period: Period | None = None  # None = the current period (calendar year of ``on``)


@dataclass(frozen=True)
class SpecialListRow:
    """One child in special circumstances on the list's day."""

    person_id: str
    full_name: str
    birth_date: date
    sex: int
    hamlet_id: str | None
    hamlet_name: str
    household_number: str
    group_nos: tuple[int, ...]
    groups_text: str  # e.g. "1, 4"
    supported: bool  # any support dated in the period
    support_count: int
    last_support_on: date | None
    hidden: bool = False  # some group left out for this role


@dataclass(frozen=True)
class Coverage:
    """How many children in special circumstances got at least one support in the period."""

    supported: int
    total: int
    period: Period
    target_percent: int = SUPPORT_TARGET_PERCENT

    @property
    def percent(self) -> float:
        """0–100, one decimal; 0 when there is nobody."""
        return round(100.0 * self.supported / self.total, 1) if self.total else 0.0

    @property
    def meets_target(self) -> bool:
        """At least the target (90 %); True when there is nobody to support."""
        return self.total == 0 or self.supported * 100 >= self.target_percent * self.total

    @property
    def text(self) -> str:
        """ "x / y được trợ giúp (z %)", Vietnamese decimal comma."""
        percent = f"{self.percent:.1f}".replace(".", ",").removesuffix(",0")
        return f"{self.supported} / {self.total} được trợ giúp ({percent} %)"


@dataclass(frozen=True)
class SpecialList:
    """The list, its coverage (over the filtered children) and what the role hides."""

    rows: tuple[SpecialListRow, ...]
    coverage: Coverage
    on: date
    hidden_note: str = ""


class SpecialService:
    """Special-circumstance episodes of children and their list."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def groups(self) -> tuple[GroupChoice, ...]:
        """The 14 groups with their sub-groups (groups the role may not see are left out)."""
        raise NotImplementedError

    def episodes_of(self, person_id: str) -> list[SpecialEpisodeView]:
        """All episodes of a child, newest first; audited as a view of sensitive data."""
        raise NotImplementedError

    def save(self, form: SpecialEpisodeForm, *, confirm: bool = False) -> str:
        """Add or change an episode; returns its id. ValidationError (R14, R02), NeedsConfirmation
        (R11–R13, unless ``confirm``), PermissionDenied."""
        raise NotImplementedError

    def end(self, episode_id: str, end_date: date, reason: str) -> None:
        """Close an open episode on ``end_date`` with a reason (END_REASONS key)."""
        raise NotImplementedError

    def remove(self, episode_id: str, reason: str) -> None:
        """Tombstone an episode typed in error; ``reason`` is required."""
        raise NotImplementedError

    def list(self, filters: SpecialFilter | None = None) -> SpecialList:
        """The children in special circumstances on ``filters.on`` with the coverage."""
        raise NotImplementedError

    def coverage(self, period: Period | None = None, hamlet_id: str | None = None) -> Coverage:
        """The coverage over a period (default: the current one), the commune or one hamlet."""
        raise NotImplementedError
