"""One reading of the book serves the screen's "Tính", its drill-downs and the files written
after it — and any commit in between makes the next number come from the book again."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from desktop.core.services.indicators import IndicatorService
from desktop.core.storage.models import AuditEntry, Person
from desktop.core.storage.repositories import indicators as repo

PERIOD = "2026-H1"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Periods read from the book, one entry per ``load_book_data``."""
    seen: list[str] = []
    real = repo.load_book_data

    def counting(session: Any, period: Any, households: Any = None) -> Any:
        seen.append(period.code)
        return real(session, period, households)

    monkeypatch.setattr(repo, "load_book_data", counting)
    return seen


def _add_child(book: Any, hamlet_id: str, name: str) -> None:
    from desktop.core.services.children import ChildForm
    from desktop.core.services.households import HouseholdForm, HouseholdService

    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="99",
            head_name="Lò Văn Mới",
            children=[ChildForm(name, date(2020, 3, 1), 2)],
        ),
        today=date(2026, 1, 5),
        accept_warnings=True,
    )


def test_the_book_generation_grows_with_commits_only(book: Any) -> None:
    start = book.generation
    with book.read() as session:
        session.execute(select(Person.id)).all()
    assert book.generation == start
    with pytest.raises(RuntimeError), book.transaction():
        raise RuntimeError("bỏ dở")
    assert book.generation == start
    with book.transaction() as session:
        session.execute(select(Person.id)).all()
    assert book.generation == start + 1


def test_compute_drill_down_and_files_share_one_reading(
    book: Any, small_book: dict[str, str], reads: list[str], tmp_path: Path
) -> None:
    service = IndicatorService(book)
    first = service.compute(PERIOD).result("TK0101")
    again = service.compute(PERIOD).result("TK0101")
    girls = service.drill_down(PERIOD, "TK0101", "sex", "2")
    service.write(PERIOD, tmp_path / "bc.pdf", "pdf")
    service.write(PERIOD, tmp_path / "bc.xlsx", "xlsx")
    assert reads == [PERIOD]
    assert first == again and first.value == 8
    assert len(girls) == 4
    # Both files were still recorded as exports (the audit line is the one commit allowed).
    with book.read() as session:
        lines = session.scalars(select(AuditEntry).where(AuditEntry.table_name == "export"))
        whats = [e.after for e in lines]
    assert sum("indicators-pdf" in w for w in whats) == 1
    assert sum("indicators-xlsx" in w for w in whats) == 1


def test_a_commit_in_between_is_counted_at_once(
    book: Any, small_book: dict[str, str], hamlet_id: str, reads: list[str]
) -> None:
    service = IndicatorService(book)
    assert service.compute(PERIOD).result("TK0101").value == 8
    _add_child(book, hamlet_id, "Bé Mới")
    assert service.compute(PERIOD).result("TK0101").value == 9
    girls = service.drill_down(PERIOD, "TK0101", "sex", "2")
    assert "Bé Mới" in {r.full_name for r in girls}
    assert reads == [PERIOD, PERIOD]


def test_another_reference_date_or_period_is_read_on_its_own(
    book: Any, small_book: dict[str, str], reads: list[str]
) -> None:
    service = IndicatorService(book)
    service.compute(PERIOD)
    service.compute(PERIOD, date(2026, 3, 31))
    service.compute("2026-9M")
    service.compute(PERIOD, date(2026, 3, 31))
    assert reads == [PERIOD, PERIOD, "2026-9M", PERIOD]


def test_a_write_by_another_process_is_counted_too(
    book: Any, small_book: dict[str, str], reads: list[str]
) -> None:
    """A command run while the app is open writes through its own connection."""
    from sqlalchemy import text

    from desktop.core.storage.engine import make_engine

    service = IndicatorService(book)
    assert service.compute(PERIOD).result("TK0101").value == 8
    other = make_engine(book.path, book.unwrapped_key())
    try:
        with other.begin() as conn:
            conn.execute(
                text("UPDATE persons SET birth_date = '2000-01-01' WHERE id = :id"),
                {"id": small_book["B"]},
            )
    finally:
        other.dispose()
    assert service.compute(PERIOD).result("TK0101").value == 7
    assert reads == [PERIOD, PERIOD]
