"""Push semantics: applied, duplicate, conflict, rejected; idempotent batches; atomicity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sync.protocol import PushResponse
from sync.server.models import Batch, Device, Record
from sync.server.services import push as push_service
from tests.unit.sync.server.support import (
    EnrolledDevice,
    batch,
    expand,
    item,
    new_id,
    push,
    sent_items,
)


def _results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    PushResponse.model_validate_json(response.content)  # the answer speaks the protocol
    results: list[dict[str, Any]] = expand(response.json(), sent_items(response))
    return results


def _record(sessions: sessionmaker[Session], record_id: str) -> Record:
    with sessions() as session:
        row = session.execute(select(Record).where(Record.record_id == record_id)).scalar_one()
        session.expunge(row)
        return row


def _count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_new_row_is_applied_and_stored(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    row = item()
    response = push(http, device, batch(device, row))
    # All applied: one letter per item and no details, not the ids echoed back.
    assert set(response.json()) == {"batch_id", "statuses", "problems", "server_time"}
    assert (response.json()["statuses"], response.json()["problems"]) == ("a", [])
    [result] = _results(response)
    assert result == {
        "index": 0,
        "table": "persons",
        "id": row["id"],
        "status": "applied",
        "server_version": 1,
    }
    stored = _record(sessions, row["id"])
    assert (stored.commune_code, stored.table_name, stored.version) == ("12345", "persons", 1)
    assert stored.data == row["data"]
    assert stored.deleted is False
    assert stored.seq == 1
    assert stored.device_id == device.device_id
    assert stored.updated_by == "can-bo-xa"
    assert stored.updated_at.utcoffset() is not None
    assert stored.updated_at.isoformat() == "2025-03-01T01:00:00+00:00"


def test_same_version_and_content_is_duplicate(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    row = item()
    _results(push(http, device, batch(device, row)))
    [result] = _results(push(http, device, batch(device, row)))
    assert result["status"] == "duplicate"
    assert result["server_version"] == 1
    assert _record(sessions, row["id"]).seq == 1  # a duplicate is not a change


def test_edit_from_the_server_version_is_applied(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    row = item()
    _results(push(http, device, batch(device, row)))
    edit = {**row, "version": 2, "base_version": 1, "data": {"full_name": "Nguyễn Thị Anh"}}
    [result] = _results(push(http, device, batch(device, edit)))
    assert (result["status"], result["server_version"]) == ("applied", 2)
    stored = _record(sessions, row["id"])
    assert stored.version == 2
    assert stored.data == {"full_name": "Nguyễn Thị Anh"}
    assert stored.seq == 2


def test_stale_edit_is_a_conflict_and_changes_nothing(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    row = item()
    _results(push(http, device, batch(device, row)))
    _results(push(http, device, batch(device, {**row, "version": 2, "base_version": 1})))
    stale = {**row, "version": 2, "base_version": 1, "data": {"full_name": "Sửa trên máy khác"}}
    [result] = _results(push(http, device, batch(device, stale)))
    assert result["status"] == "conflict"
    assert result["server_version"] == 2
    assert result["server_data"] == row["data"]
    assert result["server_deleted"] is False
    assert "phiên bản" in result["reason"]
    stored = _record(sessions, row["id"])
    assert stored.data == row["data"]  # never overwritten
    assert stored.seq == 2


def test_conflict_reports_a_server_tombstone(http: TestClient, device: EnrolledDevice) -> None:
    row = item()
    _results(push(http, device, batch(device, row)))
    _results(
        push(http, device, batch(device, {**row, "version": 2, "base_version": 1, "deleted": True}))
    )
    [result] = _results(push(http, device, batch(device, {**row, "version": 3, "base_version": 1})))
    assert result["status"] == "conflict"
    assert result["server_deleted"] is True


def test_unknown_row_with_a_base_version_is_stored(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    row = item(version=5, base_version=4)
    [result] = _results(push(http, device, batch(device, row)))
    assert (result["status"], result["server_version"]) == ("applied", 5)
    assert _record(sessions, row["id"]).version == 5


def test_tombstone_is_stored_as_deleted(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    row = item()
    _results(push(http, device, batch(device, row)))
    [result] = _results(
        push(http, device, batch(device, {**row, "version": 2, "base_version": 1, "deleted": True}))
    )
    assert result["status"] == "applied"
    assert _record(sessions, row["id"]).deleted is True


def test_chained_edits_in_one_batch_apply_in_order(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    row = item()
    edit = {**row, "version": 2, "base_version": 1, "data": {"full_name": "B"}}
    results = _results(push(http, device, batch(device, row, edit)))
    assert [r["status"] for r in results] == ["applied", "applied"]
    stored = _record(sessions, row["id"])
    assert (stored.version, stored.data, stored.seq) == (2, {"full_name": "B"}, 2)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"table": "users"}, "table"),
        ({"id": "not-a-uuid"}, "id"),
        ({"id": new_id().upper()}, "id"),
        ({"version": 0}, "version"),
        ({"version": 1, "base_version": 1}, "base_version"),
        ({"updated_at": "2025-03-01T08:00:00"}, "updated_at"),
        ({"data": {"notes": "x" * 4001}}, "notes"),
        ({"data": {"ds": [1, 2]}}, "data.ds"),
        ({"data": {f"k{i}": i for i in range(101)}}, "data"),
        ({"deleted": "yes"}, "deleted"),
        ({"surprise": 1}, "surprise"),
        # Known columns only (issue 20): a name no table has, or another table's column.
        ({"data": {"full_name": "Bé", "nickname": "Bống"}}, "'nickname'"),
        ({"table": "hamlets", "data": {"name": "Thôn", "full_name": "x"}}, "'full_name'"),
    ],
)
def test_invalid_item_is_rejected_and_the_rest_still_applies(
    http: TestClient,
    device: EnrolledDevice,
    sessions: sessionmaker[Session],
    bad: dict[str, Any],
    field: str,
) -> None:
    good_before, good_after = item(), item()
    wrong = item(**bad)
    results = _results(push(http, device, batch(device, good_before, wrong, good_after)))
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert field in results[1]["reason"]
    assert results[1]["reason"].startswith("Trường")
    assert results[1]["server_version"] is None
    assert _count(sessions, Record) == 2


def test_non_object_item_is_rejected(http: TestClient, device: EnrolledDevice) -> None:
    results = _results(push(http, device, batch(device, item(), "chuỗi", 7)))
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected"]
    assert results[1]["table"] == results[1]["id"] == ""


def test_repeated_batch_gets_the_identical_answer_and_stores_nothing_twice(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    body = batch(device, item(), item(), item(table="hamlets", data={"name": "Thôn 1"}))
    first = push(http, device, body)
    assert first.status_code == 200
    again = push(http, device, body, compress=False)
    assert again.status_code == 200
    assert again.content == first.content
    assert again.json()["statuses"] == "aaa"
    assert _count(sessions, Record) == 3
    assert _count(sessions, Batch) == 1
    with sessions() as session:
        assert session.execute(select(func.max(Record.seq))).scalar_one() == 3


def test_repeated_batch_id_with_other_content_is_refused(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    body = batch(device, item())
    assert push(http, device, body).status_code == 200
    changed = {**body, "items": [item()]}
    response = push(http, device, changed)
    assert response.status_code == 409
    assert response.json()["code"] == "batch_content_mismatch"
    assert _count(sessions, Record) == 1


def test_batch_id_of_another_commune_is_refused(
    http: TestClient,
    enroll: Callable[[str], EnrolledDevice],
    sessions: sessionmaker[Session],
) -> None:
    first, other = enroll("12345"), enroll("54321")
    body = batch(first, item())
    assert push(http, first, body).status_code == 200
    theirs = batch(other, item(), batch_id=body["batch_id"])
    response = push(http, other, theirs)
    assert response.status_code == 409
    assert response.json()["code"] == "batch_id_taken"
    assert _count(sessions, Record) == 1


def test_sequence_numbers_increase_per_change(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    rows = [item() for _ in range(3)]
    _results(push(http, device, batch(device, *rows)))
    _results(push(http, device, batch(device, rows[0])))  # duplicate: no number
    _results(push(http, device, batch(device, {**rows[1], "version": 2, "base_version": 1})))
    with sessions() as session:
        seqs = {r.record_id: r.seq for r in session.execute(select(Record)).scalars()}
    assert seqs == {rows[0]["id"]: 1, rows[1]["id"]: 4, rows[2]["id"]: 3}


def test_communes_are_kept_apart(
    http: TestClient,
    enroll: Callable[[str], EnrolledDevice],
    sessions: sessionmaker[Session],
) -> None:
    a, b = enroll("12345"), enroll("54321")
    row = item()
    _results(push(http, a, batch(a, row)))
    # The same record id in another commune is another record, with its own numbering.
    [result] = _results(push(http, b, batch(b, {**row, "data": {"full_name": "Khác"}})))
    assert result["status"] == "applied"
    with sessions() as session:
        rows = session.execute(select(Record).order_by(Record.commune_code)).scalars().all()
        assert [(r.commune_code, r.seq) for r in rows] == [("12345", 1), ("54321", 1)]


def test_crash_mid_batch_leaves_nothing_and_the_retry_works(
    app: FastAPI,
    device: EnrolledDevice,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = batch(device, item(), item(), item())
    real_apply = push_service._BatchApplier.apply
    calls = {"n": 0}

    def crash_on_third(self: Any, raw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real_apply(self, raw)

    monkeypatch.setattr(push_service._BatchApplier, "apply", crash_on_third)
    with TestClient(app, raise_server_exceptions=False) as http:
        response = push(http, device, body)
        assert response.status_code == 500
        assert response.json()["code"] == "internal_error"
        assert _count(sessions, Record) == 0
        assert _count(sessions, Batch) == 0

        monkeypatch.setattr(push_service._BatchApplier, "apply", real_apply)
        retry = push(http, device, body)
        assert [r["status"] for r in _results(retry)] == ["applied"] * 3
        assert _count(sessions, Record) == 3


def test_push_records_when_the_device_was_last_seen(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        assert session.get(Device, device.device_id).last_seen_at is None  # type: ignore[union-attr]
    _results(push(http, device, batch(device, item())))
    with sessions() as session:
        assert session.get(Device, device.device_id).last_seen_at is not None  # type: ignore[union-attr]


@pytest.mark.parametrize("count", [0, 501])
def test_batch_size_is_bounded(http: TestClient, device: EnrolledDevice, count: int) -> None:
    body = batch(device, *[item() for _ in range(count)])
    response = push(http, device, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert "items" in response.json()["detail"]


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"commune_code": "54321"}, "commune_mismatch"),
        ({"device_id": new_id()}, "device_mismatch"),
    ],
)
def test_envelope_must_match_the_token(
    http: TestClient, device: EnrolledDevice, override: dict[str, str], code: str
) -> None:
    response = push(http, device, batch(device, item(), **override))
    assert response.status_code == 403
    assert response.json()["code"] == code


def test_invalid_envelope_is_a_400_naming_the_field(
    http: TestClient, device: EnrolledDevice
) -> None:
    response = push(http, device, batch(device, item(), batch_id="123"))
    assert response.status_code == 400
    assert "batch_id" in response.json()["detail"]
