"""The hamlet-mapping and duplicate-pair files of a book merge: read back, every problem named."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.domain.errors import ValidationError
from desktop.core.services.merge_book import HamletChoice
from desktop.core.services.merge_book_files import read_confirmed_pairs, read_hamlet_map

HAMLETS = (
    HamletChoice("id-dong", "Thôn Đông", 12, "Thôn Đông"),
    HamletChoice("id-doai", "Thôn Đoài", 7, "Thôn Đoài", "id-moi"),
)


def _file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "thon.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_headers_and_names_are_matched_without_accents(tmp_path: Path) -> None:
    # Plain ASCII headers, a semicolon (Excel in Vietnamese), names typed without accents.
    path = _file(tmp_path, "thon_cu;thon_moi\nthon dong;Thôn Đông Hưng\nTHÔN ĐOÀI;Thôn 2\n")
    assert read_hamlet_map(path, HAMLETS) == {"id-dong": "Thôn Đông Hưng", "id-doai": "Thôn 2"}


def test_each_problem_names_its_row_and_column(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "Thôn cũ,Thôn mới\nThôn Đông,\nThôn Bắc,Thôn 3\n,Thôn 4\nThôn Đông,Thôn 5\n",
    )
    with pytest.raises(ValidationError) as caught:
        read_hamlet_map(path, HAMLETS)
    problems = [(p.row, p.field) for p in caught.value.problems]
    assert problems == [(2, "Thôn mới"), (3, "Thôn cũ"), (4, "Thôn cũ"), (5, "Thôn cũ")]
    text = caught.value.message_vi
    assert "thon.csv, dòng 2, cột “Thôn mới”: chưa ghi thôn mới cho thôn “Thôn Đông”" in text
    assert "dòng 3, cột “Thôn cũ”: sổ xã cũ không có thôn “Thôn Bắc”" in text
    assert "(các thôn của sổ xã cũ: “Thôn Đông”, “Thôn Đoài”)" in text
    assert "dòng 4, cột “Thôn cũ”: chưa ghi." in text
    assert "dòng 5, cột “Thôn cũ”: thôn “Thôn Đông” đã ghi ở dòng 2" in text


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = _file(tmp_path, "Thôn cũ,Ghi chú\nThôn Đông,x\n")
    with pytest.raises(ValidationError, match="dòng 1: thiếu cột “Thôn mới”"):
        read_hamlet_map(path, HAMLETS)


def test_confirmed_pairs_are_the_rows_marked_co(tmp_path: Path) -> None:
    path = tmp_path / "trung.csv"
    path.write_text(
        "Mã hồ sơ sổ này,Mã hồ sơ sổ xã cũ,Gộp,Họ tên (sổ này)\n"
        "a1,b1,có,Lan\na2,b2,,Minh\na3,b3,Không,Vy\na4,b4,x,Thu\n",
        encoding="utf-8-sig",
    )
    assert read_confirmed_pairs(path) == [("a1", "b1"), ("a4", "b4")]


def test_a_confirmed_pair_without_an_id_is_named(tmp_path: Path) -> None:
    path = tmp_path / "trung.csv"
    path.write_text("Mã hồ sơ sổ này,Mã hồ sơ sổ xã cũ,Gộp\n,b1,có\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="dòng 2, cột “Mã hồ sơ sổ này”: chưa ghi mã"):
        read_confirmed_pairs(path)
