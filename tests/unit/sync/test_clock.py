"""The one clock: Vietnam's calendar, whatever the PC's time zone; one date format."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import select

from desktop.core.services.book import Book
from desktop.core.storage.models import CommuneSettings
from sync import clock


def test_today_is_vietnams_date_not_the_pcs() -> None:
    # 17:30 UTC on 31/12/2030 is already 00:30 on 01/01/2031 in Vietnam.
    with time_machine.travel(datetime(2030, 12, 31, 17, 30, tzinfo=UTC), tick=False):
        assert clock.today() == date(2031, 1, 1)
        assert clock.now() == datetime(2030, 12, 31, 17, 30, tzinfo=UTC)
        assert clock.local_now().hour == 0


def test_one_date_format() -> None:
    assert clock.format_date(date(2028, 2, 29)) == "29/02/2028"
    assert clock.format_date(date(987, 1, 5)) == "05/01/0987"  # padded on every platform
    assert clock.format_date(None) == ""
    utc = datetime(2026, 6, 30, 17, 5, 9, tzinfo=UTC)
    assert clock.format_datetime(utc) == "01/07/2026 00:05"
    assert clock.format_datetime(utc, seconds=True) == "01/07/2026 00:05:09"
    assert clock.format_datetime(utc.replace(tzinfo=None)) == "01/07/2026 00:05"  # naive = UTC
    assert clock.format_datetime(None) == ""


def test_local_day_start_and_as_utc() -> None:
    assert clock.local_day_start(date(2026, 7, 1)) == datetime(2026, 6, 30, 17, tzinfo=UTC)
    assert clock.as_utc(datetime(2026, 1, 1)).tzinfo is UTC


def test_the_books_timestamps_come_back_aware(book: Book) -> None:
    with book.read() as session:
        settings = session.scalars(select(CommuneSettings)).one()
        assert settings.created_at.tzinfo is not None
        assert settings.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
