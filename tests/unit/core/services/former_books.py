"""Books of former communes for the merge tests: made with the demo generator, backed up.

A former book is created in a data folder of its own (the app knows one book per folder),
filled with a synthetic commune, given a few children that the new commune's book also
holds, backed up to a ``.stebak`` file, and closed; the test's own data folder is put back.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.core.domain.collation_text import name_sort_text
from desktop.core.domain.text import fold
from desktop.core.services.backup import BackupService
from desktop.core.services.book import Book, BookSetup, create_book
from desktop.core.services.demo import populate_demo
from desktop.core.services.duplicates import DuplicateService
from desktop.core.storage.base import Base
from desktop.core.storage.models import (
    ConsentRecord,
    GuardianLink,
    Hamlet,
    Injury,
    LabourRecord,
    MarriageRecord,
    Person,
    RiskCategory,
    Support,
)
from sync import clock

FORMER_PASSWORD = "matkhau-xa-cu-2025"
FORMER_ADMIN = "canbo"


@dataclass(frozen=True)
class SharedChild:
    """A child of the former book that the new book holds too, as the former book has it."""

    former_id: str
    full_name: str
    birth_date: date
    sex: int
    id_number: str | None  # set: found by the ID; None: by name, birth date and a parent
    parents: tuple[str, ...]


@dataclass(frozen=True)
class FormerBackup:
    """A former commune's backup and what opens it."""

    path: Path
    recovery_code: str
    commune_code: str
    commune_name: str
    counts: dict[str, int]  # rows per table of the former book, tombstones included
    shared: tuple[SharedChild, ...]

    def digest(self) -> str:
        """SHA-256 of the backup file (the merge must never change it)."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def table_counts(book: Book) -> dict[str, int]:
    """Rows of every table of ``book``."""
    with book.read() as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
        }


def make_former_backup(
    monkeypatch: pytest.MonkeyPatch,
    where: Path,
    *,
    code: str,
    name: str,
    seed: int,
    children: int = 200,
    shared: int = 2,
    before_backup: Callable[[Book], None] | None = None,
) -> FormerBackup:
    """A former commune's book, backed up into ``where``; the caller's data folder is kept.

    ``before_backup`` runs on the filled book just before its backup (e.g. a sync upstream).
    """
    home_before = os.environ["SOTREEM_HOME"]
    home = where / f"nha-{code}-{seed}"
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
            populate_demo(book, children, seed=seed)
            add_records_of_every_kind(book)
            found = shared_children(book, shared)
            if before_backup is not None:
                before_backup(book)
            counts = table_counts(book)
            info = BackupService(book).backup_now(where / f"sao-luu-{code}-{seed}")
        finally:
            book.close()
    finally:
        monkeypatch.setenv("SOTREEM_HOME", home_before)
    return FormerBackup(info.path, recovery, code, name, counts, found)


def add_records_of_every_kind(book: Book) -> None:
    """Rows for the tables the generator leaves empty, on the first child with an ID number
    (who is also one of the shared children), and a duplicate merged in the former book."""
    today = clock.today()
    with book.transaction() as session:
        child = session.scalars(
            select(Person)
            .where(Person.deleted.is_(False), Person.id_number.is_not(None))
            .order_by(Person.id)
        ).first()
        hamlet = session.scalars(select(Hamlet).order_by(Hamlet.name)).first()
        assert child is not None and hamlet is not None
        session.add_all(
            [
                RiskCategory(code="NC99", name="Nguy cơ riêng của xã cũ"),
                LabourRecord(person_id=child.id, start_date=today - timedelta(days=40)),
                MarriageRecord(person_id=child.id, marriage_date=today - timedelta(days=30)),
                ConsentRecord(person_id=child.id, purpose="support", given_on=today),
                Support(person_id=child.id, support_code="TG01", given_on=today),
                Injury(
                    person_id=None,
                    visitor_name="Khách vãng lai",
                    hamlet_id=hamlet.id,
                    occurred_on=today - timedelta(days=3),
                    cause_code="TN01",
                    outcome_code="KQ01",
                ),
            ]
        )
        twin = Person(
            household_id=child.household_id,
            full_name=child.full_name,
            name_key=child.name_key,
            name_sort_key=child.name_sort_key,
            birth_date=child.birth_date,
            sex=child.sex,
        )
        session.add(twin)
        session.flush()
        kept, removed = child.id, twin.id
    DuplicateService(book).merge(kept, removed, {})


def shared_children(book: Book, each: int) -> tuple[SharedChild, ...]:
    """``each`` children with an ID number and ``each`` known by name, birth and a parent."""
    with book.read() as session:
        with_id = session.scalars(
            select(Person)
            .where(Person.deleted.is_(False), Person.id_number.is_not(None))
            .order_by(Person.id)
            .limit(each)
        ).all()
        parented = session.scalars(
            select(Person)
            .where(
                Person.deleted.is_(False),
                Person.id_number.is_(None),
                Person.id.in_(select(GuardianLink.child_id).where(GuardianLink.full_name != "")),
            )
            .order_by(Person.id)
            .limit(each)
        ).all()
        found = []
        for person in [*with_id, *parented]:
            parents = tuple(
                link.full_name
                for link in session.scalars(
                    select(GuardianLink).where(GuardianLink.child_id == person.id)
                )
                if link.full_name
            )
            found.append(
                SharedChild(
                    person.id,
                    person.full_name,
                    person.birth_date,
                    person.sex,
                    person.id_number,
                    parents if person.id_number is None else (),
                )
            )
    return tuple(found)


def add_shared_children(book: Book, children: tuple[SharedChild, ...]) -> list[str]:
    """Put the ``children`` into ``book`` too (typed there by its own officer): their ids."""
    ids = []
    with book.transaction() as session:
        for child in children:
            person = Person(
                household_id=None,
                full_name=child.full_name,
                name_key=fold(child.full_name),
                name_sort_key=name_sort_text(child.full_name),
                birth_date=child.birth_date,
                sex=child.sex,
                id_number=child.id_number,
            )
            session.add(person)
            session.flush()
            for parent in child.parents[:1]:
                session.add(GuardianLink(child_id=person.id, role="mother", full_name=parent))
            ids.append(person.id)
    return ids
