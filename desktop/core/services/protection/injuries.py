"""Injuries and drownings (tai nạn, thương tích, đuối nước): dated events with cause, place,
outcome and level of treatment, for children in the book and for visiting children."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from desktop.core.services.book import Book

DROWNING_CODE = "TN05"
DEATH_OUTCOME = "KQ01"
INJURY_PLACES = {
    "home": "Tại nhà",
    "school": "Trường học",
    "road": "Đường giao thông",
    "water": "Ao, hồ, sông, suối, biển",
    "field": "Đồng ruộng, nơi làm việc",
    "public": "Nơi công cộng",
    "other": "Nơi khác",
}


@dataclass(frozen=True)
class InjuryForm:
    """An injury as typed: ``person_id`` for a child of the book, else the visitor fields."""

    occurred_on: date | None
    cause_code: str
    outcome_code: str
    treatment_code: str = ""
    occurred_time: time | None = None
    person_id: str | None = None
    visitor_name: str = ""
    visitor_age: int | None = None
    visitor_sex: int = 3
    hamlet_id: str | None = None  # where it happened (defaults to the child's hamlet)
    place_code: str = ""  # a key of INJURY_PLACES
    place: str = ""  # free text
    note: str = ""
    id: str | None = None


@dataclass(frozen=True)
class InjuryView:
    """An injury as shown."""

    id: str
    occurred_on: date
    occurred_time: time | None
    person_id: str | None
    full_name: str
    age: int | None
    sex: int
    in_book: bool
    hamlet_name: str
    cause_code: str
    cause_name: str
    outcome_code: str
    outcome_name: str
    treatment_code: str
    treatment_name: str
    place_code: str
    place: str
    note: str

    @property
    def drowning(self) -> bool:
        """Drowning is counted on its own (TN05)."""
        return self.cause_code == DROWNING_CODE


@dataclass(frozen=True)
class InjuryFilter:
    """Filters of the injury list."""

    year: int | None = None
    cause_code: str | None = None  # a parent code includes its sub-codes
    drowning_only: bool = False
    hamlet_id: str | None = None
    outcome_code: str | None = None


class InjuryService:
    """Injury events."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def save(self, form: InjuryForm) -> str:
        """Add or change an injury; ValidationError names the field."""
        raise NotImplementedError

    def remove(self, injury_id: str, reason: str) -> None:
        """Tombstone an injury typed in error."""
        raise NotImplementedError

    def list(self, filters: InjuryFilter | None = None) -> tuple[InjuryView, ...]:
        """Injuries, newest first."""
        raise NotImplementedError

    def of_child(self, person_id: str) -> tuple[InjuryView, ...]:
        """A child's injuries, newest first."""
        raise NotImplementedError
