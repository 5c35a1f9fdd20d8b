"""``sotreem merge-book`` from end to end: dry run, the two CSV files edited, the merge, again."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from desktop.cli.main import run_cli
from desktop.core.services.book import Book
from desktop.core.services.demo import populate_demo
from tests.conftest import ADMIN_PASSWORD
from tests.unit.core.services.former_books import (
    FORMER_ADMIN,
    FORMER_PASSWORD,
    FormerBackup,
    add_shared_children,
    make_former_backup,
    table_counts,
)

pytestmark = pytest.mark.today("2026-03-02")


@pytest.fixture
def former(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FormerBackup:
    return make_former_backup(
        monkeypatch, tmp_path / "xa-cu", code="11111", name="Minh Hưng", seed=21
    )


@pytest.fixture
def new_book(book: Book, former: FormerBackup, monkeypatch: pytest.MonkeyPatch) -> Book:
    populate_demo(book, 50, seed=22)
    add_shared_children(book, former.shared)
    monkeypatch.setenv("SOTREEM_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("SOTREEM_RECOVERY_CODE", former.recovery_code)
    return book


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)


def test_merge_book_from_the_command_line(
    new_book: Book,
    former: FormerBackup,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    book_file = str(former.path)
    hamlets, pairs = tmp_path / "thon.csv", tmp_path / "trung.csv"

    # No mapping, no dry run: the officer is told to look first.
    assert run_cli(["merge-book", book_file, "--recovery-code"]) == 2
    assert "Cần --hamlet-map" in capsys.readouterr().err

    # Neither secret: told how to open the former book.
    assert run_cli(["merge-book", book_file, "--dry-run"]) == 2
    assert "--recovery-code" in capsys.readouterr().err

    before = table_counts(new_book)
    code = run_cli(
        ["merge-book", book_file, "--recovery-code", "--dry-run",
         "--write-hamlet-map", str(hamlets), "--write-duplicates", str(pairs)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "Sổ của xã Minh Hưng cũ (mã 11111)" in out
    assert "Chạy thử: chưa ghi gì vào sổ." in out
    mapping = _read(hamlets)
    assert mapping[0][:2] == ["Thôn cũ", "Thôn mới"]
    assert len(mapping) == 4  # the header and the three former hamlets
    listed = _read(pairs)
    assert listed[0][:3] == ["Mã hồ sơ sổ này", "Mã hồ sơ sổ xã cũ", "Gộp"]
    assert len(listed) - 1 == len(former.shared)
    counts = table_counts(new_book)
    # The dry run wrote only its audit lines (the export of the list, the daily backup).
    assert {k: v for k, v in counts.items() if k != "audit_entries"} == {
        k: v for k, v in before.items() if k != "audit_entries"
    }

    # A row mapped to nothing, and a hamlet the former book does not have: row and column.
    broken = [row[:] for row in mapping]
    broken[2][1] = ""
    broken[3][0] = "Thôn Không Có"
    _write(hamlets, broken)
    assert run_cli(["merge-book", book_file, "--recovery-code", "--hamlet-map", str(hamlets)]) == 2
    err = capsys.readouterr().err
    assert "thon.csv, dòng 3, cột “Thôn mới”: chưa ghi thôn mới" in err
    assert "thon.csv, dòng 4, cột “Thôn cũ”: sổ xã cũ không có thôn “Thôn Không Có”" in err

    # The officer renames the first former hamlet, keeps the others, confirms every pair.
    mapping[1][1] = "Thôn Minh Hưng"
    _write(hamlets, mapping)
    for row in listed[1:]:
        row[2] = "có"
    _write(pairs, listed)
    code = run_cli(
        ["merge-book", book_file, "--recovery-code", "--hamlet-map", str(hamlets),
         "--confirm-duplicates", str(pairs)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"gộp {len(former.shared)} cặp hồ sơ trùng" in out
    after = table_counts(new_book)
    assert after["persons"] == before["persons"] + former.counts["persons"]
    assert after["households"] == before["households"] + former.counts["households"]
    # The renamed hamlet is added, and so is each other one with no namesake in this book.
    added = 1 + sum(1 for row in mapping[2:] if "thêm thôn" in row[3])
    assert after["hamlets"] == before["hamlets"] + added
    merged = former.counts["merge_records"] + len(former.shared)  # its own log, and the pairs
    assert after["merge_records"] == before["merge_records"] + merged

    # Again: nothing new.
    code = run_cli(["merge-book", book_file, "--recovery-code", "--hamlet-map", str(hamlets)])
    out = capsys.readouterr().out
    assert code == 0
    assert "không có gì mới" in out
    assert table_counts(new_book)["persons"] == after["persons"]

    assert run_cli(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "Nhật ký nguyên vẹn" in out
    assert "Nhật ký của sổ xã cũ (mã 11111): nguyên vẹn" in out


def test_a_wrong_recovery_code_is_told_in_vietnamese(
    new_book: Book,
    former: FormerBackup,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOTREEM_RECOVERY_CODE", "AAAA-BBBB-CCCC-DDDD-EEEE")
    before = table_counts(new_book)
    assert run_cli(["merge-book", str(former.path), "--recovery-code", "--dry-run"]) == 2
    assert "Mã khôi phục không mở được" in capsys.readouterr().err
    assert table_counts(new_book)["persons"] == before["persons"]


def test_a_pair_marked_unclearly_names_its_row(
    new_book: Book,
    former: FormerBackup,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hamlets, pairs = tmp_path / "thon.csv", tmp_path / "trung.csv"
    code = run_cli(
        ["merge-book", str(former.path), "--recovery-code", "--dry-run",
         "--write-hamlet-map", str(hamlets), "--write-duplicates", str(pairs)]
    )  # fmt: skip
    assert code == 0
    listed = _read(pairs)
    listed[1][2] = "chắc vậy"
    _write(pairs, listed)
    capsys.readouterr()
    before = table_counts(new_book)
    code = run_cli(
        ["merge-book", str(former.path), "--recovery-code", "--hamlet-map", str(hamlets),
         "--confirm-duplicates", str(pairs)]
    )  # fmt: skip
    assert code == 2
    assert "trung.csv, dòng 2, cột “Gộp”: “chắc vậy” không rõ" in capsys.readouterr().err
    assert table_counts(new_book)["persons"] == before["persons"]


def test_the_former_book_opens_with_one_of_its_passwords(
    new_book: Book,
    former: FormerBackup,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOTREEM_RECOVERY_CODE")
    monkeypatch.setenv("SOTREEM_FORMER_PASSWORD", FORMER_PASSWORD)
    code = run_cli(["merge-book", str(former.path), "--former-user", FORMER_ADMIN, "--dry-run"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Sổ của xã Minh Hưng cũ (mã 11111)" in captured.out
    monkeypatch.setenv("SOTREEM_FORMER_PASSWORD", "sai-mat-khau")
    code = run_cli(["merge-book", str(former.path), "--former-user", FORMER_ADMIN, "--dry-run"])
    assert code == 2
    assert "Mật khẩu không mở được" in capsys.readouterr().err
