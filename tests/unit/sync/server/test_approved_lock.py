"""An approved report is locked on the server: a push that changes it is refused item by item
(with a Vietnamese reason naming the item), the rest of the batch is applied; a returned
report can be corrected and resubmitted. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sync import clock
from sync.server.models import ReportValue, UpstreamReport
from sync.server.services import reports, users
from tests.unit.sync.server.report_support import (
    Figure,
    make_user,
    report_row,
    send_report,
    value_rows,
)
from tests.unit.sync.server.support import EnrolledDevice, batch, push

FIGURES = [Figure("CT05a", "percent", 98.0, 49, 50), Figure("CT14", "count", 12.0)]


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    """A client of the real app."""
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def _decide(sessions: sessionmaker[Session], report_id: str, decision: str, comment: str) -> None:
    approver = users.find_user(sessions, "duyet.tinh")
    at = datetime(2026, 5, 20, 9, tzinfo=clock.VIETNAM)
    reports.decide(sessions, approver, report_id, decision=decision, comment=comment, now=at)


def _value_id(sessions: sessionmaker[Session], report_id: str, code: str) -> str:
    with sessions() as session:
        return session.scalars(
            select(ReportValue.id).where(
                ReportValue.report_id == report_id, ReportValue.indicator_code == code
            )
        ).one()


def _problems(answer: Any) -> dict[int, dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    return {p["index"]: p for p in answer.json()["problems"]}


def test_a_push_changing_an_approved_report_is_refused_item_by_item(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    device = enroll("11111")
    with time_machine.travel(datetime(2026, 5, 9, 9, tzinfo=clock.VIETNAM)):
        approved = send_report(web, device, "2026-H1", FIGURES)
    make_user(sessions, "duyet.tinh", "approver")
    _decide(sessions, approved, "approved", "")
    value_id = _value_id(sessions, approved, "CT14")
    reopened = report_row(approved, "2026-H1", state="reopened", base=1)
    changed_value = value_rows(approved, [Figure("CT14", "count", 999.0)])[0] | {
        "id": value_id,
        "version": 2,
        "base_version": 1,
    }
    added_value = value_rows(approved, [Figure("CT99", "count", 5.0)])[0]
    other = value_rows(reports.new_id(), [Figure("CT14", "count", 1.0)])[0]
    answer = push(web, device, batch(device, reopened, changed_value, added_value, other))
    assert answer.json()["statuses"] == "rrra"
    problems = _problems(answer)
    for index, item in enumerate((reopened, changed_value, added_value)):
        reason = problems[index]["reason"]
        assert problems[index]["id"] == item["id"]
        assert item["id"] in reason and item["table"] in reason
        assert "6 tháng đầu năm 2026 phiên bản 1" in reason
        assert "đã được cấp trên duyệt ngày 20/05/2026" in reason
        assert "không sửa được nữa" in reason
    with sessions() as session:
        kept = session.get(UpstreamReport, approved)
        assert kept is not None and kept.state == "finalised" and kept.decision == "approved"
        assert session.get(ReportValue, value_id).value == 12.0  # type: ignore[union-attr]
        codes = set(
            session.scalars(
                select(ReportValue.indicator_code).where(ReportValue.report_id == approved)
            )
        )
    assert codes == {"CT05a", "CT14"}
    # The approved version sent again unchanged is a duplicate, not a refusal.
    again = push(web, device, batch(device, report_row(approved, "2026-H1")))
    assert again.json()["statuses"] == "d"


def test_a_returned_report_can_be_corrected_and_resubmitted(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    device = enroll("22222")
    with time_machine.travel(datetime(2026, 5, 9, 9, tzinfo=clock.VIETNAM)):
        returned = send_report(web, device, "2026-H1", FIGURES)
    make_user(sessions, "duyet.tinh", "approver")
    _decide(sessions, returned, "returned", "CT14 chưa khớp sổ")
    reopened = report_row(returned, "2026-H1", state="reopened", base=1)
    assert push(web, device, batch(device, reopened)).json()["statuses"] == "a"
    second = send_report(web, device, "2026-H1", [Figure("CT14", "count", 13.0)], version=2)
    with sessions() as session:
        versions = list(
            session.scalars(select(UpstreamReport).where(UpstreamReport.commune_code == "22222"))
        )
    status, current = reports.status_of(versions)
    assert status == "resubmitted" and current is not None and current.id == second


def test_another_communes_approved_report_does_not_lock_this_commune(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    a, b = enroll("11111"), enroll("22222")
    approved = send_report(web, a, "2026-H1", FIGURES)
    make_user(sessions, "duyet.tinh", "approver")
    _decide(sessions, approved, "approved", "")
    # Commune 22222 holds its own rows; an id equal to 11111's report is not 11111's report.
    own = report_row(approved, "2026-H1", state="draft")
    assert push(web, b, batch(b, own)).json()["statuses"] == "a"


def test_no_new_version_of_an_approved_period_is_taken(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    device = enroll("11111")
    approved = send_report(web, device, "2026-H1", FIGURES)
    make_user(sessions, "duyet.tinh", "approver")
    _decide(sessions, approved, "approved", "")
    # Another computer of the commune reopened before it knew: its version 2 is refused, and
    # so are the numbers of that version sent with it; another period is taken.
    second = reports.new_id()
    items = [
        report_row(second, "2026-H1", version=2),
        *value_rows(second, [Figure("CT14", "count", 13.0)]),
        report_row(reports.new_id(), "2026-9M"),
    ]
    answer = push(web, device, batch(device, *items))
    assert answer.json()["statuses"] == "rrra"
    problems = _problems(answer)
    assert "không nhận phiên bản mới" in problems[0]["reason"]
    assert second in problems[0]["reason"]
    assert "đã từ chối trong lô này" in problems[1]["reason"]
    with sessions() as session:
        assert session.get(UpstreamReport, second) is None
        versions = list(
            session.scalars(select(UpstreamReport).where(UpstreamReport.period_code == "2026-H1"))
        )
    assert reports.status_of(versions)[0] == "approved"
