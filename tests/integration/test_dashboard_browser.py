"""The dashboard in a real browser: Debian's chromium driven by Playwright (no browser
download). Log in, see a late commune, open its report, approve one, return another with a
comment, the commune's device receives the decision, export the combined table, open the .xlsx.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
from openpyxl import load_workbook

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


def test_officer_approves_returns_and_exports(sync_server: ServerProcess, tmp_path: Path) -> None:
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
    second = _enrol(sync_server, "22222")
    approved = _send(sync_server, first, [Figure("CT05a", "percent", 98.0, 49, 50)])
    returned = _send(sync_server, second, [Figure("CT05a", "percent", 50.0, 25, 50)])

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

    decisions = requests.get(
        f"{sync_server.url}/api/v1/communes/22222/report-decisions",
        headers={"Authorization": f"Bearer {second['token']}"},
        timeout=10,
    ).json()["decisions"]
    assert [(d["report_id"], d["decision"]) for d in decisions] == [(returned, "returned")]
    assert "chưa khớp sổ" in decisions[0]["comment"]
    assert os.environ.get("SOTREEM_SERVER_INSECURE_COOKIE") is None
