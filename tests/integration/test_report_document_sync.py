"""A commune's finalised report reaches the real server with its PDF: the officer finalises in
the app (a real SQLCipher book), the sync service sends it to `sotreem-server serve` on
127.0.0.1, an approver in scope downloads the very bytes (SHA-256), one out of scope gets 404;
a reopened and refinalised report gives version 2 its own document and keeps version 1's.
The same download, clicked in Debian's chromium (Playwright, no browser download)."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader

from desktop.core.services.book import Book
from desktop.core.services.indicators import IndicatorService
from desktop.core.sync_service import SyncService
from tests.integration.conftest import ServerProcess
from tests.integration.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS
from tests.unit.core.sync.helpers import add_household
from tests.unit.sync.server.report_support import PASSWORD

# A period whose dates are all in the past on any day this test can run.
PERIOD = "2020-H1"
COOKIE = "sotreem_phien"


def _user(server: ServerProcess, username: str, communes: str) -> None:
    server.cli(
        "create-user", "--username", username, "--full-name", f"Cán bộ {username}",
        "--communes", communes, "--role", "approver",
        env={"SOTREEM_SERVER_PASSWORD": PASSWORD},
    )  # fmt: skip


def _signed_in(server: ServerProcess, username: str) -> dict[str, str]:
    """The session cookie of ``username``, as a header (requests keeps a Secure cookie for
    https only; the browser test below lets chromium handle it)."""
    answer = requests.post(
        f"{server.url}/dang-nhap",
        data={"username": username, "password": PASSWORD, "tiep": "/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303, answer.text
    return {"Cookie": f"{COOKIE}={answer.cookies[COOKIE]}"}


def _finalised_and_synced(server: ServerProcess, book: Book, hamlet: str) -> SyncService:
    add_household(book, hamlet, "1", children=2)
    IndicatorService(book).finalise(PERIOD)
    app = SyncService(book)
    app.enroll(server.url, server.issue_enrollment_code("12345"))
    sent = app.sync()
    assert not sent.failed and sent.rejected == 0, sent.message_vi
    return app


def test_the_finalised_pdf_reaches_the_approver_byte_for_byte(
    sync_server: ServerProcess, book: Book, hamlet_id: str
) -> None:
    _user(sync_server, "duyet.xa", "12345")
    _user(sync_server, "duyet.khac", "11111")
    app = _finalised_and_synced(sync_server, book, hamlet_id)
    indicators = IndicatorService(book)
    first_id = indicators.state(PERIOD).report_id
    first_info, first = indicators.document(PERIOD, 1)

    mine = _signed_in(sync_server, "duyet.xa")
    page = requests.get(f"{sync_server.url}/bao-cao/{first_id}", headers=mine, timeout=10)
    assert page.status_code == 200 and "Tải văn bản báo cáo (PDF)" in page.text
    got = requests.get(
        f"{sync_server.url}/bao-cao/{first_id}/van-ban.pdf", headers=mine, timeout=10
    )
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == f'attachment; filename="{first_info.file_name}"'
    assert hashlib.sha256(got.content).hexdigest() == first_info.sha256
    assert got.content == first
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(got.content)).pages)
    assert "6 tháng đầu năm 2020" in text and "(phiên bản 1)" in text
    assert "Trần Thị Bé" not in text and "Trần Văn Chủ" not in text  # numbers, not children

    other = _signed_in(sync_server, "duyet.khac")
    for path in (f"/bao-cao/{first_id}", f"/bao-cao/{first_id}/van-ban.pdf"):
        refused = requests.get(sync_server.url + path, headers=other, timeout=10)
        assert refused.status_code == 404, path

    # Reopened, corrected, finalised again: version 2 gets its own document upstream.
    indicators.reopen(PERIOD, "Bổ sung số liệu khai sinh")
    indicators.finalise(PERIOD)
    again = app.sync()
    assert not again.failed and again.rejected == 0, again.message_vi
    second_id = indicators.state(PERIOD).report_id
    second_info, second = indicators.document(PERIOD, 2)
    assert second_id != first_id and second_info.file_name.endswith("-v2.pdf")
    newer = requests.get(
        f"{sync_server.url}/bao-cao/{second_id}/van-ban.pdf", headers=mine, timeout=10
    )
    assert newer.content == second and second != first
    kept = requests.get(
        f"{sync_server.url}/bao-cao/{first_id}/van-ban.pdf", headers=mine, timeout=10
    )
    assert kept.content == first


@pytest.mark.skipif(
    not Path(CHROMIUM).exists() or shutil.which("chromium") is None,
    reason="needs Debian's chromium at /usr/bin/chromium (CI: apt-get install chromium)",
)
def test_the_approver_clicks_the_download_in_a_browser(
    sync_server: ServerProcess, book: Book, hamlet_id: str, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="needs Playwright's Python package (dev extra)"
    )
    _user(sync_server, "duyet.xa", "12345")
    _finalised_and_synced(sync_server, book, hamlet_id)
    indicators = IndicatorService(book)
    report_id = indicators.state(PERIOD).report_id
    info, data = indicators.document(PERIOD, 1)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(accept_downloads=True, locale="vi-VN")
            page = context.new_page()
            page.goto(f"{sync_server.url}/bao-cao/{report_id}")
            page.fill("input[name=username]", "duyet.xa")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"**/bao-cao/{report_id}")
            with page.expect_download() as download:
                page.get_by_role("link", name="Tải văn bản báo cáo (PDF)").click()
            assert download.value.suggested_filename == info.file_name
            target = tmp_path / info.file_name
            download.value.save_as(target)
        finally:
            browser.close()
    assert hashlib.sha256(target.read_bytes()).hexdigest() == info.sha256
    assert target.read_bytes() == data
