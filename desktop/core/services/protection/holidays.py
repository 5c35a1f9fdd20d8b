"""The holiday calendar the working-day clocks skip: the shipped table
(``resources/codes/holidays.csv``, 2024–2035, lunar Tết and Giỗ Tổ dates looked up, not computed)
plus the administrator's changes kept in the book (days added, shipped days removed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy.orm import Session

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.deadlines import HolidayCalendar
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.domain.text import clean_text
from desktop.core.services import codes
from desktop.core.services.book import Book
from desktop.core.storage.models import HolidayChange
from desktop.core.storage.repositories import protection as repo


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
        with self._book.read() as session:
            return calendar_of(session)

    def list(self, year: int) -> tuple[HolidayRow, ...]:
        """The year's days (including removed shipped ones), in date order."""
        with self._book.read() as session:
            changes = {c.day: c for c in repo.holiday_changes(session)}
        rows: dict[date, HolidayRow] = {}
        for entry in codes.shipped_holidays():
            if entry.day.year == year:
                change = changes.get(entry.day)
                source = "removed" if change is not None and not change.day_off else "builtin"
                rows[entry.day] = HolidayRow(entry.day, entry.name, source)
        for day, change in changes.items():
            if day.year == year and change.day_off:
                rows[day] = HolidayRow(day, change.name, "added")
        return tuple(rows[d] for d in sorted(rows))

    def add(self, day: date, name: str) -> None:
        """Make ``day`` a day off (e.g. a swapped working day decided this year)."""
        self._book.user.require(Action.SETTINGS)
        text = clean_text(name)
        if not text:
            raise ValidationError(FieldProblem("name", "Hãy ghi tên ngày nghỉ."))
        with self._book.transaction() as session:
            row = session.get(HolidayChange, day)
            shipped = day in _shipped_days()
            if shipped:
                if row is not None:
                    session.delete(row)
                return
            if row is None:
                session.add(HolidayChange(day=day, name=text, day_off=True))
            else:
                row.name, row.day_off = text, True

    def remove(self, day: date) -> None:
        """Make ``day`` a working day again (a shipped day is marked removed)."""
        self._book.user.require(Action.SETTINGS)
        with self._book.transaction() as session:
            row = session.get(HolidayChange, day)
            if day in _shipped_days():
                if row is None:
                    session.add(HolidayChange(day=day, name="", day_off=False))
                else:
                    row.day_off = False
            elif row is not None:
                session.delete(row)
            else:
                raise ValidationError(
                    FieldProblem("day", f"Ngày {format_vn_date(day)} không có trong lịch nghỉ.")
                )


@cache
def _shipped_days() -> frozenset[date]:
    return frozenset(entry.day for entry in codes.shipped_holidays())


def calendar_of(session: Session) -> HolidayCalendar:
    """The shipped days with the book's changes."""
    days = set(_shipped_days())
    for change in repo.holiday_changes(session):
        if change.day_off:
            days.add(change.day)
        else:
            days.discard(change.day)
    return HolidayCalendar(frozenset(days))
