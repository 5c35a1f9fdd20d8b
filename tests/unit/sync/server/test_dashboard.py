"""The upstream dashboard over HTTP, on SQLite and PostgreSQL: sign-in and its limits,
sessions, CSRF, scope (404 outside it), roles, decisions reaching the commune, on-time and
late against the calendar, combined numbers recomputed from summed parts, exports."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sync import clock
from sync.server.models import AuditEntry, ReportValue
from sync.server.services import dashboard
from tests.unit.sync.server.report_support import (
    Figure,
    csrf_of,
    make_user,
    report_row,
    send_report,
    sign_in,
    value_rows,
)
from tests.unit.sync.server.support import EnrolledDevice, batch, push

H1_FIGURES_A = [Figure("CT05a", "percent", 98.0, 49, 50), Figure("CT14", "count", 12.0)]
H1_FIGURES_B = [Figure("CT05a", "percent", 2.0, 1, 50), Figure("CT14", "count", 30.0)]


def _at(year: int, month: int, day: int, hour: int = 9) -> time_machine.travel:
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=clock.VIETNAM))


@pytest.fixture
def two_communes(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> dict[str, str]:
    """Communes 11111 (on time) and 22222 (late) sent their 2026-H1 report; 33333 did not."""
    a, b, _c = enroll("11111"), enroll("22222"), enroll("33333")
    dashboard.save_commune(
        sessions, "test", code="11111", name="Xã Hoàng Kim", commune_type="rural", province_code=""
    )
    with _at(2026, 5, 9):
        first = send_report(web, a, "2026-H1", H1_FIGURES_A)
    with _at(2026, 5, 12):
        late = send_report(web, b, "2026-H1", H1_FIGURES_B)
    make_user(sessions, "duyet.tinh", "approver", "*")
    make_user(sessions, "duyet.mot", "approver", "11111")
    make_user(sessions, "xem.tinh", "viewer", "*")
    make_user(sessions, "quantri", "administrator", "*")
    return {"11111": first, "22222": late}


@pytest.mark.parametrize(
    "path", ["/", "/xa", "/ky/2026-H1", "/ky/2026-H1/chi-tieu.xlsx", "/quan-tri"]
)
def test_pages_need_a_session(web: TestClient, path: str) -> None:
    response = web.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dang-nhap")


def test_session_cookie_is_secure_httponly_strict(
    web: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "xem.tinh", "viewer")
    response = web.post(
        "/dang-nhap",
        data={"username": "xem.tinh", "password": "mat-khau-cap-tren-2026"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    page = web.get("/xa")
    assert page.status_code == 200 and "Các xã" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_login_is_rate_limited(web: TestClient, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "xem.tinh", "viewer")
    for _ in range(5):
        wrong = web.post("/dang-nhap", data={"username": "xem.tinh", "password": "sai-mat-khau"})
        assert wrong.status_code == 401
        assert "không đúng" in wrong.text
    blocked = web.post(
        "/dang-nhap", data={"username": "xem.tinh", "password": "mat-khau-cap-tren-2026"}
    )
    assert blocked.status_code == 403 and "quá nhiều lần" in blocked.text


def test_session_expires_when_idle(web: TestClient, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "xem.tinh", "viewer")
    with _at(2026, 6, 1, 9) as trip:
        sign_in(web, "xem.tinh")
        assert web.get("/xa", follow_redirects=False).status_code == 200
        trip.shift(timedelta(minutes=31))
        assert web.get("/xa", follow_redirects=False).status_code == 303


def test_overview_shows_late_and_on_time(web: TestClient, two_communes: dict[str, str]) -> None:
    sign_in(web, "xem.tinh")
    page = web.get("/ky/2026-H1")
    assert page.status_code == 200
    assert 'data-commune="11111"' in page.text and "Đã gửi đúng hạn" in page.text
    assert "Đã gửi muộn" in page.text and "Chưa bắt đầu" in page.text
    # 2 of 3 received, 1 of 3 on time
    assert "66,7%" in page.text and "33,3%" in page.text
    assert "<svg" in page.text
    assert "http://" not in page.text and "https://" not in page.text


def test_combined_rates_come_from_summed_parts(
    web: TestClient, two_communes: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    sign_in(web, "xem.tinh")
    page = web.get("/ky/2026-H1/chi-tieu")
    assert page.status_code == 200
    # (49 + 1) / (50 + 50) = 50 %, not an average of 98 and 2 (also 50) — so check a count too
    assert ">50 %<" in page.text.replace("</td>", "<").replace("<td>", ">")
    assert ">42 số<" in page.text.replace("</td>", "<").replace("<td>", ">")
    drill = web.get("/ky/2026-H1/chi-tieu?ma=CT05a")
    assert "11111 Xã Hoàng Kim" in drill.text and "22222" in drill.text
    workbook = web.get("/ky/2026-H1/chi-tieu.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content))["Tổng hợp"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["CT05a"][3] == 50.0 and rows["CT05a"][4] == 50 and rows["CT05a"][5] == 100
    assert rows["CT14"][3] == 42.0
    pdf = web.get("/ky/2026-H1/chi-tieu.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_weighted_not_averaged(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    small, big = enroll("11111"), enroll("22222")
    send_report(web, small, "2026", [Figure("CT05a", "percent", 100.0, 10, 10)])
    send_report(web, big, "2026", [Figure("CT05a", "percent", 50.0, 45, 90)])
    make_user(sessions, "xem.tinh", "viewer")
    sign_in(web, "xem.tinh")
    sheet = load_workbook(io.BytesIO(web.get("/ky/2026/chi-tieu.xlsx").content))["Tổng hợp"]
    row = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == "CT05a")
    assert row[3] == 55.0  # 55/100, not (100 + 50) / 2 = 75


def test_implausible_values_are_flagged(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    a = enroll("11111")
    send_report(web, a, "2025-H1", [Figure("CT05a", "percent", 95.0, 95, 100)])
    send_report(web, a, "2026-H1", [Figure("CT05a", "percent", 40.0, 40, 100)])
    b = enroll("22222")
    send_report(web, b, "2026-H1", [Figure("CT05a", "percent", 150.0, 15, 10)])
    make_user(sessions, "xem.tinh", "viewer")
    sign_in(web, "xem.tinh")
    drill = web.get("/ky/2026-H1/chi-tieu?ma=CT05a").text
    assert "thay đổi lớn so với cùng kỳ năm trước (95 → 40)" in drill
    assert "ngoài khoảng 0–100" in drill and "tử số lớn hơn mẫu số" in drill


def test_out_of_scope_report_is_404(web: TestClient, two_communes: dict[str, str]) -> None:
    csrf = sign_in(web, "duyet.mot")
    assert web.get(f"/bao-cao/{two_communes['11111']}").status_code == 200
    other = two_communes["22222"]
    assert web.get(f"/bao-cao/{other}").status_code == 404
    answer = web.post(f"/bao-cao/{other}/quyet-dinh", data={"csrf": csrf, "quyet_dinh": "duyet"})
    assert answer.status_code == 404
    overview = web.get("/ky/2026-H1").text
    assert "22222" not in overview


def test_csrf_is_required(web: TestClient, two_communes: dict[str, str]) -> None:
    sign_in(web, "duyet.tinh")
    target = f"/bao-cao/{two_communes['11111']}/quyet-dinh"
    assert web.post(target, data={"quyet_dinh": "duyet"}).status_code == 403
    assert web.post(target, data={"csrf": "x" * 43, "quyet_dinh": "duyet"}).status_code == 403
    assert "Chờ" not in web.get(f"/bao-cao/{two_communes['11111']}").text


def test_viewer_cannot_decide(web: TestClient, two_communes: dict[str, str]) -> None:
    csrf = sign_in(web, "xem.tinh")
    page = web.get(f"/bao-cao/{two_communes['11111']}")
    assert "Duyệt báo cáo" not in page.text
    answer = web.post(
        f"/bao-cao/{two_communes['11111']}/quyet-dinh", data={"csrf": csrf, "quyet_dinh": "duyet"}
    )
    assert answer.status_code == 403
    assert web.get("/quan-tri").status_code == 403


def test_approve_locks_and_return_reaches_the_commune(
    web: TestClient,
    two_communes: dict[str, str],
    enroll: Callable[[str], EnrolledDevice],
    sessions: sessionmaker[Session],
) -> None:
    csrf = sign_in(web, "duyet.tinh")
    first, late = two_communes["11111"], two_communes["22222"]
    done = web.post(f"/bao-cao/{first}/quyet-dinh", data={"csrf": csrf, "quyet_dinh": "duyet"})
    assert done.status_code == 200 and "Đã duyệt báo cáo" in done.text
    again = web.post(
        f"/bao-cao/{first}/quyet-dinh",
        data={"csrf": csrf, "quyet_dinh": "tra_lai", "nhan_xet": "Trả lại sau khi duyệt"},
    )
    assert again.status_code == 409
    no_reason = web.post(
        f"/bao-cao/{late}/quyet-dinh", data={"csrf": csrf, "quyet_dinh": "tra_lai", "nhan_xet": ""}
    )
    assert no_reason.status_code == 400
    returned = web.post(
        f"/bao-cao/{late}/quyet-dinh",
        data={
            "csrf": csrf,
            "quyet_dinh": "tra_lai",
            "nhan_xet": "CT14 chưa khớp sổ, đề nghị rà lại",
        },
    )
    assert returned.status_code == 200 and "CT14 chưa khớp sổ" in returned.text
    # The commune app pulls the decision with its device token.
    device = enroll("22222")
    answer = web.get("/api/v1/communes/22222/report-decisions", headers=device.headers)
    assert answer.status_code == 200
    body = answer.json()
    assert [d["decision"] for d in body["decisions"]] == ["returned"]
    assert body["decisions"][0]["comment"] == "CT14 chưa khớp sổ, đề nghị rà lại"
    assert body["decisions"][0]["report_id"] == late
    after = web.get(
        f"/api/v1/communes/22222/report-decisions?after={body['next_after']}",
        headers=device.headers,
    )
    assert after.json()["decisions"] == []
    # Another commune's device sees nothing of it.
    foreign = web.get("/api/v1/communes/22222/report-decisions", headers=enroll("11111").headers)
    assert foreign.status_code == 403
    # The commune resubmits a version 2: "Gửi lại"; version 1 keeps its history.
    send_report(web, device, "2026-H1", [Figure("CT14", "count", 31.0)], version=2)
    overview = web.get("/ky/2026-H1").text
    assert "Gửi lại" in overview and "Đã duyệt" in overview
    # The approved report is locked: a later change of its numbers is not taken in.
    a_device = enroll("11111")
    with sessions() as session:
        value_id = session.scalars(
            select(ReportValue.id).where(
                ReportValue.report_id == first, ReportValue.indicator_code == "CT14"
            )
        ).one()
    changed = value_rows(first, [Figure("CT14", "count", 999.0)])[0] | {
        "id": value_id,
        "version": 2,
        "base_version": 1,
    }
    assert push(web, a_device, batch(a_device, changed)).status_code == 200
    with sessions() as session:
        assert session.get(ReportValue, value_id).value == 12.0  # type: ignore[union-attr]
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"report_approved", "report_returned", "login"} <= actions


def test_admin_changes_are_audited(web: TestClient, two_communes: dict[str, str]) -> None:
    csrf = sign_in(web, "quantri")
    saved = web.post(
        "/quan-tri/lich",
        data={
            "csrf": csrf,
            "province_code": "",
            "year": "2026",
            "report_type": "H1",
            "due_day": "15",
            "due_month": "5",
        },
    )
    assert saved.status_code == 200 and "Đã lưu lịch báo cáo" in saved.text
    tier = web.post(
        "/quan-tri/cap",
        data={"csrf": csrf, "tier": "district", "office": "Phòng Văn hóa – Xã hội huyện Tân Khai"},
    )
    assert "Phòng Văn hóa – Xã hội huyện Tân Khai" in tier.text
    made = web.post(
        "/quan-tri/nguoi-dung",
        data={
            "csrf": csrf,
            "username": "moi.xa",
            "full_name": "Người Mới",
            "password": "mat-khau-moi-2026",
            "role": "approver",
            "communes": "11111",
        },
    )
    assert "Đã tạo tài khoản moi.xa" in made.text
    code = web.post("/quan-tri/xa/11111/ma-dang-ky", data={"csrf": csrf, "hours": "24"})
    assert code.status_code == 200 and 'id="issued-code"' in code.text
    page = web.get("/quan-tri").text
    for action in ("deadline_saved", "tier_saved", "user_created", "enrollment_code"):
        assert action in page
    # A report arriving on 14/05/2026 is on time under the new 15/5 deadline.
    assert "15/05" in page
    assert csrf_of(page)


def test_revoke_device_from_the_dashboard(
    web: TestClient, two_communes: dict[str, str], enroll: Callable[[str], EnrolledDevice]
) -> None:
    device = enroll("11111")
    csrf = sign_in(web, "quantri")
    page = web.post(f"/quan-tri/may/{device.device_id}/thu-hoi", data={"csrf": csrf})
    assert page.status_code == 200 and "Đã thu hồi máy" in page.text
    assert (
        push(
            web, device, batch(device, report_row("0" * 8 + "-0000-4000-8000-" + "0" * 12, "2026"))
        ).status_code
        == 401
    )
