"""Children at risk of falling into special circumstances (DOMAIN §3.2): dated episodes with a
category from a list the administrator edits. Codes are never reused: a category is retired,
never deleted, and a new one takes the next number (NC01, NC02 …)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.core.services.book import Book


@dataclass(frozen=True)
class RiskCategory:
    """A category of risk; ``active`` False once retired (old episodes keep it)."""

    code: str
    name: str
    active: bool
    builtin: bool  # shipped in resources/codes/risk_categories.csv


@dataclass(frozen=True)
class RiskEpisodeForm:
    """A risk episode as typed."""

    person_id: str
    category_code: str
    start_date: date | None
    end_date: date | None = None
    end_reason: str = ""
    note: str = ""
    verified_by: str = ""
    id: str | None = None


@dataclass(frozen=True)
class RiskEpisodeView:
    """A risk episode as shown."""

    id: str
    person_id: str
    category_code: str
    category_name: str
    start_date: date
    end_date: date | None
    end_reason: str
    note: str
    verified_by: str


@dataclass(frozen=True)
class RiskFilter:
    """Filters of the at-risk list; ``on`` None = today."""

    category_code: str | None = None
    hamlet_id: str | None = None
    text: str = ""
    on: date | None = None


@dataclass(frozen=True)
class RiskListRow:
    """A child at risk on the list's day."""

    person_id: str
    full_name: str
    birth_date: date
    sex: int
    hamlet_id: str | None
    hamlet_name: str
    household_number: str
    category_codes: tuple[str, ...]
    categories_text: str


class RiskService:
    """At-risk categories and episodes."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def categories(self, *, include_retired: bool = False) -> tuple[RiskCategory, ...]:
        """The categories, in code order."""
        raise NotImplementedError

    def add_category(self, name: str) -> str:
        """A new category with the next unused code (administrator); returns the code."""
        raise NotImplementedError

    def rename_category(self, code: str, name: str) -> None:
        """Change a category's name (administrator)."""
        raise NotImplementedError

    def set_category_active(self, code: str, active: bool) -> None:
        """Retire or bring back a category (administrator); its code is never given again."""
        raise NotImplementedError

    def episodes_of(self, person_id: str) -> list[RiskEpisodeView]:
        """All risk episodes of a child, newest first."""
        raise NotImplementedError

    def save(self, form: RiskEpisodeForm) -> str:
        """Add or change an episode; ValidationError names the field."""
        raise NotImplementedError

    def end(self, episode_id: str, end_date: date, reason: str) -> None:
        """Close an open episode."""
        raise NotImplementedError

    def remove(self, episode_id: str, reason: str) -> None:
        """Tombstone an episode typed in error."""
        raise NotImplementedError

    def list(self, filters: RiskFilter | None = None) -> tuple[RiskListRow, ...]:
        """The children at risk on ``filters.on``."""
        raise NotImplementedError
