"""Shared fixtures: every test gets its own data folder; nothing touches the user's files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine

from sync.clock import VIETNAM

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _own_postgres_database() -> None:
    """Give each pytest-xdist worker its own scratch database (``<name>_gw0``, ``<name>_gw1``…).

    The PostgreSQL tests empty their tables before and after use, so two workers sharing one
    database would wipe each other's rows. This runs when pytest imports this file, before the
    conftests below it read ``SOTREEM_TEST_PG_URL``; the database is created if it is missing.
    """
    url = os.environ.get("SOTREEM_TEST_PG_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    params = {"host": base.host, "port": base.port, "user": base.username}
    params["password"] = base.password
    with psycopg.connect(dbname=base.database, autocommit=True, **params) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["SOTREEM_TEST_PG_URL"] = base.set(database=name).render_as_string(
        hide_password=False
    )


_own_postgres_database()

ADMIN_USER = "admin"
ADMIN_PASSWORD = "matkhau-manh-2026"


def travel_to(day: date, hour: int = 9) -> time_machine.travel:
    """A time-machine trip to ``hour`` o'clock in Vietnam on ``day``; the clock keeps ticking."""
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=VIETNAM))


@pytest.fixture(autouse=True)
def _pinned_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Set the clock before anything else of the test runs.

    ``@pytest.mark.today("2026-11-22")`` pins the day a test (or a module, with ``pytestmark``)
    depends on, so it passes on any real day. Otherwise ``SOTREEM_TEST_TODAY`` (an ISO date)
    moves the clock for the whole run: CI runs the core and service tests again on a leap day
    and on the last day of a year, so a test that silently depends on today's date shows up.
    ``2028-02-29T0`` starts at 00:00 in Vietnam, still the 28th in UTC: a test that reads the
    machine's date instead of the one clock fails there (as two did at 17:55 UTC on CI).
    """
    marker = request.node.get_closest_marker("today")
    wanted = marker.args[0] if marker else os.environ.get("SOTREEM_TEST_TODAY")
    if not wanted:
        yield
        return
    day, _, hour = wanted.partition("T")
    with travel_to(date.fromisoformat(day), int(hour or 9)):
        yield


@pytest.fixture(autouse=True)
def sotreem_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Redirect the data folder (desktop/paths.py) to a fresh temporary folder."""
    home = tmp_path / "sotreem-home"
    home.mkdir()
    monkeypatch.setenv("SOTREEM_HOME", str(home))
    monkeypatch.delenv("SOTREEM_PASSWORD", raising=False)
    return home


@pytest.fixture
def book_setup():  # type: ignore[no-untyped-def]
    """The setup form of a typical commune."""
    from desktop.core.services.book import BookSetup

    return BookSetup(
        commune_code="12345",
        commune_name="Hoàng Kim",
        province_name="Thanh Hóa",
        admin_username=ADMIN_USER,
        admin_full_name="Nguyễn Văn Quản",
        admin_password=ADMIN_PASSWORD,
    )


@pytest.fixture
def book(book_setup):  # type: ignore[no-untyped-def]
    """A new, empty, open book in the temporary data folder."""
    from desktop.core.services.book import create_book

    opened, _recovery = create_book(book_setup)
    yield opened
    opened.close()


@pytest.fixture
def hamlet_id(book) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """One hamlet in the book."""
    from desktop.core.services.households import HouseholdService

    yield HouseholdService(book).add_hamlet("Thôn Đông").id
