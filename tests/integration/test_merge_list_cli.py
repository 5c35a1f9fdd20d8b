"""``sotreem merge-list``: a former commune's Excel list, dry run, the files edited, again."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from desktop.cli.main import run_cli
from desktop.core.importer.rejected import ERROR_HEADER
from desktop.core.services.book import Book
from desktop.core.storage.models import ChangeEvent, Hamlet, Household, Person
from tests.conftest import ADMIN_PASSWORD
from tests.unit.core.importer.conftest import TODAY
from tests.unit.core.services.former_lists import fill_new_book, former_list

pytestmark = pytest.mark.today(TODAY.isoformat())

FORMER = ["--commune-code", "11111", "--commune-name", "xã Minh Hưng"]


@pytest.fixture
def new_book(book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Book:
    fill_new_book(book, tmp_path)
    monkeypatch.setenv("SOTREEM_PASSWORD", ADMIN_PASSWORD)
    return book


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _counts(book: Book) -> dict[str, int]:
    with book.read() as session:
        return {
            m.__tablename__: int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Hamlet, Household, Person, ChangeEvent)
        }


def test_merge_list_from_the_command_line(
    new_book: Book, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(former_list(tmp_path))
    hamlets, pairs, rejected = tmp_path / "thon.csv", tmp_path / "trung.csv", tmp_path / "loi.xlsx"

    # No mapping, no dry run: the officer is told to look first.
    assert run_cli(["merge-list", source, *FORMER]) == 2
    assert "Cần --hamlet-map" in capsys.readouterr().err
    # This commune's own code: refused, named.
    code = run_cli(["merge-list", source, "--commune-code", "12345", "--commune-name", "Minh Hưng",
                    "--dry-run"])  # fmt: skip
    assert code == 2
    assert "Mã xã cũ: 12345 là mã của chính Xã Hoàng Kim đang dùng" in capsys.readouterr().err

    before = _counts(new_book)
    code = run_cli(
        ["merge-list", source, *FORMER, "--dry-run", "--write-hamlet-map", str(hamlets),
         "--write-duplicates", str(pairs), "--rejected", str(rejected)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1  # a row has an error: as ``sotreem import``
    assert "Danh sách của xã Minh Hưng cũ (mã 11111)" in out
    assert "Dòng 9, cột “Ngày sinh”" in out
    assert "Chạy thử: chưa ghi gì vào sổ." in out
    assert f"Đã ghi 1 dòng có lỗi (kèm cột lỗi) vào: {rejected}" in out
    sheet = load_workbook(rejected).active
    assert sheet is not None
    assert ERROR_HEADER in [c.value for c in next(sheet.iter_rows())]
    mapping = _read(hamlets)
    assert [r[:2] for r in mapping] == [
        ["Thôn cũ", "Thôn mới"],
        ["Thôn Đông", "Thôn Đông"],
        ["Xóm Bến", "Xóm Bến"],
        ["Xóm Chợ", "Xóm Chợ"],
    ]
    listed = _read(pairs)
    assert listed[0][:3] == ["Mã hồ sơ sổ này", "Mã hồ sơ sổ xã cũ", "Gộp"]
    assert sorted(r[6] for r in listed[1:]) == ["Nguyễn Thị Mai", "Trần Văn Bình"]
    assert _counts(new_book) == before

    # Xóm Chợ joins Thôn Tây; only Mai is confirmed.
    mapping[3][1] = "Thôn Tây"
    _write(hamlets, mapping)
    for line in listed[1:]:
        line[2] = "có" if line[6] == "Nguyễn Thị Mai" else ""
    _write(pairs, listed)
    run = ["merge-list", source, *FORMER, "--hamlet-map", str(hamlets),
           "--confirm-duplicates", str(pairs), "--rejected", str(rejected)]  # fmt: skip
    assert run_cli(run) == 1
    out = capsys.readouterr().out
    assert "Đã gộp danh sách của xã Minh Hưng cũ: 4 hộ, 5 nhân khẩu, 1 thôn mới, gộp 1 cặp" in out
    after = _counts(new_book)
    assert after["households"] == before["households"] + 4
    assert after["persons"] == before["persons"] + 5
    assert after["hamlets"] == before["hamlets"] + 1
    assert after["change_events"] == before["change_events"] + 4

    # The same command again: nothing new.
    assert run_cli(run) == 1
    out = capsys.readouterr().out
    assert "đã được gộp từ trước: không có gì mới, sổ không thay đổi" in out
    assert _counts(new_book) == after

    assert run_cli(["audit", "verify"]) == 0
    assert "Nhật ký nguyên vẹn" in capsys.readouterr().out
