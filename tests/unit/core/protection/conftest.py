"""Fixtures of the child-protection tests: a small commune typed through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest
import time_machine

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book, open_book
from desktop.core.services.children import ChildForm
from desktop.core.services.households import HouseholdForm, HouseholdService
from desktop.core.services.users import NewUser, UserService
from sync import clock

TODAY = date(2026, 6, 30)
OTHER_PASSWORD = "mat-khau-rieng-77"


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    """Every test of this folder runs on 30/06/2026, 09:00 in Vietnam."""
    with time_machine.travel(datetime(2026, 6, 30, 9, tzinfo=clock.VIETNAM), tick=False):
        yield


@dataclass(frozen=True)
class Commune:
    """Ids of the small commune: two hamlets, a poor and a non-poor household."""

    east: str
    west: str
    poor_household: str
    other_household: str
    an: str  # born 2015-03-10, poor household, East
    binh: str  # born 2012-07-05, poor household, East, dropped out (HT08)
    chi: str  # born 2018-01-20, other household, West, disability DT01
    dung: str  # born 2010-07-15 (16 on 2026-07-15), other household, West
    en: str  # born 2009-03-01, 17, other household (no longer a child)
    gau: str  # born 2023-05-01, 3, other household
    lon: str  # born 2000-01-01, 26, other household (an adult)


def _save(book: Book, hamlet: str, number: str, head: str, poverty: str, *kids: ChildForm) -> str:
    form = HouseholdForm(
        hamlet_id=hamlet, number=number, head_name=head, children=list(kids), poverty_code=poverty
    )
    return HouseholdService(book).save_household(form, today=TODAY, accept_warnings=True)


def _ids(book: Book, household_id: str) -> dict[str, str]:
    form = HouseholdService(book).get_household(household_id)
    return {c.full_name: c.id or "" for c in form.children}


@pytest.fixture
def commune(book: Book) -> Commune:
    """Four children in two households of two hamlets."""
    households = HouseholdService(book)
    east = households.add_hamlet("Thôn Đông").id
    west = households.add_hamlet("Thôn Tây").id
    poor = _save(
        book,
        east,
        "1",
        "Lê Văn Hộ",
        "HN01",
        ChildForm(full_name="Lê Văn An", birth_date=date(2015, 3, 10), sex=1),
        ChildForm(
            full_name="Lê Thị Bình", birth_date=date(2012, 7, 5), sex=2, schooling_code="HT08"
        ),
    )
    other = _save(
        book,
        west,
        "2",
        "Phạm Văn Chủ",
        "HN03",
        ChildForm(
            full_name="Phạm Minh Chi", birth_date=date(2018, 1, 20), sex=2, disability_code="DT01"
        ),
        ChildForm(full_name="Phạm Văn Dũng", birth_date=date(2010, 7, 15), sex=1),
        ChildForm(full_name="Phạm Thị Én", birth_date=date(2009, 3, 1), sex=2),
        ChildForm(full_name="Phạm Văn Gấu", birth_date=date(2023, 5, 1), sex=1),
        ChildForm(
            full_name="Phạm Văn Lớn", birth_date=date(2000, 1, 1), sex=1, relation_code="QH05"
        ),
    )
    a, b = _ids(book, poor), _ids(book, other)
    return Commune(
        east, west, poor, other, a["Lê Văn An"], a["Lê Thị Bình"], b["Phạm Minh Chi"],
        b["Phạm Văn Dũng"], b["Phạm Thị Én"], b["Phạm Văn Gấu"], b["Phạm Văn Lớn"],
    )  # fmt: skip


@pytest.fixture
def login_as(book: Book) -> Iterator[Callable[..., Book]]:
    """Add a person with ``role`` (and hamlets) and return the book opened as them."""
    opened: list[Book] = []

    def make(username: str, role: Role, hamlet_ids: tuple[str, ...] = ()) -> Book:
        UserService(book).add_user(
            NewUser(username, f"Người {username}", role, OTHER_PASSWORD, hamlet_ids)
        )
        other = open_book(username, OTHER_PASSWORD)
        opened.append(other)
        return other

    yield make
    for other in opened:
        other.close()
