"""The demo commune shows special circumstances, supports, cases (one overdue) and injuries."""

from __future__ import annotations

from desktop.core.domain.deadlines import ClockState
from desktop.core.services.book import Book
from desktop.core.services.demo import populate_demo
from desktop.core.services.protection import (
    CaseService,
    InjuryService,
    ProtectionHomeService,
    RiskService,
    SpecialService,
    SupportService,
)


def test_demo_book_has_protection_records(book: Book) -> None:
    populate_demo(book, 1500, seed=7)
    special = SpecialService(book).list()
    assert len(special.rows) >= 10
    assert special.coverage.supported >= special.coverage.total * 0.6
    assert RiskService(book).list()
    assert SupportService(book).list()
    cases = CaseService(book).list()
    assert len(cases) >= 2
    assert any(c.worst_state == ClockState.OVERDUE for c in cases)
    assert InjuryService(book).list()
    home = ProtectionHomeService(book).summary()
    assert home.overdue and home.coverage is not None
