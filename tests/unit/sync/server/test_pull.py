"""Pull by seq, stored batch answers, and the commune wall, through the real HTTP API."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from sync.protocol import PullResponse, PushResponse
from sync.server.services import corrections, users
from tests.unit.sync.server.support import EnrolledDevice, batch, item, push


def _pull(http: TestClient, device: EnrolledDevice, after: int = 0, limit: int = 500) -> dict:  # type: ignore[type-arg]
    response = http.get(
        f"/api/v1/communes/{device.commune_code}/changes",
        params={"after": after, "limit": limit},
        headers=device.headers,
    )
    assert response.status_code == 200, response.text
    PullResponse.model_validate_json(response.content)
    return response.json()  # type: ignore[no-any-return]


def test_pull_pages_in_seq_order_and_skips_the_devices_own_rows(
    http: TestClient, enroll: Callable[[str], EnrolledDevice]
) -> None:
    writer, reader = enroll("12345"), enroll("12345")
    rows = [item(data={"sex": n}) for n in range(5)]
    assert push(http, writer, batch(writer, *rows)).status_code == 200
    edit = {**rows[0], "version": 2, "base_version": 1}
    assert push(http, writer, batch(writer, edit)).status_code == 200
    own = _pull(http, writer)
    assert (own["records"], own["next_after"], own["more"]) == ([], 6, False)  # its own rows
    first = _pull(http, reader, limit=2)
    assert [r["seq"] for r in first["records"]] == [2, 3]
    assert first["more"] and first["next_after"] == 3
    rest = _pull(http, reader, after=first["next_after"], limit=10)
    assert [r["seq"] for r in rest["records"]] == [4, 5, 6]
    assert not rest["more"] and rest["next_after"] == 6
    # Row 0 moved to the end of the order when it changed, with its new version.
    assert (rest["records"][-1]["id"], rest["records"][-1]["version"]) == (rows[0]["id"], 2)
    assert _pull(http, reader, after=6)["records"] == []


def test_pull_is_walled_to_the_tokens_commune(
    http: TestClient, enroll: Callable[[str], EnrolledDevice]
) -> None:
    ours, theirs = enroll("12345"), enroll("54321")
    assert push(http, theirs, batch(theirs, item())).status_code == 200
    response = http.get("/api/v1/communes/54321/changes", headers=ours.headers)
    assert response.status_code == 403
    assert response.json()["code"] == "commune_mismatch"
    assert _pull(http, ours)["records"] == []
    assert http.get("/api/v1/communes/12345/changes").status_code == 401


def test_bad_cursor_and_limit_are_400s(http: TestClient, device: EnrolledDevice) -> None:
    for params in ({"after": -1}, {"limit": 0}, {"limit": 5000}, {"after": "x"}):
        response = http.get("/api/v1/communes/12345/changes", params=params, headers=device.headers)
        assert response.status_code == 400, params


def test_a_stored_answer_is_given_back_without_the_batch(
    http: TestClient, enroll: Callable[[str], EnrolledDevice]
) -> None:
    device, stranger = enroll("12345"), enroll("54321")
    body = batch(device, item(), item(version=0))
    sent = push(http, device, body)
    path = f"/api/v1/communes/12345/batches/{body['batch_id']}"
    answer = http.get(path, headers=device.headers)
    assert answer.status_code == 200
    assert answer.content == sent.content
    assert PushResponse.model_validate_json(answer.content).statuses == "ar"
    unknown = http.get(f"/api/v1/communes/12345/batches/{item()['id']}", headers=device.headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "batch_unknown")
    # Another commune's device learns nothing about this batch, not even that it exists.
    walled = http.get(
        f"/api/v1/communes/54321/batches/{body['batch_id']}", headers=stranger.headers
    )
    assert walled.status_code == 404
    assert http.get(path, headers=stranger.headers).status_code == 403
    bad = http.get("/api/v1/communes/12345/batches/khong-phai-uuid", headers=device.headers)
    assert bad.status_code == 400


def test_upstream_correction_reaches_every_device_and_conflicts_with_stale_edits(
    http: TestClient,
    enroll: Callable[[str], EnrolledDevice],
    sessions: sessionmaker[Session],
) -> None:
    device = enroll("12345")
    row = item(data={"full_name": "Lò Văn A", "notes": ""})
    push(http, device, batch(device, row))
    officer = users.create_user(sessions, "canbo.tinh", "Cán bộ tỉnh", "mat-khau-dai-1", "12345")
    done = corrections.correct(
        sessions,
        officer,
        commune_code="12345",
        table="persons",
        record_id=row["id"],
        changes={"notes": "Tỉnh sửa"},
    )
    assert (done.version, done.seq) == (2, 2)
    [pulled] = _pull(http, device)["records"]  # a correction is not the device's own write
    assert (pulled["upstream"], pulled["data"]["notes"]) == (True, "Tỉnh sửa")
    assert pulled["updated_by"] == "cấp trên: canbo.tinh"
    stale = {**row, "version": 2, "base_version": 1, "data": {**row["data"], "notes": "Xã"}}
    answer = push(http, device, batch(device, stale)).json()
    assert answer["statuses"] == "c"
    [problem] = answer["problems"]
    assert problem["server_upstream"] is True and problem["server_data"]["notes"] == "Tỉnh sửa"
