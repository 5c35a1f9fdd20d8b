"""The book's sync service against the real server on 127.0.0.1 (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import Book
from desktop.core.services.households import HouseholdService
from desktop.core.storage.base import SyncState
from desktop.core.storage.models import (
    AuditEntry,
    Household,
    Person,
    SyncConflict,
    SyncOutboxBatch,
)
from desktop.core.sync_service import FieldChoice, SyncService
from sync.client import SyncClient
from sync.server.services import corrections, enrollment
from tests.unit.core.sync.conftest import LiveServer
from tests.unit.core.sync.helpers import (
    add_household,
    assert_same_as_server,
    book_rows,
    new_book,
    states,
)


@pytest.fixture
def other_book(tmp_path: Path) -> Any:
    """A second computer of the same commune."""
    book = new_book(tmp_path / "may-2")
    yield book
    book.close()


def _enrolled(book: Book, server: LiveServer, fast: Callable[..., Any], **kw: Any) -> SyncService:
    service = SyncService(book, **fast(), **kw)
    service.enroll(server.url, server.code())
    return service


def _person(book: Book, name: str | None = None) -> Person:
    with book.read() as session:
        query = select(Person).order_by(Person.full_name)
        if name is not None:
            query = query.where(Person.full_name == name)
        row = session.scalars(query).first()
        assert row is not None
        session.expunge(row)
        return row


def _edit_person(book: Book, person_id: str, **values: Any) -> None:
    with book.transaction() as session:
        person = session.get(Person, person_id)
        assert person is not None
        for key, value in values.items():
            setattr(person, key, value)


class CountingClient(SyncClient):
    """A real client that also notes every request it makes, and can run a hook on push."""

    calls: list[str]
    on_push: Callable[[Any], None] | None = None

    def push_raw(self, request: Any, body: bytes) -> Any:
        self.calls.append("POST")
        if self.on_push is not None:
            self.on_push(request)
        return super().push_raw(request, body)

    def batch_answer(self, request: Any) -> Any:
        self.calls.append("GET-batch")
        return super().batch_answer(request)


def _counting(calls: list[str], on_push: Callable[[Any], None] | None = None) -> Any:
    def factory(url: str, token: str | None, ca: str | None) -> SyncClient:
        client = CountingClient(url, token, ca_bundle=ca)
        client.calls = calls
        client.on_push = on_push
        return client

    return factory


# -- push and pull between two computers ---------------------------------------------------


def test_changes_travel_both_ways_and_both_books_equal_the_server(
    book: Book, hamlet_id: str, other_book: Book, live_server: LiveServer, fast_retry: Any
) -> None:
    add_household(book, hamlet_id, "1", children=2)
    first = _enrolled(book, live_server, fast_retry)
    second = _enrolled(other_book, live_server, fast_retry)
    sent = first.sync()
    assert (sent.sent, sent.applied, sent.received, sent.remaining) == (4, 4, 0, 0)
    received = second.sync()
    assert (received.sent, received.received, received.conflicts) == (0, 4, 0)
    assert_same_as_server(book, live_server.records())
    assert_same_as_server(other_book, live_server.records())
    # The second computer edits a child; the first one gets it on its next sync.
    child = _person(other_book)
    _edit_person(other_book, child.id, notes="Đã đi học lớp 1")
    assert second.sync().applied == 1
    again = first.sync()
    assert (again.sent, again.received, again.conflicts) == (0, 1, 0)
    assert _person(book, child.full_name).notes == "Đã đi học lớp 1"
    assert _person(book, child.full_name).sync_state == SyncState.SYNCED.value
    assert_same_as_server(book, live_server.records())
    # A computer never receives its own changes back.
    assert first.sync().received == 0
    # What arrived by sync is in each book's audit trail, marked as coming from sync.
    received_rows = {(t, i) for t, i in live_server.records() if t != "hamlets"}
    assert {(t, i) for a, t, i in _audit(other_book) if a == "sync_create"} >= received_rows
    assert ("sync_update", "persons", child.id) in _audit(book)
    # Only what sync changed in the book itself: not the outbox's and inbox's working rows.
    machinery = {t for _, t, _ in _audit(book)} & {"sync_outbox_batches", "sync_inbox"}
    assert not machinery


def _audit(book: Book) -> set[tuple[str, str, str]]:
    with book.read() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.table_name, AuditEntry.record_id)
        ).all()
    return {(a, t, i) for a, t, i in rows}


def test_pull_pages_by_seq_and_keeps_the_cursor(
    book: Book, hamlet_id: str, other_book: Book, live_server: LiveServer, fast_retry: Any
) -> None:
    for number in range(5):
        add_household(book, hamlet_id, str(number), children=2)
    _enrolled(book, live_server, fast_retry).sync()
    second = _enrolled(other_book, live_server, fast_retry, pull_limit=3)
    outcome = second.sync()
    assert outcome.received == 16
    # Nothing to push; 16 rows in 6 pages of 3; then one request for the decisions.
    assert outcome.requests == 7
    with other_book.read() as session:
        from desktop.core.storage.repositories import sync_rows

        assert sync_rows.settings(session).pull_cursor == 16
    assert_same_as_server(other_book, live_server.records())


def test_tombstones_travel_and_stay_until_the_server_confirms(
    book: Book, hamlet_id: str, other_book: Book, live_server: LiveServer, fast_retry: Any
) -> None:
    household_id = add_household(book, hamlet_id, "1")
    first = _enrolled(book, live_server, fast_retry)
    second = _enrolled(other_book, live_server, fast_retry)
    first.sync()
    second.sync()
    with book.transaction() as session:
        household = session.get(Household, household_id)
        assert household is not None
        household.deleted = True
    with book.read() as session:
        row = session.get(Household, household_id)
        assert row is not None and row.deleted and row.sync_state == SyncState.TO_UPDATE.value
    assert first.sync().applied == 1
    with book.read() as session:
        row = session.get(Household, household_id)
        # The tombstone is kept: other rows may point to it, and its deletion is history.
        assert row is not None and row.deleted and row.sync_state == SyncState.SYNCED.value
    assert live_server.records()[("households", household_id)]["deleted"] is True
    assert second.sync().received == 1
    with other_book.read() as session:
        row = session.get(Household, household_id)
        assert row is not None and row.deleted


# -- conflicts --------------------------------------------------------------------------------


def test_overlapping_edits_become_a_conflict_resolved_field_by_field(
    book: Book, hamlet_id: str, other_book: Book, live_server: LiveServer, fast_retry: Any
) -> None:
    add_household(book, hamlet_id, "1")
    first = _enrolled(book, live_server, fast_retry)
    second = _enrolled(other_book, live_server, fast_retry)
    first.sync()
    second.sync()
    child = _person(book)
    _edit_person(book, child.id, notes="Ghi chú của máy 1", school_name="Trường A")
    _edit_person(other_book, child.id, notes="Ghi chú của máy 2", sex=1)
    assert second.sync().applied == 1
    outcome = first.sync()
    # The push meets the other computer's version: a conflict, nothing overwritten.
    assert outcome.conflicts == 1 and outcome.applied == 0
    mine = _person(book, child.full_name)
    assert (mine.notes, mine.school_name) == ("Ghi chú của máy 1", "Trường A")
    assert mine.sync_state == SyncState.ERROR.value
    assert live_server.records()[("persons", child.id)]["data"]["notes"] == "Ghi chú của máy 2"
    [summary] = first.conflicts()
    assert summary.table == "persons" and summary.title.startswith(child.full_name)
    assert summary.fields == 3  # notes, school, sex
    assert first.status().conflicts == 1 and first.status().errors == 0
    detail = first.conflict(summary.id)
    differing = {d.field: d for d in detail.fields if d.differs}
    assert set(differing) == {"notes", "school_name", "sex"}
    assert (differing["sex"].mine, differing["sex"].theirs) == ("2", "1")
    assert differing["notes"].label == "Ghi chú"
    with pytest.raises(ValidationError) as missing:
        first.resolve_conflict(summary.id, {"notes": FieldChoice("mine")})
    assert {p.field for p in missing.value.problems} == {"school_name", "sex"}
    with pytest.raises(ValidationError) as bad:
        first.resolve_conflict(
            summary.id,
            {
                "notes": FieldChoice("edit", "Gộp: 1 và 2"),
                "school_name": FieldChoice("mine"),
                "sex": FieldChoice("edit", "nam"),
            },
        )
    assert [p.field for p in bad.value.problems] == ["sex"]
    first.resolve_conflict(
        summary.id,
        {
            "notes": FieldChoice("edit", "Gộp: 1 và 2"),
            "school_name": FieldChoice("mine"),
            "sex": FieldChoice("theirs"),
        },
    )
    resolved = _person(book, child.full_name)
    assert (resolved.notes, resolved.school_name, resolved.sex) == ("Gộp: 1 và 2", "Trường A", 1)
    assert resolved.sync_state == SyncState.TO_UPDATE.value
    assert first.conflicts() == []
    assert first.sync().applied == 1
    assert second.sync().received == 1
    assert_same_as_server(book, live_server.records())
    assert_same_as_server(other_book, live_server.records())
    with book.read() as session:
        kept = session.scalars(select(SyncConflict)).one()
        assert kept.resolution == "mixed" and kept.resolved_by == "admin"


def test_an_edit_made_after_the_conflict_is_what_mine_means(
    book: Book, hamlet_id: str, other_book: Book, live_server: LiveServer, fast_retry: Any
) -> None:
    add_household(book, hamlet_id, "1")
    first = _enrolled(book, live_server, fast_retry)
    second = _enrolled(other_book, live_server, fast_retry)
    first.sync()
    second.sync()
    child = _person(book)
    _edit_person(other_book, child.id, notes="Máy 2")
    second.sync()
    _edit_person(book, child.id, notes="Máy 1, lần đầu")
    assert first.sync().conflicts == 1
    # The officer keeps typing on the row before opening the conflict.
    _edit_person(book, child.id, notes="Máy 1, đã sửa thêm")
    [summary] = first.conflicts()
    [diff] = [d for d in first.conflict(summary.id).fields if d.differs]
    assert (diff.mine, diff.theirs) == ("Máy 1, đã sửa thêm", "Máy 2")
    first.resolve_conflict(summary.id, {"notes": FieldChoice("mine")})
    assert _person(book).notes == "Máy 1, đã sửa thêm"
    assert first.sync().applied == 1
    assert live_server.records()[("persons", child.id)]["data"]["notes"] == "Máy 1, đã sửa thêm"


def test_pull_never_overwrites_local_changes(
    book: Book, hamlet_id: str, other_book: Book, live_server: LiveServer, fast_retry: Any
) -> None:
    add_household(book, hamlet_id, "1")
    first = _enrolled(book, live_server, fast_retry)
    second = _enrolled(other_book, live_server, fast_retry)
    first.sync()
    second.sync()
    child = _person(book)
    _edit_person(other_book, child.id, full_name="Tên do máy 2 sửa")
    second.sync()
    # Edited here after the other computer's change reached the server, before pulling it.
    _edit_person(book, child.id, full_name="Tên do máy 1 sửa")
    outcome = first.sync()
    assert outcome.conflicts == 1
    assert _person(book, "Tên do máy 1 sửa").sync_state == SyncState.ERROR.value
    [summary] = first.conflicts()
    first.resolve_conflict(summary.id, {"full_name": FieldChoice("theirs")})
    # Theirs everywhere: the row simply takes the server's version, nothing to send.
    taken = _person(book, "Tên do máy 2 sửa")
    assert taken.sync_state == SyncState.SYNCED.value
    assert first.sync().sent == 0
    assert_same_as_server(book, live_server.records())


def test_upstream_correction_is_pulled_or_becomes_a_conflict(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any
) -> None:
    add_household(book, hamlet_id, "1", children=2)
    service = _enrolled(book, live_server, fast_retry)
    service.sync()
    upstream = live_server.upstream_user()
    first, second = sorted(
        (r for r in book_rows(book) if r[0] == "persons"), key=lambda key: key[1]
    )
    corrections.correct(
        live_server.sessions,
        upstream,
        commune_code="12345",
        table="persons",
        record_id=first[1],
        changes={"id_number": "038215000123"},
    )
    outcome = service.sync()
    assert (outcome.received, outcome.conflicts) == (1, 0)
    assert book_rows(book)[first]["data"]["id_number"] == "038215000123"
    # The commune edits the other child while upstream corrects it too.
    _edit_person(book, second[1], notes="Sửa ở xã")
    corrections.correct(
        live_server.sessions,
        upstream,
        commune_code="12345",
        table="persons",
        record_id=second[1],
        changes={"notes": "Sửa ở tỉnh"},
    )
    outcome = service.sync()
    assert outcome.conflicts == 1
    [summary] = service.conflicts()
    assert summary.upstream
    assert book_rows(book)[second]["data"]["notes"] == "Sửa ở xã"


# -- the outbox rules -----------------------------------------------------------------------------


def test_a_row_edited_during_its_upload_stays_queued(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any
) -> None:
    add_household(book, hamlet_id, "1")
    child = _person(book)
    calls: list[str] = []
    seen: list[tuple[str, int, int]] = []

    def edit_while_sending(request: Any) -> None:
        if not any(item.id == child.id for item in request.items):
            return
        row = _person(book)
        seen.append((row.sync_state, row.version, row.synced_version))
        if len(seen) == 1:
            _edit_person(book, child.id, notes="sửa khi đang gửi")

    service = SyncService(book, _counting(calls, on_push=edit_while_sending), **fast_retry())
    service.enroll(live_server.url, live_server.code())
    outcome = service.push()
    # Version 1 went up while the officer typed version 2. The answer for version 1 did not
    # mark the row synced: it stayed queued and version 2 went up after it.
    assert seen == [("UPLOADING", 1, 0), ("UPLOADING", 2, 1)]
    assert (outcome.sent, outcome.applied) == (4, 4)
    final = _person(book)
    assert (final.sync_state, final.version, final.notes) == ("SYNCED", 2, "sửa khi đang gửi")
    assert_same_as_server(book, live_server.records())


def test_a_cut_after_the_server_stored_the_batch_does_not_resend_it(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any
) -> None:
    add_household(book, hamlet_id, "1", children=3)
    calls: list[str] = []
    service = SyncService(book, _counting(calls), **fast_retry())
    service.enroll(live_server.url, live_server.code())
    # The batches reach the server but their answers are lost (a crash after sending).
    taken = service.take_all_batches()
    assert len(taken) == 3 and states(book) == {SyncState.UPLOADING.value: 5}
    with SyncClient(live_server.url, service.credentials()[1]) as client:
        for request in taken:
            client.push(request)
    outcome = service.push()
    # Each kept batch: one small GET for the stored answer, no upload again.
    assert calls == ["GET-batch"] * 3
    assert (outcome.sent, outcome.applied, outcome.remaining) == (5, 5, 0)
    assert states(book) == {SyncState.SYNCED.value: 5}
    assert_same_as_server(book, live_server.records())


def test_offline_keeps_the_batch_and_resumes_it(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any
) -> None:
    add_household(book, hamlet_id, "1")
    service = _enrolled(book, live_server, fast_retry)
    live_server.stop()
    outcome = service.sync()
    assert outcome.offline and not outcome.failed
    assert "Chưa kết nối được máy chủ" in outcome.message_vi
    assert outcome.remaining == 3
    status = service.status()
    assert status.pending == 3 and status.in_flight == 1  # the hamlet's batch, kept
    assert status.last_error and "kết nối" in status.last_error
    with book.read() as session:
        [kept] = session.scalars(select(SyncOutboxBatch)).all()
        assert json.loads(kept.body)["items"][0]["table"] == "hamlets"
    restarted = live_server.again()
    try:
        again = service.sync()
        assert (again.applied, again.remaining) == (3, 0)
        assert service.status().last_error is None
        assert_same_as_server(book, restarted.records())
    finally:
        restarted.stop()


def test_a_refused_batch_goes_back_to_the_queue(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any
) -> None:
    add_household(book, hamlet_id, "1")
    service = _enrolled(book, live_server, fast_retry)
    device_id = service.credentials()[2]
    enrollment.revoke_device(live_server.sessions, device_id)
    outcome = service.sync()
    assert outcome.failed and "thu hồi" in outcome.message_vi
    assert states(book) == {SyncState.TO_POST.value: 3}
    with book.read() as session:
        assert session.scalars(select(SyncOutboxBatch)).all() == []


def test_rejected_rows_keep_the_reason_and_wait_for_an_edit(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any, monkeypatch: Any
) -> None:
    from sync.server.services import push as push_service

    add_household(book, hamlet_id, "1")
    child = _person(book)
    real = push_service._validate

    def refuse_the_child(raw_items: list[Any]) -> list[Any]:
        checked = real(raw_items)
        return [
            (raw, None, "Trường 'notes': máy chủ không nhận (thử nghiệm).")
            if item is not None and item.id == child.id and item.data.get("notes") == ""
            else (raw, item, problem)
            for raw, item, problem in checked
        ]

    monkeypatch.setattr(push_service, "_validate", refuse_the_child)
    service = _enrolled(book, live_server, fast_retry)
    outcome = service.sync()
    assert (outcome.applied, outcome.rejected) == (2, 1)
    [error] = service.sync_errors()
    assert error.row_id == child.id and "máy chủ không nhận" in error.reason
    assert error.title.startswith(child.full_name)
    assert service.status().errors == 1 and service.status().pending == 0
    assert service.sync().sent == 0  # not retried until someone edits it
    _edit_person(book, child.id, notes="Đã bổ sung")
    assert service.sync().applied == 1
    assert service.sync_errors() == []
    assert_same_as_server(book, live_server.records())


def test_received_rows_whose_parent_is_missing_wait_in_the_inbox(
    book: Book, hamlet_id: str, other_book: Book, live_server: LiveServer, fast_retry: Any
) -> None:
    household_id = add_household(book, hamlet_id, "1")
    first = _enrolled(book, live_server, fast_retry)
    first.sync()
    # The household's own upload is held back here, so the server has the child only.
    with live_server.sessions.begin() as session:
        from sync.server.models import Record

        session.query(Record).filter(Record.record_id == household_id).delete()
    second = _enrolled(other_book, live_server, fast_retry)
    outcome = second.sync()
    assert outcome.received == 2
    status = second.status()
    assert status.received_waiting == 1
    with other_book.read() as session:
        assert session.scalars(select(Person)).all() == []
        from desktop.core.storage.models import SyncInboxItem

        [waiting] = session.scalars(select(SyncInboxItem)).all()
        assert waiting.error and "chưa về tới" in waiting.error


def test_settings_for_auto_sync_and_the_ca_bundle(book: Book, tmp_path: Path) -> None:
    service = SyncService(book)
    assert service.status().auto_sync_minutes == 30
    service.set_auto_sync(0)
    assert service.status().auto_sync_minutes == 0
    with pytest.raises(ValidationError, match="Chu kỳ"):
        service.set_auto_sync(7)
    with pytest.raises(ValidationError, match="PEM"):
        service.set_ca_bundle("không phải chứng chỉ")
    assert not service.status().has_ca_bundle
    service.set_ca_bundle(None)
    with pytest.raises(ValidationError, match="chưa đăng ký"):
        service.sync()


def test_status_counts_waiting_rows_per_table(book: Book, hamlet_id: str) -> None:
    add_household(book, hamlet_id, "1", children=2)
    status = SyncService(book).status()
    by_table = {t.table: t for t in status.tables}
    assert (by_table["persons"].waiting, by_table["households"].waiting) == (2, 1)
    assert by_table["persons"].label == "Nhân khẩu, trẻ em"
    assert status.pending == 4 and status.conflicts == 0 and not status.enrolled
    assert [t.table for t in status.tables][:3] == ["hamlets", "households", "persons"]


def test_a_hamlet_added_through_the_service_syncs(
    book: Book, live_server: LiveServer, fast_retry: Any
) -> None:
    HouseholdService(book).add_hamlet("Thôn Tây")
    service = _enrolled(book, live_server, fast_retry)
    assert service.sync().applied == 1
    assert_same_as_server(book, live_server.records())
