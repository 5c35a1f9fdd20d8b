"""Child labour and child marriage records, for 5- to 17-year-olds (R15, R16): 16- and
17-year-olds are no longer children of the book but these indicators count them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.core.services.book import Book


@dataclass(frozen=True)
class LabourForm:
    """A child-labour record as typed."""

    person_id: str
    start_date: date | None
    end_date: date | None = None
    work: str = ""
    employer: str = ""
    hours_per_week: int | None = None
    hazardous: bool = False  # forbidden or heavy work (Bộ luật Lao động 2019, Điều 143–147)
    action: str = ""
    note: str = ""
    id: str | None = None


@dataclass(frozen=True)
class LabourView:
    """A child-labour record as shown."""

    id: str
    person_id: str
    full_name: str
    age: int  # on the start date
    hamlet_name: str
    start_date: date
    end_date: date | None
    work: str
    employer: str
    hours_per_week: int | None
    hazardous: bool
    action: str
    note: str


@dataclass(frozen=True)
class MarriageForm:
    """A child-marriage record: ``person_id`` is the under-age party of the book."""

    person_id: str
    marriage_date: date | None
    partner_name: str = ""
    partner_person_id: str | None = None
    partner_birth_date: date | None = None
    partner_sex: int = 3
    registered: bool = False
    handling: str = ""  # e.g. fine under NĐ 82/2020, Điều 58
    support: str = ""
    note: str = ""
    id: str | None = None


@dataclass(frozen=True)
class MarriageView:
    """A child-marriage record as shown."""

    id: str
    person_id: str
    full_name: str
    age: int  # on the marriage date
    sex: int
    hamlet_name: str
    marriage_date: date
    partner_name: str
    partner_age: int | None
    registered: bool
    handling: str
    support: str
    note: str


class LabourService:
    """Child-labour and child-marriage records."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def save_labour(self, form: LabourForm, *, confirm: bool = False) -> str:
        """Add or change a labour record; NeedsConfirmation outside ages 5–17 (R15)."""
        raise NotImplementedError

    def remove_labour(self, record_id: str, reason: str) -> None:
        """Tombstone a labour record typed in error."""
        raise NotImplementedError

    def labour_list(self, year: int | None = None) -> tuple[LabourView, ...]:
        """Labour records (of a year: those running in it), newest first."""
        raise NotImplementedError

    def save_marriage(self, form: MarriageForm) -> str:
        """Add or change a marriage record; ValidationError unless a party is under age (R16)."""
        raise NotImplementedError

    def remove_marriage(self, record_id: str, reason: str) -> None:
        """Tombstone a marriage record typed in error."""
        raise NotImplementedError

    def marriage_list(self, year: int | None = None) -> tuple[MarriageView, ...]:
        """Marriage records (of a year), newest first."""
        raise NotImplementedError
