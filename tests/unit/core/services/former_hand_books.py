"""Two small former books made by hand and brought into the new commune's book (issue 17).

Every child is named so each report's answer can be counted on one's fingers:

- the new commune Hoàng Kim (12345), its own part ("the rest of the book"): household R1 with
  ``rest`` (born 2015);
- the former Minh Hưng (11111): household A1 with ``a1`` (2018), ``a2`` (2012), ``twin`` (2016,
  ID number 036216000777) and ``late`` (born 2025, after the 2024 report); household A2 with
  ``mover`` (2020), who moved out to Tân Lập on 01/06/2024 (BD03);
- the former Tân Lập (22222): household B1 with ``b1`` (2019), the same ``twin`` (same ID
  number: a duplicate of both books) and ``mover``, come on 03/06/2024 (BD01), the same child
  as Minh Hưng's by name, birth date and mother.

Minh Hưng comes in first, then Tân Lập, whose two shared children are confirmed as the same
children as Minh Hưng's (the records of the book are kept, Tân Lập's folded into them).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from desktop.core.domain.collation_text import name_sort_text
from desktop.core.domain.text import fold
from desktop.core.services.backup import BackupService
from desktop.core.services.book import Book, BookSetup, create_book
from desktop.core.services.merge_book import MergeBookService
from desktop.core.storage.models import ChangeEvent, GuardianLink, Hamlet, Household, Person
from tests.unit.core.services.former_books import FORMER_ADMIN, FORMER_PASSWORD

TWIN_ID_NUMBER = "036216000777"


def add_household(session: Session, hamlet_name: str, number: str, head: str) -> str:
    """A hamlet (or the one of that name) and a household in it: the household's id."""
    hamlet = next(
        (
            h
            for h in session.query(Hamlet).filter(Hamlet.name_key == fold(hamlet_name))
            if not h.deleted
        ),
        None,
    )
    if hamlet is None:
        hamlet = Hamlet(name=hamlet_name, name_key=fold(hamlet_name))
        session.add(hamlet)
        session.flush()
    household = Household(
        hamlet_id=hamlet.id, number=number, head_name=head, head_name_key=fold(head)
    )
    session.add(household)
    session.flush()
    return household.id


def add_child(
    session: Session,
    household_id: str,
    name: str,
    born: date,
    *,
    sex: int = 1,
    id_number: str | None = None,
    mother: str = "",
    status: str = "active",
    status_date: date | None = None,
) -> str:
    """A child of ``household_id``: the person's id."""
    person = Person(
        household_id=household_id,
        full_name=name,
        name_key=fold(name),
        name_sort_key=name_sort_text(name),
        birth_date=born,
        sex=sex,
        id_number=id_number,
        status=status,
        status_date=status_date,
    )
    session.add(person)
    session.flush()
    if mother:
        session.add(GuardianLink(child_id=person.id, role="mother", full_name=mother))
    return person.id


def add_event(session: Session, person_id: str, household_id: str, code: str, day: date) -> None:
    """An entry or exit of the child, recorded in ``household_id``."""
    session.add(
        ChangeEvent(
            event_code=code,
            event_date=day,
            person_id=person_id,
            household_id=household_id,
            place="xã khác",
        )
    )


@dataclass(frozen=True)
class HandBook:
    """A former commune's backup and what opens it."""

    path: Path
    recovery_code: str
    ids: dict[str, str]  # name in the module docstring → person id in that book


def make_hand_backup(
    monkeypatch: pytest.MonkeyPatch,
    where: Path,
    code: str,
    name: str,
    fill: Callable[[Session], dict[str, str]],
) -> HandBook:
    """A former commune's book filled by ``fill``, backed up; the caller's data folder kept."""
    home_before = os.environ["SOTREEM_HOME"]
    home = where / f"nha-{code}"
    home.mkdir(parents=True)
    monkeypatch.setenv("SOTREEM_HOME", str(home))
    try:
        book, recovery = create_book(
            BookSetup(
                commune_code=code,
                commune_name=name,
                province_name="Thanh Hóa",
                admin_username=FORMER_ADMIN,
                admin_full_name="Lê Thị Cũ",
                admin_password=FORMER_PASSWORD,
            )
        )
        try:
            with book.transaction() as session:
                ids = fill(session)
            info = BackupService(book).backup_now(where / f"sao-luu-{code}")
        finally:
            book.close()
    finally:
        monkeypatch.setenv("SOTREEM_HOME", home_before)
    return HandBook(info.path, recovery, ids)


def _minh_hung(session: Session) -> dict[str, str]:
    a1 = add_household(session, "Thôn 1", "01", "Trần Văn Một")
    a2 = add_household(session, "Thôn 1", "02", "Lò Văn Hai")
    ids = {
        "a1": add_child(session, a1, "Trần Thị An", date(2018, 3, 1), sex=2),
        "a2": add_child(session, a1, "Trần Văn Bình", date(2012, 6, 1)),
        "twin": add_child(session, a1, "Trần Văn Song", date(2016, 4, 4), id_number=TWIN_ID_NUMBER),
        "late": add_child(session, a1, "Trần Thị Muộn", date(2025, 2, 1), sex=2),
        "mover": add_child(
            session,
            a2,
            "Lò Văn Chuyển",
            date(2020, 1, 10),
            mother="Lò Thị Mẹ",
            status="moved_out",
            status_date=date(2024, 6, 1),
        ),
    }
    add_event(session, ids["mover"], a2, "BD03", date(2024, 6, 1))
    return ids


def _tan_lap(session: Session) -> dict[str, str]:
    b1 = add_household(session, "Thôn Bắc", "01", "Hà Văn Ba")
    ids = {
        "b1": add_child(session, b1, "Hà Thị Bống", date(2019, 9, 9), sex=2),
        "twin": add_child(session, b1, "Trần Văn Song", date(2016, 4, 4), id_number=TWIN_ID_NUMBER),
        "mover": add_child(session, b1, "Lò Văn Chuyển", date(2020, 1, 10), mother="Lò Thị Mẹ"),
    }
    add_event(session, ids["mover"], b1, "BD01", date(2024, 6, 3))
    return ids


@dataclass(frozen=True)
class MergedBook:
    """The new commune's book after both former books came in; the children's ids in it."""

    book: Book
    ids: dict[str, str]
    households: dict[str, str]  # R1, A1, A2, B1 → household id


def merge_two_former_books(book: Book, monkeypatch: pytest.MonkeyPatch, where: Path) -> MergedBook:
    """Fill the new commune's own part, then bring Minh Hưng's and Tân Lập's books in."""
    with book.transaction() as session:
        r1 = add_household(session, "Thôn Đông", "01", "Nguyễn Văn Riêng")
        own = add_child(session, r1, "Nguyễn Văn Riêng Con", date(2015, 5, 1))
    minh_hung = make_hand_backup(monkeypatch, where, "11111", "Minh Hưng", _minh_hung)
    tan_lap = make_hand_backup(monkeypatch, where, "22222", "Tân Lập", _tan_lap)
    service = MergeBookService(book)
    with service.open(minh_hung.path, secret=minh_hung.recovery_code) as opened:
        assert service.preview(opened).duplicates == ()
        service.apply(opened, None)
    with service.open(tan_lap.path, secret=tan_lap.recovery_code) as opened:
        pairs = [(d.existing_id, d.incoming_id) for d in service.preview(opened).duplicates]
        assert sorted(pairs) == sorted(
            [
                (minh_hung.ids["twin"], tan_lap.ids["twin"]),
                (minh_hung.ids["mover"], tan_lap.ids["mover"]),
            ]
        )
        service.apply(opened, None, pairs)
    with book.read() as session:
        households = {
            "R1": r1,
            **{
                key: str(session.get(Person, minh_hung.ids[child]).household_id)  # type: ignore[union-attr]
                for key, child in (("A1", "a1"), ("A2", "mover"))
            },
            "B1": str(session.get(Person, tan_lap.ids["b1"]).household_id),  # type: ignore[union-attr]
        }
    ids = {"rest": own, **minh_hung.ids, "b1": tan_lap.ids["b1"]}
    return MergedBook(book, ids, households)
