"""Hostile .xlsx files (issue 20): built here with zipfile, refused or read fast and small.

The figures for the full-size bombs (400 MB cell, 3 million blank rows) are measured by
hand and in docs/performance.md; these tests use the same builders at sizes that keep the
suite quick but still cross every limit.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from desktop.core.importer import reader
from desktop.core.importer.reader import MAX_BLANK_RUN, MAX_CELL_CHARS, ImportFileError
from tests.bench import hostile_files


def test_a_cell_bomb_in_the_shared_strings_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = hostile_files.cell_bomb(tmp_path / "bom.xlsx", cell_mb=70)
    assert bomb.stat().st_size < 1024 * 1024  # a small file that declares 70 MB
    with pytest.raises(ImportFileError) as refused:
        reader.read_sheet(bomb)
    assert "sharedStrings.xml" in refused.value.message_vi
    assert "Chưa có gì được nhập" in refused.value.message_vi


def test_an_inline_cell_bomb_is_refused_by_its_compression_ratio(tmp_path: Path) -> None:
    bomb = hostile_files.cell_bomb(tmp_path / "bom.xlsx", cell_mb=8, shared=False)
    with pytest.raises(ImportFileError) as refused:
        reader.read_sheet(bomb)
    assert "nén" in refused.value.message_vi and "lần" in refused.value.message_vi


def test_a_cell_longer_than_excel_allows_is_refused_naming_the_cell(tmp_path: Path) -> None:
    # Under every archive limit (40 kB), but longer than any Excel cell.
    path = tmp_path / "dai.xlsx"
    headers = hostile_files._headers()

    def sheet() -> object:
        yield hostile_files._SHEET_HEAD + hostile_files._row(1, headers)
        yield hostile_files._row(2, ["x" * (MAX_CELL_CHARS + 1)])
        yield hostile_files._SHEET_TAIL

    hostile_files._write(path, sheet())  # type: ignore[arg-type]
    with pytest.raises(ImportFileError) as refused:
        reader.read_sheet(path)
    assert "A2" in refused.value.message_vi
    assert "32.767" in refused.value.message_vi


def test_trailing_blank_rows_stop_the_reading(tmp_path: Path) -> None:
    bomb = hostile_files.blank_rows_bomb(tmp_path / "trong.xlsx", blank_rows=200_000)
    sheet = reader.read_sheet(bomb)
    assert [row.number for row in sheet.rows] == [1, 2, 3, 4]
    assert any("dừng đọc" in notice for notice in sheet.notices)


def test_data_after_a_long_blank_run_is_refused_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "khoang.xlsx"
    headers = hostile_files._headers()

    def sheet() -> object:
        yield hostile_files._SHEET_HEAD + hostile_files._row(1, headers)
        yield hostile_files._row(2, ["Thôn Đông", "H001"])
        for number in range(3, MAX_BLANK_RUN + 10):
            yield f'<row r="{number}"><c r="A{number}" s="0"/></row>'
        yield hostile_files._row(MAX_BLANK_RUN + 10, ["Thôn Tây", "H002"])
        yield hostile_files._SHEET_TAIL

    hostile_files._write(path, sheet())  # type: ignore[arg-type]
    with pytest.raises(ImportFileError) as refused:
        reader.read_sheet(path)
    assert "dòng trống liên tiếp" in refused.value.message_vi
    assert "dòng 2" in refused.value.message_vi


def test_an_ordinary_file_passes_the_archive_check(tmp_path: Path) -> None:
    path = hostile_files.blank_rows_bomb(tmp_path / "thuong.xlsx", blank_rows=0)
    assert zipfile.is_zipfile(path)
    assert len(reader.read_sheet(path).rows) == 4
