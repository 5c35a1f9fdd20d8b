"""Population report (children under 16 by age group and sex) as PDF and XLSX."""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import cast

import openpyxl
import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from reportlab.platypus.doctemplate import LayoutError

from desktop.core.reports.document import DocumentHeader
from desktop.core.reports.population import (
    AGE_GROUPS,
    COLUMNS,
    PopulationRow,
    PopulationTable,
    population_summary,
    render_population_pdf,
    render_population_xlsx,
)

from .conftest import COMMUNE, find_run, page_fonts, page_text, text_runs


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """An empty folder of its own, so leftover temporary files would show."""
    folder = tmp_path / "báo cáo"
    folder.mkdir()
    return folder


# Inputs -------------------------------------------------------------------------------------


def test_row_and_table_totals(population: PopulationTable) -> None:
    assert [row.label for row in population.rows] == list(AGE_GROUPS)
    assert population.rows[0].total == 230
    assert population.total_male == 640
    assert population.total_female == 594
    assert population.total_unknown == 0
    assert population.total == 1234
    assert population.totals_row == PopulationRow("Tổng cộng", 640, 594, 0)


def test_negative_count_is_rejected_naming_row_and_column() -> None:
    with pytest.raises(ValueError, match="«3–5 tuổi», cột «Chưa xác định» = -1"):
        PopulationRow("3–5 tuổi", 1, 2, -1)


@pytest.mark.parametrize(
    ("name", "locality"),
    [
        ("Xã Hoàng Kim", "xã Hoàng Kim"),
        ("Hoàng Kim", "xã Hoàng Kim"),
        ("Phường Ba Đình", "phường Ba Đình"),
        ("Thị trấn Đắk Mil", "thị trấn Đắk Mil"),
    ],
)
def test_summary_names_the_locality_once(name: str, locality: str) -> None:
    table = PopulationTable(datetime.date(2026, 6, 30), name, [])
    assert population_summary(table) == (
        f"Số trẻ em dưới 16 tuổi trên địa bàn {locality} tính đến ngày 30/06/2026"
    )


# PDF ----------------------------------------------------------------------------------------


def test_pdf_keeps_vietnamese_text_and_numbers_intact(
    population: PopulationTable, header: DocumentHeader, out_dir: Path
) -> None:
    path = out_dir / "dan-so.pdf"
    render_population_pdf(population, header, path)
    assert len(PdfReader(path).pages) == 1
    text = page_text(path)
    # Lines wrap where the layout decides; compare with all white space collapsed.
    flat = " ".join(text.split())
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "XÃ ĐẮK MƠ HƯNG MỸ",
        "Đắk Mơ, ngày 03 tháng 7 năm 2026",
        "BÁO CÁO",
        "Số trẻ em dưới 16 tuổi trên địa bàn xã Đắk Mơ Hưng Mỹ tính đến ngày 30/06/2026",
        "Tính đến ngày 30/06/2026, toàn xã có 1.234 trẻ em dưới 16 tuổi, trong đó 640 nam, 594 nữ.",
        "Đơn vị tính: người",
        "Ghi chú:",
        "- Số liệu lấy từ sổ theo dõi trẻ em trong hộ gia đình.",
        "- UBND tỉnh Đắk Lắk (để b/c);",
        "TM. ỦY BAN NHÂN DÂN",
        "Nguyễn Thị Hương",
    ):
        assert expected in flat, expected
    assert "Số:      /BC-UBND" in text.replace("\u00a0", " ")
    assert flat.index("Trên đây là báo cáo") < flat.index("./.") < flat.index("Nơi nhận:")

    runs = text_runs(path)
    # Table: one row per age group, label first then Nam, Nữ, Chưa xác định, Tổng số.
    texts = [run.text for run in runs]
    start = texts.index("0–2 tuổi")
    assert texts[start : start + 5] == ["0–2 tuổi", "120", "110", "0", "230"]
    total = texts.index("Tổng cộng")
    assert texts[total : total + 5] == ["Tổng cộng", "640", "594", "0", "1.234"]
    assert all(run.face.endswith("-Bold") for run in runs[total : total + 5])
    for title in ("Nhóm tuổi", "Nam", "Nữ", "Tổng số"):
        assert find_run(runs, title).face.endswith("-Bold")
    # Numbers are right-aligned: the totals end where the group numbers end.
    group_total, grand_total = find_run(runs, "230"), find_run(runs, "1.234")
    assert group_total.x + group_total.width == pytest.approx(
        grand_total.x + grand_total.width, abs=0.5
    )


def test_pdf_embeds_liberation_serif_and_no_other_font(
    population: PopulationTable, header: DocumentHeader, out_dir: Path
) -> None:
    path = out_dir / "dan-so.pdf"
    render_population_pdf(population, header, path)
    fonts_used = page_fonts(path)
    for font in fonts_used.values():
        assert str(font["/Subtype"]) == "/TrueType"
        descriptor = cast(DictionaryObject, font["/FontDescriptor"].get_object())
        assert "/FontFile2" in descriptor, "font not embedded"
        assert "/ToUnicode" in font, "text would not extract or search"
    base_fonts = set(fonts_used)
    assert base_fonts >= {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"}
    assert all(name.startswith("LiberationSerif") for name in base_fonts)


def test_pdf_from_decomposed_input_draws_composed_text(
    population: PopulationTable, header: DocumentHeader, out_dir: Path
) -> None:
    nfd = unicodedata.normalize("NFD", COMMUNE)
    assert nfd != COMMUNE
    table = replace(population, commune_name=nfd)
    nfd_header = replace(
        header, unit_name=nfd, place=unicodedata.normalize("NFD", "Đắk Mơ"), summary=""
    )
    path = out_dir / "nfd.pdf"
    render_population_pdf(table, nfd_header, path)
    # Not normalised here: what the PDF holds must already be composed.
    raw = PdfReader(path).pages[0].extract_text()
    assert "XÃ ĐẮK MƠ HƯNG MỸ" in raw
    assert "trên địa bàn xã Đắk Mơ Hưng Mỹ" in raw
    assert "Đắk Mơ, ngày 03 tháng 7 năm 2026" in raw
    assert unicodedata.normalize("NFD", "Đắk") not in raw
    assert not any(unicodedata.combining(ch) for ch in raw)


def test_pdf_states_children_of_unknown_sex(header: DocumentHeader, out_dir: Path) -> None:
    table = PopulationTable(
        datetime.date(2026, 1, 1),
        "Phường Ba Đình",
        [PopulationRow("0–2 tuổi", 1200, 1100, 3)],
    )
    path = out_dir / "phuong.pdf"
    render_population_pdf(table, header, path)
    text = " ".join(page_text(path).split())
    assert (
        "Tính đến ngày 01/01/2026, toàn phường có 2.303 trẻ em dưới 16 tuổi, trong đó "
        "1.200 nam, 1.100 nữ và 3 trẻ chưa xác định giới tính." in text
    )
    assert "Ghi chú:" not in text


def test_pdf_keeps_a_summary_given_in_the_header(
    population: PopulationTable, header: DocumentHeader, out_dir: Path
) -> None:
    path = out_dir / "dan-so.pdf"
    render_population_pdf(population, replace(header, summary="Số liệu trẻ em quý II"), path)
    assert "Số liệu trẻ em quý II" in page_text(path)


def test_pdf_write_is_atomic(
    population: PopulationTable, header: DocumentHeader, out_dir: Path
) -> None:
    path = out_dir / "dan-so.pdf"
    render_population_pdf(population, header, path)
    assert [p.name for p in out_dir.iterdir()] == ["dan-so.pdf"]
    assert path.read_bytes().startswith(b"%PDF-")

    # A row too tall for any page makes the layout fail half-way through the document.
    path.write_bytes(b"previous report")
    broken = replace(population, rows=[PopulationRow("nhóm " * 3000, 1, 1, 0)])
    with pytest.raises(LayoutError):
        render_population_pdf(broken, header, path)
    assert path.read_bytes() == b"previous report"
    assert [p.name for p in out_dir.iterdir()] == ["dan-so.pdf"]


# XLSX ---------------------------------------------------------------------------------------


def test_xlsx_has_title_headers_and_numbers_as_numbers(
    population: PopulationTable, header: DocumentHeader, out_dir: Path
) -> None:
    path = out_dir / "dan-so.xlsx"
    render_population_xlsx(population, header, path)
    assert [p.name for p in out_dir.iterdir()] == ["dan-so.xlsx"]

    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    cells = [str(c) for row in ws.iter_rows(max_row=6, values_only=True) for c in row if c]
    assert "ỦY BAN NHÂN DÂN XÃ ĐẮK MƠ HƯNG MỸ" in cells
    assert "Địa bàn: Xã Đắk Mơ Hưng Mỹ" in cells
    assert "Tính đến ngày 30/06/2026" in cells

    header_row = next(
        r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "Nhóm tuổi"
    )
    assert tuple(ws.cell(row=header_row, column=c).value for c in range(1, 6)) == COLUMNS
    assert all(ws.cell(row=header_row, column=c).font.b for c in range(1, 6))

    data = [
        tuple(ws.cell(row=header_row + i, column=c).value for c in range(1, 6)) for i in range(1, 6)
    ]
    assert data == [
        ("0–2 tuổi", 120, 110, 0, 230),
        ("3–5 tuổi", 130, 121, 0, 251),
        ("6–10 tuổi", 210, 198, 0, 408),
        ("11–15 tuổi", 180, 165, 0, 345),
        ("Tổng cộng", 640, 594, 0, 1234),
    ]
    assert all(type(value) is int for row in data for value in row[1:])
    total_row = header_row + 5
    assert all(ws.cell(row=total_row, column=c).font.b for c in range(1, 6))
    assert not ws.cell(row=header_row + 1, column=2).font.b
    assert ws.cell(row=total_row, column=5).number_format == "#,##0"
    for r in range(header_row, total_row + 1):
        for c in range(1, 6):
            border = ws.cell(row=r, column=c).border
            assert border.left.style == border.right.style == "thin"
            assert border.top.style == border.bottom.style == "thin"
    assert ws.column_dimensions["A"].width >= 15
    assert all(ws.column_dimensions[col].width >= 10 for col in "BCDE")

    notes = [ws.cell(row=r, column=1).value for r in range(total_row + 1, ws.max_row + 1)]
    assert "- Số liệu lấy từ sổ theo dõi trẻ em trong hộ gia đình." in notes


def test_xlsx_from_decomposed_input_is_composed(
    population: PopulationTable, header: DocumentHeader, out_dir: Path
) -> None:
    nfd = unicodedata.normalize("NFD", COMMUNE)
    path = out_dir / "nfd.xlsx"
    render_population_xlsx(replace(population, commune_name=nfd), header, path)
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    values = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "Địa bàn: Xã Đắk Mơ Hưng Mỹ" in values
    assert all(unicodedata.is_normalized("NFC", v) for v in values)
