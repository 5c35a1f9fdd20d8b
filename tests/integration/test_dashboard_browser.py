"""The dashboard in a real browser: Debian's chromium driven by Playwright (no browser
download). Log in, see a late commune, open its report, approve one, return another with a
comment, sync the commune app (the real sync service on a real SQLCipher book) and see the
decision on its home screen, export the combined table, open the .xlsx.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
from openpyxl import load_workbook

from desktop.core.services.book import Book
from desktop.core.services.indicators import IndicatorService
from desktop.core.sync_service import SyncService
from desktop.ui.home.summary import OVERDUE, collect
from sync import clock
from tests.integration.conftest import ServerProcess
from tests.unit.sync.server.report_support import (
    PASSWORD,
    Figure,
    report_row,
    value_rows,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# A period whose deadline (10/05/2020) has passed on any day this test can run.
PERIOD = "2020-H1"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or shutil.which("chromium") is None,
    reason="needs Debian's chromium at /usr/bin/chromium (CI: apt-get install chromium)",
)


def _enrol(server: ServerProcess, commune: str) -> dict[str, str]:
    code = server.issue_enrollment_code(commune)
    answer = requests.post(
        server.url + "/api/v1/enroll",
        json={"code": code, "commune_code": commune, "device_name": "Máy UBND xã"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, str] = answer.json()
    return body


def _send(server: ServerProcess, device: dict[str, str], figures: list[Figure]) -> str:
    import uuid

    report_id = str(uuid.uuid4())
    body: dict[str, Any] = {
        "protocol_version": 1,
        "batch_id": str(uuid.uuid4()),
        "commune_code": device["commune_code"],
        "device_id": device["device_id"],
        "items": [report_row(report_id, PERIOD), *value_rows(report_id, figures)],
    }
    answer = requests.post(
        f"{server.url}/api/v1/communes/{device['commune_code']}/push",
        json=body,
        headers={"Authorization": f"Bearer {device['token']}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return report_id


def test_officer_approves_returns_and_exports(
    sync_server: ServerProcess, tmp_path: Path, book: Book
) -> None:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="needs Playwright's Python package (dev extra)"
    )
    sync_playwright = sync_api.sync_playwright

    env = {"SOTREEM_SERVER_PASSWORD": PASSWORD}
    sync_server.cli(
        "create-user", "--username", "duyet.tinh", "--full-name", "Lê Thị Duyệt",
        "--communes", "*", "--role", "approver", env=env,
    )  # fmt: skip
    first = _enrol(sync_server, "11111")
    approved = _send(sync_server, first, [Figure("CT05a", "percent", 98.0, 49, 50)])
    # Commune 12345's report comes from its own app: finalised in the book, sent by a sync.
    indicators = IndicatorService(book)
    indicators.finalise(PERIOD)
    commune_app = SyncService(book)
    commune_app.enroll(sync_server.url, sync_server.issue_enrollment_code("12345"))
    sent = commune_app.sync()
    assert not sent.failed and sent.rejected == 0 and sent.decisions == 0, sent.message_vi
    returned = indicators.state(PERIOD).report_id
    assert returned is not None

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(accept_downloads=True, locale="vi-VN")
            external: list[str] = []
            context.on(
                "request",
                lambda r: (
                    external.append(r.url)
                    if not r.url.startswith(sync_server.url) and not r.url.startswith("data:")
                    else None
                ),
            )
            page = context.new_page()
            page.goto(f"{sync_server.url}/ky/{PERIOD}")
            page.fill("input[name=username]", "duyet.tinh")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"**/ky/{PERIOD}")
            late_row = page.locator('tr[data-commune="11111"]')
            assert "Đã gửi muộn" in late_row.inner_text()

            late_row.get_by_role("link", name="Xem báo cáo").click()
            page.wait_for_url(f"**/bao-cao/{approved}")
            assert "98" in page.inner_text("main")
            page.get_by_role("button", name="Duyệt báo cáo").click()
            assert "Đã duyệt" in page.inner_text("#report-status")

            page.goto(f"{sync_server.url}/bao-cao/{returned}")
            page.fill(
                "textarea[name=nhan_xet]", "Số trẻ được tiêm chủng chưa khớp sổ, đề nghị rà lại"
            )
            page.get_by_role("button", name="Trả lại cho xã").click()
            assert "Trả lại" in page.inner_text("#report-status")
            assert "chưa khớp sổ" in page.inner_text("#history")

            page.goto(f"{sync_server.url}/ky/{PERIOD}/chi-tieu")
            with page.expect_download() as download:
                page.click("#export-xlsx")
            target = tmp_path / "tong-hop.xlsx"
            download.value.save_as(target)
            assert not external, external
        finally:
            browser.close()

    sheet = load_workbook(target)["Tổng hợp"]
    row = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == "CT05a")
    assert (row[3], row[4], row[5]) == (98, 49, 50)  # the approved one only: the returned is out

    # The commune app syncs and sees the decision: on the report and on its home screen.
    received = commune_app.sync()
    assert not received.failed and received.decisions == 1, received.message_vi
    state = indicators.state(PERIOD)
    assert state.decision is not None and state.decision.report_id == returned
    assert state.decision.decision == "returned" and not state.approved
    home = collect(book, clock.today(), commune_app)
    line = home.line(f"decision:{PERIOD}")
    assert line is not None and line.level == OVERDUE
    assert line.text.startswith("Báo cáo 6 tháng đầu năm 2020 (phiên bản 1) bị trả lại ngày ")
    assert line.text.endswith(": Số trẻ được tiêm chủng chưa khớp sổ, đề nghị rà lại")
    assert os.environ.get("SOTREEM_SERVER_INSECURE_COOKIE") is None
