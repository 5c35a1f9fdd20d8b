"""Dates as officers type them (dd/mm/yyyy or ddmmyyyy), ages and the 16th birthday."""

from __future__ import annotations

import calendar
import re
from datetime import date

from desktop.core.domain.errors import FieldProblem, ValidationError
from sync import clock

CHILD_AGE_LIMIT = 16  # Luật Trẻ em 2016, Điều 1: a child is a person under 16.
EARLIEST_BIRTH_YEAR = 1900

_SEPARATED = re.compile(r"^\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]+)\s*$")
_COMPACT = re.compile(r"^\s*([0-9]{2})([0-9]{2})([0-9]{4})\s*$")


def parse_vn_date(text: str, field: str = "date", label: str = "Ngày") -> date:
    """Parse ``dd/mm/yyyy`` (also ``d/m/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy``, ``ddmmyyyy``).

    Raises ValidationError with a Vietnamese message naming ``label``.
    """
    raw = (text or "").strip()
    if not raw:
        raise ValidationError(FieldProblem(field, f"{label}: chưa nhập (dạng dd/mm/yyyy)."))
    match = _SEPARATED.match(raw) or _COMPACT.match(raw)
    if match is None:
        raise ValidationError(
            FieldProblem(field, f"{label}: “{raw}” không đúng dạng dd/mm/yyyy, ví dụ 05/09/2019.")
        )
    day, month, year_text = (int(match.group(1)), int(match.group(2)), match.group(3))
    if len(year_text) != 4:
        raise ValidationError(
            FieldProblem(field, f"{label}: năm “{year_text}” phải đủ 4 chữ số, ví dụ 2019.")
        )
    year = int(year_text)
    if not 1 <= month <= 12:
        raise ValidationError(FieldProblem(field, f"{label}: tháng {month} không tồn tại."))
    last_day = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if year < 1 or not 1 <= day <= last_day:
        raise ValidationError(
            FieldProblem(field, f"{label}: ngày {day:02d}/{month:02d}/{year} không tồn tại.")
        )
    return date(year, month, day)


def format_vn_date(value: date | None) -> str:
    """``date(2019, 9, 5)`` → ``"05/09/2019"``; None → ``""``."""
    return clock.format_date(value)


def birthday_in(birth: date, year: int) -> date:
    """The birthday in ``year``; 29/02 falls on 28/02 in non-leap years (DOMAIN R03)."""
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, birth.month, birth.day)


def age_on(birth: date, on: date) -> int:
    """Age in completed years on ``on`` (negative if not yet born)."""
    years = on.year - birth.year
    if on < birthday_in(birth, on.year):
        years -= 1
    return years


def sixteenth_birthday(birth: date) -> date:
    """The day the person stops being a child."""
    return birthday_in(birth, birth.year + CHILD_AGE_LIMIT)


def is_child_on(birth: date, on: date) -> bool:
    """True if born on or before ``on`` and not yet 16 on ``on``."""
    return birth <= on < sixteenth_birthday(birth)


def child_birth_window(on: date) -> tuple[date, date]:
    """(exclusive lower, inclusive upper) birth-date bounds of the children alive on ``on``.

    A person is a child on ``on`` exactly when ``lower < birth <= on``; this lets a query
    select children with an index on the birth date.
    """
    try:
        lower = date(on.year - CHILD_AGE_LIMIT, on.month, on.day)
    except ValueError:  # 29/02 of a leap year whose year - 16 is not leap (e.g. 2116)
        lower = date(on.year - CHILD_AGE_LIMIT, 2, 28)
    return lower, on


def check_birth_date(
    birth: date, today: date, field: str = "birth_date", label: str = "Ngày sinh"
) -> None:
    """Block impossible birth dates: in the future, or before 1900."""
    if birth > today:
        raise ValidationError(
            FieldProblem(
                field,
                f"{label} {format_vn_date(birth)} ở sau ngày hôm nay ({format_vn_date(today)}).",
            )
        )
    if birth.year < EARLIEST_BIRTH_YEAR:
        raise ValidationError(
            FieldProblem(field, f"{label} {format_vn_date(birth)} quá xa, hãy kiểm tra lại năm.")
        )
