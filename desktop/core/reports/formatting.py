"""Vietnamese number and date formats used in printed reports."""

from __future__ import annotations

import datetime

from desktop.core.domain.text import nfc

# The national title and motto at the head of every official paper and exported list.
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def vn_int(n: int) -> str:
    """Format an integer with "." as the thousands separator (1234567 → "1.234.567")."""
    return f"{n:,}".replace(",", ".")


def vn_short_date(d: datetime.date) -> str:
    """Format a date as dd/mm/yyyy (e.g. "30/06/2026")."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def vn_long_date(place: str, d: datetime.date) -> str:
    """The place-and-date line of an official document ("Hoàng Kim, ngày 08 tháng 5 năm 2026")."""
    # NĐ 30/2020: days below 10 and the months 1 and 2 take a leading zero; other months do not.
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    date_part = f"ngày {d.day:02d} tháng {month} năm {d.year}"
    place = nfc(place).strip()
    if not place:
        return date_part[0].upper() + date_part[1:]
    return f"{place}, {date_part}"
