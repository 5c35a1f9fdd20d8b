"""What the home screen (Trang chủ) needs from child protection, in one quick read.

``REPORTS_DUE`` is the slot the indicators work fills: functions that, given the book and
today, return the reports due soon; the home summary calls each of them.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from desktop.core.domain.dates import sixteenth_birthday
from desktop.core.domain.deadlines import ClockState
from desktop.core.domain.permissions import Action
from desktop.core.services import access
from desktop.core.services.book import Book
from desktop.core.services.book_index import latest_birth_for_age
from desktop.core.services.protection.cases import CaseClockRow, due_clocks_in
from desktop.core.services.protection.common import current_period
from desktop.core.services.protection.special import Coverage, unsupported_in
from desktop.core.storage.repositories import protection as repo
from sync import clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportDue:
    """A report to send (filled by the indicators work)."""

    title: str
    due_on: date
    state: str  # "due" | "due_soon" | "overdue" | "done"
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
        user = self._book.user
        moment = now or clock.now()
        today = clock.to_local(moment).date()
        period = current_period(today)
        overdue: tuple[CaseClockRow, ...] = ()
        soon: tuple[CaseClockRow, ...] = ()
        missing: list[str] = []
        coverage: Coverage | None = None
        turning: list[Turning16] = []
        first = today.replace(day=1)
        last = first.replace(day=calendar.monthrange(today.year, today.month)[1])
        with self._book.read() as session:
            if user.may(Action.VIEW_PROTECTION):
                clocks = due_clocks_in(session, user, moment, with_names=False)
                overdue = tuple(c for c in clocks if c.clock.state == ClockState.OVERDUE)
                soon = tuple(c for c in clocks if c.clock.state == ClockState.DUE_SOON)
                missing, total = unsupported_in(session, user, today, period)
                coverage = Coverage(total - len(missing), total, period)
            # Turning 16 in this month: born in (last - 16 years - 1 day … first - 16 years].
            for fact in repo.persons_born_between(
                session,
                latest_birth_for_age(first, 16) - timedelta(days=1),
                latest_birth_for_age(last, 16),
            ):
                birthday = sixteenth_birthday(fact.birth_date)
                if first <= birthday <= last and access.in_scope(user, fact.hamlet_id):
                    turning.append(Turning16(fact.id, fact.full_name, birthday, fact.hamlet_name))
        turning.sort(key=lambda t: (t.birthday, t.full_name))
        reports: list[ReportDue] = []
        for provider in REPORTS_DUE:
            try:
                reports.extend(provider(self._book, today))
            except Exception:  # a broken provider must not hide the rest of the home screen
                log.exception("reports-due provider failed")
        return ProtectionHome(
            today, overdue, soon, tuple(missing), coverage, tuple(turning), tuple(reports)
        )
