"""A report version's PDF upstream, on SQLite and PostgreSQL: stored once per version (checked
against its SHA-256), downloaded by upstream officers in scope (404 outside it) and audited,
locked with an approval, and paged sparingly to the commune's other computers."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sync.server.models import AuditEntry, ReportDocument
from tests.unit.sync.server.report_support import (
    Figure,
    make_user,
    report_row,
    sign_in,
    value_rows,
)
from tests.unit.sync.server.support import EnrolledDevice, batch, expand, new_id, push

FIGURES = [Figure("CT05a", "percent", 98.0, 49, 50), Figure("CT14", "count", 12.0)]


def _pdf(text: str) -> bytes:
    """A small real PDF (what the app's renderer makes, reduced to one line of text)."""
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def document_row(
    report_id: str, content: bytes, *, doc_id: str | None = None, version: int = 1
) -> dict[str, Any]:
    """The ``report_documents`` item of one report version's PDF."""
    return {
        "table": "report_documents",
        "id": doc_id or new_id(),
        "version": version,
        "base_version": version - 1,
        "deleted": False,
        "updated_at": "2026-05-01T08:00:00+07:00",
        "updated_by": "can-bo-xa",
        "data": {
            "report_id": report_id,
            "file_name": "bao-cao-11111-2026-H1-v1.pdf",
            "size_bytes": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "content_base64": base64.b64encode(content).decode("ascii"),
        },
    }


def _send(web: TestClient, device: EnrolledDevice, content: bytes) -> tuple[str, dict[str, Any]]:
    report_id = new_id()
    doc = document_row(report_id, content)
    items = [report_row(report_id, "2026-H1"), *value_rows(report_id, FIGURES), doc]
    answer = push(web, device, batch(device, *items))
    assert answer.status_code == 200 and set(answer.json()["statuses"]) == {"a"}, answer.text
    return report_id, doc


@pytest.fixture
def communes(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> dict[str, Any]:
    """Communes 11111 and 22222 each sent a finalised 2026-H1 report with its PDF."""
    a, b = enroll("11111"), enroll("22222")
    make_user(sessions, "duyet.mot", "approver", "11111")
    make_user(sessions, "xem.tinh", "viewer", "*")
    first = _pdf("Bao cao xa 11111")
    second = _pdf("Bao cao xa 22222")
    id_a, doc_a = _send(web, a, first)
    id_b, _doc_b = _send(web, b, second)
    return {"device": a, "a": id_a, "b": id_b, "pdf_a": first, "doc_a": doc_a}


def test_an_approver_in_scope_downloads_the_very_file_and_it_is_audited(
    web: TestClient, communes: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    sign_in(web, "duyet.mot")
    page = web.get(f"/bao-cao/{communes['a']}")
    assert page.status_code == 200
    assert "Tải văn bản báo cáo (PDF)" in page.text
    assert f'href="/bao-cao/{communes["a"]}/van-ban.pdf"' in page.text
    got = web.get(f"/bao-cao/{communes['a']}/van-ban.pdf")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == (
        'attachment; filename="bao-cao-11111-2026-H1-v1.pdf"'
    )
    assert got.headers["x-content-type-options"] == "nosniff"
    assert hashlib.sha256(got.content).digest() == hashlib.sha256(communes["pdf_a"]).digest()
    with sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "report_document_downloaded")
        ).one()
    assert entry.username == "duyet.mot" and entry.target == "11111/2026-H1/v1"
    assert hashlib.sha256(communes["pdf_a"]).hexdigest() in entry.detail


def test_another_communes_document_answers_404_like_its_page(
    web: TestClient, communes: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    sign_in(web, "duyet.mot")
    assert web.get(f"/bao-cao/{communes['b']}").status_code == 404
    refused = web.get(f"/bao-cao/{communes['b']}/van-ban.pdf")
    assert refused.status_code == 404 and "Không có báo cáo" in refused.text
    assert web.get(f"/bao-cao/{new_id()}/van-ban.pdf").status_code == 404
    with sessions() as session:
        assert not session.scalars(
            select(AuditEntry).where(AuditEntry.action == "report_document_downloaded")
        ).all()


def test_a_viewer_in_scope_reads_it_too_but_a_session_is_needed(
    web: TestClient, communes: dict[str, Any]
) -> None:
    anonymous = web.get(f"/bao-cao/{communes['b']}/van-ban.pdf", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/dang-nhap")
    sign_in(web, "xem.tinh")
    assert web.get(f"/bao-cao/{communes['b']}/van-ban.pdf").content.startswith(b"%PDF-")


def test_a_version_without_its_pdf_yet_says_so(
    web: TestClient, communes: dict[str, Any], enroll: Callable[[str], EnrolledDevice]
) -> None:
    device = communes["device"]
    report_id = new_id()
    items = [report_row(report_id, "2026-9M"), *value_rows(report_id, FIGURES)]
    assert push(web, device, batch(device, *items)).status_code == 200
    sign_in(web, "duyet.mot")
    assert "Chưa nhận được văn bản báo cáo (PDF)" in web.get(f"/bao-cao/{report_id}").text
    missing = web.get(f"/bao-cao/{report_id}/van-ban.pdf")
    assert missing.status_code == 404 and "cần đồng bộ lại" in missing.text


def test_a_repushed_document_is_a_duplicate_and_a_damaged_one_is_refused(
    web: TestClient, communes: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    device, doc = communes["device"], communes["doc_a"]
    again = push(web, device, batch(device, doc))
    assert again.json()["statuses"] == "d"
    damaged = document_row(new_id(), _pdf("Bao cao khac"))
    damaged["data"]["sha256"] = hashlib.sha256(b"something else").hexdigest()
    cut = document_row(new_id(), _pdf("Bao cao bi cat"))
    cut["data"]["content_base64"] = base64.b64encode(_pdf("Bao cao bi cat")[:-40]).decode()
    answer = push(web, device, batch(device, damaged, cut)).json()
    results = expand(answer, [damaged, cut])
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert "SHA-256 không khớp nội dung tệp" in results[0]["reason"]
    assert "tệp bị cắt trên đường truyền" in results[1]["reason"]
    with sessions() as session:
        stored = session.scalars(select(ReportDocument)).all()
    assert sorted(d.report_id for d in stored) == sorted([communes["a"], communes["b"]])


def test_an_approved_versions_document_is_locked(
    web: TestClient, communes: dict[str, Any], sessions: sessionmaker[Session]
) -> None:
    csrf = sign_in(web, "duyet.mot")
    done = web.post(
        f"/bao-cao/{communes['a']}/quyet-dinh",
        data={"csrf": csrf, "quyet_dinh": "duyet"},
    )
    assert done.status_code == 200
    device, doc = communes["device"], communes["doc_a"]
    other = _pdf("Ban khac sau khi duyet")
    changed = document_row(communes["a"], other, doc_id=doc["id"], version=2)
    answer = push(web, device, batch(device, changed)).json()
    result = expand(answer, [changed])[0]
    assert result["status"] == "rejected" and "đã được cấp trên duyệt" in result["reason"]
    got = web.get(f"/bao-cao/{communes['a']}/van-ban.pdf")
    assert got.content == communes["pdf_a"]


def test_a_pull_page_carries_few_documents(
    web: TestClient, enroll: Callable[[str], EnrolledDevice]
) -> None:
    writer, reader = enroll("11111"), enroll("11111")
    for n in range(6):
        _send(web, writer, _pdf(f"Ban {n}"))
    seen: list[str] = []
    after, pages = 0, 0
    while True:
        page = web.get(
            "/api/v1/communes/11111/changes",
            params={"after": after, "limit": 1000},
            headers=reader.headers,
        ).json()
        pages += 1
        docs = [r for r in page["records"] if r["table"] == "report_documents"]
        assert len(docs) <= 4
        seen += [r["id"] for r in docs]
        after = page["next_after"]
        if not page["more"]:
            break
    assert len(seen) == len(set(seen)) == 6 and pages == 2


def test_a_version_approved_before_documents_were_kept_gets_its_first_one(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    device = enroll("11111")
    make_user(sessions, "duyet.mot", "approver", "11111")
    report_id = new_id()
    items = [report_row(report_id, "2026-H1"), *value_rows(report_id, FIGURES)]
    assert push(web, device, batch(device, *items)).json()["statuses"] == "a" * len(items)
    csrf = sign_in(web, "duyet.mot")
    web.post(f"/bao-cao/{report_id}/quyet-dinh", data={"csrf": csrf, "quyet_dinh": "duyet"})
    content = _pdf("Ban duoc ve tu so lieu da duyet")
    first = document_row(report_id, content)
    assert push(web, device, batch(device, first)).json()["statuses"] == "a"
    assert web.get(f"/bao-cao/{report_id}/van-ban.pdf").content == content
    # A second document of the approved version (or a change of the first) is refused.
    second = document_row(report_id, _pdf("Ban thu hai"))
    answer = push(web, device, batch(device, second)).json()
    assert "đã được cấp trên duyệt" in expand(answer, [second])[0]["reason"]
    assert web.get(f"/bao-cao/{report_id}/van-ban.pdf").content == content
