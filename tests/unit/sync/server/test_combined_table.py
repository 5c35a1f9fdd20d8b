"""The combined indicator table against a hand-computed expectation, on SQLite and PostgreSQL:
which report version counts for each commune (returned, resubmitted, draft), counts summed,
rates from summed parts, yes/no as a share of communes, and each commune's checks (range,
numerator above denominator, large jump from the same period last year)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from sync.server.services import reports, users
from sync.server.services.reports import Combined, CombinedIndicator
from tests.unit.sync.server.report_support import (
    Figure,
    make_user,
    report_row,
    send_report,
    sign_in,
    value_rows,
)
from tests.unit.sync.server.support import EnrolledDevice, batch, new_id, push


@pytest.fixture
def province(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    """Six communes, last year's and this year's first-half reports.

    2025-H1: 11111 (CT01 100, CT02 90/100), 22222 (CT01 5, CT02 40/50).
    2026-H1: 11111 and 22222 finalised; 33333 returned v1 (CT01 1000) then sent v2;
    44444 returned and not resent; 55555 only a draft; 66666 a negative count and no rate.
    """
    devices = {code: enroll(code) for code in ("11111", "22222", "33333", "44444", "55555")}
    devices["66666"] = enroll("66666")
    make_user(sessions, "duyet.tinh", "approver", "*")
    approver = users.find_user(sessions, "duyet.tinh")
    send_report(
        web,
        devices["11111"],
        "2025-H1",
        [Figure("CT01", "count", 100.0), Figure("CT02", "percent", 90.0, 90, 100)],
    )
    send_report(
        web,
        devices["22222"],
        "2025-H1",
        [Figure("CT01", "count", 5.0), Figure("CT02", "percent", 80.0, 40, 50)],
    )
    send_report(
        web,
        devices["11111"],
        "2026-H1",
        [
            Figure("CT01", "count", 40.0),
            Figure("CT02", "percent", 60.0, 60, 100),
            Figure("CT03", "yes_no", 1.0),
        ],
    )
    send_report(
        web,
        devices["22222"],
        "2026-H1",
        [
            Figure("CT01", "count", 12.0),
            Figure("CT02", "percent", 150.0, 15, 10),
            Figure("CT03", "yes_no", 0.0),
        ],
    )
    first = send_report(web, devices["33333"], "2026-H1", [Figure("CT01", "count", 1000.0)])
    reports.decide(sessions, approver, first, decision="returned", comment="CT01 chưa đúng sổ")
    send_report(
        web,
        devices["33333"],
        "2026-H1",
        [
            Figure("CT01", "count", 20.0),
            Figure("CT02", "percent", 50.0, 25, 50),
            Figure("CT03", "yes_no", 1.0),
        ],
        version=2,
    )
    gone = send_report(web, devices["44444"], "2026-H1", [Figure("CT01", "count", 7777.0)])
    reports.decide(sessions, approver, gone, decision="returned", comment="Thiếu số liệu CT02")
    draft = new_id()
    items = [
        report_row(draft, "2026-H1", state="draft"),
        *value_rows(draft, [Figure("CT01", "count", 5555.0)]),
    ]
    assert push(web, devices["55555"], batch(devices["55555"], *items)).status_code == 200
    send_report(
        web,
        devices["66666"],
        "2026-H1",
        [Figure("CT01", "count", -3.0), Figure("CT02", "percent", None)],
    )
    make_user(sessions, "xem.tinh", "viewer", "*")
    make_user(sessions, "xem.hai", "viewer", "11111,22222")


def _combined(sessions: sessionmaker[Session], username: str, **kw: bool) -> Combined:
    return reports.combined(sessions, users.find_user(sessions, username), "2026-H1", **kw)


def _by_code(table: Combined) -> dict[str, CombinedIndicator]:
    return {i.code: i for i in table.indicators}


def test_combined_sums_and_flags_match_the_hand_computed_table(
    province: None, sessions: sessionmaker[Session]
) -> None:
    table = _combined(sessions, "xem.tinh", every_commune=True)
    # Counted: 11111, 22222, 33333 (its version 2), 66666; not 44444 (returned), 55555 (draft).
    assert table.communes == 4
    assert [i.code for i in table.indicators] == ["CT01", "CT02", "CT03"]
    ct = _by_code(table)
    # CT01 count: 40 + 12 + 20 - 3
    assert (ct["CT01"].value, ct["CT01"].numerator, ct["CT01"].denominator) == (69.0, None, None)
    assert ct["CT01"].reporting == 4 and ct["CT01"].flagged == 2
    assert ct["CT01"].unit_label == "số"
    # CT02 percent: (60 + 15 + 25) / (100 + 10 + 50) = 62.5 %; 66666 sent no number.
    assert (ct["CT02"].numerator, ct["CT02"].denominator) == (100.0, 160.0)
    assert ct["CT02"].value == 62.5
    assert ct["CT02"].reporting == 3 and ct["CT02"].flagged == 2
    # CT03 yes/no: 2 of 3 communes.
    assert (ct["CT03"].numerator, ct["CT03"].denominator) == (2.0, 3.0)
    assert ct["CT03"].value == pytest.approx(200 / 3)
    assert ct["CT03"].reporting == 3 and ct["CT03"].flagged == 0
    assert ct["CT01"].label == "Chỉ tiêu CT01" and ct["CT01"].name == "Định nghĩa"
    assert ct["CT01"].targets == ("95% (quốc gia, 2030)",)

    per = {(i.code, c.commune_code): c for i in table.indicators for c in i.communes}
    assert sorted(per) == [
        ("CT01", "11111"),
        ("CT01", "22222"),
        ("CT01", "33333"),
        ("CT01", "66666"),
        ("CT02", "11111"),
        ("CT02", "22222"),
        ("CT02", "33333"),
        ("CT02", "66666"),
        ("CT03", "11111"),
        ("CT03", "22222"),
        ("CT03", "33333"),
    ]
    assert per["CT01", "11111"].previous == 100.0
    assert per["CT01", "11111"].flags == ("thay đổi lớn so với cùng kỳ năm trước (100 → 40)",)
    assert per["CT01", "22222"].previous == 5.0 and per["CT01", "22222"].flags == ()  # 7 ≤ 10
    assert per["CT01", "33333"].value == 20.0 and per["CT01", "33333"].previous is None
    assert per["CT01", "33333"].flags == ()
    assert per["CT01", "66666"].flags == ("số âm",)
    assert per["CT02", "11111"].flags == ("thay đổi lớn so với cùng kỳ năm trước (90 → 60)",)
    assert per["CT02", "22222"].flags == (
        "ngoài khoảng 0–100",
        "tử số lớn hơn mẫu số",
        "thay đổi lớn so với cùng kỳ năm trước (80 → 150)",
    )
    assert per["CT02", "33333"].flags == () and per["CT02", "66666"].flags == ()
    assert per["CT02", "22222"].numerator == 15.0 and per["CT02", "22222"].denominator == 10.0
    assert all(c.flags == () for c in ct["CT03"].communes)
    # Each indicator's count of communes to look at agrees with the per-commune checks.
    for indicator in table.indicators:
        assert indicator.flagged == sum(1 for c in indicator.communes if c.flags)


def test_combined_without_communes_and_drill(
    province: None, sessions: sessionmaker[Session]
) -> None:
    table = _combined(sessions, "xem.tinh")
    assert all(i.communes == () for i in table.indicators)
    assert _by_code(table)["CT01"].value == 69.0
    drill = reports.combined(
        sessions, users.find_user(sessions, "xem.tinh"), "2026-H1", drill="CT02"
    )
    ct = _by_code(drill)
    assert ct["CT01"].communes == ()
    assert [c.commune_code for c in ct["CT02"].communes] == ["11111", "22222", "33333", "66666"]


def test_combined_in_scope_only(province: None, sessions: sessionmaker[Session]) -> None:
    table = _combined(sessions, "xem.hai", every_commune=True)
    assert table.communes == 2
    ct = _by_code(table)
    assert ct["CT01"].value == 52.0 and ct["CT01"].reporting == 2 and ct["CT01"].flagged == 1
    assert (ct["CT02"].numerator, ct["CT02"].denominator) == (75.0, 110.0)
    assert {c.commune_code for i in table.indicators for c in i.communes} == {"11111", "22222"}


def test_a_period_without_reports_is_empty(province: None, sessions: sessionmaker[Session]) -> None:
    table = reports.combined(sessions, users.find_user(sessions, "xem.tinh"), "2024")
    assert table.communes == 0 and table.indicators == ()


def test_pages_and_workbook_show_the_same_table(province: None, web: TestClient) -> None:
    sign_in(web, "xem.tinh")
    page = web.get("/ky/2026-H1/chi-tieu").text.replace("</td>", "<").replace("<td>", ">")
    assert ">69 số<" in page and ">62,5 %<" in page and ">100<" in page and ">160<" in page
    drill = web.get("/ky/2026-H1/chi-tieu?ma=CT02").text
    assert "ngoài khoảng 0–100; tử số lớn hơn mẫu số" in drill
    book = load_workbook(io.BytesIO(web.get("/ky/2026-H1/chi-tieu.xlsx").content))
    rows = {r[0]: r for r in book["Tổng hợp"].iter_rows(min_row=4, values_only=True)}
    assert rows["CT01"][3:8] == (69.0, None, None, 4, 2)
    assert rows["CT02"][3:8] == (62.5, 100, 160, 3, 2)
    detail = list(book["Theo xã"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == 11
    assert (
        "CT01",
        "11111",
        None,
        40,
        None,
        None,
        100,
        ("thay đổi lớn so với cùng kỳ năm trước (100 → 40)"),
    ) in detail


def test_overview_and_table_agree_on_the_version_that_counts(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    # Two devices of one commune each finalised a "version 1": one of them counts, the same
    # one on the overview and in the table (the higher id), never both.
    first, second = enroll("11111"), enroll("11111")
    ids = [
        send_report(web, first, "2026", [Figure("CT01", "count", 10.0)]),
        send_report(web, second, "2026", [Figure("CT01", "count", 20.0)]),
    ]
    make_user(sessions, "xem.tinh", "viewer", "*")
    viewer = users.find_user(sessions, "xem.tinh")
    table = reports.combined(sessions, viewer, "2026", every_commune=True)
    (indicator,) = table.indicators
    assert table.communes == 1 and indicator.reporting == 1
    (commune,) = indicator.communes
    assert commune.report_id == max(ids)
    assert indicator.value == (10.0 if max(ids) == ids[0] else 20.0)
    (row,) = reports.overview(sessions, viewer, "2026").rows
    assert row.report_id == max(ids) and row.status in ("on_time", "late")
