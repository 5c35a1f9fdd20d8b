"""A commune with children for the protection screens, on a fixed day travelled to."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime

import pytest
import time_machine

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from sync import clock

# Friday 17:30, Vietnam time: the intake tests count working days from here.
NOW = datetime(2026, 9, 18, 17, 30, tzinfo=clock.VIETNAM)


@pytest.fixture
def on_day() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def children(on_day: None, book: Book, hamlet_id: str) -> dict[str, str]:
    """Four children of two households; name → person id."""
    service = HouseholdService(book)
    first = service.save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Bình",
            children=[
                ChildForm("Nguyễn Văn An", date(2015, 3, 2), 1, birth_registered=True),
                ChildForm("Nguyễn Thị Ánh", date(2018, 7, 9), 2, birth_registered=True),
            ],
        ),
        accept_warnings=True,
    )
    second = service.save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="2",
            head_name="Trần Đức Hải",
            children=[
                ChildForm("Trần Văn Cường", date(2013, 1, 20), 1, birth_registered=True),
                ChildForm("Trần Thị Dung", date(2020, 11, 5), 2, birth_registered=True),
            ],
        ),
        accept_warnings=True,
    )
    ids: dict[str, str] = {}
    for household in (first, second):
        for child in service.get_household(household).children:
            ids[child.full_name] = child.id or ""
    return ids


def as_role(book: Book, role: Role) -> None:
    """The open book, as seen by ``role`` (the same rules the services apply)."""
    book.user = dataclasses.replace(book.user, role=role)
