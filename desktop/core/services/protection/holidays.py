"""The holiday calendar the working-day clocks skip: the shipped table
(``resources/codes/holidays.csv``, 2024–2035, lunar Tết and Giỗ Tổ dates looked up, not computed)
plus the administrator's changes kept in the book (days added, shipped days removed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.core.domain.deadlines import HolidayCalendar
from desktop.core.services.book import Book


@dataclass(frozen=True)
class HolidayRow:
    """A day off, where it comes from and whether it counts."""

    day: date
    name: str
    source: str  # "builtin" | "added" | "removed"

    @property
    def is_day_off(self) -> bool:
        """False for a shipped day the administrator removed."""
        return self.source != "removed"


class HolidayService:
    """Reads and edits the holiday calendar (edits: administrator, SETTINGS)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def calendar(self) -> HolidayCalendar:
        """The days off now in force."""
        raise NotImplementedError

    def list(self, year: int) -> tuple[HolidayRow, ...]:
        """The year's days (including removed shipped ones), in date order."""
        raise NotImplementedError

    def add(self, day: date, name: str) -> None:
        """Make ``day`` a day off (e.g. a swapped working day decided this year)."""
        raise NotImplementedError

    def remove(self, day: date) -> None:
        """Make ``day`` a working day again (a shipped day is marked removed)."""
        raise NotImplementedError
