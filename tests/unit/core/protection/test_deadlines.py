"""The case clocks: hours across midnight, working days across weekends and holidays."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from desktop.core.domain.deadlines import (
    ClockKind,
    ClockState,
    HolidayCalendar,
    add_working_days,
    case_clocks,
    plan_due,
)
from desktop.core.services import codes
from sync import clock

VN = clock.VIETNAM
SHIPPED = HolidayCalendar.of(h.day for h in codes.shipped_holidays())


def _at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def _clock(kind: ClockKind, received: datetime, now: datetime, danger: bool = True, **done):  # type: ignore[no-untyped-def]
    clocks = case_clocks(received, child_in_danger=danger, done=done, now=now, holidays=SHIPPED)
    return next(c for c in clocks if c.kind == kind)


def test_friday_17_30_before_a_holiday_monday() -> None:
    # Friday 29/08/2025, 17:30; Monday 01/09 and Tuesday 02/09/2025 are Quốc khánh days off.
    received = _at(2025, 8, 29, 17, 30)
    calendar = HolidayCalendar.of({date(2025, 9, 1), date(2025, 9, 2)})
    assert received.weekday() == 4
    # Working days: Wed 3, Thu 4, Fri 5, Mon 8, Tue 9 → due at the end of Tuesday 09/09.
    assert clock.to_local(plan_due(received, calendar)) == _at(2025, 9, 10, 0, 0)
    assert add_working_days(date(2025, 8, 29), 5, calendar) == date(2025, 9, 9)
    # Without the holidays it would have been the end of Friday 05/09.
    assert add_working_days(date(2025, 8, 29), 5, HolidayCalendar()) == date(2025, 9, 5)
    # The written report is due 24 hours later, on Saturday 17:30 (hours, not working days).
    report = _clock(ClockKind.WRITTEN_REPORT, received, _at(2025, 8, 30, 12, 0))
    assert clock.to_local(report.due_at) == _at(2025, 8, 30, 17, 30)
    assert report.state == ClockState.DUE_SOON
    assert report.left_text == "Còn 5 giờ 30 phút"


def test_friday_before_tet_in_the_shipped_calendar() -> None:
    # Friday 13/02/2026 17:30: Tết Bính Ngọ (16/02–20/02 and the compensatory days) intervenes.
    received = _at(2026, 2, 13, 17, 30)
    due_day = clock.to_local(plan_due(received, SHIPPED)).date() - timedelta(days=1)
    assert due_day.weekday() < 5 and SHIPPED.is_working_day(due_day)
    days = [
        received.date() + timedelta(days=n) for n in range(1, (due_day - received.date()).days + 1)
    ]
    assert sum(1 for d in days if SHIPPED.is_working_day(d)) == 5
    assert due_day > date(2026, 2, 20)


def test_received_at_23_50_counts_from_the_next_day() -> None:
    # Wednesday 10/06/2026 23:50: the 5 working days are Thu 11 … Wed 17 (weekend skipped).
    received = _at(2026, 6, 10, 23, 50)
    assert clock.to_local(plan_due(received, HolidayCalendar())) == _at(2026, 6, 18, 0, 0)
    report = _clock(ClockKind.WRITTEN_REPORT, received, _at(2026, 6, 11, 0, 10))
    assert clock.to_local(report.due_at) == _at(2026, 6, 11, 23, 50)
    plan = _clock(ClockKind.PLAN, received, _at(2026, 6, 11, 8, 0))
    assert plan.working_days_left == 5 and plan.state == ClockState.DUE
    assert plan.left_text == "Còn 5 ngày làm việc"


def test_the_12_hour_clock_across_midnight() -> None:
    received = _at(2026, 6, 10, 20, 15)
    at_night = _clock(ClockKind.EMERGENCY, received, _at(2026, 6, 11, 6, 0))
    assert clock.to_local(at_night.due_at) == _at(2026, 6, 11, 8, 15)
    assert at_night.state == ClockState.DUE_SOON
    assert at_night.left_text == "Còn 2 giờ 15 phút"
    late = _clock(ClockKind.EMERGENCY, received, _at(2026, 6, 11, 9, 0))
    assert late.state == ClockState.OVERDUE and late.left_text == "Quá hạn 45 phút"
    met = _clock(
        ClockKind.EMERGENCY,
        received,
        _at(2026, 6, 11, 9, 0),
        **{ClockKind.EMERGENCY: _at(2026, 6, 11, 7, 59)},
    )
    assert met.state == ClockState.DONE and not met.is_open
    done_late = _clock(
        ClockKind.EMERGENCY,
        received,
        _at(2026, 6, 11, 9, 0),
        **{ClockKind.EMERGENCY: _at(2026, 6, 11, 8, 16)},
    )
    assert done_late.state == ClockState.DONE_LATE


def test_no_emergency_clock_unless_the_child_is_in_danger() -> None:
    clocks = case_clocks(
        _at(2026, 6, 10, 9), child_in_danger=False, done={}, now=_at(2026, 6, 10, 10),
        holidays=HolidayCalendar(),
    )  # fmt: skip
    assert [c.kind for c in clocks] == [ClockKind.WRITTEN_REPORT, ClockKind.PLAN]


def test_plan_overdue_in_working_days() -> None:
    received = _at(2026, 6, 1, 9)  # Monday; due end of Monday 08/06
    plan = _clock(ClockKind.PLAN, received, _at(2026, 6, 10, 9))
    assert plan.state == ClockState.OVERDUE
    assert plan.working_days_left == -2
    assert plan.left_text == "Quá hạn 2 ngày làm việc"
    last_day = _clock(ClockKind.PLAN, received, _at(2026, 6, 8, 14))
    assert last_day.state == ClockState.DUE_SOON and last_day.working_days_left == 1
    assert last_day.left_text.startswith("Hạn cuối hôm nay")


def test_shipped_table_has_lunar_days_for_every_year() -> None:
    entries = codes.shipped_holidays()
    for year in range(2024, 2036):
        names = [e.name for e in entries if e.day.year == year]
        assert any("Giỗ Tổ" in n for n in names), year
        assert any("mùng 1" in n for n in names), year
    assert date(2030, 2, 2) in SHIPPED.days  # Tết Canh Tuất in Vietnam's calendar (UTC+7)
