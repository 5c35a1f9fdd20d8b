"""No sheet of an exported workbook passes through a temporary file in clear (%TEMP%)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import msoffcrypto
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet import _writer

from desktop.core.reports.protect import ExportProtection
from desktop.core.reports.xlsx_list import ListColumn, ListTable, render_list_xlsx
from desktop.core.reports.xlsx_memory import CompressedSheet, new_workbook

NAME = "Nguyễn Thị Mai"
TABLE = ListTable(
    title="DANH SÁCH TRẺ EM",
    issuer="ỦY BAN NHÂN DÂN XÃ HOÀNG KIM",
    subtitle=None,
    columns=(ListColumn("TT", 5, "number"), ListColumn("Họ tên"), ListColumn("Số định danh", 15)),
    rows=[(n, f"{NAME} {n}", f"0383190{n:05d}") for n in range(1, 3001)],
)


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """%TEMP% for this test, and openpyxl's temporary-file maker refused."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))

    def refused(suffix: str = "") -> str:
        raise AssertionError("openpyxl wrote a sheet to a temporary file")

    monkeypatch.setattr(_writer, "create_temporary_file", refused)
    return folder


@pytest.mark.parametrize("password", [None, "mat-khau-tep-1"])
def test_a_streamed_list_never_touches_temp(
    temp_dir: Path, tmp_path: Path, password: str | None
) -> None:
    target = tmp_path / "ds.xlsx"
    assert render_list_xlsx(TABLE, target, ExportProtection(password)) == 3000
    assert list(temp_dir.iterdir()) == []
    data = target.read_bytes()
    if password:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password)
        plain = io.BytesIO()
        office.decrypt(plain)
        plain.seek(0)
        sheet = load_workbook(plain).active
    else:
        sheet = load_workbook(target).active
    assert sheet is not None
    names = [row[1] for row in sheet.iter_rows(values_only=True) if row[1]]
    assert f"{NAME} 1" in names and f"{NAME} 3000" in names
    assert sum(1 for n in names if str(n).startswith(NAME)) == 3000


def test_a_normal_workbook_never_touches_temp(temp_dir: Path, tmp_path: Path) -> None:
    workbook = new_workbook()
    sheet = workbook.active
    assert sheet is not None
    for n in range(500):
        sheet.append([n, f"{NAME} {n}"])
    workbook.create_sheet("Thứ hai").append(["Hai"])
    target = tmp_path / "bang.xlsx"
    workbook.save(target)
    assert list(temp_dir.iterdir()) == []
    back = load_workbook(target)
    assert back.sheetnames == ["Sheet", "Thứ hai"]
    assert back["Sheet"]["B500"].value == f"{NAME} 499"
    assert back["Thứ hai"]["A1"].value == "Hai"


def test_the_compressed_sheet_gives_back_every_byte_in_small_chunks() -> None:
    sheet = CompressedSheet()
    text = "".join(f"<row r='{n}'><c><v>{NAME} {n}</v></c></row>" for n in range(60_000))
    for start in range(0, len(text), 7_000):
        sheet.write(text[start : start + 7_000].encode())
    chunks = list(sheet.chunks())
    assert b"".join(chunks).decode() == text
    assert max(len(c) for c in chunks) <= 1 << 20
    assert sheet.size == len(text.encode())
    assert sum(len(b) for b in sheet._blocks) < sheet.size / 5  # kept compressed
    with pytest.raises(ValueError, match="closed"):
        sheet.write(b"x")
