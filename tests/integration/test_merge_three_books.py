"""Issue 17 end to end at a small scale: three former books into one, and the real server.

The benchmark ``tests/bench/merge_books.py`` at 50 / 60 / 90 children with 5 % of them in two
books: each former book synced to the real server (a subprocess on 127.0.0.1, SQLite and
PostgreSQL) under its own code and backed up; the new book brings the three in, confirming
the planted pairs; the merge is declared upstream; the new book syncs. Every check of the
benchmark must pass, and the figures must be exactly those of the planted books.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.bench import merge_books
from tests.bench.harness import TODAY
from tests.unit.core.sync.conftest import drop_everything

pytestmark = [pytest.mark.today(TODAY.isoformat()), pytest.mark.slow]

PG_URL = os.environ.get("SOTREEM_TEST_PG_URL", "")
SIZES = (50, 60, 90)
SHARE = 0.05  # 10 of the 200 children are in two books
CHECKS = {
    "sổ xã 11111 đồng bộ hết lên máy chủ dưới mã của nó",
    "sổ xã 22222 đồng bộ hết lên máy chủ dưới mã của nó",
    "sổ xã 33333 đồng bộ hết lên máy chủ dưới mã của nó",
    "sổ xã 11111: mọi cặp đã cài đều được liệt kê",
    "sổ xã 22222: mọi cặp đã cài đều được liệt kê",
    "sổ xã 33333: mọi cặp đã cài đều được liệt kê",
    "ba sổ gộp trong ≤ 60 s",
    "số dòng từng bảng = sổ mới + các sổ cũ + phần gộp thêm",
    "nhân khẩu còn hiệu lực = tổng ba sổ cũ − số cặp trùng",
    "nhật ký của sổ mới nguyên vẹn",
    "nhật ký của ba sổ xã cũ giữ nguyên vẹn",
    "gộp lại cùng ba bản sao lưu không tạo gì",
    "máy chủ ghi nhận việc gộp",
    "sổ mới đồng bộ xong, không xung đột",
    "sổ mới biết cấp trên đã ghi nhận việc gộp ba xã cũ",
    "máy chủ giữ đúng từng bảng của sổ mới dưới mã mới",
    "máy chủ giữ mỗi trẻ một lần dưới mã mới",
    "không còn nhân khẩu, hồ sơ nào dưới mã các xã cũ",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> object:
    """None (the server's SQLite file) or the scratch PostgreSQL database, emptied."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    if request.param == "sqlite":
        yield None
        return
    if not PG_URL:
        pytest.skip("SOTREEM_TEST_PG_URL is not set")
    drop_everything(PG_URL)
    try:
        yield PG_URL
    finally:
        drop_everything(PG_URL)


def test_three_former_books_merge_into_one_and_the_server_holds_each_child_once(
    db_url: str | None, tmp_path: Path
) -> None:
    report = merge_books.run(SIZES, SHARE, cache=tmp_path / "cache", db_url=db_url)

    failed = [(name, detail) for name, ok, detail in report.checks if not ok]
    assert not failed
    assert {name for name, _ok, _detail in report.checks} == CHECKS
    # The pairs planted in the later books, shared by their sizes, each listed, none other.
    assert [(b.code, b.planted, b.listed, b.extra) for b in report.books] == [
        ("11111", 0, 0, 0),
        ("22222", 4, 4, 0),
        ("33333", 6, 6, 0),
    ]
    rows = {table: (former, new, why) for table, former, new, why in report.table_rows}
    # Nothing lost: every record of the three books is in the new one.
    for table in ("households", "persons", "guardian_links", "supports", "injuries"):
        assert rows[table][0] == rows[table][1] > 0, table
    # Each household brought in got its line "thuộc xã … cũ"; each pair its merge record.
    assert rows["change_events"][1] - rows["change_events"][0] == rows["households"][1]
    assert rows["merge_records"][1] - rows["merge_records"][0] == 10
    former_live, new_live, _why = rows["persons (còn hiệu lực)"]
    assert new_live == former_live - 10
    # Upstream: each child once under the new code; the new book sent only what the merge
    # changed (the history lines and the merged pairs), far less than it holds.
    assert report.server_persons == new_live
    assert 0 < report.new_sync_sent < sum(b.rows for b in report.books) / 2
    pending = report.pending_before_sync
    # The record folded into its pair (tombstoned) always; the kept one when it took a value.
    assert 10 <= pending["persons"] <= 2 * 10
    assert "households" not in pending and "hamlets" not in pending  # hamlets kept their ids
    assert pending["change_events"] >= rows["households"][1]  # the history lines at least
    assert report.new_sync_sent == sum(pending.values())
