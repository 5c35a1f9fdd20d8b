"""The legal clocks of an abuse or child-protection case (DOMAIN §2.3, R18), as pure functions.

Every clock starts at ``received_at``, the date and hour the commune received the information:

- the written report (báo cáo bằng văn bản) within **1 day** (24 hours; KH-HoangMai-2024, local
  rule, so the hours are a parameter);
- emergency intervention or temporary separation within **12 hours** when the child is in
  danger of serious harm (NĐ 56/2017, Điều 26);
- the intervention plan within **5 working days**: Saturdays, Sundays and the days of the
  holiday calendar do not count. The day of receipt is not counted; the plan is due at the end
  (24:00, Vietnam time) of the fifth working day after it. Whether the 5 days run from receipt
  or from the assessment is unconfirmed; this app counts from receipt (the earlier, safer one).

Times are timezone-aware; working days are judged in Vietnam's calendar (``sync.clock``).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sync import clock

WRITTEN_REPORT_HOURS = 24
EMERGENCY_HOURS = 12
PLAN_WORKING_DAYS = 5
# "Sắp đến hạn": at most this much left.
SOON_HOURS = {"written_report": 6.0, "emergency": 3.0}
SOON_WORKING_DAYS = 1


class ClockKind(enum.StrEnum):
    """The three clocks of a case."""

    WRITTEN_REPORT = "written_report"
    EMERGENCY = "emergency"
    PLAN = "plan"


CLOCK_LABELS = {
    ClockKind.WRITTEN_REPORT: "Báo cáo bằng văn bản (trong 1 ngày)",
    ClockKind.EMERGENCY: "Can thiệp khẩn cấp (trong 12 giờ)",
    ClockKind.PLAN: "Kế hoạch hỗ trợ, can thiệp (trong 5 ngày làm việc)",
}


class ClockState(enum.StrEnum):
    """Where a clock stands at a moment."""

    DONE = "done"  # the step was done by its deadline
    DONE_LATE = "done_late"  # done, after the deadline
    DUE = "due"  # still running, comfortably
    DUE_SOON = "due_soon"  # still running, little time left
    OVERDUE = "overdue"  # not done and the deadline has passed


STATE_LABELS = {
    ClockState.DONE: "Đã làm đúng hạn",
    ClockState.DONE_LATE: "Đã làm, quá hạn",
    ClockState.DUE: "Trong hạn",
    ClockState.DUE_SOON: "Sắp đến hạn",
    ClockState.OVERDUE: "Quá hạn",
}
OPEN_STATES = frozenset({ClockState.DUE, ClockState.DUE_SOON, ClockState.OVERDUE})


@dataclass(frozen=True)
class HolidayCalendar:
    """The public holidays (days off) that are not working days, besides Saturdays and Sundays."""

    days: frozenset[date] = frozenset()

    @classmethod
    def of(cls, days: Iterable[date]) -> HolidayCalendar:
        """A calendar of these days."""
        return cls(frozenset(days))

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a holiday."""
        return day.weekday() < 5 and day not in self.days


def add_working_days(start: date, count: int, holidays: HolidayCalendar) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    left = count
    while left > 0:
        day += timedelta(days=1)
        if holidays.is_working_day(day):
            left -= 1
    return day


def working_days_after(start: date, end: date, holidays: HolidayCalendar) -> int:
    """How many working days lie in (``start``, ``end``]; negative if ``end`` is before."""
    if end < start:
        return -working_days_after(end, start, holidays)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if holidays.is_working_day(day):
            count += 1
    return count


def plan_due(received_at: datetime, holidays: HolidayCalendar) -> datetime:
    """End of the fifth working day after the local day of receipt (as aware UTC)."""
    local_day = clock.to_local(received_at).date()
    last = add_working_days(local_day, PLAN_WORKING_DAYS, holidays)
    return clock.local_day_start(last + timedelta(days=1))


@dataclass(frozen=True)
class Clock:
    """One clock of a case at a moment: its deadline, whether it is met, what is left."""

    kind: ClockKind
    started_at: datetime
    due_at: datetime
    done_at: datetime | None
    state: ClockState
    hours_left: float | None  # hour clocks: negative when overdue; None when done
    # The plan clock: working days left, today included while it is one (negative: overdue).
    working_days_left: int | None

    @property
    def label(self) -> str:
        """E.g. "Can thiệp khẩn cấp (trong 12 giờ)"."""
        return CLOCK_LABELS[self.kind]

    @property
    def is_open(self) -> bool:
        """True while the step is not done."""
        return self.state in OPEN_STATES

    @property
    def left_text(self) -> str:
        """E.g. "Còn 3 giờ 20 phút", "Quá hạn 2 ngày làm việc", "Đã làm đúng hạn"."""
        if not self.is_open:
            return STATE_LABELS[self.state]
        if self.working_days_left is not None and self.state != ClockState.OVERDUE:
            hours = self.hours_left or 0.0
            if hours <= 24:
                return f"Hạn cuối hôm nay (còn {_hm(hours)})"
            return f"Còn {self.working_days_left} ngày làm việc"
        if self.working_days_left is not None:
            late = -self.working_days_left
            if late > 0:
                return f"Quá hạn {late} ngày làm việc"
            return f"Quá hạn {_hm(-(self.hours_left or 0.0))}"
        hours = self.hours_left or 0.0
        if self.state == ClockState.OVERDUE:
            return f"Quá hạn {_hm(-hours)}"
        return f"Còn {_hm(hours)}"


def _hm(hours: float) -> str:
    minutes = max(0, math.ceil(hours * 60))
    whole, rest = divmod(minutes, 60)
    if whole and rest:
        return f"{whole} giờ {rest} phút"
    if whole:
        return f"{whole} giờ"
    return f"{rest} phút"


def _state(due_at: datetime, done_at: datetime | None, now: datetime, soon: bool) -> ClockState:
    if done_at is not None:
        return ClockState.DONE if done_at <= due_at else ClockState.DONE_LATE
    if now > due_at:
        return ClockState.OVERDUE
    return ClockState.DUE_SOON if soon else ClockState.DUE


def hour_clock(
    kind: ClockKind, received_at: datetime, hours: int, done_at: datetime | None, now: datetime
) -> Clock:
    """A clock of ``hours`` hours from ``received_at``."""
    due = received_at + timedelta(hours=hours)
    left = (due - now).total_seconds() / 3600
    soon = left <= SOON_HOURS.get(kind.value, 3.0)
    state = _state(due, done_at, now, soon)
    return Clock(
        kind, received_at, due, done_at, state, None if done_at is not None else left, None
    )


def plan_clock(
    received_at: datetime, done_at: datetime | None, now: datetime, holidays: HolidayCalendar
) -> Clock:
    """The 5-working-day clock of the intervention plan."""
    due = plan_due(received_at, holidays)
    local_now = clock.to_local(now).date()
    last_day = clock.to_local(due - timedelta(seconds=1)).date()
    if now <= due:
        # Today counts while it is a working day: "Còn 1 ngày làm việc" on the last day.
        days_left: int = working_days_after(local_now - timedelta(days=1), last_day, holidays)
    else:
        days_left = -working_days_after(last_day, local_now, holidays)
    state = _state(due, done_at, now, soon=days_left <= SOON_WORKING_DAYS)
    hours_left = (due - now).total_seconds() / 3600
    return Clock(
        ClockKind.PLAN,
        received_at,
        due,
        done_at,
        state,
        None if done_at is not None else hours_left,
        None if done_at is not None else days_left,
    )


def case_clocks(
    received_at: datetime,
    *,
    child_in_danger: bool,
    done: Mapping[ClockKind, datetime | None],
    now: datetime,
    holidays: HolidayCalendar,
    written_report_hours: int = WRITTEN_REPORT_HOURS,
) -> tuple[Clock, ...]:
    """The clocks of a case at ``now``: the emergency clock only when the child is in danger."""
    clocks = [
        hour_clock(
            ClockKind.WRITTEN_REPORT,
            received_at,
            written_report_hours,
            done.get(ClockKind.WRITTEN_REPORT),
            now,
        )
    ]
    if child_in_danger:
        clocks.append(
            hour_clock(
                ClockKind.EMERGENCY,
                received_at,
                EMERGENCY_HOURS,
                done.get(ClockKind.EMERGENCY),
                now,
            )
        )
    clocks.append(plan_clock(received_at, done.get(ClockKind.PLAN), now, holidays))
    return tuple(clocks)
