"""Hostile pushes and requests: each gets a clear refusal, never a 500, never a half write.

Found from the outside (issue 20): timestamps that overflow when moved to UTC, timestamps with
no offset, and lone surrogates ("\\ud800" in the JSON) broke the server. Runs on SQLite and,
with SOTREEM_TEST_PG_URL, on PostgreSQL.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sync.protocol import PushResponse
from sync.server.app import create_app
from sync.server.models import Batch, Device, Record
from sync.server.services import enrollment
from sync.server.settings import ServerSettings
from tests.unit.sync.server.support import EnrolledDevice, batch, item

# json.dumps escapes a lone surrogate as \ud800 (ensure_ascii), which is how an attacker
# sends it: valid JSON syntax, not valid Unicode.
LONE = "\ud800"


def _post(http: TestClient, device: EnrolledDevice, body: dict[str, Any]) -> Any:
    raw = json.dumps(body, ensure_ascii=True).encode("ascii")
    return http.post(
        f"/api/v1/communes/{device.commune_code}/push",
        content=raw,
        headers={**device.headers, "Content-Type": "application/json"},
    )


def _count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _statuses_and_reason(response: Any) -> tuple[str, str]:
    assert response.status_code == 200, response.text
    answer = PushResponse.model_validate_json(response.content)
    reasons = [p.reason or "" for p in answer.problems]
    return answer.statuses, " | ".join(reasons)


@pytest.mark.parametrize(
    "stamp",
    [
        "9999-12-31T23:59:59-23:59",  # overflowed when moved to UTC (was a 500)
        "0001-01-01T00:00:00+23:59",  # the same, downwards
        "2026-01-01T00:00:00",  # no offset (the connection was reset)
        "1899-12-31T23:59:59Z",
        "2101-01-01T00:00:00+07:00",
        "2026-13-01T00:00:00Z",
        "2026-01-01 00:00:00+07:00",
    ],
)
def test_hostile_timestamp_is_rejected_per_item(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session], stamp: str
) -> None:
    bad, good = item(updated_at=stamp), item()
    statuses, reason = _statuses_and_reason(_post(http, device, batch(device, bad, good)))
    assert statuses == "ra"
    assert "updated_at" in reason
    assert "múi giờ" in reason
    assert _count(sessions, Record) == 1  # the good one; the bad one left nothing


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"updated_by": "cán bộ " + LONE}, "updated_by"),
        ({"data": {"full_name": "Nguyễn" + LONE}}, "full_name"),
        ({"data": {"ho" + LONE: "Nguyễn"}}, "tên trường"),
        ({"table": "persons" + LONE}, "table"),
        ({"id": LONE}, "id"),
    ],
)
def test_lone_surrogate_is_rejected_per_item(
    http: TestClient,
    device: EnrolledDevice,
    sessions: sessionmaker[Session],
    overrides: dict[str, Any],
    field: str,
) -> None:
    bad, good = item(**overrides), item()
    response = _post(http, device, batch(device, good, bad))
    statuses, reason = _statuses_and_reason(response)
    assert statuses == "ar"
    assert field in reason
    assert _count(sessions, Record) == 1
    # The stored answer is valid UTF-8 and replays byte for byte.
    response.content.decode("utf-8")


def test_repeated_batch_with_a_surrogate_gets_the_same_answer(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    body = batch(device, item(updated_by=LONE), item())
    first = _post(http, device, body)
    again = _post(http, device, body)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert _count(sessions, Batch) == 1


@pytest.mark.parametrize("field", ["batch_id", "device_id", "commune_code"])
def test_lone_surrogate_in_the_header_is_a_clear_400(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session], field: str
) -> None:
    body = batch(device, item())
    body[field] = LONE
    response = _post(http, device, body)
    assert response.status_code == 400, response.text
    assert field in response.json()["detail"]
    assert _count(sessions, Record) == 0


@pytest.mark.parametrize("field", ["device_name", "code"])
def test_lone_surrogate_in_an_enrolment_is_refused_without_burning_the_code(
    http: TestClient, sessions: sessionmaker[Session], field: str
) -> None:
    code = enrollment.issue_code(sessions, "12345")
    body = {"code": code, "commune_code": "12345", "device_name": "Máy xã"}
    body[field] = body[field] + LONE
    response = http.post(
        "/api/v1/enroll",
        content=json.dumps(body).encode("ascii"),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert field in response.json()["detail"]
    assert _count(sessions, Device) == 0
    good = {"code": code, "commune_code": "12345", "device_name": "Máy xã"}
    assert http.post("/api/v1/enroll", json=good).status_code == 200


# -- the interactive docs -----------------------------------------------------------------


def test_docs_are_off_by_default(http: TestClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert http.get(path).status_code == 404, path


_REFERENCE = re.compile(r"""(?:src|href|url|spec-url)\s*[=:(]\s*['"]?([^'" )>]+)""", re.I)


def _html_pages(app: FastAPI) -> list[str]:
    # Every GET route without path parameters (a page a browser can open as such).
    paths = []
    for route in app.routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or set()
        if "GET" in methods and "{" not in path:
            paths.append(path)
    return paths


def test_every_html_page_refers_only_to_the_server_itself(
    settings: ServerSettings,
) -> None:
    app = create_app(replace(settings, docs=True))
    try:
        with TestClient(app) as http:
            pages = 0
            for path in _html_pages(app):
                response = http.get(path)
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue
                pages += 1
                html = response.text
                assert "http://" not in html and "https://" not in html, path
                assert not re.search(r"""['"(]//""", html), path  # protocol-relative
                for reference in _REFERENCE.findall(html):
                    assert reference.startswith("/"), (path, reference)
                    assert http.get(reference).status_code == 200, (path, reference)
            assert pages >= 2  # /docs and /redoc
    finally:
        app.state.engine.dispose()
