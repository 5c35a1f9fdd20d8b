"""Vietnamese number and date formats."""

from __future__ import annotations

import datetime
import unicodedata

import pytest

from desktop.core.reports.formatting import vn_int, vn_long_date, vn_short_date


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0"),
        (7, "7"),
        (999, "999"),
        (1000, "1.000"),
        (1234, "1.234"),
        (100000, "100.000"),
        (1234567, "1.234.567"),
        (-1234, "-1.234"),
    ],
)
def test_vn_int_groups_thousands_with_dots(n: int, expected: str) -> None:
    assert vn_int(n) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (datetime.date(2026, 6, 30), "30/06/2026"),
        (datetime.date(2026, 1, 5), "05/01/2026"),
        (datetime.date(2026, 12, 31), "31/12/2026"),
    ],
)
def test_vn_short_date_is_zero_padded_day_month_year(d: datetime.date, expected: str) -> None:
    assert vn_short_date(d) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (datetime.date(2026, 5, 8), "Hoàng Kim, ngày 08 tháng 5 năm 2026"),
        (datetime.date(2026, 2, 5), "Hoàng Kim, ngày 05 tháng 02 năm 2026"),
        (datetime.date(2026, 1, 31), "Hoàng Kim, ngày 31 tháng 01 năm 2026"),
        (datetime.date(2026, 11, 15), "Hoàng Kim, ngày 15 tháng 11 năm 2026"),
        (datetime.date(2026, 12, 9), "Hoàng Kim, ngày 09 tháng 12 năm 2026"),
        (datetime.date(2026, 3, 1), "Hoàng Kim, ngày 01 tháng 3 năm 2026"),
        (datetime.date(2026, 10, 10), "Hoàng Kim, ngày 10 tháng 10 năm 2026"),
    ],
)
def test_vn_long_date_pads_days_below_10_and_months_1_and_2(
    d: datetime.date, expected: str
) -> None:
    assert vn_long_date("Hoàng Kim", d) == expected


def test_vn_long_date_returns_nfc_for_a_decomposed_place() -> None:
    place = unicodedata.normalize("NFD", "Đắk Mơ")
    assert place != "Đắk Mơ"
    result = vn_long_date(place, datetime.date(2026, 7, 3))
    assert result == "Đắk Mơ, ngày 03 tháng 7 năm 2026"
    assert unicodedata.is_normalized("NFC", result)


def test_vn_long_date_without_place_starts_with_capital() -> None:
    assert vn_long_date("  ", datetime.date(2026, 5, 8)) == "Ngày 08 tháng 5 năm 2026"
