"""A finalised periodic report syncs upstream: its snapshot rows reach the server and a second
computer of the commune shows the same frozen numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desktop.core.services.book import Book
from desktop.core.services.indicators import FigureEntry, IndicatorService
from desktop.core.sync_service import SyncService
from tests.unit.core.sync.conftest import LiveServer
from tests.unit.core.sync.helpers import add_household, new_book


@pytest.fixture
def other_book(tmp_path: Path) -> Iterator[Book]:
    """A second computer of the same commune."""
    book = new_book(tmp_path / "may-2")
    yield book
    book.close()


def _enrolled(book: Book, server: LiveServer, fast: Callable[..., Any]) -> SyncService:
    service = SyncService(book, **fast())
    service.enroll(server.url, server.code())
    return service


def test_finalised_snapshot_travels_upstream(
    book: Book, hamlet_id: str, other_book: Book, live_server: LiveServer, fast_retry: Any
) -> None:
    add_household(book, hamlet_id, "1", children=2)
    service = IndicatorService(book)
    service.save_figures("2026", "HEALTH", [FigureEntry("CT05a", 49, 50)])
    service.finalise("2026", as_of=date(2026, 10, 31))
    first = _enrolled(book, live_server, fast_retry)
    second = _enrolled(other_book, live_server, fast_retry)
    first.sync()
    tables = {t for t, _ in live_server.records()}
    assert {"periodic_reports", "report_snapshot_values", "indicator_values"} <= tables
    while second.sync().received:
        pass
    mine = service.compute("2026")
    theirs = IndicatorService(other_book).compute("2026")
    assert theirs.from_snapshot and theirs.state.state == "finalised"
    assert theirs.as_json()["indicators"] == mine.as_json()["indicators"]
    assert theirs.result("CT05a").value == 98.0


def test_each_report_pdf_goes_alone_and_reaches_the_other_computer(
    book: Book, hamlet_id: str, other_book: Book, live_server: LiveServer, fast_retry: Any
) -> None:
    import hashlib

    from sqlalchemy import select

    from sync.server.models import ReportDocument

    add_household(book, hamlet_id, "1", children=2)
    service = IndicatorService(book)
    service.finalise("2026-H1", as_of=date(2026, 4, 30))
    service.finalise("2026", as_of=date(2026, 10, 31))
    first = _enrolled(book, live_server, fast_retry)
    batches = first.take_all_batches()
    with_documents = [b for b in batches if any(i.table == "report_documents" for i in b.items)]
    # One document per batch and nothing else in it: a batch stays far under the body limit.
    assert len(with_documents) == 2 and all(len(b.items) == 1 for b in with_documents)
    assert not first.sync().failed
    kept = {code: service.document(code, 1)[0] for code in ("2026-H1", "2026")}
    with live_server.sessions() as session:
        stored = {d.report_id: d for d in session.scalars(select(ReportDocument))}
    for info in kept.values():
        doc = stored[info.report_id]
        assert doc.sha256 == info.sha256 == hashlib.sha256(doc.content).hexdigest()
    second = _enrolled(other_book, live_server, fast_retry)
    while second.sync().received:
        pass
    theirs = IndicatorService(other_book)
    for code, info in kept.items():
        assert theirs.document(code, 1) == (info, service.document(code, 1)[1])
