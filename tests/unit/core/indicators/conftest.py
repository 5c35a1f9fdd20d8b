"""A small hand-made book whose every indicator is counted by hand (see test_counting.py).

Reference date of 2026-H1 (default calendar): 30/04/2026; period 01/01/2026–30/04/2026.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import time_machine

from sync import clock

T = date(2026, 4, 30)


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 6, 30, 9, tzinfo=clock.VIETNAM), tick=False):
        yield


@pytest.fixture
def small_book(book: Any, hamlet_id: str, frozen: None) -> dict[str, str]:
    """Children A…L (see the module docstring of test_counting.py); name → id."""
    from desktop.core.services.children import ChildForm
    from desktop.core.services.events import EventForm, EventService
    from desktop.core.services.households import HouseholdForm, HouseholdService
    from desktop.core.storage.models import Person, SpecialEpisode

    hs = HouseholdService(book)
    kids = [
        ChildForm("Bé A", date(2010, 4, 30), 1),
        ChildForm("Bé B", date(2010, 5, 1), 2, schooling_code="HT05"),
        ChildForm(
            "Bé C",
            date(2021, 4, 30),
            1,
            birth_registered=True,
            birth_registration_date=date(2021, 5, 10),
            insurance_number="HS4010000000001",
            schooling_code="HT03",
        ),
        ChildForm(
            "Bé D",
            date(2021, 5, 1),
            2,
            birth_registered=True,
            birth_registration_date=date(2021, 6, 1),
            insurance_number="HS4010000000002",
            insurance_valid_until=date(2026, 12, 31),
            schooling_code="HT01",
        ),
        ChildForm(
            "Bé E",
            date(2024, 1, 1),
            3,
            birth_registered=False,
            insurance_number="HS4010000000003",
            insurance_valid_until=date(2026, 3, 31),
            schooling_code="HT02",
        ),
        ChildForm("Bé G", date(2015, 1, 1), 1),
        ChildForm("Bé H", date(2018, 1, 1), 2),
        ChildForm("Bé I", date(2019, 1, 1), 1),
        ChildForm("Bé J", date(2012, 6, 1), 1),
        ChildForm("Bé K", date(2013, 6, 1), 2),
        ChildForm("Bé L", date(2014, 6, 1), 1),
    ]
    hs.save_household(
        HouseholdForm(hamlet_id=hamlet_id, number="1", head_name="Hà Văn Chủ", children=kids),
        today=date(2026, 1, 2),
        accept_warnings=True,
    )
    hs.save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="2",
            head_name="Lò Văn Mới",
            children=[
                ChildForm("Bé F", date(2022, 2, 1), 1, entry_event="BD02", entry_place="Xã Bên")
            ],
        ),
        today=date(2026, 5, 15),
        accept_warnings=True,
    )
    with book.read() as session:
        ids = {p.full_name.split()[-1]: p.id for p in session.query(Person).all()}
    ev = EventService(book)
    ev.record(EventForm("BD03", date(2026, 3, 10), ids["J"], place="Hà Nội"), today=T)
    ev.record(
        EventForm("BD03", date(2026, 5, 10), ids["K"], place="Hà Nội"), today=date(2026, 6, 1)
    )
    ev.record(EventForm("BD04", T, ids["L"], cause="Bệnh"), today=T)
    with book.transaction() as session:
        session.add_all(
            [
                SpecialEpisode(person_id=ids["G"], group_no=4, start_date=date(2020, 1, 1)),
                SpecialEpisode(person_id=ids["G"], group_no=5, start_date=date(2022, 1, 1)),
                SpecialEpisode(
                    person_id=ids["H"],
                    group_no=9,
                    start_date=date(2026, 1, 1),
                    end_date=date(2026, 3, 15),
                ),
                SpecialEpisode(person_id=ids["I"], group_no=10, start_date=date(2026, 5, 1)),
            ]
        )
    return ids
