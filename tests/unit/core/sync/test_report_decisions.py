"""Upstream's decisions reach the book at sync: kept once each (audited as received), shown
on the report with its history; an approved report is locked, a returned one is corrected
and resubmitted. A failure to fetch them never fails the push and pull."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import Book
from desktop.core.services.indicators import FigureEntry, IndicatorService
from desktop.core.storage.models import AuditEntry, UpstreamDecision
from desktop.core.sync_service import SyncService
from sync.server.models import ReportDecision, UpstreamReport
from sync.server.services import reports, users
from tests.unit.core.sync.conftest import LiveServer
from tests.unit.core.sync.helpers import add_household

PERIOD = "2026-H1"


def _enrolled(book: Book, server: LiveServer, fast: Callable[..., Any]) -> SyncService:
    service = SyncService(book, **fast())
    service.enroll(server.url, server.code())
    return service


def _finalise(book: Book, hamlet_id: str) -> IndicatorService:
    add_household(book, hamlet_id, "1", children=2)
    service = IndicatorService(book)
    service.save_figures(PERIOD, "HEALTH", [FigureEntry("CT05a", 49, 50)])
    service.finalise(PERIOD, as_of=date(2026, 6, 30))
    return service


def _approver(server: LiveServer) -> users.UserInfo:
    try:
        return users.find_user(server.sessions, "duyet.tinh")
    except Exception:
        return users.create_user(
            server.sessions, "duyet.tinh", "Cán bộ tỉnh", "mat-khau-tinh-1", "*", role="approver"
        )


def _decide(server: LiveServer, report_id: str, decision: str, comment: str = "") -> None:
    # Decided now (the test's day, the clock ticking): after the commune finalised.
    reports.decide(
        server.sessions, _approver(server), report_id, decision=decision, comment=comment
    )


def _kept(book: Book) -> list[tuple[int, str, str]]:
    with book.read() as session:
        return [
            (d.id, d.decision, d.comment)
            for d in session.scalars(select(UpstreamDecision).order_by(UpstreamDecision.id))
        ]


@pytest.mark.today("2026-07-25")
def test_an_approval_reaches_the_book_and_locks_the_report(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any
) -> None:
    indicators = _finalise(book, hamlet_id)
    sync = _enrolled(book, live_server, fast_retry)
    assert sync.sync().decisions == 0
    report_id = indicators.state(PERIOD).report_id
    assert report_id is not None
    _decide(live_server, report_id, "approved")
    outcome = sync.sync()
    assert not outcome.failed and outcome.decisions == 1 and outcome.warnings == ()
    assert "Đã nhận 1 quyết định duyệt báo cáo của cấp trên." in outcome.message_vi
    assert [(d, c) for _i, d, c in _kept(book)] == [("approved", "")]
    state = indicators.state(PERIOD)
    assert state.approved and state.decision is not None
    assert state.decision.decided_by == "Cán bộ tỉnh (duyet.tinh)"
    assert state.decision.text_vi == (
        "Báo cáo 6 tháng đầu năm 2026 (phiên bản 1) đã được duyệt ngày 25/07/2026"
    )
    assert "đã được cấp trên duyệt ngày 25/07/2026" in state.locked_vi
    assert [h.text for h in state.history] == [
        "Phiên bản 1: chốt số liệu (admin)",
        "Phiên bản 1: cấp trên duyệt (Cán bộ tỉnh (duyet.tinh))",
    ]
    assert indicators.recent_decisions()[0].decision == "approved"
    # Locked: the service refuses to reopen it, and nothing changed in the book.
    with pytest.raises(ValidationError) as refused:
        indicators.reopen(PERIOD, "Sửa số liệu CT05a cho đúng")
    assert "đã được cấp trên duyệt" in str(refused.value.problems[0].message)
    assert indicators.state(PERIOD).state == "finalised"
    # Received once, audited as received (sync_create), not asked again.
    with book.read() as session:
        lines = session.scalars(
            select(AuditEntry.action).where(AuditEntry.table_name == "report_decisions")
        ).all()
    assert lines == ["sync_create"]
    assert sync.sync().decisions == 0
    assert len(_kept(book)) == 1


@pytest.mark.today("2026-07-25")
def test_a_returned_report_is_corrected_and_resubmitted(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any
) -> None:
    indicators = _finalise(book, hamlet_id)
    sync = _enrolled(book, live_server, fast_retry)
    sync.sync()
    first = indicators.state(PERIOD).report_id
    assert first is not None
    _decide(live_server, first, "returned", "CT05a chưa khớp sổ, đề nghị rà lại")
    assert sync.sync().decisions == 1
    state = indicators.state(PERIOD)
    assert not state.approved and state.locked_vi == ""
    assert state.decision is not None and state.decision.decision == "returned"
    assert state.decision.text_vi.endswith(
        "bị trả lại ngày 25/07/2026: CT05a chưa khớp sổ, đề nghị rà lại"
    )
    indicators.reopen(PERIOD, "Cấp trên trả lại: rà lại CT05a")
    indicators.finalise(PERIOD, as_of=date(2026, 6, 30))
    second = indicators.state(PERIOD)
    assert second.version == 2 and second.decision is None
    assert [h.text.split(":")[0] for h in second.history] == [
        "Phiên bản 1",
        "Phiên bản 1",
        "Phiên bản 1",
        "Phiên bản 2",
    ]
    outcome = sync.sync()
    assert not outcome.failed and outcome.rejected == 0
    with live_server.sessions() as session:
        versions = list(session.scalars(select(UpstreamReport)))
    status, current = reports.status_of(versions)
    assert status == "resubmitted" and current is not None and current.id == second.report_id


@pytest.mark.today("2026-07-25")
def test_a_failure_to_fetch_decisions_does_not_fail_the_sync(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any
) -> None:
    indicators = _finalise(book, hamlet_id)
    sync = _enrolled(book, live_server, fast_retry)
    sync.sync()
    report_id = indicators.state(PERIOD).report_id
    _decide(live_server, str(report_id), "approved")
    # A decision the server cannot answer (not a period): its decisions endpoint fails.
    with live_server.sessions.begin() as session:
        good = session.scalars(select(ReportDecision)).one()
        session.add(
            ReportDecision(
                report_id=good.report_id,
                commune_code=good.commune_code,
                period_code="2026-Q1",
                report_version=1,
                decision="approved",
                comment="",
                user_id=good.user_id,
                decided_by=good.decided_by,
                decided_at=good.decided_at,
            )
        )
    add_household(book, hamlet_id, "2")
    outcome = sync.sync()
    assert not outcome.failed and not outcome.offline
    assert outcome.sent > 0 and outcome.remaining == 0
    assert len(outcome.warnings) == 1
    assert outcome.warnings[0].startswith("Chưa nhận được quyết định duyệt báo cáo của cấp trên")
    assert "Lưu ý: Chưa nhận được quyết định" in outcome.message_vi
    assert _kept(book) == []
    assert sync.status().last_error is None
    with book.read() as session:
        assert session.scalar(select(func.count()).select_from(UpstreamDecision)) == 0


@pytest.mark.today("2026-07-25")
def test_a_reopening_that_raced_the_approval_is_refused_and_the_period_stays_locked(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any
) -> None:
    indicators = _finalise(book, hamlet_id)
    sync = _enrolled(book, live_server, fast_retry)
    sync.sync()
    first = indicators.state(PERIOD).report_id
    _decide(live_server, str(first), "approved")
    # Reopened here before this computer heard of the approval.
    indicators.reopen(PERIOD, "Sửa số liệu CT05a cho đúng")
    outcome = sync.sync()
    assert outcome.rejected == 2 and outcome.decisions == 1  # v1 reopened, the new v2 draft
    refused = {e.row_id: e.reason for e in sync.sync_errors()}
    assert "đã được cấp trên duyệt" in refused[str(first)]
    assert "không nhận phiên bản mới" in next(r for i, r in refused.items() if i != first)
    state = indicators.state(PERIOD)
    assert state.version == 2 and state.approved
    assert state.decision is not None and state.decision.report_version == 1
    for step in (
        lambda: indicators.finalise(PERIOD, as_of=date(2026, 6, 30)),
        lambda: indicators.review(PERIOD),
    ):
        with pytest.raises(ValidationError) as caught:
            step()
        assert "đã được cấp trên duyệt" in str(caught.value.problems[0].message)
    with live_server.sessions() as session:
        versions = list(session.scalars(select(UpstreamReport)))
    assert reports.status_of(versions)[0] == "approved" and len(versions) == 1


@pytest.mark.today("2026-07-25")
def test_an_answer_file_brings_the_decisions_to_a_commune_without_connection(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any, tmp_path: Path
) -> None:
    from desktop.core.sync_service.transfer import TransferService
    from sync.server.services import transfer as server_transfer

    indicators = _finalise(book, hamlet_id)
    sync = _enrolled(book, live_server, fast_retry)
    request = tmp_path / "xa.sotreem"
    TransferService(book, sync).export(request)
    sealed, _answer = server_transfer.import_request(live_server.sessions, request.read_bytes())
    (tmp_path / "xa.tra-loi").write_bytes(sealed)
    TransferService(book, sync).import_answer(tmp_path / "xa.tra-loi")
    report_id = indicators.state(PERIOD).report_id
    _decide(live_server, str(report_id), "returned", "CT05a chưa khớp sổ")
    add_household(book, hamlet_id, "2")
    TransferService(book, sync).export(request)
    sealed, answer = server_transfer.import_request(live_server.sessions, request.read_bytes())
    assert answer.decisions is not None and len(answer.decisions.decisions) == 1
    (tmp_path / "xa.tra-loi").write_bytes(sealed)
    outcome = TransferService(book, sync).import_answer(tmp_path / "xa.tra-loi")
    assert "Đã nhận 1 quyết định duyệt báo cáo của cấp trên." in outcome.message_vi
    state = indicators.state(PERIOD)
    assert state.decision is not None and state.decision.comment == "CT05a chưa khớp sổ"
    # The same answer again keeps it once.
    again = TransferService(book, sync).import_answer(tmp_path / "xa.tra-loi")
    assert "quyết định" not in again.message_vi
    assert len(_kept(book)) == 1
