"""What the home screen (Trang chủ) needs from child protection, in one quick read.

``REPORTS_DUE`` is the slot the indicators work fills: functions that, given the book and
today, return the reports due soon; the home summary calls each of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from desktop.core.services.book import Book
from desktop.core.services.protection.cases import CaseClockRow
from desktop.core.services.protection.special import Coverage


@dataclass(frozen=True)
class ReportDue:
    """A report to send (filled by the indicators work)."""

    title: str
    due_on: date
    state: str  # "due" | "due_soon" | "overdue"
    area: str = "reports"
    key: str = ""


REPORTS_DUE: list[Callable[[Book, date], tuple[ReportDue, ...]]] = []
"""Providers of the "reports due" lines; the indicators work appends one."""


@dataclass(frozen=True)
class Turning16:
    """A child whose 16th birthday falls in this month."""

    person_id: str
    full_name: str
    birthday: date
    hamlet_name: str


@dataclass(frozen=True)
class ProtectionHome:
    """The protection lines of the home screen (each opens its list)."""

    today: date
    overdue: tuple[CaseClockRow, ...]  # open clocks past their deadline
    due_soon: tuple[CaseClockRow, ...]  # open clocks close to it
    unsupported_ids: tuple[str, ...]  # HCĐB children with no support this period
    coverage: Coverage | None  # None for roles without VIEW_PROTECTION
    turning16: tuple[Turning16, ...]
    reports_due: tuple[ReportDue, ...]

    @property
    def unsupported_count(self) -> int:
        """How many children in special circumstances have no support this period."""
        return len(self.unsupported_ids)


class ProtectionHomeService:
    """The home-screen summary."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def summary(self, now: datetime | None = None) -> ProtectionHome:
        """Everything above at ``now`` (default: the clock); lines the role may not see: empty."""
        raise NotImplementedError
