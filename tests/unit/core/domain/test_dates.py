from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.domain.dates import (
    age_on,
    check_birth_date,
    child_birth_window,
    format_vn_date,
    is_child_on,
    parse_vn_date,
    sixteenth_birthday,
)
from desktop.core.domain.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/09/2019", date(2019, 9, 5)),
        ("5/9/2019", date(2019, 9, 5)),
        ("05092019", date(2019, 9, 5)),
        ("05-09-2019", date(2019, 9, 5)),
        (" 29.02.2020 ", date(2020, 2, 29)),
    ],
)
def test_parse_accepts_what_officers_type(text: str, expected: date) -> None:
    assert parse_vn_date(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31/02/2020", "không tồn tại"),
        ("29/02/2021", "không tồn tại"),
        ("12/13/2020", "tháng 13"),
        ("05/09/19", "4 chữ số"),
        ("hôm qua", "không đúng dạng"),
        ("", "chưa nhập"),
    ],
)
def test_parse_rejects_with_vietnamese_message(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_vn_date(text, "birth_date", "Ngày sinh")
    assert fragment in info.value.message_vi
    assert info.value.problems[0].field == "birth_date"


def test_format() -> None:
    assert format_vn_date(date(2019, 9, 5)) == "05/09/2019"
    assert format_vn_date(None) == ""


def test_age_and_sixteenth_birthday() -> None:
    birth = date(2010, 6, 15)
    assert age_on(birth, date(2026, 6, 14)) == 15
    assert age_on(birth, date(2026, 6, 15)) == 16
    assert is_child_on(birth, date(2026, 6, 14))
    assert not is_child_on(birth, date(2026, 6, 15))
    assert not is_child_on(birth, date(2010, 6, 14))  # not yet born


def test_leap_day_birthday_falls_on_28_february() -> None:
    birth = date(2012, 2, 29)
    assert sixteenth_birthday(birth) == date(2028, 2, 29)
    assert age_on(date(2008, 2, 29), date(2025, 2, 28)) == 17


def test_future_and_ancient_birth_dates_blocked() -> None:
    with pytest.raises(ValidationError, match="sau ngày hôm nay"):
        check_birth_date(date(2030, 1, 1), date(2026, 11, 22))
    with pytest.raises(ValidationError, match="quá xa"):
        check_birth_date(date(1850, 1, 1), date(2026, 11, 22))


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
       st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))  # fmt: skip
def test_birth_window_agrees_with_is_child_on(birth: date, on: date) -> None:
    lower, upper = child_birth_window(on)
    assert (lower < birth <= upper) == is_child_on(birth, on)
