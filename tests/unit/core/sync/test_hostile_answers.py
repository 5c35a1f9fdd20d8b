"""Hostile values in an answer file or a pull answer are refused; the book stays unchanged.

Issue 20: a time without an offset, year 9999, a lone surrogate. The answer file is sealed
with the book's real token (as a genuine upstream would), so it passes the signature check
and reaches the payload parser, which must name the faulty field and write nothing.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

from desktop.core.services.book import Book
from desktop.core.storage.models import SyncInboxItem
from desktop.core.storage.repositories import audit as audit_repo
from desktop.core.storage.repositories import sync_rows
from desktop.core.sync_service import SyncService
from desktop.core.sync_service.transfer import TransferFileError, TransferService
from sync import clock, transfer
from sync.client import ServerFailure, SyncClient, _Answer
from sync.protocol import PullResponse
from sync.server.models import CommuneSequence, Record
from sync.server.services import transfer as server_transfer
from tests.unit.core.sync.conftest import LiveServer
from tests.unit.core.sync.helpers import add_household, book_rows


class _RawJson(BaseModel):
    """A payload whose JSON is given as text, so the test can seal values no model allows."""

    text: str = ""

    def model_dump_json(self, **_kwargs: Any) -> str:  # type: ignore[override]
        return self.text


def _snapshot(book: Book) -> tuple[Any, ...]:
    with book.read() as session:
        head = audit_repo.head(session)
        inbox = session.execute(select(func.count()).select_from(SyncInboxItem)).scalar_one()
    return (book_rows(book), head, inbox)


def _hostile_record(field: str, value: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "seq": 10_000,
        "table": "hamlets",
        "id": str(uuid.uuid4()),
        "version": 1,
        "deleted": False,
        "updated_at": "2026-01-01T00:00:00+00:00",
        "updated_by": "tinh",
        "data": {"name": "Thôn Tây"},
        "upstream": True,
    }
    if field == "name":
        record["data"]["name"] = value
    else:
        record[field] = value
    return record


HOSTILE = [
    pytest.param("updated_at", "2026-01-01T00:00:00", id="no-offset"),
    pytest.param("updated_at", "9999-12-31T23:59:59-23:59", id="year-9999"),
    pytest.param("updated_at", "0001-01-01T00:00:00+23:59", id="year-1"),
    pytest.param("name", "Thôn \ud800", id="lone-surrogate"),
]


def _forged_answer_file(
    book: Book, service: SyncService, live_server: LiveServer, tmp_path: Path, record: Any
) -> Path:
    """A genuine answer file to this book's request, with ``record`` added to its pull."""
    request = tmp_path / "xa.sotreem"
    TransferService(book, service).export(request)
    sealed, _answer = server_transfer.import_request(live_server.sessions, request.read_bytes())
    _url, token, _device = service.credentials(need_url=False)
    secret = transfer.secret_from_token(token)
    header, content = transfer.open_file(sealed, secret, kind="answer")
    payload = json.loads(content)
    payload["pull"]["records"].append(record)
    forged = transfer.seal(
        "answer",
        commune_code=header.commune_code,
        device_id=header.device_id,
        batch_ids=list(header.batch_ids),
        payload=_RawJson(text=json.dumps(payload)),  # ensure_ascii: "\ud800" stays escaped
        secret=secret,
        created_at=header.created_at,
    )
    answer_file = tmp_path / "xa.tra-loi"
    answer_file.write_bytes(forged)
    return answer_file


@pytest.mark.parametrize(("field", "value"), HOSTILE)
def test_a_hostile_answer_file_is_refused_and_writes_nothing(
    book: Book,
    *,
    hamlet_id: str,
    live_server: LiveServer,
    fast_retry: Any,
    tmp_path: Path,
    field: str,
    value: Any,
) -> None:
    add_household(book, hamlet_id, "1")
    service = SyncService(book, **fast_retry())
    service.enroll(live_server.url, live_server.code())
    answer_file = _forged_answer_file(
        book, service, live_server, tmp_path, _hostile_record(field, value)
    )
    before = _snapshot(book)
    with pytest.raises(TransferFileError) as refused:
        TransferService(book, service).import_answer(answer_file)
    message = refused.value.message_vi
    assert "không có dữ liệu nào được ghi" in message
    assert field in message, message
    assert _snapshot(book) == before


# -- a table or column this version does not know (issue 20: decided, not skipped) ---------

UNKNOWN = [
    pytest.param({"table": "future_table"}, "bảng lạ 'future_table'", id="table"),
    pytest.param(
        {"data": {"name": "Thôn Tây", "gps_point": "21.0,105.8"}},
        "trường lạ 'gps_point' của bảng 'hamlets'",
        id="column",
    ),
]


def _unknown_record(change: dict[str, Any]) -> dict[str, Any]:
    return {**_hostile_record("name", "Thôn Tây"), **change}


@pytest.mark.parametrize(("change", "named"), UNKNOWN)
def test_an_answer_file_with_an_unknown_table_or_column_is_refused(
    book: Book,
    *,
    hamlet_id: str,
    live_server: LiveServer,
    fast_retry: Any,
    tmp_path: Path,
    change: dict[str, Any],
    named: str,
) -> None:
    add_household(book, hamlet_id, "1")
    service = SyncService(book, **fast_retry())
    service.enroll(live_server.url, live_server.code())
    answer_file = _forged_answer_file(book, service, live_server, tmp_path, _unknown_record(change))
    before = _snapshot(book)
    with pytest.raises(TransferFileError) as refused:
        TransferService(book, service).import_answer(answer_file)
    message = refused.value.message_vi
    assert named in message and "hãy cập nhật phần mềm" in message, message
    assert "không có dữ liệu nào được ghi" in message
    # Nothing written: not even the answers to the batches that came in the same file.
    assert _snapshot(book) == before
    assert service.status().in_flight > 0


@pytest.mark.parametrize(("change", "named"), UNKNOWN)
def test_a_pull_with_an_unknown_table_or_column_is_refused_and_keeps_the_cursor(
    book: Book,
    *,
    hamlet_id: str,
    live_server: LiveServer,
    fast_retry: Any,
    change: dict[str, Any],
    named: str,
) -> None:
    add_household(book, hamlet_id, "1")
    service = SyncService(book, **fast_retry())
    service.enroll(live_server.url, live_server.code())
    assert not service.sync().failed
    record = _unknown_record(change)
    # A newer server (or app) holds a row this version does not know.
    with live_server.sessions.begin() as session:
        session.add(
            Record(
                commune_code="12345",
                table_name=record["table"],
                record_id=record["id"],
                version=1,
                deleted=False,
                data=record["data"],
                seq=10_000,
                updated_at=clock.now(),
                updated_by="tinh",
                received_at=clock.now(),
            )
        )
        sequence = session.get(CommuneSequence, "12345")
        assert sequence is not None
        sequence.last_seq = 10_000
    with book.read() as session:
        cursor = sync_rows.settings(session).pull_cursor
    rows = book_rows(book)
    outcome = service.sync()
    assert outcome.failed and not outcome.offline
    assert named in outcome.message_vi and "hãy cập nhật phần mềm" in outcome.message_vi
    assert book_rows(book) == rows
    with book.read() as session:
        assert sync_rows.settings(session).pull_cursor == cursor
        assert session.execute(select(func.count()).select_from(SyncInboxItem)).scalar_one() == 0


@pytest.mark.parametrize(("field", "value"), HOSTILE)
def test_a_hostile_pull_answer_names_the_field(field: str, value: Any) -> None:
    page = {
        "records": [_hostile_record(field, value)],
        "next_after": 10_000,
        "more": False,
        "server_time": "2026-01-01T00:00:00+00:00",
    }
    answer = _Answer(200, "", json.dumps(page).encode("utf-8"))
    with pytest.raises(ServerFailure) as refused:
        SyncClient._parse(PullResponse, answer)
    assert "không có dữ liệu nào được ghi" in refused.value.message_vi
    assert field in refused.value.message_vi


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("decided_at", "2026-01-01T00:00:00", id="no-offset"),
        pytest.param("decided_at", "9999-12-31T23:59:59-23:59", id="year-9999"),
        pytest.param("comment", "Trả lại \ud800", id="lone-surrogate"),
        pytest.param("decision", "deleted", id="unknown-decision"),
    ],
)
def test_a_hostile_decision_in_an_answer_file_is_refused_and_writes_nothing(
    book: Book,
    *,
    hamlet_id: str,
    live_server: LiveServer,
    fast_retry: Any,
    tmp_path: Path,
    field: str,
    value: Any,
) -> None:
    add_household(book, hamlet_id, "1")
    service = SyncService(book, **fast_retry())
    service.enroll(live_server.url, live_server.code())
    request = tmp_path / "xa.sotreem"
    TransferService(book, service).export(request)
    sealed, _answer = server_transfer.import_request(live_server.sessions, request.read_bytes())
    _url, token, _device = service.credentials(need_url=False)
    secret = transfer.secret_from_token(token)
    header, content = transfer.open_file(sealed, secret, kind="answer")
    payload = json.loads(content)
    decision: dict[str, Any] = {
        "id": 1,
        "report_id": str(uuid.uuid4()),
        "period_code": "2026-H1",
        "report_version": 1,
        "decision": "returned",
        "comment": "Trả lại",
        "decided_by": "Cán bộ tỉnh",
        "decided_at": "2026-07-20T09:00:00+07:00",
    }
    decision[field] = value
    payload["decisions"] = {"decisions": [decision], "next_after": 1}
    forged = transfer.seal(
        "answer",
        commune_code=header.commune_code,
        device_id=header.device_id,
        batch_ids=list(header.batch_ids),
        payload=_RawJson(text=json.dumps(payload)),  # ensure_ascii: "\ud800" stays escaped
        secret=secret,
        created_at=header.created_at,
    )
    answer_file = tmp_path / "xa.tra-loi"
    answer_file.write_bytes(forged)
    before = _snapshot(book)
    with pytest.raises(TransferFileError) as refused:
        TransferService(book, service).import_answer(answer_file)
    message = refused.value.message_vi
    assert "không có dữ liệu nào được ghi" in message
    assert f"decisions.decisions[0].{field}" in message, message
    assert _snapshot(book) == before
