"""The one clock: every "today" and "now" in ``desktop/`` and ``sync/`` comes from here.

Product code never calls ``date.today()``, ``datetime.now()`` or ``time.time()`` for a decision
(ruff's banned-API rule, TID251, keeps it so; this module is the one allowed place). Tests move
the clock with ``time-machine``, which patches what this module reads, so a test pins the day
it depends on and passes on any day of any year.

The app's calendar is Vietnam's: a commune's "today", a case's received-at hour and a report's
date are in Indochina Time (UTC+7, no daylight saving), whatever time zone the PC was set to.
Instants are stored and sent in UTC, time-zone aware.

It lives in ``sync`` (the package the desktop and the server share, like ``sync.protocol``)
because ``sync`` must never import ``desktop``.
"""

from __future__ import annotations

import time as _time
from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "ICT")
"""Vietnam's time zone (Indochina Time, UTC+7, no daylight saving)."""


def now() -> datetime:
    """This instant, in UTC, time-zone aware."""
    return datetime.now(UTC)


def local_now() -> datetime:
    """This instant on Vietnam's clock (aware, UTC+7)."""
    return now().astimezone(VIETNAM)


def today() -> date:
    """Today's date in Vietnam."""
    return local_now().date()


def timestamp() -> float:
    """Seconds since the epoch (for expiry stamps and file times, not for measuring durations)."""
    return _time.time()


def monotonic() -> float:
    """A clock for measuring durations and timeouts; never a date."""
    return _time.monotonic()


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC instant; a naive value is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    """``value`` on Vietnam's clock; a naive value is taken to be UTC."""
    return as_utc(value).astimezone(VIETNAM)


def local_day_start(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in Vietnam."""
    return datetime(day.year, day.month, day.day, tzinfo=VIETNAM).astimezone(UTC)


def format_date(value: date | None) -> str:
    """A date as officers write it, dd/mm/yyyy ("" for None): the one date format."""
    return "" if value is None else f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def format_datetime(value: datetime | None, *, seconds: bool = False) -> str:
    """An instant on Vietnam's clock, dd/mm/yyyy HH:MM[:SS] ("" for None)."""
    if value is None:
        return ""
    local = to_local(value)
    clock_text = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{format_date(local.date())} {clock_text}"
